"""The tag editor: a dataset folder's thumbnails with their tags, edited by clicking.

:class:`TagEditor` shows every picture with a button per tag: click a tag to remove it (click it
again to put it back), type tags to add, bulk add / remove / replace, trigger first, the tag
frequency table, what the caption lint finds in the captions as edited
(:mod:`lora_course.datasets.caption_lint`, each finding marked on the pictures it names), and *save*.
Nothing is written before *save*; saving goes through
:func:`lora_course.datasets.dataset.write_caption` (atomic, the old caption kept in ``.backup/``), so no
caption is ever lost. It works without a browser: every edit is also a method, and
``editor.save_button.click()`` saves.
"""
from __future__ import annotations

import html
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

import ipywidgets as W
import numpy as np
from PIL import Image

from ..datasets import caption_lint, dataset
from . import plots

_FAIL = "⚠"


# =============================================================================================
# The tag editor
# =============================================================================================
class _Row:
    """One picture of the editor: its thumbnail, a button per tag, a box to add tags."""

    def __init__(self, editor: "TagEditor", index: int, item: dataset.Item, thumb: int):
        self.item = item
        img = dataset.load_image(item.image_path).resize((thumb, thumb), Image.NEAREST)
        self.thumbnail = W.Image(value=plots.png_bytes(img), format="png", width=thumb, height=thumb)
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

    ``folder`` is a dataset root or a concept folder (see :func:`lora_course.datasets.dataset.load_dataset`);
    pictures without a caption start with no tags. Typed tags are written in their booru
    spelling (:func:`lora_course.datasets.dataset.normalize_tag`: ``Long_Hair`` → ``long hair``). Every
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
        self.findings_panel = W.HTML()
        self._flagged: Dict[str, List[str]] = {}    # picture stem -> kinds of the findings naming it
        self.status = W.HTML()

        self.add_all_button.on_click(lambda _b: self.add_all(self.tag.value))
        self.remove_all_button.on_click(lambda _b: self.remove_all(self.tag.value))
        self.replace_all_button.on_click(lambda _b: self.replace_all(self.tag.value, self.new.value))
        self.trigger_button.on_click(lambda _b: self.trigger_first(self.trigger.value))
        self.save_button.on_click(lambda _b: self.save())
        self.trigger.observe(lambda _c: self._refresh(f"trigger: <code>{html.escape(self.trigger.value)}</code>"),
                             names="value")
        self.revert_button.on_click(lambda _b: self.revert())

        bulk = W.VBox([W.HTML("<b>every picture</b>"), W.HBox([self.tag, self.new]),
                       W.HBox([self.add_all_button, self.remove_all_button, self.replace_all_button]),
                       W.HBox([self.trigger, self.trigger_button]),
                       W.HBox([self.save_button, self.revert_button]), self.status])
        self.widget = W.VBox([W.HBox([bulk, self.frequency_table]), self.findings_panel, *[r.widget for r in self.rows]])
        self.widget.add_class("lora-tag-editor")
        self.status.add_class("lora-tag-status")
        self.findings_panel.add_class("lora-tag-findings")
        self.save_button.add_class("lora-tag-save")
        for i in range(len(self.items)):
            self._render_row(i)
        self._refresh(f"{len(self.items)} picture(s) in <code>{html.escape(self.folder.name)}</code>")

    # ---- reading ---------------------------------------------------------------------------
    def tags(self, i: int) -> List[str]:
        """The tags of picture ``i`` as edited (saved or not)."""
        return list(self.items[i].tags)

    def frequency(self):
        """How many pictures carry each tag, as edited (:func:`lora_course.datasets.dataset.tag_frequency`)."""
        return dataset.tag_frequency(self.dataset)

    def unsaved(self) -> List[int]:
        """Indices of the pictures whose tags differ from their caption file."""
        return [i for i, it in enumerate(self.items) if it.tags != (self.on_disk[i] or [])
                or (self.on_disk[i] is None and it.tags)]

    def lint(self) -> List[caption_lint.Finding]:
        """What the caption lint finds in the captions as edited (saved or not), per concept."""
        out = []
        for c in self.dataset.concepts:
            out += caption_lint.lint_captions(c.name, [(it.image_path, it.tags) for it in c.items],
                                              trigger=self.trigger.value.strip() or None)
        return out

    def _guess_trigger(self) -> str:
        c = self.dataset.concepts[0]
        return caption_lint.guess_trigger(c.name, [it.tags for it in c.items])

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
        :func:`lora_course.datasets.dataset.write_caption`); returns how many files were written."""
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
        flagged = self._flagged.get(self.items[i].image_path.stem, [])
        row.name.value = (f"<code>{html.escape(self.items[i].image_path.name)}</code>"
                          + (" <b style='color:#b54708'>● unsaved</b>" if unsaved else "")
                          + "".join(f" <span style='color:#b42318' title='{html.escape(k)}'>{_FAIL} {html.escape(k)}</span>"
                                    for k in flagged))

    def _refresh(self, message: str) -> None:
        freq = self.frequency()
        n = len(self.items)
        rows = "".join(f"<tr><td>{html.escape(t)}</td><td>{c}</td><td>{c / n:.0%}</td></tr>"
                       for t, c in sorted(freq.items(), key=lambda kv: (-kv[1], kv[0])))
        self.frequency_table.value = ('<table class="lora-tag-frequency" style="font-size:11px">'
                                      f"<tr><th>tag</th><th>pictures</th><th>share</th></tr>{rows}</table>")
        self._show_findings()
        pending = len(self.unsaved())
        tail = f"; <b>{pending} unsaved</b>" if pending else "; everything saved"
        self.status.value = f"{message}{tail}"

    def _show_findings(self) -> None:
        """The lint's findings in both languages above the pictures, and a mark on each picture
        a finding names (its caption or picture file)."""
        findings = self.lint()
        flagged: Dict[str, List[str]] = {}
        for f in findings:
            for name in f.files:
                flagged.setdefault(Path(name).stem, []).append(f.kind)
        before, self._flagged = self._flagged, flagged
        for i, it in enumerate(self.items):            # only the rows whose marks changed
            if before.get(it.image_path.stem) != flagged.get(it.image_path.stem):
                self._render_row(i)
        colour = {"error": "#b42318", "warning": "#b54708", "info": "#475467"}
        lines = "".join(f"<li style='color:{colour[f.severity]}'>{html.escape(f.text('en'))}<br>{html.escape(f.text('zh'))}</li>"
                        for f in findings)
        self.findings_panel.value = (f"<details open><summary><b>caption lint 标注检查</b>: {len(findings)} finding(s)</summary>"
                                     f"<ul style='font-size:11px'>{lines}</ul></details>" if findings
                                     else "<b>caption lint 标注检查</b>: nothing found 未发现问题")

    def _repr_mimebundle_(self, **kwargs):
        """The live widget, and beside it for readers without a kernel (GitHub, nbviewer, a saved
        notebook) a still: the thumbnails with their current tags as PNG, and one line of text
        instead of the widget's repr."""
        return plots.with_still(self.widget, self.still(),
                                f"tag editor (a still; run the notebook to edit): {len(self.items)} pictures "
                                f"in {self.folder.name}, {len(self.unsaved())} unsaved", **kwargs)

    def still(self) -> bytes:
        """PNG: every picture with its current tags under it (what the editor shows)."""
        imgs = np.stack([np.asarray(dataset.load_image(it.image_path).convert("RGB")) for it in self.items])
        labels = [", ".join(self.tags(i)) for i in range(len(self.items))]
        return plots.png_bytes(plots.image_grid(imgs[None], col_labels=labels, cell=1.6))
