"""Pictures of results: image grids (the A1111 XYZ plot) and measured curves.

Every function returns a matplotlib ``Figure`` (shown inline in a notebook, saved with
``fig.savefig``); none of them computes anything it does not draw.
"""
from __future__ import annotations

from typing import Dict, Optional, Sequence

import numpy as np


def _plt():
    import matplotlib
    import matplotlib.pyplot as plt
    matplotlib.rcParams.update({"figure.dpi": 80, "font.size": 9})
    return plt


def image_grid(images, row_labels: Optional[Sequence[str]] = None, col_labels: Optional[Sequence[str]] = None,
               title: Optional[str] = None, cell: float = 1.0):
    """``images``: array R×C×H×W×3 (uint8 or floats in [0, 1]) → a labelled grid figure.

    Rows are usually prompts and columns LoRA weights or seeds, like A1111's XYZ plot.
    """
    plt = _plt()
    images = np.asarray(images)
    if images.ndim == 4:
        images = images[None]
    R, C = images.shape[:2]
    label_w = 0.0 if row_labels is None else min(3.5, 0.06 * max(len(s) for s in row_labels) + 0.3)
    fig, axes = plt.subplots(R, C, figsize=(label_w + C * cell, R * cell + (0.4 if title else 0.1)),
                             squeeze=False, gridspec_kw=dict(wspace=0.04, hspace=0.04))
    for i in range(R):
        for j in range(C):
            ax = axes[i, j]
            ax.imshow(images[i, j], interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            for s in ax.spines.values():
                s.set_visible(False)
            if j == 0 and row_labels is not None:
                ax.set_ylabel(row_labels[i], rotation=0, ha="right", va="center", fontsize=8)
            if i == 0 and col_labels is not None:
                ax.set_title(col_labels[j], fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def curves(x: Sequence[float], series: Dict[str, Sequence[float]], xlabel: str = "LoRA weight (功力)",
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
    return fig


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
    return fig
