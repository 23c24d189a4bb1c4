"""The package's layers are what the README says: every import (module level and inside
functions) goes to the same or a lower layer, and nothing imports in a circle."""
import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "lora_course"


def readme_layers() -> dict:
    """``{module: layer}`` from the README's module table (``| 3 | `sampling` | ... |``)."""
    layers = {}
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"\|\s*(\d+)\s*\|([^|]+)\|", line)
        if m:
            for name in re.findall(r"`(\w+)`", m.group(2)):
                layers[name] = int(m.group(1))
    return layers


def imports_of(source: str) -> set:
    """The package modules a module's source imports, wherever the import statement is."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                found.update([node.module.split(".")[0]] if node.module else [a.name for a in node.names])
            elif node.level == 0 and node.module and node.module.split(".")[0] == "lora_course":
                parts = node.module.split(".")
                found.update([parts[1]] if len(parts) > 1 else [a.name for a in node.names])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("lora_course."))
    return found


def package_graph() -> dict:
    return {f.stem: imports_of(f.read_text(encoding="utf-8")) - {f.stem}
            for f in sorted(PKG.glob("*.py")) if f.stem != "__init__"}


def violations(graph: dict, layers: dict) -> list:
    """Every import against the layer order, and every cycle, as readable lines."""
    bad = [f"{m} (layer {layers[m]}) imports {d} (layer {layers[d]}), a higher layer"
           for m, deps in graph.items() for d in sorted(deps) if d in layers and layers[d] > layers[m]]
    state = {}

    def visit(m, path):
        state[m] = "open"
        for d in sorted(graph.get(m, ())):
            if state.get(d) == "open":
                bad.append("import cycle: " + " -> ".join(path[path.index(d):] + [d]))
            elif d not in state:
                visit(d, path + [d])
        state[m] = "done"

    for m in graph:
        if m not in state:
            visit(m, [m])
    return bad


def test_readme_table_names_every_module_and_only_those():
    layers, modules = readme_layers(), set(package_graph())
    assert modules - set(layers) == set(), "modules missing from README's module table"
    assert set(layers) - modules == set(), "README names modules that do not exist"


def test_imports_follow_the_layers_and_have_no_cycle():
    assert violations(package_graph(), readme_layers()) == []


def test_the_check_catches_an_upward_import_and_a_cycle():
    layers = readme_layers()
    graph = package_graph()
    graph["world"] = graph["world"] | {"lora"}           # the lowest layer reaching for the trainer
    found = violations(graph, layers)
    assert any(v.startswith("world (layer 1) imports lora") for v in found)
    assert any(v.startswith("import cycle") for v in found)
    src = "def f():\n    from .plots import image_grid\n"   # a function-level import counts too
    assert imports_of(src) == {"plots"}


@pytest.mark.parametrize("module", sorted(p.stem for p in PKG.glob("*.py") if p.stem != "__init__"))
def test_every_module_says_what_it_owns(module):
    doc = ast.get_docstring(ast.parse((PKG / f"{module}.py").read_text(encoding="utf-8")))
    assert doc and len(doc.split()) >= 8, f"lora_course/{module}.py needs a docstring saying what it owns"
