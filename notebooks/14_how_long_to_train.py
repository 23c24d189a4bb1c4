# %% [markdown]
# # 14 · How long to train: the training-length axis · 训练多久：训练长度这条轴
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/14_how_long_to_train.ipynb)
#
# **Article:** the closing worry of experiment 7 (a LoRA that is faithful *and* not overfit is hard to train), and the pictures of experiments 2, 5 and 7, which depend on how far the LoRA has learned its picture. The article never says how long it trained; this notebook measures what the length does.
#
# > **原文**：实验 7 结尾的担忧（既还原度高、又不过拟合的 LoRA 很难练），以及实验 2、5、7 的图——它们都取决于 LoRA 把那张图学到了什么程度。原文没有说训练了多久；本课测量训练长度到底改变了什么。
#
# You will see: one training run of the one-picture LoRA (`weiwei_1`) and one of the two-picture LoRA (`mouth_2`) with the light recipe (the UNet alone), each kept at 25, 50, 100, 150, 300, 400 and 600 steps; its **recipe rule**, declared in code before any verdict, measured; the *phase diagram* — training steps × LoRA weight — as one heatmap per measure, with the article's pictures marked on it; the loss beside it; and the practical answer, printed from the measurements.
#
# > 你会看到：用轻配方（只训练 UNet）把单图 LoRA（`weiwei_1`）和双图 LoRA（`mouth_2`）各训练一次，在第 25、50、100、150、300、400、600 步各存一份 LoRA；它的**配方规则**（在任何结论之前就写进代码）的实测结果；"相图"——训练步数 × LoRA 权重（功力）——每个指标一张热力图，文章里的那些图落在哪里都标了出来；旁边是损失曲线；最后是由测量结果直接打印出来的实用结论。
#
# The verdicts of notebooks 02–12 read another recipe, the article's: a text-encoder LoRA beside the UNet LoRA, trained 800 steps, chosen by pre-registered rules on a calibration character (E12 in the experiment log). This notebook maps the light recipe: the quick LoRA that notebook 02 trains before your eyes, that notebooks 02–08 draw beside the article's in their first pictures, and that notebooks 06 and 08 measure beside their verdicts.
#
# > 第 02–12 课的结论读的是另一个配方，也就是文章的配方：UNet LoRA 旁边还有一个文本编码器 LoRA，训练 800 步，由几条事先登记的规则在一个校准角色上选出（见实验日志里的 E12）。本课画的是轻配方：就是第 02 课当场训练的那个快速训出的 LoRA；第 02–08 课开头的图里，它和文章的 LoRA 并排；第 06 课和第 08 课还在结论旁边对它做了同样的检验。

# %%
import sys  # on Colab, the next line installs the course, its code and data; anywhere else it does nothing
if "google.colab" in sys.modules: get_ipython().run_line_magic("pip", "install -q git+https://github.com/lora-course/lora_course")

# %%
from lora_course import course
from lora_course.measure import training_length as tl
from lora_course.widgets import plots
lab = course.setup()

# %% [markdown]
# ## One run, kept at seven lengths · 一次训练，七个长度
#
# A LoRA kept at step *k* of a long run is exactly the LoRA a *k*-step run trains (same seed, same batches; the unit tests check it bit for bit), so one run of 600 steps gives all seven. Each is cached under its own length. Both runs ship with the course in `data/loras`, so here they are loaded; `reuse=False` trains them again on your machine (a few minutes on a CPU). The light recipe trains the length the rule below gives; the article's LoRAs, which the verdicts read, are a different recipe, trained once and shipped in `data/loras`.
#
# > 一次长训练在第 *k* 步保留下来的 LoRA，和只训练 *k* 步得到的 LoRA 完全一样（同一个种子、同样的批次；单元测试逐位检查过），所以训练一次 600 步就得到全部七个。每个都按自己的步数缓存。这两次训练随课程放在 `data/loras` 里，这里直接加载；加上 `reuse=False` 就会在你的机器上重新训练（CPU 上要几分钟）。轻配方训练的是下面规则选出的那个长度；各结论读的文章的 LoRA 则是另一个配方，训练一次后随课程放在 `data/loras` 里。

# %%
one = lab.train_along("weiwei_1", tl.KEEP_STEPS)
two = lab.train_along("mouth_2", tl.KEEP_STEPS)

# %% [markdown]
# ## The recipe rule: stop when she appears · 配方规则：她一出现就停
#
# How long should a quick LoRA train? The rule below was written into `lora_course/measure/training_length.py` before any verdict was computed, and it looks at nothing the claims check: the fewest steps at which the trigger alone draws her at full weight, with the interval's lower bound at least 0.9 on 48 seeds. The light recipe (`course.LIGHT_LORA`) trains the length it gives, and says so when it trains.
#
# > 一个快速训出的 LoRA 该训练多久？下面这条规则在算任何结论之前就写进了 `lora_course/measure/training_length.py`，而且它不看任何论断要检验的东西。规则是：取最少的步数，使单用触发词、满权重（w = 1）时，48 个种子上画出她的比例的 95 % 区间下界不低于 0.9。轻配方（`course.LIGHT_LORA`）训练的就是这条规则给出的步数，训练时会打印出来。

# %%
chosen, est = lab.recipe_rule(one)

# %%
# NBVAL_CHECK_OUTPUT
print("\n".join(tl.rule_lines(chosen, est, course.LIGHT_LORA.steps)))

# %% [markdown]
# ## The phase diagram · 相图
#
# Rows are training steps, columns the LoRA weight (功力); each cell is measured on 16 seeds. ● marks a cell where the article's side of that measure is *shown* (its 95 % interval clears the claim's bar, with the cell's unclear pictures counted either way, as the claims count them), ○ where it is not decided: 16 seeds cannot decide it, or the two readings of the unclear pictures disagree. Read the maps of the one-picture LoRA first: where does `1girl` become her (夺舍), where does `closed mouth` stop working, where does she stop sitting? The two-picture LoRA is mapped only for what its second picture is for: her, and `closed mouth` (`tl.MOUTH_MAPS`; pass `maps=None` for all six, which draw two and a half times the pictures).
#
# > 行是训练步数，列是 LoRA 权重（功力）；每格用 16 个种子测得。● 表示这一格里文章在这个指标上的说法被*证实*（不管把模棱两可的图算向哪一边，95 % 区间都越过了论断的门槛，和论断的读法一样），○ 表示还定不下来：16 个种子不够，或者模棱两可的图算向两边结论不同。先看单图 LoRA 的几张相图：`1girl` 从哪里开始变成她（夺舍）？`closed mouth` 从哪里开始不管用？她从哪里开始画不出坐姿？双图 LoRA 只画它第二张图要管的两张相图：她，以及 `closed mouth`（`tl.MOUTH_MAPS`；传 `maps=None` 就画全部六张，要画的图是现在的两倍半）。

# %%
d1 = lab.phase_diagram(one, "weiwei_1 (one picture)")
plots.phase_figure(d1)

# %%
d2 = lab.phase_diagram(two, "mouth_2 (open + closed mouth)", maps=tl.MOUTH_MAPS)
plots.phase_figure(d2)

# %% [markdown]
# Past some length the LoRA stops drawing her and redraws its training picture: a copy, pixel for pixel as close as the VAE allows (notebook 02 measures it the same way). How many of the 16 seeds of `weiwei` at w = 1 are copies, at each length:
#
# > 训练超过某个长度之后，LoRA 就不再是在画她，而是在重画那张训练图：一张复制品，逐像素地接近到 VAE 所能还原的极限（第 02 课用同样的方法测量）。在每个长度下，`weiwei` 在 w = 1 时的 16 个种子里有几张是复制品：

# %%
for k in d1.steps:
    copies = lab.copies(d1.sweeps[k], tl.TRIGGER, 1.0, "weiwei_1")
    print(f"{k:>4} steps: {int(copies.sum()):>2} of {len(copies)} are copies of the training picture")

# %% [markdown]
# ## What over-training looks like in the loss · 过度训练在损失上是什么样子
#
# The loss the trainer prints draws a random timestep and noise every step, so it jumps. The *stable* loss fixes both (five timesteps, two noise draws per picture), so it moves only when the LoRA does: on the training picture it can only go down; on new renders of her (other backgrounds, shifts, mirrors) it shows whether the LoRA learned *her* or *that picture*.
#
# > 训练器打印的损失每一步都随机抽时间步和噪声，所以上下乱跳。"稳定"损失把两者都固定下来（五个时间步，每张图两份噪声），只有 LoRA 变了它才会变：在训练图上它只会下降；在她的新渲染图上（换背景、平移、镜像），用它就能看出 LoRA 学到的是*她*，还是*那一张图*。

# %%
stable = tl.stable_losses(lab.pipe, one, tl.loss_sets(lab.pipe, "weiwei_1"))
for label, points in stable.items():
    print(f"{label:>20}: " + "  ".join(f"{k}: {v:.4f}" for k, v in points.items()))
plots.loss_figure(lab.losses["weiwei_1"], stable, title="weiwei_1: one run of 600 steps")

# %% [markdown]
# ## The practical answer · 实用结论
#
# Each line is computed from the maps above, with the number it rests on and its interval.
#
# > 每一行都由上面的相图算出，并附上它所依据的数字和区间。

# %%
# NBVAL_CHECK_OUTPUT
print("\n".join(tl.advice(d1, d2)))

# %% [markdown]
# ## Reading it · 怎么读这个结果
#
# - **The rule** looks only at the trigger alone at w = 1; the last `RULE` line says whether the light recipe trains its length. The article's pictures may appear only later, as the LoRA learns its picture by heart; the article's recipe (800 steps, with a text-encoder LoRA) is another recipe, not a row of these maps.
# - **The maps.** Down the w = 1 column: when does `1girl` become her (夺舍), `closed mouth` stop working, she stop sitting? Across a row: does a lower weight give the prompt back? The `FINDING` lines read this off.
# - **Unclear pictures.** An over-trained LoRA may draw a half-open mouth or two different eyes. Where a `FINDING` line says they decide it, more seeds cannot.
# - **The loss.** Falling on the training picture but rising on new renders of her means the LoRA learns *that picture*, not *her*. Compare where it turns with the rule's length and the count of copies.
# - **The article's worry**, faithful but not overfit: the last `FINDING` line says where that holds, if anywhere.
#
# > <!-- zh: reading -->
# > - **规则**只看触发词单独使用、w = 1 的情况；最后一行 `RULE` 说明轻配方训练的是不是它选出的长度。文章里那些图上的现象，可能要到更后面、LoRA 逐渐把那张图背下来时才出现；文章的配方（800 步，带文本编码器 LoRA）是另一个配方，不是这些相图里的某一行。
# > - **相图。** 顺着 w = 1 那一列往下看：`1girl` 从哪里开始变成她（夺舍），`closed mouth` 从哪里开始不管用，她从哪里开始画不出坐姿？横着看一行：降低权重能不能把控制权还给提示词？`FINDING` 各行就是从图上读出的这些答案。
# > - **模棱两可的图。** 过度训练的 LoRA 可能画出半张半闭的嘴，或者两只颜色不同的眼睛。`FINDING` 某一行说由它们决定时，加种子也没用。
# > - **损失。** 在训练图上一路下降，在她的新渲染图上却回升，说明 LoRA 学的是*那一张图*，而不是*她*。看看转折在哪里，和规则选出的长度、复制品的张数对照一下。
# > - **文章的担忧**——既要还原度高，又不能过拟合：最后一行 `FINDING` 说明哪里能两全，或者哪里都做不到。

# %% [markdown]
# ## Things to try · 动手试试
#
# - Keep more lengths (`tl.KEEP_STEPS`) or train to 1,200 steps: does the hijack ever let go, does the mouth ever come back?
# - Draw the phase diagram of `fox_1`: at which length does `fox` forget the animal at w = 1?
# - Change the rule's level (`tl.RULE_LEVEL`) to `0.99` and see how many seeds and steps it asks for.
# - Map the article's recipe the same way (one run, minutes on a CPU): `art = lab.train_along("weiwei_1", (200, 800), config=course.ARTICLE_LORA)`, then `plots.phase_figure(lab.phase_diagram(art, "weiwei_1, the article's recipe"))`. Where does `1girl` become her now?
#
# > - 多保留几个长度（`tl.KEEP_STEPS`），或者训练到 1,200 步：夺舍会不会松开？闭嘴会不会回来？
# > - 画出 `fox_1` 的相图：训练到多长时，`fox` 在 w = 1 下会忘掉动物狐狸？
# > - 把规则的门槛（`tl.RULE_LEVEL`）改成 `0.99`，看看它需要多少种子、多少步。
# > - 用同样的方法画文章的配方（训练一次，CPU 上要几分钟）：`art = lab.train_along("weiwei_1", (200, 800), config=course.ARTICLE_LORA)`，再 `plots.phase_figure(lab.phase_diagram(art, "weiwei_1, the article's recipe"))`。这回 `1girl` 从哪里开始变成她？

# %% [markdown]
# <!-- nav -->
# ← previous / 上一课: [13 · The same recipe on a real Stable Diffusion](13_real_sd.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一课: [15 · The results: every verdict, and what to do differently](15_results.ipynb) →
