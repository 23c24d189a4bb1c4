"""A caption lint: what a kohya folder's captions will do to a LoRA, read before training it.

The course measured how captions decide *which words* a LoRA's features attach to (the article's
thesis). This module turns those measurements into findings about a trainer's own folder,
reading only the captions (no model, no pictures decoded)::

    from lora_course import caption_lint
    report = caption_lint.lint_folder("data/sets/thesis_full")
    print(report.text("en"))            # or "zh"; report.findings for the data

    python -m lora_course.datasets.caption_lint path/to/dataset [--trigger weiwei] [--lang zh]

Per concept folder (``10_weiwei``), it reports:

=======================  ========  ===========================================================
finding                  severity  what it means (the notebook that measured it)
=======================  ========  ===========================================================
``unreadable``           error     the dataset loader would refuse this file or folder (its
                                   own message, with the fix)
``skipped_picture``      warning   a picture in a format the trainer does not read (``.gif``,
                                   ``.tif``...): skipped, not trained on
``trigger_missing``      warning   the trigger is absent from some captions: those pictures
                                   teach the other words instead
``trigger_not_first``    warning   the trigger is not among the first ``keep_tokens`` tags, so
                                   ``shuffle_caption`` moves it around
``named_everywhere``     warning   a tag in (nearly) every caption: the feature stays on that
                                   word, and the trigger alone will not draw it (09)
``trigger_only``         info      no tag but the trigger names what every picture shares: the
                                   trigger absorbs it, and at full weight prompts that share the
                                   look are pulled too (the `1girl` hijack, 夺舍: 03, 09)
``never_varies``         warning   a tag a user may want to change later (mouth, expression,
                                   pose, view) has one value in every caption: the LoRA will
                                   hardly give the other (06, 08)
``few_pictures``         info      fewer than :data:`FEW` pictures: whatever they all show, the
                                   LoRA gives with the trigger, tagged or not (06, 08)
``past_window``          warning   a caption longer than the text encoder's window: its last
                                   tags are cut off and never seen
``duplicate_tag``        warning   a tag written twice in one caption
``spellings``            warning   one booru tag spelled several ways (``long_hair``,
                                   ``Long Hair``, ``long hair``): the model sees several words
``duplicate_picture``    warning   the same picture file twice (byte for byte)
=======================  ========  ===========================================================

Every finding names its files and ends with the fix, in English and in Chinese.
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import json
import sys
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

from . import dataset, tags as tags_
from ..sd import tokenizer as tokenizer_

PathLike = Union[str, Path]

#: A tag in at least this share of a concept's captions is "in every caption, or nearly".
NEARLY_ALL = 0.9
#: A concept with fewer pictures than this gets the ``few_pictures`` note.
FEW = 3
#: Files named in a finding before "and N more".
SHOWN_FILES = 4
#: Tag families a user may want to change at prompt time, by booru tag. A family with one value
#: in every caption is ``never_varies`` (the article's experiments 5 and 7).
CHANGEABLE: Dict[str, Tuple[str, ...]] = {
    "mouth": ("open mouth", "closed mouth", "parted lips", ":d", ":o", ":3"),
    "expression": ("smile", "crying", "tears", "frown", "angry", "sad", "blush", "expressionless",
                   "surprised", "grin", "laughing", "pout", "smirk"),
    "pose": ("standing", "sitting", "lying", "kneeling", "squatting", "walking", "running",
             "on back", "on stomach", "arms up", "hand on hip"),
    "view": ("full body", "upper body", "cowboy shot", "portrait", "close-up", "from side",
             "from behind", "from above", "from below", "looking at viewer", "looking away"),
}
#: Where each finding was measured in the course (the notebook a reader can open).
SEE = {"named_everywhere": ("09_thesis",), "trigger_only": ("03_1girl_hijack", "09_thesis"),
       "never_varies": ("06_mouth", "08_poses"), "few_pictures": ("06_mouth", "08_poses")}
SEVERITY = {"unreadable": "error", "skipped_picture": "warning", "trigger_missing": "warning", "trigger_not_first": "warning",
            "named_everywhere": "warning", "trigger_only": "info", "never_varies": "warning",
            "few_pictures": "info", "past_window": "warning", "duplicate_tag": "warning",
            "spellings": "warning", "duplicate_picture": "warning"}
_FAMILY_OF = {t: fam for fam, ts in CHANGEABLE.items() for t in ts}


@dataclass(frozen=True)
class Finding:
    """One thing the captions will do, for one concept folder, in both languages."""
    kind: str
    concept: str
    files: Tuple[str, ...]
    en: str
    zh: str
    fix_en: str
    fix_zh: str

    @property
    def severity(self) -> str:
        return SEVERITY[self.kind]

    @property
    def see(self) -> Tuple[str, ...]:
        """The course's notebooks that measured what this finding predicts."""
        return SEE.get(self.kind, ())

    def text(self, lang: str = "en") -> str:
        files = _files(self.files, lang)
        if lang == "zh":
            see = f"（课程在 {'、'.join(self.see)} 里量过）" if self.see else ""
            return f"[{_ZH_SEVERITY[self.severity]}] {self.concept}: {self.zh}{see}。{files}改法：{self.fix_zh}"
        see = f" (measured in notebook{'s' if len(self.see) > 1 else ''} {' and '.join(self.see)})" if self.see else ""
        return f"[{self.severity}] {self.concept}: {self.en}{see}. {files}Fix: {self.fix_en}"


_ZH_SEVERITY = {"error": "错误", "warning": "警告", "info": "提示"}


def _files(files: Sequence[str], lang: str) -> str:
    if not files:
        return ""
    shown = ", ".join(files[:SHOWN_FILES])
    if lang == "zh":
        more = f" 等 {len(files)} 个文件" if len(files) > SHOWN_FILES else ""
        return f"文件：{shown}{more}。"
    more = f" and {len(files) - SHOWN_FILES} more" if len(files) > SHOWN_FILES else ""
    return f"Files: {shown}{more}. "


@dataclass
class Report:
    """The findings of one dataset folder, and how many captions were read."""
    root: str
    captions: int
    findings: List[Finding] = field(default_factory=list)

    def of(self, kind: str) -> List[Finding]:
        return [f for f in self.findings if f.kind == kind]

    def text(self, lang: str = "en") -> str:
        """Every finding, one per line, under a one-line summary (``lang``: "en" or "zh") that
        names the folder (its name only: the same text on every machine)."""
        counts = collections.Counter(f.severity for f in self.findings)
        name = Path(self.root).name
        if lang == "zh":
            head = (f"{name}：读了 {self.captions} 个标注文件，错误 {counts['error']} 条，"
                    f"警告 {counts['warning']} 条，提示 {counts['info']} 条")
        else:
            head = (f"{name}: {self.captions} captions read; {counts['error']} errors, "
                    f"{counts['warning']} warnings, {counts['info']} notes")
        return "\n".join([head] + ["  " + f.text(lang) for f in self.findings])

    def to_json(self) -> dict:
        return {"root": self.root, "captions": self.captions,
                "findings": [{**asdict(f), "severity": f.severity, "see": f.see} for f in self.findings]}


# --------------------------------------------------------------------------------------------
# Reading the folder (captions only)
# --------------------------------------------------------------------------------------------
@dataclass
class _Caption:
    image: Path
    tags: List[str]          # as written, split and cleaned, duplicates kept


def _concept_folders(root: Path) -> List[Path]:
    if not root.is_dir():
        raise dataset.DatasetError(f"{root}: {'not a folder' if root.exists() else 'no such folder'}. "
                                   "Fix: pass a dataset root or a concept folder")
    if dataset.image_files(root):
        return [root]
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


def _read(folder: Path, report: Report) -> Tuple[str, List[_Caption]]:
    """The concept's name and its readable captions; what the loader would refuse becomes an
    ``unreadable`` finding."""
    try:
        _, name = dataset._parse_repeats(folder, None)
    except dataset.DatasetError as e:
        report.findings.append(_unreadable(folder.name, folder, e))
        name = folder.name
    unread = dataset.unread_image_files(folder)
    if unread:
        shown = ", ".join(p.suffix.lower() for p in unread[:3])
        report.findings.append(Finding(
            "skipped_picture", name, tuple(p.name for p in unread),
            f"{len(unread)} picture(s) in a format the trainer does not read ({shown}) are skipped, not trained on",
            f"有 {len(unread)} 张图的格式训练时不读（{shown}），会被跳过，不参与训练",
            "convert them to PNG (the .txt captions stay as they are), or move them out of the folder",
            "把它们转成 PNG（旁边的 .txt 标注不用动），或移出这个文件夹"))
    out = []
    for image in dataset.image_files(folder):
        cap = image.with_suffix(dataset.CAPTION_EXTENSION)
        if not cap.is_file():
            report.findings.append(Finding(
                "unreadable", name, (image.name,), f"{image.name} has no caption file {cap.name}",
                f"{image.name} 没有标注文件 {cap.name}", "tag it (auto-tag the folder) or write the caption",
                "给它打标（自动打标整个文件夹）或手写标注"))
            continue
        try:                                   # the loader's checks: encoding, control characters
            out.append(_Caption(image, dataset.read_caption_as_written(cap)))
        except dataset.DatasetError as e:
            report.findings.append(_unreadable(name, cap, e))
    return name, out


def _unreadable(concept: str, path: Path, e: Exception) -> Finding:
    problem, _, fix = str(e).partition(". Fix: ")
    return Finding("unreadable", concept, (path.name,), problem, f"数据集读取会拒绝：{problem}", fix or "see the message",
                   f"按英文提示修改：{fix}" if fix else "见英文提示")


# --------------------------------------------------------------------------------------------
# The findings
# --------------------------------------------------------------------------------------------
def lint_folder(root: PathLike, trigger: Optional[str] = None, keep_tokens: int = 1,
                tokenizer=None) -> Report:
    """Lint every concept folder of ``root`` (a dataset root or one concept folder).

    ``trigger``: the trigger word (default: per concept, the concept's name if its captions use
    it, else the most common first tag). ``keep_tokens``: kohya's, the tags kept in front when
    captions are shuffled. ``tokenizer``: a ``transformers`` tokenizer of the model to be trained
    (its ``model_max_length`` sets the window); default: the course's base model's.
    """
    root = Path(root)
    report = Report(str(root), 0)
    count = _token_counter(tokenizer)
    for folder in _concept_folders(root):
        name, caps = _read(folder, report)
        report.captions += len(caps)
        if caps:
            report.findings.extend(_lint_concept(name, caps, trigger, keep_tokens, count))
    report.findings = _in_order(report.findings)
    return report


def lint_captions(concept: str, captions: Sequence[Tuple[PathLike, Sequence[str]]], trigger: Optional[str] = None,
                  keep_tokens: int = 1, tokenizer=None) -> List[Finding]:
    """The findings of one concept from captions held in memory: ``[(image path, tags)]`` (the
    tag editor lints its unsaved edits this way; the picture files are read for twins only)."""
    caps = [_Caption(Path(image), [t for t in map(tags_.clean, tags) if t]) for image, tags in captions]
    return _in_order(_lint_concept(concept, caps, trigger, keep_tokens, _token_counter(tokenizer))) if caps else []


def _in_order(findings: List[Finding]) -> List[Finding]:
    """Errors first, then warnings, then notes; within each, in the order of :data:`SEVERITY`."""
    order = list(SEVERITY)
    return sorted(findings, key=lambda f: (["error", "warning", "info"].index(f.severity), order.index(f.kind)))


def _lint_concept(name: str, caps: List[_Caption], trigger: Optional[str], keep_tokens: int,
                  count) -> List[Finding]:
    n = len(caps)
    trig = trigger or guess_trigger(name, [c.tags for c in caps])
    out: List[Finding] = []
    files = {id(c): c.image.with_suffix(dataset.CAPTION_EXTENSION).name for c in caps}

    # the trigger: in every caption, and first
    missing = [files[id(c)] for c in caps if trig not in c.tags]
    if missing:
        out.append(Finding("trigger_missing", name, tuple(missing),
                           f"the trigger `{trig}` is missing from {len(missing)} of {n} captions: those pictures "
                           "teach the other words, not the trigger",
                           f"{n} 个标注里有 {len(missing)} 个缺少触发词 `{trig}`：这些图教的是别的词，不是触发词",
                           f"add `{trig}` first to every caption (dataset.set_trigger)",
                           f"在每个标注的最前面加上 `{trig}`（dataset.set_trigger）"))
    late = [files[id(c)] for c in caps if trig in c.tags and c.tags.index(trig) >= keep_tokens]
    if late and keep_tokens > 0:
        out.append(Finding("trigger_not_first", name, tuple(late),
                           f"`{trig}` is not among the first {keep_tokens} tag(s) of {len(late)} captions, so "
                           "shuffle_caption moves it around with the rest",
                           f"有 {len(late)} 个标注里 `{trig}` 不在前 {keep_tokens} 个标签内，打乱标签（shuffle_caption）时它会被挪走",
                           f"put `{trig}` first (dataset.set_trigger), or raise keep_tokens",
                           f"把 `{trig}` 放到最前面（dataset.set_trigger），或调大 keep_tokens"))

    # what every caption names, and what none varies
    freq = collections.Counter(t for c in caps for t in dict.fromkeys(c.tags))
    everywhere = [t for t, k in freq.items() if t != trig and k >= NEARLY_ALL * n]
    named = [t for t in everywhere if t not in _FAMILY_OF]
    if named and n >= 2:
        shown = ", ".join(f"`{t}`" for t in named)
        out.append(Finding("named_everywhere", name, (),
                           f"{shown} in every caption (or nearly): what these tags name stays on these words, and "
                           f"`{trig}` alone will not draw it",
                           f"{shown} 几乎出现在每个标注里：它们描述的特征留在这些词上，只写 `{trig}` 画不出来",
                           f"if `{trig}` should carry these features, delete these tags from the captions "
                           "(dataset.remove_tag_everywhere); keep them only if you will always prompt them",
                           f"如果想让 `{trig}` 承载这些特征，就从标注里删掉这些标签（dataset.remove_tag_everywhere）；"
                           "只有打算每次都在提示词里写上它们时才保留"))
    if not named:
        out.append(Finding("trigger_only", name, (),
                           f"no tag but `{trig}` names what every picture shares: `{trig}` absorbs all of it, "
                           "and at full weight the LoRA also pulls prompts that draw a similar picture (the "
                           "`1girl` hijack, 夺舍)",
                           f"除了 `{trig}`，没有标签描述所有图共有的东西：这些全被 `{trig}` 吸收；满权重时，"
                           "画相似图的提示词也会被拉过去（`1girl` 被夺舍）",
                           "fine for a one-word character; use a lower weight (notebook 12) or prior-preservation "
                           "pictures (notebook 11) where other prompts must stay themselves",
                           "想要一个词就调出角色，这样没问题；要让别的提示词保持原样，就降低功力（第 12 课）"
                           "或加先验保留图（第 11 课）"))
    for fam in CHANGEABLE:
        values = [t for t in freq if _FAMILY_OF.get(t) == fam]
        if len(values) == 1 and freq[values[0]] >= NEARLY_ALL * n:
            v = values[0]
            out.append(Finding("never_varies", name, (),
                               f"every picture is tagged `{v}` and none shows another {fam}: the LoRA will hardly "
                               f"give another {fam}, even when the prompt asks for it",
                               f"每张图都标着 `{v}`，没有一张是别的{_ZH_FAMILY[fam]}：即使提示词要求，LoRA 也很难给出别的{_ZH_FAMILY[fam]}",
                               f"add pictures with another {fam}, tagged (e.g. `{_other(fam, v)}`)",
                               f"加几张别的{_ZH_FAMILY[fam]}的图，并打上标签（例如 `{_other(fam, v)}`）"))
    if n < FEW:
        out.append(Finding("few_pictures", name, (),
                           f"{n} picture(s): whatever they all show (mouth, expression, pose, background), the "
                           "LoRA gives with the trigger, tagged or not",
                           f"只有 {n} 张图：它们共有的东西（嘴、表情、姿势、背景），不管标没标，LoRA 都会跟着触发词一起给出",
                           "add pictures that differ in what should stay controllable, and tag the difference",
                           "加几张在想控制的地方不同的图，并把不同之处标出来"))

    # the text encoder's window
    if count is not None:
        cut = {}
        for c in caps:
            lost = count(tags_.caption_text(c.tags))
            if lost:
                cut[files[id(c)]] = lost
        if cut:
            worst = max(cut.values(), key=len)
            out.append(Finding("past_window", name, tuple(cut),
                               f"{len(cut)} caption(s) are longer than the text encoder's window; their last tags are "
                               f"cut off and never seen (e.g. {', '.join(f'`{t}`' for t in worst[:5])})",
                               f"{len(cut)} 个标注超出了文本编码器的窗口，最后的标签被截掉，模型看不到"
                               f"（例如 {', '.join(f'`{t}`' for t in worst[:5])}）",
                               "prune what the trigger should absorb, or put the tags that matter first",
                               "删掉应该由触发词吸收的标签，或把重要的标签放到前面"))

    # spelling: duplicates in a caption, one tag spelled several ways, duplicate pictures
    dup = {files[id(c)]: sorted({t for t in c.tags if c.tags.count(t) > 1}) for c in caps}
    dup = {f: ts for f, ts in dup.items() if ts}
    if dup:
        ex = next(iter(dup.values()))
        out.append(Finding("duplicate_tag", name, tuple(dup),
                           f"{len(dup)} caption(s) write a tag twice (e.g. `{ex[0]}`); the loader keeps the first",
                           f"{len(dup)} 个标注把同一个标签写了两次（例如 `{ex[0]}`），读取时只保留第一个",
                           "delete the repeats (any caption edit of dataset rewrites it deduplicated)",
                           "删掉重复的标签（用 dataset 的任何标注编辑函数重写一次就会去重）"))
    spellings = collections.defaultdict(set)
    for c in caps:
        for t in c.tags:
            spellings[tags_.normalize_tag(t)].add(t)
    for norm, written in sorted(spellings.items()):
        if len(written) > 1:
            where = tuple(files[id(c)] for c in caps if set(c.tags) & (written - {norm}))
            ways = ", ".join(f"`{w}`" for w in sorted(written))
            out.append(Finding("spellings", name, where,
                               f"one tag spelled {len(written)} ways ({ways}): the model sees {len(written)} "
                               "different words",
                               f"同一个标签有 {len(written)} 种写法（{ways}）：模型会当成 {len(written)} 个不同的词",
                               f"write it one way, `{norm}` (tags.normalize_tags, dataset.replace_tag_everywhere)",
                               f"统一写成 `{norm}`（tags.normalize_tags、dataset.replace_tag_everywhere）"))
    seen: Dict[str, str] = {}
    twins: Dict[str, str] = {}                 # copy -> the picture it copies
    for c in caps:
        digest = _digest(c.image)
        if digest in seen:
            twins[c.image.name] = seen[digest]
        else:
            seen[digest] = c.image.name
    if twins:
        pairs = ", ".join(f"{copy} = {first}" for copy, first in twins.items())
        out.append(Finding("duplicate_picture", name, tuple(twins),
                           f"{len(twins)} picture(s) are byte-for-byte copies of another, so they count twice "
                           f"({pairs})",
                           f"有 {len(twins)} 张图和另一张完全相同，等于训练了两遍（{pairs}）",
                           "delete the copies, or raise the folder's repeats on purpose",
                           "删掉重复的图；想多训练它就有意调高文件夹的重复次数"))
    return out


def _digest(image: Path) -> str:
    """The picture file's SHA-1, read once per file version (the tag editor lints on every edit)."""
    st = image.stat()
    return _digest_of(str(image), st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=65536)
def _digest_of(path: str, size: int, mtime_ns: int) -> str:
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()


_ZH_FAMILY = {"mouth": "嘴型", "expression": "表情", "pose": "姿势", "view": "视角"}


def _other(fam: str, value: str) -> str:
    return next(t for t in CHANGEABLE[fam] if t != value)


def guess_trigger(concept: str, captions: Sequence[Sequence[str]]) -> str:
    """A concept's trigger word: its folder's name if the captions use it (kohya's
    ``10_weiwei``), else the most common first tag (the tag editor's default too)."""
    if any(concept in tags for tags in captions):
        return concept
    firsts = collections.Counter(tags[0] for tags in captions if tags)
    return firsts.most_common(1)[0][0] if firsts else concept


# --------------------------------------------------------------------------------------------
# Counting tokens: the course's tokenizer (fast, no model) or the one the user gives
# --------------------------------------------------------------------------------------------
class _FastTokenizer:
    """The course's base-model tokenizer read with the ``tokenizers`` library (no torch): called
    like a ``transformers`` tokenizer, as :func:`lora_course.sd.tokenizer.lost_tags` calls it."""

    def __init__(self, folder: Path):
        from tokenizers import Tokenizer
        self._tk = Tokenizer.from_file(str(folder / "tokenizer.json"))
        cfg = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
        self.model_max_length = int(cfg["model_max_length"])

    def __call__(self, text: str, add_special_tokens: bool = False, truncation: bool = False,
                 max_length: Optional[int] = None) -> dict:
        ids = self._tk.encode(text, add_special_tokens=add_special_tokens).ids
        return {"input_ids": ids[:max_length] if truncation and max_length else ids}


@lru_cache(maxsize=1)
def _course_tokenizer() -> Optional[_FastTokenizer]:
    from ..core.paths import DATA_DIR
    folder = DATA_DIR / "base" / "tokenizer"
    return _FastTokenizer(folder) if (folder / "tokenizer.json").is_file() else None


def _token_counter(tokenizer) -> Optional[Callable[[str], List[str]]]:
    tokenizer = tokenizer or _course_tokenizer()
    if tokenizer is None:
        return None

    def lost(caption: str) -> List[str]:
        return tokenizer_.lost_tags(tokenizer, caption)
    return lost


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m lora_course.datasets.caption_lint",
                                description="What a kohya folder's captions will do to a LoRA (captions only).")
    p.add_argument("folder", help="a dataset root (holding 10_name/ folders) or one concept folder")
    p.add_argument("--trigger", help="the trigger word (default: the concept's name, else the commonest first tag)")
    p.add_argument("--keep-tokens", type=int, default=1, help="kohya's keep_tokens (default 1)")
    p.add_argument("--lang", choices=("en", "zh", "both"), default="both")
    p.add_argument("--json", action="store_true", help="print the findings as JSON")
    a = p.parse_args(argv)
    try:
        report = lint_folder(a.folder, a.trigger, a.keep_tokens)
    except dataset.DatasetError as e:
        print(e, file=sys.stderr)
        return 2
    if a.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=1))
    else:
        print("\n\n".join(report.text(lang) for lang in (("en", "zh") if a.lang == "both" else (a.lang,))))
    return 1 if any(f.severity == "error" for f in report.findings) else 0


if __name__ == "__main__":
    sys.exit(main())
