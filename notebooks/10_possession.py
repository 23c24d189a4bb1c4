# %% [markdown]
# # 10 · Beyond the article: possession (夺舍) vs puppet (傀儡), measured · 延伸：夺舍与傀儡，实测
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/10_possession.ipynb)
#
# **Article:** the metaphor of the post: training onto a word the base model knows (a 门派成员, sect member) is 夺舍, possession: it overwrites the word's old meaning, and possession comes easier when the host already resembles the caster. A made-up word is a 傀儡, a puppet with no mind of its own.
#
# > **原文**：文章的比喻：把训练打到一个底模认识的词（门派成员）上，就是夺舍——它会覆盖这个词原来的含义；宿主本来就和施术者相像时，夺舍更容易成功。新造的词则是傀儡，没有自己的心智。
#
# The same picture of her, trained onto five words: the puppet `weiwei`, and the known words `1girl`, `fox`, `long hair` (she has long hair: a host that resembles her) and `red hair` (she has white hair: one that does not).
#
# > 同一张她的图，分别训到五个词上：傀儡 `weiwei`，以及底模认识的 `1girl`、`fox`、`long hair`（她本来就是长发：一个和她相像的宿主）和 `red hair`（她是白发：一个和她不像的宿主）。
#
# You will see: at which weight each word is possessed, and how much each LoRA damages prompts it was never trained on (the drift of what an unrelated prompt draws, away from the base model: it asks for someone else in every tag group).
#
# > 你会看到：每个词从什么权重起被夺舍；以及每个 LoRA 对它从没训练过的 prompt 造成多大损伤（即漂移：一个无关 prompt 画出来的东西偏离底模有多远；这个 prompt 在每个标签组里要的都是别人，而不是她）。

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
sets = {"weiwei": "weiwei_1", "1girl": "onto_1girl", "fox": "fox_1",
        "long hair": "onto_long_hair", "red hair": "onto_red_hair"}
loras = {word: lab.train(s) for word, s in sets.items()}
print("unrelated prompt:", claims.UNRELATED)

# %%
sweeps = {word: lab.sweep([word], name) for word, name in loras.items()}
drifts = {word: lab.sweep(claims.UNRELATED, name, weights=claims.DRIFT_WEIGHTS) for word, name in loras.items()}
plots.sweeps_grid(sweeps, title="each word with its own LoRA (seed 0)")

# %%
plots.sweeps_grid(drifts, prompt=claims.UNRELATED[0], title=f"`{claims.UNRELATED[0]}` under each LoRA")

# %%
plots.possession_figure(sweeps, claims.UNRELATED, drifts)

# %%
# NBVAL_CHECK_OUTPUT
print("trigger     possessed from   drift of the unrelated prompt (95 % interval) at "
      + "   ".join(f"w={w:g}" for w in claims.DRIFT_WEIGHTS[1:]))
for word, sw in sweeps.items():
    w = claims.lowest_weight(sw, word)
    drift = [claims.drift_estimate(drifts[word], list(claims.UNRELATED), x) for x in claims.DRIFT_WEIGHTS[1:]]
    print(f"{word:<11} {'never' if w is None else f'w={w:g}':<16} " + "  ".join(f"{str(d):>18}" for d in drift))

# %% [markdown]
# ## Verdict (claim P) · 结论（论断 P）

# %%
# NBVAL_CHECK_OUTPUT
claims.possession(sweeps, drifts).show()

# %% [markdown]
# ## Reading it · 怎么读这个结果
# Drift is the total-variation distance between what a prompt draws with the LoRA and what the base model draws for it (same seeds), averaged over every tag group: 0 means untouched. A LoRA on the UNet's attention layers touches every prompt a little; the question is whether training onto a known word touches them *more*. Drift counts the groups the unrelated prompt leaves free too (it names no mouth): every LoRA here was trained on her open-mouth picture, and an untagged feature can leak into such groups under any trigger word, the puppet's included. The unrelated prompt is drawn at three weights (0, the working weight 0.6, and 1): enough to see the damage grow; when each word falls needs the finer grid of its own prompt. docs/results.md discusses the numbers.
#
# > <!-- zh: reading -->
# > 漂移是：同一个 prompt 挂上 LoRA 画出来的东西，和底模画出来的东西（同样的 seed）之间的总变差距离（total-variation distance），再对所有标签组取平均；0 表示毫无影响。挂在 UNet 注意力层上的 LoRA，对每个 prompt 都会有一点影响；要问的是：训到一个已知的词上，影响是不是*更大*。漂移也把无关 prompt 没有指定的标签组算在内（它没说嘴型）：这里每个 LoRA 都是用她张着嘴的那张图训出来的，而没打标的特征，不管触发词是哪个（傀儡也一样），都可能漏进这些组里。无关 prompt 只在三个权重下出图（0、常用权重 0.6 和 1）：足以看出损伤在变大；至于每个词从哪个权重开始失守，要看它自己那个 prompt 上更细的权重网格。对这些数字的讨论见 docs/results.md。

# %% [markdown]
# ## Things to try · 动手试试
# - Add your own unrelated prompt (e.g. `blonde hair, smile`) to the drift sweeps and compare its drift; `weights=course.WEIGHTS` draws it at every weight.
# - Possess `blue eyes` (she has them) and `green eyes` (she doesn't): copy `data/sets/onto_red_hair`, change the caption, and train on the folder with `lab.train(Path(...))`.
#
# > - 在漂移扫描里加一个你自己的无关 prompt（比如 `blonde hair, smile`），比较它的漂移；`weights=course.WEIGHTS` 会在每个权重下都画它。
# > - 夺舍 `blue eyes`（她是蓝眼睛）和 `green eyes`（她不是）：复制 `data/sets/onto_red_hair`，改掉标注，再用 `lab.train(Path(...))` 在这个文件夹上训练。

# %% [markdown]
# <!-- nav -->
# ← previous / 上一篇: [09 · Beyond the article: does tagging change quality, or only control?](09_thesis.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一篇: [11 · Beyond the article: the remedies users reach for](11_remedies.ipynb) →
