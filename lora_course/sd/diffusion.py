"""The training objective of a diffusion model, shared by pretraining and LoRA training.

A picture's latents ``x0`` are noised to a random timestep ``t`` of the noise schedule
(``ᾱ_t = alphas_cumprod[t]``, from 1 at t = 0 down to ~0 at the last step)::

    x_t = sqrt(ᾱ_t) · x0 + sqrt(1 − ᾱ_t) · ε          ε ~ N(0, I)         (the forward process)

and the UNet, told ``t`` and the caption, is trained to predict a *target* with a mean squared
error. Which target is the model's choice, and a LoRA must use its base model's:

* ``"v_prediction"`` (the course's tiny model): ``v = sqrt(ᾱ_t) · ε − sqrt(1 − ᾱ_t) · x0``;
* ``"epsilon"`` (SD 1.5): the noise ``ε`` itself;
* ``"sample"``: the clean latents ``x0``.

:func:`noise_schedule` reads both the schedule and the target from a pipeline's scheduler, so the
same loss trains a LoRA on the tiny model and on SD 1.5. The learning-rate schedule both loops
use (linear warm-up, optionally a linear cool-down) is :func:`lr_factor`. :func:`stable_loss` is
the same loss with nothing left to chance (fixed timesteps, fixed noise): a validation loss that
moves only when the model does.
"""
from __future__ import annotations

from typing import Tuple

import torch
import torch.nn.functional as F

PREDICTION_TYPES = ("v_prediction", "epsilon", "sample")


def noise_schedule(pipe) -> Tuple[torch.Tensor, str]:
    """The noise schedule and the prediction target ``pipe``'s UNet was trained with, read from
    its scheduler's config: ``(alphas_cumprod, prediction_type)``. The course's tiny model gives
    cosine and ``"v_prediction"``, SD 1.5 scaled-linear and ``"epsilon"``."""
    from diffusers import DDPMScheduler
    sched = DDPMScheduler.from_config(pipe.scheduler.config)
    return sched.alphas_cumprod, sched.config.prediction_type


def add_noise(x0: torch.Tensor, noise: torch.Tensor, alphas_cumprod: torch.Tensor, t: torch.Tensor):
    """The forward process at timesteps ``t``: returns ``(x_t, sqrt(ᾱ_t), sqrt(1 − ᾱ_t))``, the
    two scales shaped to broadcast over ``x0``."""
    a = alphas_cumprod[t].sqrt().view(-1, 1, 1, 1).to(x0.device, x0.dtype)
    s = (1 - alphas_cumprod[t]).sqrt().view(-1, 1, 1, 1).to(x0.device, x0.dtype)
    return a * x0 + s * noise, a, s


def target(prediction_type: str, x0: torch.Tensor, noise: torch.Tensor, a: torch.Tensor,
           s: torch.Tensor) -> torch.Tensor:
    """What the UNet should predict for ``x_t = a·x0 + s·noise`` (see the module docstring)."""
    if prediction_type == "v_prediction":
        return a * noise - s * x0
    if prediction_type == "epsilon":
        return noise
    if prediction_type == "sample":
        return x0
    raise ValueError(f"prediction_type {prediction_type!r}: the trainer knows {sorted(PREDICTION_TYPES)}")


def diffusion_loss(unet, x0: torch.Tensor, cond: torch.Tensor, alphas_cumprod: torch.Tensor,
                   gen: torch.Generator, prediction_type: str = "v_prediction") -> torch.Tensor:
    """Noise ``x0`` to a random timestep (drawn from ``gen``, then the noise) and return the mean
    squared error of the UNet's prediction against its target."""
    if prediction_type not in PREDICTION_TYPES:
        raise ValueError(f"prediction_type {prediction_type!r}: the trainer knows {sorted(PREDICTION_TYPES)}")
    t = torch.randint(0, len(alphas_cumprod), (len(x0),), generator=gen)
    noise = torch.randn(x0.shape, generator=gen).to(x0.device, x0.dtype)
    xt, a, s = add_noise(x0, noise, alphas_cumprod, t)
    pred = unet(xt, t.to(x0.device), cond).sample
    return F.mse_loss(pred.float(), target(prediction_type, x0, noise, a, s).float())


#: Where on the schedule :func:`stable_loss` looks: these fractions of the way from clean to noise.
STABLE_FRACTIONS = (0.1, 0.3, 0.5, 0.7, 0.9)


@torch.no_grad()
def stable_loss(unet, x0: torch.Tensor, cond: torch.Tensor, alphas_cumprod: torch.Tensor,
                prediction_type: str = "v_prediction", fractions=STABLE_FRACTIONS, noises: int = 2,
                seed: int = 0) -> float:
    """The diffusion loss of :func:`diffusion_loss` with its randomness fixed: every picture is
    noised at each timestep ``t = fraction · T`` with ``noises`` noise draws from ``seed``, and
    the mean squared error is averaged over them all. The same call on the same model gives the
    same number, so a LoRA at two training steps (or two LoRAs) can be compared on it.
    ``x0`` N×C×h×w latents, ``cond`` N×L×D text states (one per picture)."""
    T = len(alphas_cumprod)
    t = torch.tensor([min(T - 1, int(f * T)) for f in fractions]).repeat_interleave(len(x0) * noises)
    reps = len(fractions) * noises
    x = x0.repeat(reps, 1, 1, 1)
    c = cond.repeat(reps, 1, 1)
    noise = torch.randn(x.shape, generator=torch.Generator().manual_seed(seed)).to(x.device, x.dtype)
    xt, a, s = add_noise(x, noise, alphas_cumprod, t)
    pred = unet(xt, t.to(x.device), c).sample
    return float(F.mse_loss(pred.float(), target(prediction_type, x, noise, a, s).float()))


def lr_factor(step: int, warmup: int, total: int = 0, decay: int = 0) -> float:
    """The learning rate at ``step`` as a fraction of the peak: a linear warm-up over ``warmup``
    steps, constant, then (when ``decay`` > 0) a linear cool-down over the last ``decay`` steps
    that reaches 0 at ``total`` ("warmup-stable-decay")."""
    warm = min(1.0, (step + 1) / warmup) if warmup else 1.0
    if decay <= 0:
        return warm
    return warm * min(1.0, max(0.0, (total - step) / decay))
