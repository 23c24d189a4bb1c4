"""The real-checkpoint path (notebook 13, lora_course.real_sd), run on the course's tiny model.

Notebook 13 skips itself where there is no GPU; its code is the code below. The shipped tiny base
model is loaded by path through the same entry point a hub id goes through, trained with the
same recipe function (a few steps) and put through the article's experiments 1–3.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from lora_course import lora, real_sd, world
from lora_course.datasets import dataset
from lora_course.sd import base_model, diffusion, sampling
from lora_course.tagger import TAGGER_PATH, Tagger

shipped = pytest.mark.skipif(not (base_model.BASE_DIR / "model_index.json").exists(),
                             reason="data/base not built")
pytestmark = shipped


@pytest.fixture(scope="module")
def pipe():
    return real_sd.load(base_model.BASE_DIR, device="cpu")


def one_sentence(text: str) -> bool:
    return text.endswith(".") and text.count(". ") == 0 and "\n" not in text


# --------------------------------------------------------------------------------------------
# skipping cleanly
# --------------------------------------------------------------------------------------------
def test_available_needs_a_gpu_and_says_so(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    ok, why = real_sd.available()
    assert not ok and "GPU" in why and one_sentence(why)
    # without the GPU requirement, a local diffusers folder is enough
    assert real_sd.available(base_model.BASE_DIR, require_cuda=False).ok


def test_one_availability_type_for_every_optional_part():
    from lora_course.core import availability
    from lora_course.tagger import wd14
    assert real_sd.Availability is wd14.Availability is availability.Availability
    assert not availability.Availability(False, "No GPU here.") and availability.Availability(True, "Found.")


def test_available_with_a_gpu_needs_the_model(monkeypatch, tmp_path):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert real_sd.available(base_model.BASE_DIR).ok
    ok, why = real_sd.available(tmp_path)
    assert not ok and "model_index.json" in why and one_sentence(why)

    import huggingface_hub
    import huggingface_hub.constants as hub
    monkeypatch.setattr(hub, "HF_HUB_CACHE", str(tmp_path / "hub"))   # an empty cache
    monkeypatch.setattr(hub, "HF_HUB_OFFLINE", True)
    ok, why = real_sd.available("someone/sd15-model")
    assert not ok and "offline" in why and one_sentence(why)

    def unreachable(self, *a, **k):
        raise ConnectionError("no network")
    monkeypatch.setattr(hub, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(huggingface_hub.HfApi, "model_info", unreachable)
    ok, why = real_sd.available("someone/sd15-model")
    assert not ok and "ConnectionError" in why and one_sentence(why)


# --------------------------------------------------------------------------------------------
# loading and training: the course's code
# --------------------------------------------------------------------------------------------
def test_load_goes_through_the_course_entry_point(monkeypatch):
    calls = []
    real = base_model.load_pipeline

    def spy(*a, **k):
        calls.append((a, k))
        return real(*a, **k)
    monkeypatch.setattr(base_model, "load_pipeline", spy)
    p = real_sd.load(str(base_model.BASE_DIR), device="cpu")
    assert calls and calls[0][0][0] == str(base_model.BASE_DIR)
    assert p.unet.dtype == torch.float32 and p.device.type == "cpu"      # float16 only on cuda
    assert type(p.scheduler).__name__ == "DPMSolverMultistepScheduler"


def test_training_uses_the_base_models_own_objective(pipe, monkeypatch, tmp_path):
    from diffusers import PNDMScheduler
    acp, kind = diffusion.noise_schedule(pipe)
    assert kind == "v_prediction" and torch.equal(acp, base_model.train_scheduler().alphas_cumprod)
    # SD 1.5's scheduler config: scaled-linear betas, noise (epsilon) prediction
    sd15 = PNDMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                         prediction_type="epsilon", skip_prk_steps=True)
    pipe_sd15 = type("P", (), {"scheduler": sd15})()
    acp, kind = diffusion.noise_schedule(pipe_sd15)
    assert kind == "epsilon" and acp[-1].item() == pytest.approx(0.0047, abs=2e-4)

    seen = []
    real = diffusion.diffusion_loss

    def spy(*a, **k):
        seen.append(a[5] if len(a) > 5 else k.get("prediction_type"))
        return real(*a, **k)
    monkeypatch.setattr(lora, "diffusion_loss", spy)
    root = real_sd.prepare_user_set(None, tmp_path / "set", size=64)
    old = pipe.scheduler
    try:
        pipe.scheduler = type(old).from_config({**old.config, "prediction_type": "epsilon"})
        lora.train_lora(pipe, root, real_sd.recipe(pipe, steps=2, rank=4), progress=False)
    finally:
        pipe.scheduler = old
    assert seen == ["epsilon", "epsilon"]


def test_diffusion_loss_targets():
    """A UNet that predicts its target exactly has zero loss, for each kind of target."""
    x0 = torch.randn(2, 4, 8, 8)
    acp = torch.linspace(0.99, 0.01, 10)

    class Oracle(torch.nn.Module):
        def __init__(self, kind):
            super().__init__()
            self.kind = kind

        def forward(self, xt, t, cond):
            a = acp[t].sqrt().view(-1, 1, 1, 1)
            s = (1 - acp[t]).sqrt().view(-1, 1, 1, 1)
            noise = (xt - a * x0) / s
            out = {"epsilon": noise, "v_prediction": a * noise - s * x0, "sample": x0}[self.kind]
            return type("O", (), {"sample": out})()
    for kind in ("epsilon", "v_prediction", "sample"):
        loss = diffusion.diffusion_loss(Oracle(kind), x0, None, acp, torch.Generator().manual_seed(0), kind)
        assert loss.item() < 1e-8, kind
        wrong = "sample" if kind != "sample" else "epsilon"
        assert diffusion.diffusion_loss(Oracle(wrong), x0, None, acp, torch.Generator().manual_seed(0),
                                   kind).item() > 1e-3
    with pytest.raises(ValueError, match="prediction_type"):
        diffusion.diffusion_loss(Oracle("sample"), x0, None, acp, torch.Generator(), "flow")


def test_recipe_trains_at_the_models_resolution(pipe):
    cfg = real_sd.recipe(pipe)
    assert cfg.resolution == 64 and cfg.rank == 16 and cfg.unet_lr == 1e-4
    assert real_sd.recipe(pipe, steps=7, name="x").steps == 7


# --------------------------------------------------------------------------------------------
# your pictures, tagged with the course's tools
# --------------------------------------------------------------------------------------------
def test_prepare_user_set_writes_a_kohya_folder(tmp_path):
    mine = tmp_path / "my_pictures"
    mine.mkdir()
    world.render(world.WEIWEI, seed=1).resize((120, 90)).save(mine / "a.jpg")
    world.render(world.WEIWEI, seed=2).save(mine / "b.png")
    (mine / "notes.md").write_text("not a picture")
    root = real_sd.prepare_user_set(mine, tmp_path / "set", trigger="Wei_Wei", repeats=5, size=64)
    ds = dataset.load_dataset(root)
    assert [c.path.name for c in ds.concepts] == ["5_wei wei"]
    assert [it.image_path.name for it in ds.items] == ["000_a.png", "001_b.png"]
    assert all(it.tags == ["wei wei"] for it in ds.items)
    assert all(Image.open(it.image_path).size == (64, 64) for it in ds.items)
    # written again (fewer pictures): replaced, nothing stale left
    real_sd.prepare_user_set([mine / "b.png"], root, size=64)
    assert [it.image_path.name for it in dataset.load_dataset(root).items] == ["000_b.png"]
    # a folder it did not write is never removed
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not written by prepare_user_set"):
        real_sd.prepare_user_set(mine, other)
    with pytest.raises(FileNotFoundError, match="no such folder"):
        real_sd.prepare_user_set(tmp_path / "nope", tmp_path / "x")
    with pytest.raises(ValueError, match="needs a tagger"):
        real_sd.prepare_user_set(mine, tmp_path / "y", captions="tagged")


@pytest.mark.skipif(not TAGGER_PATH.exists(), reason="data/tagger.safetensors not built")
def test_prepare_user_set_auto_tags_with_the_trigger_first(tmp_path):
    mine = tmp_path / "my_pictures"
    mine.mkdir()
    for s in (1, 2, 3):
        world.render(world.WEIWEI, seed=s).save(mine / f"{s}.png")
    root = real_sd.prepare_user_set(mine, tmp_path / "set", size=64, captions="tagged",
                                    tagger=Tagger.load(), undesired=["standing"])
    items = dataset.load_dataset(root).items
    for it in items:
        assert it.tags[0] == "weiwei" and "white hair" in it.tags and "standing" not in it.tags
    look = {"white hair", "long hair", "fox ears", "blue eyes", "pink dress"}
    ident = real_sd.identity_tags(root)                       # from the captions
    assert "weiwei" not in ident and look <= set(ident)
    trigger_only = real_sd.prepare_user_set(mine, tmp_path / "plain", size=64)
    assert real_sd.identity_tags(trigger_only) == []          # the captions say nothing more
    ident = real_sd.identity_tags(trigger_only, Tagger.load())   # read off the pictures
    assert "weiwei" not in ident and look <= set(ident)


# --------------------------------------------------------------------------------------------
# the article's experiments 1-3
# --------------------------------------------------------------------------------------------
@pytest.mark.skipif(not TAGGER_PATH.exists(), reason="data/tagger.safetensors not built")
def test_experiments_1_to_3_on_the_tiny_model(pipe, tmp_path):
    root = real_sd.prepare_user_set(None, tmp_path / "set", size=real_sd.lora.base_resolution(pipe))
    cfg = real_sd.recipe(pipe, name="mine", steps=3, rank=4, unet_lr=3e-2, warmup_steps=0)
    name = real_sd.train(pipe, root, cfg, out_dir=tmp_path / "out", progress=False)
    assert name == "mine" and lora.loaded_adapters(pipe) == ["mine"]
    assert (tmp_path / "out" / "mine.safetensors").exists()
    kw = dict(seeds=range(2), steps=2)
    e1 = real_sd.experiment_trigger(pipe, name, "weiwei", **kw)
    e2 = real_sd.experiment_1girl(pipe, name, "weiwei", **kw)
    e3 = real_sd.experiment_red_hair(pipe, name, **kw)
    assert e1.images.shape == (1, 2, 2, 64, 64, 3) and e1.weights == [0.0, 1.0]
    assert e2.images.shape == (2, 3, 2, 64, 64, 3) and e2.prompts == ["weiwei", "1girl"]
    assert e3.images.shape == (2, 4, 2, 64, 64, 3) and e3.prompts == ["red hair", "long hair"]
    # w=0 is the base model: the same pictures as the pipeline without the LoRA
    lora.set_lora_weights(pipe, {})
    base = sampling.generate(pipe, ["weiwei"] * 2, [0, 1], steps=2, guidance=real_sd.GUIDANCE)
    assert np.array_equal(e1.images[0, 0], base)
    assert not np.array_equal(e1.images[0, 1], base)
    for fig in (e1.figure(), e2.figure(1), e3.seeds_figure("red hair", 1.0)):
        assert fig.axes
    rates = e2.tag_rates(Tagger.load(), ["white hair"])
    assert set(rates) == {"weiwei", "1girl"} and all(0 <= v <= 1 for r in rates.values() for v in r.values())
    text = e3.rates_text(Tagger.load(), ["long hair"])
    assert "red hair" in text and "w=0.4" in text
    real_sd.train(pipe, root, real_sd.recipe(pipe, name="again", steps=1, rank=4), progress=False)
    assert lora.loaded_adapters(pipe) == ["again"]          # trained on the bare model, alone


def test_sd15_layout_end_to_end(tmp_path):
    """SD 1.5's UNet layout (four levels, attention in the first three and the middle) and its
    scheduler (PNDM, scaled-linear betas, noise prediction) at toy size, saved as a diffusers
    folder and put through the notebook's steps: load, prepare, train (UNet and text encoder),
    experiment, and the kohya file read back gives the same pictures."""
    folder = real_sd.toy_sd15(tmp_path / "sd15_toy")
    assert real_sd.toy_sd15(folder) == folder                    # made once
    pipe = real_sd.load(tmp_path / "sd15_toy", device="cpu")
    assert type(pipe.scheduler).__name__ == "DPMSolverMultistepScheduler"
    assert diffusion.noise_schedule(pipe)[1] == "epsilon" and lora.base_resolution(pipe) == 32
    root = real_sd.prepare_user_set(None, tmp_path / "set", size=lora.base_resolution(pipe))
    cfg = real_sd.recipe(pipe, **real_sd.TOY_RECIPE)
    name = real_sd.train(pipe, root, cfg, out_dir=tmp_path / "out", progress=False)
    e = real_sd.experiment_1girl(pipe, name, **real_sd.TOY_DRAW)
    assert e.images.shape == (2, 3, 2, 32, 32, 3)
    assert not np.array_equal(e.images[:, 0], e.images[:, 2])      # the LoRA changes the pictures
    pipe.unload_lora_weights()
    again = lora.load_lora(pipe, tmp_path / "out" / f"{name}.safetensors", "from_file")
    assert np.array_equal(real_sd.experiment_1girl(pipe, again, **real_sd.TOY_DRAW).images, e.images)
