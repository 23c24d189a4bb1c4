"""Benchmark LoRA training on this machine: the course's one-image LoRA, and what caching buys.

    python scripts/benchmark_lora.py [--base data/base] [--set data/sets/weiwei_1] [--steps 40]

Prints, all measured in this one run:

(a) the wall time of ``train_lora`` with the course's defaults on the one-image set (``weiwei_1``:
    one picture tagged ``weiwei``, repeats 10), from dataset folder to trained LoRA;
(b) steps/s of the cached loop (latents and text embeddings computed once, as kohya's
    ``--cache_latents``) against a loop that re-encodes every image with the VAE and every caption
    with the text encoder at every step, as diffusers' ``train_text_to_image_lora.py`` does, and
    their ratio;
(c) steps/s with and without ``accelerate.Accelerator`` around the loop (on a CPU it should cost
    nothing: the difference should be within the run-to-run noise shown).

The variants of (b) and (c) are run in interleaved rounds so a busy machine slows them alike; the
spread over rounds is printed. Times depend on the number of threads (``OMP_NUM_THREADS``) and on
whatever else runs on the machine.
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch

from lora_course import lora
from lora_course.sd import base_model


def rate(pipe, root, steps, **kw) -> float:
    cfg = lora.LoraTrainConfig(name="bench", steps=steps, **kw)
    return lora.train_lora(pipe, root, cfg, progress=False).steps_per_second


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base", default=None, help="diffusers folder (default: data/base)")
    p.add_argument("--set", default="data/sets/weiwei_1")
    p.add_argument("--steps", type=int, default=40, help="steps per timed run in (b) and (c)")
    p.add_argument("--rounds", type=int, default=3)
    a = p.parse_args(argv)

    t = time.time()
    pipe = base_model.load_pipeline(a.base)
    print(f"# LoRA benchmark: {torch.get_num_threads()} torch threads, base {a.base or 'data/base'}, "
          f"set {a.set}, device {pipe.device}")
    print(f"pipeline loaded in {time.time() - t:.1f} s")
    t = time.time()
    rate(pipe, a.set, 2)                                  # imports, first-call allocations
    print(f"warm-up (2 steps) {time.time() - t:.1f} s")

    cfg = lora.LoraTrainConfig(name="weiwei")
    t = time.time()
    res = lora.train_lora(pipe, a.set, cfg, progress=False)
    wall = time.time() - t
    print(f"\n(a) one-image LoRA, defaults (rank {cfg.rank}, alpha {cfg.alpha:g}, {cfg.steps} steps × "
          f"batch {cfg.batch_size}, unet_lr {cfg.unet_lr:g}): {wall:.1f} s wall "
          f"({res.seconds:.1f} s in the loop, {res.steps_per_second:.2f} steps/s; "
          f"loss {sum(res.losses[:10]) / 10:.3f} -> {sum(res.losses[-10:]) / 10:.3f})")

    variants = {"cached": {}, "re-encoding": dict(cache_latents=False, cache_text=False),
                "cached, no Accelerator": dict(accelerate=False)}
    runs = {k: [] for k in variants}
    for _ in range(a.rounds):
        for k, kw in variants.items():
            runs[k].append(rate(pipe, a.set, a.steps, **kw))
    med = {k: statistics.median(v) for k, v in runs.items()}
    print(f"\nsteps/s over {a.rounds} interleaved rounds of {a.steps} steps (median [min, max]):")
    for k, v in runs.items():
        print(f"  {k:24s} {med[k]:6.2f}  [{min(v):.2f}, {max(v):.2f}]")
    print(f"\n(b) cached / re-encoding: {med['cached'] / med['re-encoding']:.2f}×")
    d = med["cached"] / med["cached, no Accelerator"] - 1
    noise = max((max(v) - min(v)) / statistics.median(v) for v in runs.values())
    print(f"(c) Accelerator vs plain loop: {100 * d:+.1f} % steps/s (round-to-round spread up to "
          f"{100 * noise:.0f} %)")


if __name__ == "__main__":
    main()
