# %% [markdown]
# # 03 · The `1girl` hijack: puppet vs possession · `1girl` 被劫持：傀儡与夺舍
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/03_1girl_hijack.ipynb)
#
# **Article:** experiment 2. With the same one-picture LoRA at full weight, the author prompts `1girl` and still gets weiwei: the picture contained 1girl features, so the LoRA pulled `1girl` toward her too. At weight 0.6, `weiwei` still reproduces her while `1girl` starts to show other features.
#
# > **原文**：实验 2。作者用同一个单图 LoRA，在满权重下写 prompt `1girl`，得到的仍然是 weiwei：那张图里本来就有 1girl 的特征，所以 LoRA 把 `1girl` 也拉向了她。权重 0.6 时，`weiwei` 仍能把她画回来，`1girl` 却开始露出别的特征。
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
# > 只有有心智的宿主才抵抗得了夺舍：底模给 `1girl` 画的东西，必须和给傀儡 `weiwei` 画的*不一样*。同一个 seed、两个 prompt：它们画出的身份属性相差多远（用总变差距离衡量，0 = 分布完全相同）？又有多少个 seed 上，换了 prompt 却没有任何标注器看得出的变化？

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
# ## Why the host does or does not fight back · 宿主为什么会反抗，或者为什么不反抗
# In a real anime model `1girl` is one of the most trained tags there is: it pulls toward its own typical features, while a puppet word pulls toward nothing. The distances above measure that pull in our world: a host can only resist possession if the base model draws something *different* for it than for the puppet.
#
# > <!-- zh: reading -->
# > 在真实的二次元模型里，`1girl` 是训练得最多的标签之一：它会把图拉向自己那一套典型特征，而傀儡词什么方向也不拉。上面的距离测的就是我们这个世界里的这股拉力：只有底模给宿主画的东西和给傀儡画的*不一样*，宿主才可能抵抗夺舍。
#
# Which property of a base model gives a host that mind was measured by an ablation (docs/results.md, "The ablation"): the first, uniform sect was trained on for 1,000 more steps on five variants of its world. Danbooru's frequencies alone gave `1girl` a typical look but left `weiwei` drawing the same girl (the same identity on 30 of 32 seeds); names alone, or booru-style partial captions alone, changed nothing either. Only the three together — real frequencies, a cast of named characters whose looks the captions spell out less often, and captions that tag identity but rarely mouth or pose — made `weiwei` read as *a particular unknown girl* (the same identity as `1girl` on 1 seed of 32), and then the host resisted: at w = 0.6 the puppet was her on 32 of 32 seeds and `1girl` on 20 (gap +0.38). The sect this notebook runs on is that world. The third prompt is a stronger host still: it names other colours, and its curve shows how much power (功力) it takes to possess it.
#
# > <!-- zh: reading -->
# > 底模的哪一种性质能让宿主有这份心智，是用一次消融实验测出来的（docs/results.md 的 "The ablation" 一节）：把最初那个属性均匀分布的门派，在它这个世界的五种变体上各自再训练 1,000 步。光有 Danbooru 的频率，`1girl` 有了典型的长相，但 `weiwei` 画出来的仍是同一个女孩（32 个 seed 中有 30 个身份相同）；光有名字，或者光有 booru 式的不完整标注，也都没有改变什么。只有三者齐备——真实的频率、一批有名有姓的角色（标注较少写明她们的长相）、以及写明身份却很少写嘴型或姿势的标注——`weiwei` 才被读成*某个不认识的特定女孩*（与 `1girl` 身份相同的只有 32 个 seed 中的 1 个），宿主这才抵抗起来：w = 0.6 时，傀儡在 32 个 seed 中 32 个都是她，`1girl` 只有 20 个（差距 +0.38）。本 notebook 所用的门派就是在这个世界上训出来的。第三个 prompt 是个更强的宿主：它点名了别的颜色，它的曲线显示要多少功力才能夺舍它。

# %% [markdown]
# ## Things to try · 动手试试
# - Our world has no `1boy`, but it has `fox`: how hijacked is `fox`?
# - Give the text encoder a LoRA too (`text_encoder_lr=1e-3`, as kohya does by default) and compare the gap at 0.6.
# - Train with `keep_tokens=0, caption_dropout=0.3`: does an empty caption spread her further?
#
# > - 我们的世界里没有 `1boy`，但有 `fox`：`fox` 被劫持得有多厉害？
# > - 给文本编码器也加上 LoRA（`text_encoder_lr=1e-3`，kohya 默认就会这样做），再比较 0.6 时的差距。
# > - 用 `keep_tokens=0, caption_dropout=0.3` 训练：空标注会不会让她扩散得更远？

# %% [markdown]
# ## Your turn: the weight slider · 动手：权重滑块
# Move the power (功力) and watch the host give in: the same seeds are drawn again at each weight, and the tagger reads every picture. Try `weiwei`, `1girl` and the strong host in the prompt, or write the weight into it as in A1111: `1girl, <lora:weiwei_1:0.6>`. The slider redraws when you let go of it.
#
# > 拖动功力，看着宿主一点点屈服：每个权重下都会重新画同一批 seed，标注器读取每一张图。prompt 里可以试 `weiwei`、`1girl` 和那个更强的宿主，也可以像 A1111 那样把权重直接写进 prompt：`1girl, <lora:weiwei_1:0.6>`。松开滑块时才会重新出图。

# %%
from lora_course import widgets
widgets.SliderLab.from_lab(lab, prompt="1girl", lora_name=weiwei, weight=0.6, n_images=8)

# %% [markdown]
# <!-- nav -->
# ← previous / 上一篇: [02 · One picture, one tag: the trigger word](02_trigger_word.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一篇: [04 · `red hair` vs `long hair`: a host that resembles the caster](04_red_hair.ipynb) →
