"""Whether an optional part of the course can run here, and why (or why not), in one sentence.

This module owns the one answer type of the course's "can this run here?" questions:
:func:`lora_course.real_sd.available` (a real Stable Diffusion checkpoint on a GPU) and
:func:`lora_course.tagger.wd14.available` (the real WD14 tagger) both return an :class:`Availability`.
It sits at the bottom of the layers: it imports nothing of the course, so any module may use it.
"""
from __future__ import annotations

from typing import NamedTuple


class Availability(NamedTuple):
    """``ok`` and one sentence for the reader saying why (or why not); unpacks as
    ``ok, why = available(...)``."""
    ok: bool
    reason: str

    def __bool__(self) -> bool:       # a (False, reason) pair is a non-empty tuple: be explicit
        return self.ok
