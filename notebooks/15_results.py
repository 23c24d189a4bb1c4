# %% [markdown]
# # 15 · The results: every verdict, and what to do differently · 结果：所有结论，以及该怎么改
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/15_results.ipynb)
#
# **Article:** the whole post, read back: its seven experiments and its thesis that tags decide what the trigger absorbs and what the prompt can still change.
#
# > **原文**：整篇文章回头再看一遍：七个实验，以及它的核心观点——标签决定了触发词吸收什么、prompt 还能改变什么。
#
# You will see: the verdict of every claim of the course with the numbers and 95 % intervals it was decided on (the article's seven and the course's four), one row of pictures per claim at the point its verdict turns on, and the take-aways for a LoRA trainer, each a sentence printed from a number the course measured.
#
# > 你会看到：课程里每个论断的结论，连同它所依据的数字和 95 % 区间（文章的七个，加上课程自己的四个）；每个论断一行图，取自决定它结论的那个点；最后是给 LoRA 训练者的要点，每一句都由课程实测的数字打印出来。
#
# Nothing here is typed in: every sweep is drawn exactly as its own notebook draws it (`lora_course.results.draw`), so after notebooks 02–14 it is read from the points they left in `build/points` and takes about a minute; run alone on a fresh clone it draws the whole course first (see the README's times).
#
# > 这里没有一个数字是手写的：每个扫描都和它所在的 notebook 画法完全相同（`lora_course.results.draw`），所以在跑过 notebook 02–14 之后，它直接读取留在 `build/points` 里的点，大约一分钟；如果在全新的 clone 上单独运行，它会先把整门课画一遍（时间见 README）。

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
# One line per claim: its verdict, the notebook that draws it, and the numbers it was decided on, each with its 95 % interval; for C5 and C7 also the same checks on the LoRAs trained 600 steps, the article's regime (notebook 14). REPRODUCED means every check's interval clears its bar, NOT REPRODUCED that every one misses it, PARTLY some of each, UNDECIDED that an interval still straddles a bar at these seeds.
#
# > 每个论断一行：结论、画它的 notebook、以及据以判定的数字，每个都带 95 % 区间；C5 和 C7 另外给出同样的检验在训练了 600 步的 LoRA 上的结果，也就是文章所处的状态（notebook 14）。"复现"表示每项检验的区间都越过了门槛，"未复现"表示每项都没越过，"部分复现"是两者都有，"未定"是在这些 seed 上还有区间跨在门槛上。

# %%
# NBVAL_CHECK_OUTPUT
print("\n".join(results.table(res)))

# %% [markdown]
# ## Where each verdict turns · 每个结论落在哪里
#
# One row per claim: the first eight seeds at the point its verdict turns on, and the share measured there on all its seeds. A share is what these rows are made of: count the pictures.
#
# > 每个论断一行：决定它结论的那个点上的前八个 seed，以及在全部 seed 上测得的比例。比例就是由这样一行行图组成的：数一数就知道。

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
# (written after the run)
#
# > <!-- zh: reading -->
# > （运行后填写）

# %% [markdown]
# ## Things to try · 动手试试
#
# - Change one thing upstream — the recipe's length (`course.DEFAULT_LORA`), the sampler (`lab.use_sampler(steps=8)`) — and run this notebook again: which verdicts move?
# - Draw every point on more seeds, `course.setup(seeds=64)`: which UNDECIDED verdicts decide?
#
# > - 改动上游的一处——配方的长度（`course.DEFAULT_LORA`）、采样器（`lab.use_sampler(steps=8)`）——再跑一遍这个 notebook：哪些结论会变？
# > - 用更多的 seed 画每个点，`course.setup(seeds=64)`：哪些"未定"的结论能定下来？

# %% [markdown]
# <!-- nav -->
# ← previous / 上一篇: [14 · How long to train: the training-length axis](14_how_long_to_train.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md))
