# %% [markdown]
# # 09 · Beyond the article: does tagging change quality, or only control? · 延伸：打标签改变的是质量，还是只是控制？
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/09_thesis.ipynb)
#
# **Article:** the thesis at the top of the post: the training pictures decide whether a LoRA is good; the tags only decide **which words** the learned features attach to, and so how convenient and controllable it is. The article states this; it never tests it.
#
# > **原文**：文章开篇的核心观点：LoRA 好不好，由训练图决定；标签只决定学到的特征**挂在哪些词上**，因而决定它用起来方不方便、好不好控制。文章只是提出了这个观点，从没检验过它。
#
# Claim T. The same four pictures of her (mouth open or closed, standing or sitting), captioned three ways:
#
# > 论断 T。同样的四张她的图（张嘴或闭嘴，站着或坐着），用三种方式打标：
#
# | captioning | caption of the open-mouth standing picture |
# |---|---|
# | trigger only | `weiwei` |
# | full tags | `weiwei, 1girl, white hair, long hair, blue eyes, pink dress, fox ears, open mouth, standing` |
# | pruned tags | `weiwei, open mouth, standing`: tag what should vary, leave out what the trigger should absorb (kohya-colab's dataset maker's advice) |
#
# > 上表是三种打标方式下，张嘴站立那张图的标注：
# >
# > - 只写触发词（trigger only）：`weiwei`
# > - 完整标签（full tags）：`weiwei, 1girl, white hair, long hair, blue eyes, pink dress, fox ears, open mouth, standing`
# > - 精简标签（pruned tags）：`weiwei, open mouth, standing`——会变化的特征打上标签，想让触发词吸收的特征不打（这是 kohya-colab 数据集制作工具给的建议）
#
# You will see: three LoRAs, each used the way its captions suggest; **quality** (identity fidelity with its own prompt), **control** (does `closed mouth`, `sitting`, `red hair` still work?) and **leakage** (is `1girl` hijacked?), and the verdict.
#
# > 你会看到：三个 LoRA，各自按它的打标方式本该有的用法来用；**质量**（用它自己的提示词时的身份还原度）、**控制**（`closed mouth`、`sitting`、`red hair` 还管不管用？）和**泄漏**（`1girl` 有没有被夺舍？），以及结论。

# %%
import sys  # on Colab, the next line installs the course, its code and data; anywhere else it does nothing
if "google.colab" in sys.modules: get_ipython().run_line_magic("pip", "install -q git+https://github.com/lora-course/lora_course")

# %%
from lora_course import course
from lora_course.measure import claims, experiments, readings
from lora_course.widgets import plots
lab = course.setup()

# %%
from IPython.display import display
for how, s in experiments.THESIS_SETS.items():
    display(course.show_set(s))

# %% [markdown]
# Before training, the caption lint of [notebook 01](01_tagging.ipynb) reads the three folders: it expects the full tags to keep her looks on their own words (`named_everywhere`: the trigger alone will not draw her) and the other two to leave everything on the trigger (`trigger_only`: `1girl` will be pulled toward her). The table after the measurements below puts its expectations beside what the LoRAs do.
#
# > 训练之前，先用 [第 01 课](01_tagging.ipynb) 的标注检查读一读这三个文件夹：它预计完整标签会把她的样子留在各自的词上（`named_everywhere`：只写触发词画不出她），另外两种会把一切都留给触发词（`trigger_only`：`1girl` 会被拉向她）。测量之后，下面有一张表把它的预计和 LoRA 的实际表现并排列出。

# %%
# NBVAL_CHECK_OUTPUT
from lora_course.datasets import caption_lint, training_sets
lint = {how: caption_lint.lint_folder(training_sets.folder(s)) for how, s in experiments.THESIS_SETS.items()}
for how, report in lint.items():
    print(f"{how:>8}: " + ", ".join(f.kind for f in report.findings))

# %%
loras = {how: lab.train(s) for how, s in experiments.THESIS_SETS.items()}

# %% [markdown]
# ## Quality, control, leakage · 质量、控制、泄漏
# Every LoRA is asked the same prompts at w = 1; leakage compares its `1girl` with the base model's (w = 0). The full-tag LoRA is used with its full tag list: that is how such a LoRA is meant to be prompted.
#
# > 每个 LoRA 都在 w = 1 下画同一组提示词；泄漏一项，是拿它画的 `1girl` 和底模（w = 0）画的 `1girl` 比较。完整标签的 LoRA 用它那一整串标签来写提示词：这种 LoRA 本来就该这样用。

# %%
prompts = list(dict.fromkeys([*claims.THESIS_PROMPTS.values(), *claims.THESIS_CONTROL, claims.THESIS_LEAK]))
sweeps = {how: lab.sweep(prompts, name, weights=(1.0,)) for how, name in loras.items()}
base = lab.sweep([claims.THESIS_LEAK], loras["trigger"], weights=(0.0,))   # w = 0: the base model's `1girl`
plots.compare_grid(sweeps, weight=1.0, title="w=1, seed 0: rows prompts, columns captionings")

# %% [markdown]
# One seed per cell can mislead: the measures below are shares of 32 seeds. Here are the first eight of two prompts the verdict turns on, the trigger alone and `1girl`, under each captioning.
#
# > 每格只有一个种子，容易看走眼：下面的指标都是 32 个种子上的比例。这里给出结论所依赖的两个提示词——单用触发词、以及 `1girl`——在每种打标方式下的前八个种子。

# %%
from IPython.display import display
display(plots.seeds_by_sweep(sweeps, "weiwei", title="`weiwei` alone at w=1: the first 8 seeds of each captioning"))
plots.seeds_by_sweep(sweeps, claims.THESIS_LEAK, title=f"`{claims.THESIS_LEAK}` at w=1: the first 8 seeds of each captioning")

# %%
numbers = claims.thesis_numbers(sweeps, base=base)
plots.thesis_figure(numbers)

# %% [markdown]
# The table below has the chart's shares and one more row, `leakage: 1girl drift`: how far the `1girl` pictures moved from the base model's own `1girl` over every tag group at once (a total-variation distance: 0 is unchanged, 1 is nothing in common). It is a distance, not a share of pictures, so the chart leaves it out.
#
# > 下表除了图里的比例，还多一行 `leakage: 1girl drift`（`1girl` 的漂移）：把所有标签组合在一起看，`1girl` 画出的图离底模自己的 `1girl` 有多远（总变差距离：0 表示没变，1 表示毫无共同之处）。它是距离，不是图片的比例，所以图里没有画它。

# %%
# NBVAL_CHECK_OUTPUT
print(f"{'measure (95 % interval)':<24}" + "".join(f"{how:>20}" for how in numbers))
for key in numbers["trigger"]:
    print(f"{key:<24}" + "".join(f"{str(numbers[how][key]):>20}" for how in numbers))

# %% [markdown]
# The lint's expectations beside the measurements: the trigger alone at w = 1, and `1girl` at w = 1 (her share, the hijack).
#
# > 标注检查的预计与测量结果并排：w = 1 时只写触发词画出她的比例，以及 w = 1 时 `1girl` 画成她的比例（夺舍）。

# %%
# NBVAL_CHECK_OUTPUT
print(f"{'captioning':<11}{'lint finds':<20}{'trigger alone: her':>24}{'1girl: her (hijack)':>24}")
for how in numbers:
    kinds = ", ".join(f.kind for f in lint[how].findings if f.kind in ("named_everywhere", "trigger_only"))
    print(f"{how:<11}{kinds:<20}{str(numbers[how]['trigger alone']):>24}{str(numbers[how]['leakage: 1girl is her']):>24}")

# %% [markdown]
# ## Verdict (claim T) · 结论（论断 T）

# %%
# NBVAL_CHECK_OUTPUT
verdict = claims.thesis(sweeps, base=base)
verdict.show()

# %%
readings.explain(verdict)

# %% [markdown]
# ## Reading it · 怎么读这个结果
# The verdict above tests the thesis's two halves as two checks:
#
# - **Same quality (check 1).** Each LoRA draws her with its own prompt. If the four pictures decide how well she is learned, the captionings hold her about equally often: their spread must stay under the bar 0.2 (the `quality` row).
# - **Leakage (check 2).** Full tags hand each feature to the word that names it, `1girl` included; the other two captionings name neither her looks nor `1girl`, so the LoRA may pull `1girl` toward her. The `leakage` rows and the lint's table show whether it did.
# - **Control (check 2 too).** Asked for `weiwei, closed mouth`, `weiwei, sitting` or `weiwei, red hair`, does the LoRA give *her* with that tag? Only her with the tag counts (for `red hair`: her in every other identity tag): a trigger that does not carry her looks fails, and so does one that learned her picture by heart. Both spreads must reach 0.3.
# - **Unclear pictures** count as not her, as the claim is written; the explanation says whether the other reading changes a check.
# - [Notebook 14](14_how_long_to_train.ipynb) shows how control changes as the light recipe trains longer.
#
# > <!-- zh: reading -->
# > 上面的结论把这个观点的两半拆成两项检验：
# >
# > - **质量一样（第 1 项检验）。** 每个 LoRA 用自己的提示词画她。如果她学得好不好由那四张图决定，几种打标方式画出她的比例就该差不多：它们之间的差距要低于门槛 0.2（看 `quality` 那一行）。
# > - **泄漏（第 2 项检验）。** 完整标签把每个特征交给描述它的那个词，`1girl` 也在内；另外两种打标方式既没写出她的样子，也没写 `1girl`，所以 LoRA 可能把 `1girl` 拉向她。`leakage` 那两行和标注检查那张表告诉你 `1girl` 有没有被夺舍。
# > - **控制（也在第 2 项检验里）。** 要 `weiwei, closed mouth`、`weiwei, sitting` 或 `weiwei, red hair` 时，LoRA 能不能画出*带着这个标签的她*？只有带着标签的她才算数（`red hair` 的情况下，是其余身份标签都是她）：触发词不承载她的样子不行，触发词把她那张图背了下来也不行。两个差距都要达到 0.3。
# > - **模棱两可的图**按论断的写法算作不是她；上面的说明写明，换一种读法会不会改变某项检验。
# > - [第 14 课](14_how_long_to_train.ipynb) 展示了轻配方训练更久时，控制会怎么变。

# %% [markdown]
# ## Things to try · 动手试试
# - Prompt the full-tag LoRA with the trigger alone (`weiwei`): how much of her comes without her tags? (the `trigger alone` row above)
# - Train the pruned set without the text-encoder LoRA: `lab.train_light("thesis_pruned")` (the light recipe, UNet only, seconds) or `lab.train("thesis_pruned", LoraTrainConfig(steps=800, unet_lr=5e-4), name="pruned_unet")` (`from lora_course.lora import LoraTrainConfig`; minutes). Does `red hair` still obey, and does `1girl` leak more or less than in the `pruned` column above?
# - Make a fourth captioning: the pruned tags plus `1girl`. Is naming `1girl` enough to keep it from becoming her (compare the `full` column's leakage), or does it take the other tags too?
#
# > - 给完整标签的 LoRA 只写触发词（`weiwei`）：不带她的那些标签，她还能出来多少？（见上面打印结果里 `trigger alone` 那一行）
# > - 用精简标签的训练集训练时，去掉文本编码器上的 LoRA：`lab.train_light("thesis_pruned")`（轻配方，只训练 UNet，几秒钟），或者 `lab.train("thesis_pruned", LoraTrainConfig(steps=800, unet_lr=5e-4), name="pruned_unet")`（先 `from lora_course.lora import LoraTrainConfig`；要几分钟）。`red hair` 还听话吗？`1girl` 的泄漏比上表 `pruned` 那一列多还是少？
# > - 做第四种打标：精简标签再加上 `1girl`。光把 `1girl` 标出来，就足以让它不被画成她吗（对照 `full` 那一列的泄漏）？还是得连其他标签一起标？

# %% [markdown]
# <!-- nav -->
# ← previous / 上一课: [08 · Poses: what the training set lacks, the LoRA can't give](08_poses.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一课: [10 · Beyond the article: possession (夺舍) vs puppet (傀儡), measured](10_possession.ipynb) →
