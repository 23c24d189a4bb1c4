"""Run the whole course headless and publish it: ``python -m lora_course.report``.

This module owns the course's main job (``make course``). It executes every numbered notebook
``notebooks/NN_*.ipynb`` in order with nbclient (kernel ``python3``, working directory the
notebooks folder, a per-cell timeout), writes each executed notebook to ``build/<name>.html``
with its images embedded, and writes ``build/index.html``: one row per notebook with its wall
time, whether it ran, and its verdicts.

A *verdict* is how a notebook states whether it reproduced a claim of the article: a line it
prints, ``VERDICT <claim id> | <STATUS> | <summary>`` (STATUS such as REPRODUCED,
NOT REPRODUCED or PARTLY), read back as a :class:`lora_course.claims.Verdict` (the course's one
verdict type: :meth:`~lora_course.claims.Verdict.parse` reads what
:meth:`~lora_course.claims.Verdict.line` printed). Pages are written with
:mod:`lora_course.safe_io` (never half a page). The verdict table is printed at the end. The exit
status is non-zero if a notebook failed to execute; the pages of the others are written all the
same.

    python -m lora_course.report [--notebooks notebooks] [--out build] [--timeout 900]
    python -m lora_course.report --only 02 03 --in-place    # refresh two notebooks' outputs
"""
from __future__ import annotations

import argparse
import html
import sys
import time
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter

from . import safe_io
from .claims import VERDICT_RE, Verdict  # noqa: F401  (VERDICT_RE: the line's pattern, re-exported)

NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"


def _output_texts(nb) -> List[str]:
    """Every piece of text a notebook's code cells printed or displayed."""
    texts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                texts.append(out.get("text", ""))
            elif out.get("output_type") in ("execute_result", "display_data"):
                texts.append(out.get("data", {}).get("text/plain", ""))
    return ["".join(t) if isinstance(t, list) else t for t in texts]


def find_verdicts(nb) -> List[Verdict]:
    """The verdicts (claim, status, summary) an executed notebook printed, in order, once each."""
    found: List[Verdict] = []
    for text in _output_texts(nb):
        for line in text.splitlines():
            v = Verdict.parse(line)
            if v is not None and v not in found:
                found.append(v)
    return found


def _execute(path: Path, timeout: int) -> Tuple[object, str]:
    """Execute one notebook in its folder; return it (with the outputs it got) and an error."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
        return nb, ""
    except Exception as e:  # a failing cell, a timeout, a dead kernel: report it, go on
        name = getattr(e, "ename", None) or type(e).__name__
        value = getattr(e, "evalue", None) or (str(e).strip().splitlines() or [""])[0]
        return nb, f"{name}: {value}"


def write_back(path: Path, nb) -> None:
    """Write an executed notebook over its ``.ipynb`` (atomically), and touch its jupytext twin
    ``.py`` so the pair stays in sync (its text did not change; JupyterLab's jupytext refuses a
    pair whose ``.ipynb`` is newer than its ``.py``)."""
    text = nbformat.writes(nb)
    safe_io.write_text(path, text if text.endswith("\n") else text + "\n")   # as nbformat.write does
    twin = path.with_suffix(".py")
    if twin.exists():
        twin.touch()


def run(notebooks_dir, out_dir, timeout: int = 900, only: Sequence[str] = (),
        in_place: bool = False) -> List[Dict]:
    """Execute every numbered notebook of ``notebooks_dir`` (or those whose name starts with one
    of ``only``) and write the pages to ``out_dir``; with ``in_place``, each notebook that ran
    without error is written back with its new outputs (how the committed outputs are refreshed).

    Returns one dict per notebook: name, html (path), seconds, ok, error, verdicts (a list of
    :class:`lora_course.claims.Verdict`).
    """
    notebooks_dir, out_dir = Path(notebooks_dir).resolve(), Path(out_dir)
    paths = [p for p in sorted(notebooks_dir.glob(NOTEBOOK_GLOB))
             if not only or any(p.stem.startswith(o) for o in only)]
    if not paths:
        return []
    out_dir.mkdir(parents=True, exist_ok=True)
    exporter = HTMLExporter(embed_images=True)
    results = []
    for i, path in enumerate(paths, 1):
        print(f"[{i}/{len(paths)}] {path.name} ...", flush=True)
        t0 = time.perf_counter()
        nb, error = _execute(path, timeout)
        seconds = time.perf_counter() - t0
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
        page = out_dir / f"{path.stem}.html"
        safe_io.write_text(page, body)
        if in_place and not error:
            write_back(path, nb)
        results.append({"name": path.stem, "html": page, "seconds": seconds, "ok": not error,
                        "error": error, "verdicts": find_verdicts(nb)})
        print(f"[{i}/{len(paths)}] {path.name}: {'ok' if not error else 'FAILED'} "
              f"in {seconds:.1f} s" + (f" ({error})" if error else ""), flush=True)
    safe_io.write_text(out_dir / "index.html", index_html(results))
    return results


def index_html(results: List[Dict]) -> str:
    """The course's front page: a table of notebooks, run times, statuses and verdicts."""
    e = html.escape
    rows = []
    for r in results:
        status = "ok" if r["ok"] else f"FAILED: {e(r['error'])}"
        verdicts = "<br>".join(
            f"<b>{e(v.claim)}</b> <span class='v {e(v.status.replace(' ', '-').lower())}'>"
            f"{e(v.status)}</span> {e(v.summary)}"
            for v in r["verdicts"]) or "&mdash;"
        rows.append(f"<tr><td><a href='{e(r['html'].name)}'>{e(r['name'])}</a></td>"
                    f"<td class='num'>{r['seconds']:.1f} s</td>"
                    f"<td class='{'ok' if r['ok'] else 'failed'}'>{status}</td><td>{verdicts}</td></tr>")
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>LoRA tagging course: results</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc; padding: .4em .7em; vertical-align: top; }}
.num {{ text-align: right; }} .ok {{ color: #176c2f; }} .failed {{ color: #b00020; font-weight: bold; }}
.v {{ padding: 0 .3em; border-radius: 3px; }} .reproduced {{ background: #c8f0cf; }}
.not-reproduced {{ background: #f8c8cf; }} .partly {{ background: #f8ebc0; }}
</style></head><body>
<h1>LoRA tagging course: results</h1>
<table><tr><th>notebook</th><th>wall time</th><th>status</th><th>verdicts</th></tr>
{chr(10).join(rows)}
</table></body></html>
"""


def verdict_table(results: List[Dict]) -> str:
    """The verdicts as plain text with aligned columns, one row per verdict."""
    rows = [("NOTEBOOK", "RUN", "TIME", "CLAIM", "VERDICT", "SUMMARY")]
    for r in results:
        run_status = "ok" if r["ok"] else "FAILED"
        first = (r["name"], run_status, f"{r['seconds']:.0f}s")
        for j, v in enumerate(r["verdicts"] or [Verdict("-", "-", "")]):
            rows.append((first if j == 0 else ("", "", "")) + (v.claim, v.status, v.summary))
    widths = [max(len(row[k]) for row in rows) for k in range(5)]
    return "\n".join(("  ".join(c.ljust(w) for c, w in zip(row, widths)) + "  " + row[5]).rstrip()
                     for row in rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--notebooks", default="notebooks", help="folder of NN_*.ipynb notebooks")
    ap.add_argument("--out", default="build", help="where the HTML pages go")
    ap.add_argument("--timeout", type=int, default=900, help="seconds allowed per cell")
    ap.add_argument("--only", nargs="*", default=(), metavar="NN",
                    help="run only the notebooks whose name starts with these (e.g. 02 03)")
    ap.add_argument("--in-place", action="store_true",
                    help="write each executed notebook back over its .ipynb (refreshes the committed outputs)")
    args = ap.parse_args(argv)
    results = run(args.notebooks, args.out, args.timeout, args.only, args.in_place)
    if not results:
        print(f"no notebooks matching {NOTEBOOK_GLOB} in {args.notebooks}/: nothing to run")
        return 0
    print("\n" + verdict_table(results))
    failed = [r["name"] for r in results if not r["ok"]]
    print(f"\npages: {Path(args.out) / 'index.html'}")
    if failed:
        print(f"{len(failed)} notebook(s) failed to execute: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
