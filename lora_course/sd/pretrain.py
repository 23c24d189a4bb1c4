"""Pretraining the base model, on a CPU, with checkpoint / resume: from scratch, or as a
continuation of an earlier sect on another world (the way SD 1.5 continued SD 1.2).

    python -m lora_course.sd.pretrain --out build/base --work build/pretrain         # from scratch
    python -m lora_course.sd.pretrain --continue-from git:003f5f4 --population booru \
        --out build/sect_booru --work build/sect                          # the Danbooru sect (6880a2b)

The shipped sect, sect v3, is the Danbooru sect continued in four stages on ``booru_v3c``:
``scripts/build_sect_v3.py`` runs them (each stage a continuation of this module's) and writes
``data/base`` with their lineage.

Four phases, each resumable (kill it at any time and run the same command again):

1. **data**: draw ``n_images`` pictures of the world (weiwei's combination excluded) and keep their
   attribute dicts, so captions can be re-drawn every step;
2. **vae**: train the autoencoder to reconstruct them (L1 + MSE, a tiny KL term), on random
   32×32 crops (it is fully convolutional);
3. **latents**: encode every picture once, and set the VAE's ``scaling_factor`` so latents have
   unit variance (SD does the same with 0.18215);
4. **unet**: train the UNet and the text encoder together on *v*-prediction with booru-like
   captions (random subsets of the true tags, shuffled, 10 % empty for classifier-free guidance),
   keeping an exponential moving average (EMA) of the weights, which is what gets shipped.

**A continuation** (``--continue-from``) starts from a trained pipeline (a diffusers folder, or
``git:<commit>`` for the ``data/base`` of that commit of this repository, read with
``git archive``), keeps its VAE and tokenizer, draws ``n_images`` new pictures from a
:class:`lora_course.world.population.Population` (``--population``: ``booru`` is Danbooru's frequencies,
a named cast and booru-style partial captions; ``booru_v3c`` sect v3's world, a cast of 16 whose
names are tokens of their own, added to the tokenizer; ``uniform`` the first world) and trains the UNet
and text encoder on for ``unet_steps`` with :data:`CONTINUATION`'s recipe (a short warm-up, a
constant learning rate, a faster EMA). The parent's hash is written to ``pretrain.json``, so the
shipped weights name what they grew from, and a work folder that holds a checkpoint of another
parent, population or recipe is refused rather than resumed.

Everything is seeded; the log goes to ``<work>/pretrain.log``.
"""
from __future__ import annotations

import argparse
import copy
import json
import logging
import random
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from . import base_model, diffusion
from ..core import checkpoint, paths, safe_io
from ..world import population
from .. import world
from .sampling import encode_images, encode_prompts, to_tensor
from .tokenizer import build_tokenizer

log = logging.getLogger("lora_course.sd.pretrain")


@dataclass
class PretrainConfig:
    seed: int = 0
    n_images: int = 60000
    vae_steps: int = 4000
    vae_batch: int = 32
    vae_crop: int = 32
    vae_lr: float = 1e-3
    vae_kl: float = 1e-6
    # Warm-up, then a constant learning rate, then a linear cool-down to zero over the last
    # ``unet_decay_steps`` steps ("warmup-stable-decay"). The first 12,000 steps are the same
    # whatever the total, so a longer run can resume from a shorter one's checkpoint.
    unet_steps: int = 16000
    unet_decay_steps: int = 4000
    unet_batch: int = 64
    unet_lr: float = 5e-4
    warmup: int = 300
    ema_decay: float = 0.999
    p_empty: float = 0.1
    keep_min: float = 0.2
    p_fox: float = 0.15
    checkpoint_minutes: float = 5.0


#: The continuation recipe (what ``--continue-from`` defaults to): 24,000 pictures of the new
#: world, 1,000 steps of batch 64 at a constant 3e-4 after 100 warm-up steps, EMA 0.995.
CONTINUATION = PretrainConfig(n_images=24000, unet_steps=1000, unet_decay_steps=0, unet_lr=3e-4,
                              warmup=100, ema_decay=0.995, checkpoint_minutes=3.0)
#: The populations a continuation can draw from, by name.
POPULATIONS = {"booru": population.BOORU, "uniform": population.UNIFORM, "booru_v3": population.BOORU_V3,
               "booru_v3b": population.BOORU_V3B,
               "booru_v3c": population.BOORU_V3C}


def pretrain_captions(attrs, rng: random.Random, cfg: PretrainConfig) -> str:
    """A booru-like training caption: shuffled random subset of the true tags, sometimes empty."""
    return world.caption(attrs, rng, p_empty=cfg.p_empty, shuffle=True, keep_range=(cfg.keep_min, 1.0))


def make_data(cfg: PretrainConfig, work: Path):
    """Phase 1: the pretraining pictures (uint8, N×64×64×3) and their attribute dicts."""
    npz, js = work / "images.npy", work / "attrs.json"
    if npz.exists() and js.exists():
        return np.load(npz), json.loads(js.read_text())
    rng = random.Random(cfg.seed)
    attrs = [world.sample_attrs(rng, p_fox=cfg.p_fox, exclude_weiwei=True) for _ in range(cfg.n_images)]
    imgs = np.stack([np.asarray(world.render(a, seed=10_000_000 + i))
                     for i, a in enumerate(tqdm(attrs, desc="drawing the world", mininterval=2))])
    safe_io.save_npy(npz, imgs)
    safe_io.write_text(js, json.dumps(attrs))
    return imgs, attrs


def random_crops(x: torch.Tensor, size: int, gen: torch.Generator) -> torch.Tensor:
    """One random ``size``×``size`` crop per image, aligned to the VAE's factor-4 grid. The VAE is
    fully convolutional, so it learns as well from crops, four times faster than from 64×64."""
    if size >= x.shape[-1]:
        return x
    n_pos = (x.shape[-1] - size) // 4 + 1
    oy, ox = (torch.randint(0, n_pos, (2, len(x)), generator=gen) * 4).tolist()
    return torch.stack([im[:, y:y + size, x_:x_ + size] for im, y, x_ in zip(x, oy, ox)])


def fast_forward(sched, steps: int) -> None:
    """Advance a learning-rate schedule to ``steps`` after a resume (the optimiser state is
    restored separately, so torch's "scheduler before optimizer" warning does not apply)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for _ in range(steps):
            sched.step()


class _Timer:
    def __init__(self, minutes):
        self.every, self.last = minutes * 60, time.time()

    def due(self):
        if time.time() - self.last >= self.every:
            self.last = time.time()
            return True
        return False


def train_vae(vae, imgs, cfg: PretrainConfig, work: Path):
    """Phase 2: reconstruct the world's pictures."""
    done = work / "vae_done.json"
    ck = work / "vae_ckpt"
    if done.exists():
        checkpoint.load(ck, {"vae": vae})
        return vae
    opt = torch.optim.AdamW(vae.parameters(), lr=cfg.vae_lr, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / 100) * 0.5 * (1 + np.cos(np.pi * min(s, cfg.vae_steps) / cfg.vae_steps)))
    gen = torch.Generator().manual_seed(cfg.seed + 1)
    step = 0
    if checkpoint.exists(ck):
        info, _ = checkpoint.load(ck, {"vae": vae}, opt, {"gen": gen})
        step = info["step"]
        fast_forward(sched, step)
        log.info("vae: resumed at step %d", step)
    timer = _Timer(cfg.checkpoint_minutes)
    bar = tqdm(range(step, cfg.vae_steps), desc="vae", initial=step, total=cfg.vae_steps, mininterval=5)
    vae.train()
    for step in bar:
        idx = torch.randint(0, len(imgs), (cfg.vae_batch,), generator=gen)
        x = random_crops(to_tensor(imgs[idx.numpy()]), cfg.vae_crop, gen)
        post = vae.encode(x).latent_dist
        z = post.mean + post.std * torch.randn(post.mean.shape, generator=gen)
        rec = vae.decode(z).sample
        loss = F.l1_loss(rec, x) + F.mse_loss(rec, x) + cfg.vae_kl * post.kl().mean()
        if not torch.isfinite(loss):
            raise FloatingPointError(f"vae loss is {loss.item()} at step {step}: lower --vae-lr")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if step % 50 == 0:
            psnr = 10 * torch.log10(4 / F.mse_loss(rec, x).clamp_min(1e-10)).item()
            bar.set_postfix(loss=f"{loss.item():.4f}", psnr=f"{psnr:.1f}")
            log.info("vae step %d loss %.5f psnr %.2f", step, loss.item(), psnr)
        if timer.due():
            checkpoint.save(ck, {"vae": vae}, opt, {"gen": gen}, step=step + 1)
    checkpoint.save(ck, {"vae": vae}, opt, {"gen": gen}, step=cfg.vae_steps)
    safe_io.write_text(done, json.dumps({"steps": cfg.vae_steps}))
    return vae


@torch.no_grad()
def encode_all(vae, imgs, work: Path, batch: int = 256) -> torch.Tensor:
    """Phase 3: latent means of every picture, and the scaling factor that makes them unit-std.

    Returns the *scaled* latents (``mean × scaling_factor``): the space the UNet works in, as in
    SD, where the pipeline divides by ``vae.config.scaling_factor`` before decoding."""
    path = work / "latents.safetensors"
    from safetensors.torch import load_file
    if path.exists():
        d = load_file(str(path))
        vae.register_to_config(scaling_factor=float(d["scaling_factor"]))
        return d["latents"] * d["scaling_factor"]
    vae.eval()
    lat = torch.cat([vae.encode(to_tensor(imgs[i:i + batch])).latent_dist.mean
                     for i in tqdm(range(0, len(imgs), batch), desc="encoding latents", mininterval=5)])
    sf = 1.0 / lat.std().item()
    vae.register_to_config(scaling_factor=sf)
    safe_io.save_safetensors(path, {"latents": lat.contiguous(), "scaling_factor": torch.tensor(sf)})
    log.info("latents %s, scaling factor %.4f", tuple(lat.shape), sf)
    return lat * sf


def _ema_update(ema: torch.nn.Module, model: torch.nn.Module, decay: float) -> None:
    with torch.no_grad():
        for pe, pm in zip(ema.parameters(), model.parameters()):
            pe.lerp_(pm, 1 - decay)


def lr_factor(step: int, cfg: PretrainConfig) -> float:
    """The UNet's learning rate at ``step``, as a fraction of ``cfg.unet_lr``:
    linear warm-up, constant, then a linear cool-down that reaches 0 at ``cfg.unet_steps``."""
    return diffusion.lr_factor(step, cfg.warmup, cfg.unet_steps, cfg.unet_decay_steps)


def train_unet(unet, text_encoder, tokenizer, latents, attrs, cfg: PretrainConfig, work: Path,
               captioner=None):
    """Phase 4: v-prediction with booru-like captions; returns the EMA models.

    ``captioner(i, rng)`` writes the caption of picture ``i`` (default: :func:`pretrain_captions`
    of ``attrs[i]``); the EMA starts from the given weights, so a run can continue a trained model."""
    if captioner is None:
        def captioner(i, rng):
            return pretrain_captions(attrs[i], rng, cfg)
    ck = work / "unet_ckpt"
    ema_unet, ema_te = copy.deepcopy(unet), copy.deepcopy(text_encoder)
    params = list(unet.parameters()) + list(text_encoder.parameters())
    opt = torch.optim.AdamW(params, lr=cfg.unet_lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_factor(s, cfg))
    acp = base_model.train_scheduler().alphas_cumprod
    gen = torch.Generator().manual_seed(cfg.seed + 2)
    rng = random.Random(cfg.seed + 3)
    step = 0
    modules = {"unet": unet, "te": text_encoder, "ema_unet": ema_unet, "ema_te": ema_te}
    if checkpoint.exists(ck):
        info, _ = checkpoint.load(ck, modules, opt, {"gen": gen}, rng)
        step = info["step"]
        fast_forward(sched, step)
        log.info("unet: resumed at step %d", step)
    if step >= cfg.unet_steps:
        return ema_unet, ema_te
    timer = _Timer(cfg.checkpoint_minutes)
    bar = tqdm(range(step, cfg.unet_steps), desc="unet + text encoder", initial=step,
               total=cfg.unet_steps, mininterval=5)
    unet.train()
    text_encoder.train()
    avg = None
    for step in bar:
        idx = torch.randint(0, len(latents), (cfg.unet_batch,), generator=gen)
        x0 = latents[idx]
        caps = [captioner(i, rng) for i in idx.tolist()]
        cond = encode_prompts(tokenizer, text_encoder, caps)
        loss = diffusion.diffusion_loss(unet, x0, cond, acp, gen, "v_prediction")
        if not torch.isfinite(loss):
            raise FloatingPointError(f"unet loss is {loss.item()} at step {step}: lower --unet-lr")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        _ema_update(ema_unet, unet, cfg.ema_decay)
        _ema_update(ema_te, text_encoder, cfg.ema_decay)
        avg = loss.item() if avg is None else 0.98 * avg + 0.02 * loss.item()
        if step % 50 == 0:
            bar.set_postfix(loss=f"{avg:.4f}")
            log.info("unet step %d loss %.5f", step, avg)
        if timer.due():
            checkpoint.save(ck, modules, opt, {"gen": gen}, rng, step=step + 1)
            log.info("checkpoint at step %d", step + 1)
    checkpoint.save(ck, modules, opt, {"gen": gen}, rng, step=cfg.unet_steps)
    return ema_unet, ema_te


def export(work: Path, out: Path, cfg: PretrainConfig, step: int | None = None) -> None:
    """Assemble the shipped pipeline from the work folder's checkpoints (EMA weights)."""
    tok = build_tokenizer()
    vae, unet, te = base_model.build_models(tok, seed=cfg.seed)
    checkpoint.load(work / "vae_ckpt", {"vae": vae})
    encode_all(vae, None, work)  # reads the stored scaling factor
    info, _ = checkpoint.load(work / "unet_ckpt", {"ema_unet": unet, "ema_te": te})
    pipe = base_model.assemble_pipeline(vae.eval(), unet.eval(), te.eval(), tok)
    base_model.save_pipeline(pipe, out)
    safe_io.write_text(out / "pretrain.json", json.dumps({**asdict(cfg), "unet_steps_done": info["step"]}, indent=1))
    log.info("exported %s at unet step %d", out, info["step"])


def fetch_parent(source: str, work: Path) -> Path:
    """The parent pipeline's folder: ``source`` itself, or for ``git:<commit>`` that commit's
    ``data/base`` extracted under ``work`` (by ``git archive``; no file outside ``data/base`` is
    written)."""
    import io
    import subprocess
    import tarfile
    if not source.startswith("git:"):
        path = Path(source)
        if not (path / "model_index.json").exists():
            raise FileNotFoundError(f"{path} is not a diffusers pipeline folder (no model_index.json): "
                                    "pass a folder like data/base, or git:<commit>")
        return path
    rev = source[4:]
    root = paths.ROOT
    if not rev or rev.startswith("-"):
        raise ValueError(f"--continue-from {source!r}: name a commit after git:, e.g. git:003f5f4")
    try:
        rev = subprocess.run(["git", "-C", str(root), "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
                             check=True, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as e:
        raise RuntimeError(f"--continue-from {source!r}: no such commit in {root} (a shallow clone lacks old "
                           "commits: fetch the full history, or pass --continue-from <folder>)") from e
    dest = work / f"parent-{rev}"
    if (dest / "data" / "base" / "model_index.json").exists():
        return dest / "data" / "base"
    try:
        blob = subprocess.run(["git", "-C", str(root), "archive", "--format=tar", rev, "data/base"],
                              check=True, capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        err = getattr(e, "stderr", b"") or b""
        raise RuntimeError(f"cannot read data/base at commit {rev} ({err.decode(errors='replace').strip() or e}): "
                           "continue from a full clone of the repository (not a shallow one), or pass "
                           "--continue-from <folder>") from e
    tmp = dest.with_name(dest.name + ".tmp")
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        if not hasattr(tarfile, "data_filter"):   # Python < 3.10.12: no extraction filters
            raise RuntimeError("extracting a commit's data/base safely needs Python ≥ 3.10.12 (tarfile's "
                               "data filter): upgrade Python, or pass --continue-from <folder>")
        tar.extractall(tmp, filter="data")
    tmp.replace(dest)
    return dest / "data" / "base"


def parent_hash(folder: Path) -> str:
    """SHA-256 over the parent's UNet and text-encoder weight files (what a continuation grows from)."""
    import hashlib
    h = hashlib.sha256()
    for rel in ("unet/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors"):
        h.update((folder / rel).read_bytes())
    return h.hexdigest()


def continuation_data(vae, pop: population.Population, n_images: int, seed: int):
    """The continuation's pictures as latents, and their samples (attrs and names) for captions."""
    rng = random.Random(seed)
    samples = [population.sample(rng, pop) for _ in range(n_images)]
    imgs = np.stack([np.asarray(world.render(s.attrs, seed=20_000_000 + i)) for i, s in enumerate(samples)])
    with torch.no_grad():
        lat = encode_images(vae, to_tensor(imgs), batch=256)
    return lat, samples


def _module_hash(module: torch.nn.Module) -> str:
    import hashlib
    h = hashlib.sha256()
    for k, v in sorted(module.state_dict().items()):
        h.update(k.encode())
        h.update(v.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def with_name_tokens(tokenizer, text_encoder, names):
    """A copy of ``tokenizer`` in which each of ``names`` is one token of its own (as a real
    tokenizer's merges give a known character's name), and ``text_encoder`` with an embedding row
    for each, started at the mean of the existing rows (deterministic). The letter pieces the names
    were spelled with are then left to the words that are nobody's."""
    tok = copy.deepcopy(tokenizer)
    tok.add_tokens(list(names))
    old = text_encoder.get_input_embeddings().weight.detach().clone()
    text_encoder.resize_token_embeddings(len(tok))
    with torch.no_grad():
        emb = text_encoder.get_input_embeddings().weight
        emb[:len(old)] = old
        emb[len(old):] = old.mean(0)
    return tok, text_encoder


def continue_sect(pipe, pop: population.Population, cfg: PretrainConfig, work: Path):
    """Train ``pipe``'s UNet and text encoder on for ``cfg.unet_steps`` on ``n_images`` pictures
    of ``pop`` (captioned by :func:`lora_course.world.population.caption`); returns a new pipeline with
    the EMA weights (the VAE and tokenizer are ``pipe``'s). Resumable from ``work``."""
    marker = work / "continuation.json"
    this = {"parent_unet_sha256": _module_hash(pipe.unet), "population": repr(pop), "config": asdict(cfg)}
    if checkpoint.exists(work / "unet_ckpt"):
        before = json.loads(marker.read_text()) if marker.exists() else None
        if before != this:
            raise RuntimeError(f"{work} holds a training checkpoint of another run (another parent, "
                               "population or recipe): pass a fresh --work folder, or delete that one")
    else:
        work.mkdir(parents=True, exist_ok=True)
        safe_io.write_text(marker, json.dumps(this, indent=1))
    lat, samples = continuation_data(pipe.vae, pop, cfg.n_images, cfg.seed)
    unet, te = copy.deepcopy(pipe.unet), copy.deepcopy(pipe.text_encoder)
    tok = pipe.tokenizer
    if pop.name_tokens:
        tok, te = with_name_tokens(tok, te, [c.name for c in pop.cast()])

    def captioner(i, rng):
        return population.caption(samples[i], rng, pop)
    ema_unet, ema_te = train_unet(unet, te, tok, lat, None, cfg, work, captioner=captioner)
    new = base_model.assemble_pipeline(pipe.vae, ema_unet.eval(), ema_te.eval(), tok)
    new.set_progress_bar_config(disable=True)
    return new


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=str(base_model.BASE_DIR))
    p.add_argument("--work", default=None, help="checkpoints and logs (default build/pretrain, "
                                                  "build/sect for a continuation)")
    p.add_argument("--export-only", action="store_true",
                   help="write --out from the latest checkpoints without training further")
    p.add_argument("--continue-from", default=None, metavar="FOLDER|git:COMMIT",
                   help="continue this trained pipeline instead of starting from scratch")
    p.add_argument("--population", default="booru", choices=sorted(POPULATIONS),
                   help="the world a continuation draws from")
    for f, v in asdict(PretrainConfig()).items():
        p.add_argument("--" + f.replace("_", "-"), type=type(v), default=None,
                       help=f"default {v} ({getattr(CONTINUATION, f)} for a continuation)")
    args = p.parse_args(argv)
    recipe = CONTINUATION if args.continue_from else PretrainConfig()
    cfg = PretrainConfig(**{f: getattr(args, f) if getattr(args, f) is not None else getattr(recipe, f)
                            for f in asdict(PretrainConfig())})
    work = Path(args.work or ("build/sect" if args.continue_from else "build/pretrain"))
    out = Path(args.out)
    work.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(filename=work / "pretrain.log", level=logging.INFO,
                        format="%(asctime)s %(message)s")
    log.info("config %s", asdict(cfg))
    if args.continue_from:
        t0 = time.time()
        parent = fetch_parent(args.continue_from, work)
        digest = parent_hash(parent)
        torch.manual_seed(0)
        pipe = base_model.load_pipeline(parent, device="cpu", dtype=torch.float32)
        pipe.set_progress_bar_config(disable=True)
        new = continue_sect(pipe, POPULATIONS[args.population], cfg, work)
        base_model.save_pipeline(new, out)
        source = args.continue_from
        if source.startswith("git:"):
            source = "git:" + parent.parent.parent.name[len("parent-"):]   # the resolved commit
        safe_io.write_text(out / "pretrain.json", json.dumps(
            {"continued_from": source, "parent_sha256": digest, "population": args.population,
             **asdict(cfg), "unet_steps_done": cfg.unet_steps, "seconds": round(time.time() - t0)}, indent=1))
        print(f"continued {args.continue_from} for {cfg.unet_steps} steps on the {args.population} world "
              f"in {time.time() - t0:.0f} s -> {out}")
        return
    if args.export_only:
        export(work, out, cfg)
        return
    torch.manual_seed(cfg.seed)
    t0 = time.time()
    tok = build_tokenizer()
    vae, unet, te = base_model.build_models(tok, seed=cfg.seed)
    imgs, attrs = make_data(cfg, work)
    log.info("data ready: %d pictures (%.0f s)", len(imgs), time.time() - t0)
    train_vae(vae, imgs, cfg, work)
    log.info("vae ready (%.0f s)", time.time() - t0)
    lat = encode_all(vae, imgs, work)
    log.info("latents ready (%.0f s)", time.time() - t0)
    train_unet(unet, te, tok, lat, attrs, cfg, work)
    log.info("unet ready (%.0f s)", time.time() - t0)
    export(work, out, cfg)
    log.info("done in %.0f s", time.time() - t0)


if __name__ == "__main__":
    main()
