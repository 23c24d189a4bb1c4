"""The real WD14 tagger (SmilingWolf's ``wd-*-tagger`` ONNX models), behind the course's tagging API.

This module owns reading real pictures with WD14: finding the model (a local folder or a Hugging
Face hub repository holding ``model.onnx`` and ``selected_tags.csv``), its input conventions, and
turning its probabilities into tag lists. It is optional: it needs ``onnxruntime`` and the model
files, and :func:`available` says in one sentence why it cannot run when it cannot.

:class:`WD14Tagger` has the auto-tagging API of the course's own :class:`lora_course.tagger.Tagger`
(``tag_lists(images, threshold=..., exclusive=...)`` and ``image_size``), so
:func:`lora_course.tagger.autotag_folder` writes kohya captions with either.

WD14's conventions, as its reference code (SmilingWolf's demo, kohya's
``tag_images_by_wd14_tagger.py``) uses them:

* input ``N × 448 × 448 × 3`` float32 in 0–255 (NHWC), channels in **BGR** order; the picture is
  composited on white if it has transparency, padded to a square with white (centred), then
  resized to the model's input size (read from the model, 448 for the v1.4/v3 taggers);
* output ``N × T`` probabilities (a sigmoid is part of the graph), one per row of
  ``selected_tags.csv`` (columns ``tag_id,name,category,count``); categories ``9`` are the rating
  tags (``general``, ``sensitive``...), ``0`` the general tags, ``4`` the character names;
* thresholds: 0.35 for general tags, 0.85 for character tags; underscores become spaces except in
  kaomoji (``^_^``).
"""
from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
from PIL import Image

from ..core.availability import Availability  # the course's one answer type (re-exported here)
from ..datasets.dataset import is_emoticon

#: kohya's default WD14 model (a Hugging Face hub repository).
DEFAULT_REPO = "SmilingWolf/wd-v1-4-convnext-tagger-v2"
MODEL_FILE = "model.onnx"
TAGS_FILE = "selected_tags.csv"
#: ``category`` column of ``selected_tags.csv``.
RATING, GENERAL, CHARACTER = 9, 0, 4
DEFAULT_SIZE = 448


def _is_kaomoji(name: str) -> bool:
    # the same rule as the course's tag tools: ``^_^`` and ``>_<`` keep their underscore
    return is_emoticon(name)


def read_tags_csv(path: Union[str, Path]) -> Tuple[List[str], List[int]]:
    """``selected_tags.csv`` → (tag names with spaces for underscores, except kaomoji; categories)."""
    path = Path(path)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows or not {"name", "category"} <= set(rows[0]):
        raise ValueError(f"{path}: expected WD14's columns tag_id,name,category,count")
    names = [r["name"] if _is_kaomoji(r["name"]) else r["name"].replace("_", " ") for r in rows]
    return names, [int(r["category"]) for r in rows]


def preprocess(image: Image.Image, size: int = DEFAULT_SIZE) -> np.ndarray:
    """One picture → ``size × size × 3`` float32 in 0–255, BGR: transparency on white, padded to a
    square with white (centred), resized with bicubic filtering."""
    im = image
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        im = im.convert("RGBA")
        canvas = Image.new("RGBA", im.size, (255, 255, 255, 255))
        canvas.alpha_composite(im)
        im = canvas
    im = im.convert("RGB")
    side = max(im.size)
    square = Image.new("RGB", (side, side), (255, 255, 255))
    square.paste(im, ((side - im.size[0]) // 2, (side - im.size[1]) // 2))
    if side != size:
        square = square.resize((size, size), Image.BICUBIC)
    return np.asarray(square, dtype=np.float32)[:, :, ::-1].copy()     # RGB -> BGR


def _local_files(source: Union[str, Path]) -> Optional[Tuple[Path, Path]]:
    folder = Path(source)
    if (folder / MODEL_FILE).is_file() and (folder / TAGS_FILE).is_file():
        return folder / MODEL_FILE, folder / TAGS_FILE
    return None


def _looks_local(source: Union[str, Path]) -> bool:
    s = str(source)
    return isinstance(source, Path) or s.startswith((".", "/", "~")) or os.sep in s and Path(s).exists()


def available(source: Union[str, Path] = DEFAULT_REPO) -> Availability:
    """Can WD14 run here? ``source``: a folder with ``model.onnx`` and ``selected_tags.csv``, or a
    hub repository id (found in the local cache, or downloadable). Never raises."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return Availability(False, "WD14 needs onnxruntime, which is not installed "
                                   "(pip install onnxruntime), so the course's tagging tools are used alone.")
    if _local_files(source):
        return Availability(True, f"WD14 found in {source}.")
    if _looks_local(source):
        return Availability(False, f"{source} holds no {MODEL_FILE} and {TAGS_FILE}, so WD14 is skipped.")
    try:
        from huggingface_hub import constants, try_to_load_from_cache
        cached = [try_to_load_from_cache(str(source), f) for f in (MODEL_FILE, TAGS_FILE)]
        if all(isinstance(c, str) for c in cached):
            return Availability(True, f"WD14 {source} found in the Hugging Face cache.")
        if constants.HF_HUB_OFFLINE:
            return Availability(False, f"The Hugging Face hub is offline (HF_HUB_OFFLINE) and WD14 "
                                       f"{source} is not in its cache, so WD14 is skipped.")
        from huggingface_hub import HfApi
        HfApi().model_info(str(source), timeout=10)
        return Availability(True, f"WD14 {source} will be downloaded from the Hugging Face hub.")
    except Exception as e:  # no network, unknown repository, ...
        return Availability(False, f"WD14 {source} could not be reached on the Hugging Face hub "
                                   f"({type(e).__name__}), so WD14 is skipped.")


class WD14Tagger:
    """A WD14 ONNX model and its tag list: ``WD14Tagger.load(folder_or_repo)``."""

    def __init__(self, session, names: Sequence[str], categories: Sequence[int],
                 character_threshold: float = 0.85):
        self.session = session
        self.names, self.categories = list(names), np.asarray(categories)
        inp = session.get_inputs()[0]
        self.input_name = inp.name
        dims = [d for d in inp.shape[1:3] if isinstance(d, int)]
        self.image_size = dims[0] if dims else DEFAULT_SIZE
        self.character_threshold = character_threshold
        out = session.get_outputs()[0]
        width = out.shape[-1] if out.shape and isinstance(out.shape[-1], int) else None
        if width is not None and width != len(self.names):
            raise ValueError(f"the WD14 model gives {width} probabilities but its {TAGS_FILE} "
                             f"names {len(self.names)} tags: they do not belong together")

    @classmethod
    def load(cls, source: Union[str, Path] = DEFAULT_REPO, providers: Optional[Sequence[str]] = None,
             **kw) -> "WD14Tagger":
        """From a folder holding ``model.onnx`` and ``selected_tags.csv``, or a hub repository id
        (downloaded once into the Hugging Face cache). ``providers``: onnxruntime's, by default
        CUDA when onnxruntime has it, else CPU."""
        import onnxruntime as ort
        files = _local_files(source)
        if files is None:
            if _looks_local(source):
                raise FileNotFoundError(f"{source}: expected {MODEL_FILE} and {TAGS_FILE} in it")
            from huggingface_hub import hf_hub_download
            files = tuple(Path(hf_hub_download(str(source), f)) for f in (MODEL_FILE, TAGS_FILE))
        if providers is None:
            providers = [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider")
                         if p in ort.get_available_providers()]
        session = ort.InferenceSession(str(files[0]), providers=list(providers))
        names, categories = read_tags_csv(files[1])
        return cls(session, names, categories, **kw)

    def probs(self, images, batch_size: int = 8) -> np.ndarray:
        """Probabilities N × len(names) for PIL images (or uint8 N×H×W×3 arrays)."""
        if isinstance(images, np.ndarray):
            images = [Image.fromarray(a) for a in images]
        out = []
        for i in range(0, len(images), batch_size):
            x = np.stack([preprocess(im, self.image_size) for im in images[i:i + batch_size]])
            p = np.asarray(self.session.run(None, {self.input_name: x})[0], dtype=np.float32)
            if p.min() < 0 or p.max() > 1:        # a model exported without its final sigmoid
                p = 1 / (1 + np.exp(-p))
            out.append(p)
        return np.concatenate(out) if out else np.zeros((0, len(self.names)), np.float32)

    def tag_lists(self, images, threshold: float = 0.35, exclusive: bool = False,
                  character_threshold: Optional[float] = None) -> List[List[str]]:
        """Per image, the general tags reaching ``threshold`` and the character tags reaching
        ``character_threshold`` (0.85), most likely first; rating tags are never written.

        ``exclusive`` is part of the course's tagging API; WD14's tags form no exclusive groups,
        so it changes nothing here."""
        ct = self.character_threshold if character_threshold is None else character_threshold
        p = self.probs(images)
        limit = np.where(self.categories == CHARACTER, ct, threshold)
        keep = (self.categories != RATING)[None] & (p >= limit[None])
        out = []
        for row, k in zip(p, keep):
            idx = np.flatnonzero(k)
            out.append([self.names[j] for j in idx[np.argsort(-row[idx], kind="stable")]])
        return out

    def ratings(self, images) -> List[dict]:
        """Per image, the rating tags and their probabilities (``general``, ``sensitive``...)."""
        p = self.probs(images)
        idx = np.flatnonzero(self.categories == RATING)
        return [{self.names[j]: float(row[j]) for j in idx} for row in p]


def load_if_available(source: Union[str, Path] = DEFAULT_REPO) -> Tuple[Optional[WD14Tagger], str]:
    """``(WD14Tagger, sentence)`` when WD14 can run here, else ``(None, sentence saying why)``."""
    ok, why = available(source)
    if not ok:
        return None, why
    try:
        return WD14Tagger.load(source), why
    except Exception as e:  # a download or a model that fails to load: skip, and say so
        return None, f"WD14 {source} failed to load ({type(e).__name__}: {e}), so it is skipped."
