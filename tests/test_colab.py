"""Colab, simulated: notebook 02 run from its first cell in a fresh virtual environment, offline.

Colab has Python and the big libraries (torch, diffusers, transformers...) but not the course. Here:

* a fresh ``python -m venv`` sees the project environment's libraries through a ``.pth`` file, as
  Colab's preinstalled packages (a ``.pth`` line adds a folder to ``sys.path`` without running the
  ``.pth`` files inside it, so the project's own editable install of ``lora_course`` stays out:
  the test checks it cannot be imported before the first cell runs);
* the kernel starts as Colab's does, with ``google.colab`` imported (an IPython startup file; a
  stand-in, gone after the first cell so that no library takes it for Colab's), so the first
  cell, unchanged, runs ``%pip install git+https://github.com/lora-course/lora_course``;
  git's ``insteadOf`` (a git config of the test's own) sends that address to a local git copy of
  the working tree, and pip's environment variables keep it offline;
* the notebook's other cells run unchanged in that kernel and must reach the verdict of claim C1,
  with ``lora_course`` imported from the fresh environment's site-packages and its ``data/``
  (the base model, the tagger, the training sets) from inside the installed package.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "02_trigger_word.ipynb"
PROJECT_SITE = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}

pytestmark = pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists() or not NOTEBOOK.exists()
    or not (ROOT / "data" / "base" / "model_index.json").exists(),
    reason="needs git, a git checkout with notebooks/ and the shipped data/")

DRIVER = """
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=900, kernel_name="colab_sim",
               resources={"metadata": {"path": sys.argv[2]}}).execute()
nbformat.write(nb, sys.argv[3])
"""


def run(cmd, **kw):
    out = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert out.returncode == 0, f"{cmd} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out.stdout


def snapshot(dest: Path) -> Path:
    """A git repository holding the working tree as it is now (tracked and new files, not the
    ignored ones): what a push to GitHub would give Colab."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, listed):
        rel = Path(os.fsdecode(name))
        if (ROOT / rel).is_symlink():                     # lora_course/shipped -> ../data
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            (dest / rel).symlink_to(os.readlink(ROOT / rel))
        elif (ROOT / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, dest / rel)
    git = ["git", "-c", "user.name=course", "-c", "user.email=course@example.invalid",
           "-c", "init.defaultBranch=main"]
    run(git + ["init", "-q"], cwd=dest)
    run(git + ["add", "-A"], cwd=dest)
    run(git + ["commit", "-q", "-m", "snapshot"], cwd=dest)
    return dest


def fresh_venv(path: Path) -> Path:
    """A new virtual environment that sees the project's libraries, and not the course."""
    run([sys.executable, "-m", "venv", "--without-pip", str(path)])
    python = path / "bin" / "python"
    site = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).strip()
    Path(site, "colab_preinstalled.pth").write_text("\n".join(sorted(PROJECT_SITE)) + "\n")
    return python


COLAB_URL = "https://github.com/lora-course/lora_course"
#: An IPython startup file: ``google.colab`` is imported, as in a Colab kernel, for the first cell
#: only (an empty stand-in of it would mislead the libraries that look for Colab's real one).
COLAB_STARTUP = """import sys, types
sys.modules["google.colab"] = types.ModuleType("google.colab")


def _first_cell_done(*args):
    sys.modules.pop("google.colab", None)
    get_ipython().events.unregister("post_run_cell", _first_cell_done)


get_ipython().events.register("post_run_cell", _first_cell_done)
"""


@pytest.mark.slow
def test_notebook_02_runs_from_its_first_cell_as_on_colab(tmp_path):
    origin = snapshot(tmp_path / "origin")
    python = fresh_venv(tmp_path / "venv")
    content = tmp_path / "content"                       # Colab's working folder
    content.mkdir()
    home = tmp_path / "home"                             # where an installed course builds
    home.mkdir()
    site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).strip())

    kernels = tmp_path / "jupyter" / "kernels" / "colab_sim"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "simulated Colab", "language": "python"}))
    startup = tmp_path / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-colab.py").write_text(COLAB_STARTUP)
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text(f'[url "{origin.as_uri()}"]\n\tinsteadOf = {COLAB_URL}\n')
    pipconf = tmp_path / "pip.conf"
    pipconf.write_text("[global]\nno-index = true\nno-deps = true\nno-build-isolation = false\n"
                       "disable-pip-version-check = true\n")
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "MPLBACKEND", "PYTHONHOME", "LORA_COURSE_BUILD")
           and not k.startswith("PIP_")}
    env.update(HOME=str(home), GIT_CONFIG_GLOBAL=str(gitconfig), GIT_CONFIG_NOSYSTEM="1",
               PIP_CONFIG_FILE=str(pipconf),
               JUPYTER_PATH=str(tmp_path / "jupyter"), IPYTHONDIR=str(tmp_path / "ipython"),
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false",
               DIFFUSERS_VERBOSITY="error", TRANSFORMERS_VERBOSITY="error")

    # before the first cell: the libraries are there, the course is not
    probe = ("import importlib.util, torch, diffusers, nbclient; "
             "print(importlib.util.find_spec('lora_course'))")
    assert run([str(python), "-c", probe], cwd=content, env=env).strip() == "None"
    project_install = [p for s in PROJECT_SITE for p in Path(s).glob("lora_course-*.dist-info")]

    nb = nbformat.read(NOTEBOOK, as_version=4)
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
    nb.cells.append(nbformat.v4.new_code_cell(
        "import lora_course\nfrom lora_course.core import paths\n"
        "print('imported from', lora_course.__file__)\nprint('data in', paths.DATA_DIR)"))
    src, out = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    nbformat.write(nb, src)
    (tmp_path / "driver.py").write_text(DRIVER)
    run([str(python), str(tmp_path / "driver.py"), str(src), str(content), str(out)], cwd=content,
        env=env, timeout=900)

    done = nbformat.read(out, as_version=4)
    code = [c for c in done.cells if c.cell_type == "code"]
    text = ["".join(o.get("text", "") for o in c.outputs if o.get("output_type") == "stream")
            for c in code]
    errors = [o for c in code for o in c.outputs if o.get("output_type") == "error"]
    assert not errors, errors
    assert any("VERDICT C1 |" in t for t in text), "notebook 02 did not reach its verdict"
    installed = site / "lora_course"
    assert f"imported from {installed / '__init__.py'}" in text[-1]
    assert f"data in {installed / 'shipped'}" in text[-1]                   # data/ came with it
    assert (installed / "shipped" / "base" / "model_index.json").is_file()
    assert (home / "lora_course_build" / "loras").is_dir()                   # built in the home folder
    # installed into the fresh environment for good: a new process imports it too
    where = run([str(python), "-c", "import lora_course; print(lora_course.__file__)"], cwd=tmp_path,
                env=env).strip()
    assert where == str(installed / "__init__.py")
    # and the project's own environment was left alone
    assert [p for p in project_install if not p.exists()] == []
