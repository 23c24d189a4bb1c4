"""The training-length axis measures what it says: the rule picks the first length that shows her,
the maps hold the measures at the right cells, and the advice reads them."""
import numpy as np
import pytest

from lora_course import world
from lora_course.measure import stats, training_length as tl
from lora_course.tagger import UNCLEAR
from tests.test_claims import OTHER, fake_sweep

STEPS = (25, 50, 100, 600)




def world_at(k):
    def f(p, w, s):
        a = dict(OTHER)
        if w > 0 and k >= 50 and p != tl.HOST and p != tl.UNRELATED:
            a = dict(world.WEIWEI)
        if w == 1.0 and k >= 100 and p == tl.HOST:
            a = dict(world.WEIWEI)
        if p == tl.CLOSED and w > 0 and k >= 50:
            a["mouth"] = "closed mouth" if (k < 600 or w < 1.0) else "open mouth"
        if p == tl.SITTING and w > 0 and k >= 50:
            a["pose"] = "sitting" if (k < 600 or w <= 0.6) else "standing"
        return a
    return f


@pytest.fixture(scope="module")
def diagram():
    return tl.PhaseDiagram("fake", {k: fake_sweep(list(tl.PROMPTS), world_at(k), weights=tl.WEIGHTS) for k in STEPS})


def test_the_rule_takes_the_fewest_steps_whose_lower_bound_clears():
    n = tl.RULE_SEEDS
    hits = {25: np.zeros(n, bool), 50: np.arange(n) < n - 2, 100: np.ones(n, bool), 150: np.ones(n, bool)}
    chosen, est = tl.recipe_steps(hits)
    assert est[50].value == pytest.approx((n - 2) / n) and est[50].lo < tl.RULE_LEVEL   # 46/48: not shown
    assert chosen == 100
    assert tl.recipe_steps({25: np.zeros(n, bool)})[0] is None
    lines = tl.rule_lines(chosen, est, 150)
    assert lines[-1].endswith("NOT the rule's: fix course.LIGHT_LORA)") and "gives 100 steps" in lines[-1]
    assert tl.rule_lines(chosen, est, 100)[-1].endswith("(the rule's)")
    with pytest.raises(ValueError, match="48 seeds"):
        tl.recipe_steps({25: np.ones(32, bool)})      # 32/32 has a lower bound of 0.89: the rule needs 48


def test_the_maps_hold_each_measure_at_its_cell(diagram):
    assert diagram.steps == list(STEPS) and diagram.weights == [0.4, 0.6, 0.8, 1.0]
    her = diagram.values("her")
    assert her[0].tolist() == [0, 0, 0, 0] and her[1:].min() == 1.0
    hijack = diagram.values("hijack")
    assert hijack[:, -1].tolist() == [0, 0, 1, 1] and hijack[:, :-1].max() == 0
    assert diagram.at("gap", 50, 1.0).value == 1.0 and diagram.at("gap", 100, 1.0).value == 0.0
    assert diagram.at("closed", 600, 1.0).value == 0.0 and diagram.at("closed", 100, 1.0).value == 1.0
    assert diagram.at("sitting", 600, 0.6).value == 1.0 and diagram.at("sitting", 600, 0.8).value == 0.0
    assert diagram.at("drift", 25, 1.0).value == 0.0     # the unrelated prompt never moves here
    marks = diagram.marks("closed")                        # the article's C5: the prompt not obeyed
    assert marks[-1, -1] == stats.PASS and marks[0, 0] == stats.PASS and marks[2, -1] == stats.FAIL
    assert diagram.marks("drift")[0, 0] is None


def test_the_advice_reads_the_maps(diagram):
    lines = tl.advice(diagram)
    assert all(s.startswith("FINDING | ") for s in lines)
    text = "\n".join(lines)
    assert "`1girl` hijacked at w=1 (≥ 0.5): from 100 steps (1.00 [" in text and "; 0.00 [" in text
    assert "`weiwei, closed mouth` no longer obeyed at w=1 (≤ 0.3): from 25 steps" in text  # 25: she isn't there yet
    assert "her sitting gone at w=1 (≤ 0.3): from 25 steps" in text
    assert "at 600 steps, lower weights where she is her and her sitting (both ≥ 0.5): w=0.4 (her 1.00 [" in text
    assert "at 600 steps, lower weights where she is her and `weiwei, closed mouth` obeyed (both ≥ 0.5): w=0.4" in text
    # faithful but not overfit: her, the mouth obeyed and her sitting — from 50 steps, and at 600 only below w=1
    assert tl.faithful_cells(diagram) == [(50, 0.4), (50, 0.6), (50, 0.8), (50, 1.0), (100, 0.4), (100, 0.6),
                                          (100, 0.8), (100, 1.0), (600, 0.4), (600, 0.6)]


def test_stable_loss_is_the_same_number_twice_and_moves_with_the_model(tiny_pipe):
    import torch
    from lora_course.sd import diffusion
    acp, ptype = diffusion.noise_schedule(tiny_pipe)
    x0 = torch.randn(2, tiny_pipe.unet.config.in_channels, 8, 8, generator=torch.Generator().manual_seed(1))
    cond = torch.randn(2, 4, tiny_pipe.unet.config.cross_attention_dim, generator=torch.Generator().manual_seed(2))
    a = diffusion.stable_loss(tiny_pipe.unet, x0, cond, acp, ptype)
    assert a == diffusion.stable_loss(tiny_pipe.unet, x0, cond, acp, ptype)
    assert a != diffusion.stable_loss(tiny_pipe.unet, x0, cond, acp, ptype, seed=1)


def test_the_course_trains_the_length_its_rule_gave():
    """Notebook 14 measured the rule (its committed output); the light recipe must train that
    many steps, and say so."""
    import re
    from pathlib import Path

    import nbformat

    from lora_course import course, report
    nb = Path(__file__).resolve().parent.parent / "notebooks" / "14_how_long_to_train.ipynb"
    text = "\n".join(report._output_texts(nbformat.read(nb, as_version=4)))
    found = re.findall(r"^RULE \| gives (\d+) steps;", text, re.M)
    assert found, f"{nb.name} has no executed rule line. Fix: python -m lora_course.report --only 14 --in-place"
    assert int(found[0]) == course.LIGHT_LORA.steps
    line = course.recipe_line(course.LIGHT_LORA)
    assert str(course.LIGHT_LORA.steps) in line and tl.RULE_SHORT in line


def test_a_cell_whose_unclear_pictures_decide_it_is_not_marked():
    """The maps read each cell both ways, as the claims do: at 600 steps, w=1, every `closed
    mouth` picture is unclear; counted as obeyed (the measure's way) C5's side fails, counted as
    not obeyed it passes, so the cell is undecided, not a fail."""
    def unclear_mouth(p, w, s):
        a = world_at(600)(p, w, s)
        if p == tl.CLOSED and w == 1.0:
            a["mouth"] = UNCLEAR
        return a
    sweeps = {k: fake_sweep(list(tl.PROMPTS), world_at(k) if k < 600 else unclear_mouth, weights=tl.WEIGHTS)
              for k in STEPS}
    d = tl.PhaseDiagram("fake", sweeps)
    assert d.at("closed", 600, 1.0).value == 1.0 and d.at("closed", 600, 1.0, other_way=True).value == 0.0
    assert d.outcome("closed", 600, 1.0) == stats.UNDECIDED
    assert d.marks("closed")[-1, -1] == stats.UNDECIDED
    assert "no longer obeyed at w=1 (≤ 0.3): from 25 steps" in "\n".join(tl.advice(d))   # 25 steps: both ways


def test_a_map_subset_draws_only_the_prompts_its_measures_read(diagram):
    assert tl.prompts_of(tl.measures_of(tl.MOUTH_MAPS)) == (tl.TRIGGER, tl.CLOSED)
    assert tl.prompts_of(tl.measures_of(("gap",))) == (tl.TRIGGER, tl.HOST)
    assert tl.prompts_of(tl.measures_of()) == tl.PROMPTS          # every map reads every prompt drawn
    assert [m.key for m in tl.measures_of(("closed", "her"))] == ["her", "closed"]
    with pytest.raises(ValueError, match="no phase-diagram measure 'mouth'"):
        tl.measures_of(("mouth",))
    for wrong in ("her", ()):
        with pytest.raises(ValueError, match="name the maps as a tuple"):
            tl.measures_of(wrong)
    # a diagram of a subset has only those maps, and the advice reads the two-picture LoRA's mouth from it
    two = tl.PhaseDiagram("two", {k: fake_sweep(list(tl.prompts_of(tl.measures_of(tl.MOUTH_MAPS))), world_at(k),
                                                weights=tl.WEIGHTS) for k in STEPS}, tl.measures_of(tl.MOUTH_MAPS))
    assert list(two.measures) == ["her", "closed"]
    assert any(line.startswith("FINDING | two: `weiwei, closed mouth`") for line in tl.advice(diagram, two))
