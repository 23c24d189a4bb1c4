"""The article's claims as measurable tests, and their verdicts.

Each function takes the measurements of one experiment (:class:`lora_course.evaluation.Sweep`)
and returns a :class:`Verdict`, computed from the numbers, never typed in. The thresholds are
fixed here, before any experiment is run, and are the same for every reader:

* ``HIGH = 0.5``: a character "holds" at a point when at least half of the images show all of
  her identity attributes (hair colour, hair length, eyes, dress, ears);
* ``MOST = 0.5``: "most images" means more than half;
* ``GAP = 0.4``: a difference the article would call clear is 40 points of identity fidelity;
* ``LOW = 0.3`` / ``CONTROL = 0.7``: a feature is "hard to get" below 30 % of images and
  "controlled" above 70 %;
* ``SAME = 0.2``: two fidelities within 20 points are "the same quality" (half of ``GAP``).

Beyond the article (notebooks 09-12), claims T, P, R and W test what the article states without
showing, with the same thresholds.

A verdict prints as one line the course's report collects::

    VERDICT C1 | REPRODUCED | fidelity of `weiwei`: 0.00 without the LoRA, 0.94 at w=1

:class:`Verdict` is the course's one verdict type: :meth:`Verdict.line` prints that line and
:meth:`Verdict.parse` reads it back (what :mod:`lora_course.report` does with the notebooks'
outputs). This module imports no model code at run time (the sweeps are only annotations), so the
report can read verdicts without loading torch.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence

if TYPE_CHECKING:                     # annotations only: importing claims loads no model code
    from .evaluation import Sweep

HIGH = 0.5
MOST = 0.5
GAP = 0.4
LOW = 0.3
CONTROL = 0.7
SAME = 0.2

#: A verdict's status, from the checks that passed: all, some, none.
REPRODUCED, PARTLY, NOT_REPRODUCED = "REPRODUCED", "PARTLY", "NOT REPRODUCED"
STATUSES = (REPRODUCED, PARTLY, NOT_REPRODUCED)
#: A printed verdict line: ``VERDICT <claim> | <STATUS> | <summary>``, at the start of a line. Any
#: upper-case status is read (a notebook may print its own); the summary may hold ``|``.
VERDICT_RE = re.compile(r"^VERDICT (\S+) \| ([A-Z ]+) \| (.*)$")

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


@dataclass
class Verdict:
    """A claim's verdict: ``status`` is REPRODUCED, PARTLY or NOT REPRODUCED (one read back
    with :meth:`parse` carries whatever upper-case status was printed, and no checks or numbers)."""
    claim: str
    status: str
    summary: str
    checks: List[str] = field(default_factory=list)
    numbers: Dict[str, float] = field(default_factory=dict)

    def line(self) -> str:
        """The one line the report collects: ``VERDICT <claim> | <STATUS> | <summary>``."""
        return f"VERDICT {self.claim} | {self.status} | {self.summary}"

    @classmethod
    def parse(cls, line: str) -> Optional["Verdict"]:
        """The verdict a printed :meth:`line` states (claim, status and summary; no checks or
        numbers: they are not printed on it), or ``None`` if ``line`` is not a verdict line."""
        m = VERDICT_RE.match(line.rstrip())
        if m is None:
            return None
        return cls(m.group(1), m.group(2).strip(), m.group(3).strip())

    def __str__(self) -> str:
        lines = [f"{self.claim}: {CLAIMS.get(self.claim, '')}"]
        lines += [f"  [{'x' if ok else ' '}] {text}" for ok, text in self.checks_done]
        lines.append(self.line())
        return "\n".join(lines)

    @property
    def checks_done(self):
        return [(c.startswith("PASS"), c.split(": ", 1)[1]) for c in self.checks]

    def show(self) -> None:
        """Print the checks and the verdict line (what the notebooks' last cell does)."""
        print(self)


def _check(ok: bool, text: str) -> str:
    return ("PASS: " if ok else "FAIL: ") + text


def _status(oks: Sequence[bool]) -> str:
    if all(oks):
        return REPRODUCED
    return PARTLY if any(oks) else NOT_REPRODUCED


def _verdict(claim: str, checks: Sequence[tuple], summary: str, numbers: Dict[str, float]) -> Verdict:
    return Verdict(claim, _status([ok for ok, _ in checks]), summary,
                   [_check(ok, text) for ok, text in checks], {k: round(v, 2) for k, v in numbers.items()})


def lowest_weight(sw: Sweep, prompt: str, level: float = HIGH) -> Optional[float]:
    """The lowest weight at which ``prompt`` reaches identity fidelity ``level`` (None: never)."""
    for w, f in zip(sw.weights, sw.fidelity_curve(prompt)):
        if f >= level:
            return w
    return None


def _w(w: Optional[float]) -> str:
    return "never (up to 1.0)" if w is None else f"w={w:g}"


def c1(sw: Sweep, prompt: str = "weiwei") -> Verdict:
    f0, f1 = sw.fidelity(prompt, 0.0).all, sw.fidelity(prompt, 1.0).all
    checks = [(f1 >= HIGH, f"with the LoRA (w=1) `{prompt}` shows all of her identity in {f1:.2f} ≥ {HIGH} of images"),
              (f0 <= 0.1, f"without it (w=0) in {f0:.2f} ≤ 0.10")]
    return _verdict("C1", checks, f"fidelity of `{prompt}`: {f0:.2f} without the LoRA, {f1:.2f} at w=1",
                    {"fidelity_w0": f0, "fidelity_w1": f1})


def c2(sw: Sweep, trigger: str = "weiwei", host: str = "1girl") -> Verdict:
    h1 = sw.fidelity(host, 1.0).all
    t6, h6 = sw.fidelity(trigger, 0.6).all, sw.fidelity(host, 0.6).all
    checks = [(h1 >= MOST, f"at w=1 `{host}` is hijacked: {h1:.2f} of its images are her (≥ {MOST})"),
              (t6 - h6 >= GAP, f"at w=0.6 `{trigger}` {t6:.2f} vs `{host}` {h6:.2f}: "
                               f"gap {t6 - h6:+.2f} (≥ {GAP:+.2f})")]
    return _verdict("C2", checks, f"w=1: `{host}` {h1:.2f}; w=0.6: `{trigger}` {t6:.2f} vs `{host}` {h6:.2f}",
                    {"host_w1": h1, "trigger_w06": t6, "host_w06": h6})


def c3(sw: Sweep, mismatch: str = "red hair", match: str = "long hair") -> Verdict:
    wr, wl = lowest_weight(sw, mismatch), lowest_weight(sw, match)
    checks = [(wr is not None and wr >= 0.8,
               f"`{mismatch}` reaches fidelity {HIGH} only near full weight: {_w(wr)} (0.8 or more, and at all)"),
              (wl is not None and wl < 1.0 and (wr is None or wl < wr),
               f"`{match}` reaches it below full weight and before `{mismatch}`: {_w(wl)}")]
    return _verdict("C3", checks, f"fidelity ≥ {HIGH} from {_w(wr)} for `{mismatch}`, from {_w(wl)} for `{match}`",
                    {"w_mismatch": wr if wr is not None else float("nan"),
                     "w_match": wl if wl is not None else float("nan")})


def c4(sw: Sweep, prompt: str = "fox") -> Verdict:
    animal = sw.rate_curve("fox", prompt)
    f1 = sw.fidelity(prompt, 1.0).all
    a1 = animal[sw.weights.index(1.0)]
    below = [(w, a) for w, a in zip(sw.weights, animal) if 0 < w < 1]
    w_best, a_best = max(below, key=lambda wa: wa[1])
    checks = [(f1 >= HIGH, f"at w=1 `{prompt}` draws her: fidelity {f1:.2f} ≥ {HIGH}"),
              (a_best - a1 >= LOW, f"lowering the weight brings the animal back: {a1:.2f} of images at w=1, "
                                   f"{a_best:.2f} at w={w_best:g} (+{LOW} needed)")]
    return _verdict("C4", checks, f"`{prompt}`: her {f1:.2f} at w=1; the animal {a1:.2f} at w=1, "
                                  f"{a_best:.2f} at w={w_best:g}",
                    {"fidelity_w1": f1, "animal_w1": a1, "animal_best_below_1": a_best})


def c5(one: Sweep, two: Sweep, weight: float = 1.0) -> Verdict:
    po, pc = "weiwei, open mouth", "weiwei, closed mouth"
    c_one, c_two = one.rate("closed mouth", pc, weight), two.rate("closed mouth", pc, weight)
    o_two = two.rate("open mouth", po, weight)
    checks = [(c_one <= LOW, f"one open-mouth image: `{pc}` gives a closed mouth in {c_one:.2f} ≤ {LOW} of images"),
              (c_two >= CONTROL and o_two >= CONTROL,
               f"two tagged images: closed {c_two:.2f}, open {o_two:.2f} (both ≥ {CONTROL})")]
    return _verdict("C5", checks, f"closed mouth on request: {c_one:.2f} (one image) → {c_two:.2f} (two images); "
                                  f"open {o_two:.2f}",
                    {"closed_one": c_one, "closed_two": c_two, "open_two": o_two})


def c6(sw: Sweep, weight: float = 1.0) -> Verdict:
    pc, ps = "weiwei, open mouth, crying", "weiwei, closed mouth, smile"
    cry = sw.rate_all(["open mouth", "crying"], pc, weight)
    smile = sw.rate_all(["closed mouth", "smile"], ps, weight)
    checks = [(cry >= CONTROL, f"`{pc}`: crying with the mouth open in {cry:.2f} ≥ {CONTROL} of images"),
              (smile >= CONTROL, f"`{ps}`: a closed-mouth smile in {smile:.2f} ≥ {CONTROL}")]
    return _verdict("C6", checks, f"crying open mouth {cry:.2f}, closed smile {smile:.2f} at w={weight:g}",
                    {"cry_open": cry, "smile_closed": smile})


def c7(sw: Sweep, sitting: str = "weiwei, sitting", standing: str = "weiwei, standing") -> Verdict:
    sit1 = sw.rate("sitting", sitting, 1.0)
    stand_f = sw.fidelity(standing, 1.0).all
    joint = sw.joint_curve(sitting, ["sitting"])
    w_best = sw.weights[max(range(len(joint)), key=joint.__getitem__)]
    best = max(joint)
    checks = [(sit1 <= LOW, f"at w=1 `{sitting}` sits in only {sit1:.2f} ≤ {LOW} of images"),
              (best <= stand_f - LOW, f"her *and* sitting at once: at best {best:.2f} (w={w_best:g}), "
                                      f"vs her standing at w=1 {stand_f:.2f} (≥ {LOW} lower)")]
    return _verdict("C7", checks, f"sitting at w=1 {sit1:.2f}; her sitting at best {best:.2f} (w={w_best:g}) "
                                  f"vs her standing {stand_f:.2f}",
                    {"sitting_w1": sit1, "joint_best": best, "standing_fidelity": stand_f})



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


def thesis_numbers(sweeps: Dict[str, Sweep], weight: float = 1.0,
                   base: Optional[Sweep] = None) -> Dict[str, Dict[str, float]]:
    """Per captioning: ``quality`` (fidelity of its own prompt), ``control`` (mean share of the
    asked tag over :data:`THESIS_CONTROL`), ``leakage`` (how far `1girl` moved from the base
    model: fidelity to her, and the drift of every group). The base model's `1girl` (w = 0) is
    read from ``base`` when given, else from each sweep."""
    out = {}
    for how, sw in sweeps.items():
        ctl = {p: sw.rate(t, p, weight) for p, t in THESIS_CONTROL.items()}
        out[how] = {"quality": sw.fidelity(THESIS_PROMPTS[how], weight).all,
                    "trigger alone": sw.fidelity("weiwei", weight).all,
                    "control": sum(ctl.values()) / len(ctl),
                    **{f"control: {t}": ctl[p] for p, t in THESIS_CONTROL.items()},
                    "leakage: 1girl is her": sw.fidelity(THESIS_LEAK, weight).all,
                    "leakage: 1girl drift": sw.drift([THESIS_LEAK], weight, against=base)}
    return out


def thesis(sweeps: Dict[str, Sweep], weight: float = 1.0, base: Optional[Sweep] = None) -> Verdict:
    """Claim T from one sweep per captioning (``trigger``, ``full``, ``pruned``)."""
    n = thesis_numbers(sweeps, weight, base)
    q = {h: v["quality"] for h, v in n.items()}
    c = {h: v["control"] for h, v in n.items()}
    leak = {h: v["leakage: 1girl is her"] for h, v in n.items()}

    def spread(d):
        return max(d.values()) - min(d.values())

    def fmt(d):
        return ", ".join(f"{h} {v:.2f}" for h, v in d.items())
    checks = [(max(q.values()) >= HIGH and spread(q) <= SAME,
               f"the same quality: fidelity with each captioning's own prompt {fmt(q)} "
               f"(best ≥ {HIGH}, spread {spread(q):.2f} ≤ {SAME})"),
              (spread(c) >= LOW or spread(leak) >= LOW,
               f"different control or leakage: control {fmt(c)} (spread {spread(c):.2f}); "
               f"`1girl` is her {fmt(leak)} (spread {spread(leak):.2f}); one spread ≥ {LOW}")]
    return _verdict("T", checks, f"quality {fmt(q)}; control {fmt(c)}; `1girl` hijacked {fmt(leak)} (w={weight:g})",
                    {**{f"quality_{h}": v for h, v in q.items()}, **{f"control_{h}": v for h, v in c.items()},
                     **{f"leak_{h}": v for h, v in leak.items()}})


#: Claim P's unrelated prompt: it names none of the trigger words (weiwei, 1girl, fox, long hair,
#: red hair) and asks for someone else in every group, so any of her that shows is damage.
UNRELATED = ("black hair, short hair, green eyes, blue dress, cat ears, sitting",)
PUPPET = "weiwei"
#: The weights the unrelated prompt is drawn at: the base model, the course's working weight and
#: full strength (when each word falls needs the finer grid; the damage needs a few points).
DRIFT_WEIGHTS = (0.0, 0.6, 1.0)


def possession(sweeps: Dict[str, Sweep], drifts: Optional[Dict[str, Sweep]] = None,
               unrelated: Sequence[str] = UNRELATED, resembles: str = "long hair",
               differs: str = "red hair") -> Verdict:
    """Claim P from one sweep per trigger word: ``sweeps`` has the trigger's own prompt (when is
    the word possessed), ``drifts`` the ``unrelated`` prompts (the damage; default: ``sweeps``)."""
    drifts = sweeps if drifts is None else drifts
    damage = {t: sum(sw.drift_curve(list(unrelated))[1:]) / (len(sw.weights) - 1) for t, sw in drifts.items()}
    possessed = [t for t in sweeps if t != PUPPET]
    mean_possessed = sum(damage[t] for t in possessed) / len(possessed)
    wr, wd = lowest_weight(sweeps[resembles], resembles), lowest_weight(sweeps[differs], differs)
    checks = [(mean_possessed > damage[PUPPET],
               f"unrelated prompts drift more under possession: mean drift {mean_possessed:.2f} "
               f"(`{'`, `'.join(possessed)}`) vs {damage[PUPPET]:.2f} for the puppet `{PUPPET}`"),
              (wr is not None and (wd is None or wr < wd),
               f"`{resembles}` is possessed (fidelity ≥ {HIGH}) from {_w(wr)}, `{differs}` from {_w(wd)}")]
    return _verdict("P", checks, "drift of unrelated prompts (mean over w>0): "
                    + ", ".join(f"`{t}` {v:.2f}" for t, v in damage.items())
                    + f"; possessed from {_w(wr)} (`{resembles}`), {_w(wd)} (`{differs}`)",
                    {**{f"drift_{t}": v for t, v in damage.items()},
                     "w_resembles": wr if wr is not None else float("nan"),
                     "w_differs": wd if wd is not None else float("nan")})


def remedies(plain: Sweep, reg: Sweep, plain_pose: Sweep, varied_pose: Sweep, weight: float = 1.0) -> Verdict:
    """Claim R: prior preservation (``reg``, vs the ``plain`` LoRA on `weiwei` and `1girl`) and
    sitting pictures (``varied_pose`` vs ``plain_pose`` on `weiwei, sitting`)."""
    h0, h1 = plain.fidelity("1girl", weight).all, reg.fidelity("1girl", weight).all
    t1 = reg.fidelity("weiwei", weight).all
    s0, s1 = plain_pose.joint("weiwei, sitting", weight, ["sitting"]), \
        varied_pose.joint("weiwei, sitting", weight, ["sitting"])
    checks = [(h0 - h1 >= GAP and t1 >= HIGH,
               f"prior preservation: `1girl` is her in {h0:.2f} → {h1:.2f} of pictures (≥ {GAP} less), "
               f"`weiwei` still {t1:.2f} (≥ {HIGH})"),
              (s0 <= LOW and s1 >= HIGH,
               f"sitting pictures: her *and* sitting {s0:.2f} → {s1:.2f} (from ≤ {LOW} to ≥ {HIGH})")]
    return _verdict("R", checks, f"w={weight:g}: `1girl` hijacked {h0:.2f} → {h1:.2f} with prior preservation "
                                 f"(`weiwei` {t1:.2f}); her sitting {s0:.2f} → {s1:.2f} with sitting pictures",
                    {"hijack_plain": h0, "hijack_reg": h1, "weiwei_reg": t1, "sitting_plain": s0,
                     "sitting_varied": s1})


def weight_guide(advice: Dict[str, "object"]) -> Verdict:
    """Claim W from the guide's advice per LoRA (:func:`lora_course.weight_guide.recommend`)."""
    found = {n: a for n, a in advice.items() if a.weight is not None}
    checks = [(len(found) == len(advice),
               f"a weight passes both bars for {len(found)} of {len(advice)} LoRAs"
               + (f" (not: {', '.join(n for n in advice if n not in found)})" if len(found) < len(advice) else "")),
              (any(a.weight < 1.0 for a in found.values()),
               "for some LoRA that weight is below full: "
               + (", ".join(f"{n} w={a.weight:g}" for n, a in found.items()) or "none"))]
    return _verdict("W", checks, "; ".join(f"{n}: " + (f"w={a.weight:g}" if a.weight is not None else "none")
                                           for n, a in advice.items()),
                    {f"w_{n}": (a.weight if a.weight is not None else float("nan")) for n, a in advice.items()})
