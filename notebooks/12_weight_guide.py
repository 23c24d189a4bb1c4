# %% [markdown]
# # 12 · Beyond the article: a weight guide (how many levels of 功力?) · 延伸：权重指南（该用几层功力？）
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/12_weight_guide.ipynb)
#
# **Article:** every experiment: the author lowers the weight (功力, "levels of power") by eye until the picture looks right. The post never says how to choose it.
#
# > **原文**：每个实验都一样：作者凭眼睛把权重（功力）往下调，直到图看起来对了为止。文章从没说过权重该怎么选。
#
# A guide computed from a sweep: the **lowest weight at which she holds** (identity fidelity ≥ 0.5) **while the prompt's other tags still work** (drawn in ≥ 0.7 of the pictures). Lower weights damage other prompts less (notebook 10), so the lowest passing weight is the one to use.
#
# > 一份由扫描结果算出来的指南：**她依然成立**（身份还原度 ≥ 0.5）、**同时 prompt 里的其他标签也依然管用**（在 ≥ 0.7 的图里画了出来）的**最低权重**。权重越低，对其他 prompt 的损伤越小（notebook 10），所以该用的就是能过线的最低权重。
#
# You will see: the guide applied to every LoRA of the article's experiments and the pruned-tag LoRA of notebook 09, each with a prompt asking for something its pictures do not all show.
#
# > 你会看到：这份指南用在文章各个实验的 LoRA 上，以及 notebook 09 的精简标签 LoRA 上；每个 LoRA 都配一个 prompt，要的东西在它的训练图里并不是每张都有。

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
from lora_course import weight_guide
uses = {"weiwei_1": "weiwei, sitting", "fox_1": "fox, sitting", "mouth_2": "weiwei, closed mouth",
        "cry_smile_2": "weiwei, closed mouth, smile", "thesis_pruned": "weiwei, sitting"}
loras = {s: lab.train(s) for s in uses}
sweeps = {s: lab.sweep([p], loras[s], weights=weight_guide.WEIGHTS) for s, p in uses.items()}

# %%
advice = {s: weight_guide.recommend(sweeps[s], p) for s, p in uses.items()}
plots.guide_figure(advice)

# %%
# NBVAL_CHECK_OUTPUT
print(weight_guide.table(list(advice.values()), list(advice)))

# %% [markdown]
# ## Verdict (claim W) · 结论（论断 W）

# %%
# NBVAL_CHECK_OUTPUT
claims.weight_guide(advice).show()

# %% [markdown]
# ## Things to try · 动手试试
# - Your own prompt: `weight_guide.recommend(lab.sweep(["weiwei, smile"], loras["weiwei_1"]), "weiwei, smile")`.
# - A stricter bar: `weight_guide.recommend(..., target=0.8)`. Which LoRAs still have a weight?
#
# > - 换成你自己的 prompt：`weight_guide.recommend(lab.sweep(["weiwei, smile"], loras["weiwei_1"]), "weiwei, smile")`。
# > - 把合格线提高：`weight_guide.recommend(..., target=0.8)`。还有哪些 LoRA 找得到过线的权重？

# %% [markdown]
# <!-- nav -->
# ← previous / 上一篇: [11 · Beyond the article: the remedies users reach for](11_remedies.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一篇: [13 · The same recipe on a real Stable Diffusion](13_real_sd.ipynb) →
