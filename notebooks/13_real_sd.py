# %% [markdown]
# # 13 · The same recipe on a real Stable Diffusion · 同一套做法，用在真正的 Stable Diffusion 上
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/13_real_sd.ipynb)
#
# **Article:** experiments 1–3 once more, the way the author ran them: a real checkpoint, pictures of a character, one trigger word.
#
# > **原文**：再做一遍实验 1–3，这次照作者的做法来：一个真正的底模、一个角色的图、一个触发词。
#
# The notebooks before this one ran on the course's tiny model, so that every claim could be measured on a laptop. Here the same `lora_course` code runs on a real SD 1.5-class checkpoint and your own pictures: the model is loaded by the same `base_model.load_pipeline` (float16 on the GPU), the pictures are captioned with the course's tag tools, the LoRA is trained by the same `lora.train_lora`, and the sweeps are the same XYZ plots.
#
# > 前面各课都跑在课程自带的小模型上，这样每个论断在笔记本电脑上就能测。这里，同一套 `lora_course` 代码跑在一个真正的 SD 1.5 级模型和你自己的图上：模型由同一个 `base_model.load_pipeline` 加载（在 GPU 上用 float16），图用课程的标签工具打标，LoRA 由同一个 `lora.train_lora` 训练，扫描画出来的也是同样的 XYZ plot。
#
# It needs a CUDA GPU and the Hugging Face hub (Colab's GPU runtime has both; the model is downloaded once, about 4 GB). Where they are missing, the next cell says so in one sentence and runs everything on a toy model of the same layout instead, on the CPU.
#
# > 本课需要 CUDA GPU 和 Hugging Face Hub（Colab 的 GPU 运行时两样都有；模型只下载一次，约 4 GB）。缺了其中任何一样，下一个单元格会用一句话说明原因，然后在 CPU 上换一个同样结构的玩具模型，把后面的全部内容跑一遍。

# %%
import sys  # on Colab, the next line installs the course, its code and data; anywhere else it does nothing
if "google.colab" in sys.modules: get_ipython().run_line_magic("pip", "install -q git+https://github.com/lora-course/lora_course")

# %% [markdown]
# ## Parameters · 参数
# On Colab, upload pictures of your character into a folder (the Files panel on the left) and name it in `MY_PICTURES`. One picture is enough, as in the article; square pictures crop best. `None` uses the course's own picture of weiwei (64 pixels, blurry at 512: bring your own).
#
# > 在 Colab 上，把你角色的图上传到一个文件夹里（左侧的"文件"面板），再把这个文件夹的路径填进 `MY_PICTURES`。和原文一样，一张图就够；正方形的图裁剪效果最好。填 `None` 则使用课程自带的那张 weiwei 图（只有 64 像素，放到 512 会很糊：最好用你自己的图）。

# %%
MODEL = "stable-diffusion-v1-5/stable-diffusion-v1-5"   # any SD 1.x diffusers model: hub id or folder
MY_PICTURES = None                       # a folder of your pictures; None: the course's weiwei
TRIGGER = "weiwei"                       # the new word: a puppet (傀儡) with no meaning yet
HOST = "1girl"                           # experiment 2: a tag the model knows (a sect member)
CLASH, MATCH = "red hair", "long hair"   # experiment 3: a tag that contradicts her, one that fits

# %% [markdown]
# ## Can it run here? · 这里能跑吗？

# %%
from lora_course import real_sd
from lora_course.datasets import dataset
from lora_course.tagger import wd14
ok, why = real_sd.available(MODEL)
print(why)
if not ok:   # the same code, end to end, on a toy model of SD 1.5's layout (random weights, 32 px, CPU)
    MODEL = real_sd.toy_sd15()
    print("So the cells below run on a toy model of SD 1.5's layout instead: random weights, 32 pixels,"
          " on the CPU. Every step is the real one; the pictures are noise.")
TOY = {} if ok else real_sd.TOY_RECIPE   # a few training steps on the toy
DRAW = {} if ok else real_sd.TOY_DRAW    # two seeds, three sampler steps on the toy

# %% [markdown]
# Without a GPU the cells below still run, every one of them, on a toy model with SD 1.5's layout (its UNet levels, scheduler, VAE and text encoder classes) at toy size and random weights: what you see committed here is that run. Its pictures are noise; open the notebook on Colab with a GPU runtime for the real ones.
#
# > 没有 GPU 时，下面的单元格也照样全部运行：换成一个和 SD 1.5 同样结构（同样的 UNet 层级、调度器、VAE 和文本编码器）的玩具模型，尺寸很小，权重是随机的。这里提交的输出就是这样跑出来的。它画出的图只是噪声；想看真正的图，请在 Colab 上用 GPU 运行时打开本课。
#
# ## The model · 模型
# The same entry point as the tiny model's; the sampler is swapped for DPM-Solver, which needs about 25 steps.
#
# > 入口和小模型用的是同一个；采样器换成了 DPM-Solver，大约 25 步就够。

# %%
pipe = real_sd.load(MODEL)

# %% [markdown]
# ## Your pictures, as a kohya folder · 把你的图做成 kohya 文件夹
# As in the article's experiment 1, every picture is captioned with the trigger word alone. WD14, the tagger the article's community uses, reads what the pictures show when it is available (`onnxruntime` and the hub): its tags are what the pictures below are checked for.
#
# > 和原文的实验 1 一样，每张图的标注都只有触发词。WD14 是原文作者所在的社区常用的标注器；它可用时（需要 `onnxruntime` 和 Hugging Face Hub），会读出这些图上画了什么：下面生成的图，检查的就是有没有画出它读到的这些标签。

# %%
reader, note = wd14.load_if_available()
print(note)
root = real_sd.prepare_user_set(MY_PICTURES, real_sd.WORK_DIR / "set", trigger=TRIGGER,
                                size=real_sd.lora.base_resolution(pipe))
for it in dataset.load_dataset(root).items:
    print(it.image_path.name, "->", dataset.caption_text(it.tags))
look = real_sd.identity_tags(root, reader) if reader else []
print("her look, as WD14 reads it:", ", ".join(look) or "(no WD14 here)")

# %% [markdown]
# ## Train the LoRA · 训练 LoRA
# The course's trainer with settings for a 512-pixel model (`real_sd.recipe`: rank 16, learning rate 1e-4, 400 steps). The kohya file it writes loads in A1111 and ComfyUI.
#
# > 用课程自己的训练器，配上适合 512 像素模型的设置（`real_sd.recipe`：秩 16，学习率 1e-4，400 步）。它写出的 kohya 格式文件可以直接在 A1111 和 ComfyUI 里加载。

# %%
name = real_sd.train(pipe, root, real_sd.recipe(pipe, **TOY), out_dir=real_sd.WORK_DIR / "lora")

# %% [markdown]
# ## Experiment 1: the trigger word · 实验 1：触发词
# Without the LoRA (w = 0) the word means nothing; with it, it should bring her back.
#
# > 不挂 LoRA（w = 0）时，这个词什么意思也没有；挂上之后，它应该能把她画出来。

# %%
e1 = real_sd.experiment_trigger(pipe, name, TRIGGER, **DRAW)
display(e1.figure())
if look:
    print(e1.rates_text(reader, look))

# %% [markdown]
# ## Experiment 2: the `1girl` hijack · 实验 2：`1girl` 被夺舍
# The same LoRA, prompted with a tag the model knows. At full weight the host is possessed (夺舍) too; at 0.6 the article sees the puppet hold while the host fights back.
#
# > 同一个 LoRA，提示词换成模型认识的标签（门派成员）。满权重（十层功力）时，宿主也被夺舍了；权重 0.6 时，原文看到的是傀儡依然听命，宿主却在反抗。

# %%
e2 = real_sd.experiment_1girl(pipe, name, TRIGGER, host=HOST, **DRAW)
display(e2.figure())
if look:
    print(e2.rates_text(reader, look))

# %% [markdown]
# ## Experiment 3: a host that resembles her · 实验 3：和她相像的宿主
# A tag that contradicts her needs full power (功力); one that fits her is possessed at lower weight.
#
# > 和她矛盾的标签，要用十层功力才夺舍得了；和她相符的标签，在更低的权重下就会被夺舍。

# %%
e3 = real_sd.experiment_red_hair(pipe, name, clash=CLASH, match=MATCH, **DRAW)
display(e3.figure())
if look:
    print(e3.rates_text(reader, look))

# %% [markdown]
# ## Things to try · 动手试试
# - Compare with the measured verdicts of notebooks 02–04: which effects does the real model show more strongly than the tiny one, and why (`1girl` has a strong prior in a real model)?
# - Caption the pictures with their tags too, the trigger first: `real_sd.prepare_user_set(MY_PICTURES, real_sd.WORK_DIR / "tagged", TRIGGER, captions="tagged", tagger=reader)`, train again, and prompt the trigger alone: the features now attached to the tags no longer come with the word (the article's thesis).
# - More seeds (`seeds=range(16)`) and `e1.seeds_figure(TRIGGER, 1.0)`: what "often" means.
#
# > - 和第 02–04 课实测的结论对比：哪些效应在真实模型上比在小模型上更明显？为什么（在真实模型里，`1girl` 有很强的先验）？
# > - 把图的标签也写进标注，触发词放最前：`real_sd.prepare_user_set(MY_PICTURES, real_sd.WORK_DIR / "tagged", TRIGGER, captions="tagged", tagger=reader)`，重新训练，再只用触发词作提示词：这时已经挂到各个标签上的特征，不会再随这个词一起出来（这正是原文的核心观点）。
# > - 多用一些种子（`seeds=range(16)`），再看 `e1.seeds_figure(TRIGGER, 1.0)`：所谓"经常"，到底是多经常。

# %% [markdown]
# <!-- nav -->
# ← previous / 上一课: [12 · Beyond the article: a weight guide (how many levels of 功力?)](12_weight_guide.ipynb) · [the course map / 课程地图](../README.md#the-course) ([中文](../README.zh-CN.md)) · next / 下一课: [14 · How long to train: the training-length axis](14_how_long_to_train.ipynb) →
