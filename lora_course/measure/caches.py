"""What the course keeps between notebooks, and the one way each kept thing is named.

Two kinds of things are kept in the build folder (:data:`lora_course.core.paths.BUILD_DIR`), so that a
notebook never trains or draws again what an earlier one made:

* **trained LoRAs**, ``build/loras/<name>-<key>.safetensors``: the key digests the training set's
  pictures and captions (pictures a model drew, by how they were drawn:
  :data:`lora_course.lora.lora_data.DRAWN`), the settings that change the weights, and the base
  model (:func:`lora_key`). The article's LoRAs of every claim, and notebook 14's light runs
  along their lengths, ship named the same way in ``data/loras`` (:data:`SHIPPED_LORAS_DIR`), which
  is read but never written (:func:`kept_lora`, :func:`shipped_lora_file`);
* **sweep points**, ``build/points/<key>.npz``: the pictures of one prompt at one LoRA weight,
  one per seed drawn so far, with those seeds; the key digests the LoRA's key (or ``base`` at
  w = 0: the base model whatever the LoRA), the base model, the prompt, the weight, the sampler
  and the device (:func:`point_key`), not the seeds: a picture depends only on its prompt, weight
  and seed, so a sweep on any seeds takes the ones kept and draws only the rest, which are added
  to the file (:func:`load_point`, :func:`add_to_point`). A claim drawn in looks of 16, 32 and 64
  seeds draws each picture once.

Every key is one scheme, :func:`digest`: the leading hex digits of the SHA-256 of what makes the
thing, as text. Points are written atomically (:mod:`lora_course.core.safe_io`) and read back without
pickle.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Dict, Optional

import numpy as np

from ..datasets import dataset
from ..lora import lora_data
from ..core import safe_io
from ..core.paths import BUILD_DIR, DATA_DIR

#: Where trained LoRAs are kept between notebooks.
LORAS_DIR = BUILD_DIR / "loras"
#: Where the course ships the LoRAs its claims read (trained once by scripts/train_article_loras.py).
SHIPPED_LORAS_DIR = DATA_DIR / "loras"
#: Where the pictures of every sweep point are kept between notebooks (the tagger reads them
#: again each time).
POINTS_DIR = BUILD_DIR / "points"

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


def shipped_lora_file(name: str, key: str) -> Path:
    """Where the course ships the LoRA ``name`` with ``key`` (read only: the course never writes it)."""
    return SHIPPED_LORAS_DIR / lora_file(name, key).name


def kept_lora(name: str, key: str) -> Path:
    """The file of the LoRA ``name`` with ``key``: the one in ``build/loras`` if there is one, else
    the shipped one in ``data/loras`` if there is one, else where a new one is to be written
    (``build/loras``: the shipped folder is never written)."""
    built, shipped = lora_file(name, key), shipped_lora_file(name, key)
    return shipped if not built.exists() and shipped.exists() else built


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


def point_key(lora: Optional[str], base: str, prompt: str, weight: float, sampler: dict, device: str) -> str:
    """The key of one sweep point: ``lora`` is the LoRA's key (ignored at ``weight`` 0, where the
    picture is the base model's)."""
    what = {"lora": lora if weight != 0.0 else "base", "base": base, "prompt": prompt, "weight": weight,
            "steps": sampler["steps"], "guidance": sampler["guidance"], "device": device, **sampler_extras(sampler)}
    return digest(json.dumps(what, sort_keys=True), length=20)


def point_file(key: str) -> Path:
    return POINTS_DIR / f"{key}.npz"


def load_point(path: Path) -> Dict[int, np.ndarray]:
    """The pictures kept for one point, by seed (empty when none is kept)."""
    if not path.exists():
        return {}
    with np.load(path, allow_pickle=False) as f:
        return {int(s): pic for s, pic in zip(f["seeds"], f["pictures"])}


def kept_pictures(folder: Optional[Path] = None) -> int:
    """How many pictures the points folder (``folder``, default :data:`POINTS_DIR`) keeps, all
    points together: a course run counts what each notebook drew as the change in it."""
    total = 0
    for path in sorted(Path(folder or POINTS_DIR).glob("*.npz")):
        with np.load(path, allow_pickle=False) as f:
            total += len(f["seeds"])
    return total


def add_to_point(path: Path, pictures: Dict[int, np.ndarray]) -> None:
    """Keep more pictures of one point (``{seed: picture}``) beside the ones kept already."""
    kept = {**load_point(path), **pictures}
    seeds = sorted(kept)
    path.parent.mkdir(parents=True, exist_ok=True)
    safe_io.save_npz(path, seeds=np.asarray(seeds, np.int64), pictures=np.stack([kept[s] for s in seeds]))
