"""Safe checkpoint / resume for the course's training loops.

A checkpoint is two files: ``<name>.safetensors`` (every tensor: model weights, optimiser moments,
random-generator states) and ``<name>.json`` (step counters, Python RNG state, anything small,
and the SHA-256 of the tensors file). Nothing is ever pickled, so a checkpoint from someone else
can be opened without running code.

Each file is written atomically (:mod:`lora_course.core.safe_io`), the tensors first and the JSON
last, so the JSON is what makes a checkpoint: a pair is *consistent* when the JSON's hash is the
hash of the tensors file beside it. What a crash can leave, and what happens:

=============================================  ================================================
on disk                                        :func:`exists` / :func:`load`
=============================================  ================================================
both files, the hash matches                   ``True`` / restores it
no JSON (nothing saved yet, or the first       ``False`` (start from scratch; the next save
save killed between its two writes)            replaces the stray tensors file)
a JSON whose tensors file is missing, or       both raise :class:`CheckpointError` naming the
whose hash is not the file's (a save killed    two files and the fix: delete both to start
between its two writes left the new tensors    over, or put back the matching pair (from a
beside the old JSON; a file edited or          backup). Never ``False``: training would start
copied by hand)                                over and overwrite hours of work without a word
a JSON written before hashes were recorded     ``True`` / restores it (nothing to check)
=============================================  ================================================
"""
from __future__ import annotations

import hashlib
import json
import random
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import torch
from safetensors.torch import load_file

from . import safe_io

#: The JSON key holding the SHA-256 (hex) of the tensors file.
HASH_KEY = "tensors_sha256"


class CheckpointError(ValueError):
    """A checkpoint whose two files do not belong together; the message names them and the fix."""


def _flatten_optimizer(opt: torch.optim.Optimizer) -> Tuple[Dict[str, torch.Tensor], Dict]:
    sd = opt.state_dict()
    tensors, meta = {}, {"param_groups": sd["param_groups"], "state": {}}
    for pid, st in sd["state"].items():
        meta["state"][str(pid)] = {}
        for k, v in st.items():
            if torch.is_tensor(v):
                tensors[f"optim/{pid}/{k}"] = v.detach().clone().contiguous()
                meta["state"][str(pid)][k] = "__tensor__"
            else:
                meta["state"][str(pid)][k] = v
    return tensors, meta


def _unflatten_optimizer(tensors: Dict[str, torch.Tensor], meta: Dict) -> Dict:
    state = {}
    for pid, st in meta["state"].items():
        state[int(pid)] = {k: (tensors[f"optim/{pid}/{k}"] if v == "__tensor__" else v)
                           for k, v in st.items()}
    return {"state": state, "param_groups": meta["param_groups"]}


def _files(path: str | Path) -> Tuple[Path, Path]:
    path = Path(path)
    return path.with_suffix(".safetensors"), path.with_suffix(".json")


def _sha256(path: Path) -> str:
    """The file's SHA-256, read once per version of the file (a resume asks :func:`exists`, then
    :func:`load`: the second answer comes from the first)."""
    st = path.stat()
    return _sha256_of(str(path.resolve()), st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=16)
def _sha256_of(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _checked_meta(path: str | Path) -> Optional[Dict[str, Any]]:
    """The JSON of a consistent checkpoint, ``None`` when there is no JSON; raises
    :class:`CheckpointError` for a pair that does not belong together."""
    st_path, js_path = _files(path)
    if not js_path.exists():
        return None
    fix = (f"delete both {st_path.name} and {js_path.name} to start this training over, or put "
           "back the pair that belongs together (from a backup)")
    try:
        meta = json.loads(js_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CheckpointError(f"{js_path}: not a checkpoint's JSON ({e}). Fix: {fix}") from e
    if not isinstance(meta, dict) or "info" not in meta:
        raise CheckpointError(f"{js_path}: not a checkpoint's JSON (no 'info'). Fix: {fix}")
    if not st_path.exists():
        raise CheckpointError(f"{js_path}: its tensors file {st_path} is missing. Fix: {fix}")
    want = meta.get(HASH_KEY)
    if want is not None and _sha256(st_path) != want:
        raise CheckpointError(
            f"{st_path} does not belong to {js_path} (its SHA-256 is not the one the JSON recorded): "
            "a save was interrupted between its two files, or one of them was replaced. "
            f"Fix: {fix}")
    return meta


def save(path: str | Path, modules: Dict[str, torch.nn.Module], optimizer: Optional[torch.optim.Optimizer] = None,
         generators: Optional[Dict[str, torch.Generator]] = None, py_rng: Optional[random.Random] = None,
         extra_tensors: Optional[Dict[str, torch.Tensor]] = None, **info: Any) -> None:
    """Write ``path.safetensors`` + ``path.json``, each atomically, the JSON (with the tensors'
    SHA-256) last. ``info`` holds small JSON-able values (step...)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors: Dict[str, torch.Tensor] = {}
    for name, m in modules.items():
        for k, v in m.state_dict().items():
            tensors[f"{name}/{k}"] = v.detach().clone().contiguous()
    meta: Dict[str, Any] = {"info": info}
    if optimizer is not None:
        t, m = _flatten_optimizer(optimizer)
        tensors.update(t)
        meta["optimizer"] = m
    for name, g in (generators or {}).items():
        tensors[f"rng/{name}"] = g.get_state()
    tensors["rng/torch"] = torch.get_rng_state()
    for k, v in (extra_tensors or {}).items():
        tensors[f"extra/{k}"] = v.detach().clone().contiguous()
    if py_rng is not None:
        st = py_rng.getstate()
        meta["py_rng"] = [st[0], list(st[1]), st[2]]
    st_path, js_path = _files(path)
    safe_io.save_safetensors(st_path, tensors)
    meta[HASH_KEY] = _sha256(st_path)          # the JSON last: it makes the pair a checkpoint
    safe_io.write_text(js_path, json.dumps(meta))


def exists(path: str | Path) -> bool:
    """``True`` for a consistent checkpoint at ``path``, ``False`` when it has no JSON; raises
    :class:`CheckpointError` for a pair that does not belong together (see the module's table)."""
    return _checked_meta(path) is not None


def load(path: str | Path, modules: Dict[str, torch.nn.Module], optimizer: Optional[torch.optim.Optimizer] = None,
         generators: Optional[Dict[str, torch.Generator]] = None, py_rng: Optional[random.Random] = None,
         ) -> Tuple[Dict[str, Any], Dict[str, torch.Tensor]]:
    """Restore what :func:`save` wrote, in place. Returns ``(info, extra_tensors)``.

    Refuses (:class:`CheckpointError`) a pair whose files do not belong together, and a
    checkpoint with no JSON (``FileNotFoundError``)."""
    st_path, js_path = _files(path)
    meta = _checked_meta(path)
    if meta is None:
        raise FileNotFoundError(f"{js_path}: no such checkpoint (its JSON is missing). Fix: check "
                                "the path, or call exists() first and start from scratch")
    tensors = load_file(str(st_path))
    for name, m in modules.items():
        prefix = f"{name}/"
        m.load_state_dict({k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)})
    if optimizer is not None and "optimizer" in meta:
        optimizer.load_state_dict(_unflatten_optimizer(tensors, meta["optimizer"]))
    for name, g in (generators or {}).items():
        g.set_state(tensors[f"rng/{name}"])
    torch.set_rng_state(tensors["rng/torch"])
    if py_rng is not None and "py_rng" in meta:
        a, b, c = meta["py_rng"]
        py_rng.setstate((a, tuple(b), c))
    extra = {k[len("extra/"):]: v for k, v in tensors.items() if k.startswith("extra/")}
    return meta["info"], extra
