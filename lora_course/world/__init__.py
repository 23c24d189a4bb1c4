"""The drawn world: the tag schema, a seeded sampler and a renderer.

This module owns the ground truth of the course. Every image the base model was pretrained on,
every training set of the article and every test of the tagger comes from :func:`render`, so we
always know exactly which tags a picture shows.

A picture is described by an *attribute dict*: one entry per tag group (see :data:`GROUPS`),
whose value is a booru tag (``"white hair"``) or ``None`` (the group shows nothing that is tagged:
no animal ears, a neutral face, or any character group when the subject is the ``fox`` animal).

Pure drawing: PIL and numpy only, no torch models. Figures are drawn at twice the output size and
downsampled, which gives the soft anti-aliased lines of a chibi anime sticker.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional

import numpy as np
from PIL import Image, ImageDraw

Attrs = Dict[str, Optional[str]]

#: Output resolution of every image in the course (pixels, square).
SIZE = 64
_S = 2  # supersampling factor: draw at SIZE*_S, then downsample

# --------------------------------------------------------------------------------------------
# The tag schema. Order matters: it is the order of tags in a full caption.
# A value of None means "nothing tagged in this group" (e.g. a neutral face, no animal ears).
# --------------------------------------------------------------------------------------------
GROUPS: Dict[str, List[Optional[str]]] = {
    "subject": ["1girl", "fox"],
    "hair_color": ["white hair", "red hair", "black hair", "blonde hair", "blue hair", "green hair"],
    "hair_length": ["long hair", "short hair"],
    "eye_color": ["blue eyes", "red eyes", "green eyes", "brown eyes"],
    "outfit": ["pink dress", "blue dress", "green dress", "black dress", "yellow dress"],
    "ears": ["fox ears", "cat ears", None],
    "mouth": ["open mouth", "closed mouth"],
    "expression": ["smile", "crying", None],
    "pose": ["standing", "sitting"],
}

#: Groups that only exist on the 1girl subject (all None for the fox animal).
CHARACTER_GROUPS = [g for g in GROUPS if g != "subject"]

#: Every tag of the world, in schema order.
ALL_TAGS: List[str] = [v for vals in GROUPS.values() for v in vals if v is not None]
TAG_TO_GROUP: Dict[str, str] = {v: g for g, vals in GROUPS.items() for v in vals if v is not None}

#: The article's character "weiwei" (喂喂): the dazed fox girl, standing, mouth open.
WEIWEI: Attrs = {
    "subject": "1girl",
    "hair_color": "white hair",
    "hair_length": "long hair",
    "eye_color": "blue eyes",
    "outfit": "pink dress",
    "ears": "fox ears",
    "mouth": "open mouth",
    "expression": None,
    "pose": "standing",
}

#: What makes her *her*: the groups identity fidelity is measured on.
IDENTITY_GROUPS = ["hair_color", "hair_length", "eye_color", "outfit", "ears"]

# --------------------------------------------------------------------------------------------
# Colours
# --------------------------------------------------------------------------------------------
HAIR_RGB = {
    "white hair": (246, 246, 250), "red hair": (222, 40, 40), "black hair": (40, 34, 44),
    "blonde hair": (250, 214, 80), "blue hair": (60, 110, 232), "green hair": (56, 172, 76),
}
EYE_RGB = {
    "blue eyes": (40, 120, 255), "red eyes": (215, 25, 35), "green eyes": (30, 170, 60),
    "brown eyes": (125, 72, 30),
}
OUTFIT_RGB = {
    "pink dress": (255, 138, 192), "blue dress": (62, 96, 222), "green dress": (64, 168, 84),
    "black dress": (44, 44, 54), "yellow dress": (246, 210, 56),
}
#: The groups drawn in one palette colour (the ones a ``mix`` ambiguity blends), and their palettes.
PALETTES = {"hair_color": HAIR_RGB, "eye_color": EYE_RGB, "outfit": OUTFIT_RGB}
SKIN = (255, 226, 200)
LINE = (70, 45, 50)
MOUTH = (170, 30, 50)
TEAR = (90, 190, 255)
BLUSH = (255, 150, 160)
WOOD = (150, 95, 50)
FOX_ORANGE = (236, 128, 40)


def is_weiwei_identity(attrs: Attrs) -> bool:
    """True if ``attrs`` has all of weiwei's identity attributes (the combination kept out of
    pretraining)."""
    return all(attrs.get(g) == WEIWEI[g] for g in IDENTITY_GROUPS)


def fox_attrs() -> Attrs:
    """The attribute dict of the animal: subject ``fox``, every character group None."""
    return {"subject": "fox", **{g: None for g in CHARACTER_GROUPS}}


def validate(attrs: Attrs) -> Attrs:
    """Check an attribute dict against :data:`GROUPS`; return a full copy (missing groups raise)."""
    out = {}
    for g, vals in GROUPS.items():
        if g not in attrs:
            raise KeyError(f"attribute dict lacks the group {g!r}; groups are {list(GROUPS)}")
        v = attrs[g]
        if v is None and attrs.get("subject") == "fox":
            out[g] = v
            continue
        if v not in vals:
            raise ValueError(f"{v!r} is not a value of group {g!r}; choose one of {vals}")
        out[g] = v
    unknown = set(attrs) - set(GROUPS)
    if unknown:
        raise KeyError(f"unknown groups {sorted(unknown)}; groups are {list(GROUPS)}")
    if out["subject"] == "fox" and any(out[g] is not None for g in CHARACTER_GROUPS):
        raise ValueError("the fox animal has no character attributes: set every other group to None")
    return out


def with_(attrs: Attrs, **changes: Optional[str]) -> Attrs:
    """A copy of ``attrs`` with some groups changed: ``with_(WEIWEI, mouth="closed mouth")``."""
    out = dict(attrs)
    out.update(changes)
    return validate(out)


def sample_attrs(rng: random.Random, p_fox: float = 0.15, exclude_weiwei: bool = True) -> Attrs:
    """Draw one attribute dict uniformly per group (the fox animal with probability ``p_fox``).

    With ``exclude_weiwei`` (the default, used for pretraining) weiwei's identity combination is
    redrawn, so the base model never sees her.
    """
    if rng.random() < p_fox:
        return fox_attrs()
    while True:
        a = {"subject": "1girl", **{g: rng.choice(GROUPS[g]) for g in CHARACTER_GROUPS}}
        if not (exclude_weiwei and is_weiwei_identity(a)):
            return a


def attrs_from_tags(tags: Iterable[str], rng: random.Random) -> Attrs:
    """A random attribute dict showing every one of ``tags`` (unnamed groups drawn at random):
    what a prompt asks for, as a render. Unknown words (a trigger) are ignored."""
    named = {TAG_TO_GROUP[t]: t for t in tags if t in TAG_TO_GROUP}
    if named.get("subject") == "fox":
        return fox_attrs()
    a = sample_attrs(rng, p_fox=0.0, exclude_weiwei=False)
    a.update({g: v for g, v in named.items() if g != "subject"})
    return validate(a)


def tags_of(attrs: Attrs) -> List[str]:
    """The true tags of a picture, in schema order (the full caption, as a list)."""
    return [attrs[g] for g in GROUPS if attrs.get(g) is not None]


def caption(attrs: Attrs, rng: Optional[random.Random] = None, p_empty: float = 0.0,
            shuffle: bool = False, keep_range=(1.0, 1.0)) -> str:
    """A booru caption for ``attrs``.

    With an ``rng`` it looks like a real training caption: empty with probability ``p_empty``
    (what classifier-free guidance learns from), a random subset of the true tags (each kept with
    a probability drawn from ``keep_range``), in random order when ``shuffle``.
    """
    tags = tags_of(attrs)
    if rng is None:
        return ", ".join(tags)
    if rng.random() < p_empty:
        return ""
    p_keep = rng.uniform(*keep_range)
    kept = [t for t in tags if rng.random() < p_keep]
    if not kept:
        kept = [rng.choice(tags)]
    if shuffle:
        rng.shuffle(kept)
    return ", ".join(kept)


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------
@dataclass
class Nuisance:
    """Untagged variation: background colours, a small shift and scale of the figure."""
    bg_top: tuple = (235, 240, 250)
    bg_bottom: tuple = (215, 225, 240)
    dx: float = 0.0
    dy: float = 0.0
    scale: float = 1.0
    flip: bool = False

    @staticmethod
    def sample(rng: random.Random) -> "Nuisance":
        # pastel backgrounds: high value, low saturation, any hue
        def pastel():
            base = np.array([rng.uniform(0, 1) for _ in range(3)])
            return tuple(int(c) for c in 200 + 50 * base)
        top = pastel()
        bottom = tuple(max(0, c - rng.randint(0, 30)) for c in top)
        return Nuisance(top, bottom, rng.uniform(-3, 3), rng.uniform(-2, 2), rng.uniform(0.93, 1.04),
                        rng.random() < 0.5)


@dataclass(frozen=True)
class Ambiguity:
    """A picture drawn on purpose so that one group shows no clean value of the world.

    Generated pictures are not renders: the base model and its LoRAs draw dark green hair, teal
    eyes, a smile without its blush, one tear, a mouth neither open nor closed. To teach the
    tagger to say ``unclear`` there, :func:`render` draws these in-between pictures:

    * ``kind="mix"`` (``hair_color``, ``eye_color``, ``outfit``): the colour ``amount`` of the way
      from the picture's value to ``other`` (0 = the value, 1 = ``other``);
    * ``kind="odd eyes"`` (``eye_color``): one eye in the value's colour, the other in ``other``'s;
    * ``kind="medium"`` (``hair_length``): hair to the shoulders, neither long nor short;
    * ``kind="half open"`` (``mouth``): a mouth half-way between the line and the "o";
    * ``kind="faint"`` (``expression``): the blush (smile) or the tears (crying) at ``amount`` of
      their colour; ``kind="one-sided"``: on one side only (one cheek, one tear, no brows);
      ``kind="no blush"``: a smiling mouth without the rosy cheeks.

    :meth:`label` says how much of each value the picture shows; the tagger is trained to read
    ``unclear`` where no value has most of it (:func:`lora_course.tagger.train_tagger.target_of`).
    """
    group: str
    kind: str
    other: Optional[str] = None
    amount: float = 0.5

    KINDS = {"hair_color": ("mix",), "eye_color": ("mix", "odd eyes"), "outfit": ("mix",),
             "hair_length": ("medium",), "mouth": ("half open",),
             "expression": ("faint", "one-sided", "no blush")}

    def check(self, attrs: Attrs) -> None:
        """Raise if this ambiguity cannot be drawn on ``attrs``."""
        if self.kind not in self.KINDS.get(self.group, ()):
            raise ValueError(f"no ambiguity {self.kind!r} for group {self.group!r}; "
                             f"kinds are {self.KINDS}")
        if attrs.get("subject") != "1girl":
            raise ValueError("ambiguities are drawn on girls only (the fox animal has no such groups)")
        if self.kind in ("mix", "odd eyes") and (self.other not in GROUPS[self.group] or self.other is None
                                                 or self.other == attrs[self.group]):
            raise ValueError(f"{self.kind!r} needs another value of {self.group!r} as other, not {self.other!r}")
        if self.group == "expression" and attrs["expression"] is None:
            raise ValueError("an expression ambiguity needs a smile or crying to weaken")
        if self.kind == "no blush" and attrs["expression"] != "smile":
            raise ValueError("'no blush' weakens a smile: set expression='smile'")

    def label(self, attrs: Attrs) -> Dict[Optional[str], float]:
        """The share of each value of the group this picture shows, e.g. ``{'green hair': 0.6,
        'black hair': 0.4}``: what a careful eye would say (the tagger's training target follows from it)."""
        v = attrs[self.group]
        if self.kind == "mix":
            return {v: 1.0 - self.amount, self.other: self.amount}
        if self.kind == "faint":
            return {v: self.amount, None: 1.0 - self.amount}
        if self.kind == "odd eyes":
            return {v: 0.5, self.other: 0.5}
        flip = {"hair_length": {"long hair": "short hair", "short hair": "long hair"},
                "mouth": {"open mouth": "closed mouth", "closed mouth": "open mouth"}}
        return {v: 0.5, flip[self.group][v] if self.group in flip else None: 0.5}


def _mix(a: tuple, b: tuple, t: float) -> tuple:
    return tuple(int(round((1 - t) * x + t * y)) for x, y in zip(a, b))


class _Pen:
    """Draws in a 64-unit design space, mapped to the supersampled canvas with shift and scale."""

    def __init__(self, draw: ImageDraw.ImageDraw, nz: Nuisance, cx: float = 32, cy: float = 40):
        self.d, self.nz, self.cx, self.cy = draw, nz, cx, cy

    def p(self, x, y):
        nz = self.nz
        if nz.flip:
            x = 64 - x
        return ((self.cx + (x - self.cx) * nz.scale + nz.dx) * _S,
                (self.cy + (y - self.cy) * nz.scale + nz.dy) * _S)

    def box(self, x0, y0, x1, y1):
        (a, b), (c, d) = self.p(x0, y0), self.p(x1, y1)
        return [min(a, c), min(b, d), max(a, c), max(b, d)]

    def w(self, width):
        return max(1, int(round(width * _S * self.nz.scale)))

    def ellipse(self, x0, y0, x1, y1, fill, outline=LINE, width=0.6):
        self.d.ellipse(self.box(x0, y0, x1, y1), fill=fill, outline=outline,
                       width=self.w(width) if outline else 0)

    def poly(self, pts, fill, outline=LINE, width=0.6):
        self.d.polygon([self.p(x, y) for x, y in pts], fill=fill, outline=outline,
                       width=self.w(width) if outline else 0)

    def rect(self, x0, y0, x1, y1, fill, outline=LINE, width=0.6):
        self.d.rectangle(self.box(x0, y0, x1, y1), fill=fill, outline=outline,
                         width=self.w(width) if outline else 0)

    def line(self, pts, fill=LINE, width=0.6):
        self.d.line([self.p(x, y) for x, y in pts], fill=fill, width=self.w(width), joint="curve")

    def chord(self, x0, y0, x1, y1, start, end, fill, outline=LINE, width=0.5):
        # PIL angles are clockwise from 3 o'clock; a flip mirrors them
        if self.nz.flip:
            start, end = 180 - end, 180 - start
        self.d.chord(self.box(x0, y0, x1, y1), start, end, fill=fill, outline=outline,
                     width=self.w(width))

    def arc(self, x0, y0, x1, y1, start, end, fill=LINE, width=0.7):
        if self.nz.flip:
            start, end = 180 - end, 180 - start
        self.d.arc(self.box(x0, y0, x1, y1), start, end, fill=fill, width=self.w(width))


def _background(nz: Nuisance) -> Image.Image:
    n = SIZE * _S
    t = np.linspace(0, 1, n)[:, None, None]
    top, bottom = np.array(nz.bg_top, float), np.array(nz.bg_bottom, float)
    arr = (top * (1 - t) + bottom * t) * np.ones((1, n, 1))
    return Image.fromarray(arr.astype(np.uint8), "RGB")


def _draw_girl(pen: _Pen, a: Attrs, amb: Optional[Ambiguity] = None) -> None:
    def is_(group, kind):
        return amb is not None and amb.group == group and amb.kind == kind

    hair = HAIR_RGB[a["hair_color"]]
    if is_("hair_color", "mix"):
        hair = _mix(hair, HAIR_RGB[amb.other], amb.amount)
    medium = is_("hair_length", "medium")   # to the shoulders: neither long nor short
    sitting = a["pose"] == "sitting"
    oy = 5.0 if sitting else 0.0  # a seated figure sits lower

    # --- long hair falls behind the body ----------------------------------------------------
    if a["hair_length"] == "long hair" or medium:
        end = 41 if medium else 50
        pen.poly([(15, 18 + oy), (49, 18 + oy), (50.5, end + oy), (13.5, end + oy)] if medium else
                 [(15, 18 + oy), (49, 18 + oy), (52, 50 + oy), (12, 50 + oy)], hair)
    # --- pose: legs, and the bench she sits on (in front of the hair) ----------------------
    if sitting:
        pen.rect(8, 50, 56, 53.5, WOOD)             # bench seat
        pen.rect(10, 53.5, 12.5, 63, WOOD)          # bench legs
        pen.rect(51.5, 53.5, 54, 63, WOOD)
        pen.rect(25.5, 52, 29, 58, SKIN)            # short dangling shins
        pen.rect(35, 52, 38.5, 58, SKIN)
        pen.ellipse(24, 57, 30, 60, (90, 50, 40))   # shoes
        pen.ellipse(34, 57, 40, 60, (90, 50, 40))
    else:
        pen.rect(26.5, 50, 30, 59.5, SKIN)          # long legs
        pen.rect(34, 50, 37.5, 59.5, SKIN)
        pen.ellipse(25, 58.5, 31, 62, (90, 50, 40))
        pen.ellipse(33, 58.5, 39, 62, (90, 50, 40))

    # --- the dress and arms -----------------------------------------------------------------
    dress = OUTFIT_RGB[a["outfit"]]
    if is_("outfit", "mix"):
        dress = _mix(dress, OUTFIT_RGB[amb.other], amb.amount)
    bottom = 52 if sitting else 51
    pen.poly([(27, 34 + oy), (37, 34 + oy), (43, bottom), (21, bottom)], dress)
    pen.line([(26.5, 37 + oy), (21, 46 + oy)], SKIN, width=2.2)   # arms
    pen.line([(37.5, 37 + oy), (43, 46 + oy)], SKIN, width=2.2)

    # --- animal ears sit on top of the head ---------------------------------------------------
    if a["ears"] == "fox ears":   # tall, pointed, white fluff inside
        for s in (-1, 1):
            pen.poly([(32 + s * 5, 12 + oy), (32 + s * 14, 11 + oy), (32 + s * 12.5, -1 + oy)], hair)
            pen.poly([(32 + s * 7.5, 11 + oy), (32 + s * 12, 10.5 + oy), (32 + s * 11.5, 3 + oy)],
                     (255, 255, 255), outline=None)
    elif a["ears"] == "cat ears":  # short, wide, pink inside
        for s in (-1, 1):
            pen.poly([(32 + s * 5, 11 + oy), (32 + s * 15, 12 + oy), (32 + s * 13.5, 4.5 + oy)], hair)
            pen.poly([(32 + s * 8, 11 + oy), (32 + s * 13, 11 + oy), (32 + s * 12.5, 7 + oy)],
                     (255, 160, 190), outline=None)

    # --- the head: face, then the hair cap and fringe -----------------------------------------
    pen.ellipse(17, 8 + oy, 47, 37 + oy, SKIN)
    pen.chord(16, 6 + oy, 48, 34 + oy, 180, 360, hair)             # hair cap
    pen.poly([(17, 20 + oy), (47, 20 + oy), (44, 16 + oy), (20, 16 + oy)], hair, outline=None)
    for x in (22, 28, 34, 40):                                      # fringe locks
        pen.poly([(x - 3.5, 19 + oy), (x + 3.5, 19 + oy), (x, 23.5 + oy)], hair, outline=None)
    if medium:                              # side locks to the chin
        pen.poly([(15.5, 18 + oy), (20, 18 + oy), (19.5, 34 + oy), (15, 32 + oy)], hair)
        pen.poly([(48.5, 18 + oy), (44, 18 + oy), (44.5, 34 + oy), (49, 32 + oy)], hair)
    elif a["hair_length"] == "short hair":   # short side locks stop at the cheek
        pen.poly([(16, 18 + oy), (20, 18 + oy), (19, 29 + oy), (16, 26 + oy)], hair)
        pen.poly([(48, 18 + oy), (44, 18 + oy), (45, 29 + oy), (48, 26 + oy)], hair)
    else:                                   # long side locks frame the face to the shoulders
        pen.poly([(15.5, 18 + oy), (20, 18 + oy), (19.5, 40 + oy), (15, 38 + oy)], hair)
        pen.poly([(48.5, 18 + oy), (44, 18 + oy), (44.5, 40 + oy), (49, 38 + oy)], hair)

    # --- eyes: big irises in the eye colour ---------------------------------------------------
    eye = EYE_RGB[a["eye_color"]]
    eyes = [eye, eye]
    if is_("eye_color", "mix"):
        eyes = [_mix(eye, EYE_RGB[amb.other], amb.amount)] * 2
    elif is_("eye_color", "odd eyes"):
        eyes = [eye, EYE_RGB[amb.other]]
    for ex, colour in zip((25.5, 38.5), eyes):
        pen.ellipse(ex - 3.3, 22 + oy, ex + 3.3, 30.5 + oy, colour, width=0.5)
        pen.ellipse(ex - 2.0, 23 + oy, ex - 0.2, 25 + oy, (255, 255, 255), outline=None)
    expr, mouth_open = a["expression"], a["mouth"] == "open mouth"
    one_sided, faint = is_("expression", "one-sided"), is_("expression", "faint")
    if expr == "crying":   # worried brows and streams of tears
        tear = _mix(SKIN, TEAR, amb.amount) if faint else TEAR
        if not one_sided:   # one tear alone: no worried brows either
            pen.line([(21.5, 19.5 + oy), (28, 21 + oy)], LINE, width=0.8)
            pen.line([(42.5, 19.5 + oy), (36, 21 + oy)], LINE, width=0.8)
        for ex in ((25.5,) if one_sided else (25.5, 38.5)):
            pen.poly([(ex - 2.2, 29.5 + oy), (ex + 0.5, 29.5 + oy), (ex + 1.0, 37 + oy),
                      (ex - 2.7, 37 + oy)], tear, outline=None)
    elif expr == "smile" and not is_("expression", "no blush"):  # rosy cheeks
        blush = _mix(SKIN, BLUSH, amb.amount) if faint else BLUSH
        pen.ellipse(18.5, 29.5 + oy, 23.5, 32 + oy, blush, outline=None)
        if not one_sided:
            pen.ellipse(40.5, 29.5 + oy, 45.5, 32 + oy, blush, outline=None)

    # --- the mouth: open or closed, shaped by the expression ----------------------------------
    my = 32.5 + oy
    if is_("mouth", "half open"):   # neither the line nor the "o"
        pen.ellipse(29.5, my - 0.4, 34.5, my + 1.5, MOUTH, width=0.5)
    elif mouth_open:
        if expr == "smile":      # a wide "D"
            pen.chord(28, my - 2.5, 36, my + 3.5, 0, 180, MOUTH)
        elif expr == "crying":   # wailing
            pen.ellipse(28, my - 1.5, 36, my + 4, MOUTH)
        else:                    # the dazed "o"
            pen.ellipse(29.5, my - 1.5, 34.5, my + 3, MOUTH)
    else:
        if expr == "smile":
            pen.arc(28, my - 3, 36, my + 1.5, 20, 160, width=0.8)
        elif expr == "crying":
            pen.arc(28, my, 36, my + 4, 200, 340, width=0.8)
        else:
            pen.line([(29.5, my + 0.5), (34.5, my + 0.5)], width=0.8)


def _draw_fox(pen: _Pen) -> None:
    """The animal: side view, bushy tail with a white tip, tall ears, pointed snout."""
    white = (255, 250, 245)
    pen.poly([(44, 44), (58, 30), (62, 38), (50, 52)], FOX_ORANGE)         # tail
    pen.poly([(58, 30), (62, 38), (63, 32)], white)                          # tail tip
    pen.ellipse(16, 34, 48, 52, FOX_ORANGE)                                  # body
    pen.ellipse(20, 42, 32, 52, white, outline=None)                         # chest
    for x in (20, 26, 38, 44):                                               # legs
        pen.rect(x, 48, x + 3.5, 60, FOX_ORANGE)
        pen.rect(x, 57, x + 3.5, 60, (60, 40, 35), outline=None)
    pen.ellipse(6, 20, 28, 40, FOX_ORANGE)                                   # head
    pen.poly([(8, 28), (0, 34), (10, 37)], FOX_ORANGE)                       # snout
    pen.poly([(0.5, 33), (2.5, 32.5), (2, 35)], (40, 30, 30), outline=None)  # nose
    pen.poly([(9, 23), (12, 8), (17, 21)], FOX_ORANGE)                       # ears
    pen.poly([(18, 21), (23, 8), (26, 23)], FOX_ORANGE)
    pen.poly([(11, 21), (12.5, 12), (15.5, 20.5)], white, outline=None)
    pen.poly([(19.5, 21), (22.5, 12), (24.5, 21.5)], white, outline=None)
    pen.ellipse(13, 26, 16, 29, (30, 25, 30), outline=None)                  # eye


def render(attrs: Attrs, seed: Optional[int] = 0, nuisance: Optional[Nuisance] = None,
           ambiguity: Optional[Ambiguity] = None) -> Image.Image:
    """Draw ``attrs`` as a SIZE×SIZE RGB image.

    ``seed`` picks the untagged nuisance (background, shift, scale, mirror); ``seed=None`` draws a
    plain centred figure on a neutral background (for contact sheets). Same seed, same picture.
    ``ambiguity`` draws one group in between two of its values (see :class:`Ambiguity`).
    """
    a = validate(attrs)
    if ambiguity is not None:
        ambiguity.check(a)
    if nuisance is None:
        nuisance = Nuisance() if seed is None else Nuisance.sample(random.Random(seed))
    img = _background(nuisance)
    pen = _Pen(ImageDraw.Draw(img), nuisance)
    if a["subject"] == "fox":
        _draw_fox(pen)
    else:
        _draw_girl(pen, a, ambiguity)
    return img.resize((SIZE, SIZE), Image.LANCZOS)


def random_ambiguity(rng: random.Random, attrs: Attrs, amounts=(0.15, 0.85)) -> Optional[Ambiguity]:
    """An :class:`Ambiguity` that can be drawn on ``attrs``, chosen at random (``None`` for the
    fox animal): a group, one of its kinds, another value, an amount drawn from ``amounts``."""
    if attrs.get("subject") != "1girl":
        return None
    options = [(g, k) for g, kinds in Ambiguity.KINDS.items() for k in kinds
               if not (g == "expression" and (attrs["expression"] is None
                                              or (k == "no blush" and attrs["expression"] != "smile")))]
    g, k = rng.choice(options)
    other = rng.choice([v for v in GROUPS[g] if v is not None and v != attrs[g]]) if k in ("mix", "odd eyes") else None
    return Ambiguity(g, k, other, round(rng.uniform(*amounts), 3))


def render_batch(attrs_list: Iterable[Attrs], seeds: Iterable[int]) -> np.ndarray:
    """Render many pictures into one uint8 array of shape (N, SIZE, SIZE, 3)."""
    return np.stack([np.asarray(render(a, s)) for a, s in zip(attrs_list, seeds)])


def contact_sheet(cell: int = 2, labels: bool = True) -> Image.Image:
    """One row per tag group, one column per value: weiwei with that one group changed.

    ``cell`` upscales each image (nearest neighbour) so the pixels stay honest; ``labels`` writes
    the group name at the start of each row and the tag under each picture.
    """
    rows = []
    for g, vals in GROUPS.items():
        row = []
        for v in vals:
            if g == "subject":
                a = WEIWEI if v == "1girl" else fox_attrs()
            else:
                a = with_(WEIWEI, **{g: v})
            row.append((render(a, seed=None), v or "(none)"))
        rows.append((g, row))
    ncol = max(len(r) for _, r in rows)
    s = SIZE * cell
    left, under = (90, 14) if labels else (0, 0)
    sheet = Image.new("RGB", (left + ncol * s, len(rows) * (s + under)), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    for i, (g, row) in enumerate(rows):
        y = i * (s + under)
        if labels:
            draw.text((4, y + s // 2 - 6), g.replace("_", " "), fill=(0, 0, 0))
        for j, (im, v) in enumerate(row):
            sheet.paste(im.resize((s, s), Image.NEAREST), (left + j * s, y))
            if labels:
                draw.text((left + j * s + 3, y + s + 1), v, fill=(60, 60, 60))
    return sheet
