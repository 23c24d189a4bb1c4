"""Train every LoRA the course's claims read, at the article's recipe, and ship them in data/loras.

    python scripts/train_article_loras.py [--base data/base] [--only weiwei_1,fox_1]

The article's recipe is E12's recipe F at E13's length: a text-encoder LoRA (learning rate 2e-3)
beside a UNet LoRA (5e-4), 800 steps, training seeds 0, 1 and 2
(docs/preregistration/J_E12.md). The sets are the ones notebooks 02-12 train: the sets of C1-C7
(``experiments.ARTICLE``) and of T, P, R and W (``results.beyond_plans``). Each LoRA is trained
by ``Lab.train`` under the name a notebook loads it by (the set's folder name, ``weiwei_reg`` for
the prior-preservation set; ``_run1`` and ``_run2`` for training seeds 1 and 2), so its file name
is the course's cache name, ``<name>-<key>.safetensors``; a LoRA already in ``build/loras`` is
not trained again (the script resumes). Each set's files are copied to ``data/loras`` as soon as
its three runs are ready.

On 2 cores a run of 800 steps takes one to two minutes; the 33 runs about an hour.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lora_course import course, results  # noqa: E402
from lora_course.datasets import training_sets  # noqa: E402
from lora_course.measure import caches, experiments  # noqa: E402

#: E12's recipe F at E13's length.
ARTICLE = replace(course.DEFAULT_LORA, steps=800, unet_lr=5e-4, text_encoder_lr=2e-3)
TRAIN_SEEDS = (0, 1, 2)
SHIPPED = ROOT / "data" / "loras"


class Trainer:
    """The ``lora(set_name, name=None)`` callable of ``results.beyond_plans``: trains the set's three
    runs (once), copies their files to data/loras and returns the name they are loaded by."""

    def __init__(self, lab, only=None):
        self.lab, self.only, self.done = lab, only, {}

    def __call__(self, set_name, name=None) -> str:
        base = name or training_sets.folder(set_name).name
        if base in self.done or (self.only and base not in self.only):
            return base
        t = time.time()
        cfg = replace(ARTICLE, seed=TRAIN_SEEDS[0])
        got = self.lab.train(set_name, cfg, name=base, progress=False, runs=len(TRAIN_SEEDS))
        SHIPPED.mkdir(parents=True, exist_ok=True)
        for member in self.lab.replicates[got]:
            path = caches.lora_file(member, self.lab.keys[member])
            tmp = SHIPPED / (path.name + ".tmp")
            shutil.copyfile(path, tmp)
            tmp.replace(SHIPPED / path.name)
        self.done[base] = round(time.time() - t, 1)
        print(f"{base}: {len(self.lab.replicates[got])} runs ready in {self.done[base]} s "
              f"({time.strftime('%H:%M:%S')})", flush=True)
        return base


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base", default=None, help="the base model's folder (default: the shipped data/base)")
    p.add_argument("--only", default="", help="comma-separated LoRA names to train (default: all)")
    a = p.parse_args(argv)
    t0 = time.time()
    lab = course.setup(base=a.base, runs=len(TRAIN_SEEDS))
    trainer = Trainer(lab, set(filter(None, a.only.split(","))))
    for e in experiments.ARTICLE.values():
        for set_name in e.sets:
            trainer(set_name)
    results.beyond_plans(lab, lora=trainer)
    print(f"{len(trainer.done)} LoRAs x {len(TRAIN_SEEDS)} runs in {(time.time() - t0) / 60:.1f} min; "
          f"files in {caches.LORAS_DIR} and {SHIPPED}", flush=True)


if __name__ == "__main__":
    main()
