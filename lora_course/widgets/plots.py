"""Pictures of results: image grids (the A1111 XYZ plot) and measured curves.

Every function returns a matplotlib ``Figure`` (shown inline in a notebook, saved with
``fig.savefig``); none of them computes anything it does not draw.
"""
from __future__ import annotations

from typing import Dict, Optional, Sequence

import numpy as np

from ..core import safe_io


#: Fonts that draw the course's Chinese (喂喂, 功力...), tried in this order after matplotlib's
#: own: Debian's ``fonts-wqy-microhei`` / ``fonts-noto-cjk``, then those of Windows and macOS.
CJK_FONTS = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans CJK JP", "Microsoft YaHei", "SimHei",
             "PingFang SC", "Heiti SC")


def _plt():
    import warnings

    import matplotlib
    import matplotlib.pyplot as plt
    from matplotlib import font_manager
    matplotlib.rcParams.update({"figure.dpi": 80, "font.size": 9})
    have = {f.name for f in font_manager.fontManager.ttflist}
    cjk = [f for f in CJK_FONTS if f in have]
    if cjk:  # matplotlib falls back glyph by glyph along the family list
        matplotlib.rcParams["font.family"] = ["DejaVu Sans", *cjk]
    else:    # no Chinese font here: its characters show as boxes, without a warning per glyph
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning)
    return plt


def _done(fig):
    """Detach a finished figure from pyplot, so a notebook shows it once (as the cell's value)."""
    import matplotlib.pyplot as plt
    plt.close(fig)
    return fig


def png_bytes(fig_or_image, dpi: Optional[int] = None) -> bytes:
    """A matplotlib figure or a PIL image as PNG bytes (what a widget's image shows)."""
    import io
    if not hasattr(fig_or_image, "savefig"):
        return safe_io.png_bytes(fig_or_image)
    buf = io.BytesIO()
    fig_or_image.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def with_still(widget, png: bytes, text: str, **kwargs):
    """A widget's display bundle with a still beside the live view, for readers without a kernel
    (GitHub, nbviewer, a saved notebook): the picture ``png`` and one line ``text`` in place of
    the widget's repr."""
    import base64
    bundle = widget._repr_mimebundle_(**kwargs)
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    data["image/png"] = base64.b64encode(png).decode("ascii")
    data["text/plain"] = text
    return bundle


#: Inches one character of the grids' 8-point labels takes, at most (DejaVu Sans averages less):
#: labels are wrapped to the width they have, so neighbours never run into each other.
CHAR_INCHES = 0.068
LINE_INCHES = 0.14


def _wrap(label: str, inches: float) -> str:
    """``label`` wrapped (at spaces, keeping its own line breaks) to lines that fit ``inches``."""
    import textwrap
    width = max(4, int(inches / CHAR_INCHES))
    return "\n".join(textwrap.fill(line, width, break_long_words=False) or line for line in str(label).split("\n"))


def image_grid(images, row_labels: Optional[Sequence[str]] = None, col_labels: Optional[Sequence[str]] = None,
               title: Optional[str] = None, cell: float = 1.0):
    """``images``: array R×C×H×W×3 (uint8 or floats in [0, 1]) → a labelled grid figure.

    Rows are usually prompts and columns LoRA weights or seeds, like A1111's XYZ plot. Labels
    are wrapped to the room they have (a column label to its cell's width, a row label to at
    most 3.2 inches) and the figure grows to hold their lines.
    """
    plt = _plt()
    images = np.asarray(images)
    if images.ndim == 4:
        images = images[None]
    R, C = images.shape[:2]
    rows = None if row_labels is None else [_wrap(s, 3.2) for s in row_labels]
    cols = None if col_labels is None else [_wrap(s, 0.95 * cell) for s in col_labels]
    label_w = 0.0 if rows is None else min(3.5, CHAR_INCHES * max(len(x) for s in rows for x in s.split("\n")) + 0.3)
    col_lines = 0 if cols is None else max(s.count("\n") + 1 for s in cols)
    head = (0.3 if title else 0.0) + (LINE_INCHES * col_lines + 0.1 if cols is not None else 0.05)  # inches above
    row_h = cell if rows is None else max(cell, LINE_INCHES * max(s.count("\n") + 1 for s in rows) + 0.05)
    height = R * row_h + head
    fig, axes = plt.subplots(R, C, figsize=(label_w + C * cell, height), squeeze=False,
                             gridspec_kw=dict(wspace=0.04, hspace=0.04))
    fig.subplots_adjust(top=1 - head / height, bottom=0.0, left=label_w / (label_w + C * cell), right=1.0)
    for i in range(R):
        for j in range(C):
            ax = axes[i, j]
            ax.imshow(images[i, j], interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            for s in ax.spines.values():
                s.set_visible(False)
            if j == 0 and rows is not None:
                ax.set_ylabel(rows[i], rotation=0, ha="right", va="center", fontsize=8)
            if i == 0 and cols is not None:
                ax.set_title(cols[j], fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10, y=1 - 0.05 / height, va="top")
    return _done(fig)


def sweep_grid(images, prompts: Sequence[str], weights: Sequence[float], seeds: Sequence[int],
               seed_index: int = 0, title: Optional[str] = None):
    """The XYZ plot of a sweep's pictures (P×W×S×H×W×3): rows prompts, columns LoRA weights,
    one seed. Every grid of a sweep in the course (the lab's, a real checkpoint's) is this one."""
    return image_grid(np.asarray(images)[:, :, seed_index], row_labels=list(prompts),
                      col_labels=[f"w={w:g}" for w in weights],
                      title=title or f"columns: LoRA weight w; seed {seeds[seed_index]}")


def seeds_grid(images, prompts: Sequence[str], weights: Sequence[float], seeds: Sequence[int],
               prompt: str, show: Sequence[float] = (0.0, 1.0), n: Optional[int] = None,
               title: Optional[str] = None):
    """One prompt of a sweep: rows the LoRA weights ``show``, columns its first ``n`` seeds (all by
    default): what "share of images" means."""
    images, weights = np.asarray(images), [float(w) for w in weights]
    n = len(seeds) if n is None else n
    p = list(prompts).index(prompt)
    rows = np.stack([images[p, weights.index(float(w)), :n] for w in show])
    return image_grid(rows, row_labels=[f"w={w:g}" for w in show],
                      col_labels=[f"seed {s}" for s in list(seeds)[:n]],
                      title=title or f"prompt `{prompt}`, {n} of {len(seeds)} seeds")


def curves(x: Sequence[float], series: Dict[str, Sequence[float]], xlabel: str = "LoRA weight w",
           ylabel: str = "identity fidelity", title: Optional[str] = None, ylim=(0, 1.02),
           hline: Optional[float] = None):
    """Line plot of several measured series over the same x (e.g. fidelity vs weight per prompt)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.8, 3.2))
    for name, ys in series.items():
        ax.plot(list(x), list(ys), marker="o", label=name)
    if hline is not None:
        ax.axhline(hline, color="grey", lw=0.8, ls="--")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(*ylim)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return _done(fig)


def bars(values: Dict[str, float], title: Optional[str] = None, ylabel: str = "share of images",
         hline: Optional[float] = None):
    """A bar per named value (e.g. adherence per tag group)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(max(3.0, 0.55 * len(values) + 1), 3.0))
    ax.bar(range(len(values)), list(values.values()), color="#e58fb0")
    ax.set_xticks(range(len(values)))
    ax.set_xticklabels([k.replace("_", " ") for k in values], rotation=35, ha="right", fontsize=8)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel(ylabel)
    if hline is not None:
        ax.axhline(hline, color="grey", lw=0.8, ls="--")
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return _done(fig)


# ---------------------------------------------------------------------------------------------
# Figures of a measured sweep (lora_course.measure.evaluation.Sweep)
# ---------------------------------------------------------------------------------------------
def fidelity_figure(sw, prompts, per_group: bool = True, title: Optional[str] = None):
    """Identity fidelity vs LoRA weight for each prompt (thick), and per identity attribute (thin)."""
    from ..world import IDENTITY_GROUPS
    prompts = [prompts] if isinstance(prompts, str) else list(prompts)
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.4, 3.4))
    for k, p in enumerate(prompts):
        color = f"C{k}"
        ax.plot(sw.weights, sw.fidelity_curve(p), marker="o", lw=2.2, color=color,
                label=f"`{p}`: all of her identity")
        if per_group:
            for j, g in enumerate(IDENTITY_GROUPS):
                ys = [sw.fidelity(p, w).per_group[g] for w in sw.weights]
                ax.plot(sw.weights, ys, lw=0.9, alpha=0.7, ls=["--", ":", "-.", (0, (1, 3)), (0, (5, 2))][j],
                        color=f"C{j + 2}", label=g.replace("_", " "))
    ax.axhline(0.5, color="grey", lw=0.8, ls="--")
    ax.set_xlabel("LoRA weight w")
    ax.set_ylabel(f"share of {len(sw.seeds)} seeds")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.set_title(title or "identity fidelity", fontsize=10)
    fig.tight_layout()
    return _done(fig)


def three_ways_figure(sw, prompt: str, title: Optional[str] = None):
    """One stacked bar per weight: the share of pictures that are her, unclear (between her and
    another value: :meth:`~lora_course.measure.evaluation.Sweep.three_ways`) and clearly someone else, with
    the 95 % interval of each counting of her as whiskers: unclear counted as not her (the bottom
    bar's top) and as her (the top of the middle bar)."""
    from ..measure import stats
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.4, 3.2))
    x = np.arange(len(sw.weights))
    parts = {k: np.array([np.mean(sw.three_ways(prompt, w) == k) for w in sw.weights])
             for k in ("her", "unclear", "other")}
    colors = {"her": "#e58fb0", "unclear": "#c9b458", "other": "#9aa5b1"}
    names = {"her": "her", "unclear": "unclear (模棱两可)", "other": "someone else"}
    bottom = np.zeros(len(x))
    for k in ("her", "unclear", "other"):
        ax.bar(x, parts[k], bottom=bottom, color=colors[k], label=names[k], width=0.7)
        bottom = bottom + parts[k]
    n = len(sw.seeds)
    for j, w in enumerate(sw.weights):
        for top in (parts["her"][j], parts["her"][j] + parts["unclear"][j]):
            lo, hi = stats.wilson(int(round(top * n)), n)
            ax.errorbar(x[j], top, yerr=[[top - lo], [hi - top]], color="black", capsize=3, lw=0.9)
    ax.axhline(0.5, color="grey", lw=0.8, ls="--")
    ax.set_xticks(x)
    ax.set_xticklabels([f"w={w:g}" for w in sw.weights], fontsize=8)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel(f"share of {n} seeds")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.set_title(title or f"`{prompt}`: her, unclear, someone else", fontsize=10)
    fig.tight_layout()
    return _done(fig)


#: The colour of a check's outcome on :func:`verdict_figure`'s number line.
OUTCOME_COLORS = {"pass": "#3a9a5b", "fail": "#c0504d", "undecided": "#d9a21b"}


def verdict_figure(verdict, title: Optional[str] = None):
    """A claim's verdict on one number line per measured number: each part of each check is a
    row with its 95 % interval (the bar), its value (the dot) and the threshold it must clear
    (the black tick, the arrow pointing the way it must go), coloured by the part's outcome
    (green shown, red not, amber undecided); the other reading of the unclear pictures, where a
    check has one, is the hollow dot and thin line beneath. Reads only what the verdict holds."""
    plt = _plt()
    rows = []
    for check in verdict.checks:
        other = list(check.other_way.parts) if check.other_way is not None else []
        for i, part in enumerate(check.parts):
            rows.append((part, other[i] if i < len(other) else None))
    if not rows:
        raise ValueError(f"{verdict.claim}: a verdict read back from a printed line has no checks to draw. "
                         "Fix: draw the verdict the claim returned (claims.<claim>(...)), not Verdict.parse(...)")
    fig, ax = plt.subplots(figsize=(7.2, 0.7 * len(rows) + 1.0))
    lows = [min(p.est.lo, p.threshold, o.est.lo if o else 1) for p, o in rows]
    left = -1.0 if min(lows) < 0 else 0.0
    for y, (part, other) in enumerate(reversed(rows)):
        color = OUTCOME_COLORS[str(part.outcome)]
        ax.plot([part.est.lo, part.est.hi], [y, y], color=color, lw=5, solid_capstyle="butt", alpha=0.8)
        ax.plot(part.est.value, y, "o", color="black", ms=5)
        if other is not None:
            ax.plot([other.est.lo, other.est.hi], [y - 0.28] * 2, color=color, lw=1.2)
            ax.plot(other.est.value, y - 0.28, "o", mfc="white", mec="black", ms=4)
        ax.plot([part.threshold] * 2, [y - 0.35, y + 0.35], color="black", lw=1.5)
        ax.annotate("", xy=(part.threshold + (0.06 if part.at_least else -0.06), y + 0.3),
                    xytext=(part.threshold, y + 0.3), arrowprops=dict(arrowstyle="->", lw=0.9))
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([_wrap(p.what, 3.4) for p, _ in reversed(rows)], fontsize=7)
    ax.set_xlim(left - 0.02, 1.02)
    ax.set_ylim(-0.7, len(rows) - 0.4)
    ax.axvline(0, color="grey", lw=0.5)
    ax.grid(axis="x", alpha=0.3)
    ax.set_xlabel("dot: measured · band: its 95 % interval · tick: the bar, arrow: the side to be on\n"
                  "hollow, beneath: the unclear pictures counted the other way", fontsize=7)
    ax.set_title(title or f"{verdict.claim}: {verdict.status}", fontsize=10)
    fig.tight_layout()
    return _done(fig)


def unclear_grid(sw, n: int = 8, title: Optional[str] = None):
    """Up to ``n`` pictures of a sweep that the tagger read ``unclear`` in some group, each labelled
    with its prompt, weight and the groups it could not decide (the pictures every counting rule
    is about)."""
    found = []
    for p in sw.prompts:
        for w in sw.weights:
            for k, groups in enumerate(sw.unclear_groups(p, w)):
                if groups:
                    found.append((sw.images[sw.prompts.index(p), sw.weights.index(w), k],
                                  f"`{p}` w={w:g}: " + ", ".join(g.replace("_", " ") for g in groups)))
    if not found:
        return None
    step = max(1, len(found) // n)           # spread over the sweep, not the first point only
    chosen = found[::step][:n]
    return image_grid(np.stack([im for im, _ in chosen])[None], col_labels=[lab for _, lab in chosen], cell=1.3,
                      title=title or f"pictures read unclear ({len(found)} of {sw.images.shape[0] * sw.images.shape[1] * sw.images.shape[2]})")


def rate_figure(sw, prompt: str, tags: Sequence[str], title: Optional[str] = None):
    """Share of images showing each of ``tags`` vs LoRA weight, for one prompt."""
    return curves(sw.weights, {t: sw.rate_curve(t, prompt) for t in tags}, ylabel=f"share of {len(sw.seeds)} seeds",
                  title=title or f"prompt `{prompt}`: what the pictures show")


def fox_figure(sw, prompt: str = "fox"):
    """Her fidelity and the share of pictures showing the fox animal, vs weight."""
    return curves(sw.weights, {"her (all identity attributes)": sw.fidelity_curve(prompt),
                               "the fox animal": sw.rate_curve("fox", prompt)},
                  ylabel=f"share of {len(sw.seeds)} seeds", title=f"prompt `{prompt}`", hline=0.5)


def mouth_figure(one, two):
    """Mouth adherence (open/closed asked) of the one-picture vs the two-picture LoRA, vs weight."""
    series = {}
    for name, sw in (("one picture", one), ("two pictures", two)):
        for p in sw.prompts:
            want = "closed mouth" if "closed mouth" in p else "open mouth"
            series[f"{name}: `{p.split(', ')[-1]}`"] = sw.rate_curve(want, p)
    return curves(one.weights, series, ylabel="mouth as asked", title="does the mouth obey?", ylim=(-0.02, 1.02),
                  xlabel="LoRA weight w")


def combination_figure(sw, wanted: Dict[str, Sequence[str]]):
    """Share of pictures showing every requested tag at once, per prompt, vs weight."""
    return curves(sw.weights, {f"`{p}`": [sw.rate_all(tags, p, w) for w in sw.weights] for p, tags in wanted.items()},
                  ylabel="all requested tags at once", title="tags combined at prompt time")


def pose_figure(sw, sitting: str, standing: str):
    """Sitting rate, her fidelity, and both at once, vs weight."""
    return curves(sw.weights, {f"`{sitting}`: sitting": sw.rate_curve("sitting", sitting),
                               f"`{sitting}`: her": sw.fidelity_curve(sitting),
                               f"`{sitting}`: her AND sitting": sw.joint_curve(sitting, ["sitting"]),
                               f"`{standing}`: her": sw.fidelity_curve(standing)},
                  ylabel=f"share of {len(sw.seeds)} seeds", title="poses the training set never showed")


def compare_grid(sweeps: Dict[str, "object"], weight: float = 1.0, seed_index: int = 0,
                 title: Optional[str] = None):
    """Several LoRAs side by side: rows the prompts (shared by every sweep), columns the LoRAs,
    all at one weight and one seed."""
    first = next(iter(sweeps.values()))
    cols = [sw.images[:, sw.weights.index(float(weight)), seed_index] for sw in sweeps.values()]
    return image_grid(np.stack(cols, axis=1), row_labels=first.prompts, col_labels=list(sweeps),
                      title=title or f"w={weight:g}, seed {first.seeds[seed_index]}")


def sweeps_grid(sweeps: Dict[str, "object"], prompt: Optional[str] = None, seed_index: int = 0,
                title: Optional[str] = None):
    """One row per sweep (named by its key): ``prompt`` (default: the sweep's first prompt) at
    every weight, one seed."""
    rows, labels = [], []
    for name, sw in sweeps.items():
        p = prompt if prompt is not None else sw.prompts[0]
        rows.append(sw.images[sw.prompts.index(p), :, seed_index])
        labels.append(name if prompt is not None else f"`{p}`")
    first = next(iter(sweeps.values()))
    return image_grid(np.stack(rows), row_labels=labels, col_labels=[f"w={w:g}" for w in first.weights],
                      title=title)


def seeds_by_sweep(sweeps: Dict[str, "object"], prompt: str, weight: float = 1.0, n: int = 8,
                   title: Optional[str] = None):
    """One row per sweep (named by its key): ``prompt`` at ``weight``, its first ``n`` seeds side
    by side, so a share can be counted rather than guessed from one seed."""
    rows = [sw.images[sw.prompts.index(prompt), sw.weights.index(float(weight)), :n] for sw in sweeps.values()]
    first = next(iter(sweeps.values()))
    return image_grid(np.stack(rows), row_labels=list(sweeps), col_labels=[f"seed {s}" for s in first.seeds[:n]],
                      title=title or f"`{prompt}` at w={weight:g}, the first {n} seeds")


def thesis_figure(numbers: Dict[str, Dict[str, "object"]]):
    """Claim T: per captioning, a group of bars (quality, control per tag, leakage), each with its
    95 % interval as an error bar (``numbers`` as :func:`lora_course.measure.claims.thesis_numbers` gives)."""
    plt = _plt()
    keys = [k for k in next(iter(numbers.values())) if k != "leakage: 1girl drift"]
    fig, ax = plt.subplots(figsize=(7.6, 3.2))
    width = 0.8 / len(numbers)
    for j, (how, vals) in enumerate(numbers.items()):
        est = [vals[k] for k in keys]
        ax.bar([i + j * width for i in range(len(keys))], [e.value for e in est], width, label=how,
               yerr=[[e.value - e.lo for e in est], [e.hi - e.value for e in est]], capsize=2,
               error_kw={"elinewidth": 0.8})
    ax.set_xticks([i + 0.4 - width / 2 for i in range(len(keys))])
    ax.set_xticklabels(keys, rotation=30, ha="right", fontsize=8)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("share of images")
    ax.legend(title="captioning", fontsize=8)
    ax.set_title("same pictures, three captionings (w=1)", fontsize=9)
    return _done(fig)


def possession_figure(sweeps: Dict[str, "object"], unrelated: Sequence[str], drifts=None):
    """Left: each trigger word's own fidelity vs weight (when is the host possessed, from
    ``sweeps``). Right: drift of the unrelated prompts from the base model vs weight (the damage,
    from ``drifts``; default ``sweeps``)."""
    plt = _plt()
    drifts = sweeps if drifts is None else drifts
    fig, (a, b) = plt.subplots(1, 2, figsize=(8.8, 3.2))
    for t, sw in sweeps.items():
        a.plot(sw.weights, sw.fidelity_curve(t), marker="o", label=f"`{t}`")
        b.plot(drifts[t].weights, drifts[t].drift_curve(list(unrelated)), marker="o", label=f"LoRA on `{t}`")
    a.set(xlabel="LoRA weight w", ylabel="prompt = trigger: her", ylim=(0, 1.02),
          title="when is the word possessed (duoshe)?")
    b.set(xlabel="LoRA weight w", ylabel="drift (total variation)", ylim=(0, None),
          title="damage to prompts it was not trained on")
    for ax in (a, b):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
        ax.title.set_fontsize(9)
    return _done(fig)


def remedies_figure(plain, reg, plain_pose, varied_pose):
    """Left: `weiwei` and `1girl` with and without prior preservation. Right: her AND sitting
    with and without sitting pictures."""
    plt = _plt()
    fig, (a, b) = plt.subplots(1, 2, figsize=(8.8, 3.2))
    for sw, style, label in ((plain, "--", "plain"), (reg, "-", "prior preservation")):
        for p, c in (("weiwei", "C0"), ("1girl", "C3")):
            a.plot(sw.weights, sw.fidelity_curve(p), style, color=c, marker="o", label=f"`{p}`, {label}")
    for sw, style, label in ((plain_pose, "--", "standing pictures only"), (varied_pose, "-", "sitting added")):
        b.plot(sw.weights, sw.joint_curve("weiwei, sitting", ["sitting"]), style, marker="o", label=label)
    a.set(xlabel="LoRA weight w", ylabel="her", ylim=(0, 1.02), title="the `1girl` hijack, remedied?")
    b.set(xlabel="LoRA weight w", ylabel="her AND sitting", ylim=(0, 1.02), title="`weiwei, sitting`")
    for ax in (a, b):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
        ax.title.set_fontsize(9)
    return _done(fig)


def guide_figure(advice: Dict[str, "object"]):
    """One small panel per LoRA: her, the prompt's other tags, both at once vs weight, with the
    recommended weight marked."""
    plt = _plt()
    n = len(advice)
    cols = min(n, 3)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.1 * cols, 2.5 * rows), squeeze=False)
    for ax, (name, a) in zip(axes.flat, advice.items()):
        ax.plot(a.weights, a.fidelity, marker="o", label="her")
        ax.plot(a.weights, a.adherence, marker="o", label=", ".join(a.tags) or "other tags")
        ax.plot(a.weights, a.joint, marker=".", ls=":", label="both")
        if a.weight is not None:
            ax.axvline(a.weight, color="green", lw=1.5, alpha=0.6)
        ax.set_ylim(0, 1.02)
        ax.set_title(f"{name}: `{a.prompt}`\n" + (f"use w={a.weight:g}" if a.weight is not None
                                                    else "no weight passes"), fontsize=8)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.tight_layout()
    return _done(fig)


def training_figure(result):
    """A LoRA's training: the loss per step (left) and the preview pictures (rows: steps)."""
    plt = _plt()
    fig = plt.figure(figsize=(8.4, 2.6))
    ax = fig.add_axes([0.07, 0.18, 0.3, 0.7])
    ax.plot(range(1, len(result.losses) + 1), result.losses, lw=0.8, color="C0")
    ax.set_xlabel("step")
    ax.set_ylabel("loss (v-prediction MSE)")
    ax.grid(alpha=0.3)
    ax.set_title(f"LoRA {result.name}: {result.steps} steps", fontsize=9)
    if result.samples:
        steps = [s for s, _ in result.samples]
        imgs = np.stack([im[0] for _, im in result.samples])      # first prompt: steps × seeds
        S = imgs.shape[1]
        rows = np.concatenate([np.concatenate(list(r), axis=1) for r in imgs], axis=0)
        ax2 = fig.add_axes([0.42, 0.05, 0.56, 0.85])
        ax2.imshow(rows, interpolation="nearest")
        ax2.set_xticks([(k + 0.5) * imgs.shape[3] for k in range(S)])
        ax2.set_xticklabels([f"seed {k}" for k in range(S)], fontsize=7)
        ax2.set_yticks([(k + 0.5) * imgs.shape[2] for k in range(len(steps))])
        ax2.set_yticklabels([f"step {s}" for s in steps], fontsize=7)
        ax2.set_title("previews during training", fontsize=9)
    return _done(fig)


def phase_figure(diagram, keys: Optional[Sequence[str]] = None):
    """The phase diagram of a LoRA (:class:`lora_course.measure.training_length.PhaseDiagram`): one heatmap
    per measure, rows training steps, columns LoRA weights, each cell its share (or gap, drift).
    ● marks the cells where the article's side of the measure is shown (its interval clears the
    claim's bar with the unclear pictures counted either way), ○ where it is not decided (the
    interval straddles the bar, or the two readings of the unclear pictures disagree)."""
    plt = _plt()
    keys = list(keys or diagram.measures)
    cols = 3
    rows = (len(keys) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.3 * cols, 2.9 * rows), squeeze=False)
    for ax, key in zip(axes.flat, keys):
        m = diagram.measures[key]
        v = diagram.values(key)
        lo = -1.0 if key == "gap" else 0.0
        im = ax.imshow(v, cmap="RdBu" if key == "gap" else "viridis", vmin=lo, vmax=1.0, aspect="auto")
        marks = diagram.marks(key)
        for i in range(v.shape[0]):
            for j in range(v.shape[1]):
                mark = {"pass": " ●", "undecided": " ○"}.get(marks[i, j], "")
                ax.text(j, i, f"{v[i, j]:.2f}{mark}", ha="center", va="center", fontsize=7,
                        color="black" if (key != "gap" and v[i, j] > 0.6) or (key == "gap" and abs(v[i, j]) < 0.5)
                        else "white")
        ax.set_xticks(range(len(diagram.weights)))
        ax.set_xticklabels([f"{w:g}" for w in diagram.weights])
        ax.set_yticks(range(len(diagram.steps)))
        ax.set_yticklabels([str(k) for k in diagram.steps])
        ax.set_xlabel("LoRA weight w")
        ax.set_ylabel("training steps")
        bar = "" if m.level is None else f" ({m.claim}: {'≥' if m.at_least else '≤'} {m.level:g} ●)"
        ax.set_title(f"{m.title}{bar}", fontsize=8)
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.03)
    for ax in list(axes.flat)[len(keys):]:
        ax.axis("off")
    fig.suptitle(f"{diagram.name}: training steps × LoRA weight ({len(next(iter(diagram.sweeps.values())).seeds)} seeds per cell)",
                 fontsize=10)
    fig.tight_layout()
    return _done(fig)


def loss_figure(losses: Sequence[float], stable: Dict[str, Dict[int, float]], title: Optional[str] = None):
    """Left: the training loss per step (and its running mean). Right: the stable validation loss
    (fixed timesteps and noise) at every kept step, on the training pictures and on new renders."""
    plt = _plt()
    fig, (a, b) = plt.subplots(1, 2, figsize=(8.4, 2.9))
    x = np.arange(1, len(losses) + 1)
    a.plot(x, losses, lw=0.5, color="C0", alpha=0.4, label="per step")
    k = min(25, len(losses))
    if k > 1:
        run = np.convolve(losses, np.ones(k) / k, mode="valid")
        a.plot(x[k - 1:], run, lw=1.5, color="C0", label=f"mean of {k}")
    a.set_xlabel("step")
    a.set_ylabel("training loss")
    a.grid(alpha=0.3)
    a.legend(fontsize=7)
    a.set_title("the loss the trainer sees (random t, noise)", fontsize=9)
    for label, points in stable.items():
        ks = sorted(points)
        b.plot(ks, [points[s] for s in ks], marker="o", label=label)
    b.set_xscale("symlog", linthresh=25)
    b.set_xlabel("training steps (0 = base model)")
    b.set_ylabel("stable loss")
    b.grid(alpha=0.3)
    b.legend(fontsize=7)
    b.set_title("fixed t and noise: validation", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return _done(fig)
