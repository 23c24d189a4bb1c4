# %% [markdown]
# # 08 · Poses: what the training set lacks, the LoRA can't give · 姿势：训练集里没有的，LoRA 给不了
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/08_poses.ipynb)
#
# **Article:** experiment 7. All of her pictures stand. Other poses are only possible by lowering fidelity (the weight), unless pictures of other poses are added. A LoRA that is both faithful and not overfit needs a good training set.
#
# > **原文**：实验 7。她的每一张图都是站姿。除非补上其他姿势的图，否则只能靠降低还原度（也就是调低权重）来换别的姿势。想要一个既还原得像、又不过拟合的 LoRA，就得有一个好的训练集。
#
# You will see: `weiwei, sitting` vs `weiwei, standing` at every weight, how often a picture is *both* her and sitting, and the same checks on the same picture trained to the article's length (chosen by a rule on a calibration character: E4 in the experiment log), the article's regime.
#
# > 你会看到：每个权重下 `weiwei, sitting` 与 `weiwei, standing` 的对比；一张图*既是她又坐着*的比例；以及文章的训练程度下的同样检验：把同一张图训练到文章的长度（这个长度由一条规则在一个校准角色上选出，见实验日志里的 E4），再检验一遍。

# %%
import sys  # on Colab, the next line installs the course, its code and data; anywhere else it does nothing
if "google.colab" in sys.modules: get_ipython().run_line_magic("pip", "install -q git+https://github.com/lora-course/lora_course")

# %%
from lora_course import course
from lora_course.measure import claims, readings, training_length as tl
from lora_course.widgets import plots
from lora_course.measure.experiments import C7   # what this notebook draws, declared once for the course
lab = course.setup()

# %%
weiwei = lab.train("weiwei_1")


# %% [markdown]
# ## The article's pictures first · 先看文章的图
# The article shows pictures, not numbers. Here are its prompts on the first four seeds, drawn three ways: by the base model alone, by the course's light LoRA, and by a LoRA trained to the article's length (a rule chose it on a calibration character: E4 in the experiment log), each LoRA at w = 0.6 and 1. Look at the pose asked for: does she sit at w = 1, and is it still her when she sits at 0.6?
#
# > 文章给的是图，不是数字。下面用前四个种子，把文章的提示词按三种方式各画一遍：只用底模；用课程的轻量 LoRA；用训练到文章长度的 LoRA（这个长度由一条规则在一个校准角色上选出：见实验日志里的 E4）。两个 LoRA 都取 w = 0.6 和 1。看要求的姿势：w = 1 时她会坐下吗？w = 0.6 时坐下的还是不是她？

# %%
course.article_pictures(lab, "weiwei_1", C7.prompts[:1])

# %%
sw = lab.sweep(C7.prompts, weiwei)
lab.grid(sw, title="asking for a pose the training set never showed")

# %%
plots.pose_figure(sw, "weiwei, sitting", "weiwei, standing")

# %% [markdown]
# ## Verdict (claim C7) · 结论（论断 C7）

# %%
# NBVAL_CHECK_OUTPUT
verdict = claims.c7(sw)
verdict.show()

# %%
plots.verdict_figure(verdict)   # the verdict on one number line: each measured number against its bar

# %%
readings.explain(verdict)

# %% [markdown]
# ## Beside it: the article's regime · 对照：文章的训练程度
# The verdict above is the course's recipe (its length chosen by the rule printed when the LoRA was loaded). The article's LoRA is trained until its picture is learned by heart: the same picture, one run kept at the article's length, the same prompts, weights, seeds and checks:
#
# > 上面的结论用的是课程自己的配方（训练长度由加载 LoRA 时打印出来的那条规则选定）。文章里的 LoRA 则一直训练到把那张图背得滚瓜烂熟为止：同一张图，训练一次并保留训练到文章的长度时的版本，用同样的提示词、权重、种子，做同样的检验：

# %%
long = lab.train_along("weiwei_1", tl.KEEP_STEPS)[tl.ARTICLE_STEPS]
lo = lab.sweep(C7.prompts, long)
lab.grid(lo, title=f"the same picture trained {tl.ARTICLE_STEPS} steps")

# %%
# NBVAL_CHECK_OUTPUT
verdict_article = claims.c7(lo)
verdict_article.show(regime=f"{tl.ARTICLE_STEPS} steps")

# %%
readings.explain(verdict_article, steps=tl.ARTICLE_STEPS)

# %% [markdown]
# ## Reading it · 怎么读这个结果
# - **What is checked.** `weiwei, sitting` should sit on at most 0.3 of the seeds at w = 1, on at least 0.5 at w = 0.6; her standing at w = 1 minus her *and* sitting at w = 0.6 (the price) at least 0.3.
# - **Why either outcome is possible.** The base model knows `sitting`; her one picture stands. A light LoRA may let the prompt win at full weight; an overfit one may yield the pose only at lower weight, with less of her. Compare the two verdicts above (recipe's length, article's).
# - **In-between pictures** (partly her) count as not her; a check line prints the other reading where it would change the outcome. Is she her? Your call, not the seeds'.
# - **The article** shows this race's far end; notebooks 06 (mouth) and 14 (training length) run it too.
# - **Training runs.** The recipe's verdict rests on three runs of the LoRA (the check lines show each run's share), the article's-length one on a single run: E6 in docs/experiment_log.md (16 runs at that length) finds the price on its bar, runs far apart.
#
# > <!-- zh: reading -->
# > - **检验什么。** `weiwei, sitting` 画出坐姿的种子在 w = 1 时应至多占 0.3，在 w = 0.6 时应至少占 0.5；w = 1 时站着的她的比例，减去 w = 0.6 时既是她又坐着的比例（代价），应至少为 0.3。
# > - **为什么两种结果都有可能。** 底模认识 `sitting`，而她唯一的那张图是站着的。训练得轻的 LoRA 在满权重下也可能让提示词占上风；过拟合的 LoRA 可能要等权重降下来才肯画出这个姿势，画出的她也随之不那么像了。对比上面两个结论（配方的训练长度、文章的长度）。
# > - **介于两者之间的图**（只有几分像她）算作不是她；另一种读法若会改变结果，检验行会把它印出来。算不算她，要你自己判断，种子帮不上忙。
# > - **文章**画的是这场赛跑的终点；第 06 课（嘴型）和第 14 课（训练长度）也追踪了这场赛跑。
# > - **独立训练。** 配方长度的结论靠这个 LoRA 的三次独立训练（检验行印着每次各自的比例），文章长度的结论只靠一次：docs/experiment_log.md 里的 E6（文章长度，16 次独立训练）发现代价正好落在门槛上，各次训练相差很远。

# %% [markdown]
# ## Things to try · 动手试试
# - Train on `poses_sitting` (two standing, two sitting pictures) and rerun the sweep, at the recipe's length and at the article's length (`lab.train_along("poses_sitting", tl.KEEP_STEPS)[tl.ARTICLE_STEPS]`): with sitting pictures in the set, does she still sit at w = 1 once they are learned by heart?
# - The article's-length fidelity cost may turn on the in-between pictures rather than on the number of seeds: look at them. `lab.weights_grid(lo, "weiwei, sitting", weights=(0.6, 1.0))` shows eight seeds at w = 0.6 and 1; count her sitting at w = 0.6 both ways, `lo.her_and("weiwei, sitting", 0.6, ["sitting"]).mean()` (unclear pictures not her) and the same with `unclear_counts=True` (unclear pictures counted as her). If some girls have one blue and one green eye, would you call them her?
# - In the article's-length sweep, go below w = 0.6 and count: at 0.4 and 0.2, how many sitting pictures are still her? (`lo.her_and("weiwei, sitting", 0.4, ["sitting"]).mean()`)
#
# > - 用 `poses_sitting`（两张站姿、两张坐姿的图）训练，分别在配方的长度和文章的长度（`lab.train_along("poses_sitting", tl.KEEP_STEPS)[tl.ARTICLE_STEPS]`）把扫描跑一遍：训练集里有了坐姿图，等这些图都被背下来以后，w = 1 时她还会坐吗？
# > - 训练到文章长度时的还原度代价可能取决于那些介于两者之间的图，而不是种子的数量：去看看它们。`lab.weights_grid(lo, "weiwei, sitting", weights=(0.6, 1.0))` 会画出 w = 0.6 和 1 时的八个种子；按两种读法数一数 w = 0.6 时坐着的她：`lo.her_and("weiwei, sitting", 0.6, ["sitting"]).mean()`（模棱两可的图不算她），再加上 `unclear_counts=True` 算一遍（模棱两可的图算作她）。如果有的女孩一只蓝眼、一只绿眼，你会说是她吗？
# > - 在训练到文章长度的那次扫描里，把权重降到 0.6 以下数一数：在 0.4 和 0.2 时，坐着的图里还有多少张是她？（`lo.her_and("weiwei, sitting", 0.4, ["sitting"]).mean()`）

# %% [markdown]
# <!-- nav -->
# ← previous / 上一课: [07 · Crying and smiling: combining tags](07_cry_smile.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一课: [09 · Beyond the article: does tagging change quality, or only control?](09_thesis.ipynb) →
