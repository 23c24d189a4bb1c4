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
# > 你会看到：每个词从什么权重起被夺舍；以及每个 LoRA 对它从没训练过的提示词造成多大损伤（即漂移：一个无关提示词画出来的东西偏离底模有多远；这个提示词在每个标签组里要的都是别人，而不是她）。

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
# **P is UNDECIDED: it is the puppet's LoRA, not possession, that moves the unrelated prompt more, and the resemblance check sits on its threshold.** Averaged over w = 0.6 and 1, the unrelated prompt drifts 0.09 under the puppet `weiwei`'s LoRA and 0.05 on average under the four possessed words' (`1girl` 0.05, `fox` 0.01, `long hair` 0.05, `red hair` 0.10): possession minus puppet is −0.03 [−0.04, −0.02], wholly below the 0 it has to exceed, so the first check fails. The second check is open whichever way its unclear pictures are counted, so the verdict can only end PARTLY (if it passed) or NOT REPRODUCED (if it failed).
#
# > <!-- zh: reading -->
# > **P 未定：让无关提示词偏得更多的是傀儡的 LoRA，而不是夺舍；"相像的宿主更早被夺舍"那项检验正好落在门槛上。** 对 w = 0.6 和 1 取平均，傀儡 `weiwei` 的 LoRA 让无关提示词漂移 0.09，四个被夺舍的词平均只有 0.05（`1girl` 0.05、`fox` 0.01、`long hair` 0.05、`red hair` 0.10）：夺舍减傀儡是 −0.03 [−0.04, −0.02]，整个区间都在它必须超过的 0 之下，第一项检验不通过。第二项检验不论模棱两可的图怎么算都未定，所以结论最后只可能是部分复现（若它通过）或未复现（若它不通过）。
#
# Drift is the total-variation distance between what a prompt draws with the LoRA and what the base model draws for it (same seeds), averaged over every tag group: 0 means untouched. At w = 0.6 every LoRA leaves the unrelated prompt nearly untouched (0.01 to 0.05); the difference is made at w = 1, where `weiwei` moves it 0.14 [0.12, 0.16] and `red hair` 0.18 [0.14, 0.22], against 0.01 to 0.06 for `1girl`, `fox` and `long hair`. The two that move it are the two words that start furthest from her: the puppet has no meaning of its own, so the LoRA has to build all of her onto it, and `red hair` names a colour she does not have. A LoRA on the UNet's attention layers changes how every prompt is drawn, so the larger change spills further onto a prompt that names none of these words. On this sect the damage follows how far the LoRA has to carry its word, not whether the word was known.
#
# > <!-- zh: reading -->
# > 漂移是：同一个提示词挂上 LoRA 画出来的东西，和底模画出来的东西（同样的种子）之间的总变差距离，再对所有标签组取平均；0 表示毫无影响。w = 0.6 时，每个 LoRA 对无关提示词几乎都没有影响（0.01 到 0.05）；差别出在 w = 1：`weiwei` 让它漂移 0.14 [0.12, 0.16]，`red hair` 0.18 [0.14, 0.22]，而 `1girl`、`fox` 和 `long hair` 只有 0.01 到 0.06。漂移大的这两个词，正是离她最远的两个起点：傀儡自己没有任何含义，LoRA 得把她整个搭到它身上；`red hair` 说的是她没有的发色。挂在 UNet 注意力层上的 LoRA 会改变每个提示词的画法，所以改动越大，波及一个根本没提这些词的提示词也越多。在这个门派里，损伤的大小取决于 LoRA 要把这个词拉多远，而不是这个词原本认不认识。
#
# The second check: `long hair` (she has long hair) is possessed (夺舍) from w = 0.6, `red hair` from 0.8, one step of the weight grid earlier: 0.20 [0.00, 0.40], where the check asks for at least 0.2. The difference is the bar itself, and a difference of grid weights can settle exactly on it: as the output says, more seeds could decide it (if the true margin is one grid step, the interval closes onto 0.2 and clears the bar). It rests on the unclear pictures: the `red hair` LoRA has most of them at w = 0.6 (56 % of its pictures there). Counted against her, as above, `red hair` is not yet possessed there; counted the other way, it is possessed from 0.6 like `long hair`, and the difference is 0.00 [0.00, 0.20], which still touches the bar. So the direction is the article's only when the unclear pictures count against her, and the size is at most one grid step. (The puppet is her from 0.6 too, the same weight as `1girl`, `fox` and `long hair`.) The unrelated prompt is drawn at 0, 0.6 and 1 only; notebook 12's guide puts `weiwei_1` at 0.8, a weight this notebook does not draw.
#
# > <!-- zh: reading -->
# > 第二项检验：`long hair`（她本来就是长发）从 w = 0.6 起被夺舍，`red hair` 从 0.8 起，早了权重网格的一格：0.20 [0.00, 0.40]，而检验要求至少 0.2。差值恰好等于门槛，而网格权重之差可以正好落在门槛上：正如输出所说，更多的种子能把它定下来（如果真实的领先幅度正好是一格，区间会收拢到 0.2，从而过门槛）。这个结果取决于模棱两可的图：`red hair` 的 LoRA 在 w = 0.6 处模棱两可的图最多（占那里图片的 56 %）。像上面那样把它们算作不是她，`red hair` 在那里还没被夺舍；反过来算，它和 `long hair` 一样从 0.6 起就被夺舍，差值是 0.00 [0.00, 0.20]，仍然碰到门槛。所以只有把模棱两可的图算作不是她时，方向才和文章一致；大小至多一格。（傀儡也是从 0.6 起画成她，和 `1girl`、`fox`、`long hair` 同一个权重。）无关提示词只在 0、0.6 和 1 三个权重下出图；第 12 课的指南给 `weiwei_1` 的权重是 0.8，本课没有画这个权重。

# %% [markdown]
# ## Things to try · 动手试试
# - Add your own unrelated prompt (e.g. `blonde hair, smile`) to the drift sweeps and compare its drift; `weights=course.WEIGHTS` draws it at every weight, 0.8 included (notebook 12's weight for `weiwei_1`).
# - Redraw the five words' sweeps on a finer grid, `weights=[i / 10 for i in range(11)]`, and run `claims.possession(sweeps, drifts)` again: the second check's bar is one step of the grid, so there it asks for 0.1. Does it decide?
# - Possess `blue eyes` (she has them) and `green eyes` (she doesn't): copy `data/sets/onto_red_hair`, change the caption, and train on the folder with `lab.train(Path(...))`.
#
# > - 在漂移扫描里加一个你自己的无关提示词（比如 `blonde hair, smile`），比较它的漂移；`weights=course.WEIGHTS` 会在每个权重下都画它，包括 0.8（第 12 课给 `weiwei_1` 的权重）。
# > - 用更细的网格重画五个词的扫描，`weights=[i / 10 for i in range(11)]`，再跑一次 `claims.possession(sweeps, drifts)`：第二项检验的门槛是网格的一格，在这个网格上就是 0.1。这回定得下来吗？
# > - 夺舍 `blue eyes`（她是蓝眼睛）和 `green eyes`（她不是）：复制 `data/sets/onto_red_hair`，改掉标注，再用 `lab.train(Path(...))` 在这个文件夹上训练。

# %% [markdown]
# <!-- nav -->
# ← previous / 上一课: [09 · Beyond the article: does tagging change quality, or only control?](09_thesis.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一课: [11 · Beyond the article: the remedies users reach for](11_remedies.ipynb) →
