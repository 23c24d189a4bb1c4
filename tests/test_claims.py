"""The claims' machinery measures what it says: verdicts follow the numbers, in both directions."""
import numpy as np
import pytest

from lora_course import claims, world
from lora_course.evaluation import Sweep, adherence, prompt_tags, random_full_prompts, tv_distance
from lora_course.tagger import Readings

WEIGHTS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
OTHER = world.with_(world.WEIWEI, hair_color="red hair", eye_color="green eyes", outfit="blue dress")


def fake_sweep(prompts, per_point):
    """A Sweep whose readings are made up: ``per_point(prompt, weight, seed) -> attrs``."""
    seeds = list(range(10))
    vals = {g: [] for g in world.GROUPS}
    meta = {"prompt": [], "weight": [], "seed": []}
    for p in prompts:
        for w in WEIGHTS:
            for s in seeds:
                a = per_point(p, w, s)
                for g in world.GROUPS:
                    vals[g].append(a[g])
                meta["prompt"].append(p), meta["weight"].append(w), meta["seed"].append(s)
    n = len(meta["prompt"])
    r = Readings(np.zeros((n, len(world.ALL_TAGS))), list(world.ALL_TAGS), vals, meta)
    return Sweep(prompts, WEIGHTS, seeds, np.zeros((len(prompts), len(WEIGHTS), len(seeds), 2, 2, 3)), r)


def share(w_on, s, n=10):
    """True for the first round(w_on * n) seeds: a share of w_on."""
    return s < round(w_on * n)


def test_sweep_rows_address_the_right_point():
    sw = fake_sweep(["a", "b"], lambda p, w, s: world.WEIWEI)
    rows = sw.rows("b", 0.6)
    assert all(sw.readings.meta["prompt"][i] == "b" and sw.readings.meta["weight"][i] == 0.6 for i in rows)
    assert len(rows) == 10


def test_c1_reproduced_when_the_lora_brings_her_and_not_without_it():
    sw = fake_sweep(["weiwei"], lambda p, w, s: world.WEIWEI if share(w, s) else OTHER)
    v = claims.c1(sw)
    assert v.status == "REPRODUCED" and v.numbers == {"fidelity_w0": 0.0, "fidelity_w1": 1.0}
    assert v.line().startswith("VERDICT C1 | REPRODUCED | ")
    never = claims.c1(fake_sweep(["weiwei"], lambda p, w, s: OTHER))
    assert never.status == "PARTLY"       # w=0 check passes, w=1 fails
    assert claims.c1(fake_sweep(["weiwei"], lambda p, w, s: world.WEIWEI)).status == "PARTLY"


def test_c2_needs_the_hijack_and_the_gap():
    def article(p, w, s):   # the puppet obeys from 0.4; the host resists until 1.0
        on = w >= 0.4 if p == "weiwei" else w >= 1.0
        return world.WEIWEI if on else OTHER
    assert claims.c2(fake_sweep(["weiwei", "1girl"], article)).status == "REPRODUCED"

    def same(p, w, s):      # both prompts behave alike: no gap
        return world.WEIWEI if w >= 0.4 else OTHER
    v = claims.c2(fake_sweep(["weiwei", "1girl"], same))
    assert v.status == "PARTLY" and v.numbers["trigger_w06"] == v.numbers["host_w06"] == 1.0


def test_c3_compares_the_weights_where_each_prompt_holds():
    def article(p, w, s):
        on = w >= 1.0 if p == "red hair" else w >= 0.4
        return world.WEIWEI if on else OTHER
    v = claims.c3(fake_sweep(["red hair", "long hair"], article))
    assert v.status == "REPRODUCED" and v.numbers == {"w_mismatch": 1.0, "w_match": 0.4}
    flipped = claims.c3(fake_sweep(["red hair", "long hair"], lambda p, w, s: world.WEIWEI if w >= 0.4 else OTHER))
    assert flipped.status == "NOT REPRODUCED"
    assert claims.lowest_weight(fake_sweep(["x"], lambda p, w, s: OTHER), "x") is None
    # red hair never holds, long hair only at full weight: neither half of the claim is shown
    late = claims.c3(fake_sweep(["red hair", "long hair"],
                                lambda p, w, s: world.WEIWEI if p == "long hair" and w >= 1.0 else OTHER))
    assert late.status == "NOT REPRODUCED"


def test_c4_sees_the_animal_come_back():
    def article(p, w, s):
        return world.WEIWEI if share(w, s) else world.fox_attrs()
    v = claims.c4(fake_sweep(["fox"], article))
    assert v.status == "REPRODUCED" and v.numbers["animal_w1"] == 0.0 and v.numbers["animal_best_below_1"] == 0.8
    assert claims.c4(fake_sweep(["fox"], lambda p, w, s: world.WEIWEI)).status == "PARTLY"


def test_c5_c6_c7_read_the_requested_groups():
    def mouth_one(p, w, s):
        return world.WEIWEI                                # always open, whatever is asked
    def mouth_two(p, w, s):
        return world.with_(world.WEIWEI, mouth="closed mouth") if "closed" in p else world.WEIWEI
    prompts = ["weiwei, open mouth", "weiwei, closed mouth"]
    assert claims.c5(fake_sweep(prompts, mouth_one), fake_sweep(prompts, mouth_two)).status == "REPRODUCED"
    assert claims.c5(fake_sweep(prompts, mouth_one), fake_sweep(prompts, mouth_one)).status == "PARTLY"

    def combos(p, w, s):
        if "crying" in p:
            return world.with_(world.WEIWEI, expression="crying")
        return world.with_(world.WEIWEI, mouth="closed mouth", expression="smile" if s < 5 else None)
    v = claims.c6(fake_sweep(["weiwei, open mouth, crying", "weiwei, closed mouth, smile"], combos))
    assert v.numbers == {"cry_open": 1.0, "smile_closed": 0.5} and v.status == "PARTLY"

    def poses(p, w, s):     # sitting only when the LoRA is weak, and then she is gone
        if "sitting" in p and w <= 0.4:
            return world.with_(OTHER, pose="sitting")
        return world.WEIWEI
    v = claims.c7(fake_sweep(["weiwei, sitting", "weiwei, standing"], poses))
    assert v.status == "REPRODUCED" and v.numbers["sitting_w1"] == 0.0 and v.numbers["joint_best"] == 0.0


def test_prompt_tags_and_adherence():
    assert prompt_tags("weiwei, 1girl, Red Hair，open mouth") == ["1girl", "red hair", "open mouth"]
    vals = {g: [world.WEIWEI[g]] * 2 for g in world.GROUPS}
    vals["hair_color"] = ["red hair", "white hair"]
    r = Readings(np.zeros((2, len(world.ALL_TAGS))), list(world.ALL_TAGS), vals,
                 {"prompt": ["1girl, red hair", "1girl, red hair"]})
    assert adherence(r) == {"subject": 1.0, "hair_color": 0.5}
    ps = random_full_prompts(5, seed=3)
    assert ps == random_full_prompts(5, seed=3) and all(len(prompt_tags(p)) == len(world.GROUPS) for p in ps)
    assert tv_distance({"a": 1.0}, {"b": 1.0}) == 1.0 and tv_distance({"a": 0.5, "b": 0.5}, {"a": 0.5, "b": 0.5}) == 0
