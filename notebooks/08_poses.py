# %% [markdown]
# # 08 · Poses: what the training set lacks, the LoRA can't give
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/08_poses.ipynb)
#
# **Article:** experiment 7. All of her pictures stand. Other poses are only possible by lowering fidelity (the weight), unless pictures of other poses are added. A LoRA that is both faithful and not overfit needs a good training set.
#
# You will see: `weiwei, sitting` vs `weiwei, standing` at every weight, and how often a picture is *both* her and sitting.

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
from lora_course import claims, course, plots, training_length as tl
lab = course.setup()

# %%
weiwei = lab.train("weiwei_1")

# %%
sw = lab.sweep(["weiwei, sitting", "weiwei, standing"], weiwei)
lab.grid(sw, title="asking for a pose the training set never showed")

# %%
plots.pose_figure(sw, "weiwei, sitting", "weiwei, standing")

# %% [markdown]
# ## Verdict (claim C7)

# %%
# NBVAL_CHECK_OUTPUT
claims.c7(sw).show()

# %% [markdown]
# ## Beside it: the article's regime
# The verdict above is the course's recipe (its length chosen by the rule printed when the LoRA was loaded). The article's LoRA is trained until its picture is learned by heart: the same picture, one run kept at 600 steps, the same prompts, weights, seeds and checks:

# %%
long = lab.train_along("weiwei_1", tl.KEEP_STEPS)[tl.ARTICLE_STEPS]
lo = lab.sweep(["weiwei, sitting", "weiwei, standing"], long)
lab.grid(lo, title=f"the same picture trained {tl.ARTICLE_STEPS} steps")

# %%
# NBVAL_CHECK_OUTPUT
claims.c7(lo).show(regime=f"{tl.ARTICLE_STEPS} steps")

# %% [markdown]
# ## Reading it
# (written once measured)

# %% [markdown]
# ## Things to try
# - Train on `poses_sitting` (two standing, two sitting pictures) and rerun the sweep.
# - Lower the weight to 0.4 and count: how many sitting pictures are still her?
