"""What the course keeps between notebooks, and the one way each kept thing is named.

Two kinds of things are kept in the build folder (:data:`lora_course.core.paths.BUILD_DIR`), so that a
notebook never trains or draws again what an earlier one made:

* **trained LoRAs**, ``build/loras/<name>-<key>.safetensors``: the key digests the training set's
  pictures and captions, the settings that change the weights, and the base model
  (:func:`lora_key`);
* **sweep points**, ``build/points/<key>.npy``: the pictures of one prompt at one LoRA weight on
  a list of seeds; the key digests the LoRA's key (or ``base`` at w = 0: the base model whatever
  the LoRA), the base model, the prompt, the weight, the seeds, the sampler and the device
  (:func:`point_key`). A point on seeds ``0 … n-1`` may be cut from one drawn on more seeds
  (:data:`WIDER_SEEDS`): a picture depends only on its prompt, weight and seed.

Every key is one scheme, :func:`digest`: the leading hex digits of the SHA-256 of what makes the
thing, as text. Points are written atomically (:mod:`lora_course.core.safe_io`) and read back without
pickle.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from ..datasets import dataset
from ..lora import lora_data
from ..core import safe_io
from ..core.paths import BUILD_DIR

#: Where trained LoRAs are kept between notebooks.
LORAS_DIR = BUILD_DIR / "loras"
#: Where the pictures of every sweep point are kept between notebooks (the tagger reads them
#: again each time).
POINTS_DIR = BUILD_DIR / "points"
#: Seed counts of points drawn by the course (``range(m)``), from which a point on fewer seeds is
#: cut instead of drawn again (notebook 14's 16-seed phase diagram re-uses the 32- and 48-seed sweeps).
WIDER_SEEDS = (32, 48, 64)


def digest(*parts: str, length: int = 12) -> str:
    """The key scheme: the first ``length`` hex digits of the SHA-256 of ``parts`` joined."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode())
    return h.hexdigest()[:length]


def lora_key(folder: Path, settings: dict, base: str) -> str:
    """The key of the LoRA trained on the kohya folder ``folder`` with ``settings`` (the trainer's
    :meth:`~lora_course.lora.lora_config.LoraTrainConfig.weights_json`) on the base model ``base``
    (its fingerprint)."""
    return digest(lora_data.dataset_fingerprint(dataset.load_dataset(folder)),
                  json.dumps(settings, sort_keys=True), base)


def lora_file(name: str, key: str) -> Path:
    """Where the LoRA ``name`` with ``key`` is kept."""
    return LORAS_DIR / f"{name}-{key}.safetensors"


def sampler_extras(sampler: dict) -> dict:
    """The sampler settings a point's key carries besides steps and guidance: the solver and the
    guided share, each only where it is not DPM-Solver++ 2M fully guided (the sampler every point
    was drawn with before they could change, so those points keep their keys)."""
    extras = {}
    if sampler["solver"] != "dpm++2m":
        extras["solver"] = sampler["solver"]
    if sampler["guided"] != 1.0:
        extras["guided"] = sampler["guided"]
    return extras


def point_key(lora: Optional[str], base: str, prompt: str, weight: float, seeds: Sequence[int], sampler: dict,
              device: str) -> str:
    """The key of one sweep point: ``lora`` is the LoRA's key (ignored at ``weight`` 0, where the
    picture is the base model's)."""
    what = {"lora": lora if weight != 0.0 else "base", "base": base, "prompt": prompt, "weight": weight,
            "seeds": list(map(int, seeds)), "steps": sampler["steps"], "guidance": sampler["guidance"],
            "device": device, **sampler_extras(sampler)}
    return digest(json.dumps(what, sort_keys=True), length=20)


def point_file(key: str) -> Path:
    return POINTS_DIR / f"{key}.npy"


def load_point(path: Path) -> np.ndarray:
    return np.load(path, allow_pickle=False)


def save_point(path: Path, pictures: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    safe_io.save_npy(path, pictures)
