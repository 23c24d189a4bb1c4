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
# > 你会看到：提示词 `fox` 在每个权重下画出的图、她的还原度，以及画出动物狐狸的图占多少比例。

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

# %% [markdown]
# One seed hides how the switch happens. Eight seeds per weight show it picture by picture: where the animal gives way to her, and which pictures are neither.
#
# > 只看一个种子，看不出切换是怎么发生的。每个权重八个种子，就能一张一张地看：动物狐狸在哪里让位给她，哪些图两者都不是。

# %%
lab.weights_grid(sw, "fox", weights=(0.2, 0.4, 0.6, 1.0))

# %%
plots.fox_figure(sw, "fox")

# %% [markdown]
# ## Verdict (claim C4) · 结论（论断 C4）

# %%
# NBVAL_CHECK_OUTPUT
claims.c4(sw).show()

# %% [markdown]
# ## Reading it · 怎么读这个结果
# **C4 is REPRODUCED.** At full power `fox` draws her on 0.84 [0.68, 0.93] of the 32 seeds (bar 0.5) and the animal on none (0.00 [0.00, 0.11]): the sect member is possessed (夺舍). Lower the power and the host's own mind comes back: at w = 0.2 every picture shows the animal (1.00 [0.89, 1.00]), so its share at w = 0.2 minus its share at w = 1 is 1.00 [1.00, 1.00], against a bar of 0.3. Both intervals clear their bars, so both checks pass.
#
# > <!-- zh: reading -->
# > **C4 复现。** 十层功力下，`fox` 在 32 个种子中画成她的比例是 0.84 [0.68, 0.93]（门槛 0.5），画出动物狐狸的一张也没有（0.00 [0.00, 0.11]）：这位门派成员被夺舍了。功力一降，宿主自己的心智就回来了：w = 0.2 时每张图都是动物狐狸（1.00 [0.89, 1.00]），它在 w = 0.2 时的比例减去 w = 1 时的比例是 1.00 [1.00, 1.00]，门槛是 0.3。两个区间都越过了门槛，两项检验都通过。
#
# This is the LoRA the recipe rule's 50 steps train; already at that length the possessed `fox` draws the animal on none of the 32 seeds at w = 1. Notebook 14 measures the training-length axis for `weiwei_1` and `mouth_2`, not for this LoRA (see its Things to try).
#
# > <!-- zh: reading -->
# > 这就是按配方规则训练 50 步得到的 LoRA；在这个长度上，被夺舍的 `fox` 在 w = 1 时，32 个种子里已经一只动物狐狸也画不出来了。第 14 课测量训练长度这条轴用的是 `weiwei_1` 和 `mouth_2`，没有测这个 LoRA（见它的"动手试试"）。

# %% [markdown]
# ## Things to try · 动手试试
# - Prompt `1girl` with the fox LoRA: is the hijack as strong as with the `weiwei` LoRA (notebook 03: `1girl` her on 0.53 of its seeds at w = 1)?
# - Train on `fox, 1girl` together: whose features win at 0.6?
# - Prompt `fox ears`: a tag close to the host.
# - `print(sw.fidelity("fox", 0.6))` gives her fidelity attribute by attribute: which of her features does `fox` give up first as the power drops?
#
# > - 挂上 fox 的 LoRA，写提示词 `1girl`：夺舍有没有 `weiwei` LoRA 那么强（第 03 课：w = 1 时 `1girl` 有 0.53 的种子画成她）？
# > - 把 `fox, 1girl` 两个标签一起打上去训练：权重 0.6 时，谁的特征占上风？
# > - 写提示词 `fox ears`：一个和宿主很接近的标签。
# > - `print(sw.fidelity("fox", 0.6))` 会按属性逐项给出她的还原度：功力下降时，`fox` 最先放弃的是她的哪一项特征？

# %% [markdown]
# <!-- nav -->
# ← previous / 上一课: [04 · `red hair` vs `long hair`: a host that resembles the caster](04_red_hair.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一课: [06 · Open mouth, closed mouth: what the training set lacks](06_mouth.ipynb) →
