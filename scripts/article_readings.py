"""The tagger's readings of the article's experiments, committed, so that a test can compute every
verdict of notebooks 02-08 again without drawing a picture.

    python scripts/article_readings.py      # -> data/results/article_readings.json

It draws C1-C7's sweeps exactly as notebooks 02-08 draw them (``results.article_sweeps``: after a
run of the course every point is read from ``build/points``, about a minute) and writes what the
tagger read on each picture (``Sweep.readings_json``: no pictures, a code per group and picture),
with the commit it was drawn at. ``tests/test_committed_verdicts.py`` rebuilds the sweeps from the
file, decides each claim with ``lora_course.experiments`` and compares the verdict line with the
one the committed notebook printed: the committed outputs are what the code computes from these
readings. Run it again whenever the notebooks are re-executed.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lora_course import course, paths, results, safe_io  # noqa: E402

OUT = paths.DATA_DIR / "results" / "article_readings.json"


def main() -> int:
    lab = course.setup()
    sweeps = results.article_sweeps(lab)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    doc = {"commit": commit, "runs": lab.runs, "sweeps": {n: sw.readings_json() for n, sw in sweeps.items()}}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    safe_io.write_text(OUT, json.dumps(doc, separators=(",", ":")))
    print(f"wrote {OUT.relative_to(ROOT)}: {len(sweeps)} sweeps, {OUT.stat().st_size / 1024:.0f} kB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
