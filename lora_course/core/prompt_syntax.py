"""A1111's ``<lora:name:w>`` prompt syntax: the one parser the trainer, the sweeps and the slider use.

In AUTOMATIC1111 (and Forge, ComfyUI's A1111 nodes) a LoRA is switched on from the prompt itself:
``weiwei, smile, <lora:weiwei:0.6>`` draws ``weiwei, smile`` with the LoRA ``weiwei`` at weight
0.6 (the article's 功力, "six levels"). The weight is optional (1.0) and may be negative or above
1; a LoRA not named in the prompt is off.

Pure text: this module knows nothing of pipelines (:func:`lora_course.lora.adapters.apply_prompt_loras`
applies what it parses).
"""
from __future__ import annotations

import re
from typing import Dict, Optional, Tuple

#: Any ``<lora:...>`` tag (its inside in group 1).
LORA_TAG = re.compile(r"<lora:([^>]*)>", re.IGNORECASE)


def tidy(prompt: str) -> str:
    """Collapse the spaces and drop the empty pieces a removed tag leaves between commas."""
    pieces = [" ".join(p.split()) for p in prompt.split(",")]
    return ", ".join(p for p in pieces if p)


def has_lora_tags(prompt: str) -> bool:
    """True if ``prompt`` holds any ``<lora:...>`` tag."""
    return LORA_TAG.search(prompt) is not None


def parse_prompt(prompt: str) -> Tuple[str, Dict[str, float]]:
    """``<lora:name:weight>`` tags → ``(clean prompt, {name: weight})``.

    Several LoRAs may appear; the tags are removed and the leftover commas and spaces tidied::

        parse_prompt("weiwei, <lora:weiwei:0.6>, smile") == ("weiwei, smile", {"weiwei": 0.6})
    """
    found: Dict[str, float] = {}
    for m in LORA_TAG.finditer(prompt):
        parts = [p.strip() for p in m.group(1).split(":")]
        name = parts[0]
        if not name:
            raise ValueError(f"{m.group(0)!r}: the LoRA has no name; write <lora:name:0.6>")
        if len(parts) > 2:
            raise ValueError(f"{m.group(0)!r}: separate text-encoder/UNet weights are not supported; "
                             f"write one weight, <lora:{name}:0.6>")
        try:
            w = float(parts[1]) if len(parts) == 2 else 1.0
        except ValueError:
            raise ValueError(f"{m.group(0)!r}: {parts[1]!r} is not a number; write "
                             f"<lora:{name}:0.6>") from None
        if name in found:
            raise ValueError(f"{prompt!r}: the LoRA {name!r} is named twice; give it once")
        found[name] = w
    return tidy(LORA_TAG.sub(" ", prompt)), found


def _tag_of(name: str) -> re.Pattern:
    """``<lora:name>`` or ``<lora:name:w>`` for one LoRA name (A1111 matches names exactly)."""
    return re.compile(r"<lora:\s*" + re.escape(name) + r"\s*(?::[^>]*)?>", re.IGNORECASE)


def set_prompt_weight(prompt: str, name: str, weight: float) -> str:
    """``prompt`` with its ``<lora:name:…>`` tag set to ``weight`` (the tag is not added if absent)."""
    return _tag_of(name).sub(f"<lora:{name}:{weight:g}>", prompt)


def rename_prompt_lora(prompt: str, old: str, new: Optional[str], weight: float) -> str:
    """``prompt`` with the tag of LoRA ``old`` turned into ``<lora:new:weight>`` (or removed when
    ``new`` is ``None``, commas tidied as :func:`parse_prompt` does)."""
    if new is None:
        return tidy(_tag_of(old).sub(" ", prompt))
    return _tag_of(old).sub(f"<lora:{new}:{weight:g}>", prompt)
