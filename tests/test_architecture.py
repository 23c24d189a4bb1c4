"""The package's layers and subpackages are what the README says: every import (module level and
inside functions) goes to a module of the same or a lower layer, and to the same or an earlier
subpackage; nothing imports in a circle."""
import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "lora_course"


def _table(header: str) -> list:
    """The rows (lists of cells) of the README's table whose header row starts with ``header``."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip("|").split("|")])
    return rows


def readme_layers() -> dict:
    """``{module: layer}`` from the README's module table (``| 3 | `sampling` | ... |``)."""
    return {name: int(row[0]) for row in _table("| layer | module |") for name in re.findall(r"`(\w+)`", row[1])}


def readme_subpackages() -> list:
    """The subpackages in the README's order (``| `core` | `paths`, ... | ... |``), lowest first."""
    return [re.findall(r"`(\w+)`", row[0])[0] for row in _table("| subpackage | modules |")]


def _is_namespace(init: Path) -> bool:
    """A subpackage ``__init__`` that only says what the subpackage owns (no code: not a module)."""
    body = ast.parse(init.read_text(encoding="utf-8")).body
    return all(isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant) for n in body)


def module_files() -> dict:
    """``{module name: file}``: every module of the package, a subpackage whose ``__init__`` holds
    code named for the subpackage (``lora_course/world/__init__.py`` is ``world``)."""
    out = {}
    for f in sorted(PKG.rglob("*.py")):
        if f.parent == PKG and f.stem == "__init__":
            continue
        if f.stem == "__init__":
            if not _is_namespace(f):
                out[f.parent.name] = f
        else:
            out[f.stem] = f
    return out


def dotted(f: Path) -> str:
    parts = list(f.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(node: ast.ImportFrom, package: str) -> str:
    if node.level == 0:
        return node.module or ""
    base = package.split(".")
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(source: str, package: str = "lora_course", known=None) -> set:
    """The package modules a module's source imports, wherever the import statement is;
    ``package``: the package relative imports start from (``lora_course.measure`` for a module of
    that subpackage, ``lora_course.world`` for the world's ``__init__``)."""
    known = known if known is not None else {dotted(f): name for name, f in module_files().items()}
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            base = _resolve(node, package)
            if not base.startswith("lora_course"):
                continue
            subs = {known[f"{base}.{a.name}"] for a in node.names if f"{base}.{a.name}" in known}
            found.update(subs)
            if base in known and len(subs) < len(node.names):     # names of the module itself, not its submodules
                found.add(known[base])
        elif isinstance(node, ast.Import):
            found.update(known[a.name] for a in node.names if a.name in known)
    return found


def package_graph() -> dict:
    known = {dotted(f): name for name, f in module_files().items()}
    graph = {}
    for name, f in module_files().items():
        package = dotted(f) if f.stem == "__init__" else dotted(f).rsplit(".", 1)[0]
        graph[name] = imports_of(f.read_text(encoding="utf-8"), package, known) - {name}
    return graph


def subpackage_of(name: str) -> str:
    """The subpackage a module lives in (``top`` for the front door, ``lora_course/*.py``)."""
    rel = module_files()[name].relative_to(PKG).parts
    return rel[0] if len(rel) > 1 else "top"


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


def subpackage_violations(graph: dict, where: dict, order: list) -> list:
    """Every import from a subpackage into a later one (the front door, ``top``, comes last)."""
    rank = {s: i for i, s in enumerate(order + ["top"])}
    return [f"{m} ({where[m]}) imports {d} ({where[d]}), a later subpackage"
            for m, deps in graph.items() for d in sorted(deps) if rank[where[d]] > rank[where[m]]]


def test_readme_table_names_every_module_and_only_those():
    layers, modules = readme_layers(), set(module_files())
    assert modules - set(layers) == set(), "modules missing from README's module table"
    assert set(layers) - modules == set(), "README names modules that do not exist"


def test_readme_names_every_subpackage_with_its_modules():
    subs = {p.name for p in PKG.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert set(readme_subpackages()) == subs
    for row in _table("| subpackage | modules |"):
        sub = re.findall(r"`(\w+)`", row[0])[0]
        listed = set(re.findall(r"`(\w+)`", row[1]))
        here = {n for n in module_files() if subpackage_of(n) == sub}
        assert listed == here, f"README's row of `{sub}` lists {sorted(listed)}, the folder holds {sorted(here)}"


def test_imports_follow_the_layers_and_have_no_cycle():
    assert violations(package_graph(), readme_layers()) == []


def test_imports_follow_the_subpackages():
    graph = package_graph()
    assert subpackage_violations(graph, {m: subpackage_of(m) for m in graph}, readme_subpackages()) == []


def test_the_check_catches_an_upward_import_and_a_cycle():
    layers = readme_layers()
    graph = package_graph()
    graph["world"] = graph["world"] | {"lora"}           # the lowest layer reaching for the trainer
    found = violations(graph, layers)
    assert any(v.startswith("world (layer 1) imports lora") for v in found)
    assert any(v.startswith("import cycle") for v in found)
    where = {m: subpackage_of(m) for m in graph}
    assert any(v.startswith("world (world) imports lora (lora)")
               for v in subpackage_violations(graph, where, readme_subpackages()))
    src = "def f():\n    from ..widgets.plots import image_grid\n"   # a function-level import counts too
    assert imports_of(src, "lora_course.measure") == {"plots"}
    assert imports_of("from .. import world\nfrom ..core import paths, safe_io\n", "lora_course.sd") == {
        "world", "paths", "safe_io"}


@pytest.mark.parametrize("module", sorted(module_files()))
def test_every_module_says_what_it_owns(module):
    f = module_files()[module]
    doc = ast.get_docstring(ast.parse(f.read_text(encoding="utf-8")))
    assert doc and len(doc.split()) >= 8, f"{f.relative_to(ROOT)} needs a docstring saying what it owns"


@pytest.mark.parametrize("sub", sorted(p.name for p in PKG.iterdir() if (p / "__init__.py").exists()))
def test_every_subpackage_says_what_it_owns(sub):
    doc = ast.get_docstring(ast.parse((PKG / sub / "__init__.py").read_text(encoding="utf-8")))
    assert doc and len(doc.split()) >= 8, f"lora_course/{sub}/__init__.py needs a docstring saying what it owns"
