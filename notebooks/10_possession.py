# %% [markdown]
# # 10 · Beyond the article: possession (夺舍) vs puppet (傀儡), measured · 延伸：夺舍与傀儡，实测
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/10_possession.ipynb)
#
# **Article:** the metaphor of the post: training onto a word the base model knows (a 门派成员, sect member) is 夺舍, possession: it overwrites the word's old meaning, and possession comes easier when the host already resembles the caster. A made-up word is a 傀儡, a puppet with no mind of its own.
#
# > **原文**：文章的比喻：把特征训练到一个底模认识的词（门派成员）上，就是夺舍——它会覆盖这个词原来的含义；宿主本来就和施术者相像时，夺舍更容易成功。新造的词则是傀儡，没有自己的心智。
#
# The same picture of her, trained onto five words: the puppet `weiwei`, and the known words `1girl`, `fox`, `long hair` (she has long hair: a host that resembles her) and `red hair` (she has white hair: one that does not).
#
# > 把同一张她的图分别训练到五个词上：傀儡 `weiwei`，以及底模认识的 `1girl`、`fox`、`long hair`（她本来就是长发：一个和她相像的宿主）和 `red hair`（她是白发：一个和她不像的宿主）。
#
# You will see: at which weight each word is possessed, and how much each LoRA damages prompts it was never trained on (the drift of what an unrelated prompt draws, away from the base model: it asks for someone else in every tag group).
#
# > 你会看到：每个词从什么权重起被夺舍；以及每个 LoRA 对它从没训练过的提示词造成多大损伤（即漂移：一个无关提示词画出来的东西偏离底模有多远；这个提示词在每个标签组里要的都是别人的特征）。

# %%
import sys  # on Colab, the next line installs the course, its code and data; anywhere else it does nothing
if "google.colab" in sys.modules: get_ipython().run_line_magic("pip", "install -q git+https://github.com/lora-course/lora_course")

# %%
from lora_course import course
from lora_course.measure import claims, experiments, readings
from lora_course.widgets import plots
lab = course.setup()

# %%
loras = {word: lab.train(s) for word, s in experiments.POSSESSED.items()}
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
verdict = claims.possession(sweeps, drifts)
verdict.show()

# %%
readings.explain(verdict)

# %% [markdown]
# ## Reading it · 怎么读这个结果
# The verdict tests both halves of the metaphor:
#
# - **Damage (check 1).** Drift is how far the unrelated prompt's tag readings move under a LoRA (same seeds), net of chance; about 0 is untouched. Over w = 0.6 and 1, the possessed words' mean drift must exceed the puppet's; the table gives each.
# - **Why it could go either way.** Possession overwrites a word the sect knows, but the puppet, meaning nothing, must carry all of her, and `red hair` names a colour she lacks. An attention-layer LoRA touches every prompt: the further it carries its word, the more it may spill.
# - **Resemblance (check 2).** The article says a host like the caster falls earlier: at w = 0.6, fixed beforehand, `long hair` must be her at least 0.3 more often than `red hair`. The `possessed from` column shows where each word falls.
# - **Unclear pictures** are counted both ways and weigh most where a host is half-possessed; where the readings part, more seeds cannot decide.
#
# > <!-- zh: reading -->
# > 上面的结论检验这个比喻的两个部分：
# >
# > - **损伤（第 1 项检验）。** 漂移指的是：挂上 LoRA 后（种子不变），标注器对无关提示词各标签组的读数变了多少，再扣掉偶然的差别；约为 0 表示没受影响。在 w = 0.6 和 1 上，被夺舍的词的平均漂移要超过傀儡的；上表逐一列出。
# > - **为什么两种结果都有可能。** 夺舍覆盖的是门派认识的词；可傀儡自己没有含义，得承载她的全部，`red hair` 说的又是她没有的发色。注意力层上的 LoRA 影响每个提示词：它把自己的词拉得越远，就可能波及得越多。
# > - **相像（第 2 项检验）。** 文章说，和施术者相像的宿主更早被夺舍：在事先定好的 w = 0.6 上，`long hair` 画成她的比例要比 `red hair` 至少高 0.3。`possessed from` 那一列给出每个词从哪个权重开始被夺舍。
# > - **模棱两可的图**按两种读法各算一遍，在宿主被夺舍到一半时影响最大；两种读法结果不同时，再多的种子也定不下来。

# %% [markdown]
# ## Things to try · 动手试试
# - Add your own unrelated prompt (e.g. `blonde hair, smile`) to the drift sweeps and compare its drift; `weights=course.WEIGHTS` draws it at every weight of the grid, including those notebook 12's guide chooses from.
# - Redraw the five words' sweeps on a finer grid, `weights=[i / 10 for i in range(11)]`, and run `claims.possession(sweeps, drifts)` again: the second check's bar is one step of the grid, so there it asks for 0.1. Does it decide?
# - Possess `blue eyes` (she has them) and `green eyes` (she doesn't): copy `data/sets/onto_red_hair`, change the caption, and train on the folder with `lab.train(Path(...))`.
#
# > - 在漂移扫描里加一个你自己的无关提示词（比如 `blonde hair, smile`），比较它的漂移；`weights=course.WEIGHTS` 会在网格的每个权重下都画它，包括第 12 课的指南从中挑选的那些权重。
# > - 用更细的网格重画五个词的扫描，`weights=[i / 10 for i in range(11)]`，再跑一次 `claims.possession(sweeps, drifts)`：第二项检验的门槛是网格的一格，在这个网格上就是 0.1。这回定得下来吗？
# > - 夺舍 `blue eyes`（她是蓝眼睛）和 `green eyes`（她不是）：复制 `data/sets/onto_red_hair`，改掉标注，再用 `lab.train(Path(...))` 在这个文件夹上训练。

# %% [markdown]
# <!-- nav -->
# ← previous / 上一课: [09 · Beyond the article: does tagging change quality, or only control?](09_thesis.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一课: [11 · Beyond the article: the remedies users reach for](11_remedies.ipynb) →
