"""E5: the article's seven claims at the article's regime, three training runs each, as
pre-registered in docs/preregistration/J_E5.md.

    python scripts/article_regime.py            # E5: trains 4 sets x 3 seeds, draws, decides, writes JSON
    python scripts/article_regime.py e6         # E6: weiwei_1 x 16 runs, mouth_2 x 4 (docs/preregistration/J_E6.md)
    python scripts/article_regime.py e7         # E7: T, P, R, W at this regime (docs/preregistration/J_E7.md)
    python scripts/article_regime.py e11 --base build/base_v3f --steps 400
                                                # E11: all eleven on a candidate sect (docs/preregistration/J_E11.md)
    python scripts/article_regime.py e13 --base build/base_v3f --steps 800 --recipe "F text encoder 2e-3 + UNet 5e-4"
                                                # E13: E11 with E12's adopted recipe (docs/preregistration/J_E12.md)

The regime is the course's recipe at the length E4's rule gave on the calibration character
(:data:`STEPS`). Every number is a share of pictures (or a difference of two, read the same way)
with a 95 % interval from a two-level bootstrap: training runs resampled, then sampling seeds
within each run (paired across prompts by run and seed). A check passes when its interval lies
on the article's side of its bar, fails when it lies on the other side, else it is undecided.
The primary reading counts an ``unclear`` picture as *not* showing what was asked (not her, not
the tag); the sensitivity reading counts it as showing it, in every number of a check alike.
The same checks are also run with every weight set to 0 (the base model alone): a check that
passes there cannot tell a LoRA from none.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from regime_experiments import E12_RECIPES, OUT, _save  # noqa: E402  (the E1-E12 script: E12's recipes, output folder, atomic JSON)

from lora_course import course, results  # noqa: E402
from lora_course.datasets import training_sets  # noqa: E402
from lora_course.measure import stats  # noqa: E402

#: The article's length (E4's rule on the calibration character, selected recipe).
STEPS = 400
#: Training seeds of every LoRA.
TRAIN_SEEDS = (0, 1, 2)
#: Fresh sampling seeds (never used by a notebook or by E1-E4).
SEEDS = list(range(10000, 10032))
N_BOOT = 4000
HIGH, MOST, GAP, LOW, CONTROL, ABSENT = 0.5, 0.5, 0.4, 0.3, 0.7, 0.1

#: E6 (docs/preregistration/J_E6.md): more training runs, fewer seeds per run, fresh seeds, and
#: only the sets C1, C2, C3, C5 and C7 read. Training seeds per set; sampling seeds.
E6_TRAIN_SEEDS = {"weiwei_1": tuple(range(3, 19)), "mouth_2": (3, 4, 5, 6)}
E6_SEEDS = list(range(20000, 20016))

#: What each training set is drawn with: prompt -> weights.
POINTS = {
    "weiwei_1": {"weiwei": (0.0, 0.6, 1.0), "1girl": (0.6, 1.0), "red hair": (0.6, 1.0), "long hair": (0.6, 1.0),
                 "weiwei, closed mouth": (1.0,), "weiwei, sitting": (0.6, 1.0), "weiwei, standing": (1.0,)},
    "fox_1": {"fox": (0.6, 1.0)},
    "mouth_2": {"weiwei, closed mouth": (1.0,), "weiwei, open mouth": (1.0,),
                "weiwei, open mouth, crying": (1.0,), "weiwei, closed mouth, smile": (1.0,)},
    "cry_smile_2": {"weiwei, open mouth, crying": (1.0,), "weiwei, closed mouth, smile": (1.0,)},
}


class Data:
    """Per (set, prompt, weight): the sweeps of every training run; readings as runs × seeds."""

    def __init__(self, sweeps: dict, base_only: bool = False, other_way: bool = False):
        self.sweeps, self.base_only, self.other_way = sweeps, base_only, other_way

    def _sw(self, set_name, prompt, w):
        return self.sweeps[set_name], (0.0 if self.base_only else float(w))

    def her(self, set_name, prompt, w, tags=()) -> np.ndarray:
        runs, w = self._sw(set_name, prompt, w)
        return np.stack([sw.her_and(prompt, w, list(tags), unclear_counts=self.other_way) for sw in runs])

    def shows(self, set_name, prompt, w, tags) -> np.ndarray:
        runs, w = self._sw(set_name, prompt, w)
        return np.stack([sw.shows(list(tags), prompt, w, unclear_counts=self.other_way) for sw in runs])


def hboot(stat, arrays, rng) -> tuple:
    """``stat(*arrays)`` (each runs × seeds, paired) and its 95 % interval: runs resampled, then
    seeds within each chosen run (the same seed indices for every array of that run)."""
    R, S = arrays[0].shape
    vals = np.empty(N_BOOT)
    for b in range(N_BOOT):
        runs = rng.integers(R, size=R)
        seeds = rng.integers(S, size=(R, S))
        vals[b] = stat(*[np.stack([a[r, s] for r, s in zip(runs, seeds)]) for a in arrays])
    lo, hi = np.percentile(vals, [2.5, 97.5])
    return float(stat(*arrays)), float(lo), float(hi)


def share(a):
    return float(a.mean())


def share_est(a, rng) -> tuple:
    """A share over runs × seeds: the bootstrap interval widened to at least the Wilson interval
    of the pooled pictures (so that a share where every picture agrees still has a width)."""
    value, lo, hi = hboot(share, [a], rng)
    wl, wh = stats.wilson(int(a.sum()), a.size)
    return value, min(lo, wl), max(hi, wh)


def diff_est(pos, neg, rng) -> tuple:
    """mean(pos arrays) − mean(neg arrays), paired by run and seed in the bootstrap; its interval
    widened to at least Newcombe's square-and-add of the two pooled Wilson intervals (which
    ignores the pairing, so it is wider when the two are positively correlated)."""
    k = len(pos)

    def stat(*arrs):
        return float(np.mean([x.mean() for x in arrs[:k]]) - np.mean([x.mean() for x in arrs[k:]]))
    value, lo, hi = hboot(stat, [*pos, *neg], rng)
    P, N = np.concatenate([x.ravel() for x in pos]), np.concatenate([x.ravel() for x in neg])
    p1, p2 = P.mean(), N.mean()
    l1, u1 = stats.wilson(int(P.sum()), P.size)
    l2, u2 = stats.wilson(int(N.sum()), N.size)
    nl = p1 - p2 - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    nh = p1 - p2 + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return value, min(lo, float(nl)), max(hi, float(nh))


def check(what, est, bar, at_least=True) -> dict:
    value, lo, hi = est
    if at_least:
        outcome = "pass" if lo >= bar else "fail" if hi < bar else "undecided"
    else:
        outcome = "pass" if hi <= bar else "fail" if lo > bar else "undecided"
    return {"what": what, "value": round(value, 3), "lo": round(lo, 3), "hi": round(hi, 3), "bar": bar,
            "at_least": at_least, "outcome": outcome}


def claims(d: Data, rng) -> dict:
    """C1-C7, each a list of checks (pre-registered in docs/preregistration/J_E5.md)."""
    W = "weiwei_1"
    out = {}
    have = set(d.sweeps)
    out["C1"] = [check("`weiwei` at w=1 is her", share_est(d.her(W, "weiwei", 1.0), rng), HIGH),
                 check("`weiwei` at w=0 is her", share_est(d.her(W, "weiwei", 0.0), rng), ABSENT, False)]
    t6, h6 = d.her(W, "weiwei", 0.6), d.her(W, "1girl", 0.6)
    out["C2"] = [check("`1girl` at w=1 is her", share_est(d.her(W, "1girl", 1.0), rng), MOST),
                 check("`weiwei` at w=0.6 is her", share_est(t6, rng), HIGH),
                 check("her on `weiwei` minus her on `1girl`, w=0.6", diff_est([t6], [h6], rng), GAP)]
    out["C3"] = [check("`red hair` at w=1 is her", share_est(d.her(W, "red hair", 1.0), rng), HIGH),
                 check("`red hair` at w=0.6 is her", share_est(d.her(W, "red hair", 0.6), rng), LOW, False),
                 check("`long hair` at w=0.6 is her", share_est(d.her(W, "long hair", 0.6), rng), HIGH)]
    if "fox_1" in have:
        a6, a1 = d.shows("fox_1", "fox", 0.6, ["fox"]), d.shows("fox_1", "fox", 1.0, ["fox"])
        out["C4"] = [check("`fox` at w=1 is her", share_est(d.her("fox_1", "fox", 1.0), rng), HIGH),
                     check("the animal at w=0.6 minus at w=1", diff_est([a6], [a1], rng), LOW),
                     check("`fox` at w=0.6 is still her", share_est(d.her("fox_1", "fox", 0.6), rng), LOW)]
    out["C5"] = [check("one picture: `weiwei, closed mouth` at w=1 is her with a closed mouth",
                       share_est(d.her(W, "weiwei, closed mouth", 1.0, ["closed mouth"]), rng), LOW, False),
                 check("two pictures: her with a closed mouth on request",
                       share_est(d.her("mouth_2", "weiwei, closed mouth", 1.0, ["closed mouth"]), rng), CONTROL),
                 check("two pictures: her with an open mouth on request",
                       share_est(d.her("mouth_2", "weiwei, open mouth", 1.0, ["open mouth"]), rng), CONTROL)]
    pc, ps = "weiwei, open mouth, crying", "weiwei, closed mouth, smile"
    if "cry_smile_2" in have:
        cry = d.her("cry_smile_2", pc, 1.0, ["open mouth", "crying"])
        smile = d.her("cry_smile_2", ps, 1.0, ["closed mouth", "smile"])
        cry0 = d.her("mouth_2", pc, 1.0, ["open mouth", "crying"])
        smile0 = d.her("mouth_2", ps, 1.0, ["closed mouth", "smile"])
        out["C6"] = [check(f"`{pc}`: her, crying, mouth open", share_est(cry, rng), CONTROL),
                     check(f"`{ps}`: her, smiling, mouth closed", share_est(smile, rng), CONTROL),
                     check("both, minus the same with captions lacking `crying`/`smile` (mouth_2)",
                           diff_est([cry, smile], [cry0, smile0], rng), LOW)]
    stand, sit6 = d.her(W, "weiwei, standing", 1.0), d.her(W, "weiwei, sitting", 0.6, ["sitting"])
    out["C7"] = [check("`weiwei, sitting` at w=1 sits", share_est(d.shows(W, "weiwei, sitting", 1.0, ["sitting"]), rng), LOW, False),
                 check("`weiwei, sitting` at w=0.6 sits", share_est(d.shows(W, "weiwei, sitting", 0.6, ["sitting"]), rng), HIGH),
                 check("her standing at w=1 minus her and sitting at w=0.6", diff_est([stand], [sit6], rng), LOW)]
    return out


def status(checks) -> str:
    o = [c["outcome"] for c in checks]
    if all(x == "pass" for x in o):
        return "REPRODUCED"
    if all(x == "fail" for x in o):
        return "NOT REPRODUCED"
    if "pass" in o and "fail" in o:
        return "PARTLY"
    return "UNDECIDED"


def between_runs(runs: list, prompt: str, w: float) -> dict:
    """Her at one point, run by run: the runs' mean share, their standard deviation, and the
    standard deviation sampling seeds alone would give (binomial, at each run's own share), so the
    between-run part is what exceeds it."""
    per = np.array([float(sw.her(prompt, w).mean()) for sw in runs])
    n = runs[0].her(prompt, w).size
    within = float(np.sqrt(np.mean(per * (1 - per) / n)))
    sd = float(per.std(ddof=1)) if len(per) > 1 else 0.0
    return {"per_run": [round(float(x), 3) for x in per], "mean": round(float(per.mean()), 3),
            "sd_between_runs": round(sd, 3), "sd_from_seeds_alone": round(within, 3)}


#: E7 (docs/preregistration/J_E7.md): the claims beyond the article (T, P, R, W) at this regime,
#: decided by the course's own claims (lora_course.measure.claims, whose intervals resample the runs).
#: Training seeds 0, 1, 2 for every set (the LoRAs E5 trained are re-used: E5 read C1-C7 on them,
#: never T, P, R or W); fresh sampling seeds, 16 per training run.
E7_TRAIN_SEEDS = (0, 1, 2)
E7_SEEDS = list(range(30000, 30048))


class ArticleLength:
    """Where ``results.beyond_sweeps`` (and ``results.article_sweeps``) get each LoRA for E7 and
    E11: the set trained ``steps`` steps with each of ``train_seeds`` (cached as
    ``<set>_<steps>_s<seed>``, E5's names), the runs loaded as one LoRA ``<set>_<steps>`` whose
    sweeps split their seeds between them."""

    def __init__(self, lab, steps: int = STEPS, train_seeds=E7_TRAIN_SEEDS, recipe=None):
        self.lab, self.seconds = lab, {}
        self.steps, self.train_seeds = int(steps), tuple(train_seeds)
        self.recipe = recipe or course.LIGHT_LORA

    def __call__(self, set_name, name=None) -> str:
        base = name or training_sets.folder(set_name).name
        group = f"{base}_{self.steps}"
        if group not in self.lab.replicates:
            members = []
            for seed in self.train_seeds:
                t = time.time()
                members.append(self.lab.train(set_name, replace(self.recipe, steps=self.steps, seed=seed),
                                              name=f"{base}_{self.steps}_s{seed}", progress=False, runs=1))
                self.seconds[members[-1]] = round(time.time() - t, 1)
            self.lab.replicates[group] = tuple(members)
            print(f"{group}: {len(members)} runs ready", flush=True)
        return group


def e7() -> None:
    t0 = time.time()
    lab = course.setup(seeds=len(E7_SEEDS))
    source = ArticleLength(lab)
    sweeps = results.beyond_sweeps(lab, source, seeds=E7_SEEDS)
    verdicts = results.beyond_verdicts(sweeps)
    out = {"experiment": "e7", "steps": STEPS, "train_seeds": list(E7_TRAIN_SEEDS), "seeds": E7_SEEDS,
           "train_seconds": source.seconds, "verdicts": {}}
    report("e7", verdicts, out, t0)


def report(name: str, verdicts: dict, out: dict, t0: float) -> None:
    """Print each verdict and the markdown table of the experiment log, and write ``out`` with the
    verdicts as data to ``build/experiments/<name>.json``."""
    for c, v in verdicts.items():
        print()
        print(v)
        out["verdicts"][c] = {"status": v.status, "summary": v.summary, "checks": [str(ch) for ch in v.checks],
                              "outcomes": v.outcomes}
    print("\n| claim | status | measured (95 % intervals over runs and seeds) |")
    print("|---|---|---|")
    for c, v in verdicts.items():
        print(f"| {c} | {v.status} | {v.summary} |")
    out["seconds"] = round(time.time() - t0, 1)
    _save(name, out)
    print(f"\n{name}: {out['seconds'] / 60:.1f} min; numbers in {OUT / (name + '.json')}")


#: E11 (docs/preregistration/J_E11.md): all eleven claims on a candidate sect at the article's
#: length its E10 gave, drawn as notebooks 02-12 draw them, decided by the course's claims. Training
#: seeds 0, 1, 2 for every set; fresh sampling seeds, 16 per training run, for every sweep.
E11_TRAIN_SEEDS = (0, 1, 2)
E11_SEEDS = list(range(50000, 50048))
#: E13 (docs/preregistration/J_E12.md): E11 with E12's adopted recipe, on fresh seeds.
E13_SEEDS = list(range(60000, 60048))


def e11(base: str, steps: int, name: str = "e11", seeds=E11_SEEDS, recipe_label: str = None) -> None:
    """E11 (or E13 with ``recipe_label``, one of E12's recipes): all eleven claims on ``base``."""
    t0 = time.time()
    lab = course.setup(seeds=len(seeds), base=base)
    recipe = None if recipe_label is None else E12_RECIPES[recipe_label][0]
    source = ArticleLength(lab, steps, E11_TRAIN_SEEDS, recipe)
    sweeps = results.article_sweeps(lab, lora=source, seeds=seeds)
    sweeps.update(results.beyond_sweeps(lab, source, seeds=seeds))
    verdicts = {**results.article_verdicts(sweeps), **results.beyond_verdicts(sweeps)}
    out = {"experiment": name, "base": base, "steps": steps, "recipe": recipe_label or "the course's",
           "train_seeds": list(E11_TRAIN_SEEDS), "seeds": seeds, "train_seconds": source.seconds, "verdicts": {},
           "readings": {n: sw.readings_json() for n, sw in sweeps.items()}}
    report(name, verdicts, out, t0)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("experiment", nargs="?", default="e5", choices=("e5", "e6", "e7", "e11", "e13"))
    p.add_argument("--base", default=None, help="a candidate sect's folder instead of data/base (E11)")
    p.add_argument("--steps", type=int, default=None, help="the article's length on that sect, from its E10 (E11, E13)")
    p.add_argument("--recipe", default=None, help="E12's adopted recipe, by its label (E13)")
    a = p.parse_args()
    name = a.experiment
    if name == "e13":
        if a.base is None or a.steps is None or a.recipe is None:
            p.error("e13 needs --base, --steps (the article's length E12 gave) and --recipe (E12's adopted label)")
        e11(a.base, a.steps, "e13", E13_SEEDS, a.recipe)
        return
    if name == "e11":
        if a.base is None or a.steps is None:
            p.error("e11 needs --base (the candidate sect's folder) and --steps (the article's length its E10 gave)")
        e11(a.base, a.steps)
        return
    if name == "e7":
        e7()
        return
    train_seeds = ({s: TRAIN_SEEDS for s in POINTS} if name == "e5" else E6_TRAIN_SEEDS)
    seeds = SEEDS if name == "e5" else E6_SEEDS
    points = {s: POINTS[s] for s in train_seeds}
    t0 = time.time()
    lab = course.setup(seeds=len(seeds))
    sweeps = {s: [] for s in points}
    seconds = {}
    for set_name, prompts in points.items():
        for seed in train_seeds[set_name]:
            t = time.time()
            lora = lab.train(set_name, replace(course.LIGHT_LORA, steps=STEPS, seed=seed),
                             name=f"{set_name}_{STEPS}_s{seed}", progress=False)
            seconds[lora] = round(time.time() - t, 1)
            ws = sorted({w for ws in prompts.values() for w in ws} | {0.0})
            sweeps[set_name].append(lab.sweep(list(prompts), lora, weights=ws, seeds=seeds, progress=False))
            print(f"{set_name} run {seed}: {time.time() - t:.0f} s", flush=True)
        print(f"{set_name}: {len(train_seeds[set_name])} runs drawn", flush=True)
    out = {"experiment": name, "steps": STEPS, "train_seeds": {s: list(v) for s, v in train_seeds.items()},
           "seeds": seeds, "train_seconds": seconds, "claims": {}}
    for label, data in (("primary", Data(sweeps)), ("other way", Data(sweeps, other_way=True)),
                        ("base alone", Data(sweeps, base_only=True))):
        res = claims(data, np.random.default_rng(0))
        out["claims"][label] = {c: {"status": status(ch), "checks": ch} for c, ch in res.items()}
    print("\n| claim | status | status, unclear counted the other way | status on the base model alone |")
    print("|---|---|---|---|")
    for c in out["claims"]["primary"]:
        print(f"| {c} | {out['claims']['primary'][c]['status']} | {out['claims']['other way'][c]['status']} | "
              f"{out['claims']['base alone'][c]['status']} |")
    print("\n| claim | check | bar | primary (95 % interval) | outcome | other way | outcome | base alone | outcome |")
    print("|---|---|---|---|---|---|---|---|---|")
    for c, v in out["claims"]["primary"].items():
        for i, ch in enumerate(v["checks"]):
            o = out["claims"]["other way"][c]["checks"][i]
            b = out["claims"]["base alone"][c]["checks"][i]
            bar = ("≥ " if ch["at_least"] else "≤ ") + f"{ch['bar']:g}"
            print(f"| {c} | {ch['what']} | {bar} | {ch['value']:.2f} [{ch['lo']:.2f}, {ch['hi']:.2f}] | {ch['outcome']} | "
                  f"{o['value']:.2f} [{o['lo']:.2f}, {o['hi']:.2f}] | {o['outcome']} | {b['value']:.2f} | {b['outcome']} |")
    # between training runs: each run's own share at the points the checks read
    spread = {}
    for set_name, prompts in points.items():
        for p, ws in prompts.items():
            for w in ws:
                spread[f"{set_name} | {p} | {w:g}"] = between_runs(sweeps[set_name], p, w)
    out["her_per_run"] = spread
    print("\nher per training run (mean · sd between runs · sd from seeds alone · each run):")
    for k, v in spread.items():
        print(f"  {k}: {v['mean']:.2f} · {v['sd_between_runs']:.2f} · {v['sd_from_seeds_alone']:.2f} · {v['per_run']}")
    out["seconds"] = round(time.time() - t0, 1)
    _save(name, out)
    print(f"\n{name}: {out['seconds'] / 60:.1f} min; numbers in {OUT / (name + '.json')}")


if __name__ == "__main__":
    main()
