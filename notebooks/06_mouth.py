# %% [markdown]
# # 06 · Open mouth, closed mouth: what the training set lacks · 张嘴与闭嘴：训练集里缺的东西
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/06_mouth.ipynb)
#
# **Article:** experiment 5. With only the open-mouth picture, a closed mouth is very hard to get. With two pictures tagged `weiwei, open mouth` and `weiwei, closed mouth`, the prompt controls the mouth. The training set matters most; tags make it usable.
#
# > **原文**：实验 5。训练集里只有那张张着嘴的图时，很难画出闭嘴。换成两张图，分别打上 `weiwei, open mouth` 和 `weiwei, closed mouth`，嘴型就能用提示词控制了。最要紧的是训练集；标签的作用是让它用得上。
#
# You will see: the two training sets; the two LoRAs at w = 0.6, 0.8 and 1 with both mouth prompts; how often the mouth does what the prompt asks; the verdict, decided on the article's LoRAs (the article's recipe, three training runs of each, shipped with the course); and beside it the same checks on the same pictures trained with the light recipe (50 steps, UNet only): what a quick LoRA does.
#
# > 你会看到：两个训练集；两个 LoRA 在 w = 0.6、0.8、1 下分别配上两种嘴型提示词画出的图；嘴型照提示词的要求画出来的比例；在文章的 LoRA 上判定的结论（文章的配方，每个 LoRA 三次独立训练，随课程一起提供）；以及在结论旁边，用轻配方（50 步，只训练 UNet）训练同样的图，再做一遍同样的检验：看看一个快速训出的 LoRA 会怎样。

# %%
import sys  # on Colab, the next line installs the course, its code and data; anywhere else it does nothing
if "google.colab" in sys.modules: get_ipython().run_line_magic("pip", "install -q git+https://github.com/lora-course/lora_course")

# %%
from lora_course import course
from lora_course.measure import claims, readings, stats
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
# The article shows pictures, not numbers. Here are its prompts on the first four seeds, drawn three ways: by the base model alone, by the article's LoRA (the one this notebook's verdict reads: 800 steps, a text-encoder LoRA beside the UNet LoRA, a recipe chosen by pre-registered rules on a calibration character, E12 in the experiment log), and by the light recipe's (50 steps, UNet only), each LoRA at w = 0.6 and 1. Look at the mouth asked to close: does it close, stay open, or fall between the two?
#
# > 文章给的是图，不是数字。下面用前四个种子，把文章的提示词按三种方式各画一遍：只用底模；用文章的 LoRA（本课的结论读的就是它：训练 800 步，UNet LoRA 旁边还有一个文本编码器 LoRA，这个配方由几条事先登记的规则在一个校准角色上选出，见实验日志里的 E12）；用轻配方的 LoRA（50 步，只训练 UNet）。两个 LoRA 都取 w = 0.6 和 1。看被要求闭上的嘴：是闭上了、仍张着，还是介于两者之间？

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

# %%
# the article's one-picture LoRA (trained to the length where a picture is copied), asked for a closed mouth at full weight: the unclear pictures, counted both ways
point = ("weiwei, closed mouth", 1.0)
readings.say("At {steps} steps and w = 1, the tagger finds something unclear on {unclear} of the one-picture "
             "LoRA's `weiwei, closed mouth` pictures. Her with a closed mouth: {strict} of the seeds with the "
             "unclear pictures counted as not, {loose} with them counted as what was asked.",
             "训练到 {steps} 步、w = 1 时，单图 LoRA 画的 `weiwei, closed mouth` 里，标注器在 {unclear} 的图上"
             "读出了模棱两可之处。闭着嘴的她：把模棱两可的图算作不是，占 {strict}；算作提示词要的样子，占 {loose}。",
             steps=course.ARTICLE_LORA.steps, unclear=sw_one.unclear(*point),
             strict=stats.share(sw_one.her_and(*point, ["closed mouth"])),
             loose=stats.share(sw_one.her_and(*point, ["closed mouth"], unclear_counts=True)))

# %% [markdown]
# ## Beside it: the light recipe · 对照：轻配方
# The verdict above reads the article's LoRAs: a text-encoder LoRA beside the UNet LoRA, trained 800 steps, the length at which a one-picture LoRA of the calibration character copies its picture (the recipe line printed when they were loaded). A quick LoRA is trained otherwise. The light recipe trains the UNet alone for 50 steps, the length at which she first appears (notebook 14's recipe rule), in seconds on a CPU. Its LoRAs, three training runs of each, with the same prompts, weights and seeds, and the same checks:
#
# > 上面的结论读的是文章的 LoRA：UNet LoRA 旁边还有一个文本编码器 LoRA，训练 800 步，也就是校准角色的单图 LoRA 开始照搬它那张图的长度（加载时打印的那一行写着这个配方）。快速训出的 LoRA 则不是这样练的。轻配方只训练 UNet，训练 50 步，也就是她刚出现时的长度（第 14 课的配方规则），在 CPU 上几秒钟就好。下面是它的 LoRA（同样每个三次独立训练），用同样的提示词、权重和种子，做同样的检验：

# %%
light_one = lab.train_light("weiwei_1")
light_two = lab.train_light("mouth_2")
li_one = lab.sweep(prompts, light_one, weights=C5.weights)
li_two = lab.sweep(prompts, light_two, weights=C5.weights)
lab.grid(li_one, title=f"one open-mouth picture, the light recipe ({course.LIGHT_LORA.steps} steps)")

# %%
# NBVAL_CHECK_OUTPUT
verdict_light = claims.c5(li_one, li_two)
verdict_light.show(regime="the light recipe", regime_zh="轻配方")

# %%
readings.explain(verdict_light, steps=course.LIGHT_LORA.steps)

# %% [markdown]
# ## Reading it · 怎么读这个结果
# - **What is checked.** At w = 1, the one-picture LoRA asked for `weiwei, closed mouth` should give her closed-mouthed on at most 0.3 of the seeds; the two-picture LoRA, her with either mouth on request on at least 0.7.
# - **Why either outcome is possible.** The base model knows `closed mouth`: a LoRA that learned her but not her picture leaves it room; one that learned its picture by heart may draw the open mouth anyway. The article's recipe trains to the length at which a picture is copied, the light recipe stops when she appears: compare the two verdicts above.
# - **In-between mouths** (an overfit LoRA may draw them) are unclear and count as not closed; the line under the verdict counts them both ways.
# - **The article** shows the far end of this race; notebook 14 follows the mouth along the light recipe's training length.
# - **Training runs.** Both verdicts rest on three training runs of each LoRA (each check line shows the runs' own shares); where the runs disagree, more runs, not more seeds, would decide.
#
# > <!-- zh: reading -->
# > - **检验什么。** w = 1 时，单图 LoRA 画 `weiwei, closed mouth`，闭着嘴的她应至多占 0.3 的种子；双图 LoRA 要哪种嘴型，那种嘴型的她都应至少占 0.7。
# > - **为什么两种结果都有可能。** 底模认识 `closed mouth`：学会了她、却没把那张图背下来的 LoRA 给它留了余地；把那张图背下来的 LoRA 可能照样画张着的嘴。文章的配方一直训练到图被照搬的长度，轻配方在她一出现时就停：对比上面两个结论。
# > - **介于张闭之间的嘴**（过拟合的 LoRA 可能画出来）是模棱两可的，算作没有闭嘴；结论下面那一行按两种读法都算了一遍。
# > - **文章**画的是这场赛跑的终点；第 14 课沿着轻配方的训练长度追踪嘴型。
# > - **独立训练。** 两个结论都靠每个 LoRA 的三次独立训练（检验行印着每次各自的比例）；几次训练彼此不一致时，要定下来，该多做几次独立训练，而不是多加种子。

# %% [markdown]
# ## Things to try · 动手试试
# - Find the length at which `closed mouth` stops working with the article's recipe: train it at half its length, `lab.train("weiwei_1", LoraTrainConfig(steps=400, unet_lr=5e-4, text_encoder_lr=2e-3), name="half_article")` (`from lora_course.lora import LoraTrainConfig`; minutes on a CPU), and sweep it as `one` above. Notebook 14 maps the light recipe from 25 to 600 steps.
# - Drop the mouth tags from the two-picture set (`lora_course.datasets.dataset.remove_tag_everywhere`) and retrain on the copy, with the light recipe (`lab.train_light(Path(...))`) and with the article's (`lab.train(Path(...))`): the pictures are the same; is the control gone? (Notebook 09 asks the same of four pictures whose captions never name the mouth.)
# - Lower the weight of the article's one-picture LoRA (`one`) until closed mouths appear: look at w = 0.8 and 0.6 in its grid above, then lower if needed (`lab.sweep(prompts, one, weights=(0.2, 0.4))`). At which weight do they appear, and is she still her there?
#
# > - 找出用文章的配方训练到多长时 `closed mouth` 开始失灵：只训练一半的长度，`lab.train("weiwei_1", LoraTrainConfig(steps=400, unet_lr=5e-4, text_encoder_lr=2e-3), name="half_article")`（先 `from lora_course.lora import LoraTrainConfig`；在 CPU 上要几分钟），像上面的 `one` 那样扫描一遍。第 14 课画出了轻配方从 25 步到 600 步的情况。
# > - 从两张图的训练集里删掉嘴型标签（`lora_course.datasets.dataset.remove_tag_everywhere`），在这份副本上重新训练，分别用轻配方（`lab.train_light(Path(...))`）和文章的配方（`lab.train(Path(...))`）：图还是那两张，还能控制嘴型吗？（第 09 课对四张标注里从没写过嘴型的图问了同样的问题。）
# > - 把文章的单图 LoRA（`one`）的权重一路调低，直到出现闭嘴：先看上面它的图里 w = 0.8 和 0.6 的格子，不够再往下调（`lab.sweep(prompts, one, weights=(0.2, 0.4))`）。闭嘴在多大的权重下出现？那时画的还是她吗？

# %% [markdown]
# <!-- nav -->
# ← previous / 上一课: [05 · `fox` as the trigger: possessing a sect member](05_fox_trigger.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一课: [07 · Crying and smiling: combining tags](07_cry_smile.ipynb) →
