"""What gives a possessed host a mind of its own? Continue the shipped base on world variants.

    python scripts/ablate_sect.py [--steps 1000] [--images 24000] [--seeds 32] [--variants all]

Each variant switches on one property of :mod:`lora_course.world.population` (Danbooru's attribute
frequencies, a named cast, booru-style partial captions), all of them, or none (the control: the
same continuation on the first, uniform world). Every variant continues the uniform base model
(UNet and text encoder, EMA weights; ``--parent``, by default the last uniform sect, commit
003f5f4) with :func:`lora_course.sd.pretrain.continue_sect` for the same number of steps on its own
pictures, then is measured the same way:

* at w = 0: what bare ``1girl`` and the unknown word ``weiwei`` draw (identity distributions,
  their distance, the share of seeds where both give the same identity), tears on ``1girl``;
* a named character of the cast (``1girl, <name>``): how much of its look the name brings;
* claim C2 with the course's one-picture LoRA (150 steps) and a 50-step one: identity fidelity of
  ``weiwei`` (the puppet) and ``1girl`` (the possessed host) over the weights, and the gap.

Resumable (each variant's training checkpoints under ``build/ablation/<variant>``; a finished
variant's measurements are kept in ``results.json``). Writes ``build/ablation/results.md``.
"""
from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from lora_course import course, lora, world
from lora_course.measure import evaluation
from lora_course.sd import sampling
from lora_course.sd import base_model, pretrain
from lora_course.world import population

VARIANTS = {
    "control (uniform, continued)": population.UNIFORM,
    "skewed statistics only": replace(population.UNIFORM, marginals="danbooru"),
    "names only": replace(population.UNIFORM, cast_size=64),
    "partial captions only": replace(population.UNIFORM, tagging="booru"),
    "all three": population.BOORU,
}
WEIGHTS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


def slug(label: str) -> str:
    return label.split(" (")[0].replace(" ", "_")


def continue_base(pipe, pop: population.Population, work: Path, steps: int, n_images: int, seed: int):
    """The shipped base's UNet and text encoder trained on for ``steps`` on ``pop``'s pictures
    (:func:`lora_course.sd.pretrain.continue_sect`, the recipe the shipped sect was made with)."""
    cfg = replace(pretrain.CONTINUATION, seed=seed, unet_steps=steps, n_images=n_images)
    return pretrain.continue_sect(pipe, pop, cfg, work)


def identity_shares(sw, prompt, w=0.0):
    return {g: {str(k): round(v, 3) for k, v in sw.share(g, prompt, w).items()} for g in world.IDENTITY_GROUPS}


def base_sweep(pipe, tagger, prompts, seeds):
    """What the base model itself draws (w = 0, no LoRA loaded) as a one-column sweep."""
    ps, ss = sampling.grid_jobs(prompts, seeds)
    imgs = evaluation.generate(pipe, ps, ss)
    return evaluation.read_sweep(tagger, prompts, [0.0], seeds,
                                 imgs.reshape(len(prompts), 1, len(seeds), *imgs.shape[1:]))


def measure(pipe, tagger, pop, seeds: int) -> dict:
    lab = course.Lab(pipe, tagger, seeds)
    lab.cache_points = False
    out = {}
    base = base_sweep(pipe, tagger, ["1girl", "weiwei"], lab.seeds)
    out["w0"] = {
        "1girl": identity_shares(base, "1girl"), "weiwei": identity_shares(base, "weiwei"),
        "distance": round(evaluation.distance(base, "1girl", "weiwei", 0.0), 3),
        "same_picture": round(evaluation.same_picture_share(base, "1girl", "weiwei", 0.0), 3),
        "tears_1girl": round(base.rate("crying", "1girl", 0.0), 3),
    }
    cast = pop.cast()
    if cast:
        member = cast[0]
        sw = base_sweep(pipe, tagger, [f"1girl, {member.name}"], lab.seeds)
        look = member.look()
        r = sw.readings
        rows = sw.rows(f"1girl, {member.name}", 0.0)
        out["named"] = {"name": member.name, **{g: round(float(np.mean([r.values[g][i] == look[g] for i in rows])), 3)
                                                for g in world.IDENTITY_GROUPS}}
    for steps in (150, 50):
        name = lab.train("weiwei_1", lora.LoraTrainConfig(steps=steps), name=f"weiwei_{steps}",
                         reuse=False, progress=False)
        sw = lab.sweep(["weiwei", "1girl"], name, weights=WEIGHTS, progress=False)
        ft, fh = sw.fidelity_curve("weiwei"), sw.fidelity_curve("1girl")
        out[f"c2_{steps}"] = {"weiwei": [round(x, 3) for x in ft], "1girl": [round(x, 3) for x in fh],
                              "gap": [round(a - b, 3) for a, b in zip(ft, fh)]}
        lab.unload()
    return out


def table(results: dict) -> str:
    lines = ["| variant | w=0 distance 1girl–weiwei | same picture | tears on 1girl | named character's look "
             "| C2 150 steps: weiwei / 1girl at w=0.4, 0.6, 0.8 | largest gap (150) | C2 50 steps at w=0.6, 0.8, 1 | largest gap (50) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for label, r in results.items():
        w0 = r["w0"]
        named = "—"
        if "named" in r:
            n = r["named"]
            named = f"`{n['name']}`: " + ", ".join(f"{g.replace('_', ' ')} {n[g]:.2f}" for g in world.IDENTITY_GROUPS)
        c, d = r["c2_150"], r["c2_50"]
        mid = ", ".join(f"{c['weiwei'][i]:.2f} / {c['1girl'][i]:.2f}" for i in (2, 3, 4))
        late = ", ".join(f"{d['weiwei'][i]:.2f} / {d['1girl'][i]:.2f}" for i in (3, 4, 5))

        def gap(x):
            g, i = max((v, i) for i, v in enumerate(x["gap"]))
            return f"{g:+.2f} at w={WEIGHTS[i]:g}"
        lines.append(f"| {label} | {w0['distance']:.2f} | {w0['same_picture']:.2f} | {w0['tears_1girl']:.2f} "
                     f"| {named} | {mid} | {gap(c)} | {late} | {gap(d)} |")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--images", type=int, default=24000)
    p.add_argument("--seeds", type=int, default=32)
    p.add_argument("--work", default="build/ablation")
    p.add_argument("--variants", default="all", help="comma-separated slugs, or 'all'")
    p.add_argument("--parent", default="git:003f5f4", help="the uniform sect every variant continues")
    a = p.parse_args(argv)
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(filename=work / "ablation.log", level=logging.INFO, format="%(asctime)s %(message)s")
    res_path = work / "results.json"
    results = json.loads(res_path.read_text()) if res_path.exists() else {}
    lab = course.setup(seeds=a.seeds)
    parent = pretrain.fetch_parent(a.parent, work)
    lab.pipe = base_model.load_pipeline(parent, device=str(lab.pipe.device), dtype=lab.pipe.dtype)
    for label, pop in VARIANTS.items():
        if a.variants != "all" and slug(label) not in a.variants.split(","):
            continue
        if label in results:
            print(f"{label}: measured before")
            continue
        t0 = time.time()
        pipe = continue_base(lab.pipe, pop, work / slug(label), a.steps, a.images, seed=0)
        t1 = time.time()
        results[label] = measure(pipe, lab.tagger, pop, a.seeds)
        results[label]["seconds"] = {"train": round(t1 - t0), "measure": round(time.time() - t1)}
        results[label]["config"] = {"steps": a.steps, "images": a.images, "seeds": a.seeds}
        tmp = res_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(results, indent=1))
        tmp.replace(res_path)
        print(f"{label}: {json.dumps(results[label])}", flush=True)
    md = table(results)
    (work / "results.md").write_text(md + "\n")
    print(md)


if __name__ == "__main__":
    main()
