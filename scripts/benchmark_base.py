"""Benchmark the shipped base model: sampling speed and what it knows, measured by the tagger.

    python scripts/benchmark_base.py [--seeds 32] [--prompts 100] [--guidance-sweep | --guidance-tilt]

Prints (and writes to build/base_report.md):
* sampling throughput at the course defaults (images/s, batched);
* prompt adherence per tag group for random full prompts;
* short prompts: the value distribution of unnamed groups for `1girl`, the animal for `fox`,
  `long hair` / `red hair` alone;
* bare `1girl` beside the world it was trained on (the population named in the base's
  pretrain.json): per group, the world's share of each value and the share `1girl` draws, with
  its 95 % interval; each group's most common value in both, with the drawn mode's lead over
  the runner-up (a paired bootstrap), and "declared uniform" where the world has no mode; the
  share of long hair among captions that name no length; tears on unprompted girls; `weiwei`
  vs `1girl` at w = 0;
* the VAE: share of tags the tagger reads the same on reconstructions as on originals;
and saves docs/images/base_grid.png (generated images beside renders).

``--guidance-tilt`` measures only how guidance moves bare `1girl`'s identity shares: `1girl`
without guidance, the empty prompt's girls, and `1girl` at the default guidance, beside the
first-order prediction of :func:`lora_course.sd.sampling.guidance_tilt`
(build/guidance_tilt.md).
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

import json
import random

from lora_course.measure import evaluation as ev
from lora_course import world
from lora_course.measure import stats, verdicts
from lora_course.world import population
from lora_course.sd.base_model import BASE_DIR, DEFAULT_GUIDANCE, DEFAULT_STEPS, load_pipeline
from lora_course.sd.pretrain import POPULATIONS
from lora_course.sd.sampling import guidance_tilt
from lora_course.tagger import UNCLEAR, UNCLEAR_GROUPS, Tagger
from lora_course.tagger.train_tagger import draw, reconstruct

GRID_PROMPTS = ["1girl, white hair, long hair, blue eyes, pink dress, fox ears",
                "1girl, red hair, short hair, green eyes, blue dress, cat ears",
                "1girl, black hair, long hair, crying, open mouth",
                "1girl, blonde hair, smile, closed mouth, sitting",
                "fox", "1girl"]


def pct(x):
    return f"{100 * x:5.1f} %"


def all_at_once(r) -> float:
    """Share of images showing every tag their prompt named."""
    return float(np.mean([all(r.values[world.TAG_TO_GROUP[t]][i] == t for t in ev.prompt_tags(r.meta["prompt"][i]))
                          for i in range(len(r))]))


def untagged_long_share(pop, n: int = 20000, seed: int = 0) -> float:
    """Share of long hair among the girls of ``pop`` whose caption has `1girl` and names no hair
    length: what a prompt that names none (bare `1girl`) was trained to draw."""
    rng = random.Random(seed)
    lengths = []
    for _ in range(n):
        smp = population.sample(rng, pop)
        caption = [t.strip() for t in population.caption(smp, rng, pop).split(",")]
        if "1girl" in caption and not {"long hair", "short hair"} & set(caption):
            lengths.append(smp.attrs["hair_length"] == "long hair")
    return float(np.mean(lengths))


def mode_and_lead(r, g: str, rows):
    """A group's most common value among ``rows`` (a value, not "unclear"), its share, the
    runner-up, and the mode's lead over it with a paired bootstrap interval over the seeds (runner-up
    and lead None when only one value is drawn): whether the mode is shown."""
    drawn = {v: x for v, x in r.share(g, rows).items() if v != UNCLEAR}
    order = sorted(drawn, key=drawn.get, reverse=True)      # stable: a tie keeps the first value first
    if len(order) < 2:
        return order[0], drawn[order[0]], None, None
    top, second = order[:2]
    lead = stats.bootstrap(verdicts.gap, [r.values[g][i] == top for i in rows], [r.values[g][i] == second for i in rows])
    return top, drawn[top], second, lead


def guidance_tilt_report(pipe, tagger, seeds, steps, guidance, say):
    """Bare `1girl` without guidance (its conditional model), the girls of the empty prompt (the
    unconditional one), and `1girl` at ``guidance``: each identity group's shares, the first-order
    prediction :func:`lora_course.sd.sampling.guidance_tilt` makes from the first two, and the mode's
    lead with its interval in each."""
    def girls_of(prompt, g):
        r = ev.measure(pipe, tagger, [prompt], seeds, steps=steps, guidance=g, desc=f"`{prompt}` at guidance {g:g}")
        return r, [i for i in ev.rows_of(r, prompt=prompt) if r.values["subject"][i] == "1girl"]
    runs = {"`1girl`, guidance 1": girls_of("1girl", 1.0), "empty prompt, guidance 1": girls_of("", 1.0),
            f"`1girl`, guidance {guidance:g}": girls_of("1girl", guidance)}
    say(f"\n## How guidance moves bare `1girl` ({len(seeds)} seeds each; the empty prompt's girls only)")
    say("| group | value | " + " | ".join(runs) + f" | predicted at guidance {guidance:g} |")
    say("|---|---|" + "---|" * (len(runs) + 1))
    for g in world.IDENTITY_GROUPS:
        values = list(world.GROUPS[g]) + ([UNCLEAR] if g in UNCLEAR_GROUPS else [])   # unclear is a reading too
        shares = {k: {v: stats.share([r.values[g][i] == v for i in rows]) for v in values}
                  for k, (r, rows) in runs.items()}
        cond = {v: e.value for v, e in shares["`1girl`, guidance 1"].items()}
        uncond = {v: e.value for v, e in shares["empty prompt, guidance 1"].items()}
        pred = guidance_tilt(cond, uncond, guidance)
        for v in values:
            say(f"| {g} | {v or 'none'} | " + " | ".join(str(shares[k][v]) for k in runs) + f" | {pred[v]:.2f} |")
    for k, (r, rows) in runs.items():
        top, share_top, second, lead = mode_and_lead(r, "hair_length", rows)
        say(f"- {k}: hair_length mode {top} {share_top:.2f}, lead over {second} {lead}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--base", default=None)
    p.add_argument("--seeds", type=int, default=32)
    p.add_argument("--short-seeds", type=int, default=128, help="seeds per short prompt (`1girl`, `fox`...)")
    p.add_argument("--prompts", type=int, default=100)
    p.add_argument("--steps", type=int, default=DEFAULT_STEPS)
    p.add_argument("--guidance", type=float, default=DEFAULT_GUIDANCE)
    p.add_argument("--guidance-sweep", action="store_true", help="only compare guidance scales (20 prompts × 16 seeds)")
    p.add_argument("--guidance-tilt", action="store_true",
                   help="only measure how guidance moves bare `1girl`'s identity shares (guidance 1, the empty "
                        "prompt, and the default guidance, on --short-seeds seeds)")
    p.add_argument("--out", default="build/base_report.md")
    a = p.parse_args()
    pipe, tagger = load_pipeline(a.base), Tagger.load()
    lines = []

    def say(s=""):
        print(s, flush=True)
        lines.append(s)

    seeds = list(range(a.seeds))
    say(f"# Base model report ({torch.get_num_threads()} CPU threads, {a.steps} steps, guidance {a.guidance})")
    # --- throughput ---
    ev.generate(pipe, ["1girl"] * 8, list(range(8)), steps=a.steps, guidance=a.guidance)  # warm-up
    t = time.time()
    ev.generate(pipe, ["1girl, red hair"] * 128, list(range(128)), steps=a.steps, guidance=a.guidance)
    say(f"\nsampling: {128 / (time.time() - t):.1f} images/s (batch 64)")

    if a.guidance_sweep:
        # full prompts: adherence per group and every group at once; bare `1girl`: the largest
        # share of one value in each group it leaves free (the bar is <= 60 %)
        prompts = ev.random_full_prompts(20, seed=1)
        free = ["hair_color", "eye_color", "outfit", "ears"]
        say(f"\n20 random full prompts × 16 seeds; bare `1girl` × {a.short_seeds} seeds")
        say("\n| guidance | " + " | ".join(world.GROUPS) + " | all at once | `1girl`: " +
            " | `1girl`: ".join(free) + " |")
        say("|---" * (len(world.GROUPS) + len(free) + 2) + "|")
        for gs in (1.5, 2.0, 2.5, 3.0, 4.0, 6.0, 8.0):
            r = ev.measure(pipe, tagger, prompts, seeds[:16], steps=a.steps, guidance=gs, progress=False)
            adh = ev.adherence(r)
            b = ev.measure(pipe, tagger, ["1girl"], list(range(a.short_seeds)), steps=a.steps, guidance=gs,
                           progress=False)
            tops = [max(b.share(g).items(), key=lambda kv: kv[1]) for g in free]
            say(f"| {gs} | " + " | ".join(pct(adh.get(g, float('nan'))) for g in world.GROUPS) +
                f" | {pct(all_at_once(r))} | " + " | ".join(f"{v or 'none'} {pct(m)}" for v, m in tops) + " |")
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).with_name("guidance_sweep.md").write_text("\n".join(lines) + "\n")
        return

    if a.guidance_tilt:
        guidance_tilt_report(pipe, tagger, list(range(a.short_seeds)), a.steps, a.guidance, say)
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).with_name("guidance_tilt.md").write_text("\n".join(lines) + "\n")
        return

    # --- full prompts ---
    prompts = ev.random_full_prompts(a.prompts, seed=0)
    r = ev.measure(pipe, tagger, prompts, seeds, steps=a.steps, guidance=a.guidance, desc="full prompts")
    adh = ev.adherence(r)
    say(f"\n## Prompt adherence, {a.prompts} random full prompts × {a.seeds} seeds")
    say("| group | adherence |\n|---|---|")
    for g, v in adh.items():
        say(f"| {g} | {pct(v)} |")
    say(f"| **all groups of an image** | {pct(all_at_once(r))} |")

    # --- short prompts ---
    short = ["1girl", "fox", "long hair", "red hair", "weiwei", ""]
    r = ev.measure(pipe, tagger, short, list(range(a.short_seeds)), steps=a.steps, guidance=a.guidance,
                   desc="short prompts")
    say(f"\n## Short prompts ({a.short_seeds} seeds)")
    rows = ev.rows_of(r, prompt="1girl")
    say("`1girl` alone, largest share of one value in each unnamed group (and, in brackets, "
        "the same on its first 32 seeds):")
    for g in ["hair_color", "hair_length", "eye_color", "outfit", "ears", "mouth", "expression", "pose"]:
        sh, sh32 = r.share(g, rows), r.share(g, rows[:32])
        v, m = max(sh.items(), key=lambda kv: kv[1])
        v32, m32 = max(sh32.items(), key=lambda kv: kv[1])
        say(f"- {g}: {v or 'none'} {pct(m)} ({v32 or 'none'} {pct(m32)})")
    say("- ears, every value: " + ", ".join(f"{v or 'none'} {pct(m)}" for v, m in r.share("ears", rows).items()))
    say(f"- girl drawn: {pct(r.rate('1girl', rows))}")
    say(f"`fox` alone draws the animal: {pct(r.rate('fox', ev.rows_of(r, prompt='fox')))}")
    say(f"`long hair` alone: {pct(r.rate('long hair', ev.rows_of(r, prompt='long hair')))}")
    say(f"`red hair` alone: {pct(r.rate('red hair', ev.rows_of(r, prompt='red hair')))}")
    for pr in ("weiwei", ""):
        f = r.fidelity(rows=ev.rows_of(r, prompt=pr))
        say(f"`{pr or '(empty)'}` before any LoRA: weiwei {f}")

    # --- bare `1girl` beside its world ---
    info_path = Path(a.base or BASE_DIR) / "pretrain.json"
    info = json.loads(info_path.read_text()) if info_path.exists() else {}
    pop_name = info.get("population", "uniform")
    pop = POPULATIONS[pop_name]
    rng = random.Random(0)
    girls = [smp.attrs for smp in (population.sample(rng, pop) for _ in range(20000))
             if smp.attrs["subject"] == "1girl"]
    girl_rows = ev.rows_of(r, prompt="1girl")
    say(f"\n## Bare `1girl` beside its world ({pop_name} population; world shares from 20,000 draws, "
        f"`1girl` from {a.short_seeds} seeds with 95 % intervals)")
    say("| group | value | world | `1girl` draws |\n|---|---|---|---|")
    modes = []
    declared = pop.group_marginals()   # the shares the sampler draws from, before the cast
    for g in world.CHARACTER_GROUPS:
        world_share = {v: np.mean([x[g] == v for x in girls]) for v in world.GROUPS[g]}
        for v in world.GROUPS[g]:
            est = stats.share([r.values[g][i] == v for i in girl_rows])
            say(f"| {g} | {v or 'none'} | {world_share[v]:.2f} | {est} |")
        top_world = max(world_share, key=world_share.get)
        top_drawn, share_drawn, _, lead = mode_and_lead(r, g, girl_rows)
        uniform = max(declared[g].values()) - min(declared[g].values()) < 1e-9
        modes.append((g, top_world, world_share[top_world], top_drawn, share_drawn, uniform, lead))
    say("\nmost common value, world vs `1girl` (guidance moves a share away from the empty prompt's: see --guidance-tilt):")
    for g, tw, sw_, td, sd, uniform, lead in modes:
        if uniform:
            say(f"- {g}: the world draws every value equally often (declared uniform): no mode to reproduce; "
                f"`1girl` {td or 'none'} {sd:.2f}")
            continue
        say(f"- {g}: world {tw or 'none'} {sw_:.2f}; `1girl` {td or 'none'} {sd:.2f} (lead over the next "
            f"{lead if lead is not None else 'n/a'})" + ("" if tw == td else "  <- differs"))
    say(f"long hair among the world's girls whose caption has `1girl` and names no length: {untagged_long_share(pop):.2f}")
    crying_world = np.mean([x["expression"] == "crying" for x in girls])
    tears = stats.share([r.values["expression"][i] == "crying" for i in girl_rows])
    say(f"tears on unprompted girls: {tears} (the world's crying share {crying_world:.2f}; bar: at most +0.05)")
    wei_rows = ev.rows_of(r, prompt="weiwei")
    dist = np.mean([ev.tv_distance(r.share(g, girl_rows), r.share(g, wei_rows)) for g in world.IDENTITY_GROUPS])
    same = stats.share([all(r.values[g][i] == r.values[g][j] for g in world.IDENTITY_GROUPS)
                        for i, j in zip(girl_rows, wei_rows)])
    say(f"`weiwei` vs `1girl` at w = 0: identity distance {dist:.2f}; same identity on the same seed {same}")

    # --- the VAE ---
    imgs, attrs, _ = draw(1000, seed=4242)
    rec = reconstruct(pipe.vae.float().cpu(), imgs)
    a_r, b_r = tagger.read(imgs), tagger.read(rec)
    same = np.mean([a_r.values[g][i] == b_r.values[g][i] for g in world.GROUPS for i in range(len(imgs))])
    say(f"\n## VAE\nthe tagger reads the same value on reconstructions as on originals: {pct(same)} "
        f"of tags (1000 pictures × {len(world.GROUPS)} groups)")

    # --- the README picture: renders of each prompt beside what the base model draws ---
    from lora_course.widgets.plots import image_grid
    gen = ev.generate(pipe, [pp for pp in GRID_PROMPTS for _ in range(6)], list(range(6)) * len(GRID_PROMPTS),
                      steps=a.steps, guidance=a.guidance).reshape(len(GRID_PROMPTS), 6, 64, 64, 3)
    rng = random.Random(0)
    ren = np.stack([np.stack([np.asarray(world.render(world.attrs_from_tags(ev.prompt_tags(pp), rng), seed=k))
                              for k in range(2)]) for pp in GRID_PROMPTS])
    gap = np.full((len(GRID_PROMPTS), 1, 64, 64, 3), 255, np.uint8)
    Path("docs/images").mkdir(parents=True, exist_ok=True)
    image_grid(np.concatenate([ren, gap, gen], axis=1), row_labels=GRID_PROMPTS,
               col_labels=["render", "render", ""] + [f"seed {k}" for k in range(6)],
               title="drawn by the world (left) and generated by the base model (right)").savefig(
        "docs/images/base_grid.png", dpi=80, bbox_inches="tight")
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
