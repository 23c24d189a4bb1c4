"""Issue L's measurement: the course's eleven claims drawn on fixed seeds and drawn until decided,
in one run, as pre-registered in docs/preregistration/L_sequential.md.

    python scripts/sequential_vs_fixed.py            # -> build/experiments/sequential_vs_fixed.json
    python scripts/sequential_vs_fixed.py --rule 2   # the second rule -> ..._2.json
                                                     #   (docs/preregistration/L_sequential_2.md)

Every LoRA of the course is trained (or loaded from ``build/loras``) once, and both arms draw with
the same LoRAs, each into an empty points folder of its own:

* **fixed**: every claim's sweeps as the notebooks drew them before issue L (32 seeds a point,
  C1's 48), decided at 95 %;
* **sequential**: every claim by :mod:`lora_course.measure.sequential` (looks of 16, 32, 64 seeds,
  the 5 % spent across them; later looks extend only the points the checks read). With ``--rule 2``,
  :data:`~lora_course.measure.sequential.LOOKS_2`: two looks, at half the fixed arm's seeds and at
  all of them (99.5 % and 95.5 %), and a claim whose open checks the second look could not decide
  stops at the first.

It prints the pictures drawn and the seconds of each arm, claim by claim, the ratio, and the
eleven decisions side by side (status and each check's outcome).
"""
from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lora_course import course, results  # noqa: E402
from lora_course.core import paths, safe_io  # noqa: E402
from lora_course.measure import caches, experiments, sequential  # noqa: E402

OUT = paths.BUILD_DIR / "experiments" / "sequential_vs_fixed.json"
POINTS = paths.BUILD_DIR / "experiments" / "sequential_vs_fixed_points"


def looks_for(rule: int, fixed_n: int) -> sequential.Looks:
    """The looks of a claim whose fixed arm draws ``fixed_n`` seeds a point: the first rule's looks
    (16, 32, 64), or the second rule's at half and all of ``fixed_n`` (C1: 24 and 48)."""
    if rule == 1:
        return sequential.LOOKS
    return dataclasses.replace(sequential.LOOKS_2, seeds=(fixed_n // 2, fixed_n))


def plans(lab, rule: int = 1) -> dict:
    """Per claim: (its sweeps' plan, the function that decides it, the fixed arm's seeds, the
    sequential arm's seeds, its looks)."""
    out = {}
    for c, e in experiments.ARTICLE.items():
        plan = {n: (lab.train(s, progress=False), e.prompts, e.weights) for s, n in zip(e.sets, e.sweep_names())}
        fixed = list(e.seeds) if e.seeds else list(range(experiments.SEEDS))
        looks = looks_for(rule, len(fixed))
        out[c] = (plan, functools.partial(experiments.decide, e), fixed, list(e.look_seeds(looks.seeds[-1])), looks)
    for c, plan in results.beyond_plans(lab).items():
        looks = looks_for(rule, experiments.SEEDS)
        out[c] = (plan, functools.partial(results.beyond_claim, c), list(range(experiments.SEEDS)),
                  list(range(looks.seeds[-1])), looks)
    return out


def arm(lab, name: str, todo: dict) -> dict:
    """Draw every claim one way into an empty points folder: its verdict, pictures and seconds."""
    folder = POINTS / name
    shutil.rmtree(folder, ignore_errors=True)
    caches.POINTS_DIR = folder
    out = {}
    for c, (plan, decide, fixed_seeds, look_seeds, looks) in todo.items():
        drawn, t = lab.drawn, time.time()
        if name == "fixed":
            verdict, stop = decide(results.draw_plan(lab, plan, fixed_seeds)), None
        else:
            decided = lab.draw_until_decided(plan, decide, look_seeds, looks=looks, label=c, progress=False)
            verdict, stop = decided.verdict, decided.stop
        out[c] = {"status": str(verdict.status), "outcomes": [str(o) for o in verdict.outcomes],
                  "pictures": lab.drawn - drawn, "seconds": round(time.time() - t, 1),
                  "stop": stop.to_json() if stop else None, "summary": verdict.summary}
        print(f"{name} {c}: {verdict.status} {out[c]['outcomes']} · {out[c]['pictures']} pictures, "
              f"{out[c]['seconds']} s" + (f" · {stop}" if stop else ""), flush=True)
    return out


def marks(outcomes) -> str:
    """Each check's outcome as one mark: x passes, · fails, ? undecided."""
    return " ".join({"pass": "x", "fail": "·", "undecided": "?"}[o] for o in outcomes)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rule", type=int, choices=(1, 2), default=1,
                    help="1: docs/preregistration/L_sequential.md; 2: docs/preregistration/L_sequential_2.md")
    rule = ap.parse_args(argv).rule
    out = OUT if rule == 1 else OUT.with_name(f"{OUT.stem}_{rule}.json")
    t0 = time.time()
    lab = course.setup()
    todo = plans(lab, rule)
    trained = round(time.time() - t0, 1)
    example = looks_for(rule, experiments.SEEDS)
    doc = {"rule": rule, "train_or_load_seconds": trained, "looks": list(example.seeds),
           "spend": list(example.spend), "futility": example.futility, "arms": {}}
    for name in ("fixed", "sequential"):
        doc["arms"][name] = arm(lab, name, todo)
    total = {n: {"pictures": sum(c["pictures"] for c in a.values()), "seconds": round(sum(c["seconds"] for c in a.values()), 1)}
             for n, a in doc["arms"].items()}
    doc["total"] = total
    doc["ratio"] = {k: round(total["sequential"][k] / total["fixed"][k], 3) for k in ("pictures", "seconds")}
    print("\n| claim | fixed: status · checks | pictures | s | sequential: status · checks | stopped | pictures | s |")
    print("|---|---|---|---|---|---|---|---|")
    for c in todo:
        f, s = doc["arms"]["fixed"][c], doc["arms"]["sequential"][c]
        print(f"| {c} | {f['status']} · {marks(f['outcomes'])} | {f['pictures']} | {f['seconds']} | {s['status']} · "
              f"{marks(s['outcomes'])} | look {s['stop']['look']} ({s['stop']['seeds']} seeds): {s['stop']['reason']} "
              f"| {s['pictures']} | {s['seconds']} |")
    print(f"| all | | {total['fixed']['pictures']} | {total['fixed']['seconds']} | | | "
          f"{total['sequential']['pictures']} | {total['sequential']['seconds']} |")
    print(f"\nsequential / fixed: pictures {doc['ratio']['pictures']}, seconds {doc['ratio']['seconds']}; "
          f"LoRAs trained or loaded in {trained} s; {time.time() - t0:.0f} s in all")
    out.parent.mkdir(parents=True, exist_ok=True)
    safe_io.write_text(out, json.dumps(doc, indent=1, ensure_ascii=False))
    print(f"-> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
