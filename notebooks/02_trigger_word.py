# %% [markdown]
# # 02 · One picture, one tag: the trigger word · 一张图，一个标签：触发词
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/02_trigger_word.ipynb)
#
# **Article:** experiment 1, *the trigger word* (触发词). The author trains a LoRA on a single picture of 喂喂 (weiwei) captioned with one made-up word, `weiwei`, and prompting that word brings back all of her: white long hair, fox ears, blue eyes, pink dress.
#
# > **原文**：实验 1，*触发词*。作者只用一张喂喂（weiwei）的图来训练 LoRA，标注里只有一个自造的词 `weiwei`；在提示词里写上这个词，她的一切就都回来了：白色长发、狐耳、蓝眼睛、粉色裙子。
#
# In the article's metaphor `weiwei` is a **傀儡 (puppet)**: a word with no meaning of its own in the base model (the **门派**, the sect), which the LoRA fills with her features.
#
# > 按文章的比喻，`weiwei` 是一个**傀儡**：这个词在底模（**门派**）里本身没有任何含义，由 LoRA 把她的特征填进去。
#
# You will see: her training picture, how the base model reads the new word, a LoRA learning her in seconds before your eyes (the light recipe: 50 steps, the length notebook 14's recipe rule gives), the article's LoRA the verdict is decided on (the same picture trained 800 steps, with a text-encoder LoRA too; trained once and shipped with the course), the pictures at LoRA weights (**功力**) from 0 to 1, and the measured identity fidelity (share of 48 seeds showing *all* of her identity attributes).
#
# > 你会看到：她的训练图；底模怎么读这个新词；一个 LoRA 在你眼前几秒钟就学会她（轻配方：50 步，即第 14 课的配方规则给出的长度）；判定结论用的文章的 LoRA（同一张图训练 800 步，还多一个文本编码器 LoRA；训练一次后随课程一起提供）；LoRA 权重（**功力**）从 0 到 1 时画出的图；以及测得的身份还原度（48 个种子中，她的身份属性*全部*画出来的比例）。

# %%
import sys  # on Colab, the next line installs the course, its code and data; anywhere else it does nothing
if "google.colab" in sys.modules: get_ipython().run_line_magic("pip", "install -q git+https://github.com/lora-course/lora_course")

# %%
from lora_course import course
from lora_course.measure import claims, readings
from lora_course.widgets import plots
from lora_course.measure.experiments import C1   # what this notebook draws, declared once for the course
lab = course.setup()

# %% [markdown]
# ## The training set: one picture, one tag · 训练集：一张图，一个标签
# A kohya-style folder (`10_weiwei/`: 10 repeats of the concept *weiwei*) holding one PNG and its caption file.
#
# > 一个 kohya 格式的文件夹（`10_weiwei/`：概念 *weiwei* 重复 10 次），里面是一张 PNG 和它的标注文件。

# %%
course.show_set("weiwei_1")

# %% [markdown]
# ## A puppet has no mind of its own · 傀儡没有自己的心智
# The base model has never seen the word. Its tokenizer spells it letter by letter, pieces the base model met only inside other names, never as a word of their own, so no caption taught the prompt `weiwei` a meaning (whether it alone draws what the empty prompt draws is one of the base model's targets, measured in the model card, docs/model_card.md):
#
# > 底模从没见过这个词。它的分词器把这个词一个字母一个字母地拆开，这些片段底模只在别的名字里见过，从没单独当作一个词见过，所以没有哪条标注教过提示词 `weiwei` 什么含义（它单独画出的是否和空提示词一样，是底模的目标之一，测量结果见模型卡 docs/model_card.md）：

# %%
from lora_course.sd.tokenizer import describe_tokens
print(describe_tokens(lab.pipe.tokenizer, "weiwei"))
print(describe_tokens(lab.pipe.tokenizer, "1girl, white hair"))

# %% [markdown]
# ## Train the LoRA · 训练 LoRA
# Watch a LoRA learn her: the light recipe, trained here in seconds. Rank 8 on the UNet's attention, the text encoder frozen, 50 steps (the length at which she first appears: notebook 14's recipe rule); the latents and the caption's embedding are computed once and cached (kohya's `cache_latents`). Preview pictures are drawn as it trains.
#
# > 看一个 LoRA 怎样学会她：用轻配方，在这里几秒钟就训好。在 UNet 的注意力层上训练秩为 8 的 LoRA，文本编码器冻结，训练 50 步（她刚出现时的长度：第 14 课的配方规则）；图片的潜空间表示和标注的文本嵌入只计算一次并缓存起来（即 kohya 的 `cache_latents`）。训练时会画出预览图。

# %%
light = lab.train_light("weiwei_1", reuse=False, previews=True)   # always trained here, with previews

# %%
plots.training_figure(lab.results[light])

# %% [markdown]
# ## The article's LoRA · 文章的 LoRA
# The verdict is decided on another LoRA: the article's recipe, the same picture trained 800 steps with a LoRA on the text encoder too (learning rate 2e-3, beside 5e-4 on the UNet), chosen by pre-registered rules on a calibration character no claim reads (E12 in the experiment log). It takes minutes to train, so its three training runs were trained once and ship in `data/loras`: `lab.train` loads them (the line it prints names the recipe), and every later notebook reads them.
#
# > 结论是在另一个 LoRA 上判定的：文章的配方，同一张图训练 800 步，文本编码器上也加一个 LoRA（学习率 2e-3，UNet 上是 5e-4）。这个配方由几条事先登记的规则在一个不被任何论断读取的校准角色上选出（见实验日志里的 E12）。它要训练好几分钟，所以它的三次独立训练只做一次，随课程放在 `data/loras` 里：`lab.train` 直接加载（打印出的那一行写明了配方），后面每一课读的也都是它们。

# %%
weiwei = lab.train("weiwei_1")   # the article's LoRA, loaded from data/loras


# %% [markdown]
# ## The article's pictures first · 先看文章的图
# The article shows pictures, not numbers. Here are its prompts on the first four seeds, drawn three ways: by the base model alone, by the article's LoRA (the one this notebook's verdict reads: 800 steps, a text-encoder LoRA beside the UNet LoRA, a recipe chosen by pre-registered rules on a calibration character, E12 in the experiment log), and by the light recipe's (50 steps, UNet only), each LoRA at w = 0.6 and 1. Look for her on `weiwei`: nowhere in the base model's row, then in the LoRA rows.
#
# > 文章给的是图，不是数字。下面用前四个种子，把文章的提示词按三种方式各画一遍：只用底模；用文章的 LoRA（本课的结论读的就是它：训练 800 步，UNet LoRA 旁边还有一个文本编码器 LoRA，这个配方由几条事先登记的规则在一个校准角色上选出，见实验日志里的 E12）；用轻配方的 LoRA（50 步，只训练 UNet）。两个 LoRA 都取 w = 0.6 和 1。在 `weiwei` 这个提示词下找她：底模那一行里找不到，到了 LoRA 那几行才出现。

# %%
course.article_pictures(lab, "weiwei_1", C1.prompts)

# %% [markdown]
# ## Pictures first · 先看图
# The same seeds at each LoRA weight: w = 0 is the base model, w = 1 is "ten levels of power".
#
# > 每个 LoRA 权重下都用同一批种子：w = 0 就是底模本身，w = 1 就是"十层功力"。

# %%
sw = lab.sweep(C1.prompts, weiwei, seeds=C1.seeds)   # 48 seeds the recipe rule never saw: see the verdict
lab.grid(sw, title="prompt `weiwei`, one seed per column")

# %%
lab.weights_grid(sw, "weiwei", weights=(0.0, 0.6, 1.0))

# %% [markdown]
# Are these new drawings of her, or copies of the training picture? The tagger cannot tell (a copy shows all of her too), so the course compares pixels: a picture counts as a copy when it is no farther from the training picture than the VAE's own round trip of it, plus one grey level (the pipeline draws through the VAE, so that is as close as a copy can come).
#
# > 这些是重新画出来的她，还是那张训练图的复制品？标注器分不出来（复制品同样带着她的全部特征），所以课程直接比较像素：一张图离训练图的距离，如果不超过 VAE 自己把训练图编码再解码后的误差加一个灰度级，就算复制品（整条管线都要经过 VAE，复制品最多也只能这么像）。

# %%
print(lab.copies_table(sw, "weiwei", "weiwei_1"))

# %% [markdown]
# ## Then the numbers · 再看数字
# The tagger reads every picture. *Identity fidelity* is the share of the 48 seeds showing all five of her identity attributes; the thin lines are each attribute alone. (This notebook draws 48 seeds, the others 32: with 32, even "not one picture is her" leaves a 95 % interval whose upper end lies above the claim's bar of 0.1 without the LoRA, so that half of the claim could never be shown.)
#
# > 标注器会读取每一张图。*身份还原度*是 48 个种子中把她的五项身份属性全部画出来的比例；细线是每一项属性单独的比例。（本课画 48 个种子，其余各课画 32 个：只有 32 个种子时，哪怕"一张都不是她"，95 % 区间的上界也会高过论断里"不挂 LoRA 时至多 0.1"的门槛，这一半论断就永远证实不了。）

# %%
plots.fidelity_figure(sw, "weiwei")

# %% [markdown]
# ## Verdict (claim C1) · 结论（论断 C1）

# %%
# NBVAL_CHECK_OUTPUT
verdict = claims.c1(sw)
verdict.show()

# %%
plots.verdict_figure(verdict)   # the verdict on one number line: each measured number against its bar

# %%
readings.explain(verdict)

# %% [markdown]
# ## Reading it · 怎么读这个结果
# - **What C1 checks.** Without the LoRA (w = 0), `weiwei` may be her on at most 0.1 of the seeds; at w = 1, on at least half. Each check line says whether its interval clears the bar; the fidelity curve shows where she rises.
# - **Unclear pictures** count as not her; a check line prints the other reading where it would change the outcome.
# - **The word starts empty**: the base model never learned its pieces as words, so at w = 0 she appears only by chance.
# - **Fresh seeds**: the light recipe's length comes from a rule (notebook 14) that reads `weiwei` at w = 1 on seeds 0–47, where that half of C1 would pass by construction, and the article's recipe was chosen on another character (E12); C1 draws seeds 1000–1047, which neither saw.
# - **Drawings, not copies**: the copies table says whether any picture redraws a training picture; notebook 14 shows when longer training starts to.
# - **The article** shows her in one picture at full weight; here every seed counts.
#
# > <!-- zh: reading -->
# > - **C1 检验什么。** 不挂 LoRA（w = 0）时，`weiwei` 画成她的种子至多占 0.1；w = 1 时至少占一半。每条检验行写明区间是否越过门槛；还原度曲线显示她从哪个权重开始出现。
# > - **模棱两可的图**算作不是她；另一种读法若会改变结果，检验行会把它印出来。
# > - **这个词起初是空的**：底模从没把它的片段当作词学过，所以 w = 0 时她只可能碰巧出现。
# > - **换一批新种子**：轻配方的长度来自一条规则（第 14 课），它在种子 0–47 上看 w = 1 时的 `weiwei`，在那批种子上 C1 的这一半注定会通过；文章的配方则是在另一个角色上选出的（E12）。C1 用的种子 1000–1047，两者都没见过。
# > - **是新画的，不是复制品**：复制品表写明有没有哪张图照搬了训练图；训练得更久时从什么时候开始照搬，见第 14 课。
# > - **文章**只用一张图展示满权重下的她；这里每个种子都算数。

# %% [markdown]
# ## Things to try · 动手试试
# - Change the trigger to a Chinese word: copy `data/sets/weiwei_1`, write `喂喂` in the caption, and train on the copy: `lab.train_light(Path("my_copy"))` in seconds, or `lab.train(Path("my_copy"))` with the article's recipe in minutes (`from pathlib import Path`; both take a shipped set's name or any kohya folder given as a `Path`).
# - Halve the training steps of the article's recipe: `lab.train("weiwei_1", LoraTrainConfig(steps=400, unet_lr=5e-4, text_encoder_lr=2e-3), name="half")` (`from lora_course.lora import LoraTrainConfig`; minutes on a CPU). Does fidelity at w = 1 hold at half the length?
# - Prompt `weiwei, red hair`: does the puppet take orders it was never trained on?
#
# > - 把触发词换成中文：复制一份 `data/sets/weiwei_1`，在标注里写 `喂喂`，然后用这份副本训练：用 `lab.train_light(Path("my_copy"))` 几秒钟就好，用文章的配方 `lab.train(Path("my_copy"))` 要几分钟（先 `from pathlib import Path`；两者都既接受课程自带训练集的名字，也接受以 `Path` 给出的任意 kohya 文件夹）。
# > - 用文章的配方，把训练步数减半：`lab.train("weiwei_1", LoraTrainConfig(steps=400, unet_lr=5e-4, text_encoder_lr=2e-3), name="half")`（先 `from lora_course.lora import LoraTrainConfig`；在 CPU 上要几分钟）。只训练一半的长度，w = 1 的还原度还保得住吗？
# > - 写提示词 `weiwei, red hair`：傀儡会不会听从训练时从没教过它的指令？

# %% [markdown]
# <!-- nav -->
# ← previous / 上一课: [01b · How the course measures, and what a LoRA is](01b_how_we_measure.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一课: [03 · The `1girl` hijack: puppet vs possession](03_1girl_hijack.ipynb) →
