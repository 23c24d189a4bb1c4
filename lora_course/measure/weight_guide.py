"""Choosing the LoRA weight (功力): the lowest weight at which the character holds while the rest
of the prompt still works.

The article lowers the weight by eye, picture by picture. From a sweep (prompts × weights × 32
seeds, read by the tagger) the choice can be made by numbers::

    advice = weight_guide.recommend(sw, "weiwei, sitting")
    print(advice)   # weiwei, sitting: w=0.6 (her 0.97 [0.84, 0.99], the prompt's other tags 1.00 [0.89, 1.00])

*Holds* means identity fidelity at least ``target`` (the claims' ``HIGH``, half the pictures
show every identity attribute); *still works* means the prompt's other tags (``sitting``; the
trigger word itself does not count) are drawn in at least ``control`` of the pictures (the
claims' ``CONTROL``). Both are asked of the **lower bound** of the share's 95 % interval, not of
the share itself: a weight is recommended only where even the pessimistic end of what 32 seeds
measured clears the bar. Lower weights leave more room to the prompt and damage other prompts
less (notebook 10 measures that damage), so the lowest weight that passes both is the one to
use. When none passes, the guide says so and names the weight where the most pictures are her
*and* what the prompt asked for at once.

Pictures the tagger calls unclear count against both bars (not her, the tag not drawn), so a
recommended weight holds however they are read. Whether *no* weight can pass is asked of the
other reading too (unclear pictures counted as her and as drawn): only when even that one's
upper bounds miss at every weight is the guide's "no weight can pass" said; when that reading
would pass a weight, the guide says the unclear pictures decide it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence

from . import stats
from .claims import CONTROL, HIGH
from .evaluation import Sweep, prompt_tags


#: The weights a guide's sweep needs: w = 0 is the base model, where she never is, so the guide
#: never recommends it and does not draw it.
WEIGHTS = (0.2, 0.4, 0.6, 0.8, 1.0)


@dataclass
class Advice:
    """The guide's answer for one prompt of one sweep."""
    prompt: str
    weight: Optional[float]          #: the lowest weight passing both bars (None: none does)
    best_joint_weight: float         #: where most pictures are her *and* show the other tags
    fidelity: List[float]            #: per weight of the sweep
    adherence: List[float]           #: per weight: share showing every other tag of the prompt
    joint: List[float]               #: per weight: both at once, in the same picture
    weights: List[float]
    tags: List[str]
    fidelity_est: List[stats.Estimate] = None    #: per weight, with the 95 % interval
    adherence_est: List[stats.Estimate] = None
    target: float = HIGH
    control: float = CONTROL
    #: the same two shares with the unclear pictures counted as her and as drawn (None: not read)
    fidelity_other: List[stats.Estimate] = None
    adherence_other: List[stats.Estimate] = None

    def _other(self):
        return (self.fidelity_other or self.fidelity_est), (self.adherence_other or self.adherence_est)

    @property
    def refuted(self) -> bool:
        """No weight can pass: at every weight (above 0) an *upper* bound misses its bar, with the
        unclear pictures counted either way. When :attr:`weight` is None and this is False, more
        seeds (or clearer pictures) could still find one."""
        fid, adh = self._other()
        return all(f.hi < self.target or a.hi < self.control
                   for w, f, a in zip(self.weights, fid, adh) if w > 0)

    @property
    def unclear_weight(self) -> Optional[float]:
        """When no weight passes as measured: the lowest that passes with the unclear pictures
        counted as her and as drawn (None: none does, or a weight already passes)."""
        if self.weight is not None:
            return None
        return lowest_passing(self.weights, *self._other(), self.target, self.control)

    @property
    def n(self) -> int:
        """Seeds behind each share."""
        return self.fidelity_est[0].n if self.fidelity_est else 0

    @property
    def shown_weight(self) -> float:
        """The weight whose numbers stand for this advice: the recommended one, or with none the
        weight where most pictures are her and the tags at once."""
        return self.weight if self.weight is not None else self.best_joint_weight

    def decided_on(self) -> str:
        """The weight and the two intervals it was chosen on, for a verdict line: ``w=0.8 (her 0.97
        [0.84, 0.99], tags 1.00 [0.89, 1.00])``; with no weight, ``none`` and the intervals at
        :attr:`shown_weight`."""
        w = self.shown_weight
        i = self.weights.index(w)
        where = f"w={w:g} (" if self.weight is not None else f"none (best w={w:g}: "
        return f"{where}her {self.fidelity_est[i]}, tags {self.adherence_est[i]})"

    def __str__(self) -> str:
        if self.weight is None:
            i = self.weights.index(self.best_joint_weight)
            why = "no weight can pass both bars" if self.refuted else f"no weight passes both bars at {self.n} seeds"
            if self.unclear_weight is not None:
                why += (f" (w={self.unclear_weight:g} would with its unclear pictures counted as her and as drawn: "
                        "the unclear pictures decide it)")
            return (f"{self.prompt}: {why}; most pictures that are her and "
                    f"{', '.join(self.tags) or 'the prompt'} at once at w={self.best_joint_weight:g} "
                    f"({self.joint[i]:.2f})")
        i = self.weights.index(self.weight)
        return (f"{self.prompt}: w={self.weight:g} (her {self.fidelity_est[i]}, the prompt's other "
                f"tags {self.adherence_est[i]})")


def lowest_passing(weights: Sequence[float], fidelity: Sequence[stats.Estimate],
                   adherence: Sequence[stats.Estimate], target: float, control: float) -> Optional[float]:
    """The lowest weight (above 0) whose fidelity and adherence lower bounds reach ``target`` and
    ``control`` (None: none does)."""
    return next((w for w, f, a in zip(weights, fidelity, adherence)
                 if w > 0 and f.lo >= target and a.lo >= control), None)


def other_tags(prompt: str, trigger: Optional[str] = None) -> List[str]:
    """The world's tags a prompt asks for besides the trigger word (the first tag by default)."""
    trigger = trigger if trigger is not None else prompt.split(",")[0].strip()
    return [t for t in prompt_tags(prompt) if t != trigger]


def recommend(sw: Sweep, prompt: str, trigger: Optional[str] = None, target: float = HIGH,
              control: float = CONTROL) -> Advice:
    """The lowest weight (above 0) of the sweep at which the lower bound of the share of pictures
    that are her reaches ``target`` and that of its other tags reaches ``control``."""
    tags = other_tags(prompt, trigger)
    fid = [stats.share(sw.her(prompt, w), runs=sw.runs) for w in sw.weights]
    adh = [stats.share(sw.shows(tags, prompt, w), runs=sw.runs) for w in sw.weights]   # no other tags: 1.0
    fid_o = [stats.share(sw.her(prompt, w, unclear_counts=True), runs=sw.runs) for w in sw.weights]
    adh_o = [stats.share(sw.shows(tags, prompt, w, unclear_counts=True), runs=sw.runs) for w in sw.weights]
    joint = sw.joint_curve(prompt, tags)
    best = max((w for w in sw.weights if w > 0), key=lambda w: joint[sw.weights.index(w)])
    return Advice(prompt, lowest_passing(sw.weights, fid, adh, target, control), best, [f.value for f in fid], [a.value for a in adh],
                  joint, list(sw.weights), tags, fid, adh, target, control, fid_o, adh_o)


def table(advice: Sequence[Advice], names: Sequence[str]) -> str:
    """The guide for several LoRAs as a plain-text table (one line each)."""
    lines = [f"{'LoRA':<16} {'prompt':<32} {'weight':>7} {'her':>18} {'tags':>18}"]
    for name, a in zip(names, advice):
        w = a.shown_weight
        i = a.weights.index(w)
        mark = "" if a.weight is not None else "  (none passes; best joint)"
        lines.append(f"{name:<16} {a.prompt:<32} {w:>7.1f} {str(a.fidelity_est[i]):>18} "
                     f"{str(a.adherence_est[i]):>18}{mark}")
    return "\n".join(lines)
