"""Training and checking the tagger (see :mod:`lora_course.tagger`).

    python -m lora_course.train_tagger            # train, write data/tagger.safetensors
    python -m lora_course.train_tagger --check    # accuracy per tag group on held-out seeds

The training pictures are renders of the world (weiwei included: the tagger must know her),
half of them passed through the base model's VAE (encode → decode, sometimes with a little noise
in the latent), because the tagger's main job is to read the base model's *generated* pictures,
which are VAE decodes. Random blur and pixel noise on top. Resumable: kill it and run it again.
"""
from __future__ import annotations

import argparse
import logging
import random
import time
from pathlib import Path
from typing import Dict, List

import numpy as np
import torch
import torch.nn.functional as F
from PIL import ImageFilter
from tqdm.auto import tqdm

from . import checkpoint, safe_io, world
from .tagger import NONE, TAGGER_PATH, Tagger, TaggerNet, group_classes, to_batch

log = logging.getLogger("lora_course.train_tagger")


def labels_of(attrs_list: List[world.Attrs]) -> Dict[str, torch.Tensor]:
    """Class index per group for each attribute dict."""
    classes = group_classes()
    return {g: torch.tensor([classes[g].index(a[g] if a[g] is not None else NONE) for a in attrs_list])
            for g in classes}


def draw(n: int, seed: int, p_fox: float = 0.1, blur_p: float = 0.0):
    """``n`` random pictures (weiwei's combination allowed) as uint8 N×64×64×3, and their attrs."""
    rng = random.Random(seed)
    attrs = [world.sample_attrs(rng, p_fox=p_fox, exclude_weiwei=False) for _ in range(n)]
    # one in ten is weiwei herself, with random mouth, expression and pose
    for i in range(0, n, 10):
        if attrs[i]["subject"] == "1girl":
            attrs[i] = world.with_(attrs[i], **{g: world.WEIWEI[g] for g in world.IDENTITY_GROUPS})
    imgs = []
    for i, a in enumerate(attrs):
        im = world.render(a, seed=seed * 1_000_003 + i)
        if blur_p and rng.random() < blur_p:
            im = im.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.9)))
        imgs.append(np.asarray(im))
    return np.stack(imgs), attrs


def load_vae(path):
    """The base model's AutoencoderKL from a diffusers folder (``data/base/vae``)."""
    from diffusers import AutoencoderKL
    return AutoencoderKL.from_pretrained(str(path), use_safetensors=True).eval()


@torch.no_grad()
def reconstruct(vae, imgs: np.ndarray, latent_noise: float = 0.0, seed: int = 0, batch: int = 256) -> np.ndarray:
    """Encode and decode through the VAE (what every generated picture goes through)."""
    gen = torch.Generator().manual_seed(seed)
    out = []
    for i in range(0, len(imgs), batch):
        x = to_batch(imgs[i:i + batch])
        z = vae.encode(x).latent_dist.mean
        if latent_noise:
            z = z + latent_noise * z.std() * torch.randn(z.shape, generator=gen)
        rec = vae.decode(z).sample.clamp(-1, 1)
        out.append(((rec + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy())
    return np.concatenate(out)


def make_training_data(vae_path, n: int, seed: int, work: Path):
    """Renders (with some blur) and VAE reconstructions of the same pictures (cached in ``work``)."""
    cache = work / f"tagger_data_{n}_{seed}.npz"
    if cache.exists():
        d = np.load(cache, allow_pickle=False)
        import json
        return d["clean"], d["rec"], json.loads(str(d["attrs"]))
    clean, attrs = draw(n, seed, blur_p=0.3)
    vae = load_vae(vae_path)
    half = n // 2
    rec = np.concatenate([reconstruct(vae, clean[:half], 0.0, seed),
                          reconstruct(vae, clean[half:], 0.15, seed + 1)])
    import json
    safe_io.save_npz(cache, clean=clean, rec=rec, attrs=np.array(json.dumps(attrs)))
    return clean, rec, attrs


def train(vae_path, out: Path, work: Path, n: int = 40000, steps: int = 2500, batch: int = 128,
          lr: float = 2e-3, seed: int = 0, checkpoint_minutes: float = 3.0) -> Path:
    """Train the tagger and save it as safetensors at ``out``."""
    work.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    clean, rec, attrs = make_training_data(vae_path, n, seed, work)
    y = labels_of(attrs)
    net = TaggerNet()
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.1)
    gen = torch.Generator().manual_seed(seed + 7)
    ck, step = work / "tagger_ckpt", 0
    if checkpoint.exists(ck):
        info, _ = checkpoint.load(ck, {"net": net}, opt, {"gen": gen})
        step = info["step"]
        for _ in range(step):
            sched.step()
        log.info("resumed at step %d", step)
    last = time.time()
    net.train()
    bar = tqdm(range(step, steps), desc="tagger", initial=step, total=steps, mininterval=5)
    for step in bar:
        idx = torch.randint(0, n, (batch,), generator=gen)
        use_rec = torch.rand(batch, generator=gen) < 0.5
        x = torch.where(use_rec.view(-1, 1, 1, 1), to_batch(rec[idx.numpy()]), to_batch(clean[idx.numpy()]))
        x = x + 0.04 * torch.rand(batch, 1, 1, 1, generator=gen) * torch.randn(x.shape, generator=gen)
        logits = net(x)
        loss = sum(F.cross_entropy(logits[g], y[g][idx]) for g in logits)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if step % 50 == 0:
            bar.set_postfix(loss=f"{loss.item():.4f}")
            log.info("tagger step %d loss %.5f", step, loss.item())
        if time.time() - last > checkpoint_minutes * 60:
            checkpoint.save(ck, {"net": net}, opt, {"gen": gen}, step=step + 1)
            last = time.time()
    net.eval()
    out.parent.mkdir(parents=True, exist_ok=True)
    safe_io.save_safetensors(out, {k: v.contiguous() for k, v in net.state_dict().items()})
    checkpoint.save(ck, {"net": net}, opt, {"gen": gen}, step=steps)
    return out


def accuracy(tagger: Tagger, imgs: np.ndarray, attrs: List[world.Attrs]) -> Dict[str, float]:
    """Share of pictures whose value is read right, per tag group."""
    r = tagger.read(imgs)
    return {g: float(np.mean([r.values[g][i] == a[g] for i, a in enumerate(attrs)])) for g in world.GROUPS}


def check(vae_path, tagger_path=None, n: int = 2000, seed: int = 987654) -> Dict[str, Dict[str, float]]:
    """Accuracy per group on held-out seeds: fresh renders, and their VAE reconstructions."""
    tagger = Tagger.load(tagger_path)
    clean, attrs = draw(n, seed)
    rec = reconstruct(load_vae(vae_path), clean)
    t = time.time()
    res = {"renders": accuracy(tagger, clean, attrs), "vae reconstructions": accuracy(tagger, rec, attrs)}
    speed = 2 * n / (time.time() - t)
    print(f"{'group':<12} {'renders':>9} {'VAE rec.':>9}   (n={n} each, held-out seeds)")
    for g in world.GROUPS:
        print(f"{g:<12} {res['renders'][g]:>9.2%} {res['vae reconstructions'][g]:>9.2%}")
    print(f"tagging speed: {speed:.0f} images/s (batched, {torch.get_num_threads()} threads)")
    return res


def main(argv=None):
    p = argparse.ArgumentParser(description="Train or check the tagger.")
    p.add_argument("--vae", default="data/base/vae", help="diffusers AutoencoderKL folder")
    p.add_argument("--out", default=str(TAGGER_PATH))
    p.add_argument("--work", default="build/tagger")
    p.add_argument("--steps", type=int, default=2500)
    p.add_argument("--n", type=int, default=40000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--check", action="store_true", help="only report accuracy per group")
    a = p.parse_args(argv)
    if not a.check:
        Path(a.work).mkdir(parents=True, exist_ok=True)
        logging.basicConfig(filename=Path(a.work) / "train_tagger.log", level=logging.INFO,
                            format="%(asctime)s %(message)s")
        t0 = time.time()
        train(a.vae, Path(a.out), Path(a.work), n=a.n, steps=a.steps, seed=a.seed)
        print(f"trained in {time.time() - t0:.0f} s -> {a.out}")
    check(a.vae, a.out)


if __name__ == "__main__":
    main()
