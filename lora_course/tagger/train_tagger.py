"""Training and checking the tagger (see :mod:`lora_course.tagger`).

    python -m lora_course.tagger.train_tagger            # train, write data/tagger.safetensors
    python -m lora_course.tagger.train_tagger --check    # accuracy per tag group on held-out seeds

The training pictures are renders of the world (weiwei included: the tagger must know her),
half of them passed through the base model's VAE (encode → decode, sometimes with a little noise
in the latent), because the tagger's main job is to read the base model's *generated* pictures,
which are VAE decodes. Random blur and pixel noise on top. A quarter of the girls are drawn
ambiguous in one group (:class:`lora_course.world.Ambiguity`) and trained as ``unclear`` there
(:func:`target_of`). A second phase trains on batches half ambiguous, with more mixes between
near colours of the palette (:func:`draw_near_pairs`). Resumable: kill it and run it again.
"""
from __future__ import annotations

import argparse
import json
import logging
import random
import time
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np
import torch
import torch.nn.functional as F
from PIL import ImageFilter
from tqdm.auto import tqdm

from ..core import checkpoint, safe_io
from .. import world
from . import (NONE, TAGGER_PATH, UNCLEAR, UNCLEAR_KEY, Tagger, TaggerNet, group_classes, to_batch,
                     unclear_mask)

log = logging.getLogger("lora_course.tagger.train_tagger")

#: Share of the pictures drawn ambiguous (in one group each) for training.
P_AMBIGUOUS = 0.25
#: A second phase after the main steps: this many steps whose batches are half ambiguous
#: pictures (in the main phase, a quarter of them spread over eleven kinds of ambiguity left the
#: tagger sure of itself on half-way colours and faint blush).
AMBIGUOUS_STEPS = 2000
#: Pictures added to the second phase's ambiguous pool: colour mixes between *near* pairs of the
#: palette (dark green towards black, red eyes towards brown), whose half-way colour sits close to
#: both ends. Drawn uniformly, such a pair is one of 30 hair pairs, and the tagger stayed sure of
#: itself half-way from green hair to black.
NEAR_PAIRS_N = 6000
#: How strongly the near-pair set prefers close colours: a pair is drawn with weight 1 / d^p,
#: d the RGB distance between its two palette colours.
NEAR_PAIRS_POWER = 3.0
#: The threshold rule: at most this share of clean held-out pictures may be read unclear per group.
CLEAN_FLAG_RATE = 0.005
#: How ambiguous the report's ambiguous pictures are: the amounts of
#: :class:`lora_course.world.Ambiguity` they are drawn with (0.5 = exactly half-way).
HELD_OUT_AMOUNTS = (0.35, 0.65)
#: The seeds of the held-out sets: thresholds are chosen on one, reported on the other.
CALIBRATION_SEED, REPORT_SEED = 424242, 987654


#: A picture made ambiguous is trained as ``unclear`` in its group when what a careful eye sees
#: (:meth:`lora_course.world.Ambiguity.label`) gives no value at least this share: a colour 0.3–0.7
#: of the way between two, two different eyes, shoulder-length hair, a half-open mouth, one tear,
#: a smile without its blush, a blush at 0.3–0.7 of its colour. One nearer a value is trained as
#: that value. (Soft targets, the shares themselves, left the tagger sure of itself on 8 of 11
#: kinds of half-way picture: a calibrated share is harder to learn than a class.)
CLEAR_SHARE = 0.7


def target_of(attrs: world.Attrs, group: str, ambiguity=None) -> str:
    """The class a picture is trained as in ``group``: its value (``none`` for no value), or
    ``unclear`` where ``ambiguity`` leaves no value with :data:`CLEAR_SHARE` of the picture."""
    if ambiguity is None or ambiguity.group != group:
        return NONE if attrs[group] is None else attrs[group]
    for value, share in ambiguity.label(attrs).items():
        if share >= CLEAR_SHARE:
            return NONE if value is None else value
    return UNCLEAR


def labels_of(attrs_list: List[world.Attrs], ambiguities=None) -> Dict[str, torch.Tensor]:
    """Per group, a one-hot target per picture (N × classes): :func:`target_of`."""
    classes = group_classes()
    ambiguities = ambiguities or [None] * len(attrs_list)
    out = {g: torch.zeros(len(attrs_list), len(c)) for g, c in classes.items()}
    for i, (a, amb) in enumerate(zip(attrs_list, ambiguities)):
        for g, c in classes.items():
            out[g][i, c.index(target_of(a, g, amb))] = 1.0
    return out


def draw(n: int, seed: int, p_fox: float = 0.1, blur_p: float = 0.0, p_ambiguous: float = 0.0,
         amounts=(0.15, 0.85)):
    """``n`` random pictures (weiwei's combination allowed) as uint8 N×64×64×3, their attrs and
    their ambiguities (``None`` for a clean picture; ``p_ambiguous`` of the girls get one)."""
    rng = random.Random(seed)
    attrs = [world.sample_attrs(rng, p_fox=p_fox, exclude_weiwei=False) for _ in range(n)]
    # one in ten is weiwei herself, with random mouth, expression and pose
    for i in range(0, n, 10):
        if attrs[i]["subject"] == "1girl":
            attrs[i] = world.with_(attrs[i], **{g: world.WEIWEI[g] for g in world.IDENTITY_GROUPS})
    ambiguities = [world.random_ambiguity(rng, a, amounts) if p_ambiguous and rng.random() < p_ambiguous else None
                   for a in attrs]
    imgs = []
    for i, (a, amb) in enumerate(zip(attrs, ambiguities)):
        im = world.render(a, seed=seed * 1_000_003 + i, ambiguity=amb)
        if blur_p and rng.random() < blur_p:
            im = im.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.9)))
        imgs.append(np.asarray(im))
    return np.stack(imgs), attrs, ambiguities


def draw_ambiguous(n: int, seed: int, amounts=HELD_OUT_AMOUNTS):
    """``n`` girls, every one ambiguous in one group (for the thresholds and the report)."""
    rng = random.Random(seed)
    attrs, ambs = [], []
    while len(attrs) < n:
        a = world.sample_attrs(rng, p_fox=0.0, exclude_weiwei=False)
        attrs.append(a)
        ambs.append(world.random_ambiguity(rng, a, amounts))
    imgs = np.stack([np.asarray(world.render(a, seed=seed * 1_000_003 + i, ambiguity=amb))
                     for i, (a, amb) in enumerate(zip(attrs, ambs))])
    return imgs, attrs, ambs


def near_pair_weights(group: str, value: str) -> Dict[str, float]:
    """For a colour ``value`` of ``group``, the weight of each other value as the far end of a
    near-pair mix: 1 / d^:data:`NEAR_PAIRS_POWER`, normalised (d = RGB distance of the two)."""
    palette = world.PALETTES[group]
    d = {v: float(np.linalg.norm(np.subtract(palette[value], rgb))) for v, rgb in palette.items() if v != value}
    w = {v: x ** -NEAR_PAIRS_POWER for v, x in d.items()}
    total = sum(w.values())
    return {v: x / total for v, x in w.items()}


def draw_near_pairs(n: int, seed: int, amounts=(0.15, 0.85)):
    """``n`` girls, each a colour mix (hair, eyes or outfit, one in three) towards another value
    chosen by :func:`near_pair_weights`, at an amount drawn from ``amounts``."""
    rng = random.Random(seed)
    attrs, ambs = [], []
    for _ in range(n):
        a = world.sample_attrs(rng, p_fox=0.0, exclude_weiwei=False)
        g = rng.choice(list(world.PALETTES))
        w = near_pair_weights(g, a[g])
        other = rng.choices(list(w), weights=list(w.values()))[0]
        attrs.append(a)
        ambs.append(world.Ambiguity(g, "mix", other, round(rng.uniform(*amounts), 3)))
    imgs = np.stack([np.asarray(world.render(a, seed=seed * 1_000_003 + i, ambiguity=amb))
                     for i, (a, amb) in enumerate(zip(attrs, ambs))])
    return imgs, attrs, ambs


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
    """Renders (with some blur, a quarter ambiguous) and VAE reconstructions of the same pictures,
    with their attrs and ambiguities (cached in ``work``)."""
    cache = work / f"tagger_data_{n}_{seed}_amb{P_AMBIGUOUS:g}.npz"
    if cache.exists():
        d = np.load(cache, allow_pickle=False)
        ambs = [None if x is None else world.Ambiguity(**x) for x in json.loads(str(d["ambiguities"]))]
        return d["clean"], d["rec"], json.loads(str(d["attrs"])), ambs
    clean, attrs, ambs = draw(n, seed, blur_p=0.3, p_ambiguous=P_AMBIGUOUS)
    vae = load_vae(vae_path)
    half = n // 2
    rec = np.concatenate([reconstruct(vae, clean[:half], 0.0, seed),
                          reconstruct(vae, clean[half:], 0.15, seed + 1)])
    amb_json = [None if x is None else {"group": x.group, "kind": x.kind, "other": x.other, "amount": x.amount}
                for x in ambs]
    safe_io.save_npz(cache, clean=clean, rec=rec, attrs=np.array(json.dumps(attrs)),
                     ambiguities=np.array(json.dumps(amb_json)))
    return clean, rec, attrs, ambs


def make_near_pair_data(vae_path, n: int, seed: int, work: Path):
    """The near-pair set (:func:`draw_near_pairs`): renders, and VAE reconstructions of the same
    pictures (half with a little latent noise), their attrs and ambiguities (cached in ``work``)."""
    cache = work / f"tagger_near_pairs_{n}_{seed}_p{NEAR_PAIRS_POWER:g}.npz"
    if cache.exists():
        d = np.load(cache, allow_pickle=False)
        ambs = [world.Ambiguity(**x) for x in json.loads(str(d["ambiguities"]))]
        return d["clean"], d["rec"], json.loads(str(d["attrs"])), ambs
    clean, attrs, ambs = draw_near_pairs(n, seed)
    vae = load_vae(vae_path)
    half = n // 2
    rec = np.concatenate([reconstruct(vae, clean[:half], 0.0, seed),
                          reconstruct(vae, clean[half:], 0.15, seed + 1)])
    amb_json = [{"group": x.group, "kind": x.kind, "other": x.other, "amount": x.amount} for x in ambs]
    safe_io.save_npz(cache, clean=clean, rec=rec, attrs=np.array(json.dumps(attrs)),
                     ambiguities=np.array(json.dumps(amb_json)))
    return clean, rec, attrs, ambs


def _resume(ck, net, opt, sched, gen) -> int:
    """The step a training loop resumes at from checkpoint ``ck`` (0 without one): the network,
    optimiser and generator restored, the schedule advanced to it."""
    if not checkpoint.exists(ck):
        return 0
    info, _ = checkpoint.load(ck, {"net": net}, opt, {"gen": gen})
    step = info["step"]
    for _ in range(step):
        sched.step()
    log.info("resumed at step %d", step)
    return step


def train(vae_path, out: Path, work: Path, n: int = 40000, steps: int = 2500, batch: int = 128,
          lr: float = 2e-3, seed: int = 0, checkpoint_minutes: float = 3.0,
          ambiguous_steps: Optional[int] = None) -> Path:
    """Train the tagger and save it as safetensors at ``out``."""
    work.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    clean, rec, attrs, ambs = make_training_data(vae_path, n, seed, work)
    y = labels_of(attrs, ambs)
    net = TaggerNet()
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.1)
    gen = torch.Generator().manual_seed(seed + 7)
    ck = work / "tagger_unclear_ckpt"
    step = _resume(ck, net, opt, sched, gen)
    last = time.time()
    net.train()
    bar = tqdm(range(step, steps), desc="tagger", initial=step, total=steps, mininterval=5)
    for step in bar:
        idx = torch.randint(0, n, (batch,), generator=gen)
        loss = _train_step(net, opt, sched, clean, rec, y, idx, gen)
        if step % 50 == 0:
            bar.set_postfix(loss=f"{loss.item():.4f}")
            log.info("tagger step %d loss %.5f", step, loss.item())
        if time.time() - last > checkpoint_minutes * 60:
            checkpoint.save(ck, {"net": net}, opt, {"gen": gen}, step=step + 1)
            last = time.time()
    checkpoint.save(ck, {"net": net}, opt, {"gen": gen}, step=steps)
    # the second phase's pool: the main set's ambiguous pictures and the near-pair set
    n_clean, n_rec, n_attrs, n_ambs = make_near_pair_data(vae_path, NEAR_PAIRS_N, seed + 1, work)
    clean, rec = np.concatenate([clean, n_clean]), np.concatenate([rec, n_rec])
    ambs = ambs + n_ambs
    y = {g: torch.cat([y[g], yn]) for g, yn in labels_of(n_attrs, n_ambs).items()}
    focus_on_ambiguity(net, clean, rec, y, ambs, n, work, AMBIGUOUS_STEPS if ambiguous_steps is None else ambiguous_steps,
                       batch, lr / 4, seed, checkpoint_minutes)
    net.eval()
    thresholds = choose_thresholds(Tagger(net), load_vae(vae_path))
    log.info("unclear thresholds %s", thresholds)
    out.parent.mkdir(parents=True, exist_ok=True)
    safe_io.save_safetensors(out, {k: v.contiguous() for k, v in net.state_dict().items()},
                             metadata={UNCLEAR_KEY: json.dumps(thresholds)})
    return out


def _train_step(net, opt, sched, clean, rec, y, idx, gen) -> torch.Tensor:
    """One step on the pictures ``idx``: each a render or its VAE reconstruction at random, a
    little pixel noise, cross-entropy summed over the groups; returns the loss."""
    batch = len(idx)
    use_rec = torch.rand(batch, generator=gen) < 0.5
    x = torch.where(use_rec.view(-1, 1, 1, 1), to_batch(rec[idx.numpy()]), to_batch(clean[idx.numpy()]))
    x = x + 0.04 * torch.rand(batch, 1, 1, 1, generator=gen) * torch.randn(x.shape, generator=gen)
    logits = net(x)
    loss = sum(F.cross_entropy(logits[g], y[g][idx]) for g in logits)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    sched.step()
    return loss


def focus_on_ambiguity(net, clean, rec, y, ambs, n_any: int, work: Path, steps: int, batch: int, lr: float,
                       seed: int, checkpoint_minutes: float = 3.0) -> None:
    """The second phase: ``steps`` more steps (cosine decay from ``lr``), each batch half
    ambiguous pictures (any of ``ambs`` that is not None) and half any of the first ``n_any``
    (the main set), renders or VAE reconstructions at random; resumable."""
    if steps <= 0:
        return
    amb_idx = torch.tensor([i for i, a in enumerate(ambs) if a is not None])
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    gen = torch.Generator().manual_seed(seed + 11)
    ck = work / "tagger_near_pairs_ambiguous_ckpt"
    step = _resume(ck, net, opt, sched, gen)
    last = time.time()
    net.train()
    for step in tqdm(range(step, steps), desc="tagger: ambiguous pictures", initial=step, total=steps, mininterval=5):
        half = batch // 2
        idx = torch.cat([amb_idx[torch.randint(0, len(amb_idx), (half,), generator=gen)],
                         torch.randint(0, n_any, (batch - half,), generator=gen)])
        loss = _train_step(net, opt, sched, clean, rec, y, idx, gen)
        if step % 50 == 0:
            log.info("tagger (ambiguous) step %d loss %.5f", step, loss.item())
        if time.time() - last > checkpoint_minutes * 60:
            checkpoint.save(ck, {"net": net}, opt, {"gen": gen}, step=step + 1)
            last = time.time()
    checkpoint.save(ck, {"net": net}, opt, {"gen": gen}, step=steps)


def choose_thresholds(tagger: Tagger, vae, n: int = 2000, seed: int = CALIBRATION_SEED) -> Dict[str, float]:
    """The rule of the module docstring: per group, the highest threshold (0.30 … 0.70) at which
    at most :data:`CLEAN_FLAG_RATE` of clean held-out pictures (renders and their VAE
    reconstructions, seeds ``seed``) would be read unclear (their ``unclear`` class wins, or
    their top probability is below it)."""
    clean, _, _ = draw(n, seed)
    imgs = np.concatenate([clean, reconstruct(vae, clean)])
    probs = tagger.group_probs(imgs)
    grid = np.round(np.arange(0.30, 0.701, 0.01), 2)
    out = {}
    for g, p in probs.items():   # a clean picture is flagged as `Tagger.read` flags it
        out[g] = float(max([t for t in grid if np.mean(unclear_mask(p, tagger.classes[g], t)) <= CLEAN_FLAG_RATE],
                           default=0.0))
    for g, t in out.items():
        if t == 0.0:
            log.warning("group %s: even 0.30 flags more than %.1f %% of clean pictures; unclear is off for it",
                        g, 100 * CLEAN_FLAG_RATE)
            print(f"warning: the tagger is unsure of {g} on clean pictures: no unclear threshold for it")
    return out


def accuracy(tagger: Tagger, imgs: np.ndarray, attrs: List[world.Attrs]) -> Dict[str, float]:
    """Share of pictures whose value is read right (and clear), per tag group."""
    r = tagger.read(imgs)
    return {g: float(np.mean([r.values[g][i] == a[g] for i, a in enumerate(attrs)])) for g in world.GROUPS}


def ambiguity_report(tagger: Tagger, imgs: np.ndarray, attrs: List[world.Attrs], ambs) -> Dict[str, Dict[str, float]]:
    """On pictures ambiguous in one group each: per ambiguous group, the share read ``unclear``
    there (``flagged``), the share read as one of the values it lies between (``forced``), and
    the share of the *other* groups read right (``others right``: the ambiguity stays in its group)."""
    r = tagger.read(imgs)
    out: Dict[str, Dict[str, float]] = {}
    for g in world.GROUPS:
        idx = [i for i, amb in enumerate(ambs) if amb is not None and amb.group == g]
        if not idx:
            continue
        others = [r.values[h][i] == attrs[i][h] for i in idx for h in world.GROUPS if h != g]
        out[g] = {"n": len(idx), "flagged": float(np.mean([r.values[g][i] == UNCLEAR for i in idx])),
                  "forced": float(np.mean([r.values[g][i] in ambs[i].label(attrs[i]) for i in idx])),
                  "others right": float(np.mean(others))}
    return out


def check(vae_path, tagger_path=None, n: int = 2000, seed: int = REPORT_SEED) -> Dict[str, Dict[str, float]]:
    """The tagger's report on held-out seeds: accuracy per group (right and clear) on fresh
    renders and their VAE reconstructions, and what it reads on ambiguous renders."""
    tagger = Tagger.load(tagger_path)
    clean, attrs, _ = draw(n, seed)
    rec = reconstruct(load_vae(vae_path), clean)
    t = time.time()
    res = {"renders": accuracy(tagger, clean, attrs), "vae reconstructions": accuracy(tagger, rec, attrs)}
    speed = 2 * n / (time.time() - t)
    amb_imgs, amb_attrs, ambs = draw_ambiguous(n, seed + 1)
    res["ambiguous"] = ambiguity_report(tagger, amb_imgs, amb_attrs, ambs)
    print(f"{'group':<12} {'renders':>9} {'VAE rec.':>9} {'unclear at':>10}   (n={n} each, held-out seeds; "
          "right = the true value, read clear)")
    for g in world.GROUPS:
        print(f"{g:<12} {res['renders'][g]:>9.2%} {res['vae reconstructions'][g]:>9.2%} "
              f"{tagger.unclear_below[g]:>10.2f}")
    print(f"\nambiguous renders (amounts {HELD_OUT_AMOUNTS[0]}–{HELD_OUT_AMOUNTS[1]}, one group each, n={n}):")
    print(f"{'group':<12} {'n':>5} {'unclear':>8} {'forced':>8} {'others right':>13}")
    for g, d in res["ambiguous"].items():
        print(f"{g:<12} {d['n']:>5} {d['flagged']:>8.2%} {d['forced']:>8.2%} {d['others right']:>13.2%}")
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
