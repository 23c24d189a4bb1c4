# %% [markdown]
# # 01b · How the course measures, and what a LoRA is · 课程怎么测量，LoRA 又是什么
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/01b_how_we_measure.ipynb)
#
# **Article:** none of its sections: the article shows one picture per experiment and says what it sees. The course draws many pictures per point instead and lets a tagger count them. This notebook is the course's measuring stick, shown once, so that the later notebooks can simply use it.
#
# > **原文**：不对应文章的任何一节。文章每个实验只给一张图，然后说它看到了什么；课程则在每个点上画很多张图，让标注器来数。本课把课程的这把量尺展示一次，后面各课直接拿来用就行。
#
# You will see: the tagger reading pictures whose contents we know, what a reading of **unclear** (模棱两可) looks like, how every picture becomes her, unclear or someone else, what the verdict words mean and why the bars sit where they do, and, opened once, the box every later notebook calls: a LoRA added to one attention layer and trained for one step.
#
# > 你会看到：标注器读几张我们事先知道画了什么的图；读成**模棱两可**的图是什么样子；每张图怎样归为她、模棱两可或别人；那几个结论词各是什么意思，门槛为什么定在那里；最后，把后面每一课都要调用的黑箱打开一次：在一个注意力层上加一个 LoRA，训练一步。

# %%
import sys  # on Colab, the next line installs the course, its code and data; anywhere else it does nothing
if "google.colab" in sys.modules: get_ipython().run_line_magic("pip", "install -q git+https://github.com/lora-course/lora_course")

# %%
import numpy as np
from lora_course import course, world
from lora_course.widgets import plots
lab = course.setup()

# %% [markdown]
# ## The tagger reads a picture · 标注器读一张图
# The tagger is the course's WD14: a small network that looks at a 64-pixel picture and gives one value per tag group (hair colour, hair length, eyes, dress, ears, mouth, expression, pose). A measuring stick is only worth its readings on things we know, so here are four pictures drawn by the world itself, each with a known content: her; her with red hair; her with two different eyes; her with a mouth half-way between open and closed.
#
# > 标注器就是课程里的 WD14：一个小网络，看一张 64 像素的图，对每个标签组（发色、发长、眼睛、裙子、耳朵、嘴、表情、姿势）各给出一个值。一把量尺靠不靠得住，只能看它在已知的东西上读得准不准，所以下面四张图都是这个世界自己画的，内容事先知道：她；红发的她；两只眼睛颜色不同的她；嘴半张半闭的她。

# %%
known = {"her": world.render(world.WEIWEI, seed=3),
         "red hair": world.render(world.with_(world.WEIWEI, hair_color="red hair"), seed=3),
         "two different eyes": world.render(world.WEIWEI, seed=3,
                                            ambiguity=world.Ambiguity("eye_color", "odd eyes", "red eyes")),
         "half-open mouth": world.render(world.WEIWEI, seed=3, ambiguity=world.Ambiguity("mouth", "half open"))}
plots.image_grid(np.stack([np.asarray(p) for p in known.values()]), col_labels=list(known), cell=1.4)

# %%
readings = lab.tagger.read(list(known.values()))
readings

# %% [markdown]
# A picture counts as **her** when all five identity groups show her values (white hair, long hair, blue eyes, pink dress, fox ears); the share of such pictures is the course's **identity fidelity** (身份还原度). The mouth is not part of who she is, so the half-open mouth is still her; the red hair is not; and two different eyes are neither blue eyes nor another colour, so the tagger says **unclear** for that group and the picture does not count as her.
#
# > 五个身份组读出的都是她的值（白发、长发、蓝眼、粉裙、狐耳），这张图才算**她**；这样的图所占的比例，就是课程说的**身份还原度**。嘴不属于"她是谁"，所以嘴半张的那张仍然是她；红发的那张就不是；两只颜色不同的眼睛既不是蓝眼，也不是别的哪一种颜色，所以标注器对这一组读出**模棱两可**，这张图也就不算她。

# %%
for i, what in enumerate(known):
    print(f"{what:20s} her: {'yes' if readings.fidelity(rows=[i]).all == 1 else 'no'}")

# %% [markdown]
# ## What unclear looks like · 模棱两可的图是什么样子
# When the tagger cannot decide a group it says **unclear** (模棱两可): not a blurry picture, an ambiguous one — two different eyes, a colour between two, a half-open mouth. A partly trained or partly weighted LoRA draws many of them. Here are some, from the article's one-picture LoRA (the one notebook 02 decides its verdict on, shipped with the course), on `weiwei` and `1girl` at several weights:
#
# > 标注器定不下某一组时，就把这一组读作**模棱两可**：不是图糊了，而是图本身两头都像——两只眼睛颜色不同、颜色介于两种之间、嘴半张半闭。练到一半、或者权重没开满的 LoRA 会画出很多这样的图。下面是文章的单图 LoRA（第 02 课判定结论用的就是它，随课程一起提供）用 `weiwei` 和 `1girl`、在几个不同权重下画出的一些图：

# %%
weiwei = lab.train("weiwei_1")
sw = lab.sweep(["weiwei", "1girl"], weiwei)
plots.unclear_grid(sw)

# %% [markdown]
# ## Her, unclear, or someone else · 她、模棱两可，还是别人
# So every picture is one of three things: her, unclear, or clearly someone else. Below, for `1girl` at each LoRA weight: the pink part is her, the yellow part unclear, the grey part someone else. A claim must say how it counts the yellow part. The article's claims count an unclear picture as *not* what was asked (the article's pictures show a clean her), and the course prints the other way beside every check where it would change the outcome. The two whiskers are the 95 % intervals of the two countings of her: yellow as not her (top of the pink bar), yellow as her (top of the yellow bar).
#
# > 所以每张图只会是三种之一：她、模棱两可，或者明显是别人。下图是 `1girl` 在每个 LoRA 权重下的情况：粉色部分是她，黄色部分是模棱两可，灰色部分是别人。一个论断必须说清楚黄色部分怎么算。文章的论断把模棱两可的图算作*不是*提示词要的样子（文章里的图都是清清楚楚的她）；凡是换一种读法会改变结果的检验，课程都会在它旁边印出另一种读法的结果。两根误差线是两种读法下"她"的比例的 95 % 区间：黄色算作不是她（粉色柱顶），黄色算作是她（黄色柱顶）。

# %%
plots.three_ways_figure(sw, "1girl")

# %% [markdown]
# ## Verdicts and bars · 结论和门槛
# Each claim of the article becomes a few checks, each a share of pictures (or a difference of two) against a bar, decided on its 95 % interval: a check **passes** when the whole interval is on the article's side of the bar, **fails** when it is wholly on the other side, and is **undecided** when it straddles the bar. A claim is REPRODUCED (复现) when every check passes, NOT REPRODUCED (未复现) when every check fails, PARTLY (部分复现) when some pass and some fail, and UNDECIDED (未定) when an open check could still tip it; under each verdict the course says why, check by check: more seeds would decide it, or the unclear pictures do, or the check missed its bar.
#
# > 文章的每个论断都拆成几项检验，每项检验拿一个图片比例（或两个比例之差）和一道门槛比，按它的 95 % 区间来判定：整个区间都落在门槛靠文章的那一边，检验**通过**；整个区间都在另一边，检验**不通过**；区间跨在门槛上，就是**未定**。每项检验都通过，论断"复现"；每项都不通过，"未复现"；有通过也有不通过，"部分复现"；只要还有未定的检验可能改变结论，就是"未定"。每个结论下面，课程都会逐项说明原因：是再多些种子就能定下来，还是模棱两可的图左右了结果，还是检验没过门槛。

# %% [markdown]
# The bars were fixed before any measurement, each from what the article's words would mean to a reader looking at a handful of pictures:
#
# | bar | for | why there |
# |---|---|---|
# | 0.5 | "it is her", "most pictures" | more often than not: what one picture in the article stands for |
# | 0.4 | a clear difference between two prompts | a gap you would see in a row of ten pictures without counting |
# | 0.3 | "hard to get", a change the article would notice | one picture in three: rare enough to be hard, common enough to be seen |
# | 0.7 | a feature under control | the prompt wins by a wide margin, not just more often than not |
# | 0.1 | "absent" | one picture in ten at most |
#
# > 门槛在做任何测量之前就定好了；每一道怎么定，看的是只看了几张图的读者会怎样理解文章的那句话：
# >
# > | 门槛 | 用于 | 为什么定在这里 |
# > |---|---|---|
# > | 0.5 | "是她"、"大多数图" | 多于一半：文章里的一张图代表的就是这个 |
# > | 0.4 | 两个提示词之间的明显差别 | 一排十张图，不用数也看得出来的差距 |
# > | 0.3 | "很难画出来"、文章会注意到的变化 | 三张里有一张：少到称得上难，又多到看得出来 |
# > | 0.7 | 一个特征可控 | 提示词明显占上风，而不只是多于一半 |
# > | 0.1 | "没有" | 十张里最多一张 |

# %% [markdown]
# **Training runs.** Training a LoRA is itself a draw: the same picture and recipe with another training seed gives a slightly different LoRA, and at some points of the course the runs disagree more than the seeds do. So the course trains every LoRA its claims read **three times** (training seeds 0, 1 and 2; trained once and shipped in `data/loras`, so `lab.train` loads them) and splits each point's seeds between the three runs in turn. Every interval resamples the runs first, then the seeds within them, so it speaks for "a LoRA trained this way", not for one lucky or unlucky run; each check line prints the three runs' own shares beside it, and a check that is open because the runs disagree says so: more runs, not more seeds, would narrow it.
#
# > **独立训练。** 训练 LoRA 本身也是一次抽样：同一张图、同一个配方，换一个训练种子，得到的 LoRA 就会略有不同；在课程的某些点上，几次独立训练之间的差别比种子之间的还大。所以凡是论断要用到的 LoRA，课程都训练**三次**（训练种子 0、1、2；只训练一次，随课程放在 `data/loras` 里，`lab.train` 直接加载），每个点的种子轮流分给这三次独立训练。每个区间都先对独立训练重抽样，再对其中的种子重抽样，所以它说的是"这样训练出来的 LoRA"，而不是某一次碰巧好或碰巧坏的训练；每一行检验旁边都印着三次训练各自的比例。如果一项检验是因为几次训练彼此不一致而未定，这一行会直接写明：要收窄它，该多做几次独立训练，而不是多加种子。

# %% [markdown]
# ## Open the box: a LoRA in twenty lines · 打开黑箱：二十行代码的 LoRA
# Every later notebook calls `lab.train`, which uses peft on many layers at once. Here is the same idea by hand, on one layer. A linear layer computes `W x`. A LoRA leaves `W` frozen and adds a low-rank update: `W x + w·(α/r)·B A x`, where `A` (r × in) starts random, `B` (out × r) starts at zero (so the LoRA starts as a no-op), `r` is the rank, `α` its scale, and `w` the weight you set when you use it: the article's **功力**. We put it on the key projection of a cross-attention layer, where the words of the prompt meet the picture:
#
# > 后面每一课调用的 `lab.train`，都是用 peft 一次给很多层加上 LoRA。这里在一层上把同样的思路手写一遍。线性层算的是 `W x`。LoRA 把 `W` 冻结不动，只加一个低秩的增量：`W x + w·(α/r)·B A x`。其中 `A`（`r × in`）随机初始化，`B`（`out × r`）从零开始（所以 LoRA 一开始什么也不改），`r` 是秩，`α` 是它的缩放系数，`w` 是使用时设的权重，也就是文章说的**功力**。我们把它加在一个交叉注意力层的键投影（`to_k`）上：提示词里的词正是在这里和画面相遇的。

# %%
import copy, torch
from torch import nn

class LoRALinear(nn.Module):
    """W x + w·(α/r)·B A x: the frozen layer plus a low-rank update, scaled by the weight w."""
    def __init__(self, base: nn.Linear, r: int = 4, alpha: float = 4.0, seed: int = 0):
        super().__init__()
        self.base, self.r, self.alpha, self.w = base.requires_grad_(False), r, alpha, 1.0
        g = torch.Generator().manual_seed(seed)
        self.A = nn.Parameter(torch.randn(r, base.in_features, generator=g) / base.in_features ** 0.5)
        self.B = nn.Parameter(torch.zeros(base.out_features, r))

    def forward(self, x):
        return self.base(x) + self.w * (self.alpha / self.r) * (x @ self.A.T @ self.B.T)

    def merged(self):            # the one matrix a merged LoRA file would give
        return self.base.weight + self.w * (self.alpha / self.r) * self.B @ self.A

lab.unload()                     # the bare base model: the LoRA loaded above is taken out
unet = copy.deepcopy(lab.pipe.unet).requires_grad_(False)
name, attn = next((n, m) for n, m in unet.named_modules() if n.endswith("attn2"))
attn.to_k = LoRALinear(attn.to_k)
print(name + ".to_k:", tuple(attn.to_k.base.weight.shape), "plus A", tuple(attn.to_k.A.shape), "and B", tuple(attn.to_k.B.shape))

# %% [markdown]
# One training step: her training picture, encoded by the VAE, noised at a random timestep; her caption `weiwei`, encoded by the text encoder; the UNet predicts the noise's target; the squared error is back-propagated into `A` and `B` only (the course's trainer does exactly this, many times, on every attention layer: `lora_course.sd.diffusion`; the article's recipe puts a LoRA on the text encoder's layers too, so the caption's encoding learns as well).
#
# > 训练一步：她的训练图先由 VAE 编码，再在随机的时间步加噪；她的标注 `weiwei` 由文本编码器编码；UNet 预测由噪声算出的目标；平方误差只反向传播到 `A` 和 `B` 上（课程的训练器做的正是这件事，只不过是在每个注意力层上、重复很多次：`lora_course.sd.diffusion`；文章的配方还在文本编码器的层上也加了 LoRA，所以标注的编码也跟着学）。

# %%
from lora_course.sd import diffusion, sampling
x0 = sampling.encode_images(lab.pipe.vae, sampling.to_tensor(course.training_pictures("weiwei_1")))
cond = sampling.encode_prompts(lab.pipe.tokenizer, lab.pipe.text_encoder, ["weiwei"])
alphas, target = diffusion.noise_schedule(lab.pipe)
opt = torch.optim.AdamW([attn.to_k.A, attn.to_k.B], lr=1e-3)
loss = diffusion.diffusion_loss(unet, x0, cond, alphas, torch.Generator().manual_seed(0), target)
loss.backward(); opt.step()
print("B was zero; after one step its largest entry is", f"{attn.to_k.B.abs().max().item():.0e}")

# %% [markdown]
# The weight `w` scales the update, nothing else: at `w = 0` the layer is the base model's, at `w = 1` it is the full LoRA, and in between it is the matrix `W + w·(α/r)·B·A`. Below, the layer's output on the prompt's embedding equals that one merged matrix times the input at every weight:
#
# > 权重 `w` 只缩放这个增量，别的都不动：`w = 0` 时这一层就是底模原来的那一层，`w = 1` 时是完整的 LoRA，介于两者之间时就是矩阵 `W + w·(α/r)·B·A`。下面验证：在每个权重下，这一层对提示词嵌入的输出，都等于这一个合并后的矩阵乘以输入：

# %%
with torch.no_grad():
    for w in (0.0, 0.6, 1.0):
        attn.to_k.w = w
        same = torch.allclose(attn.to_k(cond), cond @ attn.to_k.merged().T, atol=1e-5)
        print(f"w = {w}: layer output == (W + w·(α/r)·B·A) x: {same}")

# %% [markdown]
# ## Things to try · 动手试试
# - Draw your own known pictures: `world.render(world.with_(world.WEIWEI, eye_color="green eyes"), seed=5)`, or another ambiguity (`world.Ambiguity("hair_color", "mix", "blonde hair", 0.5)`), and read them with `lab.tagger.read`. At what `amount` does a mixed colour stop being read as white?
# - Put `LoRALinear` on the value projection (`attn.to_v`) as well, run twenty steps instead of one, and watch the loss.
#
# > - 画几张你自己知道内容的图：`world.render(world.with_(world.WEIWEI, eye_color="green eyes"), seed=5)`，或者换一种模棱两可的画法（`world.Ambiguity("hair_color", "mix", "blonde hair", 0.5)`），再用 `lab.tagger.read` 读一读。`amount` 调到多少，混合的颜色就不再被读成白色？
# > - 把 `LoRALinear` 也加到值投影（`attn.to_v`）上，训练二十步而不是一步，看看损失怎么变。

# %% [markdown]
# <!-- nav -->
# ← previous / 上一课: [01 · Tagging: the training folder, its captions, and where the trigger goes](01_tagging.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一课: [02 · One picture, one tag: the trigger word](02_trigger_word.ipynb) →
