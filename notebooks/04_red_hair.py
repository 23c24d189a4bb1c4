# %% [markdown]
# # 04 · `red hair` vs `long hair`: a host that resembles the caster
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/04_red_hair.ipynb)
#
# **Article:** experiment 3. Prompting `red hair` with the weiwei LoRA (she has white hair) reproduces her poorly: the features clash, and only full weight ("ten levels") brings her back. `long hair` matches her, and reproduces most of her already at lower weight.
#
# Possession (夺舍) succeeds more easily when the host already resembles the caster.
#
# You will see: both prompts across weights, the two fidelity curves, and the lowest weight at which each reaches fidelity 0.5.

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
# ## Verdict (claim C3)

# %%
# NBVAL_CHECK_OUTPUT
claims.c3(sw).show()

# %% [markdown]
# ## Why `red hair` resists
# A host resists only as far as it has a mind of its own (notebook 03 and the ablation of docs/results.md: a uniform world gives no word a mind; the sect this runs on, drawn with Danbooru's frequencies, named characters and booru-style captions, does). `red hair` carries a colour that contradicts her white hair, and the base model has seen it on about 6 % of its girls as the word for that colour; `long hair` agrees with her and is possessed as soon as the LoRA shows her. The lowest weights above say how much power (功力) each host costs.
#
# 红发与她的白发相矛盾，所以要更高的功力才能夺舍；长发与她一致，低功力即可。

# %% [markdown]
# ## Things to try
# - `blue eyes` matches her too: is it a `long hair`-like host?
# - `short hair, red hair`: two clashes at once.
# - Look for the weight at which red hair turns white (the `plots.rate_figure` above).
