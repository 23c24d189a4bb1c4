"""The sect's population: Danbooru's frequencies, a named cast, booru-style captions; weiwei never."""
import random
from collections import Counter
from dataclasses import replace

import pytest

from lora_course.world import population as P
from lora_course import world
from lora_course.sd.tokenizer import build_tokenizer


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


def test_stray_names_are_fresh_and_nobody():
    """BOORU_V3 captions some unnamed girls with a made-up name: a fresh one, never a cast member's,
    never holding `wei`, and the shipped world's captions are unchanged by the option."""
    import random
    rng = random.Random(1)
    cast = {c.name for c in P.BOORU_V3.cast()}
    named = []
    for _ in range(3000):
        s = P.sample(rng, P.BOORU_V3)
        cap = P.caption(s, rng, P.BOORU_V3)
        if s.name is None and cap.startswith("1girl, ") and len(cap.split(", ")) > 1:
            second = cap.split(", ")[1]
            if second not in world.TAG_TO_GROUP:
                named.append(second)
    assert named and not cast & set(named) and not any("wei" in n for n in named)
    assert len(set(named)) > 0.9 * len(named)
    girls = 3000 * (1 - P.BOORU_V3.p_fox) * (1 - P.BOORU_V3.p_named)
    assert 0.2 < len(named) / girls < 0.35           # about p_stray_name of the unnamed girls' captions
    # the option off draws the shipped world's captions exactly (the shipped sect is reproducible)
    rng = random.Random(5)
    first = [P.caption(P.sample(rng, P.BOORU), rng, P.BOORU) for _ in range(3)]
    assert first == ['black dress, sitting, 1girl, open mouth, brown eyes, blonde hair, short hair',
                     '1girl, machinao, smile, black hair, standing, closed mouth', '1girl, layilai, open mouth, long hair']


def test_the_v3_cast_is_the_first_of_the_shipped_cast():
    assert P.BOORU_V3.cast() == P.BOORU.cast()[:16]


def test_shuffled_names_are_seen_in_every_place():
    """BOORU_V3B puts a name anywhere in its caption, first included, never only after `1girl`."""
    import random
    rng = random.Random(2)
    cast = {c.name for c in P.BOORU_V3B.cast()}
    places = []
    for _ in range(3000):
        s = P.sample(rng, P.BOORU_V3B)
        tags = P.caption(s, rng, P.BOORU_V3B).split(", ")
        if s.name in cast and s.name in tags:          # (an empty caption names nobody)
            places.append(tags.index(s.name))
    assert places and min(places) == 0 and max(places) >= 3
    assert 0.2 < sum(p == 0 for p in places) / len(places) < 0.6


def test_name_tokens_make_each_cast_name_one_token():
    """Candidate c's tokenizer: a cast name is one token (an embedding row started at the mean of
    the others), a stray name and `weiwei` are still spelled with letter pieces."""
    import torch
    from transformers import CLIPTextConfig, CLIPTextModel

    from lora_course.sd.pretrain import with_name_tokens
    tok = build_tokenizer()
    te = CLIPTextModel(CLIPTextConfig(vocab_size=len(tok), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                      num_attention_heads=2, max_position_embeddings=48))
    before = te.get_input_embeddings().weight.detach().clone()
    names = [c.name for c in P.BOORU_V3C.cast()]
    tok2, te2 = with_name_tokens(tok, te, names)
    assert len(tok(names[0], add_special_tokens=False)["input_ids"]) > 1
    assert tok2(names[0], add_special_tokens=False)["input_ids"] == [len(tok)]
    assert len(tok2(f"1girl, {names[0]}, smile", add_special_tokens=False)["input_ids"]) == len(
        tok("1girl, , smile", add_special_tokens=False)["input_ids"]) + 1
    assert len(tok2("weiwei", add_special_tokens=False)["input_ids"]) > 1
    emb = te2.get_input_embeddings().weight
    assert emb.shape[0] == len(tok) + len(names) and torch.equal(emb[:len(tok)], before)
    assert torch.allclose(emb[len(tok)], before.mean(0))
