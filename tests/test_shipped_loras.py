"""The article's LoRAs the course ships in data/loras: every LoRA a claim reads is there under the
key the course computes for it (the key digests its training set, its settings and the base model),
its file says it was trained with the article's recipe and its run's seed, and a LoRA trained again
here is the shipped one, tensor for tensor; and notebook 14's light runs ship at every length it keeps.
The retraining test trains 800 steps (minutes on 2 cores), so it
runs only when asked: ``LORA_COURSE_RETRAIN=1 pytest tests/test_shipped_loras.py``."""
import json
import os
from dataclasses import replace

import pytest
from safetensors import safe_open
from safetensors.torch import load_file

from lora_course import course, results
from lora_course.datasets import training_sets
from lora_course.measure import caches

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lab():
    return course.setup()


def _runs(lab, set_name, name):
    """``(run name, file name)`` of each training run of the article's LoRA ``name`` on ``set_name``."""
    folder = training_sets.folder(set_name)
    return [(cfg, caches.lora_file(cfg.name, lab._cached(folder, cfg)[0]).name)
            for cfg in lab.run_configs(replace(course.ARTICLE_LORA, name=name))]


def test_every_lora_the_claims_read_ships_under_its_key(lab):
    loras = results.claim_loras(lab)
    assert len(loras) >= 10 and "weiwei_1" in loras and "weiwei_reg" in loras
    missing = [f for name, s in loras.items() for _, f in _runs(lab, s, name)
               if not (caches.SHIPPED_LORAS_DIR / f).is_file()]
    assert not missing, (f"data/loras lacks {len(missing)} of the article's LoRAs the claims read, e.g. "
                         f"{missing[:3]}. Fix: python scripts/train_article_loras.py")


def test_each_shipped_file_records_the_articles_recipe_and_its_seed(lab):
    want = json.loads(json.dumps({k: v for k, v in course.ARTICLE_LORA.weights_json().items()
                                  if k not in ("name", "seed")}))
    for name, s in results.claim_loras(lab).items():
        for cfg, f in _runs(lab, s, name):
            with safe_open(str(caches.SHIPPED_LORAS_DIR / f), "pt") as fh:
                meta = fh.metadata()
            got = json.loads(meta["lora_course.config"])
            assert {k: got.get(k) for k in want} == want, f"{f}: not the article's recipe"
            assert int(meta["ss_seed"]) == cfg.seed and int(meta["ss_max_train_steps"]) == course.ARTICLE_LORA.steps


def test_notebook_14s_light_runs_ship_whole(lab):
    """Every length notebook 14 keeps of each of its runs, and the run's loss curve, ship under the
    light recipe's keys, so the notebook loads them instead of training."""
    from lora_course.measure import training_length as tl
    for set_name in tl.ALONG:
        folder = training_sets.folder(set_name)
        cfgs = [replace(course.LIGHT_LORA, name=folder.name, steps=k) for k in tl.KEEP_STEPS]
        files = [caches.shipped_lora_file(c.name, lab._cached(folder, c)[0]) for c in cfgs]
        curve = course.loss_curve_file(dict(zip(tl.KEEP_STEPS, files)))
        missing = [f.name for f in files + [curve] if not f.is_file()]
        assert not missing, (f"data/loras lacks {missing[:3]} of notebook 14's run on {set_name}. Fix: python "
                             f"scripts/train_article_loras.py --only {set_name}")
        want = json.loads(json.dumps({k: v for k, v in course.LIGHT_LORA.weights_json().items()
                                      if k not in ("name", "steps")}))
        for f, k in zip(files, tl.KEEP_STEPS):
            with safe_open(str(f), "pt") as fh:
                meta = fh.metadata()
            got = json.loads(meta["lora_course.config"])
            assert {key: got.get(key) for key in want} == want, f"{f.name}: not the light recipe"
            assert int(meta["ss_max_train_steps"]) == k == got["steps"], f"{f.name}: not kept at {k} steps"


@pytest.mark.skipif(os.environ.get("LORA_COURSE_RETRAIN") != "1",
                    reason="trains 800 steps (minutes); run with LORA_COURSE_RETRAIN=1")
def test_a_lora_trained_again_is_the_shipped_one(lab, tmp_path, monkeypatch):
    monkeypatch.setattr(caches, "LORAS_DIR", tmp_path)
    cfg, shipped = _runs(lab, "fox_1", "fox_1")[0]
    name = lab.train("fox_1", replace(cfg, name="fox_1_again"), reuse=False, progress=False, runs=1)
    again = lab.results[name].kohya_state()
    want = load_file(str(caches.SHIPPED_LORAS_DIR / shipped))
    assert sorted(again) == sorted(want)
    worst = max(float((again[k].float() - want[k].float()).abs().max()) for k in want)
    assert worst <= 1e-6, f"a retrained fox_1 differs from the shipped one by {worst:.2e}"
