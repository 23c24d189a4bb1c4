# %% [markdown]
# # 15 · The results: every verdict, and what to do differently · 结果：所有结论，以及该怎么改
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/15_results.ipynb)
#
# **Article:** the whole post, read back: its seven experiments and its thesis that tags decide what the trigger absorbs and what the prompt can still change.
#
# > **原文**：整篇文章回头再看一遍：七个实验，以及它的核心观点——标签决定了触发词吸收什么、提示词还能改变什么。
#
# You will see: the verdict of every claim of the course with the numbers and 95 % intervals it was decided on (the article's seven and the course's four), one row of pictures per claim at the point its verdict turns on, and the take-aways for a LoRA trainer, each a sentence printed from a number the course measured.
#
# > 你会看到：课程里每个论断的结论，连同它所依据的数字和 95 % 区间（文章的七个，加上课程自己的四个）；每个论断一行图，取自决定它结论的那个点；最后是给 LoRA 训练者的要点，每一句都由课程实测的数字打印出来。
#
# Nothing here is typed in: every sweep is drawn exactly as its own notebook draws it (`lora_course.results.draw`), so after notebooks 02–14 it is read from the points they left in `build/points` and takes about a minute; run alone on a fresh clone it draws the whole course first (see the README's times).
#
# > 这里没有一个数字是手写的：每个扫描都和它所在那一课的画法完全相同（`lora_course.results.draw`），所以在跑过第 02–14 课之后，它直接读取留在 `build/points` 里的点，大约一分钟；如果在刚克隆下来的仓库里单独运行，它会先把整门课画一遍（时间见 README）。

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
from lora_course import course, results
lab = course.setup()

# %%
res = results.draw(lab)

# %% [markdown]
# ## Every verdict · 所有结论
#
# One line per claim: its verdict, the notebook that draws it, and the numbers it was decided on, each with its 95 % interval; for C5 and C7 also the same checks on the LoRAs trained 600 steps, the article's regime (notebook 14). Every check is read both ways, its unclear pictures counted against the claim and the other way round. REPRODUCED means every check's interval clears its bar both ways, NOT REPRODUCED that every one misses it both ways, PARTLY some of each, UNDECIDED that an interval still straddles a bar at these seeds or that the two readings disagree (the unclear pictures decide it). The numbers printed are those with the unclear pictures counted against the claim.
#
# > 每个论断一行：结论、画它的那一课、以及据以判定的数字，每个都带 95 % 区间；C5 和 C7 另外给出同样的检验在训练了 600 步的 LoRA 上的结果，也就是文章所处的状态（第 14 课）。每项检验都按两种读法来算：模棱两可的图算作不利于论断，以及反过来算。"复现"表示每项检验的区间两种读法都越过了门槛，"未复现"表示每项两种读法都没越过，"部分复现"是两者都有，"未定"是在这些种子上还有区间跨在门槛上，或者两种读法结论相反（由模棱两可的图决定）。打印出来的数字，是把模棱两可的图算作不利于论断时的数字。

# %%
# NBVAL_CHECK_OUTPUT
print("\n".join(results.table(res)))

# %% [markdown]
# ## Where each verdict turns · 每个结论落在哪里
#
# One row per claim: the first eight seeds at the point its verdict turns on, and the share measured there on all its seeds. A share is what these rows are made of: count the pictures.
#
# > 每个论断一行：决定它结论的那个点上的前八个种子，以及在全部种子上测得的比例。比例就是由这样一行行图组成的：数一数就知道。

# %%
results.moments_figure(res)

# %% [markdown]
# ## What to do differently · 该怎么改
#
# The take-aways for a LoRA trainer, each printed from the numbers it cites; where an interval does not decide, the sentence says so.
#
# > 给 LoRA 训练者的要点，每一条都由它引用的数字打印出来；区间定不下来的地方，句子里会直说。

# %%
# NBVAL_CHECK_OUTPUT
print("\n".join(results.takeaway_lines(res)))

# %% [markdown]
# ## Reading it · 怎么读这个结果
#
# **Three of the article's seven experiments reproduce; none of the course's own four claims does.** C1, C4 and C6 are REPRODUCED with the course's 50-step recipe. C5 and C7 turn on how far the LoRA has learned its one picture: at 50 steps the prompt still wins (a closed mouth on request, she sits); at 600 steps C5 is UNDECIDED (a closed mouth 0.53 [0.36, 0.69] with one picture, where the claim needs at most 0.3, and 1.00 with two), and C7 is UNDECIDED: she no longer sits at w = 1 (0.00), but at w = 0.6 her sitting is 0.88 with an unclear picture counted as her sitting, so her standing (1.00) leads by 0.12 [0.03, 0.25], less than the claim's 0.3; counted the other way, her sitting there is 0.31 and the lead 0.69 [0.53, 0.84] (notebook 08). At 600 steps and w = 0.6 the LoRA often draws her with two different eyes, one blue and one green, and those pictures decide the check. Both 600-step checks count an unclear picture on the prompt's side, as a closed mouth or as her sitting; counted the other way, the one-picture LoRA's closed mouth falls to 0.00 [0.00, 0.11] (notebook 06): asked for a closed mouth, the 600-step LoRA draws small marks that are neither the open "o" nor the closed line. C2 and C3 stay UNDECIDED: `1girl` at w = 1 is her on 0.53 [0.36, 0.69], an interval that straddles the claim's 0.5, and at w = 0.6 the host is still her on 0.53 of the seeds, so the puppet's lead (0.22) does not reach the claim's 0.4; `red hair` never draws her at any weight.
#
# > <!-- zh: reading -->
# > **文章的七个实验里有三个复现；课程自己的四个论断一个都没有复现。** C1、C4、C6 用课程 50 步的配方就复现了。C5 和 C7 取决于 LoRA 把它那张图学到了什么程度：50 步时提示词仍占上风（要闭嘴就闭嘴，她也能坐下）；到 600 步，C5 未定（只有一张图时闭嘴 0.53 [0.36, 0.69]，论断要求不超过 0.3；两张图时 1.00），C7 未定：w = 1 时她不再坐下（0.00），但在 w = 0.6 时，把模棱两可的图算作她坐着，她坐着的比例还有 0.88，所以她站着（1.00）只领先 0.12 [0.03, 0.25]，够不到论断要求的 0.3；反过来算，她在那里坐着的比例是 0.31，领先 0.69 [0.53, 0.84]（第 08 课）。600 步、w = 0.6 时，LoRA 常把她画成两只眼睛颜色不同，一蓝一绿，这项检验就由这些图决定。这两项 600 步的检验都把模棱两可的图算在提示词一边（算作闭嘴，或算作她坐着）；反过来算，单图 LoRA 的闭嘴降到 0.00 [0.00, 0.11]（第 06 课）：要它画闭嘴时，600 步的 LoRA 画出的是一些小小的记号，既不是张开的"o"，也不是闭着的那条线。C2 和 C3 仍是"未定"：w = 1 时 `1girl` 画成她的比例是 0.53 [0.36, 0.69]，这个区间跨在论断的 0.5 上；在 w = 0.6 时宿主仍有 0.53 的种子画成她，所以傀儡的领先（0.22）够不到论断要求的 0.4；`red hair` 在任何权重下都画不出她。
#
# **The take-aways are what a trainer can use.** Each number in them is read both ways, as the verdicts are, and where the unclear pictures move it the sentence prints the other reading too. A made-up trigger works; `1girl` draws her on about half of the seeds, at w = 1 and at w = 0.6 alike (0.53), but 0.84 and 0.31 with its unclear pictures counted the other way, so neither the hijack at w = 1 nor the host's freedom at w = 0.6 is shown; full tags keep `1girl` free but leave nothing of her in the trigger alone, while trigger-only and pruned captions leak her into `1girl` (0.56 and 0.56, or 0.81 and 0.81 the other way: a leak either way); a feature the set never shows is still obeyed at the recipe's length and falls to 0.53 by 600 steps (0.00 if its unclear mouths are read as not closed), not yet shown lost, and one more tagged picture keeps it; prior preservation frees `1girl` (0.53, or 0.84 the other way, → 0.06) at a price in `weiwei` (0.34) that 32 seeds do not yet pin down. Every sentence above is printed from its numbers: rerun the course with another recipe or base model and they change with them.
#
# > <!-- zh: reading -->
# > **这些要点是训练者可以直接拿去用的。** 其中每个数字都像结论那样按两种读法来算，模棱两可的图会改变它时，句子把另一种读法也印出来。新造的触发词管用；`1girl` 在 w = 1 和 w = 0.6 下都有大约一半的种子画成她（都是 0.53），但把模棱两可的图反过来算，分别是 0.84 和 0.31，所以 w = 1 时的夺舍和 w = 0.6 时宿主恢复自由都没有被证实；完整标签能让 `1girl` 保持自由，但单用触发词就画不出她了，而只写触发词或精简标签时，她会泄漏到 `1girl` 上（0.56 和 0.56，反过来算是 0.81 和 0.81：两种读法都泄漏）；训练集里从没出现过的特征，在配方长度下仍然听话，到 600 步降到 0.53（若把模棱两可的嘴读作没闭，就是 0.00），还不能说已经丢了，多加一张打好标签的图就能保住；先验保留能让 `1girl` 恢复自由（0.53，反过来算是 0.84，→ 0.06），代价落在 `weiwei` 身上（0.34），32 个种子还定不准有多大。上面每一句都由它的数字打印出来：换一个配方或底模重跑整门课，它们会跟着变。

# %% [markdown]
# ## Things to try · 动手试试
#
# - Change one thing upstream — the recipe's length (`course.DEFAULT_LORA`), the sampler (`lab.use_sampler(steps=8)`) — and run this notebook again: which verdicts move?
# - Draw every point on more seeds, `course.setup(seeds=64)`: which UNDECIDED verdicts decide?
#
# > - 改动上游的一处——配方的长度（`course.DEFAULT_LORA`）、采样器（`lab.use_sampler(steps=8)`）——再跑一遍本课：哪些结论会变？
# > - 用更多的种子画每个点，`course.setup(seeds=64)`：哪些"未定"的结论能定下来？

# %% [markdown]
# <!-- nav -->
# ← previous / 上一课: [14 · How long to train: the training-length axis](14_how_long_to_train.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md))
