"""LoRA adapters in a pipeline: putting them in, taking them out, their weights (功力), loading.

A LoRA lives in a pipeline as peft adapter layers on the UNet's (and optionally the text
encoder's) attention projections. This module owns everything done to those layers:

* :func:`inject` / :func:`remove_adapters` — add fresh, trainable adapters for training, and take
  every LoRA layer out again (the modules are the original ones, weights untouched);
* :func:`adapter_state` — an adapter's trained matrices as a peft state dict on the CPU;
* :func:`load_lora` — a file (kohya/A1111 or diffusers layout, read once, checked by
  :mod:`lora_course.lora.lora_files`) or a training result, as a named adapter;
* :func:`set_lora_weights` — A1111's semantics: exactly the named LoRAs on, each at its weight,
  in the UNet *and* the text encoder; :func:`apply_prompt_loras` does it from a
  ``<lora:name:w>`` prompt (:mod:`lora_course.core.prompt_syntax`);
* :func:`kept_lora_state` — a context manager that gives every LoRA layer back its state.
"""
from __future__ import annotations

import contextlib
import math
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

import torch

from . import lora_files
from .lora_files import loaded_adapters
from ..core.prompt_syntax import parse_prompt

PathLike = Union[str, Path]
UNET_TARGETS = ("to_q", "to_k", "to_v", "to_out.0")
TEXT_ENCODER_TARGETS = ("q_proj", "k_proj", "v_proj", "out_proj")


def peft_config(rank: int, alpha: float, targets: Sequence[str]):
    """peft's ``LoraConfig`` for one part of the model. B = 0 at the start (peft's default init),
    so an untrained LoRA is the base model exactly."""
    from peft import LoraConfig
    return LoraConfig(r=rank, lora_alpha=alpha, target_modules=list(targets), lora_dropout=0.0)


def inject(pipe, name: str, rank: int, alpha: float, seed: int, unet_targets: Sequence[str],
           text_encoder_targets: Optional[Sequence[str]] = None) -> List[torch.nn.Parameter]:
    """Add adapter ``name`` to the UNet (and to the text encoder when ``text_encoder_targets``);
    freeze everything else; return the trainable LoRA parameters (float32, ``A`` initialised from
    ``seed`` only)."""
    from peft import inject_adapter_in_model

    for m in (pipe.unet, pipe.text_encoder, pipe.vae):
        m.requires_grad_(False)
    pipe.unet.add_adapter(peft_config(rank, alpha, unet_targets), adapter_name=name)
    if text_encoder_targets:
        # transformers 5.24's CLIPTextModel.add_adapter refuses peft 0.21 ("use >= 0.22.0", which
        # does not exist); peft's own injector does the same job
        inject_adapter_in_model(peft_config(rank, alpha, text_encoder_targets), pipe.text_encoder,
                                adapter_name=name)
    params = []
    gen = torch.Generator().manual_seed(seed)       # the start depends on the seed only
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
        raise ValueError(f"no layer of the UNet matches unet_targets={tuple(unet_targets)}")
    return params


def remove_adapters(pipe) -> None:
    """Take every LoRA layer out: the modules are the original ones again, weights untouched."""
    from diffusers.utils import recurse_remove_peft_layers
    for m in (pipe.unet, pipe.text_encoder):
        recurse_remove_peft_layers(m)
        if hasattr(m, "peft_config"):
            del m.peft_config
        if hasattr(m, "_hf_peft_config_loaded"):
            m._hf_peft_config_loaded = None


def lora_parameters(pipe, part: str) -> Dict[str, torch.nn.Parameter]:
    """The LoRA parameters of ``pipe.<part>`` (``"unet"`` or ``"text_encoder"``) by name."""
    return {n: p for n, p in getattr(pipe, part).named_parameters() if "lora_" in n}


def adapter_state(model, name: str) -> Dict[str, torch.Tensor]:
    """Adapter ``name`` of ``model`` as a peft state dict (``...to_q.lora_A.weight``), float32 CPU."""
    from peft import get_peft_model_state_dict
    sd = get_peft_model_state_dict(model, adapter_name=name)
    return {k: v.detach().to("cpu", torch.float32).clone() for k, v in sd.items()}


def load_lora(pipe, source, name: Optional[str] = None, weight: float = 1.0, replace: bool = True) -> str:
    """Load a LoRA into ``pipe`` as adapter ``name`` and make it the active one at ``weight``.

    ``source``: a ``.safetensors`` file (kohya/A1111 or diffusers layout; read once) or a training
    result (anything with ``.name`` and ``.kohya_state()``, as :class:`lora_course.lora.LoraResult`).
    ``name`` defaults to the result's name, or the file's ``ss_output_name``, or its stem. Other
    loaded LoRAs stay loaded but inactive (combine them with :func:`set_lora_weights`). Pickles and
    LoRAs that do not fit the base model are refused (:class:`lora_course.lora.lora_files.LoraFileError`).
    Returns the name.
    """
    if hasattr(source, "kohya_state"):
        name = name or source.name
        lora_files.load_lora_state(pipe, source.kohya_state(), name, replace)
    else:
        tensors, meta = lora_files.read_lora_file(source)
        name = name or meta.get("ss_output_name") or Path(source).name.split(".")[0]
        lora_files.load_lora_tensors(pipe, tensors, meta, source, name, replace)
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
