"""Write the course's notebooks from the cell lists below (one source of truth for their text).

    python scripts/build_notebooks.py            # write notebooks/*.ipynb (no outputs)
    python scripts/build_notebooks.py --execute  # ... and execute them in place (outputs committed)

Notebooks tell the story; the package does the work: code cells stay a few lines long.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
NB_DIR = ROOT / "notebooks"
#: GitHub home of the course (the Colab badges and the Colab setup cell point here).
REPO = "lora-course/lora_course"

#: The first code cell of every notebook. It must work before ``lora_course`` can be imported, so
#: its logic lives here. LORA_COURSE_COLAB=1 takes the Colab branch anywhere, and LORA_COURSE_REPO,
#: LORA_COURSE_DIR and LORA_COURSE_PIP_ARGS replace the clone source, the install folder and add
#: pip options (tests/test_colab.py runs it offline that way).
SETUP = '''# On Colab: fetch the course (code and data/) and install it. Anywhere else: nothing to do.
import importlib.util, os, shlex, subprocess, sys
if ("google.colab" in sys.modules or os.environ.get("LORA_COURSE_COLAB") == "1") \\
        and importlib.util.find_spec("lora_course") is None:
    home = os.environ.get("LORA_COURSE_DIR", "/content/lora_course")
    if not os.path.isdir(home):
        src = os.environ.get("LORA_COURSE_REPO", "https://github.com/{repo}")
        subprocess.run(["git", "clone", "--depth=1", "-q", src, home], check=True)
    pip_args = shlex.split(os.environ.get("LORA_COURSE_PIP_ARGS", ""))
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", *pip_args, "-e", home], check=True)
    sys.path.insert(0, home)
    print("the course is installed from", home)'''.format(repo=REPO)


def header(number: str, title: str, section: str, about: str) -> str:
    badge = (f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
             f"(https://colab.research.google.com/github/{REPO}/blob/main/notebooks/{number}.ipynb)")
    return f"# {title}\n\n{badge}\n\n**Article:** {section}\n\n{about}"


def md(text):
    return new_markdown_cell(text.strip("\n"))


def code(text, check=False):
    text = text.strip("\n")
    if check:
        text = "# NBVAL_CHECK_OUTPUT\n" + text
    return new_code_cell(text)


LAB = code('''
from lora_course import claims, course, plots
lab = course.setup()
''')


def opening(number: str, title: str, section: str, about: str) -> list:
    """The first cells of every experiment: title and badge, the Colab setup, the lab."""
    return [md(header(number, title, section, about)), code(SETUP), LAB]


def verdict(claim: str, call: str) -> list:
    """The verdict of a claim, computed and printed; nbval checks its output."""
    return [md(f"## Verdict (claim {claim})"), code(call, check=True)]

NOTEBOOKS = {}

# -------------------------------------------------------------------------------------------------
NOTEBOOKS["00_welcome"] = [
    md(header("00_welcome", "00 · Welcome: the sect, the puppet and the possession",
              "the whole post, \"LoRA训练——打标签(tag)\" (LoRA training — tagging), octppus, 2023. Its "
              "thesis: tags do not decide whether a LoRA is *good* — the training pictures do. Tags decide "
              "**which words** the learned features attach to, and so how convenient and controllable "
              "the LoRA is.",
              "This course re-runs each of its seven experiments on a tiny Stable Diffusion that trains "
              "and samples on a laptop CPU, and measures every claim over many seeds.\n\n"
              "You will see: the article's metaphor, the drawn world and its tags, the character 喂喂 "
              "(weiwei), and what the base model already knows, tag by tag.")),
    md("""## The metaphor (keep these words: they are how the article explains everything)

| term | pinyin | in this course |
|---|---|---|
| 门派 (the sect) | ménpài | the base model |
| 门派成员 (a sect member) | ménpài chéngyuán | a tag the base model already knows: `1girl`, `fox`, `long hair` |
| 傀儡 (a puppet) | kuǐlěi | a new trigger word with no meaning yet: `weiwei` |
| 施术者 (the caster) | shīshùzhě | the training set |
| 功力 (power) | gōnglì | the LoRA weight, `<lora:weiwei:0.6>`; \"ten levels\" (十层功力) = 1.0 |
| 夺舍 (possession) | duóshè | training onto an existing tag: its old meaning is overwritten |

A puppet has no mind of its own, so it obeys even at partial power; a possessed host fights back
when the caster's power drops, and is possessed more easily when it already resembles the caster.

## The course map

| notebook | the article's experiment | claim |
|---|---|---|
| 01 tagging | how a training folder and its captions look; auto-tagging | — |
| 02 trigger word | 1: one picture, one tag | C1 |
| 03 the `1girl` hijack | 2: puppet vs possession | C2 |
| 04 `red hair` vs `long hair` | 3: a host that resembles the caster | C3 |
| 05 `fox` as trigger | 4: possessing a sect member | C4 |
| 06 open/closed mouth | 5: what the training set lacks | C5 |
| 07 crying/smiling | 6: combining tags | C6 |
| 08 poses | 7: what the training set lacks, the LoRA can't give | C7 |
| 09 the thesis, tested | the opening thesis: tags change control, not quality | T |
| 10 possession vs puppet | the metaphor: 夺舍 and 傀儡, measured | P |
| 11 remedies | prior preservation, more varied pictures | R |
| 12 a weight guide | how many levels of 功力 | W |
| 13 a real checkpoint | 1–3 again, on SD 1.5 and your own pictures (needs a GPU) | — |"""),
    code(SETUP),
    md("## The world\n"
       "Every picture of this course is drawn by `lora_course.world` from a list of tags, so we always "
       "know the truth. One row per tag group; each picture is weiwei with one tag changed."),
    code('''
from lora_course import world
world.contact_sheet(cell=2)
'''),
    md("## Weiwei (喂喂)\nThe article's character. Her exact combination of identity tags never appears "
       "in the base model's pretraining, and the word `weiwei` was never in a caption."),
    code('''
print(", ".join(world.tags_of(world.WEIWEI)))
print("identity (what fidelity is measured on):", [world.WEIWEI[g] for g in world.IDENTITY_GROUPS])
world.render(world.WEIWEI, seed=5).resize((192, 192), 0)
'''),
    md("## What the sect knows\n"
       "The base model is an ordinary `StableDiffusionPipeline` (VAE, UNet, CLIP text encoder and "
       "tokenizer), only tiny. Here it draws a few tags it learned in pretraining, and the tagger reads "
       "how often each picture shows the tag that was asked for."),
    LAB,
    code('''
from lora_course import evaluation
gallery = ["1girl, red hair", "1girl, blonde hair, cat ears", "1girl, crying", "1girl, sitting", "fox", "weiwei"]
r = evaluation.measure(lab.pipe, lab.tagger, gallery, lab.seeds, progress=False)
plots.image_grid(evaluation.images_by_prompt(r, gallery)[:, :8], row_labels=gallery,
                 title="the base model, 8 of 32 seeds per prompt")
'''),
    code('''
for p in gallery[:-1]:
    tags = evaluation.prompt_tags(p)
    rows = evaluation.rows_of(r, prompt=p)
    print(f"{p:<30}", "  ".join(f"{t}: {r.rate(t, rows):.2f}" for t in tags))
print(f"{'weiwei':<30}", r.fidelity(rows=evaluation.rows_of(r, prompt="weiwei")))
''', check=True),
    md("## What a bare `1girl` leaves free\n"
       "A prompt names some tag groups; the base model chooses the rest. Bare `1girl` must draw many "
       "different girls, or the `1girl` hijack of notebook 03 could not be seen: here is how its "
       "pictures spread over the groups it does not name."),
    code('''
bare = evaluation.measure(lab.pipe, lab.tagger, ["1girl"], lab.seeds, progress=False)
for g in ["hair_color", "eye_color", "outfit", "ears"]:
    spread = sorted(bare.share(g).items(), key=lambda kv: -kv[1])
    print(f"{g:<11}", "  ".join(f"{v or 'none'} {x:.2f}" for v, x in spread))
''', check=True),
    md("`weiwei` means nothing to the base model yet: a puppet waiting for its caster. Next: "
       "01, the training folder."),
]

# -------------------------------------------------------------------------------------------------
NOTEBOOKS["01_tagging"] = [
    md(header("01_tagging", "01 · Tagging: the training folder, its captions, and where the trigger goes",
              "the opening sections: what a tag is (\"this word = these visual features\"), why a prompt "
              "`girl` gives a girl (the base model maps the word to girl features) and why adding a "
              "character name gives the intersection of both.",
              "You will see: a kohya-style dataset folder, a caption file, the tag tools (trigger first, "
              "add, remove, replace, frequency), and the tagger auto-tagging a folder as WD14 does.")),
    code(SETUP),
    md("## A training folder\n"
       "kohya's layout: a folder per concept named `<repeats>_<name>`, holding each picture and a "
       "`.txt` caption of comma-separated tags beside it."),
    code('''
import shutil, tempfile
from pathlib import Path
from lora_course import dataset, training_sets, world
work = Path(tempfile.mkdtemp()) / "my_set"
shutil.copytree(training_sets.DATA_DIR / "mouth_2", work)
for p in sorted(work.rglob("*")):
    print(p.relative_to(work.parent), "->", p.read_text(encoding="utf-8").strip() if p.suffix == ".txt" else "")
'''),
    code('''
ds = dataset.load_dataset(work)
for c in ds.concepts:
    print(f"concept {c.name!r}: {len(c.items)} pictures x {c.repeats} repeats")
print(dataset.tag_frequency(ds))
''', check=True),
    md("## Tag tools\nEvery edit is written atomically, and the old caption is kept in `.backup/`: no "
       "caption is ever lost."),
    code('''
dataset.replace_tag_everywhere(ds, "weiwei", "喂喂")     # a Chinese trigger works end to end
dataset.add_tag_everywhere(ds, "1girl")
dataset.set_trigger(ds, "喂喂")                            # the trigger first (kohya's keep_tokens=1)
for it in ds.items:
    print(it.image_path.name, "->", dataset.caption_text(it.tags))
print("backups kept:", len(list(work.rglob(".backup/*.txt"))))
''', check=True),
    md("## Auto-tagging, like WD14\n"
       "The tagger reads each picture and writes the tags it sees above a threshold (0.35, WD14's "
       "default), one per exclusive group, with the trigger first. Existing captions are kept unless "
       "you ask to overwrite them (and then they are backed up)."),
    code('''
from lora_course.tagger import Tagger, autotag_folder
fresh = work.parent / "auto" / "5_weiwei"
fresh.mkdir(parents=True)
for i, s in enumerate([1, 2, 3]):
    world.render(world.WEIWEI, seed=s).save(fresh / f"{i}.png")
written = autotag_folder(fresh, Tagger.load(), always_first=["weiwei"], undesired=["standing"])
for name, tags in written.items():
    print(name, "->", ", ".join(tags))
''', check=True),
    md("Where the trigger goes, and which tags to keep, is what the next notebooks measure: "
       "a tag attaches the picture's features to its word."),
    md("## Your turn: the tag editor\n"
       "The same tools with the mouse, on the copy made above: click a tag to remove it (click it "
       "again to put it back), type tags to add them, or edit every picture at once; the table counts "
       "the pictures that carry each tag. Nothing is written until **save**, and saving keeps every "
       "old caption in `.backup/`."),
    code('''
from lora_course import widgets
widgets.TagEditor(work)
'''),
]

# -------------------------------------------------------------------------------------------------
NOTEBOOKS["02_trigger_word"] = [
    *opening("02_trigger_word", "02 · One picture, one tag: the trigger word",
              "experiment 1, *the trigger word* (触发词). The author trains a LoRA on a single picture of "
              "喂喂 (weiwei) captioned with one made-up word, `weiwei`, and prompting that word brings "
              "back all of her: white long hair, fox ears, blue eyes, pink dress.",
              "In the article's metaphor `weiwei` is a **傀儡 (puppet)**: a word with no meaning of its "
              "own in the base model (the **门派**, the sect), which the LoRA fills with her features.\n\n"
              "You will see: her training picture, how the base model reads the new word, a LoRA trained "
              "in seconds, the pictures at LoRA weights (**功力**) from 0 to 1, and the measured identity "
              "fidelity (share of 32 seeds showing *all* of her identity attributes)."),
    md("## The training set: one picture, one tag\n"
       "A kohya-style folder (`10_weiwei/`: 10 repeats of the concept *weiwei*) holding one PNG and "
       "its caption file."),
    code('course.show_set("weiwei_1")'),
    md("## A puppet has no mind of its own\n"
       "The base model has never seen the word. Its tokenizer splits it into pieces it never trained "
       "on, so the prompt `weiwei` means nothing in particular yet:"),
    code('''
from lora_course.tokenizer import describe_tokens
print(describe_tokens(lab.pipe.tokenizer, "weiwei"))
print(describe_tokens(lab.pipe.tokenizer, "1girl, white hair"))
'''),
    md("## Train the LoRA\n"
       "Rank 8 on the UNet's attention, the text encoder frozen; the latents and the caption's "
       "embedding are computed once and cached (kohya's `cache_latents`)."),
    code('weiwei = lab.train("weiwei_1", reuse=False, previews=True)   # always train here; later notebooks re-use it'),
    code('plots.training_figure(lab.results[weiwei])'),
    md("## Pictures first\n"
       "The same seeds at each LoRA weight: w = 0 is the base model, w = 1 is \"ten levels of power\"."),
    code('''
sw = lab.sweep(["weiwei"], weiwei)
lab.grid(sw, title="prompt `weiwei`, one seed per column")
'''),
    code('lab.weights_grid(sw, "weiwei", weights=(0.0, 0.6, 1.0))'),
    md("## Then the numbers\n"
       "The tagger reads every picture. *Identity fidelity* is the share of the 32 seeds showing all "
       "five of her identity attributes; the thin lines are each attribute alone."),
    code('plots.fidelity_figure(sw, "weiwei")'),
    *verdict("C1", 'claims.c1(sw).show()'),
    md("## Things to try\n"
       "- Change the trigger to a Chinese word: copy `data/sets/weiwei_1`, write `喂喂` in the caption, "
       "and train on the copy (`lab.train` takes any folder via `lora.train_lora`).\n"
       "- Halve the training steps: `lab.train(\"weiwei_1\", LoraTrainConfig(steps=75), name=\"half\")` "
       "(`from lora_course.lora import LoraTrainConfig`). Where does fidelity at w = 1 land?\n"
       "- Prompt `weiwei, red hair`: does the puppet take orders it was never trained on?"),
]

# -------------------------------------------------------------------------------------------------
NOTEBOOKS["03_1girl_hijack"] = [
    *opening("03_1girl_hijack", "03 · The `1girl` hijack: puppet vs possession",
              "experiment 2. With the same one-picture LoRA at full weight, the author prompts `1girl` "
              "and still gets weiwei: the picture contained 1girl features, so the LoRA pulled `1girl` "
              "toward her too. At weight 0.6, `weiwei` still reproduces her while `1girl` starts to show "
              "other features.",
              "The article's explanation: `1girl` is a **门派成员** (a member of the sect, a tag the base "
              "model knows). Training onto it is **夺舍** (possession): the host's own mind fights back "
              "when the caster's **功力** (power, the LoRA weight) drops. The puppet `weiwei` has no mind "
              "of its own, so it obeys even at partial power.\n\n"
              "You will see: `weiwei` and `1girl` side by side at every weight, their fidelity curves, and "
              "whether the gap at w = 0.6 is there."),
    code('weiwei = lab.train("weiwei_1")'),
    code('''
strong_host = "1girl, black hair, short hair, green eyes"   # a host with a mind of its own
sw = lab.sweep(["weiwei", "1girl", strong_host], weiwei)
lab.grid(sw, title="one LoRA (trained on `weiwei` only), three prompts")
'''),
    code('lab.weights_grid(sw, "1girl", weights=(0.0, 0.6, 1.0))'),
    code('plots.fidelity_figure(sw, ["weiwei", "1girl", strong_host], per_group=False)'),
    md("## Does the host have a mind of its own?\n"
       "Possession can only be resisted by a host with a mind: the base model must draw something "
       "*different* for `1girl` than for the puppet `weiwei`. Same seed, the two prompts: how far "
       "apart are the identity attributes they draw (total-variation distance, 0 = the same "
       "distribution), and for how many seeds does the prompt change nothing the tagger can see?"),
    code('''
from lora_course import evaluation
print("weight | fidelity: weiwei  1girl  strong host | weiwei vs 1girl: distance, same identity per seed")
for w in sw.weights:
    f = [sw.fidelity(p, w).all for p in sw.prompts]
    print(f"w={w:.1f}  |  {f[0]:.2f}  {f[1]:.2f}  {f[2]:.2f}  |  {evaluation.distance(sw, 'weiwei', '1girl', w):.2f}, "
          f"{evaluation.same_picture_share(sw, 'weiwei', '1girl', w):.2f}")
''', check=True),
    *verdict("C2", 'claims.c2(sw).show()'),
    md("## Why the host does or does not fight back\n"
       "In a real anime model `1girl` is one of the most trained tags there is: it pulls toward its "
       "own typical features, while a puppet word pulls toward nothing. The distances above measure "
       "that pull in our world. Where the base model draws (nearly) the same for `1girl` as for an "
       "unknown word — in this world `1girl` only tells a girl from the fox and leaves every other "
       "attribute to chance — the host has no mind of its own, and the LoRA possesses both prompts "
       "alike: the article's effect needs a host with a strong prior. The third prompt is such a "
       "host: it names other colours, and the curve shows how much power (功力) it takes to "
       "possess it."),
    md("## Things to try\n"
       "- Our world has no `1boy`, but it has `fox`: how hijacked is `fox`?\n"
       "- Give the text encoder a LoRA too (`text_encoder_lr=1e-3`, as kohya does by default) and "
       "compare the gap at 0.6.\n"
       "- Train with `keep_tokens=0, caption_dropout=0.3`: does an empty caption spread her further?"),
    md("## Your turn: the weight slider\n"
       "Move the power (功力) and watch the host give in: the same seeds are drawn again at each "
       "weight, and the tagger reads every picture. Try `weiwei`, `1girl` and the strong host in "
       "the prompt, or write the weight into it as in A1111: `1girl, <lora:weiwei_1:0.6>`. The "
       "slider redraws when you let go of it."),
    code('''
from lora_course import widgets
widgets.SliderLab.from_lab(lab, prompt="1girl", lora_name=weiwei, weight=0.6, n_images=8)
'''),
]

# -------------------------------------------------------------------------------------------------
NOTEBOOKS["04_red_hair"] = [
    *opening("04_red_hair", "04 · `red hair` vs `long hair`: a host that resembles the caster",
              "experiment 3. Prompting `red hair` with the weiwei LoRA (she has white hair) reproduces "
              "her poorly: the features clash, and only full weight (\"ten levels\") brings her back. "
              "`long hair` matches her, and reproduces most of her already at lower weight.",
              "Possession (夺舍) succeeds more easily when the host already resembles the caster.\n\n"
              "You will see: both prompts across weights, the two fidelity curves, and the lowest weight "
              "at which each reaches fidelity 0.5."),
    code('weiwei = lab.train("weiwei_1")'),
    code('''
sw = lab.sweep(["red hair", "long hair"], weiwei)
lab.grid(sw, title="the weiwei LoRA, prompts that clash with her and that match her")
'''),
    code('plots.fidelity_figure(sw, ["red hair", "long hair"], per_group=False)'),
    code('plots.rate_figure(sw, "red hair", ["red hair", "white hair"])'),
    *verdict("C3", 'claims.c3(sw).show()'),
    md("## Things to try\n"
       "- `blue eyes` matches her too: is it a `long hair`-like host?\n"
       "- `short hair, red hair`: two clashes at once.\n"
       "- Look for the weight at which red hair turns white (the `plots.rate_figure` above)."),
]

# -------------------------------------------------------------------------------------------------
NOTEBOOKS["05_fox_trigger"] = [
    *opening("05_fox_trigger", "05 · `fox` as the trigger: possessing a sect member",
              "experiment 4. The author retrains with the single tag `fox` instead of `weiwei`. At weight "
              "1.0 `fox` draws weiwei; as the weight drops, the original fox features come back and hers "
              "fade.",
              "`fox` is a member of the sect: the base model draws an orange animal for it. Training onto "
              "it is possession (夺舍).\n\n"
              "You will see: the prompt `fox` at every weight, her fidelity and the share of pictures "
              "showing the animal."),
    code('course.show_set("fox_1")'),
    code('fox = lab.train("fox_1")'),
    code('''
sw = lab.sweep(["fox"], fox)
lab.grid(sw, title="prompt `fox` with the LoRA trained on `fox`")
'''),
    code('plots.fox_figure(sw, "fox")'),
    *verdict("C4", 'claims.c4(sw).show()'),
    md("## Reading it\n"
       "Her fidelity counts every identity attribute at once, her eyes included. When a known word "
       "fights back, the smallest feature is the first to go: if the verdict is PARTLY, "
       "`print(sw.fidelity(\"fox\", 1.0))` gives it per attribute (docs/results.md)."),
    md("## Things to try\n"
       "- Prompt `1girl` with the fox LoRA: is the hijack as strong as with the `weiwei` LoRA?\n"
       "- Train on `fox, 1girl` together: whose features win at 0.6?\n"
       "- Prompt `fox ears`: a tag close to the host."),
]

# -------------------------------------------------------------------------------------------------
NOTEBOOKS["06_mouth"] = [
    *opening("06_mouth", "06 · Open mouth, closed mouth: what the training set lacks",
              "experiment 5. With only the open-mouth picture, a closed mouth is very hard to get. With "
              "two pictures tagged `weiwei, open mouth` and `weiwei, closed mouth`, the prompt controls "
              "the mouth. The training set matters most; tags make it usable.",
              "You will see: the two training sets, the two LoRAs at w = 1 with both mouth prompts, and "
              "how often the mouth does what the prompt asks."),
    code('course.show_set("mouth_2")'),
    code('''
one = lab.train("weiwei_1")
two = lab.train("mouth_2")
'''),
    code('''
prompts = ["weiwei, open mouth", "weiwei, closed mouth"]
sw_one = lab.sweep(prompts, one, weights=(0.6, 0.8, 1.0))
sw_two = lab.sweep(prompts, two, weights=(0.6, 0.8, 1.0))
lab.grid(sw_one, title="one open-mouth picture")
'''),
    code('lab.grid(sw_two, title="two pictures, mouth tagged")'),
    code('plots.mouth_figure(sw_one, sw_two)'),
    *verdict("C5", 'claims.c5(sw_one, sw_two).show()'),
    md("## When the sect knows the tag better than the caster\n"
       "If the verdict says a closed mouth was *not* hard to get: the base model knows `closed mouth` "
       "perfectly, and the course's one-picture LoRA (150 steps) has not learned her open mouth by "
       "heart, so the prompt wins. The article's LoRAs are trained until the picture is learned by "
       "heart; trained four times longer, the same picture gives no closed mouth at all at w = 1 "
       "(docs/results.md has the numbers). Whether a missing feature is hard to get "
       "is a race between what the base model knows and how far the LoRA overfits."),
    md("## Things to try\n"
       "- Overfit like the article: `lab.train(\"weiwei_1\", LoraTrainConfig(steps=600), name=\"long\")` "
       "(`from lora_course.lora import LoraTrainConfig`) and sweep `weiwei, closed mouth` again.\n"
       "- Drop the mouth tags from the two-picture set (`lora_course.dataset.remove_tag_everywhere`) "
       "and retrain: the pictures are the same, the control is gone.\n"
       "- Lower the weight of the one-picture LoRA until closed mouths appear: what does it cost?"),
]

# -------------------------------------------------------------------------------------------------
NOTEBOOKS["07_cry_smile"] = [
    *opening("07_cry_smile", "07 · Crying and smiling: combining tags",
              "experiment 6. The open-mouth picture is also tagged `crying` and the closed-mouth one "
              "`smile`. Prompting `open mouth` + `crying` gives a wide-open crying face; `closed mouth` "
              "+ `smile` a closed-lip smile.",
              "You will see: the training set, the combinations at three weights, and how often each "
              "picture shows both requested tags at once."),
    code('course.show_set("cry_smile_2")'),
    code('cs = lab.train("cry_smile_2")'),
    code('''
prompts = ["weiwei, open mouth, crying", "weiwei, closed mouth, smile"]
sw = lab.sweep(prompts, cs, weights=(0.6, 0.8, 1.0))
lab.grid(sw, title="tags combined at prompt time")
'''),
    code('plots.combination_figure(sw, {prompts[0]: ["open mouth", "crying"], prompts[1]: ["closed mouth", "smile"]})'),
    *verdict("C6", 'claims.c6(sw).show()'),
    md("## Things to try\n"
       "- Swap them: `weiwei, open mouth, smile` was never in the training set. Does the base model "
       "fill the gap?\n"
       "- Remove `crying` from the prompt: does the LoRA cry anyway, because the open mouth and the "
       "tears came together?"),
]

# -------------------------------------------------------------------------------------------------
NOTEBOOKS["08_poses"] = [
    *opening("08_poses", "08 · Poses: what the training set lacks, the LoRA can't give",
              "experiment 7. All of her pictures stand. Other poses are only possible by lowering "
              "fidelity (the weight), unless pictures of other poses are added. A LoRA that is both "
              "faithful and not overfit needs a good training set.",
              "You will see: `weiwei, sitting` vs `weiwei, standing` at every weight, and how often a "
              "picture is *both* her and sitting."),
    code('weiwei = lab.train("weiwei_1")'),
    code('''
sw = lab.sweep(["weiwei, sitting", "weiwei, standing"], weiwei)
lab.grid(sw, title="asking for a pose the training set never showed")
'''),
    code('plots.pose_figure(sw, "weiwei, sitting", "weiwei, standing")'),
    *verdict("C7", 'claims.c7(sw).show()'),
    md("## Reading it\n"
       "Two things to separate: does she *sit*, and is the sitting picture still *her*? Who wins "
       "the pose at full weight, the picture or the prompt, depends on how far the LoRA learned "
       "the picture by heart and on how hard the prompt is pushed (the guidance); lowering the "
       "weight hands the pose back to the prompt. The article says that costs fidelity: the "
       "*her and sitting* curve measures how much, and on how many pictures she is still herself "
       "(docs/results.md compares base models, guidance and a LoRA trained four times longer). "
       "Notebook 11 measures the real remedy: sitting pictures in the training set."),
    md("## Things to try\n"
       "- Train on `poses_sitting` (two standing, two sitting pictures) and rerun the sweep.\n"
       "- Lower the weight to 0.4 and count: how many sitting pictures are still her?"),
]

# -------------------------------------------------------------------------------------------------
# Beyond the article: what it states without measuring (claims T, P, R, W)
NOTEBOOKS["09_thesis"] = [
    *opening("09_thesis", "09 · Beyond the article: does tagging change quality, or only control?",
              "the thesis at the top of the post: the training pictures decide whether a LoRA is good; "
              "the tags only decide **which words** the learned features attach to, and so how convenient "
              "and controllable it is. The article states this; it never tests it.",
              "Claim T. The same four pictures of her (mouth open or closed, standing or sitting), "
              "captioned three ways:\n\n"
              "| captioning | caption of the open-mouth standing picture |\n|---|---|\n"
              "| trigger only | `weiwei` |\n"
              "| full tags | `weiwei, 1girl, white hair, long hair, blue eyes, pink dress, fox ears, open mouth, standing` |\n"
              "| pruned tags | `weiwei, open mouth, standing`: tag what should vary, leave out what the "
              "trigger should absorb (kohya-colab's dataset maker's advice) |\n\n"
              "You will see: three LoRAs, each used the way its captions suggest; **quality** (identity "
              "fidelity with its own prompt), **control** (does `closed mouth`, `sitting`, `red hair` still "
              "work?) and **leakage** (is `1girl` hijacked?), and the verdict."),
    code('''
from IPython.display import display
for how in ("trigger", "full", "pruned"):
    display(course.show_set(f"thesis_{how}"))
'''),
    code('loras = {how: lab.train(f"thesis_{how}") for how in ("trigger", "full", "pruned")}'),
    md("## Quality, control, leakage\n"
       "Every LoRA is asked the same prompts at w = 1; leakage compares its `1girl` with the base "
       "model's (w = 0). "
       "The full-tag LoRA is used with its full tag list: that is how such a LoRA is meant to be "
       "prompted."),
    code('''
prompts = list(dict.fromkeys([*claims.THESIS_PROMPTS.values(), *claims.THESIS_CONTROL, claims.THESIS_LEAK]))
sweeps = {how: lab.sweep(prompts, name, weights=(1.0,)) for how, name in loras.items()}
base = lab.sweep([claims.THESIS_LEAK], loras["trigger"], weights=(0.0,))   # w = 0: the base model's `1girl`
plots.compare_grid(sweeps, weight=1.0, title="w=1, seed 0: rows prompts, columns captionings")
'''),
    code('''
numbers = claims.thesis_numbers(sweeps, base=base)
plots.thesis_figure(numbers)
'''),
    code('''
print(f"{'measure':<24}" + "".join(f"{how:>9}" for how in numbers))
for key in numbers["trigger"]:
    print(f"{key:<24}" + "".join(f"{numbers[how][key]:>9.2f}" for how in numbers))
''', check=True),
    *verdict("T", 'claims.thesis(sweeps, base=base).show()'),
    md("## Reading it\n"
       "Quality is what the pictures taught; the captions decide where it went. A caption that names "
       "a feature gives that feature to the tag's word instead of the trigger: the prompt can then "
       "take it back (control). A feature that varies between the pictures but is not tagged is "
       "learned as chance: the trigger draws one or the other, and the prompt has less say. "
       "docs/results.md discusses the numbers."),
    md("## Things to try\n"
       "- Prompt the full-tag LoRA with the trigger alone (`weiwei`): how much of her comes without "
       "her tags? (the `trigger alone` row above)\n"
       "- Train the pruned set with the text encoder too (`LoraTrainConfig(text_encoder_lr=1e-3)`): "
       "does `red hair` obey better?\n"
       "- Make a fourth captioning: the pruned tags plus `1girl`. Does the hijack come back?"),
]

NOTEBOOKS["10_possession"] = [
    *opening("10_possession", "10 · Beyond the article: possession (夺舍) vs puppet (傀儡), measured",
              "the metaphor of the post: training onto a word the base model knows (a 门派成员, sect "
              "member) is 夺舍, possession: it overwrites the word's old meaning, and possession comes "
              "easier when the host already resembles the caster. A made-up word is a 傀儡, a puppet "
              "with no mind of its own.",
              "The same picture of her, trained onto five words: the puppet `weiwei`, and the known "
              "words `1girl`, `fox`, `long hair` (she has long hair: a host that resembles her) and "
              "`red hair` (she has white hair: one that does not).\n\n"
              "You will see: at which weight each word is possessed, and how much each LoRA damages "
              "prompts it was never trained on (the drift of what an unrelated prompt draws, away "
              "from the base model: it asks for someone else in every tag group)."),
    code('''
sets = {"weiwei": "weiwei_1", "1girl": "onto_1girl", "fox": "fox_1",
        "long hair": "onto_long_hair", "red hair": "onto_red_hair"}
loras = {word: lab.train(s) for word, s in sets.items()}
print("unrelated prompt:", claims.UNRELATED)
'''),
    code('''
sweeps = {word: lab.sweep([word], name) for word, name in loras.items()}
drifts = {word: lab.sweep(claims.UNRELATED, name, weights=claims.DRIFT_WEIGHTS) for word, name in loras.items()}
plots.sweeps_grid(sweeps, title="each word with its own LoRA (seed 0)")
'''),
    code('plots.sweeps_grid(drifts, prompt=claims.UNRELATED[0], title=f"`{claims.UNRELATED[0]}` under each LoRA")'),
    code('plots.possession_figure(sweeps, claims.UNRELATED, drifts)'),
    code('''
print("trigger     possessed from   drift of the unrelated prompt at " + " ".join(f"w={w:g}" for w in claims.DRIFT_WEIGHTS[1:]))
for word, sw in sweeps.items():
    w = claims.lowest_weight(sw, word)
    drift = drifts[word].drift_curve(list(claims.UNRELATED))[1:]
    print(f"{word:<11} {'never' if w is None else f'w={w:g}':<16} " + "  ".join(f"{d:5.2f}" for d in drift))
''', check=True),
    *verdict("P", 'claims.possession(sweeps, drifts).show()'),
    md("## Reading it\n"
       "Drift is the total-variation distance between what a prompt draws with the LoRA and what the "
       "base model draws for it (same seeds), averaged over every tag group: 0 means untouched. A "
       "LoRA on the UNet's attention layers touches every prompt a little; the question is whether "
       "training onto a known word touches them *more*. Drift counts the groups the unrelated prompt "
       "leaves free too (it names no mouth): every LoRA here was trained on her open-mouth picture, "
       "and an untagged feature can leak into such groups under any trigger word, the puppet's "
       "included. The unrelated prompt is drawn at three "
       "weights (0, the working weight 0.6, and 1): enough to see the damage grow; when each word "
       "falls needs the finer grid of its own prompt. docs/results.md discusses the numbers."),
    md("## Things to try\n"
       "- Add your own unrelated prompt (e.g. `blonde hair, smile`) to the drift sweeps and compare "
       "its drift; `weights=course.WEIGHTS` draws it at every weight.\n"
       "- Possess `blue eyes` (she has them) and `green eyes` (she doesn't): copy `data/sets/onto_red_hair`, "
       "change the caption, and train on the folder with `lab.train(Path(...))`."),
]

NOTEBOOKS["11_remedies"] = [
    *opening("11_remedies", "11 · Beyond the article: the remedies users reach for",
              "experiments 2 and 7: the `1girl` hijack, and poses the training set lacks. The article "
              "names the cause (the pictures) but not the remedies users reach for.",
              "Two remedies, each measured against the plain one-picture LoRA:\n\n"
              "1. **prior preservation** (kohya's regularisation folder, DreamBooth's prior loss): train "
              "with ten pictures the base model itself draws for `1girl`, captioned `1girl`, so the LoRA "
              "also learns to leave `1girl` as it was;\n"
              "2. **more varied pictures**: the four pictures of notebook 09's pruned captioning, "
              "standing and sitting, mouth open and closed, each tagged with what varies "
              "(`weiwei, closed mouth, sitting`, ...).\n\n"
              "You will see: the prior-preservation set, the hijack with and without it, her sitting "
              "with and without sitting pictures, and the verdict."),
    code('''
from lora_course import remedies
plain = lab.train("weiwei_1")
reg_set = remedies.prior_preservation_set(lab.pipe, "weiwei_1")   # written to build/sets/weiwei_1_reg
course.show_set(reg_set)
'''),
    code('reg = lab.train(reg_set, name="weiwei_reg")'),
    code('''
sw_plain = lab.sweep(["weiwei", "1girl"], plain)                        # notebook 03's sweep
sw_reg = lab.sweep(["weiwei", "1girl"], reg, weights=(0.0, 0.6, 1.0))   # the ends and the working weight
plots.compare_grid({"plain": sw_plain, "prior preservation": sw_reg}, weight=1.0,
                   title="w=1, seed 0: with and without prior preservation")
'''),
    code('''
varied = lab.train("thesis_pruned")   # trained in notebook 09: loaded from build/loras
sw_pose, sw_varied = lab.sweep(["weiwei, sitting"], plain), lab.sweep(["weiwei, sitting"], varied)
lab.weights_grid(sw_varied, "weiwei, sitting", weights=(0.6, 1.0))
'''),
    code('plots.remedies_figure(sw_plain, sw_reg, sw_pose, sw_varied)'),
    *verdict("R", 'claims.remedies(sw_plain, sw_reg, sw_pose, sw_varied).show()'),
    md("## Reading it\n"
       "Prior preservation asks the LoRA to learn two things at once: `weiwei` is her, `1girl` is "
       "still what the base model drew. It can only work as far as the LoRA can tell the two words "
       "apart; with the text encoder frozen, that is up to the base model's embeddings of them "
       "(notebook 03 measures how alike they are). The varied pictures answer a different question: "
       "they remove the cause, a pose the pictures never showed. docs/results.md has the numbers "
       "on each base model."),
    md("## Things to try\n"
       "- Twenty prior pictures instead of ten: `remedies.prior_preservation_set(lab.pipe, \"weiwei_1\", "
       "seeds=range(1000, 1020))`.\n"
       "- Prior preservation for `fox`: `remedies.prior_preservation_set(lab.pipe, \"fox_1\", class_prompt=\"fox\")`. "
       "Does the animal come back at w = 1?\n"
       "- Let the LoRA move the two words apart: train the prior-preservation set with a text-encoder "
       "LoRA too, `lab.train(reg_set, LoraTrainConfig(text_encoder_lr=1e-3), name=\"weiwei_reg_te\")` "
       "(`from lora_course.lora import LoraTrainConfig`), and sweep `weiwei` and `1girl` again "
       "(docs/results.md has what it did)."),
]

NOTEBOOKS["12_weight_guide"] = [
    *opening("12_weight_guide", "12 · Beyond the article: a weight guide (how many levels of 功力?)",
              "every experiment: the author lowers the weight (功力, \"levels of power\") by eye until the "
              "picture looks right. The post never says how to choose it.",
              "A guide computed from a sweep: the **lowest weight at which she holds** (identity "
              "fidelity ≥ 0.5) **while the prompt's other tags still work** (drawn in ≥ 0.7 of the "
              "pictures). Lower weights damage other prompts less (notebook 10), so the lowest passing "
              "weight is the one to use.\n\n"
              "You will see: the guide applied to every LoRA of the article's experiments and the "
              "pruned-tag LoRA of notebook 09, each with a prompt asking for something its pictures do "
              "not all show."),
    code('''
from lora_course import weight_guide
uses = {"weiwei_1": "weiwei, sitting", "fox_1": "fox, sitting", "mouth_2": "weiwei, closed mouth",
        "cry_smile_2": "weiwei, closed mouth, smile", "thesis_pruned": "weiwei, sitting"}
loras = {s: lab.train(s) for s in uses}
sweeps = {s: lab.sweep([p], loras[s], weights=weight_guide.WEIGHTS) for s, p in uses.items()}
'''),
    code('''
advice = {s: weight_guide.recommend(sweeps[s], p) for s, p in uses.items()}
plots.guide_figure(advice)
'''),
    code('print(weight_guide.table(list(advice.values()), list(advice)))', check=True),
    *verdict("W", 'claims.weight_guide(advice).show()'),
    md("## Things to try\n"
       "- Your own prompt: `weight_guide.recommend(lab.sweep([\"weiwei, smile\"], loras[\"weiwei_1\"]), \"weiwei, smile\")`.\n"
       "- A stricter bar: `weight_guide.recommend(..., target=0.8)`. Which LoRAs still have a weight?"),
]

# -------------------------------------------------------------------------------------------------
NOTEBOOKS["13_real_sd"] = [
    md(header("13_real_sd", "13 · The same recipe on a real Stable Diffusion",
              "experiments 1–3 once more, the way the author ran them: a real checkpoint, pictures of "
              "a character, one trigger word.",
              "The notebooks before this one ran on the course's tiny model, so that every claim could be measured "
              "on a laptop. Here the same `lora_course` code runs on a real SD 1.5-class checkpoint "
              "and your own pictures: the model is loaded by the same `base_model.load_pipeline` "
              "(float16 on the GPU), the pictures are captioned with the course's tag tools, the LoRA "
              "is trained by the same `lora.train_lora`, and the sweeps are the same XYZ plots.\n\n"
              "It needs a CUDA GPU and the Hugging Face hub (Colab's GPU runtime has both; the model "
              "is downloaded once, about 4 GB). Where they are missing, the next cells say so in one "
              "sentence and skip everything else.")),
    code(SETUP),
    md("## Parameters\n"
       "On Colab, upload pictures of your character into a folder (the Files panel on the left) and "
       "name it in `MY_PICTURES`. One picture is enough, as in the article; square pictures crop "
       "best. `None` uses the course's own picture of weiwei (64 pixels, blurry at 512: bring "
       "your own)."),
    code('''
MODEL = "stable-diffusion-v1-5/stable-diffusion-v1-5"   # any SD 1.x diffusers model: hub id or folder
MY_PICTURES = None                       # a folder of your pictures; None: the course's weiwei
TRIGGER = "weiwei"                       # the new word: a puppet (傀儡) with no meaning yet
HOST = "1girl"                           # experiment 2: a tag the model knows (a sect member)
CLASH, MATCH = "red hair", "long hair"   # experiment 3: a tag that contradicts her, one that fits
'''),
    md("## Can it run here?"),
    code('''
from lora_course import dataset, real_sd, wd14
ok, why = real_sd.available(MODEL)
print(why)
'''),
    md("Every cell below starts with `if ok:`, so without a GPU this notebook ends here, cleanly.\n\n"
       "## The model\n"
       "The same entry point as the tiny model's; the sampler is swapped for DPM-Solver, which "
       "needs about 25 steps."),
    code('''
if ok:
    pipe = real_sd.load(MODEL)
'''),
    md("## Your pictures, as a kohya folder\n"
       "As in the article's experiment 1, every picture is captioned with the trigger word alone. "
       "WD14, the tagger the article's community uses, reads what the pictures show when it is "
       "available (`onnxruntime` and the hub): its tags are what the pictures below are checked "
       "for."),
    code('''
if ok:
    reader, note = wd14.load_if_available()
    print(note)
    root = real_sd.prepare_user_set(MY_PICTURES, real_sd.WORK_DIR / "set", trigger=TRIGGER,
                                    size=real_sd.lora.base_resolution(pipe))
    for it in dataset.load_dataset(root).items:
        print(it.image_path.name, "->", dataset.caption_text(it.tags))
    look = real_sd.identity_tags(root, reader) if reader else []
    print("her look, as WD14 reads it:", ", ".join(look) or "(no WD14 here)")
'''),
    md("## Train the LoRA\n"
       "The course's trainer with settings for a 512-pixel model (`real_sd.recipe`: rank 16, "
       "learning rate 1e-4, 400 steps). The kohya file it writes loads in A1111 and ComfyUI."),
    code('''
if ok:
    name = real_sd.train(pipe, root, real_sd.recipe(pipe), out_dir=real_sd.WORK_DIR / "lora")
'''),
    md("## Experiment 1: the trigger word\n"
       "Without the LoRA (w = 0) the word means nothing; with it, it should bring her back."),
    code('''
if ok:
    e1 = real_sd.experiment_trigger(pipe, name, TRIGGER)
    display(e1.figure())
    if look:
        print(e1.rates_text(reader, look))
'''),
    md("## Experiment 2: the `1girl` hijack\n"
       "The same LoRA, prompted with a tag the model knows. At full weight the host is possessed "
       "(夺舍) too; at 0.6 the article sees the puppet hold while the host fights back."),
    code('''
if ok:
    e2 = real_sd.experiment_1girl(pipe, name, TRIGGER, host=HOST)
    display(e2.figure())
    if look:
        print(e2.rates_text(reader, look))
'''),
    md("## Experiment 3: a host that resembles her\n"
       "A tag that contradicts her needs full power (功力); one that fits her is possessed at "
       "lower weight."),
    code('''
if ok:
    e3 = real_sd.experiment_red_hair(pipe, name, clash=CLASH, match=MATCH)
    display(e3.figure())
    if look:
        print(e3.rates_text(reader, look))
'''),
    md("## Things to try\n"
       "- Compare with the measured verdicts of notebooks 02–04: which effects does the real model "
       "show more strongly than the tiny one, and why (`1girl` has a strong prior in a real model)?\n"
       "- Caption the pictures with their tags too, the trigger first: "
       "`real_sd.prepare_user_set(MY_PICTURES, real_sd.WORK_DIR / \"tagged\", TRIGGER, "
       "captions=\"tagged\", tagger=reader)`, train again, and prompt the trigger alone: the "
       "features now attached to the tags no longer come with the word (the article's thesis).\n"
       "- More seeds (`seeds=range(16)`) and `e1.seeds_figure(TRIGGER, 1.0)`: what \"often\" means."),
]


def _copy_outputs(old, new) -> None:
    """Keep the outputs of code cells whose source did not change (a text-only edit). A code cell
    that printed nothing may change (the Colab setup cell, which does nothing off Colab); any
    other change of code needs the notebook executed again."""
    old_code = [c for c in old.cells if c.cell_type == "code"]
    new_code = [c for c in new.cells if c.cell_type == "code"]
    if len(old_code) != len(new_code) or any(o.source != n.source and o.outputs
                                             for o, n in zip(old_code, new_code)):
        raise SystemExit("code cells changed: execute the notebooks again (--execute)")
    for o, n in zip(old_code, new_code):
        n.outputs, n.execution_count, n.metadata = o.outputs, o.execution_count, o.metadata
    if len(old.cells) == len(new.cells):                # keep cell ids: a quiet diff
        for o, n in zip(old.cells, new.cells):
            n.id = o.id
    new.metadata.update(old.metadata)


def build(names=None, keep_outputs=False) -> list:
    NB_DIR.mkdir(exist_ok=True)
    written = []
    for name, cells in NOTEBOOKS.items():
        if names and name not in names:
            continue
        nb = new_notebook(cells=cells)
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.metadata["language_info"] = {"name": "python"}
        path = NB_DIR / f"{name}.ipynb"
        if keep_outputs and path.exists():
            _copy_outputs(nbformat.read(path, as_version=4), nb)
        nbformat.write(nb, path)
        written.append(path)
    return written


def execute(paths, timeout=900) -> None:
    from nbclient import NotebookClient
    import time
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        t = time.time()
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(NB_DIR)}}).execute()
        nbformat.write(nb, path)
        print(f"executed {path.name} in {time.time() - t:.0f} s", flush=True)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("names", nargs="*")
    p.add_argument("--execute", action="store_true")
    p.add_argument("--keep-outputs", action="store_true",
                   help="text-only edit: keep the outputs of unchanged code cells")
    a = p.parse_args()
    paths = build(a.names, keep_outputs=a.keep_outputs)
    print("wrote", ", ".join(p.name for p in paths))
    if a.execute:
        execute(paths)
    sys.exit(0)
