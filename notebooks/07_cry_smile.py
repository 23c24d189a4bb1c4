# %% [markdown]
# # 07 · Crying and smiling: combining tags · 哭与笑：组合标签
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/07_cry_smile.ipynb)
#
# **Article:** experiment 6. The open-mouth picture is also tagged `crying` and the closed-mouth one `smile`. Prompting `open mouth` + `crying` gives a wide-open crying face; `closed mouth` + `smile` a closed-lip smile.
#
# > **原文**：实验 6。张嘴的那张图再加打 `crying`，闭嘴的那张再加打 `smile`。提示词写 `open mouth` + `crying`，得到一张张大嘴哭的脸；写 `closed mouth` + `smile`，得到抿着嘴的微笑。
#
# You will see: the training set, the combinations at three weights, and how often each picture shows both requested tags at once.
#
# > 你会看到：训练集、三个权重下的各种组合，以及每张图同时画出所要求的两个标签的比例。

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
course.show_set("cry_smile_2")

# %%
cs = lab.train("cry_smile_2")

# %%
prompts = ["weiwei, open mouth, crying", "weiwei, closed mouth, smile"]
sw = lab.sweep(prompts, cs, weights=(0.6, 0.8, 1.0))
lab.grid(sw, title="tags combined at prompt time")

# %%
plots.combination_figure(sw, {prompts[0]: ["open mouth", "crying"], prompts[1]: ["closed mouth", "smile"]})

# %% [markdown]
# ## Verdict (claim C6) · 结论（论断 C6）

# %%
# NBVAL_CHECK_OUTPUT
claims.c6(sw).show()

# %% [markdown]
# ## Reading it · 怎么读这个结果
# **C6 is REPRODUCED.** At w = 1, `weiwei, open mouth, crying` gives a crying face with the mouth open on 1.00 [0.89, 1.00] of the 32 seeds, and `weiwei, closed mouth, smile` a closed-mouth smile on 0.94 [0.80, 0.98]; both lower bounds clear the bar of 0.7. Each prompt repeats the caption of one training picture, and the base model already knows these tags (they are sect members, 门派成员), so the LoRA and the sect pull the same way; the Things to try below ask what happens when they do not. The check reads only the two requested tags, not her identity, and only at w = 1; the pictures at 0.6 and 0.8 are in the grid and the figure above.
#
# > <!-- zh: reading -->
# > **C6 复现。** w = 1 时，`weiwei, open mouth, crying` 在 32 个种子中画出张着嘴哭的脸的比例是 1.00 [0.89, 1.00]，`weiwei, closed mouth, smile` 画出闭嘴微笑的比例是 0.94 [0.80, 0.98]；两个区间下界都越过了门槛 0.7。每个提示词都重复了一张训练图的标注，而底模本来就认识这些标签（它们是门派成员），所以 LoRA 和门派往同一个方向拉；下面的"动手试试"问的是两者不一致时会怎样。这项检验只读所要求的两个标签，不看她的身份，而且只看 w = 1；0.6 和 0.8 的情况见上面的图和图表。
#
# The two training pictures are new drawings, not notebook 06's: the renderer drew her again crying with the mouth open and smiling with it closed, and each caption names both tags.
#
# > <!-- zh: reading -->
# > 这两张训练图是新画的，不是第 06 课的那两张：渲染器重新画了她——张着嘴哭、闭着嘴笑——每张的标注都写上了这两个标签。
#
# The LoRA trains 50 steps, the recipe rule's length. Notebook 14 follows the two-picture mouth LoRA of notebook 06 along the training length; this cry-and-smile LoRA is not measured there.
#
# > <!-- zh: reading -->
# > 这个 LoRA 按配方规则训练 50 步。第 14 课沿着训练长度追踪的是第 06 课的双图嘴型 LoRA，这个哭与笑的 LoRA 没有在那里测。
#
# ## Things to try · 动手试试
# - Swap them: `weiwei, open mouth, smile` was never in the training set. Does the base model fill the gap?
# - Remove `crying` from the prompt: does the LoRA cry anyway, because the open mouth and the tears came together?
#
# > - 反过来搭配：训练集里从来没有过 `weiwei, open mouth, smile`。底模能把这个空缺补上吗？
# > - 从提示词里去掉 `crying`：张嘴和眼泪在训练图里总是一起出现，LoRA 会不会照样哭？

# %% [markdown]
# <!-- nav -->
# ← previous / 上一课: [06 · Open mouth, closed mouth: what the training set lacks](06_mouth.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一课: [08 · Poses: what the training set lacks, the LoRA can't give](08_poses.ipynb) →
