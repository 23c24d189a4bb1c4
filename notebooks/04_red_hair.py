# %% [markdown]
# # 04 · `red hair` vs `long hair`: a host that resembles the caster · `red hair` 与 `long hair`：一个与施术者相像的宿主
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/04_red_hair.ipynb)
#
# **Article:** experiment 3. Prompting `red hair` with the weiwei LoRA (she has white hair) reproduces her poorly: the features clash, and only full weight ("ten levels") brings her back. `long hair` matches her, and reproduces most of her already at lower weight.
#
# > **原文**：实验 3。挂上 weiwei 的 LoRA 写 prompt `red hair`（她是白发），还原得很差：特征互相冲突，只有满权重（"十层功力"）才能把她画回来。`long hair` 和她相符，在较低的权重下就能还原她的大部分特征。
#
# Possession (夺舍) succeeds more easily when the host already resembles the caster.
#
# > 宿主本来就和施术者相像时，夺舍更容易成功。
#
# You will see: both prompts across weights, the two fidelity curves, and the lowest weight at which each reaches fidelity 0.5.
#
# > 你会看到：两个 prompt 在各个权重下画出的图，两条还原度曲线，以及各自的还原度达到 0.5 的最低权重。

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
weiwei = lab.train("weiwei_1")

# %%
sw = lab.sweep(["red hair", "long hair"], weiwei)
lab.grid(sw, title="the weiwei LoRA, prompts that clash with her and that match her")

# %%
plots.fidelity_figure(sw, ["red hair", "long hair"], per_group=False)

# %%
plots.rate_figure(sw, "red hair", ["red hair", "white hair"])

# %% [markdown]
# ## Verdict (claim C3) · 结论（论断 C3）

# %%
# NBVAL_CHECK_OUTPUT
claims.c3(sw).show()

# %% [markdown]
# ## Why `red hair` resists · `red hair` 为什么会抵抗
# A host resists only as far as it has a mind of its own (notebook 03 and the ablation of docs/results.md: a uniform world gives no word a mind; the sect this runs on, drawn with Danbooru's frequencies, named characters and booru-style captions, does). `red hair` carries a colour that contradicts her white hair, and the base model has seen it on about 6 % of its girls as the word for that colour; `long hair` agrees with her and is possessed as soon as the LoRA shows her. The lowest weights above say how much power (功力) each host costs.
#
# > <!-- zh: reading -->
# > 宿主能抵抗到什么程度，取决于它有多少自己的心智（见 notebook 03 和 docs/results.md 里的消融实验：均匀的世界不会让任何词拥有心智；本 notebook 所用的门派是按 Danbooru 的频率、有名有姓的角色和 booru 式标注画出来的，它会）。`red hair` 带着一种和她的白发相矛盾的颜色，而底模在大约 6 % 的女孩身上见过它，把它当作那种颜色的名字；`long hair` 与她一致，LoRA 一把她画出来，它就被夺舍了。上面的最低权重说明了每个宿主要花多少功力。

# %% [markdown]
# ## Things to try · 动手试试
# - `blue eyes` matches her too: is it a `long hair`-like host?
# - `short hair, red hair`: two clashes at once.
# - Look for the weight at which red hair turns white (the `plots.rate_figure` above).
#
# > - `blue eyes` 也和她相符：它是不是一个像 `long hair` 那样的宿主？
# > - `short hair, red hair`：同时两处冲突。
# > - 找出红发变成白发的那个权重（看上面的 `plots.rate_figure`）。

# %% [markdown]
# <!-- nav -->
# ← previous / 上一篇: [03 · The `1girl` hijack: puppet vs possession](03_1girl_hijack.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一篇: [05 · `fox` as the trigger: possessing a sect member](05_fox_trigger.ipynb) →
