"""Safe checkpoint / resume for the course's training loops.

A checkpoint is two files: ``<name>.safetensors`` (every tensor: model weights, optimiser moments,
random-generator states) and ``<name>.json`` (step counters, Python RNG state, anything small).
Nothing is ever pickled, so a checkpoint from someone else can be opened without running code.
Writes are atomic (temporary file, then rename): a training run killed mid-save leaves the
previous checkpoint intact.
"""
from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import torch
from safetensors.torch import load_file, save_file


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


def _atomic(path: Path, write) -> None:
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def save(path: str | Path, modules: Dict[str, torch.nn.Module], optimizer: Optional[torch.optim.Optimizer] = None,
         generators: Optional[Dict[str, torch.Generator]] = None, py_rng: Optional[random.Random] = None,
         extra_tensors: Optional[Dict[str, torch.Tensor]] = None, **info: Any) -> None:
    """Write ``path.safetensors`` + ``path.json``. ``info`` holds small JSON-able values (step...)."""
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
    st_path, js_path = path.with_suffix(".safetensors"), path.with_suffix(".json")
    _atomic(st_path, lambda p: save_file(tensors, str(p)))
    _atomic(js_path, lambda p: p.write_text(json.dumps(meta)))


def exists(path: str | Path) -> bool:
    path = Path(path)
    return path.with_suffix(".safetensors").exists() and path.with_suffix(".json").exists()


def load(path: str | Path, modules: Dict[str, torch.nn.Module], optimizer: Optional[torch.optim.Optimizer] = None,
         generators: Optional[Dict[str, torch.Generator]] = None, py_rng: Optional[random.Random] = None,
         ) -> Tuple[Dict[str, Any], Dict[str, torch.Tensor]]:
    """Restore what :func:`save` wrote, in place. Returns ``(info, extra_tensors)``."""
    path = Path(path)
    tensors = load_file(str(path.with_suffix(".safetensors")))
    meta = json.loads(path.with_suffix(".json").read_text())
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
