"""Seeds drawn until decided: interval levels, the looks, the stopping rule, and that the intervals
a claim stops at keep their coverage (issue L)."""
import functools
import json

import numpy as np
import pytest

from lora_course import results
from lora_course.core import paths
from lora_course.measure import experiments, sequential, stats
from lora_course.measure.evaluation import Sweep
from lora_course.measure.verdicts import Check, Part, make_check, make_verdict


def test_confidence_sets_every_interval_level_and_restores_it():
    at95 = stats.wilson(12, 16)
    assert stats.level() == 0.95 and at95 == stats.wilson(12, 16, z=stats.Z95)
    with stats.confidence(0.9875):
        assert stats.level() == 0.9875
        wider = stats.wilson(12, 16)
        est = stats.share([True] * 12 + [False] * 4)
        boot = stats.bootstrap(np.mean, np.array([1, 0, 1, 1, 0, 1, 1, 1.0]))
        with stats.confidence(0.975):
            assert stats.level() == 0.975
        assert stats.level() == 0.9875
    assert stats.level() == 0.95
    assert wider[0] < at95[0] and wider[1] > at95[1]
    assert est.level == 0.9875 and stats.share([True, False]).level == 0.95
    plain = stats.bootstrap(np.mean, np.array([1, 0, 1, 1, 0, 1, 1, 1.0]))
    assert boot.lo <= plain.lo and boot.hi >= plain.hi
    assert stats.z_of(0.975) == pytest.approx(2.2414, abs=1e-4) and stats.tails(0.95) == (2.5, 97.5)
    with pytest.raises(ValueError, match="between 0.5 and 1"):
        with stats.confidence(95):
            pass


def test_looks_are_checked():
    assert sequential.LOOKS.seeds == (16, 32, 64) and sum(sequential.LOOKS.spend) == pytest.approx(0.05)
    assert [sequential.LOOKS.level(k) for k in range(3)] == [0.9875, 0.9875, 0.975]
    with pytest.raises(ValueError, match="one share per look"):
        sequential.Looks((16, 32), (0.05,))
    with pytest.raises(ValueError, match="must grow"):
        sequential.Looks((32, 16), (0.025, 0.025))
    with pytest.raises(ValueError, match="sum to at most"):
        sequential.Looks((16, 32), (0.05, 0.05))


def _share_claim(hits):
    """A one-check claim: the share of ``hits`` is at least 0.5."""
    est = stats.share(hits)
    return make_verdict("X", [make_check(Part("a share", est, 0.5, share=True))], f"share {est}", {})


def test_a_clear_claim_stops_at_the_first_look_and_a_close_one_at_the_last():
    asked = []

    def draw(seeds):
        asked.append(len(seeds))
        return np.ones(len(seeds), bool)
    done = sequential.until_decided(draw, _share_claim, range(64))
    assert asked == [16] and done.stop.look == 1 and done.stop.seeds == 16 and done.stop.level == 0.9875
    assert done.stop.reason == sequential.DECIDED and done.verdict.status == "REPRODUCED"
    assert "drew 16 seeds per point (look 1 of 3, 98.75 % intervals)" in str(done.stop)

    asked.clear()

    def coin(seeds):
        asked.append(len(seeds))
        return np.arange(len(seeds)) % 2 == 0              # exactly half: never decided
    done = sequential.until_decided(coin, _share_claim, range(64))
    assert asked == [16, 32, 64] and done.stop.reason == sequential.LAST_LOOK and done.stop.open_checks
    assert len(done.history) == 3 and done.verdict.checks[0].parts[0].est.level == 0.975
    with pytest.raises(ValueError, match="at least 64"):
        sequential.until_decided(coin, _share_claim, range(32))


def test_the_second_rule_stops_a_claim_the_last_look_could_not_decide_and_draws_on_one_it_could():
    looks = sequential.LOOKS_2
    assert looks.seeds == (16, 32) and looks.futility and [looks.level(k) for k in range(2)] == [0.995, 0.955]
    asked = []

    def coin(seeds):
        asked.append(len(seeds))
        return np.arange(len(seeds)) % 2 == 0              # exactly on the bar: no look decides it
    done = sequential.until_decided(coin, _share_claim, range(32), looks)
    assert asked == [16] and done.stop.reason == sequential.FUTILE and done.verdict.status == "UNDECIDED"
    assert done.stop.open_checks and done.stop.level == 0.995
    asked.clear()

    def mostly(seeds):
        asked.append(len(seeds))
        return np.arange(len(seeds)) % 4 != 0             # 0.75: open at 16 seeds, decidable at 32
    done = sequential.until_decided(mostly, _share_claim, range(32), looks)
    assert asked == [16, 32] and done.stop.reason == sequential.DECIDED and done.verdict.status == "REPRODUCED"
    # the guess: a part on its bar cannot be decided, one well off it can, a rule's check always can
    on_bar = make_check(Part("s", stats.share([True, False] * 8), 0.5, share=True))
    assert not sequential.could_decide(on_bar, 16, 32)
    with stats.confidence(0.995):                   # 12 of 16: open at the first look's level
        open_at_16 = make_check(Part("s", stats.share([True] * 12 + [False] * 4), 0.5))
    assert open_at_16.outcome == stats.UNDECIDED and sequential.could_decide(open_at_16, 16, 32)
    assert sequential.could_decide(Check((Part("s", stats.share([True, False] * 8), 0.5),), fixed="undecided"), 16, 32)
    # without futility (the first rule) the close claim goes on to the last look
    asked.clear()
    sequential.until_decided(coin, _share_claim, range(64))
    assert asked == [16, 32, 64]


def test_the_interval_a_claim_stops_at_covers_the_truth_at_least_95_percent_of_the_time():
    """Optional stopping with the 5 % spent across the looks keeps the coverage; 95 % intervals at
    every look lose some of it (what the spending is for). Both measured on 4,000 simulated claims
    whose true share sits just above the bar, where stopping early is most tempting."""
    rng = np.random.default_rng(0)
    truth, trials = 0.6, 4000
    spent_misses = naive_misses = 0
    for _ in range(trials):
        hits = rng.random(64) < truth

        def draw(seeds, hits=hits):
            return hits[:len(seeds)]
        est = sequential.until_decided(draw, _share_claim, range(64)).verdict.checks[0].parts[0].est
        spent_misses += not (est.lo <= truth <= est.hi)
        for n in (16, 32, 64):                           # the same looks at 95 % each
            naive = stats.share(hits[:n])
            if stats.decide(naive, 0.5) != stats.UNDECIDED:
                break
        naive_misses += not (naive.lo <= truth <= naive.hi)
    assert spent_misses / trials <= 0.05, spent_misses / trials
    assert naive_misses > spent_misses, (naive_misses, spent_misses)


READINGS = paths.DATA_DIR / "results" / "readings.json"


def _claims():
    """Each claim's sweep names and the function that decides it from its sweeps."""
    out = {c: (e.sweep_names(), functools.partial(experiments.decide, e)) for c, e in experiments.ARTICLE.items()}
    for c in ("T", "P", "R", "W"):
        out[c] = (None, functools.partial(results.beyond_claim, c))
    return out


@pytest.mark.skipif(not READINGS.exists(), reason="data/results/readings.json not written")
@pytest.mark.parametrize("claim", [*experiments.ARTICLE, "T", "P", "R", "W"])
def test_the_points_a_claim_reads_at_the_first_look_are_all_it_needs(claim):
    """Later looks extend only the points the checks read at the first look: on the committed
    readings, the claim decided on just those points gives the very verdict it gives on all of them."""
    doc = json.loads(READINGS.read_text())
    names, decide = _claims()[claim]
    if names is None:
        names = [n for n in doc["sweeps"] if n.split(" ")[0] == claim]
    full = {n: Sweep.from_readings_json(doc["sweeps"][n]) for n in names}
    first = {n: sw.head(16) for n, sw in full.items()}
    with stats.confidence(sequential.LOOKS.level(0)):
        decide(first)
    assert any(sw.read for sw in first.values()), f"{claim} read no point"
    later = sequential.read_points(first)
    narrow = {n: sw.select(*later[n]) for n, sw in full.items()}
    assert str(decide(narrow)) == str(decide(full))
    kept = sum(len(ps) * len(ws) for ps, ws in later.values())
    assert kept <= sum(len(sw.prompts) * len(sw.weights) for sw in full.values())
