"""How long to train: the training-length axis of a LoRA (notebook 14).

One run, kept at several steps (:meth:`lora_course.course.Lab.train_along`), gives a sweep per
step; together they are a *phase diagram*, training steps × LoRA weight (功力), one map per
measure::

    her            the trigger alone draws her                        (C1)
    hijack         `1girl` draws her                                  (C2, the 夺舍 of the host)
    gap            her on the trigger minus her on `1girl`            (C2 at w = 0.6)
    closed         `weiwei, closed mouth` closes the mouth            (C5: is the prompt obeyed?)
    sitting        `weiwei, sitting` is her *and* sitting             (C7)
    drift          an unrelated prompt moves away from the base model (the damage of claim P)

Every cell is an :class:`~lora_course.measure.stats.Estimate` with its 95 % interval; the article's
side of each measure (where its pictures live) is marked where the interval clears the claim's
bar with the cell's unclear pictures counted either way (as the claims read them:
:func:`lora_course.measure.verdicts.both_readings`); a cell where the two readings disagree is undecided. Beside the maps, a *stable* validation loss (:func:`lora_course.sd.diffusion.stable_loss`: fixed
timesteps, fixed noise) on the training pictures and on new renders of the same character, at
every kept step: what over-training looks like in the loss, or that it does not show.

The light recipe's **rule** is declared here, before any verdict runs and independent of the
claims' checks: the fewest kept steps at which the trigger alone draws her at w = 1 on
:data:`RULE_SEEDS` seeds with the lower bound of the 95 % interval at least :data:`RULE_LEVEL`
("stop when she appears"). :func:`advice` turns the maps into the practitioner's answers (when the
hijack starts, when the prompt stops being obeyed, which weight rescues an over-trained LoRA),
each computed from the measurements.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from ..lora import adapters, lora_data
from . import claims, stats, verdicts
from ..datasets import dataset, training_sets
from ..sd import diffusion, sampling
from .. import lora, world
from .evaluation import Sweep
from .stats import Estimate

#: The steps one run keeps (from before she appears to long past it).
KEEP_STEPS = (25, 50, 100, 150, 300, 400, 600)
#: The training sets notebook 14 maps along :data:`KEEP_STEPS` with the light recipe: the
#: one-picture LoRA and the two-picture one, one run each. The runs ship in ``data/loras``
#: (``scripts/train_article_loras.py``), so the notebook loads them; ``reuse=False`` trains them.
ALONG = ("weiwei_1", "mouth_2")
#: The weights of the phase diagram (w = 0, the base model, is shared by every step).
WEIGHTS = (0.0, 0.4, 0.6, 0.8, 1.0)
#: Seeds per cell of the phase diagram (intervals of about ±0.25 at worst: the map shows where
#: things change; the rule and the advice below say how sure each number is).
SEEDS = 16
TRIGGER, HOST = "weiwei", "1girl"
CLOSED, SITTING = "weiwei, closed mouth", "weiwei, sitting"
UNRELATED = claims.UNRELATED[0]
#: The prompts a step is drawn with when every map is drawn (fewer maps read fewer: :func:`prompts_of`).
PROMPTS = (TRIGGER, HOST, CLOSED, SITTING, UNRELATED)

#: The recipe rule: stop when she appears.
RULE_SEEDS = 48
RULE_LEVEL = 0.9
RULE = (f"the fewest kept steps at which the trigger alone (`{TRIGGER}`, w = 1) draws her on {RULE_SEEDS} "
        f"seeds with the lower bound of the 95 % interval ≥ {RULE_LEVEL} (\"stop when she appears\")")
RULE_SHORT = (f"the fewest steps at which `{TRIGGER}` alone, at w = 1, is her with a 95 % lower bound ≥ "
              f"{RULE_LEVEL} on {RULE_SEEDS} seeds")
#: Held-out renders of the training pictures' characters (new backgrounds, shifts, mirrors).
HELD_OUT_SEEDS = tuple(range(1000, 1008))


# ---- the measures: one Estimate per (sweep, weight) --------------------------------------------
def her(sw: Sweep, w: float) -> Estimate:
    return stats.share(sw.her(TRIGGER, w))


def hijack(sw: Sweep, w: float) -> Estimate:
    return stats.share(sw.her(HOST, w))


def gap(sw: Sweep, w: float) -> Estimate:
    # as claim C2: the host in a gap counts an unclear reading as her (the gap is not inflated)
    return stats.bootstrap(verdicts.gap, sw.her(TRIGGER, w), sw.her(HOST, w, unclear_counts=True))


def closed(sw: Sweep, w: float) -> Estimate:
    # as claim C5's one-picture check: unclear counts as obeyed (the claim is that it is *not*)
    return stats.share(sw.shows(["closed mouth"], CLOSED, w, unclear_counts=True))


def sitting(sw: Sweep, w: float) -> Estimate:
    return stats.share(sw.her_and(SITTING, w, ["sitting"]))


def drift(sw: Sweep, w: float) -> Estimate:
    return claims.drift_estimate(sw, [UNRELATED], w)


@dataclass(frozen=True)
class Measure:
    """One map of the phase diagram: what it measures (``estimate(sweep, w)``), the article's
    side of it (the claim's bar: ``level``, ``at_least``) or none, and the prompts it reads."""
    key: str
    title: str
    claim: str
    estimate: Callable[[Sweep, float], Estimate]
    level: Optional[float] = None
    at_least: bool = True
    prompts: Tuple[str, ...] = ()


MEASURES = (
    Measure("her", f"`{TRIGGER}` is her", "C1", her, claims.HIGH, prompts=(TRIGGER,)),
    Measure("hijack", f"`{HOST}` is her (hijacked)", "C2", hijack, claims.MOST, prompts=(HOST,)),
    Measure("gap", f"`{TRIGGER}` minus `{HOST}`", "C2", gap, claims.GAP, prompts=(TRIGGER, HOST)),
    Measure("closed", f"`{CLOSED}` obeyed", "C5", closed, claims.LOW, at_least=False, prompts=(CLOSED,)),
    Measure("sitting", "her *and* sitting", "C7", sitting, claims.HIGH, prompts=(SITTING,)),
    Measure("drift", "drift of an unrelated prompt", "P", drift, prompts=(UNRELATED,)),
)
#: The maps of the two-picture LoRA (``mouth_2``): what its second picture is for, her and the mouth
#: (the one-picture LoRA's maps show the rest; a prompt no map reads is not drawn).
MOUTH_MAPS = ("her", "closed")


def measures_of(keys: Optional[Sequence[str]] = None) -> Tuple[Measure, ...]:
    """The :data:`MEASURES` named by ``keys`` (default: all), in their order; an unknown key is an error."""
    known = {m.key: m for m in MEASURES}
    if isinstance(keys, str) or (keys is not None and not keys):
        raise ValueError(f"maps={keys!r}: name the maps as a tuple of keys. Fix: e.g. maps=(\"her\", \"closed\"), "
                         f"or maps=None for all of {', '.join(known)}")
    unknown = [k for k in (keys or ()) if k not in known]
    if unknown:
        raise ValueError(f"no phase-diagram measure {unknown[0]!r}. Fix: one of {', '.join(known)}")
    return tuple(m for m in MEASURES if keys is None or m.key in keys)


def prompts_of(measures: Sequence[Measure]) -> Tuple[str, ...]:
    """The prompts these measures read, in :data:`PROMPTS` order: what their sweeps must draw."""
    needed = {p for m in measures for p in m.prompts}
    return tuple(p for p in PROMPTS if p in needed)


class PhaseDiagram:
    """Every measure at every (kept step, weight) of one LoRA: ``sweeps[step]`` drawn with the
    prompts its measures read (:func:`prompts_of`) at the same weights and seeds."""

    def __init__(self, name: str, sweeps: Dict[int, Sweep], measures: Sequence[Measure] = MEASURES):
        verdicts.require_same_seeds(*sweeps.values())
        self.name, self.sweeps = name, dict(sorted(sweeps.items()))
        self.steps = list(self.sweeps)
        self.weights = [w for w in next(iter(self.sweeps.values())).weights if w > 0]
        self.measures = {m.key: m for m in measures}
        self.cells = {m.key: [[m.estimate(self.sweeps[k], w) for w in self.weights] for k in self.steps]
                      for m in measures}
        #: the same cells with every unclear picture counted the other way (Sweep.unclear_flipped)
        flipped = {k: sw.unclear_flipped() for k, sw in self.sweeps.items()}
        self.cells_other = {m.key: [[m.estimate(flipped[k], w) for w in self.weights] for k in self.steps]
                            for m in measures}

    def values(self, key: str) -> np.ndarray:
        """steps × weights: the measure's point estimates."""
        return np.array([[e.value for e in row] for row in self.cells[key]])

    def at(self, key: str, step: int, w: float, other_way: bool = False) -> Estimate:
        """A cell's estimate, as the measure counts unclear pictures (or ``other_way`` round)."""
        cells = self.cells_other if other_way else self.cells
        return cells[key][self.steps.index(step)][self.weights.index(float(w))]

    def decide(self, key: str, step: int, w: float, level: float, at_least: bool = True) -> str:
        """Whether a cell clears ``level``, read both ways: pass (or fail) only if it does with its
        unclear pictures counted either way, else undecided."""
        return stats.both_ways(*(stats.decide(self.at(key, step, w, other), level, at_least=at_least)
                                 for other in (False, True)))

    def outcome(self, key: str, step: int, w: float) -> Optional[str]:
        """Whether the article's side of the measure holds at a cell (pass / fail / undecided)."""
        m = self.measures[key]
        if m.level is None:
            return None
        return self.decide(key, step, w, m.level, m.at_least)

    def marks(self, key: str) -> np.ndarray:
        """steps × weights of ``stats.PASS`` / ``FAIL`` / ``UNDECIDED`` (or None): where the article's pictures live."""
        return np.array([[self.outcome(key, k, w) for w in self.weights] for k in self.steps], dtype=object)


# ---- the rule --------------------------------------------------------------------------------
def recipe_steps(her_at_full: Dict[int, np.ndarray]) -> Tuple[Optional[int], Dict[int, Estimate]]:
    """The :data:`RULE`: ``her_at_full[step]`` is the per-seed "is her" of the trigger at w = 1
    (:data:`RULE_SEEDS` seeds). Returns the fewest steps that clear it (None if no kept step does)
    and every step's estimate."""
    for k, v in her_at_full.items():
        if len(v) != RULE_SEEDS:
            raise ValueError(f"the recipe rule is declared on {RULE_SEEDS} seeds; step {k} has {len(v)}. "
                             f"Fix: draw `{TRIGGER}` at w=1 with seeds=range({RULE_SEEDS})")
    est = {k: stats.share(v) for k, v in sorted(her_at_full.items())}
    passing = [k for k, e in est.items() if stats.decide(e, RULE_LEVEL) == stats.PASS]
    return (passing[0] if passing else None), est


def rule_lines(chosen: Optional[int], est: Dict[int, Estimate], default_steps: int) -> List[str]:
    """What the rule measured, step by step, and whether the light recipe follows it."""
    lines = [f"RULE | {RULE}"]
    lines += [f"RULE | {k:>4} steps: her on {e} {'(clears it)' if stats.decide(e, RULE_LEVEL) == stats.PASS else ''}".rstrip()
              for k, e in est.items()]
    got = f"{chosen} steps" if chosen is not None else "no kept step"
    lines.append(f"RULE | gives {got}; the light recipe trains {default_steps} steps "
                 + ("(the rule's)" if chosen == default_steps else "(NOT the rule's: fix course.LIGHT_LORA)"))
    return lines


# ---- the practical answer ----------------------------------------------------------------------
def _first_step(d: PhaseDiagram, key: str, w: float, level: float, at_least: bool) -> Optional[int]:
    for k in d.steps:
        if d.decide(key, k, w, level, at_least) == stats.PASS:
            return k
    return None


def advice(one: PhaseDiagram, two: Optional[PhaseDiagram] = None) -> List[str]:
    """The practitioner's answers, each computed from the maps with the number it rests on:
    when the hijack starts, when the prompt stops being obeyed, when she stops sitting, which
    weights rescue the longest-trained LoRA, and where "faithful but not overfit" lives."""
    lines = []

    def when(d, key, w, level, at_least, what):
        k = _first_step(d, key, w, level, at_least)
        if k is None:
            last = d.steps[-1]
            return f"{what}: not by {last} steps ({d.at(key, last, w)} at {last})"
        i = d.steps.index(k)
        before = f"; {d.at(key, d.steps[i - 1], w)} at {d.steps[i - 1]}" if i > 0 else ""
        return f"{what}: from {k} steps ({d.at(key, k, w)} at {k}{before})"

    lines.append(when(one, "hijack", 1.0, claims.MOST, True,
                      f"{one.name}: `{HOST}` hijacked at w=1 (≥ {claims.MOST})"))
    lines.append(when(one, "gap", 0.6, claims.GAP, True,
                      f"{one.name}: C2's gap at w=0.6 (≥ {claims.GAP})"))
    for d in [d for d in (one, two) if d is not None]:
        lines.append(when(d, "closed", 1.0, claims.LOW, False,
                          f"{d.name}: `{CLOSED}` no longer obeyed at w=1 (≤ {claims.LOW})"))
    lines.append(when(one, "sitting", 1.0, claims.LOW, False,
                      f"{one.name}: her sitting gone at w=1 (≤ {claims.LOW})"))
    last = one.steps[-1]
    for key, what in (("closed", f"`{CLOSED}` obeyed"), ("sitting", "her sitting")):
        # weights that pass as the measure counts unclear pictures; a rescue if they pass the other
        # way round too, else the unclear pictures decide it
        shown = [w for w in one.weights if w < 1.0 and all(
            stats.decide(one.at(k, last, w), claims.HIGH) == stats.PASS for k in ("her", key))]
        rescue = [w for w in shown if all(one.decide(k, last, w, claims.HIGH) == stats.PASS for k in ("her", key))]
        split = [w for w in shown if w not in rescue]
        lines.append(f"{one.name} at {last} steps, lower weights where she is her and {what} (both ≥ {claims.HIGH}): "
                     + (", ".join(f"w={w:g} (her {one.at('her', last, w)}, {one.at(key, last, w)})" for w in rescue)
                        or "none")
                     + "".join(f"; at w={w:g} the unclear pictures decide it ({what} {one.at(key, last, w)}, or "
                               f"{one.at(key, last, w, other_way=True)} with them counted the other way)" for w in split))
    good = faithful_cells(one)
    lines.append(f"{one.name}: faithful but not overfit (her, `{CLOSED}` obeyed and her sitting, each ≥ "
                 f"{claims.HIGH}, all shown): " + (", ".join(f"{k} steps at w={w:g}" for k, w in good) or "nowhere"))
    return [f"FINDING | {s}" for s in lines]


def faithful_cells(d: PhaseDiagram) -> List[Tuple[int, float]]:
    """Cells where the LoRA is faithful (the trigger draws her) and not overfit (the prompt can
    still change what the picture never showed: `closed mouth` is obeyed, and she sits as
    herself), each a share whose lower bound clears HIGH with its unclear pictures counted either way."""
    return [(k, w) for k in d.steps for w in d.weights
            if all(d.decide(key, k, w, claims.HIGH) == stats.PASS for key in ("her", "closed", "sitting"))]


# ---- the loss over-training would show -------------------------------------------------------------
def loss_sets(pipe, set_name: str) -> Dict[str, Tuple[torch.Tensor, List[str]]]:
    """``{"training pictures": (latents, captions), "new renders of her": (...)}``: the training
    set's pictures with their captions, and each of its pictures drawn again with
    :data:`HELD_OUT_SEEDS` (same character and tags, new background, shift and mirror), encoded
    by the base model's VAE."""
    ts = training_sets.get(set_name)
    ds = dataset.load_dataset(training_sets.folder(set_name))
    res = lora.base_resolution(pipe)
    held = [(np.asarray(world.render(p.attrs, seed=s)), ", ".join(p.tags)) for p in ts.pictures for s in HELD_OUT_SEEDS]
    sets = {"training pictures": (lora_data.training_pixels(ds, res), [dataset.caption_text(it.tags) for it in ds.items]),
            "new renders of her": (sampling.to_tensor(np.stack([img for img, _ in held])), [c for _, c in held])}
    with torch.no_grad():
        return {label: (sampling.encode_images(pipe.vae, px.to(pipe.device)), caps) for label, (px, caps) in sets.items()}


def stable_losses(pipe, names: Dict[int, str], sets: Dict[str, Tuple[torch.Tensor, List[str]]]
                  ) -> Dict[str, Dict[int, float]]:
    """The stable loss of every kept LoRA (at w = 1; step 0 is the base model) on each set of
    :func:`loss_sets`, the captions encoded with the LoRA active (as in training)."""
    acp, ptype = diffusion.noise_schedule(pipe)
    out = {label: {} for label in sets}
    with adapters.kept_lora_state(pipe), torch.no_grad():
        for k, name in [(0, None), *sorted(names.items())]:
            adapters.set_lora_weights(pipe, {} if name is None else {name: 1.0})
            for label, (x0, caps) in sets.items():
                cond = sampling.encode_prompts(pipe.tokenizer, pipe.text_encoder, caps)
                out[label][k] = diffusion.stable_loss(pipe.unet, x0, cond, acp, ptype)
    return out
