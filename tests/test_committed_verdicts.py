"""The committed verdicts of notebooks 02-12 are what the code computes from the committed
readings: every sweep of C1-C7, T, P, R and W, as the tagger read it (data/results/readings.json,
written by scripts/claim_readings.py), decided again here and compared line for line with the
verdict the committed notebook printed. No picture is drawn, no model loaded."""
import json

import pytest

from lora_course import course, report, results
from lora_course.core import paths
from lora_course.measure import experiments
from lora_course.measure.evaluation import Sweep

READINGS = paths.DATA_DIR / "results" / "readings.json"
pytestmark = pytest.mark.skipif(not READINGS.exists(), reason="data/results/readings.json not written")


@pytest.fixture(scope="module")
def sweeps():
    doc = json.loads(READINGS.read_text())
    return {n: Sweep.from_readings_json(d) for n, d in doc["sweeps"].items()}


@pytest.fixture(scope="module")
def printed():
    return {v.claim: v for _, vs in report.committed_verdicts(paths.ROOT / "notebooks") for v in vs}


@pytest.mark.parametrize("claim", list(experiments.ARTICLE))
def test_the_committed_verdict_is_computed_from_the_committed_readings(claim, sweeps, printed):
    v = experiments.decide(experiments.ARTICLE[claim], sweeps)
    assert printed[claim].line() == v.line(), (
        f"notebook {experiments.ARTICLE[claim].notebook} printed another verdict than its readings give: "
        "re-execute the notebooks and run scripts/claim_readings.py after them")


def test_the_claims_beyond_the_article_are_computed_from_the_committed_readings(sweeps, printed):
    for c, v in results.beyond_verdicts(sweeps).items():
        assert printed[c].line() == v.line(), (
            f"notebook {experiments.NOTEBOOKS[c]} printed another verdict than its readings give: re-execute "
            "the notebooks and run scripts/claim_readings.py after them")


def test_the_readings_carry_the_training_runs(sweeps):
    doc = json.loads(READINGS.read_text())
    assert doc["runs"] == experiments.RUNS
    for name, sw in sweeps.items():
        if any(w != 0.0 for w in sw.weights):           # (a sweep of the base model alone has no runs)
            assert sw.runs is not None and len(set(sw.runs)) == experiments.RUNS, name


def test_a_sweep_read_back_gives_the_same_numbers(sweeps):
    sw = sweeps["C2"]
    again = Sweep.from_readings_json(sw.readings_json())
    for p in sw.prompts:
        for w in sw.weights:
            assert (again.her(p, w) == sw.her(p, w)).all() and again.unclear(p, w) == sw.unclear(p, w)


def test_the_verdicts_as_data_are_the_ones_the_readings_give(sweeps, printed):
    doc = json.loads(READINGS.read_text())
    assert doc["training_seeds"] == list(range(experiments.RUNS)) and doc["recipe"]["steps"] > 0
    want = {k: v for k, v in course.ARTICLE_LORA.weights_json().items() if k != "name"}
    assert {k: doc["recipe"].get(k) for k in want} == json.loads(json.dumps(want)), (
        "data/results/readings.json was drawn with another recipe than course.ARTICLE_LORA. "
        "Fix: python scripts/claim_readings.py")
    for c, v in doc["verdicts"].items():
        assert v["status"] == printed[c].status and v["summary"] == printed[c].summary, c
        for check in v["checks"]:
            for part in check["parts"]:
                assert part["lo"] <= part["value"] <= part["hi"] and part["sign"] in "≥>≤<"
