"""Sampling: prompts into text states, pictures into latents, and drawing with fixed seeds.

The few conversions every loop of the course needs, in one place:

* :func:`to_tensor` — uint8 pictures N×H×W×3 → float N×3×H×W in [-1, 1] (what the VAE takes);
* :func:`encode_prompts` — captions → the text encoder's hidden states the UNet cross-attends to;
* :func:`encode_images` — pixels → the UNet's latents, ``mean(VAE(x)) · scaling_factor``;
* :func:`generate` — one picture per (prompt, seed), each with its own ``torch.Generator``, so a
  picture depends only on its prompt and seed (and the LoRA weights set on the pipeline), never
  on the batch it was drawn in. :func:`grid_jobs` lays out prompts × seeds;
* :func:`guidance_tilt` — what classifier-free guidance does to the share of a value, to first order.

Pretraining, LoRA training, the sweeps and the slider all call these; the pipeline can be the
course's tiny model or any SD 1.x ``StableDiffusionPipeline``.
"""
from __future__ import annotations

from typing import Dict, List, Mapping, Sequence, Tuple

import numpy as np
import torch
from tqdm.auto import tqdm

from ..core import progress as progress_
from .base_model import DEFAULT_GUIDANCE, DEFAULT_GUIDED, DEFAULT_STEPS
from .tokenizer import warn_if_truncated


def to_tensor(imgs_uint8: np.ndarray) -> torch.Tensor:
    """uint8 N×H×W×3 -> float N×3×H×W in [-1, 1] (what the VAE expects)."""
    return torch.from_numpy(imgs_uint8).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)


def encode_prompts(tokenizer, text_encoder, captions: Sequence[str]) -> torch.Tensor:
    """Text -> the sequence of hidden states the UNet cross-attends to (as SD does). Captions
    longer than the tokenizer's window are cut there, as in SD (see
    :func:`lora_course.sd.tokenizer.warn_if_truncated`, which the callers use to say so)."""
    ids = tokenizer(list(captions), padding="max_length", max_length=tokenizer.model_max_length,
                    truncation=True, return_tensors="pt").input_ids
    return text_encoder(ids.to(getattr(text_encoder, "device", ids.device)))[0]


@torch.no_grad()
def encode_images(vae, pixels: torch.Tensor, batch: int = 32) -> torch.Tensor:
    """Pixels in [-1, 1] → latents the UNet works on: ``mean(VAE(x)) · scaling_factor``.

    (The pipeline divides by ``scaling_factor`` before decoding, so the UNet's latent space is
    the scaled one; real SD uses 0.18215.)"""
    sf = vae.config.scaling_factor
    out = [vae.encode(pixels[i:i + batch].to(vae.device, vae.dtype)).latent_dist.mean * sf
           for i in range(0, len(pixels), batch)]
    return torch.cat(out)


class GuidedUntil:
    """A ``callback_on_step_end`` that turns classifier-free guidance off after the first
    ``guided_steps`` steps: from there on the UNet sees only the prompt's half of the batch (one
    evaluation per step instead of two), as diffusers' "dynamic CFG" recipe does."""
    tensor_inputs = ["prompt_embeds"]

    def __init__(self, guided_steps: int):
        self.guided_steps = guided_steps

    def __call__(self, pipe, step_index, timestep, callback_kwargs):
        if step_index == self.guided_steps - 1 and pipe.do_classifier_free_guidance:
            callback_kwargs["prompt_embeds"] = callback_kwargs["prompt_embeds"].chunk(2)[-1]
            pipe._guidance_scale = 1.0
        return callback_kwargs


def guided_steps(steps: int, guided: float) -> int:
    """How many of ``steps`` are guided when a share ``guided`` of them is (at least one)."""
    return max(1, min(steps, round(guided * steps)))


@torch.no_grad()
def generate(pipe, prompts: Sequence[str], seeds: Sequence[int], steps: int = DEFAULT_STEPS,
             guidance: float = DEFAULT_GUIDANCE, batch_size: int = 64, negative_prompt: str = "",
             progress: bool = False, desc: str = "generating", guided: float = DEFAULT_GUIDED) -> np.ndarray:
    """One image per (prompt, seed) pair → uint8 array N×H×W×3.

    ``prompts`` and ``seeds`` have the same length (use :func:`grid_jobs` for prompts × seeds).
    A prompt longer than the text encoder's window warns once, naming the tags it loses.
    ``guided`` < 1 guides only the first share of the steps (:class:`GuidedUntil`).
    """
    if len(prompts) != len(seeds):
        raise ValueError(f"{len(prompts)} prompts but {len(seeds)} seeds: pass one seed per prompt")
    warn_if_truncated(pipe.tokenizer, prompts, where="sampling")
    out = []
    rng = range(0, len(prompts), batch_size)
    for i in tqdm(rng, desc=desc, disable=progress_.disabled(progress), mininterval=2):
        p, s = list(prompts[i:i + batch_size]), list(seeds[i:i + batch_size])
        gens = [torch.Generator("cpu").manual_seed(int(x)) for x in s]
        until, g = {}, guided_steps(steps, guided)
        if guidance > 1 and g < steps:
            cb = GuidedUntil(g)
            until = dict(callback_on_step_end=cb, callback_on_step_end_tensor_inputs=cb.tensor_inputs)
        imgs = pipe(p, negative_prompt=[negative_prompt] * len(p) if guidance > 1 else None,
                    num_inference_steps=steps, guidance_scale=guidance, generator=gens,
                    output_type="np", **until).images
        out.append((np.clip(imgs, 0, 1) * 255).round().astype(np.uint8))
    return np.concatenate(out) if out else np.zeros((0, 64, 64, 3), np.uint8)


def guidance_tilt(cond: Mapping[str, float], uncond: Mapping[str, float], scale: float) -> Dict[str, float]:
    """The shares of a group's values that guidance at ``scale`` would draw, to first order.

    Classifier-free guidance follows the score ``ε_u + s·(ε_c − ε_u)``, the score of
    ``p_c(x)^s · p_u(x)^(1−s)`` (normalised): with ``cond`` the shares the prompt draws without
    guidance (s = 1) and ``uncond`` those of the empty prompt, a value gets
    ``cond[v]^s · uncond[v]^(1−s) / Σ``. Guidance is not only a sharpening: it moves a share
    *away* from the unconditional one, so a value the prompt draws less often than the empty
    prompt loses share, even when it is the prompt's most common value. (First order only: the
    sampler guides noisy latents, not a distribution over finished pictures.)
    """
    w = {v: (cond[v] ** scale) * (uncond[v] ** (1 - scale)) if cond[v] > 0 and uncond.get(v, 0) > 0 else 0.0
         for v in cond}
    total = sum(w.values())
    return {v: x / total for v, x in w.items()} if total > 0 else dict(cond)


def grid_jobs(prompts: Sequence[str], seeds: Sequence[int]) -> Tuple[List[str], List[int]]:
    """All (prompt, seed) pairs, prompt-major: returns (prompt list, seed list)."""
    return [p for p in prompts for _ in seeds], [s for _ in prompts for s in seeds]
