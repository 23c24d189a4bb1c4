# %% [markdown]
# # 09 · Beyond the article: does tagging change quality, or only control? · 延伸：打标签改变的是质量，还是只是控制？
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/09_thesis.ipynb)
#
# **Article:** the thesis at the top of the post: the training pictures decide whether a LoRA is good; the tags only decide **which words** the learned features attach to, and so how convenient and controllable it is. The article states this; it never tests it.
#
# > **原文**：文章开篇的核心观点：LoRA 好不好，由训练图决定；标签只决定学到的特征**挂在哪些词上**，因而决定它用起来方不方便、好不好控制。文章只是提出了这个观点，从没检验过它。
#
# Claim T. The same four pictures of her (mouth open or closed, standing or sitting), captioned three ways:
#
# > 论断 T。同样四张她的图（张嘴或闭嘴，站着或坐着），用三种方式打标：
#
# | captioning | caption of the open-mouth standing picture |
# |---|---|
# | trigger only | `weiwei` |
# | full tags | `weiwei, 1girl, white hair, long hair, blue eyes, pink dress, fox ears, open mouth, standing` |
# | pruned tags | `weiwei, open mouth, standing`: tag what should vary, leave out what the trigger should absorb (kohya-colab's dataset maker's advice) |
#
# > 上表是三种打标方式下，张嘴站立那张图的标注：
# >
# > - 只写触发词（trigger only）：`weiwei`
# > - 完整标签（full tags）：`weiwei, 1girl, white hair, long hair, blue eyes, pink dress, fox ears, open mouth, standing`
# > - 精简标签（pruned tags）：`weiwei, open mouth, standing`——会变化的特征打上标签，想让触发词吸收的特征不打（这是 kohya-colab 数据集制作工具给的建议）
#
# You will see: three LoRAs, each used the way its captions suggest; **quality** (identity fidelity with its own prompt), **control** (does `closed mouth`, `sitting`, `red hair` still work?) and **leakage** (is `1girl` hijacked?), and the verdict.
#
# > 你会看到：三个 LoRA，各自按它的打标方式该有的用法来用；**质量**（用它自己的 prompt 时的身份还原度）、**控制**（`closed mouth`、`sitting`、`red hair` 还管不管用？）和**泄漏**（`1girl` 有没有被劫持？），以及结论。

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
from IPython.display import display
for how in ("trigger", "full", "pruned"):
    display(course.show_set(f"thesis_{how}"))

# %%
loras = {how: lab.train(f"thesis_{how}") for how in ("trigger", "full", "pruned")}

# %% [markdown]
# ## Quality, control, leakage · 质量、控制、泄漏
# Every LoRA is asked the same prompts at w = 1; leakage compares its `1girl` with the base model's (w = 0). The full-tag LoRA is used with its full tag list: that is how such a LoRA is meant to be prompted.
#
# > 每个 LoRA 都在 w = 1 下画同一组 prompt；泄漏一项，是拿它画的 `1girl` 和底模（w = 0）画的 `1girl` 比较。完整标签的 LoRA 用它那一整串标签来写 prompt：这种 LoRA 本来就该这样用。

# %%
prompts = list(dict.fromkeys([*claims.THESIS_PROMPTS.values(), *claims.THESIS_CONTROL, claims.THESIS_LEAK]))
sweeps = {how: lab.sweep(prompts, name, weights=(1.0,)) for how, name in loras.items()}
base = lab.sweep([claims.THESIS_LEAK], loras["trigger"], weights=(0.0,))   # w = 0: the base model's `1girl`
plots.compare_grid(sweeps, weight=1.0, title="w=1, seed 0: rows prompts, columns captionings")

# %%
numbers = claims.thesis_numbers(sweeps, base=base)
plots.thesis_figure(numbers)

# %%
# NBVAL_CHECK_OUTPUT
print(f"{'measure (95 % interval)':<24}" + "".join(f"{how:>20}" for how in numbers))
for key in numbers["trigger"]:
    print(f"{key:<24}" + "".join(f"{str(numbers[how][key]):>20}" for how in numbers))

# %% [markdown]
# ## Verdict (claim T) · 结论（论断 T）

# %%
# NBVAL_CHECK_OUTPUT
claims.thesis(sweeps, base=base).show()

# %% [markdown]
# ## Reading it · 怎么读这个结果
# Quality is what the pictures taught; the captions decide where it went. A caption that names a feature gives that feature to the tag's word instead of the trigger: the prompt can then take it back (control). A feature that varies between the pictures but is not tagged is learned as chance: the trigger draws one or the other, and the prompt has less say. docs/results.md discusses the numbers.
#
# > <!-- zh: reading -->
# > 质量是训练图教出来的；标注决定的是它落到了哪里。标注里点了名的特征，归那个标签词，而不归触发词：之后 prompt 就能把它收回来（这就是控制）。在几张图之间有变化、却没有打标的特征，会被当成随机的东西学进去：触发词时而画出这一种、时而画出那一种，prompt 说了也不太算。对这些数字的讨论见 docs/results.md。

# %% [markdown]
# ## Things to try · 动手试试
# - Prompt the full-tag LoRA with the trigger alone (`weiwei`): how much of her comes without her tags? (the `trigger alone` row above)
# - Train the pruned set with the text encoder too (`LoraTrainConfig(steps=50, text_encoder_lr=1e-3)`): does `red hair` obey better?
# - Make a fourth captioning: the pruned tags plus `1girl`. Does the hijack come back?
#
# > - 给完整标签的 LoRA 只写触发词（`weiwei`）：不带她的那些标签，她还能出来多少？（见上面打印结果里 `trigger alone` 那一行）
# > - 训练精简标签的训练集时，把文本编码器也一起训（`LoraTrainConfig(steps=50, text_encoder_lr=1e-3)`）：`red hair` 会不会更听话？
# > - 做第四种打标：精简标签再加上 `1girl`。劫持会不会回来？

# %% [markdown]
# <!-- nav -->
# ← previous / 上一篇: [08 · Poses: what the training set lacks, the LoRA can't give](08_poses.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一篇: [10 · Beyond the article: possession (夺舍) vs puppet (傀儡), measured](10_possession.ipynb) →
