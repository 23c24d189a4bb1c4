"""lora_course.core.safe_io: a file is written whole or not at all, and a failed write leaves no trace."""
from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from lora_course.core import safe_io


def names(folder):
    return sorted(p.name for p in folder.iterdir())


def test_writes_the_content_and_replaces_the_old_file(tmp_path):
    path = tmp_path / "a.txt"
    assert safe_io.write_text(path, "old\n") == path
    safe_io.write_text(path, "喂喂, new\r\n")
    assert path.read_bytes() == "喂喂, new\r\n".encode("utf-8")   # UTF-8, line endings as given
    safe_io.write_bytes(tmp_path / "b.bin", b"\x00\x01")
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    assert names(tmp_path) == ["a.txt", "b.bin"]                  # no temporary file left


def test_numpy_helpers_keep_the_name_and_never_pickle(tmp_path):
    arr = np.arange(12, dtype=np.uint8).reshape(3, 4)
    safe_io.save_npy(tmp_path / "points.npy", arr)
    assert np.array_equal(np.load(tmp_path / "points.npy", allow_pickle=False), arr)
    safe_io.save_npz(tmp_path / "cache.npz", a=arr, b=np.array("text"))
    with np.load(tmp_path / "cache.npz", allow_pickle=False) as d:
        assert np.array_equal(d["a"], arr) and str(d["b"]) == "text"
    safe_io.save_npy(tmp_path / "no_suffix", arr)                 # no ".npy" appended
    assert names(tmp_path) == ["cache.npz", "no_suffix", "points.npy"]
    with pytest.raises(ValueError):
        safe_io.save_npy(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object))
    assert not (tmp_path / "objects.npy").exists()


def test_an_exception_in_the_writer_keeps_the_old_file_and_no_temp_file(tmp_path):
    path = tmp_path / "model.bin"
    path.write_bytes(b"old")
    seen = []

    def half_then_crash(tmp):
        seen.append(tmp)
        tmp.write_bytes(b"ha")                                    # half written...
        raise RuntimeError("killed mid-write")

    with pytest.raises(RuntimeError, match="killed mid-write"):
        safe_io.atomic_write(path, half_then_crash)
    assert path.read_bytes() == b"old" and names(tmp_path) == ["model.bin"]
    tmp = seen[0]
    assert tmp.parent == tmp_path and tmp.name.startswith(".") and tmp.name.endswith(".tmp")


def test_a_failed_rename_keeps_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "a.txt"
    safe_io.write_text(path, "old")

    def full_disk(src, dst):
        raise OSError("disk full")
    monkeypatch.setattr(safe_io.os, "replace", full_disk)
    with pytest.raises(OSError, match="disk full"):
        safe_io.write_text(path, "new")
    assert path.read_text() == "old" and names(tmp_path) == ["a.txt"]


def test_a_writer_that_writes_elsewhere_is_an_error(tmp_path):
    path = tmp_path / "a.txt"
    with pytest.raises(FileNotFoundError, match="did not create the temporary file"):
        safe_io.atomic_write(path, lambda tmp: None)
    assert names(tmp_path) == []


def test_each_write_uses_its_own_temporary_file(tmp_path):
    assert safe_io.temp_path(tmp_path / "a") != safe_io.temp_path(tmp_path / "a")


@pytest.mark.skipif(os.name != "posix", reason="permission bits are POSIX")
def test_shared_mode_follows_the_umask(tmp_path):
    def private(tmp):
        tmp.write_bytes(b"x")
        os.chmod(tmp, 0o600)                                       # like tempfile.mkstemp
    old = os.umask(0o022)
    try:
        safe_io.atomic_write(tmp_path / "kept.bin", private)
        safe_io.atomic_write(tmp_path / "shared.bin", private, mode=safe_io.SHARED)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "kept.bin").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "shared.bin").stat().st_mode) == 0o644


def test_write_new_bytes_never_replaces_a_file(tmp_path):
    path = tmp_path / "backup.txt"
    safe_io.write_new_bytes(path, b"first")
    with pytest.raises(FileExistsError):
        safe_io.write_new_bytes(path, b"second")
    assert path.read_bytes() == b"first" and names(tmp_path) == ["backup.txt"]


def test_safetensors_round_trip_with_metadata(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors import safe_open
    from safetensors.torch import load_file

    path = tmp_path / "t.safetensors"
    safe_io.save_safetensors(path, {"w": torch.ones(2, 3)}, {"rank": 4})
    assert torch.equal(load_file(str(path))["w"], torch.ones(2, 3))
    with safe_open(str(path), "pt") as f:
        assert f.metadata() == {"rank": "4"}
    assert names(tmp_path) == ["t.safetensors"]
