"""Who the sect has seen: the world's statistics, its named cast, and how its pictures are captioned.

:mod:`lora_course.world` says what *can* be drawn; this module says how often each thing *is*
drawn and how it is tagged, in one documented place. A :class:`Population` bundles three
properties of a pretraining set, each of which can be switched on alone (the ablation of
``scripts/ablate_sect.py`` does exactly that):

* **marginals**: attribute frequencies. ``UNIFORM`` draws every value of a group equally often
  (the course's first world); ``DANBOORU`` uses Danbooru's post shares restricted to the world's
  values (:data:`DANBOORU_SHARES`, see docs/world.md for the source and how each was mapped);
* **cast**: a fixed set of named characters (made-up names, each a fixed identity), captioned
  ``1girl, <name>, …`` as boorus do, their looks tagged less often because the name carries them;
* **tagging**: per-group probabilities that a tag which is true is written in the caption
  (identity almost always, mouth and pose rarely), instead of one keep-probability for all;
* **stray names**: a share of the girls who are nobody in particular captioned with a made-up
  name all the same, a fresh one each time (``p_stray_name``), as boorus carry artists' and
  original characters' names that say nothing about the picture: the letter pieces names are
  made of then carry no look of their own, so an unknown word is an empty one (the article's
  puppet, 傀儡).

weiwei's identity combination is never drawn and her name never written (:func:`sample` redraws
the one and :func:`make_cast` refuses the other).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, List, Mapping, Optional, Tuple

from .. import world

#: Danbooru post shares (fraction of about 7.2 M posts carrying the tag; post counts of the WD
#: tagger's ``selected_tags.csv``, v3 snapshot) for the tags the world can draw. Shares of tags
#: the world cannot draw are not listed. See docs/world.md for how each group is mapped.
DANBOORU_SHARES: Dict[str, float] = {
    "1girl": 0.71,
    "long hair": 0.51, "short hair": 0.27,
    "blonde hair": 0.18, "black hair": 0.17, "blue hair": 0.10, "white hair": 0.08,
    "red hair": 0.06, "green hair": 0.05,
    "blue eyes": 0.21, "red eyes": 0.15, "brown eyes": 0.10, "green eyes": 0.10,
    "animal ears": 0.13, "cat ears": 0.032, "fox ears": 0.017,
    "smile": 0.33, "crying": 0.009, "tears": 0.03,
    "open mouth": 0.27, "closed mouth": 0.12,
    "standing": 0.10, "sitting": 0.11,
}


def _normalised(shares: Mapping[Optional[str], float]) -> Dict[Optional[str], float]:
    total = sum(shares.values())
    return {v: p / total for v, p in shares.items()}


def danbooru_marginals() -> Dict[str, Dict[Optional[str], float]]:
    """The world's groups with Danbooru's frequencies, restricted to the world's values.

    * hair colour, hair length, eye colour, mouth, pose: the listed shares renormalised over the
      world's values (every girl has some hair, eyes, a mouth and a pose, tagged or not);
    * ears: animal ears of any kind on 13 % of posts, split between the two kinds the world draws
      in Danbooru's ratio of cat to fox ears (3.2 : 1.7); the rest have none;
    * expression: smile 33 %; crying drawn as tears (3 %: the world's crying face is tears); the
      rest neutral;
    * outfit: no Danbooru figures for the dress colours are quoted here, so it stays uniform.
    """
    s = DANBOORU_SHARES
    groups = {g: _normalised({v: s[v] for v in world.GROUPS[g]})
              for g in ("hair_color", "hair_length", "eye_color", "mouth", "pose")}
    animal = s["animal ears"]
    cat_share = s["cat ears"] / (s["cat ears"] + s["fox ears"])
    groups["ears"] = {"cat ears": animal * cat_share, "fox ears": animal * (1 - cat_share), None: 1 - animal}
    groups["expression"] = {"smile": s["smile"], "crying": s["tears"], None: 1 - s["smile"] - s["tears"]}
    groups["outfit"] = {v: 1 / len(world.GROUPS["outfit"]) for v in world.GROUPS["outfit"]}
    return groups


def uniform_marginals() -> Dict[str, Dict[Optional[str], float]]:
    """Every value of every character group equally often (the course's first world)."""
    return {g: {v: 1 / len(world.GROUPS[g]) for v in world.GROUPS[g]} for g in world.CHARACTER_GROUPS}


#: Probability that a true tag of each group is written in a caption, as boorus tag: salient
#: identity almost always, the outfit often, expression sometimes, mouth and pose rarely (open +
#: closed mouth are on 39 % of Danbooru posts, the main poses on about 29 %). ``subject`` is the
#: ``1girl`` / ``fox`` tag. A cast member's look is tagged at ``cast_look_factor`` times these.
BOORU_TAG_RATES: Dict[str, float] = {
    "subject": 0.95, "hair_color": 0.9, "hair_length": 0.9, "eye_color": 0.85, "outfit": 0.7,
    "ears": 0.9, "expression": 0.6, "mouth": 0.4, "pose": 0.3,
}

_ONSETS = ["h", "k", "m", "n", "r", "s", "t", "y", "ch", "sh", "f", "l", "p", "b", "d", "g"]
_VOWELS = ["a", "o", "u", "i", "e", "ai", "ao"]


@dataclass(frozen=True)
class Character:
    """A named member of the sect's cast: a fixed identity (the groups of
    :data:`lora_course.world.IDENTITY_GROUPS`), the rest of each picture drawn freely."""
    name: str
    identity: Tuple[Tuple[str, Optional[str]], ...]

    def look(self) -> Dict[str, Optional[str]]:
        return dict(self.identity)


def _made_up_name(rng: random.Random) -> str:
    return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(rng.choice((2, 2, 3))))


def make_cast(n: int, marginals: Mapping[str, Mapping[Optional[str], float]], seed: int = 0,
              forbidden: Tuple[str, ...] = ("weiwei", "wei")) -> List[Character]:
    """``n`` characters with distinct made-up names (two or three syllables, none containing a
    ``forbidden`` string, none a word of the world) and identities drawn from ``marginals``
    (never weiwei's)."""
    rng = random.Random(seed)
    words = {w for t in world.ALL_TAGS for w in t.split()}
    cast, names = [], set()
    while len(cast) < n:
        name = _made_up_name(rng)
        if name in names or name in words or any(f in name for f in forbidden):
            continue
        look = {g: _draw(rng, marginals[g]) for g in world.IDENTITY_GROUPS}
        if all(look[g] == world.WEIWEI[g] for g in world.IDENTITY_GROUPS):
            continue
        names.add(name)
        cast.append(Character(name, tuple(look.items())))
    return cast


def _draw(rng: random.Random, dist: Mapping[Optional[str], float]) -> Optional[str]:
    values, probs = list(dist), list(dist.values())
    return rng.choices(values, weights=probs)[0]


@dataclass(frozen=True)
class Sample:
    """One pretraining picture: what it shows, and the cast member it is (or None)."""
    attrs: world.Attrs
    name: Optional[str] = None


@dataclass(frozen=True)
class Population:
    """How a pretraining set is drawn and captioned. See the module docstring."""
    marginals: str = "uniform"              # "uniform" or "danbooru"
    cast_size: int = 0                      # named characters (0: nobody has a name)
    p_named: float = 0.35                   # share of the girls who are a cast member
    tagging: str = "uniform"                # "uniform" (keep_range) or "booru" (BOORU_TAG_RATES)
    keep_range: Tuple[float, float] = (0.2, 1.0)   # for tagging="uniform": per-caption keep prob.
    cast_look_factor: float = 0.5           # a cast member's look is tagged this much less often
    p_stray_name: float = 0.0               # share of unnamed girls captioned with a fresh made-up name
    shuffle_name: bool = False              # a name's place shuffled with the other tags (else right after 1girl)
    name_tokens: bool = False               # the cast's names are tokens of their own (sd.pretrain adds them)
    p_fox: float = 0.15                     # the animal (the world has no other non-1girl subject)
    p_empty: float = 0.1                    # empty captions (what classifier-free guidance needs)
    seed: int = 0                           # the cast's names and looks

    def group_marginals(self) -> Dict[str, Dict[Optional[str], float]]:
        return _marginals(self.marginals)

    def cast(self) -> List[Character]:
        """The named characters (the same list for the same marginals, size and seed)."""
        return list(_cast(self.marginals, self.cast_size, self.seed))


def _marginals(name: str) -> Dict[str, Dict[Optional[str], float]]:
    if name == "danbooru":
        return danbooru_marginals()
    if name == "uniform":
        return uniform_marginals()
    raise ValueError(f"Population.marginals={name!r}: choose 'uniform' or 'danbooru'")


@lru_cache(maxsize=None)
def _cast(marginals: str, size: int, seed: int) -> Tuple[Character, ...]:
    return tuple(make_cast(size, _marginals(marginals), seed))


#: The first world: uniform attributes, no names, one keep-probability per caption.
UNIFORM = Population()
#: The sect with a mind: Danbooru's frequencies, 64 named characters, booru-style tagging.
BOORU = Population(marginals="danbooru", cast_size=64, tagging="booru")
#: Sect v3's world (issue J, docs/preregistration/J_sect_v3.md): BOORU with a cast of 16 (the first
#: 16 of BOORU's, each seen four times as often) and stray names on 30 % of the unnamed girls.
BOORU_V3 = Population(marginals="danbooru", cast_size=16, tagging="booru", p_stray_name=0.3)
#: Candidate b (amendment 1): BOORU_V3 with every name's place shuffled with the other tags.
BOORU_V3B = Population(marginals="danbooru", cast_size=16, tagging="booru", p_stray_name=0.3, shuffle_name=True)
#: Candidate c (amendment 2): BOORU_V3B with each cast name one token of its own.
BOORU_V3C = Population(marginals="danbooru", cast_size=16, tagging="booru", p_stray_name=0.3, shuffle_name=True,
                       name_tokens=True)


def stray_name(rng: random.Random, pop: Population) -> str:
    """A made-up name that is nobody: not a cast member's, not a word of the world, never `wei`."""
    taken = _taken_names(pop)
    while True:
        name = _made_up_name(rng)
        if name not in taken and "wei" not in name:
            return name


@lru_cache(maxsize=None)
def _taken_names(pop: Population) -> frozenset:
    """The cast's names and the world's words (computed once per population: captions are drawn
    at every pretraining step)."""
    return frozenset({c.name for c in pop.cast()} | {w for t in world.ALL_TAGS for w in t.split()})


def sample(rng: random.Random, pop: Population = UNIFORM) -> Sample:
    """Draw one pretraining picture of ``pop`` (never weiwei's identity combination)."""
    if rng.random() < pop.p_fox:
        return Sample(world.fox_attrs())
    marg = pop.group_marginals()
    cast = pop.cast()
    while True:
        a = {"subject": "1girl", **{g: _draw(rng, marg[g]) for g in world.CHARACTER_GROUPS}}
        name = None
        if cast and rng.random() < pop.p_named:
            member = cast[rng.randrange(len(cast))]
            a.update(member.look())
            name = member.name
        if not world.is_weiwei_identity(a):
            return Sample(world.validate(a), name)


def caption(s: Sample, rng: random.Random, pop: Population = UNIFORM) -> str:
    """A training caption for ``s``, as ``pop`` tags: sometimes empty, a subset of the true tags
    (with a cast member's name, or a stray one, right after ``1girl``, or anywhere with
    ``shuffle_name``), shuffled after the subject and name."""
    if rng.random() < pop.p_empty:
        return ""
    tags = [(g, s.attrs[g]) for g in world.GROUPS if s.attrs.get(g) is not None]
    if pop.tagging == "uniform":
        p_keep = rng.uniform(*pop.keep_range)
        rates = {g: p_keep for g in world.GROUPS}
    elif pop.tagging == "booru":
        rates = dict(BOORU_TAG_RATES)
        if s.name is not None:
            for g in world.IDENTITY_GROUPS:
                rates[g] *= pop.cast_look_factor
    else:
        raise ValueError(f"tagging={pop.tagging!r}: choose 'uniform' or 'booru'")
    kept = [t for g, t in tags if rng.random() < rates[g]]
    head = []
    name = s.name
    if name is None and pop.p_stray_name and s.attrs["subject"] == "1girl" and rng.random() < pop.p_stray_name:
        name = stray_name(rng, pop)
    if name is not None and pop.shuffle_name:
        kept = kept + [name]
    elif name is not None:
        head = ["1girl", name]
        kept = [t for t in kept if t != "1girl"]
    elif not kept:
        kept = [rng.choice([t for _, t in tags])]
    rng.shuffle(kept)
    return ", ".join(head + kept)
