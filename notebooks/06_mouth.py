# %% [markdown]
# # 06 · Open mouth, closed mouth: what the training set lacks · 张嘴与闭嘴：训练集里缺的东西
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/06_mouth.ipynb)
#
# **Article:** experiment 5. With only the open-mouth picture, a closed mouth is very hard to get. With two pictures tagged `weiwei, open mouth` and `weiwei, closed mouth`, the prompt controls the mouth. The training set matters most; tags make it usable.
#
# > **原文**：实验 5。训练集里只有那张张着嘴的图时，很难画出闭嘴。换成两张图，分别打上 `weiwei, open mouth` 和 `weiwei, closed mouth`，嘴型就能用提示词控制了。最要紧的是训练集；标签的作用是让它用得上。
#
# You will see: the two training sets; the two LoRAs at w = 0.6, 0.8 and 1 with both mouth prompts; how often the mouth does what the prompt asks; and the same checks on the same pictures trained 600 steps, the article's regime.
#
# > 你会看到：两个训练集；两个 LoRA 在 w = 0.6、0.8、1 下分别配上两种嘴型提示词画出的图；嘴型照提示词的要求画出来的比例；以及同样的图训练到 600 步（文章的训练程度）时的同样检验。

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
from lora_course import claims, course, plots, training_length as tl
lab = course.setup()

# %%
course.show_set("mouth_2")

# %%
one = lab.train("weiwei_1")
two = lab.train("mouth_2")

# %%
prompts = ["weiwei, open mouth", "weiwei, closed mouth"]
sw_one = lab.sweep(prompts, one, weights=(0.6, 0.8, 1.0))
sw_two = lab.sweep(prompts, two, weights=(0.6, 0.8, 1.0))
lab.grid(sw_one, title="one open-mouth picture")

# %%
lab.grid(sw_two, title="two pictures, mouth tagged")

# %%
plots.mouth_figure(sw_one, sw_two)

# %% [markdown]
# ## Verdict (claim C5) · 结论（论断 C5）

# %%
# NBVAL_CHECK_OUTPUT
claims.c5(sw_one, sw_two).show()

# %% [markdown]
# ## Beside it: the article's regime · 对照：文章的训练程度
# The verdict above is the course's recipe (its length is chosen by a rule that looks only at whether she appears, printed when the LoRAs were loaded). The article's LoRAs are trained until the picture is learned by heart. One run of each LoRA, kept at 600 steps (notebook 14 draws six lengths from 25 to 600), the same prompts, weights and seeds, the same checks:
#
# > 上面的结论用的是课程自己的配方（训练长度由一条只看"她有没有出现"的规则选定，加载 LoRA 时已经打印出来）。文章里的 LoRA 则一直训练到把图背得滚瓜烂熟（过拟合）为止。下面每个 LoRA 各训练一次，保留第 600 步的版本（从 25 步到 600 步的六种长度，第 14 课都画了出来），用同样的提示词、权重和种子，做同样的检验：

# %%
long_one = lab.train_along("weiwei_1", tl.KEEP_STEPS)[tl.ARTICLE_STEPS]
long_two = lab.train_along("mouth_2", tl.KEEP_STEPS)[tl.ARTICLE_STEPS]
lo_one = lab.sweep(prompts, long_one, weights=(0.6, 0.8, 1.0))
lo_two = lab.sweep(prompts, long_two, weights=(0.6, 0.8, 1.0))
lab.grid(lo_one, title=f"one open-mouth picture, {tl.ARTICLE_STEPS} steps")

# %%
# NBVAL_CHECK_OUTPUT
claims.c5(lo_one, lo_two).show(regime=f"{tl.ARTICLE_STEPS} steps")

# %% [markdown]
# ## Reading it · 怎么读这个结果
# **At the recipe's length the prompt wins.** Trained 50 steps on the one open-mouth picture, the LoRA still lets `closed mouth` through: at w = 1, `weiwei, closed mouth` gives a closed mouth on 1.00 [0.89, 1.00] of the seeds with its unclear mouths counted as closed, and on 0.91 [0.76, 0.97] with them counted as not closed, where the claim asks for at most 0.3: the first check fails both ways. The two tagged pictures control the mouth both ways (closed 1.00, open 1.00, each [0.89, 1.00]). Only the second half of the claim is shown: C5 is PARTLY.
#
# > <!-- zh: reading -->
# > **在配方的训练长度下，提示词说了算。** 只用那张张嘴图训练 50 步，LoRA 仍然放行 `closed mouth`：在 w = 1（十层功力）下，把模棱两可的嘴算作闭嘴，`weiwei, closed mouth` 在 1.00 [0.89, 1.00] 的种子上画出了闭嘴；算作不是闭嘴，则是 0.91 [0.76, 0.97]；而论断要求至多 0.3：第一项检验两种读法都不通过。两张打了嘴型标签的图则两个方向都控制得住（闭嘴 1.00、张嘴 1.00，区间都是 [0.89, 1.00]）。论断只有后一半得到证实：C5 部分复现。
#
# **Trained until the picture is learned by heart, the prompt no longer gets a clean closed mouth; whether what it gets instead counts as one decides the check.** The same picture kept at 600 steps, asked for a closed mouth at w = 1, draws on many seeds small marks that are neither the open "o" nor the closed line (the small mouths in the grid above): the tagger finds something unclear on 53 % of its 192 pictures here, on every one of `weiwei, closed mouth` at w = 0.8. Counted as closed, as the check counts them first (the claim is that a closed mouth is hard to get), they give a closed mouth on 0.53 [0.36, 0.69] of the seeds: the whole interval lies above the claim's bar of 0.3, so that reading fails. Counted as not closed, the share is 0.00 [0.00, 0.11]: not one clean closed mouth, and that reading passes. So C5 is UNDECIDED at 600 steps, and the unclear pictures decide it, not more seeds, while the two tagged pictures still obey both ways (1.00 and 1.00, each [0.89, 1.00]). Whether a feature the training set lacks is "hard to get" is a race between how well the base model (the sect, 门派) knows the tag — `closed mouth` is a word it knows — and how far the LoRA has overfit its one picture; the article's sentence is a picture of the far end of that race. At 600 steps this LoRA has moved toward it (a closed mouth on 1.00 at 50 steps; at 600, 0.53 counting the in-between mouths as closed, 0.00 not counting them): asked for a closed mouth, it draws no clean one, and an in-between mark on 17 of the 32 seeds. Two tagged pictures win the race at every length. [Notebook 14](14_how_long_to_train.ipynb) draws the whole race: with one picture, `closed mouth` is obeyed on every seed from 25 to 300 steps and at 600 on 0.56 [0.33, 0.77] of 16 seeds, not yet shown gone.
#
# > <!-- zh: reading -->
# > **一直训练到把图背下来，提示词就再也得不到干净的闭嘴了；它得到的那种嘴算不算闭嘴，决定了这项检验。** 同一张图保留到第 600 步，在 w = 1 下要它画闭嘴，它在许多种子上画出的是既不是张开的 "o"、也不是闭合的一条线的小小记号（上面图里那些小小的嘴）：标注器在这里的 192 张图中有 53 % 读出了模棱两可之处，w = 0.8 时 `weiwei, closed mouth` 的每一张都是。检验先把这些嘴算作闭嘴（因为论断说的是闭嘴很难画出来），得到闭嘴的比例是 0.53 [0.36, 0.69]：整个区间都在论断的门槛 0.3 之上，这种读法不通过。把它们算作不是闭嘴，比例是 0.00 [0.00, 0.11]：一张干净的闭嘴都没有，这种读法通过。所以 600 步时 C5 未定，定下它的是模棱两可的图，而不是更多的种子；而两张图的 LoRA 仍然两个方向都听话（1.00 和 1.00，区间都是 [0.89, 1.00]）。训练集里缺的特征"难不难画出来"，其实是一场赛跑：一边是门派（底模）对这个标签有多熟——`closed mouth` 正是它认识的词——另一边是 LoRA 对那一张图过拟合到了什么程度；文章那句话，画的是这场赛跑的终点。到 600 步，这个 LoRA 已经朝终点走去（50 步时闭嘴的比例是 1.00；到 600 步，把介于两者之间的嘴算作闭嘴是 0.53，不算则是 0.00）：要它画闭嘴，它一张干净的闭嘴都画不出来，32 个种子中有 17 个画的是介于张闭之间的记号。两张打了标签的图则在任何长度下都赢得这场赛跑。整场赛跑见 [第 14 课](14_how_long_to_train.ipynb)：只有一张图时，`closed mouth` 从 25 步到 300 步在每个种子上都听话，到 600 步是 16 个种子中的 0.56 [0.33, 0.77]，还没有被证实失效。

# %% [markdown]
# ## Things to try · 动手试试
# - Find the length at which `closed mouth` stops working: notebook 14 has it obeyed at 300 steps and still undecided at 600 (0.56), so keep the lengths in between and beyond, `lab.train_along("weiwei_1", (300, 400, 500, 600, 800, 1000))[k]`, and sweep each k.
# - Drop the mouth tags from the two-picture set (`lora_course.dataset.remove_tag_everywhere`) and retrain, at 50 and at 600 steps: the pictures are the same; is the control gone? (In notebook 09, four pictures whose captions never name the mouth still give `closed mouth` on 0.84 of the seeds at 50 steps.)
# - Lower the weight of the 600-step one-picture LoRA (`long_one`) until closed mouths appear: look at w = 0.8 and 0.6 in its grid above, then lower if needed (`lab.sweep(prompts, long_one, weights=(0.2, 0.4))`). At which weight do they appear, and is she still her there? (In notebook 14, `weiwei` alone at w = 0.6 is her on only 0.06 of the seeds at 600 steps.)
#
# > - 找出训练到多长时 `closed mouth` 开始失灵：第 14 课里它在 300 步还听话，到 600 步仍未定（0.56），所以把两者之间以及更长的长度也保留下来，`lab.train_along("weiwei_1", (300, 400, 500, 600, 800, 1000))[k]`，对每个 k 扫描一遍。
# > - 从两张图的训练集里删掉嘴型标签（`lora_course.dataset.remove_tag_everywhere`），分别训练 50 步和 600 步：图还是那两张，控制还在吗？（在第 09 课里，四张标注里从没点过嘴型的图，训练 50 步后 `closed mouth` 仍在 0.84 的种子上画出闭嘴。）
# > - 把训练了 600 步的单图 LoRA（`long_one`）的权重一路调低，直到出现闭嘴：先看上面它的图里 w = 0.8 和 0.6 的格子，不够再往下调（`lab.sweep(prompts, long_one, weights=(0.2, 0.4))`）。闭嘴在多大的权重下出现？那时画的还是她吗？（第 14 课里，600 步时 `weiwei` 单独在 w = 0.6 下只有 0.06 的种子画出她。）

# %% [markdown]
# <!-- nav -->
# ← previous / 上一课: [05 · `fox` as the trigger: possessing a sect member](05_fox_trigger.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一课: [07 · Crying and smiling: combining tags](07_cry_smile.ipynb) →
