"""The weight slider (功力): prompt, LoRA, weight, seed → the pictures and what the tagger reads.

:class:`SliderLab` is a prompt box (A1111's ``<lora:name:w>`` accepted, parsed by
:mod:`lora_course.core.prompt_syntax`), a LoRA picker, a weight slider (0–1.5), a seed and a number of
images. Every change draws the images (:func:`lora_course.sd.sampling.generate`, one batch, each
image seeded on its own), shows them as a grid and, beside it, what the tagger reads on each
picture and the identity fidelity. The pipeline and its LoRAs are loaded once, by the caller; the
widget only switches weights (:mod:`lora_course.lora.adapters`), keeps the pipeline's LoRA state as it
found it, and remembers every image it drew, so going back to a weight is instant. Sliders act
when released (``continuous_update=False``); a status line says when it is drawing.

It works without a browser: its controls are attributes (``lab.weight.value = 0.6`` redraws),
and a notebook shows it as its ``.widget``.
"""
from __future__ import annotations

import html
import time
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

import ipywidgets as W
import numpy as np

from . import plots
from .. import world
from ..lora.adapters import kept_lora_state, set_lora_weights
from ..sd.base_model import DEFAULT_GUIDANCE, DEFAULT_STEPS
from ..lora.lora_files import loaded_adapters
from ..core.prompt_syntax import parse_prompt, rename_prompt_lora, set_prompt_weight
from ..sd.sampling import generate

#: The slider's range: A1111 users go past "ten levels" (w = 1) to overdrive a LoRA.
WEIGHT_MIN, WEIGHT_MAX, WEIGHT_STEP = 0.0, 1.5, 0.05
#: Pictures drawn per change at most (each change waits for all of them).
MAX_IMAGES = 16

_BUSY = "⏳"
_DONE = "✓"
_FAIL = "⚠"


# =============================================================================================
# The weight slider
# =============================================================================================
class SliderLab:
    """Prompt, LoRA, weight, seed and number of images → the pictures, what the tagger reads on
    each, and the identity fidelity. Show it in a notebook as the cell's value.

    ``pipe`` is a pipeline with its LoRAs already loaded (e.g. ``lab.pipe`` after
    ``lab.train(...)``, or :meth:`from_lab`); ``tagger`` reads the pictures. The images of a change are seeds
    ``seed, seed+1, …``, each drawn with its own generator, so a picture depends only on (prompt,
    LoRA weights, seed): moving the slider changes the LoRA, never the noise.

    The prompt and the controls agree: a prompt naming a loaded LoRA (``1girl, <lora:weiwei_1:0.6>``)
    moves the picker and the slider there, and moving them rewrites that tag. LoRAs named in the
    prompt but not picked stay active at their written weight (A1111 semantics: a LoRA not named
    is off).
    """

    def __init__(self, pipe, tagger, prompt: str = "weiwei", lora_name: Optional[str] = None,
                 weight: float = 1.0, seed: int = 0, n_images: int = 4,
                 character: world.Attrs = world.WEIWEI, steps: int = DEFAULT_STEPS,
                 guidance: float = DEFAULT_GUIDANCE, cache_size: int = 1024, draw: bool = True):
        self.pipe, self.tagger, self.character = pipe, tagger, character
        self.steps, self.guidance = steps, guidance
        self.cache_size = cache_size
        self._images: "OrderedDict[tuple, np.ndarray]" = OrderedDict()   # one entry per picture
        self._syncing = False
        self.generated = 0          # pictures the pipeline drew (the rest came from the cache)
        self.last: Optional[dict] = None   # what the widget shows now (images, readings, ...)

        names = loaded_adapters(pipe)
        if lora_name is not None and lora_name not in names:
            raise KeyError(f"no LoRA named {lora_name!r} is loaded (loaded: {names or 'none'}); "
                           f"train or load it first (lab.train(...) / lora.load_lora(...))")
        if lora_name is None and names:
            lora_name = names[-1]

        wide = W.Layout(width="98%")
        self.prompt = W.Text(value=prompt, description="prompt", continuous_update=False,
                             placeholder="weiwei, smile, <lora:weiwei_1:0.6>", layout=wide)
        self.lora = W.Dropdown(options=[("(no LoRA)", None)] + [(n, n) for n in names],
                               value=lora_name, description="LoRA")
        self.weight = W.FloatSlider(value=weight, min=WEIGHT_MIN, max=WEIGHT_MAX, step=WEIGHT_STEP,
                                    continuous_update=False, readout_format=".2f",
                                    description="weight (功力)", style={"description_width": "initial"},
                                    layout=W.Layout(width="380px"))
        self.seed = W.BoundedIntText(value=seed, min=0, max=2 ** 31 - 1, description="seed",
                                     layout=W.Layout(width="160px"))
        self.n_images = W.IntSlider(value=n_images, min=1, max=MAX_IMAGES, continuous_update=False,
                                    description="images", layout=W.Layout(width="260px"))
        self.status = W.HTML()
        self.grid = W.Image(format="png", layout=W.Layout(flex="0 0 auto", object_fit="contain"))
        self.readings = W.HTML()
        self.fidelity = W.HTML()
        for w, cls in ((self.weight, "lora-lab-weight"), (self.grid, "lora-lab-grid"),
                       (self.status, "lora-lab-status"), (self.prompt, "lora-lab-prompt")):
            w.add_class(cls)

        self.prompt.observe(self._on_prompt, names="value")
        self.lora.observe(self._on_lora, names="value")
        self.weight.observe(self._on_weight, names="value")
        self.seed.observe(self._on_change, names="value")
        self.n_images.observe(self._on_change, names="value")

        controls = W.VBox([self.prompt, W.HBox([self.lora, self.weight]), W.HBox([self.seed, self.n_images]),
                           self.status])
        self.widget = W.VBox([controls, W.HBox([self.grid, W.VBox([self.fidelity, self.readings])])])
        self.widget.add_class("lora-lab")
        self._sync_from_prompt()
        if draw:
            self.update()

    @classmethod
    def from_lab(cls, lab, **kwargs) -> "SliderLab":
        """The slider on a :class:`lora_course.course.Lab`'s pipeline and tagger, with every LoRA the
        lab has trained or loaded in the pipeline (:meth:`~lora_course.course.Lab.ready`)."""
        lab.ready()
        return cls(lab.pipe, lab.tagger, **kwargs)

    # ---- what is asked ---------------------------------------------------------------------
    def seeds(self) -> List[int]:
        return list(range(int(self.seed.value), int(self.seed.value) + int(self.n_images.value)))

    def lora_weights(self) -> Tuple[str, Dict[str, float]]:
        """(prompt without tags, {LoRA: weight}) as drawn: the prompt's tags, with the picked LoRA
        at the slider's weight. Raises ``ValueError`` for a malformed tag."""
        clean, weights = parse_prompt(self.prompt.value)
        if self.lora.value is not None:
            weights[self.lora.value] = float(self.weight.value)
        return clean, weights

    def effective_prompt(self) -> str:
        """The prompt as A1111 would take it: its text and every active ``<lora:name:w>``."""
        clean, weights = self.lora_weights()
        return ", ".join([clean] * bool(clean) + [f"<lora:{n}:{w:g}>" for n, w in weights.items()])

    # ---- the controls agree with the prompt ------------------------------------------------
    def _sync_from_prompt(self) -> None:
        """A prompt naming a loaded LoRA moves the picker and the slider to it."""
        try:
            _, weights = parse_prompt(self.prompt.value)
        except ValueError:
            return
        loaded = loaded_adapters(self.pipe)
        named = [n for n in weights if n in loaded]
        if not named:
            return
        pick = self.lora.value if self.lora.value in named else named[0]
        self._syncing = True
        try:
            self.lora.value = pick
            self.weight.value = min(max(weights[pick], WEIGHT_MIN), WEIGHT_MAX)
        finally:
            self._syncing = False

    def _set_prompt(self, text: str) -> None:
        if text != self.prompt.value:
            self._syncing = True
            try:
                self.prompt.value = text
            finally:
                self._syncing = False

    def _on_prompt(self, change) -> None:
        if self._syncing:
            return
        self._sync_from_prompt()
        self.update()

    def _on_lora(self, change) -> None:
        if self._syncing:
            return
        if change["old"] is not None:
            self._set_prompt(rename_prompt_lora(self.prompt.value, change["old"], change["new"],
                                                self.weight.value))
        self.update()

    def _on_weight(self, change) -> None:
        if self._syncing:
            return
        if self.lora.value is not None:
            self._set_prompt(set_prompt_weight(self.prompt.value, self.lora.value, change["new"]))
        self.update()

    def _on_change(self, change) -> None:
        if not self._syncing:
            self.update()

    # ---- drawing ---------------------------------------------------------------------------
    def _key(self, clean: str, weights: Dict[str, float], seed: int) -> tuple:
        active = tuple(sorted((n, round(float(w), 6)) for n, w in weights.items()))
        return clean, active, int(seed), self.steps, float(self.guidance)

    def images(self) -> np.ndarray:
        """The pictures the controls ask for (N×H×W×3 uint8): from the cache, or drawn in one
        batch; the pipeline's LoRA state is restored afterwards."""
        clean, weights = self.lora_weights()
        seeds = self.seeds()
        keys = [self._key(clean, weights, s) for s in seeds]
        todo = [s for s, k in zip(seeds, keys) if k not in self._images]
        if todo:
            with kept_lora_state(self.pipe):
                set_lora_weights(self.pipe, weights)
                new = generate(self.pipe, [clean] * len(todo), todo, steps=self.steps,
                                          guidance=self.guidance, batch_size=len(todo))
            self.generated += len(todo)
            for s, im in zip(todo, new):
                self._images[self._key(clean, weights, s)] = im
        for k in keys:
            self._images.move_to_end(k)
        while len(self._images) > self.cache_size:
            self._images.popitem(last=False)
        return np.stack([self._images[k] for k in keys])

    def update(self) -> Optional[dict]:
        """Draw (or fetch) the pictures the controls ask for, read them, and show all of it.
        Returns what is shown (also kept as :attr:`last`), or ``None`` after an error, which the
        status line explains (the previous pictures stay)."""
        seeds = self.seeds()
        try:
            prompt = self.effective_prompt()
        except ValueError as e:
            self.status.value = f"<b>{_FAIL}</b> {html.escape(str(e))}"
            return None
        self.status.value = (f"<b>{_BUSY} drawing {len(seeds)} picture(s)…</b> "
                             f"<code>{html.escape(prompt)}</code>")
        t0 = time.perf_counter()
        before = self.generated
        try:
            imgs = self.images()
        except (KeyError, ValueError) as e:
            msg = e.args[0] if e.args else str(e)
            self.status.value = f"<b>{_FAIL}</b> {html.escape(str(msg))}"
            return None
        readings = self.tagger.read(imgs, seed=seeds)
        fid = readings.fidelity(self.character)
        fig = plots.image_grid(imgs[None], col_labels=[f"seed {s}" for s in seeds], title=prompt, cell=1.6)
        png = plots.png_bytes(fig)
        w, h = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")   # IHDR
        self.grid.value, self.grid.layout.width, self.grid.layout.height = png, f"{w}px", f"{h}px"
        self.readings.value = self._readings_html(readings, seeds)
        self.fidelity.value = self._fidelity_html(fid)
        drawn = self.generated - before
        took = time.perf_counter() - t0
        self.status.value = (f"<b>{_DONE}</b> {len(seeds)} picture(s) in {took:.2f} s "
                             f"({drawn} drawn, {len(seeds) - drawn} from memory): "
                             f"<code>{html.escape(prompt)}</code>")
        self.last = dict(prompt=prompt, seeds=seeds, images=imgs, readings=readings, fidelity=fid,
                         seconds=took, drawn=drawn)
        return self.last

    def _readings_html(self, r, seeds) -> str:
        """One column per picture: the value the tagger reads in each tag group (identity groups
        green where they are the character's, red where not)."""
        head = "".join(f"<th>seed {s}</th>" for s in seeds)
        rows = []
        for g in world.GROUPS:
            cells = []
            for i in range(len(r)):
                v = r.values[g][i]
                style = ""
                if g in world.IDENTITY_GROUPS:
                    style = ' style="color:#1a7f37"' if v == self.character.get(g) else ' style="color:#b42318"'
                cells.append(f"<td{style}>{html.escape(v or '—')}</td>")
            rows.append(f"<tr><th>{g.replace('_', ' ')}</th>{''.join(cells)}</tr>")
        her = [all(r.values[g][i] == self.character.get(g) for g in world.IDENTITY_GROUPS) for i in range(len(r))]
        rows.append("<tr><th>all of her identity</th>" +
                    "".join(f"<td><b>{'yes' if h else 'no'}</b></td>" for h in her) + "</tr>")
        return (f'<table class="lora-lab-readings" style="font-size:11px"><tr><th>the tagger reads</th>{head}</tr>'
                + "".join(rows) + "</table>")

    @staticmethod
    def _fidelity_html(fid) -> str:
        per = ", ".join(f"{g.replace('_', ' ')} {v:.2f}" for g, v in fid.per_group.items())
        k = int(round(fid.all * fid.n))
        return (f'<div class="lora-lab-fidelity"><b>identity fidelity {fid.all:.2f}</b> '
                f"({k} of {fid.n} pictures show all of her identity)<br>"
                f'<span style="font-size:11px">per attribute: {per}</span></div>')

    # ---- showing ---------------------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs):
        """The live widget, and beside it for readers without a kernel (GitHub, nbviewer, a
        saved notebook) a still of what it shows now: the pictures as PNG and one line of text
        instead of the widget's repr."""
        if self.last is None:
            return self.widget._repr_mimebundle_(**kwargs)
        return plots.with_still(self.widget, self.grid.value,
                                f"weight slider (a still; run the notebook to move it): {self.last['prompt']} — "
                                f"identity fidelity {self.last['fidelity'].all:.2f} on {len(self.last['seeds'])} pictures",
                                **kwargs)

