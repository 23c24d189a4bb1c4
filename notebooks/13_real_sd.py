# %% [markdown]
# # 13 · The same recipe on a real Stable Diffusion
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/13_real_sd.ipynb)
#
# **Article:** experiments 1–3 once more, the way the author ran them: a real checkpoint, pictures of a character, one trigger word.
#
# The notebooks before this one ran on the course's tiny model, so that every claim could be measured on a laptop. Here the same `lora_course` code runs on a real SD 1.5-class checkpoint and your own pictures: the model is loaded by the same `base_model.load_pipeline` (float16 on the GPU), the pictures are captioned with the course's tag tools, the LoRA is trained by the same `lora.train_lora`, and the sweeps are the same XYZ plots.
#
# It needs a CUDA GPU and the Hugging Face hub (Colab's GPU runtime has both; the model is downloaded once, about 4 GB). Where they are missing, the next cells say so in one sentence and skip everything else.

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

# %% [markdown]
# ## Parameters
# On Colab, upload pictures of your character into a folder (the Files panel on the left) and name it in `MY_PICTURES`. One picture is enough, as in the article; square pictures crop best. `None` uses the course's own picture of weiwei (64 pixels, blurry at 512: bring your own).

# %%
MODEL = "stable-diffusion-v1-5/stable-diffusion-v1-5"   # any SD 1.x diffusers model: hub id or folder
MY_PICTURES = None                       # a folder of your pictures; None: the course's weiwei
TRIGGER = "weiwei"                       # the new word: a puppet (傀儡) with no meaning yet
HOST = "1girl"                           # experiment 2: a tag the model knows (a sect member)
CLASH, MATCH = "red hair", "long hair"   # experiment 3: a tag that contradicts her, one that fits

# %% [markdown]
# ## Can it run here?

# %%
from lora_course import dataset, real_sd, wd14
ok, why = real_sd.available(MODEL)
print(why)

# %% [markdown]
# Every cell below starts with `if ok:`, so without a GPU this notebook ends here, cleanly.
#
# ## The model
# The same entry point as the tiny model's; the sampler is swapped for DPM-Solver, which needs about 25 steps.

# %%
if ok:
    pipe = real_sd.load(MODEL)

# %% [markdown]
# ## Your pictures, as a kohya folder
# As in the article's experiment 1, every picture is captioned with the trigger word alone. WD14, the tagger the article's community uses, reads what the pictures show when it is available (`onnxruntime` and the hub): its tags are what the pictures below are checked for.

# %%
if ok:
    reader, note = wd14.load_if_available()
    print(note)
    root = real_sd.prepare_user_set(MY_PICTURES, real_sd.WORK_DIR / "set", trigger=TRIGGER,
                                    size=real_sd.lora.base_resolution(pipe))
    for it in dataset.load_dataset(root).items:
        print(it.image_path.name, "->", dataset.caption_text(it.tags))
    look = real_sd.identity_tags(root, reader) if reader else []
    print("her look, as WD14 reads it:", ", ".join(look) or "(no WD14 here)")

# %% [markdown]
# ## Train the LoRA
# The course's trainer with settings for a 512-pixel model (`real_sd.recipe`: rank 16, learning rate 1e-4, 400 steps). The kohya file it writes loads in A1111 and ComfyUI.

# %%
if ok:
    name = real_sd.train(pipe, root, real_sd.recipe(pipe), out_dir=real_sd.WORK_DIR / "lora")

# %% [markdown]
# ## Experiment 1: the trigger word
# Without the LoRA (w = 0) the word means nothing; with it, it should bring her back.

# %%
if ok:
    e1 = real_sd.experiment_trigger(pipe, name, TRIGGER)
    display(e1.figure())
    if look:
        print(e1.rates_text(reader, look))

# %% [markdown]
# ## Experiment 2: the `1girl` hijack
# The same LoRA, prompted with a tag the model knows. At full weight the host is possessed (夺舍) too; at 0.6 the article sees the puppet hold while the host fights back.

# %%
if ok:
    e2 = real_sd.experiment_1girl(pipe, name, TRIGGER, host=HOST)
    display(e2.figure())
    if look:
        print(e2.rates_text(reader, look))

# %% [markdown]
# ## Experiment 3: a host that resembles her
# A tag that contradicts her needs full power (功力); one that fits her is possessed at lower weight.

# %%
if ok:
    e3 = real_sd.experiment_red_hair(pipe, name, clash=CLASH, match=MATCH)
    display(e3.figure())
    if look:
        print(e3.rates_text(reader, look))

# %% [markdown]
# ## Things to try
# - Compare with the measured verdicts of notebooks 02–04: which effects does the real model show more strongly than the tiny one, and why (`1girl` has a strong prior in a real model)?
# - Caption the pictures with their tags too, the trigger first: `real_sd.prepare_user_set(MY_PICTURES, real_sd.WORK_DIR / "tagged", TRIGGER, captions="tagged", tagger=reader)`, train again, and prompt the trigger alone: the features now attached to the tags no longer come with the word (the article's thesis).
# - More seeds (`seeds=range(16)`) and `e1.seeds_figure(TRIGGER, 1.0)`: what "often" means.
