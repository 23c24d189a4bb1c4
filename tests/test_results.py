"""The results notebook (15): its verdicts are the ones each notebook printed, and its take-aways
are computed — their wording follows the intervals of the numbers they cite."""
import re
from pathlib import Path
from types import SimpleNamespace

import nbformat

from lora_course import course, report, results, world
from lora_course.measure import stats
from lora_course.measure.stats import Estimate
from test_claims import OTHER, fake_sweep, share

ROOT = Path(__file__).resolve().parent.parent
NB = ROOT / "notebooks" / "15_results.ipynb"
ROW = re.compile(r"^(\S+) \| (\S+) \| ([A-Z ]+) \| (.*)$")
AT = re.compile(r"^    with the light recipe \((\d+) steps\): ([A-Z ]+) \| (.*)$")
INTERVAL = re.compile(r"\d\.\d\d \[\d\.\d\d, \d\.\d\d\]")


def _printed(nb) -> list:
    return [line for text in report._output_texts(nb) for line in text.splitlines()]


def test_the_results_table_is_what_each_notebook_printed():
    lines = _printed(nbformat.read(NB, as_version=4))
    rows = [ROW.match(x).groups() for x in lines if ROW.match(x)]
    assert [r[0] for r in rows] == list(results.NOTEBOOKS), "one row per claim, in the course's order"
    for claim, notebook, status, summary in rows:
        nb = nbformat.read(ROOT / "notebooks" / f"{notebook}.ipynb", as_version=4)
        (v,) = [v for v in report.find_verdicts(nb) if v.claim == claim]
        assert (status.strip(), summary) == (v.status, v.summary), f"{claim}: notebook 15 differs from {notebook}"
    regimes = [AT.match(x).groups() for x in lines if AT.match(x)]
    assert len(regimes) == 2 and all(int(steps) == course.LIGHT_LORA.steps for steps, _, _ in regimes)
    for (steps, status, summary), notebook in zip(regimes, ("06_mouth", "08_poses")):
        printed = [x for x in _printed(nbformat.read(ROOT / "notebooks" / f"{notebook}.ipynb", as_version=4))
                   if x.startswith("AT the light recipe ")]
        assert [x.split(" | ", 1)[1] for x in printed] == [f"{status.strip()} | {summary}"], notebook


def test_every_takeaway_cites_its_numbers_in_both_languages():
    lines = _printed(nbformat.read(NB, as_version=4))
    i = [k for k, x in enumerate(lines) if x.startswith("TAKEAWAY | ")]
    assert len(i) >= 6
    for k in i:
        en, zh = lines[k], lines[k + 1]
        assert INTERVAL.search(en), en
        assert INTERVAL.findall(en) == INTERVAL.findall(zh), f"the Chinese line cites other numbers: {zh}"
        assert re.search(r"[\u4e00-\u9fff]", zh)


def _fake_results(her_w1: float, host_w06: float) -> results.Results:
    """Results whose sweeps are made up: `weiwei` is her at w=1 on ``her_w1`` of the seeds, `1girl`
    at w=0.6 on ``host_w06``; everything else fixed."""
    def c1(p, w, s):
        return world.WEIWEI if w == 1.0 and share(her_w1, s) else OTHER

    def c2(p, w, s):
        return world.WEIWEI if (p == "1girl" and w == 0.6 and share(host_w06, s)) or w == 1.0 else OTHER

    def mouth(p, w, s):
        return world.with_(world.WEIWEI, mouth="closed mouth")

    sw = {"C1": fake_sweep(["weiwei"], c1), "C2": fake_sweep(["weiwei", "1girl"], c2),
          "C5 one": fake_sweep(list(results.MOUTH), mouth), "C5 one light": fake_sweep(list(results.MOUTH), mouth),
          "C5 two": fake_sweep(list(results.MOUTH), mouth),
          "R plain": fake_sweep(["weiwei", "1girl"], c1), "R reg": fake_sweep(["weiwei", "1girl"], c1)}
    e = Estimate(0.5, 0.4, 0.6, 40)
    thesis = {how: {"leakage: 1girl is her": e, "trigger alone": e} for how in ("trigger", "full", "pruned")}
    advice = {"weiwei_1": SimpleNamespace(weight=0.8, weights=[0.6, 0.8], fidelity_est=[e, Estimate(0.9, 0.8, 1.0, 40)]),
              "fox_1": SimpleNamespace(weight=None, unclear_weight=None)}
    rule = (50, {25: Estimate(0.3, 0.2, 0.5, 48), 50: Estimate(1.0, 0.93, 1.0, 48)})
    along = {50: Estimate(0.6, 0.4, 0.8, 16), 600: Estimate(1.0, 0.81, 1.0, 16)}
    return results.Results({}, {}, sw, thesis, advice, rule, along)


def test_the_takeaways_wording_follows_the_intervals():
    clear = dict(results.takeaways(_fake_results(her_w1=1.0, host_w06=0.0)))
    en = list(clear)
    assert "a made-up word carries her" in en[0] and "free again at w=0.6" in en[1]
    assert "none shown for fox_1" in en[4] and "weiwei_1 w=0.8 (her 0.90 [0.80, 1.00])" in en[4]
    assert "stop when she appears: 50 steps" in en[6] and "training longer feeds the hijack" in en[6]
    failed = list(dict(results.takeaways(_fake_results(her_w1=0.0, host_w06=1.0))))
    assert "did not carry" in failed[0] and "still her at w=0.6" in failed[1]
    undecided = list(dict(results.takeaways(_fake_results(her_w1=1.0, host_w06=0.2))))
    assert "not shown free at w=0.6" in undecided[1]      # 8 of 40 at w=0.6: [0.10, 0.35] straddles 0.3
    assert stats.decide(stats.share([True] * 8 + [False] * 32), 0.3, False) == stats.UNDECIDED
