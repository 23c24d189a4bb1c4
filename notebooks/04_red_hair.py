# %% [markdown]
# # 04 · `red hair` vs `long hair`: a host that resembles the caster · `red hair` 与 `long hair`：一个与施术者相像的宿主
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/04_red_hair.ipynb)
#
# **Article:** experiment 3. Prompting `red hair` with the weiwei LoRA (she has white hair) reproduces her poorly: the features clash, and only full weight ("ten levels") brings her back. `long hair` matches her, and reproduces most of her already at lower weight.
#
# > **原文**：实验 3。挂上 weiwei 的 LoRA 写提示词 `red hair`（她是白发），还原得很差：特征互相冲突，只有满权重（"十层功力"）才能把她画回来。`long hair` 和她相符，在较低的权重下就能还原她的大部分特征。
#
# Possession (夺舍) succeeds more easily when the host already resembles the caster.
#
# > 宿主本来就和施术者相像时，夺舍更容易成功。
#
# You will see: both prompts across weights, the two fidelity curves, how often the pictures of `red hair` show red and white hair, and the lowest weight at which each prompt reaches fidelity 0.5, if it reaches it at all.
#
# > 你会看到：两个提示词在各个权重下画出的图，两条还原度曲线，`red hair` 的图里红发和白发各占多少，以及每个提示词的还原度达到 0.5 的最低权重（如果它达得到的话）。

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
sw = lab.sweep(["red hair", "long hair"], weiwei)
lab.grid(sw, title="the weiwei LoRA, prompts that clash with her and that match her")

# %%
plots.fidelity_figure(sw, ["red hair", "long hair"], per_group=False)

# %%
plots.rate_figure(sw, "red hair", ["red hair", "white hair"])

# %% [markdown]
# ## Verdict (claim C3) · 结论（论断 C3）

# %%
# NBVAL_CHECK_OUTPUT
claims.c3(sw).show()

# %% [markdown]
# ## Why `red hair` resists · `red hair` 为什么会抵抗
# **C3 is UNDECIDED, and its `red hair` half has failed.** On 32 seeds `red hair` never becomes her in half of its pictures, not even at full power (lowest weight: never [never, never], however its unclear pictures are counted): the article's "only ten levels of power (十层功力) bring her back" does not happen here: even at w = 1 fewer than half of its pictures are her. `long hair` is where the check's two readings part. The tagger finds something unclear on 39 % of the sweep's 384 pictures (most at `long hair`, w = 0.2: 53 %). Counted as not her, `long hair` reaches fidelity 0.5 from w = 0.8 [0.6, never] and falls 0.40 [0.00, 0.60] earlier than `red hair` (a "never" counts one step past w = 1): on these 32 seeds it is not even certain that `long hair` reaches 0.5 at all, because its fidelity at w = 0.8 and 1 lies only just above 0.5 (the figure above), and the margin's interval straddles the claim's 0.2. Counted as her, the lowest weight is 0.8 [0.6, 0.8] and the margin 0.40 [0.40, 0.60]: that reading clears both bars (0.8 or lower, 0.2 or more). So the `long hair` check is shown one way and open the other. (Its check line adds that more seeds could decide it: the estimate, 0.8, sits exactly on the bar, and the interval of a weight on the grid can close onto its grid point, as the second reading's does, which ends on the bar and still clears it. What keeps the first reading open is the upper end of its interval, never, and the lower end of its margin, 0.00.) One check fails both ways and the other passes one way: as measured, the verdict cannot end REPRODUCED, and it ends PARTLY only if `long hair` clears both bars with its unclear pictures counted as not her as well.
#
# > <!-- zh: reading -->
# > **C3 未定，而且 `red hair` 那一半已经不成立。** 在 32 个种子上，`red hair` 哪怕在十层功力下也没能在一半的图里画成她（最低权重：never [never, never]，模棱两可的图无论怎么算都是如此）：文章说"只有十层功力才能把她画回来"，这里却连十层功力都不够：即使 w = 1，画成她的图也不到一半。检验的两种读法在 `long hair` 上分道扬镳。标注器在这次扫描的 384 张图里有 39 % 读出了模棱两可之处（最多的是 `long hair`、w = 0.2：53 %）。把这些图算作不是她，`long hair` 从 w = 0.8 [0.6, never] 起还原度达到 0.5，比 `red hair` 早 0.40 [0.00, 0.60] 被夺舍（`never` 按比 w = 1 再高一档计）：在这 32 个种子上，连 `long hair` 能不能达到 0.5 都不确定，因为它在 w = 0.8 和 1 时的还原度只是略高于 0.5（见上图），而这个领先幅度的区间也跨在论断的 0.2 上。把它们算作是她，最低权重是 0.8 [0.6, 0.8]，领先幅度是 0.40 [0.40, 0.60]：这种读法两道门槛都过了（不高于 0.8，不低于 0.2）。所以 `long hair` 这项检验按一种读法被证实，按另一种读法还未定。（它的检验行还说，更多的种子能把它定下来：估计值 0.8 恰好落在门槛上，而取在网格上的权重，区间可以正好收拢到格点上——第二种读法的区间就是这样，止于门槛，照样通过。让第一种读法悬而未决的，是它区间的上端 `never` 和领先幅度区间的下端 0.00。）一项检验两种读法都不通过，另一项按一种读法通过：就目前的测量而言，结论不可能是复现；只有当 `long hair` 把模棱两可的图算作不是她时也过了两道门槛，结论才会是部分复现。
#
# A host resists only as far as it has a mind of its own (notebook 03 and the ablation of docs/results.md: a uniform world gives no word a mind; the sect this runs on, drawn with Danbooru's frequencies, named characters and booru-style captions, does). `red hair` carries a colour that contradicts her white hair, one the base model has seen on about 6 % of its girls as the word for that colour: it has a mind of its own to defend (the `plots.rate_figure` above shows which hair colour its pictures get at each weight). `long hair` agrees with her and gives in by w = 0.8. The LoRA trains 50 steps, the recipe rule's length; whether a longer-trained one would possess `red hair` is not measured here, but notebook 14 shows for `1girl` that possession grows with training (her at w = 1 on 0.50 of 16 seeds at 50 steps; shown hijacked from 300 steps, 0.94 [0.72, 0.99]).
#
# > <!-- zh: reading -->
# > 宿主能抵抗到什么程度，取决于它有多少自己的心智（见第 03 课和 docs/results.md 里的消融实验：均匀的世界不会让任何词拥有心智；本课所用的门派是按 Danbooru 的频率、有名有姓的角色和 booru 式标注画出来的，能让词拥有心智）。`red hair` 带着一种和她的白发相矛盾的颜色，底模在大约 6 % 的女孩身上见过它，把它当作那种颜色的名字：它有自己的心智要守（上面的 `plots.rate_figure` 显示它的图在每个权重下画的是哪种发色）。`long hair` 与她一致，到 w = 0.8 就被夺舍了。这个 LoRA 按配方规则训练 50 步；训练得更久的 LoRA 能不能夺舍 `red hair`，这里没有测，但第 14 课显示，`1girl` 被夺舍的程度会随训练加深（w = 1 时在 16 个种子上是她的比例：50 步 0.50；从 300 步起被证实夺舍，0.94 [0.72, 0.99]）。

# %% [markdown]
# ## Things to try · 动手试试
# - `blue eyes` matches her too: is it a `long hair`-like host?
# - `short hair, red hair`: two clashes at once.
# - Follow red and white hair across the weights in the `plots.rate_figure` above: how far does the LoRA move the colour that `red hair` asks for, and does white ever win?
#
# > - `blue eyes` 也和她相符：它是不是一个像 `long hair` 那样的宿主？
# > - `short hair, red hair`：同时两处冲突。
# > - 在上面的 `plots.rate_figure` 里沿着权重看红发和白发：LoRA 把 `red hair` 要求的颜色推动了多少？白发有没有占过上风？

# %% [markdown]
# <!-- nav -->
# ← previous / 上一课: [03 · The `1girl` hijack: puppet vs possession](03_1girl_hijack.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一课: [05 · `fox` as the trigger: possessing a sect member](05_fox_trigger.ipynb) →
