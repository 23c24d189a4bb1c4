# %% [markdown]
# # 12 · Beyond the article: a weight guide (how many levels of 功力?)
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/12_weight_guide.ipynb)
#
# **Article:** every experiment: the author lowers the weight (功力, "levels of power") by eye until the picture looks right. The post never says how to choose it.
#
# A guide computed from a sweep: the **lowest weight at which she holds** (identity fidelity ≥ 0.5) **while the prompt's other tags still work** (drawn in ≥ 0.7 of the pictures). Lower weights damage other prompts less (notebook 10), so the lowest passing weight is the one to use.
#
# You will see: the guide applied to every LoRA of the article's experiments and the pruned-tag LoRA of notebook 09, each with a prompt asking for something its pictures do not all show.

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
# ## Verdict (claim W)

# %%
# NBVAL_CHECK_OUTPUT
claims.weight_guide(advice).show()

# %% [markdown]
# ## Things to try
# - Your own prompt: `weight_guide.recommend(lab.sweep(["weiwei, smile"], loras["weiwei_1"]), "weiwei, smile")`.
# - A stricter bar: `weight_guide.recommend(..., target=0.8)`. Which LoRAs still have a weight?
