# %% [markdown]
# # 14 · How long to train: the training-length axis
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/14_how_long_to_train.ipynb)
#
# **Article:** the closing worry of experiment 7 (a LoRA that is faithful *and* not overfit is hard to train), and the pictures of experiments 2, 5 and 7, which depend on how far the LoRA has learned its picture. The article never says how long it trained; this notebook measures what the length does.
#
# You will see: one training run of the one-picture LoRA (`weiwei_1`) and one of the two-picture LoRA (`mouth_2`), each kept at 25, 50, 100, 150, 300 and 600 steps; the course's **recipe rule**, declared in code before any verdict, measured; the *phase diagram* — training steps × LoRA weight — as one heatmap per measure, with the article's pictures marked on it; the loss beside it; and the practical answer, printed from the measurements.

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
from lora_course import course, plots, training_length as tl
lab = course.setup()

# %% [markdown]
# ## One run, kept at six lengths
# A LoRA kept at step *k* of a long run is exactly the LoRA a *k*-step run trains (same seed, same batches; the unit tests check it bit for bit), so one run of 600 steps gives all six. Each is cached under its own length: the 150-step one is the LoRA the other notebooks train.

# %%
one = lab.train_along("weiwei_1", tl.KEEP_STEPS)
two = lab.train_along("mouth_2", tl.KEEP_STEPS)

# %% [markdown]
# ## The recipe rule: stop when she appears
# How long should the course train? The rule below was written into `lora_course/training_length.py` before any verdict was computed, and it looks at nothing the claims check: the fewest steps at which the trigger alone draws her at full weight, with the interval's lower bound at least 0.9 on 48 seeds. Every experiment notebook trains the length it gives.

# %%
# NBVAL_CHECK_OUTPUT
chosen, est = lab.recipe_rule(one)
print("\n".join(tl.rule_lines(chosen, est, course.DEFAULT_LORA.steps)))

# %% [markdown]
# ## The phase diagram
# Rows are training steps, columns the LoRA weight (功力); each cell is measured on 16 seeds. ● marks a cell where the article's side of that measure is *shown* (its 95 % interval clears the claim's bar), ○ where 16 seeds cannot decide it. Read the maps of the one-picture LoRA first: where does `1girl` become her (夺舍), where does `closed mouth` stop working, where does she stop sitting?

# %%
d1 = lab.phase_diagram(one, "weiwei_1 (one picture)")
plots.phase_figure(d1)

# %%
d2 = lab.phase_diagram(two, "mouth_2 (open + closed mouth)")
plots.phase_figure(d2)

# %% [markdown]
# ## What over-training looks like in the loss
# The loss the trainer prints draws a random timestep and noise every step, so it jumps. The *stable* loss fixes both (five timesteps, two noise draws per picture), so it moves only when the LoRA does: on the training picture it can only go down; on new renders of her (other backgrounds, shifts, mirrors) it shows whether the LoRA learned *her* or *that picture*.

# %%
stable = tl.stable_losses(lab.pipe, one, tl.loss_sets(lab.pipe, "weiwei_1"))
for label, points in stable.items():
    print(f"{label:>20}: " + "  ".join(f"{k}: {v:.4f}" for k, v in points.items()))
plots.loss_figure(lab.losses["weiwei_1"], stable, title="weiwei_1: one run of 600 steps")

# %% [markdown]
# ## The practical answer
# Each line is computed from the maps above, with the number it rests on and its interval.

# %%
# NBVAL_CHECK_OUTPUT
print("\n".join(tl.advice(d1, d2)))

# %% [markdown]
# ## Reading it
# (written once the maps are measured)

# %% [markdown]
# ## Things to try
# - Keep more lengths (`tl.KEEP_STEPS`) or train to 1,200 steps: does the hijack ever let go, does the mouth ever come back?
# - Draw the phase diagram of `fox_1`: at which length does `fox` forget the animal at w = 1?
# - Change the rule's level (`tl.RULE_LEVEL`) to 0.99 and see how many steps it asks for.
