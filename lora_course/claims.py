"""The article's claims as measurable tests, and their verdicts.

Each function takes the measurements of one experiment (:class:`lora_course.evaluation.Sweep`)
and returns a :class:`Verdict`, computed from the numbers, never typed in. The thresholds are
fixed here, before any experiment is run, and are the same for every reader:

* ``HIGH = 0.5``: a character "holds" at a point when at least half of the images show all of
  her identity attributes (hair colour, hair length, eyes, dress, ears);
* ``MOST = 0.5``: "most images" means more than half;
* ``GAP = 0.4``: a difference the article would call clear is 40 points of identity fidelity;
* ``LOW = 0.3`` / ``CONTROL = 0.7``: a feature is "hard to get" below 30 % of images and
  "controlled" above 70 %;
* ``SAME = 0.2``: two fidelities within 20 points are "the same quality" (half of ``GAP``).

Every check is decided on a 95 % interval (:mod:`lora_course.stats`): it passes only when the
interval clears its threshold, fails when it misses it entirely, and is *undecided* ("not shown
at N seeds") when it straddles it. A difference of two shares gets the wider of the paired
bootstrap and Newcombe's square-and-add interval (:func:`_difference`).

**Each claim's counting rule** says how a reading the tagger calls ``unclear`` (a picture between
two values: two different eyes, a half-open mouth) counts:

* **C1–C7, the article's claims** (:func:`by_rule`), as pre-registered for the article's regime
  (docs/preregistration/J_E5.md): an unclear picture does *not* show what is asked (not her, not
  the tag), under every prompt of a check alike, so a difference reads both its prompts the same
  way. Why: the article's pictures show a clean her, a clean closed mouth, a seated her; an
  in-between picture is neither what the article got nor what the prompt asked for. The other
  reading (unclear counted as what was asked) is computed beside every check and printed where
  it would change an outcome or the status; it never decides. Their checks sit at fixed grid
  weights (0, 0.6, 1): no weight is searched for.
* **T, P, R, W, the course's own claims** (:func:`both_readings`): each check counted both ways,
  as the claim is written (against it) and the other way round; a check passes only if it passes
  both ways, fails only if it fails both ways, and is otherwise undecided ("the unclear pictures
  decide it", which more seeds cannot change). Where one measure enters both sides of a
  difference or a spread, both readings flip it together.

Beyond the article (notebooks 09-12), claims T, P, R and W test what the article states without
showing, with the same thresholds.

A verdict prints as one line the course's report collects::

    VERDICT C1 | REPRODUCED | fidelity of `weiwei`: 0.00 without the LoRA, 0.94 at w=1

:class:`Verdict` is the course's one verdict type: :meth:`Verdict.line` prints that line and
:meth:`Verdict.parse` reads it back (what :mod:`lora_course.report` does with the notebooks'
outputs). This module imports no model code at run time (the sweeps are only annotations), so the
report can read verdicts without loading torch.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence

import numpy as np

from . import stats, world
from .stats import Estimate

if TYPE_CHECKING:                     # annotations only: importing claims loads no model code
    from .evaluation import Sweep

HIGH = 0.5
MOST = 0.5
GAP = 0.4
LOW = 0.3
CONTROL = 0.7
SAME = 0.2

#: A verdict's status, from its checks: all pass, some pass and some fail, all fail, or not
#: decided at the seeds drawn (see :func:`status_of`).
REPRODUCED, PARTLY, NOT_REPRODUCED, UNDECIDED = "REPRODUCED", "PARTLY", "NOT REPRODUCED", "UNDECIDED"
STATUSES = (REPRODUCED, PARTLY, NOT_REPRODUCED, UNDECIDED)
#: Each status in Chinese, with what it means (printed under every verdict line: 结论 = verdict).
STATUS_ZH = {REPRODUCED: "复现：每一项检验的 95 % 区间都越过了门槛",
             PARTLY: "部分复现：有的检验通过，有的没有通过",
             NOT_REPRODUCED: "未复现：没有一项检验通过",
             UNDECIDED: "未定：有检验的区间跨在门槛上，在这些种子上定不下来（检验行写明多少种子能定，或为何定不了）"}
#: A printed verdict line: ``VERDICT <claim> | <STATUS> | <summary>``, at the start of a line. Any
#: upper-case status is read (a notebook may print its own); the summary may hold ``|``.
VERDICT_RE = re.compile(r"^VERDICT (\S+) \| ([A-Z ]+) \| (.*)$")

#: (The seeds, prompts and weights each claim is drawn with are declared in
#: :mod:`lora_course.experiments`.)

CLAIMS = {
    "C1": "a LoRA trained on one image tagged only `weiwei` reproduces her on `weiwei`",
    "C2": "at w=1.0 `1girl` is hijacked too; at w=0.6 `weiwei` holds while `1girl` shows other features",
    "C3": "`red hair` needs full weight to reproduce her; `long hair` works at lower weight",
    "C4": "with `fox` as trigger, lowering w brings back fox features (the animal)",
    "C5": "a feature absent from the training set (closed mouth) is hard to get; two tagged images "
          "make it controllable",
    "C6": "`open mouth`+`crying` gives a crying open mouth; `closed mouth`+`smile` a closed smile",
    "C7": "poses absent from the training set cost fidelity",
    "T": "(the thesis) tags don't change how well a LoRA learns the character; they change control "
         "and leakage",
    "P": "possession (夺舍) of a known word damages unrelated prompts more than a puppet (傀儡) does; "
         "a host that resembles the caster (`long hair`) is possessed at a lower weight than one "
         "that does not (`red hair`)",
    "R": "the remedies work: prior-preservation pictures stop the `1girl` hijack; sitting pictures "
         "give her sitting",
    "W": "for every LoRA of the course some weight keeps her while the prompt's other tags work",
}


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
    def outcome(self) -> str:
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
        return {"what": self.what, "value": e.value, "lo": e.lo, "hi": e.hi, "seeds": e.n,
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
    def outcome(self) -> str:
        if self.fixed is not None:
            return self.fixed
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
    status: str
    summary: str
    checks: List[Check] = field(default_factory=list)
    numbers: Dict[str, float] = field(default_factory=dict)
    #: the status with every unclear picture counted the other way (a claim decided by a counting
    #: rule, :func:`by_rule`); ``None`` for a claim that reads its pictures both ways
    other_status: Optional[str] = None

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
        return cls(m.group(1), m.group(2).strip(), m.group(3).strip())

    def check_lines(self) -> List[str]:
        """The claim, one line per check, and how many seeds (what precedes the verdict line)."""
        lines = [f"{self.claim}: {CLAIMS.get(self.claim, '')}"]
        lines += [f"  [{MARKS[c.outcome]}] {c}" for c in self.checks]
        if self.checks:
            seeds, runs = max(c.seeds for c in self.checks), max(c.runs for c in self.checks)
            hw = [c.half_width for c in self.checks if c.half_width == c.half_width]
            per = f"{seeds} seeds per point" + (f", split between {runs} training runs of each LoRA" if runs > 1 else "")
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
    def outcomes(self) -> List[str]:
        return [c.outcome for c in self.checks]

    def show(self, regime: Optional[str] = None) -> None:
        """Print the checks and the verdict line (what the notebooks' last cell does). With
        ``regime`` (e.g. ``"600 steps"``), the same checks on another LoRA, shown beside the
        notebook's verdict: printed as ``AT <regime> <claim> | …``, not a ``VERDICT`` line (the
        report collects one verdict per notebook: the course recipe's)."""
        if regime is None:
            print(self)
            return
        print("\n".join([*self.check_lines(), f"AT {regime} {self.claim} | {self.status} | {self.summary}",
                         f"{regime}：{STATUS_ZH.get(self.status, self.status)}", *self.sensitivity()]))


def status_of(outcomes: Sequence[str]) -> str:
    """The verdict's status from its checks' outcomes: the status every resolution of the
    undecided checks would give, or UNDECIDED when they could change it."""
    if all(o == stats.PASS for o in outcomes):
        return REPRODUCED
    if all(o == stats.FAIL for o in outcomes):
        return NOT_REPRODUCED
    if stats.PASS in outcomes and stats.FAIL in outcomes:
        return PARTLY
    return UNDECIDED


def _verdict(claim: str, checks: Sequence[Check], summary: str, numbers: Dict[str, float]) -> Verdict:
    return Verdict(claim, status_of([c.outcome for c in checks]), summary, list(checks),
                   {k: round(v, 2) for k, v in numbers.items()})


def _check(*parts: Part, text: str = "") -> Check:
    return Check(tuple(parts), text)


def _flipped(arg):
    """A sweep (or a dict of sweeps) read the other way round (:meth:`Sweep.unclear_flipped`)."""
    if hasattr(arg, "unclear_flipped"):
        return arg.unclear_flipped()
    if isinstance(arg, dict):
        return {k: _flipped(v) for k, v in arg.items()}
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
        other_way = claim(*(_flipped(a) for a in args), **{k: _flipped(v) for k, v in kwargs.items()})
        checks = [_combined(a, f) for a, f in zip(as_written.checks, other_way.checks, strict=True)]
        return Verdict(as_written.claim, status_of([c.outcome for c in checks]), as_written.summary, checks,
                       as_written.numbers)
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
        other = claim(*(_flipped(a) for a in args), **{k: _flipped(v) for k, v in kwargs.items()})
        checks = [replace(p, other_way=o) for p, o in zip(primary.checks, other.checks, strict=True)]
        return Verdict(primary.claim, primary.status, primary.summary, checks, primary.numbers,
                       other_status=other.status)
    return read_by_rule


# ---- per-seed measurements and their statistics ------------------------------------------------
def lowest_weight(sw: Sweep, prompt: str, level: float = HIGH) -> Optional[float]:
    """The lowest weight of the sweep at which ``prompt`` is her on at least ``level`` of the
    seeds (None: at none of them). Descriptive (notebook 10's table); no check reads it."""
    return next((w for w in sw.weights if sw.her(prompt, w).mean() >= level), None)


def _same_seeds(*sweeps: Sweep) -> None:
    if any(s.seeds != sweeps[0].seeds for s in sweeps):
        raise ValueError("these sweeps were drawn with different seeds, so they cannot be compared "
                         "seed by seed: draw them with the same `seeds`")
    if any(s.runs != sweeps[0].runs for s in sweeps):
        raise ValueError("these sweeps split their seeds between different numbers of training runs, so they "
                         "cannot be compared seed by seed: train every LoRA with the same `runs` (lab.runs)")


def share_of(sw: Sweep, hits: np.ndarray) -> Estimate:
    """A share of ``sw``'s pictures with its interval (over its training runs, when it has several)."""
    return stats.share(hits, runs=sw.runs)


def _gap(a: np.ndarray, b: np.ndarray) -> float:
    return float(a.mean() - b.mean())


def _difference(pos: Sequence[np.ndarray], neg: Sequence[np.ndarray], runs=None) -> Estimate:
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


#: The article's seven claims (C1–C7) are decided with the checks and the counting rule
#: pre-registered for the article's regime (docs/preregistration/J_E5.md), at fixed grid weights:
#: no weight is searched for, so no lowest weight, no best weight, no sentinel. The rule: a picture
#: whose reading is ``unclear`` in a group a number looks at does **not** show what is asked (not
#: her, not the tag), under every prompt of a check alike, so a difference reads both of its
#: prompts the same way (:func:`by_rule`). The other reading is computed beside it as sensitivity.


@by_rule
def c1(sw: Sweep, prompt: str = "weiwei") -> Verdict:
    """One picture, one tag. Her at w = 1 ≥ 0.5; her at w = 0 (the base alone) ≤ 0.1."""
    f0, f1 = share_of(sw, sw.her(prompt, 0.0)), share_of(sw, sw.her(prompt, 1.0))
    checks = [_check(Part(f"with the LoRA (w=1) `{prompt}` is her (all her identity tags) in a share", f1, HIGH,
                          share=True)),
              _check(Part("without it (w=0)", f0, 0.1, at_least=False, share=True))]
    return _verdict("C1", checks, f"fidelity of `{prompt}`: {f0} without the LoRA, {f1} at w=1",
                    {"fidelity_w0": f0.value, "fidelity_w1": f1.value})


@by_rule
def c2(sw: Sweep, trigger: str = "weiwei", host: str = "1girl") -> Verdict:
    """The `1girl` hijack. At w = 1 `1girl` is her ≥ 0.5; at w = 0.6 `weiwei` is her ≥ 0.5, and her
    on `weiwei` minus her on `1girl` ≥ 0.4 (the puppet holds while the host shows its own)."""
    h1 = share_of(sw, sw.her(host, 1.0))
    t6h, h6h = sw.her(trigger, 0.6), sw.her(host, 0.6)
    t6, h6, gap = share_of(sw, t6h), share_of(sw, h6h), _difference([t6h], [h6h], sw.runs)
    checks = [_check(Part(f"at w=1 `{host}` is hijacked: share of its pictures that are her", h1, MOST, share=True)),
              _check(Part(f"at w=0.6 `{trigger}` holds", t6, HIGH, share=True)),
              _check(Part(f"at w=0.6 her on `{trigger}` minus her on `{host}` ({h6}), the puppet's lead", gap, GAP))]
    return _verdict("C2", checks, f"w=1: `{host}` {h1}; w=0.6: `{trigger}` {t6} vs `{host}` {h6}, lead {gap}",
                    {"host_w1": h1.value, "trigger_w06": t6.value, "host_w06": h6.value, "gap_w06": gap.value})


@by_rule
def c3(sw: Sweep, mismatch: str = "red hair", match: str = "long hair") -> Verdict:
    """A host unlike the caster needs full weight. `red hair` at w = 1 is her ≥ 0.5 and at w = 0.6
    ≤ 0.3; `long hair` (like her) at w = 0.6 is her ≥ 0.5."""
    r1, r6 = share_of(sw, sw.her(mismatch, 1.0)), share_of(sw, sw.her(mismatch, 0.6))
    l6 = share_of(sw, sw.her(match, 0.6))
    checks = [_check(Part(f"at w=1 `{mismatch}` is her", r1, HIGH, share=True)),
              _check(Part(f"at w=0.6 `{mismatch}` is her", r6, LOW, at_least=False, share=True)),
              _check(Part(f"at w=0.6 `{match}` is her", l6, HIGH, share=True))]
    return _verdict("C3", checks, f"`{mismatch}` her {r1} at w=1, {r6} at w=0.6; `{match}` her {l6} at w=0.6",
                    {"mismatch_w1": r1.value, "mismatch_w06": r6.value, "match_w06": l6.value})


@by_rule
def c4(sw: Sweep, prompt: str = "fox") -> Verdict:
    """A known word as trigger. `fox` at w = 1 is her ≥ 0.5; the animal at w = 0.6 minus at w = 1
    ≥ 0.3 (it comes back as the weight drops) while `fox` at w = 0.6 is still her ≥ 0.3."""
    f1, f6 = share_of(sw, sw.her(prompt, 1.0)), share_of(sw, sw.her(prompt, 0.6))
    a6, a1 = sw.shows(["fox"], prompt, 0.6), sw.shows(["fox"], prompt, 1.0)
    back = _difference([a6], [a1], sw.runs)
    checks = [_check(Part(f"at w=1 `{prompt}` draws her", f1, HIGH, share=True)),
              _check(Part(f"the animal at w=0.6 ({share_of(sw, a6)}) minus at w=1 ({share_of(sw, a1)})", back, LOW)),
              _check(Part(f"at w=0.6 `{prompt}` is still her", f6, LOW, share=True))]
    return _verdict("C4", checks, f"`{prompt}`: her {f1} at w=1, {f6} at w=0.6; the animal comes back by {back}",
                    {"fidelity_w1": f1.value, "fidelity_w06": f6.value, "animal_w1": float(a1.mean()),
                     "animal_w06": float(a6.mean())})


@by_rule
def c5(one: Sweep, two: Sweep, weight: float = 1.0) -> Verdict:
    """A feature the set never shows is hard to get. One open-mouth picture: `weiwei, closed mouth`
    is her with a closed mouth ≤ 0.3; two tagged pictures: her with a closed mouth ≥ 0.7 and her
    with an open mouth ≥ 0.7, each on request."""
    po, pc = "weiwei, open mouth", "weiwei, closed mouth"
    c_one = share_of(one, one.her_and(pc, weight, ["closed mouth"]))
    c_two = share_of(two, two.her_and(pc, weight, ["closed mouth"]))
    o_two = share_of(two, two.her_and(po, weight, ["open mouth"]))
    checks = [_check(Part(f"one open-mouth picture: `{pc}` is her with a closed mouth", c_one, LOW,
                          at_least=False, share=True)),
              _check(Part("two tagged pictures: her with a closed mouth on request", c_two, CONTROL, share=True)),
              _check(Part("two tagged pictures: her with an open mouth on request", o_two, CONTROL, share=True))]
    return _verdict("C5", checks, f"her with a closed mouth on request: {c_one} (one picture) → {c_two} "
                                  f"(two pictures); open {o_two}",
                    {"closed_one": c_one.value, "closed_two": c_two.value, "open_two": o_two.value})


@by_rule
def c6(sw: Sweep, without: Sweep, weight: float = 1.0) -> Verdict:
    """Tags make combinations. `weiwei, open mouth, crying` is her crying with the mouth open
    ≥ 0.7; `weiwei, closed mouth, smile` her smiling with the mouth closed ≥ 0.7; and the two
    together minus the same on ``without`` (a LoRA whose captions lack `crying` and `smile`,
    notebook 06's two-picture set) ≥ 0.3: the tags made the combination, not the base alone."""
    _same_seeds(sw, without)
    pc, ps = "weiwei, open mouth, crying", "weiwei, closed mouth, smile"
    cry, smile = sw.her_and(pc, weight, ["open mouth", "crying"]), sw.her_and(ps, weight, ["closed mouth", "smile"])
    cry0 = without.her_and(pc, weight, ["open mouth", "crying"])
    smile0 = without.her_and(ps, weight, ["closed mouth", "smile"])
    lead = _difference([cry, smile], [cry0, smile0], sw.runs)
    c, s_, c0, s0 = (share_of(sw, x) for x in (cry, smile, cry0, smile0))
    checks = [_check(Part(f"`{pc}`: her, crying, mouth open", c, CONTROL, share=True)),
              _check(Part(f"`{ps}`: her, smiling, mouth closed", s_, CONTROL, share=True)),
              _check(Part(f"both, minus the same with captions lacking `crying`/`smile` ({c0}, {s0})", lead, LOW))]
    return _verdict("C6", checks, f"her crying with the mouth open {c}, smiling with it closed {s_} at w={weight:g}; "
                                  f"without the tags {c0}, {s0}",
                    {"cry_open": c.value, "smile_closed": s_.value, "cry_open_without": c0.value,
                     "smile_closed_without": s0.value})


@by_rule
def c7(sw: Sweep, sitting: str = "weiwei, sitting", standing: str = "weiwei, standing") -> Verdict:
    """Poses the set never shows cost fidelity. `weiwei, sitting` sits at w = 1 ≤ 0.3 and at
    w = 0.6 ≥ 0.5; her standing at w = 1 minus her *and* sitting at w = 0.6 ≥ 0.3."""
    sit1 = share_of(sw, sw.shows(["sitting"], sitting, 1.0))
    sit6 = share_of(sw, sw.shows(["sitting"], sitting, 0.6))
    stand, joint = sw.her(standing, 1.0), sw.her_and(sitting, 0.6, ["sitting"])
    lost = _difference([stand], [joint], sw.runs)
    checks = [_check(Part(f"at w=1 `{sitting}` sits", sit1, LOW, at_least=False, share=True)),
              _check(Part(f"at w=0.6 `{sitting}` sits", sit6, HIGH, share=True)),
              _check(Part(f"her standing at w=1 ({share_of(sw, stand)}) minus her *and* sitting at w=0.6 "
                          f"({share_of(sw, joint)})", lost, LOW))]
    return _verdict("C7", checks, f"sitting {sit1} at w=1, {sit6} at w=0.6; her sitting at w=0.6 {share_of(sw, joint)} "
                                  f"vs her standing {share_of(sw, stand)}",
                    {"sitting_w1": sit1.value, "sitting_w06": sit6.value, "joint_w06": float(joint.mean()),
                     "standing_fidelity": float(stand.mean())})


# ---------------------------------------------------------------------------------------------
# Beyond the article
# ---------------------------------------------------------------------------------------------
#: Claim T's prompts: how each captioning is used (its own prompt), what control asks for
#: (trigger + one tag the pictures vary or don't show), where leakage is looked for.
THESIS_PROMPTS = {"trigger": "weiwei", "pruned": "weiwei",
                  "full": "weiwei, 1girl, white hair, long hair, blue eyes, pink dress, fox ears"}
THESIS_CONTROL = {"weiwei, closed mouth": "closed mouth", "weiwei, sitting": "sitting",
                  "weiwei, red hair": "red hair"}
THESIS_LEAK = "1girl"


def drift_estimate(sw: Sweep, prompts: Sequence[str], weight: float, reference: float = 0.0,
                   against: Optional[Sweep] = None) -> Estimate:
    """:meth:`~lora_course.evaluation.Sweep.drift` with its 95 % bootstrap interval (the seeds
    resampled together at both points: the same seed is the same noise), corrected for the bias of
    finite samples (:func:`lora_course.stats.drift`: no movement reads about 0)."""
    ref = sw if against is None else against
    _same_seeds(sw, ref)
    at = np.concatenate([sw.onehot(p, weight) for p in prompts], axis=1)
    base = np.concatenate([ref.onehot(p, reference) for p in prompts], axis=1)
    return stats.drift(at, base, runs=sw.runs)


def thesis_numbers(sweeps: Dict[str, Sweep], weight: float = 1.0,
                   base: Optional[Sweep] = None) -> Dict[str, Dict[str, Estimate]]:
    """Per captioning, each with its 95 % interval: ``quality`` (fidelity of its own prompt),
    ``control`` (mean share of her *with* the asked tag over :data:`THESIS_CONTROL`, and each alone),
    ``leakage`` (how far `1girl` moved from the base model: fidelity to her, and the drift of
    every group). The base model's `1girl` (w = 0) is read from ``base`` when given, else from
    each sweep."""
    out = {}
    for how, sw in sweeps.items():
        asked = [_her_with(sw, p, weight, t) for p, t in THESIS_CONTROL.items()]
        out[how] = {"quality": share_of(sw, sw.her(THESIS_PROMPTS[how], weight)),
                    "trigger alone": share_of(sw, sw.her("weiwei", weight)),
                    "control": stats.bootstrap(np.mean, np.mean(asked, axis=0), runs=sw.runs),
                    **{f"control: {t}": share_of(sw, hits) for t, hits in zip(THESIS_CONTROL.values(), asked)},
                    "leakage: 1girl is her": share_of(sw, sw.her(THESIS_LEAK, weight)),
                    "leakage: 1girl drift": drift_estimate(sw, [THESIS_LEAK], weight, against=base)}
    return out


def _her_with(sw: Sweep, prompt: str, weight: float, tag: str) -> np.ndarray:
    """Per seed: her in every identity group but the one ``tag`` changes, and showing ``tag``
    (her with red hair: her ears, eyes, dress and hair length, and red hair). The base model
    obeys every control tag by itself; it never draws her with it."""
    groups = [g for g in world.IDENTITY_GROUPS if g != world.TAG_TO_GROUP[tag]]
    return sw.her(prompt, weight, groups=groups) & sw.shows([tag], prompt, weight)


def _spread(m: np.ndarray) -> float:
    """Largest minus smallest column mean of a seeds × conditions array."""
    means = m.mean(0)
    return float(means.max() - means.min())


def _best(m: np.ndarray) -> float:
    return float(m.mean(0).max())


def _spread_estimate(m: np.ndarray, runs=None) -> Estimate:
    """:func:`_spread` with its bootstrap interval (over runs, then seeds); for pictures counted
    0/1, widened to at least Newcombe's interval of the largest column minus the smallest (clipped
    at 0), so that columns that agree on every picture do not give a zero-width interval."""
    boot = stats.bootstrap(_spread, m, runs=runs)
    if not np.isin(m, (0, 1)).all():
        return boot
    k, n = m.sum(0), m.shape[0]
    lo, hi = stats.newcombe(int(k.max()), n, int(k.min()), n)
    return replace(boot, lo=max(0.0, min(boot.lo, lo)), hi=max(boot.hi, hi))


def _best_estimate(m: np.ndarray, runs=None) -> Estimate:
    """:func:`_best` with its bootstrap interval, widened to at least the Wilson interval of the
    best column (pictures counted 0/1)."""
    boot = stats.bootstrap(_best, m, runs=runs)
    lo, hi = stats.wilson(int(m.sum(0).max()), m.shape[0])
    return replace(boot, lo=min(boot.lo, lo), hi=max(boot.hi, hi))


@both_readings
def thesis(sweeps: Dict[str, Sweep], weight: float = 1.0, base: Optional[Sweep] = None) -> Verdict:
    """Claim T from one sweep per captioning (``trigger``, ``full``, ``pruned``): the same quality
    (each captioning's own prompt), *and* different control *and* different leakage — both halves
    of the thesis's second sentence, each spread decided on its interval."""
    hows = list(sweeps)
    _same_seeds(*sweeps.values())
    quality = np.stack([sweeps[h].her(THESIS_PROMPTS[h], weight) for h in hows], axis=1)
    control = np.stack([np.mean([_her_with(sweeps[h], p, weight, t) for p, t in THESIS_CONTROL.items()], axis=0)
                        for h in hows], axis=1)
    leak = np.stack([sweeps[h].her(THESIS_LEAK, weight) for h in hows], axis=1)
    runs = sweeps[hows[0]].runs
    q_best, q_spread = _best_estimate(quality, runs), _spread_estimate(quality, runs)
    c_spread, l_spread = _spread_estimate(control, runs), _spread_estimate(leak, runs)

    def fmt(m):
        return ", ".join(f"{h} {v:.2f}" for h, v in zip(hows, m.mean(0)))
    checks = [_check(Part("the best captioning's fidelity with its own prompt", q_best, HIGH),
                     Part(f"the spread over captionings ({fmt(quality)})", q_spread, SAME, at_least=False),
                     text="the same quality"),
              _check(Part(f"control: spread of her *with* the asked tag ({fmt(control)})", c_spread, LOW),
                     Part(f"leakage: spread of `{THESIS_LEAK}` being her ({fmt(leak)})", l_spread, LOW),
                     text="different control *and* different leakage")]
    return _verdict("T", checks, f"quality {fmt(quality)} (spread {q_spread}); control {fmt(control)} "
                                 f"(spread {c_spread}); `1girl` hijacked {fmt(leak)} (spread {l_spread}) (w={weight:g})",
                    {**{f"quality_{h}": v for h, v in zip(hows, quality.mean(0))},
                     **{f"control_{h}": v for h, v in zip(hows, control.mean(0))},
                     **{f"leak_{h}": v for h, v in zip(hows, leak.mean(0))}})


#: Claim P's unrelated prompt: it names none of the trigger words (weiwei, 1girl, fox, long hair,
#: red hair) and asks for someone else in every group, so any of her that shows is damage.
UNRELATED = ("black hair, short hair, green eyes, blue dress, cat ears, sitting",)
PUPPET = "weiwei"
#: The weights the unrelated prompt is drawn at: the base model, the course's working weight and
#: full strength (when each word falls needs the finer grid; the damage needs a few points).
DRIFT_WEIGHTS = (0.0, 0.6, 1.0)


def _drift_onehots(sw: Sweep, prompts: Sequence[str]) -> np.ndarray:
    """seeds × weights × (prompts · groups) × values: the readings of ``prompts`` at every weight."""
    return np.stack([np.concatenate([sw.onehot(p, w) for p in prompts], axis=1) for w in sw.weights], axis=1)


def _2(x: float) -> str:
    """Two decimals, and a bias-corrected drift a hair below zero prints as 0.00, not -0.00."""
    return f"{round(x, 2) + 0.0:.2f}"


def _damage(oh: np.ndarray) -> float:
    """Mean over the weights above the first (w = 0) of the drift from the first (uncorrected:
    :func:`_damage_bias` is its bias)."""
    return float(np.mean([stats.tv_of_onehots(oh[:, j], oh[:, 0]) for j in range(1, oh.shape[1])]))


def _damage_bias(oh: np.ndarray) -> float:
    """The bias of :func:`_damage` (:func:`lora_course.stats.tv_null` at each weight), computed once
    on all seeds and subtracted from the damage and from every bootstrap resample of it."""
    return float(np.mean([stats.tv_null(oh[:, j], oh[:, 0]) for j in range(1, oh.shape[1])]))


@both_readings
def possession(sweeps: Dict[str, Sweep], drifts: Optional[Dict[str, Sweep]] = None,
               unrelated: Sequence[str] = UNRELATED, resembles: str = "long hair",
               differs: str = "red hair") -> Verdict:
    """Claim P from one sweep per trigger word: ``sweeps`` has the trigger's own prompt (when is
    the word possessed), ``drifts`` the ``unrelated`` prompts (the damage; default: ``sweeps``).
    The damage of possession must exceed the puppet's with an interval clear of 0 (paired over
    seeds: every LoRA is drawn with the same seeds)."""
    drifts = sweeps if drifts is None else drifts
    _same_seeds(*drifts.values(), *sweeps.values())
    if any(sw.weights != sweeps[resembles].weights for sw in sweeps.values()) or \
            any(d.weights != next(iter(drifts.values())).weights or d.weights[0] != 0.0 for d in drifts.values()):
        raise ValueError("claim P compares its sweeps weight by weight: draw every trigger's sweep at the same "
                         "weights, and every drift sweep at the same weights starting at w=0 (the base model)")
    words = list(drifts)
    possessed = [t for t in words if t != PUPPET]
    oh = {t: _drift_onehots(drifts[t], list(unrelated)) for t in words}
    bias = {t: _damage_bias(oh[t]) for t in words}
    damage = {t: _damage(oh[t]) - bias[t] for t in words}

    def excess(*arrays):
        d = {t: _damage(x) - bias[t] for t, x in zip(words, arrays)}
        return float(np.mean([d[t] for t in possessed]) - d[PUPPET])
    runs = drifts[PUPPET].runs
    more = stats.bootstrap(excess, *(oh[t] for t in words), n_boot=1000, runs=runs)
    mean_possessed = float(np.mean([damage[t] for t in possessed]))
    # the resembling host falls first: at w = 0.6 it is her more often than the differing one, both
    # read alike (the same weight, no searched lowest weight)
    r6, d6 = sweeps[resembles].her(resembles, 0.6), sweeps[differs].her(differs, 0.6)
    first = _difference([r6], [d6], runs)
    checks = [_check(Part(f"unrelated prompts drift more under possession: mean drift {_2(mean_possessed)} "
                          f"(`{'`, `'.join(possessed)}`) minus {_2(damage[PUPPET])} for the puppet `{PUPPET}`",
                          more, 0.0, strict=True)),
              _check(Part(f"at w=0.6 `{resembles}` is her ({share_of(sweeps[resembles], r6)}) more often than `{differs}` "
                          f"({share_of(sweeps[differs], d6)}): the difference", first, LOW))]
    return _verdict("P", checks, "drift of unrelated prompts (mean over w>0): "
                    + ", ".join(f"`{t}` {_2(v)}" for t, v in damage.items())
                    + f" (possession minus puppet {more}); at w=0.6 `{resembles}` her {share_of(sweeps[resembles], r6)}, "
                      f"`{differs}` {share_of(sweeps[differs], d6)}",
                    {**{f"drift_{t}": v for t, v in damage.items()}, "drift_excess": more.value,
                     "resembles_w06": float(r6.mean()), "differs_w06": float(d6.mean())})


@both_readings
def remedies(plain: Sweep, reg: Sweep, plain_pose: Sweep, varied_pose: Sweep, weight: float = 1.0) -> Verdict:
    """Claim R: prior preservation (``reg``, vs the ``plain`` LoRA on `weiwei` and `1girl`) and
    sitting pictures (``varied_pose`` vs ``plain_pose`` on `weiwei, sitting`)."""
    _same_seeds(plain, reg, plain_pose, varied_pose)
    hp, hr = plain.her("1girl", weight), reg.her("1girl", weight, unclear_counts=True)
    h0, h1, t1 = share_of(plain, hp), share_of(reg, hr), share_of(reg, reg.her("weiwei", weight))
    drop = stats.bootstrap(_gap, hp, hr, runs=plain.runs)
    s0 = share_of(plain_pose, plain_pose.her_and("weiwei, sitting", weight, ["sitting"], unclear_counts=True))
    s1 = share_of(varied_pose, varied_pose.her_and("weiwei, sitting", weight, ["sitting"]))
    checks = [_check(Part(f"`1girl` is her {h0} → {h1} with prior preservation: the drop", drop, GAP),
                     Part("`weiwei` with prior preservation", t1, HIGH, share=True),
                     text="prior preservation stops the hijack"),
              _check(Part("her *and* sitting without sitting pictures", s0, LOW, at_least=False, share=True),
                     Part("with them", s1, HIGH, share=True),
                     text="sitting pictures give her sitting")]
    return _verdict("R", checks, f"w={weight:g}: `1girl` hijacked {h0} → {h1} with prior preservation "
                                 f"(`weiwei` {t1}); her sitting {s0} → {s1} with sitting pictures",
                    {"hijack_plain": h0.value, "hijack_reg": h1.value, "weiwei_reg": t1.value,
                     "sitting_plain": s0.value, "sitting_varied": s1.value})


def weight_guide(advice: Dict[str, "object"]) -> Verdict:
    """Claim W from the guide's advice per LoRA (:func:`lora_course.weight_guide.recommend`, which
    asks the *lower bounds* of fidelity and adherence to clear their bars: a LoRA with no such
    weight is refuted when at every weight an upper bound misses a bar, with its unclear pictures
    counted either way, undecided otherwise)."""
    found = {n: a for n, a in advice.items() if a.weight is not None}
    refuted = [k for k, a in advice.items() if a.weight is None and a.refuted]
    open_ = [k for k, a in advice.items() if a.weight is None and not a.refuted]
    n = max((a.n for a in advice.values()), default=0)
    runs = max((len(e.per_run or ()) for a in advice.values() for e in a.fidelity_est), default=0) or 1
    at = f"{n} seeds" + (f" and {runs} training runs" if runs > 1 else "")
    first = stats.FAIL if refuted else stats.UNDECIDED if open_ else stats.PASS
    second = (stats.PASS if any(a.weight < 1.0 for a in found.values())
              else stats.UNDECIDED if open_ else stats.FAIL)
    by_unclear = [k for k in open_ if advice[k].unclear_weight is not None]
    by_seeds = [k for k in open_ if k not in by_unclear]
    missing = (f" (none for: {', '.join(refuted)})" if refuted else "") + \
              (f" (not shown at {at} for: {', '.join(by_seeds)})" if by_seeds else "") + \
              (f" (the unclear pictures decide it for: {', '.join(by_unclear)})" if by_unclear else "")
    checks = [Check((), f"a weight whose lower bounds clear both bars, for {len(found)} of {len(advice)} LoRAs"
                    + missing, fixed=first, seeds_n=n, runs_n=runs),
              Check((), "for some LoRA that weight is below full: "
                    + (", ".join(f"{k} w={a.weight:g}" for k, a in found.items()) or "none"), fixed=second, seeds_n=n, runs_n=runs)]
    return _verdict("W", checks, "; ".join(f"{k}: {a.decided_on()}" for k, a in advice.items()),
                    {f"w_{k}": (a.weight if a.weight is not None else float("nan")) for k, a in advice.items()})
