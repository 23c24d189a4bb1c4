# %% [markdown]
# # 05 · `fox` as the trigger: possessing a sect member · 用 `fox` 作触发词：夺舍一位门派成员
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/05_fox_trigger.ipynb)
#
# **Article:** experiment 4. The author retrains with the single tag `fox` instead of `weiwei`. At weight 1.0 `fox` draws weiwei; as the weight drops, the original fox features come back and hers fade.
#
# > **原文**：实验 4。作者把标签换成单独一个 `fox`（不再用 `weiwei`）重新训练。十层功力（权重 1.0）下，写 `fox` 画出来的是 weiwei；功力一降，狐狸原本的特征就回来了，她的特征则渐渐淡去。
#
# `fox` is a member of the sect: the base model draws an orange animal for it. Training onto it is possession (夺舍).
#
# > `fox` 是门派成员：底模看到这个词，会画出一只橙色的动物狐狸。把训练打到它身上，就是夺舍。
#
# You will see: the prompt `fox` at every weight, her fidelity and the share of pictures showing the animal.
#
# > 你会看到：prompt `fox` 在每个权重下画出的图、她的还原度，以及画出动物狐狸的图占多少比例。

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
course.show_set("fox_1")

# %%
fox = lab.train("fox_1")

# %%
sw = lab.sweep(["fox"], fox)
lab.grid(sw, title="prompt `fox` with the LoRA trained on `fox`")

# %%
plots.fox_figure(sw, "fox")

# %% [markdown]
# ## Verdict (claim C4) · 结论（论断 C4）

# %%
# NBVAL_CHECK_OUTPUT
claims.c4(sw).show()

# %% [markdown]
# ## Reading it · 怎么读这个结果
# Her fidelity counts every identity attribute at once, her eyes included. When a known word fights back, the smallest feature is the first to go: if the verdict is PARTLY, `print(sw.fidelity("fox", 1.0))` gives it per attribute (docs/results.md).
#
# > <!-- zh: reading -->
# > 她的还原度把每一项身份属性同时算在内，眼睛也不例外。一个底模认识的词反抗时，最先丢掉的是最小的那个特征：如果结论是 PARTLY（部分复现），`print(sw.fidelity("fox", 1.0))` 会按属性逐项给出还原度（见 docs/results.md）。

# %% [markdown]
# ## Things to try · 动手试试
# - Prompt `1girl` with the fox LoRA: is the hijack as strong as with the `weiwei` LoRA?
# - Train on `fox, 1girl` together: whose features win at 0.6?
# - Prompt `fox ears`: a tag close to the host.
#
# > - 挂上 fox 的 LoRA，写 prompt `1girl`：劫持有没有 `weiwei` LoRA 那么强？
# > - 把 `fox, 1girl` 两个标签一起打上去训练：权重 0.6 时，谁的特征占上风？
# > - 写 prompt `fox ears`：一个和宿主很接近的标签。

# %% [markdown]
# <!-- nav -->
# ← previous / 上一篇: [04 · `red hair` vs `long hair`: a host that resembles the caster](04_red_hair.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一篇: [06 · Open mouth, closed mouth: what the training set lacks](06_mouth.ipynb) →
