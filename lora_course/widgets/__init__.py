"""The interactive lab: the course's two widgets, in one place for the notebooks.

* :class:`SliderLab` (:mod:`lora_course.slider`) — the weight slider (功力): prompt with
  ``<lora:name:w>``, LoRA, weight, seed → the pictures, the tagger's reading, the fidelity;
* :class:`TagEditor` (:mod:`lora_course.tag_editor`) — a dataset folder's captions, edited by
  clicking, saved atomically with backups.

``from lora_course import widgets; widgets.TagEditor(folder)`` and
``widgets.SliderLab.from_lab(lab, prompt="1girl", weight=0.6)`` are how the notebooks use them.
"""
from __future__ import annotations

from .prompt_syntax import rename_prompt_lora, set_prompt_weight  # noqa: F401
from .slider import MAX_IMAGES, WEIGHT_MAX, WEIGHT_MIN, WEIGHT_STEP, SliderLab  # noqa: F401
from .tag_editor import TagEditor  # noqa: F401
