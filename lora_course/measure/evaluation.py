"""Measuring what a pipeline draws: generate with fixed seeds, read with the tagger, summarise.

The course's currency (see the design notes): for a prompt, a LoRA weight and N seeds,

* **prompt adherence**: share of images showing each tag the prompt asked for;
* **identity fidelity**: share of images showing all of a character's identity attributes;
* **drift**: how far the distribution of values moves from a reference (the base model's).

Every image gets its own ``torch.Generator`` seeded with its seed, so an image depends only on
(prompt, weight, seed), never on the batch it was drawn in.
"""
from __future__ import annotations

import copy
import random
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from tqdm.auto import tqdm

from ..core import progress as progress_
from .. import world
from ..lora.adapters import kept_lora_state, set_lora_weights
from ..sd.base_model import DEFAULT_GUIDANCE, DEFAULT_STEPS
from ..core.prompt_syntax import has_lora_tags
from ..sd.sampling import generate, grid_jobs
from ..tagger import UNCLEAR, Readings, Tagger

#: Every value a group can be read as (its tags, ``None``, ``unclear``) as a column index, for
#: :meth:`Sweep.onehot`.
VALUE_CODES: Dict[str, Dict[Optional[str], int]] = {
    g: {v: i for i, v in enumerate(dict.fromkeys([*vals, None, UNCLEAR]))} for g, vals in world.GROUPS.items()}
N_CODES = max(len(c) for c in VALUE_CODES.values())
#: How much farther (mean absolute difference, grey levels of 255) than the VAE's own round trip
#: of a picture a generated picture may be from it and still count as a copy: the pipeline draws
#: through the VAE, so a perfect copy differs from the original by what the VAE loses (6.0 for
#: weiwei's training picture). Measured on notebook 02's LoRA: trained 600 steps, 16 of 16 seeds
#: at w = 1 lie within 0.8 of that floor; at the recipe's 50 steps, none within 2.4.
COPY_MARGIN = 1.0


def measure(pipe, tagger: Tagger, prompts: Sequence[str], seeds: Sequence[int], progress: bool = True,
            **gen_kwargs) -> Readings:
    """Generate every prompt with every seed and read the images: :class:`Readings` whose
    ``meta`` has ``prompt`` and ``seed`` per row (and the images in ``meta['images']``)."""
    ps, ss = grid_jobs(prompts, seeds)
    imgs = generate(pipe, ps, ss, progress=progress, **gen_kwargs)
    r = tagger.read(imgs, prompt=ps, seed=ss)
    r.meta["images"] = list(imgs)
    return r


def images_by_prompt(r: Readings, prompts: Sequence[str]) -> np.ndarray:
    """The images of :func:`measure`, as an array prompts × seeds × H × W × 3."""
    return np.stack([np.stack([r.meta["images"][i] for i in rows_of(r, prompt=p)]) for p in prompts])


def rows_of(r: Readings, **where) -> List[int]:
    """Row indices whose meta matches every ``key=value``."""
    return [i for i in range(len(r)) if all(r.meta[k][i] == v for k, v in where.items())]


def prompt_tags(prompt: str) -> List[str]:
    """The world's tags a prompt names (other words, like a trigger, are ignored)."""
    parts = [t.strip().lower() for t in prompt.replace("，", ",").split(",")]
    return [t for t in parts if t in world.TAG_TO_GROUP]


def adherence(r: Readings, rows: Optional[Sequence[int]] = None) -> Dict[str, float]:
    """Per tag group: share of images showing the value their prompt named (groups not named by
    a prompt are skipped for that image)."""
    rows = range(len(r)) if rows is None else rows
    hits: Dict[str, List[bool]] = {}
    for i in rows:
        for t in prompt_tags(r.meta["prompt"][i]):
            g = world.TAG_TO_GROUP[t]
            hits.setdefault(g, []).append(r.values[g][i] == t)
    return {g: float(np.mean(hits[g])) for g in world.GROUPS if g in hits}


def random_full_prompts(n: int, seed: int = 0) -> List[str]:
    """``n`` prompts naming a tag in every group of a 1girl (a random tagged value each)."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        tags = ["1girl"] + [rng.choice([v for v in world.GROUPS[g] if v is not None])
                            for g in world.CHARACTER_GROUPS]
        out.append(", ".join(tags))
    return out


def tv_distance(p: Dict, q: Dict) -> float:
    """Total-variation distance between two distributions over values (0 = same, 1 = disjoint)."""
    keys = set(p) | set(q)
    return 0.5 * sum(abs(p.get(k, 0.0) - q.get(k, 0.0)) for k in keys)


class Sweep:
    """Measurements of prompts × LoRA weights × seeds, read by the tagger.

    ``images`` has shape P×W×S×H×W×3 (rows prompts, columns weights, then seeds), so
    ``images[:, :, 0]`` is the XYZ grid of the first seed.

    ``runs`` says, per seed, which training run of the LoRA drew that seed's pictures (``None``:
    one run): the course trains each LoRA several times and splits the seeds between the runs, so
    that intervals can resample the runs (:func:`lora_course.measure.stats.bootstrap`).
    """

    def __init__(self, prompts: Sequence[str], weights: Sequence[float], seeds: Sequence[int],
                 images: np.ndarray, readings: Readings, runs: Optional[Sequence[int]] = None):
        self.prompts, self.weights, self.seeds = list(prompts), [float(w) for w in weights], list(seeds)
        self.images, self.readings = images, readings
        if runs is not None and len(runs) != len(self.seeds):
            raise ValueError(f"runs has {len(runs)} entries for {len(self.seeds)} seeds: give the training run "
                             f"of every seed")
        self.runs: Optional[List[int]] = None if runs is None or len(set(runs)) < 2 else [int(r) for r in runs]
        #: when True, every ``unclear_counts`` below means its opposite (see :meth:`unclear_flipped`)
        self.flipped = False
        #: every (prompt, weight) point something has read so far (a claim's checks, say): a claim
        #: drawn in looks extends only the points its checks read (:meth:`lora_course.course.Lab.until_decided`)
        self.read: set = set()

    def readings_json(self) -> dict:
        """What the tagger read, without the pictures: prompts, weights, seeds, runs and each
        group's value per picture as an index into that group's list of values (``codes``, kept in
        the file: a few kB a sweep), enough to compute every claim again
        (:meth:`from_readings_json`)."""
        return {"prompts": self.prompts, "weights": self.weights, "seeds": self.seeds, "runs": self.runs,
                "codes": {g: list(VALUE_CODES[g]) for g in self.readings.values},
                "values": {g: [VALUE_CODES[g][v] for v in vals] for g, vals in self.readings.values.items()}}

    @classmethod
    def from_readings_json(cls, d: dict) -> "Sweep":
        """The sweep :meth:`readings_json` wrote, with no pictures (``images`` is empty): its
        claims, shares and intervals are the same as the original's."""
        values = {g: [d["codes"][g][i] for i in codes] for g, codes in d["values"].items()}
        n = len(next(iter(values.values())))
        meta = {"prompt": [p for p in d["prompts"] for _ in d["weights"] for _ in d["seeds"]],
                "weight": [float(w) for _ in d["prompts"] for w in d["weights"] for _ in d["seeds"]],
                "seed": [s for _ in d["prompts"] for _ in d["weights"] for s in d["seeds"]]}
        readings = Readings(np.zeros((n, 0)), [], values, meta)
        images = np.zeros((len(d["prompts"]), len(d["weights"]), len(d["seeds"]), 0, 0, 3), np.uint8)
        return cls(d["prompts"], d["weights"], d["seeds"], images, readings, d.get("runs"))

    def head(self, n: int) -> "Sweep":
        """The same sweep on its first ``n`` seeds only (every point, its pictures and readings cut
        to them; their training runs kept): what a sweep drawn on ``seeds[:n]`` would have read,
        since a picture depends only on its prompt, weight and seed."""
        if not 1 <= n <= len(self.seeds):
            raise ValueError(f"head({n}): this sweep has {len(self.seeds)} seeds; ask for 1 to {len(self.seeds)}")
        S = len(self.seeds)
        keep = [i for i in range(len(self.readings)) if i % S < n]
        readings = self._readings_at(keep)
        runs = None if self.runs is None else self.runs[:n]
        other = Sweep(self.prompts, self.weights, self.seeds[:n], self.images[:, :, :n], readings, runs)
        other.flipped = self.flipped
        return other

    def select(self, prompts: Sequence[str], weights: Sequence[float]) -> "Sweep":
        """The same sweep on some of its prompts and weights only (every seed kept): what a sweep
        drawn on just those points would have read."""
        S = len(self.seeds)
        rows = [i for p in prompts for w in weights for i in self._rows(p, w)]
        readings = self._readings_at(rows)
        pi = [self.prompts.index(p) for p in prompts]
        wi = [self.weights.index(float(w)) for w in weights]
        images = self.images[pi][:, wi] if self.images.size else np.zeros((len(pi), len(wi), S, 0, 0, 3), np.uint8)
        other = Sweep(prompts, weights, self.seeds, images, readings, self.runs)
        other.flipped = self.flipped
        return other

    def _readings_at(self, rows: Sequence[int]) -> Readings:
        """The readings of ``rows`` only (what :meth:`head` and :meth:`select` keep)."""
        r = self.readings
        return Readings(r.probs[rows], r.tags, {g: [v[i] for i in rows] for g, v in r.values.items()},
                        {k: [v[i] for i in rows] for k, v in r.meta.items() if len(v) == len(r)})

    def unclear_flipped(self) -> "Sweep":
        """The same sweep with every ``unclear_counts`` of :meth:`her`, :meth:`shows` and
        :meth:`her_and` turned into its opposite: the claims read each sweep both ways, their
        unclear pictures counted against the claim and the other way (:mod:`lora_course.measure.claims`)."""
        other = copy.copy(self)
        other.flipped = not self.flipped
        return other

    def rows(self, prompt: str, weight: float) -> List[int]:
        """Row indices of ``readings`` for one (prompt, weight) point."""
        self.read.add((prompt, float(weight)))
        return self._rows(prompt, weight)

    def _rows(self, prompt: str, weight: float) -> List[int]:
        p, w = self.prompts.index(prompt), self.weights.index(float(weight))
        S = len(self.seeds)
        start = (p * len(self.weights) + w) * S
        return list(range(start, start + S))

    def fidelity(self, prompt: str, weight: float, **kw):
        """Identity fidelity (see :meth:`Readings.fidelity`) at one point."""
        return self.readings.fidelity(rows=self.rows(prompt, weight), **kw)

    # ---- per seed: one True/False per picture, in seed order (what intervals are built on) ----
    def her(self, prompt: str, weight: float, character: world.Attrs = world.WEIWEI,
            groups: Sequence[str] = tuple(world.IDENTITY_GROUPS), unclear_counts: bool = False) -> np.ndarray:
        """Per seed: does the picture show every identity attribute of ``character``? An
        ``unclear`` reading is not a match, so it counts as "not her" (it stays in the
        denominator: a share of her is a share of all pictures drawn) — unless
        ``unclear_counts``, for a share that must stay *low*: there a picture that may be her
        counts against the claim."""
        v = self.readings.values
        unclear_counts = unclear_counts != self.flipped
        return np.array([all(v[g][i] == character[g] or (unclear_counts and v[g][i] == UNCLEAR) for g in groups)
                         for i in self.rows(prompt, weight)], bool)

    def shows(self, tags: Sequence[str], prompt: str, weight: float, unclear_counts: bool = False) -> np.ndarray:
        """Per seed: does the picture show every tag of ``tags`` at once (unclear: no, unless
        ``unclear_counts``, as in :meth:`her`)?"""
        v = self.readings.values
        unclear_counts = unclear_counts != self.flipped
        return np.array([all(v[world.TAG_TO_GROUP[t]][i] == t or (unclear_counts and v[world.TAG_TO_GROUP[t]][i] == UNCLEAR)
                             for t in tags) for i in self.rows(prompt, weight)], bool)

    def her_and(self, prompt: str, weight: float, tags: Sequence[str] = (),
                character: world.Attrs = world.WEIWEI, unclear_counts: bool = False) -> np.ndarray:
        """Per seed: is the picture *her* and does it show every tag of ``tags``, both at once?"""
        return self.her(prompt, weight, character, unclear_counts=unclear_counts) & \
            self.shows(tags, prompt, weight, unclear_counts)

    def copies(self, prompt: str, weight: float, picture: np.ndarray, tolerance: float) -> np.ndarray:
        """Per seed: is the picture a copy of ``picture`` (H×W×3 uint8, e.g. the training
        picture)? A copy differs from it by at most ``tolerance`` grey levels on average (see
        :data:`COPY_MARGIN`): the LoRA has memorised the picture rather than learned her."""
        p, w = self.prompts.index(prompt), self.weights.index(float(weight))
        diff = np.abs(self.images[p, w].astype(np.int16) - np.asarray(picture, np.int16)[None])
        return diff.reshape(len(self.seeds), -1).mean(1) <= tolerance

    def onehot(self, prompt: str, weight: float, groups: Sequence[str] = tuple(world.GROUPS)) -> np.ndarray:
        """Per seed and group, the value read as a one-hot row (seeds × groups × values): the
        mean over seeds is each group's distribution, so drifts can be resampled by seed."""
        rows = self.rows(prompt, weight)
        out = np.zeros((len(rows), len(groups), N_CODES))
        for j, g in enumerate(groups):
            for k, i in enumerate(rows):
                out[k, j, VALUE_CODES[g][self.readings.values[g][i]]] = 1.0
        return out

    def unclear(self, prompt: str, weight: float) -> float:
        """Share of the pictures of one point on which the tagger found some group unclear."""
        v = self.readings.values
        return float(np.mean([any(v[g][i] == UNCLEAR for g in world.GROUPS) for i in self.rows(prompt, weight)]))

    def three_ways(self, prompt: str, weight: float, character: world.Attrs = world.WEIWEI,
                   groups: Sequence[str] = tuple(world.IDENTITY_GROUPS)) -> np.ndarray:
        """Per seed, how a picture reads against ``character``: ``"her"`` (every group shows her
        value), ``"other"`` (some group clearly shows another value) or ``"unclear"`` (no group shows
        another value, and some group is read unclear: a picture between two, such as two
        different eyes). Every counting rule of the claims is a way of folding ``"unclear"``."""
        v = self.readings.values
        out = []
        for i in self.rows(prompt, weight):
            vals = [v[g][i] for g in groups]
            if any(x != UNCLEAR and x != character[g] for x, g in zip(vals, groups)):
                out.append("other")
            else:
                out.append("unclear" if UNCLEAR in vals else "her")
        return np.array(out)

    def unclear_groups(self, prompt: str, weight: float) -> List[List[str]]:
        """Per seed: the groups the tagger read ``unclear`` on that picture (often none)."""
        v = self.readings.values
        return [[g for g in world.GROUPS if v[g][i] == UNCLEAR] for i in self.rows(prompt, weight)]

    def unclear_summary(self) -> str:
        """One line: how many pictures had an unclear reading, and the point with the most."""
        points = [(self.unclear(p, w), p, w) for p in self.prompts for w in self.weights]
        share = float(np.mean([u for u, _, _ in points]))
        if share == 0:
            return f"unclear readings: none of the {len(points) * len(self.seeds)} pictures"
        top, p, w = max(points)
        return (f"unclear readings: {share:.0%} of the {len(points) * len(self.seeds)} pictures "
                f"(most at `{p}`, w={w:g}: {top:.0%}); they count as not showing a tag")

    # ---- shares at one point, and curves over the weights ----------------------------------
    def rate(self, tag: str, prompt: str, weight: float) -> float:
        """Share of the images of one point that show ``tag``."""
        return float(self.shows([tag], prompt, weight).mean())

    def rate_all(self, tags: Sequence[str], prompt: str, weight: float) -> float:
        """Share of the images of one point that show every tag of ``tags`` at once."""
        return float(self.shows(tags, prompt, weight).mean())

    def fidelity_curve(self, prompt: str, **kw) -> List[float]:
        """Identity fidelity (share with all identity attributes) at every weight."""
        return [self.fidelity(prompt, w, **kw).all for w in self.weights]

    def rate_curve(self, tag: str, prompt: str) -> List[float]:
        return [self.rate(tag, prompt, w) for w in self.weights]

    def share(self, group: str, prompt: str, weight: float) -> Dict:
        return self.readings.share(group, self.rows(prompt, weight))

    def joint(self, prompt: str, weight: float, tags: Sequence[str] = (),
              character: world.Attrs = world.WEIWEI) -> float:
        """Share of the images of one point that are *her* (every identity attribute of
        ``character``) **and** show every tag of ``tags`` at once: "her, sitting" counts only
        when the same picture is both."""
        return float(self.her_and(prompt, weight, tags, character).mean())

    def joint_curve(self, prompt: str, tags: Sequence[str] = (), **kw) -> List[float]:
        """:meth:`joint` at every weight."""
        return [self.joint(prompt, w, tags, **kw) for w in self.weights]

    def drift(self, prompts: Sequence[str], weight: float, reference: float = 0.0,
              groups: Sequence[str] = tuple(world.GROUPS), against: Optional["Sweep"] = None) -> float:
        """How far ``prompts`` moved at ``weight`` from what they drew at ``reference`` (the base
        model at 0): the mean over prompts and ``groups`` of the total-variation distance between
        the value distributions (0 = untouched, 1 = every group drawn differently). The reference
        point is read from ``against`` when given (another sweep with the same seeds)."""
        ref = self if against is None else against
        return float(np.mean([tv_distance(self.share(g, p, weight), ref.share(g, p, reference))
                              for p in prompts for g in groups]))

    def drift_curve(self, prompts: Sequence[str], **kw) -> List[float]:
        """:meth:`drift` at every weight of the sweep."""
        return [self.drift(prompts, w, **kw) for w in self.weights]


def sweep_images(pipe, prompts: Sequence[str], weights: Sequence[float], seeds: Sequence[int],
                 lora_name: str, steps: int = DEFAULT_STEPS, guidance: float = DEFAULT_GUIDANCE,
                 progress: bool = False, **gen_kwargs) -> Tuple[np.ndarray, dict]:
    """Generate every prompt × LoRA weight × seed: images P×W×S×H×W×3 (uint8) and ``meta``.

    Each image has its own seeded generator, so it depends only on (prompt, weight, seed): the
    ``w = 0`` column is the base model. Only ``lora_name`` is active during the sweep; the
    pipeline's LoRA state is restored afterwards."""
    if any(has_lora_tags(p) for p in prompts):
        raise ValueError("sweep sets the LoRA weight itself: remove <lora:...> from the prompts")
    ps, ss = grid_jobs(prompts, seeds)
    out = []
    with kept_lora_state(pipe):
        for w in tqdm(list(weights), desc=f"sweep {lora_name}", disable=progress_.disabled(progress)):
            set_lora_weights(pipe, {lora_name: w})
            imgs = generate(pipe, ps, ss, steps=steps, guidance=guidance, **gen_kwargs)
            out.append(imgs.reshape(len(prompts), len(seeds), *imgs.shape[1:]))
    images = np.stack(out, axis=1)                  # P × W × S × H × W × 3
    meta = dict(prompts=list(prompts), weights=[float(w) for w in weights], seeds=list(seeds),
                lora=lora_name, steps=steps, guidance=guidance)
    return images, meta


def read_sweep(tagger: Tagger, prompts: Sequence[str], weights: Sequence[float], seeds: Sequence[int],
               images: np.ndarray, runs: Optional[Sequence[int]] = None) -> Sweep:
    """Read the images of a sweep (P×W×S×H×W×3, as :func:`sweep_images` draws them; ``runs``: the
    training run of each seed, see :class:`Sweep`)."""
    flat = images.reshape(-1, *images.shape[3:])
    ps = [p for p in prompts for _ in weights for _ in seeds]
    ws = [float(w) for _ in prompts for w in weights for _ in seeds]
    ss = [s for _ in prompts for _ in weights for s in seeds]
    readings = tagger.read(flat, prompt=ps, weight=ws, seed=ss)
    return Sweep(prompts, weights, seeds, images, readings, runs)


def distance(sw: Sweep, prompt_a: str, prompt_b: str, weight: float,
             groups: Sequence[str] = world.IDENTITY_GROUPS) -> float:
    """How differently two prompts draw at one weight: the mean over ``groups`` of the
    total-variation distance between their value distributions (0 = the same distribution)."""
    return float(np.mean([tv_distance(sw.share(g, prompt_a, weight), sw.share(g, prompt_b, weight))
                          for g in groups]))


def same_picture_share(sw: Sweep, prompt_a: str, prompt_b: str, weight: float) -> float:
    """Share of seeds for which the two prompts give a picture with the same identity values
    (same seed, different prompt: the prompt changed nothing the tagger can see)."""
    ra, rb = sw.rows(prompt_a, weight), sw.rows(prompt_b, weight)
    r = sw.readings
    return float(np.mean([all(r.values[g][i] == r.values[g][j] for g in world.IDENTITY_GROUPS)
                          for i, j in zip(ra, rb)]))
