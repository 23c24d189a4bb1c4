# %% [markdown]
# # 01 · Tagging: the training folder, its captions, and where the trigger goes · 打标签：训练文件夹、标注文件，以及触发词放在哪里
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/01_tagging.ipynb)
#
# **Article:** the opening sections: what a tag is ("this word = these visual features"), why a prompt `girl` gives a girl (the base model maps the word to girl features) and why adding a character name gives the intersection of both.
#
# > **原文**：开头几节：标签是什么（"这个词 = 这些视觉特征"）；为什么写提示词 `girl` 会得到一个女孩（底模把这个词对应到女孩的特征上）；以及为什么再加上一个角色名，得到的就是两者的交集。
#
# You will see: a kohya-style dataset folder, a caption file, the tag tools (trigger first, add, remove, replace, frequency), the tagger auto-tagging a folder as WD14 does, and the caption lint. How the course measures what a LoRA draws comes next, in notebook 01b.
#
# > 你会看到：一个 kohya 格式的数据集文件夹、一个标注文件、几样标签工具（触发词放最前、增加、删除、替换、词频统计）、像 WD14 那样给整个文件夹自动打标的标注器，以及标注检查。课程怎样测量 LoRA 画出的图，放在下一课 01b。

# %%
import sys  # on Colab, the next line installs the course, its code and data; anywhere else it does nothing
if "google.colab" in sys.modules: get_ipython().run_line_magic("pip", "install -q git+https://github.com/lora-course/lora_course")

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
# ## Your turn: the tag editor · 动手：标签编辑器
# The same tools with the mouse, on the copy made above: click a tag to remove it (click it again to put it back), type tags to add them, or edit every picture at once; the table counts the pictures that carry each tag. Nothing is written until **save**, and saving keeps every old caption in `.backup/`.
#
# > 还是这些工具，换成用鼠标操作，作用在上面复制出来的那份数据上：点一个标签就删掉它（再点一次放回去），输入标签就能添加，也可以一次修改所有图片；表格统计每个标签出现在几张图上。点 **save** 之前什么都不会写入，保存时每一份旧标注都会留在 `.backup/` 里。

# %%
from lora_course import widgets
widgets.TagEditor(work)

# %% [markdown]
# <!-- nav -->
# ← previous / 上一课: [00 · Welcome: the sect, the puppet and the possession](00_welcome.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一课: [01b · How the course measures, and what a LoRA is](01b_how_we_measure.ipynb) →
