"""Where the course's files live: ``data/`` (what it ships) and the build folder (what it makes).

The build folder holds every trained LoRA (``loras/``), the pictures of every sweep point
(``points/``), the generated training sets (``sets/``) and the real-SD work (``real_sd/``). It is
``build/`` beside ``data/`` in a clone, ``~/lora_course_build`` for a course installed from a
wheel (the Colab cell: :data:`INSTALLED`), or the folder named by the environment variable
``LORA_COURSE_BUILD`` (a Drive folder on Colab, or an empty folder to time a fresh run; a relative
path is taken from the repository root, or the home folder, so a notebook's kernel and the
process that started it agree). Nothing here imports torch: the report reads these paths without
loading a model.
"""
from __future__ import annotations

import os
from pathlib import Path

#: The repository (or installed source) root: the folder that holds ``lora_course/`` and ``data/``.
ROOT = Path(__file__).resolve().parents[2]      # lora_course/core/paths.py -> the root
#: Installed from a wheel (``pip install git+https://…``, the Colab cell) rather than run from a
#: clone: ``data/`` then travels inside the package as ``lora_course/shipped`` (a link to
#: ``../data`` in the repository; see ``pyproject.toml``), and there is no repository to build in.
INSTALLED = not (ROOT / "data").is_dir()
#: What the course ships: the base model, the tagger, the training sets.
DATA_DIR = Path(__file__).resolve().parents[1] / "shipped" if INSTALLED else ROOT / "data"
#: Where an installed course builds (a clone builds in its own ``build/``).
HOME_BUILD = Path.home() / "lora_course_build"


def build_dir(value: str | None = None) -> Path:
    """The build folder for ``value`` (default: the environment's ``LORA_COURSE_BUILD``): a clone's
    ``build/``, or ``~/lora_course_build`` for an installed course."""
    value = os.environ.get("LORA_COURSE_BUILD") if value is None else value
    base = HOME_BUILD.parent if INSTALLED else ROOT
    if not value:
        return HOME_BUILD if INSTALLED else ROOT / "build"
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


#: The build folder of this process (read once, at import).
BUILD_DIR = build_dir()
