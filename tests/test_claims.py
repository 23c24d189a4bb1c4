"""The claims' machinery measures what it says: verdicts follow the numbers, in both directions."""
import numpy as np
import pytest

from lora_course import world
from lora_course.measure import claims, stats, verdicts
from lora_course.measure.evaluation import Sweep, adherence, prompt_tags, random_full_prompts, tv_distance
from lora_course.tagger import UNCLEAR, Readings

WEIGHTS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
OTHER = world.with_(world.WEIWEI, hair_color="red hair", eye_color="green eyes", outfit="blue dress")


N = 40   # seeds per point: enough for a 0/N or N/N share to clear every threshold of claims.py


def fake_sweep(prompts, per_point, weights=WEIGHTS, n_seeds=N):
    """A Sweep whose readings are made up: ``per_point(prompt, weight, seed) -> attrs``."""
    seeds = list(range(n_seeds))
    vals = {g: [] for g in world.GROUPS}
    meta = {"prompt": [], "weight": [], "seed": []}
    for p in prompts:
        for w in weights:
            for s in seeds:
                a = per_point(p, w, s)
                for g in world.GROUPS:
                    vals[g].append(a[g])
                meta["prompt"].append(p), meta["weight"].append(w), meta["seed"].append(s)
    n = len(meta["prompt"])
    r = Readings(np.zeros((n, len(world.ALL_TAGS))), list(world.ALL_TAGS), vals, meta)
    return Sweep(prompts, weights, seeds, np.zeros((len(prompts), len(weights), len(seeds), 2, 2, 3)), r)


def share(w_on, s, n=N):
    """True for the first round(w_on * n) seeds: a share of w_on."""
    return s < round(w_on * n)


def test_sweep_rows_address_the_right_point():
    sw = fake_sweep(["a", "b"], lambda p, w, s: world.WEIWEI)
    rows = sw.rows("b", 0.6)
    assert all(sw.readings.meta["prompt"][i] == "b" and sw.readings.meta["weight"][i] == 0.6 for i in rows)
    assert len(rows) == N


def test_c1_reproduced_when_the_lora_brings_her_and_not_without_it():
    sw = fake_sweep(["weiwei"], lambda p, w, s: world.WEIWEI if share(w, s) else OTHER)
    v = claims.c1(sw)
    assert v.status == "REPRODUCED" and v.numbers == {"fidelity_w0": 0.0, "fidelity_w1": 1.0}
    assert v.line().startswith("VERDICT C1 | REPRODUCED | ")
    never = claims.c1(fake_sweep(["weiwei"], lambda p, w, s: OTHER))
    assert never.status == "PARTLY"       # w=0 check passes, w=1 fails
    assert claims.c1(fake_sweep(["weiwei"], lambda p, w, s: world.WEIWEI)).status == "PARTLY"


def test_c2_needs_the_hijack_and_the_gap():
    def article(p, w, s):   # the puppet obeys from 0.4; the host resists until 1.0
        on = w >= 0.4 if p == "weiwei" else w >= 1.0
        return world.WEIWEI if on else OTHER
    assert claims.c2(fake_sweep(["weiwei", "1girl"], article)).status == "REPRODUCED"

    def same(p, w, s):      # both prompts behave alike: no gap
        return world.WEIWEI if w >= 0.4 else OTHER
    v = claims.c2(fake_sweep(["weiwei", "1girl"], same))
    assert v.status == "PARTLY" and v.numbers["trigger_w06"] == v.numbers["host_w06"] == 1.0
    assert v.outcomes == ["pass", "pass", "fail"]           # hijacked, the puppet holds, but no lead


def test_status_follows_the_checks_in_every_direction():
    """REPRODUCED when every check passes, PARTLY when some pass and some fail, NOT REPRODUCED when
    none does, UNDECIDED when an interval straddles its bar and could tip the status: computed
    from known numbers, so a wrong threshold, interval or status mapping fails here."""
    def c2_of(trigger_from, host_seeds_at_1):
        """`weiwei` is her from ``trigger_from``; `1girl` only at w=1, for that many of the N seeds."""
        def f(p, w, s):
            on = w >= trigger_from if p == "weiwei" else (w == 1.0 and s < host_seeds_at_1)
            return world.WEIWEI if on else OTHER
        return claims.c2(fake_sweep(["weiwei", "1girl"], f))

    P, F, U = "pass", "fail", "undecided"
    cases = [(c2_of(0.4, N), "REPRODUCED", [P, P, P]),       # hijacked at 1, a lead of 1.0 at 0.6
             (c2_of(0.4, 0), "PARTLY", [F, P, P]),           # the lead, but no hijack
             (c2_of(2.0, 0), "NOT REPRODUCED", [F, F, F]),   # none
             (c2_of(0.4, 30), "REPRODUCED", [P, P, P]),      # hijack 0.75 [0.60, 0.86]: clears MOST
             (c2_of(0.4, 20), "UNDECIDED", [U, P, P]),       # hijack 0.50 [0.35, 0.65]: straddles it
             (c2_of(0.4, 10), "PARTLY", [F, P, P])]          # hijack 0.25 [0.14, 0.40]: below it
    for v, want, outcomes in cases:
        assert (v.status, v.outcomes) == (want, outcomes), v.numbers
        assert verdicts.Verdict.parse(v.line()) == verdicts.Verdict("C2", want, v.summary)
    assert [v.numbers["host_w1"] for v, _, _ in cases] == [1.0, 0.0, 0.0, 0.75, claims.MOST, 0.25]
    undecided = cases[4][0]
    assert "not shown at 40 seeds" in str(undecided) and "[?]" in str(undecided)
    assert "measured 0.50 [0.35, 0.65], needs ≥ 0.5" in str(undecided.checks[0])
    assert undecided.checks[0].seeds_to_decide() > 100_000      # 0.5 sits on the bar: no N decides it


def test_status_of_every_mix_of_outcomes():
    P, F, U = "pass", "fail", "undecided"
    assert verdicts.status_of([P, P]) == "REPRODUCED" and verdicts.status_of([F, F]) == "NOT REPRODUCED"
    assert verdicts.status_of([P, F]) == verdicts.status_of([P, F, U]) == "PARTLY"
    for mix in ([P, U], [F, U], [U, U]):        # the undecided check could still change the status
        assert verdicts.status_of(mix) == "UNDECIDED"


def test_a_check_says_how_many_seeds_would_decide_it():
    def point(k):     # `1girl` hijacked at w=1 in k of the N seeds
        return claims.c2(fake_sweep(["weiwei", "1girl"],
                                    lambda p, w, s: world.WEIWEI if p == "weiwei" or s < k else OTHER))
    c = point(26).checks[0]                      # 0.65 [0.49, 0.78]
    assert c.outcome == "undecided"
    n = c.seeds_to_decide()
    from lora_course.measure import stats
    assert stats.wilson(0.65 * n, n)[0] >= claims.MOST > stats.wilson(0.65 * (n - 1), n - 1)[0]
    assert f"about {n} would decide it" in str(c)


def test_c3_reads_both_hosts_at_fixed_weights():
    def article(p, w, s):
        on = w >= 1.0 if p == "red hair" else w >= 0.4
        return world.WEIWEI if on else OTHER
    v = claims.c3(fake_sweep(["red hair", "long hair"], article))
    assert v.status == "REPRODUCED" and v.numbers == {"mismatch_w1": 1.0, "mismatch_w06": 0.0, "match_w06": 1.0}
    early = claims.c3(fake_sweep(["red hair", "long hair"], lambda p, w, s: world.WEIWEI if w >= 0.4 else OTHER))
    assert early.outcomes == ["pass", "fail", "pass"]            # `red hair` falls at 0.6 already
    assert claims.lowest_weight(fake_sweep(["x"], lambda p, w, s: OTHER), "x") is None
    # red hair never holds, long hair only at full weight
    late = claims.c3(fake_sweep(["red hair", "long hair"],
                                lambda p, w, s: world.WEIWEI if p == "long hair" and w >= 1.0 else OTHER))
    assert late.outcomes == ["fail", "pass", "fail"]


def test_c4_sees_the_animal_come_back_while_she_is_still_there():
    def article(p, w, s):      # her from 0.8; at 0.6 her on half the seeds, the animal on the rest
        return world.WEIWEI if w >= 0.8 or (w == 0.6 and s < N // 2) else world.fox_attrs()
    v = claims.c4(fake_sweep(["fox"], article))
    assert v.status == "REPRODUCED" and v.numbers["animal_w1"] == 0.0 and v.numbers["animal_w06"] == 0.5
    assert claims.c4(fake_sweep(["fox"], lambda p, w, s: world.WEIWEI)).outcomes == ["pass", "fail", "pass"]
    # the animal back at 0.6 but she is gone: the come-back is not the article's
    gone = claims.c4(fake_sweep(["fox"], lambda p, w, s: world.WEIWEI if w >= 0.8 else world.fox_attrs()))
    assert gone.outcomes == ["pass", "pass", "fail"]


def test_c5_c6_c7_read_her_and_the_requested_groups():
    def mouth_one(p, w, s):
        return world.WEIWEI                                # always open, whatever is asked
    def mouth_two(p, w, s):
        return world.with_(world.WEIWEI, mouth="closed mouth") if "closed" in p else world.WEIWEI
    prompts = ["weiwei, open mouth", "weiwei, closed mouth"]
    assert claims.c5(fake_sweep(prompts, mouth_one), fake_sweep(prompts, mouth_two)).status == "REPRODUCED"
    assert claims.c5(fake_sweep(prompts, mouth_one), fake_sweep(prompts, mouth_one)).outcomes == ["pass", "fail", "pass"]

    cs = ["weiwei, open mouth, crying", "weiwei, closed mouth, smile"]
    def combos(p, w, s):
        if "crying" in p:
            return world.with_(world.WEIWEI, expression="crying")
        return world.with_(world.WEIWEI, mouth="closed mouth", expression="smile" if s < N // 2 else None)
    v = claims.c6(fake_sweep(cs, combos), fake_sweep(cs, mouth_one))
    assert v.numbers == {"cry_open": 1.0, "smile_closed": 0.5, "cry_open_without": 0.0, "smile_closed_without": 0.0}
    assert v.outcomes == ["pass", "fail", "pass"] and v.status == "PARTLY"
    with pytest.raises(ValueError, match="different seeds"):
        claims.c6(fake_sweep(cs, combos), fake_sweep(cs, mouth_one, n_seeds=N - 1))

    def poses(p, w, s):     # she sits up to 0.6, and then she is herself on a quarter of the seeds
        if "sitting" in p and w <= 0.6:
            return world.with_(world.WEIWEI if s < N // 4 else OTHER, pose="sitting")
        return world.WEIWEI
    v = claims.c7(fake_sweep(["weiwei, sitting", "weiwei, standing"], poses))
    assert v.status == "REPRODUCED" and v.numbers["sitting_w1"] == 0.0 and v.numbers["joint_w06"] == 0.25


def _base_like(p, w, s):
    """What the base model does alone: it obeys every tag the prompt names and never draws her
    (`fox` is the animal; `weiwei` and `1girl` another girl)."""
    if p == "fox":
        return world.fox_attrs()
    a = dict(OTHER)
    for tag in (t.strip() for t in p.split(",")):
        if tag in world.TAG_TO_GROUP and tag not in ("weiwei", "1girl"):
            a[world.TAG_TO_GROUP[tag]] = tag
    return a


def _her_only(p, w, s):
    """A LoRA trained without the tags a claim concerns, at its strongest: her, open-mouthed and
    standing, whatever the prompt asks and at every weight."""
    return world.WEIWEI


ARTICLE_PROMPTS = {"C1": ["weiwei"], "C2": ["weiwei", "1girl"], "C3": ["red hair", "long hair"], "C4": ["fox"],
                   "C5": ["weiwei, open mouth", "weiwei, closed mouth"],
                   "C6": ["weiwei, open mouth, crying", "weiwei, closed mouth, smile"],
                   "C7": ["weiwei, sitting", "weiwei, standing"]}


def _article_verdicts(per_point):
    sw = {c: fake_sweep(p, per_point) for c, p in ARTICLE_PROMPTS.items()}
    return {"C1": claims.c1(sw["C1"]), "C2": claims.c2(sw["C2"]), "C3": claims.c3(sw["C3"]),
            "C4": claims.c4(sw["C4"]), "C5": claims.c5(sw["C5"], sw["C5"]), "C6": claims.c6(sw["C6"], sw["C6"]),
            "C7": claims.c7(sw["C7"])}


@pytest.mark.parametrize("per_point", [_base_like, _her_only], ids=["base model alone", "LoRA without the tags"])
def test_no_article_claim_is_reproduced_without_what_it_claims(per_point):
    """Every check can fail: the base model alone, or a LoRA that ignores the tags a claim is
    about, reproduces none of C1-C7."""
    found = _article_verdicts(per_point)
    assert {c: v.status for c, v in found.items() if v.status == verdicts.REPRODUCED} == {}


def test_the_no_reproduced_test_catches_a_claim_stripped_of_its_failing_checks():
    """The test above can fail: weaken a claim by keeping only the checks that pass on a fake model,
    and for C1-C5 and C7 one of the two models would then be REPRODUCED. (C6 fails every check on
    both, and its weaker form, the tags alone, is the next test's.)"""
    caught = set()
    for model in (_base_like, _her_only):
        for c, v in _article_verdicts(model).items():
            kept = [ch.outcome for ch in v.checks if ch.outcome == stats.PASS]
            if kept and verdicts.status_of(kept) == verdicts.REPRODUCED:
                caught.add(c)
    assert caught == {"C1", "C2", "C3", "C4", "C5", "C7"}


def test_the_weaker_checks_the_course_used_to_make_would_pass_on_the_base_alone():
    """Why C5 and C6 read her *and* the tags: counting the tags alone, the base model (which obeys
    full prompts) passes the two-picture half of C5 and both combinations of C6 by itself."""
    c5 = fake_sweep(ARTICLE_PROMPTS["C5"], _base_like)
    c6 = fake_sweep(ARTICLE_PROMPTS["C6"], _base_like)
    tags_only = [stats.share(c5.shows(["closed mouth"], "weiwei, closed mouth", 1.0)),
                 stats.share(c5.shows(["open mouth"], "weiwei, open mouth", 1.0)),
                 stats.share(c6.shows(["open mouth", "crying"], "weiwei, open mouth, crying", 1.0)),
                 stats.share(c6.shows(["closed mouth", "smile"], "weiwei, closed mouth, smile", 1.0))]
    assert all(stats.decide(e, claims.CONTROL) == stats.PASS for e in tags_only)
    assert claims.c5(c5, c5).outcomes[1:] == ["fail", "fail"] and claims.c6(c6, c6).outcomes == ["fail"] * 3


def test_prompt_tags_and_adherence():
    assert prompt_tags("weiwei, 1girl, Red Hair，open mouth") == ["1girl", "red hair", "open mouth"]
    vals = {g: [world.WEIWEI[g]] * 2 for g in world.GROUPS}
    vals["hair_color"] = ["red hair", "white hair"]
    r = Readings(np.zeros((2, len(world.ALL_TAGS))), list(world.ALL_TAGS), vals,
                 {"prompt": ["1girl, red hair", "1girl, red hair"]})
    assert adherence(r) == {"subject": 1.0, "hair_color": 0.5}
    ps = random_full_prompts(5, seed=3)
    assert ps == random_full_prompts(5, seed=3) and all(len(prompt_tags(p)) == len(world.GROUPS) for p in ps)
    assert tv_distance({"a": 1.0}, {"b": 1.0}) == 1.0 and tv_distance({"a": 0.5, "b": 0.5}, {"a": 0.5, "b": 0.5}) == 0


# ---- beyond the article: T, P, R, W and the measurements under them ---------------------------
def test_joint_counts_her_and_the_tags_in_the_same_picture():
    def half(p, w, s):      # the first half of the seeds are her standing, the rest someone else sitting
        return world.WEIWEI if s < N // 2 else world.with_(OTHER, pose="sitting")
    sw = fake_sweep(["weiwei, sitting"], half)
    assert sw.rate("sitting", "weiwei, sitting", 1.0) == 0.5 and sw.fidelity("weiwei, sitting", 1.0).all == 0.5
    assert sw.joint("weiwei, sitting", 1.0, ["sitting"]) == 0.0      # never both at once
    assert sw.joint("weiwei, sitting", 1.0) == 0.5
    assert sw.joint_curve("weiwei, sitting", ["standing"]) == [0.5] * len(WEIGHTS)


def test_drift_is_zero_when_untouched_and_grows_with_the_change():
    still = fake_sweep(["u"], lambda p, w, s: OTHER)
    assert still.drift_curve(["u"]) == [0.0] * len(WEIGHTS)
    moved = fake_sweep(["u"], lambda p, w, s: world.with_(OTHER, hair_color="white hair") if share(w, s) else OTHER)
    d = moved.drift_curve(["u"])
    assert d[0] == 0.0 and d == sorted(d)
    # one group of the nine fully changed at w=1: 1/9 of the way
    assert abs(d[-1] - 1 / len(world.GROUPS)) < 1e-9
    # the same drift when the base model's point comes from another sweep
    lora_only = fake_sweep(["u"], lambda p, w, s: world.with_(OTHER, hair_color="white hair"), weights=(1.0,))
    base_only = fake_sweep(["u"], lambda p, w, s: OTHER, weights=(0.0,))
    assert lora_only.drift(["u"], 1.0, against=base_only) == d[-1]
    assert lora_only.drift(["u"], 1.0, reference=1.0) == 0.0


def test_thesis_needs_same_quality_and_different_control():
    prompts = list(dict.fromkeys([*claims.THESIS_PROMPTS.values(), *claims.THESIS_CONTROL, claims.THESIS_LEAK]))

    def obeys(p, w, s):       # her always; the asked tag drawn
        a = world.with_(world.WEIWEI, mouth="closed mouth") if "closed" in p else world.WEIWEI
        return world.with_(a, pose="sitting") if "sitting" in p else a

    def deaf(p, w, s):        # her always; the prompt's other tags ignored
        return world.WEIWEI

    def obeys_no_leak(p, w, s):   # obeys, and `1girl` stays someone else
        return OTHER if p == claims.THESIS_LEAK else obeys(p, w, s)
    v = claims.thesis({"trigger": fake_sweep(prompts, deaf), "full": fake_sweep(prompts, obeys_no_leak),
                       "pruned": fake_sweep(prompts, obeys)})
    assert v.status == "REPRODUCED" and v.numbers["control_trigger"] == 0.0
    assert v.numbers["leak_full"] == 0.0 and v.numbers["leak_pruned"] == 1.0
    # control differs but leakage does not: the thesis says both, so check 2 fails
    control_only = claims.thesis({"trigger": fake_sweep(prompts, deaf), "full": fake_sweep(prompts, obeys),
                                  "pruned": fake_sweep(prompts, obeys)})
    assert control_only.outcomes == ["pass", "fail"] and control_only.status == "PARTLY"
    assert abs(v.numbers["control_pruned"] - 2 / 3) < 0.01     # red hair never obeyed
    same = claims.thesis({h: fake_sweep(prompts, deaf) for h in ("trigger", "full", "pruned")})
    assert same.status == "PARTLY"                            # same quality, no difference
    only_w1 = {h: fake_sweep(prompts, obeys, weights=(1.0,)) for h in ("trigger", "full", "pruned")}
    base = fake_sweep([claims.THESIS_LEAK], lambda p, w, s: OTHER, weights=(0.0,))
    n = claims.thesis_numbers(only_w1, base=base)
    # her where the base drew someone else: her groups moved (the raw drift), less its chance part
    at, ref = only_w1["full"].onehot(claims.THESIS_LEAK, 1.0), base.onehot(claims.THESIS_LEAK, 0.0)
    raw = stats.tv_of_onehots(at, ref)
    assert n["full"]["leakage: 1girl is her"].value == 1.0 and raw > 0.3
    assert n["full"]["leakage: 1girl drift"].value == pytest.approx(raw - stats.tv_null(at, ref))
    assert n["full"]["leakage: 1girl is her"].lo > 0.9 and n["full"]["control"].value == pytest.approx(2 / 3)
    worse = claims.thesis({"trigger": fake_sweep(prompts, lambda p, w, s: OTHER),
                           "full": fake_sweep(prompts, obeys), "pruned": fake_sweep(prompts, obeys)})
    assert not worse.checks[0].ok                        # quality differs: check 1 fails


def test_possession_compares_damage_and_the_weight_each_host_falls():
    words = ["weiwei", "1girl", "fox", "long hair", "red hair"]
    falls = {"weiwei": 0.2, "1girl": 0.6, "fox": 0.6, "long hair": 0.4, "red hair": 1.0}

    def world_of(word, damage):
        def f(p, w, s):
            if p in claims.UNRELATED:       # a `damage` share of pictures changes outfit at w=1
                return world.with_(OTHER, outfit="pink dress") if share(w * damage, s) else OTHER
            return world.WEIWEI if w >= falls[word] else OTHER
        return f
    sweeps = {word: fake_sweep([word, *claims.UNRELATED], world_of(word, dmg))
              for word, dmg in zip(words, (0.2, 1.0, 1.0, 1.0, 1.0))}
    v = claims.possession(sweeps)
    assert v.status == "REPRODUCED" and v.numbers["resembles_w06"] == 1.0 and v.numbers["differs_w06"] == 0.0
    assert v.numbers["drift_weiwei"] < v.numbers["drift_1girl"]
    falls["long hair"] = 1.0                  # the resembling host falls no sooner
    sweeps["long hair"] = fake_sweep(["long hair", *claims.UNRELATED], world_of("long hair", 1.0))
    assert claims.possession(sweeps).status == "PARTLY"


def test_possession_reads_damage_from_separate_drift_sweeps():
    """The notebook draws the unrelated prompt at fewer weights than the trigger's own prompt."""
    own = {w: fake_sweep([w], lambda p, wt, s, w=w: world.WEIWEI if wt >= (0.4 if w == "long hair" else 0.8)
                         else OTHER) for w in ("weiwei", "1girl", "long hair", "red hair")}

    def damaged(dmg):
        return lambda p, w, s: world.with_(OTHER, outfit="pink dress") if share(w * dmg, s) else OTHER
    drifts = {w: fake_sweep(list(claims.UNRELATED), damaged(0.0 if w == "weiwei" else 1.0), claims.DRIFT_WEIGHTS)
              for w in own}
    v = claims.possession(own, drifts)
    assert drifts["1girl"].weights == [0.0, 0.6, 1.0]
    assert v.status == "REPRODUCED" and v.numbers["drift_weiwei"] == 0.0
    # mean over w>0 of the outfit group's drift (1/9 of the groups): (0.6 + 1.0) / 2 / 9, less the
    # bias two draws of the same readings would show (stats.tv_null)
    oh = claims._drift_onehots(drifts["1girl"], list(claims.UNRELATED))
    assert claims._damage(oh) == pytest.approx(0.8 / len(world.GROUPS))
    assert 0 < claims._damage_bias(oh) < 0.02
    assert v.numbers["drift_1girl"] == pytest.approx(0.8 / len(world.GROUPS) - claims._damage_bias(oh), abs=0.006)
    assert v.numbers["resembles_w06"] == 1.0 and v.numbers["differs_w06"] == 0.0


def test_remedies_need_both_remedies_to_work():
    hijacked = fake_sweep(["weiwei", "1girl"], lambda p, w, s: world.WEIWEI)
    kept = fake_sweep(["weiwei", "1girl"], lambda p, w, s: world.WEIWEI if p == "weiwei" else OTHER)
    standing = fake_sweep(["weiwei, sitting"], lambda p, w, s: world.WEIWEI)
    sitting = fake_sweep(["weiwei, sitting"], lambda p, w, s: world.with_(world.WEIWEI, pose="sitting"))
    v = claims.remedies(hijacked, kept, standing, sitting)
    assert v.status == "REPRODUCED" and v.numbers == {"hijack_plain": 1.0, "hijack_reg": 0.0, "weiwei_reg": 1.0,
                                                      "sitting_plain": 0.0, "sitting_varied": 1.0}
    assert claims.remedies(hijacked, hijacked, standing, standing).status == "NOT REPRODUCED"


def test_weight_guide_picks_the_lowest_weight_passing_both_bars():
    from lora_course.measure import weight_guide

    def lora(p, w, s):      # her from w=0.4; she stops sitting above 0.6
        a = world.WEIWEI if w >= 0.4 else OTHER
        return world.with_(a, pose="sitting") if w <= 0.6 else a
    sw = fake_sweep(["weiwei, sitting"], lora)
    a = weight_guide.recommend(sw, "weiwei, sitting")
    assert a.weight == 0.4 and a.tags == ["sitting"] and a.best_joint_weight == 0.4
    assert "w=0.4" in str(a)
    strict = weight_guide.recommend(sw, "weiwei, sitting", target=0.9, control=0.9)
    assert strict.weight == 0.4                  # 40 of 40: the lower bound is 0.91
    few = weight_guide.recommend(fake_sweep(["weiwei, sitting"], lora, n_seeds=4), "weiwei, sitting")
    assert few.weight is None and not few.refuted   # 4 of 4 pictures: the lower bound 0.51 misses 0.7
    assert "at 4 seeds" in str(few)
    assert claims.weight_guide({"a": few}).status == "UNDECIDED"
    never = weight_guide.recommend(fake_sweep(["weiwei, sitting"], lambda p, w, s: world.WEIWEI), "weiwei, sitting")
    assert never.weight is None and never.refuted and "no weight can pass" in str(never)
    # the trigger word is not one of the prompt's other tags, even when it is a world tag
    assert weight_guide.other_tags("fox, sitting") == ["sitting"]
    v = claims.weight_guide({"a": a, "b": never})
    assert v.status == "PARTLY" and v.numbers["w_a"] == 0.4
    # the verdict line carries the intervals each weight was chosen on (and, with none, the best one's)
    assert f"a: w=0.4 (her {a.fidelity_est[2]}, tags {a.adherence_est[2]})" in v.line()
    assert "b: none (best w=" in v.line() and v.line().count("[") == 4
    assert claims.weight_guide({"a": a}).status == "REPRODUCED"
    assert "weiwei, sitting" in weight_guide.table([a, never], ["a", "b"])
    alone = weight_guide.recommend(fake_sweep(["weiwei"], lora), "weiwei")   # no other tags: only her
    assert alone.tags == [] and alone.adherence == [1.0] * len(WEIGHTS) and alone.weight == 0.4


def test_the_weight_guide_reads_unclear_pictures_both_ways():
    """Counted against (mouth not closed) no weight passes and every upper bound misses; counted
    as drawn, w=0.4 passes: the guide must not say that no weight can pass."""
    from lora_course.measure import weight_guide

    def lora(p, w, s):      # her from w=0.4; the mouth never clear
        return {**world.WEIWEI, "mouth": UNCLEAR} if w >= 0.4 else OTHER
    a = weight_guide.recommend(fake_sweep(["weiwei, closed mouth"], lora), "weiwei, closed mouth")
    assert a.weight is None and a.adherence_est[2].hi < claims.CONTROL
    assert not a.refuted and a.unclear_weight == 0.4
    assert "the unclear pictures decide it" in str(a)
    v = claims.weight_guide({"a": a})
    assert v.status == "UNDECIDED" and "the unclear pictures decide it for: a" in v.checks[0].text


def test_a_check_on_its_bar_says_no_number_of_seeds_would_decide_it():
    """A share or a difference measured exactly on its bar sits there at any number of seeds."""
    assert verdicts.Part("a difference", stats.Estimate(0.2, 0.0, 0.4, 32), 0.2).seeds_to_decide() > 100_000
    share = verdicts.Check((verdicts.Part("a share", stats.Estimate(0.5, 0.35, 0.65, 40), 0.5, share=True),))
    assert "no number of seeds would" in str(share)


def test_per_seed_readings_and_unclear_ones():
    """An unclear reading is never a match: it stays in the denominator as "not her"."""
    from lora_course.measure.evaluation import N_CODES, VALUE_CODES
    from lora_course.tagger import UNCLEAR

    def f(p, w, s):
        if s == 0:
            return {**world.WEIWEI, "hair_color": UNCLEAR}
        return world.WEIWEI if s < N // 2 else OTHER
    sw = fake_sweep(["weiwei"], f)
    her = sw.her("weiwei", 1.0)
    assert her.dtype == bool and her.sum() == N // 2 - 1 and not her[0]
    assert sw.fidelity("weiwei", 1.0).all == her.mean()
    assert sw.unclear("weiwei", 1.0) == 1 / N
    oh = sw.onehot("weiwei", 1.0)
    assert oh.shape == (N, len(world.GROUPS), N_CODES) and (oh.sum(-1) == 1).all()
    assert oh[0, 1, VALUE_CODES["hair_color"][UNCLEAR]] == 1
    # the one-hot drift equals the dictionary drift
    from lora_course.measure import stats
    assert stats.tv_of_onehots(sw.onehot("weiwei", 1.0), sw.onehot("weiwei", 0.0)) == 0.0


def test_a_copy_is_a_picture_within_the_tolerance_of_the_original():
    rng = np.random.default_rng(0)
    original = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    near = np.clip(original.astype(int) + rng.choice([-3, 3], original.shape), 0, 255).astype(np.uint8)
    other = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    images = np.stack([original, near, other])[None, None]          # 1 prompt × 1 weight × 3 seeds
    sw = Sweep(["weiwei"], [1.0], [0, 1, 2], images, None)
    assert sw.copies("weiwei", 1.0, original, tolerance=3.0).tolist() == [True, True, False]
    assert sw.copies("weiwei", 1.0, original, tolerance=2.0).tolist() == [True, False, False]


def test_a_check_decided_by_a_rule_prints_its_text_without_a_dangling_dash():
    check = verdicts.Check((), "a weight for every LoRA", fixed=stats.PASS)
    assert str(check) == "a weight for every LoRA"
    undecided = verdicts.Check((), "a weight for 4 of 5 LoRAs", fixed=stats.UNDECIDED)
    assert "LoRAs — not shown" in str(undecided) and "—  —" not in str(undecided)


def _mouth_sweeps(closed_one, n_unclear):
    """C5's two sweeps: after one open-mouth picture, `weiwei, closed mouth` shows a closed
    mouth on the first ``closed_one`` share of seeds and an unclear one on the next
    ``n_unclear`` seeds; the two-picture LoRA obeys both ways."""
    def one(p, w, s):
        k = round(closed_one * N)
        if p.endswith("closed mouth") and s < k:
            return world.with_(world.WEIWEI, mouth="closed mouth")
        if p.endswith("closed mouth") and s < k + n_unclear:
            return {**world.WEIWEI, "mouth": UNCLEAR}
        return world.with_(world.WEIWEI, mouth="open mouth")

    def two(p, w, s):
        return world.with_(world.WEIWEI, mouth="closed mouth" if p.endswith("closed mouth") else "open mouth")
    prompts = ["weiwei, open mouth", "weiwei, closed mouth"]
    return fake_sweep(prompts, one), fake_sweep(prompts, two)


def test_the_counting_rule_decides_and_the_other_reading_is_reported():
    """C1-C7 count an unclear picture as not what was asked (here: not a closed mouth); the other
    reading is kept beside each check and the verdict, and never changes an outcome."""
    # every closed-mouth request after one open-mouth picture is unclear: by the rule not closed,
    # so the "hard to get" check passes; counted as closed it would fail
    v = claims.c5(*_mouth_sweeps(0.0, N))
    first = v.checks[0]
    assert first.outcome == stats.PASS and first.flips and not first.unclear_decides
    assert "counted as what was asked: one open-mouth picture" in str(first) and "which would fail" in str(first)
    assert v.status == verdicts.REPRODUCED and v.other_status == verdicts.PARTLY
    assert "it would be PARTLY" in str(v) and "结论会是部分复现" in str(v)
    # clear pictures decide it as before: all closed fails, none closed passes, and nothing flips
    assert claims.c5(*_mouth_sweeps(1.0, 0)).checks[0].outcome == stats.FAIL
    clean = claims.c5(*_mouth_sweeps(0.0, 0))
    assert clean.status == verdicts.REPRODUCED and clean.other_status == verdicts.REPRODUCED
    assert not any(c.flips for c in clean.checks) and "would be" not in str(clean)
    # 0.8 closed, the rest unclear: it fails either way
    failed = claims.c5(*_mouth_sweeps(0.8, 8)).checks[0]
    assert failed.outcome == stats.FAIL and not failed.flips


def test_a_sweep_read_the_other_way_flips_only_how_unclear_readings_count():
    sw, _ = _mouth_sweeps(0.0, N)
    flipped = sw.unclear_flipped()
    p = "weiwei, closed mouth"
    assert sw.shows(["closed mouth"], p, 1.0, unclear_counts=True).all()
    assert not flipped.shows(["closed mouth"], p, 1.0, unclear_counts=True).any()
    assert flipped.shows(["closed mouth"], p, 1.0).all() and not sw.shows(["closed mouth"], p, 1.0).any()
    assert flipped.unclear_flipped().shows(["closed mouth"], p, 1.0, unclear_counts=True).all()
    assert flipped.her("weiwei, open mouth", 1.0).all() and not sw.flipped and flipped.readings is sw.readings


def test_flipping_reaches_identity_groups_and_sweeps_inside_dicts():
    odd_eyed = fake_sweep(["weiwei"], lambda p, w, s: {**world.WEIWEI, "eye_color": UNCLEAR})
    assert not odd_eyed.her("weiwei", 1.0).any() and odd_eyed.her("weiwei", 1.0, unclear_counts=True).all()
    assert odd_eyed.unclear_flipped().her("weiwei", 1.0).all()
    assert not odd_eyed.unclear_flipped().her_and("weiwei", 1.0, unclear_counts=True).any()
    flipped = verdicts.flipped({"full": odd_eyed, "n": 3})
    assert flipped["full"].flipped and not odd_eyed.flipped and flipped["n"] == 3
    # a claim decorated with both readings flips its keyword sweeps too (thesis's `base=`)
    seen = []

    @verdicts.both_readings
    def probe(sw, base=None):
        seen.append((sw.flipped, base.flipped))
        return verdicts.Verdict("X", verdicts.REPRODUCED, "", [], {})
    probe(odd_eyed, base=odd_eyed)
    assert seen == [(False, False), (True, True)]


def test_three_ways_reads_her_unclear_and_someone_else():
    def per(p, w, s):
        if s == 0:
            return {**world.WEIWEI, "eye_color": UNCLEAR}                     # two different eyes
        if s == 1:
            return {**world.WEIWEI, "eye_color": UNCLEAR, "hair_color": "red hair"}   # clearly not her
        return world.WEIWEI if s < 30 else OTHER
    sw = fake_sweep(["weiwei"], per)
    got = sw.three_ways("weiwei", 1.0)
    assert list(got[:3]) == ["unclear", "other", "her"] and (got[30:] == "other").all()
    # the counting rules are foldings of it: unclear as not her, and as her
    assert (sw.her("weiwei", 1.0) == (got == "her")).all()
    assert (sw.her("weiwei", 1.0, unclear_counts=True) == (got != "other")).all()
    assert sw.unclear_groups("weiwei", 1.0)[:3] == [["eye_color"], ["eye_color"], []]


def test_a_check_rests_on_every_training_run_not_only_on_the_seeds():
    """The same pictures, pooled over three training runs of which one never draws her: with the
    runs known, the check that passed on the seeds alone is undecided, and the line says why."""
    def one_run_lost(p, w, s):
        return world.WEIWEI if (w >= 0.6 and s % 3 != 1) else OTHER
    sw = fake_sweep(["weiwei"], one_run_lost, n_seeds=42)
    pooled = claims.c1(sw)
    assert pooled.status == "REPRODUCED"                      # 28 of 42 at w = 1, read as one run
    sw.runs = [s % 3 for s in sw.seeds]
    v = claims.c1(sw)
    assert v.outcomes == [stats.UNDECIDED, stats.PASS] and v.status == "UNDECIDED"
    text = "\n".join(v.check_lines())
    assert "runs 1.00 · 0.00 · 1.00" in text and "not shown on 3 training runs and 42 seeds" in text
    assert "split between 3 training runs" in text
    # a difference carries each run's own value too
    gap = verdicts.difference([sw.her("weiwei", 1.0)], [sw.her("weiwei", 0.0)], sw.runs)
    assert gap.per_run == (1.0, 0.0, 1.0) and gap.lo <= 0.0


def test_a_sweeps_readings_written_and_read_back_decide_the_same_verdict():
    def half(p, w, s):
        return world.WEIWEI if (w >= 0.6 and s % 2) else {**OTHER, "eye_color": UNCLEAR}
    sw = fake_sweep(["weiwei", "1girl"], half, n_seeds=30)
    sw.runs = [s % 3 for s in sw.seeds]
    again = Sweep.from_readings_json(sw.readings_json())
    assert again.runs == sw.runs and again.readings.values == sw.readings.values
    assert claims.c2(again).line() == claims.c2(sw).line()
    assert str(claims.c2(again)) == str(claims.c2(sw))


def test_a_verdict_as_data_carries_every_check_its_interval_and_each_run():
    def one_run_lost(p, w, s):
        return world.WEIWEI if (w >= 0.6 and s % 3 != 1) else OTHER
    sw = fake_sweep(["weiwei"], one_run_lost, n_seeds=42)
    sw.runs = [s % 3 for s in sw.seeds]
    d = claims.c1(sw).to_json()
    assert d["claim"] == "C1" and d["status"] == "UNDECIDED" and len(d["checks"]) == 2
    first = d["checks"][0]
    assert first["outcome"] == "undecided" and first["runs"] == 3 and first["seeds"] == 42
    assert first["parts"][0]["per_run"] == [1.0, 0.0, 1.0] and first["parts"][0]["bar"] == claims.HIGH
    assert first["other_way"] is not None                # C1 is decided by a counting rule


def test_a_spread_of_shares_that_agree_on_every_picture_still_has_an_interval():
    """T's spreads and best share: a percentile bootstrap of columns that are all 1 is 0.00 [0.00,
    0.00]; the course widens it to Newcombe's interval of the extreme columns (Wilson for the best)."""
    ones = np.ones((48, 3))
    spread, best = claims._spread_estimate(ones), claims._best_estimate(ones)
    assert spread.value == 0.0 and spread.lo == 0.0 and spread.hi > 0.05
    lo, _ = stats.wilson(48, 48)
    assert best.value == 1.0 and best.lo == lo < 1.0
    mixed = np.stack([np.arange(48) < 40, np.arange(48) < 10], axis=1).astype(float)
    est = claims._spread_estimate(mixed)
    nlo, nhi = stats.newcombe(40, 48, 10, 48)
    assert est.lo <= max(0.0, nlo) and est.hi >= nhi
