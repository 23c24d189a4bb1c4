# %% [markdown]
# # 08 · Poses: what the training set lacks, the LoRA can't give · 姿势：训练集里没有的，LoRA 给不了
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/08_poses.ipynb)
#
# **Article:** experiment 7. All of her pictures stand. Other poses are only possible by lowering fidelity (the weight), unless pictures of other poses are added. A LoRA that is both faithful and not overfit needs a good training set.
#
# > **原文**：实验 7。她的每一张图都是站姿。除非补上其他姿势的图，否则只能靠降低还原度（也就是调低权重）来换别的姿势。想要一个既还原、又不过拟合的 LoRA，就得有一个好的训练集。
#
# You will see: `weiwei, sitting` vs `weiwei, standing` at every weight, and how often a picture is *both* her and sitting.
#
# > 你会看到：每个权重下 `weiwei, sitting` 与 `weiwei, standing` 的对比，以及一张图*既*是她、*又*是坐着的比例。

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
weiwei = lab.train("weiwei_1")

# %%
sw = lab.sweep(["weiwei, sitting", "weiwei, standing"], weiwei)
lab.grid(sw, title="asking for a pose the training set never showed")

# %%
plots.pose_figure(sw, "weiwei, sitting", "weiwei, standing")

# %% [markdown]
# ## Verdict (claim C7) · 结论（论断 C7）

# %%
# NBVAL_CHECK_OUTPUT
claims.c7(sw).show()

# %% [markdown]
# ## Beside it: the article's regime · 对照：文章的训练程度
# The verdict above is the course's recipe (its length chosen by the rule printed when the LoRA was loaded). The article's LoRA is trained until its picture is learned by heart: the same picture, one run kept at 600 steps, the same prompts, weights, seeds and checks:
#
# > 上面的结论用的是课程自己的配方（训练时长由加载 LoRA 时打印出来的那条规则选定）。文章里的 LoRA 则一直训练到把那张图背得滚瓜烂熟（过拟合）为止：同一张图，训练一次并保留第 600 步的版本，用同样的 prompt、权重、seed，做同样的检查：

# %%
long = lab.train_along("weiwei_1", tl.KEEP_STEPS)[tl.ARTICLE_STEPS]
lo = lab.sweep(["weiwei, sitting", "weiwei, standing"], long)
lab.grid(lo, title=f"the same picture trained {tl.ARTICLE_STEPS} steps")

# %%
# NBVAL_CHECK_OUTPUT
claims.c7(lo).show(regime=f"{tl.ARTICLE_STEPS} steps")

# %% [markdown]
# ## Reading it
# (written once measured)

# %% [markdown]
# ## Things to try · 动手试试
# - Train on `poses_sitting` (two standing, two sitting pictures) and rerun the sweep.
# - Lower the weight to 0.4 and count: how many sitting pictures are still her?
#
# > - 用 `poses_sitting`（两张站姿、两张坐姿的图）训练，再把扫描跑一遍。
# > - 把权重降到 0.4 数一数：坐着的图里还有多少张是她？

# %% [markdown]
# <!-- nav -->
# ← previous / 上一篇: [07 · Crying and smiling: combining tags](07_cry_smile.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一篇: [09 · Beyond the article: does tagging change quality, or only control?](09_thesis.ipynb) →
