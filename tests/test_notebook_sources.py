"""The notebooks' source: jupytext pairs, the shared Colab setup cell, the title cells.

Every ``notebooks/NN_name.ipynb`` (executed, outputs committed) is paired with
``notebooks/NN_name.py`` (jupytext's percent format, the cells' text only; see ``jupytext.toml``).
Edit either side, then ``jupytext --sync notebooks/*.py``. A new notebook: write its ``.py`` and
run ``jupytext --set-kernel python3 --sync notebooks/NN_name.py`` (the ``.py`` holds no metadata,
so the kernel is set in the ``.ipynb``), then execute the ``.ipynb``.

The first code cell of every notebook is the Colab setup cell, kept once in
``scripts/colab_setup.py`` (a script of its own, outside ``notebooks/`` so that jupytext never
pairs it, and outside the package because it must run before ``lora_course`` can be imported):
one guarded line (after ``import sys``) that, on Colab only, pip-installs the course from GitHub (its code, and ``data/``
inside the package: ``pyproject.toml``). Off Colab it does nothing; ``tests/test_colab.py`` runs
it in a simulated Colab. To change it: edit that file, paste it over the first code cell of every
``notebooks/NN_*.py``, and sync.

No torch here: these tests read files only.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"
SETUP_CELL = ROOT / "scripts" / "colab_setup.py"

NOTEBOOKS = sorted(NB_DIR.glob("*.ipynb"))
SCRIPTS = sorted(NB_DIR.glob("*.py"))
#: Where the setup cell clones the course from; the Colab badges must open the same repository.
CLONE_RE = re.compile(r'git\+https://github\.com/([\w.-]+/[\w-]+)')


def setup_cell() -> str:
    return SETUP_CELL.read_text(encoding="utf-8").rstrip("\n")


def cells(nb) -> list:
    return [(c.cell_type, c.source) for c in nb.cells]


def first_code(nb) -> str:
    return next((c.source for c in nb.cells if c.cell_type == "code"), None)


def test_there_are_notebooks_and_a_setup_cell():
    assert NOTEBOOKS, "no notebooks in notebooks/"
    assert all(re.fullmatch(r"\d\d[a-z]?_\w+\.ipynb", p.name) for p in NOTEBOOKS), \
        [p.name for p in NOTEBOOKS]
    text = setup_cell()
    compile(text, str(SETUP_CELL), "exec")                 # plain Python, no magics
    lines = [l for l in text.splitlines() if not l.startswith("#")]
    assert len(lines) == 2 and lines[0].startswith("import sys"), "the setup cell: an import, one guarded line"
    assert CLONE_RE.search(text), "the setup cell names no GitHub repository to clone"


def test_every_notebook_has_its_py_twin_and_vice_versa():
    ipynb = {p.stem for p in NOTEBOOKS}
    py = {p.stem for p in SCRIPTS}
    assert sorted(ipynb - py) == [], "notebooks without their .py (jupytext --sync notebooks/*.ipynb)"
    assert sorted(py - ipynb) == [], ".py files in notebooks/ without their .ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_pair_is_in_sync(path):
    import jupytext                                          # the dev extra installs it

    twin = path.with_suffix(".py")
    assert twin.exists(), f"{twin.name} is missing"
    text = jupytext.read(twin, fmt="py:percent")
    nb = nbformat.read(path, as_version=4)
    assert len(text.cells) == len(nb.cells), \
        f"{twin.name} has {len(text.cells)} cells, {path.name} {len(nb.cells)}: jupytext --sync"
    for i, (a, b) in enumerate(zip(cells(text), cells(nb))):
        assert a == b, f"cell {i} differs between {twin.name} and {path.name}: jupytext --sync"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_first_code_cell_is_the_colab_setup_cell(path):
    nb = nbformat.read(path, as_version=4)
    assert first_code(nb) == setup_cell(), \
        f"the first code cell of {path.name} is not {SETUP_CELL.relative_to(ROOT)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_it_opens_with_a_title_and_an_open_in_colab_badge(path):
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown", f"{path.name} does not open with a markdown cell"
    assert first.source.startswith("# "), f"{path.name}: the first cell has no title"
    repo = CLONE_RE.search(setup_cell()).group(1)
    badge = ("[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
             f"(https://colab.research.google.com/github/{repo}/blob/main/notebooks/{path.name})")
    assert badge in first.source, f"{path.name}: no Open In Colab badge opening {path.name}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_it_runs_on_the_python3_kernel(path):
    # the .py holds no metadata: the kernel lives in the .ipynb (nbval runs the one named here)
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", \
        f"{path.name}: jupytext --set-kernel python3 --sync {path.with_suffix('.py').name}"


CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_prose_cell_is_in_chinese_too(path):
    """The article's readers are Chinese: every markdown cell that says something in English (a
    title, an opening, a reading, things to try) says it in Chinese as well, and every heading
    carries its Chinese after ``·``."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "markdown" or cell.source.startswith("<!-- nav -->"):
            continue
        prose = re.sub(r"\[!\[Open In Colab\].*?\)\]\(.*?\)", "", cell.source)   # the badge
        prose = re.sub(r"`[^`]*`", "", prose)                                      # code and tags
        if len(re.findall(r"[A-Za-z]", prose)) >= 20:
            assert len(CJK.findall(prose)) >= 10, f"{path.name}: no Chinese in the cell {cell.source[:60]!r}"
        for line in cell.source.splitlines():
            if line.startswith("#"):
                assert " · " in line and CJK.search(line.split(" · ")[-1]), \
                    f"{path.name}: the heading {line!r} has no Chinese after ' · '"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_it_ends_with_links_to_the_previous_the_next_and_the_map(path):
    nb = nbformat.read(path, as_version=4)
    last = nb.cells[-1]
    assert last.cell_type == "markdown" and last.source.startswith("<!-- nav -->"), \
        f"{path.name} does not end with the navigation cell (previous / map / next)"
    i = NOTEBOOKS.index(path)
    links = re.findall(r"\]\(([^)]+)\)", last.source)
    want = ([NOTEBOOKS[i - 1].name] if i > 0 else []) + ["../README.md#the-course", "../README.zh-CN.md"] + \
        ([NOTEBOOKS[i + 1].name] if i + 1 < len(NOTEBOOKS) else [])
    assert links == want
    assert "## The course" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_outputs_read_well_offline(path):
    """No progress bar frozen at 0 % and no bare widget repr in what a reader sees on GitHub:
    a widget output carries a still picture and one line of text."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text = out.get("text", "") if out.get("output_type") == "stream" else out.get("data", {}).get("text/plain", "")
            text = "".join(text) if isinstance(text, list) else text
            assert not re.search(r"\b0%\|", text), f"{path.name}: a progress bar stuck at 0 %"
            data = out.get("data", {})
            if "application/vnd.jupyter.widget-view+json" in data:
                assert "image/png" in data and not re.match(r"\s*(VBox|HBox|Box)\(", text), \
                    f"{path.name}: a widget with no still picture (its repr: {text[:40]!r})"
