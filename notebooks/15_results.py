# %% [markdown]
# # 15 · The results: every verdict, and what to do differently · 结果：所有结论，以及该怎么改
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/15_results.ipynb)
#
# **Article:** the whole post, read back: its seven experiments and its thesis that tags decide what the trigger absorbs and what the prompt can still change.
#
# > **原文**：整篇文章回头再看一遍：七个实验，以及它的核心观点——标签决定了触发词吸收什么、提示词还能改变什么。
#
# You will see: the verdict of every claim of the course with the numbers and 95 % intervals it was decided on (the article's seven and the course's four), one row of pictures per claim at the point its verdict turns on, and the take-aways for a LoRA trainer, each a sentence printed from a number the course measured.
#
# > 你会看到：课程里每个论断的结论，连同它所依据的数字和 95 % 区间（文章的七个，加上课程自己的四个）；每个论断一行图，取自决定它结论的那个点；最后是给 LoRA 训练者的要点，每一句都是根据课程实测的数字生成并打印出来的。
#
# Nothing here is typed in: every sweep is drawn exactly as its own notebook draws it (`lora_course.results.draw`), so after notebooks 02–14 it is read from the points they left in `build/points` and takes about a minute; run alone on a fresh clone it draws the whole course first (see the README's times).
#
# > 这里没有一个数字是手写的：每个扫描的画法都和它所属那一课完全一样（`lora_course.results.draw`），所以跑过第 02–14 课之后，本课直接读取那几课留在 `build/points` 里的数据点，大约一分钟就好；如果在刚克隆下来的仓库里单独运行，本课会先把整门课画一遍（耗时见 README）。

# %%
import sys  # on Colab, the next line installs the course, its code and data; anywhere else it does nothing
if "google.colab" in sys.modules: get_ipython().run_line_magic("pip", "install -q git+https://github.com/lora-course/lora_course")

# %%
from lora_course import course, results
lab = course.setup()

# %%
res = results.draw(lab)

# %% [markdown]
# ## Every verdict · 所有结论
#
# One line per claim: its verdict, the notebook that draws it, and the numbers it was decided on, each with its 95 % interval; every verdict is decided on the article's LoRAs (800 steps, a text-encoder LoRA beside the UNet LoRA, three training runs each, shipped in `data/loras`; the recipe chosen by pre-registered rules on a calibration character, E12 in the experiment log), and for C5 and C7 a line below gives the same checks on the light recipe's LoRAs (50 steps, UNet only), as notebooks 06 and 08 show them. The article's seven claims count a picture the tagger reads as unclear (模棱两可) as *not* what was asked, under every prompt of a check alike; the other way of counting is printed beside a check, and under the verdict, wherever it would change them. The course's own four claims (T, P, R, W) read every check both ways and pass it only if it passes both. REPRODUCED means every check's interval clears its bar, NOT REPRODUCED that every one misses it, PARTLY some of each, UNDECIDED that an interval still straddles a bar and could tip the verdict. Below the table, each verdict is explained: the reason for each check's outcome.
#
# > 每个论断一行：结论、出自哪一课、以及据以判定的数字，每个数字都带 95 % 区间；每个结论都在文章的 LoRA 上判定（800 步，UNet LoRA 旁边还有一个文本编码器 LoRA，每个三次独立训练，随课程放在 `data/loras` 里；这个配方由几条事先登记的规则在一个校准角色上选出，见实验日志里的 E12）；C5 和 C7 下面还另有一行，给出同样的检验在轻配方的 LoRA（50 步，只训练 UNet）上的结果，和第 06 课、第 08 课展示的一样。文章的七个论断把标注器读作模棱两可的图算作*不是*提示词要的样子，一项检验里的每个提示词都这样算；另一种读法的结果若会改变某项检验或结论，就印在它旁边和结论下面。课程自己的四个论断（T、P、R、W）每项检验都按两种读法算，两种都通过才算通过。"复现"表示每项检验的区间都越过了门槛，"未复现"表示每项都没越过，"部分复现"表示有的越过、有的没越过，"未定"是还有区间跨在门槛上、可能改变结论。表格下面逐个解释每个结论：每项检验为什么是这个结果。

# %%
# NBVAL_CHECK_OUTPUT
print("\n".join(results.table(res)))

# %%
from IPython.display import display
from lora_course.measure import readings
for v in res.verdicts.values():
    display(readings.explain(v))

# %% [markdown]
# ## Where each verdict turns · 决定每个结论的那一点
#
# One row per claim: the first eight seeds at the point its verdict turns on, and the share measured there on all its seeds. A share is what these rows are made of: count the pictures.
#
# > 每个论断一行：决定它结论的那个点上的前八个种子，以及在全部种子上测得的比例。比例就是从这样的图里数出来的：你可以自己数一数。

# %%
results.moments_figure(res)

# %% [markdown]
# ## What to do differently · 该怎么改
#
# The take-aways for a LoRA trainer, each printed from the numbers it cites; where an interval does not decide, the sentence says so.
#
# > 给 LoRA 训练者的要点，每一条都是根据它引用的数字生成的；区间定不下来的地方，句子里会直接说明。

# %%
# NBVAL_CHECK_OUTPUT
print("\n".join(results.takeaway_lines(res)))

# %% [markdown]
# ## Reading it · 怎么读这个结果
#
# - **The table** gives each verdict and its numbers; the explanations under it say why, check by check: whether its interval clears its bar, misses it or straddles it, whether more seeds could decide it, and what counting the unclear pictures the other way would change.
# - **Two recipes.** C5 and C7 add a `with the light recipe (50 steps)` line: the same pictures and tags, trained with the light recipe (the UNet alone, stopped when she appears). If it and the verdict part, the recipe moved it; notebook 14 maps the light recipe along its length.
# - **The pictures** are the first eight seeds where each verdict turns: count them against the share beside them.
# - **The take-aways** come from the same numbers, read both ways; where unclear pictures move one, the sentence prints the other reading too.
# - **Nothing here is typed in**: rerun the course with another recipe or base model and every line changes with it.
#
# > <!-- zh: reading -->
# > - **表格**给出每个结论和它的数字；表下的说明逐项讲清每项检验的原因：区间是越过门槛、落在门槛另一边，还是跨在门槛上；加种子能不能定下来；把模棱两可的图反过来算又会改变什么。
# > - **两种配方。** C5 和 C7 另有一行 `with the light recipe (50 steps)`：图和标签都相同，只是用轻配方训练（只训练 UNet，她一出现就停）。如果这一行和结论不一样，那就是配方改变了它；第 14 课画出了轻配方沿训练长度的变化。
# > - **图**是每个结论转折点上的前八个种子：数一数，和旁边印出的比例对照。
# > - **要点**由同样的数字算出，也按两种读法来算；模棱两可的图会改变某个数字时，句子把另一种读法也印出来。
# > - **这里没有一个数字是手写的**：换一个配方或底模重跑整门课，每一行都会跟着变。

# %% [markdown]
# ## Things to try · 动手试试
#
# - Change one thing upstream — the article's recipe (`import dataclasses`, then `course.ARTICLE_LORA = dataclasses.replace(course.ARTICLE_LORA, steps=400)` before `results.draw`: every LoRA is then trained again, not loaded), the sampler (`lab.use_sampler(steps=8)`) — and run this notebook again: which verdicts move?
# - Draw every point on more seeds, `course.setup(seeds=64)`: which UNDECIDED verdicts, if any, decide?
#
# > - 改动上游的一处——文章的配方（比如在 `results.draw` 之前先 `import dataclasses`，再写 `course.ARTICLE_LORA = dataclasses.replace(course.ARTICLE_LORA, steps=400)`：这样每个 LoRA 都要重新训练，而不是直接加载）、采样器（`lab.use_sampler(steps=8)`）——再跑一遍本课：哪些结论会变？
# > - 用更多的种子画每个点，`course.setup(seeds=64)`：哪些"未定"的结论（如果有的话）能定下来？

# %% [markdown]
# <!-- nav -->
# ← previous / 上一课: [14 · How long to train: the training-length axis](14_how_long_to_train.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md))
