"""Check the course's time budget: every notebook, and the test command, from empty caches.

    python scripts/benchmark_course.py [--no-course] [--test] [--keep FOLDER]

The budget (``lora_course.report.BUDGET_NOTEBOOKS_S`` and ``BUDGET_TEST_S``) is for a fresh
clone on 2 CPU cores: nothing trained, nothing drawn. This script makes that state without
touching ``build/``: it points the course at an empty folder (the environment variable
``LORA_COURSE_BUILD``), then

1. (unless ``--no-course``) runs every notebook headless as ``make course`` does (with the
   Makefile's environment) (``python -m lora_course.report``, the
   committed notebooks are not written), and prints each notebook's wall time, the seconds it
   spent training LoRAs (read from what it printed), the rest (loading the models, drawing and
   reading pictures), and the total against the notebooks' budget;
2. with ``--test``, runs the README's test command (unit tests and the notebooks under nbval) in a
   second empty folder and prints its wall time against the test budget (the install, which
   ``make test`` adds on a new machine, is not included: about 2 min), and keeps it in
   ``data/results/times.json`` beside the notebooks' times (``test_s``, with its commit, cores and
   day), where the time tables are rendered from.

The notebooks' run keeps its times there too (``report --keep-times``), and both rewrite the time
tables of the READMEs and the model card; a run with a machine warning keeps nothing.

It warns first when torch would run with more threads than cores or beside another torch
process, since then the times are not this machine's. ``--keep`` keeps the folders (pages,
LoRAs and pictures) there instead of deleting them.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


#: What the Makefile exports for ``make course`` and ``make test``: the runs timed here get the same.
MAKE_ENV = {"PYTHONHASHSEED": "0", "TOKENIZERS_PARALLELISM": "false", "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1", "DIFFUSERS_VERBOSITY": "error",
            "TRANSFORMERS_VERBOSITY": "error"}


def in_empty_build(cmd, folder: Path) -> float:
    """Run ``cmd`` from the repository with ``LORA_COURSE_BUILD=folder`` (which must not exist
    yet) and the Makefile's environment; its wall seconds."""
    try:
        folder.mkdir(parents=True, exist_ok=False)
    except FileExistsError:
        sys.exit(f"{folder} exists: the budget is timed from an empty folder. Fix: remove it, or pass "
                 "another --keep folder")
    env = dict(os.environ, **MAKE_ENV, LORA_COURSE_BUILD=str(folder))
    t = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env)
    seconds = time.perf_counter() - t
    if done.returncode != 0:
        sys.exit(f"{' '.join(map(str, cmd))} failed (exit {done.returncode}) after {seconds:.0f} s: "
                 "the budget is measured only on a run that passes. Fix the failure first (with --keep FOLDER "
                 "its LoRAs, pictures and pages stay there to look at).")
    return seconds


def model_card(py: str) -> None:
    """Rewrite docs/model_card.md, whose time table reads data/results/times.json."""
    subprocess.run([py, str(ROOT / "scripts" / "model_card.py")], cwd=ROOT, check=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--no-course", action="store_true", help="do not time the notebooks (e.g. with --test alone)")
    ap.add_argument("--test", action="store_true", help="also time the test command from empty caches")
    ap.add_argument("--keep", default=None, help="keep the empty-cache folders under this folder (must not exist)")
    args = ap.parse_args(argv)

    from lora_course import report
    for line in report.machine_warnings():
        print(line, flush=True)
    if args.no_course and not args.test:
        ap.error("nothing to time: --no-course needs --test")
    work = Path(args.keep).resolve() if args.keep else Path(tempfile.mkdtemp(prefix="lora_course_budget_"))
    py = sys.executable
    try:
        return _time(args, work, py, report)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def _time(args, work: Path, py: str, report) -> int:
    # `report` prints the per-notebook table and the notebooks' budget line itself (empty caches)
    lines = []
    if not args.no_course:
        course_s = in_empty_build([py, "-m", "lora_course.report", "--notebooks", "notebooks", "--keep-times",
                                   "--out", str(work / "course" / "pages")], work / "course")
        model_card(py)
        lines.append(f"notebooks from empty caches: {course_s / 60:.1f} min with starting the report "
                     f"(budget {report.BUDGET_NOTEBOOKS_S / 60:.0f} min, the table above)")
    if args.test:
        commit = report.commit_of(ROOT)
        test_s = in_empty_build([py, "-m", "pytest", "--nbval-lax", "-q", "tests", "notebooks"], work / "test")
        held = test_s <= report.BUDGET_TEST_S
        times = ROOT / report.TIMES_FILE
        warned = report.machine_warnings()
        if times.exists() and not warned:     # the README's and the model card's time tables show it
            doc = json.loads(times.read_text(encoding="utf-8"))
            doc["test_s"] = round(test_s, 1)
            doc["test"] = {"commit": commit, "cores": report.cores(), "date": time.strftime("%Y-%m-%d"),
                           "budget_s": report.BUDGET_TEST_S}
            report.write_times(ROOT, doc)
            report.write_tables(ROOT)
            model_card(py)
            lines.append(f"kept in {report.TIMES_FILE}; the time tables rewritten")
        lines.append(f"test command from empty caches: {test_s / 60:.1f} min; budget "
                     f"{report.BUDGET_TEST_S / 60:.0f} min " + ("held" if held else
                                                              f"NOT held ({(test_s - report.BUDGET_TEST_S) / 60:.1f} min over)"))
    print("\n" + "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
