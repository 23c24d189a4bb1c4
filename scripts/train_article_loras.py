"""Train every LoRA the course's claims read, at the article's recipe, and ship them in data/loras.

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

On 2 cores a run of 800 steps takes about a minute and a half; the 33 runs about 50 minutes.
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
from lora_course.measure import caches  # noqa: E402

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
        SHIPPED.mkdir(parents=True, exist_ok=True)
        for member in self.lab.replicates[got]:
            path = caches.kept_lora(member, self.lab.keys[member])
            if path.parent != SHIPPED:
                safe_io.atomic_write(SHIPPED / path.name, functools.partial(shutil.copyfile, path))
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
    lab = course.setup(base=a.base)
    trainer = Trainer(lab, set(filter(None, a.only.split(","))))
    for name, set_name in results.claim_loras(lab).items():
        trainer(set_name, name)
    print(f"{len(trainer.done)} LoRAs x {lab.runs} runs in {(time.time() - t0) / 60:.1f} min; "
          f"files in {caches.LORAS_DIR} and {SHIPPED}", flush=True)


if __name__ == "__main__":
    main()
