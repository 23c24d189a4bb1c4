"""The LoRA trainer's knobs and what it returns.

:class:`LoraTrainConfig` holds what a LoRA trainer asks for, under kohya's names where they differ
(rank = ``network_dim``, ``keep_tokens``, ``caption_dropout_rate``...), and checks them;
:class:`LoraResult` is a trained LoRA in memory (its peft state dicts, loss curve, previews and
``ss_*`` metadata), which saves itself as a kohya/A1111 or diffusers file
(:mod:`lora_course.lora.lora_files`). :mod:`lora_course.lora` trains one from the other.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union

import numpy as np
import torch

from . import lora_files
from .adapters import TEXT_ENCODER_TARGETS, UNET_TARGETS
from ..sd.base_model import DEFAULT_STEPS

PathLike = Union[str, Path]


# --------------------------------------------------------------------------------------------
# The knobs
# --------------------------------------------------------------------------------------------
@dataclass
class LoraTrainConfig:
    """What a LoRA trainer asks for (kohya's option name in brackets where it differs).

    The defaults train the course's one-image LoRA (``data/sets/weiwei_1``, ``10_weiwei``) in
    seconds on a laptop CPU (``scripts/benchmark_lora.py`` measures it on your machine; the README
    quotes what it measured).
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
