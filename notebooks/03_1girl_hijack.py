# %% [markdown]
# # 03 · The `1girl` hijack: puppet vs possession · `1girl` 被夺舍：傀儡与夺舍
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/03_1girl_hijack.ipynb)
#
# **Article:** experiment 2. With the same one-picture LoRA at full weight, the author prompts `1girl` and still gets weiwei: the picture contained 1girl features, so the LoRA pulled `1girl` toward her too. At weight 0.6, `weiwei` still reproduces her while `1girl` starts to show other features.
#
# > **原文**：实验 2。作者用同一个单图 LoRA，在满权重下写提示词 `1girl`，得到的仍然是 weiwei：那张图里本来就有 `1girl` 的特征，所以 LoRA 把 `1girl` 也拉向了她。权重 0.6 时，`weiwei` 仍能把她画回来，`1girl` 却开始露出别的特征。
#
# The article's explanation: `1girl` is a **门派成员** (a member of the sect, a tag the base model knows). Training onto it is **夺舍** (possession): the host's own mind fights back when the caster's **功力** (power, the LoRA weight) drops. The puppet `weiwei` has no mind of its own, so it obeys even at partial power.
#
# > 文章的解释是：`1girl` 是一位**门派成员**（底模认识的标签）。把特征训练到它身上，就是**夺舍**：施术者的**功力**（LoRA 权重）一降，宿主自己的心智就会反抗。傀儡 `weiwei` 没有自己的心智，所以即使功力不满也照样听话。
#
# You will see: `weiwei` and `1girl` side by side at every weight, their fidelity curves, and whether the gap at w = 0.6 is there.
#
# > 你会看到：每个权重下 `weiwei` 和 `1girl` 并排的图，它们的还原度曲线，以及 w = 0.6 时两者之间是否真有差距。

# %%
import sys  # on Colab, the next line installs the course, its code and data; anywhere else it does nothing
if "google.colab" in sys.modules: get_ipython().run_line_magic("pip", "install -q git+https://github.com/lora-course/lora_course")

# %%
from lora_course import course
from lora_course.measure import claims, readings
from lora_course.widgets import plots
from lora_course.measure.experiments import C2   # what this notebook draws, declared once for the course
lab = course.setup()

# %%
weiwei = lab.train("weiwei_1")


# %% [markdown]
# ## The article's pictures first · 先看文章的图
# The article shows pictures, not numbers. Here are its prompts on the first four seeds, drawn three ways: by the base model alone, by the article's LoRA (the one this notebook's verdict reads: 800 steps, a text-encoder LoRA beside the UNet LoRA, a recipe chosen by pre-registered rules on a calibration character, E12 in the experiment log), and by the light recipe's (50 steps, UNet only), each LoRA at w = 0.6 and 1. Look at `1girl`: does it turn into her at w = 1, and does it keep a face of its own at 0.6?
#
# > 文章给的是图，不是数字。下面用前四个种子，把文章的提示词按三种方式各画一遍：只用底模；用文章的 LoRA（本课的结论读的就是它：训练 800 步，UNet LoRA 旁边还有一个文本编码器 LoRA，这个配方由几条事先登记的规则在一个校准角色上选出，见实验日志里的 E12）；用轻配方的 LoRA（50 步，只训练 UNet）。两个 LoRA 都取 w = 0.6 和 1。看 `1girl`：w = 1 时它会不会变成她？w = 0.6 时它还保不保得住自己的样子？

# %%
course.article_pictures(lab, "weiwei_1", C2.prompts[:2])

# %%
strong_host = C2.prompts[2]   # "1girl" naming colours of its own: a host with a mind of its own
sw = lab.sweep(C2.prompts, weiwei)
lab.grid(sw, title="one LoRA (trained on `weiwei` only), three prompts")

# %%
lab.weights_grid(sw, "1girl", weights=(0.0, 0.6, 1.0))

# %%
plots.fidelity_figure(sw, list(C2.prompts), per_group=False)

# %% [markdown]
# ## Does the host have a mind of its own? · 宿主有没有自己的心智？
# Possession can only be resisted by a host with a mind: the base model must draw something *different* for `1girl` than for the puppet `weiwei`. Same seed, the two prompts: how far apart are the identity attributes they draw (total-variation distance, 0 = the same distribution), and for how many seeds does the prompt change nothing the tagger can see?
#
# > 只有有心智的宿主才抵抗得了夺舍：底模给 `1girl` 画的东西，必须和给傀儡 `weiwei` 画的*不一样*。同一个种子、两个提示词：它们画出的身份属性相差多远（用总变差距离衡量，0 = 分布完全相同）？又有多少个种子上，换了提示词，标注器却看不出任何变化？

# %%
# NBVAL_CHECK_OUTPUT
from lora_course.measure import evaluation, stats
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
verdict = claims.c2(sw)
verdict.show()

# %%
plots.verdict_figure(verdict)   # the verdict on one number line: each measured number against its bar

# %%
readings.explain(verdict)

# %% [markdown]
# ## Reading it: the puppet, the host and the unclear pictures · 怎么读这个结果：傀儡、宿主与模棱两可的图
# - **Three checks.** The hijack: is `1girl` her on at least half of the seeds at w = 1? At w = 0.6, does `weiwei` still hold (bar 0.5), and is it her at least 0.4 more often than `1girl` (the puppet's lead)?
# - **Unclear pictures** (one blue and one green eye, say) count as not her under both prompts, so the lead compares like with like; a check line prints the other reading where it would change the outcome.
# - **A host needs a mind**: at w = 0 the base model must draw another girl for `1girl` than for `weiwei`. The table's last column (distance, same identity) shows how far apart they start and whether the LoRA pulls them together.
# - **The strong host** (3) contradicts her colours: does this LoRA reach it?
# - **Beyond this LoRA**: notebook 14 maps both halves along the light recipe's training; "The ablation" in docs/experiment_log.md (entry "Before this log") shows what gives a host its mind.
#
# > <!-- zh: reading -->
# > - **三项检验。** 夺舍：w = 1 时，`1girl` 画成她的种子至少占一半吗？w = 0.6 时，`weiwei` 还守得住吗（门槛 0.5）？它画成她的比例比 `1girl` 至少高 0.4 吗（傀儡的领先幅度）？
# > - **模棱两可的图**（比如一只眼睛蓝、一只眼睛绿）在两个提示词下都算作不是她，这样领先幅度才是用同一把尺子量出来的；另一种读法若会改变结果，检验行会把它印出来。
# > - **宿主要有心智**：w = 0 时，底模给 `1girl` 画的女孩必须和给 `weiwei` 画的不一样。表格最后一栏（距离、身份相同的比例）显示两者起初相差多远，以及 LoRA 是否把它们拉到一起。
# > - **强宿主**（3）写明的颜色和她的颜色相冲突：这个 LoRA 影响得到它吗？
# > - **这个 LoRA 之外**：这两方面怎样随轻配方的训练变化，见第 14 课的相图；什么让宿主有了心智，见 docs/experiment_log.md 里 "Before this log" 那一条的 "The ablation" 一节。

# %% [markdown]
# ## Things to try · 动手试试
# - Our world has no `1boy`, but it has `fox`: how hijacked is `fox`?
# - Take the text-encoder LoRA away: `lab.train("weiwei_1", LoraTrainConfig(steps=800, unet_lr=5e-4), name="unet_only")` (`from lora_course.lora import LoraTrainConfig`; minutes on a CPU), or the light recipe's `lab.train_light("weiwei_1")` (UNet only, seconds). Sweep it as above and compare the gap at 0.6: which half of the LoRA keeps the puppet ahead?
# - Train with an empty caption now and then: `lab.train("weiwei_1", replace(course.ARTICLE_LORA, keep_tokens=0, caption_dropout=0.3), name="dropout")` (`from dataclasses import replace`): does an empty caption spread her further?
#
# > - 我们的世界里没有 `1boy`，但有 `fox`：`fox` 被夺舍得有多厉害？
# > - 去掉文本编码器上的 LoRA：`lab.train("weiwei_1", LoraTrainConfig(steps=800, unet_lr=5e-4), name="unet_only")`（先 `from lora_course.lora import LoraTrainConfig`；在 CPU 上要几分钟），或者用轻配方的 `lab.train_light("weiwei_1")`（只训练 UNet，几秒钟）。像上面那样扫描，再比较 0.6 时的差距：让傀儡保持领先的，是 LoRA 的哪一半？
# > - 训练时不时用空标注：`lab.train("weiwei_1", replace(course.ARTICLE_LORA, keep_tokens=0, caption_dropout=0.3), name="dropout")`（先 `from dataclasses import replace`）：空标注会不会让她扩散得更远？

# %% [markdown]
# ## Your turn: the weight slider · 动手：权重滑块
# Move the power (功力) and watch the host give in: the same seeds are drawn again at each weight, and the tagger reads every picture. Try `weiwei`, `1girl` and the strong host in the prompt, or write the weight into it as in A1111: `1girl, <lora:weiwei_1:0.6>`. The slider redraws when you let go of it.
#
# > 拖动功力滑块，看着宿主一点点屈服：每个权重下都会重新画同一批种子，标注器读取每一张图。提示词里可以试 `weiwei`、`1girl` 和那个强宿主，也可以像 A1111 那样把权重直接写进提示词：`1girl, <lora:weiwei_1:0.6>`。松开滑块时才会重新出图。

# %%
from lora_course import widgets
widgets.SliderLab.from_lab(lab, prompt="1girl", lora_name=weiwei, weight=0.6, n_images=8)

# %% [markdown]
# <!-- nav -->
# ← previous / 上一课: [02 · One picture, one tag: the trigger word](02_trigger_word.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一课: [04 · `red hair` vs `long hair`: a host that resembles the caster](04_red_hair.ipynb) →
