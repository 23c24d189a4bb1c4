"""lora_course.report: verdicts are found in outputs; run() executes, publishes, reports failures."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from lora_course import report
from lora_course.measure import verdicts
from lora_course.measure.verdicts import Verdict
from lora_course.measure.stats import Estimate

ROOT = Path(__file__).resolve().parent.parent


def _nb(*sources):
    return new_notebook(cells=[new_code_cell(s) for s in sources])


def test_find_verdicts_in_outputs():
    nb = new_notebook(cells=[
        new_markdown_cell("VERDICT md | REPRODUCED | markdown is not output"),
        new_code_cell("", outputs=[
            new_output("stream", name="stdout", text="loss 0.1\nVERDICT C1 | REPRODUCED | tags bind\n"),
        ]),
        new_code_cell("", outputs=[
            new_output("display_data", data={"text/plain": "VERDICT C2 | NOT REPRODUCED | no leak"}),
            new_output("stream", name="stdout", text="  VERDICT indented | PARTLY | not at line start\n"),
            new_output("stream", name="stdout", text="VERDICT C3 | PARTLY | half of it, | with a bar\n"),
            new_output("stream", name="stdout", text="VERDICT C4 | lowercase | bad status\n"),
        ]),
        new_code_cell("", outputs=[  # printed twice: reported once
            new_output("stream", name="stdout", text="VERDICT C1 | REPRODUCED | tags bind\n"),
        ]),
    ])
    assert report.find_verdicts(nb) == [
        Verdict("C1", "REPRODUCED", "tags bind"),
        Verdict("C2", "NOT REPRODUCED", "no leak"),
        Verdict("C3", "PARTLY", "half of it, | with a bar"),
    ]
    assert report.find_verdicts(_nb("print(1)")) == []


def test_a_printed_verdict_is_read_back_as_the_same_verdict():
    """One verdict type: what claims prints, the report reads back (claim, status, summary)."""
    printed = Verdict("C5", "PARTLY", "closed mouth on request: 0.00 → 0.95; open 1.00",
                      checks=[verdicts.Check((verdicts.Part("a", Estimate(0.9, 0.8, 0.95, 32), 0.5),)),
                              verdicts.Check((verdicts.Part("b", Estimate(0.1, 0.05, 0.2, 32), 0.5),))],
                      numbers={"closed_one": 0.0})
    nb = new_notebook(cells=[new_code_cell("", outputs=[
        new_output("stream", name="stdout", text=str(printed) + "\n")])])
    assert report.find_verdicts(nb) == [Verdict(printed.claim, printed.status, printed.summary)]
    assert Verdict.parse(printed.line()).line() == printed.line()
    assert Verdict.parse("VERDICT C1 | lowercase | no") is None


def test_run_publishes_pages_and_reports_failures(tmp_path, capsys):
    nbdir, out = tmp_path / "notebooks", tmp_path / "build"
    nbdir.mkdir()
    (nbdir / "data.txt").write_text("hello")  # notebooks run in their own folder
    nbformat.write(_nb("print(open('data.txt').read())",
                       "print('VERDICT T1 | REPRODUCED | it works')"), nbdir / "01_ok.ipynb")
    nbformat.write(_nb("raise RuntimeError('boom')", "print('never')"), nbdir / "02_fail.ipynb")
    nbformat.write(_nb("raise SystemExit"), nbdir / "scratch.ipynb")  # not numbered: skipped

    results = report.run(nbdir, out, timeout=60)

    assert [r["name"] for r in results] == ["01_ok", "02_fail"]
    ok, fail = results
    assert ok["ok"] and ok["error"] == "" and ok["verdicts"] == [Verdict("T1", "REPRODUCED", "it works")]
    assert not fail["ok"] and "RuntimeError" in fail["error"] and "boom" in fail["error"]
    assert sorted(p.name for p in out.iterdir()) == ["01_ok.html", "02_fail.html", "index.html"]
    assert "hello" in (out / "01_ok.html").read_text()
    assert "boom" in (out / "02_fail.html").read_text()  # the failed page is still written
    index = (out / "index.html").read_text()
    assert "01_ok.html" in index and "02_fail.html" in index
    assert "T1" in index and "REPRODUCED" in index and "it works" in index and "FAILED" in index
    printed = capsys.readouterr().out
    assert "01_ok.ipynb" in printed and "02_fail.ipynb" in printed

    table = report.verdict_table(results)
    assert "T1" in table and "FAILED" in table


def test_main_exit_status(tmp_path, capsys):
    assert report.main(["--notebooks", str(tmp_path), "--out", str(tmp_path / "b")]) == 0
    assert "no notebooks" in capsys.readouterr().out
    assert not (tmp_path / "b").exists()
    nbformat.write(_nb("1/0"), tmp_path / "01_bad.ipynb")
    assert report.main(["--notebooks", str(tmp_path), "--out", str(tmp_path / "b")]) == 1
    assert (tmp_path / "b" / "01_bad.html").exists()


def test_write_back_keeps_the_notebook_format_and_touches_its_twin(tmp_path):
    import os
    import shutil
    from pathlib import Path

    src = Path(__file__).resolve().parent.parent / "notebooks" / "02_trigger_word.ipynb"
    nb_path, twin = tmp_path / src.name, tmp_path / "02_trigger_word.py"
    shutil.copy(src, nb_path)
    twin.write_text("# %%\n")
    os.utime(twin, (0, 0))
    report.write_back(nb_path, nbformat.read(nb_path, as_version=4))
    assert nb_path.read_bytes() == src.read_bytes()            # unchanged notebook: same bytes
    assert twin.stat().st_mtime > 0                             # the pair stays fresh for jupytext


def test_the_readme_table_is_generated_from_the_committed_results():
    """The verdict table is generated: README.md and docs/results.md hold exactly the table of the
    verdicts in the committed results file, and the results page the explanation of every verdict
    that is not REPRODUCED (`python -m lora_course.report --tables`)."""
    from lora_course import report
    root = Path(__file__).resolve().parent.parent
    named = report.results_verdicts(root)
    for rel, link in report.TABLE_FILES.items():
        want = report.markdown_table(named, link)
        assert want.count("\n") >= 12, "the results file holds every claim's verdict"
        got = report.table_in((root / rel).read_text(encoding="utf-8"))
        assert got == want, f"{rel}'s verdict table is stale: run `python -m lora_course.report --tables`"
    page = (root / report.EXPLAIN_FILE).read_text(encoding="utf-8")
    explained = report.table_in(page, report.EXPLAIN_START, report.EXPLAIN_END)
    assert explained == report.results_explanations(root), \
        f"{report.EXPLAIN_FILE}'s explanations are stale: run `python -m lora_course.report --tables`"


def test_the_committed_results_are_what_the_committed_notebooks_print():
    """The results file the tables come from says what the notebooks printed: the same verdict
    line for every claim, and the explanation each notebook displayed under it."""
    import nbformat
    from lora_course import report
    root = Path(__file__).resolve().parent.parent
    printed = {v.claim: (name, v) for name, vs in report.committed_verdicts(root / "notebooks") for v in vs}
    data = {v.claim: (name, v) for name, vs in report.results_verdicts(root) for v in vs}
    assert set(data) == set(printed)
    for claim, (name, v) in data.items():
        assert (name, v.line()) == (printed[claim][0], printed[claim][1].line()), (
            f"{claim}: {report.RESULTS_FILE} is stale: run `python scripts/claim_readings.py`")
    doc = __import__("json").loads((root / report.RESULTS_FILE).read_text(encoding="utf-8"))
    for claim, d in doc["verdicts"].items():
        shown = report.find_explanations(nbformat.read(root / "notebooks" / f"{d['notebook']}.ipynb", as_version=4))
        assert shown.get(claim) == d["explanation"]["en"], f"{claim}: the notebook shows another explanation"


def test_a_table_written_from_results_data(tmp_path):
    """write_tables reads the results file alone: a verdict changed there changes the tables."""
    import json
    from lora_course import report
    (tmp_path / "data" / "results").mkdir(parents=True)
    doc = {"verdicts": {"C9": {"status": "PARTLY", "summary": "a | b", "notebook": "09_x",
                               "explanation": {"en": "**C9 · PARTLY**: why.", "zh": "为什么"}}}}
    (tmp_path / report.RESULTS_FILE).write_text(json.dumps(doc))
    for rel in report.TABLE_FILES:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(f"x\n{report.TABLE_START}\n{report.TABLE_END}\n{report.EXPLAIN_START}\n"
                                    f"{report.EXPLAIN_END}\n")
    assert len(report.write_tables(tmp_path)) == len(report.TABLE_FILES)
    readme = (tmp_path / "README.md").read_text()
    assert "| C9 | [09_x](notebooks/09_x.ipynb) | PARTLY | a \\| b |" in readme
    assert "### C9 · PARTLY · [09_x](../notebooks/09_x.ipynb)\n\n**C9 · PARTLY**: why." in (
        tmp_path / "docs" / "results.md").read_text()


def test_explanations_are_read_from_the_markdown_a_notebook_displayed():
    from lora_course import report
    from lora_course.measure import readings, verdicts
    from lora_course.measure.stats import Estimate
    part = verdicts.Part("her", Estimate(0.2, 0.1, 0.35, 32), 0.5, share=True)
    v = verdicts.Verdict("C9", verdicts.NOT_REPRODUCED, "s", [verdicts.Check((part,))])
    md = readings.explain(v)._repr_markdown_()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[
        nbformat.v4.new_output("stream", text=v.line() + "\n"),
        nbformat.v4.new_output("display_data", data={"text/markdown": md, "text/plain": "<Bilingual>"})])])
    assert report.find_explanations(nb) == {"C9": readings.explain(v).en}


def test_every_committed_verdict_line_carries_its_intervals():
    """A verdict is read off intervals, so its line must show them: every VERDICT line of the
    committed notebooks holds at least one ``[low, high]``."""
    import re
    from lora_course import report
    named = report.committed_verdicts(Path(__file__).resolve().parent.parent / "notebooks")
    lines = [(nb, v) for nb, vs in named for v in vs]
    assert len(lines) >= 11
    bare = [f"{nb}: {v.claim}" for nb, v in lines if not re.search(r"\[[^\[\]]+, [^\[\]]+\]", v.summary)]
    assert not bare, f"verdict lines without an interval: {bare}"


def test_with_table_replaces_only_between_the_markers():
    from lora_course import report
    text = f"intro\n{report.TABLE_START}\nold\n{report.TABLE_END}\noutro\n"
    new = report.with_table(text, "| new |")
    assert new == f"intro\n{report.TABLE_START}\n| new |\n{report.TABLE_END}\noutro\n"
    assert report.table_in(new) == "| new |"
    with pytest.raises(ValueError, match="no verdict table markers"):
        report.with_table("no markers here", "| t |", "README.md")


def test_machine_warnings_name_oversubscription_and_torch_neighbours(tmp_path):
    import os
    from lora_course import report
    cores = os.cpu_count() or 1
    assert report.machine_warnings({"OMP_NUM_THREADS": str(cores + 3)}, tmp_path)[0].startswith(
        f"warning: OMP_NUM_THREADS={cores + 3} on {cores} cores")
    fake = tmp_path / "4242"
    fake.mkdir()
    (fake / "maps").write_text("7f00 r-xp /x/site-packages/torch/lib/libtorch_cpu.so\n")
    (tmp_path / "4243").mkdir()                      # a process whose maps cannot be read
    lines = report.machine_warnings({}, tmp_path)
    assert len(lines) == 1 and "pid 4242" in lines[0]
    assert report.machine_warnings({"OMP_NUM_THREADS": "1"}, tmp_path / "missing") == []


def test_the_chinese_readme_has_the_english_sections():
    """README.zh-CN.md has every section of README.md, in the same order, each headed
    ``## <Chinese> · <the English heading>``, and links back."""
    import re

    def headings(text):
        prose = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)     # not the comments of code blocks
        return re.findall(r"^(#{1,3}) (.+)$", prose, re.M)
    en = headings((ROOT / "README.md").read_text(encoding="utf-8"))
    zh_text = (ROOT / "README.zh-CN.md").read_text(encoding="utf-8")
    zh = headings(zh_text)
    assert [lvl for lvl, _ in zh] == [lvl for lvl, _ in en]
    for (_, e), (_, z) in zip(en, zh):
        assert z.endswith(" · " + e) and re.search(r"[\u4e00-\u9fff]", z.split(" · ")[0]), (e, z)
    assert "[English](README.md)" in zh_text and "[中文](README.zh-CN.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_training_seconds_are_read_from_what_the_notebook_printed():
    nb = new_notebook(cells=[
        new_code_cell("", outputs=[new_output("stream", name="stdout", text=(
            "trigger 'weiwei' -> w|e|i|w|e|i</w> (6 tokens)\n"
            "trained 'weiwei_1': 50 steps in 7 s, loss 0.177 -> 0.125\n"
            "loaded the LoRA 'fox_1' trained earlier with these settings (fox_1-a99.safetensors)\n"))]),
        new_code_cell("", outputs=[new_output("stream", name="stdout", text=(
            "trained 'mouth_2' once for 600 steps in 71 s, kept at 25, 50, 100, 150, 300, 600\n"
            "trained 'fox_1_light': 3 runs (training seeds 0, 1, 2) of 50 steps in 20 s, loss 0.2 -> 0.1\n"
            "  trained 'indented' once for 9 steps in 1000 s: not at a line start\n"))]),
    ])
    assert report.training_seconds(nb) == 98.0
    assert report.training_seconds(_nb("x = 1")) == 0.0


def test_budget_lines_split_the_time_and_judge_only_a_cold_run():
    results = [{"name": "02_trigger_word", "seconds": 45.0, "training_s": 7.0, "pictures": 640},
               {"name": "06_mouth", "seconds": 247.0, "training_s": 169.0, "pictures": 96}]
    lines = report.budget_lines(results, cold=True, budget_s=240)
    assert lines[1].split() == ["02_trigger_word", "45", "7", "38", "640"]
    assert lines[-2].split() == ["all", "292", "176", "116", "736"]
    assert lines[-1] == "budget 4 min for the notebooks on 2 cores: NOT held: 4.9 min, 0.9 min over"
    assert report.budget_lines(results, cold=True, budget_s=300)[-1] == \
        "budget 5 min for the notebooks on 2 cores: held (4.9 min)"
    assert report.budget_lines(results, cold=True, budget_s=300, cores=16)[-1].endswith(
        "held (4.9 min; measured on 16 cores, not 2)")
    assert "not measured" in report.budget_lines(results, cold=False)[-1]
    failed = [dict(results[0], ok=False), results[1]]
    assert report.budget_lines(failed, cold=True, budget_s=300)[-1].endswith(
        "not measured (1 notebook(s) failed: 02_trigger_word)")


def test_the_time_table_is_rendered_from_the_times_file(tmp_path):
    results = [{"name": "02_trigger_word", "seconds": 45.2, "training_s": 7.0},
               {"name": "14_how_long_to_train", "seconds": 130.0, "training_s": 0.0}]
    record = report.times_record(results, cores=2, commit="abc1234", date="2026-12-06")
    text = report.times_markdown(record)
    assert "| 02_trigger_word | 45 | 7 | 38 |" in text and "| **all 2** | **175** | 7 | 168 |" in text
    assert "pictures" not in text           # a record that did not count them shows no such column
    counted = report.times_record([dict(r, pictures=p) for r, p in zip(results, (1200, 34))], cores=2)
    assert counted["notebooks"][0]["pictures"] == 1200
    counted_text = report.times_markdown(counted)
    assert "| 02_trigger_word | 45 | 7 | 38 | 1,200 |" in counted_text
    assert "| **all 2** | **175** | 7 | 168 | 1,234 |" in counted_text
    assert "**2.9 min** on 2 cores, commit abc1234, 2026-12-06" in text and "is held." in text
    assert "Over 2 min: 14_how_long_to_train." in text and "was not timed" in text
    record["test_s"] = 20 * 60.0
    assert "**20.0 min** (budget 14 min, not held)" in report.times_markdown(record)
    record["test"] = {"commit": "def5678", "cores": 2, "date": "2026-12-07", "budget_s": 30 * 60}
    assert "(2 cores, commit def5678, 2026-12-07): **20.0 min** (budget 30 min, held)" in report.times_markdown(record)
    # a run on other than 2 cores is shown, not judged against the 2-core budget
    assert "does not judge it" in report.times_markdown(dict(record, cores=16))
    # write_tables renders it wherever the markers are, from the file write_times keeps
    (tmp_path / "data" / "results").mkdir(parents=True)
    (tmp_path / report.RESULTS_FILE).write_text((ROOT / report.RESULTS_FILE).read_text(encoding="utf-8"),
                                                encoding="utf-8")
    readme = tmp_path / "README.md"
    readme.write_text(f"{report.TABLE_START}\n{report.TABLE_END}\nTime:\n{report.TIMES_START}\nold\n"
                      f"{report.TIMES_END}\n", encoding="utf-8")
    report.write_times(tmp_path, record)
    assert report.kept_test_time(tmp_path) == {"test_s": record["test_s"], "test": record["test"]}
    assert report.kept_test_time(tmp_path / "nowhere") == {}
    assert readme in report.write_tables(tmp_path)
    assert report.table_in(readme.read_text(encoding="utf-8"), report.TIMES_START, report.TIMES_END) == \
        report.times_markdown(record)


def test_the_committed_time_tables_are_the_times_file():
    path = ROOT / report.TIMES_FILE
    assert path.exists(), f"{report.TIMES_FILE} is missing: run every notebook from empty caches (make course)"
    import json
    want = report.times_markdown(json.loads(path.read_text(encoding="utf-8")))
    for rel in ("README.md", "README.zh-CN.md"):
        text = (ROOT / rel).read_text(encoding="utf-8")
        assert report.table_in(text, report.TIMES_START, report.TIMES_END) == want, (
            f"{rel}'s time table is stale: run `python -m lora_course.report --tables`")


def test_a_run_names_its_commit_and_whether_the_checkout_held_other_changes(tmp_path):
    import subprocess
    git = ["git", "-c", "user.email=a@b", "-c", "user.name=a"]
    subprocess.run(git + ["init", "-q", str(tmp_path)], check=True)
    (tmp_path / "code.py").write_text("x = 1\n")
    subprocess.run(git + ["-C", str(tmp_path), "add", "."], check=True)
    subprocess.run(git + ["-C", str(tmp_path), "commit", "-qm", "c"], check=True)
    head = report.commit_of(tmp_path)
    assert head and not head.endswith("+")
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "02_x.ipynb").write_text("{}")          # a run's own output
    assert report.commit_of(tmp_path) == head
    (tmp_path / "code.py").write_text("x = 2\n")                    # code that is not the commit's
    assert report.commit_of(tmp_path) == head + "+"
    assert report.commit_of(tmp_path / "nowhere") == ""
