# %% [markdown]
# # 12 · Beyond the article: a weight guide (how many levels of 功力?) · 延伸：权重指南（该用几层功力？）
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/12_weight_guide.ipynb)
#
# **Article:** every experiment: the author lowers the weight (功力, "levels of power") by eye until the picture looks right. The post never says how to choose it.
#
# > **原文**：每个实验都一样：作者凭肉眼把权重（功力）往下调，直到图看起来对了为止。文章从没说过权重该怎么选。
#
# A guide computed from a sweep: the **lowest weight at which she holds** (identity fidelity ≥ 0.5) **while the prompt's other tags still work** (drawn in ≥ 0.7 of the pictures). A lower weight leaves more room to the prompt, and notebook 10 measures how far a LoRA moves an unrelated prompt at w = 0.6 and at w = 1 (its reading says whether the lower weight does less damage). So among the weights that pass, the guide takes the lowest.
#
# > <!-- zh: reading -->
# > 一份由扫描结果算出来的指南：找出**既能画出她**（身份还原度 ≥ 0.5）、**提示词里的其他标签又依然管用**（至少 0.7 的图里画了出来）的**最低权重**。权重越低，留给提示词的余地越大；第 10 课测了 LoRA 在 w = 0.6 和 w = 1 时把一个无关提示词带偏多远（低权重是不是伤得更少，见那一课的"怎么读这个结果"）。所以在越过门槛的权重里，指南取最低的那个。
#
# You will see: the guide applied to every LoRA of the article's experiments and the pruned-tag LoRA of notebook 09, each with a prompt asking for something its pictures do not all show.
#
# > 你会看到：这份指南用在文章各个实验的 LoRA 上，以及第 09 课的精简标签 LoRA 上；每个 LoRA 都配一个提示词，要的东西在它的训练图里并不是每张都有。

# %%
import sys  # on Colab, the next line installs the course, its code and data; anywhere else it does nothing
if "google.colab" in sys.modules: get_ipython().run_line_magic("pip", "install -q git+https://github.com/lora-course/lora_course")

# %%
from lora_course import course
from lora_course.measure import claims, experiments, readings
from lora_course.widgets import plots
lab = course.setup()

# %%
from lora_course.measure import weight_guide
uses = experiments.USES          # each LoRA and the prompt a user would draw it with
loras = {s: lab.train(s) for s in uses}
sweeps = {s: lab.sweep([p], loras[s], weights=weight_guide.WEIGHTS) for s, p in uses.items()}

# %%
advice = {s: weight_guide.recommend(sweeps[s], p) for s, p in uses.items()}
plots.guide_figure(advice)

# %%
# NBVAL_CHECK_OUTPUT
print(weight_guide.table(list(advice.values()), list(advice)))

# %% [markdown]
# ## Verdict (claim W) · 结论（论断 W）

# %%
# NBVAL_CHECK_OUTPUT
verdict = claims.weight_guide(advice)
verdict.show()

# %%
readings.explain(verdict)

# %% [markdown]
# ## Reading it · 怎么读这个结果
#
# - **What the guide asks.** At each weight, the *lower* ends of two 95 % intervals must clear their bars: her (0.5) and the prompt's other tags (0.7). The table gives the lowest weight where both do.
# - **Unclear pictures count against both bars**, so a weight the guide gives holds however they are read. Unclear tags the guide does not check cost nothing.
# - **A row that says `none passes`**: the verdict's first check says why: more seeds could find a weight, the unclear pictures decide it, or none can pass.
# - **Why LoRAs differ.** `fox` is a possessed (夺舍) host with a mind of its own (notebook 05: the animal returns as the power drops), so under `fox_1` her and the pose may sit near their bars. Compare its row with the puppet `weiwei_1`.
# - **The article** lowers the weight by eye; the second check asks whether that pays: is some LoRA's weight below full power?
#
# > <!-- zh: reading -->
# > - **指南要求什么。** 在每个权重上，两个 95 % 区间的*下界*都要越过各自的门槛：画成她（0.5），以及提示词里的其他标签（0.7）。表里给出两者都越过的最低权重。
# > - **模棱两可的图对两道门槛都不利**，所以指南给出的权重，不管按哪种读法都站得住。指南不检查的那些标签组即使模棱两可，也不扣分。
# > - **某一行写着 `none passes`**：结论的第 1 项检验会说明原因：加种子也许能找到权重；结果取决于模棱两可的图怎么算；或者哪个权重都不可能通过。
# > - **LoRA 之间为什么不同。** `fox` 是被夺舍的宿主，有自己的心智（第 05 课：功力一降，动物狐狸就回来了），所以 `fox_1` 画出的"是她"和坐姿，都可能刚好卡在门槛附近。拿它那一行和傀儡 `weiwei_1` 比一比。
# > - **文章**凭肉眼调低权重；第 2 项检验问的是这样做值不值：有没有哪个 LoRA 的推荐权重低于十层功力？

# %% [markdown]
# ## Things to try · 动手试试
# - Your own prompt: `weight_guide.recommend(lab.sweep(["weiwei, smile"], loras["weiwei_1"]), "weiwei, smile")`.
# - Where a row finds no weight at these seeds, try more, e.g. for `fox_1`: `weight_guide.recommend(lab.sweep(["fox, sitting"], loras["fox_1"], weights=weight_guide.WEIGHTS, seeds=range(96)), "fox, sitting")`.
# - A stricter bar: `weight_guide.recommend(..., target=0.8)`. Which LoRAs still have a weight?
#
# > - 换成你自己的提示词：`weight_guide.recommend(lab.sweep(["weiwei, smile"], loras["weiwei_1"]), "weiwei, smile")`。
# > - 某一行在这些种子上找不到权重时，多加种子试试，比如 `fox_1`：`weight_guide.recommend(lab.sweep(["fox, sitting"], loras["fox_1"], weights=weight_guide.WEIGHTS, seeds=range(96)), "fox, sitting")`。
# > - 把门槛提高：`weight_guide.recommend(..., target=0.8)`。还有哪些 LoRA 找得到越过门槛的权重？

# %% [markdown]
# <!-- nav -->
# ← previous / 上一课: [11 · Beyond the article: the remedies users reach for](11_remedies.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一课: [13 · The same recipe on a real Stable Diffusion](13_real_sd.ipynb) →
