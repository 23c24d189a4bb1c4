"""The notebooks' front door: train (and cache) a LoRA, sweep it, read it, draw it, verdict it."""
import numpy as np
import pytest

from lora_course import claims, course, lora, plots
from lora_course.tagger import TAGGER_PATH, Tagger

pytestmark = pytest.mark.skipif(not TAGGER_PATH.exists(), reason="data/tagger.safetensors not built")


def test_train_sweep_grid_and_verdict(tiny_pipe, tmp_path, monkeypatch):
    monkeypatch.setattr(course, "CACHE_DIR", tmp_path)
    lab = course.Lab(tiny_pipe, Tagger.load(), seeds=2)
    cfg = lora.LoraTrainConfig(steps=3, batch_size=2)
    name = lab.train("weiwei_1", cfg, progress=False)
    assert name == "weiwei_1" and lora.loaded_adapters(tiny_pipe) == ["weiwei_1"]
    assert len(list(tmp_path.glob("weiwei_1-*.safetensors"))) == 1
    # the same set, settings and base: loaded from the cache, not trained again
    lab2 = course.Lab(tiny_pipe, lab.tagger, seeds=2)
    assert lab2.train("weiwei_1", cfg, progress=False) == "weiwei_1" and "weiwei_1" not in lab2.results

    sw = lab.sweep(["weiwei", "1girl"], name, weights=(0.0, 0.6, 1.0), progress=False)
    assert sw.images.shape == (2, 3, 2, 64, 64, 3) and len(sw.readings) == 12
    # w=0 is the base model: identical pictures whatever the LoRA
    base = lab.sweep(["weiwei"], name, weights=(0.0,), progress=False)
    assert np.array_equal(base.images[0, 0], sw.images[0, 0])
    for fig in (lab.grid(sw), lab.weights_grid(sw, "1girl", (0.0, 1.0), n=2),
                plots.fidelity_figure(sw, ["weiwei", "1girl"]), plots.fox_figure(sw, "weiwei")):
        assert fig.axes
    v = claims.c2(sw)
    assert v.status in {"REPRODUCED", "PARTLY", "NOT REPRODUCED"} and v.line().startswith("VERDICT C2 |")


def test_unknown_training_set_is_named(tiny_pipe):
    lab = course.Lab(tiny_pipe, Tagger.load(), seeds=1)
    with pytest.raises(FileNotFoundError, match="weiwei_1"):
        lab.train("no_such_set")
