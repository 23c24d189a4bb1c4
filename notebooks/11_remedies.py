# %% [markdown]
# # 11 · Beyond the article: the remedies users reach for
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/11_remedies.ipynb)
#
# **Article:** experiments 2 and 7: the `1girl` hijack, and poses the training set lacks. The article names the cause (the pictures) but not the remedies users reach for.
#
# Two remedies, each measured against the plain one-picture LoRA:
#
# 1. **prior preservation** (kohya's regularisation folder, DreamBooth's prior loss): train with ten pictures the base model itself draws for `1girl`, captioned `1girl`, so the LoRA also learns to leave `1girl` as it was;
# 2. **more varied pictures**: the four pictures of notebook 09's pruned captioning, standing and sitting, mouth open and closed, each tagged with what varies (`weiwei, closed mouth, sitting`, ...).
#
# You will see: the prior-preservation set, the hijack with and without it, her sitting with and without sitting pictures, and the verdict.

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
from lora_course import remedies
plain = lab.train("weiwei_1")
reg_set = remedies.prior_preservation_set(lab.pipe, "weiwei_1")   # written to build/sets/weiwei_1_reg
course.show_set(reg_set)

# %%
reg = lab.train(reg_set, name="weiwei_reg")

# %%
sw_plain = lab.sweep(["weiwei", "1girl"], plain)                        # notebook 03's sweep
sw_reg = lab.sweep(["weiwei", "1girl"], reg, weights=(0.0, 0.6, 1.0))   # the ends and the working weight
plots.compare_grid({"plain": sw_plain, "prior preservation": sw_reg}, weight=1.0,
                   title="w=1, seed 0: with and without prior preservation")

# %%
varied = lab.train("thesis_pruned")   # trained in notebook 09: loaded from build/loras
sw_pose, sw_varied = lab.sweep(["weiwei, sitting"], plain), lab.sweep(["weiwei, sitting"], varied)
lab.weights_grid(sw_varied, "weiwei, sitting", weights=(0.6, 1.0))

# %%
plots.remedies_figure(sw_plain, sw_reg, sw_pose, sw_varied)

# %% [markdown]
# ## Verdict (claim R)

# %%
# NBVAL_CHECK_OUTPUT
claims.remedies(sw_plain, sw_reg, sw_pose, sw_varied).show()

# %% [markdown]
# ## Reading it
# Prior preservation asks the LoRA to learn two things at once: `weiwei` is her, `1girl` is still what the base model drew. It can only work as far as the LoRA can tell the two words apart; with the text encoder frozen, that is up to the base model's embeddings of them (notebook 03 measures how alike they are). The varied pictures answer a different question: they remove the cause, a pose the pictures never showed. docs/results.md has the numbers on each base model.

# %% [markdown]
# ## Things to try
# - Twenty prior pictures instead of ten: `remedies.prior_preservation_set(lab.pipe, "weiwei_1", seeds=range(1000, 1020))`.
# - Prior preservation for `fox`: `remedies.prior_preservation_set(lab.pipe, "fox_1", class_prompt="fox")`. Does the animal come back at w = 1?
# - Let the LoRA move the two words apart: train the prior-preservation set with a text-encoder LoRA too, `lab.train(reg_set, LoraTrainConfig(text_encoder_lr=1e-3), name="weiwei_reg_te")` (`from lora_course.lora import LoraTrainConfig`), and sweep `weiwei` and `1girl` again (docs/results.md has what it did).
