"""The tagger measures what a picture shows: the instrument behind every claim of the course."""
import random

import numpy as np
import pytest
import torch

from lora_course import dataset as ds
from lora_course import world
from lora_course.tagger import TAGGER_PATH, Readings, Tagger, TaggerNet, autotag_folder, group_classes
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
