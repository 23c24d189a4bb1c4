"""Rebuild the shipped sect (门派, ``data/base``): sect v3, the Danbooru sect of commit 6880a2b
continued in four stages on the ``booru_v3c`` world.

    python scripts/build_sect_v3.py --compare data/base   # -> build/sect_v3/out, about two hours on 2 cores
    python scripts/build_sect_v3.py --dry-run             # print the four stages' commands, run nothing
    python scripts/build_sect_v3.py --check build/sect_v3/f --compare data/base   # compare only
    python scripts/build_sect_v3.py --out data/base       # replace the shipped sect (see below)

The stages are sect v3's candidates c, d, e and f (:data:`STAGES`), as pre-registered in
docs/preregistration/J_sect_v3.md (amendments 2-5) and judged in docs/experiment_log.md (E9c-E9f):
c continues the sect shipped at commit 6880a2b (read from the repository's history with ``git
archive``, so it needs a full clone, not a shallow one), and d, e and f each continue the stage
before on fresh pictures of the same world (``population.BOORU_V3C``: 16 named characters, each
name a token of its own, and made-up names on girls who are nobody). Each stage is
``python -m lora_course.sd.pretrain`` with its pre-registered command's arguments (called as
:func:`lora_course.sd.pretrain.main`), written to ``build/sect_v3/<letter>`` with its own work
folder ``build/sect_v3/work/<letter>``. The last stage's pipeline is then written to ``--out``
(into a temporary folder first, then renamed), its ``pretrain.json`` with the ``lineage``: each
stage's parent, world, seed, UNet steps, pictures, seconds and command, oldest first, which the
model card (``scripts/model_card.py``) reads. ``--out`` is ``build/sect_v3/out`` unless told, not
``data/base``: on another machine the same command gives a sect of the same kind, not the same
tensors, and every shipped LoRA and result is keyed to the shipped one's weights. The two hours are the four stages' seconds in the
shipped ``data/base/pretrain.json``.

Seeded and resumable: kill it at any time and run the same command again. A stage whose folder
holds a finished pipeline of the right run is skipped; an unfinished one resumes from its last
checkpoint (``pretrain`` keeps one every 3 minutes in its work folder; its ``seconds`` then count
the last sitting only). Deterministic on one machine, not across machines: the last stage run again
from its parent elsewhere gave other weights (the experiment log, "Does the command rebuild the
shipped sect?"; docs/base_model.md). ``--compare`` / ``--check`` compare a sect with the shipped
one, tensor by tensor.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lora_course.core import safe_io  # noqa: E402
from lora_course.sd import pretrain  # noqa: E402

#: The sect the first stage continues: ``data/base`` of this commit (the Danbooru sect).
PARENT = "git:6880a2b"
#: The world every stage draws from (``pretrain.POPULATIONS``).
POPULATION = "booru_v3c"
PREREGISTRATION = "docs/preregistration/J_sect_v3.md"


@dataclass(frozen=True)
class Stage:
    letter: str          #: the candidate's letter, and its folder's name under --build
    seed: int            #: --seed: which pictures it draws, and its training noise
    unet_steps: int      #: --unet-steps
    amendment: int       #: the pre-registration's amendment that fixed its command
    log: str             #: the experiment log's entry that judged it


#: Oldest first; each stage continues the one before it (the first, :data:`PARENT`).
STAGES = (Stage("c", 0, 1500, 2, "E9c"), Stage("d", 1, 3000, 3, "E9d"),
          Stage("e", 2, 3000, 4, "E9e"), Stage("f", 3, 3000, 5, "E9f"))
#: What a stage's pretrain.json records, copied into the lineage.
RECORDED = ("continued_from", "population", "seed", "unet_steps", "n_images", "seconds")


def _shown(path: Path) -> str:
    """``path`` relative to the repository root where it lies inside it (the form the commands and
    the lineage record), else absolute."""
    path = path.resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def plan(build: Path) -> list:
    """``(stage, parent, out, argv)`` for each stage, oldest first: ``argv`` is what
    ``python -m lora_course.sd.pretrain`` is given (paths as :func:`_shown` writes them)."""
    steps, parent = [], PARENT
    for s in STAGES:
        out, work = build / s.letter, build / "work" / s.letter
        argv = ["--continue-from", parent, "--population", POPULATION, "--unet-steps", str(s.unet_steps),
                "--seed", str(s.seed), "--out", _shown(out), "--work", _shown(work)]
        steps.append((s, parent, out, argv))
        parent = _shown(out)
    return steps


def command(argv: list) -> str:
    return "python -m lora_course.sd.pretrain " + shlex.join(argv)


def finished(stage: Stage, parent: str, out: Path) -> dict | None:
    """``out``'s pretrain.json when it holds this stage's finished pipeline; None when it holds
    nothing yet. Another run's pipeline (another world, seed or length, or grown from other weights
    than its parent's folder holds now) is refused: it would be shipped as this stage."""
    info_path = out / "pretrain.json"
    if not (info_path.exists() and (out / "model_index.json").exists()):
        return None
    info = json.loads(info_path.read_text())
    want = {"population": POPULATION, "seed": stage.seed, "unet_steps": stage.unet_steps,
            "unet_steps_done": stage.unet_steps, "n_images": pretrain.CONTINUATION.n_images}
    for key, value in want.items():
        if info.get(key) != value:
            raise RuntimeError(f"{info_path} is another run's ({key} {info.get(key)!r}, stage {stage.letter} "
                               f"needs {value!r}): delete {out} and run this script again")
    if parent.startswith("git:"):
        sha = parent[4:]
        if not str(info.get("continued_from", "")).startswith("git:" + sha):
            raise RuntimeError(f"{info_path} was continued from {info.get('continued_from')!r}, not from the sect "
                               f"of commit {sha}: delete {out} and run this script again")
    elif info.get("parent_sha256") != pretrain.parent_hash(Path(parent)):
        raise RuntimeError(f"{info_path} was continued from other weights than {parent} holds now (a stage "
                           f"before it was rebuilt since): delete {out} and the stages after it, and run this "
                           "script again")
    return info


def run_stage(argv: list) -> None:
    """One ``pretrain`` run, its log in its own work folder (``pretrain.main`` sets up logging with
    ``logging.basicConfig``, which does nothing once the root logger has a handler)."""
    root = logging.getLogger()
    for handler in root.handlers[:]:
        root.removeHandler(handler)
        handler.close()
    pretrain.main(argv)


def install(src: Path, lineage: list, out: Path) -> None:
    """Write ``src``'s pipeline to ``out`` with ``lineage`` in its pretrain.json: into ``<out>.tmp``
    first, then renamed over ``out``, so ``out`` is never half written."""
    tmp, old = out.with_name(out.name + ".tmp"), out.with_name(out.name + ".old")
    for leftover in (tmp, old):            # from an install that was interrupted
        if leftover.exists():
            shutil.rmtree(leftover)
    shutil.copytree(src, tmp)
    info = json.loads((src / "pretrain.json").read_text())
    info["lineage"] = lineage
    safe_io.write_text(tmp / "pretrain.json", json.dumps(info, indent=1))
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    if old.exists():
        shutil.rmtree(old)


#: The files of a pipeline that record a run rather than make the model (paths, seconds, lineage).
RUN_RECORD = ("pretrain.json",)


def compare(built: Path, shipped: Path) -> dict:
    """``built`` against ``shipped``, two pipeline folders: per weights file, how many tensors are
    identical bit for bit, which differ and the largest absolute difference among them; and which
    other files differ byte for byte (:data:`RUN_RECORD` not compared)."""
    import torch
    from safetensors.torch import load_file

    def same(x, y) -> bool:
        return x.dtype == y.dtype and x.shape == y.shape and torch.equal(
            x.contiguous().view(-1).view(torch.uint8), y.contiguous().view(-1).view(torch.uint8))

    out = {"weights": {}, "files_differ": [], "missing": []}
    for f in sorted(p.relative_to(shipped) for p in shipped.rglob("*") if p.is_file()):
        if str(f) in RUN_RECORD:
            continue
        if not (built / f).is_file():
            out["missing"].append(str(f))
        elif f.suffix == ".safetensors":
            a, b = load_file(str(built / f)), load_file(str(shipped / f))
            differ = sorted(k for k in b if k not in a or not same(a[k], b[k]))
            worst = max((float((a[k].double() - b[k].double()).abs().max()) for k in differ
                         if k in a and a[k].shape == b[k].shape), default=0.0)
            out["weights"][str(f)] = {"tensors": len(b), "identical": len(b) - len(differ), "differ": differ,
                                      "max_abs_diff": worst, "extra": sorted(set(a) - set(b))}
        elif (built / f).read_bytes() != (shipped / f).read_bytes():
            out["files_differ"].append(str(f))
    out["bit_for_bit"] = (bool(out["weights"]) and not out["files_differ"] and not out["missing"]
                          and all(not w["differ"] and not w["extra"] for w in out["weights"].values()))
    return out


def _reference(folder: str, out: Path) -> Path:
    """``--compare``'s folder, refused where the comparison would say nothing: not a pipeline with
    weights, or the very folder the sect is written to."""
    ref = Path(folder).resolve()
    if not any(ref.rglob("*.safetensors")):
        raise SystemExit(f"--compare {folder}: no pipeline with *.safetensors weights there. Fix: give the "
                         "shipped sect's folder, e.g. --compare data/base")
    if ref == out:
        raise SystemExit(f"--compare {folder} is the folder the sect is written to (--out): it would be compared "
                         "with itself. Fix: write elsewhere, e.g. --out build/sect_v3/out --compare data/base")
    return ref


def compare_lines(result: dict) -> list:
    """:func:`compare`'s result, one line per weights file, then the verdict."""
    lines = [f"{f}: {w['identical']} of {w['tensors']} tensors identical"
             + (f", largest difference {w['max_abs_diff']:.3g}" if w["differ"] else "")
             for f, w in result["weights"].items()]
    lines += [f"differs: {f}" for f in result["files_differ"]] + [f"missing: {f}" for f in result["missing"]]
    lines.append("bit for bit: " + ("yes" if result["bit_for_bit"] else "no"))
    return lines


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default=str(ROOT / "build" / "sect_v3"),
                   help="the stages' pipelines and work folders (default build/sect_v3)")
    p.add_argument("--out", default=str(ROOT / "build" / "sect_v3" / "out"),
                   help="where the sect is written (default build/sect_v3/out; data/base replaces the shipped one, "
                        "and with it the key of every shipped LoRA and result)")
    p.add_argument("--dry-run", action="store_true", help="print the stages' commands and what is done; run nothing")
    p.add_argument("--compare", default=None, help="a pipeline folder (e.g. data/base) to compare the written sect "
                   "with, tensor by tensor (the result also in <build>/compare.json)")
    p.add_argument("--check", default=None, help="with --compare: compare this pipeline folder instead, and "
                   "build nothing")
    a = p.parse_args(argv)
    build, out = Path(a.build).resolve(), Path(a.out).resolve()
    if a.check:
        if not a.compare:
            raise SystemExit("--check needs --compare: the folder to compare it with, e.g. --compare data/base")
        checked = Path(a.check).resolve()
        return _report(compare(checked, _reference(a.compare, checked)), build)
    ref = _reference(a.compare, out) if a.compare else None
    os.chdir(ROOT)                         # the commands' relative paths are the repository's
    lineage = []
    for stage, parent, folder, args in plan(build):
        info = finished(stage, parent, folder)
        state = "done" if info else "to run"
        print(f"stage {stage.letter} ({state}): {command(args)}", flush=True)
        if a.dry_run:
            continue
        if info is None:
            run_stage(args)
            info = finished(stage, parent, folder)
            if info is None:
                raise RuntimeError(f"stage {stage.letter} ran but {folder} holds no pipeline with a pretrain.json: "
                                   f"see {_shown(build / 'work' / stage.letter / 'pretrain.log')}, then run this "
                                   "script again")
        lineage.append({"candidate": stage.letter, **{k: info[k] for k in RECORDED}, "command": command(args),
                        "preregistration": f"{PREREGISTRATION}, amendment {stage.amendment}", "log": stage.log})
    if a.dry_run:
        print(f"then: stage {STAGES[-1].letter}'s pipeline -> {_shown(out)}, with the lineage in its pretrain.json")
        return 0
    install(build / STAGES[-1].letter, lineage, out)
    print(f"wrote {_shown(out)}: {len(lineage)} stages, {sum(s['seconds'] for s in lineage) / 60:.0f} min of training")
    return _report(compare(out, ref), build) if ref else 0


def _report(result: dict, build: Path) -> int:
    """Print :func:`compare`'s result, keep it in ``<build>/compare.json``; 0 when bit for bit."""
    print("\n".join(compare_lines(result)))
    safe_io.write_text(build / "compare.json", json.dumps(result, indent=1))
    return 0 if result["bit_for_bit"] else 1


if __name__ == "__main__":
    sys.exit(main())
