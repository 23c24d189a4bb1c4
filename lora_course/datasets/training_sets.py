"""The article's training sets, drawn from the world and written as kohya folders.

The article (octppus, "LoRA训练——打标签", 2023) trains its LoRAs on a handful of pictures of
weiwei (喂喂), the dazed fox girl, and changes only the pictures and their tags between
experiments. Each set below is one of those training sets (the "caster", 施术者, in the article's
terms):

* ``weiwei_1`` (experiments 1-3): a single picture of her, tagged only with the new trigger word
  ``weiwei`` (a "puppet", 傀儡), then prompted with ``weiwei``, ``1girl``, ``red hair`` and
  ``long hair``;
* ``fox_1`` (experiment 4): the very same picture tagged ``fox``, a word the base model already
  knows, so training "possesses" (夺舍) it;
* ``mouth_2`` (experiment 5): a second picture with the mouth closed, the two tagged
  ``open mouth`` and ``closed mouth``, so the mouth becomes controllable;
* ``cry_smile_2`` (experiment 6): the two pictures also tagged with an expression (crying with
  the open mouth, smiling with the closed one), to combine tags at prompt time (the article says
  ``cry``; the world's tag is ``crying``);
* ``poses_sitting`` (experiment 7): she only ever stands in the sets above (``weiwei_1`` is the
  experiment's baseline), so sitting costs fidelity; this set adds sitting pictures, tagged
  ``standing`` / ``sitting`` (notebook 08's things to try).

Beyond the article (notebooks 09-11):

* ``thesis_trigger`` / ``thesis_full`` / ``thesis_pruned`` (claim T): the *same* four pictures
  (mouth open or closed, standing or sitting) captioned three ways: the trigger word only; the
  trigger and every tag the picture shows; the trigger and only the tags that vary between the
  pictures (what kohya-colab's dataset maker recommends: what should be absorbed into the
  trigger is not tagged). The pruned set is also notebook 11's "more varied pictures" remedy;
* ``onto_1girl`` / ``onto_long_hair`` / ``onto_red_hair`` (possession, 夺舍, measured): the
  one picture of ``weiwei_1`` tagged with a word the base model knows, like ``fox_1``.

The pictures of one set that come in pairs share a seed (background, shift, mirror), so they
differ only in the tagged attribute. Everything is deterministic: :func:`build_all` run twice
writes byte-identical files. ``python -m lora_course.datasets.training_sets [--out DIR]`` rebuilds them.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from PIL import Image

from . import dataset
from ..core import paths, safe_io
from .. import world

#: Where the sets live: the repository's ``data/sets`` (anchored here, not to the working
#: directory, so a notebook running in ``notebooks/`` finds the same folder).
DATA_DIR = paths.DATA_DIR / "sets"
#: The seed of the experiment-1 picture (a calm, nearly grey background, figure unmirrored).
SEED = 5
#: The second seed, for the pose set's second pair.
SEED_2 = 1
#: Repeats of every concept folder (kohya's ``10_`` prefix, the usual choice for tiny sets).
REPEATS = 10


@dataclass(frozen=True)
class Picture:
    """One training picture: what is drawn, with which seed, saved as ``<stem>.png``."""
    stem: str
    attrs: world.Attrs
    seed: int
    tags: Tuple[str, ...]

    def render(self) -> Image.Image:
        """The picture itself (a 64x64 RGB image)."""
        return world.render(self.attrs, seed=self.seed)


@dataclass(frozen=True)
class TrainingSet:
    """A dataset root ``<name>/`` holding one concept folder ``<REPEATS>_<concept>/``."""
    name: str
    concept: str
    pictures: Tuple[Picture, ...]
    experiments: str
    claims: str
    purpose: str

    @property
    def folder(self) -> str:
        """The concept folder's name, e.g. ``10_weiwei``."""
        return f"{REPEATS}_{self.concept}"


def _weiwei(**changes: Optional[str]) -> world.Attrs:
    return world.with_(world.WEIWEI, **changes)


_OPEN = Picture("open_mouth", _weiwei(), SEED, ("weiwei", "open mouth"))
_CLOSED = Picture("closed_mouth", _weiwei(mouth="closed mouth"), SEED, ("weiwei", "closed mouth"))

SETS: Tuple[TrainingSet, ...] = (
    TrainingSet("weiwei_1", "weiwei",
                (Picture("weiwei", _weiwei(), SEED, ("weiwei",)),),
                "1-3, 7", "C1, C2, C3, C7",
                "one picture, only the new trigger word; she only ever stands"),
    TrainingSet("fox_1", "fox",
                (Picture("weiwei", _weiwei(), SEED, ("fox",)),),
                "4", "C4",
                "the same picture, tagged with a word the base model knows"),
    TrainingSet("mouth_2", "weiwei", (_OPEN, _CLOSED),
                "5", "C5",
                "a second picture makes the mouth controllable"),
    TrainingSet("cry_smile_2", "weiwei",
                (Picture("open_mouth_crying", _weiwei(expression="crying"), SEED,
                         ("weiwei", "open mouth", "crying")),
                 Picture("closed_mouth_smile", _weiwei(mouth="closed mouth", expression="smile"),
                         SEED, ("weiwei", "closed mouth", "smile"))),
                "6", "C6",
                "expressions tagged too, to combine at prompt time"),
    TrainingSet("poses_sitting", "weiwei",
                tuple(Picture(f"{pose}_{i}", _weiwei(pose=pose), seed, ("weiwei", pose))
                      for pose in ("standing", "sitting")
                      for i, seed in enumerate((SEED, SEED_2), start=1)),
                "7", "C7",
                "the remedy for experiment 7: sitting pictures added, the pose tagged"),
    *(TrainingSet(f"thesis_{how}", "weiwei",
                  tuple(Picture(f"{m}_{pose}", _weiwei(mouth=f"{m} mouth", pose=pose), seed, tags(m, pose))
                        for pose, seed in (("standing", SEED), ("sitting", SEED_2))
                        for m in ("open", "closed")),
                  "beyond (09)", "T", purpose)
      for how, tags, purpose in (
          ("trigger", lambda m, pose: ("weiwei",),
           "four pictures, only the trigger word"),
          ("full", lambda m, pose: ("weiwei", *world.tags_of(_weiwei(mouth=f"{m} mouth", pose=pose))),
           "the same four pictures, every tag they show"),
          ("pruned", lambda m, pose: ("weiwei", f"{m} mouth", pose),
           "the same four pictures, only the tags that vary"))),
    *(TrainingSet(f"onto_{word.replace(' ', '_')}", word.replace(" ", "_"),
                  (Picture("weiwei", _weiwei(), SEED, (word,)),),
                  "beyond (10)", "possession",
                  f"the picture of weiwei_1, tagged with the known word `{word}`")
      for word in ("1girl", "long hair", "red hair")),
)


def get(name: str) -> TrainingSet:
    """The set called ``name`` (e.g. ``"mouth_2"``)."""
    for s in SETS:
        if s.name == name:
            return s
    raise KeyError(f"no training set {name!r}; sets are {[s.name for s in SETS]}")


def folder(set_or_path) -> Path:
    """The dataset root of a shipped set's name (``"weiwei_1"`` → ``data/sets/weiwei_1``), or any
    kohya dataset folder given as a :class:`~pathlib.Path`; a missing one is named with the fix."""
    root = Path(set_or_path) if isinstance(set_or_path, Path) else DATA_DIR / set_or_path
    if not root.exists():
        raise FileNotFoundError(f"{root}: no such training set; the shipped ones are "
                                f"{[s.name for s in SETS]}")
    return root


def _check_no_strangers(folder: Path, ts: TrainingSet) -> None:
    """Refuse to build into a concept folder holding images the set does not have: they would
    silently join the training set."""
    if not folder.is_dir():
        return
    ours = {p.stem for p in ts.pictures}
    strangers = [p.name for p in dataset.image_files(folder) if p.stem not in ours]
    if strangers:
        raise dataset.DatasetError(
            f"{folder}: holds images that are not part of the set {ts.name!r}: {strangers}. "
            f"Fix: delete them (or the whole folder) and rebuild")


def build_set(ts: TrainingSet, data_dir: Path = DATA_DIR) -> Path:
    """Write one training set under ``data_dir``; return its root ``data_dir/<name>``."""
    root = Path(data_dir) / ts.name
    _check_no_strangers(root / ts.folder, ts)
    dataset.write_concept(root, ts.concept, REPEATS,
                          [(p.render(), list(p.tags)) for p in ts.pictures],
                          stems=[p.stem for p in ts.pictures])
    return root


def readme_text(sets: Sequence[TrainingSet] = SETS) -> str:
    """The ``README.md`` of the sets folder: one row per set."""
    rows = [f"| `{s.name}/{s.folder}/` | "
            + "<br>".join(f"`{p.stem}.png`: `{dataset.caption_text(p.tags)}`" for p in s.pictures)
            + f" | {s.purpose} | {s.experiments} | {s.claims} |" for s in sets]
    return "\n".join([
        "# Training sets",
        "",
        "The training sets of the article's experiments, drawn from the course's world and laid "
        "out as kohya sd-scripts folders (`<repeats>_<name>/` holding `<stem>.png` and its "
        "caption `<stem>.txt`). Generated by `python -m lora_course.datasets.training_sets`; do not edit "
        "by hand (edit `lora_course/datasets/training_sets.py` and rebuild: the output is deterministic).",
        "Load one with `lora_course.datasets.dataset.load_dataset(\"data/sets/<set>\")`.",
        "",
        "| folder | pictures: captions | what it is for | article experiment (notebook) "
        "| claims |",
        "|---|---|---|---|---|",
        *rows,
        "",
    ])


def build_all(data_dir: Path = DATA_DIR) -> List[Path]:
    """Write every set and the ``README.md`` under ``data_dir``; return the set roots."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    roots = [build_set(s, data_dir) for s in SETS]
    safe_io.write_text(data_dir / "README.md", readme_text())
    return roots


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Command line: rebuild the sets (``--out`` picks the folder)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DATA_DIR,
                    help="where to write (default: the repository's data/sets)")
    args = ap.parse_args(argv)
    for root in build_all(args.out):
        print(root)


if __name__ == "__main__":
    main()
