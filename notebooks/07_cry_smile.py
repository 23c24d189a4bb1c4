# %% [markdown]
# # 07 · Crying and smiling: combining tags · 哭与笑：组合标签
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/07_cry_smile.ipynb)
#
# **Article:** experiment 6. The open-mouth picture is also tagged `crying` and the closed-mouth one `smile`. Prompting `open mouth` + `crying` gives a wide-open crying face; `closed mouth` + `smile` a closed-lip smile.
#
# > **原文**：实验 6。张嘴的那张图再加打 `crying`，闭嘴的那张再加打 `smile`。prompt 写 `open mouth` + `crying`，得到一张张大嘴哭的脸；写 `closed mouth` + `smile`，得到抿着嘴的微笑。
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
# ## Things to try · 动手试试
# - Swap them: `weiwei, open mouth, smile` was never in the training set. Does the base model fill the gap?
# - Remove `crying` from the prompt: does the LoRA cry anyway, because the open mouth and the tears came together?
#
# > - 反过来搭配：训练集里从来没有过 `weiwei, open mouth, smile`。底模能把这个空缺补上吗？
# > - 从 prompt 里去掉 `crying`：张嘴和眼泪在训练图里总是一起出现，LoRA 会不会照样哭？

# %% [markdown]
# <!-- nav -->
# ← previous / 上一篇: [06 · Open mouth, closed mouth: what the training set lacks](06_mouth.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一篇: [08 · Poses: what the training set lacks, the LoRA can't give](08_poses.ipynb) →
