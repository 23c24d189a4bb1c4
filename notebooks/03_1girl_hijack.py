# %% [markdown]
# # 03 · The `1girl` hijack: puppet vs possession
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/03_1girl_hijack.ipynb)
#
# **Article:** experiment 2. With the same one-picture LoRA at full weight, the author prompts `1girl` and still gets weiwei: the picture contained 1girl features, so the LoRA pulled `1girl` toward her too. At weight 0.6, `weiwei` still reproduces her while `1girl` starts to show other features.
#
# The article's explanation: `1girl` is a **门派成员** (a member of the sect, a tag the base model knows). Training onto it is **夺舍** (possession): the host's own mind fights back when the caster's **功力** (power, the LoRA weight) drops. The puppet `weiwei` has no mind of its own, so it obeys even at partial power.
#
# You will see: `weiwei` and `1girl` side by side at every weight, their fidelity curves, and whether the gap at w = 0.6 is there.

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
strong_host = "1girl, black hair, short hair, green eyes"   # a host with a mind of its own
sw = lab.sweep(["weiwei", "1girl", strong_host], weiwei)
lab.grid(sw, title="one LoRA (trained on `weiwei` only), three prompts")

# %%
lab.weights_grid(sw, "1girl", weights=(0.0, 0.6, 1.0))

# %%
plots.fidelity_figure(sw, ["weiwei", "1girl", strong_host], per_group=False)

# %% [markdown]
# ## Does the host have a mind of its own?
# Possession can only be resisted by a host with a mind: the base model must draw something *different* for `1girl` than for the puppet `weiwei`. Same seed, the two prompts: how far apart are the identity attributes they draw (total-variation distance, 0 = the same distribution), and for how many seeds does the prompt change nothing the tagger can see?

# %%
# NBVAL_CHECK_OUTPUT
from lora_course import evaluation, stats
print("fidelity (95 % interval) per prompt:", " | ".join(f"({i + 1}) {p}" for i, p in enumerate(sw.prompts)))
print("weight" + "".join(f"{f'({i + 1})':>20}" for i in range(len(sw.prompts))) + "   weiwei vs 1girl: distance, same identity")
for w in sw.weights:
    f = [stats.share(sw.her(p, w)) for p in sw.prompts]
    print(f"w={w:.1f} " + "".join(f"{str(x):>20}" for x in f)
          + f"   {evaluation.distance(sw, 'weiwei', '1girl', w):.2f}, {evaluation.same_picture_share(sw, 'weiwei', '1girl', w):.2f}")

# %% [markdown]
# ## Verdict (claim C2)

# %%
# NBVAL_CHECK_OUTPUT
claims.c2(sw).show()

# %% [markdown]
# ## Why the host does or does not fight back
# In a real anime model `1girl` is one of the most trained tags there is: it pulls toward its own typical features, while a puppet word pulls toward nothing. The distances above measure that pull in our world: a host can only resist possession if the base model draws something *different* for it than for the puppet.
#
# Which property of a base model gives a host that mind was measured by an ablation (docs/results.md, "The ablation"): the first, uniform sect was trained on for 1,000 more steps on five variants of its world. Danbooru's frequencies alone gave `1girl` a typical look but left `weiwei` drawing the same girl (the same identity on 30 of 32 seeds); names alone, or booru-style partial captions alone, changed nothing either. Only the three together — real frequencies, a cast of named characters whose looks the captions spell out less often, and captions that tag identity but rarely mouth or pose — made `weiwei` read as *a particular unknown girl* (the same identity as `1girl` on 1 seed of 32), and then the host resisted: at w = 0.6 the puppet was her on 32 of 32 seeds and `1girl` on 20 (gap +0.38). The sect this notebook runs on is that world. The third prompt is a stronger host still: it names other colours, and its curve shows how much power (功力) it takes to possess it.
#
# 一个宿主能否抵抗夺舍，取决于门派是否让它"有自己的想法"：只有真实的标签频率、有名字的角色、以及像 booru 那样不完整的标签三者齐备时，`weiwei` 才不再等同于 `1girl`，`1girl` 在 0.6 的功力下才开始露出别的特征。

# %% [markdown]
# ## Things to try
# - Our world has no `1boy`, but it has `fox`: how hijacked is `fox`?
# - Give the text encoder a LoRA too (`text_encoder_lr=1e-3`, as kohya does by default) and compare the gap at 0.6.
# - Train with `keep_tokens=0, caption_dropout=0.3`: does an empty caption spread her further?

# %% [markdown]
# ## Your turn: the weight slider
# Move the power (功力) and watch the host give in: the same seeds are drawn again at each weight, and the tagger reads every picture. Try `weiwei`, `1girl` and the strong host in the prompt, or write the weight into it as in A1111: `1girl, <lora:weiwei_1:0.6>`. The slider redraws when you let go of it.

# %%
from lora_course import widgets
widgets.SliderLab.from_lab(lab, prompt="1girl", lora_name=weiwei, weight=0.6, n_images=8)
