"""lora_course.core.checkpoint: a round trip, and a pair of files that do not belong together is refused."""
from __future__ import annotations

import json
import random

import pytest
import torch

from lora_course.core import checkpoint, safe_io
from lora_course.core.checkpoint import CheckpointError


def model_and_optimizer(seed=0):
    torch.manual_seed(seed)
    net = torch.nn.Linear(3, 2)
    opt = torch.optim.AdamW(net.parameters(), lr=1e-2)
    net(torch.randn(4, 3)).sum().backward()
    opt.step()
    return net, opt


def test_round_trip_restores_weights_optimizer_and_generators(tmp_path):
    net, opt = model_and_optimizer()
    gen, rng = torch.Generator().manual_seed(5), random.Random(7)
    ck = tmp_path / "run" / "ckpt"
    checkpoint.save(ck, {"net": net}, opt, {"gen": gen}, rng, extra_tensors={"ema": torch.ones(2)}, step=3)
    assert checkpoint.exists(ck)
    assert sorted(p.name for p in ck.parent.iterdir()) == ["ckpt.json", "ckpt.safetensors"]
    meta = json.loads(ck.with_suffix(".json").read_text())
    assert len(meta[checkpoint.HASH_KEY]) == 64

    want_gen, want_rng = torch.randn(3, generator=gen), rng.random()
    net2, opt2 = model_and_optimizer(seed=1)
    gen2, rng2 = torch.Generator().manual_seed(0), random.Random(0)
    info, extra = checkpoint.load(ck, {"net": net2}, opt2, {"gen": gen2}, rng2)
    assert info == {"step": 3} and torch.equal(extra["ema"], torch.ones(2))
    assert torch.equal(net2.weight, net.weight)
    assert torch.equal(opt2.state_dict()["state"][0]["exp_avg"], opt.state_dict()["state"][0]["exp_avg"])
    assert torch.equal(torch.randn(3, generator=gen2), want_gen) and rng2.random() == want_rng


def test_no_checkpoint_yet(tmp_path):
    assert not checkpoint.exists(tmp_path / "ckpt")
    with pytest.raises(FileNotFoundError, match="ckpt.json"):
        checkpoint.load(tmp_path / "ckpt", {})


def crash_on_the_json(monkeypatch):
    """Make the JSON write (the second of save's two) fail, as a kill between them would."""
    def killed(path, *a, **k):
        raise KeyboardInterrupt("killed between the two files")
    monkeypatch.setattr(checkpoint.safe_io, "write_text", killed)


def test_first_save_interrupted_between_its_files_is_no_checkpoint(tmp_path, monkeypatch):
    net, opt = model_and_optimizer()
    ck = tmp_path / "ckpt"
    crash_on_the_json(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        checkpoint.save(ck, {"net": net}, opt, step=1)
    assert ck.with_suffix(".safetensors").exists() and not ck.with_suffix(".json").exists()
    assert not checkpoint.exists(ck)                       # start from scratch...
    monkeypatch.undo()
    checkpoint.save(ck, {"net": net}, opt, step=1)         # ...and the next save makes a pair
    assert checkpoint.exists(ck)


def test_later_save_interrupted_between_its_files_is_refused_not_restarted(tmp_path, monkeypatch):
    net, opt = model_and_optimizer()
    ck = tmp_path / "ckpt"
    checkpoint.save(ck, {"net": net}, opt, step=1)
    with torch.no_grad():
        net.weight.add_(1.0)
    crash_on_the_json(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        checkpoint.save(ck, {"net": net}, opt, step=2)     # new tensors written, old JSON kept
    monkeypatch.undo()
    names = r"ckpt\.safetensors does not belong to .*ckpt\.json"
    with pytest.raises(CheckpointError, match=names):
        checkpoint.exists(ck)                              # never False: that would restart
    with pytest.raises(CheckpointError, match="Fix: delete both ckpt.safetensors and ckpt.json"):
        checkpoint.load(ck, {"net": model_and_optimizer()[0]})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.json", "ckpt.safetensors"]


def test_tampered_or_missing_tensors_are_refused(tmp_path):
    net, _ = model_and_optimizer()
    ck = tmp_path / "ckpt"
    checkpoint.save(ck, {"net": net}, step=1)
    st = ck.with_suffix(".safetensors")
    data = bytearray(st.read_bytes())
    data[-1] ^= 0xFF                                       # one bit of one weight
    st.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="does not belong to"):
        checkpoint.exists(ck)
    target = model_and_optimizer(seed=3)[0]
    before = target.weight.clone()
    with pytest.raises(CheckpointError, match="does not belong to"):
        checkpoint.load(ck, {"net": target})
    assert torch.equal(target.weight, before)              # nothing was restored
    st.unlink()
    with pytest.raises(CheckpointError, match="tensors file .*ckpt.safetensors is missing"):
        checkpoint.exists(ck)


def test_a_checkpoint_written_before_hashes_is_still_read(tmp_path):
    net, _ = model_and_optimizer()
    ck = tmp_path / "ckpt"
    checkpoint.save(ck, {"net": net}, step=4)
    js = ck.with_suffix(".json")
    meta = json.loads(js.read_text())
    del meta[checkpoint.HASH_KEY]
    safe_io.write_text(js, json.dumps(meta))
    assert checkpoint.exists(ck)
    assert checkpoint.load(ck, {"net": model_and_optimizer(seed=2)[0]})[0] == {"step": 4}
