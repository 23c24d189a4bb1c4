"""LoRA training: teaching the base model (the sect, 门派) a new character with a few small matrices.

The idea in four lines. A layer of the model computes ``y = W·x`` with a big frozen matrix ``W``
(out × in). LoRA learns a *low-rank* change to it, two thin matrices ``A`` (r × in) and
``B`` (out × r) with r ≪ in, out, and at use time adds them back with a strength ``w``::

    W' = W + w · (alpha / r) · B · A                  # so  y' = W·x + w·(alpha/r)·B·(A·x)

* ``B`` starts at zero, so an untrained LoRA changes nothing; only ``A`` and ``B`` are trained;
* ``alpha / r`` is a fixed scale chosen at training (``alpha = r`` → 1);
* ``w`` is the **LoRA weight** people type as ``<lora:weiwei:0.6>``: the article's **功力**
  ("power"; "ten levels", 十层功力, is ``w = 1``). One number scales *every* adapted layer, in the
  UNet and in the text encoder, exactly as A1111 does. ``w = 0`` is the base model, bit for bit.

This module owns the trainer: the knobs LoRA users know (:class:`LoraTrainConfig`), the loop
(:func:`train_lora`, read top to bottom: caches, adapters, resume, steps, events), the events it
sends (:class:`Callback`: checkpoints, snapshots, previews) and what it returns
(:class:`LoraResult`). The pieces it is made of live beside it: what each step is shown
(:mod:`lora_course.lora.lora_data`), the objective (:mod:`lora_course.sd.diffusion`, the base model's own:
*v*-prediction for the course's model, noise prediction for SD 1.5), the adapters and their
weights (:mod:`lora_course.lora.adapters`, re-exported here: :func:`load_lora`,
:func:`set_lora_weights`, :func:`apply_prompt_loras`...) and the files
(:mod:`lora_course.lora.lora_files`: kohya/A1111 and diffusers safetensors with ``ss_*`` metadata).
"""
from __future__ import annotations

import contextlib
import json
import math
import random
import time
from dataclasses import replace
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from tqdm.auto import tqdm

from ..core import progress as progress_
from ..core import checkpoint, safe_io
from ..datasets import dataset
from . import lora_data, lora_files
from .adapters import (TEXT_ENCODER_TARGETS, UNET_TARGETS, adapter_state, apply_prompt_loras,  # noqa: F401
                       inject, kept_lora_state, load_lora, lora_parameters, remove_adapters,
                       set_lora_weights)
from ..sd.accelerator import make_accelerator
from ..sd.diffusion import diffusion_loss, lr_factor, noise_schedule
from .lora_data import dataset_fingerprint  # noqa: F401
from .lora_config import OUTPUT_ONLY, LoraResult, LoraTrainConfig  # noqa: F401
from .lora_files import LoraFileError, base_fingerprint, loaded_adapters, read_metadata  # noqa: F401
from ..sd.sampling import encode_images, encode_prompts, generate, grid_jobs
from ..sd.tokenizer import describe_tokens, warn_if_truncated

PathLike = Union[str, Path]


def trigger_words(ds: dataset.Dataset, cfg: LoraTrainConfig) -> List[str]:
    """``cfg.trigger_words``, else the first ``keep_tokens`` tags of every caption (in order)."""
    return list(cfg.trigger_words) if cfg.trigger_words else lora_data.trigger_words(ds, cfg.keep_tokens)


def training_caption(tags: Sequence[str], rng: random.Random, cfg: LoraTrainConfig) -> str:
    """The caption one training sample sees under ``cfg`` (see :func:`lora_data.training_caption`)."""
    return lora_data.training_caption(tags, rng, cfg.shuffle_caption, cfg.keep_tokens, cfg.caption_dropout)


def _diverged(loss: float, step: int, cfg: LoraTrainConfig) -> FloatingPointError:
    te = f" and text_encoder_lr (now {cfg.text_encoder_lr})" if cfg.trains_text_encoder else ""
    return FloatingPointError(
        f"LoRA {cfg.name!r}: the loss is {loss} at step {step}, training stopped (the weights "
        f"blew up). Fix: lower unet_lr (now {cfg.unet_lr}){te}, e.g. 10× smaller; keep "
        f"max_grad_norm (now {cfg.max_grad_norm}); on a GPU try mixed_precision='bf16' or 'no'.")


# --------------------------------------------------------------------------------------------
# Training: the run's state, its events, the loop
# --------------------------------------------------------------------------------------------
def _check_resumable(info: dict, cfg: LoraTrainConfig, fingerprint: str, path: Path) -> None:
    saved = info.get("config", {})
    now = cfg.to_json()
    ignore = {"steps", "epochs", "accelerate", "cache_latents", "cache_text", *OUTPUT_ONLY}
    diff = sorted(k for k in now if k not in ignore and saved.get(k) != now[k])
    if diff:
        k = diff[0]
        raise ValueError(f"{path}.json: the checkpoint was made with {k}={saved.get(k)!r}, this run "
                         f"asks for {k}={now[k]!r}. Fix: use the same settings, or pass "
                         "resume=False (or delete the checkpoint) to start over")
    if info.get("dataset") != fingerprint:
        raise ValueError(f"{path}.json: the checkpoint was made on a different dataset (images, "
                         "captions or repeats changed). Fix: pass resume=False to start over")


def _metadata(pipe, ds, cfg: LoraTrainConfig, steps: int, triggers, tokenization, started,
              base_sha: str) -> Dict[str, str]:
    """kohya's ``ss_*`` keys (what A1111, ComfyUI and Civitai show), the SAI model-spec title and
    trigger phrase, and ours (``lora_course.*``)."""
    res = cfg.resolution or base_resolution(pipe)
    base = str(getattr(pipe, "name_or_path", "") or pipe.config.get("_name_or_path", "") or "random")
    freq = dataset.tag_frequency_per_concept(ds)
    dirs = {c.path.name: {"n_repeats": c.repeats, "img_count": len(c.items)} for c in ds.concepts}
    return {
        "ss_network_module": "networks.lora", "ss_network_dim": str(cfg.rank),
        "ss_network_alpha": str(float(cfg.alpha)), "ss_output_name": cfg.name,
        "ss_tag_frequency": json.dumps(freq, ensure_ascii=False), "ss_dataset_dirs": json.dumps(dirs),
        "ss_num_train_images": str(ds.epoch_size), "ss_max_train_steps": str(steps),
        "ss_steps": str(steps), "ss_learning_rate": str(cfg.unet_lr), "ss_unet_lr": str(cfg.unet_lr),
        "ss_text_encoder_lr": str(cfg.text_encoder_lr or 0.0),
        "ss_network_train_unet_only": str(not cfg.trains_text_encoder),
        "ss_batch_size_per_device": str(cfg.batch_size),
        "ss_gradient_accumulation_steps": str(cfg.grad_accum), "ss_seed": str(cfg.seed),
        "ss_shuffle_caption": str(cfg.shuffle_caption), "ss_keep_tokens": str(cfg.keep_tokens),
        "ss_caption_dropout_rate": str(cfg.caption_dropout), "ss_resolution": f"({res}, {res})",
        "ss_sd_model_name": Path(base).name or base, "ss_base_model_version": "sd_v1", "ss_v2": "False",
        "ss_training_started_at": str(started), "ss_training_finished_at": str(time.time()),
        "modelspec.sai_model_spec": "1.0.0", "modelspec.architecture": "stable-diffusion-v1/lora",
        "modelspec.title": cfg.name, "modelspec.trigger_phrase": ", ".join(triggers),
        "lora_course.trigger_words": json.dumps(triggers, ensure_ascii=False),
        "lora_course.tokenization": json.dumps(tokenization, ensure_ascii=False),
        "lora_course.sd.base_model": base, "lora_course.base_sha256": base_sha,
        "lora_course.config": json.dumps(cfg.to_json()),
    }


def base_resolution(pipe) -> int:
    """The pipeline's native image size (UNet sample size × VAE factor: 64 here, 512 for SD 1.5)."""
    return int(pipe.unet.config.sample_size * pipe.vae_scale_factor)


class Callback:
    """What the training loop tells the outside, minGPT-style: override the events you need.
    ``run`` is the :class:`TrainingRun` (its ``result(step)`` is the LoRA as it is now)."""

    def on_step_end(self, run: "TrainingRun", step: int) -> None:
        """After optimizer step ``step`` (1-based: the number of steps done)."""

    def on_train_end(self, run: "TrainingRun", step: int) -> None:
        """After the last step, before the pipeline is given back."""


class CheckpointEvery(Callback):
    """A resumable checkpoint every ``every`` steps, and one at the end (``cfg.checkpoint_every``)."""

    def __init__(self, every: Optional[int]):
        self.every = every

    def on_step_end(self, run, step):
        if self.every and step % self.every == 0 and step < run.total:
            run.save_checkpoint(step)

    def on_train_end(self, run, step):
        run.save_checkpoint(step)


class SnapshotEvery(Callback):
    """``<name>-step000100.safetensors`` every ``every`` steps (``cfg.save_every``)."""

    def __init__(self, every: Optional[int]):
        self.every = every

    def on_step_end(self, run, step):
        if run.out is not None and self.every and step % self.every == 0 and step < run.total \
                and run.acc.is_main_process:
            run.result(step).save(run.out / f"{run.cfg.name}-step{step:06d}.safetensors")


class PreviewEvery(Callback):
    """Preview pictures of the LoRA as it is now (weight 1) every ``every`` steps
    (``cfg.sample_every``), kept in ``run.samples``; they never change the weights."""

    def __init__(self, every: Optional[int]):
        self.every = every

    def on_step_end(self, run, step):
        if not (self.every and step % self.every == 0):
            return
        cfg = run.cfg
        run.unet.eval(), run.te.eval()
        ps, ss = grid_jobs(run.sample_prompts, cfg.sample_seeds)
        imgs = generate(run.pipe, ps, ss, steps=cfg.sample_steps)
        run.samples.append((step, imgs.reshape(len(run.sample_prompts), len(cfg.sample_seeds), *imgs.shape[1:])))
        run.unet.train(), run.te.train(cfg.trains_text_encoder)


class KeepAt(Callback):
    """Keep the LoRA as it is after each of ``steps`` (``self.kept[step]``, a :class:`LoraResult`
    whose config says ``steps=step``): the training-length axis from one run, at no extra training
    cost. The LoRA kept at step k is the one a k-step run trains (the learning rate after warm-up
    does not depend on the total, and the batches are a pure function of the position)."""

    def __init__(self, steps: Sequence[int]):
        self.steps, self.kept = sorted(set(int(s) for s in steps)), {}

    def on_step_end(self, run, step):
        if step in self.steps:
            result = run.result(step)
            result.config = replace(run.cfg, steps=step, epochs=None)
            result.metadata["lora_course.config"] = json.dumps(result.config.to_json())
            self.kept[step] = result


@contextlib.contextmanager
def pipeline_given_back(pipe, acc, unwrap: bool):
    """Whatever happens inside, give ``pipe`` back exactly as it was: adapters removed, every
    parameter's ``requires_grad`` and every module's train/eval mode as before."""
    modes = {m: m.training for m in (pipe.unet, pipe.text_encoder, pipe.vae)}
    grads = {p: p.requires_grad for m in modes for p in m.parameters()}
    try:
        yield
    finally:
        if unwrap:
            for m in (pipe.unet, pipe.text_encoder):
                acc.unwrap_model(m, keep_fp32_wrapper=False)
        remove_adapters(pipe)
        for p, g in grads.items():
            p.requires_grad_(g)
        for m, was in modes.items():
            m.train(was)


class TrainingRun:
    """The state of one :func:`train_lora` call, built in the order the loop needs it."""

    def __init__(self, pipe, ds: dataset.Dataset, cfg: LoraTrainConfig, out: Optional[Path], acc):
        self.pipe, self.ds, self.cfg, self.out, self.acc = pipe, ds, cfg, out, acc
        self.order = lora_data.epoch_order(ds)
        self.total = cfg.total_steps(len(self.order))
        self.triggers = trigger_words(ds, cfg)
        self.tokenization = {w: describe_tokens(pipe.tokenizer, w) for w in self.triggers}
        self.ck = out / "checkpoint" if out is not None else None
        self.fingerprint = lora_data.dataset_fingerprint(ds)
        self.started = time.time()
        self.base_sha = base_fingerprint(pipe)
        self.sample_prompts = list(cfg.sample_prompts) or [", ".join(self.triggers) or ""]
        self.samples: List[Tuple[int, np.ndarray]] = []
        self.start, self.losses = 0, []

    # ---- the steps of setting up, in order ----------------------------------------------------
    def cache_inputs(self) -> None:
        """Pixels, latents (encoded once) and a text cache, before the adapters go in (so the
        text encoder is the base one)."""
        cfg, pipe = self.cfg, self.pipe
        self.pixels = lora_data.training_pixels(self.ds, cfg.resolution or base_resolution(pipe))
        self.latents = encode_images(pipe.vae, self.pixels) if cfg.cache_latents else None
        self.frozen_te = not cfg.trains_text_encoder
        self.text_cache = lora_data.TextCache(pipe.tokenizer, pipe.text_encoder) \
            if self.frozen_te and cfg.cache_text else None

    def add_adapters(self) -> None:
        """Fresh adapters, the optimizer over them, and the run's random streams."""
        cfg, acc = self.cfg, self.acc
        self.params = inject(self.pipe, cfg.name, cfg.rank, cfg.alpha, cfg.seed, cfg.unet_targets,
                             cfg.text_encoder_targets if cfg.trains_text_encoder else None)
        self.named = {"unet": lora_parameters(self.pipe, "unet"), "te": lora_parameters(self.pipe, "text_encoder")}
        groups = [{"params": list(self.named["unet"].values()), "lr": cfg.unet_lr}]
        if cfg.trains_text_encoder:
            groups.append({"params": list(self.named["te"].values()), "lr": cfg.text_encoder_lr})
        self.opt = torch.optim.AdamW(groups, weight_decay=cfg.weight_decay)
        self.base_lrs = [g["lr"] for g in groups]
        self.gen = torch.Generator().manual_seed(cfg.seed * 7919 + 1 + acc.process_index)
        self.rng = random.Random(cfg.seed * 7919 + 2 + acc.process_index)

    def resume(self) -> None:
        """Continue from ``out/checkpoint`` (same settings and dataset, or a clear error)."""
        info, extra = checkpoint.load(self.ck, {}, self.opt, {"noise": self.gen}, self.rng)
        _check_resumable(info, self.cfg, self.fingerprint, self.ck)
        with torch.no_grad():
            for part, ps in self.named.items():
                for n, p in ps.items():
                    p.copy_(extra[f"{part}/{n}"])
        self.start, self.losses = info["step"], info.get("losses", [])

    def prepare(self) -> None:
        """Hand the models to accelerate; read the base model's own objective."""
        cfg, pipe, acc = self.cfg, self.pipe, self.acc
        if cfg.trains_text_encoder:
            self.unet, self.te, self.opt = acc.prepare(pipe.unet, pipe.text_encoder, self.opt)
        else:                                   # a frozen module must not be wrapped (DDP refuses)
            (self.unet, self.opt), self.te = acc.prepare(pipe.unet, self.opt), pipe.text_encoder
        self.acp, self.prediction_type = noise_schedule(pipe)
        self.unet.train()
        self.te.train(cfg.trains_text_encoder)

    # ---- one step -------------------------------------------------------------------------
    def condition(self, caps: List[str]) -> torch.Tensor:
        """The captions' text states: cached, or encoded (with gradients only when trained)."""
        if self.text_cache is not None:
            return self.text_cache(caps)
        if self.frozen_te:
            with torch.no_grad():
                return encode_prompts(self.pipe.tokenizer, self.te, caps)
        return encode_prompts(self.pipe.tokenizer, self.te, caps)

    def train_step(self, step: int) -> float:
        """Warm-up, then ``grad_accum`` micro-batches of the diffusion loss; returns the last loss."""
        cfg, acc = self.cfg, self.acc
        for g, lr in zip(self.opt.param_groups, self.base_lrs):
            g["lr"] = lr * lr_factor(step, cfg.warmup_steps)   # linear warm-up, then constant
        for micro in range(cfg.grad_accum):
            position = ((step * cfg.grad_accum + micro) * acc.num_processes + acc.process_index) \
                * cfg.batch_size
            idx = lora_data.batch_indices(self.order, position, cfg.batch_size, cfg.seed)
            caps = [training_caption(self.ds.items[i].tags, self.rng, cfg) for i in idx]
            with acc.accumulate(self.unet, self.te), acc.autocast():
                # cached latents, or encoded every step (what diffusers' trainer does)
                x0 = self.latents[idx] if self.latents is not None else encode_images(self.pipe.vae, self.pixels[idx])
                cond = self.condition(caps)
                loss = diffusion_loss(self.unet, x0.to(acc.device), cond.to(acc.device), self.acp,
                                      self.gen, self.prediction_type)
                value = loss.item()
                if not math.isfinite(value):
                    raise _diverged(value, step, cfg)
                acc.backward(loss)
                if acc.sync_gradients:
                    acc.clip_grad_norm_(self.params, cfg.max_grad_norm)
                self.opt.step()
                self.opt.zero_grad(set_to_none=True)
        return value

    # ---- what the events use --------------------------------------------------------------
    def save_checkpoint(self, step: int) -> None:
        if self.ck is None or not self.acc.is_main_process:
            return
        extra = {f"{part}/{n}": p for part, ps in self.named.items() for n, p in ps.items()}
        checkpoint.save(self.ck, {}, self.opt, {"noise": self.gen}, self.rng, extra_tensors=extra,
                        step=step, losses=self.losses, config=self.cfg.to_json(), dataset=self.fingerprint)

    def result(self, step: int) -> "LoraResult":
        """The LoRA as it is at ``step`` (weights copied to the CPU)."""
        cfg = self.cfg
        te_state = adapter_state(self.pipe.text_encoder, cfg.name) if cfg.trains_text_encoder else None
        meta = _metadata(self.pipe, self.ds, cfg, step, self.triggers, self.tokenization, self.started,
                         self.base_sha)
        return LoraResult(cfg.name, cfg, adapter_state(self.pipe.unet, cfg.name), te_state, meta,
                          list(self.losses), step, 0.0, self.tokenization, list(self.samples),
                          resumed_from=self.start)


def train_lora(pipe, dataset_dir: PathLike, config: Optional[LoraTrainConfig] = None,
               out_dir: Optional[PathLike] = None, progress: bool = True, resume: bool = True,
               callbacks: Sequence[Callback] = ()) -> LoraResult:
    """Train a LoRA on ``dataset_dir`` (kohya folders ``<repeats>_<name>/`` of image + .txt).

    ``pipe`` is any SD 1.x ``StableDiffusionPipeline`` without LoRAs loaded; it is returned to
    exactly its previous state (adapters removed, weights untouched), even on error. With
    ``out_dir``: checkpoints (``checkpoint.safetensors/.json``, resumed from when ``resume``),
    ``<name>.safetensors`` (kohya/A1111), ``<name>.diffusers.safetensors``, intermediate saves and
    ``samples/``. ``callbacks`` get the loop's events after the built-in ones (checkpoints,
    snapshots, previews, from the config). Use the LoRA with ``load_lora(pipe, result)`` or
    ``load_lora(pipe, path)``.
    """
    # 1. check the knobs, the pipeline and the dataset
    cfg = config or LoraTrainConfig()
    cfg.check()
    if loaded_adapters(pipe):
        raise ValueError(f"the pipeline already has LoRAs loaded ({', '.join(loaded_adapters(pipe))}); "
                         "training on top of them would bake them into the new one. Fix: "
                         "pipe.unload_lora_weights() first (or train on a fresh pipeline)")
    ds = dataset.load_dataset(dataset_dir)
    if len(ds) == 0:
        raise dataset.DatasetError(f"{dataset_dir}: empty dataset. Fix: add images and captions")
    warn_if_truncated(pipe.tokenizer, [dataset.caption_text(it.tags) for it in ds.items],
                      where=f"training on {dataset_dir}")
    out = Path(out_dir) if out_dir is not None else None
    acc = make_accelerator(pipe, cfg.accelerate, cfg.mixed_precision, cfg.grad_accum)
    run = TrainingRun(pipe, ds, cfg, out, acc)
    if progress:
        for d in run.tokenization.values():
            print(f"trigger {d}")
    events = [CheckpointEvery(cfg.checkpoint_every), SnapshotEvery(cfg.save_every),
              PreviewEvery(cfg.sample_every), *callbacks]

    with pipeline_given_back(pipe, acc, unwrap=cfg.accelerate):
        # 2. caches, adapters, optimizer; resume where a checkpoint is
        run.cache_inputs()
        run.add_adapters()
        if run.ck is not None and resume and checkpoint.exists(run.ck):
            run.resume()
        run.prepare()
        # 3. the loop
        bar = tqdm(total=run.total, initial=run.start, desc=f"LoRA {cfg.name}", disable=progress_.disabled(progress),
                   mininterval=0.5)
        t0, avg = time.time(), None
        for step in range(run.start, run.total):
            value = run.train_step(step)
            run.losses.append(value)
            avg = value if avg is None else 0.9 * avg + 0.1 * value
            bar.set_postfix(loss=f"{avg:.4f}", refresh=False)
            bar.update(1)
            for e in events:
                e.on_step_end(run, step + 1)
        bar.close()
        seconds = time.time() - t0
        # 4. the end: last checkpoint, the result
        for e in events:
            e.on_train_end(run, run.total)
        result = run.result(run.total)
        result.seconds = seconds
    # 5. files
    if out is not None and acc.is_main_process:
        result.files["kohya"] = result.save(out / f"{cfg.name}.safetensors")
        result.files["diffusers"] = result.save(out / f"{cfg.name}.diffusers.safetensors",
                                                lora_files.DIFFUSERS)
        _save_samples(out / "samples", run.samples, run.sample_prompts, cfg.sample_seeds)
    return result


def _save_samples(folder: Path, samples, prompts, seeds) -> None:
    """One PNG per preview step: rows prompts, columns seeds."""
    for step, imgs in samples:
        folder.mkdir(parents=True, exist_ok=True)
        rows = [np.concatenate(list(r), axis=1) for r in imgs]
        safe_io.write_png(folder / f"step{step:06d}.png", np.concatenate(rows, axis=0))


