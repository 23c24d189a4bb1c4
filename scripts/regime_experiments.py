"""Issue J's four decisive experiments, as pre-registered in docs/preregistration/J_E1-E4.md.

    python scripts/regime_experiments.py e1      # binding: + text-encoder LoRA, k/v only
    python scripts/regime_experiments.py e2      # the prompt's pull: guidance 1-5
    python scripts/regime_experiments.py e3      # the puppet: `weiwei` vs `喂喂`, each eye read alone
    python scripts/regime_experiments.py e4      # the recipe map on the calibration character
    python scripts/regime_experiments.py e10 --base build/base_v3   # E4's selected recipe on a candidate sect
    python scripts/regime_experiments.py e12 --base build/base_v3f  # recipes that bind the trigger (the host)

Each run is resumable (LoRAs in build/loras, points in build/points), prints markdown tables for
the experiment log and writes every number to build/experiments/<e>.json. Every share is given
three ways (her / unclear / other, see :func:`three_ways`), each with its Wilson 95 % interval, so
any counting rule can be applied afterwards. Nothing here decides a claim's verdict.
"""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from lora_course import course, world
from lora_course.core import safe_io
from lora_course.datasets import dataset
from lora_course.measure import stats, training_length
from lora_course.core.paths import BUILD_DIR
from lora_course.tagger import UNCLEAR

OUT = BUILD_DIR / "experiments"
SETS = OUT / "sets"
#: Sampling seeds of every point (never used by a notebook).
SEEDS = list(range(5000, 5032))
UNRELATED = "black hair, short hair, green eyes, blue dress, cat ears, sitting"
#: The calibration character (no claim reads her).
QIUQIU = world.with_(world.WEIWEI, hair_color="blue hair", eye_color="red eyes", outfit="yellow dress",
                     ears="cat ears")
COURSE = course.LIGHT_LORA


# ---- reading a point three ways -------------------------------------------------------------
def three_ways(sw, prompt, w, groups_values) -> dict:
    """Per picture of one point: ``her`` (every group shows its value), ``unclear`` (none shows
    another value, some group unclear), ``other`` (some group shows a clean other value); the
    three shares with their Wilson intervals."""
    v = sw.readings.values
    cls = []
    for i in sw.rows(prompt, w):
        read = [v[g][i] for g in groups_values]
        if any(r != UNCLEAR and r != want for r, want in zip(read, groups_values.values())):
            cls.append("other")
        elif any(r == UNCLEAR for r in read):
            cls.append("unclear")
        else:
            cls.append("her")
    cls = np.array(cls)
    return {k: _est(cls == k) for k in ("her", "unclear", "other")}


def identity(sw, prompt, w, character=world.WEIWEI) -> dict:
    return three_ways(sw, prompt, w, {g: character[g] for g in world.IDENTITY_GROUPS})


def tag(sw, tag_, prompt, w) -> dict:
    return three_ways(sw, prompt, w, {world.TAG_TO_GROUP[tag_]: tag_})


def coherence(sw, prompt, w) -> dict:
    """Share of group readings (pictures × every group of the world) read ``unclear``."""
    v = sw.readings.values
    hits = [v[g][i] == UNCLEAR for i in sw.rows(prompt, w) for g in world.GROUPS]
    return _est(hits)


def _est(hits) -> dict:
    e = stats.share(hits)
    return {"value": round(e.value, 4), "lo": round(e.lo, 4), "hi": round(e.hi, 4), "n": e.n}


def fmt(d: dict) -> str:
    return f"{d['value']:.2f} [{d['lo']:.2f}, {d['hi']:.2f}]"


def tri(d: dict) -> str:
    """her · unclear · other, values only (intervals are in the JSON)."""
    return " · ".join(f"{d[k]['value']:.2f}" for k in ("her", "unclear", "other"))


# ---- training sets written for the experiments ------------------------------------------------
def one_picture_set(name: str, attrs: world.Attrs, caption: str) -> Path:
    """A kohya folder ``<name>/10_<caption>/`` with one picture (world seed 5, as weiwei_1's)."""
    root = SETS / name
    concept = root / f"10_{caption}"
    png, txt = concept / f"{name}.png", concept / f"{name}.txt"
    if not png.exists():
        concept.mkdir(parents=True, exist_ok=True)
        img = world.render(attrs, seed=5)
        tmp = png.with_suffix(".tmp.png")
        img.save(tmp)
        tmp.replace(png)
        safe_io.write_text(txt, caption + "\n")
    dataset.load_dataset(root)   # refuses a bad folder now, not after training
    return root


def held_out_losses(lab, names: dict, folder: Path, attrs: world.Attrs, caption: str) -> dict:
    """Stable loss (notebook 14's) on the training picture and on 8 new renders of the character."""
    from lora_course import lora
    from lora_course.lora import lora_data
    from lora_course.sd import sampling
    ds = dataset.load_dataset(folder)
    res = lora.base_resolution(lab.pipe)
    held = np.stack([np.asarray(world.render(attrs, seed=s)) for s in training_length.HELD_OUT_SEEDS])
    sets = {"training picture": (lora_data.training_pixels(ds, res), [caption]),
            "new renders": (sampling.to_tensor(held), [caption] * len(held))}
    with torch.no_grad():
        sets = {k: (sampling.encode_images(lab.pipe.vae, px.to(lab.pipe.device)), caps) for k, (px, caps) in sets.items()}
    out = training_length.stable_losses(lab.pipe, names, sets)
    return {k: {str(s): round(float(x), 5) for s, x in d.items()} for k, d in out.items()}


# ---- E1 -------------------------------------------------------------------------------------
E1_STEPS = (50, 150, 300, 600)
E1_RECIPES = {
    "A course recipe": COURSE,
    "B + text-encoder LoRA": replace(COURSE, text_encoder_lr=1e-3),
    "C text-encoder LoRA + UNet k/v": replace(COURSE, text_encoder_lr=1e-3, unet_targets=("attn2.to_k", "attn2.to_v")),
}
E1_PROMPTS = ("weiwei", "1girl", "weiwei, closed mouth", "weiwei, sitting", UNRELATED)


def e1(lab) -> dict:
    rows, out = [], []
    for label, cfg in E1_RECIPES.items():
        lab.unload()
        t0 = time.time()
        names = lab.train_along("weiwei_1", E1_STEPS, cfg, progress=False)
        secs = lab.seconds.get("weiwei_1", time.time() - t0)
        for k, name in names.items():
            sw = lab.sweep(list(E1_PROMPTS), name, weights=(0.0, 0.6, 1.0), seeds=SEEDS, progress=False)
            for w in (0.6, 1.0):
                r = {"recipe": label, "steps": k, "w": w,
                     "weiwei": identity(sw, "weiwei", w), "1girl": identity(sw, "1girl", w),
                     "closed": tag(sw, "closed mouth", "weiwei, closed mouth", w),
                     "her_sitting": _est(sw.her_and("weiwei, sitting", w, ["sitting"])),
                     "sitting": tag(sw, "sitting", "weiwei, sitting", w),
                     "drift_unrelated": round(sw.drift([UNRELATED], w), 4),
                     "coherence_weiwei": coherence(sw, "weiwei", w),
                     "copies_weiwei": _est(lab.copies(sw, "weiwei", w, "weiwei_1")),
                     "train_seconds_whole_run": round(secs, 1)}
                out.append(r)
                rows.append(f"| {label} | {k} | {w:g} | {tri(r['weiwei'])} | {tri(r['1girl'])} | {tri(r['closed'])} | "
                            f"{r['her_sitting']['value']:.2f} | {r['drift_unrelated']:.2f} | "
                            f"{r['coherence_weiwei']['value']:.2f} | {r['copies_weiwei']['value']:.2f} |")
        print(f"{label}: trained in {secs:.0f} s", flush=True)
    print("\n| recipe | steps | w | `weiwei` her·unclear·other | `1girl` her·unclear·other | closed mouth shown·unclear·other "
          "| her and sitting | drift of the unrelated prompt | unclear group readings (`weiwei`) | copies (`weiwei`) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    return {"rows": out}


# ---- E2 -------------------------------------------------------------------------------------
E2_STEPS = (50, 150, 300)
E2_GUIDANCE = (1.0, 2.0, 3.0, 4.0, 5.0)
E2_PROMPTS = ("weiwei, closed mouth", "weiwei, sitting", "red hair", "weiwei", "1girl")


def e2(lab) -> dict:
    lab.unload()
    names = lab.train_along("weiwei_1", E1_STEPS, COURSE, progress=False)   # E1's recipe A, cached
    rows, out = [], []
    for g in E2_GUIDANCE:
        lab.use_sampler(guidance=g)
        for k in E2_STEPS:
            sw = lab.sweep(list(E2_PROMPTS), names[k], weights=(0.0, 0.6, 1.0), seeds=SEEDS, progress=False)
            for w in (0.0, 0.6, 1.0):
                if w == 0.0 and k != E2_STEPS[0]:
                    continue
                r = {"guidance": g, "steps": k if w else 0, "w": w,
                     "closed": tag(sw, "closed mouth", "weiwei, closed mouth", w),
                     "sitting": tag(sw, "sitting", "weiwei, sitting", w),
                     "red_hair": tag(sw, "red hair", "red hair", w),
                     "red_hair_her": identity(sw, "red hair", w),
                     "weiwei": identity(sw, "weiwei", w), "1girl": identity(sw, "1girl", w)}
                out.append(r)
                rows.append(f"| {g:g} | {r['steps']} | {w:g} | {tri(r['closed'])} | {tri(r['sitting'])} | "
                            f"{tri(r['red_hair'])} | {tri(r['red_hair_her'])} | {tri(r['weiwei'])} | {tri(r['1girl'])} |")
        print(f"guidance {g:g} done", flush=True)
    lab.use_sampler()
    print("\n| guidance | steps | w | closed mouth shown·unclear·other | sitting | red hair shown | `red hair` is her "
          "| `weiwei` her | `1girl` her |")
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    return {"rows": out}


# ---- E3 -------------------------------------------------------------------------------------
E3_STEPS = (300, 600, 1200)
E3_RECIPE = replace(COURSE, unet_lr=1e-3)
E3_FINE = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def symmetric_halves(img: np.ndarray) -> tuple:
    """The picture mirrored about its own vertical symmetry axis (found within ±4 px of the
    centre), once from its left half and once from its right: two pictures, each with one of the
    original's two eyes on both sides."""
    x = img.astype(np.float32)
    W = x.shape[1]
    best, best_k = None, W - 1
    for k in range(W - 1 - 8, W - 1 + 9):          # axis at k / 2
        cols = [c for c in range(W) if 0 <= k - c < W]
        d = np.abs(x[:, cols] - x[:, [k - c for c in cols]]).mean()
        if best is None or d < best:
            best, best_k = d, k
    left, right = img.copy(), img.copy()
    for c in range(W):
        m = best_k - c
        if not 0 <= m < W:
            continue
        if 2 * c > best_k:
            left[:, c] = img[:, m]      # right side replaced by the mirrored left
        elif 2 * c < best_k:
            right[:, c] = img[:, m]     # left side replaced by the mirrored right
    return left, right


def eyes_each(tagger, images: np.ndarray) -> list:
    """Per picture, the eye colour the tagger reads on each eye alone (left, right)."""
    halves = [symmetric_halves(im) for im in images]
    flat = np.stack([h for pair in halves for h in pair])
    ev = tagger.read(flat).values["eye_color"]
    return [(ev[2 * i], ev[2 * i + 1]) for i in range(len(images))]


def eye_summary(pairs, want="blue eyes") -> dict:
    both = [a == b == want for a, b in pairs]
    odd = [a != b and UNCLEAR not in (a, b) for a, b in pairs]
    one = [(a == want) != (b == want) for a, b in pairs]
    others = {}
    for a, b in pairs:
        for e in (a, b):
            if e != want:
                others[str(e)] = others.get(str(e), 0) + 1
    return {"both_blue": _est(both), "odd": _est(odd), "one_blue": _est(one), "non_blue_eyes": others}


def check_eye_reader(tagger) -> str:
    """A known picture must read what it shows: odd-eyed renders read one blue and one other eye."""
    imgs, n_ok = [], 0
    for s in range(16):
        imgs.append(np.asarray(world.render(world.WEIWEI, seed=100 + s,
                                            ambiguity=world.Ambiguity("eye_color", "odd eyes", "red eyes"))))
    pairs = eyes_each(tagger, np.stack(imgs))
    n_ok = sum(sorted(p) == ["blue eyes", "red eyes"] for p in pairs)
    clean = eyes_each(tagger, np.stack([np.asarray(world.render(world.WEIWEI, seed=200 + s)) for s in range(16)]))
    n_clean = sum(p == ("blue eyes", "blue eyes") for p in clean)
    return f"eye reader check: odd-eyed renders read blue + red on {n_ok}/16; clean renders blue + blue on {n_clean}/16"


def e3(lab) -> dict:
    zh = one_picture_set("weiwei_zh", world.WEIWEI, "喂喂")
    print(check_eye_reader(lab.tagger), flush=True)
    out, rows = {"base": [], "runs": []}, []
    for folder, trigger in (("weiwei_1", "weiwei"), (zh, "喂喂")):
        lab.unload()
        names = lab.train_along(folder, E3_STEPS, E3_RECIPE, progress=False)
        if not out["base"]:   # the base model (w = 0 of any LoRA): each eye alone under each prompt
            sw0 = lab.sweep(["weiwei", "喂喂", "1girl", ""], names[E3_STEPS[0]], weights=(0.0,), seeds=SEEDS,
                            progress=False)
            for p in sw0.prompts:
                pairs = eyes_each(lab.tagger, sw0.images[sw0.prompts.index(p), 0])
                out["base"].append({"prompt": p, "identity": identity(sw0, p, 0.0), **eye_summary(pairs)})
                s = out["base"][-1]
                rows.append(f"| base | `{p or '(empty)'}` | {tri(s['identity'])} | 0 | {fmt(s['odd'])} | "
                            f"{fmt(s['both_blue'])} | {s['non_blue_eyes']} | — | — |")
        label = trigger
        copied = {}
        for k, name in names.items():
            sw = lab.sweep([trigger], name, weights=(1.0,), seeds=SEEDS, progress=False)
            copied[k] = int(lab.copies(sw, trigger, 1.0, folder).sum())
        memorised = next((k for k in E3_STEPS if copied[k] >= 16), E3_STEPS[-1])
        print(f"{label}: copies at w=1 per length {copied}; memorised length {memorised}", flush=True)
        for k, name in names.items():
            weights = E3_FINE if k == memorised else (0.0, 0.6, 1.0)
            sw = lab.sweep([trigger, "1girl", UNRELATED], name, weights=weights, seeds=SEEDS, progress=False)
            for w in weights[1:]:
                for p in (trigger, "1girl"):
                    pairs = eyes_each(lab.tagger, sw.images[sw.prompts.index(p), sw.weights.index(w)])
                    r = {"trigger": trigger, "steps": k, "memorised": k == memorised, "w": w, "prompt": p,
                         "identity": identity(sw, p, w), "coherence": coherence(sw, p, w), **eye_summary(pairs)}
                    if p == trigger:
                        r["drift_unrelated"] = round(sw.drift([UNRELATED], w), 4)
                    out["runs"].append(r)
                    rows.append(f"| {label} LoRA {k}{' (memorised)' if k == memorised else ''} | `{p}` | "
                                f"{tri(r['identity'])} | {w:g} | {fmt(r['odd'])} | {fmt(r['both_blue'])} | "
                                f"{r['non_blue_eyes']} | {r['coherence']['value']:.2f} | "
                                f"{r.get('drift_unrelated', float('nan')):.2f} |")
        out.setdefault("copies", {})[trigger] = copied
    print("\n| LoRA (steps) | prompt | her·unclear·other | w | odd eyes | both eyes blue | non-blue eyes read "
          "| unclear group readings | drift of the unrelated prompt |")
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    return out


# ---- E4 -------------------------------------------------------------------------------------
E4_RECIPES = {
    "lr 2e-3, batch 16": (replace(COURSE, unet_lr=2e-3), (50, 100, 200, 400, 800)),
    "lr 1e-3, batch 16": (replace(COURSE, unet_lr=1e-3), (50, 100, 200, 400, 800, 1600)),
    "lr 5e-4, batch 16": (replace(COURSE, unet_lr=5e-4), (100, 200, 400, 800, 1600, 2400)),
    "lr 1e-3, batch 4": (replace(COURSE, unet_lr=1e-3, batch_size=4), (100, 200, 400, 800, 1600)),
}
E4_WEIGHTS = (0.0, 0.4, 0.6, 0.8, 1.0)
TRIGGER_Q = "qiuqiu"


def e4_recipe(lab, label, cfg, steps, folder) -> dict:
    lab.unload()
    names = lab.train_along(folder, steps, cfg, progress=False)
    secs = lab.seconds.get(folder.name)
    losses = held_out_losses(lab, names, folder, QIUQIU, TRIGGER_Q)
    cells = []
    for k, name in names.items():
        sw = lab.sweep([TRIGGER_Q], name, weights=E4_WEIGHTS, seeds=SEEDS, progress=False)
        sw1 = lab.sweep([f"{TRIGGER_Q}, closed mouth", f"{TRIGGER_Q}, sitting"], name, weights=(1.0,), seeds=SEEDS,
                        progress=False)
        swh = lab.sweep(["1girl", f"{TRIGGER_Q}, sitting"], name, weights=(0.6, 1.0), seeds=SEEDS, progress=False)
        cells.append({"steps": k,
                      "her": {str(w): identity(sw, TRIGGER_Q, w, QIUQIU) for w in E4_WEIGHTS[1:]},
                      "coherence": {str(w): coherence(sw, TRIGGER_Q, w) for w in E4_WEIGHTS[1:]},
                      "copies_w1": _est(lab.copies(sw, TRIGGER_Q, 1.0, folder)),
                      "closed_w1": tag(sw1, "closed mouth", f"{TRIGGER_Q}, closed mouth", 1.0),
                      "sitting_w1": tag(sw1, "sitting", f"{TRIGGER_Q}, sitting", 1.0),
                      # amendment 1 (before E4 ran): the hijack of `1girl` and her sitting, at 0.6 and 1
                      "1girl": {str(w): identity(swh, "1girl", w, QIUQIU) for w in (0.6, 1.0)},
                      "her_sitting": {str(w): _est(swh.her_and(f"{TRIGGER_Q}, sitting", w, ["sitting"], QIUQIU))
                                      for w in (0.6, 1.0)}})
    return {"recipe": label, "config": cfg.weights_json(), "run_seconds": secs, "losses": losses, "cells": cells}


def e4_rules(rec: dict) -> dict:
    """The pre-registered rules on one recipe's cells."""
    cells = rec["cells"]
    n = len(SEEDS)
    art = next((c["steps"] for c in cells if round(c["copies_w1"]["value"] * n) >= n / 2), None)
    first = next((c["steps"] for c in cells if round(c["her"]["1.0"]["her"]["value"] * n) >= n / 2), None)
    coherent = None
    if art is not None:
        c = next(c for c in cells if c["steps"] == art)
        coherent = all(c["coherence"][w]["value"] <= 0.10 for w in ("0.4", "0.6", "0.8"))
    takes_time = None
    if art is not None and first is not None:
        held = rec["losses"]["new renders"]
        kept = [0] + [c["steps"] for c in cells]
        before = kept[kept.index(first) - 1]
        takes_time = art >= 8 * first and held[str(first)] <= held[str(before)]
    last = max(c["steps"] for c in cells)
    seconds_to_art = None if art is None or rec["run_seconds"] is None else rec["run_seconds"] * art / last
    return {"article_length": art, "first_length": first, "coherent": coherent, "identity_takes_time": takes_time,
            "seconds_to_article_length": None if seconds_to_art is None else round(seconds_to_art, 1)}


def e4(lab) -> dict:
    folder = one_picture_set("qiuqiu_1", QIUQIU, TRIGGER_Q)
    out = {"recipes": []}
    for label, (cfg, steps) in E4_RECIPES.items():
        rec = e4_recipe(lab, label, cfg, steps, folder)
        rec["rules"] = e4_rules(rec)
        out["recipes"].append(rec)
        print(f"{label}: run {rec['run_seconds']} s; rules {rec['rules']}", flush=True)
        _save("e4_partial", out)
    ok = [r for r in out["recipes"] if r["rules"]["coherent"] and r["rules"]["identity_takes_time"]]
    ok = ok or [r for r in out["recipes"] if r["rules"]["coherent"]]
    chosen = min(ok, key=lambda r: r["rules"]["seconds_to_article_length"] or 1e9) if ok else None
    out["selected"] = chosen["recipe"] if chosen else None
    if chosen:
        cfg, steps = E4_RECIPES[chosen["recipe"]]
        rep = e4_recipe(lab, chosen["recipe"] + ", training seed 1", replace(cfg, seed=1), steps, folder)
        rep["rules"] = e4_rules(rep)
        out["replicate"] = rep
        print(f"replicate (seed 1): rules {rep['rules']}", flush=True)
    print_cells(out["recipes"] + ([out["replicate"]] if "replicate" in out else []))
    print_rules(out["recipes"] + ([out["replicate"]] if "replicate" in out else []))
    print(f"\nselected: {out['selected']}")
    return out


def print_cells(recipes) -> None:
    """E4's table of every kept length of ``recipes`` (markdown, for the experiment log)."""
    print("\n| recipe | steps | `qiuqiu` her·unclear·other at w=0.4 / 0.6 / 0.8 / 1 | unclear group readings w=0.4/0.6/0.8 "
          "| copies w=1 | closed mouth shown w=1 | sitting shown w=1 | held-out loss | `1girl` her·unclear·other w=0.6 / 1 "
          "| her and sitting w=0.6 / 1 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for rec in recipes:
        for c in rec["cells"]:
            her = " / ".join(tri(c["her"][w]) for w in ("0.4", "0.6", "0.8", "1.0"))
            coh = " / ".join(f"{c['coherence'][w]['value']:.2f}" for w in ("0.4", "0.6", "0.8"))
            hij = " / ".join(tri(c["1girl"][w]) for w in ("0.6", "1.0"))
            sit = " / ".join(f"{c['her_sitting'][w]['value']:.2f}" for w in ("0.6", "1.0"))
            print(f"| {rec['recipe']} | {c['steps']} | {her} | {coh} | {c['copies_w1']['value']:.2f} | "
                  f"{c['closed_w1']['her']['value']:.2f} | {c['sitting_w1']['her']['value']:.2f} | "
                  f"{rec['losses']['new renders'][str(c['steps'])]:.4f} | {hij} | {sit} |")


def print_rules(recipes) -> None:
    """E4's rules of each of ``recipes`` (markdown)."""
    print("\n| recipe | run s | first length | article's length | coherent | identity takes time | s to article's length |")
    print("|---|---|---|---|---|---|---|")
    for rec in recipes:
        r = rec["rules"]
        print(f"| {rec['recipe']} | {rec['run_seconds']} | {r['first_length']} | {r['article_length']} | {r['coherent']} "
              f"| {r['identity_takes_time']} | {r['seconds_to_article_length']} |")


def e10(lab) -> dict:
    """E10 (docs/preregistration/J_sect_v3.md, stage 2): E4's selected recipe on a candidate sect,
    training seeds 0 and 1, the same calibration character, seeds, lengths and rules."""
    folder = one_picture_set("qiuqiu_1", QIUQIU, TRIGGER_Q)
    label = "lr 2e-3, batch 16"
    cfg, steps = E4_RECIPES[label]
    out = {"recipes": []}
    for seed in (0, 1):
        rec = e4_recipe(lab, f"{label}, training seed {seed}", replace(cfg, seed=seed), steps, folder)
        rec["rules"] = e4_rules(rec)
        out["recipes"].append(rec)
        print(f"{rec['recipe']}: run {rec['run_seconds']} s; rules {rec['rules']}", flush=True)
        _save("e10_partial", out)
    print_cells(out["recipes"])
    print_rules(out["recipes"])
    return out


# ---- E12 ------------------------------------------------------------------------------------
#: E12 (docs/preregistration/J_E12.md): a text-encoder LoRA beside a UNet LoRA, the UNet's share varied.
E12_RECIPES = {
    "C text encoder 1e-3 + UNet k/v 2e-3": (replace(COURSE, text_encoder_lr=1e-3,
                                                    unet_targets=("attn2.to_k", "attn2.to_v")),
                                            (50, 100, 200, 400, 800)),
    "D text encoder 1e-3 + UNet 5e-4": (replace(COURSE, unet_lr=5e-4, text_encoder_lr=1e-3), (100, 200, 400, 800, 1600)),
    "E text encoder 1e-3 + UNet 1e-3": (replace(COURSE, unet_lr=1e-3, text_encoder_lr=1e-3), (50, 100, 200, 400, 800)),
    "F text encoder 2e-3 + UNet 5e-4": (replace(COURSE, unet_lr=5e-4, text_encoder_lr=2e-3), (100, 200, 400, 800, 1600)),
}
#: The host rule's bars: the hijack (`1girl` her at w = 1) and the puppet's lead at w = 0.6 (C2's).
HIJACK_BAR, LEAD_BAR = 0.5, 0.4


def host_rules(rec: dict) -> dict:
    """E12's host rule at the recipe's article's length: `1girl` hijacked at w = 1 on at least
    half of the seeds, and `qiuqiu` minus `1girl` at w = 0.6 at least 0.4 (point values)."""
    art = rec["rules"]["article_length"]
    if art is None:
        return {"hijack": None, "lead": None, "host": None}
    c = next(c for c in rec["cells"] if c["steps"] == art)
    hijack = c["1girl"]["1.0"]["her"]["value"]
    lead = c["her"]["0.6"]["her"]["value"] - c["1girl"]["0.6"]["her"]["value"]
    return {"hijack": round(hijack, 3), "lead": round(lead, 3),
            "host": hijack >= HIJACK_BAR and lead >= LEAD_BAR}


def _e12_recipe(lab, label, cfg, steps, folder) -> dict:
    rec = e4_recipe(lab, label, cfg, steps, folder)
    rec["rules"] = e4_rules(rec)
    rec["rules"].update(host_rules(rec))
    print(f"{label}: run {rec['run_seconds']} s; rules {rec['rules']}", flush=True)
    return rec


def e12(lab) -> dict:
    """E12: the four recipes on training seed 0; the cheapest that is coherent and meets the host
    is trained on seed 1 and adopted only if that run meets the same rules."""
    folder = one_picture_set("qiuqiu_1", QIUQIU, TRIGGER_Q)
    out = {"recipes": []}
    for label, (cfg, steps) in E12_RECIPES.items():
        out["recipes"].append(_e12_recipe(lab, label, cfg, steps, folder))
        _save("e12_partial", out)
    ok = [r for r in out["recipes"] if r["rules"]["coherent"] and r["rules"]["host"]]
    chosen = min(ok, key=lambda r: r["rules"]["seconds_to_article_length"] or 1e9) if ok else None
    out["selected"], out["adopted"] = (chosen["recipe"] if chosen else None), None
    if chosen:
        cfg, steps = E12_RECIPES[chosen["recipe"]]
        rep = _e12_recipe(lab, chosen["recipe"] + ", training seed 1", replace(cfg, seed=1), steps, folder)
        out["replicate"] = rep
        if rep["rules"]["coherent"] and rep["rules"]["host"]:
            out["adopted"] = chosen["recipe"]
            out["article_length"] = max(chosen["rules"]["article_length"], rep["rules"]["article_length"])
    shown = out["recipes"] + ([out["replicate"]] if "replicate" in out else [])
    print_cells(shown)
    print_rules(shown)
    print("\n| recipe | hijack (`1girl` her at w=1) | lead (`qiuqiu` − `1girl` at w=0.6) | host met |")
    print("|---|---|---|---|")
    for rec in shown:
        r = rec["rules"]
        print(f"| {rec['recipe']} | {r['hijack']} | {r['lead']} | {r['host']} |")
    print(f"\nselected: {out['selected']}; adopted: {out['adopted']}; article's length: {out.get('article_length')}")
    return out


def _save(name: str, data: dict) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    safe_io.write_text(OUT / f"{name}.json", json.dumps(data, indent=1, ensure_ascii=False))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("experiment", choices=("e1", "e2", "e3", "e4", "e10", "e12"))
    p.add_argument("--base", default=None, help="a candidate sect's folder instead of data/base (E10, E12)")
    a = p.parse_args()
    lab = course.setup(seeds=len(SEEDS), base=a.base)
    t0 = time.time()
    data = {"e1": e1, "e2": e2, "e3": e3, "e4": e4, "e10": e10, "e12": e12}[a.experiment](lab)
    data["base"] = a.base or "data/base"
    data["seconds"] = round(time.time() - t0, 1)
    data["seeds"] = SEEDS
    _save(a.experiment, data)
    print(f"\n{a.experiment}: {data['seconds'] / 60:.1f} min; numbers in {OUT / (a.experiment + '.json')}")


if __name__ == "__main__":
    main()
