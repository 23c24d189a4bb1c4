# %% [markdown]
# # 11 · Beyond the article: the remedies users reach for · 延伸：大家常用的补救办法
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/11_remedies.ipynb)
#
# **Article:** experiments 2 and 7: the `1girl` hijack, and poses the training set lacks. The article names the cause (the pictures) but not the remedies users reach for.
#
# > **原文**：实验 2 和实验 7：`1girl` 被夺舍，以及训练集里没有的姿势。文章指出了原因（出在训练图上），却没有讲大家通常会用的补救办法。
#
# Two remedies, each measured against the plain one-picture LoRA:
#
# > 两种补救办法，各自和普通的单图 LoRA 对比测量：
#
# 1. **prior preservation** (kohya's regularisation folder, DreamBooth's prior loss): train with ten pictures the base model itself draws for `1girl`, captioned `1girl`, so the LoRA also learns to leave `1girl` as it was;
# 2. **more varied pictures**: the four pictures of notebook 09's pruned captioning, standing and sitting, mouth open and closed, each tagged with what varies (`weiwei, closed mouth, sitting`, ...).
#
# > 1. **先验保留**（kohya 的正则化文件夹、DreamBooth 的先验损失）：训练时加上十张底模自己为 `1girl` 画的正则化图，标注为 `1girl`，让 LoRA 同时学会不去改动 `1girl`；
# > 2. **更多样的图**：第 09 课用精简标签打标的那四张图，有站有坐、有张嘴有闭嘴，每张只标出会变化的部分（`weiwei, closed mouth, sitting` 等）。
#
# You will see: the prior-preservation set, the hijack with and without it, her sitting with and without sitting pictures, and the verdict.
#
# > 你会看到：先验保留用的训练集；用与不用先验保留时 `1girl` 被夺舍的情况；训练集里有、没有坐姿图时，她分别能不能坐下；以及结论。

# %%
import sys  # on Colab, the next line installs the course, its code and data; anywhere else it does nothing
if "google.colab" in sys.modules: get_ipython().run_line_magic("pip", "install -q git+https://github.com/lora-course/lora_course")

# %%
from lora_course import course
from lora_course.measure import claims, experiments, readings
from lora_course.widgets import plots
lab = course.setup()

# %%
from lora_course.measure import remedies
plain = lab.train("weiwei_1")
reg_set = remedies.prior_preservation_set(lab.pipe, "weiwei_1")   # written to build/sets/weiwei_1_reg
course.show_set(reg_set)

# %%
reg = lab.train(reg_set, name="weiwei_reg")

# %%
sw_plain = lab.sweep(["weiwei", "1girl"], plain)                        # notebook 03's sweep
sw_reg = lab.sweep(["weiwei", "1girl"], reg, weights=experiments.REMEDY_WEIGHTS)   # the ends and the working weight
plots.compare_grid({"plain": sw_plain, "prior preservation": sw_reg}, weight=1.0,
                   title="w=1, seed 0: with and without prior preservation")

# %%
varied = lab.train("thesis_pruned")   # trained in notebook 09: loaded from build/loras
sw_pose, sw_varied = lab.sweep(["weiwei, sitting"], plain), lab.sweep(["weiwei, sitting"], varied)
lab.weights_grid(sw_varied, "weiwei, sitting", weights=(0.6, 1.0))

# %%
plots.remedies_figure(sw_plain, sw_reg, sw_pose, sw_varied)

# %% [markdown]
# ## Verdict (claim R) · 结论（论断 R）

# %%
# NBVAL_CHECK_OUTPUT
verdict = claims.remedies(sw_plain, sw_reg, sw_pose, sw_varied)
verdict.show()

# %%
readings.explain(verdict)

# %% [markdown]
# ## Reading it · 怎么读这个结果
# The verdict above tests the two remedies as two checks:
#
# - **Prior preservation (check 1).** The ten `1girl` pictures teach the LoRA to leave `1girl` as the base model drew it. `1girl`'s share of her must drop by at least 0.4 *and* `weiwei` must stay her on at least half the seeds: freeing `1girl` by losing the trigger is no remedy.
# - **Why the trigger may let go.** The article's recipe trains 800 steps, a length chosen for a one-picture set (E12 in the experiment log); here her picture is only half of what the LoRA trains on, so it sees her half as often, while the same LoRA must change `weiwei` and leave `1girl` as it was (notebook 03).
# - **Unclear pictures**, as the claim is written, count against the drop on both sides, so they can only narrow it.
# - **Sitting pictures (check 2)** need a missing pose first: her *and* sitting at most 0.3 without them, at least 0.5 with them. If the one-picture LoRA has not learned her standing pose by heart, `sitting` wins unaided; notebook 14 shows when longer training of the light recipe loses the pose.
#
# > <!-- zh: reading -->
# > 上面的结论把两种补救办法拆成两项检验：
# >
# > - **先验保留（第 1 项检验）。** 那十张 `1girl` 正则化图教 LoRA 让 `1girl` 保持底模原来的样子。`1girl` 画成她的比例要至少降 0.4，*同时* `weiwei` 仍要在至少一半的种子上画成她：靠丢掉触发词换来 `1girl` 不被夺舍，算不上补救。
# > - **触发词为什么可能守不住。** 文章的配方训练 800 步，这个长度是为单图训练集选的（见实验日志里的 E12）；这里她那张图只占训练样本的一半，LoRA 见到她的次数也只有一半，而同一个 LoRA 既要改变 `weiwei`，又要让 `1girl` 保持原样（第 03 课）。
# > - **模棱两可的图**按论断的写法，在两边都往不利于降幅的方向算，所以只会让降幅变小。
# > - **坐姿图（第 2 项检验）**的前提是这个姿势确实缺失：没有坐姿图时，既是她又坐着的比例不超过 0.3；有了之后至少 0.5。如果单图 LoRA 还没把她站着的姿势背下来，不靠坐姿图，提示词里的 `sitting` 自己就能赢；第 14 课展示了轻配方训练多久之后坐姿就画不出来了。

# %% [markdown]
# ## Things to try · 动手试试
# - Twenty prior pictures instead of ten: `remedies.prior_preservation_set(lab.pipe, "weiwei_1", seeds=range(1000, 1020))`.
# - Prior preservation for `fox`: `remedies.prior_preservation_set(lab.pipe, "fox_1", class_prompt="fox")`. Does the animal come back at w = 1?
# - Train the prior-preservation set longer: `lab.train(reg_set, LoraTrainConfig(steps=1600, unet_lr=5e-4, text_encoder_lr=2e-3), name="weiwei_reg_1600")` (`from lora_course.lora import LoraTrainConfig`; at 1600 steps it sees her picture as often as the one-picture set does in 800; minutes on a CPU). Sweep it like `reg` above and pass it to `claims.remedies` in place of `sw_reg`: does `weiwei` come back, and does `1girl` stay free?
# - Take the text-encoder LoRA away, so that only the frozen text encoder tells the two words apart: `lab.train(reg_set, LoraTrainConfig(steps=800, unet_lr=5e-4), name="weiwei_reg_unet")`, and sweep `weiwei` and `1girl` again. Does `weiwei` hold on worse, and does `1girl` stay free?
#
# > - 用二十张正则化图代替十张：`remedies.prior_preservation_set(lab.pipe, "weiwei_1", seeds=range(1000, 1020))`。
# > - 给 `fox` 做先验保留：`remedies.prior_preservation_set(lab.pipe, "fox_1", class_prompt="fox")`。w = 1 时动物狐狸会不会回来？
# > - 用先验保留训练集训练得更久一些：`lab.train(reg_set, LoraTrainConfig(steps=1600, unet_lr=5e-4, text_encoder_lr=2e-3), name="weiwei_reg_1600")`（先 `from lora_course.lora import LoraTrainConfig`；训练到 1600 步时，它见到她那张图的次数就和单图训练集 800 步时一样多了；在 CPU 上要几分钟）。像上面扫描 `reg` 那样扫描它，再用它代替 `sw_reg` 传给 `claims.remedies`：`weiwei` 会不会回来？`1girl` 能不能继续不被夺舍？
# > - 去掉文本编码器上的 LoRA，让这两个词只能靠冻结的文本编码器区分开：`lab.train(reg_set, LoraTrainConfig(steps=800, unet_lr=5e-4), name="weiwei_reg_unet")`，再扫描一次 `weiwei` 和 `1girl`。`weiwei` 会不会守得更差？`1girl` 能不能继续不被夺舍？

# %% [markdown]
# <!-- nav -->
# ← previous / 上一课: [10 · Beyond the article: possession (夺舍) vs puppet (傀儡), measured](10_possession.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一课: [12 · Beyond the article: a weight guide (how many levels of 功力?)](12_weight_guide.ipynb) →
