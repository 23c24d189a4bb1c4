"""Intervals give known values on known inputs, and a check decides only when its interval clears."""
import numpy as np
import pytest

from lora_course.measure import stats


def test_wilson_matches_the_textbook_values():
    # Wilson 95 % for 0/32, 16/32, 32/32 and 29/32 (computed by hand from the closed form)
    assert stats.wilson(0, 32) == pytest.approx((0.0, 0.1072), abs=1e-4)
    assert stats.wilson(32, 32) == pytest.approx((0.8928, 1.0), abs=1e-4)
    assert stats.wilson(16, 32) == pytest.approx((0.3363, 0.6637), abs=1e-4)
    assert stats.wilson(29, 32) == pytest.approx((0.7578, 0.9676), abs=1e-4)
    assert stats.wilson(0, 0) == (0.0, 1.0)


def test_a_share_from_32_seeds_is_at_worst_plus_minus_0_17():
    widths = [stats.share([True] * k + [False] * (32 - k)).width for k in range(33)]
    assert max(widths) == pytest.approx(0.328, abs=0.005)          # ±0.164 at k = 16


def test_bootstrap_of_a_difference_is_centred_and_paired():
    rng = np.random.default_rng(1)
    a = rng.random(400) < 0.8
    b = rng.random(400) < 0.3
    est = stats.bootstrap(lambda x, y: x.mean() - y.mean(), a, b)
    assert est.value == pytest.approx(a.mean() - b.mean())
    assert est.lo < est.value < est.hi and 0.35 < est.lo and est.hi < 0.65
    same = stats.bootstrap(lambda x, y: x.mean() - y.mean(), a, a)   # paired: exactly 0 every time
    assert (same.lo, same.hi) == (0.0, 0.0)
    with pytest.raises(ValueError, match="one row per seed"):
        stats.bootstrap(lambda x, y: 0.0, a, b[:10])


def test_a_check_whose_interval_straddles_the_threshold_is_undecided():
    clear = stats.share([True] * 31 + [False])                    # 0.97 [0.84, 0.99]
    assert stats.decide(clear, 0.5) == stats.PASS
    assert stats.decide(clear, 0.3, at_least=False) == stats.FAIL
    middle = stats.share([True] * 17 + [False] * 15)              # 0.53 [0.36, 0.70]
    assert stats.decide(middle, 0.5) == stats.UNDECIDED
    assert stats.decide(middle, 0.5, at_least=False) == stats.UNDECIDED
    low = stats.share([False] * 32)
    assert stats.decide(low, 0.3, at_least=False) == stats.PASS and stats.decide(low, 0.5) == stats.FAIL


def test_seeds_needed_is_the_first_count_whose_interval_clears():
    n = stats.seeds_needed(0.7, 0.5)
    assert stats.wilson(0.7 * n, n)[0] >= 0.5 > stats.wilson(0.7 * (n - 1), n - 1)[0]
    assert stats.seeds_needed(0.5, 0.5, most=100) == 101
    assert str(stats.Estimate(0.9, 0.76, 0.97)) == "0.90 [0.76, 0.97]"


def test_parts_combine_and_strict_bounds():
    P, F, U = stats.PASS, stats.FAIL, stats.UNDECIDED
    assert stats.all_of(P, P) == P and stats.all_of(P, U) == U and stats.all_of(U, F) == F
    zero = stats.Estimate(0.1, 0.0, 0.2, 32)
    assert stats.decide(zero, 0.0) == P                      # ≥ 0: the bound may touch it
    assert stats.decide(zero, 0.0, strict=True) == U          # > 0: it may not
    assert stats.decide(stats.Estimate(0.0, -0.1, 0.0, 32), 0.0, strict=True) == F


def test_seeds_to_decide_scales_with_one_over_root_n():
    est = stats.Estimate(0.6, 0.4, 0.8, 32)                  # half-width 0.2, 0.1 from the bar 0.5
    assert stats.seeds_to_decide(est, 0.5) == 128             # (0.2 / 0.1)² × 32
    assert stats.seeds_to_decide(stats.Estimate(0.5, 0.3, 0.7, 32), 0.5) == 100_001


def test_drift_of_one_hot_readings():
    a = np.zeros((4, 2, 3))
    a[:, :, 0] = 1                                           # every seed reads value 0 in both groups
    b = a.copy()
    b[:2, 0] = [0, 1, 0]                                     # half the seeds move in group 0
    assert stats.tv_of_onehots(a, a) == 0.0
    assert stats.tv_of_onehots(a, b) == pytest.approx(0.25)   # 0.5 in one group of two


def _onehots(values, n_values=3):
    """seeds × 1 group × values from a list of value indices."""
    out = np.zeros((len(values), 1, n_values))
    out[np.arange(len(values)), 0, values] = 1.0
    return out


def test_drift_is_corrected_for_the_bias_of_finite_samples():
    """Two draws of the same distribution differ by chance: the raw total-variation drift is
    positive on average; less its paired permutation null it is about 0. Nothing moved at all
    (the same readings) is exactly 0, and a full move stays close to 1."""
    rng = np.random.default_rng(1)
    raw, corrected = [], []
    for _ in range(40):
        a, b = _onehots(rng.integers(3, size=32)), _onehots(rng.integers(3, size=32))
        raw.append(stats.tv_of_onehots(a, b))
        corrected.append(stats.drift(a, b, n_boot=200).value)
    assert np.mean(raw) > 0.1                      # biased: about 0.16 for 32 seeds over 3 values
    assert abs(np.mean(corrected)) < 0.03          # corrected: about 0
    same = _onehots(rng.integers(3, size=32))
    assert stats.tv_null(same, same) == 0.0 and stats.drift(same, same).value == 0.0
    moved = stats.drift(_onehots([0] * 32), _onehots([1] * 32))
    assert 0.8 < moved.value <= 1.0 and moved.lo <= moved.value <= moved.hi


def test_a_share_over_training_runs_resamples_the_runs():
    runs = [i % 3 for i in range(33)]
    agree = np.array([i % 2 == 0 for i in range(33)])          # every run draws her on about half
    est = stats.share(agree, runs=runs)
    lo, hi = stats.wilson(int(agree.sum()), 33)
    assert est.lo <= lo and est.hi >= hi                       # never narrower than Wilson
    assert len(est.per_run) == 3 and all(abs(v - 0.5) < 0.1 for v in est.per_run)
    # two runs draw her on every seed, one on none: the same pooled share as a run at 2/3, but
    # "a LoRA trained this way" could be either, and the interval says so
    split = np.array([r != 1 for r in runs])
    wide, one_run = stats.share(split, runs=runs), stats.share(split)
    assert wide.value == one_run.value and wide.per_run == (1.0, 0.0, 1.0)
    assert wide.lo == 0.0 and wide.hi == 1.0 and one_run.width < 0.35
    assert stats.decide(one_run, 0.4) == stats.PASS and stats.decide(wide, 0.4) == stats.UNDECIDED
    assert wide.runs_text() == "runs 1.00 · 0.00 · 1.00" and one_run.runs_text() == ""


def test_a_two_level_resample_draws_whole_runs_then_seeds_within_them():
    runs = np.array([0, 1, 2] * 4 + [0])                      # runs of 5, 4 and 4 seeds
    rng = np.random.default_rng(1)
    for _ in range(50):
        idx = stats.resample(len(runs), rng, runs)
        drawn = runs[idx]
        # a drawn run contributes as many seeds as it has, all of its own
        sizes = {r: int((runs == r).sum()) for r in (0, 1, 2)}
        blocks, i = [], 0
        while i < len(idx):
            r = drawn[i]
            blocks.append(r)
            assert set(drawn[i:i + sizes[r]]) == {r}
            i += sizes[r]
        assert len(blocks) == 3
    # one run only: the plain bootstrap over seeds, the very draws the course always made
    hits = np.array([1, 0, 1, 1, 0, 1, 1, 1], bool)
    assert stats.bootstrap(np.mean, hits, runs=[0] * 8) == stats.bootstrap(np.mean, hits)


def test_newcombes_square_and_add_matches_the_published_example():
    # Newcombe (1998), Statistics in Medicine 17, 873-890, method 10, his first example
    lo, hi = stats.newcombe(56, 70, 48, 80)
    assert (round(lo, 4), round(hi, 4)) == (0.0524, 0.3339)
    lo, hi = stats.newcombe(9, 10, 3, 10)                       # his example (e)
    assert (round(lo, 4), round(hi, 4)) == (0.1705, 0.8090)


def test_a_bootstrap_is_made_once_for_what_makes_it_and_a_share_the_fast_way_is_the_same():
    hits = np.array([1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0], bool)
    runs = [0, 1, 2] * 4
    stats._MADE.clear()
    a = stats.bootstrap(np.mean, hits, runs=runs)
    assert stats.bootstrap(np.mean, hits.copy(), runs=list(runs)) is a      # the same values: remembered
    with stats.confidence(0.99):
        wider = stats.bootstrap(np.mean, hits, runs=runs)                   # another level: made again
    assert wider is not a and wider.level == 0.99 and wider.lo <= a.lo and wider.hi >= a.hi
    as_ints = stats.bootstrap(np.mean, hits.astype(int), runs=runs)         # another dtype: made again,
    assert as_ints is not a and (as_ints.lo, as_ints.hi) == (a.lo, a.hi)    # one mean per resample, same numbers
    # a closure is a new statistic every time: made, never remembered
    kept = len(stats._MADE)

    def scaled(k):
        return lambda x: np.mean(x) * k
    stats.bootstrap(scaled(1.0), hits, runs=runs)
    assert len(stats._MADE) == kept
    # the shares' fast path (all resamples summed at once) gives the numbers one mean per resample gives
    for r in (runs, None, [0] * 6 + [1] * 6):
        fast = stats.bootstrap(np.mean, hits, runs=r)
        slow = stats.bootstrap(scaled(1.0), hits, runs=r)
        assert (fast.value, fast.lo, fast.hi) == (slow.value, slow.lo, slow.hi)
