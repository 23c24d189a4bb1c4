"""The course's recipe on a real Stable Diffusion checkpoint (SD 1.5 class, on a GPU): notebook 13.

This module owns what changes when the base model is a real checkpoint instead of the shipped
tiny one, and nothing else:

* :func:`available`: can a real checkpoint run here? A CUDA GPU, and the model found (a local
  folder, the Hugging Face cache, or the reachable hub). Returns ``(ok, one sentence)``;
* :func:`load`: the model through the course's one entry point,
  :func:`lora_course.sd.base_model.load_pipeline` (float16 on cuda), with a sampler fit for few steps;
* :func:`prepare_user_set`: your own pictures → a kohya training folder at the model's
  resolution, captioned with the course's tag tools (the trigger word alone, as in the article's
  experiment 1, or auto-tagged with the trigger first, by WD14 when it is available);
* :func:`recipe` and :func:`train`: the course's LoRA trainer (:func:`lora_course.lora.train_lora`)
  with settings for a 512-pixel model;
* :func:`toy_sd15`: where no GPU is found, a toy model of SD 1.5's layout (random weights, 32
  pixels) that the notebook's every step runs on, on the CPU, with :data:`TOY_RECIPE` and
  :data:`TOY_DRAW`: the pictures are noise, the code path is the real one;
* the article's experiments 1–3 as image grids (:func:`experiment_trigger`,
  :func:`experiment_1girl`, :func:`experiment_red_hair`), and, with a tagger, how often each
  picture shows the character's tags (:meth:`Experiment.tag_rates`).

Every function works on any ``StableDiffusionPipeline``: the unit tests run them all on the
course's tiny model, loaded by path through :func:`load`.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch

from .sd import base_model
from .datasets import dataset, training_sets
from .measure import evaluation
from . import lora
from .widgets import plots
from .core import paths, progress, safe_io
from .core.availability import Availability  # the course's one answer type (re-exported here)

#: An SD 1.5-class model on the Hugging Face hub (any SD 1.x diffusers model id or folder works).
DEFAULT_MODEL = "stable-diffusion-v1-5/stable-diffusion-v1-5"
#: Sampling settings for a real checkpoint (the tiny model's are base_model.DEFAULT_*).
STEPS = 25
GUIDANCE = 7.0
#: Where notebook 13 writes its training set and LoRA files.
WORK_DIR = paths.BUILD_DIR / "real_sd"
#: Marks a folder written by :func:`prepare_user_set` (the only kind it will replace).
_MARKER = ".lora_course_set"

PathLike = Union[str, Path]

#: Training settings for :func:`toy_sd15`'s model: a few steps, enough to run every line.
TOY_RECIPE = dict(steps=3, rank=4, unet_lr=3e-2, text_encoder_lr=3e-2, warmup_steps=0)
#: Drawing settings for :func:`toy_sd15`'s model: two seeds, three sampler steps.
TOY_DRAW = dict(seeds=range(2), steps=3)


def _is_local(model: PathLike) -> bool:
    return isinstance(model, Path) or str(model).startswith((".", "/", "~")) or Path(str(model)).exists()


def available(model: PathLike = DEFAULT_MODEL, require_cuda: bool = True) -> Availability:
    """Can ``model`` be trained on here? Needs a CUDA GPU (unless ``require_cuda=False``) and the
    model: a local diffusers folder, a hub id in the local Hugging Face cache, or a hub id the hub
    answers for. Never raises; the reason is one sentence for the reader."""
    if require_cuda and not torch.cuda.is_available():
        return Availability(False, f"No CUDA GPU here (the device is {base_model.pick_device()}), so "
                                   "this notebook skips the real checkpoint: open it on Colab with a GPU "
                                   "runtime to run it.")
    if _is_local(model):
        if (Path(model).expanduser() / "model_index.json").exists():
            return Availability(True, f"{model} found locally; training on it.")
        return Availability(False, f"{model} is not a diffusers model folder (no model_index.json), "
                                   "so this notebook skips the real checkpoint.")
    try:
        from huggingface_hub import HfApi, constants, try_to_load_from_cache
        if isinstance(try_to_load_from_cache(str(model), "model_index.json"), str):
            return Availability(True, f"{model} found in the Hugging Face cache; training on it.")
        if constants.HF_HUB_OFFLINE:
            return Availability(False, f"The Hugging Face hub is offline (HF_HUB_OFFLINE) and {model} "
                                       "is not in its cache, so this notebook skips the real checkpoint.")
        HfApi().model_info(str(model), timeout=10)
        return Availability(True, f"{model} is on the Hugging Face hub; it will be downloaded (about "
                                  "4 GB) and trained on.")
    except Exception as e:  # no network, unknown or gated model, ...
        return Availability(False, f"The Hugging Face hub did not answer for {model} "
                                   f"({type(e).__name__}), so this notebook skips the real checkpoint.")


def load(model: PathLike = DEFAULT_MODEL, device: Optional[str] = None,
         dtype: Optional[torch.dtype] = None):
    """The model through :func:`lora_course.sd.base_model.load_pipeline` (float16 on cuda, float32
    elsewhere), with a DPM-Solver sampler (good pictures in ~25 steps). Prints what was loaded."""
    from diffusers import DPMSolverMultistepScheduler
    progress.quiet_libraries()
    pipe = base_model.load_pipeline(model, device=device, dtype=dtype)
    if not isinstance(pipe.scheduler, DPMSolverMultistepScheduler):
        pipe.scheduler = DPMSolverMultistepScheduler.from_config(pipe.scheduler.config)
    n = sum(p.numel() for p in pipe.unet.parameters()) / 1e6
    shown = Path(model).name if _is_local(model) else model          # a folder by its name, not its path
    print(f"device: {pipe.device}; {shown}: {n:.0f} M-parameter UNet in {pipe.unet.dtype}, "
          f"{lora.base_resolution(pipe)}px pictures")
    return pipe


def toy_sd15(folder: Optional[PathLike] = None) -> Path:
    """A toy model of SD 1.5's layout, saved as a diffusers folder (``WORK_DIR/sd15_toy`` by
    default) and returned: the same UNet levels (four, attention in the first three and the
    middle), scheduler (PNDM, scaled-linear betas, noise prediction), VAE and CLIP text encoder
    classes as SD 1.5, at toy width and 32 pixels, with seeded random weights. Notebook 13 runs on
    it where no GPU is found, so its code runs end to end on a CPU; its pictures are noise."""
    from diffusers import AutoencoderKL, PNDMScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    from .sd import tokenizer

    progress.quiet_libraries()
    out = Path(folder) if folder is not None else WORK_DIR / "sd15_toy"
    if (out / "model_index.json").exists():
        return out
    torch.manual_seed(0)
    tok = tokenizer.build_tokenizer()
    vae = AutoencoderKL(block_out_channels=(8, 16), down_block_types=("DownEncoderBlock2D",) * 2,
                        up_block_types=("UpDecoderBlock2D",) * 2, latent_channels=4, norm_num_groups=8,
                        sample_size=32)
    unet = UNet2DConditionModel(sample_size=16, block_out_channels=(16, 16, 32, 32), layers_per_block=2,
                                down_block_types=("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
                                up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3,
                                cross_attention_dim=32, attention_head_dim=8, norm_num_groups=8)
    te = CLIPTextModel(CLIPTextConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64,
                                      num_hidden_layers=2, num_attention_heads=4,
                                      max_position_embeddings=tok.model_max_length,
                                      bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                                      pad_token_id=tok.pad_token_id))
    sched = PNDMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                          skip_prk_steps=True, prediction_type="epsilon", steps_offset=1)
    pipe = StableDiffusionPipeline(vae=vae, text_encoder=te, tokenizer=tok, unet=unet, scheduler=sched,
                                   safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    pipe.save_pretrained(tmp, safe_serialization=True)
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)                          # atomic: a half-written folder is never taken for a model
    return out


# --------------------------------------------------------------------------------------------
# Your pictures → a kohya training folder
# --------------------------------------------------------------------------------------------
def course_pictures() -> List[Path]:
    """The article's single picture of weiwei, as shipped (64 pixels: bring your own for a real
    model)."""
    return [it.image_path for it in dataset.load_dataset(training_sets.DATA_DIR / "weiwei_1").items]


def _pictures(images) -> List[Path]:
    if images is None:
        return course_pictures()
    if isinstance(images, (str, Path)):
        folder = Path(images).expanduser()
        if not folder.is_dir():
            raise FileNotFoundError(f"{folder}: no such folder. Fix: put your pictures in it (one is "
                                    "enough, as in the article), or pass a list of files")
        found = dataset.image_files(folder)
        if not found:
            raise FileNotFoundError(f"{folder}: no pictures in it ({', '.join(dataset.IMAGE_EXTENSIONS)})")
        return found
    return [Path(p) for p in images]


def prepare_user_set(images, out: PathLike, trigger: str = "weiwei", repeats: int = 10,
                     size: int = 512, captions: str = "trigger", tagger=None,
                     threshold: float = 0.35, undesired: Sequence[str] = ()) -> Path:
    """Write your pictures as a kohya training folder ``<out>/<repeats>_<trigger>/`` and caption
    them; return ``out`` (the dataset root :func:`train` takes).

    * ``images``: a folder of pictures, a list of files, or ``None`` for the course's picture;
    * every picture is saved as a ``size``×``size`` PNG (centre square, as training sees it);
    * ``captions="trigger"``: the trigger word alone (the article's experiments 1–3);
      ``"tagged"``: auto-tagged by ``tagger`` (the real WD14 of :mod:`lora_course.tagger.wd14`, or the
      course's :class:`lora_course.tagger.Tagger`) above ``threshold``, the trigger first and
      ``undesired`` tags left out, exactly as :func:`lora_course.tagger.autotag_folder` does;
    * ``out`` is replaced if an earlier call wrote it, refused if it holds anything else.
    """
    from .tagger import autotag_folder
    if captions not in ("trigger", "tagged"):
        raise ValueError(f"captions={captions!r}: use 'trigger' (the trigger word alone) or 'tagged'")
    if captions == "tagged" and tagger is None:
        raise ValueError("captions='tagged' needs a tagger: WD14 (lora_course.tagger.wd14) or the course's")
    trigger = dataset.normalize_tag(trigger)
    pictures = _pictures(images)
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        if not (out / _MARKER).exists():
            raise FileExistsError(f"{out}: not empty and not written by prepare_user_set. Fix: "
                                  "choose another folder")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    safe_io.write_text(out / _MARKER, "written by lora_course.real_sd.prepare_user_set\n")
    items = [(dataset.load_image(p, size), [trigger]) for p in pictures]
    stems = [f"{i:03d}_{p.stem}" for i, p in enumerate(pictures)]
    folder = dataset.write_concept(out, trigger, repeats, items, stems)
    if captions == "tagged":
        autotag_folder(folder, tagger, threshold=threshold, undesired=undesired,
                       always_first=[trigger], overwrite=True)
    return out


def identity_tags(root: PathLike, tagger=None, threshold: float = 0.35) -> List[str]:
    """The tags every picture of a training set shows (the character's look), without the trigger
    words: what :meth:`Experiment.tag_rates` checks on generated pictures. Read from the
    captions, or with ``tagger`` (e.g. WD14) from the pictures themselves."""
    ds = dataset.load_dataset(root)
    triggers = set(lora.trigger_words(ds, lora.LoraTrainConfig()))   # each caption's first tag
    if tagger is None:
        lists = [it.tags for it in ds.items]
    else:
        lists = tagger.tag_lists([it.image(tagger.image_size) for it in ds.items], threshold=threshold)
    lists = [[dataset.normalize_tag(t) for t in tags] for tags in lists]
    return [t for t in lists[0] if t not in triggers and all(t in tags for tags in lists)]


# --------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------
def recipe(pipe, name: str = "my_lora", **changes) -> lora.LoraTrainConfig:
    """LoRA settings for a real SD 1.x model, at its resolution (512 for SD 1.5): rank 16 on the
    UNet's attention, learning rate 1e-4, 400 steps of 2 pictures, mixed precision from the
    pipeline's dtype (float16 on cuda). ``changes`` override any knob."""
    cfg = lora.LoraTrainConfig(name=name, rank=16, alpha=16.0, unet_lr=1e-4, steps=400,
                               batch_size=2, warmup_steps=20, resolution=lora.base_resolution(pipe))
    return replace(cfg, **changes)


def train(pipe, root: PathLike, config: Optional[lora.LoraTrainConfig] = None,
          out_dir: Optional[PathLike] = None, progress: bool = True) -> str:
    """Train a LoRA with :func:`lora_course.lora.train_lora` (the course's trainer), load it into
    ``pipe`` and return its name. With ``out_dir``, its kohya (A1111/ComfyUI) and diffusers files
    are written there too."""
    cfg = config or recipe(pipe)
    if lora.loaded_adapters(pipe):
        pipe.unload_lora_weights()
    result = lora.train_lora(pipe, root, cfg, out_dir=out_dir, progress=progress)
    print(f"trained {cfg.name!r}: {result.steps} steps in {result.seconds:.0f} s, loss "
          f"{np.mean(result.losses[:10]):.3f} -> {np.mean(result.losses[-10:]):.3f}")
    return lora.load_lora(pipe, result, cfg.name)


# --------------------------------------------------------------------------------------------
# The article's experiments 1–3
# --------------------------------------------------------------------------------------------
@dataclass
class Experiment:
    """Pictures of prompts × LoRA weights × seeds (``images``: P×W×S×H×W×3, uint8) and the claim
    of the article they test."""
    title: str
    claim: str
    images: np.ndarray
    meta: dict
    notes: List[str] = field(default_factory=list)

    @property
    def prompts(self) -> List[str]:
        return self.meta["prompts"]

    @property
    def weights(self) -> List[float]:
        return self.meta["weights"]

    def figure(self, seed_index: int = 0):
        """The XYZ plot: rows prompts, columns LoRA weights, one seed."""
        return plots.sweep_grid(self.images, self.prompts, self.weights, self.meta["seeds"], seed_index,
                                title=f"{self.title}; seed {self.meta['seeds'][seed_index]}")

    def seeds_figure(self, prompt: str, weight: float):
        """One prompt at one weight, every seed in a row: what "often" means."""
        return plots.seeds_grid(self.images, self.prompts, self.weights, self.meta["seeds"], prompt,
                                [weight])

    def tag_rates(self, tagger, tags: Sequence[str], threshold: float = 0.35) -> Dict[str, Dict[float, float]]:
        """{prompt: {weight: share of seeds whose picture shows every tag of ``tags``}}, read by
        ``tagger`` (WD14, or the course's tagger on the course's model)."""
        want = {dataset.normalize_tag(t) for t in tags}
        P, W, S = self.images.shape[:3]
        flat = self.images.reshape(P * W * S, *self.images.shape[3:])
        found = tagger.tag_lists(flat, threshold=threshold)
        hits = np.array([want <= {dataset.normalize_tag(t) for t in f} for f in found]).reshape(P, W, S)
        return {p: {w: float(hits[i, j].mean()) for j, w in enumerate(self.weights)}
                for i, p in enumerate(self.prompts)}

    def rates_text(self, tagger, tags: Sequence[str], threshold: float = 0.35) -> str:
        """:meth:`tag_rates` as a small table (rows prompts, columns weights)."""
        rates = self.tag_rates(tagger, tags, threshold)
        width = max(len(p) for p in self.prompts)
        head = " " * width + " | " + "  ".join(f"w={w:<4g}" for w in self.weights)
        rows = [f"{p:<{width}} | " + "  ".join(f"{r[w]:<6.2f}" for w in self.weights) for p, r in rates.items()]
        return "\n".join([f"share of pictures showing {', '.join(tags) or '(no tags)'}:", head, *rows])


def _run(pipe, title, claim, prompts, lora_name, weights, seeds, steps, guidance, batch_size) -> Experiment:
    images, meta = evaluation.sweep_images(pipe, prompts, weights, list(seeds), lora_name, steps=steps,
                                           guidance=guidance, batch_size=batch_size)
    return Experiment(title, claim, images, meta)


def experiment_trigger(pipe, lora_name: str, trigger: str = "weiwei", weights=(0.0, 1.0),
                       seeds=range(4), steps: int = STEPS, guidance: float = GUIDANCE,
                       batch_size: int = 4) -> Experiment:
    """Experiment 1: the trigger word alone, without (w=0) and with the LoRA."""
    return _run(pipe, f"experiment 1: the trigger `{trigger}`",
                f"a LoRA trained on pictures tagged only `{trigger}` brings the character back on "
                f"`{trigger}`; without it the word means nothing", [trigger], lora_name, weights,
                seeds, steps, guidance, batch_size)


def experiment_1girl(pipe, lora_name: str, trigger: str = "weiwei", host: str = "1girl",
                     weights=(0.0, 0.6, 1.0), seeds=range(4), steps: int = STEPS,
                     guidance: float = GUIDANCE, batch_size: int = 4) -> Experiment:
    """Experiment 2: the trigger and a tag the model knows (``1girl``) with the same LoRA."""
    return _run(pipe, f"experiment 2: `{trigger}` vs `{host}`",
                f"at w=1 `{host}` is hijacked too; at w=0.6 `{trigger}` still holds while `{host}` "
                "shows other features", [trigger, host], lora_name, weights, seeds, steps, guidance,
                batch_size)


def experiment_red_hair(pipe, lora_name: str, clash: str = "red hair", match: str = "long hair",
                        weights=(0.4, 0.6, 0.8, 1.0), seeds=range(4), steps: int = STEPS,
                        guidance: float = GUIDANCE, batch_size: int = 4) -> Experiment:
    """Experiment 3: a tag that contradicts the character (``red hair`` for white hair) and one
    that fits her (``long hair``), with the trigger-only LoRA, across weights."""
    return _run(pipe, f"experiment 3: `{clash}` vs `{match}`",
                f"`{clash}` needs full weight to reproduce her; `{match}` works at lower weight",
                [clash, match], lora_name, weights, seeds, steps, guidance, batch_size)
