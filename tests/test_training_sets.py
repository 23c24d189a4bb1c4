"""Tests of lora_course.datasets.training_sets: the article's training sets, as specified, deterministic."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lora_course import world
from lora_course.datasets import dataset, training_sets
from lora_course.datasets.dataset import DatasetError

REPO = Path(__file__).resolve().parent.parent

#: The specification, written out independently of the module: set -> concept folder -> captions.
EXPECTED = {
    "weiwei_1": ("10_weiwei", {"weiwei": ["weiwei"]}),
    "fox_1": ("10_fox", {"weiwei": ["fox"]}),
    "mouth_2": ("10_weiwei", {"open_mouth": ["weiwei", "open mouth"],
                              "closed_mouth": ["weiwei", "closed mouth"]}),
    "cry_smile_2": ("10_weiwei", {"open_mouth_crying": ["weiwei", "open mouth", "crying"],
                                  "closed_mouth_smile": ["weiwei", "closed mouth", "smile"]}),
    "poses_sitting": ("10_weiwei", {"standing_1": ["weiwei", "standing"],
                                    "standing_2": ["weiwei", "standing"],
                                    "sitting_1": ["weiwei", "sitting"],
                                    "sitting_2": ["weiwei", "sitting"]}),
    "thesis_trigger": ("10_weiwei", {f"{m}_{p}": ["weiwei"] for m in ("open", "closed")
                                     for p in ("standing", "sitting")}),
    "thesis_full": ("10_weiwei", {f"{m}_{p}": ["weiwei", "1girl", "white hair", "long hair", "blue eyes",
                                               "pink dress", "fox ears", f"{m} mouth", p]
                                  for m in ("open", "closed") for p in ("standing", "sitting")}),
    "thesis_pruned": ("10_weiwei", {f"{m}_{p}": ["weiwei", f"{m} mouth", p] for m in ("open", "closed")
                                    for p in ("standing", "sitting")}),
    "onto_1girl": ("10_1girl", {"weiwei": ["1girl"]}),
    "onto_long_hair": ("10_long_hair", {"weiwei": ["long hair"]}),
    "onto_red_hair": ("10_red_hair", {"weiwei": ["red hair"]}),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sets")
    training_sets.build_all(out)
    return out


def files(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name", EXPECTED)
def test_each_set_loads_with_the_specified_captions(built, name):
    folder, captions = EXPECTED[name]
    d = dataset.load_dataset(built / name, require_tags=True)
    assert [c.path.name for c in d.concepts] == [folder]
    assert d.concepts[0].repeats == 10
    assert {it.image_path.stem: it.tags for it in d} == captions
    assert all(it.image().size == (world.SIZE, world.SIZE) for it in d)


@pytest.mark.parametrize("ts", training_sets.SETS, ids=lambda ts: ts.name)
def test_images_are_the_renders_of_their_attributes(built, ts):
    for p in ts.pictures:
        on_disk = dataset.load_image(built / ts.name / ts.folder / f"{p.stem}.png")
        assert np.array_equal(np.asarray(on_disk), np.asarray(world.render(p.attrs, p.seed)))


def test_the_pictures_show_what_the_captions_say():
    """Every tag after the trigger word is true of its picture; the trigger is `weiwei` or a
    word put onto her on purpose (possession: `fox`, `1girl`, `long hair`, `red hair`)."""
    onto = {"fox", "1girl", "long hair", "red hair"}
    for ts in training_sets.SETS:
        for p in ts.pictures:
            assert world.is_weiwei_identity(p.attrs)
            assert p.tags[0] == "weiwei" or (p.tags[0] in onto and len(p.tags) == 1), (ts.name, p.tags)
            assert set(p.tags[1:]) <= set(world.tags_of(p.attrs)), (ts.name, p.tags)


def test_weiwei_image_is_weiwei_and_fox_1_is_the_same_picture(built):
    (pic,) = training_sets.get("weiwei_1").pictures
    assert pic.attrs == world.WEIWEI
    assert training_sets.get("fox_1").pictures[0].attrs == world.WEIWEI
    weiwei = (built / "weiwei_1" / "10_weiwei" / "weiwei.png").read_bytes()
    assert (built / "fox_1" / "10_fox" / "weiwei.png").read_bytes() == weiwei
    assert (built / "mouth_2" / "10_weiwei" / "open_mouth.png").read_bytes() == weiwei


def test_pairs_differ_only_in_the_tagged_attributes():
    def diff(a, b):
        return {g for g in world.GROUPS if a[g] != b[g]}

    open_, closed = training_sets.get("mouth_2").pictures
    assert diff(open_.attrs, closed.attrs) == {"mouth"} and open_.seed == closed.seed
    crying, smile = training_sets.get("cry_smile_2").pictures
    assert diff(crying.attrs, world.WEIWEI) == {"expression"}
    assert (crying.attrs["expression"], smile.attrs["expression"]) == ("crying", "smile")
    assert diff(smile.attrs, world.WEIWEI) == {"mouth", "expression"}
    poses = training_sets.get("poses_sitting").pictures
    assert [p.attrs["pose"] for p in poses] == ["standing"] * 2 + ["sitting"] * 2
    assert all(diff(p.attrs, world.WEIWEI) <= {"pose"} for p in poses)


def test_build_is_deterministic(built, tmp_path):
    training_sets.main(["--out", str(tmp_path)])
    assert files(tmp_path) == files(built)
    training_sets.build_all(tmp_path)  # again in place: same bytes, nothing backed up
    assert files(tmp_path) == files(built)
    assert not list(tmp_path.rglob(".backup"))


def test_readme_lists_every_set(built):
    readme = (built / "README.md").read_text(encoding="utf-8")
    for name, (folder, captions) in EXPECTED.items():
        assert f"`{name}/{folder}/`" in readme
        for tags in captions.values():
            assert dataset.caption_text(tags) in readme


def test_stray_images_in_a_set_folder_are_refused(tmp_path):
    training_sets.build_all(tmp_path)
    stray = tmp_path / "mouth_2" / "10_weiwei" / "stray.png"
    world.render(world.WEIWEI, seed=0).save(stray)
    with pytest.raises(DatasetError, match=r"10_weiwei: .*'stray\.png'.*delete"):
        training_sets.build_all(tmp_path)


def test_get_unknown_set():
    with pytest.raises(KeyError, match="weiwei_1"):
        training_sets.get("nope")


def test_committed_sets_match_a_fresh_build(built):
    committed = REPO / "data" / "sets"
    assert committed.is_dir(), "data/sets is missing: python -m lora_course.datasets.training_sets"
    fresh = files(built)
    mine = {k: v for k, v in files(committed).items() if "/.backup/" not in f"/{k}"}
    assert sorted(mine) == sorted(fresh)
    for name, data in fresh.items():
        if name.endswith(".png"):  # pixels, not bytes: PNG compression may differ by zlib
            assert np.array_equal(np.asarray(dataset.load_image(committed / name)),
                                  np.asarray(dataset.load_image(built / name))), name
        else:
            assert mine[name] == data, name
