"""scripts/build_sect_v3.py: its stages are the shipped sect's lineage, a finished stage is not run
again, another run's folder is refused, and the sect is written with its lineage. ``pretrain.main``
is replaced by a stand-in that writes a pipeline folder's files, so nothing is trained."""
import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location("build_sect_v3", ROOT / "scripts" / "build_sect_v3.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod             # its dataclass looks its module up there
    spec.loader.exec_module(mod)
    return mod


def test_the_stages_are_the_shipped_lineage():
    script = _script()
    lineage = json.loads((ROOT / "data" / "base" / "pretrain.json").read_text())["lineage"]
    assert [s["candidate"] for s in lineage] == [s.letter for s in script.STAGES]
    for shipped, stage in zip(lineage, script.STAGES):
        assert (shipped["seed"], shipped["unet_steps"], shipped["population"], shipped["n_images"]) == (
            stage.seed, stage.unet_steps, script.POPULATION, script.pretrain.CONTINUATION.n_images), stage
        assert shipped["log"] == stage.log and shipped["preregistration"].endswith(f"amendment {stage.amendment}")
    assert lineage[0]["continued_from"].startswith(script.PARENT)


def _fake_main(script, calls):
    """What ``pretrain.main`` leaves in --out, from its arguments: the weights the parent hash reads
    (different for every stage), model_index.json and pretrain.json."""
    def main(argv):
        a = dict(zip(argv[::2], argv[1::2]))
        calls.append(a["--out"])
        out, parent = Path(a["--out"]), a["--continue-from"]
        for rel in ("unet/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors"):
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            (out / rel).write_bytes(f"{a['--seed']} {rel}".encode())
        (out / "model_index.json").write_text("{}")
        digest = "0" * 64 if parent.startswith("git:") else script.pretrain.parent_hash(Path(parent))
        source = "git:6880a2bde712ff14b8360ebbe7a010a40a0c9b9a" if parent.startswith("git:") else parent
        (out / "pretrain.json").write_text(json.dumps({
            "continued_from": source, "parent_sha256": digest, "population": a["--population"],
            "seed": int(a["--seed"]), "n_images": 24000, "unet_steps": int(a["--unet-steps"]),
            "unet_steps_done": int(a["--unet-steps"]), "seconds": 60}))
    return main


def test_the_stages_run_once_and_the_sect_is_written_with_its_lineage(tmp_path, monkeypatch):
    script = _script()
    monkeypatch.chdir(ROOT)                  # the script works from the repository root
    calls = []
    monkeypatch.setattr(script.pretrain, "main", _fake_main(script, calls))
    build, out = tmp_path / "build", tmp_path / "base"
    out.mkdir()
    (out / "old.txt").write_text("the sect before")
    assert script.main(["--build", str(build), "--out", str(out)]) == 0
    assert [Path(c).name for c in calls] == ["c", "d", "e", "f"]
    info = json.loads((out / "pretrain.json").read_text())
    assert [s["candidate"] for s in info["lineage"]] == ["c", "d", "e", "f"]
    assert [s["continued_from"] for s in info["lineage"][1:]] == [str(build / x) for x in "cde"]
    assert info["seed"] == 3 and info["lineage"][-1]["command"].startswith("python -m lora_course.sd.pretrain")
    assert not (out / "old.txt").exists() and not list(tmp_path.glob("base.*"))   # replaced whole
    calls.clear()
    assert script.main(["--build", str(build), "--out", str(out)]) == 0           # every stage done
    assert calls == []


def test_another_runs_folder_is_refused(tmp_path, monkeypatch):
    script = _script()
    monkeypatch.chdir(ROOT)                  # the script works from the repository root
    calls = []
    monkeypatch.setattr(script.pretrain, "main", _fake_main(script, calls))
    build = tmp_path / "build"
    script.main(["--build", str(build), "--out", str(tmp_path / "base")])
    info = json.loads((build / "d" / "pretrain.json").read_text())
    (build / "d" / "pretrain.json").write_text(json.dumps({**info, "seed": 5}))
    with pytest.raises(RuntimeError, match="seed 5.*delete .*d and run"):
        script.main(["--build", str(build), "--out", str(tmp_path / "base")])
    (build / "d" / "pretrain.json").write_text(json.dumps(info))
    (build / "c" / "unet" / "diffusion_pytorch_model.safetensors").write_bytes(b"c rebuilt")
    with pytest.raises(RuntimeError, match="other weights than .*c holds now"):
        script.main(["--build", str(build), "--out", str(tmp_path / "base")])


def test_compare_finds_one_bit_and_ignores_the_run_record(tmp_path):
    import torch
    from safetensors.torch import save_file
    script = _script()
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        (folder / "unet").mkdir(parents=True)
        save_file({"w": torch.ones(3), "v": torch.zeros(2)}, str(folder / "unet" / "m.safetensors"))
        (folder / "model_index.json").write_text("{}")
        (folder / "pretrain.json").write_text(json.dumps({"seconds": len(str(folder))}))
    (b / "pretrain.json").write_text('{"seconds": 1}')           # a run record: not compared
    result = script.compare(a, b)
    assert result["bit_for_bit"] and result["weights"]["unet/m.safetensors"]["identical"] == 2
    w = torch.ones(3)
    w.view(torch.int32)[1] ^= 1                                   # the last bit of one float
    save_file({"w": w, "v": torch.zeros(2)}, str(a / "unet" / "m.safetensors"))
    (a / "model_index.json").write_text("{ }")
    result = script.compare(a, b)
    assert not result["bit_for_bit"] and result["weights"]["unet/m.safetensors"]["differ"] == ["w"]
    assert 0 < result["weights"]["unet/m.safetensors"]["max_abs_diff"] < 1e-6
    assert result["files_differ"] == ["model_index.json"]
    assert script.compare_lines(result)[-1] == "bit for bit: no"
    # a folder with no weights compares as nothing, never as bit for bit; nor is a folder compared
    # with itself
    (tmp_path / "empty").mkdir()
    assert not script.compare(tmp_path / "empty", tmp_path / "empty")["bit_for_bit"]
    with pytest.raises(SystemExit, match="no pipeline"):
        script._reference(str(tmp_path / "empty"), a)
    with pytest.raises(SystemExit, match="itself"):
        script._reference(str(b), b)
