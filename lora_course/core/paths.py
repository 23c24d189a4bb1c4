"""Where the course's files live: ``data/`` (what it ships) and the build folder (what it makes).

The build folder holds every trained LoRA (``loras/``), the pictures of every sweep point
(``points/``), the generated training sets (``sets/``) and the real-SD work (``real_sd/``). It is
``build/`` beside ``data/``, or the folder named by the environment variable
``LORA_COURSE_BUILD`` (a Drive folder on Colab, or an empty folder to time a fresh run; a relative
path is taken from the repository root, so a notebook's kernel and the process that started it
agree). Nothing here imports torch: the report reads these paths without loading a model.
"""
from __future__ import annotations

import os
from pathlib import Path

#: The repository (or installed source) root: the folder that holds ``lora_course/`` and ``data/``.
ROOT = Path(__file__).resolve().parents[2]      # lora_course/core/paths.py -> the root
#: What the course ships: the base model, the tagger, the training sets.
DATA_DIR = ROOT / "data"


def build_dir(value: str | None = None) -> Path:
    """The build folder for ``value`` (default: the environment's ``LORA_COURSE_BUILD``)."""
    value = os.environ.get("LORA_COURSE_BUILD") if value is None else value
    if not value:
        return ROOT / "build"
    p = Path(value).expanduser()
    return p if p.is_absolute() else ROOT / p


#: The build folder of this process (read once, at import).
BUILD_DIR = build_dir()
