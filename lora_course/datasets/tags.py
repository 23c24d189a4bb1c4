"""Tag tools: pure functions on booru tag lists, the words a caption is made of.

A caption is a comma-separated list of tags (``weiwei, long hair, open mouth``). This module owns
what is done to such lists, with no files and no models: the booru spelling of a tag
(:func:`normalize_tag`: ``Long_Hair`` → ``long hair``, emoticons like ``^_^`` kept), splitting a
caption (:func:`split_tags`, on ``,``, the fullwidth ``，`` and line breaks), the trigger first
(:func:`put_first`, kohya's ``keep_tokens``), adding, removing and replacing tags, and shuffling
after the kept ones (:func:`shuffle_caption`, kohya's ``shuffle_caption``).
:mod:`lora_course.datasets.dataset` applies them to caption files.
"""
from __future__ import annotations

import random
import re
from typing import Iterable, List, Sequence, Union

Tags = List[str]
#: What separates two tags in a caption.
SEPARATORS = re.compile(r"[,，\r\n]")


def clean(tag: str) -> str:
    """A tag stripped, its inner spaces collapsed to one."""
    return " ".join(tag.split())


def _as_list(tags: Union[str, Sequence[str]]) -> Tags:
    return [tags] if isinstance(tags, str) else list(tags)


def is_emoticon(tag: str) -> bool:
    """Booru emoticon tags (``^_^``, ``>_<``, ``o_o``, ``x_x``): no two letters or digits in a
    row. Their underscore is part of the face, not a word separator."""
    return re.search(r"[^\W_]{2}", tag) is None


def normalize_tag(tag: str) -> str:
    """The booru spelling of a tag: stripped, spaces collapsed, lower case, ``_`` as a space
    (``"Long_Hair "`` -> ``"long hair"``), except in emoticons (``^_^``, ``>_<`` stay)."""
    tag = tag.lower()
    if not is_emoticon(tag):
        tag = tag.replace("_", " ")
    return clean(tag)


def normalize_tags(tags: Sequence[str]) -> Tags:
    """:func:`normalize_tag` on every tag, then empty tags dropped and duplicates removed."""
    return dedupe(t for t in map(normalize_tag, tags) if t)


def split_tags(text: str) -> Tags:
    """Split a caption on ``,``, the fullwidth ``，`` and line breaks; strip each tag, collapse
    inner spaces, drop empty ones. Duplicates are kept (see :func:`dedupe`)."""
    return [t for t in map(clean, SEPARATORS.split(text)) if t]


def dedupe(tags: Iterable[str]) -> Tags:
    """Remove repeated tags, keeping the first occurrence of each (order otherwise kept)."""
    return list(dict.fromkeys(tags))


def caption_text(tags: Sequence[str]) -> str:
    """A tag list as caption text: ``"a, b, c"``."""
    return ", ".join(tags)


def put_first(tags: Sequence[str], trigger: str) -> Tags:
    """``trigger`` at position 0, moved there or inserted (kohya's ``--keep_tokens 1`` keeps it
    in place when captions are shuffled)."""
    return [trigger] + [t for t in tags if t != trigger]


def add_tags(tags: Sequence[str], new: Union[str, Sequence[str]], first: bool = False) -> Tags:
    """``tags`` plus the tags of ``new`` not already there: appended, or with ``first`` put in
    front (in their given order; ones already present move there)."""
    new = _as_list(new)
    if first:
        return dedupe(new + [t for t in tags if t not in new])
    return dedupe(list(tags) + new)


def remove_tags(tags: Sequence[str], unwanted: Union[str, Sequence[str]]) -> Tags:
    """``tags`` without any of ``unwanted`` (exact match)."""
    unwanted = set(_as_list(unwanted))
    return [t for t in tags if t not in unwanted]


def replace_tag(tags: Sequence[str], old: str, new: str) -> Tags:
    """``old`` replaced by ``new`` in place; if ``new`` was already there, its first occurrence
    is kept."""
    return dedupe(new if t == old else t for t in tags)


def shuffle_caption(tags: Sequence[str], rng: random.Random, keep_tokens: int = 1) -> Tags:
    """The first ``keep_tokens`` tags fixed, the rest shuffled with ``rng`` (kohya's
    ``--shuffle_caption --keep_tokens``). ``tags`` is not modified."""
    if keep_tokens < 0:
        raise ValueError(f"keep_tokens must be at least 0, got {keep_tokens}")
    head, tail = list(tags[:keep_tokens]), list(tags[keep_tokens:])
    rng.shuffle(tail)
    return head + tail
