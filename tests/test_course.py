"""The notebooks' front door: train (and cache) a LoRA, sweep it, read it, draw it, verdict it."""
import numpy as np
import pytest

from lora_course import course, lora
from lora_course.measure import caches, claims, evaluation, stats, verdicts
from lora_course.widgets import plots
from lora_course.tagger import TAGGER_PATH, Tagger

pytestmark = pytest.mark.skipif(not TAGGER_PATH.exists(), reason="data/tagger.safetensors not built")


@pytest.fixture
def lab(tiny_pipe, tmp_path, monkeypatch):
    """A lab on the random tiny pipeline, 2 seeds, keeping its LoRAs and points in ``tmp_path``."""
    monkeypatch.setattr(caches, "LORAS_DIR", tmp_path)
    monkeypatch.setattr(caches, "SHIPPED_LORAS_DIR", tmp_path / "shipped")
    monkeypatch.setattr(caches, "POINTS_DIR", tmp_path / "points")
    return course.Lab(tiny_pipe, Tagger.load(), seeds=2, runs=1)


def test_a_shipped_lora_is_loaded_not_trained_and_never_written(lab, tiny_pipe, tmp_path):
    """A LoRA that ``data/loras`` ships under its cache name is loaded from there; one trained here
    is written to the build folder only, and from then on the build folder's file is the one read."""
    cfg = lora.LoraTrainConfig(steps=3, batch_size=2)
    lab.train("weiwei_1", cfg, progress=False)
    built = next(tmp_path.glob("weiwei_1-*.safetensors"))
    shipped = tmp_path / "shipped" / built.name
    shipped.parent.mkdir()
    built.rename(shipped)
    assert caches.kept_lora("weiwei_1", built.name[len("weiwei_1-"):-len(".safetensors")]) == shipped
    lab2 = course.Lab(tiny_pipe, lab.tagger, seeds=2, runs=1)
    assert lab2.train("weiwei_1", cfg, progress=False) == "weiwei_1" and "weiwei_1" not in lab2.results
    assert lab2.sources["weiwei_1"] == shipped and not built.exists()
    lab2.train("weiwei_1", cfg, reuse=False, progress=False)         # trained again: into build, not data
    assert built.exists() and lab2.sources["weiwei_1"] is lab2.results["weiwei_1"]
    assert caches.kept_lora("weiwei_1", built.name[len("weiwei_1-"):-len(".safetensors")]) == built


def test_train_light_uses_the_light_recipe_under_its_own_name(lab, monkeypatch):
    from dataclasses import replace
    monkeypatch.setattr(course, "LIGHT_LORA", replace(course.LIGHT_LORA, steps=2, batch_size=2))
    assert lab.train_light("fox_1", progress=False) == "fox_1_light"
    assert lab.results["fox_1_light"].steps == 2
    assert course.same_recipe(replace(course.LIGHT_LORA, name="x", seed=4), course.LIGHT_LORA)
    assert not course.same_recipe(course.LIGHT_LORA, course.ARTICLE_LORA)
    assert "800 steps" in course.recipe_line() and "text-encoder LoRA" in course.recipe_line()


def test_train_sweep_grid_and_verdict(lab, tiny_pipe, tmp_path, capsys):
    cfg = lora.LoraTrainConfig(steps=3, batch_size=2)
    name = lab.train("weiwei_1", cfg, progress=False)
    assert name == "weiwei_1" and lora.loaded_adapters(tiny_pipe) == ["weiwei_1"]
    assert len(list(tmp_path.glob("weiwei_1-*.safetensors"))) == 1
    # the same set, settings and base: loaded from the cache, not trained again
    lab2 = course.Lab(tiny_pipe, lab.tagger, seeds=2, runs=1)
    assert lab2.train("weiwei_1", cfg, progress=False) == "weiwei_1" and "weiwei_1" not in lab2.results
    capsys.readouterr()
    lab2.train("weiwei_1", cfg, progress=False)          # asked again: loaded, and not said again
    assert "trained earlier" not in capsys.readouterr().out

    sw = lab.sweep(["weiwei", "1girl"], name, weights=(0.0, 0.6, 1.0), progress=False)
    assert sw.images.shape == (2, 3, 2, 64, 64, 3) and len(sw.readings) == 12
    # w=0 is the base model: identical pictures whatever the LoRA
    base = lab.sweep(["weiwei"], name, weights=(0.0,), progress=False)
    assert np.array_equal(base.images[0, 0], sw.images[0, 0])
    for fig in (lab.grid(sw), lab.weights_grid(sw, "1girl", (0.0, 1.0), n=2),
                plots.fidelity_figure(sw, ["weiwei", "1girl"]), plots.fox_figure(sw, "weiwei")):
        assert fig.axes
    # the verdict is read from this sweep's numbers, and its status follows them and the bars
    v = claims.c2(sw)
    h1, t6 = (sw.fidelity(p, w).all for p, w in (("1girl", 1.0), ("weiwei", 0.6)))
    h6 = sw.her("1girl", 0.6).mean()      # the counting rule: an unclear picture is not her, on both prompts
    assert (v.numbers["host_w1"], v.numbers["trigger_w06"], v.numbers["host_w06"]) == \
        (round(h1, 2), round(t6, 2), round(h6, 2))
    gap = verdicts.difference([sw.her("weiwei", 0.6)], [sw.her("1girl", 0.6)])
    want = [stats.decide(stats.share(sw.her("1girl", 1.0)), claims.MOST),
            stats.decide(stats.share(sw.her("weiwei", 0.6)), claims.HIGH), stats.decide(gap, claims.GAP)]
    assert v.outcomes == want and v.status == verdicts.status_of(want)
    assert verdicts.Verdict.parse(v.line()) == verdicts.Verdict("C2", v.status, v.summary)


def test_unknown_training_set_is_named(tiny_pipe):
    lab = course.Lab(tiny_pipe, Tagger.load(), seeds=1)
    with pytest.raises(FileNotFoundError, match="weiwei_1"):
        lab.train("no_such_set")


def test_sweep_points_are_kept_and_reused(lab, tmp_path, monkeypatch):
    cfg = lora.LoraTrainConfig(steps=2, batch_size=2)
    a = lab.train("weiwei_1", cfg, progress=False)
    b = lab.train("fox_1", cfg, progress=False)
    first = lab.sweep(["weiwei", "1girl"], a, weights=(0.0, 1.0), progress=False)
    assert len(list((tmp_path / "points").glob("*.npz"))) == 4
    # what a course run counts as drawn: every picture kept, all points together
    assert caches.kept_pictures(tmp_path / "points") == 4 * len(lab.seeds) == lab.drawn
    assert caches.kept_pictures(tmp_path / "nothing_here") == 0

    def no_drawing(*args, **kwargs):
        raise AssertionError("drew a point that was kept")
    monkeypatch.setattr(evaluation, "sweep_images", no_drawing)
    again = lab.sweep(["1girl", "weiwei"], a, weights=(1.0, 0.0), progress=False)   # any order
    assert np.array_equal(again.images[0, 0], first.images[1, 1])
    order = [6, 7, 4, 5, 2, 3, 0, 1]      # first's rows of (1girl, w=1), (1girl, 0), (weiwei, 1), (weiwei, 0)
    assert again.readings.values == {g: [v[i] for i in order] for g, v in first.readings.values.items()}
    # w=0 is the base model: shared by every LoRA; w=1 of another LoRA is not
    lab.sweep(["weiwei"], b, weights=(0.0,), progress=False)
    with pytest.raises(AssertionError, match="kept"):
        lab.sweep(["weiwei"], b, weights=(1.0,), progress=False)
    # a LoRA the lab did not train is never cached: its pictures can't be named safely
    monkeypatch.undo()
    monkeypatch.setattr(caches, "POINTS_DIR", tmp_path / "points")
    lab.keys.pop(a)
    assert lab._point_path(a, "weiwei", 1.0) is None


def test_loading_when_drawn_loads_a_lora_only_to_draw_with_it(lab, tiny_pipe, monkeypatch):
    cfg = lora.LoraTrainConfig(steps=2, batch_size=2)
    lab.train("weiwei_1", cfg, progress=False)                     # trained and loaded as usual
    first = lab.sweep(["weiwei"], "weiwei_1", weights=(1.0,), progress=False)
    lab.unload()
    with lab.loading_when_drawn():
        assert lab.train("weiwei_1", cfg, progress=False) == "weiwei_1"   # the cached file, only noted
        assert lab.train("fox_1", cfg, progress=False) == "fox_1"         # trained here, only noted
        assert lora.loaded_adapters(tiny_pipe) == []
        again = lab.sweep(["weiwei"], "weiwei_1", weights=(1.0,), progress=False)   # all kept: nothing loaded
        assert lora.loaded_adapters(tiny_pipe) == [] and np.array_equal(again.images, first.images)
        lab.sweep(["weiwei"], "fox_1", weights=(1.0,), progress=False)    # new pictures: loaded to draw them
        assert lora.loaded_adapters(tiny_pipe) == ["fox_1"]
    assert not lab.load_when_drawn
    lab.ready()                                                   # the rest, for anything that uses lab.pipe
    assert sorted(lora.loaded_adapters(tiny_pipe)) == ["fox_1", "weiwei_1"]
    # the pictures a LoRA drew after it was only noted are the ones it draws loaded at once
    lab.unload()
    monkeypatch.setattr(caches, "POINTS_DIR", caches.POINTS_DIR.parent / "points2")
    with lab.loading_when_drawn():
        lab.train("weiwei_1", cfg, progress=False)
        late = lab.sweep(["weiwei"], "weiwei_1", weights=(1.0,), progress=False)
    assert np.array_equal(late.images, first.images)
    # a LoRA only noted is loaded by the next train() of it outside the block
    lab.unload()
    with lab.loading_when_drawn():
        lab.train("weiwei_1", cfg, progress=False)
    assert lora.loaded_adapters(tiny_pipe) == []
    lab.train("weiwei_1", cfg, progress=False)
    assert lora.loaded_adapters(tiny_pipe) == ["weiwei_1"]
    # trained again while only noted: the new training is the one kept
    lab.unload()
    with lab.loading_when_drawn():
        lab.train("weiwei_1", cfg, progress=False)
        lab.train("weiwei_1", cfg, reuse=False, progress=False)
        assert lab.sources["weiwei_1"] is lab.results["weiwei_1"]


def test_unload_takes_every_lora_out_for_good(lab, tiny_pipe):
    cfg = lora.LoraTrainConfig(steps=1, batch_size=2)
    lab.train("weiwei_1", cfg, progress=False)
    lab.train("fox_1", cfg, progress=False)
    assert sorted(lora.loaded_adapters(tiny_pipe)) == ["fox_1", "weiwei_1"]
    lab.unload()
    assert lora.loaded_adapters(tiny_pipe) == []
    lab.train("mouth_2", cfg, progress=False)          # trains and re-loads none of the others
    assert lora.loaded_adapters(tiny_pipe) == ["mouth_2"]


def test_prior_preservation_set(tiny_pipe, tmp_path):
    from lora_course.datasets import dataset
    from lora_course.measure import remedies
    root = remedies.prior_preservation_set(tiny_pipe, "weiwei_1", seeds=range(3), out=tmp_path / "reg")
    ds = dataset.load_dataset(root)
    assert sorted(c.path.name for c in ds.concepts) == ["10_weiwei", "1_1girl"]
    reg = next(c for c in ds.concepts if c.path.name == "1_1girl")
    assert len(reg.items) == 3 and all(it.tags == ["1girl"] for it in reg.items)
    # the pictures are the base model's own, every LoRA off
    from lora_course.measure import evaluation
    want = evaluation.generate(tiny_pipe, ["1girl"] * 3, [0, 1, 2])
    assert np.array_equal(np.stack([np.asarray(it.image()) for it in reg.items]), want)
    # rebuilt from scratch each time (it depends on the base model)
    again = remedies.prior_preservation_set(tiny_pipe, "weiwei_1", seeds=range(2), out=tmp_path / "reg")
    assert len(next(c for c in dataset.load_dataset(again).concepts if c.path.name == "1_1girl").items) == 2


def test_a_drawn_set_is_keyed_by_how_it_was_drawn_not_by_its_bytes(tiny_pipe, tmp_path):
    """On another machine the base model draws the prior-preservation pictures up to their last
    bits; the LoRA's cache key (and so its shipped file) must not move with them."""
    from PIL import Image
    from lora_course.datasets import dataset
    from lora_course.lora import lora_data
    from lora_course.measure import remedies
    root = remedies.prior_preservation_set(tiny_pipe, "weiwei_1", seeds=range(2), out=tmp_path / "reg")
    drawn = lora_data.drawn_concepts(root)
    assert list(drawn) == ["1_1girl"] and drawn["1_1girl"]["seeds"] == [0, 1]
    assert drawn["1_1girl"]["model"] == lora.base_fingerprint(tiny_pipe)
    key = lora_data.dataset_fingerprint(dataset.load_dataset(root))
    png = root / "1_1girl" / "000.png"
    pixels = np.asarray(Image.open(png)).copy()
    pixels[0, 0, 0] ^= 1                                             # one bit of one pixel
    Image.fromarray(pixels).save(png)
    assert lora_data.dataset_fingerprint(dataset.load_dataset(root)) == key
    # its captions still count
    caption = root / "1_1girl" / "000.txt"
    caption.write_text("1girl, smile")
    assert lora_data.dataset_fingerprint(dataset.load_dataset(root)) != key
    caption.write_text("1girl")
    assert lora_data.dataset_fingerprint(dataset.load_dataset(root)) == key
    # the copied training picture still counts by its bytes, and so do other seeds
    weiwei = next((root / "10_weiwei").glob("*.png"))
    pixels = np.asarray(Image.open(weiwei)).copy()
    pixels[0, 0, 0] ^= 1
    Image.fromarray(pixels).save(weiwei)
    assert lora_data.dataset_fingerprint(dataset.load_dataset(root)) != key
    other = remedies.prior_preservation_set(tiny_pipe, "weiwei_1", seeds=range(1, 3), out=tmp_path / "reg2")
    assert lora_data.dataset_fingerprint(dataset.load_dataset(other)) != key
    # a broken record is refused, naming the file
    (root / lora_data.DRAWN).write_text("[1, 2]")
    with pytest.raises(dataset.DatasetError, match="drawn.json"):
        lora_data.dataset_fingerprint(dataset.load_dataset(root))


def test_a_sweep_draws_only_the_seeds_not_kept(lab, tmp_path, monkeypatch):
    a = lab.train("weiwei_1", lora.LoraTrainConfig(steps=1, batch_size=2), progress=False)
    first = lab.drawn
    narrow = lab.sweep(["weiwei"], a, weights=(0.0, 1.0), seeds=[0, 1], progress=False)
    assert lab.drawn - first == 4                                   # 2 points × 2 seeds
    drawn = []
    real = evaluation.sweep_images

    def counting(pipe, prompts, weights, seeds, *args, **kwargs):
        drawn.append((tuple(prompts), tuple(weights), tuple(seeds)))
        return real(pipe, prompts, weights, seeds, *args, **kwargs)
    monkeypatch.setattr(evaluation, "sweep_images", counting)
    wide = lab.sweep(["weiwei"], a, weights=(1.0, 0.0), seeds=[0, 1, 2], progress=False)
    assert sorted(drawn) == [(("weiwei",), (0.0,), (2,)), (("weiwei",), (1.0,), (2,))]   # only seed 2 is new
    assert lab.drawn - first == 6
    assert np.array_equal(wide.images[0, 0, :2], narrow.images[0, 1]) and np.array_equal(wide.images[0, 1, :2],
                                                                                          narrow.images[0, 0])
    # the new seed is the picture a sweep on it alone draws (a picture depends only on its seed)
    lab.cache_points = False
    alone = lab.sweep(["weiwei"], a, weights=(1.0,), seeds=[2], progress=False)
    assert np.array_equal(alone.images[0, 0, 0], wide.images[0, 0, 2])
    lab.cache_points = True
    drawn.clear()
    again = lab.sweep(["weiwei"], a, weights=(1.0,), seeds=[2, 0], progress=False)     # any subset, any order
    assert drawn == [] and np.array_equal(again.images[0, 0], wide.images[0, 0, [2, 0]])


def test_train_along_keeps_every_length_under_its_own_key(lab, tiny_pipe, tmp_path, monkeypatch):
    cfg = lora.LoraTrainConfig(steps=7, batch_size=2)
    names = lab.train_along("weiwei_1", (2, 4), cfg, progress=False)
    assert names == {2: "weiwei_1_2", 4: "weiwei_1_4"} and len(lab.losses["weiwei_1"]) == 4
    assert set(lora.loaded_adapters(tiny_pipe)) == {"weiwei_1_2", "weiwei_1_4"}
    lab.unload()

    def no_training(*args, **kwargs):
        raise AssertionError("trained a LoRA that was kept")
    monkeypatch.setattr(lora, "train_lora", no_training)
    # a 4-step LoRA is the one the run kept at step 4: loaded, not trained
    from dataclasses import replace
    assert lab.train("weiwei_1", replace(cfg, steps=4), progress=False) == "weiwei_1"
    assert lab.train_along("weiwei_1", (4, 2), cfg, progress=False) == names
    with pytest.raises(AssertionError, match="kept"):
        lab.train_along("weiwei_1", (2, 3), cfg, progress=False)


def test_train_along_reads_a_shipped_run_whole_and_writes_only_to_build(lab, tiny_pipe, tmp_path, monkeypatch):
    """Notebook 14's runs ship in data/loras: a run found there whole (every kept length and its
    loss curve) is loaded; a run asked at another length is trained here, into build/loras only."""
    cfg = lora.LoraTrainConfig(steps=7, batch_size=2)
    names = lab.train_along("weiwei_1", (2, 4), cfg, progress=False)
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    moved = sorted(tmp_path.glob("weiwei_1-*"))
    assert len(moved) == 3                                  # two kept LoRAs and the loss curve
    for f in moved:
        f.rename(shipped / f.name)
    before = {f.name: f.read_bytes() for f in shipped.iterdir()}
    lab.unload()
    real = lora.train_lora

    def no_training(*args, **kwargs):
        raise AssertionError("trained a run that ships")
    monkeypatch.setattr(lora, "train_lora", no_training)
    assert lab.train_along("weiwei_1", (2, 4), cfg, progress=False) == names
    assert all(lab.sources[n].parent == shipped for n in names.values())
    monkeypatch.setattr(lora, "train_lora", real)
    lab.unload()
    lab.train_along("weiwei_1", (2, 3), cfg, progress=False)          # not shipped: trained here
    assert {f.name: f.read_bytes() for f in shipped.iterdir()} == before
    assert len(list(tmp_path.glob("weiwei_1-*.safetensors"))) == 2


def test_lora_course_build_moves_every_cache(tmp_path):
    """LORA_COURSE_BUILD (Colab's Drive, or an empty folder to time a fresh run) moves the LoRAs,
    the sweep points, the generated sets and the real-SD work; unset, they stay in build/."""
    import os
    import subprocess
    import sys
    code = ("from lora_course import real_sd; from lora_course.core import paths; from lora_course.measure import caches, remedies; "
            "print(paths.BUILD_DIR, caches.LORAS_DIR, caches.POINTS_DIR, real_sd.WORK_DIR, remedies.BUILD_SETS)")
    env = {k: v for k, v in os.environ.items() if k != "LORA_COURSE_BUILD"}
    moved = subprocess.run([sys.executable, "-c", code], env=dict(env, LORA_COURSE_BUILD=str(tmp_path)),
                           capture_output=True, text=True, check=True).stdout.split()
    assert moved == [str(tmp_path)] + [str(tmp_path / sub) for sub in ("loras", "points", "real_sd", "sets")]
    home = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout.split()
    assert home[0] == str(course.base_model.DATA_DIR.parent / "build")


def test_a_relative_build_folder_is_taken_from_the_repository_root(tmp_path):
    """A kernel runs in notebooks/ and the report in the root: both must find the same folder."""
    from lora_course.core import paths
    assert paths.build_dir("my_build") == paths.ROOT / "my_build"
    assert paths.build_dir("") == paths.ROOT / "build"
    assert paths.build_dir(str(tmp_path)) == tmp_path
    assert not paths.INSTALLED and paths.DATA_DIR == paths.ROOT / "data"       # a clone


def test_an_installed_course_finds_its_data_in_the_package_and_builds_at_home(monkeypatch, tmp_path):
    """Installed from a wheel (the Colab cell), data/ is the package's ``shipped`` folder (in a
    clone, a link to ../data, the same files) and the build folder is in the home folder."""
    from lora_course.core import paths
    assert (paths.ROOT / "lora_course" / "shipped" / "base" / "model_index.json").is_file()
    monkeypatch.setattr(paths, "INSTALLED", True)
    monkeypatch.setattr(paths, "HOME_BUILD", tmp_path / "lora_course_build")
    assert paths.build_dir("") == tmp_path / "lora_course_build"
    assert paths.build_dir("drive_build") == tmp_path / "drive_build"


def test_the_articles_pictures_put_the_base_the_article_and_the_light_lora_side_by_side(lab, monkeypatch):
    """Rows: per prompt, the base model, then each LoRA at each weight: the article's recipe's
    (loaded under the set's name), then the light recipe's (``<set>_light``)."""
    from dataclasses import replace
    monkeypatch.setattr(course, "ARTICLE_LORA", replace(course.ARTICLE_LORA, steps=3, batch_size=2))
    monkeypatch.setattr(course, "LIGHT_LORA", replace(course.LIGHT_LORA, steps=2, batch_size=2))
    fig = course.article_pictures(lab, "fox_1", ["fox"], n=2)
    assert len(fig.axes) == 5 * 2                        # 1 base row + 2 LoRAs x 2 weights, 2 seeds
    labels = [ax.get_ylabel().replace("\n", " ") for ax in fig.axes if ax.get_ylabel()]
    assert labels[0].startswith("`fox` · the base model") and "w=0.6" in labels[1]
    assert "the article's LoRA (3 steps)" in labels[1] and "the light recipe's (2 steps)" in labels[3]
    assert "fox_1" in lab.keys and "fox_1_light" in lab.keys and lab.keys["fox_1"] != lab.keys["fox_1_light"]


def test_a_lora_trained_three_times_splits_its_seeds_between_the_runs(tiny_pipe, tmp_path, monkeypatch):
    monkeypatch.setattr(caches, "LORAS_DIR", tmp_path)
    monkeypatch.setattr(caches, "POINTS_DIR", tmp_path / "points")
    lab = course.Lab(tiny_pipe, Tagger.load(), seeds=5, runs=3)
    cfg = lora.LoraTrainConfig(steps=2, batch_size=2)
    name = lab.train("weiwei_1", cfg, progress=False)
    assert name == "weiwei_1" and lab.replicates[name] == ("weiwei_1", "weiwei_1_run1", "weiwei_1_run2")
    assert sorted(lora.loaded_adapters(tiny_pipe)) == ["weiwei_1", "weiwei_1_run1", "weiwei_1_run2"]
    assert [lab.results[n].config.seed for n in lab.replicates[name]] == [0, 1, 2]
    one = lab.results["weiwei_1"].unet_lora
    assert any(not np.array_equal(one[k], lab.results["weiwei_1_run1"].unet_lora[k]) for k in one)  # other seeds
    sw = lab.sweep(["weiwei"], name, weights=(0.0, 1.0), progress=False)
    assert sw.runs == [0, 1, 2, 0, 1]
    # the i-th seed's picture at w = 1 is run i mod 3's, at w = 0 the base model's
    run1 = lab.sweep(["weiwei"], "weiwei_1_run1", weights=(0.0, 1.0), seeds=[1, 4], progress=False)
    assert np.array_equal(sw.images[0, 1, [1, 4]], run1.images[0, 1])
    assert np.array_equal(sw.images[0, 0, [1, 4]], run1.images[0, 0])
    # loaded again from the cache: no run trained twice, the same pictures
    lab2 = course.Lab(tiny_pipe, lab.tagger, seeds=5, runs=3)
    lab2.train("weiwei_1", cfg, progress=False)
    assert lab2.results == {}
    assert np.array_equal(lab2.sweep(["weiwei"], name, weights=(0.0, 1.0), progress=False).images, sw.images)
    # an interval of a share of this sweep resamples the runs: each run's share is printed beside it
    est = verdicts.share_of(sw, sw.her("weiwei", 1.0))
    assert est.per_run is not None and len(est.per_run) == 3
