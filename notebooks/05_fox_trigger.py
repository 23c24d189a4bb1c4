# %% [markdown]
# # 05 · `fox` as the trigger: possessing a sect member · 用 `fox` 作触发词：夺舍一位门派成员
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/05_fox_trigger.ipynb)
#
# **Article:** experiment 4. The author retrains with the single tag `fox` instead of `weiwei`. At weight 1.0 `fox` draws weiwei; as the weight drops, the original fox features come back and hers fade.
#
# > **原文**：实验 4。作者把标签换成单独一个 `fox`（不再用 `weiwei`）重新训练。权重 1.0 时，写 `fox` 画出来的是 weiwei；权重一降，狐狸原本的特征就回来了，她的特征则渐渐淡去。
#
# `fox` is a member of the sect: the base model draws an orange animal for it. Training onto it is possession (夺舍).
#
# > `fox` 是门派成员：底模给这个词画的是一只橙色的动物。把特征训练到它身上，就是夺舍。
#
# You will see: the prompt `fox` at every weight, her fidelity and the share of pictures showing the animal.
#
# > 你会看到：提示词 `fox` 在每个权重下画出的图、她的还原度，以及画出动物狐狸的图占多少比例。

# %%
import sys  # on Colab, the next line installs the course, its code and data; anywhere else it does nothing
if "google.colab" in sys.modules: get_ipython().run_line_magic("pip", "install -q git+https://github.com/lora-course/lora_course")

# %%
from lora_course import course
from lora_course.measure import claims, readings
from lora_course.widgets import plots
from lora_course.measure.experiments import C4   # what this notebook draws, declared once for the course
lab = course.setup()

# %%
course.show_set("fox_1")

# %%
fox = lab.train("fox_1")


# %% [markdown]
# ## The article's pictures first · 先看文章的图
# The article shows pictures, not numbers. Here are its prompts on the first four seeds, drawn three ways: by the base model alone, by the article's LoRA (the one this notebook's verdict reads: 800 steps, a text-encoder LoRA beside the UNet LoRA, a recipe chosen by pre-registered rules on a calibration character, E12 in the experiment log), and by the light recipe's (50 steps, UNet only), each LoRA at w = 0.6 and 1. Look at `fox`: the animal in the base model's row; at w = 0.6, does the animal come back while she is still there?
#
# > 文章给的是图，不是数字。下面用前四个种子，把文章的提示词按三种方式各画一遍：只用底模；用文章的 LoRA（本课的结论读的就是它：训练 800 步，UNet LoRA 旁边还有一个文本编码器 LoRA，这个配方由几条事先登记的规则在一个校准角色上选出，见实验日志里的 E12）；用轻配方的 LoRA（50 步，只训练 UNet）。两个 LoRA 都取 w = 0.6 和 1。看 `fox`：底模那一行画的是动物狐狸；w = 0.6 时，她还在的同时，动物会不会回来？

# %%
course.article_pictures(lab, "fox_1", C4.prompts)

# %%
sw = lab.sweep(C4.prompts, fox)
lab.grid(sw, title="prompt `fox` with the LoRA trained on `fox`")

# %% [markdown]
# One seed hides how the switch happens. Eight seeds per weight show it picture by picture: where the animal gives way to her, and which pictures are neither.
#
# > 只看一个种子，看不出切换是怎么发生的。每个权重画八个种子，就能一张一张地看：动物狐狸在哪里让位给她，哪些图两者都不是。

# %%
lab.weights_grid(sw, "fox", weights=(0.2, 0.4, 0.6, 1.0))

# %%
plots.fox_figure(sw, "fox")

# %% [markdown]
# ## Verdict (claim C4) · 结论（论断 C4）

# %%
# NBVAL_CHECK_OUTPUT
verdict = claims.c4(sw)
verdict.show()

# %%
plots.verdict_figure(verdict)   # the verdict on one number line: each measured number against its bar

# %%
readings.explain(verdict)

# %% [markdown]
# ## Reading it · 怎么读这个结果
# - **What C4 checks.** At w = 1, `fox` is her on at least half of the seeds (the sect member possessed). At w = 0.6 the animal's share is at least 0.3 above w = 1's, while `fox` is still her on at least 0.3: the animal returns *with her there*, as in the article's picture, not because the LoRA is off.
# - **Possession, not a puppet**: at w = 0 the base model draws the orange animal for `fox`, a mind of its own that can return as the power drops; the puppet `weiwei` (notebook 02) has none.
# - **Where to look**: the eight-seed grid (where the animal gives way to her; pictures that are neither) and `plots.fox_figure` (both shares at every weight).
# - **Unclear pictures** count as neither her nor the animal; a check line prints the other reading where it would change the outcome.
# - **Training length**: notebook 14 does not measure this LoRA (see its Things to try).
#
# > <!-- zh: reading -->
# > - **C4 检验什么。** w = 1 时，`fox` 画成她的种子至少占一半（这位门派成员被夺舍）。w = 0.6 时，动物狐狸的比例比 w = 1 时至少高 0.3，而 `fox` 画成她的种子仍至少占 0.3：动物是在*她还在的时候*回来的，和文章的图一样，而不是因为 LoRA 不起作用了。
# > - **是夺舍，不是傀儡**：w = 0 时，底模给 `fox` 画的是那只橙色的动物，这就是它自己的心智，功力下降时可能回来；傀儡 `weiwei`（第 02 课）则没有心智。
# > - **看哪里**：八个种子的网格（动物在哪里让位给她，哪些图两者都不是），以及 `plots.fox_figure`（两个比例在每个权重下的值）。
# > - **模棱两可的图**既不算她，也不算动物狐狸；另一种读法若会改变结果，检验行会把它印出来。
# > - **训练长度**：第 14 课没有测这个 LoRA（见它的"动手试试"）。

# %% [markdown]
# ## Things to try · 动手试试
# - Prompt `1girl` with the fox LoRA: is the hijack as strong as with the `weiwei` LoRA (compare the table of notebook 03)?
# - Train on `fox, 1girl` together: whose features win at 0.6?
# - Prompt `fox ears`: a tag close to the host.
# - `print(sw.fidelity("fox", 0.6))` gives her fidelity attribute by attribute: which of her features does `fox` give up first as the power drops?
#
# > - 挂上 `fox` 的 LoRA，写提示词 `1girl`：`1girl` 被夺舍得有没有挂 `weiwei` 的 LoRA 时那么厉害（对照第 03 课的表）？
# > - 把 `fox, 1girl` 两个标签一起打上去训练：权重 0.6 时，谁的特征占上风？
# > - 写提示词 `fox ears`：一个和宿主很接近的标签。
# > - `print(sw.fidelity("fox", 0.6))` 会按属性逐项给出她的还原度：功力下降时，`fox` 最先放弃的是她的哪一项特征？

# %% [markdown]
# <!-- nav -->
# ← previous / 上一课: [04 · `red hair` vs `long hair`: a host that resembles the caster](04_red_hair.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一课: [06 · Open mouth, closed mouth: what the training set lacks](06_mouth.ipynb) →
