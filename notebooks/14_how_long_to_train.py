# %% [markdown]
# # 14 · How long to train: the training-length axis · 训练多久：训练长度这条轴
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/14_how_long_to_train.ipynb)
#
# **Article:** the closing worry of experiment 7 (a LoRA that is faithful *and* not overfit is hard to train), and the pictures of experiments 2, 5 and 7, which depend on how far the LoRA has learned its picture. The article never says how long it trained; this notebook measures what the length does.
#
# > **原文**：实验 7 结尾的担忧（既还原、又不过拟合的 LoRA 很难练），以及实验 2、5、7 的图——它们都取决于 LoRA 把那张图学到了什么程度。原文没有说训练了多久；本课测量训练长度到底改变了什么。
#
# You will see: one training run of the one-picture LoRA (`weiwei_1`) and one of the two-picture LoRA (`mouth_2`), each kept at 25, 50, 100, 150, 300 and 600 steps; the course's **recipe rule**, declared in code before any verdict, measured; the *phase diagram* — training steps × LoRA weight — as one heatmap per measure, with the article's pictures marked on it; the loss beside it; and the practical answer, printed from the measurements.
#
# > 你会看到：单图 LoRA（`weiwei_1`）和双图 LoRA（`mouth_2`）各训练一次，分别保留第 25、50、100、150、300、600 步的 LoRA；课程的**配方规则**（在任何结论之前就写进代码）的实测结果；"相图"——训练步数 × LoRA 权重（功力）——每个指标一张热力图，文章里的那些图落在哪里都标了出来；旁边是损失曲线；最后是由测量结果直接打印出来的实用结论。

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
from lora_course import course, plots, training_length as tl
lab = course.setup()

# %% [markdown]
# ## One run, kept at six lengths · 一次训练，六个长度
#
# A LoRA kept at step *k* of a long run is exactly the LoRA a *k*-step run trains (same seed, same batches; the unit tests check it bit for bit), so one run of 600 steps gives all six. Each is cached under its own length, so the experiment notebooks load the length the rule below gives instead of training it again.
#
# > 一次长训练在第 *k* 步保留下来的 LoRA，和只训练 *k* 步得到的 LoRA 完全一样（同一个种子、同样的批次；单元测试逐位检查过），所以训练一次 600 步就得到全部六个。每个都按自己的步数缓存，各实验课直接加载下面规则选出的那个长度，不必重新训练。

# %%
one = lab.train_along("weiwei_1", tl.KEEP_STEPS)
two = lab.train_along("mouth_2", tl.KEEP_STEPS)

# %% [markdown]
# ## The recipe rule: stop when she appears · 配方规则：她一出现就停
#
# How long should the course train? The rule below was written into `lora_course/training_length.py` before any verdict was computed, and it looks at nothing the claims check: the fewest steps at which the trigger alone draws her at full weight, with the interval's lower bound at least 0.9 on 48 seeds. Every experiment notebook trains the length it gives (and says so when it trains).
#
# > 课程该训练多久？下面这条规则在算任何结论之前就写进了 `lora_course/training_length.py`，而且它不看任何论断要检验的东西：只看触发词单独使用、满权重（w = 1）时，在 48 个种子上画出她的比例，其 95 % 区间下界不低于 0.9 的最少步数。各实验课都训练这条规则给出的步数（训练时会打印出来）。

# %%
chosen, est = lab.recipe_rule(one)

# %%
# NBVAL_CHECK_OUTPUT
print("\n".join(tl.rule_lines(chosen, est, course.DEFAULT_LORA.steps)))

# %% [markdown]
# ## The phase diagram · 相图
#
# Rows are training steps, columns the LoRA weight (功力); each cell is measured on 16 seeds. ● marks a cell where the article's side of that measure is *shown* (its 95 % interval clears the claim's bar, with the cell's unclear pictures counted either way, as the claims count them), ○ where it is not decided: 16 seeds cannot decide it, or the two readings of the unclear pictures disagree. Read the maps of the one-picture LoRA first: where does `1girl` become her (夺舍), where does `closed mouth` stop working, where does she stop sitting?
#
# > 行是训练步数，列是 LoRA 权重（功力）；每格用 16 个种子测得。● 表示这一格里文章那一方的说法被*证实*（不管把模棱两可的图算向哪一边，95 % 区间都越过了论断的门槛，和论断的读法一样），○ 表示还定不下来：16 个种子不够，或者模棱两可的图算向两边结论不同。先看单图 LoRA 的几张图：`1girl` 从哪里开始变成她（夺舍）？`closed mouth` 从哪里开始不管用？她从哪里开始坐不下来？

# %%
d1 = lab.phase_diagram(one, "weiwei_1 (one picture)")
plots.phase_figure(d1)

# %%
d2 = lab.phase_diagram(two, "mouth_2 (open + closed mouth)")
plots.phase_figure(d2)

# %% [markdown]
# Past some length the LoRA stops drawing her and redraws its training picture: a copy, pixel for pixel as close as the VAE allows (notebook 02 measures it the same way). How many of the 16 seeds of `weiwei` at w = 1 are copies, at each length:
#
# > 练过某个长度之后，LoRA 就不再是在画她，而是在重画那张训练图：一张复制品，像素上已经像到 VAE 所能允许的极限（第 02 课用同样的方法测量）。在每个长度下，`weiwei` 在 w = 1 时的 16 个种子里有几张是复制品：

# %%
for k in d1.steps:
    copies = lab.copies(d1.sweeps[k], tl.TRIGGER, 1.0, "weiwei_1")
    print(f"{k:>4} steps: {int(copies.sum()):>2} of {len(copies)} are copies of the training picture")

# %% [markdown]
# ## What over-training looks like in the loss · 过度训练在损失上是什么样子
#
# The loss the trainer prints draws a random timestep and noise every step, so it jumps. The *stable* loss fixes both (five timesteps, two noise draws per picture), so it moves only when the LoRA does: on the training picture it can only go down; on new renders of her (other backgrounds, shifts, mirrors) it shows whether the LoRA learned *her* or *that picture*.
#
# > 训练器打印的损失每一步都随机抽时间步和噪声，所以上下乱跳。"稳定"损失把两者都固定下来（五个时间步，每张图两份噪声），只有 LoRA 变了它才会变：在训练图上它只会下降；在她的新渲染图上（换背景、平移、镜像），它能看出 LoRA 学到的是*她*，还是*那一张图*。

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
# **The rule stops early.** At 25 steps the trigger draws her on a third of the seeds; from 50 steps on, on every one of the 48 — so the course's recipe is 50 steps, a third of what it trained before. Everything the article shows happens *after* that point, on the way to learning the picture by heart.
#
# > <!-- zh: reading -->
# > **规则停得很早。** 25 步时触发词只在三分之一的种子上画出她；从 50 步起 48 个种子全部是她——所以课程的配方是 50 步，只有以前的三分之一。文章展示的现象全都发生在这一点*之后*，也就是 LoRA 一步步把那张图背下来的路上。
#
# **The hijack (夺舍) grows with training, the puppet's advantage does not.** `1girl` at w = 1 is her on 0.50 of the seeds at 50 steps and is shown hijacked (≥ 0.5) from 300 steps (0.94 [0.72, 0.99] at 300; 0.69 [0.44, 0.86] at 150). The gap C2 asks for at w = 0.6 (puppet minus host ≥ 0.4) is never shown at 16 seeds: it is largest, +0.31, at 50 steps, and falls to -0.94 [-1.00, -0.81] at 600 steps, where the over-trained LoRA at low weight draws her on `1girl` (0.56) more often than on `weiwei` (0.06). Like claim C2, the gap counts an unclear picture as not her on `weiwei` and as her on `1girl`, so in-between pictures can only lower it.
#
# > <!-- zh: reading -->
# > **夺舍随训练加深，傀儡的优势却没有跟着变大。** 在 w = 1 时，`1girl` 在 50 步有 0.50 的种子画成她，从 300 步起被证实夺舍（≥ 0.5；300 步 0.94 [0.72, 0.99]，150 步 0.69 [0.44, 0.86]）。C2 要求的 w = 0.6 差距（傀儡减宿主 ≥ 0.4）在 16 个种子上始终没有被证实：最大是 50 步时的 +0.31，到 600 步跌到 -0.94 [-1.00, -0.81]——过度训练的 LoRA 在低权重下，用 `1girl` 画出她的次数（0.56）比用 `weiwei`（0.06）还多。和论断 C2 一样，这个差距把模棱两可的图在 `weiwei` 一边算作不是她、在 `1girl` 一边算作是她，所以介于两者之间的图只会让它更小。
#
# **Experiment 7's picture appears with training; experiment 5's is not shown by 600 steps.** With one open-mouth picture, `closed mouth` is obeyed at w = 1 up to 300 steps (1.00) and falls to 0.56 [0.33, 0.77] at 600, an interval wholly above gone (≤ 0.3). This measure counts a mouth read as unclear as obeyed, so that in-between pictures cannot make the mouth look lost; notebook 06 finds the same at 600 steps on 32 seeds (0.53 [0.36, 0.69]). Counted the other way, an unclear mouth as not obeyed, notebook 06 gets 0.00 [0.00, 0.11]: at 600 steps none of its 32 pictures has a mouth the tagger reads as closed. Asked for a closed mouth, the 600-step LoRA draws small marks that are neither the open "o" nor the closed line; read as closed, the mouth still obeys on 0.56, read as not closed, it is gone. So the article's "a closed mouth is very hard to get" is not shown at any length up to 600 steps, and at 600 it hangs on those marks. Whether a lower weight brings the mouth back is for the same marks to decide: at 600 steps and w = 0.8 every closed-mouth picture of the 16 seeds is such a mark, obeyed on 1.00 [0.81, 1.00] counted one way and 0.00 [0.00, 0.19] the other, so the findings above name no weight that rescues it and say the unclear pictures decide it. Two tagged pictures keep the mouth under control at every length (1.00 at 600 steps). Her sitting at w = 1 goes from 150 steps (0.00 [0.00, 0.19]; 0.69 [0.44, 0.86] at 100); at 300 steps she sits again only at w = 0.6 (0.75) — the article's "other poses only at a lower weight" — and at 600 steps at no weight as herself: at w = 0.6, where `weiwei` alone is her on 0.06 of the seeds, her *and* sitting is 0.25. That counts an unclear picture as not her. Notebook 08, on 32 seeds at 600 steps, finds her *and* sitting at w = 0.6 on 0.31 [0.18, 0.49] counted this way and on 0.88 [0.72, 0.95] with the unclear pictures counted as her: at 600 steps and w = 0.6 the LoRA often draws her with two different eyes, one blue and one green, so whether she still sits as herself there is for those pictures to decide, and its C7 at 600 steps is UNDECIDED.
#
# > <!-- zh: reading -->
# > **实验 7 的图随着训练出现；实验 5 的图到 600 步也没有被证实。** 只有一张张嘴图时，`closed mouth` 在 w = 1 下一直管用到 300 步（1.00），到 600 步降到 0.56 [0.33, 0.77]，整个区间都高于失效的门槛（≤ 0.3）。这个指标把嘴被读成模棱两可的图算作听话，免得介于两者之间的图让嘴看起来像是丢了；第 06 课在 600 步、32 个种子上得到同样的结果（0.53 [0.36, 0.69]）。反过来算，把模棱两可的嘴算作不听话，第 06 课得到 0.00 [0.00, 0.11]：600 步时，它的 32 张图里没有一张的嘴被标注器读成闭着。要它画闭嘴时，600 步的 LoRA 画出的是一些小小的记号，既不是张开的"o"，也不是闭着的那条线；把它们读成闭嘴，嘴仍在 0.56 的种子上听话，读成没闭，嘴就丢了。所以文章里"闭嘴很难画出来"，在 600 步以内的任何长度上都没有被证实；到 600 步，就取决于这些记号怎么读。降低权重能不能把嘴救回来，也由这些记号决定：600 步、w = 0.8 时，16 个种子要求闭嘴的图全都是这种记号，一种读法下听话 1.00 [0.81, 1.00]，另一种是 0.00 [0.00, 0.19]，所以上面的结论没有给出能救回它的权重，只说由模棱两可的图决定。两张打了嘴型标签的图则在任何长度下都能控制嘴（600 步时仍是 1.00）。w = 1 时"她坐着"从 150 步开始失效（150 步 0.00 [0.00, 0.19]；100 步 0.69 [0.44, 0.86]）；到 300 步，只有降到 w = 0.6 她才会再坐下（0.75）——正是文章说的"其他姿势只能靠降低权重"——到 600 步，任何权重下都画不出坐着的她：在 w = 0.6，单写 `weiwei` 只有 0.06 的种子是她，既是她*又*坐着的比例是 0.25。这是把模棱两可的图算作不是她。第 08 课在 600 步、32 个种子上测得，w = 0.6 时既是她*又*坐着的比例这样算是 0.31 [0.18, 0.49]，把模棱两可的图算作是她则是 0.88 [0.72, 0.95]：600 步、w = 0.6 时，LoRA 常把她画成两只眼睛颜色不同，一蓝一绿，所以坐着的她在那里还算不算她，要由这些图来定；它在 600 步的 C7 是未定。
#
# **Over-training shows in the loss, but not in the one the trainer prints.** On the training picture the stable loss falls at every step (0.16 → 0.02); on new renders of her it is lowest at 25 steps, back at the base model's level by 50, and three times that by 600 steps. The LoRA stops learning *her* and starts learning *that picture* right where the rule stops. "Faithful but not overfit" — she is drawn, the mouth and the pose still obey — is where the last line above finds it; by 600 steps it is nowhere.
#
# > <!-- zh: reading -->
# > **过度训练在损失上看得出来，但不是训练器打印的那个。** 在训练图上，稳定损失每一步都在下降（0.16 → 0.02）；在她的新渲染图上，它在 25 步最低，50 步回到底模的水平，到 600 步涨到三倍。LoRA 从学"她"转向学"那一张图"，恰好发生在规则停下的地方。"既还原又不过拟合"——画得出她，嘴和姿势也还听话——在哪里，见上面最后一行；到 600 步就哪里都没有了。
#
# **Memorisation (背图) shows in the pixels too.** Up to 100 steps none of the 16 seeds is a copy of the training picture; at 150 steps 5 are, at 300 steps 8, at 600 steps all 16: whatever the seed, the LoRA redraws its one picture as closely as the VAE allows.
#
# > <!-- zh: reading -->
# > **背图在像素上也看得出来。** 到 100 步为止，16 个种子里没有一张是训练图的复制品；150 步有 5 张，300 步 8 张，600 步 16 张全是：不管种子是多少，LoRA 都在重画它那一张图，像到 VAE 所能允许的极限。

# %% [markdown]
# ## Things to try · 动手试试
#
# - Keep more lengths (`tl.KEEP_STEPS`) or train to 1,200 steps: does the hijack ever let go, does the mouth ever come back?
# - Draw the phase diagram of `fox_1`: at which length does `fox` forget the animal at w = 1?
# - Change the rule's level (`tl.RULE_LEVEL`) to 0.99 and see how many seeds and steps it asks for.
#
# > - 多保留几个长度（`tl.KEEP_STEPS`），或者训练到 1,200 步：夺舍会不会松开？闭嘴会不会回来？
# > - 画出 `fox_1` 的相图：训练到多长时，`fox` 在 w = 1 下会忘掉动物狐狸？
# > - 把规则的门槛（`tl.RULE_LEVEL`）改成 0.99，看看它需要多少种子、多少步。

# %% [markdown]
# <!-- nav -->
# ← previous / 上一课: [13 · The same recipe on a real Stable Diffusion](13_real_sd.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一课: [15 · The results: every verdict, and what to do differently](15_results.ipynb) →
