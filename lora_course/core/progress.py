"""Progress bars: on for anything longer than a few seconds, off where nobody watches them;
and the libraries' own chatter, off for readers (:func:`quiet_libraries`).

Every long step of the course (a sweep, LoRA training, generating pictures) shows a tqdm bar
when run by a person. A headless run that *saves* its outputs (the report executing the
notebooks, ``make course``) sets ``TQDM_DISABLE=1``: a bar saved in a notebook is a widget frozen
at "0%", which is how GitHub and nbviewer would show it, so there each step prints a one-line
summary instead. tqdm reads that variable only when its caller passes no ``disable=``; the
course's bars pass :func:`disabled` so that they honour it too.
"""
from __future__ import annotations

import logging
import os
import warnings

#: tqdm's own switch (``TQDM_DISABLE``), read here as well.
ENV = "TQDM_DISABLE"


def disabled(progress: bool = True) -> bool:
    """``True`` when a bar should not be drawn: not asked for, or switched off by ``TQDM_DISABLE``."""
    return not progress or os.environ.get(ENV, "").strip().lower() not in ("", "0", "false", "no")


def quiet_libraries() -> None:
    """Silence library chatter that is not for readers (deprecation notes, load reports)."""
    for name in ("diffusers", "transformers", "accelerate", "peft"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        import diffusers
        import transformers
        diffusers.utils.logging.set_verbosity_error()
        transformers.utils.logging.set_verbosity_error()
        diffusers.utils.logging.disable_progress_bar()      # loading bars: not for readers
        transformers.utils.logging.disable_progress_bar()
    except Exception:  # pragma: no cover - older versions
        pass
    # the course loads several LoRAs into one pipeline on purpose (as A1111 does); peft warns
    # about "multiple adapters" every time
    warnings.filterwarnings("ignore", message="Already found a `peft_config`")
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
