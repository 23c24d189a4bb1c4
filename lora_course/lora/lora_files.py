"""LoRA files: the two safetensors layouts people use, their metadata, and loading them safely.

A LoRA file holds, for every adapted layer, the two small matrices ``A`` (rank × in) and
``B`` (out × rank), and the ``alpha`` that sets their scale (see :mod:`lora_course.lora`).
Two spellings of the same numbers are in use:

==================  ==========================================================================
layout              keys (one layer)
==================  ==========================================================================
**kohya / A1111**   ``lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn1_to_q``
(``<name>.          ``.lora_down.weight`` (A), ``.lora_up.weight`` (B), ``.alpha`` (a scalar);
safetensors``)      text encoder: ``lora_te_text_model_encoder_layers_0_self_attn_q_proj...``.
                    What kohya's sd-scripts write and AUTOMATIC1111, ComfyUI, Forge read; the
                    ``ss_*`` metadata (tag frequency, rank, alpha...) is what they display.
**diffusers**       ``unet.down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q.lora.down
(``<name>.          .weight``; ``text_encoder.text_model.encoder.layers.0.self_attn.q_proj.
diffusers.          lora_linear_layer.down.weight``; alpha and rank in the ``lora_adapter_metadata``
safetensors``)      header (a ``peft.LoraConfig``). What ``StableDiffusionPipeline.save_lora_weights``
                    writes.
==================  ==========================================================================

Both load with ``pipe.load_lora_weights(path, adapter_name=...)``; :func:`load_lora` adds the
checks people need before that: the file must be safetensors (pickled ``.ckpt/.pt/.bin`` files
run code when opened, so they are refused), its weights must be finite (a NaN or inf, the mark of
a training run that diverged, would make every picture NaN: an error names the file and the first
bad tensor), and every layer must fit the base model (an error names the layer and both shapes,
instead of a deep stack trace or, worse, a silent partial load).

Details checked against the installed libraries (diffusers 0.42, transformers 5, peft 0.21):

* diffusers' ``convert_state_dict_to_kohya`` names the SD1 text encoder ``lora_te1_`` (the SDXL
  spelling) and writes ``alpha = rank``. A1111 matches SD1 text-encoder keys with
  ``lora_te_text_model_encoder_layers_(\\d+)_(.+)``, so we rename ``lora_te1_`` to ``lora_te_`` and
  write the real alpha; diffusers' own loader reads both spellings.
* transformers 5 flattened ``CLIPTextModel`` (its layers are ``encoder.layers.N``, no
  ``text_model.``). Files keep the ``text_model.`` that every SD1 LoRA has; diffusers' loader drops
  it when the model has none.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import struct
import tempfile
from pathlib import Path
from typing import Dict, Iterator, Mapping, Optional, Tuple, Union

import torch

from ..core import safe_io

PathLike = Union[str, Path]
StateDict = Dict[str, torch.Tensor]

KOHYA, DIFFUSERS = "kohya", "diffusers"
#: Suffixes of pickled checkpoints: loading one runs code chosen by whoever made the file.
PICKLE_SUFFIXES = (".ckpt", ".pt", ".pth", ".bin", ".pkl", ".pickle")
#: The header key where diffusers keeps the ``LoraConfig`` of each component.
DIFFUSERS_CONFIG_KEY = "lora_adapter_metadata"


class LoraFileError(ValueError):
    """A LoRA file that cannot be used; the message names the file (and layer) and the fix."""


# --------------------------------------------------------------------------------------------
# Key layouts
# --------------------------------------------------------------------------------------------
def _with_text_model(key: str) -> str:
    """A text-encoder key as SD1 LoRA files spell it: ``text_model.encoder.layers...``."""
    return key if key.startswith("text_model.") else "text_model." + key


def to_kohya(unet_lora: StateDict, te_lora: Optional[StateDict], alpha: Optional[float]) -> StateDict:
    """peft state dicts (``...to_q.lora_A.weight``) → kohya/A1111 keys with ``.alpha`` scalars
    (``alpha`` None: each layer's rank, what diffusers assumes when a file does not say)."""
    from diffusers.utils import convert_state_dict_to_kohya

    sd = {f"unet.{k}": v for k, v in unet_lora.items()}
    sd.update({f"text_encoder.{_with_text_model(k)}": v for k, v in (te_lora or {}).items()})
    out = {}
    for k, v in convert_state_dict_to_kohya(sd).items():
        if k.startswith("lora_te1_"):               # diffusers writes SDXL's name; SD1 is lora_te_
            k = "lora_te_" + k[len("lora_te1_"):]
        if k.endswith(".alpha") and alpha is not None:   # diffusers writes alpha = rank; keep ours
            v = torch.tensor(float(alpha))
        out[k] = v.detach().to("cpu", torch.float32).contiguous()
    return out


def to_diffusers(unet_lora: StateDict, te_lora: Optional[StateDict]) -> Tuple[StateDict, StateDict]:
    """peft state dicts → what ``StableDiffusionPipeline.save_lora_weights`` takes (per component)."""
    from diffusers.utils import convert_state_dict_to_diffusers

    u = convert_state_dict_to_diffusers(dict(unet_lora))
    t = convert_state_dict_to_diffusers({_with_text_model(k): v for k, v in te_lora.items()}) \
        if te_lora else {}
    cpu = lambda d: {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in d.items()}
    return cpu(u), cpu(t)


def layout_of(keys) -> str:
    """``"kohya"`` or ``"diffusers"`` from a file's keys (``ValueError`` for anything else)."""
    keys = list(keys)
    if keys and all(k.startswith(("lora_unet_", "lora_te_", "lora_te1_", "lora_te2_")) for k in keys):
        return KOHYA
    if keys and all(k.startswith(("unet.", "text_encoder.")) and "lora" in k for k in keys):
        return DIFFUSERS
    raise ValueError(f"unknown LoRA layout (first keys: {keys[:3]})")


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------
def _peft_config_dict(rank: int, alpha: float, targets) -> dict:
    """The ``LoraConfig`` diffusers stores beside the weights (it rebuilds the adapter from it)."""
    from peft import LoraConfig
    d = LoraConfig(r=rank, lora_alpha=alpha, target_modules=list(targets)).to_dict()
    return {k: (sorted(v) if isinstance(v, set) else v) for k, v in d.items()}


def _atomic_save(tensors: StateDict, path: Path, metadata: Mapping[str, str]) -> None:
    # a file to share (mode as open() gives it), never half written: see lora_course.core.safe_io
    safe_io.save_safetensors(path, tensors, metadata, mode=safe_io.SHARED)


def save_lora_file(path: PathLike, unet_lora: StateDict, te_lora: Optional[StateDict], rank: int,
                   alpha: float, metadata: Optional[Mapping[str, str]] = None, layout: str = KOHYA,
                   unet_targets=(), te_targets=()) -> Path:
    """Write one LoRA file (``layout`` ``"kohya"`` or ``"diffusers"``) with ``metadata`` in the
    safetensors header; returns the path. Weights are stored as float32 (our LoRAs are tiny)."""
    path = Path(path)
    if path.suffix != ".safetensors":
        raise LoraFileError(f"{path}: LoRA files are written as .safetensors; use that suffix")
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"format": "pt", **(metadata or {})}
    if layout == KOHYA:
        _atomic_save(to_kohya(unet_lora, te_lora, alpha), path, meta)
        return path
    if layout != DIFFUSERS:
        raise ValueError(f"layout must be {KOHYA!r} or {DIFFUSERS!r}, got {layout!r}")
    from diffusers import StableDiffusionPipeline
    from safetensors import safe_open
    from safetensors.torch import load_file

    u, t = to_diffusers(unet_lora, te_lora)
    with tempfile.TemporaryDirectory() as tmp:      # diffusers' own writer, then add our metadata
        StableDiffusionPipeline.save_lora_weights(
            tmp, unet_lora_layers=u, text_encoder_lora_layers=t or None, weight_name="l.safetensors",
            unet_lora_adapter_metadata=_peft_config_dict(rank, alpha, unet_targets),
            text_encoder_lora_adapter_metadata=_peft_config_dict(rank, alpha, te_targets) if t else None)
        f = os.path.join(tmp, "l.safetensors")
        with safe_open(f, "pt") as h:
            meta = {**(h.metadata() or {}), **meta}
        _atomic_save(load_file(f), path, meta)
    return path


def base_fingerprint(pipe, parts=("unet", "text_encoder")) -> str:
    """sha256 of the UNet's and text encoder's weights as loaded (names, dtypes and bytes):
    recorded in a LoRA's metadata so you can tell which base it was trained on. ``parts`` names
    other modules of the pipeline to hash instead (``("vae",)``: what decodes its pictures)."""
    h = hashlib.sha256()
    for part in parts:
        for name, t in sorted(getattr(pipe, part).state_dict().items()):
            if "lora_" in name:
                continue
            name = name.replace(".base_layer.", ".")
            h.update(f"{part}.{name}:{t.dtype}:{tuple(t.shape)}".encode())
            h.update(t.detach().to("cpu").contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


# --------------------------------------------------------------------------------------------
# Reading, safely
# --------------------------------------------------------------------------------------------
def _looks_like_pickle(path: Path) -> bool:
    with open(path, "rb") as f:
        head = f.read(4)
    return head[:1] == b"\x80" or head[:2] == b"PK"   # pickle protocol 2+, or torch's zip format


def _refuse_pickle(path: Path, why: str) -> LoraFileError:
    return LoraFileError(
        f"{path}: {why}. Refusing to load it: .ckpt/.pt/.pth/.bin files are Python pickles, and "
        "unpickling runs whatever code the file's author put in it. Fix: get the .safetensors "
        "version of this LoRA, or convert it once, in a sandbox, with a tool you trust "
        "(torch.load(path, weights_only=True) then safetensors.torch.save_file).")


def read_lora_file(path: PathLike) -> Tuple[StateDict, Dict[str, str]]:
    """``(tensors, metadata)`` of a ``.safetensors`` LoRA; refuses pickles and other formats."""
    from safetensors import SafetensorError, safe_open

    path = Path(path)
    if path.is_dir():
        raise LoraFileError(f"{path}: is a folder; pass the .safetensors file inside it")
    if not path.is_file():
        raise LoraFileError(f"{path}: no such file")
    if path.suffix.lower() in PICKLE_SUFFIXES:
        raise _refuse_pickle(path, f"is a {path.suffix} file")
    if path.suffix.lower() != ".safetensors":
        if _looks_like_pickle(path):
            raise _refuse_pickle(path, "holds a pickle")
        raise LoraFileError(f"{path}: not a .safetensors file. Fix: LoRAs are loaded only from "
                            ".safetensors files")
    with open(path, "rb") as f:
        head = f.read(9)
    n = struct.unpack("<Q", head[:8])[0] if len(head) == 9 else 0
    if not (2 <= n <= path.stat().st_size - 8 and head[8:9] == b"{"):
        if _looks_like_pickle(path):
            raise _refuse_pickle(path, "is named .safetensors but holds a pickle")
        raise LoraFileError(f"{path}: not a valid safetensors file (bad header: truncated, or "
                            "another format renamed). Fix: download or export it again")
    try:
        with safe_open(str(path), "pt") as h:
            meta = dict(h.metadata() or {})
            tensors = {k: h.get_tensor(k) for k in h.keys()}
    except SafetensorError as e:
        raise LoraFileError(f"{path}: not a valid safetensors file ({e}). Fix: download or "
                            "export it again") from None
    if not tensors:
        raise LoraFileError(f"{path}: holds no tensors")
    return tensors, meta


def read_metadata(path: PathLike) -> Dict[str, object]:
    """A LoRA file's metadata, JSON values decoded (``ss_tag_frequency`` becomes a dict...)."""
    return decode_metadata(read_lora_file(path)[1])


def decode_metadata(meta: Mapping[str, str]) -> Dict[str, object]:
    """A safetensors header's metadata with its JSON values decoded."""
    out: Dict[str, object] = {}
    for k, v in meta.items():
        try:
            out[k] = json.loads(v) if v[:1] in "[{" else v
        except json.JSONDecodeError:
            out[k] = v
    return out


def peft_layers(pipe, tensors: StateDict) -> Dict[str, StateDict]:
    """A file's tensors as peft keys per component: ``{"unet": {...lora_A.weight: A}, ...}``,
    converted the way diffusers' loader converts them (so shapes can be checked first)."""
    from diffusers import StableDiffusionPipeline
    from diffusers.utils import (convert_state_dict_to_diffusers, convert_state_dict_to_peft,
                                 convert_unet_state_dict_to_peft)

    sd, _ = StableDiffusionPipeline.lora_state_dict(dict(tensors))
    unet = {k[len("unet."):]: v for k, v in sd.items() if k.startswith("unet.")}
    te = {k[len("text_encoder."):]: v for k, v in sd.items() if k.startswith("text_encoder.")}
    out = {"unet": convert_unet_state_dict_to_peft(unet)}
    if te:
        te = convert_state_dict_to_peft(convert_state_dict_to_diffusers(te))
        if not hasattr(pipe.text_encoder, "text_model"):
            te = {k.removeprefix("text_model."): v for k, v in te.items()}
        out["text_encoder"] = te
    return out


def _file_key(component: str, layer: str, layout: str) -> str:
    if layout != KOHYA:
        return f"{component}.{layer}"
    if component == "unet":
        return "lora_unet_" + layer.replace(".", "_")
    return "lora_te_" + _with_text_model(layer).replace(".", "_")


def check_finite(tensors: StateDict, path: PathLike = "<state dict>") -> None:
    """Raise :class:`LoraFileError` naming the first tensor that holds a NaN or an infinity:
    loaded, such a LoRA would draw NaN (black) pictures and every measurement of it would be NaN."""
    for key, t in tensors.items():
        if t.is_floating_point() or t.is_complex():
            finite = torch.isfinite(t)
            if not bool(finite.all()):
                what = "NaN" if bool(torch.isnan(t).any()) else "inf"
                raise LoraFileError(
                    f"{path}: the tensor {key} holds {what} ({int((~finite).sum())} of its "
                    f"{t.numel()} values are not finite), so every picture drawn with this LoRA would "
                    "be NaN. Fix: retrain or re-export the LoRA; a NaN usually means the training "
                    "diverged: lower the learning rate (unet_lr, text_encoder_lr), e.g. 10× smaller")


def check_fits(pipe, tensors: StateDict, path: PathLike = "<state dict>", base: str = "") -> None:
    """Raise :class:`LoraFileError` naming the first layer of the LoRA that the base model lacks
    or whose shape differs (``base``: what the file says it was trained on, for the message)."""
    layout = layout_of(tensors)
    try:
        parts = peft_layers(pipe, tensors)
    except ValueError as e:
        raise LoraFileError(f"{path}: not a LoRA diffusers can read ({e})") from None
    made_for = f" (it says it was trained on {base!r})" if base else ""
    for component, sd in parts.items():
        model = getattr(pipe, component)
        for key, a in sd.items():
            if not key.endswith(".lora_A.weight"):
                continue
            layer = key[: -len(".lora_A.weight")]
            b = sd.get(layer + ".lora_B.weight")
            where = f"layer {component}.{layer} (file key {_file_key(component, layer, layout)})"
            try:
                mod = model.get_submodule(layer)
            except AttributeError:
                raise LoraFileError(
                    f"{path}: {where} does not exist in this base model: the LoRA was made for a "
                    f"different model{made_for}. Fix: load it into the model it was trained on, "
                    "or retrain it on this one") from None
            w = getattr(mod, "base_layer", mod).weight
            want_in, want_out = tuple(a.shape[1:]), (b.shape[0] if b is not None else None)
            have_in, have_out = tuple(w.shape[1:]), w.shape[0]
            if want_in != have_in or want_out != have_out or (b is not None and b.shape[1] != a.shape[0]):
                raise LoraFileError(
                    f"{path}: {where} does not fit: the base model's weight is "
                    f"{tuple(w.shape)} (out × in), the LoRA's lora_down (A) is {tuple(a.shape)} and "
                    f"lora_up (B) is {tuple(b.shape) if b is not None else 'missing'}, made for "
                    f"{want_out} × {want_in[0] if want_in else '?'}. The LoRA was trained on a "
                    f"different base model{made_for}. Fix: load it into the model it was trained "
                    "on, or retrain it on this one")


@contextlib.contextmanager
def quiet_loading() -> Iterator[None]:
    """Silence transformers' "LOAD REPORT" (it lists the base weights as MISSING when only an
    adapter is loaded) and diffusers' "no LoRA keys for the text encoder" note."""
    from diffusers.utils import logging as dlog
    from transformers.utils import logging as tlog
    old = dlog.get_verbosity(), tlog.get_verbosity()
    dlog.set_verbosity_error()
    tlog.set_verbosity_error()
    try:
        yield
    finally:
        dlog.set_verbosity(old[0])
        tlog.set_verbosity(old[1])


def loaded_adapters(pipe) -> list:
    """Names of the LoRA adapters loaded in ``pipe`` (UNet or text encoder), in load order."""
    names: list = []
    for part in ("unet", "text_encoder"):
        for n in getattr(getattr(pipe, part, None), "peft_config", {}) or {}:
            if n not in names:
                names.append(n)
    return names


def load_lora_file(pipe, path: PathLike, name: str, replace: bool = True) -> Dict[str, object]:
    """Check ``path`` (safetensors, fits ``pipe``) and load it as adapter ``name``. Returns the
    file's decoded metadata. The file is read once (:func:`read_lora_file`)."""
    tensors, meta = read_lora_file(path)
    return load_lora_tensors(pipe, tensors, meta, path, name, replace)


def _diffusers_alphas(meta: Mapping[str, str]) -> Dict[str, Optional[float]]:
    """Each component's alpha from a diffusers file's ``lora_adapter_metadata`` header (None: the
    file does not say, and diffusers then takes alpha = rank)."""
    try:
        config = json.loads(meta.get(DIFFUSERS_CONFIG_KEY) or "{}")
    except json.JSONDecodeError:
        config = {}
    return {c: (float(config[f"{c}.lora_alpha"]) if f"{c}.lora_alpha" in config else None)
            for c in ("unet", "text_encoder")}


def load_lora_tensors(pipe, tensors: StateDict, meta: Mapping[str, str], path: PathLike, name: str,
                      replace: bool = True) -> Dict[str, object]:
    """Load a file's tensors and header (as :func:`read_lora_file` returns them) as adapter
    ``name``, after checking they are finite (no NaN or inf) and fit ``pipe``. A diffusers-layout
    file is turned into the kohya layout in memory first, with the alphas of its header, so
    nothing is read from disk again."""
    try:
        layout = layout_of(tensors)
    except ValueError as e:
        raise LoraFileError(f"{path}: {e}; expected kohya keys (lora_unet_..., lora_te_...) or "
                            "diffusers keys (unet..., text_encoder...)") from None
    check_finite(tensors, path)
    check_fits(pipe, tensors, path, base=meta.get("ss_sd_model_name", ""))
    state = dict(tensors)
    if layout == DIFFUSERS:
        parts, alphas = peft_layers(pipe, tensors), _diffusers_alphas(meta)
        state = to_kohya(parts["unet"], None, alphas["unet"])
        if parts.get("text_encoder"):
            state.update(to_kohya({}, parts["text_encoder"], alphas["text_encoder"]))
    load_lora_state(pipe, state, name, replace, checked=True)
    return decode_metadata(meta)


def load_lora_state(pipe, kohya_state: StateDict, name: str, replace: bool = True,
                    checked: bool = False) -> None:
    """Load an in-memory kohya-layout state dict (alphas included) as adapter ``name``
    (``checked``: :func:`check_finite` and :func:`check_fits` were done already)."""
    if not checked:
        check_finite(kohya_state)
        check_fits(pipe, kohya_state)
    if name in loaded_adapters(pipe):
        if not replace:
            raise LoraFileError(f"a LoRA named {name!r} is already loaded; pick another name or "
                                "pass replace=True")
        pipe.delete_adapters(name)
    with quiet_loading():
        pipe.load_lora_weights(dict(kohya_state), adapter_name=name)
