"""The article's seven experiments, each declared once: the claim it decides, the notebook that
shows it, the training sets it trains, the prompts it draws, at which weights and on which seeds.

Its notebook draws it from here (``lab.sweep(C2.prompts, weiwei)``), and so do the results
notebook (:mod:`lora_course.results`) and the tests; nothing else in the package repeats a prompt
list, a weight list or a seed list of these experiments::

    C2 = Experiment("C2", "03_1girl_hijack", sets=("weiwei_1",),
                    prompts=("weiwei", "1girl", STRONG_HOST))

``sweeps`` names each set's sweep (the names the results notebook keys them by), in the order
the claim's function takes them: ``claims.c5(<C5 one>, <C5 two>)``, ``claims.c6(<C6>, <C6
without>)``. :func:`decide` calls the claim on them.

This module also holds the course's weight grid, seed count and training runs (:data:`WEIGHTS`,
:data:`SEEDS`, :data:`RUNS`): :mod:`lora_course.course` trains and draws with them unless told
otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Tuple

from . import claims, verdicts

#: The course's grid of LoRA weights (w = 0 is the base model).
WEIGHTS: Tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
#: Seeds per sweep point unless an experiment says otherwise (``range(SEEDS)``).
SEEDS = 32
#: Training runs of every LoRA the claims read (training seeds 0, 1, 2), the seeds of a point split
#: between them in turn (docs/preregistration/I_training_runs.md): intervals resample the runs.
RUNS = 3
#: Notebook 03's second host: a `1girl` that names colours of her own (a host with a mind).
STRONG_HOST = "1girl, black hair, short hair, green eyes"
#: The weights of the mouth and face experiments (C5, C6): where the prompt and the LoRA meet.
UPPER = (0.6, 0.8, 1.0)


@dataclass(frozen=True)
class Experiment:
    """One experiment of the article: see the module's docstring."""
    claim: str
    notebook: str
    sets: Tuple[str, ...]
    prompts: Tuple[str, ...]
    weights: Tuple[float, ...] = WEIGHTS
    #: the sampling seeds (``None``: the lab's, ``range(SEEDS)`` by default)
    seeds: Optional[Tuple[int, ...]] = None
    #: the name of each set's sweep, in the order of :attr:`sets` (default: the claim's id, then
    #: ``"<claim> <set>"``)
    sweeps: Optional[Tuple[str, ...]] = None

    def look_seeds(self, n: int) -> Tuple[int, ...]:
        """The first ``n`` seeds this experiment is drawn on in looks (:meth:`lora_course.course.Lab.until_decided`):
        its own seeds continued (C1's 1000, 1001, …), else 0, 1, …"""
        start = self.seeds[0] if self.seeds else 0
        if self.seeds and list(self.seeds) != list(range(start, start + len(self.seeds))):
            raise ValueError(f"{self.claim}: its seeds are not consecutive, so they cannot be continued for looks: "
                             f"declare them as range(first, first + n)")
        return tuple(range(start, start + n))

    def sweep_names(self) -> Tuple[str, ...]:
        if self.sweeps is not None:
            return self.sweeps
        return (self.claim, *(f"{self.claim} {s}" for s in self.sets[1:]))


C1 = Experiment("C1", "02_trigger_word", ("weiwei_1",), ("weiwei",),
                # 48 seeds (with 32, even 0/32 leaves a Wilson upper end above C1's bar of 0.1), and
                # not 0-47: the recipe rule picks the training length on those seeds by this very
                # measure, so C1 drawn on them would pass its first check by construction
                seeds=tuple(range(1000, 1048)))
C2 = Experiment("C2", "03_1girl_hijack", ("weiwei_1",), ("weiwei", "1girl", STRONG_HOST))
C3 = Experiment("C3", "04_red_hair", ("weiwei_1",), ("red hair", "long hair"))
C4 = Experiment("C4", "05_fox_trigger", ("fox_1",), ("fox",))
C5 = Experiment("C5", "06_mouth", ("weiwei_1", "mouth_2"), ("weiwei, open mouth", "weiwei, closed mouth"),
                weights=UPPER, sweeps=("C5 one", "C5 two"))
C6 = Experiment("C6", "07_cry_smile", ("cry_smile_2", "mouth_2"),
                ("weiwei, open mouth, crying", "weiwei, closed mouth, smile"), weights=UPPER,
                sweeps=("C6", "C6 without"))
C7 = Experiment("C7", "08_poses", ("weiwei_1",), ("weiwei, sitting", "weiwei, standing"))

#: The article's experiments by claim, in the article's order.
ARTICLE: Dict[str, Experiment] = {e.claim: e for e in (C1, C2, C3, C4, C5, C6, C7)}

# ---- beyond the article (notebooks 09-12): what each trains, declared once ----------------------
#: Claim T (notebook 09): her pictures under three captionings, each a training set.
THESIS_SETS: Dict[str, str] = {"trigger": "thesis_trigger", "full": "thesis_full", "pruned": "thesis_pruned"}
#: Claim P (notebook 10): each word the LoRA is trained onto, and its training set.
POSSESSED: Dict[str, str] = {"weiwei": "weiwei_1", "1girl": "onto_1girl", "fox": "fox_1",
                             "long hair": "onto_long_hair", "red hair": "onto_red_hair"}
#: Claim R (notebook 11): the weights the prior-preservation LoRA is drawn at (the ends and the
#: working weight).
REMEDY_WEIGHTS: Tuple[float, ...] = (0.0, 0.6, 1.0)
#: Claim W (notebook 12): each LoRA of the course and the prompt a user would draw it with.
USES: Dict[str, str] = {"weiwei_1": "weiwei, sitting", "fox_1": "fox, sitting", "mouth_2": "weiwei, closed mouth",
                        "cry_smile_2": "weiwei, closed mouth, smile", "thesis_pruned": "weiwei, sitting"}
#: The notebook that decides each claim, in the course's order.
NOTEBOOKS: Dict[str, str] = {**{c: e.notebook for c, e in ARTICLE.items()}, "T": "09_thesis",
                             "P": "10_possession", "R": "11_remedies", "W": "12_weight_guide"}
#: The experiments notebooks 06 and 08 also show with the light recipe's LoRAs, beside the verdict.
LIGHT_TOO = ("C5", "C7")


def decide(exp: Experiment, sweeps: Dict[str, "object"], suffix: str = "") -> verdicts.Verdict:
    """The experiment's verdict from its sweeps (``sweeps[name + suffix]`` for each of its sweep
    names, e.g. ``suffix=" light"`` for the light recipe's ones)."""
    claim = getattr(claims, exp.claim.lower())
    return claim(*(sweeps[n + suffix] for n in exp.sweep_names()))
