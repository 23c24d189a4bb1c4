# %% [markdown]
# # 01 · Tagging: the training folder, its captions, and where the trigger goes · 打标签：训练文件夹、标注文件，以及触发词放在哪里
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/01_tagging.ipynb)
#
# **Article:** the opening sections: what a tag is ("this word = these visual features"), why a prompt `girl` gives a girl (the base model maps the word to girl features) and why adding a character name gives the intersection of both.
#
# > **原文**：开头几节：标签是什么（"这个词 = 这些视觉特征"）；为什么写提示词 `girl` 会得到一个女孩（底模把这个词对应到女孩的特征上）；以及为什么再加上一个角色名，得到的就是两者的交集。
#
# You will see: a kohya-style dataset folder, a caption file, the tag tools (trigger first, add, remove, replace, frequency), the tagger auto-tagging a folder as WD14 does, the caption lint, and how the course measures every later experiment: her, unclear (模棱两可) or someone else, and what a verdict means.
#
# > 你会看到：一个 kohya 格式的数据集文件夹、一个标注文件、几样标签工具（触发词放最前、增加、删除、替换、词频统计）、像 WD14 那样给整个文件夹自动打标的标注器、标注检查，还有课程怎样测量后面的每个实验：一张图是她、模棱两可、还是别人，以及结论是什么意思。

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

# %% [markdown]
# ## A training folder · 训练文件夹
# kohya's layout: a folder per concept named `<repeats>_<name>`, holding each picture and a `.txt` caption of comma-separated tags beside it.
#
# > kohya 的目录结构：每个概念一个文件夹，命名为 `<repeats>_<name>`，里面放着每一张图，每张图旁边是它的 `.txt` 标注文件，内容是用逗号分隔的标签。

# %%
import shutil, tempfile
from pathlib import Path
from lora_course import world
from lora_course.datasets import dataset, training_sets
work = Path(tempfile.mkdtemp()) / "my_set"
shutil.copytree(training_sets.DATA_DIR / "mouth_2", work)
for p in sorted(work.rglob("*")):
    print(p.relative_to(work.parent), "->", p.read_text(encoding="utf-8").strip() if p.suffix == ".txt" else "")

# %%
# NBVAL_CHECK_OUTPUT
ds = dataset.load_dataset(work)
for c in ds.concepts:
    print(f"concept {c.name!r}: {len(c.items)} pictures x {c.repeats} repeats")
print(dataset.tag_frequency(ds))

# %% [markdown]
# ## Tag tools · 标签工具
# Every edit is written atomically, and the old caption is kept in `.backup/`: no caption is ever lost.
#
# > 每次修改都是原子写入（不会只写一半），旧标注会保存在 `.backup/` 里：任何一份标注都不会丢。

# %%
# NBVAL_CHECK_OUTPUT
dataset.replace_tag_everywhere(ds, "weiwei", "喂喂")     # a Chinese trigger works end to end
dataset.add_tag_everywhere(ds, "1girl")
dataset.set_trigger(ds, "喂喂")                            # the trigger first (kohya's keep_tokens=1)
for it in ds.items:
    print(it.image_path.name, "->", dataset.caption_text(it.tags))
print("backups kept:", len(list(work.rglob(".backup/*.txt"))))

# %% [markdown]
# ## Auto-tagging, like WD14 · 像 WD14 那样自动打标
# The tagger reads each picture and writes the tags it sees above a threshold (`0.35`, WD14's default), one per exclusive group, with the trigger first. Existing captions are kept unless you ask to overwrite them (and then they are backed up).
#
# > 标注器读取每张图，写下概率超过阈值（`0.35`，WD14 的默认值）的标签：每个互斥的标签组只写一个，触发词放在最前面。已有的标注会原样保留，除非你要求覆盖（覆盖之前会先备份）。

# %%
# NBVAL_CHECK_OUTPUT
from lora_course.tagger import Tagger, autotag_folder
fresh = work.parent / "auto" / "5_weiwei"
fresh.mkdir(parents=True)
for i, s in enumerate([1, 2, 3]):
    world.render(world.WEIWEI, seed=s).save(fresh / f"{i}.png")
written = autotag_folder(fresh, Tagger.load(), always_first=["weiwei"], undesired=["standing"])
for name, tags in written.items():
    print(name, "->", ", ".join(tags))

# %% [markdown]
# Where the trigger goes, and which tags to keep, is what the next notebooks measure: a tag attaches the picture's features to its word.
#
# > 触发词放在哪里、保留哪些标签，正是接下来几课要测量的：一个标签会把图里的特征挂到它这个词上。

# %% [markdown]
# ## Before training: the caption lint · 训练之前：标注检查
# What the captions will do to a LoRA can be read before any training, from the captions alone. `caption_lint` reads a kohya folder and says, per concept folder, what the course measured in its later notebooks:
# - **`named_everywhere`**: a tag in every caption keeps its feature on its own word; the trigger alone will not draw it ([09](09_thesis.ipynb)).
# - **`trigger_only`**: no tag names what every picture shares, so the trigger absorbs all of it, and at full weight prompts that draw a similar picture are pulled too: the `1girl` hijack, 夺舍 ([03](03_1girl_hijack.ipynb), [09](09_thesis.ipynb)).
# - **`never_varies`** and **`few_pictures`**: what every picture shows (one mouth, one pose) comes with the trigger, and the other value is hard to get ([06](06_mouth.ipynb), [08](08_poses.ipynb)).
# - and the plain mistakes: the trigger missing or not first, captions past the text encoder's window, one tag spelled several ways, a tag twice, the same picture twice, and every file the loader would refuse.
#
# > 标注会把 LoRA 带成什么样，不用训练，光读标注就能看出来。`caption_lint` 读取一个 kohya 文件夹，按概念文件夹逐个告诉你课程在后面几课里测出的结果：
# > - **`named_everywhere`**：出现在每个标注里的标签，会把它的特征留在自己这个词上；只写触发词画不出这个特征（[09](09_thesis.ipynb)）。
# > - **`trigger_only`**：没有标签描述所有图共有的东西，于是触发词把它们全吸收了；满权重时，本来就画相似图的提示词也会被拉过去：`1girl` 被夺舍（[03](03_1girl_hijack.ipynb)、[09](09_thesis.ipynb)）。
# > - **`never_varies`** 和 **`few_pictures`**：每张图都一样的东西（同一种嘴型、同一个姿势）会跟着触发词一起出来，另一种取值就很难画出来（[06](06_mouth.ipynb)、[08](08_poses.ipynb)）。
# > - 还有那些单纯的失误：缺少触发词或触发词不在最前、标注超出文本编码器能读的长度、同一标签有几种写法、一个标签写了两次、同一张图放了两次，以及读取数据集时会被拒收的所有文件。

# %%
# NBVAL_CHECK_OUTPUT
from lora_course.datasets import caption_lint
for name in ("weiwei_1", "thesis_full"):
    report = caption_lint.lint_folder(training_sets.folder(name))
    print(report.text("en"), report.text("zh"), sep="\n", end="\n\n")

# %% [markdown]
# Every training set of the course, one line each: which findings the lint reports (the sets of the later notebooks are built to show one lesson each, so most of them carry the notes above on purpose).
#
# > 课程里的每个训练集各占一行：标注检查报告了哪些问题（后面几课的训练集各自是为演示一个道理而做的，所以大多数故意带着上面那几条提示）。

# %%
# NBVAL_CHECK_OUTPUT
for s in training_sets.SETS:
    kinds = [f.kind for f in caption_lint.lint_folder(training_sets.folder(s.name)).findings]
    print(f"{s.name:<15} {', '.join(kinds) or '-'}")

# %% [markdown]
# The same from a terminal, on your own folder: `python -m lora_course.datasets.caption_lint path/to/your_set` (add `--lang zh` for Chinese only, `--json` for the data). The tag editor below shows these findings for your edits as you make them, and marks the pictures each one names.
#
# > 在终端里，也可以对你自己的文件夹做同样的检查：`python -m lora_course.datasets.caption_lint path/to/your_set`（加 `--lang zh` 只看中文，加 `--json` 输出数据）。下面的标签编辑器会随着你的修改实时显示这些检查结果，并在相关的图片旁做上记号。

# %% [markdown]
# ## How the course measures · 课程怎么测量
# Every later notebook draws pictures and counts. The tagger reads each picture group by group (hair colour, hair length, eyes, dress, ears, mouth, expression, pose) and gives one value per group. A picture is **her** when all five identity groups show her values (white hair, long hair, blue eyes, pink dress, fox ears). When the tagger cannot decide a group, it says **unclear** (模棱两可): not a blurry picture, an ambiguous one — two different eyes, a colour between two, a half-open mouth. A partly trained or partly weighted LoRA draws many of them. Here are some, from the first LoRA of the course:
#
# > 后面每一课都是先画图、再计数。标注器逐组读取每张图（发色、发长、眼睛、裙子、耳朵、嘴、表情、姿势），每组给出一个值。五个身份组都是她的值（白发、长发、蓝眼、粉裙、狐耳），这张图才算**她**。标注器定不下某一组时，就把这一组读作**模棱两可**：不是图糊了，而是图本身两可——两只眼睛颜色不同、颜色介于两种之间、嘴半张半闭。练到一半、或者权重没开满的 LoRA 会画出很多这样的图。下面是课程第一个 LoRA 画出的几张：

# %%
from lora_course import course
from lora_course.widgets import plots
lab = course.setup()
weiwei = lab.train("weiwei_1")
sw = lab.sweep(["weiwei", "1girl"], weiwei)
plots.unclear_grid(sw)

# %% [markdown]
# So every picture is one of three things: her, unclear, or clearly someone else. Below, for `1girl` at each LoRA weight: the pink part is her, the yellow part unclear, the grey part someone else. A claim must say how it counts the yellow part; the article's claims count an unclear picture as *not* what was asked (the article's pictures show a clean her), and the course prints the other way beside every check where it would change the outcome. The two whiskers are the 95 % intervals of the two countings of her: yellow as not her (top of the pink bar), yellow as her (top of the yellow bar).
#
# > 所以每张图只会是三种之一：她、模棱两可、或者明显是别人。下面是 `1girl` 在每个 LoRA 权重下的情况：粉色部分是她，黄色部分模棱两可，灰色部分是别人。一个论断必须说清楚黄色部分怎么算；文章的论断把模棱两可的图算作*不是*提示词要的样子（文章里的图都是清清楚楚的她）；凡是另一种读法会改变结果的地方，课程都会把那种读法的结果印在这项检验旁边。两根误差线是两种读法下"她"的比例的 95 % 区间：黄色算作不是她（粉色柱顶），黄色算作是她（黄色柱顶）。

# %%
plots.three_ways_figure(sw, "1girl")

# %% [markdown]
# **Verdicts.** Each claim of the article becomes a few checks, each a share of pictures (or a difference of two) against a bar, decided on its 95 % interval: a check **passes** when the whole interval is on the article's side of the bar, **fails** when it is wholly on the other side, and is **undecided** when it straddles the bar. A claim is REPRODUCED (复现) when every check passes, NOT REPRODUCED (未复现) when every check fails, PARTLY (部分复现) when some pass and some fail, and UNDECIDED (未定) when an open check could still tip it; under each verdict the course says why, check by check. The bars are fixed before any measurement: 0.5 for "her" or "most pictures", 0.4 for a clear difference between two prompts, 0.3 for "hard to get" or a change the article would notice, 0.7 for a feature under control, 0.1 for "absent".
#
# > **结论。** 文章的每个论断都拆成几项检验，每项检验拿一个图片比例（或两个比例之差）和一道门槛比，按它的 95 % 区间来判定：整个区间都落在门槛靠文章的那一边，检验**通过**；整个区间都在另一边，检验**不通过**；区间跨在门槛上，就是**未定**。每项检验都通过，论断"复现"；每项都不通过，"未复现"；有通过也有不通过，"部分复现"；还有未定的检验、可能让结论倒向任何一边，就是"未定"。每个结论下面，课程都会逐项说明原因。门槛在任何测量之前就定好了：0.5 表示"是她"或"大多数图"，0.4 表示两个提示词之间明显的差距，0.3 表示"很难得到"或文章会注意到的变化，0.7 表示一个特征可控，0.1 表示"没有"。

# %% [markdown]
# **Training runs.** Training a LoRA is itself a draw: the same picture and recipe with another training seed gives a slightly different LoRA, and at some points of the course the runs disagree more than the seeds do. So the course trains every LoRA its claims read **three times** (training seeds 0, 1 and 2) and splits each point's seeds between the three runs in turn. Every interval resamples the runs first, then the seeds within them, so it speaks for "a LoRA trained this way", not for one lucky or unlucky run; each check line prints the three runs' own shares beside it (`runs 0.91 · 1.00 · 0.80`), and a check that is open because the runs disagree says so: more runs, not more seeds, would narrow it.
#
# > **独立训练。** 训练 LoRA 本身也是一次抽样：同一张图、同一个配方，换一个训练种子，得到的 LoRA 就会略有不同；在课程的某些点上，几次独立训练之间的差别比种子之间的还大。所以凡是论断要读的 LoRA，课程都做**三次独立训练**（训练种子 0、1、2），每个点的种子轮流分给这三次训练。每个区间都先对独立训练重抽样，再对其中的种子重抽样，所以它说的是"这样训练出来的 LoRA"，而不是某一次碰巧好或碰巧坏的训练；每一行检验旁边都印着三次训练各自的比例（`runs 0.91 · 1.00 · 0.80`）。如果一项检验因为几次训练彼此不一致而未定，检验行会直说：要收窄区间，得多做几次独立训练，光加种子不够。

# %% [markdown]
# ## Your turn: the tag editor · 动手：标签编辑器
# The same tools with the mouse, on the copy made above: click a tag to remove it (click it again to put it back), type tags to add them, or edit every picture at once; the table counts the pictures that carry each tag. Nothing is written until **save**, and saving keeps every old caption in `.backup/`.
#
# > 还是这些工具，换成用鼠标操作，作用在上面复制出来的那份数据上：点一个标签就删掉它（再点一次放回去），输入标签就能添加，也可以一次修改所有图片；表格统计每个标签出现在几张图上。点 **save** 之前什么都不会写入，保存时每一份旧标注都会留在 `.backup/` 里。

# %%
from lora_course import widgets
widgets.TagEditor(work)

# %% [markdown]
# <!-- nav -->
# ← previous / 上一课: [00 · Welcome: the sect, the puppet and the possession](00_welcome.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一课: [02 · One picture, one tag: the trigger word](02_trigger_word.ipynb) →
