"""Seeds drawn until decided: a claim's sweeps drawn in looks of more and more seeds, stopped at
the first look where every check is decided, with intervals that stay valid whatever look it
stops at.

A share that is 32 of 32 is clear after 16 seeds; one at 17 of 32 is not decided at 32. Drawing
every point on a fixed number of seeds spends pictures on the first and too few on the second.
The course draws in **looks** instead (the rule is stated once, here, before any claim is drawn
with it: docs/preregistration/L_sequential.md):

* the looks (:data:`LOOKS`) draw 16, 32 and 64 seeds per point (each look adds seeds to the same
  points: nothing drawn at one look is drawn again at the next);
* the 5 % that the course's intervals may miss is **spent across the looks**: 1.25 % at the
  first, 1.25 % at the second, 2.5 % at the last, so each look's intervals are made at 98.75 %,
  98.75 % and 97.5 % (:func:`lora_course.measure.stats.confidence`). The chance that any look's
  interval misses is at most the sum, 5 % (Bonferroni's inequality), so the interval a claim stops
  at covers its number at least 95 % of the time, whatever rule chose the look;
* a claim stops at the first look where none of its checks is **open**: undecided, and not
  because its two readings of the unclear pictures disagree (more seeds would not settle that:
  :attr:`~lora_course.measure.verdicts.Check.unclear_decides`). At the last look it stops whatever
  its checks say.

A **second rule** (:data:`LOOKS_2`, docs/preregistration/L_sequential_2.md) answers what the first
cost: two looks, at half the fixed seeds and at all of them, spending 0.5 % and 4.5 % (so the last
look decides nearly as 95 % intervals do), and **futility**: a claim also stops at the first look
when none of its open checks could be decided by the last (:func:`could_decide`). Stopping for
futility decides nothing, so the intervals stay valid.

Why spending over three pre-stated looks rather than a confidence sequence (the PyPI package
``confseq``, for instance): the course's intervals are of several kinds — Wilson shares,
differences of shares widened to Newcombe's interval, two-level bootstraps over training runs and
seeds — and a confidence sequence would need its own construction for each, where spending keeps
every one of them as it is, only at a stricter level. ``confseq`` is also a C++ build (a compiler
and Boost headers) and describes itself as early-stage; the course installs from pure wheels.

This module owns the looks, the stopping rule and the record of why a claim stopped
(:class:`Stop`); it draws nothing itself: :func:`until_decided` is given a function that draws a
claim's sweeps on a list of seeds.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Dict, Generic, List, Optional, Sequence, Tuple, TypeVar

from . import stats
from .verdicts import Check, Verdict


@dataclass(frozen=True)
class Looks:
    """Seeds per point at each look, and the share of the 5 % each look spends. With ``futility``, a
    claim also stops when its open checks could not be decided by the last look (:func:`could_decide`)."""
    seeds: Tuple[int, ...] = (16, 32, 64)
    spend: Tuple[float, ...] = (0.0125, 0.0125, 0.025)
    futility: bool = False

    def __post_init__(self):
        if len(self.seeds) != len(self.spend) or not self.seeds:
            raise ValueError(f"Looks: {len(self.seeds)} seed counts and {len(self.spend)} shares of the 5 %: give "
                             f"one share per look, e.g. Looks((16, 32, 64), (0.0125, 0.0125, 0.025))")
        if list(self.seeds) != sorted(set(self.seeds)) or self.seeds[0] < 1:
            raise ValueError(f"Looks: seeds per look {self.seeds} must grow, from at least 1")
        if sum(self.spend) > 1 - stats.LEVEL + 1e-12 or min(self.spend) <= 0:
            raise ValueError(f"Looks: the looks spend {sum(self.spend):g} of the {1 - stats.LEVEL:g} an interval "
                             f"may miss: give positive shares that sum to at most {1 - stats.LEVEL:g}")

    def level(self, look: int) -> float:
        """The level of the intervals made at look ``look`` (0-based): 1 − its spend."""
        return 1.0 - self.spend[look]

    def __len__(self) -> int:
        return len(self.seeds)


#: The course's looks: 16, 32, 64 seeds per point at 98.75 %, 98.75 % and 97.5 %.
LOOKS = Looks()
#: The second rule (docs/preregistration/L_sequential_2.md): two looks, at 16 seeds (99.5 %) and at
#: the fixed arm's 32 (95.5 %, nearly the fixed arm's 95 %), and a claim whose open checks the
#: second look could not decide stops at the first.
LOOKS_2 = Looks((16, 32), (0.005, 0.045), futility=True)

#: Why drawing stopped.
DECIDED = "every check decided"
UNCLEAR = "every check decided, or decided by the unclear pictures"
FUTILE = "every check decided, or not decidable by the last look"
LAST_LOOK = "the last look"


@dataclass(frozen=True)
class Stop:
    """Where a claim's drawing stopped: the look (1-based), the seeds per point drawn, the level of
    the intervals it was decided at, why, and the checks still open there."""
    look: int
    looks: int
    seeds: int
    level: float
    reason: str
    open_checks: Tuple[str, ...] = ()

    def __str__(self) -> str:
        why = self.reason if not self.open_checks else f"{self.reason}, {len(self.open_checks)} check(s) still open"
        return (f"drew {self.seeds} seeds per point (look {self.look} of {self.looks}, "
                f"{100 * self.level:g} % intervals): stopped at {why}")

    def to_json(self) -> dict:
        return {"look": self.look, "looks": self.looks, "seeds": self.seeds, "level": self.level,
                "reason": self.reason, "open_checks": list(self.open_checks)}


def is_open(check: Check) -> bool:
    """Could more seeds decide this check? Undecided, and not because its two readings of the
    unclear pictures disagree."""
    return check.outcome == stats.UNDECIDED and not check.unclear_decides


def could_decide(check: Check, seeds: int, last: int) -> bool:
    """Could the last look's ``last`` seeds per point decide this open check, drawn on ``seeds`` so
    far? Yes when one of its undecided parts, its value held and its interval narrowed as one over
    the square root of the seeds, would clear its bar or miss it. Meant to lean towards drawing on
    (a spread between training runs does not narrow with seeds, so a check it calls decidable may
    stay open; a check decided by a rule over its parts, ``fixed``, is always called decidable), it
    leans the other way where a look's level changes (below). Stopping for it never decides a check, so the intervals stay valid whatever it says;
    what it can change is a decision the last look would have made.

    Measured (the experiment log, "Seeds drawn until decided: the second rule"), it is too
    pessimistic where it matters: it keeps the first look's level (z 2.81 at 99.5 %) where the last
    look's is lower (z 2.00 at 95.5 %), and a share at 0 or 1 narrows as one over the seeds, not its
    square root; so it stopped C1 and T, which the last look decides. Kept as run, so the logged
    result can be made again; a better guess remakes the interval at the last look's seeds and level."""
    if check.fixed is not None:
        return True
    shrink = (seeds / last) ** 0.5
    for part in check.parts:
        if part.outcome != stats.UNDECIDED:
            continue
        e = part.est
        narrow = replace(e, lo=e.value - (e.value - e.lo) * shrink, hi=e.value + (e.hi - e.value) * shrink)
        if stats.decide(narrow, part.threshold, part.at_least, part.strict) != stats.UNDECIDED:
            return True
    return False


D = TypeVar("D")


@dataclass
class Decided(Generic[D]):
    """What :func:`until_decided` returns: the verdict at the look it stopped at, what was drawn
    there (the claim's sweeps), the :class:`Stop`, and each look's verdict on the way."""
    verdict: Verdict
    drawn: D
    stop: Stop
    history: List[Verdict]
    #: what the caller drew at the first look for showing (every point of every sweep), if it kept it
    shown: Optional[D] = None


def until_decided(draw: Callable[[List[int]], D], decide: Callable[[D], Verdict], seeds: Sequence[int],
                  looks: Looks = LOOKS) -> Decided[D]:
    """Draw with ``draw(seeds[:n])`` at each look's ``n``, decide with ``decide(drawn)`` at that look's
    level, and stop at the first look where no check is open (:func:`is_open`), or, with
    ``looks.futility``, where no open check could be decided by the last look (:func:`could_decide`),
    or at the last.
    ``seeds`` must hold at least the last look's count; a look sees the first ``n`` of them, so
    each look's seeds extend the one before."""
    seeds = list(seeds)
    if len(seeds) < looks.seeds[-1]:
        raise ValueError(f"until_decided: {len(seeds)} seeds for looks up to {looks.seeds[-1]}: give at least "
                         f"{looks.seeds[-1]} (e.g. range({looks.seeds[-1]}))")
    history: List[Verdict] = []
    for k, n in enumerate(looks.seeds):
        drawn = draw(seeds[:n])
        with stats.confidence(looks.level(k)):
            verdict = decide(drawn)
        history.append(verdict)
        still = [c for c in verdict.checks if is_open(c)]
        last = k == len(looks) - 1
        futile = looks.futility and not last and bool(still) and not any(
            could_decide(c, n, looks.seeds[-1]) for c in still)
        if not still or last or futile:
            if still:
                reason = FUTILE if futile else LAST_LOOK
            elif any(c.outcome == stats.UNDECIDED for c in verdict.checks):
                reason = UNCLEAR
            else:
                reason = DECIDED
            stop = Stop(k + 1, len(looks), n, looks.level(k), reason, tuple(c.text or str(c) for c in still))
            return Decided(verdict, drawn, stop, history)
    raise AssertionError("unreachable: the last look always stops")


def read_points(first: Dict[str, "object"]) -> Dict[str, Tuple[List[str], List[float]]]:
    """What later looks draw, from the first look's sweeps after the claim was decided on them
    (each sweep's :attr:`~lora_course.measure.evaluation.Sweep.read`): per sweep, the prompts its
    checks read (all of its prompts when none was read) at every weight read in *any* of the
    claim's sweeps that the sweep has (all of its weights when it has none of them). Weights are
    shared across the sweeps because claims compare their sweeps weight by weight (P, the drift);
    a sweep nothing read is still drawn on the later looks' seeds, since claims compare seeds too."""
    weights = {w for sw in first.values() for _, w in sw.read}
    out = {}
    for name, sw in first.items():
        ps = [p for p in sw.prompts if any(p == q for q, _ in sw.read)] or list(sw.prompts)
        ws = [w for w in sw.weights if w in weights] or list(sw.weights)
        out[name] = (ps, ws)
    return out
