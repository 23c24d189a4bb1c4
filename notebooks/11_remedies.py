# %% [markdown]
# # 11 · Beyond the article: the remedies users reach for · 延伸：大家常用的补救办法
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/11_remedies.ipynb)
#
# **Article:** experiments 2 and 7: the `1girl` hijack, and poses the training set lacks. The article names the cause (the pictures) but not the remedies users reach for.
#
# > **原文**：实验 2 和实验 7：`1girl` 被劫持，以及训练集里没有的姿势。文章指出了原因（在训练图），却没有讲大家通常会用的补救办法。
#
# Two remedies, each measured against the plain one-picture LoRA:
#
# > 两种补救办法，各自和普通的单图 LoRA 对比测量：
#
# 1. **prior preservation** (kohya's regularisation folder, DreamBooth's prior loss): train with ten pictures the base model itself draws for `1girl`, captioned `1girl`, so the LoRA also learns to leave `1girl` as it was;
# 2. **more varied pictures**: the four pictures of notebook 09's pruned captioning, standing and sitting, mouth open and closed, each tagged with what varies (`weiwei, closed mouth, sitting`, ...).
#
# > 1. **先验保留**（kohya 的正则化文件夹，即 DreamBooth 的 prior loss）：训练时加上十张底模自己为 `1girl` 画的正则化图，标注为 `1girl`，让 LoRA 同时学会让 `1girl` 保持原样；
# > 2. **更多样的图**：notebook 09 精简标签打标的那四张图，有站有坐、有张嘴有闭嘴，每张只标出会变化的部分（`weiwei, closed mouth, sitting` 等）。
#
# You will see: the prior-preservation set, the hijack with and without it, her sitting with and without sitting pictures, and the verdict.
#
# > 你会看到：先验保留用的图集；用与不用它时的劫持情况；训练集里有没有坐姿图时，她坐着的样子；以及结论。

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

# %%
from lora_course import remedies
plain = lab.train("weiwei_1")
reg_set = remedies.prior_preservation_set(lab.pipe, "weiwei_1")   # written to build/sets/weiwei_1_reg
course.show_set(reg_set)

# %%
reg = lab.train(reg_set, name="weiwei_reg")

# %%
sw_plain = lab.sweep(["weiwei", "1girl"], plain)                        # notebook 03's sweep
sw_reg = lab.sweep(["weiwei", "1girl"], reg, weights=(0.0, 0.6, 1.0))   # the ends and the working weight
plots.compare_grid({"plain": sw_plain, "prior preservation": sw_reg}, weight=1.0,
                   title="w=1, seed 0: with and without prior preservation")

# %%
varied = lab.train("thesis_pruned")   # trained in notebook 09: loaded from build/loras
sw_pose, sw_varied = lab.sweep(["weiwei, sitting"], plain), lab.sweep(["weiwei, sitting"], varied)
lab.weights_grid(sw_varied, "weiwei, sitting", weights=(0.6, 1.0))

# %%
plots.remedies_figure(sw_plain, sw_reg, sw_pose, sw_varied)

# %% [markdown]
# ## Verdict (claim R) · 结论（论断 R）

# %%
# NBVAL_CHECK_OUTPUT
claims.remedies(sw_plain, sw_reg, sw_pose, sw_varied).show()

# %% [markdown]
# ## Reading it · 怎么读这个结果
# Prior preservation asks the LoRA to learn two things at once: `weiwei` is her, `1girl` is still what the base model drew. It can only work as far as the LoRA can tell the two words apart; with the text encoder frozen, that is up to the base model's embeddings of them (notebook 03 measures how alike they are). The varied pictures answer a different question: they remove the cause, a pose the pictures never showed. docs/results.md has the numbers on each base model.
#
# > <!-- zh: reading -->
# > 先验保留要 LoRA 同时学会两件事：`weiwei` 是她，`1girl` 仍然是底模原来画的样子。它能起多大作用，取决于 LoRA 能把这两个词区分到什么程度；文本编码器冻结时，这就全看底模给这两个词的嵌入（notebook 03 测了它们有多相像）。多样的图回答的是另一个问题：它们去掉的是病根，也就是训练图里从没出现过的姿势。各个底模上的数字见 docs/results.md。

# %% [markdown]
# ## Things to try · 动手试试
# - Twenty prior pictures instead of ten: `remedies.prior_preservation_set(lab.pipe, "weiwei_1", seeds=range(1000, 1020))`.
# - Prior preservation for `fox`: `remedies.prior_preservation_set(lab.pipe, "fox_1", class_prompt="fox")`. Does the animal come back at w = 1?
# - Let the LoRA move the two words apart: train the prior-preservation set with a text-encoder LoRA too, `lab.train(reg_set, LoraTrainConfig(steps=50, text_encoder_lr=1e-3), name="weiwei_reg_te")` (`from lora_course.lora import LoraTrainConfig`), and sweep `weiwei` and `1girl` again (docs/results.md has what it did).
#
# > - 用二十张先验图代替十张：`remedies.prior_preservation_set(lab.pipe, "weiwei_1", seeds=range(1000, 1020))`。
# > - 给 `fox` 做先验保留：`remedies.prior_preservation_set(lab.pipe, "fox_1", class_prompt="fox")`。w = 1 时动物狐狸会不会回来？
# > - 让 LoRA 把这两个词拉开：训练先验保留图集时，给文本编码器也加上 LoRA，`lab.train(reg_set, LoraTrainConfig(steps=50, text_encoder_lr=1e-3), name="weiwei_reg_te")`（先 `from lora_course.lora import LoraTrainConfig`），再扫描一次 `weiwei` 和 `1girl`（它的效果见 docs/results.md）。

# %% [markdown]
# <!-- nav -->
# ← previous / 上一篇: [10 · Beyond the article: possession (夺舍) vs puppet (傀儡), measured](10_possession.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一篇: [12 · Beyond the article: a weight guide (how many levels of 功力?)](12_weight_guide.ipynb) →
