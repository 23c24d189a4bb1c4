"""Readings in both languages, rendered from what was measured, so that the prose beside a
result cannot drift from it.

* :func:`explain` turns a :class:`~lora_course.measure.verdicts.Verdict` into what a reader wants to know:
  its status in English and Chinese, the *real* reason when it is not REPRODUCED (a check
  missed its bar; an interval straddles its bar and about N seeds (or, behind several training
  runs, more runs) would decide it; the unclear
  pictures decide it, which no number of seeds can change; a weight measured on its bar), and one
  line per check with its mark.
* :func:`say` is a reading sentence in both languages whose numbers are filled in from the data::

      readings.say("At w = 0 the two prompts draw girls {d} apart.",
                   "w = 0 时两个提示词画出的女孩相差 {d}。", d=distance)

  Estimates print as ``0.53 [0.36, 0.69]``, plain floats with two decimals. A notebook renders
  every number its reading cites this way; no measured number is typed into a markdown cell
  (``tests/test_notebook_prose.py`` reads them and fails on one).

Both return :class:`Bilingual`, which Jupyter shows as Markdown (the Chinese as a block quote,
as the notebooks write it) and ``str()`` prints as two plain paragraphs.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

from . import stats, verdicts


@dataclass(frozen=True)
class Bilingual:
    """One reading in English (``en``) and Chinese (``zh``), both Markdown."""
    en: str
    zh: str

    def _repr_markdown_(self) -> str:
        quoted = "\n".join(f"> {line}" if line else ">" for line in self.zh.splitlines())
        return f"{self.en}\n\n{quoted}"

    def __str__(self) -> str:
        return f"{self.en}\n\n{self.zh}"


def _fmt(value, zh: bool = False) -> str:
    """A value as a reading prints it: an estimate with its interval, a float with two decimals
    (a signed one for a difference is the caller's choice: pass ``f"{x:+.2f}"``), anything else
    as ``str()``; an object with a ``zh()`` method (a reading with its Chinese wording) uses it
    in the Chinese sentence."""
    if zh and hasattr(value, "zh"):
        return value.zh()
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def say(en: str, zh: str, **values) -> Bilingual:
    """A reading in both languages with its ``{name}`` fields filled from ``values`` (see
    :func:`_fmt` for how each prints). A field missing from ``values`` is an error that names it."""
    try:
        return Bilingual(en.format(**{k: _fmt(v) for k, v in values.items()}),
                         zh.format(**{k: _fmt(v, zh=True) for k, v in values.items()}))
    except KeyError as missing:
        raise KeyError(f"readings.say: the sentence cites {{{missing.args[0]}}} but no value was "
                       f"given for it; pass {missing.args[0]}=... (given: {sorted(values) or 'none'})") from None


# ---- a verdict, explained ------------------------------------------------------------------------
STATUS_EN = {verdicts.REPRODUCED: "every check clears its bar",
             verdicts.PARTLY: "some checks clear their bars and others miss them",
             verdicts.NOT_REPRODUCED: "no check clears its bar",
             verdicts.UNDECIDED: "a check is still open, and it could tip the verdict either way"}
#: The Chinese name of each status (the glossary's word), without the explanation after it.
STATUS_NAME_ZH = {s: verdicts.STATUS_ZH[s].split("：")[0] for s in verdicts.STATUSES}
STATUS_WHY_ZH = {verdicts.REPRODUCED: "每一项检验都越过了门槛",
                 verdicts.PARTLY: "有的检验越过了门槛，有的没有",
                 verdicts.NOT_REPRODUCED: "没有一项检验越过门槛",
                 verdicts.UNDECIDED: "还有检验没定下来，它可能把结论推向任何一边"}
MARK = {stats.PASS: "✓", stats.FAIL: "✗", stats.UNDECIDED: "?"}
OUTCOME_ZH = {stats.PASS: "通过", stats.FAIL: "不通过", stats.UNDECIDED: "未定"}


def why(check: verdicts.Check) -> Bilingual:
    """Why a check came out as it did, in a few words: passed; missed its bar; or, undecided, the
    reason more seeds would or would not change that."""
    o = check.outcome
    if o == stats.PASS:
        return Bilingual("its interval clears the bar", "区间越过了门槛")
    if o == stats.FAIL:
        return Bilingual("its interval misses the bar", "区间落在门槛的另一边")
    if not check.parts:          # an outcome a rule fixed (claim W): its printed line gives the reason
        return Bilingual("decided by its rule over several LoRAs; its line above names which of them and why",
                         "由它对几个 LoRA 的规则决定；上面那一行写明是哪几个、为什么")
    if check.unclear_decides:
        return Bilingual("the unclear pictures decide it: it passes read one way and fails read the other, "
                         "and more seeds cannot change that",
                         "由模棱两可的图决定：一种读法通过，另一种读法不通过，加种子也改变不了")
    if check.runs > 1:
        return Bilingual(f"its interval straddles the bar; it rests on {check.runs} training runs, and more runs "
                         f"(not only more seeds) would narrow it",
                         f"区间跨在门槛上；它只靠 {check.runs} 次独立训练，要收窄区间得多做几次独立训练，光加种子不够")
    n = check.seeds_to_decide()
    if n is None:
        return Bilingual("its interval straddles the bar", "区间跨在门槛上")
    if n > 100_000:
        return Bilingual("it sits on its bar: no number of seeds would decide it",
                         "它正好落在门槛上：多少种子都定不下来")
    return Bilingual(f"its interval straddles the bar; about {n} seeds per point would decide it",
                     f"区间跨在门槛上；每个点大约 {n} 个种子能定下来")


def _measured(check: verdicts.Check, zh: bool = False) -> str:
    """What a check measured, in brackets: in English each part's wording, number and bar; in
    Chinese the numbers and bars only (the wording is the English check line's)."""
    if not check.parts:
        return ""
    if zh:
        return "（" + "；".join(f"{p.est}，门槛 {p.sign} {p.threshold:g}" for p in check.parts) + "）"
    return " (" + "; ".join(f"{p.what}: {p.est}, bar {p.sign} {p.threshold:g}" for p in check.parts) + ")"


def explain(verdict: verdicts.Verdict, steps: Optional[int] = None) -> Bilingual:
    """The verdict as a reader wants it: the status and what it means, then each check (numbered
    as the printed lines above it) with its mark and the reason for its outcome. Built from the
    verdict's checks, never typed: a verdict read back from a printed line (no checks) gets its
    status only. ``steps``: the same checks on a LoRA trained that many steps, shown beside the
    notebook's own verdict (so the heading says so)."""
    s = verdict.status
    at_en, at_zh = ("", "") if steps is None else (f" at {steps} steps", f"（{steps} 步）")
    en: List[str] = [f"**{verdict.claim}{at_en} · {s}**: {STATUS_EN.get(s, s)}."]
    zh: List[str] = [f"**{verdict.claim}{at_zh} · {STATUS_NAME_ZH.get(s, s)}**：{STATUS_WHY_ZH.get(s, s)}。"]
    for i, c in enumerate(verdict.checks, 1):
        w = why(c)
        flip_en = flip_zh = ""
        if c.flips:          # decided by the claim's counting rule; the other reading differs
            flip_en = f" (with its unclear pictures counted as what was asked, it would {verdicts.OUTCOME_VERB[c.other_way.outcome]})"
            flip_zh = f"（把模棱两可的图算作提示词要的样子，它会{OUTCOME_ZH[c.other_way.outcome]}）"
        en.append(f"- {MARK[c.outcome]} check {i}{_measured(c)}: {w.en}{flip_en}.")
        zh.append(f"- {MARK[c.outcome]} 第 {i} 项检验{_measured(c, zh=True)}：{w.zh}{flip_zh}。")
    if verdict.other_status is not None and verdict.other_status != s:
        en.append(f"\nCounted the other way, every unclear picture as what was asked, the verdict would be "
                  f"{verdict.other_status}: the claim's counting rule decides, and this is how much it matters.")
        zh.append(f"\n反过来算，把每张模棱两可的图都算作提示词要的样子，结论会是{STATUS_NAME_ZH[verdict.other_status]}："
                  f"结论按论断的计数规则定，这一行说明规则的影响有多大。")
    return Bilingual("\n".join(en), "\n".join(zh))
