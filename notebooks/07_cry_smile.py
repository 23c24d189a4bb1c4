# %% [markdown]
# # 07 · Crying and smiling: combining tags · 哭与笑：组合标签
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/07_cry_smile.ipynb)
#
# **Article:** experiment 6. The open-mouth picture is also tagged `crying` and the closed-mouth one `smile`. Prompting `open mouth` + `crying` gives a wide-open crying face; `closed mouth` + `smile` a closed-lip smile.
#
# > **原文**：实验 6。张嘴的那张图另外打上 `crying`，闭嘴的那张另外打上 `smile`。提示词写 `open mouth` + `crying`，得到一张张大嘴哭的脸；写 `closed mouth` + `smile`，得到抿着嘴的微笑。
#
# You will see: the training set, the combinations at three weights, how often each picture shows both requested tags at once, and the same prompts on notebook 06's two-picture LoRA, whose captions lack `crying` and `smile`.
#
# > 你会看到：训练集、三个权重下的各种组合、图里同时画出所要求的两个标签的比例，以及同样的提示词在第 06 课双图 LoRA 上的样子（它的标注里没有 `crying` 和 `smile`）。

# %%
import sys  # on Colab, the next line installs the course, its code and data; anywhere else it does nothing
if "google.colab" in sys.modules: get_ipython().run_line_magic("pip", "install -q git+https://github.com/lora-course/lora_course")

# %%
from lora_course import course
from lora_course.measure import claims, readings
from lora_course.widgets import plots
from lora_course.measure.experiments import C6   # what this notebook draws, declared once for the course
lab = course.setup()

# %%
course.show_set("cry_smile_2")

# %%
cs = lab.train("cry_smile_2")


# %% [markdown]
# ## The article's pictures first · 先看文章的图
# The article shows pictures, not numbers. Here are its prompts on the first four seeds, drawn three ways: by the base model alone, by the article's LoRA (the one this notebook's verdict reads: 800 steps, a text-encoder LoRA beside the UNet LoRA, a recipe chosen by pre-registered rules on a calibration character, E12 in the experiment log), and by the light recipe's (50 steps, UNet only), each LoRA at w = 0.6 and 1. Look at the tears and the smile: does each face come with its tags?
#
# > 文章给的是图，不是数字。下面用前四个种子，把文章的提示词按三种方式各画一遍：只用底模；用文章的 LoRA（本课的结论读的就是它：训练 800 步，UNet LoRA 旁边还有一个文本编码器 LoRA，这个配方由几条事先登记的规则在一个校准角色上选出，见实验日志里的 E12）；用轻配方的 LoRA（50 步，只训练 UNet）。两个 LoRA 都取 w = 0.6 和 1。看眼泪和笑容：每种表情是不是跟着它的标签一起出现？

# %%
course.article_pictures(lab, "cry_smile_2", C6.prompts)

# %%
prompts = list(C6.prompts)
sw = lab.sweep(prompts, cs, weights=C6.weights)
lab.grid(sw, title="tags combined at prompt time")

# %%
plots.combination_figure(sw, {prompts[0]: ["open mouth", "crying"], prompts[1]: ["closed mouth", "smile"]})

# %%
# the same prompts on notebook 06's two-picture LoRA, whose captions lack `crying` and `smile`
two = lab.train("mouth_2")
sw_without = lab.sweep(prompts, two, weights=C6.weights)
lab.grid(sw_without, title="the same prompts, captions without crying or smile")

# %% [markdown]
# ## Verdict (claim C6) · 结论（论断 C6）

# %%
# NBVAL_CHECK_OUTPUT
verdict = claims.c6(sw, sw_without)
verdict.show()

# %%
plots.verdict_figure(verdict)   # the verdict on one number line: each measured number against its bar

# %%
readings.explain(verdict)

# %% [markdown]
# ## Reading it · 怎么读这个结果
# - **What is checked.** At w = 1, each prompt should draw her with both tags (crying, mouth open; smiling, mouth closed) on at least 0.7 of the seeds. Did the tags do it? Notebook 06's two-picture LoRA (no `crying` or `smile` in its captions) should score at least 0.3 lower.
# - **The first two should be easy**: each prompt repeats a training caption in tags the base model knows.
# - **The last may not be**: if the base model draws tears and smiles unasked, a LoRA never shown those tags draws them too; compare the two grids above.
# - **Unclear faces** count as not what was asked; a check line prints the other reading where it would change the outcome.
# - **The set:** new drawings, not notebook 06's.
#
# > <!-- zh: reading -->
# > - **检验什么。** w = 1 时，每个提示词画出带着两个标签的她（张嘴哭、闭嘴笑）都应至少占 0.7 的种子。是标签的功劳吗？第 06 课双图 LoRA 的标注里没有 `crying` 和 `smile`，它的比例应至少低 0.3。
# > - **前两项应该不难**：每个提示词都重复了一张训练图的标注，用的是底模认识的标签。
# > - **最后一项未必**：如果底模在没被要求时也会画眼泪和微笑，那么没见过这两个标签的 LoRA 也画得出来；对比上面的两个网格。
# > - **模棱两可的脸**算作没画出所要求的样子；另一种读法若会改变结果，检验行会把它印出来。
# > - **训练集：**新画的两张图，不是第 06 课的那两张。

# %% [markdown]
# ## Things to try · 动手试试
# - Swap them: `weiwei, open mouth, smile` was never in the training set. Does the base model fill the gap?
# - Remove `crying` from the prompt: does the LoRA cry anyway, because the open mouth and the tears came together?
#
# > - 反过来搭配：训练集里从来没有过 `weiwei, open mouth, smile`。底模能把这个空缺补上吗？
# > - 从提示词里去掉 `crying`：张嘴和眼泪在训练图里是一起出现的，LoRA 会不会因此照样哭？

# %% [markdown]
# <!-- nav -->
# ← previous / 上一课: [06 · Open mouth, closed mouth: what the training set lacks](06_mouth.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一课: [08 · Poses: what the training set lacks, the LoRA can't give](08_poses.ipynb) →
