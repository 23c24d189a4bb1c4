"""What a LoRA trains on: the order of its pictures, the caption each step sees, and the caches.

kohya's trainer, in the pieces that decide *what* the model is shown (the loop in
:mod:`lora_course.lora` decides what is done with it):

* an epoch is every concept's pictures ``repeats`` times (``10_weiwei/`` → 10 repeats);
  :func:`batch_indices` cuts an endless stream of shuffled epochs into batches, as a pure function
  of the position, so a resumed run draws exactly what the uninterrupted one would have;
* each sample's caption is its tags, shuffled after the first ``keep_tokens`` (the trigger stays
  in front), sometimes dropped to "" (:func:`training_caption`);
* the trigger words are the first ``keep_tokens`` tags of every caption (:func:`trigger_words`);
* :func:`dataset_fingerprint` changes when a picture, a caption or a repeat count does (a resume
  refuses another dataset; the course's LoRA cache keys on it); a concept folder whose pictures a
  model drew is fingerprinted by how they were drawn (:data:`DRAWN`), not by their bytes;
* :class:`TextCache` encodes each distinct caption once while the text encoder is frozen; the
  pictures' latents are encoded once too (kohya's ``cache_latents``: :func:`training_pixels`,
  then :func:`lora_course.sd.sampling.encode_images`).
"""
from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np
import torch

from ..datasets import dataset
from ..sd.sampling import encode_prompts, to_tensor


def epoch_order(ds: dataset.Dataset) -> List[int]:
    """One epoch as item indices: each concept's items ``repeats`` times (kohya's repeats)."""
    index = {id(it): i for i, it in enumerate(ds.items)}
    return [index[id(it)] for it in ds.epoch_items()]


def batch_indices(order: List[int], position: int, n: int, seed: int) -> List[int]:
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


def training_caption(tags: Sequence[str], rng: random.Random, shuffle: bool, keep_tokens: int,
                     dropout: float) -> str:
    """The caption one training sample sees: tags shuffled after ``keep_tokens``, sometimes ""."""
    if shuffle:
        tags = dataset.shuffle_caption(tags, rng, keep_tokens)
    if dropout and rng.random() < dropout:
        return ""
    return dataset.caption_text(tags)


def trigger_words(ds: dataset.Dataset, keep_tokens: int) -> List[str]:
    """The first ``keep_tokens`` tags (at least one) of every caption, in order, each once."""
    words: List[str] = []
    for it in ds.items:
        for t in it.tags[: max(keep_tokens, 1)]:
            if t not in words:
                words.append(t)
    return words


#: A file in a dataset's root that says how the pictures of some of its concept folders were drawn
#: (``{folder name: {what drew them}}``, written by whatever drew them: e.g.
#: :func:`lora_course.measure.remedies.prior_preservation_set`).
DRAWN = "drawn.json"


def drawn_concepts(root) -> Dict[str, dict]:
    """``{concept folder name: how its pictures were drawn}`` from ``root``'s :data:`DRAWN` file
    (empty when there is none)."""
    path = Path(root) / DRAWN
    if not path.exists():
        return {}
    try:
        drawn = json.loads(path.read_text())
    except ValueError as e:
        raise dataset.DatasetError(f"{path}: not JSON ({e}). Fix: delete it, or build the set again") from None
    if not isinstance(drawn, dict) or not all(isinstance(v, dict) for v in drawn.values()):
        raise dataset.DatasetError(f"{path}: expected {{folder name: {{how it was drawn}}}}. Fix: delete it, or "
                                   "build the set again")
    return drawn


def dataset_fingerprint(ds: dataset.Dataset) -> str:
    """Changes when an image, a caption or a repeat count changes (checked on resume).

    In a concept folder named in the root's :data:`DRAWN` file, the pictures count by that record
    (the models, prompt, seeds and sampler that drew them) instead of by their bytes (their file
    names and captions still count): a model draws the same pictures from the same record up to the
    last bits of its floats, which differ between machines, and a LoRA trained on them is keyed,
    like every other, by what was asked for."""
    h = hashlib.sha256()
    drawn = drawn_concepts(ds.root)
    for c in ds.concepts:
        h.update(f"{c.path.name}|{c.repeats}".encode())
        record = drawn.get(c.path.name)
        if record is not None:
            h.update(json.dumps(record, sort_keys=True).encode())
        for it in c.items:
            h.update(f"{it.image_path.name}|{'|'.join(it.tags)}".encode())
            if record is None:
                h.update(hashlib.sha256(it.image_path.read_bytes()).digest())
    return h.hexdigest()[:16]


def training_pixels(ds: dataset.Dataset, resolution: int) -> torch.Tensor:
    """Every picture of ``ds`` at ``resolution``, as floats N×3×H×W in [-1, 1]."""
    return to_tensor(np.stack([np.asarray(dataset.load_image(it.image_path, resolution))
                               for it in ds.items]))


class TextCache:
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
                fresh = dict(zip(new, emb))
                return torch.stack([self.store[c] if c in self.store else fresh[c] for c in captions])
        return torch.stack([self.store[c] for c in captions])
