"""The tagger's readings behind every verdict of the course, committed, so that a test can compute
each verdict of notebooks 02-12 again without drawing a picture.

    python scripts/claim_readings.py      # -> data/results/readings.json

It draws the sweeps of C1-C7 and of T, P, R and W exactly as notebooks 02-12 draw them
(``results.article_sweeps`` and ``results.beyond_sweeps``: after a run of the course every point
is read from ``build/points``, a minute or two) and writes what the tagger read on each picture
(``Sweep.readings_json``: no pictures, a code per group and picture, the training run of each
seed), with the commit it was drawn at, the recipe, the training seeds, the sampler, and each verdict as
data (``Verdict.to_json``: status, every check with its numbers, intervals and each run's value). ``tests/test_committed_verdicts.py`` rebuilds the sweeps
from the file, decides each claim and compares the verdict line with the one the committed
notebook printed: the committed outputs are what the code computes from these readings. Each
verdict is kept with its notebook and its explanation in both languages: the verdict tables and
explanations of README.md and docs/results.md are generated from this file
(``python -m lora_course.report --tables``). Run it again whenever the notebooks are re-executed
(``make course`` does).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lora_course import course, results  # noqa: E402
from lora_course.core import paths, safe_io  # noqa: E402
from lora_course.measure import experiments, readings  # noqa: E402

OUT = paths.DATA_DIR / "results" / "readings.json"


def as_data(v) -> dict:
    """A verdict as the results file keeps it: :meth:`Verdict.to_json`, the notebook that shows it,
    and its explanation in both languages (what README's and docs' tables are generated from)."""
    why = readings.explain(v)
    return {**v.to_json(), "notebook": experiments.NOTEBOOKS[v.claim], "explanation": {"en": why.en, "zh": why.zh}}


def main() -> int:
    lab = course.setup()
    with lab.loading_when_drawn():          # after the notebooks every point is drawn: nothing to load
        sweeps = {**results.article_sweeps(lab), **results.beyond_sweeps(lab)}
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    verdicts = {c: experiments.decide(e, sweeps) for c, e in experiments.ARTICLE.items()}
    verdicts.update(results.beyond_verdicts(sweeps))
    doc = {"commit": commit, "recipe": course.ARTICLE_LORA.weights_json(), "runs": lab.runs,
           "training_seeds": [course.ARTICLE_LORA.seed + r for r in range(lab.runs)], "sampler": lab.sampler,
           "verdicts": {c: as_data(v) for c, v in verdicts.items()},
           "sweeps": {n: sw.readings_json() for n, sw in sweeps.items()}}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    safe_io.write_text(OUT, json.dumps(doc, separators=(",", ":")))
    print(f"wrote {OUT.relative_to(ROOT)}: {len(sweeps)} sweeps, {OUT.stat().st_size / 1024:.0f} kB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
