"""How a claim is decided: checks, their outcomes and the verdict they give.

A claim (:mod:`lora_course.measure.claims`) measures numbers on sweeps; this module owns what happens to
them next, the same for every claim:

* :class:`Part` — one measured number with its 95 % interval against its bar (≥, >, ≤ or <), and
  its outcome (:class:`lora_course.measure.stats.Outcome`: pass, fail, undecided);
* :class:`Check` — the parts that must all hold, its outcome, and the reason when it is open
  (more seeds would decide it, more training runs would narrow it, the unclear pictures decide it);
* :class:`Verdict` and :class:`Status` — a claim's checks summed up (:func:`status_of`:
  REPRODUCED, PARTLY, NOT REPRODUCED, UNDECIDED), printed as the one line the report collects and
  written as data (:meth:`Verdict.to_json`);
* the two counting rules of ``unclear`` pictures: :func:`by_rule` (counted as not what was asked,
  the other reading kept as sensitivity) and :func:`both_readings` (counted both ways, a check
  decided only where both agree);
* the estimates checks are made of: a share over a sweep's training runs and seeds
  (:func:`share_of`) and the difference of shares (:func:`difference`, the wider of the paired
  bootstrap and Newcombe's interval).

It imports no model code at run time (sweeps are only annotations), so the report can read
verdicts without loading torch.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence

import numpy as np

from . import stats
from .stats import Estimate

if TYPE_CHECKING:                     # annotations only: importing verdicts loads no model code
    from .evaluation import Sweep


class Status(stats.TextEnum):
    """A verdict's status, from its checks: all pass, some pass and some fail, all fail, or not
    decided at the seeds drawn (see :func:`status_of`). ``Status.PARTLY == "PARTLY"``."""
    REPRODUCED = "REPRODUCED"
    PARTLY = "PARTLY"
    NOT_REPRODUCED = "NOT REPRODUCED"
    UNDECIDED = "UNDECIDED"


REPRODUCED, PARTLY, NOT_REPRODUCED, UNDECIDED = Status.REPRODUCED, Status.PARTLY, Status.NOT_REPRODUCED, Status.UNDECIDED
STATUSES = tuple(Status)
_STATUS_TEXTS = {s.value for s in Status}
#: Each status in Chinese, with what it means (printed under every verdict line: 结论 = verdict).
STATUS_ZH = {REPRODUCED: "复现：每一项检验的 95 % 区间都越过了门槛",
             PARTLY: "部分复现：有的检验通过，有的没有通过",
             NOT_REPRODUCED: "未复现：没有一项检验通过",
             UNDECIDED: "未定：有检验的区间跨在门槛上，在这些种子上定不下来（检验行写明多少种子能定，或为何定不了）"}
#: A printed verdict line: ``VERDICT <claim> | <STATUS> | <summary>``, at the start of a line. Any
#: upper-case status is read (a notebook may print its own); the summary may hold ``|``.
VERDICT_RE = re.compile(r"^VERDICT (\S+) \| ([A-Z ]+) \| (.*)$")


@dataclass(frozen=True)
class Part:
    """One measured number of a check against its threshold: ``est`` (with its 95 % interval) must
    be ≥ ``threshold`` (``at_least``) or ≤ it (> / < with ``strict``). ``share``: the estimate
    is a share with a Wilson interval (so the seeds needed to decide it are exact)."""
    what: str
    est: Estimate
    threshold: float
    at_least: bool = True
    strict: bool = False
    share: bool = False

    @property
    def outcome(self) -> stats.Outcome:
        return stats.decide(self.est, self.threshold, self.at_least, self.strict)

    def seeds_to_decide(self) -> int:
        """About how many seeds would decide it (more than 100,000: none would, it sits on its bar)."""
        if self.share:
            return stats.seeds_needed(self.est.value, self.threshold)
        return stats.seeds_to_decide(self.est, self.threshold)

    @property
    def sign(self) -> str:
        """How the estimate must compare with the threshold: ≥, >, ≤ or <."""
        return {(True, False): "≥", (True, True): ">", (False, False): "≤", (False, True): "<"}[(self.at_least, self.strict)]

    def to_json(self) -> dict:
        """The part as data: what it measures, the estimate with its interval (and each training
        run's value), the bar and the outcome."""
        e = self.est
        return {"what": self.what, "value": e.value, "lo": e.lo, "hi": e.hi, "level": e.level, "seeds": e.n,
                "per_run": list(e.per_run) if e.per_run else None, "bar": self.threshold, "sign": self.sign,
                "outcome": self.outcome}

    def __str__(self) -> str:
        runs = f" ({self.est.runs_text()})" if self.est.per_run else ""
        return f"{self.what}: measured {self.est}{runs}, needs {self.sign} {self.threshold:g}"


@dataclass(frozen=True)
class Check:
    """One check of a claim: its parts (every one must hold), its outcome (``pass``, ``fail`` or
    ``undecided`` when an interval straddles its threshold, or when its two readings of the unclear
    pictures disagree: :attr:`other_way`), and what it says."""
    parts: tuple
    text: str = ""
    fixed: Optional[str] = None     #: an outcome decided by a rule that already used intervals, or by both readings
    #: the same check with its unclear pictures counted the other way (see :func:`both_readings`)
    other_way: Optional["Check"] = None

    @property
    def outcome(self) -> stats.Outcome:
        if self.fixed is not None:
            return stats.Outcome(self.fixed)
        return stats.all_of(*(p.outcome for p in self.parts))

    @property
    def ok(self) -> bool:
        return self.outcome == stats.PASS

    seeds_n: int = 0                #: seeds behind a fixed outcome (no parts)
    runs_n: int = 1                 #: training runs behind a fixed outcome (no parts)

    @property
    def seeds(self) -> int:
        return max((p.est.n for p in self.parts), default=self.seeds_n)

    @property
    def runs(self) -> int:
        """Training runs behind the check's numbers (1 when its LoRA was trained once)."""
        return max((len(p.est.per_run or ()) for p in self.parts), default=0) or self.runs_n

    @property
    def level(self) -> float:
        """The level of the check's intervals (0.95 unless drawn in looks: the lowest of its parts')."""
        return min((p.est.level for p in self.parts), default=stats.LEVEL)

    @property
    def half_width(self) -> float:
        """Half the widest interval of the parts."""
        widths = [p.est.width / 2 for p in self.parts]
        return max(widths) if widths else float("nan")

    @property
    def flips(self) -> bool:
        """Decided by a counting rule (:func:`by_rule`), and its other reading comes out otherwise."""
        return self.fixed is None and self.other_way is not None and self.other_way.outcome != self.outcome

    @property
    def unclear_decides(self) -> bool:
        """Undecided because it passes with its unclear pictures counted one way and fails with
        them counted the other."""
        if self.other_way is None or self.fixed is None:
            return False
        return {stats.all_of(*(p.outcome for p in self.parts)), self.other_way.outcome} == {stats.PASS, stats.FAIL}

    def seeds_to_decide(self) -> Optional[int]:
        """For an undecided check, about how many seeds per point would decide it (if the
        measured values held); ``None`` when it is decided, when its unclear pictures decide it, or
        when its numbers rest on several training runs (their spread, not the seeds, may be what
        keeps it open: more runs would narrow it, and no seed count says how much)."""
        if self.outcome != stats.UNDECIDED or self.unclear_decides or self.runs > 1:
            return None
        open_parts = [p.seeds_to_decide() for p in self.parts if p.outcome == stats.UNDECIDED]
        return max(open_parts) if open_parts else None

    def __str__(self) -> str:
        body = "; ".join(str(p) for p in self.parts)
        text = f"{self.text} — {body}" if self.text and body else self.text or body
        if self.flips:
            text += (" — with its unclear pictures counted as what was asked: "
                     + "; ".join(str(p) for p in self.other_way.parts) + f", which would {OUTCOME_VERB[self.other_way.outcome]}")
        elif self.other_way is not None and self.fixed is not None and self.outcome != stats.PASS:
            text += " — its unclear pictures counted the other way: " + "; ".join(str(p) for p in self.other_way.parts)
        if self.unclear_decides:
            text += " — not shown: the unclear pictures decide it"
        elif self.outcome == stats.UNDECIDED and self.runs > 1:
            text += f" — not shown on {self.runs} training runs and {self.seeds} seeds (more runs would narrow it)"
        elif self.outcome == stats.UNDECIDED:
            n = self.seeds_to_decide()
            more = ("" if n is None else " (no number of seeds would: it sits on the threshold)" if n > 100_000
                    else f" (about {n} would decide it)")
            text += f" — not shown at {self.seeds} seeds{more}"
        return text


MARKS = {stats.PASS: "x", stats.FAIL: " ", stats.UNDECIDED: "?"}
#: What a check would do, as a verb: "it would pass / fail / be undecided".
OUTCOME_VERB = {stats.PASS: "pass", stats.FAIL: "fail", stats.UNDECIDED: "be undecided"}


@dataclass
class Verdict:
    """A claim's verdict: ``status`` is REPRODUCED (every check passes), NOT REPRODUCED (every check
    fails), PARTLY (some pass, some fail) or UNDECIDED (an undecided check could still tip it
    either way). One read back with :meth:`parse` carries whatever upper-case status was
    printed, and no checks or numbers."""
    claim: str
    status: "Status | str"      #: a Status; any upper-case text for a line a notebook printed itself
    summary: str
    checks: List[Check] = field(default_factory=list)
    numbers: Dict[str, float] = field(default_factory=dict)
    #: the status with every unclear picture counted the other way (a claim decided by a counting
    #: rule, :func:`by_rule`); ``None`` for a claim that reads its pictures both ways
    other_status: Optional[str] = None
    #: what the claim says (printed above its checks); empty for a verdict read back from a line
    statement: str = ""

    def line(self) -> str:
        """The one line the report collects: ``VERDICT <claim> | <STATUS> | <summary>``."""
        return f"VERDICT {self.claim} | {self.status} | {self.summary}"

    @classmethod
    def parse(cls, line: str) -> Optional["Verdict"]:
        """The verdict a printed :meth:`line` states (claim, status and summary; no checks or
        numbers: they are not printed on it), or ``None`` if ``line`` is not a verdict line."""
        m = VERDICT_RE.match(line.rstrip())
        if m is None:
            return None
        status = m.group(2).strip()
        return cls(m.group(1), Status(status) if status in _STATUS_TEXTS else status, m.group(3).strip())

    def check_lines(self) -> List[str]:
        """The claim, one line per check, and how many seeds (what precedes the verdict line)."""
        lines = [f"{self.claim}: {self.statement}"]
        lines += [f"  [{MARKS[c.outcome]}] {c}" for c in self.checks]
        if self.checks:
            seeds, runs = max(c.seeds for c in self.checks), max(c.runs for c in self.checks)
            hw = [c.half_width for c in self.checks if c.half_width == c.half_width]
            per = f"{seeds} seeds per point" + (f", split between {runs} training runs of each LoRA" if runs > 1 else "")
            level = min(c.level for c in self.checks)
            if level != stats.LEVEL:
                per += f"; {100 * level:g} % intervals, the 5 % spent across looks"
            lines.append(f"  ({per}; the widest interval is ±{max(hw):.2f}" if hw else f"  ({per}")
            lines[-1] += "; [x] shown, [ ] not, [?] not decided at these seeds)"
        return lines

    def sensitivity(self) -> List[str]:
        """A line (and its Chinese) when the other reading of the unclear pictures would give
        another status; nothing otherwise."""
        if self.other_status is None or self.other_status == self.status:
            return []
        return [f"  (with the unclear pictures counted as what was asked, it would be {self.other_status})",
                f"  （把模棱两可的图算作提示词要的样子，结论会是{STATUS_ZH[self.other_status].split('：')[0]}）"]

    def __str__(self) -> str:
        return "\n".join([*self.check_lines(), self.line(), self.line_zh(), *self.sensitivity()])

    def line_zh(self) -> str:
        """The verdict's reading in Chinese (the summary's numbers stay in the line above)."""
        return f"结论 {self.claim}：{STATUS_ZH.get(self.status, self.status)}"

    def to_json(self) -> dict:
        """The verdict as data: claim, status (and the status the other counting would give),
        summary, and every check with its outcome, its parts (:meth:`Part.to_json`) and, where a
        counting rule decided it, the same parts counted the other way."""
        return {"claim": self.claim, "status": self.status, "other_status": self.other_status,
                "summary": self.summary, "numbers": self.numbers,
                "checks": [{"text": c.text, "outcome": c.outcome, "runs": c.runs, "seeds": c.seeds,
                            "parts": [p.to_json() for p in c.parts],
                            "other_way": [p.to_json() for p in c.other_way.parts] if c.other_way else None}
                           for c in self.checks]}

    @property
    def outcomes(self) -> List[stats.Outcome]:
        return [c.outcome for c in self.checks]

    def show(self, regime: Optional[str] = None, regime_zh: Optional[str] = None) -> None:
        """Print the checks and the verdict line (what the notebooks' last cell does). With
        ``regime`` (e.g. ``"the light recipe"``, and ``regime_zh`` its Chinese), the same checks
        on another LoRA, shown beside the notebook's verdict: printed as ``AT <regime> <claim> | …``,
        not a ``VERDICT`` line (the report collects one verdict per notebook: the article's LoRA's)."""
        if regime is None:
            print(self)
            return
        print("\n".join([*self.check_lines(), f"AT {regime} {self.claim} | {self.status} | {self.summary}",
                         f"{regime_zh or regime}：{STATUS_ZH.get(self.status, self.status)}", *self.sensitivity()]))


def status_of(outcomes: Sequence[str]) -> Status:
    """The verdict's status from its checks' outcomes: the status every resolution of the
    undecided checks would give, or UNDECIDED when they could change it."""
    if all(o == stats.PASS for o in outcomes):
        return REPRODUCED
    if all(o == stats.FAIL for o in outcomes):
        return NOT_REPRODUCED
    if stats.PASS in outcomes and stats.FAIL in outcomes:
        return PARTLY
    return UNDECIDED


def make_verdict(claim: str, checks: Sequence[Check], summary: str, numbers: Dict[str, float],
                 statement: str = "") -> Verdict:
    """The verdict of ``checks`` (its status by :func:`status_of`), its numbers rounded to 2 places."""
    return Verdict(claim, status_of([c.outcome for c in checks]), summary, list(checks),
                   {k: round(v, 2) for k, v in numbers.items()}, statement=statement)


def make_check(*parts: Part, text: str = "") -> Check:
    return Check(tuple(parts), text)


def flipped(arg):
    """A sweep (or a dict of sweeps) read the other way round (:meth:`Sweep.unclear_flipped`)."""
    if hasattr(arg, "unclear_flipped"):
        return arg.unclear_flipped()
    if isinstance(arg, dict):
        return {k: flipped(v) for k, v in arg.items()}
    return arg


def _combined(as_written: Check, other_way: Check) -> Check:
    """One check read both ways: pass if it passes both ways, fail if it fails both ways."""
    if as_written.outcome == other_way.outcome and str(as_written) == str(other_way):
        return as_written
    outcome = stats.both_ways(as_written.outcome, other_way.outcome)
    return Check(as_written.parts, as_written.text, fixed=outcome, other_way=other_way)


def both_readings(claim):
    """Decorate a claim function of sweeps: compute it with the unclear pictures counted as
    written (against the claim) and the other way round (every sweep
    :meth:`~Sweep.unclear_flipped`), and decide each check on both (:func:`_combined`). The
    summary and numbers are the first reading's."""
    @functools.wraps(claim)
    def read_both_ways(*args, **kwargs):
        as_written = claim(*args, **kwargs)
        other_way = claim(*(flipped(a) for a in args), **{k: flipped(v) for k, v in kwargs.items()})
        checks = [_combined(a, f) for a, f in zip(as_written.checks, other_way.checks, strict=True)]
        return replace(as_written, status=status_of([c.outcome for c in checks]), checks=checks)
    return read_both_ways


def by_rule(claim):
    """Decorate a claim function of sweeps with the article claims' counting rule: its verdict is
    decided on the sweeps as given (every ``unclear`` picture is *not* what was asked, under every
    prompt alike), and the same claim on the sweeps read the other way round (every sweep
    :meth:`~Sweep.unclear_flipped`: an unclear picture *is* what was asked) is kept beside it as
    sensitivity: each check's ``other_way`` and the verdict's ``other_status``, printed where they
    differ. Unlike :func:`both_readings`, the other reading never changes an outcome."""
    @functools.wraps(claim)
    def read_by_rule(*args, **kwargs):
        primary = claim(*args, **kwargs)
        other = claim(*(flipped(a) for a in args), **{k: flipped(v) for k, v in kwargs.items()})
        checks = [replace(p, other_way=o) for p, o in zip(primary.checks, other.checks, strict=True)]
        return replace(primary, checks=checks, other_status=other.status)
    return read_by_rule


# ---- the estimates checks are made of ------------------------------------------------------------
def require_same_seeds(*sweeps: Sweep) -> None:
    if any(s.seeds != sweeps[0].seeds for s in sweeps):
        raise ValueError("these sweeps were drawn with different seeds, so they cannot be compared "
                         "seed by seed: draw them with the same `seeds`")
    if any(s.runs != sweeps[0].runs for s in sweeps):
        raise ValueError("these sweeps split their seeds between different numbers of training runs, so they "
                         "cannot be compared seed by seed: train every LoRA with the same `runs` (lab.runs)")


def share_of(sw: Sweep, hits: np.ndarray) -> Estimate:
    """A share of ``sw``'s pictures with its interval (over its training runs, when it has several)."""
    return stats.share(hits, runs=sw.runs)


def gap(a: np.ndarray, b: np.ndarray) -> float:
    return float(a.mean() - b.mean())


def difference(pos: Sequence[np.ndarray], neg: Sequence[np.ndarray], runs=None) -> Estimate:
    """mean of the ``pos`` shares minus mean of the ``neg`` shares (per-seed 0/1 arrays on the same
    seeds), with the wider of two 95 % intervals: the paired bootstrap over seeds (over training
    ``runs`` first, when the seeds came from several), and Newcombe's square-and-add of the pooled
    Wilson intervals (which ignores the pairing, so it is the wider when the two sides agree seed
    by seed, and never zero-width when every picture agrees)."""
    k = len(pos)

    def stat(*arrs):
        return float(np.mean([a.mean() for a in arrs[:k]]) - np.mean([a.mean() for a in arrs[k:]]))
    boot = stats.bootstrap(stat, *pos, *neg, runs=runs)
    P, N = np.concatenate(pos).astype(bool), np.concatenate(neg).astype(bool)
    lo, hi = stats.newcombe(int(P.sum()), P.size, int(N.sum()), N.size)
    return Estimate(boot.value, min(boot.lo, float(lo)), max(boot.hi, float(hi)), len(pos[0]), boot.per_run)

