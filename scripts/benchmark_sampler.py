"""Fewer UNet evaluations per picture: which samplers keep the base model's bars and the verdicts.

    python scripts/benchmark_sampler.py [--only dpm++2m/8,unipc/6] [--out build/sampler_report.md]

A picture costs (steps) × (2 with classifier-free guidance, 1 without) UNet evaluations. This
script draws, for each candidate sampler (solver / steps / guided share), with the same LoRAs
and the same seeds as the notebooks:

* the base model's bars: prompt adherence per tag group on random full prompts (and every group
  of an image at once), what a bare `1girl` draws in its free groups, `fox` alone the animal;
* every number the verdicts of claims C1–C7 are decided on (each part of each check, with its
  interval), and the verdicts themselves;

and prints one table: per candidate, its evaluations per picture, its measured pictures/s, the
numbers that leave the course sampler's 95 % interval (the reference is the first candidate),
and the verdicts that change. A candidate may replace the default only with no number outside
and no verdict changed (docs/base_model.md, "Fewer evaluations per picture").
"""
from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

import numpy as np

from lora_course import course, results
from lora_course.measure import stats
from lora_course.measure import evaluation as ev
from lora_course import world
from lora_course.core import safe_io
from lora_course.sd import sampling

#: (solver, steps, guided share). The first is the course's sampler, the reference.
CANDIDATES = [("dpm++2m", 12, 1.0), ("dpm++2m", 8, 1.0), ("unipc", 8, 1.0), ("dpm++3m", 8, 1.0),
              ("dpm++2m", 12, 2 / 3), ("dpm++2m", 6, 1.0), ("unipc", 6, 1.0)]
FREE = ["hair_color", "hair_length", "eye_color", "outfit", "ears"]


def name_of(c) -> str:
    solver, steps, guided = c
    return f"{solver}/{steps}" + ("" if guided == 1.0 else f"/guided {guided:.2f}")


def evaluations(c) -> int:
    """UNet evaluations per picture: two per guided step, one per unguided one."""
    solver, steps, guided = c
    g = sampling.guided_steps(steps, guided)
    return 2 * g + (steps - g)


def speed(lab) -> float:
    """Pictures per second at this sampler (64 pictures after a warm-up batch)."""
    kw = dict(steps=lab.sampler["steps"], guidance=lab.sampler["guidance"], guided=lab.sampler["guided"])
    sampling.generate(lab.pipe, ["1girl"] * 16, list(range(16)), **kw)
    t = time.perf_counter()
    sampling.generate(lab.pipe, ["1girl, red hair"] * 64, list(range(64)), **kw)
    return 64 / (time.perf_counter() - t)


def base_bars(lab, anchor: str, n_prompts: int, seeds: int) -> dict:
    """The base model's bars as estimates with intervals: {name: Estimate}."""
    prompts = ev.random_full_prompts(n_prompts, seed=0)
    sw = lab.sweep(prompts, anchor, weights=(0.0,), seeds=range(seeds), progress=False)
    out, every = {}, []
    for g, hits in _adherence_hits(sw, prompts).items():
        out[f"base: adherence {g}"] = stats.share(hits)
    for p in prompts:
        tags = ev.prompt_tags(p)
        every += list(sw.shows(tags, p, 0.0))
    out["base: every group at once"] = stats.share(every)
    short = lab.sweep(["1girl", "fox"], anchor, weights=(0.0,), seeds=range(64), progress=False)
    for g in FREE:
        shares = short.share(g, "1girl", 0.0)
        value = max(shares, key=shares.get)
        hits = short.shows([value], "1girl", 0.0) if value else None
        if hits is not None:
            out[f"base: bare `1girl` {g} = {value}"] = stats.share(hits)
    out["base: `fox` draws the animal"] = stats.share(short.shows(["fox"], "fox", 0.0))
    return out


def _adherence_hits(sw, prompts) -> dict:
    hits = {}
    for p in prompts:
        for t in ev.prompt_tags(p):
            g = world.TAG_TO_GROUP[t]
            hits.setdefault(g, []).extend(sw.shows([t], p, 0.0))
    return hits


def verdicts(lab) -> dict:
    """The verdicts of C1–C7 drawn as notebooks 02–08 draw them: {claim: Verdict}."""
    return results.article_verdicts(results.article_sweeps(lab))


def numbers_of(vs: dict) -> dict:
    """Every part of every check: {"C2: <what>": Estimate} (the numbers a part's text quotes in
    brackets are left out of its name, so the same part has the same name under every sampler)."""
    return {f"{c}: {re.sub(r' [(][^()]*[0-9][^()]*[)]', '', p.what)}": p.est
            for c, v in vs.items() for ch in v.checks for p in ch.parts}


def _fmt(x: float) -> str:
    """A number of the table."""
    return f"{x:.2f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default=None, help="comma-separated candidates, e.g. dpm++2m/8,unipc/6 "
                                                 "(the reference is always drawn first)")
    ap.add_argument("--prompts", type=int, default=50, help="random full prompts for the base bars")
    ap.add_argument("--seeds", type=int, default=8, help="seeds per full prompt")
    ap.add_argument("--out", default="build/sampler_report.md")
    a = ap.parse_args()
    cands = CANDIDATES if a.only is None else [CANDIDATES[0]] + [c for c in CANDIDATES[1:]
                                                                 if name_of(c) in a.only.split(",")]
    lab = course.setup()
    lab.train("weiwei_1")
    ref_numbers, ref_status, rows = None, None, []
    for c in cands:
        lab.use_sampler(solver=c[0], steps=c[1], guided=c[2])
        t = time.perf_counter()
        ips = speed(lab)
        nums = base_bars(lab, "weiwei_1", a.prompts, a.seeds)
        vs = verdicts(lab)
        nums.update(numbers_of(vs))
        status = {k: v.status for k, v in vs.items()}
        if ref_numbers is None:
            ref_numbers, ref_status = nums, status
        outside = [k for k, e in nums.items()
                   if k in ref_numbers and not (ref_numbers[k].lo - 1e-9 <= e.value <= ref_numbers[k].hi + 1e-9)]
        changed = [f"{k} {ref_status[k]} → {s}" for k, s in status.items() if s != ref_status[k]]
        rows.append((c, ips, nums, outside, changed, status))
        print(f"{name_of(c)}: {evaluations(c)} evaluations/picture, {ips:.1f} pictures/s, "
              f"{len(outside)} numbers outside, {len(changed)} verdicts changed "
              f"({time.perf_counter() - t:.0f} s)", flush=True)
    lines = ["# Samplers against the course's bars and verdicts", "",
             f"Reference: {name_of(cands[0])}. Base bars: {a.prompts} random full prompts × {a.seeds} seeds, "
             "bare `1girl` and `fox` × 64 seeds; C1–C7 as notebooks 02–08 draw them. A number is "
             "*outside* when it leaves the reference's 95 % interval.", "",
             "| sampler | UNet evaluations / picture | pictures/s | numbers outside | verdicts changed |",
             "|---|---|---|---|---|"]
    for c, ips, nums, outside, changed, status in rows:
        lines.append(f"| {name_of(c)} | {evaluations(c)} | {ips:.1f} | {len(outside)} of {len(nums)} | "
                     f"{', '.join(changed) or 'none'} |")
    lines += ["", "## Every number", "", "| number | " + " | ".join(name_of(r[0]) for r in rows) + " |",
              "|---" * (len(rows) + 1) + "|"]
    for k in ref_numbers:
        cells = []
        for c, ips, nums, outside, changed, status in rows:
            e = nums.get(k)
            cells.append("–" if e is None else (f"**{_fmt(e.value)}**" if k in outside else
                                                 (f"{_fmt(e.value)} [{_fmt(e.lo)}, {_fmt(e.hi)}]"
                                                  if c == cands[0] else _fmt(e.value))))
        lines.append(f"| {k} | " + " | ".join(cells) + " |")
    lines += ["", "Verdicts: " + "; ".join(f"{name_of(r[0])}: " + " ".join(f"{k} {v}" for k, v in r[5].items())
                                           for r in rows)]
    text = "\n".join(lines) + "\n"
    print(text)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    safe_io.write_text(Path(a.out), text)


if __name__ == "__main__":
    np.set_printoptions(precision=2)
    main()
