"""LoRA: teaching the base model (the sect, 门派) a new character with a few small matrices.

The idea in four lines. A layer of the model computes ``y = W·x`` with a big frozen matrix ``W``
(out × in). LoRA learns a *low-rank* change to it, two thin matrices ``A`` (r × in) and
``B`` (out × r) with r ≪ in, out, and at use time adds them back with a strength ``w``::

    W' = W + w · (alpha / r) · B · A                  # so  y' = W·x + w·(alpha/r)·B·(A·x)

* ``B`` starts at zero, so an untrained LoRA changes nothing; only ``A`` and ``B`` are trained
  (rank 8 on our UNet's attention: 93 k numbers, beside its 4.2 M);
* ``alpha / r`` is a fixed scale chosen at training (``alpha = r`` → 1);
* ``w`` is the **LoRA weight** people type as ``<lora:weiwei:0.6>``: the article's **功力**
  ("power"; "ten levels", 十层功力, is ``w = 1``). One number scales *every* adapted layer, in the
  UNet and in the text encoder, exactly as A1111 does. ``w = 0`` is the base model, bit for bit.

Where it goes: ``A``/``B`` pairs are put on the UNet's attention projections (``to_q``, ``to_k``,
``to_v``, ``to_out.0``) and, if you give the text encoder a learning rate, on its
``q_proj/k_proj/v_proj/out_proj``. They are trained with the base model's own objective
(read from its scheduler: *v*-prediction for the course's model, see :mod:`lora_course.pretrain`;
noise prediction for SD 1.5) on a kohya-style dataset folder
(:mod:`lora_course.dataset`), with the knobs LoRA users know (:class:`LoraTrainConfig`).

What this module gives:

* :func:`train_lora`: dataset folder → :class:`LoraResult` (weights, loss curve, sample images,
  files); latents and text embeddings cached (kohya's ``cache_latents``), checkpoint/resume, a
  NaN stops it with the step and the fix. It leaves ``pipe`` exactly as it found it: the
  adapters live in ``pipe`` only while training, then are removed; load the result with
  :func:`load_lora` (from the returned result or from a file).
* files (in :mod:`lora_course.lora_files`): kohya/A1111 and diffusers safetensors with ``ss_*``
  metadata; :func:`load_lora` reads either, refuses pickles and LoRAs made for another base.
* weight control: :func:`set_lora_weights`, :func:`parse_prompt` / :func:`apply_prompt_loras`
  (``<lora:name:w>``), :func:`sweep` (prompts × weights × seeds in one call), :func:`xyz_grid`.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import math
import random
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from . import checkpoint, dataset, lora_files
from .base_model import DEFAULT_GUIDANCE, DEFAULT_STEPS
from .lora_files import LoraFileError, base_fingerprint, loaded_adapters, read_metadata  # noqa: F401
from .pretrain import encode_prompts, to_tensor
from .tokenizer import describe_tokens

PathLike = Union[str, Path]
UNET_TARGETS = ("to_q", "to_k", "to_v", "to_out.0")
TEXT_ENCODER_TARGETS = ("q_proj", "k_proj", "v_proj", "out_proj")


# --------------------------------------------------------------------------------------------
# The knobs
# --------------------------------------------------------------------------------------------
@dataclass
class LoraTrainConfig:
    """What a LoRA trainer asks for (kohya's option name in brackets where it differs).

    The defaults train the course's one-image LoRA (``data/sets/weiwei_1``, ``10_weiwei``) in
    under 30 s on a laptop CPU: 18.8 s measured on 2 idle cores with the shipped base model
    (``scripts/benchmark_lora.py`` measures it on your machine).
    """
    name: str = "lora"                 #: adapter name, file stem, ``ss_output_name``
    rank: int = 8                      #: r, the inner size of B·A  [network_dim]
    alpha: float = 8.0                 #: the scale is alpha / r  [network_alpha]
    unet_lr: float = 2e-3
    text_encoder_lr: Optional[float] = None  #: None or 0: text encoder frozen (and cached)
    steps: int = 150                   #: optimizer steps  [max_train_steps]
    epochs: Optional[int] = None       #: if set, overrides ``steps``  [max_train_epochs]
    batch_size: int = 16               #: [train_batch_size]
    grad_accum: int = 1                #: micro-batches per step  [gradient_accumulation_steps]
    warmup_steps: int = 10             #: linear warm-up, then constant  [lr_warmup_steps]
    weight_decay: float = 1e-2         #: AdamW's
    max_grad_norm: float = 1.0
    shuffle_caption: bool = True       #: shuffle tags after the first ``keep_tokens``
    keep_tokens: int = 1               #: tags kept in front (the trigger word)
    caption_dropout: float = 0.0       #: share of captions replaced by "" [caption_dropout_rate]
    seed: int = 0
    resolution: Optional[int] = None   #: default: the pipeline's (64 for the course's model)
    unet_targets: Tuple[str, ...] = UNET_TARGETS
    text_encoder_targets: Tuple[str, ...] = TEXT_ENCODER_TARGETS
    cache_latents: bool = True         #: encode each image with the VAE once, not every step
    cache_text: bool = True            #: encode each caption once (only if the encoder is frozen)
    mixed_precision: str = "auto"      #: "no", "fp16", "bf16"; auto: the pipeline's dtype on GPU
    accelerate: bool = True            #: run through accelerate.Accelerator (False: plain torch)
    checkpoint_every: Optional[int] = None   #: steps between checkpoints (needs ``out_dir``)
    save_every: Optional[int] = None         #: steps between ``<name>-step000100.safetensors``
    sample_every: Optional[int] = None       #: steps between preview images
    sample_prompts: Tuple[str, ...] = ()     #: default: the trigger words
    sample_seeds: Tuple[int, ...] = (0, 1, 2, 3)
    sample_steps: int = DEFAULT_STEPS
    trigger_words: Optional[Tuple[str, ...]] = None  #: default: each caption's first keep_tokens tags

    @property
    def trains_text_encoder(self) -> bool:
        return bool(self.text_encoder_lr)

    def check(self) -> None:
        """Raise ``ValueError`` naming the first knob out of range."""
        rules = [("rank", self.rank >= 1, "at least 1"), ("alpha", self.alpha > 0, "positive"),
                 ("unet_lr", self.unet_lr > 0, "positive"),
                 ("text_encoder_lr", (self.text_encoder_lr or 0) >= 0, "positive, 0 or None"),
                 ("steps", self.steps >= 1 or (self.epochs or 0) >= 1, "at least 1"),
                 ("batch_size", self.batch_size >= 1, "at least 1"),
                 ("grad_accum", self.grad_accum >= 1, "at least 1"),
                 ("keep_tokens", self.keep_tokens >= 0, "0 or more"),
                 ("caption_dropout", 0 <= self.caption_dropout < 1, "in [0, 1)"),
                 ("mixed_precision", self.mixed_precision in ("auto", "no", "fp16", "bf16"),
                  "'auto', 'no', 'fp16' or 'bf16'"),
                 ("name", bool(re.fullmatch(r"[\w.\-]+", self.name)), "letters, digits, _ . -")]
        for knob, ok, want in rules:
            if not ok:
                raise ValueError(f"LoraTrainConfig.{knob} = {getattr(self, knob)!r}: must be {want}")

    def total_steps(self, epoch_size: int) -> int:
        """``steps``, or ``epochs`` converted to steps (each step sees batch_size × grad_accum)."""
        if self.epochs:
            return math.ceil(self.epochs * epoch_size / (self.batch_size * self.grad_accum))
        return self.steps

    def to_json(self) -> dict:
        return json.loads(json.dumps(asdict(self)))

    def weights_json(self) -> dict:
        """:meth:`to_json` without the knobs that only decide what is written or drawn on the way
        (checkpoints, snapshots, previews): two configs with the same ``weights_json`` train the
        same LoRA."""
        return {k: v for k, v in self.to_json().items() if k not in OUTPUT_ONLY}


#: Knobs of :class:`LoraTrainConfig` that do not change the trained weights.
OUTPUT_ONLY = frozenset({"checkpoint_every", "save_every", "sample_every", "sample_prompts",
                         "sample_seeds", "sample_steps"})


@dataclass
class LoraResult:
    """What :func:`train_lora` returns. ``unet_lora`` / ``text_encoder_lora`` are peft state dicts
    (``...to_q.lora_A.weight``) on the CPU; ``samples`` is ``[(step, images P×S×H×W×3)]``."""
    name: str
    config: LoraTrainConfig
    unet_lora: Dict[str, torch.Tensor]
    text_encoder_lora: Optional[Dict[str, torch.Tensor]]
    metadata: Dict[str, str]
    losses: List[float]
    steps: int
    seconds: float
    tokenization: Dict[str, str]
    samples: List[Tuple[int, np.ndarray]] = field(default_factory=list)
    files: Dict[str, Path] = field(default_factory=dict)
    resumed_from: int = 0

    @property
    def steps_per_second(self) -> float:
        return (self.steps - self.resumed_from) / max(self.seconds, 1e-9)

    def save(self, path: PathLike, layout: str = lora_files.KOHYA) -> Path:
        """Write the LoRA as ``layout`` (``"kohya"``: A1111/ComfyUI; ``"diffusers"``)."""
        c = self.config
        return lora_files.save_lora_file(path, self.unet_lora, self.text_encoder_lora, c.rank,
                                         c.alpha, self.metadata, layout, c.unet_targets,
                                         c.text_encoder_targets)

    def kohya_state(self) -> Dict[str, torch.Tensor]:
        return lora_files.to_kohya(self.unet_lora, self.text_encoder_lora, self.config.alpha)


# --------------------------------------------------------------------------------------------
# The data: images, captions, trigger words
# --------------------------------------------------------------------------------------------
def _epoch_order(ds: dataset.Dataset) -> List[int]:
    """One epoch as item indices: each concept's items ``repeats`` times (kohya's repeats)."""
    index = {id(it): i for i, it in enumerate(ds.items)}
    return [index[id(it)] for it in ds.epoch_items()]


def _batch_indices(order: List[int], position: int, n: int, seed: int) -> List[int]:
    """Items ``position .. position+n-1`` of an endless stream of shuffled epochs. Stateless (a
    pure function of the position), so a resumed run draws exactly what it would have drawn."""
    out = []
    for p in range(position, position + n):
        epoch, k = divmod(p, len(order))
        out.append(order[int(_permutation(len(order), seed, epoch)[k])])
    return out


_PERMS: Dict[Tuple[int, int, int], torch.Tensor] = {}


def _permutation(n: int, seed: int, epoch: int) -> torch.Tensor:
    key = (n, seed, epoch)
    if key not in _PERMS:
        if len(_PERMS) > 64:
            _PERMS.clear()
        _PERMS[key] = torch.randperm(n, generator=torch.Generator().manual_seed(seed * 1_000_003 + epoch))
    return _PERMS[key]


def training_caption(tags: Sequence[str], rng: random.Random, cfg: LoraTrainConfig) -> str:
    """The caption one training sample sees: tags shuffled after ``keep_tokens``, sometimes ""."""
    if cfg.shuffle_caption:
        tags = dataset.shuffle_caption(tags, rng, cfg.keep_tokens)
    if cfg.caption_dropout and rng.random() < cfg.caption_dropout:
        return ""
    return dataset.caption_text(tags)


def trigger_words(ds: dataset.Dataset, cfg: LoraTrainConfig) -> List[str]:
    """``cfg.trigger_words``, else the first ``keep_tokens`` tags of every caption (in order)."""
    if cfg.trigger_words:
        return list(cfg.trigger_words)
    words: List[str] = []
    for it in ds.items:
        for t in it.tags[: max(cfg.keep_tokens, 1)]:
            if t not in words:
                words.append(t)
    return words


def dataset_fingerprint(ds: dataset.Dataset) -> str:
    """Changes when an image, a caption or a repeat count changes (checked on resume)."""
    h = hashlib.sha256()
    for c in ds.concepts:
        h.update(f"{c.path.name}|{c.repeats}".encode())
        for it in c.items:
            h.update(f"{it.image_path.name}|{'|'.join(it.tags)}".encode())
            h.update(hashlib.sha256(it.image_path.read_bytes()).digest())
    return h.hexdigest()[:16]


@torch.no_grad()
def encode_images(vae, pixels: torch.Tensor, batch: int = 32) -> torch.Tensor:
    """Pixels in [-1, 1] → latents the UNet works on: ``mean(VAE(x)) · scaling_factor``.

    (The pipeline divides by ``scaling_factor`` before decoding, so the UNet's latent space is
    the scaled one; real SD uses 0.18215.)"""
    sf = vae.config.scaling_factor
    out = [vae.encode(pixels[i:i + batch].to(vae.device, vae.dtype)).latent_dist.mean * sf
           for i in range(0, len(pixels), batch)]
    return torch.cat(out)


class _TextCache:
    """Caption → text-encoder hidden states, computed once each (the encoder is frozen)."""

    def __init__(self, tokenizer, text_encoder, limit: int = 4096):
        self.tok, self.te, self.limit, self.store = tokenizer, text_encoder, limit, {}

    @torch.no_grad()
    def __call__(self, captions: Sequence[str]) -> torch.Tensor:
        new = [c for c in dict.fromkeys(captions) if c not in self.store]
        if new:
            emb = encode_prompts(self.tok, self.te, new)
            if len(self.store) + len(new) <= self.limit:
                self.store.update(zip(new, emb))
            else:                                   # too many distinct captions: don't keep them
                tmp = dict(zip(new, emb))
                return torch.stack([self.store[c] if c in self.store else tmp[c] for c in captions])
        return torch.stack([self.store[c] for c in captions])


# --------------------------------------------------------------------------------------------
# Putting the adapters in, and taking them out again
# --------------------------------------------------------------------------------------------
def _lora_config(cfg: LoraTrainConfig, targets):
    from peft import LoraConfig
    # B = 0 at the start (peft's default init): the untrained LoRA is the base model exactly
    return LoraConfig(r=cfg.rank, lora_alpha=cfg.alpha, target_modules=list(targets), lora_dropout=0.0)


def _inject(pipe, cfg: LoraTrainConfig) -> List[torch.nn.Parameter]:
    """Add the adapters; freeze everything else; return the trainable LoRA parameters."""
    from peft import inject_adapter_in_model

    for m in (pipe.unet, pipe.text_encoder, pipe.vae):
        m.requires_grad_(False)
    pipe.unet.add_adapter(_lora_config(cfg, cfg.unet_targets), adapter_name=cfg.name)
    if cfg.trains_text_encoder:
        # transformers 5.24's CLIPTextModel.add_adapter refuses peft 0.21 ("use >= 0.22.0", which
        # does not exist); peft's own injector does the same job
        inject_adapter_in_model(_lora_config(cfg, cfg.text_encoder_targets), pipe.text_encoder,
                                adapter_name=cfg.name)
    params = []
    gen = torch.Generator().manual_seed(cfg.seed)   # the start depends on the seed only
    for m in (pipe.unet, pipe.text_encoder):
        for n, p in m.named_parameters():
            p.requires_grad_("lora_" in n)
            if "lora_" in n:
                if p.dtype != torch.float32:        # train LoRA weights in float32 (fp16 base on GPU)
                    p.data = p.data.float()
                if "lora_A" in n:                   # peft's init (kaiming-uniform A, B = 0), seeded
                    w = torch.empty(p.shape)
                    torch.nn.init.kaiming_uniform_(w, a=math.sqrt(5), generator=gen)
                    p.data.copy_(w)
                params.append(p)
    if not params:
        raise ValueError(f"no layer of the UNet matches unet_targets={cfg.unet_targets}")
    return params


def _remove_adapters(pipe) -> None:
    """Take every LoRA layer out: the modules are the original ones again, weights untouched."""
    from diffusers.utils import recurse_remove_peft_layers
    for m in (pipe.unet, pipe.text_encoder):
        recurse_remove_peft_layers(m)
        if hasattr(m, "peft_config"):
            del m.peft_config
        if hasattr(m, "_hf_peft_config_loaded"):
            m._hf_peft_config_loaded = None


def _named_lora(pipe, part: str) -> Dict[str, torch.nn.Parameter]:
    return {n: p for n, p in getattr(pipe, part).named_parameters() if "lora_" in n}


def _peft_state(model, name: str) -> Dict[str, torch.Tensor]:
    from peft import get_peft_model_state_dict
    sd = get_peft_model_state_dict(model, adapter_name=name)
    return {k: v.detach().to("cpu", torch.float32).clone() for k, v in sd.items()}


# --------------------------------------------------------------------------------------------
# accelerate, or nothing
# --------------------------------------------------------------------------------------------
class _Plain:
    """The few ``Accelerator`` methods the loop uses, as plain PyTorch (one process, no AMP)."""
    is_main_process, process_index, num_processes, sync_gradients = True, 0, 1, True

    def __init__(self, device):
        self.device = torch.device(device)

    def prepare(self, *xs):
        return xs if len(xs) > 1 else xs[0]

    def accumulate(self, *models):
        return contextlib.nullcontext()

    def autocast(self):
        return contextlib.nullcontext()

    def backward(self, loss):
        loss.backward()

    def clip_grad_norm_(self, params, norm):
        return torch.nn.utils.clip_grad_norm_(params, norm)

    def unwrap_model(self, m, keep_fp32_wrapper=True):
        return m


def _mixed_precision(cfg: LoraTrainConfig, pipe) -> str:
    if cfg.mixed_precision != "auto":
        return cfg.mixed_precision
    if pipe.device.type != "cuda":
        return "no"
    return {torch.float16: "fp16", torch.bfloat16: "bf16"}.get(pipe.unet.dtype, "no")


def _accelerator(cfg: LoraTrainConfig, pipe):
    """An ``accelerate.Accelerator`` on the pipeline's device (or :class:`_Plain`)."""
    if not cfg.accelerate:
        if cfg.grad_accum != 1 or _mixed_precision(cfg, pipe) != "no":
            raise ValueError("accelerate=False supports only grad_accum=1 without mixed precision")
        return _Plain(pipe.device)
    from accelerate import Accelerator
    from accelerate.state import AcceleratorState
    kw = dict(mixed_precision=_mixed_precision(cfg, pipe), gradient_accumulation_steps=cfg.grad_accum,
              cpu=pipe.device.type == "cpu")
    try:
        return Accelerator(**kw)
    except ValueError:          # an earlier run in this kernel used other settings: start over
        AcceleratorState._reset_state(reset_partial_state=True)
        return Accelerator(**kw)


# --------------------------------------------------------------------------------------------
# One step of training: the same v-prediction objective as pretraining
# --------------------------------------------------------------------------------------------
def noise_schedule(pipe) -> Tuple[torch.Tensor, str]:
    """The noise schedule and the prediction target ``pipe``'s UNet was trained with, read from
    its scheduler's config: ``(alphas_cumprod, prediction_type)``. The course's tiny model gives
    cosine and ``"v_prediction"`` (as :mod:`pretrain` trained it), SD 1.5 scaled-linear and
    ``"epsilon"``: a LoRA must be trained with its base model's own objective."""
    from diffusers import DDPMScheduler
    sched = DDPMScheduler.from_config(pipe.scheduler.config)
    return sched.alphas_cumprod, sched.config.prediction_type


def diffusion_loss(unet, x0: torch.Tensor, cond: torch.Tensor, alphas_cumprod: torch.Tensor,
                   gen: torch.Generator, prediction_type: str = "v_prediction") -> torch.Tensor:
    """Noise ``x0`` to a random timestep and ask the UNet for its target: *v* (the course's model,
    as :mod:`pretrain` does), the noise (``"epsilon"``, SD 1.5) or the clean latents (``"sample"``)."""
    t = torch.randint(0, len(alphas_cumprod), (len(x0),), generator=gen)
    noise = torch.randn(x0.shape, generator=gen).to(x0.device, x0.dtype)
    a = alphas_cumprod[t].sqrt().view(-1, 1, 1, 1).to(x0.device, x0.dtype)
    s = (1 - alphas_cumprod[t]).sqrt().view(-1, 1, 1, 1).to(x0.device, x0.dtype)
    xt = a * x0 + s * noise                         # the forward (noising) process
    targets = {"v_prediction": lambda: a * noise - s * x0, "epsilon": lambda: noise, "sample": lambda: x0}
    if prediction_type not in targets:
        raise ValueError(f"prediction_type {prediction_type!r}: the LoRA trainer knows "
                         f"{sorted(targets)}")
    pred = unet(xt, t.to(x0.device), cond).sample
    return F.mse_loss(pred.float(), targets[prediction_type]().float())


def _diverged(loss: float, step: int, cfg: LoraTrainConfig) -> FloatingPointError:
    te = f" and text_encoder_lr (now {cfg.text_encoder_lr})" if cfg.trains_text_encoder else ""
    return FloatingPointError(
        f"LoRA {cfg.name!r}: the loss is {loss} at step {step}, training stopped (the weights "
        f"blew up). Fix: lower unet_lr (now {cfg.unet_lr}){te}, e.g. 10× smaller; keep "
        f"max_grad_norm (now {cfg.max_grad_norm}); on a GPU try mixed_precision='bf16' or 'no'.")


# --------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------
def _check_resumable(info: dict, cfg: LoraTrainConfig, fingerprint: str, path: Path) -> None:
    saved = info.get("config", {})
    now = cfg.to_json()
    ignore = {"steps", "epochs", "accelerate", "cache_latents", "cache_text", *OUTPUT_ONLY}
    diff = sorted(k for k in now if k not in ignore and saved.get(k) != now[k])
    if diff:
        k = diff[0]
        raise ValueError(f"{path}.json: the checkpoint was made with {k}={saved.get(k)!r}, this run "
                         f"asks for {k}={now[k]!r}. Fix: use the same settings, or pass "
                         "resume=False (or delete the checkpoint) to start over")
    if info.get("dataset") != fingerprint:
        raise ValueError(f"{path}.json: the checkpoint was made on a different dataset (images, "
                         "captions or repeats changed). Fix: pass resume=False to start over")


def _metadata(pipe, ds, cfg: LoraTrainConfig, steps: int, triggers, tokenization, started,
              base_sha: str) -> Dict[str, str]:
    """kohya's ``ss_*`` keys (what A1111, ComfyUI and Civitai show), the SAI model-spec title and
    trigger phrase, and ours (``lora_course.*``)."""
    res = cfg.resolution or base_resolution(pipe)
    base = str(getattr(pipe, "name_or_path", "") or pipe.config.get("_name_or_path", "") or "random")
    freq = dataset.tag_frequency_per_concept(ds)
    dirs = {c.path.name: {"n_repeats": c.repeats, "img_count": len(c.items)} for c in ds.concepts}
    return {
        "ss_network_module": "networks.lora", "ss_network_dim": str(cfg.rank),
        "ss_network_alpha": str(float(cfg.alpha)), "ss_output_name": cfg.name,
        "ss_tag_frequency": json.dumps(freq, ensure_ascii=False), "ss_dataset_dirs": json.dumps(dirs),
        "ss_num_train_images": str(ds.epoch_size), "ss_max_train_steps": str(steps),
        "ss_steps": str(steps), "ss_learning_rate": str(cfg.unet_lr), "ss_unet_lr": str(cfg.unet_lr),
        "ss_text_encoder_lr": str(cfg.text_encoder_lr or 0.0),
        "ss_network_train_unet_only": str(not cfg.trains_text_encoder),
        "ss_batch_size_per_device": str(cfg.batch_size),
        "ss_gradient_accumulation_steps": str(cfg.grad_accum), "ss_seed": str(cfg.seed),
        "ss_shuffle_caption": str(cfg.shuffle_caption), "ss_keep_tokens": str(cfg.keep_tokens),
        "ss_caption_dropout_rate": str(cfg.caption_dropout), "ss_resolution": f"({res}, {res})",
        "ss_sd_model_name": Path(base).name or base, "ss_base_model_version": "sd_v1", "ss_v2": "False",
        "ss_training_started_at": str(started), "ss_training_finished_at": str(time.time()),
        "modelspec.sai_model_spec": "1.0.0", "modelspec.architecture": "stable-diffusion-v1/lora",
        "modelspec.title": cfg.name, "modelspec.trigger_phrase": ", ".join(triggers),
        "lora_course.trigger_words": json.dumps(triggers, ensure_ascii=False),
        "lora_course.tokenization": json.dumps(tokenization, ensure_ascii=False),
        "lora_course.base_model": base, "lora_course.base_sha256": base_sha,
        "lora_course.config": json.dumps(cfg.to_json()),
    }


def base_resolution(pipe) -> int:
    """The pipeline's native image size (UNet sample size × VAE factor: 64 here, 512 for SD 1.5)."""
    return int(pipe.unet.config.sample_size * pipe.vae_scale_factor)


def _samples(pipe, cfg: LoraTrainConfig, prompts) -> np.ndarray:
    """Preview images P×S×H×W×3 with the LoRA as it is now (weight 1)."""
    from .evaluation import generate, grid_jobs
    ps, ss = grid_jobs(prompts, cfg.sample_seeds)
    imgs = generate(pipe, ps, ss, steps=cfg.sample_steps)
    return imgs.reshape(len(prompts), len(cfg.sample_seeds), *imgs.shape[1:])


def train_lora(pipe, dataset_dir: PathLike, config: Optional[LoraTrainConfig] = None,
               out_dir: Optional[PathLike] = None, progress: bool = True, resume: bool = True,
               ) -> LoraResult:
    """Train a LoRA on ``dataset_dir`` (kohya folders ``<repeats>_<name>/`` of image + .txt).

    ``pipe`` is any SD 1.x ``StableDiffusionPipeline`` without LoRAs loaded; it is returned to
    exactly its previous state (adapters removed, weights untouched), even on error. With
    ``out_dir``: checkpoints (``checkpoint.safetensors/.json``, resumed from when ``resume``),
    ``<name>.safetensors`` (kohya/A1111), ``<name>.diffusers.safetensors``, intermediate saves and
    ``samples/``. Use the LoRA with ``load_lora(pipe, result)`` or ``load_lora(pipe, path)``.
    """
    cfg = config or LoraTrainConfig()
    cfg.check()
    if loaded_adapters(pipe):
        raise ValueError(f"the pipeline already has LoRAs loaded ({', '.join(loaded_adapters(pipe))}); "
                         "training on top of them would bake them into the new one. Fix: "
                         "pipe.unload_lora_weights() first (or train on a fresh pipeline)")
    ds = dataset.load_dataset(dataset_dir)
    if len(ds) == 0:
        raise dataset.DatasetError(f"{dataset_dir}: empty dataset. Fix: add images and captions")
    order = _epoch_order(ds)
    total = cfg.total_steps(len(order))
    triggers = trigger_words(ds, cfg)
    tokenization = {w: describe_tokens(pipe.tokenizer, w) for w in triggers}
    if progress:
        for w, d in tokenization.items():
            print(f"trigger {d}")
    out = Path(out_dir) if out_dir is not None else None
    ck = out / "checkpoint" if out is not None else None
    fingerprint = dataset_fingerprint(ds)
    started = time.time()
    base_sha = base_fingerprint(pipe)

    modes = {m: m.training for m in (pipe.unet, pipe.text_encoder, pipe.vae)}
    grads = {p: p.requires_grad for m in modes for p in m.parameters()}
    acc = _accelerator(cfg, pipe)
    try:
        # ---- caches (before the adapters go in: the text encoder is the base one) ----
        res = cfg.resolution or base_resolution(pipe)
        pixels = to_tensor(np.stack([np.asarray(dataset.load_image(it.image_path, res))
                                     for it in ds.items]))
        latents = encode_images(pipe.vae, pixels) if cfg.cache_latents else None
        frozen_te = not cfg.trains_text_encoder
        text_cache = _TextCache(pipe.tokenizer, pipe.text_encoder) if frozen_te and cfg.cache_text else None

        # ---- adapters, optimizer, state ----
        params = _inject(pipe, cfg)
        named = {"unet": _named_lora(pipe, "unet"), "te": _named_lora(pipe, "text_encoder")}
        groups = [{"params": list(named["unet"].values()), "lr": cfg.unet_lr}]
        if cfg.trains_text_encoder:
            groups.append({"params": list(named["te"].values()), "lr": cfg.text_encoder_lr})
        opt = torch.optim.AdamW(groups, weight_decay=cfg.weight_decay)
        base_lrs = [g["lr"] for g in groups]
        gen = torch.Generator().manual_seed(cfg.seed * 7919 + 1 + acc.process_index)
        rng = random.Random(cfg.seed * 7919 + 2 + acc.process_index)
        start, losses = 0, []
        if ck is not None and resume and checkpoint.exists(ck):
            info, extra = checkpoint.load(ck, {}, opt, {"noise": gen}, rng)
            _check_resumable(info, cfg, fingerprint, ck)
            with torch.no_grad():
                for part, ps in named.items():
                    for n, p in ps.items():
                        p.copy_(extra[f"{part}/{n}"])
            start, losses = info["step"], info.get("losses", [])
        if cfg.trains_text_encoder:
            unet, te, opt = acc.prepare(pipe.unet, pipe.text_encoder, opt)
        else:                                   # a frozen module must not be wrapped (DDP refuses)
            (unet, opt), te = acc.prepare(pipe.unet, opt), pipe.text_encoder
        acp, prediction_type = noise_schedule(pipe)   # the base model's own objective
        unet.train()
        te.train(cfg.trains_text_encoder)

        def save_checkpoint(step):
            if ck is None or not acc.is_main_process:
                return
            extra = {f"{part}/{n}": p for part, ps in named.items() for n, p in ps.items()}
            checkpoint.save(ck, {}, opt, {"noise": gen}, rng, extra_tensors=extra, step=step,
                            losses=losses, config=cfg.to_json(), dataset=fingerprint)

        def result_now(step, samples=()):
            te_state = _peft_state(pipe.text_encoder, cfg.name) if cfg.trains_text_encoder else None
            meta = _metadata(pipe, ds, cfg, step, triggers, tokenization, started, base_sha)
            return LoraResult(cfg.name, cfg, _peft_state(pipe.unet, cfg.name), te_state, meta,
                              list(losses), step, 0.0, tokenization, list(samples), resumed_from=start)

        sample_prompts = list(cfg.sample_prompts) or [", ".join(triggers) or ""]
        samples: List[Tuple[int, np.ndarray]] = []
        bar = tqdm(total=total, initial=start, desc=f"LoRA {cfg.name}", disable=not progress,
                   mininterval=0.5)
        t0, avg = time.time(), None
        for step in range(start, total):
            warm = min(1.0, (step + 1) / cfg.warmup_steps) if cfg.warmup_steps else 1.0
            for g, lr in zip(opt.param_groups, base_lrs):
                g["lr"] = lr * warm                      # linear warm-up, then constant
            for micro in range(cfg.grad_accum):
                position = ((step * cfg.grad_accum + micro) * acc.num_processes + acc.process_index) \
                    * cfg.batch_size
                idx = _batch_indices(order, position, cfg.batch_size, cfg.seed)
                caps = [training_caption(ds.items[i].tags, rng, cfg) for i in idx]
                with acc.accumulate(unet, te), acc.autocast():
                    if latents is not None:
                        x0 = latents[idx]
                    else:                                 # what diffusers' trainer does each step
                        x0 = encode_images(pipe.vae, pixels[idx])
                    if text_cache is not None:
                        cond = text_cache(caps)
                    elif frozen_te:
                        with torch.no_grad():
                            cond = encode_prompts(pipe.tokenizer, te, caps)
                    else:
                        cond = encode_prompts(pipe.tokenizer, te, caps)
                    loss = diffusion_loss(unet, x0.to(acc.device), cond.to(acc.device), acp, gen,
                                          prediction_type)
                    value = loss.item()
                    if not math.isfinite(value):
                        raise _diverged(value, step, cfg)
                    acc.backward(loss)
                    if acc.sync_gradients:
                        acc.clip_grad_norm_(params, cfg.max_grad_norm)
                    opt.step()
                    opt.zero_grad(set_to_none=True)
            losses.append(value)
            avg = value if avg is None else 0.9 * avg + 0.1 * value
            bar.set_postfix(loss=f"{avg:.4f}", refresh=False)
            bar.update(1)
            done = step + 1
            if cfg.checkpoint_every and done % cfg.checkpoint_every == 0 and done < total:
                save_checkpoint(done)
            if out is not None and cfg.save_every and done % cfg.save_every == 0 and done < total \
                    and acc.is_main_process:
                result_now(done).save(out / f"{cfg.name}-step{done:06d}.safetensors")
            if cfg.sample_every and done % cfg.sample_every == 0:
                unet.eval(), te.eval()
                samples.append((done, _samples(pipe, cfg, sample_prompts)))
                unet.train(), te.train(cfg.trains_text_encoder)
        bar.close()
        seconds = time.time() - t0
        save_checkpoint(total)
        result = result_now(total, samples)
        result.seconds = seconds
    finally:
        if cfg.accelerate:
            for m in (pipe.unet, pipe.text_encoder):
                acc.unwrap_model(m, keep_fp32_wrapper=False)
        _remove_adapters(pipe)
        for p, g in grads.items():
            p.requires_grad_(g)
        for m, was in modes.items():
            m.train(was)
    if out is not None and acc.is_main_process:
        result.files["kohya"] = result.save(out / f"{cfg.name}.safetensors")
        result.files["diffusers"] = result.save(out / f"{cfg.name}.diffusers.safetensors",
                                                lora_files.DIFFUSERS)
        _save_samples(out / "samples", samples, sample_prompts, cfg.sample_seeds)
    return result


def _save_samples(folder: Path, samples, prompts, seeds) -> None:
    """One PNG per preview step: rows prompts, columns seeds."""
    from PIL import Image
    for step, imgs in samples:
        folder.mkdir(parents=True, exist_ok=True)
        rows = [np.concatenate(list(r), axis=1) for r in imgs]
        Image.fromarray(np.concatenate(rows, axis=0)).save(folder / f"step{step:06d}.png")


# --------------------------------------------------------------------------------------------
# Using a LoRA: load, weight (功力), prompts, sweeps
# --------------------------------------------------------------------------------------------
def load_lora(pipe, source: Union[PathLike, LoraResult], name: Optional[str] = None,
              weight: float = 1.0, replace: bool = True) -> str:
    """Load a LoRA into ``pipe`` as adapter ``name`` and make it the active one at ``weight``.

    ``source``: a ``.safetensors`` file (kohya/A1111 or diffusers layout) or a :class:`LoraResult`.
    ``name`` defaults to the result's name, or the file's ``ss_output_name``, or its stem. Other
    loaded LoRAs stay loaded but inactive (combine them with :func:`set_lora_weights`). Pickles and
    LoRAs that do not fit the base model are refused (:class:`LoraFileError`). Returns the name.
    """
    if isinstance(source, LoraResult):
        name = name or source.name
        lora_files.load_lora_state(pipe, source.kohya_state(), name, replace)
    else:
        meta = lora_files.read_lora_file(source)[1]
        name = name or meta.get("ss_output_name") or Path(source).name.split(".")[0]
        lora_files.load_lora_file(pipe, source, name, replace)
    set_lora_weights(pipe, {name: weight})
    return name


def set_lora_weights(pipe, weights: Dict[str, float]) -> None:
    """Make exactly these LoRAs active, each at its weight (功力), in the UNet *and* the text
    encoder: ``W' = W + Σ w_i·(alpha_i/r_i)·B_i·A_i``. LoRAs not named are off (A1111: a LoRA not
    in the prompt does nothing). ``{}`` turns every LoRA off."""
    loaded = loaded_adapters(pipe)
    missing = [n for n in weights if n not in loaded]
    if missing:
        raise KeyError(f"no LoRA named {missing[0]!r} is loaded (loaded: {loaded or 'none'}). Fix: "
                       f"load_lora(pipe, 'path/to/{missing[0]}.safetensors', {missing[0]!r})")
    if not loaded:
        return
    if not weights:
        pipe.disable_lora()
        return
    pipe.enable_lora()
    pipe.set_adapters(list(weights), adapter_weights=[float(w) for w in weights.values()])


_LORA_TAG = re.compile(r"<lora:([^>]*)>", re.IGNORECASE)


def parse_prompt(prompt: str) -> Tuple[str, Dict[str, float]]:
    """A1111's ``<lora:name:weight>`` syntax → ``(clean prompt, {name: weight})``.

    The weight is optional (1.0, A1111's default) and may be negative or above 1; several LoRAs
    may appear; the tags are removed and the leftover commas and spaces tidied::

        parse_prompt("weiwei, <lora:weiwei:0.6>, smile") == ("weiwei, smile", {"weiwei": 0.6})
    """
    found: Dict[str, float] = {}
    for m in _LORA_TAG.finditer(prompt):
        parts = [p.strip() for p in m.group(1).split(":")]
        name = parts[0]
        if not name:
            raise ValueError(f"{m.group(0)!r}: the LoRA has no name; write <lora:name:0.6>")
        if len(parts) > 2:
            raise ValueError(f"{m.group(0)!r}: separate text-encoder/UNet weights are not supported; "
                             f"write one weight, <lora:{name}:0.6>")
        try:
            w = float(parts[1]) if len(parts) == 2 else 1.0
        except ValueError:
            raise ValueError(f"{m.group(0)!r}: {parts[1]!r} is not a number; write "
                             f"<lora:{name}:0.6>") from None
        if name in found:
            raise ValueError(f"{prompt!r}: the LoRA {name!r} is named twice; give it once")
        found[name] = w
    text = _LORA_TAG.sub(" ", prompt)
    pieces = [" ".join(p.split()) for p in text.split(",")]
    return ", ".join(p for p in pieces if p), found


def apply_prompt_loras(pipe, prompt: str) -> str:
    """Set the adapter weights a prompt asks for (``<lora:name:w>``; LoRAs not named are off)
    and return the prompt without the tags, ready for ``pipe(...)``."""
    clean, weights = parse_prompt(prompt)
    set_lora_weights(pipe, weights)
    return clean


@contextlib.contextmanager
def kept_lora_state(pipe):
    """Restore every LoRA layer's active adapters, scales and on/off state afterwards."""
    from peft.tuners.tuners_utils import BaseTunerLayer
    layers = [m for part in (pipe.unet, pipe.text_encoder) for m in part.modules()
              if isinstance(m, BaseTunerLayer)]
    saved = [(m, list(m.active_adapters), dict(m.scaling), m.disable_adapters) for m in layers]
    try:
        yield
    finally:
        for m, active, scaling, disabled in saved:
            m.set_adapter(active)
            m.scaling.clear()
            m.scaling.update(scaling)
            m.enable_adapters(not disabled)


def sweep(pipe, prompts: Sequence[str], weights: Sequence[float], seeds: Sequence[int],
          lora_name: str, steps: int = DEFAULT_STEPS, guidance: float = DEFAULT_GUIDANCE,
          progress: bool = False, **gen_kwargs) -> Tuple[np.ndarray, dict]:
    """Generate every prompt × LoRA weight × seed: images P×W×S×H×W×3 (uint8) and ``meta``.

    Each image has its own seeded generator, so it depends only on (prompt, weight, seed): the
    ``w = 0`` column is the base model. Only ``lora_name`` is active during the sweep; the
    pipeline's LoRA state is restored afterwards."""
    from .evaluation import generate, grid_jobs
    if any(_LORA_TAG.search(p) for p in prompts):
        raise ValueError("sweep sets the LoRA weight itself: remove <lora:...> from the prompts")
    ps, ss = grid_jobs(prompts, seeds)
    out = []
    with kept_lora_state(pipe):
        for w in tqdm(list(weights), desc=f"sweep {lora_name}", disable=not progress):
            set_lora_weights(pipe, {lora_name: w})
            imgs = generate(pipe, ps, ss, steps=steps, guidance=guidance, **gen_kwargs)
            out.append(imgs.reshape(len(prompts), len(seeds), *imgs.shape[1:]))
    images = np.stack(out, axis=1)                  # P × W × S × H × W × 3
    meta = dict(prompts=list(prompts), weights=[float(w) for w in weights], seeds=list(seeds),
                lora=lora_name, steps=steps, guidance=guidance)
    return images, meta


def grid_figure(images: np.ndarray, meta: dict, seed_index: int = 0, title: Optional[str] = None):
    """The A1111 XYZ plot of a :func:`sweep`: rows prompts, columns weights (one seed)."""
    from .plots import image_grid
    return image_grid(images[:, :, seed_index], row_labels=meta["prompts"],
                      col_labels=[f"{w:g}" for w in meta["weights"]],
                      title=title or f"<lora:{meta['lora']}:w>, seed {meta['seeds'][seed_index]}")


def xyz_grid(pipe, prompts: Sequence[str], weights: Sequence[float], lora_name: str, seed: int = 0,
             title: Optional[str] = None, **kwargs):
    """Sweep one seed and draw it (rows prompts, columns LoRA weights): a matplotlib figure."""
    images, meta = sweep(pipe, prompts, weights, [seed], lora_name, **kwargs)
    return grid_figure(images, meta, title=title)
