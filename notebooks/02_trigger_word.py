# %% [markdown]
# # 02 · One picture, one tag: the trigger word · 一张图，一个标签：触发词
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/02_trigger_word.ipynb)
#
# **Article:** experiment 1, *the trigger word* (触发词). The author trains a LoRA on a single picture of 喂喂 (weiwei) captioned with one made-up word, `weiwei`, and prompting that word brings back all of her: white long hair, fox ears, blue eyes, pink dress.
#
# > **原文**：实验 1，*触发词*。作者只用一张喂喂（weiwei）的图来训练 LoRA，标注里只有一个自造的词 `weiwei`；写出这个词，她的一切就都回来了：白色长发、狐耳、蓝眼睛、粉色裙子。
#
# In the article's metaphor `weiwei` is a **傀儡 (puppet)**: a word with no meaning of its own in the base model (the **门派**, the sect), which the LoRA fills with her features.
#
# > 按文章的比喻，`weiwei` 是一个**傀儡**：这个词在底模（**门派**）里本身没有任何含义，由 LoRA 把她的特征填进去。
#
# You will see: her training picture, how the base model reads the new word, a LoRA trained in seconds (50 steps, the length the course's recipe rule gives: notebook 14), the pictures at LoRA weights (**功力**) from 0 to 1, and the measured identity fidelity (share of 48 seeds showing *all* of her identity attributes).
#
# > 你会看到：她的训练图，底模怎么读这个新词，一个几秒钟就训好的 LoRA（50 步，即课程配方规则给出的长度，见第 14 课），LoRA 权重（**功力**）从 0 到 1 时画出的图，以及测得的身份还原度（48 个种子中，她的身份属性*全部*画对的比例）。

# %%
# On Colab: fetch the course (code and data/) and install it. Anywhere else: nothing to do.
import importlib.util, os, shlex, subprocess, sys
if ("google.colab" in sys.modules or os.environ.get("LORA_COURSE_COLAB") == "1") \
        and importlib.util.find_spec("lora_course") is None:
    home = os.environ.get("LORA_COURSE_DIR", "/content/lora_course")
    if not os.path.isdir(home):
        src = os.environ.get("LORA_COURSE_REPO", "https://github.com/lora-course/lora_course")
        subprocess.run(["git", "clone", "--depth=1", "-q", src, home], check=True)
    pip_args = shlex.split(os.environ.get("LORA_COURSE_PIP_ARGS", ""))
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", *pip_args, "-e", home], check=True)
    sys.path.insert(0, home)
    print("the course is installed from", home)

# %%
from lora_course import claims, course, plots
lab = course.setup()

# %% [markdown]
# ## The training set: one picture, one tag · 训练集：一张图，一个标签
# A kohya-style folder (`10_weiwei/`: 10 repeats of the concept *weiwei*) holding one PNG and its caption file.
#
# > 一个 kohya 式的文件夹（`10_weiwei/`：概念 *weiwei* 重复 10 次），里面是一张 PNG 和它的标注文件。

# %%
course.show_set("weiwei_1")

# %% [markdown]
# ## A puppet has no mind of its own · 傀儡没有自己的心智
# The base model has never seen the word. Its tokenizer splits it into pieces it never trained on, so the prompt `weiwei` means nothing in particular yet:
#
# > 底模从没见过这个词。它的分词器会把这个词拆成一些从未训练过的片段，所以提示词 `weiwei` 眼下并不指向任何特定的东西：

# %%
from lora_course.tokenizer import describe_tokens
print(describe_tokens(lab.pipe.tokenizer, "weiwei"))
print(describe_tokens(lab.pipe.tokenizer, "1girl, white hair"))

# %% [markdown]
# ## Train the LoRA · 训练 LoRA
# Rank 8 on the UNet's attention, the text encoder frozen; the latents and the caption's embedding are computed once and cached (kohya's `cache_latents`).
#
# > 在 UNet 的注意力层上训练秩为 8 的 LoRA，文本编码器冻结；图片的潜空间表示和标注的文本嵌入只计算一次并缓存起来（即 kohya 的 `cache_latents`）。

# %%
weiwei = lab.train("weiwei_1", reuse=False, previews=True)   # always train here; later notebooks re-use it

# %%
plots.training_figure(lab.results[weiwei])

# %% [markdown]
# ## Pictures first · 先看图
# The same seeds at each LoRA weight: w = 0 is the base model, w = 1 is "ten levels of power".
#
# > 每个 LoRA 权重下都用同一批种子：w = 0 就是底模本身，w = 1 就是"十层功力"。

# %%
sw = lab.sweep(["weiwei"], weiwei, seeds=range(claims.SEEDS["C1"]))   # 48 seeds: see the verdict
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
# The tagger reads every picture. *Identity fidelity* is the share of the 48 seeds showing all five of her identity attributes; the thin lines are each attribute alone. (This notebook draws 48 seeds, the others 32: with 32, even "not one picture is her" leaves a 95 % interval up to 0.107, which cannot show the claim's "at most 0.10 without the LoRA".)
#
# > 标注器会读取每一张图。*身份还原度*是 48 个种子中她的五项身份属性全部画对的比例；细线是每一项属性单独的比例。（本课画 48 个种子，其余各课画 32 个：只有 32 个种子时，哪怕"一张都不是她"，95 % 区间的上界也有 0.107，证实不了论断里"不挂 LoRA 时至多 0.10"这一条。）

# %%
plots.fidelity_figure(sw, "weiwei")

# %% [markdown]
# ## Verdict (claim C1) · 结论（论断 C1）

# %%
# NBVAL_CHECK_OUTPUT
claims.c1(sw).show()

# %% [markdown]
# ## Reading it · 怎么读这个结果
# **C1 is REPRODUCED.** Without the LoRA the word draws her on none of the 48 seeds (0.00 [0.00, 0.07], under the bar of 0.10 even with unclear pictures counted as her); with it, at w = 1, on all of them (1.00 [0.93, 1.00], bar 0.5). Both intervals clear their bars: the puppet (傀儡) has been filled, and six pieces the base model never saw as words now carry all five of her identity attributes at once.
#
# > <!-- zh: reading -->
# > **C1 复现。** 不挂 LoRA 时，这个词在 48 个种子上一次也没有画出她（0.00 [0.00, 0.07]，即使把模棱两可的图都算作是她，也低于门槛 0.10）；挂上 LoRA、w = 1 时，48 个种子全都是她（1.00 [0.93, 1.00]，门槛 0.5）。两个区间都越过了各自的门槛：傀儡被填满了，六个底模从没当作词见过的片段，如今同时承载着她的全部五项身份属性。
#
# The w = 1 check could hardly fail in this course: the LoRA trains 50 steps because the recipe rule (notebook 14) stops at the fewest steps where this same measure, `weiwei` alone at w = 1 on 48 seeds, has a lower bound of at least 0.9. What the verdict adds is the other side: before training the word never draws her, and 50 steps (9 s here) are enough to make it draw her on every seed.
#
# > <!-- zh: reading -->
# > w = 1 这一项检验在本课程里几乎不可能不通过：LoRA 之所以训练 50 步，正是因为配方规则（第 14 课）停在同一个量——`weiwei` 单独使用、w = 1、48 个种子——的区间下界第一次不低于 0.9 的最少步数上。这个结论真正多告诉我们的是另一面：训练之前这个词从来画不出她，而 50 步（这里只用了 9 秒）就足以让它在每个种子上都画出她。
#
# And they are drawings of her, not of her picture: none of the 48 seeds at any weight is a copy of the training picture. Trained longer, the same LoRA starts to redraw it: 5 of 16 seeds at 150 steps, all 16 at 600 (notebook 14).
#
# > <!-- zh: reading -->
# > 而且画出来的是她，不是那张图：在任何权重下，48 个种子里没有一张是训练图的复制品。同一个 LoRA 练得更久，就开始重画那张图了：150 步时 16 个种子里有 5 张，600 步时 16 张全是（第 14 课）。
#
# ## Things to try · 动手试试
# - Change the trigger to a Chinese word: copy `data/sets/weiwei_1`, write `喂喂` in the caption, and train on the copy: `lab.train(Path("my_copy"))` (`from pathlib import Path`; `lab.train` takes a shipped set's name or any kohya folder given as a `Path`).
# - Halve the training steps: `lab.train("weiwei_1", LoraTrainConfig(steps=25), name="half")` (`from lora_course.lora import LoraTrainConfig`). Where does fidelity at w = 1 land, below the recipe's 50 steps?
# - Prompt `weiwei, red hair`: does the puppet take orders it was never trained on?
#
# > - 把触发词换成中文：复制一份 `data/sets/weiwei_1`，在标注里写 `喂喂`，然后用这份副本训练：`lab.train(Path("my_copy"))`（先 `from pathlib import Path`；`lab.train` 既接受课程自带训练集的名字，也接受以 `Path` 给出的任意 kohya 文件夹）。
# > - 把训练步数减半：`lab.train("weiwei_1", LoraTrainConfig(steps=25), name="half")`（先 `from lora_course.lora import LoraTrainConfig`）。少于配方的 50 步时，w = 1 的还原度会落在哪里？
# > - 写提示词 `weiwei, red hair`：傀儡会不会听从它从没被训练过的命令？

# %% [markdown]
# <!-- nav -->
# ← previous / 上一课: [01 · Tagging: the training folder, its captions, and where the trigger goes](01_tagging.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一课: [03 · The `1girl` hijack: puppet vs possession](03_1girl_hijack.ipynb) →
