"""No number the code measured is typed into a notebook's prose.

A reading that cites a measured number renders it from the data (``lora_course.measure.readings.say`` in
a code cell) or stays qualitative and points at the printed line; typed numbers drift as soon as
a recipe, a seed count or the base model changes. This reads every markdown cell of the numbered
notebooks and fails on what looks like a measurement: a share or distance with two decimals
(``0.53``, ``+0.38``), an interval (``[0.36, 0.69]``), a percentage other than the intervals'
level (``95 %``), or a count of pictures or seeds (``30 of 32``, ``16/16``, ``32 个种子中 30 个``).
A parameter the reader may change is written as code (`` `0.35` ``, `` `lr=2e-3` ``) and is not read.
"""
import re
from pathlib import Path

import nbformat
import pytest

from lora_course.report import NOTEBOOK_GLOB

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob(NOTEBOOK_GLOB))

_CODE = re.compile(r"`[^`\n]*`")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
#: what a measurement looks like in prose
MEASURED = [
    ("an interval", re.compile(r"\[\s*[+−-]?\d+(?:\.\d+)?\s*,\s*[+−-]?\d+(?:\.\d+)?\s*\]")),
    ("a number with two decimals", re.compile(r"(?<![\w.])[+−-]?\d+\.\d{2,}(?![\w.])")),
    ("a percentage", re.compile(r"(?<![\w.])(?!95\s?%)\d+(?:\.\d+)?\s?%")),
    ("a count", re.compile(r"(?<![\w.])\d+\s*/\s*\d+(?![\w.])|(?<![\w.])\d+ of (?:the |its |their )?\d+(?![\w.])"
                           r"|\d+\s*个[^\d。，；]{0,6}?[中里]\s*\d+")),
]


def typed_numbers(text: str) -> list:
    """``[(kind, match)]`` for every measurement-like number in markdown ``text`` (code spans, HTML
    comments and link targets are not read)."""
    text = _LINK_TARGET.sub("]", _COMMENT.sub("", _CODE.sub("", text)))
    found = []
    for kind, pat in MEASURED:        # in order, each match taken out of the text (an interval's ends are not read again)
        found += [(kind, m.group(0)) for m in pat.finditer(text)]
        text = pat.sub(" ", text)
    return found


@pytest.mark.parametrize("sentence, found", [
    ("`1girl` is her on 0.53 [0.36, 0.69] of the seeds", ["[0.36, 0.69]", "0.53"]),
    ("the gap is +0.38, and −0.19 at 100 steps", ["+0.38", "−0.19"]),
    ("it reads 32 % of these pictures as unclear", ["32 %"]),
    ("her on 30 of 32 seeds, 16/16 right", ["30 of 32", "16/16"]),
    ("傀儡 32 个种子里 32 个是她", ["32 个种子里 32"]),
])
def test_typed_numbers_are_found(sentence, found):
    assert [m for _, m in typed_numbers(sentence)] == found


@pytest.mark.parametrize("sentence", [
    "at w = 0.6 and w = 1, 600 steps, 32 seeds, every 95 % interval, bar 0.5",
    "the tagger's threshold `0.35` and `lr=2e-3`",
    "notebooks 02–14, C1–C7, [the map](14_how_long_to_train.ipynb#the-map-0.50)",
])
def test_parameters_are_not_measurements(sentence):
    assert typed_numbers(sentence) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_no_measured_number_is_typed_into_prose(path):
    nb = nbformat.read(path, as_version=4)
    found = [f"cell {i}: {kind} `{m}`" for i, cell in enumerate(nb.cells) if cell.cell_type == "markdown"
             for kind, m in typed_numbers(cell.source)]
    assert not found, (f"{path.name} types measured numbers into its prose ({len(found)}): "
                       + "; ".join(found[:8]) + ". Render them from the data with lora_course.measure.readings.say "
                       "in a code cell, or write the reading without them.")


#: The longest a notebook's "Reading it" cell may be, in English words (its Chinese half is not counted):
#: a reading is a few short bullets; the statistics' wording lives in notebook 01b.
READING_WORDS = 200


def english_words(markdown: str) -> int:
    """Words of the English half of a cell (the Chinese half is its `>` block quote; code spans and
    HTML comments are not read)."""
    english = "\n".join(line for line in _COMMENT.sub("", markdown).splitlines() if not line.startswith(">"))
    return len(re.findall(r"[A-Za-z][A-Za-z'’-]*", _CODE.sub("", english)))


def test_english_words_count_the_english_half_only():
    assert english_words("## Reading it\nShe holds at `w = 0.6`.\n\n> 她在 0.6 时还是她。") == 5


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_readings_are_short(path):
    nb = nbformat.read(path, as_version=4)
    long = [(i, english_words(c.source)) for i, c in enumerate(nb.cells)
            if c.cell_type == "markdown" and c.source.startswith("## Reading it") and english_words(c.source) > READING_WORDS]
    assert not long, (f"{path.name}: a reading of more than {READING_WORDS} English words (cell, words: {long}): "
                      "cut it to a few short bullets and point at the printed lines")
