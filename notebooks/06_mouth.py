# %% [markdown]
# # 06 · Open mouth, closed mouth: what the training set lacks · 张嘴与闭嘴：训练集里缺的东西
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/06_mouth.ipynb)
#
# **Article:** experiment 5. With only the open-mouth picture, a closed mouth is very hard to get. With two pictures tagged `weiwei, open mouth` and `weiwei, closed mouth`, the prompt controls the mouth. The training set matters most; tags make it usable.
#
# > **原文**：实验 5。训练集里只有那张张着嘴的图时，很难画出闭嘴。换成两张图，分别打上 `weiwei, open mouth` 和 `weiwei, closed mouth`，嘴型就能用 prompt 控制了。最要紧的是训练集；标签的作用是让它用得上。
#
# You will see: the two training sets, the two LoRAs at w = 1 with both mouth prompts, and how often the mouth does what the prompt asks.
#
# > 你会看到：两个训练集；两个 LoRA 在 w = 1 下分别配上两种嘴型 prompt 画出的图；以及嘴型照 prompt 的要求画出来的比例。

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
from lora_course import claims, course, plots, training_length as tl
lab = course.setup()

# %%
course.show_set("mouth_2")

# %%
one = lab.train("weiwei_1")
two = lab.train("mouth_2")

# %%
prompts = ["weiwei, open mouth", "weiwei, closed mouth"]
sw_one = lab.sweep(prompts, one, weights=(0.6, 0.8, 1.0))
sw_two = lab.sweep(prompts, two, weights=(0.6, 0.8, 1.0))
lab.grid(sw_one, title="one open-mouth picture")

# %%
lab.grid(sw_two, title="two pictures, mouth tagged")

# %%
plots.mouth_figure(sw_one, sw_two)

# %% [markdown]
# ## Verdict (claim C5) · 结论（论断 C5）

# %%
# NBVAL_CHECK_OUTPUT
claims.c5(sw_one, sw_two).show()

# %% [markdown]
# ## Beside it: the article's regime · 对照：文章的训练程度
# The verdict above is the course's recipe (its length is chosen by a rule that looks only at whether she appears, printed when the LoRAs were loaded). The article's LoRAs are trained until the picture is learned by heart. One run of each LoRA, kept at 600 steps (notebook 14 draws every length in between), the same prompts, weights and seeds, the same checks:
#
# > 上面的结论用的是课程自己的配方（训练时长由一条只看"她有没有出现"的规则选定，加载 LoRA 时已经打印出来）。文章里的 LoRA 则一直训练到把图背得滚瓜烂熟（过拟合）为止。下面每个 LoRA 各训练一次，保留第 600 步的版本（其间每一种时长的情况，notebook 14 都画了出来），用同样的 prompt、权重和 seed，做同样的检查：

# %%
long_one = lab.train_along("weiwei_1", tl.KEEP_STEPS)[tl.ARTICLE_STEPS]
long_two = lab.train_along("mouth_2", tl.KEEP_STEPS)[tl.ARTICLE_STEPS]
lo_one = lab.sweep(prompts, long_one, weights=(0.6, 0.8, 1.0))
lo_two = lab.sweep(prompts, long_two, weights=(0.6, 0.8, 1.0))
lab.grid(lo_one, title=f"one open-mouth picture, {tl.ARTICLE_STEPS} steps")

# %%
# NBVAL_CHECK_OUTPUT
claims.c5(lo_one, lo_two).show(regime=f"{tl.ARTICLE_STEPS} steps")

# %% [markdown]
# ## Reading it
# (written once measured)

# %% [markdown]
# ## Things to try · 动手试试
# - Find the length at which `closed mouth` stops working: sweep `lab.train_along("weiwei_1", tl.KEEP_STEPS)[k]` for k = 150, 300 (notebook 14 has the whole map).
# - Drop the mouth tags from the two-picture set (`lora_course.dataset.remove_tag_everywhere`) and retrain: the pictures are the same, the control is gone.
# - Lower the weight of the one-picture LoRA until closed mouths appear: what does it cost?
#
# > - 找出训练到多长时 `closed mouth` 开始失灵：对 k = 150、300 扫描 `lab.train_along("weiwei_1", tl.KEEP_STEPS)[k]`（完整的相图在 notebook 14 里）。
# > - 从两张图的训练集里删掉嘴型标签（`lora_course.dataset.remove_tag_everywhere`），再重新训练：图还是那两张，控制却没了。
# > - 把单图 LoRA 的权重一路调低，直到出现闭嘴：要付出什么代价？

# %% [markdown]
# <!-- nav -->
# ← previous / 上一篇: [05 · `fox` as the trigger: possessing a sect member](05_fox_trigger.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一篇: [07 · Crying and smiling: combining tags](07_cry_smile.ipynb) →
