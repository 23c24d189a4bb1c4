"""What the reader looks at: figures and the course's two widgets.

* :mod:`lora_course.widgets.plots` — image grids (the A1111 XYZ plot), curves and maps;
* :class:`SliderLab` (:mod:`lora_course.widgets.slider`) — the weight slider (功力): prompt with
  ``<lora:name:w>``, LoRA, weight, seed → the pictures, the tagger's reading, the fidelity;
* :class:`TagEditor` (:mod:`lora_course.widgets.tag_editor`) — a dataset folder's captions, edited
  by clicking, saved atomically with backups.

``from lora_course import widgets; widgets.TagEditor(folder)`` and
``widgets.SliderLab.from_lab(lab, prompt="1girl", weight=0.6)`` are how the notebooks use them.
"""
from __future__ import annotations

from .slider import SliderLab
from .tag_editor import TagEditor

__all__ = ["SliderLab", "TagEditor"]
