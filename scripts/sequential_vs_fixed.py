"""Issue L's measurement: the course's eleven claims drawn on fixed seeds and drawn until decided,
in one run, as pre-registered in docs/preregistration/L_sequential.md.

    python scripts/sequential_vs_fixed.py          # -> build/experiments/sequential_vs_fixed.json

Every LoRA of the course is trained (or loaded from ``build/loras``) once, and both arms draw with
the same LoRAs, each into an empty points folder of its own:

* **fixed**: every claim's sweeps as the notebooks drew them before issue L (32 seeds a point,
  C1's 48), decided at 95 %;
* **sequential**: every claim by :mod:`lora_course.measure.sequential` (looks of 16, 32, 64 seeds,
  the 5 % spent across them; later looks extend only the points the checks read).

It prints the pictures drawn and the seconds of each arm, claim by claim, the ratio, and the
eleven decisions side by side (status and each check's outcome).
"""
from __future__ import annotations

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


def plans(lab) -> dict:
    """Per claim: (its sweeps' plan, the function that decides it, the fixed arm's seeds, the
    sequential arm's seeds)."""
    out = {}
    for c, e in experiments.ARTICLE.items():
        plan = {n: (lab.train(s, progress=False), e.prompts, e.weights) for s, n in zip(e.sets, e.sweep_names())}
        fixed = list(e.seeds) if e.seeds else list(range(experiments.SEEDS))
        out[c] = (plan, functools.partial(experiments.decide, e), fixed, list(e.look_seeds(sequential.LOOKS.seeds[-1])))
    for c, plan in results.beyond_plans(lab).items():
        out[c] = (plan, functools.partial(results.beyond_claim, c), list(range(experiments.SEEDS)),
                  list(range(sequential.LOOKS.seeds[-1])))
    return out


def arm(lab, name: str, todo: dict) -> dict:
    """Draw every claim one way into an empty points folder: its verdict, pictures and seconds."""
    folder = POINTS / name
    shutil.rmtree(folder, ignore_errors=True)
    caches.POINTS_DIR = folder
    out = {}
    for c, (plan, decide, fixed_seeds, look_seeds) in todo.items():
        drawn, t = lab.drawn, time.time()
        if name == "fixed":
            verdict, stop = decide(results.draw_plan(lab, plan, fixed_seeds)), None
        else:
            decided = lab.draw_until_decided(plan, decide, look_seeds, label=c, progress=False)
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


def main() -> int:
    t0 = time.time()
    lab = course.setup()
    todo = plans(lab)
    trained = round(time.time() - t0, 1)
    doc = {"train_or_load_seconds": trained, "looks": list(sequential.LOOKS.seeds),
           "spend": list(sequential.LOOKS.spend), "arms": {}}
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
    OUT.parent.mkdir(parents=True, exist_ok=True)
    safe_io.write_text(OUT, json.dumps(doc, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
