"""The interactive lab: a LoRA weight slider that draws and reads pictures, and a tag editor.

This module owns the course's two widgets (ipywidgets); the work underneath is done by the
package's own functions, so what a widget shows is what the notebooks measure:

* :class:`SliderLab` — a prompt box (A1111's ``<lora:name:w>`` accepted), a LoRA picker, a
  weight slider (功力, 0–1.5), a seed and a number of images. Every change draws the images
  (:func:`lora_course.evaluation.generate`, one batch, each image seeded on its own), shows them
  as a grid (:func:`lora_course.plots.image_grid`) and, beside it, what the tagger reads on each
  picture and the identity fidelity (:meth:`lora_course.tagger.Tagger.read`,
  :meth:`~lora_course.tagger.Readings.fidelity`). The pipeline and its LoRAs are loaded once, by
  the caller; the widget only switches weights (:func:`lora_course.lora.apply_prompt_loras`),
  keeps the pipeline's LoRA state as it found it, and remembers every image it drew, so going
  back to a weight is instant. Sliders act when released (``continuous_update=False``); a status
  line says when it is drawing.
* :class:`TagEditor` — a dataset folder's thumbnails with their tags: click a tag to remove it
  (click it again to put it back), type tags to add, bulk add / remove / replace, trigger first,
  the tag frequency table, and *save*. Nothing is written before *save*; saving goes through
  :func:`lora_course.dataset.write_caption` (atomic, the old caption kept in ``.backup/``), so no
  caption is ever lost.

Both work without a browser: their controls are attributes (``lab.weight.value = 0.6`` redraws,
``editor.save_button.click()`` saves), and a notebook shows them as their ``.widget``.
"""
from __future__ import annotations

import html
import io
import re
import time
from collections import OrderedDict
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import ipywidgets as W
import numpy as np
from PIL import Image

from . import dataset, evaluation, lora, world
from .base_model import DEFAULT_GUIDANCE, DEFAULT_STEPS
from .plots import image_grid

#: The slider's range: A1111 users go past "ten levels" (w = 1) to overdrive a LoRA.
WEIGHT_MIN, WEIGHT_MAX, WEIGHT_STEP = 0.0, 1.5, 0.05
#: Pictures drawn per change at most (a CPU draws ~17 of the course's pictures per second).
MAX_IMAGES = 16

_BUSY = "⏳"
_DONE = "✓"
_FAIL = "⚠"


def _png(fig_or_image, dpi: Optional[int] = None) -> bytes:
    """A matplotlib figure or a PIL image as PNG bytes."""
    buf = io.BytesIO()
    if isinstance(fig_or_image, Image.Image):
        fig_or_image.save(buf, format="PNG")
    else:
        fig_or_image.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _lora_tag(name: str) -> re.Pattern:
    """``<lora:name>`` or ``<lora:name:w>`` for one LoRA name (A1111 matches names exactly)."""
    return re.compile(r"<lora:\s*" + re.escape(name) + r"\s*(?::[^>]*)?>", re.IGNORECASE)


def set_prompt_weight(prompt: str, name: str, weight: float) -> str:
    """``prompt`` with its ``<lora:name:…>`` tag set to ``weight`` (the tag is not added if absent)."""
    return _lora_tag(name).sub(f"<lora:{name}:{weight:g}>", prompt)


def rename_prompt_lora(prompt: str, old: str, new: Optional[str], weight: float) -> str:
    """``prompt`` with the tag of LoRA ``old`` turned into ``<lora:new:weight>`` (or removed when
    ``new`` is ``None``), commas tidied as :func:`lora_course.lora.parse_prompt` does."""
    if new is None:
        pieces = [" ".join(p.split()) for p in _lora_tag(old).sub(" ", prompt).split(",")]
        return ", ".join(p for p in pieces if p)
    return _lora_tag(old).sub(f"<lora:{new}:{weight:g}>", prompt)


# =============================================================================================
# The weight slider
# =============================================================================================
class SliderLab:
    """Prompt, LoRA, weight, seed and number of images → the pictures, what the tagger reads on
    each, and the identity fidelity. Show it in a notebook as the cell's value.

    ``pipe`` is a pipeline with its LoRAs already loaded (e.g. ``lab.pipe`` after
    ``lab.train(...)``); ``tagger`` reads the pictures. The images of a change are seeds
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

        names = lora.loaded_adapters(pipe)
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
        """The slider on a :class:`lora_course.course.Lab`'s pipeline and tagger."""
        return cls(lab.pipe, lab.tagger, **kwargs)

    # ---- what is asked ---------------------------------------------------------------------
    def seeds(self) -> List[int]:
        return list(range(int(self.seed.value), int(self.seed.value) + int(self.n_images.value)))

    def lora_weights(self) -> Tuple[str, Dict[str, float]]:
        """(prompt without tags, {LoRA: weight}) as drawn: the prompt's tags, with the picked LoRA
        at the slider's weight. Raises ``ValueError`` for a malformed tag."""
        clean, weights = lora.parse_prompt(self.prompt.value)
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
            _, weights = lora.parse_prompt(self.prompt.value)
        except ValueError:
            return
        loaded = lora.loaded_adapters(self.pipe)
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
            with lora.kept_lora_state(self.pipe):
                lora.set_lora_weights(self.pipe, weights)
                new = evaluation.generate(self.pipe, [clean] * len(todo), todo, steps=self.steps,
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
        fig = image_grid(imgs[None], col_labels=[f"seed {s}" for s in seeds], title=prompt, cell=1.6)
        png = _png(fig)
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
        return self.widget._repr_mimebundle_(**kwargs)


def slider_lab(lab, **kwargs) -> SliderLab:
    """:class:`SliderLab` on a course lab: ``widgets.slider_lab(lab, prompt="1girl", weight=0.6)``."""
    return SliderLab.from_lab(lab, **kwargs)


# =============================================================================================
# The tag editor
# =============================================================================================
class _Row:
    """One picture of the editor: its thumbnail, a button per tag, a box to add tags."""

    def __init__(self, editor: "TagEditor", index: int, item: dataset.Item, thumb: int):
        self.item = item
        img = dataset.load_image(item.image_path).resize((thumb, thumb), Image.NEAREST)
        self.thumbnail = W.Image(value=_png(img), format="png", width=thumb, height=thumb)
        self.name = W.HTML(f"<code>{html.escape(item.image_path.name)}</code>")
        self.tags = W.HBox(layout=W.Layout(flex_flow="row wrap", width="100%"))
        self.tag_buttons: Dict[str, W.Button] = {}      # current tags: click removes
        self.removed_buttons: Dict[str, W.Button] = {}  # removed since saving: click puts back
        self.new_tag = W.Text(placeholder="add tags: a, b", continuous_update=False,
                              layout=W.Layout(width="200px"))
        self.add_button = W.Button(description="add", layout=W.Layout(width="60px"))
        self.add_button.on_click(lambda _b: editor._add_typed(index))
        self.new_tag.observe(lambda _c: editor._add_typed(index) if self.new_tag.value.strip() else None,
                             names="value")
        self.widget = W.HBox([self.thumbnail, W.VBox([self.name, self.tags, W.HBox([self.new_tag, self.add_button])],
                                                     layout=W.Layout(width="100%"))])
        self.widget.add_class("lora-tag-row")


class TagEditor:
    """Edit the captions of a kohya dataset folder; nothing is written before :meth:`save`.

    ``folder`` is a dataset root or a concept folder (see :func:`lora_course.dataset.load_dataset`);
    pictures without a caption start with no tags. Typed tags are written in their booru
    spelling (:func:`lora_course.dataset.normalize_tag`: ``Long_Hair`` → ``long hair``). Every
    edit is also a method (:meth:`remove`, :meth:`add`, :meth:`add_all`, :meth:`remove_all`,
    :meth:`replace_all`, :meth:`trigger_first`, :meth:`save`, :meth:`revert`), so the editor can
    be driven from code.
    """

    def __init__(self, folder: Union[str, Path], thumb: int = 96):
        self.folder = Path(folder)
        self.dataset = dataset.load_dataset(self.folder, allow_missing=True)
        self.items: List[dataset.Item] = self.dataset.items
        #: the captions as they are on disk (None: no caption file)
        self.on_disk: List[Optional[List[str]]] = [list(it.tags) if it.caption_path.exists() else None
                                                   for it in self.items]
        # shared by every tag button (fewer widget models in the page and in a saved notebook)
        self._tag_layout = W.Layout(width="auto", margin="1px")
        self._tag_style = W.ButtonStyle()
        self._removed_style = W.ButtonStyle(text_decoration="line-through")
        self.rows = [_Row(self, i, it, thumb) for i, it in enumerate(self.items)]

        self.tag = W.Text(description="tag", placeholder="long hair", layout=W.Layout(width="240px"))
        self.new = W.Text(description="new", placeholder="replacement (for replace)",
                          layout=W.Layout(width="240px"))
        auto = W.Layout(width="auto")
        self.add_all_button = W.Button(description="add to all", icon="plus", layout=auto)
        self.remove_all_button = W.Button(description="remove from all", icon="minus", layout=auto)
        self.replace_all_button = W.Button(description="replace by new", icon="retweet", layout=auto)
        self.trigger = W.Text(description="trigger", value=self._guess_trigger(), layout=W.Layout(width="240px"))
        self.trigger_button = W.Button(description="trigger first everywhere", icon="arrow-left",
                                       layout=W.Layout(width="210px"))
        self.save_button = W.Button(description="save", button_style="success", icon="save")
        self.revert_button = W.Button(description="revert unsaved", icon="undo")
        self.frequency_table = W.HTML()
        self.status = W.HTML()

        self.add_all_button.on_click(lambda _b: self.add_all(self.tag.value))
        self.remove_all_button.on_click(lambda _b: self.remove_all(self.tag.value))
        self.replace_all_button.on_click(lambda _b: self.replace_all(self.tag.value, self.new.value))
        self.trigger_button.on_click(lambda _b: self.trigger_first(self.trigger.value))
        self.save_button.on_click(lambda _b: self.save())
        self.revert_button.on_click(lambda _b: self.revert())

        bulk = W.VBox([W.HTML("<b>every picture</b>"), W.HBox([self.tag, self.new]),
                       W.HBox([self.add_all_button, self.remove_all_button, self.replace_all_button]),
                       W.HBox([self.trigger, self.trigger_button]),
                       W.HBox([self.save_button, self.revert_button]), self.status])
        self.widget = W.VBox([W.HBox([bulk, self.frequency_table]), *[r.widget for r in self.rows]])
        self.widget.add_class("lora-tag-editor")
        self.status.add_class("lora-tag-status")
        self.save_button.add_class("lora-tag-save")
        for i in range(len(self.items)):
            self._render_row(i)
        self._refresh(f"{len(self.items)} picture(s) in <code>{html.escape(self.folder.name)}</code>")

    # ---- reading ---------------------------------------------------------------------------
    def tags(self, i: int) -> List[str]:
        """The tags of picture ``i`` as edited (saved or not)."""
        return list(self.items[i].tags)

    def frequency(self):
        """How many pictures carry each tag, as edited (:func:`lora_course.dataset.tag_frequency`)."""
        return dataset.tag_frequency(self.dataset)

    def unsaved(self) -> List[int]:
        """Indices of the pictures whose tags differ from their caption file."""
        return [i for i, it in enumerate(self.items) if it.tags != (self.on_disk[i] or [])
                or (self.on_disk[i] is None and it.tags)]

    def _guess_trigger(self) -> str:
        firsts = [it.tags[0] for it in self.items if it.tags]
        return max(set(firsts), key=firsts.count) if firsts else ""

    # ---- editing (nothing is written) ------------------------------------------------------
    @staticmethod
    def _typed(tags: Union[str, Sequence[str]]) -> List[str]:
        text = tags if isinstance(tags, str) else ", ".join(tags)
        return dataset.normalize_tags(dataset.split_tags(text))

    def _set(self, i: int, tags: Sequence[str]) -> None:
        self.items[i].tags = dataset.dedupe(tags)
        self._render_row(i)

    def remove(self, i: int, tag: str) -> None:
        """Remove ``tag`` from picture ``i`` (the click on a tag)."""
        self._set(i, dataset.remove_tags(self.items[i].tags, tag))
        self._refresh(f"removed <code>{html.escape(tag)}</code> from {html.escape(self.items[i].image_path.name)}")

    def add(self, i: int, tags: Union[str, Sequence[str]]) -> None:
        """Add tags (``"a, b"`` or a list) to picture ``i``, at the end."""
        new = self._typed(tags)
        if not new:
            return
        self._set(i, dataset.add_tags(self.items[i].tags, new))
        self._refresh(f"added {html.escape(dataset.caption_text(new))} to "
                      f"{html.escape(self.items[i].image_path.name)}")

    def _add_typed(self, i: int) -> None:
        box = self.rows[i].new_tag
        text, box.value = box.value, ""
        self.add(i, text)

    def _bulk(self, fn, what: str) -> int:
        changed = 0
        for i, it in enumerate(self.items):
            new = dataset.dedupe(fn(list(it.tags)))
            if new != it.tags:
                self._set(i, new)
                changed += 1
        self._refresh(f"{what}: {changed} picture(s) changed")
        return changed

    def add_all(self, tags: Union[str, Sequence[str]], first: bool = False) -> int:
        """Add tags to every picture lacking them; returns how many changed."""
        new = self._typed(tags)
        if not new:
            self._refresh(f"{_FAIL} type a tag first")
            return 0
        return self._bulk(lambda t: dataset.add_tags(t, new, first=first), f"added {dataset.caption_text(new)}")

    def remove_all(self, tag: str) -> int:
        """Remove a tag (as typed, or in its booru spelling) from every picture."""
        gone = dataset.dedupe([tag.strip(), *self._typed(tag)])
        return self._bulk(lambda t: dataset.remove_tags(t, gone), f"removed {tag.strip()}")

    def replace_all(self, old: str, new: str) -> int:
        """Replace ``old`` by ``new`` in every picture, in place."""
        new_tags = self._typed(new)
        if len(new_tags) != 1:
            self._refresh(f"{_FAIL} replace needs exactly one new tag, got {html.escape(new)!r}")
            return 0
        olds = dataset.dedupe([old.strip(), *self._typed(old)])

        def fn(tags):
            for o in olds:
                tags = dataset.replace_tag(tags, o, new_tags[0])
            return tags
        return self._bulk(fn, f"replaced {old.strip()} by {new_tags[0]}")

    def trigger_first(self, trigger: str) -> int:
        """Put the trigger word first in every caption (kohya's ``keep_tokens=1``)."""
        t = self._typed(trigger)
        if len(t) != 1:
            self._refresh(f"{_FAIL} the trigger is one tag, got {html.escape(trigger)!r}")
            return 0
        return self._bulk(lambda tags: dataset.put_first(tags, t[0]), f"{t[0]} first")

    def revert(self) -> None:
        """Forget the unsaved edits: every picture gets its caption file's tags back."""
        for i, it in enumerate(self.items):
            if it.tags != (self.on_disk[i] or []):
                self._set(i, self.on_disk[i] or [])
        self._refresh("unsaved edits dropped")

    # ---- writing ---------------------------------------------------------------------------
    def save(self) -> int:
        """Write every changed caption (atomically; the old one is kept in ``.backup/``, see
        :func:`lora_course.dataset.write_caption`); returns how many files were written."""
        written = 0
        for i in self.unsaved():
            it = self.items[i]
            if dataset.write_caption(it.caption_path, it.tags) or self.on_disk[i] is None:
                written += 1
            it.tags = dataset.read_caption(it.caption_path)
            self.on_disk[i] = list(it.tags)
            self._render_row(i)
        backups = sum(len(dataset.backups_of(it.caption_path)) for it in self.items)
        self._refresh(f"saved {written} caption(s); {backups} old version(s) kept in .backup/")
        return written

    # ---- showing ---------------------------------------------------------------------------
    def _render_row(self, i: int) -> None:
        row, tags = self.rows[i], self.items[i].tags
        for b in [*row.tag_buttons.values(), *row.removed_buttons.values()]:
            b.close()                                   # the old buttons leave the kernel too
        row.tag_buttons, row.removed_buttons = {}, {}
        for k, t in enumerate(tags):
            b = W.Button(description=t, tooltip=f"click to remove {t!r}", icon="times",
                         button_style="info" if k == 0 else "", layout=self._tag_layout,
                         style=self._tag_style)
            b.on_click(lambda _b, t=t: self.remove(i, t))
            row.tag_buttons[t] = b
        for t in (self.on_disk[i] or []):
            if t not in tags:
                b = W.Button(description=t, tooltip=f"removed (unsaved): click to put {t!r} back", icon="plus",
                             button_style="warning", layout=self._tag_layout, style=self._removed_style)
                b.on_click(lambda _b, t=t: self.add(i, [t]))
                row.removed_buttons[t] = b
        row.tags.children = [*row.tag_buttons.values(), *row.removed_buttons.values()]
        unsaved = tags != (self.on_disk[i] or []) or (self.on_disk[i] is None and tags)
        row.name.value = (f"<code>{html.escape(self.items[i].image_path.name)}</code>"
                          + (" <b style='color:#b54708'>● unsaved</b>" if unsaved else ""))

    def _refresh(self, message: str) -> None:
        freq = self.frequency()
        n = len(self.items)
        rows = "".join(f"<tr><td>{html.escape(t)}</td><td>{c}</td><td>{c / n:.0%}</td></tr>"
                       for t, c in sorted(freq.items(), key=lambda kv: (-kv[1], kv[0])))
        self.frequency_table.value = ('<table class="lora-tag-frequency" style="font-size:11px">'
                                      f"<tr><th>tag</th><th>pictures</th><th>share</th></tr>{rows}</table>")
        pending = len(self.unsaved())
        tail = f"; <b>{pending} unsaved</b>" if pending else "; everything saved"
        self.status.value = f"{message}{tail}"

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
