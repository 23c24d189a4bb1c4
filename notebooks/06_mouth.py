# %% [markdown]
# # 06 · Open mouth, closed mouth: what the training set lacks · 张嘴与闭嘴：训练集里缺的东西
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/06_mouth.ipynb)
#
# **Article:** experiment 5. With only the open-mouth picture, a closed mouth is very hard to get. With two pictures tagged `weiwei, open mouth` and `weiwei, closed mouth`, the prompt controls the mouth. The training set matters most; tags make it usable.
#
# > **原文**：实验 5。训练集里只有那张张着嘴的图时，很难画出闭嘴。换成两张图，分别打上 `weiwei, open mouth` 和 `weiwei, closed mouth`，嘴型就能用提示词控制了。最要紧的是训练集；标签的作用是让它用得上。
#
# You will see: the two training sets; the two LoRAs at w = 0.6, 0.8 and 1 with both mouth prompts; how often the mouth does what the prompt asks; and the same checks on the same pictures trained to the article's length (chosen by a rule on a calibration character: E4 in the experiment log), the article's regime.
#
# > 你会看到：两个训练集；两个 LoRA 在 w = 0.6、0.8、1 下分别配上两种嘴型提示词画出的图；嘴型照提示词的要求画出来的比例；以及文章的训练程度下的同样检验：把同样的图训练到文章的长度（这个长度由一条规则在一个校准角色上选出，见实验日志里的 E4），再检验一遍。

# %%
import sys  # on Colab, the next line installs the course, its code and data; anywhere else it does nothing
if "google.colab" in sys.modules: get_ipython().run_line_magic("pip", "install -q git+https://github.com/lora-course/lora_course")

# %%
from lora_course import course
from lora_course.measure import claims, readings, stats, training_length as tl
from lora_course.widgets import plots
from lora_course.measure.experiments import C5   # what this notebook draws, declared once for the course
lab = course.setup()

# %%
course.show_set("mouth_2")

# %%
one = lab.train("weiwei_1")
two = lab.train("mouth_2")


# %% [markdown]
# ## The article's pictures first · 先看文章的图
# The article shows pictures, not numbers. Here are its prompts on the first four seeds, drawn three ways: by the base model alone, by the course's light LoRA, and by a LoRA trained to the article's length (a rule chose it on a calibration character: E4 in the experiment log), each LoRA at w = 0.6 and 1. Look at the mouth asked to close: does it close, stay open, or fall between the two?
#
# > 文章给的是图，不是数字。下面用前四个种子，把文章的提示词按三种方式各画一遍：只用底模；用课程的轻量 LoRA；用训练到文章长度的 LoRA（这个长度由一条规则在一个校准角色上选出：见实验日志里的 E4）。两个 LoRA 都取 w = 0.6 和 1。看被要求闭上的嘴：是闭上了、仍张着，还是介于两者之间？

# %%
course.article_pictures(lab, "weiwei_1", C5.prompts[1:])

# %%
prompts = list(C5.prompts)
sw_one = lab.sweep(prompts, one, weights=C5.weights)
sw_two = lab.sweep(prompts, two, weights=C5.weights)
lab.grid(sw_one, title="one open-mouth picture")

# %%
lab.grid(sw_two, title="two pictures, mouth tagged")

# %%
plots.mouth_figure(sw_one, sw_two)

# %% [markdown]
# ## Verdict (claim C5) · 结论（论断 C5）

# %%
# NBVAL_CHECK_OUTPUT
verdict = claims.c5(sw_one, sw_two)
verdict.show()

# %%
plots.verdict_figure(verdict)   # the verdict on one number line: each measured number against its bar

# %%
readings.explain(verdict)

# %% [markdown]
# ## Beside it: the article's regime · 对照：文章的训练程度
# The verdict above is the course's recipe (its length is chosen by a rule that looks only at whether she appears, printed when the LoRAs were loaded). The article's LoRAs are trained until the picture is learned by heart. One run of each LoRA, kept at the article's length (notebook 14 draws every kept length, from 25 to 600 steps), the same prompts, weights and seeds, the same checks:
#
# > 上面的结论用的是课程自己的配方（训练长度由一条只看"她有没有出现"的规则选定，加载 LoRA 时已经打印出来）。文章里的 LoRA 则一直训练到把图背得滚瓜烂熟为止。下面每个 LoRA 各训练一次，保留训练到文章的长度时的版本（从 25 步到 600 步的每个保留长度，第 14 课都画了出来），用同样的提示词、权重和种子，做同样的检验：

# %%
long_one = lab.train_along("weiwei_1", tl.KEEP_STEPS)[tl.ARTICLE_STEPS]
long_two = lab.train_along("mouth_2", tl.KEEP_STEPS)[tl.ARTICLE_STEPS]
lo_one = lab.sweep(prompts, long_one, weights=C5.weights)
lo_two = lab.sweep(prompts, long_two, weights=C5.weights)
lab.grid(lo_one, title=f"one open-mouth picture, {tl.ARTICLE_STEPS} steps")

# %%
# NBVAL_CHECK_OUTPUT
verdict_article = claims.c5(lo_one, lo_two)
verdict_article.show(regime=f"{tl.ARTICLE_STEPS} steps")

# %%
readings.explain(verdict_article, steps=tl.ARTICLE_STEPS)

# %%
# the one-picture LoRA at the article's length, asked for a closed mouth at full weight: the unclear pictures, counted both ways
point = ("weiwei, closed mouth", 1.0)
readings.say("At {steps} steps and w = 1, the tagger finds something unclear on {unclear} of the one-picture "
             "LoRA's `weiwei, closed mouth` pictures. Her with a closed mouth: {strict} of the seeds with the "
             "unclear pictures counted as not, {loose} with them counted as what was asked.",
             "训练到 {steps} 步、w = 1 时，单图 LoRA 画的 `weiwei, closed mouth` 里，标注器在 {unclear} 的图上"
             "读出了模棱两可之处。闭着嘴的她：把模棱两可的图算作不是，占 {strict}；算作提示词要的样子，占 {loose}。",
             steps=tl.ARTICLE_STEPS, unclear=lo_one.unclear(*point),
             strict=stats.share(lo_one.her_and(*point, ["closed mouth"])),
             loose=stats.share(lo_one.her_and(*point, ["closed mouth"], unclear_counts=True)))

# %% [markdown]
# ## Reading it · 怎么读这个结果
# - **What is checked.** At w = 1, the one-picture LoRA asked for `weiwei, closed mouth` should give her closed-mouthed on at most 0.3 of the seeds; the two-picture LoRA, her with either mouth on request on at least 0.7.
# - **Why either outcome is possible.** The base model knows `closed mouth`: a lightly trained LoRA leaves it room; one that learned its picture by heart may draw the open mouth anyway. Compare the two verdicts above (the recipe's length, the article's).
# - **In-between mouths** (an overfit LoRA may draw them) are unclear and count as not closed; a check line prints the other reading where it would change the outcome.
# - **The article** shows the far end of this race; notebook 14 follows the mouth along the training length.
# - **Training runs.** The recipe's verdict rests on three training runs of each LoRA (each check line shows the runs' own shares); the article's-length one on a single run, and across 16 runs at that length (E6 in the [experiment log](../docs/experiment_log.md)) the one-picture check sits on its bar, so one run can land either side.
#
# > <!-- zh: reading -->
# > - **检验什么。** w = 1 时，单图 LoRA 画 `weiwei, closed mouth`，闭着嘴的她应至多占 0.3 的种子；双图 LoRA 要哪种嘴型，那种嘴型的她都应至少占 0.7。
# > - **为什么两种结果都有可能。** 底模认识 `closed mouth`：训练得轻的 LoRA 给它留了余地；把那张图背下来的 LoRA 可能照样画张着的嘴。对比上面两个结论（配方的训练长度、文章的长度）。
# > - **介于张闭之间的嘴**（过拟合的 LoRA 可能画出来）是模棱两可的，算作没有闭嘴；另一种读法若会改变结果，检验行会把它印出来。
# > - **文章**画的是这场赛跑的终点；第 14 课沿着训练长度追踪嘴型。
# > - **独立训练。** 配方长度的结论靠每个 LoRA 的三次独立训练（检验行印着每次各自的比例）；文章长度的结论只靠一次。在文章长度下做 16 次独立训练（[实验日志](../docs/experiment_log.md)中的 E6），单图那项检验正好落在门槛上，所以一次训练落在哪一边都有可能。

# %% [markdown]
# ## Things to try · 动手试试
# - Find the length at which `closed mouth` stops working: notebook 14 follows it from 25 to 600 steps, so keep the lengths in between and beyond, `lab.train_along("weiwei_1", (300, 400, 500, 600, 800, 1000))[k]`, and sweep each k.
# - Drop the mouth tags from the two-picture set (`lora_course.datasets.dataset.remove_tag_everywhere`) and retrain, at 50 steps and at the article's length: the pictures are the same; is the control gone? (Notebook 09 asks the same of four pictures whose captions never name the mouth.)
# - Lower the weight of the article's-length one-picture LoRA (`long_one`) until closed mouths appear: look at w = 0.8 and 0.6 in its grid above, then lower if needed (`lab.sweep(prompts, long_one, weights=(0.2, 0.4))`). At which weight do they appear, and is she still her there? (Notebook 14 measures how much of her `weiwei` alone keeps at w = 0.6 at the article's length.)
#
# > - 找出训练到多长时 `closed mouth` 开始失灵：第 14 课从 25 步追踪到 600 步，所以把两者之间以及更长的长度也保留下来，`lab.train_along("weiwei_1", (300, 400, 500, 600, 800, 1000))[k]`，对每个 k 扫描一遍。
# > - 从两张图的训练集里删掉嘴型标签（`lora_course.datasets.dataset.remove_tag_everywhere`），分别训练 50 步和训练到文章的长度：图还是那两张，还能控制嘴型吗？（第 09 课对四张标注里从没写过嘴型的图问了同样的问题。）
# > - 把训练到文章长度的单图 LoRA（`long_one`）的权重一路调低，直到出现闭嘴：先看上面它的图里 w = 0.8 和 0.6 的格子，不够再往下调（`lab.sweep(prompts, long_one, weights=(0.2, 0.4))`）。闭嘴在多大的权重下出现？那时画的还是她吗？（第 14 课测了训练到文章长度时，单写 `weiwei` 在 w = 0.6 下还保留了她的多少。）

# %% [markdown]
# <!-- nav -->
# ← previous / 上一课: [05 · `fox` as the trigger: possessing a sect member](05_fox_trigger.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一课: [07 · Crying and smiling: combining tags](07_cry_smile.ipynb) →
