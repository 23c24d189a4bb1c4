"""What the one-picture LoRA's batch size buys: training time against the fidelity it gives.

    python scripts/benchmark_batch.py [--batches 2 4 8 16] [--steps 25 50 75 100 150] [--seeds 48] [--build FOLDER]

For each batch size, one run of the course's recipe on ``weiwei_1`` (everything as
``course.LIGHT_LORA`` but the batch) keeps its LoRA at every length of ``--steps``
(``Lab.train_along``). Each kept LoRA is drawn at w = 1 on ``--seeds`` seeds (the recipe rule's
number) for the trigger alone and for bare ``1girl``, and read by the tagger. Printed per row:

* the pictures the run has seen (steps × batch) and its training time to that length (the run's
  measured training seconds × steps / the longest length: a step costs the same all along);
* the share of ``weiwei`` pictures that are her, with its 95 % interval (what the recipe rule
  reads: ``lora_course.measure.training_length.RULE``), and the share of ``1girl`` pictures that are her
  (the hijack of notebook 03);
* how many ``weiwei`` pictures are copies of the training picture (``Lab.copies``).

Then, per batch, the length the recipe rule gives and what that length costs to train. The
course's recipe is not changed by this script: a different batch would change every LoRA and so
every verdict; the table says what it would buy. Its LoRAs and pictures go to an empty
temporary folder (``LORA_COURSE_BUILD``; ``--build`` keeps them), never into the course's
``build/``. Numbers depend on the machine; the course's figures are in docs/base_model.md ("How
large a batch").
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from dataclasses import replace


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--batches", type=int, nargs="+", default=[2, 4, 8, 16])
    p.add_argument("--steps", type=int, nargs="+", default=[25, 50, 75, 100, 150])
    p.add_argument("--seeds", type=int, default=48, help="the recipe rule's number (training_length.RULE_SEEDS)")
    p.add_argument("--build", default=None, help="keep the LoRAs and pictures in this folder")
    a = p.parse_args(argv)
    if "lora_course" in sys.modules:
        sys.exit("benchmark_batch: lora_course was imported before its build folder was set. Fix: run it as a script")
    work = a.build or tempfile.mkdtemp(prefix="lora_course_batch_")
    os.environ["LORA_COURSE_BUILD"] = str(os.path.abspath(work))
    try:
        run(a)
    finally:
        if not a.build:
            shutil.rmtree(work, ignore_errors=True)


def run(a):
    from lora_course import course
    from lora_course.measure import stats, training_length as tl

    lab = course.setup()
    seeds = range(a.seeds)
    print(f"{'batch':>5} {'steps':>5} {'pictures':>8} {'train s':>7}  {'weiwei is her':<22} "
          f"{'1girl is her':<22} copies")
    chosen_rows = []
    for b in a.batches:
        cfg = replace(course.LIGHT_LORA, batch_size=b)
        names = lab.train_along("weiwei_1", a.steps, config=cfg, reuse=False, progress=False)
        seconds = lab.seconds["weiwei_1"]
        hits = {}
        for k, name in sorted(names.items()):
            sw = lab.sweep([tl.TRIGGER, tl.HOST], name, weights=(1.0,), seeds=seeds, progress=False)
            hits[k] = sw.her(tl.TRIGGER, 1.0)
            her, host = stats.share(hits[k]), stats.share(sw.her(tl.HOST, 1.0))
            copies = int(lab.copies(sw, tl.TRIGGER, 1.0, "weiwei_1").sum())
            run_s = seconds * k / max(a.steps)
            print(f"{b:>5} {k:>5} {k * b:>8} {run_s:>7.1f}  {str(her):<22} {str(host):<22} "
                  f"{copies}/{len(hits[k])}", flush=True)
        rule_k, _ = tl.recipe_steps(hits) if a.seeds == tl.RULE_SEEDS else (None, None)
        chosen_rows.append((b, rule_k, seconds / max(a.steps) * rule_k if rule_k else None))
        lab.unload()
    print()
    for b, k, s in chosen_rows:
        where = (f"{k} steps ({k * b} pictures, {s:.1f} s)" if k else
                 "no kept length clears it" if a.seeds == tl.RULE_SEEDS else f"not applied (needs {tl.RULE_SEEDS} seeds)")
        print(f"batch {b:>2}: the recipe rule gives {where}")
    print(f"(train s for a kept length: the run's training seconds × steps / {max(a.steps)}; the rule: {tl.RULE})")


if __name__ == "__main__":
    main()
