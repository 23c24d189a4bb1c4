"""The tagger: our world's WD14. It reads which tags a picture shows.

It has two jobs in the course:

* **auto-tagging** a dataset folder, writing kohya-style captions the way kohya's WD14 script does
  (a probability threshold, undesired tags, the trigger always first, never overwriting a caption
  unless asked, and then with a backup) — :func:`autotag_folder`;
* **measuring** every generated image: which value each tag group shows, and from that, how often
  a prompt's tags come out and how faithfully a character is reproduced — :meth:`Tagger.read`,
  :class:`Readings`.

The network is a small CNN with one softmax head per tag group (the groups of
:data:`lora_course.world.GROUPS` are exclusive: a girl has one hair colour). Each head has a
``none`` class: no animal ears, a neutral face, or no girl at all (the fox animal). It is trained on
renders and on pictures that look like the base model's output (VAE reconstructions, blur, noise),
and on renders made ambiguous on purpose (a colour half-way between two, two different eyes, one
tear, a half-open mouth: :class:`lora_course.world.Ambiguity`). Every head of a group the renderer
can draw ambiguous has a class of its own for them, :data:`UNCLEAR`, trained on exactly those
pictures: see :mod:`lora_course.tagger.train_tagger`.

**Unclear readings.** A group is read :data:`UNCLEAR` when its ``unclear`` class wins, or when
the head's most likely class has a probability below that group's threshold (chosen on held-out
clean pictures, stored in the tagger file's metadata). An unclear group never matches a tag, so identity fidelity and adherence count
it as "does not show it": it stays in the denominator (a share is of all pictures drawn), and
sweeps report how many readings were unclear beside every share.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn as nn
from PIL import Image

from .. import world
from ..core.paths import DATA_DIR

TAGGER_PATH = DATA_DIR / "tagger.safetensors"
#: The tagger file's metadata key holding the per-group thresholds of :data:`UNCLEAR` (JSON).
UNCLEAR_KEY = "unclear_below"
NONE = "none"
#: The value of a group the tagger cannot read with confidence (see the module docstring).
UNCLEAR = "unclear"


#: The groups whose heads have an :data:`UNCLEAR` class: those the renderer can draw ambiguous.
UNCLEAR_GROUPS = tuple(world.Ambiguity.KINDS)


def unclear_mask(probs: np.ndarray, classes: Sequence[str], below: float) -> np.ndarray:
    """Which rows of one head's probabilities (N × classes) read :data:`UNCLEAR`: its ``unclear``
    class wins, or the top probability is below ``below``."""
    flagged = probs.max(1) < below
    if UNCLEAR in classes:
        flagged |= probs.argmax(1) == list(classes).index(UNCLEAR)
    return flagged


def group_classes() -> Dict[str, List[str]]:
    """Classes of each head: the group's tags, plus ``none`` where a picture can show none, plus
    ``unclear`` where a picture can show no clean value (:data:`UNCLEAR_GROUPS`)."""
    out = {}
    for g, vals in world.GROUPS.items():
        tags = [v for v in vals if v is not None]
        out[g] = tags + ([NONE] if g != "subject" else []) + ([UNCLEAR] if g in UNCLEAR_GROUPS else [])
    return out


class TaggerNet(nn.Module):
    """A strided stem (64→32 pixels), three conv stages (32→16→8→4) and one linear head per group."""

    def __init__(self, width: int = 32):
        super().__init__()
        w = width

        def conv(cin, cout, stride=1):
            return [nn.Conv2d(cin, cout, 3, stride=stride, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
        self.features = nn.Sequential(
            *conv(3, w // 2, stride=2),                        # 32×32
            *conv(w // 2, w), nn.MaxPool2d(2),                 # 16×16
            *conv(w, 2 * w), *conv(2 * w, 2 * w), nn.MaxPool2d(2),  # 8×8
            *conv(2 * w, 4 * w), nn.MaxPool2d(2))              # 4×4
        self.trunk = nn.Sequential(nn.Flatten(), nn.Linear(4 * w * 16, 256), nn.ReLU(inplace=True),
                                   nn.Dropout(0.1))
        self.classes = group_classes()
        self.heads = nn.ModuleDict({g: nn.Linear(256, len(c)) for g, c in self.classes.items()})

    def forward(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        """x: N×3×64×64 in [-1, 1] -> logits per group."""
        h = self.trunk(self.features(x))
        return {g: head(h) for g, head in self.heads.items()}


def to_batch(images) -> torch.Tensor:
    """PIL images, a uint8 N×H×W×3 array or a float N×3×H×W tensor in [-1, 1] -> tensor in [-1, 1]."""
    if torch.is_tensor(images):
        return images.float()
    if isinstance(images, np.ndarray):
        arr = images
        if arr.dtype != np.uint8:  # float images in [0, 1], as diffusers' output_type="np" gives
            arr = (np.clip(arr, 0, 1) * 255).round().astype(np.uint8)
    else:
        arr = np.stack([np.asarray(_as_rgb64(im)) for im in images])
    return torch.from_numpy(np.ascontiguousarray(arr)).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)


def _as_rgb64(im: Image.Image) -> Image.Image:
    im = im.convert("RGB")
    if im.size != (world.SIZE, world.SIZE):
        im = im.resize((world.SIZE, world.SIZE), Image.LANCZOS)
    return im


@dataclass
class Readings:
    """What the tagger read on a batch of images: the course's table.

    ``probs``: N × len(tags) probabilities (columns :attr:`tags`); ``values``: per group, the value
    each image shows (``None`` when the ``none`` class wins, :data:`UNCLEAR` when the ``unclear``
    class wins or no class is confident enough).
    """
    probs: np.ndarray
    tags: List[str]
    values: Dict[str, List[Optional[str]]]
    meta: Dict[str, list] = field(default_factory=dict)  # e.g. prompt, weight, seed per row

    def __len__(self) -> int:
        return self.probs.shape[0]

    def attrs(self, i: int) -> world.Attrs:
        """The attribute dict of image ``i``."""
        return {g: v[i] for g, v in self.values.items()}

    def tag_lists(self, threshold: Optional[float] = None) -> List[List[str]]:
        """Per image, the tags it shows: the chosen value per group (``threshold=None``), or every
        tag whose probability reaches ``threshold`` (WD14's way)."""
        if threshold is None:
            return [[t for t in world.tags_of(self.attrs(i)) if t != UNCLEAR] for i in range(len(self))]
        return [[t for t, p in zip(self.tags, row) if p >= threshold] for row in self.probs]

    def rate(self, tag: str, rows: Optional[Sequence[int]] = None) -> float:
        """Share of images (or of ``rows``) showing ``tag``."""
        g = world.TAG_TO_GROUP[tag]
        vals = self.values[g] if rows is None else [self.values[g][i] for i in rows]
        return float(np.mean([v == tag for v in vals])) if vals else float("nan")

    def share(self, group: str, rows: Optional[Sequence[int]] = None) -> Dict[Optional[str], float]:
        """Distribution of the values of ``group`` over the images (or ``rows``)."""
        vals = self.values[group] if rows is None else [self.values[group][i] for i in rows]
        out: Dict[Optional[str], float] = {}
        for v in vals:
            out[v] = out.get(v, 0) + 1 / len(vals)
        return out

    def fidelity(self, character: world.Attrs = world.WEIWEI,
                 groups: Sequence[str] = world.IDENTITY_GROUPS,
                 rows: Optional[Sequence[int]] = None) -> "Fidelity":
        """Identity fidelity to ``character``: share of images showing *all* of its ``groups``,
        and the share per group."""
        rows = list(range(len(self))) if rows is None else list(rows)
        hits = np.array([[self.values[g][i] == character[g] for g in groups] for i in rows], bool)
        if len(rows) == 0:
            return Fidelity(float("nan"), {g: float("nan") for g in groups}, 0)
        return Fidelity(float(hits.all(1).mean()), {g: float(hits[:, j].mean()) for j, g in enumerate(groups)},
                        len(rows))

    def _repr_html_(self) -> str:  # a compact table in notebooks
        head = "".join(f"<th>{g}</th>" for g in self.values)
        rows = "".join("<tr>" + "".join(f"<td>{self.values[g][i] or '—'}</td>" for g in self.values) + "</tr>"
                       for i in range(min(len(self), 20)))
        more = f"<p>… {len(self) - 20} more rows</p>" if len(self) > 20 else ""
        return f"<table><tr>{head}</tr>{rows}</table>{more}"


@dataclass
class Fidelity:
    """Identity fidelity: ``all`` = share of images with every identity attribute, ``per_group``."""
    all: float
    per_group: Dict[str, float]
    n: int

    @property
    def mean(self) -> float:
        """Mean share over the identity attributes (a softer score than :attr:`all`)."""
        return float(np.mean(list(self.per_group.values())))

    def __str__(self) -> str:
        per = ", ".join(f"{g.replace('_', ' ')} {v:.2f}" for g, v in self.per_group.items())
        return f"fidelity {self.all:.2f} (mean {self.mean:.2f}; {per}; n={self.n})"


class Tagger:
    """Reads tags off 64×64 pictures of the world. ``Tagger.load()`` gives the shipped one."""

    #: the picture size it reads (pictures of another size are resized)
    image_size = world.SIZE

    def __init__(self, net: TaggerNet, device: str = "cpu", unclear_below: Optional[Dict[str, float]] = None):
        self.net = net.eval().to(device)
        self.device = device
        self.classes = net.classes
        self.tags = list(world.ALL_TAGS)
        #: per group: a reading whose top probability is below this is :data:`UNCLEAR` (0: never)
        self.unclear_below = {g: float((unclear_below or {}).get(g, 0.0)) for g in self.classes}

    @classmethod
    def load(cls, path: Union[str, Path, None] = None, device: str = "cpu") -> "Tagger":
        """Load weights from a ``.safetensors`` file (the shipped ``data/tagger.safetensors`` by default)."""
        from safetensors.torch import load_file

        from safetensors import safe_open

        path = Path(path) if path is not None else TAGGER_PATH
        if path.suffix != ".safetensors":
            raise ValueError(f"{path}: the tagger loads only .safetensors files (never pickles)")
        if not path.exists():
            raise FileNotFoundError(f"{path} not found: the shipped tagger is data/tagger.safetensors; "
                                    "rebuild it with `python -m lora_course.tagger.train_tagger`")
        net = TaggerNet()
        try:
            net.load_state_dict(load_file(str(path)))
        except RuntimeError as e:
            detail = next((line.strip() for line in str(e).splitlines() if "size mismatch" in line or "Missing" in line
                           or "Unexpected" in line), str(e).splitlines()[0])
            raise ValueError(f"{path} holds a tagger with other heads than this version's (the groups of "
                             f"`tagger.group_classes()`: each group's tags, `none`, and `unclear` in "
                             f"{', '.join(UNCLEAR_GROUPS)}): {detail}. Restore the shipped file with `git checkout "
                             f"data/tagger.safetensors`, or rebuild it with `python -m lora_course.tagger.train_tagger "
                             f"--out {path}`") from e
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
        try:
            thresholds = json.loads(meta.get(UNCLEAR_KEY, "{}"))
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}: its metadata {UNCLEAR_KEY!r} is not JSON ({e}); rebuild the "
                             "tagger with `python -m lora_course.tagger.train_tagger`") from e
        return cls(net, device, thresholds)

    @torch.no_grad()
    def group_probs(self, images, batch_size: int = 512) -> Dict[str, np.ndarray]:
        """Softmax probabilities per group: {group: N × n_classes}."""
        x = to_batch(images)
        outs: Dict[str, list] = {g: [] for g in self.classes}
        for i in range(0, len(x), batch_size):
            logits = self.net(x[i:i + batch_size].to(self.device))
            for g, lg in logits.items():
                outs[g].append(lg.softmax(-1).cpu().numpy())
        return {g: np.concatenate(v) if v else np.zeros((0, len(self.classes[g]))) for g, v in outs.items()}

    def read(self, images, batch_size: int = 512, unclear: bool = True, **meta) -> Readings:
        """Tag a batch of images → :class:`Readings` (probability per tag, value per group; with
        ``unclear``, :data:`UNCLEAR` where that class wins or the top class is below the group's
        threshold; without, the likeliest value)."""
        gp = self.group_probs(images, batch_size)
        n = next(iter(gp.values())).shape[0]
        probs = np.zeros((n, len(self.tags)), np.float32)
        values: Dict[str, List[Optional[str]]] = {}
        for g, p in gp.items():
            cls = self.classes[g]
            for j, c in enumerate(cls):
                if c not in (NONE, UNCLEAR):
                    probs[:, self.tags.index(c)] = p[:, j]
            shown = p.copy()   # the likeliest value, whatever the unclear class says
            if UNCLEAR in cls:
                shown[:, cls.index(UNCLEAR)] = -1.0
            values[g] = [None if cls[k] == NONE else cls[k] for k in shown.argmax(1)]
            if unclear:
                for i in np.flatnonzero(unclear_mask(p, cls, self.unclear_below[g])):
                    values[g][i] = UNCLEAR
        # a picture of the fox animal has no hair, eyes or outfit, whatever the heads say
        for i in range(n):
            if values["subject"][i] == "fox":
                for g in world.CHARACTER_GROUPS:
                    values[g][i] = None
        return Readings(probs, self.tags, values, {k: list(v) for k, v in meta.items()})

    def tag_lists(self, images, threshold: float = 0.35, exclusive: bool = True) -> List[List[str]]:
        """Per image, the tags to write in its caption: those whose probability reaches
        ``threshold`` (WD14's general threshold), with ``exclusive`` only the most likely tag of each
        group (a girl has one hair colour).

        This is the auto-tagging API every tagger of the course has (the WD14 one of
        :mod:`lora_course.tagger.wd14` too): :func:`autotag_folder` calls only this."""
        r = self.read(images, unclear=False)   # a caption writes the likeliest tag, as WD14 does
        candidates = r.tag_lists() if exclusive else r.tag_lists(threshold)
        return [[t for t in candidates[i] if r.probs[i, r.tags.index(t)] >= threshold]
                for i in range(len(r))]


def autotag_folder(folder, tagger=None, threshold: float = 0.35,
                   undesired: Iterable[str] = (), always_first: Iterable[str] = (),
                   exclusive: bool = True, overwrite: bool = False) -> Dict[str, List[str]]:
    """Write a caption for every image of a kohya dataset folder, like kohya's WD14 script.

    ``tagger``: the course's :class:`Tagger` (the shipped one by default) or any reader with the
    same ``tag_lists(images, threshold=..., exclusive=...)``, such as the real WD14 of
    :class:`lora_course.tagger.wd14.WD14Tagger`.

    * ``threshold``: a tag is written when its probability reaches it (WD14's general threshold);
    * ``exclusive``: keep only the most likely tag of each group (a girl has one hair colour);
    * ``undesired``: tags never written; ``always_first``: tags put first (the trigger word,
      kohya's ``keep_tokens``);
    * images that already have a caption are skipped unless ``overwrite``, and an overwritten
      caption is backed up first (see :func:`lora_course.datasets.dataset.write_caption`).

    Returns {image file name: tags written}.
    """
    from ..datasets import dataset as ds

    tagger = tagger or Tagger.load()
    data = ds.load_dataset(folder, allow_missing=True)
    undesired = {ds.normalize_tag(t) for t in undesired}
    first = [ds.normalize_tag(t) for t in always_first]
    todo = [it for it in data.items if overwrite or not it.caption_path.exists()]
    written: Dict[str, List[str]] = {}
    if not todo:
        return written
    # each picture as training sees it (the square crop), at the size the tagger reads
    pictures = [ds.load_image(it.image_path, tagger.image_size) for it in todo]
    found = tagger.tag_lists(pictures, threshold=threshold, exclusive=exclusive)
    for it, tags in zip(todo, found):
        tags = [ds.normalize_tag(t) for t in tags]
        tags = [t for t in tags if t not in undesired and t not in first]
        tags = first + tags
        ds.write_caption(it.caption_path, tags)
        written[it.image_path.name] = tags
    return written
