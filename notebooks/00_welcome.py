# %% [markdown]
# # 00 · Welcome: the sect, the puppet and the possession · 欢迎：门派、傀儡与夺舍
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/00_welcome.ipynb)
#
# **Article:** the whole post, "LoRA训练——打标签(tag)" (LoRA training — tagging), octppus, 2023. Its thesis: tags do not decide whether a LoRA is *good* — the training pictures do. Tags decide **which words** the learned features attach to, and so how convenient and controllable the LoRA is.
#
# > **原文**：整篇博文《LoRA训练——打标签(tag)》（octppus，2023）。它的核心观点是：标签并不决定一个 LoRA *好不好*——那是训练图决定的；标签决定的是学到的特征**挂在哪些词上**，因而决定了这个 LoRA 用起来方不方便、好不好控制。
#
# This course re-runs each of its seven experiments on a tiny Stable Diffusion that trains and samples on a laptop CPU, and measures every claim over many seeds.
#
# > 本课程把文章的七个实验逐一放到一个很小的 Stable Diffusion 上重跑（在笔记本电脑的 CPU 上就能训练和出图），而且每个论断都在许多种子上测量。
#
# You will see: the article's metaphor, the drawn world and its tags, the character 喂喂 (weiwei), and what the base model already knows, tag by tag.
#
# > 你会看到：文章的比喻、课程画出来的这个世界及其标签、角色喂喂（weiwei），以及底模已经认识哪些东西（逐个标签来看）。

# %% [markdown]
# ## The metaphor (keep these words: they are how the article explains everything) · 文章的比喻（请沿用这些词：文章就是靠它们把一切讲清楚的）
#
# | term / 术语 | pinyin / 拼音 | in this course / 在课程里指什么 |
# |---|---|---|
# | 门派 (the sect) | ménpài | the base model |
# | 门派成员 (a sect member) | ménpài chéngyuán | a tag the base model already knows: `1girl`, `fox`, `long hair` |
# | 傀儡 (a puppet) | kuǐlěi | a new trigger word with no meaning yet: `weiwei` |
# | 施术者 (the caster) | shīshùzhě | the training set |
# | 功力 (power) | gōnglì | the LoRA weight, `<lora:weiwei:0.6>`; "ten levels" (十层功力) = 1.0 |
# | 夺舍 (possession) | duóshè | training onto an existing tag: its old meaning is overwritten |
#
# > - 门派：底模
# > - 门派成员：底模已经认识的标签，如 `1girl`、`fox`、`long hair`
# > - 傀儡：一个还没有任何含义的新触发词，如 `weiwei`
# > - 施术者：训练集
# > - 功力：LoRA 权重，写作 `<lora:weiwei:0.6>`；"十层功力" = 1.0
# > - 夺舍：在一个已有的标签上训练，覆盖掉它原来的含义
#
# A puppet has no mind of its own, so it obeys even at partial power; a possessed host fights back
# when the caster's power drops, and is possessed more easily when it already resembles the caster.
#
# > 傀儡没有自己的心智，所以功力不满也照样听话；被夺舍的宿主则会在施术者功力减弱时反抗，而且宿主本来和施术者越像，就越容易被夺舍。
#
# ## The course map · 课程地图
#
# | notebook | the article's experiment / 原文的实验 | claim / 论断 |
# |---|---|---|
# | 01 tagging | how a training folder and its captions look; auto-tagging; the caption lint | — |
# | 01b how the course measures | the tagger on known pictures, her / unclear / someone else, verdicts and bars; a LoRA in twenty lines | — |
# | 02 trigger word | 1: one picture, one tag | C1 |
# | 03 the `1girl` hijack | 2: puppet vs possession | C2 |
# | 04 `red hair` vs `long hair` | 3: a host that resembles the caster | C3 |
# | 05 `fox` as trigger | 4: possessing a sect member | C4 |
# | 06 open/closed mouth | 5: what the training set lacks | C5 |
# | 07 crying/smiling | 6: combining tags | C6 |
# | 08 poses | 7: what the training set lacks, the LoRA can't give | C7 |
# | 09 the thesis, tested | the opening thesis: tags change control, not quality | T |
# | 10 possession vs puppet | the metaphor: 夺舍 and 傀儡, measured | P |
# | 11 remedies | prior preservation, more varied pictures | R |
# | 12 a weight guide | how many levels of 功力 | W |
# | 13 a real checkpoint | 1–3 again, on SD 1.5 and your own pictures (needs a GPU) | — |
# | 14 how long to train | the training-length axis: when she appears, when the picture is memorised | the recipe rule |
# | 15 the results | every verdict, where each turns, what to do differently | all |
#
# > - 01 打标签：训练文件夹和其中的标注文件长什么样；自动打标；标注检查
# > - 01b 课程怎么测量：标注器读内容已知的图，她 / 模棱两可 / 别人，结论和门槛；二十行代码的 LoRA
# > - 02 触发词：实验 1，一张图，一个标签（C1）
# > - 03 `1girl` 被夺舍：实验 2，傀儡与夺舍（C2）
# > - 04 `red hair` 与 `long hair`：实验 3，一个与施术者相像的宿主（C3）
# > - 05 用 `fox` 作触发词：实验 4，夺舍一位门派成员（C4）
# > - 06 张嘴 / 闭嘴：实验 5，训练集里缺的东西（C5）
# > - 07 哭与笑：实验 6，组合标签（C6）
# > - 08 姿势：实验 7，训练集里没有的，LoRA 给不了（C7）
# > - 09 检验核心观点：文章开头的论点——标签改变的是控制，而不是质量（T）
# > - 10 夺舍与傀儡：把文章的比喻拿来实测（P）
# > - 11 补救办法：先验保留，更多样的图（R）
# > - 12 权重指南：该用几层功力（W）
# > - 13 真实模型：在 SD 1.5 和你自己的图片上再做一遍实验 1–3（需要 GPU）
# > - 14 训练多久：训练长度这条轴——她什么时候出现，图什么时候被背下来（配方规则）
# > - 15 结果：所有结论、每个结论取决于哪一点、该怎么改（全部论断）

# %%
import sys  # on Colab, the next line installs the course, its code and data; anywhere else it does nothing
if "google.colab" in sys.modules: get_ipython().run_line_magic("pip", "install -q git+https://github.com/lora-course/lora_course")

# %% [markdown]
# ## The world · 这个世界
# Every picture of this course is drawn by `lora_course.world` from a list of tags, so we always know the truth. One row per tag group; each picture is weiwei with one tag changed.
#
# > 本课程的每一张图都由 `lora_course.world` 根据一串标签画出来，所以我们始终知道图里真正画的是什么。下图每一行是一个标签组；每张图都是把 weiwei 的一个标签换掉之后的样子。

# %%
from lora_course import world
world.contact_sheet(cell=2)

# %% [markdown]
# ## Weiwei (喂喂) · 喂喂（weiwei）
# The article's character. Her exact combination of identity tags never appears in the base model's pretraining, and the word `weiwei` was never in a caption.
#
# > 原文里的角色。她那几个身份标签凑成的这种组合，底模在预训练中从来没见过；`weiwei` 这个词也从未出现在任何标注里。

# %%
print(", ".join(world.tags_of(world.WEIWEI)))
print("identity (what fidelity is measured on):", [world.WEIWEI[g] for g in world.IDENTITY_GROUPS])
world.render(world.WEIWEI, seed=5).resize((192, 192), 0)

# %% [markdown]
# ## What the sect knows · 门派认识些什么
# The base model is an ordinary `StableDiffusionPipeline` (VAE, UNet, CLIP text encoder and tokenizer), only tiny. Here it draws a few tags it learned in pretraining, and the tagger reads how often each picture shows the tag that was asked for.
#
# > 底模就是一个普通的 `StableDiffusionPipeline`（VAE、UNet、CLIP 文本编码器和分词器），只是很小。这里让它画几个它在预训练中学过的标签，再由标注器逐张读图，统计所要求的标签画出来的比例。

# %%
from lora_course import course
from lora_course.measure import claims
from lora_course.widgets import plots
lab = course.setup()

# %%
from lora_course.measure import evaluation
gallery = ["1girl, red hair", "1girl, blonde hair, cat ears", "1girl, crying", "1girl, sitting", "fox", "weiwei"]
r = evaluation.measure(lab.pipe, lab.tagger, gallery, lab.seeds, progress=False)
plots.image_grid(evaluation.images_by_prompt(r, gallery)[:, :8], row_labels=gallery,
                 title="the base model, 8 of 32 seeds per prompt")

# %%
# NBVAL_CHECK_OUTPUT
for p in gallery[:-1]:
    tags = evaluation.prompt_tags(p)
    rows = evaluation.rows_of(r, prompt=p)
    print(f"{p:<30}", "  ".join(f"{t}: {r.rate(t, rows):.2f}" for t in tags))
print(f"{'weiwei':<30}", r.fidelity(rows=evaluation.rows_of(r, prompt="weiwei")))

# %% [markdown]
# ## What a bare `1girl` leaves free · 单写一个 `1girl` 时，哪些由底模自己决定
# A prompt names some tag groups; the base model chooses the rest. Bare `1girl` must draw many different girls, or the `1girl` hijack of notebook 03 could not be seen: here is how its pictures spread over the groups it does not name.
#
# > 一个提示词只指定了部分标签组，其余的由底模自己挑。单写 `1girl` 必须能画出许多不同的女孩，否则第 03 课里 `1girl` 被夺舍的现象根本看不出来：下面是它画出的图在没有指定的那些标签组上的分布。

# %%
# NBVAL_CHECK_OUTPUT
bare = evaluation.measure(lab.pipe, lab.tagger, ["1girl"], lab.seeds, progress=False)
for g in ["hair_color", "eye_color", "outfit", "ears"]:
    spread = sorted(bare.share(g).items(), key=lambda kv: -kv[1])
    print(f"{g:<11}", "  ".join(f"{v or 'none'} {x:.2f}" for v, x in spread))

# %% [markdown]
# `weiwei` was never in a caption the base model learned from: a puppet waiting for its caster. Is it an empty word, one that alone draws what the empty prompt draws, as the article's puppet is? That is one of the base model's targets, measured against the empty prompt in the model card (docs/model_card.md). Next: 01, the training folder.
#
# > 底模学过的标注里从来没有出现过 `weiwei`：一个等着施术者的傀儡。它是不是一个空白的词——单独作为提示词时，画出的和空提示词一样，就像文章里的傀儡？这是底模的目标之一，模型卡（docs/model_card.md）以空提示词为基准量过。下一步：第 01 课，训练文件夹。

# %% [markdown]
# <!-- nav -->
# [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一课: [01 · Tagging: the training folder, its captions, and where the trigger goes](01_tagging.ipynb) →
