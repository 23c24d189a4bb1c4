"""The base model: its pretraining data never shows weiwei, captions look like booru captions,
training resumes exactly, and the shipped folder is an ordinary StableDiffusionPipeline."""
import json
import random

import numpy as np
import pytest
import torch

from lora_course import world
from lora_course.sd import base_model, pretrain
from lora_course.sd.tokenizer import build_tokenizer


def test_pretraining_data_never_shows_weiwei(tmp_path):
    cfg = pretrain.PretrainConfig(n_images=3000)
    imgs, attrs = pretrain.make_data(cfg, tmp_path)
    assert imgs.shape == (3000, 64, 64, 3)
    assert not any(world.is_weiwei_identity(a) for a in attrs)
    assert 0.1 < sum(a["subject"] == "fox" for a in attrs) / len(attrs) < 0.2


def test_pretraining_captions_look_like_booru_and_never_say_weiwei():
    cfg = pretrain.PretrainConfig()
    rng = random.Random(0)
    attrs = [world.sample_attrs(rng) for _ in range(3000)]
    caps = [pretrain.pretrain_captions(a, rng, cfg) for a in attrs]
    assert not any("weiwei" in c for c in caps)
    assert 0.07 < sum(c == "" for c in caps) / len(caps) < 0.13       # empty: for CFG
    for a, c in zip(attrs, caps):
        if c:
            assert set(c.split(", ")) <= set(world.tags_of(a))       # only true tags
    girls = [(a, c) for a, c in zip(attrs, caps) if c and a["subject"] == "1girl"]
    assert sum(len(c.split(", ")) < len(world.tags_of(a)) for a, c in girls) / len(girls) > 0.5   # subsets
    firsts = {c.split(", ")[0] for _, c in girls}
    assert len(firsts) > 10                                            # shuffled order
    assert "1girl" in caps  # short prompts exist, so `1girl` alone leaves other groups free


def _tiny_cfg(**kw):
    return pretrain.PretrainConfig(n_images=64, vae_steps=2, vae_batch=4, unet_steps=4, unet_batch=4,
                                   warmup=2, **kw)


@pytest.mark.slow
def test_pretraining_resumes_to_the_same_weights(tmp_path):
    """Train 4 steps straight (the last 2 cooling down) vs. 2 steps without a cool-down, then
    resume to 4 with it: identical weights. That is how a longer run continues a shorter one."""
    def run(work, stops):
        for steps, decay in stops:
            pretrain.main(["--work", str(work), "--out", str(work / "out"), "--n-images", "64",
                           "--vae-steps", "2", "--vae-batch", "4", "--unet-steps", str(steps),
                           "--unet-decay-steps", str(decay), "--unet-batch", "4", "--warmup", "2"])
        from safetensors.torch import load_file
        return load_file(str(work / "out" / "unet" / "diffusion_pytorch_model.safetensors"))
    a = run(tmp_path / "a", [(4, 2)])
    b = run(tmp_path / "b", [(2, 0), (4, 2)])
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=0, atol=1e-6, msg=k)
    c = run(tmp_path / "c", [(2, 2), (4, 2)])     # stopped inside its own cool-down: not the same
    assert any(not torch.equal(a[k], c[k]) for k in a)


def test_learning_rate_warms_up_holds_then_cools_down():
    cfg = pretrain.PretrainConfig(unet_steps=16000, unet_decay_steps=4000, warmup=300)
    f = [pretrain.lr_factor(s, cfg) for s in range(cfg.unet_steps)]
    assert f[0] == 1 / 300 and f[299] == 1.0
    assert all(x == 1.0 for x in f[299:12001])                 # the stable phase
    assert all(a > b for a, b in zip(f[12000:], f[12001:]))     # then strictly down
    assert f[-1] == 1 / 4000 and abs(f[14000] - 0.5) < 1e-12
    shorter = pretrain.PretrainConfig(unet_steps=12000, unet_decay_steps=0, warmup=300)
    assert [pretrain.lr_factor(s, shorter) for s in range(12000)] == f[:12000]


def test_load_pipeline_names_the_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="model_index.json"):
        base_model.load_pipeline(tmp_path / "nowhere")


@pytest.mark.skipif(not (base_model.BASE_DIR / "model_index.json").exists(), reason="data/base not built")
def test_shipped_base_model_is_small_safetensors_and_loads_offline():
    files = [p for p in base_model.BASE_DIR.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) <= 40 * 2**20
    assert not [p for p in files if p.suffix in {".bin", ".ckpt", ".pt", ".pth", ".pkl"}]
    pipe = base_model.load_pipeline()
    assert type(pipe).__name__ == "StableDiffusionPipeline"
    ids = pipe.tokenizer("weiwei", add_special_tokens=False)["input_ids"]
    assert len(ids) > 1 and pipe.tokenizer.unk_token_id not in ids
    out = pipe("1girl", num_inference_steps=2, guidance_scale=1.0, output_type="np",
               generator=torch.Generator().manual_seed(0)).images
    assert out.shape == (1, 64, 64, 3)
    info = json.loads((base_model.BASE_DIR / "pretrain.json").read_text())
    assert info["unet_steps_done"] > 0


@pytest.mark.skipif(not (base_model.BASE_DIR / "model_index.json").exists(), reason="data/base not built")
def test_the_shipped_tokenizer_holds_its_worlds_cast_names():
    """A sect whose world gives the cast's names tokens of their own (sect v3's `booru_v3c`) ships
    with them: each name is one token of the shipped tokenizer, and `weiwei` is still spelled in
    pieces. Reads pretrain.json's world and the tokenizer alone."""
    from transformers import CLIPTokenizer
    info = json.loads((base_model.BASE_DIR / "pretrain.json").read_text())
    pop = pretrain.POPULATIONS.get(info.get("population", "uniform"))
    if pop is None or not pop.name_tokens:
        pytest.skip(f"the shipped base's world ({info.get('population', 'uniform')!r}) gives names no tokens")
    tok = CLIPTokenizer.from_pretrained(str(base_model.BASE_DIR / "tokenizer"))
    for member in pop.cast():
        assert len(tok(member.name, add_special_tokens=False)["input_ids"]) == 1, member.name
    assert len(tok("weiwei", add_special_tokens=False)["input_ids"]) > 1


@pytest.mark.slow
@pytest.mark.skipif(not (base_model.BASE_DIR / "model_index.json").exists(), reason="data/base not built")
def test_at_the_course_defaults_full_prompts_adhere_and_the_sect_has_a_mind():
    """The base model's bars, at the course's sampling defaults: full prompts draw every group they
    name; and on a sect of the Danbooru world (pretrain.json names the world it learned last:
    `booru`, or sect v3's `booru_v3c`, both with Danbooru's frequencies) unprompted girls cry at
    most 5 points more often than the world's girls do. On the Danbooru sect `weiwei` is not `1girl`
    at w = 0 (the same identity on at most half the seeds: a host with a mind of its own); sect v3
    was built so that both are close to the empty prompt, and they are the same girl on most seeds."""
    from lora_course.measure import evaluation as ev
    from lora_course.world import population
    from lora_course.tagger import Tagger
    pipe, tagger = base_model.load_pipeline(), Tagger.load()
    full = ev.random_full_prompts(4, seed=7)
    r = ev.measure(pipe, tagger, ["1girl", "weiwei"] + full, list(range(32)), progress=False)
    named = [i for p in full for i in ev.rows_of(r, prompt=p)]
    assert min(ev.adherence(r, named).values()) >= 0.90, ev.adherence(r, named)
    info = json.loads((base_model.BASE_DIR / "pretrain.json").read_text())
    world_pop = pretrain.POPULATIONS.get(info.get("population", "uniform"))
    if world_pop is None or world_pop.marginals != "danbooru":
        pytest.skip(f"the shipped base learned the {info.get('population', 'uniform')!r} world, not a Danbooru one")
    girl, wei = ev.rows_of(r, prompt="1girl"), ev.rows_of(r, prompt="weiwei")
    same = np.mean([all(r.values[g][i] == r.values[g][j] for g in world.IDENTITY_GROUPS) for i, j in zip(girl, wei)])
    if info.get("population") == "booru":
        assert same <= 0.5, same
    else:
        # sect v3 was built so that `weiwei` draws what the empty prompt draws (its base target, the
        # model card), and `1girl` sits as close to it: the same seed gives the same girl for both
        # (0.875 of 32 seeds when sect v3 shipped). Its host's mind is judged with the LoRA instead
        # (E12's host rule: `1girl` against the trigger at w = 0.6), not on the base alone.
        assert same >= 0.5, f"`weiwei` and `1girl` drew the same girl on only {same:.2f} of the seeds at w = 0"
    crying = population.danbooru_marginals()["expression"]["crying"]
    assert r.rate("crying", girl) <= crying + 0.05, r.rate("crying", girl)


def test_the_unet_trains_on_unit_variance_latents(tmp_path):
    """encode_all returns latents × scaling_factor, the space the pipeline decodes from."""
    vae, _, _ = base_model.build_models(build_tokenizer(), seed=0)
    imgs, _ = pretrain.make_data(pretrain.PretrainConfig(n_images=64), tmp_path)
    lat = pretrain.encode_all(vae.eval(), imgs, tmp_path)
    assert abs(lat.std().item() - 1.0) < 1e-3
    again = pretrain.encode_all(vae, None, tmp_path)          # from the cache: the same, scaled
    torch.testing.assert_close(again, lat)
    assert vae.config.scaling_factor != 1.0


def test_a_continuation_is_seeded_and_names_its_parent(tmp_path, tiny_pipe):
    """`--continue-from` trains an existing pipeline on the booru world: the same command twice
    gives the same tensors, the weights moved, and pretrain.json records the parent's hash."""
    import json

    from safetensors.torch import load_file
    parent = tmp_path / "parent"
    base_model.save_pipeline(tiny_pipe, parent)

    def run(name):
        pretrain.main(["--continue-from", str(parent), "--population", "booru", "--n-images", "32",
                       "--unet-steps", "3", "--unet-batch", "4", "--warmup", "1",
                       "--work", str(tmp_path / name), "--out", str(tmp_path / name / "out")])
        return load_file(str(tmp_path / name / "out" / "unet" / "diffusion_pytorch_model.safetensors"))
    a, b = run("a"), run("b")
    for k in a:
        assert torch.equal(a[k], b[k]), k
    before = load_file(str(parent / "unet" / "diffusion_pytorch_model.safetensors"))
    assert any(not torch.equal(a[k], before[k]) for k in a)
    info = json.loads((tmp_path / "a" / "out" / "pretrain.json").read_text())
    assert info["parent_sha256"] == pretrain.parent_hash(parent) and info["population"] == "booru"
    assert info["unet_steps"] == 3 and info["ema_decay"] == pretrain.CONTINUATION.ema_decay
    with pytest.raises(FileNotFoundError, match="not a diffusers pipeline folder"):
        pretrain.fetch_parent(str(tmp_path / "nothing"), tmp_path)


def test_guidance_tilts_a_share_away_from_the_empty_prompt():
    from lora_course.sd.sampling import guidance_tilt
    cond, uncond = {"long": 0.55, "short": 0.45}, {"long": 0.62, "short": 0.38}
    assert guidance_tilt(cond, uncond, 1.0) == pytest.approx(cond)              # no guidance: the prompt's shares
    tilted = guidance_tilt(cond, uncond, 2.0)                                   # 0.55²/0.62 vs 0.45²/0.38
    assert tilted["long"] == pytest.approx(0.4879 / (0.4879 + 0.5329), abs=1e-3)
    assert tilted["long"] < 0.5 < cond["long"]       # the prompt's mode is lost: it is rarer than in the empty prompt
    same = {"a": 0.7, "b": 0.3}
    assert guidance_tilt(same, same, 3.0) == pytest.approx(same)                # nothing to move away from
    assert guidance_tilt({"a": 0.6, "b": 0.4}, {"a": 0.5, "b": 0.5}, 3.0)["a"] > 0.6   # sharpens a lead over uncond
