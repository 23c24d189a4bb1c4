"""The article's claims as measurable tests, and their verdicts.

Each function takes the measurements of one experiment (:class:`lora_course.measure.evaluation.Sweep`)
and returns a :class:`Verdict`, computed from the numbers, never typed in. The thresholds are
fixed here, before any experiment is run, and are the same for every reader:

* ``HIGH = 0.5``: a character "holds" at a point when at least half of the images show all of
  her identity attributes (hair colour, hair length, eyes, dress, ears);
* ``MOST = 0.5``: "most images" means more than half;
* ``GAP = 0.4``: a difference the article would call clear is 40 points of identity fidelity;
* ``LOW = 0.3`` / ``CONTROL = 0.7``: a feature is "hard to get" below 30 % of images and
  "controlled" above 70 %;
* ``SAME = 0.2``: two fidelities within 20 points are "the same quality" (half of ``GAP``).

Every check is decided on a 95 % interval, the same way for every claim
(:mod:`lora_course.measure.verdicts`: parts, checks, statuses and the two counting rules): it passes only
when the interval clears its threshold, fails when it misses it entirely, and is *undecided* when
it straddles it.

**Each claim's counting rule** says how a reading the tagger calls ``unclear`` (a picture between
two values: two different eyes, a half-open mouth) counts:

* **C1–C7, the article's claims** (:func:`by_rule`), as pre-registered for the article's regime
  (docs/preregistration/J_E5.md): an unclear picture does *not* show what is asked (not her, not
  the tag), under every prompt of a check alike, so a difference reads both its prompts the same
  way. Why: the article's pictures show a clean her, a clean closed mouth, a seated her; an
  in-between picture is neither what the article got nor what the prompt asked for. The other
  reading (unclear counted as what was asked) is computed beside every check and printed where
  it would change an outcome or the status; it never decides. Their checks sit at fixed grid
  weights (0, 0.6, 1): no weight is searched for.
* **T, P, R, W, the course's own claims** (:func:`both_readings`): each check counted both ways,
  as the claim is written (against it) and the other way round; a check passes only if it passes
  both ways, fails only if it fails both ways, and is otherwise undecided ("the unclear pictures
  decide it", which more seeds cannot change). Where one measure enters both sides of a
  difference or a spread, both readings flip it together.

Beyond the article (notebooks 09-12), claims T, P, R and W test what the article states without
showing, with the same thresholds.

This module owns the claims: what each says (:data:`CLAIMS`), its bars, and the function that
measures its checks on sweeps and returns its :class:`~lora_course.measure.verdicts.Verdict`. It imports
no model code at run time (the sweeps are only annotations).
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Dict, Optional, Sequence

import numpy as np

from . import stats
from .. import world
from .stats import Estimate
from .verdicts import (Check, Part, Verdict, by_rule, both_readings, difference, gap, make_check, require_same_seeds,
                       share_of)
from . import verdicts

if TYPE_CHECKING:                     # annotations only: importing claims loads no model code
    from .evaluation import Sweep

HIGH = 0.5
MOST = 0.5
GAP = 0.4
LOW = 0.3
CONTROL = 0.7
SAME = 0.2

#: (The seeds, prompts and weights each claim is drawn with are declared in
#: :mod:`lora_course.measure.experiments`; how a check is decided, in :mod:`lora_course.measure.verdicts`.)

CLAIMS = {
    "C1": "a LoRA trained on one image tagged only `weiwei` reproduces her on `weiwei`",
    "C2": "at w=1.0 `1girl` is hijacked too; at w=0.6 `weiwei` holds while `1girl` shows other features",
    "C3": "`red hair` needs full weight to reproduce her; `long hair` works at lower weight",
    "C4": "with `fox` as trigger, lowering w brings back fox features (the animal)",
    "C5": "a feature absent from the training set (closed mouth) is hard to get; two tagged images "
          "make it controllable",
    "C6": "`open mouth`+`crying` gives a crying open mouth; `closed mouth`+`smile` a closed smile",
    "C7": "poses absent from the training set cost fidelity",
    "T": "(the thesis) tags don't change how well a LoRA learns the character; they change control "
         "and leakage",
    "P": "possession (夺舍) of a known word damages unrelated prompts more than a puppet (傀儡) does; "
         "a host that resembles the caster (`long hair`) is possessed at a lower weight than one "
         "that does not (`red hair`)",
    "R": "the remedies work: prior-preservation pictures stop the `1girl` hijack; sitting pictures "
         "give her sitting",
    "W": "for every LoRA of the course some weight keeps her while the prompt's other tags work",
}


def make_verdict(claim: str, checks, summary: str, numbers: Dict[str, float]) -> Verdict:
    """The claim's verdict (:func:`lora_course.measure.verdicts.make_verdict`) with what the claim says."""
    return verdicts.make_verdict(claim, checks, summary, numbers, statement=CLAIMS[claim])


# ---- per-seed measurements and their statistics ------------------------------------------------
def lowest_weight(sw: Sweep, prompt: str, level: float = HIGH) -> Optional[float]:
    """The lowest weight of the sweep at which ``prompt`` is her on at least ``level`` of the
    seeds (None: at none of them). Descriptive (notebook 10's table); no check reads it."""
    return next((w for w in sw.weights if sw.her(prompt, w).mean() >= level), None)


#: The article's seven claims (C1–C7) are decided with the checks and the counting rule
#: pre-registered for the article's regime (docs/preregistration/J_E5.md), at fixed grid weights:
#: no weight is searched for, so no lowest weight, no best weight, no sentinel. The rule: a picture
#: whose reading is ``unclear`` in a group a number looks at does **not** show what is asked (not
#: her, not the tag), under every prompt of a check alike, so a difference reads both of its
#: prompts the same way (:func:`by_rule`). The other reading is computed beside it as sensitivity.


@by_rule
def c1(sw: Sweep, prompt: str = "weiwei") -> Verdict:
    """One picture, one tag. Her at w = 1 ≥ 0.5; her at w = 0 (the base alone) ≤ 0.1."""
    f0, f1 = share_of(sw, sw.her(prompt, 0.0)), share_of(sw, sw.her(prompt, 1.0))
    checks = [make_check(Part(f"with the LoRA (w=1) `{prompt}` is her (all her identity tags) in a share", f1, HIGH,
                          share=True)),
              make_check(Part("without it (w=0)", f0, 0.1, at_least=False, share=True))]
    return make_verdict("C1", checks, f"fidelity of `{prompt}`: {f0} without the LoRA, {f1} at w=1",
                    {"fidelity_w0": f0.value, "fidelity_w1": f1.value})


@by_rule
def c2(sw: Sweep, trigger: str = "weiwei", host: str = "1girl") -> Verdict:
    """The `1girl` hijack. At w = 1 `1girl` is her ≥ 0.5; at w = 0.6 `weiwei` is her ≥ 0.5, and her
    on `weiwei` minus her on `1girl` ≥ 0.4 (the puppet holds while the host shows its own)."""
    h1 = share_of(sw, sw.her(host, 1.0))
    t6h, h6h = sw.her(trigger, 0.6), sw.her(host, 0.6)
    t6, h6, gap = share_of(sw, t6h), share_of(sw, h6h), difference([t6h], [h6h], sw.runs)
    checks = [make_check(Part(f"at w=1 `{host}` is hijacked: share of its pictures that are her", h1, MOST, share=True)),
              make_check(Part(f"at w=0.6 `{trigger}` holds", t6, HIGH, share=True)),
              make_check(Part(f"at w=0.6 her on `{trigger}` minus her on `{host}` ({h6}), the puppet's lead", gap, GAP))]
    return make_verdict("C2", checks, f"w=1: `{host}` {h1}; w=0.6: `{trigger}` {t6} vs `{host}` {h6}, lead {gap}",
                    {"host_w1": h1.value, "trigger_w06": t6.value, "host_w06": h6.value, "gap_w06": gap.value})


@by_rule
def c3(sw: Sweep, mismatch: str = "red hair", match: str = "long hair") -> Verdict:
    """A host unlike the caster needs full weight. `red hair` at w = 1 is her ≥ 0.5 and at w = 0.6
    ≤ 0.3; `long hair` (like her) at w = 0.6 is her ≥ 0.5."""
    r1, r6 = share_of(sw, sw.her(mismatch, 1.0)), share_of(sw, sw.her(mismatch, 0.6))
    l6 = share_of(sw, sw.her(match, 0.6))
    checks = [make_check(Part(f"at w=1 `{mismatch}` is her", r1, HIGH, share=True)),
              make_check(Part(f"at w=0.6 `{mismatch}` is her", r6, LOW, at_least=False, share=True)),
              make_check(Part(f"at w=0.6 `{match}` is her", l6, HIGH, share=True))]
    return make_verdict("C3", checks, f"`{mismatch}` her {r1} at w=1, {r6} at w=0.6; `{match}` her {l6} at w=0.6",
                    {"mismatch_w1": r1.value, "mismatch_w06": r6.value, "match_w06": l6.value})


@by_rule
def c4(sw: Sweep, prompt: str = "fox") -> Verdict:
    """A known word as trigger. `fox` at w = 1 is her ≥ 0.5; the animal at w = 0.6 minus at w = 1
    ≥ 0.3 (it comes back as the weight drops) while `fox` at w = 0.6 is still her ≥ 0.3."""
    f1, f6 = share_of(sw, sw.her(prompt, 1.0)), share_of(sw, sw.her(prompt, 0.6))
    a6, a1 = sw.shows(["fox"], prompt, 0.6), sw.shows(["fox"], prompt, 1.0)
    back = difference([a6], [a1], sw.runs)
    checks = [make_check(Part(f"at w=1 `{prompt}` draws her", f1, HIGH, share=True)),
              make_check(Part(f"the animal at w=0.6 ({share_of(sw, a6)}) minus at w=1 ({share_of(sw, a1)})", back, LOW)),
              make_check(Part(f"at w=0.6 `{prompt}` is still her", f6, LOW, share=True))]
    return make_verdict("C4", checks, f"`{prompt}`: her {f1} at w=1, {f6} at w=0.6; the animal comes back by {back}",
                    {"fidelity_w1": f1.value, "fidelity_w06": f6.value, "animal_w1": float(a1.mean()),
                     "animal_w06": float(a6.mean())})


@by_rule
def c5(one: Sweep, two: Sweep, weight: float = 1.0) -> Verdict:
    """A feature the set never shows is hard to get. One open-mouth picture: `weiwei, closed mouth`
    is her with a closed mouth ≤ 0.3; two tagged pictures: her with a closed mouth ≥ 0.7 and her
    with an open mouth ≥ 0.7, each on request."""
    po, pc = "weiwei, open mouth", "weiwei, closed mouth"
    c_one = share_of(one, one.her_and(pc, weight, ["closed mouth"]))
    c_two = share_of(two, two.her_and(pc, weight, ["closed mouth"]))
    o_two = share_of(two, two.her_and(po, weight, ["open mouth"]))
    checks = [make_check(Part(f"one open-mouth picture: `{pc}` is her with a closed mouth", c_one, LOW,
                          at_least=False, share=True)),
              make_check(Part("two tagged pictures: her with a closed mouth on request", c_two, CONTROL, share=True)),
              make_check(Part("two tagged pictures: her with an open mouth on request", o_two, CONTROL, share=True))]
    return make_verdict("C5", checks, f"her with a closed mouth on request: {c_one} (one picture) → {c_two} "
                                  f"(two pictures); open {o_two}",
                    {"closed_one": c_one.value, "closed_two": c_two.value, "open_two": o_two.value})


@by_rule
def c6(sw: Sweep, without: Sweep, weight: float = 1.0) -> Verdict:
    """Tags make combinations. `weiwei, open mouth, crying` is her crying with the mouth open
    ≥ 0.7; `weiwei, closed mouth, smile` her smiling with the mouth closed ≥ 0.7; and the two
    together minus the same on ``without`` (a LoRA whose captions lack `crying` and `smile`,
    notebook 06's two-picture set) ≥ 0.3: the tags made the combination, not the base alone."""
    require_same_seeds(sw, without)
    pc, ps = "weiwei, open mouth, crying", "weiwei, closed mouth, smile"
    cry, smile = sw.her_and(pc, weight, ["open mouth", "crying"]), sw.her_and(ps, weight, ["closed mouth", "smile"])
    cry0 = without.her_and(pc, weight, ["open mouth", "crying"])
    smile0 = without.her_and(ps, weight, ["closed mouth", "smile"])
    lead = difference([cry, smile], [cry0, smile0], sw.runs)
    c, s_, c0, s0 = (share_of(sw, x) for x in (cry, smile, cry0, smile0))
    checks = [make_check(Part(f"`{pc}`: her, crying, mouth open", c, CONTROL, share=True)),
              make_check(Part(f"`{ps}`: her, smiling, mouth closed", s_, CONTROL, share=True)),
              make_check(Part(f"both, minus the same with captions lacking `crying`/`smile` ({c0}, {s0})", lead, LOW))]
    return make_verdict("C6", checks, f"her crying with the mouth open {c}, smiling with it closed {s_} at w={weight:g}; "
                                  f"without the tags {c0}, {s0}",
                    {"cry_open": c.value, "smile_closed": s_.value, "cry_open_without": c0.value,
                     "smile_closed_without": s0.value})


@by_rule
def c7(sw: Sweep, sitting: str = "weiwei, sitting", standing: str = "weiwei, standing") -> Verdict:
    """Poses the set never shows cost fidelity. `weiwei, sitting` sits at w = 1 ≤ 0.3 and at
    w = 0.6 ≥ 0.5; her standing at w = 1 minus her *and* sitting at w = 0.6 ≥ 0.3."""
    sit1 = share_of(sw, sw.shows(["sitting"], sitting, 1.0))
    sit6 = share_of(sw, sw.shows(["sitting"], sitting, 0.6))
    stand, joint = sw.her(standing, 1.0), sw.her_and(sitting, 0.6, ["sitting"])
    lost = difference([stand], [joint], sw.runs)
    checks = [make_check(Part(f"at w=1 `{sitting}` sits", sit1, LOW, at_least=False, share=True)),
              make_check(Part(f"at w=0.6 `{sitting}` sits", sit6, HIGH, share=True)),
              make_check(Part(f"her standing at w=1 ({share_of(sw, stand)}) minus her *and* sitting at w=0.6 "
                          f"({share_of(sw, joint)})", lost, LOW))]
    return make_verdict("C7", checks, f"sitting {sit1} at w=1, {sit6} at w=0.6; her sitting at w=0.6 {share_of(sw, joint)} "
                                  f"vs her standing {share_of(sw, stand)}",
                    {"sitting_w1": sit1.value, "sitting_w06": sit6.value, "joint_w06": float(joint.mean()),
                     "standing_fidelity": float(stand.mean())})


# ---------------------------------------------------------------------------------------------
# Beyond the article
# ---------------------------------------------------------------------------------------------
#: Claim T's prompts: how each captioning is used (its own prompt), what control asks for
#: (trigger + one tag the pictures vary or don't show), where leakage is looked for.
THESIS_PROMPTS = {"trigger": "weiwei", "pruned": "weiwei",
                  "full": "weiwei, 1girl, white hair, long hair, blue eyes, pink dress, fox ears"}
THESIS_CONTROL = {"weiwei, closed mouth": "closed mouth", "weiwei, sitting": "sitting",
                  "weiwei, red hair": "red hair"}
THESIS_LEAK = "1girl"


def drift_estimate(sw: Sweep, prompts: Sequence[str], weight: float, reference: float = 0.0,
                   against: Optional[Sweep] = None) -> Estimate:
    """:meth:`~lora_course.measure.evaluation.Sweep.drift` with its 95 % bootstrap interval (the seeds
    resampled together at both points: the same seed is the same noise), corrected for the bias of
    finite samples (:func:`lora_course.measure.stats.drift`: no movement reads about 0)."""
    ref = sw if against is None else against
    require_same_seeds(sw, ref)
    at = np.concatenate([sw.onehot(p, weight) for p in prompts], axis=1)
    base = np.concatenate([ref.onehot(p, reference) for p in prompts], axis=1)
    return stats.drift(at, base, runs=sw.runs)


def thesis_numbers(sweeps: Dict[str, Sweep], weight: float = 1.0,
                   base: Optional[Sweep] = None) -> Dict[str, Dict[str, Estimate]]:
    """Per captioning, each with its 95 % interval: ``quality`` (fidelity of its own prompt),
    ``control`` (mean share of her *with* the asked tag over :data:`THESIS_CONTROL`, and each alone),
    ``leakage`` (how far `1girl` moved from the base model: fidelity to her, and the drift of
    every group). The base model's `1girl` (w = 0) is read from ``base`` when given, else from
    each sweep."""
    out = {}
    for how, sw in sweeps.items():
        asked = [_her_with(sw, p, weight, t) for p, t in THESIS_CONTROL.items()]
        out[how] = {"quality": share_of(sw, sw.her(THESIS_PROMPTS[how], weight)),
                    "trigger alone": share_of(sw, sw.her("weiwei", weight)),
                    "control": stats.bootstrap(np.mean, np.mean(asked, axis=0), runs=sw.runs),
                    **{f"control: {t}": share_of(sw, hits) for t, hits in zip(THESIS_CONTROL.values(), asked)},
                    "leakage: 1girl is her": share_of(sw, sw.her(THESIS_LEAK, weight)),
                    "leakage: 1girl drift": drift_estimate(sw, [THESIS_LEAK], weight, against=base)}
    return out


def _her_with(sw: Sweep, prompt: str, weight: float, tag: str) -> np.ndarray:
    """Per seed: her in every identity group but the one ``tag`` changes, and showing ``tag``
    (her with red hair: her ears, eyes, dress and hair length, and red hair). The base model
    obeys every control tag by itself; it never draws her with it."""
    groups = [g for g in world.IDENTITY_GROUPS if g != world.TAG_TO_GROUP[tag]]
    return sw.her(prompt, weight, groups=groups) & sw.shows([tag], prompt, weight)


def _spread(m: np.ndarray) -> float:
    """Largest minus smallest column mean of a seeds × conditions array."""
    means = m.mean(0)
    return float(means.max() - means.min())


def _best(m: np.ndarray) -> float:
    return float(m.mean(0).max())


def _spread_estimate(m: np.ndarray, runs=None) -> Estimate:
    """:func:`_spread` with its bootstrap interval (over runs, then seeds); for pictures counted
    0/1, widened to at least Newcombe's interval of the largest column minus the smallest (clipped
    at 0), so that columns that agree on every picture do not give a zero-width interval."""
    boot = stats.bootstrap(_spread, m, runs=runs)
    if not np.isin(m, (0, 1)).all():
        return boot
    k, n = m.sum(0), m.shape[0]
    lo, hi = stats.newcombe(int(k.max()), n, int(k.min()), n)
    return replace(boot, lo=max(0.0, min(boot.lo, lo)), hi=max(boot.hi, hi))


def _best_estimate(m: np.ndarray, runs=None) -> Estimate:
    """:func:`_best` with its bootstrap interval, widened to at least the Wilson interval of the
    best column (pictures counted 0/1)."""
    boot = stats.bootstrap(_best, m, runs=runs)
    lo, hi = stats.wilson(int(m.sum(0).max()), m.shape[0])
    return replace(boot, lo=min(boot.lo, lo), hi=max(boot.hi, hi))


@both_readings
def thesis(sweeps: Dict[str, Sweep], weight: float = 1.0, base: Optional[Sweep] = None) -> Verdict:
    """Claim T from one sweep per captioning (``trigger``, ``full``, ``pruned``): the same quality
    (each captioning's own prompt), *and* different control *and* different leakage — both halves
    of the thesis's second sentence, each spread decided on its interval."""
    hows = list(sweeps)
    require_same_seeds(*sweeps.values())
    quality = np.stack([sweeps[h].her(THESIS_PROMPTS[h], weight) for h in hows], axis=1)
    control = np.stack([np.mean([_her_with(sweeps[h], p, weight, t) for p, t in THESIS_CONTROL.items()], axis=0)
                        for h in hows], axis=1)
    leak = np.stack([sweeps[h].her(THESIS_LEAK, weight) for h in hows], axis=1)
    runs = sweeps[hows[0]].runs
    q_best, q_spread = _best_estimate(quality, runs), _spread_estimate(quality, runs)
    c_spread, l_spread = _spread_estimate(control, runs), _spread_estimate(leak, runs)

    def fmt(m):
        return ", ".join(f"{h} {v:.2f}" for h, v in zip(hows, m.mean(0)))
    checks = [make_check(Part("the best captioning's fidelity with its own prompt", q_best, HIGH),
                     Part(f"the spread over captionings ({fmt(quality)})", q_spread, SAME, at_least=False),
                     text="the same quality"),
              make_check(Part(f"control: spread of her *with* the asked tag ({fmt(control)})", c_spread, LOW),
                     Part(f"leakage: spread of `{THESIS_LEAK}` being her ({fmt(leak)})", l_spread, LOW),
                     text="different control *and* different leakage")]
    return make_verdict("T", checks, f"quality {fmt(quality)} (spread {q_spread}); control {fmt(control)} "
                                 f"(spread {c_spread}); `1girl` hijacked {fmt(leak)} (spread {l_spread}) (w={weight:g})",
                    {**{f"quality_{h}": v for h, v in zip(hows, quality.mean(0))},
                     **{f"control_{h}": v for h, v in zip(hows, control.mean(0))},
                     **{f"leak_{h}": v for h, v in zip(hows, leak.mean(0))}})


#: Claim P's unrelated prompt: it names none of the trigger words (weiwei, 1girl, fox, long hair,
#: red hair) and asks for someone else in every group, so any of her that shows is damage.
UNRELATED = ("black hair, short hair, green eyes, blue dress, cat ears, sitting",)
PUPPET = "weiwei"
#: The weights the unrelated prompt is drawn at: the base model, the course's working weight and
#: full strength (when each word falls needs the finer grid; the damage needs a few points).
DRIFT_WEIGHTS = (0.0, 0.6, 1.0)


def _drift_onehots(sw: Sweep, prompts: Sequence[str]) -> np.ndarray:
    """seeds × weights × (prompts · groups) × values: the readings of ``prompts`` at every weight."""
    return np.stack([np.concatenate([sw.onehot(p, w) for p in prompts], axis=1) for w in sw.weights], axis=1)


def _2(x: float) -> str:
    """Two decimals, and a bias-corrected drift a hair below zero prints as 0.00, not -0.00."""
    return f"{round(x, 2) + 0.0:.2f}"


def _damage(oh: np.ndarray) -> float:
    """Mean over the weights above the first (w = 0) of the drift from the first (uncorrected:
    :func:`_damage_bias` is its bias)."""
    return float(np.mean([stats.tv_of_onehots(oh[:, j], oh[:, 0]) for j in range(1, oh.shape[1])]))


def _damage_bias(oh: np.ndarray) -> float:
    """The bias of :func:`_damage` (:func:`lora_course.measure.stats.tv_null` at each weight), computed once
    on all seeds and subtracted from the damage and from every bootstrap resample of it."""
    return float(np.mean([stats.tv_null(oh[:, j], oh[:, 0]) for j in range(1, oh.shape[1])]))


@both_readings
def possession(sweeps: Dict[str, Sweep], drifts: Optional[Dict[str, Sweep]] = None,
               unrelated: Sequence[str] = UNRELATED, resembles: str = "long hair",
               differs: str = "red hair") -> Verdict:
    """Claim P from one sweep per trigger word: ``sweeps`` has the trigger's own prompt (when is
    the word possessed), ``drifts`` the ``unrelated`` prompts (the damage; default: ``sweeps``).
    The damage of possession must exceed the puppet's with an interval clear of 0 (paired over
    seeds: every LoRA is drawn with the same seeds)."""
    drifts = sweeps if drifts is None else drifts
    require_same_seeds(*drifts.values(), *sweeps.values())
    if any(sw.weights != sweeps[resembles].weights for sw in sweeps.values()) or \
            any(d.weights != next(iter(drifts.values())).weights or d.weights[0] != 0.0 for d in drifts.values()):
        raise ValueError("claim P compares its sweeps weight by weight: draw every trigger's sweep at the same "
                         "weights, and every drift sweep at the same weights starting at w=0 (the base model)")
    words = list(drifts)
    possessed = [t for t in words if t != PUPPET]
    oh = {t: _drift_onehots(drifts[t], list(unrelated)) for t in words}
    bias = {t: _damage_bias(oh[t]) for t in words}
    damage = {t: _damage(oh[t]) - bias[t] for t in words}

    def excess(*arrays):
        d = {t: _damage(x) - bias[t] for t, x in zip(words, arrays)}
        return float(np.mean([d[t] for t in possessed]) - d[PUPPET])
    runs = drifts[PUPPET].runs
    more = stats.bootstrap(excess, *(oh[t] for t in words), n_boot=1000, runs=runs)
    mean_possessed = float(np.mean([damage[t] for t in possessed]))
    # the resembling host falls first: at w = 0.6 it is her more often than the differing one, both
    # read alike (the same weight, no searched lowest weight)
    r6, d6 = sweeps[resembles].her(resembles, 0.6), sweeps[differs].her(differs, 0.6)
    first = difference([r6], [d6], runs)
    checks = [make_check(Part(f"unrelated prompts drift more under possession: mean drift {_2(mean_possessed)} "
                          f"(`{'`, `'.join(possessed)}`) minus {_2(damage[PUPPET])} for the puppet `{PUPPET}`",
                          more, 0.0, strict=True)),
              make_check(Part(f"at w=0.6 `{resembles}` is her ({share_of(sweeps[resembles], r6)}) more often than `{differs}` "
                          f"({share_of(sweeps[differs], d6)}): the difference", first, LOW))]
    return make_verdict("P", checks, "drift of unrelated prompts (mean over w>0): "
                    + ", ".join(f"`{t}` {_2(v)}" for t, v in damage.items())
                    + f" (possession minus puppet {more}); at w=0.6 `{resembles}` her {share_of(sweeps[resembles], r6)}, "
                      f"`{differs}` {share_of(sweeps[differs], d6)}",
                    {**{f"drift_{t}": v for t, v in damage.items()}, "drift_excess": more.value,
                     "resembles_w06": float(r6.mean()), "differs_w06": float(d6.mean())})


@both_readings
def remedies(plain: Sweep, reg: Sweep, plain_pose: Sweep, varied_pose: Sweep, weight: float = 1.0) -> Verdict:
    """Claim R: prior preservation (``reg``, vs the ``plain`` LoRA on `weiwei` and `1girl`) and
    sitting pictures (``varied_pose`` vs ``plain_pose`` on `weiwei, sitting`)."""
    require_same_seeds(plain, reg, plain_pose, varied_pose)
    hp, hr = plain.her("1girl", weight), reg.her("1girl", weight, unclear_counts=True)
    h0, h1, t1 = share_of(plain, hp), share_of(reg, hr), share_of(reg, reg.her("weiwei", weight))
    drop = stats.bootstrap(gap, hp, hr, runs=plain.runs)
    s0 = share_of(plain_pose, plain_pose.her_and("weiwei, sitting", weight, ["sitting"], unclear_counts=True))
    s1 = share_of(varied_pose, varied_pose.her_and("weiwei, sitting", weight, ["sitting"]))
    checks = [make_check(Part(f"`1girl` is her {h0} → {h1} with prior preservation: the drop", drop, GAP),
                     Part("`weiwei` with prior preservation", t1, HIGH, share=True),
                     text="prior preservation stops the hijack"),
              make_check(Part("her *and* sitting without sitting pictures", s0, LOW, at_least=False, share=True),
                     Part("with them", s1, HIGH, share=True),
                     text="sitting pictures give her sitting")]
    return make_verdict("R", checks, f"w={weight:g}: `1girl` hijacked {h0} → {h1} with prior preservation "
                                 f"(`weiwei` {t1}); her sitting {s0} → {s1} with sitting pictures",
                    {"hijack_plain": h0.value, "hijack_reg": h1.value, "weiwei_reg": t1.value,
                     "sitting_plain": s0.value, "sitting_varied": s1.value})


def weight_guide(advice: Dict[str, "object"]) -> Verdict:
    """Claim W from the guide's advice per LoRA (:func:`lora_course.measure.weight_guide.recommend`, which
    asks the *lower bounds* of fidelity and adherence to clear their bars: a LoRA with no such
    weight is refuted when at every weight an upper bound misses a bar, with its unclear pictures
    counted either way, undecided otherwise)."""
    found = {n: a for n, a in advice.items() if a.weight is not None}
    refuted = [k for k, a in advice.items() if a.weight is None and a.refuted]
    open_ = [k for k, a in advice.items() if a.weight is None and not a.refuted]
    n = max((a.n for a in advice.values()), default=0)
    runs = max((len(e.per_run or ()) for a in advice.values() for e in a.fidelity_est), default=0) or 1
    at = f"{n} seeds" + (f" and {runs} training runs" if runs > 1 else "")
    first = stats.FAIL if refuted else stats.UNDECIDED if open_ else stats.PASS
    second = (stats.PASS if any(a.weight < 1.0 for a in found.values())
              else stats.UNDECIDED if open_ else stats.FAIL)
    by_unclear = [k for k in open_ if advice[k].unclear_weight is not None]
    by_seeds = [k for k in open_ if k not in by_unclear]
    missing = (f" (none for: {', '.join(refuted)})" if refuted else "") + \
              (f" (not shown at {at} for: {', '.join(by_seeds)})" if by_seeds else "") + \
              (f" (the unclear pictures decide it for: {', '.join(by_unclear)})" if by_unclear else "")
    checks = [Check((), f"a weight whose lower bounds clear both bars, for {len(found)} of {len(advice)} LoRAs"
                    + missing, fixed=first, seeds_n=n, runs_n=runs),
              Check((), "for some LoRA that weight is below full: "
                    + (", ".join(f"{k} w={a.weight:g}" for k, a in found.items()) or "none"), fixed=second, seeds_n=n, runs_n=runs)]
    return make_verdict("W", checks, "; ".join(f"{k}: {a.decided_on()}" for k, a in advice.items()),
                    {f"w_{k}": (a.weight if a.weight is not None else float("nan")) for k, a in advice.items()})
