"""How close the course's two hot loops run to this machine's limit: sampling and LoRA training.

    python scripts/benchmark_compute.py [--rounds 3] [--pictures 32] [--steps 20] [--bfloat16]

Prints, all measured in this one run, in interleaved rounds (so a busy machine slows every part
alike; medians with [min, max] over the rounds):

* the machine's **peak**: GFLOP/s of a 2048 × 2048 float32 matmul on the same torch threads;
* **sampling** at the course defaults (DPM-Solver++, the default steps, classifier-free
  guidance): FLOPs per 64 × 64 picture, counted with ``torch.utils.flop_counter`` on one batch
  (UNet, text encoder and VAE decoder: every matmul and convolution), pictures/s on a batch of
  ``--pictures``, the achieved GFLOP/s and that as a share of the peak;
* **LoRA training** with the course's recipe on the one-picture set: FLOPs per optimizer step
  (forward and backward of the UNet with its adapters, counted the same way), steps/s of
  ``train_lora``, achieved GFLOP/s and the share of the peak.

The share of peak is what is left to gain from kernels; the rest has to come from doing fewer
evaluations (fewer sampler steps, guidance on part of the trajectory, shorter training).

``--bfloat16`` measures the same in bfloat16 too (a CPU with AVX512-BF16 or AMX runs it in
hardware; elsewhere it is emulated and slower): the peak of a bfloat16 matmul, the pictures/s of a
pipeline loaded in bfloat16, LoRA steps/s with ``mixed_precision="bf16"``, and how often the
tagger reads a bfloat16 picture the same as the float32 picture of the same prompt and seed
(``--agree`` pictures, full prompts and bare ``1girl``).
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from lora_course import lora
from lora_course.sd import base_model, sampling
from lora_course.lora.adapters import inject, remove_adapters
from lora_course.sd.diffusion import diffusion_loss, noise_schedule


def peak_gflops(n: int = 2048, repeats: int = 5, dtype=torch.float32) -> float:
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    a @ b
    t = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * n ** 3 * repeats / (time.perf_counter() - t) / 1e9


def counted(fn) -> float:
    """FLOPs of one call of ``fn`` (matmuls and convolutions, forward and backward)."""
    with FlopCounterMode(display=False) as fc:
        fn()
    return float(fc.get_total_flops())


def sampling_flops(pipe, n: int = 4) -> float:
    def draw():
        sampling.generate(pipe, ["1girl"] * n, list(range(n)))
    return counted(draw) / n


def sampling_rate(pipe, n: int) -> float:
    t = time.perf_counter()
    sampling.generate(pipe, ["1girl, white hair, long hair, blue eyes"] * n, list(range(n)))
    return n / (time.perf_counter() - t)


def training_flops(pipe, cfg: lora.LoraTrainConfig) -> float:
    """One step of the course's LoRA recipe: the loss on a batch, backward through the adapters."""
    inject(pipe, "bench", cfg.rank, cfg.alpha, cfg.seed, cfg.unet_targets, None)
    try:
        acp, ptype = noise_schedule(pipe)
        size = pipe.unet.config.sample_size
        x0 = torch.randn(cfg.batch_size, pipe.unet.config.in_channels, size, size)
        cond = sampling.encode_prompts(pipe.tokenizer, pipe.text_encoder, ["weiwei"] * cfg.batch_size)
        gen = torch.Generator().manual_seed(0)

        def step():
            diffusion_loss(pipe.unet, x0, cond, acp, gen, ptype).backward()
        return counted(step)
    finally:
        remove_adapters(pipe)
        pipe.unet.zero_grad(set_to_none=True)


def training_rate(pipe, root: str, steps: int, mixed_precision: str = "auto") -> float:
    cfg = lora.LoraTrainConfig(name="bench", steps=steps, mixed_precision=mixed_precision)
    return lora.train_lora(pipe, root, cfg, progress=False).steps_per_second


def agreement(pipe32, pipe16, n: int) -> dict:
    """Per tag group, the share of ``n`` pictures (random full prompts and bare ``1girl``, seeds
    0 … n-1) that the tagger reads the same when drawn in float32 and in bfloat16."""
    import random

    from lora_course import world
    from lora_course.tagger import Tagger
    rng = random.Random(0)
    prompts = [world.caption(world.sample_attrs(rng)) if i % 4 else "1girl" for i in range(n)]
    tagger = Tagger.load()
    a = tagger.read(sampling.generate(pipe32, prompts, list(range(n))))
    b = tagger.read(sampling.generate(pipe16, prompts, list(range(n))))
    return {g: sum(x == y for x, y in zip(a.values[g], b.values[g])) / n for g in world.GROUPS}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--pictures", type=int, default=32, help="pictures per timed sampling batch")
    p.add_argument("--steps", type=int, default=20, help="LoRA steps per timed training run")
    p.add_argument("--set", default="data/sets/weiwei_1")
    p.add_argument("--bfloat16", action="store_true", help="measure bfloat16 sampling and training too")
    p.add_argument("--agree", type=int, default=256, help="pictures drawn both ways for --bfloat16's agreement")
    a = p.parse_args(argv)

    torch.manual_seed(0)
    pipe = base_model.load_pipeline(device="cpu", dtype=torch.float32)
    pipe.set_progress_bar_config(disable=True)
    cfg = lora.LoraTrainConfig()
    print(f"# compute benchmark: {torch.get_num_threads()} torch threads; sampling {base_model.DEFAULT_STEPS} "
          f"steps, guidance {base_model.DEFAULT_GUIDANCE:g}; LoRA rank {cfg.rank}, batch {cfg.batch_size}")
    f_pic, f_step = sampling_flops(pipe), training_flops(pipe, cfg)
    print(f"counted: {f_pic / 1e9:.2f} GFLOP per picture, {f_step / 1e9:.2f} GFLOP per LoRA step")
    sampling_rate(pipe, 4), training_rate(pipe, a.set, 2)          # warm-up: first-call allocations

    pipe16 = None
    if a.bfloat16:
        pipe16 = base_model.load_pipeline(device="cpu", dtype=torch.bfloat16)
        pipe16.set_progress_bar_config(disable=True)
        sampling_rate(pipe16, 4), training_rate(pipe, a.set, 2, "bf16")

    runs = {"peak": [], "sampling": [], "training": []}
    if a.bfloat16:
        runs.update({"peak bf16": [], "sampling bf16": [], "training bf16": []})
    for _ in range(a.rounds):
        runs["peak"].append(peak_gflops())
        runs["sampling"].append(sampling_rate(pipe, a.pictures) * f_pic / 1e9)
        runs["training"].append(training_rate(pipe, a.set, a.steps) * f_step / 1e9)
        if a.bfloat16:
            runs["peak bf16"].append(peak_gflops(dtype=torch.bfloat16))
            runs["sampling bf16"].append(sampling_rate(pipe16, a.pictures) * f_pic / 1e9)
            runs["training bf16"].append(training_rate(pipe, a.set, a.steps, "bf16") * f_step / 1e9)
    med = {k: statistics.median(v) for k, v in runs.items()}
    print(f"\nmedians of {a.rounds} interleaved rounds [min, max]:")
    for suffix in ("", " bf16") if a.bfloat16 else ("",):
        peak = med["peak" + suffix]
        print(f"  {'peak (2048² matmul)' + suffix:22s} {peak:7.1f} GFLOP/s  "
              f"[{min(runs['peak' + suffix]):.1f}, {max(runs['peak' + suffix]):.1f}]")
        for k, unit, per in (("sampling", "pictures/s", f_pic), ("training", "steps/s", f_step)):
            v = runs[k + suffix]
            print(f"  {k + suffix:22s} {med[k + suffix]:7.1f} GFLOP/s  [{min(v):.1f}, {max(v):.1f}]  = "
                  f"{med[k + suffix] * 1e9 / per:.2f} {unit}, {100 * med[k + suffix] / med['peak']:.0f} % of the "
                  f"float32 peak")
    if a.bfloat16:
        same = agreement(pipe, pipe16, a.agree)
        print(f"\nthe tagger reads bfloat16 pictures as it reads float32 ones ({a.agree} pictures, same "
              "prompts and seeds): " + ", ".join(f"{g} {v:.1%}" for g, v in same.items()))


if __name__ == "__main__":
    main()
