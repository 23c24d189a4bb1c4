"""Where and how the LoRA loop runs: accelerate's ``Accelerator`` on the pipeline's device, or a
plain-PyTorch stand-in with the same few methods.

``accelerate`` gives the loop mixed precision (fp16/bf16 autocast and gradient scaling on a GPU),
gradient accumulation and multi-process training, as diffusers' training examples use it. With
``accelerate=False`` the loop runs on :class:`Plain` instead: one process, float32, no
accumulation — the same numbers on a CPU, with nothing between the loop and PyTorch.
"""
from __future__ import annotations

import contextlib

import torch


class Plain:
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


def mixed_precision(pipe, wanted: str = "auto") -> str:
    """``wanted``, or for ``"auto"`` the pipeline's own dtype on a GPU (``"no"`` elsewhere)."""
    if wanted != "auto":
        return wanted
    if pipe.device.type != "cuda":
        return "no"
    return {torch.float16: "fp16", torch.bfloat16: "bf16"}.get(pipe.unet.dtype, "no")


def make_accelerator(pipe, use_accelerate: bool = True, precision: str = "auto", grad_accum: int = 1):
    """An ``accelerate.Accelerator`` on the pipeline's device (or :class:`Plain`)."""
    if not use_accelerate:
        if grad_accum != 1 or mixed_precision(pipe, precision) != "no":
            raise ValueError("LoraTrainConfig.accelerate=False supports only grad_accum=1 without "
                             "mixed precision. Fix: accelerate=True, or grad_accum=1 and "
                             "mixed_precision='no'")
        return Plain(pipe.device)
    from accelerate import Accelerator
    from accelerate.state import AcceleratorState
    kw = dict(mixed_precision=mixed_precision(pipe, precision), gradient_accumulation_steps=grad_accum,
              cpu=pipe.device.type == "cpu")
    try:
        return Accelerator(**kw)
    except ValueError:          # an earlier run in this kernel used other settings: start over
        AcceleratorState._reset_state(reset_partial_state=True)
        return Accelerator(**kw)
