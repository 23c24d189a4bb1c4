"""LoRA training, files and weight control, on the random tiny pipeline (fast: a few steps each).

The bars of the LoRA issue: resume equivalence; the kohya and diffusers files of one LoRA give
the same images through ``pipe.load_lora_weights``; weight 0 is the base model exactly and
weight 1 agrees with the fused LoRA; bad input (pickles, wrong base, empty dataset, NaN, a
trigger word the tokenizer splits) fails or works with a clear message.
"""
from __future__ import annotations

import pickle
import random
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from lora_course import lora, world
from lora_course.core import prompt_syntax
from lora_course.datasets import dataset
from lora_course.lora import lora_data, lora_files
from lora_course.measure import evaluation
from lora_course.widgets import plots
from lora_course.lora import LoraTrainConfig
from lora_course.lora.lora_files import LoraFileError


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def make_set(root: Path, captions=("weiwei",), repeats: int = 10) -> Path:
    """A kohya dataset: one concept folder, one world picture per caption."""
    items = [(world.render(world.WEIWEI, seed=i), [t.strip() for t in c.split(",")])
             for i, c in enumerate(captions)]
    dataset.write_concept(root, "weiwei", repeats, items)
    return root


def tiny_cfg(**kw) -> LoraTrainConfig:
    base = dict(name="weiwei", rank=4, alpha=4.0, steps=3, batch_size=2, warmup_steps=0)
    base.update(kw)
    return LoraTrainConfig(**base)


def images(pipe, prompts, seeds=(0,), steps=2) -> np.ndarray:
    """Float images straight from the pipeline (no uint8 rounding), one generator per image."""
    gens = [torch.Generator().manual_seed(s) for _ in prompts for s in seeds]
    ps = [p for p in prompts for _ in seeds]
    with torch.no_grad():
        return pipe(ps, num_inference_steps=steps, guidance_scale=2.0, negative_prompt=[""] * len(ps),
                    generator=gens, output_type="np").images


def boosted(result: lora.LoraResult, factor: float = 30.0) -> lora.LoraResult:
    """The same LoRA with B scaled up, so its effect on a random model is far above rounding."""
    scale = lambda sd: {k: v * factor if "lora_B" in k else v for k, v in sd.items()} if sd else sd
    result.unet_lora = scale(result.unet_lora)
    result.text_encoder_lora = scale(result.text_encoder_lora)
    return result


def embeddings(pipe, text="weiwei"):
    ids = pipe.tokenizer([text], padding="max_length", max_length=pipe.tokenizer.model_max_length,
                         return_tensors="pt").input_ids
    with torch.no_grad():
        return pipe.text_encoder(ids)[0]


def state(module) -> dict:
    return {k: v.clone() for k, v in module.state_dict().items()}


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_pipe_session):
    """One LoRA with a text-encoder part and alpha != rank, saved in both layouts."""
    import copy
    pipe = copy.deepcopy(tiny_pipe_session)
    root = make_set(tmp_path_factory.mktemp("set"), ["weiwei, open mouth", "weiwei, smile"])
    res = lora.train_lora(pipe, root, tiny_cfg(rank=4, alpha=2.0, text_encoder_lr=1e-3),
                          progress=False)
    res = boosted(res)
    out = tmp_path_factory.mktemp("files")
    return res, res.save(out / "weiwei.safetensors"), res.save(out / "weiwei.diffusers.safetensors",
                                                               lora_files.DIFFUSERS)


# --------------------------------------------------------------------------------------------
# training
# --------------------------------------------------------------------------------------------
def test_training_leaves_the_pipeline_as_it_was(tiny_pipe, tmp_path):
    before_u, before_t = state(tiny_pipe.unet), state(tiny_pipe.text_encoder)
    res = lora.train_lora(tiny_pipe, make_set(tmp_path), tiny_cfg(text_encoder_lr=1e-3), progress=False)
    assert lora.loaded_adapters(tiny_pipe) == []
    assert not any("lora" in n for n, _ in tiny_pipe.unet.named_modules())
    assert not any("lora" in n for n, _ in tiny_pipe.text_encoder.named_modules())
    for before, after in ((before_u, state(tiny_pipe.unet)), (before_t, state(tiny_pipe.text_encoder))):
        assert before.keys() == after.keys()
        assert all(torch.equal(before[k], after[k]) for k in before)
    assert res.steps == 3 and len(res.losses) == 3 and all(np.isfinite(res.losses))
    assert res.text_encoder_lora and all(".lora_A." in k or ".lora_B." in k for k in res.unet_lora)


def test_split_trigger_word_trains_and_reports_its_tokens(tiny_pipe, tmp_path, capsys):
    res = lora.train_lora(tiny_pipe, make_set(tmp_path), tiny_cfg(), progress=True)
    report = res.tokenization["weiwei"]
    assert "|" in report and "tokens" in report                      # w|e|i|... : split in pieces
    assert report in capsys.readouterr().out                          # and said so while training
    assert res.metadata["modelspec.trigger_phrase"] == "weiwei"
    assert np.isfinite(res.losses).all()


def test_resume_gives_the_same_weights(tiny_pipe, tmp_path):
    root = make_set(tmp_path / "set", ["weiwei, open mouth, smile", "weiwei, closed mouth"])
    cfg = dict(text_encoder_lr=1e-3, caption_dropout=0.3, steps=6)
    straight = lora.train_lora(tiny_pipe, root, tiny_cfg(**cfg), out_dir=tmp_path / "a", progress=False)
    lora.train_lora(tiny_pipe, root, tiny_cfg(**{**cfg, "steps": 3}), out_dir=tmp_path / "b",
                    progress=False)                                   # stop after 3 ...
    resumed = lora.train_lora(tiny_pipe, root, tiny_cfg(**cfg), out_dir=tmp_path / "b",
                              progress=False)                          # ... resume to 6
    assert resumed.resumed_from == 3
    for a, b in ((straight.unet_lora, resumed.unet_lora),
                 (straight.text_encoder_lora, resumed.text_encoder_lora)):
        assert a.keys() == b.keys()
        for k in a:
            torch.testing.assert_close(a[k], b[k], rtol=1e-5, atol=1e-6)
    assert straight.losses == pytest.approx(resumed.losses, rel=1e-5)


def test_one_run_keeps_the_lora_of_every_chosen_step(tiny_pipe, tmp_path):
    root = make_set(tmp_path / "set", ["weiwei, open mouth", "weiwei, closed mouth"])
    keep = lora.KeepAt([2, 4])
    full = lora.train_lora(tiny_pipe, root, tiny_cfg(steps=6, caption_dropout=0.3), progress=False,
                           callbacks=[keep])
    assert sorted(keep.kept) == [2, 4] and full.steps == 6
    for k in (2, 4):                                                  # = a separate k-step run
        alone = lora.train_lora(tiny_pipe, root, tiny_cfg(steps=k, caption_dropout=0.3), progress=False)
        kept = keep.kept[k]
        assert kept.steps == k and kept.config.steps == k and kept.losses == alone.losses
        for key in alone.unet_lora:
            assert torch.equal(kept.unet_lora[key], alone.unet_lora[key])
    assert not torch.equal(keep.kept[4].unet_lora[key], full.unet_lora[key])


def test_resume_refuses_other_settings(tiny_pipe, tmp_path):
    root = make_set(tmp_path / "set")
    lora.train_lora(tiny_pipe, root, tiny_cfg(steps=1), out_dir=tmp_path / "o", progress=False)
    with pytest.raises(ValueError, match="rank=4.*rank=8.*resume=False"):
        lora.train_lora(tiny_pipe, root, tiny_cfg(steps=2, rank=8), out_dir=tmp_path / "o",
                        progress=False)


def test_checkpoint_files_and_samples(tiny_pipe, tmp_path):
    cfg = tiny_cfg(steps=2, sample_every=2, sample_seeds=(0, 1), sample_steps=2, save_every=1,
                   checkpoint_every=1)
    res = lora.train_lora(tiny_pipe, make_set(tmp_path / "set"), cfg, out_dir=tmp_path / "o",
                          progress=False)
    step, imgs = res.samples[0]
    assert step == 2 and imgs.shape == (1, 2, 64, 64, 3) and imgs.dtype == np.uint8
    names = {p.name for p in (tmp_path / "o").iterdir()}
    assert {"weiwei.safetensors", "weiwei.diffusers.safetensors", "weiwei-step000001.safetensors",
            "checkpoint.safetensors", "checkpoint.json", "samples"} <= names
    meta = lora_files.read_metadata(res.files["kohya"])
    assert meta["ss_tag_frequency"] == {"10_weiwei": {"weiwei": 1}}
    assert meta["ss_network_dim"] == "4" and meta["ss_network_alpha"] == "4.0"
    assert meta["ss_output_name"] == "weiwei" and meta["lora_course.trigger_words"] == ["weiwei"]
    assert len(meta["lora_course.base_sha256"]) == 64


def test_previews_do_not_change_the_lora(tiny_pipe, tmp_path):
    """Preview pictures are drawn with their own seeds: the trained weights are the same, so the
    course's cache may treat both configs as one LoRA."""
    data = make_set(tmp_path / "set")
    plain = lora.train_lora(tiny_pipe, data, tiny_cfg(steps=4), progress=False)
    cfg = tiny_cfg(steps=4, sample_every=2, sample_steps=2)
    shown = lora.train_lora(tiny_pipe, data, cfg, progress=False)
    assert len(shown.samples) == 2
    assert plain.unet_lora.keys() == shown.unet_lora.keys()
    assert all(torch.equal(plain.unet_lora[k], shown.unet_lora[k]) for k in plain.unet_lora)
    assert cfg.weights_json() == tiny_cfg(steps=4).weights_json() != tiny_cfg(steps=5).weights_json()


def test_accelerate_costs_nothing_in_results(tiny_pipe, tmp_path):
    """The Accelerator and the plain loop compute the same thing on the CPU."""
    root = make_set(tmp_path)
    a = lora.train_lora(tiny_pipe, root, tiny_cfg(accelerate=True), progress=False)
    b = lora.train_lora(tiny_pipe, root, tiny_cfg(accelerate=False), progress=False)
    for k in a.unet_lora:
        torch.testing.assert_close(a.unet_lora[k], b.unet_lora[k])


def test_uncached_loop_computes_the_same(tiny_pipe, tmp_path):
    root = make_set(tmp_path, ["weiwei, smile"])
    a = lora.train_lora(tiny_pipe, root, tiny_cfg(), progress=False)
    b = lora.train_lora(tiny_pipe, root, tiny_cfg(cache_latents=False, cache_text=False), progress=False)
    for k in a.unet_lora:
        torch.testing.assert_close(a.unet_lora[k], b.unet_lora[k], rtol=1e-3, atol=1e-4)


def test_empty_dataset_is_an_error(tiny_pipe, tmp_path):
    with pytest.raises(dataset.DatasetError, match="empty dataset"):
        lora.train_lora(tiny_pipe, tmp_path, tiny_cfg(), progress=False)
    (tmp_path / "10_weiwei").mkdir()
    with pytest.raises(dataset.DatasetError, match="no images"):
        lora.train_lora(tiny_pipe, tmp_path, tiny_cfg(), progress=False)


def test_nan_loss_stops_with_the_step_and_the_fix(tiny_pipe, tmp_path):
    with pytest.raises(FloatingPointError, match=r"at step 1\b.*lower unet_lr"):
        lora.train_lora(tiny_pipe, make_set(tmp_path), tiny_cfg(unet_lr=1e30, steps=5), progress=False)
    assert lora.loaded_adapters(tiny_pipe) == []                       # cleaned up all the same


def test_training_refuses_a_pipeline_with_loras(tiny_pipe, trained, tmp_path):
    lora.load_lora(tiny_pipe, trained[1], "other")
    with pytest.raises(ValueError, match="unload_lora_weights"):
        lora.train_lora(tiny_pipe, make_set(tmp_path), tiny_cfg(), progress=False)


def test_config_checks_and_epochs():
    with pytest.raises(ValueError, match="rank"):
        LoraTrainConfig(rank=0).check()
    with pytest.raises(ValueError, match="caption_dropout"):
        LoraTrainConfig(caption_dropout=1.0).check()
    assert LoraTrainConfig(epochs=10, batch_size=4).total_steps(10) == 25   # 10 images × 10 / 4


def test_batches_walk_through_shuffled_epochs():
    order = [0] * 10 + [1] * 10                                         # two images, repeats 10
    first = lora_data.batch_indices(order, 0, 20, seed=0)
    assert sorted(first) == sorted(order)                               # one epoch = each once
    assert lora_data.batch_indices(order, 7, 5, 0) == first[7:12]           # a pure function of position


def test_captions_keep_the_trigger_first():
    rng, cfg = random.Random(0), LoraTrainConfig(keep_tokens=1)
    caps = {lora.training_caption(["weiwei", "a", "b", "c"], rng, cfg) for _ in range(50)}
    assert len(caps) > 1 and all(c.startswith("weiwei, ") for c in caps)
    rng, cfg = random.Random(0), LoraTrainConfig(caption_dropout=0.5)
    caps = [lora.training_caption(["weiwei"], rng, cfg) for _ in range(400)]
    assert 0.4 < caps.count("") / 400 < 0.6


# --------------------------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------------------------
def test_kohya_keys_are_what_a1111_reads(trained):
    res, kohya, diffusers = trained
    keys = list(load_file(str(kohya)))
    assert any(k.startswith("lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn1_to_out_0.")
               for k in keys)
    assert any(k.startswith("lora_te_text_model_encoder_layers_0_self_attn_q_proj.") for k in keys)
    assert not any(k.startswith("lora_te1_") for k in keys)
    alphas = {float(v) for k, v in load_file(str(kohya)).items() if k.endswith(".alpha")}
    assert alphas == {2.0}                                              # the real alpha, not rank
    dkeys = list(load_file(str(diffusers)))
    assert any(k.startswith("text_encoder.text_model.encoder.layers.0.") for k in dkeys)
    assert any(k.startswith("unet.down_blocks.1.") for k in dkeys)


def test_kohya_and_diffusers_files_give_the_same_images(trained, tiny_pipe_session):
    import copy
    res, kohya, diffusers = trained
    prompts = ["weiwei", "1girl, smile"]
    out = {}
    for layout, path in (("kohya", kohya), ("diffusers", diffusers)):
        pipe = copy.deepcopy(tiny_pipe_session)
        pipe.load_lora_weights(str(path), adapter_name="weiwei")       # diffusers' own loader
        out[layout] = images(pipe, prompts)
        emb = embeddings(pipe)
        out[layout + "_emb"] = emb
    base = images(tiny_pipe_session, prompts)
    assert np.abs(out["kohya"] - base).max() > 1e-2                     # the LoRA does something
    np.testing.assert_allclose(out["kohya"], out["diffusers"], atol=1e-5)
    torch.testing.assert_close(out["kohya_emb"], out["diffusers_emb"])
    assert not torch.allclose(out["kohya_emb"], embeddings(tiny_pipe_session))   # TE part loaded


def test_in_memory_result_loads_like_its_file(trained, tiny_pipe, tiny_pipe_session):
    import copy
    res, kohya, _ = trained
    lora.load_lora(tiny_pipe, res)
    other = copy.deepcopy(tiny_pipe_session)
    lora.load_lora(other, kohya)
    np.testing.assert_allclose(images(tiny_pipe, ["weiwei"]), images(other, ["weiwei"]), atol=1e-6)


def test_pickles_are_refused(tmp_path, tiny_pipe):
    for name in ("evil.ckpt", "evil.pt", "evil.bin"):
        torch.save({"lora_unet_x.lora_down.weight": torch.zeros(1)}, tmp_path / name)
        with pytest.raises(LoraFileError, match="pickle.*runs"):
            lora.load_lora(tiny_pipe, tmp_path / name, "x")
    disguised = tmp_path / "disguised.safetensors"
    disguised.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(LoraFileError, match="holds a pickle"):
        lora.load_lora(tiny_pipe, disguised, "x")
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"hello world, not a tensor file")
    with pytest.raises(LoraFileError, match="not a valid safetensors"):
        lora.load_lora(tiny_pipe, junk, "x")
    assert lora.loaded_adapters(tiny_pipe) == []


def test_a_lora_for_another_base_is_refused_naming_the_layer(trained, tiny_pipe, tmp_path):
    _, kohya, diffusers = trained
    sd = load_file(str(kohya))
    key = "lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn2_to_k.lora_down.weight"
    r, width = sd[key].shape
    sd[key] = torch.zeros(r, 96)                                        # a text width of 96, not 128
    save_file(sd, str(tmp_path / "wide.safetensors"))
    with pytest.raises(LoraFileError) as e:
        lora.load_lora(tiny_pipe, tmp_path / "wide.safetensors", "x")
    msg = str(e.value)
    layer = tiny_pipe.unet.down_blocks[1].attentions[0].transformer_blocks[0].attn2.to_k
    assert "unet.down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k" in msg
    assert str(tuple(layer.weight.shape)) in msg and f"({r}, 96)" in msg     # both shapes
    assert "different base model" in msg

    sd = load_file(str(diffusers))                                      # a layer this model lacks
    extra = {k.replace("down_blocks.1.", "down_blocks.7."): v.clone() for k, v in sd.items()
             if "down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q" in k}
    save_file({**sd, **extra}, str(tmp_path / "deeper.safetensors"))
    with pytest.raises(LoraFileError, match=r"down_blocks\.7\..*does not exist"):
        lora.load_lora(tiny_pipe, tmp_path / "deeper.safetensors", "x")
    assert lora.loaded_adapters(tiny_pipe) == []


@pytest.mark.parametrize("bad, what", [(float("nan"), "NaN"), (float("inf"), "inf"),
                                       (float("-inf"), "inf")])
def test_a_lora_holding_nan_or_inf_is_refused_naming_the_tensor(trained, tiny_pipe, tmp_path, bad,
                                                                 what):
    res, kohya, diffusers = trained
    fix = (r"Fix: retrain or re-export the LoRA; a NaN usually means the training diverged: lower "
           r"the learning rate")
    for source, pick in ((kohya, lambda k: k.endswith(".lora_up.weight")),
                         (diffusers, lambda k: k.startswith("unet."))):
        sd, meta = lora_files.read_lora_file(source)
        key = next(k for k in sd if pick(k))
        t = sd[key].clone()
        t.view(-1)[0] = bad                                             # one value is enough
        sd[key] = t
        path = tmp_path / f"broken.{source.name}"
        save_file(sd, str(path), meta)
        with pytest.raises(LoraFileError, match=rf"{re.escape(str(path))}: the tensor {re.escape(key)} "
                                                rf"holds {what} \(1 of its {t.numel()} values are not "
                                                rf"finite\).*{fix}"):
            lora.load_lora(tiny_pipe, path, "x")
        assert lora.loaded_adapters(tiny_pipe) == []
        assert lora_files.read_metadata(path) == lora_files.read_metadata(source)  # inspectable
    state = {k: v.clone() for k, v in res.kohya_state().items()}        # in memory: the same check
    key = next(k for k in state if k.endswith(".alpha"))
    state[key] = torch.tensor(bad)
    with pytest.raises(LoraFileError, match=rf"<state dict>: the tensor {re.escape(key)} holds {what}"):
        lora_files.load_lora_state(tiny_pipe, state, "x")
    assert lora.loaded_adapters(tiny_pipe) == []


def test_diffusers_own_writer_reader_round_trip(trained, tiny_pipe):
    """Our kohya file through diffusers' reader, back out through peft: the same numbers."""
    res, kohya, _ = trained
    parts = lora_files.peft_layers(tiny_pipe, load_file(str(kohya)))
    for k, v in res.unet_lora.items():
        torch.testing.assert_close(parts["unet"][k], v)
    for k, v in res.text_encoder_lora.items():
        torch.testing.assert_close(parts["text_encoder"][k], v)


# --------------------------------------------------------------------------------------------
# weight control (功力)
# --------------------------------------------------------------------------------------------
def test_weight_zero_is_the_base_model_exactly(trained, tiny_pipe):
    base = images(tiny_pipe, ["weiwei", "1girl"], seeds=(0, 1))
    lora.load_lora(tiny_pipe, trained[1], "weiwei", weight=0.0)
    assert np.array_equal(images(tiny_pipe, ["weiwei", "1girl"], seeds=(0, 1)), base)
    lora.set_lora_weights(tiny_pipe, {"weiwei": 1.0})
    assert not np.array_equal(images(tiny_pipe, ["weiwei", "1girl"], seeds=(0, 1)), base)


def test_weight_one_agrees_with_the_fused_lora(trained, tiny_pipe):
    lora.load_lora(tiny_pipe, trained[1], "weiwei", weight=1.0)
    live = images(tiny_pipe, ["weiwei", "1girl"])
    tiny_pipe.fuse_lora(lora_scale=1.0, adapter_names=["weiwei"])
    tiny_pipe.unload_lora_weights()                                     # fused weights stay
    np.testing.assert_allclose(images(tiny_pipe, ["weiwei", "1girl"]), live, atol=1e-4)


def test_set_adapters_scales_the_text_encoder_too(trained, tiny_pipe):
    base = embeddings(tiny_pipe)
    lora.load_lora(tiny_pipe, trained[1], "weiwei")
    full = embeddings(tiny_pipe)
    lora.set_lora_weights(tiny_pipe, {"weiwei": 0.0})
    torch.testing.assert_close(embeddings(tiny_pipe), base, rtol=0, atol=0)
    lora.set_lora_weights(tiny_pipe, {"weiwei": 0.5})
    half = embeddings(tiny_pipe)
    assert 0 < (half - base).abs().max() < (full - base).abs().max()
    q = tiny_pipe.text_encoder.encoder.layers[0].self_attn.q_proj
    assert q.scaling["weiwei"] == pytest.approx(0.5 * 2.0 / 4)          # w · alpha / r


def test_parse_prompt_follows_a1111():
    assert prompt_syntax.parse_prompt("weiwei, <lora:weiwei:0.6>") == ("weiwei", {"weiwei": 0.6})
    assert prompt_syntax.parse_prompt("<lora:weiwei>, 1girl") == ("1girl", {"weiwei": 1.0})
    assert prompt_syntax.parse_prompt("a <lora:x:0.5> b, <LORA:y:-1>, c") == ("a b, c", {"x": 0.5, "y": -1.0})
    assert prompt_syntax.parse_prompt("<lora: weiwei : 1.5 >") == ("", {"weiwei": 1.5})
    assert prompt_syntax.parse_prompt("red hair, long hair") == ("red hair, long hair", {})
    for bad, why in (("<lora:x:abc>", "not a number"), ("<lora::1>", "no name"),
                     ("<lora:x:1> <lora:x:0.5>", "twice"), ("<lora:x:1:0.5>", "one weight")):
        with pytest.raises(ValueError, match=why):
            prompt_syntax.parse_prompt(bad)


def test_apply_prompt_loras_sets_weights_and_cleans_the_prompt(trained, tiny_pipe):
    base = images(tiny_pipe, ["weiwei"])
    lora.load_lora(tiny_pipe, trained[1], "weiwei")
    assert lora.apply_prompt_loras(tiny_pipe, "weiwei, <lora:weiwei:0.6>") == "weiwei"
    assert tiny_pipe.unet.down_blocks[1].attentions[0].transformer_blocks[0].attn1.to_q.scaling[
        "weiwei"] == pytest.approx(0.6 * 2.0 / 4)
    assert lora.apply_prompt_loras(tiny_pipe, "weiwei") == "weiwei"     # not named: off
    assert np.array_equal(images(tiny_pipe, ["weiwei"]), base)
    with pytest.raises(KeyError, match="no LoRA named 'fox'.*load_lora"):
        lora.apply_prompt_loras(tiny_pipe, "<lora:fox:1>")


def test_sweep_images_and_their_grid(trained, tiny_pipe):
    from lora_course.sd.sampling import generate
    lora.load_lora(tiny_pipe, trained[1], "weiwei", weight=0.7)
    imgs, meta = evaluation.sweep_images(tiny_pipe, ["weiwei", "1girl"], [0.0, 1.0], [0, 1], "weiwei", steps=2)
    assert imgs.shape == (2, 2, 2, 64, 64, 3) and meta["weights"] == [0.0, 1.0]
    q = tiny_pipe.unet.down_blocks[1].attentions[0].transformer_blocks[0].attn1.to_q
    assert q.scaling["weiwei"] == pytest.approx(0.7 * 2.0 / 4)           # state restored
    lora.set_lora_weights(tiny_pipe, {})
    base = generate(tiny_pipe, ["1girl", "1girl"], [0, 1], steps=2)
    assert np.array_equal(imgs[1, 0], base)                             # w = 0 column is the base
    assert not np.array_equal(imgs[1, 1], base)
    fig = plots.sweep_grid(imgs, ["weiwei", "1girl"], [0.0, 1.0], [0, 1])
    assert len(fig.axes) == 4
