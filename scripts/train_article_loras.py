"""Train every LoRA the course's claims read, at the article's recipe, and ship them in data/loras;
and notebook 14's two light runs along their lengths beside them.

    python scripts/train_article_loras.py [--base data/base] [--only weiwei_1,fox_1]

The article's recipe is ``course.ARTICLE_LORA`` (E12's recipe F at E13's length: a text-encoder
LoRA beside a UNet LoRA; docs/preregistration/J_E12.md), with the course's training runs (seeds 0,
1 and 2). The LoRAs are the ones notebooks 02-12 read (``results.claim_loras``: the sets of C1-C7
and of T, P, R and W). Each is trained by ``Lab.train`` under the name a notebook loads it by (the
set's folder name, ``weiwei_reg`` for the prior-preservation set; ``_run1`` and ``_run2`` for
training seeds 1 and 2), so its file name is the course's cache name, ``<name>-<key>.safetensors``
(``lora_course.measure.caches``). A LoRA already in ``build/loras`` or ``data/loras`` is not
trained again (the script resumes), and each LoRA's files are copied to ``data/loras`` as soon as
its runs are ready. ``tests/test_shipped_loras.py`` checks that every LoRA the claims read ships.

Then notebook 14's runs: the light recipe (``course.LIGHT_LORA``) on each set of
``training_length.ALONG``, one run of 600 steps kept at every length of
``training_length.KEEP_STEPS`` (``Lab.train_along``), each kept LoRA and the run's loss curve
copied to data/loras. ``--only`` names them by their set (``weiwei_1``, ``mouth_2``) too.

On 2 cores a run of 800 steps takes about a minute and a half; the 33 runs about 50 minutes, and
notebook 14's two runs about three minutes more.
"""
from __future__ import annotations

import argparse
import functools
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lora_course import course, results  # noqa: E402
from lora_course.datasets import training_sets  # noqa: E402
from lora_course.core import safe_io  # noqa: E402
from lora_course.measure import caches, training_length  # noqa: E402

SHIPPED = caches.SHIPPED_LORAS_DIR


class Trainer:
    """Trains one LoRA the claims read (``results.claim_loras``) with the article's recipe and the
    lab's training runs (once), copies its files to data/loras and returns the name it is loaded by."""

    def __init__(self, lab, only=None):
        self.lab, self.only, self.done = lab, only, {}

    def __call__(self, set_name, name=None) -> str:
        base = name or training_sets.folder(set_name).name
        if base in self.done or (self.only and base not in self.only):
            return base
        t = time.time()
        got = self.lab.train(set_name, course.ARTICLE_LORA, name=base, progress=False)
        for member in self.lab.replicates[got]:
            ship(caches.kept_lora(member, self.lab.keys[member]))
        self.done[base] = round(time.time() - t, 1)
        print(f"{base}: {len(self.lab.replicates[got])} runs ready in {self.done[base]} s "
              f"({time.strftime('%H:%M:%S')})", flush=True)
        return base


def ship(path: Path) -> None:
    """Copy ``path`` into data/loras (fsynced, atomically) unless it lies there already."""
    if path.parent != SHIPPED:
        SHIPPED.mkdir(parents=True, exist_ok=True)
        safe_io.atomic_write(SHIPPED / path.name, functools.partial(shutil.copyfile, path))


def ship_along(lab, set_name: str) -> None:
    """Notebook 14's run on ``set_name``: trained (or loaded), then every kept LoRA and the loss
    curve shipped."""
    names = lab.train_along(set_name, training_length.KEEP_STEPS, progress=False)
    run = {k: lab.sources[n] for k, n in names.items()}
    kept = list(run.values())
    for path in kept + [course.loss_curve_file(run)]:
        ship(path)
    print(f"{set_name}: light run kept at {len(kept)} lengths, shipped ({time.strftime('%H:%M:%S')})", flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base", default=None, help="the base model's folder (default: the shipped data/base)")
    p.add_argument("--only", default="", help="comma-separated LoRA names to train (default: all); a set of "
                   "training_length.ALONG (weiwei_1, mouth_2) names both its article's LoRA and notebook 14's run")
    a = p.parse_args(argv)
    t0 = time.time()
    lab = course.setup(base=a.base)
    trainer = Trainer(lab, set(filter(None, a.only.split(","))))
    for name, set_name in results.claim_loras(lab).items():
        trainer(set_name, name)
    for set_name in training_length.ALONG:
        if not trainer.only or set_name in trainer.only:
            ship_along(lab, set_name)
    print(f"{len(trainer.done)} LoRAs x {lab.runs} runs in {(time.time() - t0) / 60:.1f} min; "
          f"files in {caches.LORAS_DIR} and {SHIPPED}", flush=True)


if __name__ == "__main__":
    main()
