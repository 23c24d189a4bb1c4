"""How sure a measured number is: 95 % intervals, and checks that pass only when the interval does.

A share measured on N seeds is an estimate: 29 of 32 pictures (0.91) could come from a LoRA that
draws her 76 % or 98 % of the time. The course states every share with its interval and decides
a check on the interval, not on the point:

* :func:`wilson` — the Wilson score interval of a share ``k / n`` (good at 0 and 1, where the
  simple ``p ± 1.96·sqrt(p(1-p)/n)`` collapses to a width of 0);
* :func:`bootstrap` — the percentile interval of any statistic of per-seed values (a difference,
  a gap, a drift), resampling the *seeds* with replacement; a statistic of several measurements
  made on the same seeds resamples them together (paired). When the pictures come from several
  training runs of a LoRA (``runs``: the run of each seed), it resamples the runs first, then the
  seeds within each run drawn (a two-level bootstrap), so the interval holds for "a LoRA trained
  this way", not only for the one run that was trained;
* :func:`decide` — an :class:`Outcome`: ``pass`` when the whole interval clears the threshold,
  ``fail`` when the whole interval misses it, ``undecided`` when it straddles it;
* :func:`tv_of_onehots` — how far two sets of per-seed readings differ (a drift), so that a drift
  can be bootstrapped over seeds; :func:`drift` corrects it for the bias of finite samples
  (:func:`tv_null`, a paired permutation null);
* :func:`all_of` — the outcome of a check made of several parts ("both ≥ 0.7");
* :func:`seeds_needed` — how many seeds would make a share's interval narrow enough to decide;
  :func:`seeds_to_decide` — the same for any estimate, from how its width shrinks (``1/√N``);
* :func:`confidence` — every interval made inside it at another level than 95 % (a claim drawn in
  looks spends its 5 % across them: :mod:`lora_course.measure.sequential`); :func:`level` says
  which level is in force, and each :class:`Estimate` keeps the level it was made at.

Pure numpy; every random draw comes from a seeded generator, so an interval is the same on every
run.
"""
from __future__ import annotations

import contextlib
import contextvars
import math
import types
from collections import OrderedDict
from dataclasses import dataclass, field
from enum import Enum
from statistics import NormalDist
from typing import Callable, Iterator, List, Optional, Sequence, Tuple

import numpy as np

#: The normal quantile of a two-sided 95 % interval.
Z95 = 1.959963984540054
#: Bootstrap resamples (enough for a stable 2.5 % / 97.5 % percentile to two decimals).
N_BOOT = 2000
#: The level of every interval unless :func:`confidence` says otherwise.
LEVEL = 0.95
_level = contextvars.ContextVar("interval_level", default=LEVEL)


def level() -> float:
    """The level of the intervals made now: 0.95 unless inside :func:`confidence`."""
    return _level.get()


@contextlib.contextmanager
def confidence(at: float) -> Iterator[float]:
    """Make every interval inside the ``with`` block at level ``at`` (e.g. 0.9875) instead of 0.95:
    Wilson's and Newcombe's ``z``, the bootstrap's percentiles and the seeds a share needs.

        with stats.confidence(0.9875):      # the first of three looks (sequential.SPEND)
            verdict = claims.c2(sw)
    """
    if not 0.5 <= at < 1:
        raise ValueError(f"confidence({at}): a level is a share between 0.5 and 1, e.g. 0.95 or 0.9875")
    token = _level.set(float(at))
    try:
        yield float(at)
    finally:
        _level.reset(token)


def z_of(at: Optional[float] = None) -> float:
    """The normal quantile of a two-sided interval at level ``at`` (default: :func:`level`)."""
    at = level() if at is None else at
    return Z95 if at == LEVEL else NormalDist().inv_cdf(0.5 + at / 2)


def tails(at: Optional[float] = None) -> Tuple[float, float]:
    """The bootstrap percentiles of a two-sided interval at level ``at`` (2.5 and 97.5 at 0.95)."""
    at = level() if at is None else at
    if at == LEVEL:
        return 2.5, 97.5
    return 50 * (1 - at), 50 * (1 + at)


class TextEnum(str, Enum):
    """An enum whose members are their text: each compares equal to it, hashes as it (a dict keyed
    by the text finds the member), prints and serialises as it."""

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    def __hash__(self) -> int:
        return hash(self.value)


class Outcome(TextEnum):
    """What a check's interval says against its bar (``Outcome.PASS == "pass"``)."""
    PASS = "pass"
    FAIL = "fail"
    UNDECIDED = "undecided"


PASS, FAIL, UNDECIDED = Outcome.PASS, Outcome.FAIL, Outcome.UNDECIDED


def wilson(k: float, n: int, z: Optional[float] = None) -> Tuple[float, float]:
    """The Wilson score interval of the share ``k / n`` (``(0, 1)`` when ``n`` is 0) at the level in
    force (:func:`level`) unless ``z`` is given."""
    z = z_of() if z is None else z
    if n <= 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe(k1: float, n1: int, k2: float, n2: int, z: Optional[float] = None) -> Tuple[float, float]:
    """Newcombe's square-and-add interval of ``k1/n1 − k2/n2`` from the two Wilson intervals
    (Newcombe 1998, method 10: 56/70 − 48/80 gives 0.0524 to 0.3339)."""
    p1, p2 = k1 / n1, k2 / n2
    (l1, u1), (l2, u2) = wilson(k1, n1, z), wilson(k2, n2, z)
    return (p1 - p2 - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
            p1 - p2 + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2))


@dataclass(frozen=True)
class Estimate:
    """A measured number with its interval (95 % unless made inside :func:`confidence`): ``str()``
    gives ``0.91 [0.76, 0.97]``."""
    value: float
    lo: float
    hi: float
    n: int = 0
    #: the value within each training run, when the seeds came from several (see :func:`share`)
    per_run: Optional[Tuple[float, ...]] = None
    #: the interval's level (:func:`level` when the estimate was made)
    level: float = field(default_factory=level)

    def __str__(self) -> str:
        return f"{self.value:.2f} [{self.lo:.2f}, {self.hi:.2f}]"

    def runs_text(self) -> str:
        """Each training run's value, ``runs 0.94 · 0.82 · 1.00`` (empty for one run)."""
        return "runs " + " · ".join(f"{v:.2f}" for v in self.per_run) if self.per_run else ""

    @property
    def width(self) -> float:
        return self.hi - self.lo


def share(hits: Sequence[bool], runs: Optional[Sequence[int]] = None) -> Estimate:
    """The share of ``True`` in ``hits`` (one per seed) with its Wilson interval. With ``runs``
    (the training run of each seed, more than one run): the two-level :func:`bootstrap` interval
    of the share, widened to at least the Wilson interval, and each run's own share in
    :attr:`Estimate.per_run`."""
    hits = np.asarray(hits, dtype=bool)
    lo, hi = wilson(int(hits.sum()), len(hits))
    value = float(hits.mean()) if len(hits) else float("nan")
    if runs is None or len(set(runs)) < 2:
        return Estimate(value, lo, hi, len(hits))
    boot = bootstrap(np.mean, hits, runs=runs)
    return Estimate(value, min(lo, boot.lo), max(hi, boot.hi), len(hits), boot.per_run)


def _run_labels(runs) -> list:
    return sorted(set(np.asarray(runs).tolist()))


def run_members(runs: Sequence[int]) -> List[np.ndarray]:
    """The seed indices of each training run in ``runs`` (one label per seed), runs in sorted order."""
    runs = np.asarray(runs)
    return [np.flatnonzero(runs == r) for r in _run_labels(runs)]


def resample(n: int, rng: np.random.Generator, runs: Optional[Sequence[int]] = None,
             members: Optional[List[np.ndarray]] = None) -> np.ndarray:
    """One bootstrap resample of ``n`` seed indices: the seeds with replacement, or, with ``runs``
    (the training run of each seed), as many runs as there are drawn with replacement and within
    each drawn run as many of its seeds as it has, with replacement (a two-level resample).
    ``members`` is :func:`run_members` of ``runs``, when the caller has it already (the same draws,
    without finding the runs' seeds again for every resample)."""
    if runs is None:
        return rng.integers(0, n, size=n)
    if members is None:
        members = run_members(runs)
    picked = rng.integers(0, len(members), size=len(members))
    return np.concatenate([members[r][rng.integers(0, len(members[r]), size=len(members[r]))] for r in picked])


def bootstrap(statistic: Callable[..., float], *per_seed: Sequence, n_boot: int = N_BOOT,
              seed: int = 0, runs: Optional[Sequence[int]] = None) -> Estimate:
    """``statistic(*arrays)`` on the measured per-seed arrays, with the percentile interval of
    ``n_boot`` resamples of the seeds. Every array has one row per seed, in the same seed order
    (paired): each resample picks the same seeds from all of them. With ``runs`` (the training
    run each seed's picture was drawn with), every resample draws the runs first, then seeds
    within them (:func:`resample`), and :attr:`Estimate.per_run` is the statistic on each run's
    own seeds."""
    arrays = [np.asarray(a) for a in per_seed]
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise ValueError(f"per-seed arrays of different lengths {[len(a) for a in arrays]}: pass "
                         "one row per seed, the same seeds in the same order")
    if runs is not None and len(runs) != n:
        raise ValueError(f"runs has {len(runs)} entries for {n} seeds: pass the training run of every seed")
    if runs is not None and len(set(np.asarray(runs).tolist())) < 2:
        runs = None
    key = _made_key(statistic, arrays, runs, n_boot, seed)
    if key is not None and key in _MADE:
        _MADE.move_to_end(key)
        return _MADE[key]
    est = _bootstrap(statistic, arrays, n, n_boot, seed, runs)
    if key is not None:
        _MADE[key] = est
        while len(_MADE) > MADE_MAX:
            _MADE.popitem(last=False)
    return est


#: How many bootstraps :func:`bootstrap` remembers (the most recently asked for).
MADE_MAX = 4096
#: The bootstraps made in this process, by what makes them (:func:`_made_key`): the same (pure)
#: statistic of the same per-seed values gives the same interval, so a notebook that reads a share
#: twice (both ways of counting unclear pictures, when none is unclear; a claim and its table)
#: makes it once.
_MADE: "OrderedDict[tuple, Estimate]" = OrderedDict()


def _made_key(statistic, arrays, runs, n_boot: int, seed) -> Optional[tuple]:
    """What makes a bootstrap: the statistic (a module-level function, which must be pure: the
    course's are), each array's values, dtype and shape, the runs, the resamples, the seed and the
    level in force. None (made, not remembered) for a closure or anything else that is not a plain
    function (a new one each call, which could never be asked for again), an array of objects (its
    bytes are not its values), or no seed."""
    plain = statistic is np.mean or (isinstance(statistic, types.FunctionType) and statistic.__closure__ is None)
    if not plain or seed is None or any(a.dtype.kind not in "biuf" for a in arrays):
        return None
    values = tuple((a.dtype.str, a.shape, a.tobytes()) for a in arrays)
    return (statistic, values, None if runs is None else tuple(np.asarray(runs).tolist()), int(n_boot), int(seed),
            level())


def _bootstrap(statistic, arrays, n: int, n_boot: int, seed: int, runs) -> Estimate:
    """:func:`bootstrap`, made."""
    value = float(statistic(*arrays))
    rng = np.random.default_rng(seed)
    members = None if runs is None else run_members(runs)
    if runs is None:       # (one draw of every resample at once: the stream the course's intervals were drawn with)
        idxs = rng.integers(0, n, size=(n_boot, n))
    else:
        idxs = [resample(n, rng, runs, members) for _ in range(n_boot)]
    if statistic is np.mean and len(arrays) == 1 and arrays[0].ndim == 1 and arrays[0].dtype.kind == "b" and n:
        # a share: every resample's sum is a count, exact in any order, so all the sums at once, each
        # over its own length, are the very numbers the one-at-a-time means below would give (a
        # two-level resample's length varies with its runs)
        lengths = np.array([len(idx) for idx in idxs])
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        sums = np.add.reduceat(arrays[0][np.concatenate(list(idxs))].astype(np.float64), starts)
        draws = (sums / lengths).tolist()
    else:
        draws = [float(statistic(*(a[idx] for a in arrays))) for idx in idxs]
    lo, hi = np.percentile(draws, list(tails()))
    each = None if runs is None else tuple(float(statistic(*(a[m] for a in arrays))) for m in members)
    return Estimate(value, float(lo), float(hi), n, each)


def decide(est: Estimate, threshold: float, at_least: bool = True, strict: bool = False) -> Outcome:
    """``pass`` if the whole interval is on the right side of ``threshold`` (≥ it when
    ``at_least``, ≤ it otherwise; > or < with ``strict``), ``fail`` if the whole interval is on
    the wrong side, ``undecided`` if it straddles the threshold."""
    lo, hi = (est.lo, est.hi) if at_least else (-est.hi, -est.lo)
    t = threshold if at_least else -threshold
    if lo > t or (lo == t and not strict):
        return PASS
    if hi < t or (hi == t and strict):
        return FAIL
    return UNDECIDED


def all_of(*outcomes: str) -> Outcome:
    """The outcome of "every part holds": fail if one part fails, pass if all pass, else undecided."""
    if FAIL in outcomes:
        return FAIL
    return PASS if all(o == PASS for o in outcomes) else UNDECIDED


def both_ways(as_written: str, other_way: str) -> Outcome:
    """The outcome of one measurement read two ways (its unclear pictures counted against the
    claim, then for it): the shared outcome when they agree, else undecided."""
    return Outcome(as_written) if as_written == other_way else UNDECIDED


def seeds_needed(p: float, threshold: float, z: Optional[float] = None, most: int = 100_000) -> int:
    """The fewest seeds at which a share of ``p`` would have its Wilson interval (at the level in
    force unless ``z`` is given) clear of ``threshold`` (``most`` + 1 when none up to ``most``
    does: ``p`` sits on the threshold)."""
    z = z_of() if z is None else z
    if p == threshold:
        return most + 1
    for n in range(1, most + 1):
        lo, hi = wilson(p * n, n, z)
        if (p > threshold and lo >= threshold) or (p < threshold and hi < threshold):
            return n
    return most + 1


def seeds_to_decide(est: Estimate, threshold: float, most: int = 100_000) -> int:
    """About how many seeds would make ``est``'s interval clear ``threshold``, if the point value
    held: an interval's half-width shrinks as ``1/√N``, so ``N · (half-width / distance)²``
    (``most`` + 1 when the value sits on the threshold). For a share, :func:`seeds_needed` is
    exact."""
    distance = abs(est.value - threshold)
    half = est.width / 2
    if distance == 0 or est.n <= 0:
        return most + 1
    return min(most + 1, max(est.n, math.ceil(round(est.n * (half / distance) ** 2, 6))))


def tv_of_onehots(a: np.ndarray, b: np.ndarray) -> float:
    """Mean over groups of the total-variation distance between the value distributions of two
    sets of one-hot readings (seeds × groups × values): 0 = the same, 1 = disjoint."""
    return float(0.5 * np.abs(a.mean(0) - b.mean(0)).sum(-1).mean())


def tv_null(a: np.ndarray, b: np.ndarray, n_perm: int = 200, seed: int = 0) -> float:
    """What :func:`tv_of_onehots` of ``a`` and ``b`` (paired by seed) would be if nothing had
    moved: its mean when each seed's two readings are swapped with probability ½ (a paired
    permutation null). A drift measured on finite samples is biased upward — two draws of the same
    distribution differ by chance — and this is that bias."""
    rng = np.random.default_rng(seed)
    vals = np.empty(n_perm)
    for i in range(n_perm):
        swap = (rng.random(len(a)) < 0.5)[:, None, None]
        vals[i] = tv_of_onehots(np.where(swap, b, a), np.where(swap, a, b))
    return float(vals.mean())


def drift(a: np.ndarray, b: np.ndarray, n_boot: int = N_BOOT, seed: int = 0,
          runs: Optional[Sequence[int]] = None) -> "Estimate":
    """How far the readings ``a`` moved from ``b`` (paired by seed): :func:`tv_of_onehots` with
    its bootstrap interval over seeds (and training ``runs``, when given), both less the bias
    :func:`tv_null` (so that no movement reads about 0, not a positive number)."""
    est = bootstrap(tv_of_onehots, a, b, n_boot=n_boot, seed=seed, runs=runs)
    bias = tv_null(a, b, seed=seed)
    return Estimate(est.value - bias, est.lo - bias, est.hi - bias, est.n)
