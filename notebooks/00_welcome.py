# %% [markdown]
# # 00 · Welcome: the sect, the puppet and the possession
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/00_welcome.ipynb)
#
# **Article:** the whole post, "LoRA训练——打标签(tag)" (LoRA training — tagging), octppus, 2023. Its thesis: tags do not decide whether a LoRA is *good* — the training pictures do. Tags decide **which words** the learned features attach to, and so how convenient and controllable the LoRA is.
#
# This course re-runs each of its seven experiments on a tiny Stable Diffusion that trains and samples on a laptop CPU, and measures every claim over many seeds.
#
# You will see: the article's metaphor, the drawn world and its tags, the character 喂喂 (weiwei), and what the base model already knows, tag by tag.

# %% [markdown]
# ## The metaphor (keep these words: they are how the article explains everything)
#
# | term | pinyin | in this course |
# |---|---|---|
# | 门派 (the sect) | ménpài | the base model |
# | 门派成员 (a sect member) | ménpài chéngyuán | a tag the base model already knows: `1girl`, `fox`, `long hair` |
# | 傀儡 (a puppet) | kuǐlěi | a new trigger word with no meaning yet: `weiwei` |
# | 施术者 (the caster) | shīshùzhě | the training set |
# | 功力 (power) | gōnglì | the LoRA weight, `<lora:weiwei:0.6>`; "ten levels" (十层功力) = 1.0 |
# | 夺舍 (possession) | duóshè | training onto an existing tag: its old meaning is overwritten |
#
# A puppet has no mind of its own, so it obeys even at partial power; a possessed host fights back
# when the caster's power drops, and is possessed more easily when it already resembles the caster.
#
# ## The course map
#
# | notebook | the article's experiment | claim |
# |---|---|---|
# | 01 tagging | how a training folder and its captions look; auto-tagging | — |
# | 02 trigger word | 1: one picture, one tag | C1 |
# | 03 the `1girl` hijack | 2: puppet vs possession | C2 |
# | 04 `red hair` vs `long hair` | 3: a host that resembles the caster | C3 |
# | 05 `fox` as trigger | 4: possessing a sect member | C4 |
# | 06 open/closed mouth | 5: what the training set lacks | C5 |
# | 07 crying/smiling | 6: combining tags | C6 |
# | 08 poses | 7: what the training set lacks, the LoRA can't give | C7 |
# | 09 the thesis, tested | the opening thesis: tags change control, not quality | T |
# | 10 possession vs puppet | the metaphor: 夺舍 and 傀儡, measured | P |
# | 11 remedies | prior preservation, more varied pictures | R |
# | 12 a weight guide | how many levels of 功力 | W |
# | 13 a real checkpoint | 1–3 again, on SD 1.5 and your own pictures (needs a GPU) | — |

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
# ## The world
# Every picture of this course is drawn by `lora_course.world` from a list of tags, so we always know the truth. One row per tag group; each picture is weiwei with one tag changed.

# %%
from lora_course import world
world.contact_sheet(cell=2)

# %% [markdown]
# ## Weiwei (喂喂)
# The article's character. Her exact combination of identity tags never appears in the base model's pretraining, and the word `weiwei` was never in a caption.

# %%
print(", ".join(world.tags_of(world.WEIWEI)))
print("identity (what fidelity is measured on):", [world.WEIWEI[g] for g in world.IDENTITY_GROUPS])
world.render(world.WEIWEI, seed=5).resize((192, 192), 0)

# %% [markdown]
# ## What the sect knows
# The base model is an ordinary `StableDiffusionPipeline` (VAE, UNet, CLIP text encoder and tokenizer), only tiny. Here it draws a few tags it learned in pretraining, and the tagger reads how often each picture shows the tag that was asked for.

# %%
from lora_course import claims, course, plots
lab = course.setup()

# %%
from lora_course import evaluation
gallery = ["1girl, red hair", "1girl, blonde hair, cat ears", "1girl, crying", "1girl, sitting", "fox", "weiwei"]
r = evaluation.measure(lab.pipe, lab.tagger, gallery, lab.seeds, progress=False)
plots.image_grid(evaluation.images_by_prompt(r, gallery)[:, :8], row_labels=gallery,
                 title="the base model, 8 of 32 seeds per prompt")

# %%
# NBVAL_CHECK_OUTPUT
for p in gallery[:-1]:
    tags = evaluation.prompt_tags(p)
    rows = evaluation.rows_of(r, prompt=p)
    print(f"{p:<30}", "  ".join(f"{t}: {r.rate(t, rows):.2f}" for t in tags))
print(f"{'weiwei':<30}", r.fidelity(rows=evaluation.rows_of(r, prompt="weiwei")))

# %% [markdown]
# ## What a bare `1girl` leaves free
# A prompt names some tag groups; the base model chooses the rest. Bare `1girl` must draw many different girls, or the `1girl` hijack of notebook 03 could not be seen: here is how its pictures spread over the groups it does not name.

# %%
# NBVAL_CHECK_OUTPUT
bare = evaluation.measure(lab.pipe, lab.tagger, ["1girl"], lab.seeds, progress=False)
for g in ["hair_color", "eye_color", "outfit", "ears"]:
    spread = sorted(bare.share(g).items(), key=lambda kv: -kv[1])
    print(f"{g:<11}", "  ".join(f"{v or 'none'} {x:.2f}" for v, x in spread))

# %% [markdown]
# `weiwei` means nothing to the base model yet: a puppet waiting for its caster. Next: 01, the training folder.
