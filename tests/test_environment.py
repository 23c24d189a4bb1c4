"""The three descriptions of the environment agree: pyproject.toml (ranges, for pip and Colab),
environment.yml (the same ranges, for conda) and constraints.txt (the exact versions CI uses)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

try:
    import tomllib
except ImportError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[1]


def _by_name(lines):
    """{normalised name: specifier string} of requirement lines."""
    out = {}
    for line in lines:
        req = Requirement(line)
        out[canonicalize_name(req.name)] = str(req.specifier)
    return out


@pytest.fixture(scope="module")
def pyproject_deps():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return project["dependencies"] + project["optional-dependencies"]["dev"]


@pytest.fixture(scope="module")
def constraints():
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==(\S+)", line)
            assert m, f"constraints.txt: {line!r} is not an exact pin name==version"
            pins[canonicalize_name(m.group(1))] = m.group(2)
    return pins


def test_environment_yml_matches_pyproject(pyproject_deps):
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_sections = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip_sections) == 1, "environment.yml should have exactly one pip: section"
    pip_lines = [x for x in pip_sections[0] if not x.startswith("-e")]
    assert "-e ." in pip_sections[0], "environment.yml should install the course itself (-e .)"
    env_deps, py_deps = _by_name(pip_lines), _by_name(pyproject_deps)
    drift = {n: (py_deps.get(n), env_deps.get(n)) for n in env_deps.keys() | py_deps.keys()
             if py_deps.get(n) != env_deps.get(n)}
    assert not drift, f"pyproject vs environment.yml differ (name: (pyproject, yml)): {drift}"
    assert len(pip_lines) == len(pyproject_deps), "a dependency is listed twice"


def test_environment_yml_python_fits_requires_python():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    python = [d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python=")]
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert python, "environment.yml should pin python"
    version = python[0].split("=", 1)[1]
    assert Requirement(f"python{requires}").specifier.contains(version)


def test_constraints_pin_every_direct_dependency(pyproject_deps, constraints):
    ranges = _by_name(pyproject_deps)
    missing = sorted(set(ranges) - set(constraints))
    assert not missing, f"constraints.txt does not pin {missing}"
    for name, spec in ranges.items():
        req = Requirement(f"{name}{spec}")
        assert req.specifier.contains(constraints[name], prereleases=True), \
            f"constraints.txt pins {name}=={constraints[name]}, outside pyproject's {spec!r}"


def test_makefile_installs_the_pinned_torch(constraints):
    m = re.search(r"^TORCH\s*\?=\s*torch==(\S+)", (ROOT / "Makefile").read_text(), re.M)
    assert m, "the Makefile should install torch==<pin> before the rest"
    assert m.group(1) == constraints["torch"], "Makefile and constraints.txt pin different torch"
