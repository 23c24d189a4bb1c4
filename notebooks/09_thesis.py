# %% [markdown]
# # 09 · Beyond the article: does tagging change quality, or only control?
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/09_thesis.ipynb)
#
# **Article:** the thesis at the top of the post: the training pictures decide whether a LoRA is good; the tags only decide **which words** the learned features attach to, and so how convenient and controllable it is. The article states this; it never tests it.
#
# Claim T. The same four pictures of her (mouth open or closed, standing or sitting), captioned three ways:
#
# | captioning | caption of the open-mouth standing picture |
# |---|---|
# | trigger only | `weiwei` |
# | full tags | `weiwei, 1girl, white hair, long hair, blue eyes, pink dress, fox ears, open mouth, standing` |
# | pruned tags | `weiwei, open mouth, standing`: tag what should vary, leave out what the trigger should absorb (kohya-colab's dataset maker's advice) |
#
# You will see: three LoRAs, each used the way its captions suggest; **quality** (identity fidelity with its own prompt), **control** (does `closed mouth`, `sitting`, `red hair` still work?) and **leakage** (is `1girl` hijacked?), and the verdict.

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
from IPython.display import display
for how in ("trigger", "full", "pruned"):
    display(course.show_set(f"thesis_{how}"))

# %%
loras = {how: lab.train(f"thesis_{how}") for how in ("trigger", "full", "pruned")}

# %% [markdown]
# ## Quality, control, leakage
# Every LoRA is asked the same prompts at w = 1; leakage compares its `1girl` with the base model's (w = 0). The full-tag LoRA is used with its full tag list: that is how such a LoRA is meant to be prompted.

# %%
prompts = list(dict.fromkeys([*claims.THESIS_PROMPTS.values(), *claims.THESIS_CONTROL, claims.THESIS_LEAK]))
sweeps = {how: lab.sweep(prompts, name, weights=(1.0,)) for how, name in loras.items()}
base = lab.sweep([claims.THESIS_LEAK], loras["trigger"], weights=(0.0,))   # w = 0: the base model's `1girl`
plots.compare_grid(sweeps, weight=1.0, title="w=1, seed 0: rows prompts, columns captionings")

# %%
numbers = claims.thesis_numbers(sweeps, base=base)
plots.thesis_figure(numbers)

# %%
# NBVAL_CHECK_OUTPUT
print(f"{'measure (95 % interval)':<24}" + "".join(f"{how:>20}" for how in numbers))
for key in numbers["trigger"]:
    print(f"{key:<24}" + "".join(f"{str(numbers[how][key]):>20}" for how in numbers))

# %% [markdown]
# ## Verdict (claim T)

# %%
# NBVAL_CHECK_OUTPUT
claims.thesis(sweeps, base=base).show()

# %% [markdown]
# ## Reading it
# Quality is what the pictures taught; the captions decide where it went. A caption that names a feature gives that feature to the tag's word instead of the trigger: the prompt can then take it back (control). A feature that varies between the pictures but is not tagged is learned as chance: the trigger draws one or the other, and the prompt has less say. docs/results.md discusses the numbers.

# %% [markdown]
# ## Things to try
# - Prompt the full-tag LoRA with the trigger alone (`weiwei`): how much of her comes without her tags? (the `trigger alone` row above)
# - Train the pruned set with the text encoder too (`LoraTrainConfig(text_encoder_lr=1e-3)`): does `red hair` obey better?
# - Make a fourth captioning: the pruned tags plus `1girl`. Does the hijack come back?
