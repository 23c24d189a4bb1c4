"""E8: the shipped sect against issue J's base targets, as pre-registered in
docs/preregistration/J_E8.md.

    python scripts/base_targets.py        # about 3 min on 2 cores -> data/results/base_targets.json
    python scripts/base_targets.py --base build/base_v3 --out build/experiments/e9.json   # a candidate sect
    python scripts/base_targets.py --base build/base_v3 --seed-offset 1000 --out ...       # on fresh seeds

The named cast is the cast of the population the base model's ``pretrain.json`` names.

Four targets that read the base model alone (no LoRA, no claim): full prompts obeyed per group,
the named cast drawn as themselves, `weiwei` never in pretraining, and the puppet empty (`weiwei`
draws what the empty prompt draws). Each is decided on its 95 % interval against its bar
(met / not met / undecided); the model card's table is generated from the JSON this writes.
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import time
from pathlib import Path

import numpy as np

from lora_course.measure import evaluation as ev
from lora_course import world
from lora_course.core import safe_io
from lora_course.measure import stats
from lora_course.world import population
from lora_course.sd.base_model import BASE_DIR, DEFAULT_GUIDANCE, DEFAULT_STEPS, load_pipeline
from lora_course.sd.pretrain import POPULATIONS
from lora_course.tagger import UNCLEAR, Tagger

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "results" / "base_targets.json"
SEEDS = list(range(40000, 40008))
PUPPET_SEEDS = list(range(40000, 40128))
FLOOR_SEEDS = list(range(40128, 40256))
N_FULL, FULL_SEED = 48, 7
FULL_BAR, CAST_BAR, EMPTY_BAR = 0.95, 0.90, 0.05
N_DRAWS = 200_000
N_BOOT = 4000


def decide(lo: float, hi: float, bar: float, above: bool = True) -> str:
    """``met`` when the interval lies on the good side of ``bar`` (above it, or below it when
    ``above`` is false), ``not met`` when it lies on the other side, else ``undecided``."""
    good, bad = (lo >= bar, hi < bar) if above else (hi <= bar, lo > bar)
    return "met" if good else "not met" if bad else "undecided"


def interval(est) -> dict:
    return {"value": round(float(est.value), 4), "lo": round(float(est.lo), 4), "hi": round(float(est.hi), 4),
            "n": int(est.n)}


def full_prompts(pipe, tagger) -> dict:
    prompts = ev.random_full_prompts(N_FULL, seed=FULL_SEED)
    r = ev.measure(pipe, tagger, prompts, SEEDS, desc="full prompts")
    hits = {}
    for i in range(len(r)):
        for t in ev.prompt_tags(r.meta["prompt"][i]):
            g = world.TAG_TO_GROUP[t]
            hits.setdefault(g, []).append(r.values[g][i] == t)
    groups = {}
    for g in world.GROUPS:
        if g in hits:
            est = stats.share(hits[g])
            groups[g] = {**interval(est), "status": decide(est.lo, est.hi, FULL_BAR)}
    worst = min(groups.values(), key=lambda d: d["lo"])
    return {"prompts": N_FULL, "prompt_seed": FULL_SEED, "seeds": SEEDS, "bar": FULL_BAR, "groups": groups,
            "status": "met" if all(d["status"] == "met" for d in groups.values())
            else "not met" if any(d["status"] == "not met" for d in groups.values()) else "undecided",
            "worst_group_lo": worst["lo"]}


def named_cast(pipe, tagger, pop: population.Population) -> dict:
    cast = pop.cast()
    r = ev.measure(pipe, tagger, [c.name for c in cast], SEEDS, desc="the named cast")
    hits, members, per_group = [], [], {g: [] for g in world.IDENTITY_GROUPS}
    for m, c in enumerate(cast):
        look = c.look()
        for i in ev.rows_of(r, prompt=c.name):
            hits.append(all(r.values[g][i] == look[g] for g in world.IDENTITY_GROUPS))
            members.append(m)
            for g in world.IDENTITY_GROUPS:
                per_group[g].append(r.values[g][i] == look[g])
    est = stats.bootstrap(np.mean, np.array(hits, float), runs=members, n_boot=N_BOOT)
    by_member = [float(np.mean([h for h, mm in zip(hits, members) if mm == m])) for m in range(len(cast))]
    return {"members": len(cast), "seeds": SEEDS, "bar": CAST_BAR, **interval(est),
            "status": decide(est.lo, est.hi, CAST_BAR),
            "per_group": {g: round(float(np.mean(v)), 4) for g, v in per_group.items()},
            "members_at_least_half": int(sum(b >= 0.5 for b in by_member)),
            "members_none": int(sum(b == 0 for b in by_member))}


def never_in_pretraining(pop: population.Population) -> dict:
    out = {}
    for label, world_pop in (("booru", pop), ("uniform", population.UNIFORM)):
        rng = random.Random(0)
        her = named = 0
        for _ in range(N_DRAWS):
            s = population.sample(rng, world_pop)
            her += world.is_weiwei_identity(s.attrs)
            cap = population.caption(s, rng, world_pop)
            named += ("weiwei" in cap) or ("wei" in cap)
        out[label] = {"draws": N_DRAWS, "her_identity": int(her), "captions_with_wei": int(named)}
    rng = random.Random(0)
    first = sum(world.is_weiwei_identity(world.sample_attrs(rng, exclude_weiwei=True)) for _ in range(N_DRAWS))
    out["first_world"] = {"draws": N_DRAWS, "her_identity": int(first)}
    out["cast_names_with_wei"] = int(sum("wei" in c.name for c in pop.cast()))
    total = sum(d.get("her_identity", 0) + d.get("captions_with_wei", 0)
                for d in out.values() if isinstance(d, dict)) + out["cast_names_with_wei"]
    out["status"] = "met" if total == 0 else "not met"
    return out


def onehot(r, rows) -> np.ndarray:
    """Seeds × (every value of every group, ``unclear`` included): what each picture was read as."""
    cols = []
    for g in world.GROUPS:
        vals = [r.values[g][i] for i in rows]
        for v in list(world.GROUPS[g]) + [UNCLEAR]:
            cols.append([x == v for x in vals])
    return np.array(cols, float).T


def _distance(a: np.ndarray, b: np.ndarray) -> float:
    """Mean over groups of the total-variation distance between two seeds × one-hot arrays."""
    diff = np.abs(a.mean(0) - b.mean(0))
    sizes = [len(world.GROUPS[g]) + 1 for g in world.GROUPS]
    return float(np.mean([0.5 * part.sum() for part in np.split(diff, np.cumsum(sizes)[:-1])]))


def excess(p, e, f) -> float:
    """d(prompt, empty) − d(empty, empty on other seeds): the distance a finite sample does not explain."""
    return _distance(p, e) - _distance(f, e)


def puppet_empty(pipe, tagger) -> dict:
    prompts = ["weiwei", "喂喂", "1girl", ""]
    r = ev.measure(pipe, tagger, prompts, PUPPET_SEEDS, desc="the puppet empty")
    floor = ev.measure(pipe, tagger, [""], FLOOR_SEEDS, desc="the empty prompt again")
    empty = onehot(r, ev.rows_of(r, prompt=""))
    again = onehot(floor, list(range(len(floor))))
    out = {"seeds": PUPPET_SEEDS, "floor_seeds": FLOOR_SEEDS, "bar": EMPTY_BAR,
           "floor": round(_distance(again, empty), 4), "prompts": {}}
    empty_rows = ev.rows_of(r, prompt="")
    for p in prompts[:3]:
        rows = ev.rows_of(r, prompt=p)
        est = stats.bootstrap(excess, onehot(r, rows), empty, again, n_boot=N_BOOT)
        same = stats.share([all(r.values[g][i] == r.values[g][j] for g in world.GROUPS)
                            for i, j in zip(rows, empty_rows)])
        out["prompts"][p] = {"distance": round(_distance(onehot(r, rows), empty), 4),
                             "excess": interval(est), "status": decide(est.lo, est.hi, EMPTY_BAR, above=False),
                             "same_as_empty": interval(same)}
    out["status"] = {"met": "empty", "not met": "not empty"}.get(out["prompts"]["weiwei"]["status"], "undecided")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", default=str(BASE_DIR), help="the base model's folder (default: the shipped one)")
    ap.add_argument("--out", default=str(OUT), help="where the JSON goes")
    ap.add_argument("--seed-offset", type=int, default=0,
                    help="add this to every seed and to the full prompts' seed: the same rules on fresh "
                         "pictures, to confirm a candidate judged on the default seeds (e.g. 1000)")
    a = ap.parse_args()
    global SEEDS, PUPPET_SEEDS, FLOOR_SEEDS, FULL_SEED
    if a.seed_offset:
        SEEDS, PUPPET_SEEDS, FLOOR_SEEDS = ([s + a.seed_offset for s in seeds]
                                            for seeds in (SEEDS, PUPPET_SEEDS, FLOOR_SEEDS))
        FULL_SEED += a.seed_offset
    t0 = time.time()
    base = Path(a.base).resolve()
    pipe, tagger = load_pipeline(base), Tagger.load()
    pop_name = json.loads((base / "pretrain.json").read_text()).get("population", "booru")
    pop = POPULATIONS[pop_name]
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    where = str(base.relative_to(ROOT)) if base.is_relative_to(ROOT) else base.name
    result = {"experiment": "E8", "preregistration": "docs/preregistration/J_E8.md", "commit": commit,
              "base": where, "population": pop_name, "steps": DEFAULT_STEPS, "guidance": DEFAULT_GUIDANCE,
              "seed_offset": a.seed_offset}
    result["never_in_pretraining"] = never_in_pretraining(pop)
    result["full_prompts"] = full_prompts(pipe, tagger)
    result["named_cast"] = named_cast(pipe, tagger, pop)
    result["puppet_empty"] = puppet_empty(pipe, tagger)
    result["seconds"] = round(time.time() - t0, 1)
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    safe_io.write_text(out, json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print(json.dumps({k: (v.get("status") if isinstance(v, dict) else v) for k, v in result.items()}, ensure_ascii=False))
    print(f"wrote {out} in {result['seconds']} s")


if __name__ == "__main__":
    main()
