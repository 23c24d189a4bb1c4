"""The sect's population: Danbooru's frequencies, a named cast, booru-style captions; weiwei never."""
import random
from collections import Counter
from dataclasses import replace

import pytest

from lora_course import population as P
from lora_course import world
from lora_course.tokenizer import build_tokenizer


def draws(pop, n=20000, seed=0):
    rng = random.Random(seed)
    return [P.sample(rng, pop) for _ in range(n)], rng


def test_danbooru_marginals_are_the_cited_shares_restricted_to_the_world():
    m = P.danbooru_marginals()
    for g, dist in m.items():
        assert set(dist) == set(world.GROUPS[g]) and sum(dist.values()) == pytest.approx(1.0)
    assert m["hair_length"]["long hair"] == pytest.approx(0.51 / 0.78)
    assert max(m["hair_color"], key=m["hair_color"].get) == "blonde hair"
    assert m["ears"][None] == pytest.approx(0.87) and m["ears"]["cat ears"] > m["ears"]["fox ears"]
    assert m["expression"]["crying"] == pytest.approx(0.03)


def test_samples_follow_the_marginals_and_never_draw_weiwei():
    samples, _ = draws(P.BOORU)
    girls = [s for s in samples if s.attrs["subject"] == "1girl"]
    assert not any(world.is_weiwei_identity(s.attrs) for s in samples)
    unnamed = [s for s in girls if s.name is None]
    long_share = sum(s.attrs["hair_length"] == "long hair" for s in unnamed) / len(unnamed)
    assert long_share == pytest.approx(0.51 / 0.78, abs=0.02)
    named = Counter(s.name for s in girls if s.name)
    assert len(named) == 64 and sum(named.values()) / len(girls) == pytest.approx(0.35, abs=0.02)


def test_a_variant_made_by_replace_has_its_own_cast():
    assert P.UNIFORM.cast() == [] and len(replace(P.UNIFORM, cast_size=64).cast()) == 64


def test_a_cast_member_always_looks_the_same_and_is_named_in_her_captions():
    samples, rng = draws(P.BOORU, 5000)
    cast = {c.name: c.look() for c in P.BOORU.cast()}
    for s in samples:
        if s.name:
            assert all(s.attrs[g] == v for g, v in cast[s.name].items())
            cap = P.caption(s, rng, P.BOORU)
            assert cap == "" or cap.startswith(f"1girl, {s.name}")


def test_names_are_new_words_none_of_them_hers():
    tok = build_tokenizer()
    for c in P.make_cast(200, P.danbooru_marginals(), seed=3):
        assert "wei" not in c.name and c.name not in {w for t in world.ALL_TAGS for w in t.split()}
        assert len(tok(c.name, add_special_tokens=False)["input_ids"]) >= 2   # byte pieces, as `weiwei`


def test_booru_captions_tag_identity_often_and_mouth_and_pose_rarely():
    samples, rng = draws(replace(P.BOORU, cast_size=0), 20000)
    said = Counter()
    girls = 0
    for s in samples:
        if s.attrs["subject"] != "1girl":
            continue
        girls += 1
        tags = set(P.caption(s, rng, replace(P.BOORU, cast_size=0)).split(", "))
        for g in ("hair_color", "mouth", "pose"):
            said[g] += s.attrs[g] in tags
    assert said["hair_color"] / girls == pytest.approx(0.9 * 0.9, abs=0.03)    # 10 % captions empty
    assert said["mouth"] / girls == pytest.approx(0.4 * 0.9, abs=0.03)
    assert said["pose"] / girls == pytest.approx(0.3 * 0.9, abs=0.03)
