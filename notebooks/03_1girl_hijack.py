# %% [markdown]
# # 03 · The `1girl` hijack: puppet vs possession · `1girl` 被夺舍：傀儡与宿主
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/03_1girl_hijack.ipynb)
#
# **Article:** experiment 2. With the same one-picture LoRA at full weight, the author prompts `1girl` and still gets weiwei: the picture contained 1girl features, so the LoRA pulled `1girl` toward her too. At weight 0.6, `weiwei` still reproduces her while `1girl` starts to show other features.
#
# > **原文**：实验 2。作者用同一个单图 LoRA，在满权重下写提示词 `1girl`，得到的仍然是 weiwei：那张图里本来就有 1girl 的特征，所以 LoRA 把 `1girl` 也拉向了她。权重 0.6 时，`weiwei` 仍能把她画回来，`1girl` 却开始露出别的特征。
#
# The article's explanation: `1girl` is a **门派成员** (a member of the sect, a tag the base model knows). Training onto it is **夺舍** (possession): the host's own mind fights back when the caster's **功力** (power, the LoRA weight) drops. The puppet `weiwei` has no mind of its own, so it obeys even at partial power.
#
# > 文章的解释是：`1girl` 是一位**门派成员**（底模认识的标签）。把训练打到它身上就是**夺舍**：施术者的**功力**（LoRA 权重）一降，宿主自己的心智就会反抗。傀儡 `weiwei` 没有自己的心智，所以即使功力不满也照样听话。
#
# You will see: `weiwei` and `1girl` side by side at every weight, their fidelity curves, and whether the gap at w = 0.6 is there.
#
# > 你会看到：每个权重下 `weiwei` 和 `1girl` 并排的图，它们的还原度曲线，以及 w = 0.6 时两者之间是否真有差距。

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
weiwei = lab.train("weiwei_1")

# %%
strong_host = "1girl, black hair, short hair, green eyes"   # a host with a mind of its own
sw = lab.sweep(["weiwei", "1girl", strong_host], weiwei)
lab.grid(sw, title="one LoRA (trained on `weiwei` only), three prompts")

# %%
lab.weights_grid(sw, "1girl", weights=(0.0, 0.6, 1.0))

# %%
plots.fidelity_figure(sw, ["weiwei", "1girl", strong_host], per_group=False)

# %% [markdown]
# ## Does the host have a mind of its own? · 宿主有没有自己的心智？
# Possession can only be resisted by a host with a mind: the base model must draw something *different* for `1girl` than for the puppet `weiwei`. Same seed, the two prompts: how far apart are the identity attributes they draw (total-variation distance, 0 = the same distribution), and for how many seeds does the prompt change nothing the tagger can see?
#
# > 只有有心智的宿主才抵抗得了夺舍：底模给 `1girl` 画的东西，必须和给傀儡 `weiwei` 画的*不一样*。同一个种子、两个提示词：它们画出的身份属性相差多远（用总变差距离衡量，0 = 分布完全相同）？又有多少个种子上，换了提示词却没有任何标注器看得出的变化？

# %%
# NBVAL_CHECK_OUTPUT
from lora_course import evaluation, stats
print("fidelity (95 % interval) per prompt:", " | ".join(f"({i + 1}) {p}" for i, p in enumerate(sw.prompts)))
print("weight" + "".join(f"{f'({i + 1})':>20}" for i in range(len(sw.prompts))) + "   weiwei vs 1girl: distance, same identity")
for w in sw.weights:
    f = [stats.share(sw.her(p, w)) for p in sw.prompts]
    print(f"w={w:.1f} " + "".join(f"{str(x):>20}" for x in f)
          + f"   {evaluation.distance(sw, 'weiwei', '1girl', w):.2f}, {evaluation.same_picture_share(sw, 'weiwei', '1girl', w):.2f}")

# %% [markdown]
# ## Verdict (claim C2) · 结论（论断 C2）

# %%
# NBVAL_CHECK_OUTPUT
claims.c2(sw).show()

# %% [markdown]
# ## Reading it: hijack and gap both turn on unclear pictures · 怎么读这个结果：夺舍与差距都取决于模棱两可的图
# **C2 is UNDECIDED: neither the hijack nor the puppet's lead at w = 0.6 is decided, and both turn on the pictures the tagger calls unclear.** It reads 32 % of these 576 pictures as unclear; on `1girl` many are her with two different eyes, her blue beside a green, and each check reads them both ways. At full power `1girl` is her on 0.53 [0.36, 0.69] of the 32 seeds with those pictures counted as not her: the point estimate sits just above the bar of 0.5 and the interval straddles it (about 984 seeds would decide that reading). Counted as her, it is 0.84 [0.68, 0.93], which clears the bar. So the hijack is shown one way and open the other. At w = 0.6 the puppet holds either way (`weiwei` 0.75 [0.58, 0.87], or 0.81 [0.65, 0.91] with its unclear pictures counted as her); the readings part mostly on the host. In the table `1girl` is her on 0.31 [0.18, 0.49]; the check first counts its unclear pictures as her, so that they cannot widen the gap, and gets 0.53 [0.36, 0.69] and a gap of 0.22 [0.09, 0.38], wholly below the bar of 0.4. Counted the other way, the gap is 0.50 [0.34, 0.66], an interval that straddles the bar. One reading fails and the other is open, so this half is undecided too, and its check line names no number of seeds that would decide it: more seeds could settle only the second reading, and the first already fails. The strong host (3) is never her at any weight (0.00 [0.00, 0.11] up to w = 1): this LoRA does not possess a host that names other colours at all.
#
# > <!-- zh: reading -->
# > **C2 未定：夺舍和傀儡在 w = 0.6 时的领先都没有定下来，两者都取决于标注器读作模棱两可的那些图。** 这 576 张图中它把 32 % 读作模棱两可；在 `1girl` 上，其中许多画的是她，只是两只眼睛颜色不同：一只是她的蓝眼，一只是绿眼；每项检验都把这些图按两种读法各算一遍。十层功力下，把这些图算作不是她，`1girl` 在 32 个种子中画成她的比例是 0.53 [0.36, 0.69]：点估计刚过门槛 0.5，区间却跨在门槛上（大约要 984 个种子才能把这种读法定下来）。把它们算作是她，则是 0.84 [0.68, 0.93]，越过了门槛。所以夺舍按一种读法被证实，按另一种读法还未定。w = 0.6 时，无论怎么算，傀儡都守得住（`weiwei` 0.75 [0.58, 0.87]；把它模棱两可的图算作是她，则是 0.81 [0.65, 0.91]）；两种读法的分歧主要在宿主身上。表中 `1girl` 是她的比例为 0.31 [0.18, 0.49]；检验先把它模棱两可的图都算作是她，免得这些图把差距撑大，于是得到 0.53 [0.36, 0.69]，差距为 0.22 [0.09, 0.38]，整个落在门槛 0.4 之下。换另一种读法，差距是 0.50 [0.34, 0.66]，这个区间跨在门槛上。一种读法不通过、另一种未定，所以这一半也未定，它的检验行也没有给出多少个种子能定下来：更多的种子只能把第二种读法定下来，而第一种读法已经不通过。更强的宿主（3）在任何权重下都不是她（直到 w = 1 都是 0.00 [0.00, 0.11]）：点名了别的颜色的宿主，这个 LoRA 根本夺不了舍。
#
# Why the host can fight back: at w = 0 the base model draws different girls for the two words (distance 0.26, the same identity on only 0.03 of the seeds), and the LoRA pulls them together as the power rises (distance 0.09, the same identity on 0.53 at w = 1). Which property of a base model gives a host that mind was measured by an ablation (docs/results.md, "The ablation", with the old recipe's 150-step LoRA; its figures, not this notebook's): Danbooru's frequencies alone, names alone, or booru-style partial captions alone left `weiwei` and `1girl` drawing the same girl (with frequencies alone, the same identity on 30 of 32 seeds); only the three together made `weiwei` read as *a particular unknown girl*, and then the host resisted (at w = 0.6 the puppet her on 32 of 32 seeds, `1girl` on 20, gap +0.38). The sect this notebook runs on is that world.
#
# > <!-- zh: reading -->
# > 宿主为什么反抗得了：w = 0 时，底模给这两个词画的是不同的女孩（距离 0.26，身份相同的种子只占 0.03），功力一升，LoRA 就把两者拉到一起（w = 1 时距离 0.09，身份相同的占 0.53）。底模的哪一种性质能让宿主有这份心智，是一次消融实验测出来的（docs/results.md 的 "The ablation" 一节，用的是旧配方 150 步的 LoRA；以下是它的数字，不是本课的）：光有 Danbooru 的频率、光有名字、或者光有 booru 式的不完整标注，`weiwei` 和 `1girl` 画出来的仍是同一个女孩（光有频率时，32 个种子中 30 个身份相同）；只有三者齐备，`weiwei` 才被读成*某个不认识的特定女孩*，宿主这才反抗起来（w = 0.6 时傀儡 32 个种子里 32 个是她，`1girl` 只有 20 个，差距 +0.38）。本课所用的门派就是这个世界。
#
# The LoRA trains 50 steps, the length the recipe rule gives, and notebook 14 (16 seeds per cell) shows that the two halves of C2 pull apart as training goes on: the hijack grows (`1girl` her at w = 1 on 0.25 of the seeds at 25 steps, 0.50 at 50, 0.62 at 100, 0.69 at 150, 0.94 at 300 and 0.88 at 600; shown from 300 steps), while the gap at w = 0.6 is largest at 50 steps and short of the bar even there (+0.31; −0.19 at 100, +0.06 at 150, 0.00 at 300, −0.94 at 600). In that map no length gives both halves: training longer settles the hijack only where the gap is gone, and at 600 steps `1girl` at w = 0.6 is her more often than `weiwei`.
#
# > <!-- zh: reading -->
# > 这个 LoRA 训练 50 步，即配方规则给出的长度；第 14 课（每格 16 个种子）显示，C2 的两半会随训练背道而驰：夺舍越来越深（w = 1 时 `1girl` 是她的比例：25 步 0.25，50 步 0.50，100 步 0.62，150 步 0.69，300 步 0.94，600 步 0.88；从 300 步起被证实），而 w = 0.6 的差距在 50 步时最大，即便在那里也不到门槛（+0.31；100 步 −0.19，150 步 +0.06，300 步 0.00，600 步 −0.94）。在这张相图上，没有哪个训练长度能让两半同时成立：多训练能把夺舍定下来，可那时差距已经没有了；到 600 步，w = 0.6 的 `1girl` 画成她的次数反而比 `weiwei` 还多。

# %% [markdown]
# ## Things to try · 动手试试
# - Our world has no `1boy`, but it has `fox`: how hijacked is `fox`?
# - Give the text encoder a LoRA too (`text_encoder_lr=1e-3`, as kohya does by default) and compare the gap at 0.6.
# - Train with `keep_tokens=0, caption_dropout=0.3`: does an empty caption spread her further?
#
# > - 我们的世界里没有 `1boy`，但有 `fox`：`fox` 被夺舍得有多厉害？
# > - 给文本编码器也加上 LoRA（`text_encoder_lr=1e-3`，kohya 默认就会这样做），再比较 0.6 时的差距。
# > - 用 `keep_tokens=0, caption_dropout=0.3` 训练：空标注会不会让她扩散得更远？

# %% [markdown]
# ## Your turn: the weight slider · 动手：权重滑块
# Move the power (功力) and watch the host give in: the same seeds are drawn again at each weight, and the tagger reads every picture. Try `weiwei`, `1girl` and the strong host in the prompt, or write the weight into it as in A1111: `1girl, <lora:weiwei_1:0.6>`. The slider redraws when you let go of it.
#
# > 拖动功力，看着宿主一点点屈服：每个权重下都会重新画同一批种子，标注器读取每一张图。提示词里可以试 `weiwei`、`1girl` 和那个更强的宿主，也可以像 A1111 那样把权重直接写进提示词：`1girl, <lora:weiwei_1:0.6>`。松开滑块时才会重新出图。

# %%
from lora_course import widgets
widgets.SliderLab.from_lab(lab, prompt="1girl", lora_name=weiwei, weight=0.6, n_images=8)

# %% [markdown]
# <!-- nav -->
# ← previous / 上一课: [02 · One picture, one tag: the trigger word](02_trigger_word.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一课: [04 · `red hair` vs `long hair`: a host that resembles the caster](04_red_hair.ipynb) →
