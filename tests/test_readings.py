"""Readings rendered from data: a verdict explained gives the real reason for each outcome, and a
sentence's numbers come from the values it is given."""
import pytest

from lora_course.measure import readings, stats, verdicts
from lora_course.measure.stats import Estimate


def _part(value, lo, hi, bar, n=32, at_least=True):
    return verdicts.Part("her", Estimate(value, lo, hi, n), bar, at_least=at_least, share=True)


def test_say_fills_both_languages_from_the_values():
    r = readings.say("her on {h} of the seeds, distance {d}", "她的比例 {h}，距离 {d}",
                     h=Estimate(0.53, 0.36, 0.69, 32), d=0.2567)
    assert r.en == "her on 0.53 [0.36, 0.69] of the seeds, distance 0.26"
    assert r.zh == "她的比例 0.53 [0.36, 0.69]，距离 0.26"
    assert r._repr_markdown_().endswith("> 她的比例 0.53 [0.36, 0.69]，距离 0.26")


def test_say_names_a_missing_value():
    with pytest.raises(KeyError, match=r"cites \{gap\}.*pass gap="):
        readings.say("a gap of {gap}", "差距 {gap}", lead=0.1)


def test_explain_gives_the_reason_of_each_outcome():
    passed = verdicts.Check((_part(0.94, 0.80, 0.98, 0.5),))
    failed = verdicts.Check((_part(0.10, 0.03, 0.25, 0.5),))
    more_seeds = verdicts.Check((_part(0.62, 0.45, 0.77, 0.5),))
    unclear = verdicts.Check((_part(0.62, 0.55, 0.77, 0.5),), fixed=stats.UNDECIDED,
                           other_way=verdicts.Check((_part(0.30, 0.15, 0.45, 0.5),)))
    v = verdicts.Verdict("C9", verdicts.status_of([c.outcome for c in (passed, failed, more_seeds, unclear)]),
                       "summary", [passed, failed, more_seeds, unclear])
    r = readings.explain(v)
    assert r.en.splitlines()[0] == "**C9 · PARTLY**: some checks clear their bars and others miss them."
    lines = r.en.splitlines()[1:]
    assert lines[0].startswith("- ✓ check 1 (her: 0.94 [0.80, 0.98], bar ≥ 0.5): its interval clears the bar")
    assert lines[1].startswith("- ✗ check 2 (her: 0.10 [0.03, 0.25], bar ≥ 0.5): its interval misses the bar")
    n = more_seeds.seeds_to_decide()
    assert n is not None and f"about {n} seeds per point would decide it" in lines[2]
    assert "the unclear pictures decide it" in lines[3] and "more seeds cannot" in lines[3]
    zh = r.zh.splitlines()
    assert zh[0] == "**C9 · 部分复现**：有的检验越过了门槛，有的没有。"
    assert "模棱两可的图" in zh[4] and f"大约 {n} 个种子" in zh[3]


def test_explain_follows_the_status():
    ok = verdicts.Check((_part(0.94, 0.80, 0.98, 0.5),))
    v = verdicts.Verdict("C1", verdicts.REPRODUCED, "s", [ok, ok])
    assert readings.explain(v).zh.splitlines()[0] == "**C1 · 复现**：每一项检验都越过了门槛。"
