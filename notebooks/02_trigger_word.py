# %% [markdown]
# # 02 · One picture, one tag: the trigger word
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/02_trigger_word.ipynb)
#
# **Article:** experiment 1, *the trigger word* (触发词). The author trains a LoRA on a single picture of 喂喂 (weiwei) captioned with one made-up word, `weiwei`, and prompting that word brings back all of her: white long hair, fox ears, blue eyes, pink dress.
#
# In the article's metaphor `weiwei` is a **傀儡 (puppet)**: a word with no meaning of its own in the base model (the **门派**, the sect), which the LoRA fills with her features.
#
# You will see: her training picture, how the base model reads the new word, a LoRA trained in seconds, the pictures at LoRA weights (**功力**) from 0 to 1, and the measured identity fidelity (share of 48 seeds showing *all* of her identity attributes).

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

# %% [markdown]
# ## The training set: one picture, one tag
# A kohya-style folder (`10_weiwei/`: 10 repeats of the concept *weiwei*) holding one PNG and its caption file.

# %%
course.show_set("weiwei_1")

# %% [markdown]
# ## A puppet has no mind of its own
# The base model has never seen the word. Its tokenizer splits it into pieces it never trained on, so the prompt `weiwei` means nothing in particular yet:

# %%
from lora_course.tokenizer import describe_tokens
print(describe_tokens(lab.pipe.tokenizer, "weiwei"))
print(describe_tokens(lab.pipe.tokenizer, "1girl, white hair"))

# %% [markdown]
# ## Train the LoRA
# Rank 8 on the UNet's attention, the text encoder frozen; the latents and the caption's embedding are computed once and cached (kohya's `cache_latents`).

# %%
weiwei = lab.train("weiwei_1", reuse=False, previews=True)   # always train here; later notebooks re-use it

# %%
plots.training_figure(lab.results[weiwei])

# %% [markdown]
# ## Pictures first
# The same seeds at each LoRA weight: w = 0 is the base model, w = 1 is "ten levels of power".

# %%
sw = lab.sweep(["weiwei"], weiwei, seeds=range(claims.SEEDS["C1"]))   # 48 seeds: see the verdict
lab.grid(sw, title="prompt `weiwei`, one seed per column")

# %%
lab.weights_grid(sw, "weiwei", weights=(0.0, 0.6, 1.0))

# %% [markdown]
# ## Then the numbers
# The tagger reads every picture. *Identity fidelity* is the share of the 48 seeds showing all five of her identity attributes; the thin lines are each attribute alone. (This notebook draws 48 seeds, the others 32: with 32, even "not one picture is her" leaves a 95 % interval up to 0.107, which cannot show the claim's "at most 0.10 without the LoRA".)

# %%
plots.fidelity_figure(sw, "weiwei")

# %% [markdown]
# ## Verdict (claim C1)

# %%
# NBVAL_CHECK_OUTPUT
claims.c1(sw).show()

# %% [markdown]
# ## Things to try
# - Change the trigger to a Chinese word: copy `data/sets/weiwei_1`, write `喂喂` in the caption, and train on the copy (`lab.train` takes any folder via `lora.train_lora`).
# - Halve the training steps: `lab.train("weiwei_1", LoraTrainConfig(steps=75), name="half")` (`from lora_course.lora import LoraTrainConfig`). Where does fidelity at w = 1 land?
# - Prompt `weiwei, red hair`: does the puppet take orders it was never trained on?
