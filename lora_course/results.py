"""The course's results in one place (notebook 15): every verdict, one picture per claim, and the
practitioner's take-aways.

* :func:`draw` draws every claim's sweeps exactly as its own notebook does (the same LoRAs,
  prompts, weights and seeds), so after notebooks 02–14 every point is read from
  ``build/points`` and nothing new is drawn; alone on a fresh clone it draws the whole course.
  It returns :class:`Results`: the verdicts (C1–C7, T, P, R, W) on the article's LoRAs, the same
  checks of C5 and C7 on the light recipe's LoRAs (shown beside them in notebooks 06 and 08), the
  light recipe's rule, and the sweeps behind them.
* :func:`moments` picks, per claim, the point its verdict turns on and the share measured
  there; :func:`moments_figure` shows the first seeds of each, one row per claim.
* :func:`takeaways` writes what a LoRA trainer should do differently, one sentence per lesson,
  in English and Chinese, each computed from the numbers it cites: a sentence's wording follows
  its interval (it says "not shown" where the interval straddles the bar), never a typed result.

A test checks that the verdicts drawn here are the ones each notebook printed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from . import course
from .datasets import training_sets
from .measure import claims, experiments, remedies, stats, training_length, verdicts, weight_guide
from .widgets import plots
from .measure.evaluation import Sweep
from .measure.stats import Estimate

POSSESSED, USES, NOTEBOOKS = experiments.POSSESSED, experiments.USES, experiments.NOTEBOOKS
MOUTH, CRY_SMILE, POSES = experiments.C5.prompts, experiments.C6.prompts, experiments.C7.prompts


@dataclass
class Results:
    """What :func:`draw` measured: ``verdicts`` per claim (on the article's LoRAs), ``light`` the
    same checks on the light recipe's LoRAs (C5, C7), ``sweeps`` by name, ``thesis`` notebook 09's
    numbers, ``advice`` notebook 12's, ``rule`` notebook 14's (steps it gives, {steps: Estimate})."""
    verdicts: Dict[str, verdicts.Verdict]
    light: Dict[str, verdicts.Verdict]
    sweeps: Dict[str, Sweep]
    thesis: Dict[str, Dict[str, Estimate]]
    advice: Dict[str, weight_guide.Advice]
    rule: Tuple[Optional[int], Dict[int, Estimate]]
    hijack_along: Dict[int, Estimate] = field(default_factory=dict)
    #: ``thesis`` and ``hijack_along`` with the unclear pictures counted the other way (None: as above)
    thesis_other: Optional[Dict[str, Dict[str, Estimate]]] = None
    hijack_along_other: Optional[Dict[int, Estimate]] = None


#: The suffix of the sweeps drawn with the light recipe's LoRAs (notebooks 06 and 08 show them beside the verdict).
LIGHT = " light"


def article_sweeps(lab, light: bool = False, suffix: Optional[str] = None, lora=None,
                   seeds: Optional[Sequence[int]] = None) -> Dict[str, Sweep]:
    """The sweeps of the article's experiments C1–C7 as notebooks 02–08 draw them
    (:mod:`lora_course.measure.experiments`), on the article's LoRAs (``lab.train``), keyed by their
    sweep names ("C5 one" and "C5 two" for C5's two LoRAs). With ``light``, only the experiments
    notebooks 06 and 08 also show with the light recipe (:data:`experiments.LIGHT_TOO`), on its
    LoRAs (``lab.train_light``), keyed ``<name><suffix>`` (default suffix: :data:`LIGHT` with
    ``light``, none without). ``lora(set_name)`` gives the LoRA to draw
    for a training set instead (as in :func:`beyond_sweeps`), and ``seeds``, when given, replaces
    every experiment's seeds (a confirmation draws fresh ones)."""
    suffix = (LIGHT if light else "") if suffix is None else suffix
    out = {}
    for c, e in experiments.ARTICLE.items():
        if light and c not in experiments.LIGHT_TOO:
            continue
        for set_name, name in zip(e.sets, e.sweep_names()):
            if lora is not None:
                adapter = lora(set_name)
            elif light:
                adapter = lab.train_light(set_name, progress=False)
            else:
                adapter = lab.train(set_name, progress=False)
            out[name + suffix] = lab.sweep(list(e.prompts), adapter, weights=e.weights,
                                           seeds=e.seeds if seeds is None else list(seeds), progress=False)
    return out


def article_verdicts(sw: Dict[str, Sweep], suffix: str = "", claims_: Sequence[str] = tuple(experiments.ARTICLE)
                     ) -> Dict[str, verdicts.Verdict]:
    """The verdicts of C1–C7 from :func:`article_sweeps` (``claims_``: only these)."""
    return {c: experiments.decide(experiments.ARTICLE[c], sw, suffix) for c in claims_}


def draw(lab) -> Results:
    """Every claim's sweeps as notebooks 02–12 and 14 draw them, and their verdicts. A LoRA is put
    in the pipeline only where a picture must be drawn with it (:meth:`lora_course.course.Lab.loading_when_drawn`):
    after the notebooks, every point is drawn already, and nothing is loaded."""
    with lab.loading_when_drawn():
        return _draw(lab)


def _draw(lab) -> Results:
    tl = training_length
    sw = article_sweeps(lab)
    # beside it (notebooks 06, 08): the same sweeps on the light recipe's LoRAs
    sw.update(article_sweeps(lab, light=True, suffix=LIGHT))
    one_along = lab.train_along("weiwei_1", tl.KEEP_STEPS)
    sw.update(beyond_sweeps(lab))
    advice = beyond_advice(sw)
    # notebook 14: the light recipe's rule and the hijack along its training
    rule = lab.recipe_rule(one_along, progress=False)
    diagram = lab.phase_diagram(one_along, "weiwei_1 (one picture)", progress=False)
    hijack_along = {k: diagram.at("hijack", k, 1.0) for k in diagram.steps}
    hijack_other = {k: diagram.at("hijack", k, 1.0, other_way=True) for k in diagram.steps}

    decided = {**article_verdicts(sw), **beyond_verdicts(sw, advice)}
    light = article_verdicts(sw, LIGHT, experiments.LIGHT_TOO)
    thesis, base = {how: sw[f"T {how}"] for how in experiments.THESIS_SETS}, sw["T base"]
    return Results(decided, light, sw, claims.thesis_numbers(thesis, base=base), advice, rule, hijack_along,
                   claims.thesis_numbers(verdicts.flipped(thesis), base=base.unclear_flipped()), hijack_other)


class CourseRecipe:
    """Where :func:`beyond_sweeps` gets each LoRA by default: ``lab.train`` with the article's recipe
    (its training runs, and the shipped LoRAs), the name it is loaded under being the set's or ``name``."""

    def __init__(self, lab):
        self.lab = lab

    def __call__(self, set_name, name: Optional[str] = None) -> str:
        return self.lab.train(set_name, name=name, progress=False)


class _Named:
    """A ``lora(set_name, name=None)`` callable that trains nothing: it records the name each LoRA
    is loaded under and its training set (:func:`claim_loras`)."""

    def __init__(self):
        self.sets = {}

    def __call__(self, set_name, name: Optional[str] = None) -> str:
        got = name or training_sets.folder(set_name).name
        self.sets[got] = set_name
        return got


def claim_loras(lab) -> Dict[str, object]:
    """Every LoRA the claims read (C1–C7 and T, P, R, W), by the name the notebooks load it under:
    ``{name: training set}`` (a shipped set's name, or the folder of a set the course makes, like
    the prior-preservation one). These are the LoRAs ``data/loras`` ships
    (``scripts/train_article_loras.py``)."""
    named = _Named()
    for e in experiments.ARTICLE.values():
        for set_name in e.sets:
            named(set_name)
    beyond_plans(lab, lora=named)
    return named.sets


def beyond_plans(lab, lora=None) -> Dict[str, Dict[str, tuple]]:
    """What notebooks 09–12 draw for the claims beyond the article, per claim: ``{claim: {sweep
    name: (LoRA, prompts, weights)}}``, the sweeps named ``T <captioning>``, ``T base``, ``P <word>``,
    ``P drift <word>``, ``R plain``, ``R reg``, ``R pose``, ``R varied`` and ``W <set>``.
    ``lora(set_name, name=None)`` gives the LoRA to draw for a training set (default
    :class:`CourseRecipe`: the article's recipe)."""
    lora = CourseRecipe(lab) if lora is None else lora
    # notebook 09: three captionings
    thesis_loras = {how: lora(s) for how, s in experiments.THESIS_SETS.items()}
    prompts = tuple(dict.fromkeys([*claims.THESIS_PROMPTS.values(), *claims.THESIS_CONTROL, claims.THESIS_LEAK]))
    t = {f"T {how}": (name, prompts, (1.0,)) for how, name in thesis_loras.items()}
    t["T base"] = (thesis_loras["trigger"], (claims.THESIS_LEAK,), (0.0,))
    # notebook 10: possession
    possessed = {word: lora(s) for word, s in POSSESSED.items()}
    p = {f"P {word}": (name, (word,), experiments.WEIGHTS) for word, name in possessed.items()}
    p.update({f"P drift {word}": (name, tuple(claims.UNRELATED), claims.DRIFT_WEIGHTS)
              for word, name in possessed.items()})
    # notebook 11: the remedies
    reg = lora(remedies.prior_preservation_set(lab.pipe, "weiwei_1"), name="weiwei_reg")
    weiwei, varied = lora("weiwei_1"), thesis_loras["pruned"]
    r = {"R plain": (weiwei, ("weiwei", "1girl"), experiments.WEIGHTS),
         "R reg": (reg, ("weiwei", "1girl"), experiments.REMEDY_WEIGHTS),
         "R pose": (weiwei, ("weiwei, sitting",), experiments.WEIGHTS),
         "R varied": (varied, ("weiwei, sitting",), experiments.WEIGHTS)}
    # notebook 12: the weight guide
    w = {f"W {s}": (lora(s), (prompt,), weight_guide.WEIGHTS) for s, prompt in USES.items()}
    return {"T": t, "P": p, "R": r, "W": w}


def draw_plan(lab, plan: Dict[str, tuple], seeds: Optional[Sequence[int]] = None) -> Dict[str, Sweep]:
    """Every sweep of a plan (``{name: (LoRA, prompts, weights)}``) on ``seeds`` (default: the lab's)."""
    kw = dict(progress=False) if seeds is None else dict(progress=False, seeds=list(seeds))
    return {n: lab.sweep(list(ps), m, weights=ws, **kw) for n, (m, ps, ws) in plan.items()}


def beyond_sweeps(lab, lora=None, seeds: Optional[Sequence[int]] = None) -> Dict[str, Sweep]:
    """The sweeps of the claims beyond the article (T, P, R, W) as notebooks 09–12 draw them
    (:func:`beyond_plans`), all in one dict; ``seeds``, when given, replaces every sweep's seeds
    (the article's-regime confirmation draws fresh ones)."""
    sw = {}
    for plan in beyond_plans(lab, lora).values():
        sw.update(draw_plan(lab, plan, seeds))
    return sw


def beyond_advice(sw: Dict[str, Sweep]) -> Dict[str, weight_guide.Advice]:
    """Notebook 12's weight advice for each LoRA, from :func:`beyond_sweeps`."""
    return {s: weight_guide.recommend(sw[f"W {s}"], p) for s, p in USES.items()}


def beyond_claim(claim: str, sw: Dict[str, Sweep], advice: Optional[Dict[str, weight_guide.Advice]] = None
                 ) -> verdicts.Verdict:
    """The verdict of one claim beyond the article (``"T"``, ``"P"``, ``"R"`` or ``"W"``) from its
    sweeps (named as :func:`beyond_plans` names them; other sweeps in ``sw`` are ignored)."""
    if claim == "T":
        return claims.thesis({how: sw[f"T {how}"] for how in experiments.THESIS_SETS}, base=sw["T base"])
    if claim == "P":
        return claims.possession({word: sw[f"P {word}"] for word in POSSESSED},
                                 {word: sw[f"P drift {word}"] for word in POSSESSED})
    if claim == "R":
        return claims.remedies(sw["R plain"], sw["R reg"], sw["R pose"], sw["R varied"])
    if claim == "W":
        return claims.weight_guide(beyond_advice(sw) if advice is None else advice)
    raise ValueError(f"beyond_claim: {claim!r} is not a claim beyond the article; use one of T, P, R, W")


def beyond_verdicts(sw: Dict[str, Sweep], advice: Optional[Dict[str, weight_guide.Advice]] = None
                    ) -> Dict[str, verdicts.Verdict]:
    """The verdicts of T, P, R and W from :func:`beyond_sweeps` (``advice``: :func:`beyond_advice`
    of them, when already computed)."""
    return {c: beyond_claim(c, sw, advice if c == "W" else None) for c in ("T", "P", "R", "W")}


def table(res: Results) -> List[str]:
    """The verdicts, one line each with the numbers (and intervals) they were decided on, and the
    light recipe's where the notebooks show it: ``<claim> | <notebook> | <STATUS> | <summary>``."""
    lines = []
    for c, v in res.verdicts.items():
        lines.append(f"{c} | {NOTEBOOKS[c]} | {v.status} | {v.summary}")
        lines.append(f"    {verdicts.STATUS_ZH[v.status].split('：')[0]}")
        if v.other_status is not None and v.other_status != v.status:
            lines.append(f"    with the unclear pictures counted as what was asked: {v.other_status} · "
                         f"把模棱两可的图算作提示词要的样子：{verdicts.STATUS_ZH[v.other_status].split('：')[0]}")
        if c in res.light:
            r = res.light[c]
            lines.append(f"    with the light recipe ({course.LIGHT_LORA.steps} steps): {r.status} | {r.summary}")
    return lines


# ---- one picture per claim ----------------------------------------------------------------------
@dataclass
class Moment:
    """The point a claim's verdict turns on: a sweep's prompt at one weight, and what is measured
    there (``what``: the share with its interval)."""
    claim: str
    sweep: str
    prompt: str
    weight: float
    what: str
    est: Estimate
    lora: str = ""          #: the LoRA the pictures are drawn with: its training set and length

    def label(self) -> str:
        return f"{self.claim} · {self.lora} · `{self.prompt}` w={self.weight:g}\n{self.what} {self.est}"


def moments(res: Results) -> List[Moment]:
    """One moment per claim (its key point), each naming the LoRA it draws with and how long it trained."""
    s = res.sweeps
    w_guide = res.advice["weiwei_1"].weight or 1.0
    # every claim reads the article's LoRAs (its length chosen by a rule on a calibration character: E12)
    article = f"{course.ARTICLE_LORA.steps} steps"
    return [
        Moment("C1", "C1", "weiwei", 1.0, "her", verdicts.share_of(s["C1"], s["C1"].her("weiwei", 1.0)),
               lora="weiwei_1, " + article),
        Moment("C2", "C2", "1girl", 0.6, "her", verdicts.share_of(s["C2"], s["C2"].her("1girl", 0.6)),
               lora="weiwei_1, " + article),
        Moment("C3", "C3", "red hair", 1.0, "her", verdicts.share_of(s["C3"], s["C3"].her("red hair", 1.0)),
               lora="weiwei_1, " + article),
        Moment("C4", "C4", "fox", 0.6, "the animal", verdicts.share_of(s["C4"], s["C4"].shows(["fox"], "fox", 0.6)),
               lora="fox_1, " + article),
        Moment("C5", "C5 one", MOUTH[1], 1.0, "her, closed mouth",
               verdicts.share_of(s["C5 one"], s["C5 one"].her_and(MOUTH[1], 1.0, ["closed mouth"])),
               lora="weiwei_1, " + article),
        Moment("C6", "C6", CRY_SMILE[0], 1.0, "her, crying, open mouth",
               verdicts.share_of(s["C6"], s["C6"].her_and(CRY_SMILE[0], 1.0, ["crying", "open mouth"])),
               lora="cry_smile_2, " + article),
        Moment("C7", "C7", POSES[0], 1.0, "her and sitting",
               verdicts.share_of(s["C7"], s["C7"].her_and(POSES[0], 1.0, ["sitting"])),
               lora="weiwei_1, " + article),
        Moment("T", "T pruned", claims.THESIS_LEAK, 1.0, "her (pruned tags)",
               verdicts.share_of(s["T pruned"], s["T pruned"].her(claims.THESIS_LEAK, 1.0)),
               lora="thesis_pruned, " + article),
        Moment("P", "P drift red hair", claims.UNRELATED[0], 1.0, "her",
               verdicts.share_of(s["P drift red hair"], s["P drift red hair"].her(claims.UNRELATED[0], 1.0)),
               lora="onto_red_hair, " + article),
        Moment("R", "R reg", "1girl", 1.0, "her (prior preservation)",
               verdicts.share_of(s["R reg"], s["R reg"].her("1girl", 1.0, unclear_counts=True)),
               lora="weiwei_reg, " + article),
        Moment("W", "W weiwei_1", USES["weiwei_1"], w_guide, "her and sitting",
               verdicts.share_of(s["W weiwei_1"], s["W weiwei_1"].her_and(USES["weiwei_1"], w_guide, ["sitting"])),
               lora="weiwei_1, " + article),
    ]


def moments_figure(res: Results, n: int = 8):
    """Rows: the claims' moments; columns: their first ``n`` seeds (the share beside each row is
    over all of its seeds)."""
    ms = moments(res)
    rows = []
    for m in ms:
        sw = res.sweeps[m.sweep]
        rows.append(sw.images[sw.prompts.index(m.prompt), sw.weights.index(m.weight), :n])
    return plots.image_grid(np.stack(rows), row_labels=[m.label() for m in ms],
                            col_labels=[f"seed {i}" for i in range(n)], cell=0.9,
                            title=f"where each verdict turns: the first {n} seeds of each point")


# ---- take-aways ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Reading:
    """One number a take-away cites, read both ways, as the claims read theirs: ``est`` with the
    unclear pictures counted as its claim counts them, ``other`` counted the other way round."""
    est: Estimate
    other: Estimate

    def decide(self, bar: float, at_least: bool = True) -> str:
        """Pass (or fail) only when both readings do, else undecided."""
        return stats.both_ways(stats.decide(self.est, bar, at_least), stats.decide(self.other, bar, at_least))

    def _same(self) -> bool:
        return str(self.est) == str(self.other)

    def __str__(self) -> str:
        return str(self.est) if self._same() else f"{self.est} (unclear pictures counted the other way: {self.other})"

    def zh(self) -> str:
        return str(self.est) if self._same() else f"{self.est}（模棱两可的图反过来算：{self.other}）"


def _read(sweeps: Dict[str, Sweep], flipped: Dict[str, Sweep], name: str, what: str, *args, **kwargs) -> Reading:
    """The share ``sweeps[name].<what>(*args, **kwargs)`` read both ways (``flipped``: the same
    sweeps with :meth:`~lora_course.measure.evaluation.Sweep.unclear_flipped`)."""
    return Reading(verdicts.share_of(sweeps[name], getattr(sweeps[name], what)(*args, **kwargs)),
                   verdicts.share_of(flipped[name], getattr(flipped[name], what)(*args, **kwargs)))



def _at(advice, w: float) -> Estimate:
    """The weight guide's fidelity estimate at weight ``w``."""
    return advice.fidelity_est[advice.weights.index(w)]


def takeaways(res: Results) -> List[Tuple[str, str]]:
    """What a LoRA trainer should do differently, each ``(English, 中文)``, computed from the
    numbers it cites (the wording follows the outcome of each number's interval)."""
    s, out = res.sweeps, []
    o = verdicts.flipped(s)      # every number is read both ways, as the claims read theirs
    PASS, FAIL = stats.PASS, stats.FAIL

    # a made-up trigger word (C1)
    f0 = _read(s, o, "C1", "her", "weiwei", 0.0, unclear_counts=True)
    f1 = _read(s, o, "C1", "her", "weiwei", 1.0)
    learned = f1.decide(claims.HIGH) == PASS and f0.decide(0.1, False) == PASS
    out.append((f"Trigger: a made-up word {'carries' if learned else 'did not carry'} her: `weiwei` is her in "
                f"{f1} of pictures with the LoRA, {f0} without it (C1).",
                f"触发词：一个新造的词{'能' if learned else '没能'}承载她——有 LoRA 时 `weiwei` 画出她的比例是 {f1.zh()}，"
                f"没有时是 {f0.zh()}（C1）。"))
    # the 1girl hijack (C2)
    h1 = _read(s, o, "C2", "her", "1girl", 1.0)
    h6 = _read(s, o, "C2", "her", "1girl", 0.6, unclear_counts=True)
    o1, o6 = h1.decide(claims.MOST), h6.decide(claims.LOW, False)
    en6 = {PASS: "free again at w=0.6", FAIL: "still her at w=0.6"}.get(o6, "not shown free at w=0.6")
    zh6 = {PASS: "到 w=0.6 又恢复自由", FAIL: "到 w=0.6 仍然是她"}.get(o6, "在 w=0.6 是否恢复自由尚未定")
    out.append((f"`1girl`: {'is hijacked' if o1 == PASS else 'is not shown hijacked'} at w=1 (her in {h1}), "
                f"{en6} ({h6}): leave `1girl` out of prompts that should be someone else, or keep the "
                f"LoRA's weight low there (C2).",
                f"`1girl`：w=1 时{'被夺舍' if o1 == PASS else '未见被夺舍'}（画出她的比例 {h1.zh()}），{zh6}（{h6.zh()}）："
                f"不该画她的提示词里别写 `1girl`，或在那里把 LoRA 的功力调低（C2）。"))
    # full tags vs pruned tags (T)
    t, t_o = res.thesis, res.thesis_other or res.thesis
    leak = {how: Reading(t[how]["leakage: 1girl is her"], t_o[how]["leakage: 1girl is her"]) for how in t}
    alone = {how: Reading(t[how]["trigger alone"], t_o[how]["trigger alone"]) for how in t}
    free = leak["full"].decide(claims.LOW, False) == PASS
    holds = alone["full"].decide(claims.HIGH)
    alone_en = {PASS: "still draws her", FAIL: "no longer draws her (her tags took her)"}.get(holds, "is not shown to draw her")
    alone_zh = {PASS: "仍能画出她", FAIL: "再也画不出她（她被那些标签分走了）"}.get(holds, "未见能画出她")
    leaks = [how for how in ("trigger", "pruned") if leak[how].decide(claims.LOW, False) == FAIL]
    names_zh = {"trigger": "只写触发词", "pruned": "精简标签"}
    out.append((f"Captions: with full tags `1girl` {'stays free' if free else 'is not shown free'} "
                f"({leak['full']}) {'and' if holds == PASS else 'but'} the trigger alone {alone_en} "
                f"({alone['full']}); "
                + ("with " + " and ".join(leaks) + " captions `1girl` leaks ("
                   + ", ".join(f"{h} {leak[h]}" for h in leaks) + ")" if leaks
                   else "no other captioning is shown to leak") + " (T).",
                f"标注：完整标签时 `1girl` {'保持自由' if free else '未见保持自由'}（{leak['full'].zh()}），单用触发词"
                f"{alone_zh}（{alone['full'].zh()}）；"
                + ("用" + "、".join(names_zh[h] for h in leaks) + "的标注时 `1girl` 会泄漏（"
                   + "，".join(f"{h} {leak[h].zh()}" for h in leaks) + "）" if leaks else "其他标注方式都未见泄漏")
                + "（T）。"))
    # tag what varies (C5 on the article's LoRAs and on the light recipe's): the verdict's own numbers
    # (her with a closed mouth, an unclear picture not closed, then the other way), so the sentence and the table agree
    c_one = _read(s, o, "C5 one", "her_and", MOUTH[1], 1.0, ["closed mouth"])
    c_light = _read(s, o, "C5 one" + LIGHT, "her_and", MOUTH[1], 1.0, ["closed mouth"])
    c_two = _read(s, o, "C5 two", "her_and", MOUTH[1], 1.0, ["closed mouth"])
    lost = c_one.decide(claims.LOW, False) == PASS
    kept = c_two.decide(claims.CONTROL) == PASS
    out.append((f"Tag what varies: after one open-mouth picture she has the closed mouth asked for in {c_one} with the "
                f"article's LoRA ({course.ARTICLE_LORA.steps} steps){' (lost once the picture is learned)' if lost else ''} "
                f"and {c_light} with the light recipe's ({course.LIGHT_LORA.steps} steps); a second picture, tagged "
                f"`closed mouth`, {'keeps' if kept else 'is not shown to keep'} it ({c_two}) (C5).",
                f"给会变的东西打标签：只有一张张嘴图时，用文章的 LoRA（{course.ARTICLE_LORA.steps} 步）她按要求闭上嘴的比例是 "
                f"{c_one.zh()}{'（图被背下来后就丢了）' if lost else ''}，用轻配方的（{course.LIGHT_LORA.steps} 步）是 {c_light.zh()}；"
                f"再加一张标了 `closed mouth` 的图，{'就能保住' if kept else '未见能保住'}（{c_two.zh()}）（C5）。"))
    # the working weight (W)
    ws = {k: a.weight for k, a in res.advice.items()}
    found = ", ".join(f"{k} w={w:g} (her {_at(res.advice[k], w)})" for k, w in ws.items() if w is not None) or "none"
    none = [k for k, w in ws.items() if w is None]
    # a LoRA with no such weight whose unclear pictures, counted as her and as drawn, would give one
    by_unclear = [k for k in none if res.advice[k].unclear_weight is not None]
    out.append((f"Weight: the lowest weight at which she is her and the prompt's other tags work (both lower "
                f"bounds ≥ {claims.HIGH}, unclear pictures counted against): {found}"
                + (f"; none shown for {', '.join(none)}" if none else "")
                + (f" (for {', '.join(by_unclear)} the unclear pictures decide it)" if by_unclear else "") + " (W).",
                f"功力：她仍是她、提示词其他标签也起作用（两个下界都 ≥ {claims.HIGH}，模棱两可的图算作不是）的最低权重：{found}"
                + (f"；{'、'.join(none)} 没找到" if none else "")
                + (f"（{'、'.join(by_unclear)} 取决于模棱两可的图）" if by_unclear else "") + "（W）。"))
    # what prior preservation costs (R)
    r0 = _read(s, o, "R plain", "her", "1girl", 1.0)
    r1 = _read(s, o, "R reg", "her", "1girl", 1.0, unclear_counts=True)
    t1 = _read(s, o, "R reg", "her", "weiwei", 1.0)
    holds = t1.decide(claims.HIGH)
    cost = {PASS: "keeps `weiwei`", FAIL: "costs `weiwei`"}.get(holds, "may cost `weiwei`")
    cost_zh = {PASS: "`weiwei` 不受影响", FAIL: "`weiwei` 付出代价"}.get(holds, "`weiwei` 可能付出代价")
    out.append((f"Prior preservation: `1girl` is her in {r0} → {r1} with ten regularisation pictures, and it "
                f"{cost} ({t1} at w=1, against {f1} without) (R).",
                f"先验保留：加十张正则化图后 `1girl` 画出她的比例从 {r0.zh()} 变成 {r1.zh()}，{cost_zh}"
                f"（w=1 时 {t1.zh()}，不加时 {f1.zh()}）（R）。"))
    # how long to train (notebook 14)
    chosen, est = res.rule
    steps = sorted(est)
    if chosen is not None:
        i = steps.index(chosen)
        prev = steps[i - 1] if i > 0 else None
        last = max(res.hijack_along)
        along_o = res.hijack_along_other or res.hijack_along
        h_now = Reading(res.hijack_along[chosen], along_o[chosen])
        h_last = Reading(res.hijack_along[last], along_o[last])
        grows = h_last.est.lo > h_now.est.hi and h_last.other.lo > h_now.other.hi     # shown both ways
        out.append((f"Length (the light recipe): stop when she appears: {chosen} steps ({est[chosen]}"
                    + (f"; {est[prev]} at {prev}" if prev else "") + f"); by {last} steps `1girl` is her at w=1 in "
                    f"{h_last} against {h_now} at {chosen}: "
                    + ("training longer feeds the hijack" if grows else "longer training is not shown to feed the hijack")
                    + " (notebook 14).",
                    f"训练长度（轻配方）：她一出现就停：{chosen} 步（{est[chosen]}"
                    + (f"；{prev} 步时 {est[prev]}" if prev else "") + f"）；到 {last} 步时 w=1 下 `1girl` 画出她的比例是 "
                    f"{h_last.zh()}，{chosen} 步时是 {h_now.zh()}："
                    + ("练得越久，夺舍越重" if grows else "未见练得越久夺舍越重") + "（第 14 课）。"))
    else:
        out.append(("Length: no kept length drew her with the rule's lower bound (notebook 14).",
                    "训练长度：没有哪个保留的长度达到规则的下界（第 14 课）。"))
    return out


def takeaway_lines(res: Results) -> List[str]:
    """The take-aways as the notebook prints them: ``TAKEAWAY | …`` and its Chinese below."""
    return [line for en, zh in takeaways(res) for line in (f"TAKEAWAY | {en}", f"  {zh}")]
