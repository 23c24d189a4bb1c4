"""The base model (the article's 门派, "the sect"): a tiny but real Stable Diffusion.

It is made of the same diffusers / transformers parts as SD 1.5, only small:

* ``AutoencoderKL``: 64×64×3 pixels <-> 16×16×4 latents (factor 4, like SD's factor 8);
* ``UNet2DConditionModel``: predicts *v* (v-prediction) on the latents, cross-attending to the text;
* ``CLIPTextModel`` + ``CLIPTokenizer``: the tag vocabulary of :mod:`lora_course.sd.tokenizer`;
* ``DPMSolverMultistepScheduler``: few-step sampling.

so :func:`load_pipeline` returns an ordinary ``StableDiffusionPipeline``. Everything the course
does with it (LoRA, weights, sampling) is what you would do with a real checkpoint.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional, Union

import torch

from ..core import safe_io
from ..core.paths import DATA_DIR

#: Where the shipped base model lives (a diffusers ``save_pretrained`` folder), and where the
#: course keeps what it makes (:mod:`lora_course.core.paths`: ``build/`` or ``LORA_COURSE_BUILD``).
BASE_DIR = DATA_DIR / "base"

#: Course defaults for sampling, chosen by measurement on the shipped model: the lowest guidance
#: that loses nothing, since higher guidance overshoots. The numbers, and how to measure them
#: again when the model changes, are in docs/base_model.md ("Choosing the sampling defaults").
DEFAULT_STEPS = 12
DEFAULT_GUIDANCE = 2.0
#: The solver of those steps (one of :data:`SOLVERS`) and the share of them that is guided: with
#: ``DEFAULT_GUIDED < 1`` the last, low-noise steps run without classifier-free guidance, one
#: UNet evaluation each instead of two (a guidance interval, after Kynkäänniemi et al. 2024).
#: Chosen by ``scripts/benchmark_sampler.py``; its table is in docs/base_model.md ("Fewer
#: evaluations per picture").
DEFAULT_SOLVER = "dpm++2m"
DEFAULT_GUIDED = 1.0
SOLVERS = ("dpm++2m", "dpm++3m", "unipc")

VAE_CONFIG = dict(
    in_channels=3, out_channels=3, latent_channels=4, sample_size=64,
    down_block_types=("DownEncoderBlock2D",) * 3, up_block_types=("UpDecoderBlock2D",) * 3,
    block_out_channels=(16, 32, 64), layers_per_block=1, norm_num_groups=8,
    mid_block_add_attention=False,
)
UNET_CONFIG = dict(
    sample_size=16, in_channels=4, out_channels=4, layers_per_block=1,
    block_out_channels=(32, 64, 128),
    down_block_types=("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
    up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
    cross_attention_dim=128, attention_head_dim=4, norm_num_groups=16,
)
TEXT_CONFIG = dict(hidden_size=128, intermediate_size=256, num_hidden_layers=3,
                   num_attention_heads=4, projection_dim=128)
SCHEDULER_CONFIG = dict(num_train_timesteps=1000, beta_schedule="squaredcos_cap_v2",
                        prediction_type="v_prediction", timestep_spacing="trailing",
                        steps_offset=1)


def build_models(tokenizer, seed: int = 0):
    """Fresh, randomly initialised (vae, unet, text_encoder) for ``tokenizer``."""
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    torch.manual_seed(seed)
    vae = AutoencoderKL(**VAE_CONFIG)
    unet = UNet2DConditionModel(**UNET_CONFIG)
    cfg = CLIPTextConfig(vocab_size=len(tokenizer), max_position_embeddings=tokenizer.model_max_length,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id, **TEXT_CONFIG)
    text_encoder = CLIPTextModel(cfg)
    return vae, unet, text_encoder


def train_scheduler():
    """The noise schedule used in training (cosine, v-prediction)."""
    from diffusers import DDPMScheduler
    return DDPMScheduler(**SCHEDULER_CONFIG, clip_sample=False)


def sample_scheduler(solver: str = "dpm++2m"):
    """A few-step sampler on the model's noise schedule: ``dpm++2m`` (the one saved with the model),
    ``dpm++3m`` or ``unipc`` (see :data:`SOLVERS`)."""
    from diffusers import DPMSolverMultistepScheduler, UniPCMultistepScheduler
    if solver == "dpm++2m":
        return DPMSolverMultistepScheduler(**SCHEDULER_CONFIG)
    if solver == "dpm++3m":
        return DPMSolverMultistepScheduler(**SCHEDULER_CONFIG, solver_order=3)
    if solver == "unipc":
        return UniPCMultistepScheduler(**SCHEDULER_CONFIG)
    raise ValueError(f"unknown solver {solver!r}: use one of {', '.join(SOLVERS)} "
                     "(lora_course.sd.base_model.SOLVERS)")


def assemble_pipeline(vae, unet, text_encoder, tokenizer):
    """Wrap the parts in a ``StableDiffusionPipeline`` (no safety checker: our world is drawn)."""
    from diffusers import StableDiffusionPipeline
    return StableDiffusionPipeline(vae=vae, text_encoder=text_encoder, tokenizer=tokenizer,
                                   unet=unet, scheduler=sample_scheduler(), safety_checker=None,
                                   feature_extractor=None, requires_safety_checker=False)


def save_pipeline(pipe, path: Union[str, Path]) -> None:
    """Save as safetensors, and write the tokenizer's vocab.json/merges.txt beside tokenizer.json."""
    path = Path(path)
    pipe.save_pretrained(path, safe_serialization=True)
    # where the weights were loaded from is no part of the model (and names a machine's folders)
    for cfg in sorted(path.glob("*/config.json")) + [path / "tokenizer" / "tokenizer_config.json"]:
        if cfg.exists():
            data = json.loads(cfg.read_text())
            clean = {k: v for k, v in data.items() if k not in ("_name_or_path", "is_local", "local_files_only")}
            if clean != data:
                safe_io.write_text(cfg, json.dumps(clean, indent=2, sort_keys=True) + "\n")
    tok = json.loads((path / "tokenizer" / "tokenizer.json").read_text())
    # padding and truncation are set by each call (padding="max_length", truncation=True); a
    # tokenizer that has been used remembers the last call's in its file, a fresh one does not:
    # saved without them, the same model gives the same files
    if tok.get("padding") is not None or tok.get("truncation") is not None:
        tok["padding"], tok["truncation"] = None, None
        safe_io.write_text(path / "tokenizer" / "tokenizer.json", json.dumps(tok, ensure_ascii=False, indent=2))
    safe_io.write_text(path / "tokenizer" / "vocab.json", json.dumps(tok["model"]["vocab"], ensure_ascii=False))
    merges = [" ".join(m) if isinstance(m, list) else m for m in tok["model"]["merges"]]
    safe_io.write_text(path / "tokenizer" / "merges.txt", "#version: 0.2\n" + "\n".join(merges) + "\n")


def pick_device(device: Optional[str] = None) -> str:
    """``device`` if given, else the best available: cuda, then mps, then cpu."""
    if device:
        return device
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def _dtype_keyword() -> str:
    """The keyword ``from_pretrained`` takes a dtype by: ``dtype`` in recent diffusers (which
    deprecate ``torch_dtype``), ``torch_dtype`` in older ones (Colab may have either)."""
    try:
        from diffusers.utils import deprecation_utils
        return "dtype" if hasattr(deprecation_utils, "_resolve_dtype") else "torch_dtype"
    except ImportError:
        return "torch_dtype"


def load_pipeline(path: Union[str, Path, None] = None, device: Optional[str] = None,
                  dtype: Optional[torch.dtype] = None):
    """Load a ``StableDiffusionPipeline``: the shipped tiny base model by default, or any local
    folder / hub id of a real SD 1.x checkpoint (e.g. ``"stable-diffusion-v1-5/stable-diffusion-v1-5"``).

    ``device``: see :func:`pick_device` (cuda, then mps, then cpu). ``dtype``: float16 on cuda,
    float32 elsewhere, unless given. The course's notebooks and :mod:`lora_course.real_sd` both
    load through here, so the tiny model and a real checkpoint take the same code path.
    """
    from diffusers import StableDiffusionPipeline

    path = BASE_DIR if path is None else path
    local = Path(path)
    if (isinstance(path, Path) or os.path.sep in str(path) or local.exists()) and \
            not (local / "model_index.json").exists():
        raise FileNotFoundError(
            f"no diffusers model at {local}: expected {local / 'model_index.json'}. "
            "The tiny base model ships in data/base; rebuild it with "
            "`python -m lora_course.sd.pretrain` if it is missing.")
    device = pick_device(device)
    if dtype is None:
        dtype = torch.float16 if device == "cuda" else torch.float32
    pipe = StableDiffusionPipeline.from_pretrained(str(path), safety_checker=None,
                                                   requires_safety_checker=False,
                                                   use_safetensors=True, **{_dtype_keyword(): dtype})
    pipe.set_progress_bar_config(disable=True)
    return pipe.to(device, dtype)
