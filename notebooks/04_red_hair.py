# %% [markdown]
# # 04 · `red hair` vs `long hair`: a host that resembles the caster · `red hair` 与 `long hair`：一个与施术者相像的宿主
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/04_red_hair.ipynb)
#
# **Article:** experiment 3. Prompting `red hair` with the weiwei LoRA (she has white hair) reproduces her poorly: the features clash, and only full weight ("ten levels") brings her back. `long hair` matches her, and reproduces most of her already at lower weight.
#
# > **原文**：实验 3。挂上 weiwei 的 LoRA、写提示词 `red hair`（她是白发）时，她还原得很差：特征互相冲突，只有满权重（"十层功力"）才能把她画回来。`long hair` 和她相符，在较低的权重下就能还原她的大部分特征。
#
# Possession (夺舍) succeeds more easily when the host already resembles the caster.
#
# > 宿主本来就和施术者相像时，夺舍更容易成功。
#
# You will see: both prompts across weights, the two fidelity curves, how often the pictures of `red hair` show red and white hair, and whether each prompt is her at full power and at w = 0.6.
#
# > 你会看到：两个提示词在各个权重下画出的图，两条还原度曲线，`red hair` 的图里红发和白发各占多少，以及每个提示词在十层功力和 w = 0.6 时是不是她。

# %%
import sys  # on Colab, the next line installs the course, its code and data; anywhere else it does nothing
if "google.colab" in sys.modules: get_ipython().run_line_magic("pip", "install -q git+https://github.com/lora-course/lora_course")

# %%
from lora_course import course
from lora_course.measure import claims, readings
from lora_course.widgets import plots
from lora_course.measure.experiments import C3   # what this notebook draws, declared once for the course
lab = course.setup()

# %%
weiwei = lab.train("weiwei_1")


# %% [markdown]
# ## The article's pictures first · 先看文章的图
# The article shows pictures, not numbers. Here are its prompts on the first four seeds, drawn three ways: by the base model alone, by the article's LoRA (the one this notebook's verdict reads: 800 steps, a text-encoder LoRA beside the UNet LoRA, a recipe chosen by pre-registered rules on a calibration character, E12 in the experiment log), and by the light recipe's (50 steps, UNet only), each LoRA at w = 0.6 and 1. Look at the hair that `red hair` gets: red, white, or something between?
#
# > 文章给的是图，不是数字。下面用前四个种子，把文章的提示词按三种方式各画一遍：只用底模；用文章的 LoRA（本课的结论读的就是它：训练 800 步，UNet LoRA 旁边还有一个文本编码器 LoRA，这个配方由几条事先登记的规则在一个校准角色上选出，见实验日志里的 E12）；用轻配方的 LoRA（50 步，只训练 UNet）。两个 LoRA 都取 w = 0.6 和 1。看 `red hair` 画出来的头发：是红的、白的，还是介于两者之间？

# %%
course.article_pictures(lab, "weiwei_1", C3.prompts)

# %%
sw = lab.sweep(C3.prompts, weiwei)
lab.grid(sw, title="the weiwei LoRA, prompts that clash with her and that match her")

# %%
plots.fidelity_figure(sw, ["red hair", "long hair"], per_group=False)

# %%
plots.rate_figure(sw, "red hair", ["red hair", "white hair"])

# %% [markdown]
# ## Verdict (claim C3) · 结论（论断 C3）

# %%
# NBVAL_CHECK_OUTPUT
verdict = claims.c3(sw)
verdict.show()

# %%
plots.verdict_figure(verdict)   # the verdict on one number line: each measured number against its bar

# %%
readings.explain(verdict)

# %% [markdown]
# ## Reading it: a host that clashes, a host that matches · 怎么读这个结果：冲突的宿主与相符的宿主
# - **What C3 checks.** `red hair` is her on at least half of the seeds at w = 1 (full power brings her back) and on at most 0.3 at w = 0.6 (below it the host resists); `long hair` is her on at least half at w = 0.6 (a host like her gives in early).
# - **Why they may differ**: `red hair` names a colour that contradicts her white hair, a host with a mind of its own; `long hair` agrees with her. `plots.rate_figure` shows which hair colour `red hair` gets.
# - **Fixed weights**: the checks read w = 0.6 and 1 only, chosen before the pictures; the fidelity figure shows the curve between.
# - **Unclear pictures** count as not her, as in notebook 03 (the `unclear readings` line counts them); a check line prints the other reading where it would change the outcome.
# - **The article**: only ten levels of power bring her back on `red hair`. Does w = 1 here?
#
# > <!-- zh: reading -->
# > - **C3 检验什么。** w = 1 时 `red hair` 画成她的种子至少占一半（十层功力把她带回来），w = 0.6 时不超过 0.3（功力不满时宿主会反抗）；w = 0.6 时 `long hair` 画成她的种子至少占一半（和她相像的宿主早早屈服）。
# > - **两者为什么可能不同**：`red hair` 指定的颜色和她的白发相冲突，是有自己心智的宿主；`long hair` 则和她相符。`plots.rate_figure` 显示 `red hair` 画出来的是哪种发色。
# > - **固定的权重**：检验只读 w = 0.6 和 1，是看图之前定好的；还原度图画出两者之间的曲线。
# > - **模棱两可的图**和第 03 课一样算作不是她（`unclear readings` 那一行数了有多少）；另一种读法若会改变结果，检验行会把它印出来。
# > - **文章**说 `red hair` 只有十层功力才能把她画回来。这里 w = 1 做得到吗？

# %% [markdown]
# ## Things to try · 动手试试
# - `blue eyes` matches her too: is it a `long hair`-like host?
# - `short hair, red hair`: two clashes at once.
# - Follow red and white hair across the weights in the `plots.rate_figure` above: how far does the LoRA move the colour that `red hair` asks for, and does white ever win?
#
# > - `blue eyes` 也和她相符：它是不是一个像 `long hair` 那样的宿主？
# > - `short hair, red hair`：同时两处冲突。
# > - 在上面的 `plots.rate_figure` 里沿着权重看红发和白发：LoRA 让 `red hair` 要求的发色偏离了多少？白发有没有胜出过？

# %% [markdown]
# <!-- nav -->
# ← previous / 上一课: [03 · The `1girl` hijack: puppet vs possession](03_1girl_hijack.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一课: [05 · `fox` as the trigger: possessing a sect member](05_fox_trigger.ipynb) →
