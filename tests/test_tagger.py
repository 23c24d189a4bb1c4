"""The tagger measures what a picture shows: the instrument behind every claim of the course."""

import numpy as np
import pytest
import torch

from lora_course import dataset as ds
from lora_course import world
from lora_course.tagger import TAGGER_PATH, UNCLEAR, Readings, Tagger, TaggerNet, autotag_folder, group_classes
from lora_course.train_tagger import draw

shipped = pytest.mark.skipif(not TAGGER_PATH.exists(), reason="data/tagger.safetensors not built")


@pytest.fixture(scope="module")
def tagger():
    return Tagger.load()


def test_every_group_has_its_tags_and_a_none_class():
    classes = group_classes()
    assert classes["subject"] == ["1girl", "fox"]
    for g in world.CHARACTER_GROUPS:
        assert classes[g][-1] == "none"
        assert set(classes[g][:-1]) == {v for v in world.GROUPS[g] if v is not None}


def test_refuses_anything_but_safetensors(tmp_path):
    bad = tmp_path / "tagger.pt"
    torch.save(TaggerNet().state_dict(), bad)
    with pytest.raises(ValueError, match="only .safetensors"):
        Tagger.load(bad)
    with pytest.raises(FileNotFoundError, match="train_tagger"):
        Tagger.load(tmp_path / "missing.safetensors")


@shipped
def test_a_known_render_is_tagged_with_what_it_shows(tagger):
    r = tagger.read([world.render(world.WEIWEI, seed=s) for s in range(8)])
    for i in range(8):
        assert r.attrs(i) == world.WEIWEI
    assert r.fidelity().all == 1.0
    fox = tagger.read([world.render(world.fox_attrs(), seed=3)])
    assert fox.attrs(0) == world.fox_attrs()


@shipped
@pytest.mark.parametrize("group", world.CHARACTER_GROUPS)
def test_changing_one_tag_changes_exactly_that_group(tagger, group):
    for value in world.GROUPS[group]:
        a = world.with_(world.WEIWEI, **{group: value})
        r = tagger.read([world.render(a, seed=11)])
        assert r.attrs(0) == a, (group, value, r.attrs(0))


@shipped
def test_accuracy_on_fresh_renders(tagger):
    imgs, attrs, _ = draw(400, seed=31337)
    r = tagger.read(imgs)
    for g in world.GROUPS:
        acc = np.mean([r.values[g][i] == a[g] for i, a in enumerate(attrs)])
        assert acc >= 0.99, (g, acc)


@shipped
def test_autotag_puts_the_trigger_first_and_leaves_other_captions_untouched(tmp_path, tagger):
    folder = tmp_path / "10_weiwei"
    ds.write_concept(tmp_path, "weiwei", 10, [
        (world.render(world.WEIWEI, seed=1), []),
        (world.render(world.with_(world.WEIWEI, hair_color="red hair"), seed=2), []),
    ], stems=["a", "b"])
    (folder / "a.txt").unlink()                       # a has no caption: to be tagged
    ds.write_caption(folder / "b.txt", ["my", "own", "caption"])
    written = autotag_folder(folder, tagger, always_first=["weiwei"], undesired=["standing"])
    assert list(written) == ["a.png"]
    tags = ds.read_caption(folder / "a.txt")
    assert tags[0] == "weiwei"
    assert "white hair" in tags and "fox ears" in tags and "standing" not in tags
    assert ds.read_caption(folder / "b.txt") == ["my", "own", "caption"]
    # overwrite on request, with a backup of the old caption
    written = autotag_folder(folder, tagger, always_first=["weiwei"], overwrite=True)
    assert set(written) == {"a.png", "b.png"}
    assert "red hair" in ds.read_caption(folder / "b.txt")
    assert any(p.read_text(encoding="utf-8").strip() == "my, own, caption" for p in ds.backups_of(folder / "b.txt"))


def test_readings_rates_and_fidelity_are_computed_from_values():
    tags = list(world.ALL_TAGS)
    vals = {g: [world.WEIWEI[g], world.WEIWEI[g], world.WEIWEI[g], world.WEIWEI[g]] for g in world.GROUPS}
    vals["hair_color"] = ["white hair", "red hair", "white hair", "white hair"]
    vals["eye_color"] = ["blue eyes", "blue eyes", "red eyes", "blue eyes"]
    r = Readings(np.zeros((4, len(tags))), tags, vals)
    assert r.rate("red hair") == 0.25
    f = r.fidelity()
    assert f.all == 0.5 and f.per_group["hair_color"] == 0.75 and f.per_group["eye_color"] == 0.75
    assert r.fidelity(rows=[0, 3]).all == 1.0


#: One ambiguous picture of every kind: (base attrs, the ambiguity), half-way (amount 0.5).
AMBIGUOUS = [
    (world.WEIWEI, world.Ambiguity("hair_color", "mix", "green hair")),      # white/green: mint
    (world.with_(world.WEIWEI, hair_color="green hair"), world.Ambiguity("hair_color", "mix", "black hair")),
    (world.WEIWEI, world.Ambiguity("eye_color", "mix", "green eyes")),       # teal
    (world.with_(world.WEIWEI, eye_color="green eyes"), world.Ambiguity("eye_color", "mix", "brown eyes")),  # olive
    (world.WEIWEI, world.Ambiguity("eye_color", "odd eyes", "red eyes")),
    (world.WEIWEI, world.Ambiguity("outfit", "mix", "blue dress")),
    (world.WEIWEI, world.Ambiguity("hair_length", "medium")),
    (world.WEIWEI, world.Ambiguity("mouth", "half open")),
    (world.with_(world.WEIWEI, expression="smile"), world.Ambiguity("expression", "faint")),
    (world.with_(world.WEIWEI, expression="smile"), world.Ambiguity("expression", "no blush")),
    (world.with_(world.WEIWEI, expression="crying"), world.Ambiguity("expression", "one-sided")),
]


@shipped
@pytest.mark.parametrize("attrs,amb", AMBIGUOUS, ids=[f"{a.group}-{a.kind}-{a.other}" for _, a in AMBIGUOUS])
def test_a_render_made_ambiguous_is_unclear_in_exactly_that_group(tagger, attrs, amb):
    seeds = range(4)
    r = tagger.read([world.render(attrs, seed=s, ambiguity=amb) for s in seeds])
    for i in range(len(seeds)):
        got = r.attrs(i)
        assert got[amb.group] == UNCLEAR, (i, got[amb.group], r.probs[i])
        assert {g: v for g, v in got.items() if g != amb.group} == \
            {g: v for g, v in attrs.items() if g != amb.group}, i


@shipped
def test_unclear_thresholds_ship_with_the_tagger_and_captions_never_say_unclear(tagger, tmp_path):
    assert all(0.3 <= tagger.unclear_below[g] <= 0.7 for g in world.CHARACTER_GROUPS), tagger.unclear_below
    amb = world.Ambiguity("hair_color", "mix", "green hair")
    r = tagger.read([world.render(world.WEIWEI, seed=0, ambiguity=amb)])
    assert UNCLEAR not in r.tag_lists()[0]
    assert all(t in world.ALL_TAGS for t in tagger.tag_lists([world.render(world.WEIWEI, seed=0, ambiguity=amb)])[0])
