"""Training sets on disk in kohya sd-scripts' layout, caption files, and the tag tools.

This module owns everything between a folder of pictures and a list of ``(image, tags)`` pairs:
reading and checking a dataset folder, loading its images as square RGB pictures, reading and
writing caption files safely, and editing tags (one caption or a whole dataset). It knows nothing
of models: stdlib, numpy, PIL and :mod:`lora_course.core.safe_io` only.

Layout (kohya's "DreamBooth-style" folders)::

    data/sets/mouth_2/            <- a dataset root
        10_weiwei/                <- a concept folder: <repeats>_<name>
            open_mouth.png        <- an image
            open_mouth.txt        <- its caption: "weiwei, open mouth"
            closed_mouth.png  closed_mouth.txt
            .backup/              <- old captions, saved before each overwrite

``repeats`` is how many times each image of the folder is seen per epoch. A caption is one line of
comma-separated booru tags. :func:`load_dataset` accepts a root of concept folders or a single
concept folder.

Bad input: what happens
-----------------------
Every error is a :class:`DatasetError` (a ``ValueError``) that names the file or folder and says
the fix. :func:`load_dataset` decodes every image, so a bad file fails when the dataset is loaded,
never in the middle of training.

============================================  ===================================================
input                                         what happens
============================================  ===================================================
corrupt or truncated image                    error naming the file: re-export or remove it
not an image, with an image extension         error naming the file (same fix)
(``fake.png`` holding text)
picture in a format not read (``.gif``,       skipped with a :class:`DatasetWarning` naming it:
``.tif``/``.tiff``, ``.avif``, ``.heic``,     convert it to PNG to train on it (kohya skips
``.heif``, ``.jxl``, ``.jfif``)               them too); a concept folder holding only such
                                              files is the "without images" error, naming them
any other file (``notes.md``, a ``.txt``      ignored
without image, ``.json``)
hidden file or folder (``.backup/``,          ignored (names starting with ``.``)
macOS ``._x.png``, ``.ipynb_checkpoints/``)
subfolder of a concept folder                 ignored (not searched, like kohya)
two images with one stem (``a.png, a.jpg``)   error naming both: they would share ``a.txt``
RGBA, LA, PA, or P/L/RGB with transparency    composited on white, then RGB
greyscale ``L``, ``1``, palette ``P``, CMYK   converted to RGB
16-bit ``I;16`` greyscale PNG (or 32-bit      scaled to 8 bits: round(v / 257), so 65535 -> 255;
``I``)                                        then RGB
EXIF orientation tag (phone photos)           applied: the picture is turned upright
animated PNG/WebP                             first frame
not square                                    centre-cropped to a square (the shorter side)
not ``size`` pixels                           resized to ``size``x``size`` with LANCZOS (up or
                                              down); untouched if already that size
missing caption                               error naming the image: auto-tag it or write one;
                                              ``allow_missing=True`` gives it no tags
empty caption                                 allowed, no tags; ``require_tags=True`` errors
caption not UTF-8 (cp1252, GBK, UTF-16...)    error naming the file: re-save it as UTF-8 (the
                                              encoding is never guessed). Limit: bytes that
                                              happen to be valid UTF-8 too (GBK ``喂喂``) are
                                              read as UTF-8 (``ιι``); nothing can tell them apart
UTF-8 BOM                                     stripped (at the start only; anywhere else it is
                                              a format character, below)
CRLF, CR, several lines                       line breaks separate tags like commas (kohya
                                              itself reads only the first line; we always write
                                              one line)
fullwidth comma ``，``                         a separator, like ``,``
spaces around or inside tags, ``a,,b``        stripped, runs collapsed to one space, empty
                                              tags dropped
duplicate tags                                removed, the first occurrence kept
upper case, ``long_hair``                     kept as written; :func:`normalize_tags` folds them
non-ASCII tags (``喂喂``)                      kept: UTF-8 in, UTF-8 out
root missing, or holding no images and no     error naming the folder
concept folders
concept folder without images                 error naming the folder
folder name without ``<repeats>_`` prefix     error naming it: rename to ``1_<name>``; or pass
                                              ``default_repeats=N`` to use N for such folders
no name after the repeats (``10_``,           error naming the folder (it would make a concept
``10__``, ``10_ _``)                          named ``_``): rename it ``10_<name>``
repeats 0 or negative (``0_x``, ``-1_x``)     error naming the folder
repeats above :data:`MAX_REPEATS` (10,000:    error naming the folder (a typo: one epoch would
``99999999999_weiwei``)                       show each image that many times)
control character in a caption (NUL, ESC,     error naming the caption, the character (repr)
DEL...; tab and line breaks are whitespace    and where it is: delete it (it would become part
and separators, as above)                     of a tag: ``weiwei<NUL>``)
invisible format character in a caption       error naming the caption, the character (repr
(Unicode ``Cf``: zero-width space U+200B,     and Unicode name) and where it is: delete it (it
ZWNJ/ZWJ U+200C/D, word joiner U+2060, a      would become part of a tag, unseen:
BOM U+FEFF after the start, bidirectional     ``<U+200B>long hair`` is not ``long hair``)
marks U+200E/F, U+202A-E, U+2066-9, soft
hyphen U+00AD...)
writing a tag that holds ``,``/``，``/newline  error naming the caption and tag (it would become
                                              two tags)
writing a tag that holds a control or format  error naming the caption and tag (it could not be
character                                     read back)
============================================  ===================================================

Captions are never lost: :func:`write_caption` writes atomically (through :mod:`lora_course.
safe_io`: temporary file, fsync, then ``os.replace``) and, before replacing a caption with
different content, copies the old one to ``<concept folder>/.backup/<stem>.<UTC time,
microseconds>.txt`` (see :func:`backups_of`).
"""
from __future__ import annotations

import collections
import random
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
from PIL import Image, ImageOps

from ..core import safe_io
from .tags import (SEPARATORS as _SEPARATORS, Tags, add_tags, caption_text, clean as _clean,  # noqa: F401
                   dedupe, is_emoticon, normalize_tag, normalize_tags, put_first, remove_tags,
                   replace_tag, shuffle_caption, split_tags)

PathLike = Union[str, Path]

#: Image extensions read as pictures (case-insensitive).
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".bmp")
#: Picture formats that are not read (kohya skips them too): :func:`load_dataset` warns about
#: them (:class:`DatasetWarning`) instead of skipping them without a word.
UNREAD_IMAGE_EXTENSIONS = (".gif", ".tif", ".tiff", ".avif", ".heic", ".heif", ".jxl", ".jfif")
#: Caption extension, next to the image with the same stem.
CAPTION_EXTENSION = ".txt"
#: Default picture size (the course's world is 64x64).
DEFAULT_SIZE = 64
#: Folder (inside a concept folder) where old captions are kept.
BACKUP_DIR = ".backup"
#: The most repeats a concept folder may ask for (kohya sets use 1 to about 100; more is a typo).
MAX_REPEATS = 10_000
#: Control characters a caption may hold: tab (whitespace) and line breaks (separators).
ALLOWED_CONTROLS = "\t\n\r"

_CONCEPT_NAME = re.compile(r"^(-?\d+)_(.+)$")
_NAMELESS_CONCEPT = re.compile(r"^(-?\d+)_[_\s]*$")   # "10_", "10__", "10_ _": repeats, no name
_MAX_REPEATS_DIGITS = len(str(MAX_REPEATS)) + 1   # longer digit strings are not even parsed
_TIMESTAMP_FORMAT = "%Y%m%dT%H%M%S.%fZ"
_TRANSPARENT_MODES = ("RGBA", "RGBa", "LA", "La", "PA")
_WIDE_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I")


class DatasetError(ValueError):
    """A problem with a dataset file or folder; the message names it and says the fix."""


class DatasetWarning(UserWarning):
    """Something in a dataset folder that is skipped (a picture in a format not read); the message
    names it and says the fix."""


def _error(path: PathLike, problem: str, fix: str) -> DatasetError:
    return DatasetError(f"{path}: {problem}. Fix: {fix}")


# --------------------------------------------------------------------------------------------
# The dataset
# --------------------------------------------------------------------------------------------
@dataclass
class Item:
    """One training picture: its image file, its caption file (may not exist) and its tags."""
    image_path: Path
    caption_path: Path
    tags: Tags

    def image(self, size: int = DEFAULT_SIZE) -> Image.Image:
        """The picture as a ``size``x``size`` RGB image (see :func:`load_image`)."""
        return load_image(self.image_path, size)


@dataclass
class Concept:
    """A concept folder ``<repeats>_<name>`` and its items, sorted by file name."""
    path: Path
    repeats: int
    name: str
    items: List[Item] = field(default_factory=list)


@dataclass
class Dataset:
    """A dataset root and its concept folders, sorted by folder name."""
    root: Path
    concepts: List[Concept]

    @property
    def items(self) -> List[Item]:
        """Every item once, concept by concept."""
        return [it for c in self.concepts for it in c.items]

    def __len__(self) -> int:
        return sum(len(c.items) for c in self.concepts)

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items)

    def epoch_items(self) -> Iterator[Item]:
        """One epoch: each concept's items ``repeats`` times over (kohya's repeats)."""
        for c in self.concepts:
            for _ in range(c.repeats):
                yield from c.items

    @property
    def epoch_size(self) -> int:
        """How many items one epoch yields."""
        return sum(c.repeats * len(c.items) for c in self.concepts)


def _visible(path: Path) -> bool:
    return not path.name.startswith(".")


def image_files(folder: PathLike) -> List[Path]:
    """The visible image files directly in ``folder``, sorted by name."""
    return sorted(p for p in Path(folder).iterdir()
                  if p.is_file() and _visible(p) and p.suffix.lower() in IMAGE_EXTENSIONS)


def unread_image_files(folder: PathLike) -> List[Path]:
    """The visible picture files directly in ``folder`` whose format is not read
    (:data:`UNREAD_IMAGE_EXTENSIONS`: ``.gif``, ``.tif``...), sorted by name."""
    return sorted(p for p in Path(folder).iterdir()
                  if p.is_file() and _visible(p) and p.suffix.lower() in UNREAD_IMAGE_EXTENSIONS)


def _convert_fix(files: Sequence[Path]) -> str:
    example = files[0]
    return (f"convert {'it' if len(files) == 1 else 'them'} to PNG to train on "
            f"{'it' if len(files) == 1 else 'them'} (e.g. PIL: Image.open('{example.name}')"
            f".save('{example.stem}.png'); the .txt caption stays as it is), or move "
            f"{'it' if len(files) == 1 else 'them'} out of the folder")


def _warn_unread(folder: Path, files: Sequence[Path]) -> None:
    where = files[0] if len(files) == 1 else folder
    names = ", ".join(p.name for p in files)
    warnings.warn(f"{where}: skipped {names}: only {', '.join(IMAGE_EXTENSIONS)} pictures are read "
                  f"(like kohya), so {'it is' if len(files) == 1 else 'they are'} not trained on. "
                  f"Fix: {_convert_fix(files)}", DatasetWarning,
                  stacklevel=3)   # points at load_dataset's caller


def _parse_repeats(folder: Path, default_repeats: Optional[int]) -> Tuple[int, str]:
    """``(repeats, name)`` from a concept folder's name ``<repeats>_<name>``."""
    nameless = _NAMELESS_CONCEPT.match(folder.name)
    if nameless is not None:
        digits, rest = nameless.group(1), folder.name[len(nameless.group(1)) + 1:]
        would = f"a concept named {rest!r}" if rest else "a concept with no name"
        raise _error(folder, f"a concept folder's name is '<repeats>_<name>', and this one has no "
                     f"name after '{digits}_' (it would make {would})",
                     f"rename it to '{digits}_<name>', e.g. '{digits}_weiwei'")
    m = _CONCEPT_NAME.match(folder.name)
    if m is None:
        if default_repeats is not None:
            return default_repeats, folder.name
        raise _error(folder, "a concept folder's name must start with its repeat count, "
                     "'<repeats>_<name>'",
                     f"rename it to '1_{folder.name}' (or '10_{folder.name}' to repeat each image "
                     "10 times per epoch), or pass default_repeats=1")
    digits, name = m.group(1), m.group(2)
    if digits.startswith("-") or not digits.strip("0"):
        raise _error(folder, f"repeats is {digits}, so its images would never be "
                     "trained", f"rename it to '1_{name}' or more")
    # the length first: a long run of digits is refused without converting it
    if len(digits.lstrip("0")) > _MAX_REPEATS_DIGITS or int(digits) > MAX_REPEATS:
        raise _error(folder, f"repeats is {digits}, more than MAX_REPEATS = {MAX_REPEATS}: one epoch "
                     "would show each of its images that many times (a typo?)",
                     f"rename it to '10_{name}' (kohya sets use 1 to about 100 repeats)")
    return int(digits), name


def _check_stems(folder: Path, images: List[Path]) -> None:
    by_stem: Dict[str, List[str]] = collections.defaultdict(list)
    for p in images:
        by_stem[p.stem].append(p.name)
    for stem, names in by_stem.items():
        if len(names) > 1:
            raise _error(folder, f"{' and '.join(names)} would share the caption "
                         f"{stem}{CAPTION_EXTENSION}", "rename or remove all but one of them")


def _load_item(image: Path, allow_missing: bool, require_tags: bool) -> Item:
    load_image(image)  # decode now: a bad file fails here, not during training
    caption = image.with_suffix(CAPTION_EXTENSION)
    if caption.is_file():
        tags = read_caption(caption)
    elif allow_missing:
        tags = []
    else:
        raise _error(image, f"has no caption file {caption.name}",
                     "tag it (auto-tag the folder, or write_caption(path, tags)), or pass "
                     "allow_missing=True to train it with no tags")
    if require_tags and not tags:
        raise _error(caption, "has no tags and require_tags=True",
                     "add at least the trigger word, e.g. set_trigger(dataset, 'weiwei')")
    return Item(image, caption, tags)


def _load_concept(folder: Path, default_repeats: Optional[int], allow_missing: bool,
                  require_tags: bool) -> Concept:
    repeats, name = _parse_repeats(folder, default_repeats)
    images, unread = image_files(folder), unread_image_files(folder)
    if not images:
        if unread:
            raise _error(folder, f"concept folder holds no images ({', '.join(IMAGE_EXTENSIONS)}); "
                         f"{', '.join(p.name for p in unread)} "
                         f"{'is' if len(unread) == 1 else 'are'} in a format not read",
                         _convert_fix(unread))
        raise _error(folder, f"concept folder holds no images ({', '.join(IMAGE_EXTENSIONS)})",
                     "put the training pictures and their .txt captions in it, or remove it")
    _check_stems(folder, images)
    return Concept(folder, repeats, name,
                   [_load_item(p, allow_missing, require_tags) for p in images])


def load_dataset(root: PathLike, *, allow_missing: bool = False, require_tags: bool = False,
                 default_repeats: Optional[int] = None) -> Dataset:
    """Read and check a dataset: a root of ``<repeats>_<name>`` folders, or one such folder.

    A folder that holds images itself is read as a single concept folder. Every image is
    decoded and every caption read now, so errors surface here (see the module's table).
    Pictures in a format not read (``.gif``, ``.tif``...) are skipped with a
    :class:`DatasetWarning` naming them.
    ``allow_missing`` gives images without a caption file no tags instead of an error;
    ``require_tags`` makes an empty caption an error; ``default_repeats`` is used for folders
    whose name has no ``<repeats>_`` prefix (otherwise an error).
    """
    root = Path(root)
    if default_repeats is not None and not 1 <= default_repeats <= MAX_REPEATS:
        raise ValueError(f"default_repeats must be 1 to MAX_REPEATS = {MAX_REPEATS}, got "
                         f"{default_repeats}")
    if not root.is_dir():
        raise _error(root, "not a folder" if root.exists() else "no such folder",
                     "pass a dataset root or a concept folder")
    if image_files(root):
        folders = [root]
    else:
        folders = sorted(p for p in root.iterdir() if p.is_dir() and _visible(p))
    if not folders:
        unread = unread_image_files(root)
        if unread:
            raise _error(root, f"empty dataset: no images ({', '.join(IMAGE_EXTENSIONS)}) and no "
                         f"concept folders; {', '.join(p.name for p in unread)} "
                         f"{'is' if len(unread) == 1 else 'are'} in a format not read",
                         _convert_fix(unread))
        raise _error(root, "empty dataset: no images and no concept folders",
                     f"put pictures and .txt captions in a concept folder such as "
                     f"{root / '10_weiwei'}")
    concepts = []
    for f in folders:
        concepts.append(_load_concept(f, default_repeats, allow_missing, require_tags))
        unread = unread_image_files(f)
        if unread:
            _warn_unread(f, unread)
    return Dataset(root, concepts)


# --------------------------------------------------------------------------------------------
# Images
# --------------------------------------------------------------------------------------------
def _wide_to_l(im: Image.Image) -> Image.Image:
    """A 16-bit (or 32-bit int) greyscale image as 8-bit ``L``: round(v / 257), clipped."""
    arr = np.clip(np.asarray(im, dtype=np.int64), 0, 65535)
    return Image.fromarray(((arr * 255 + 32767) // 65535).astype(np.uint8), "L")


def _has_alpha(im: Image.Image) -> bool:
    return im.mode in _TRANSPARENT_MODES or "transparency" in im.info


def _to_rgb(im: Image.Image) -> Image.Image:
    """Any decoded image as RGB: alpha composited on white, 16-bit scaled to 8-bit."""
    if im.mode in _WIDE_MODES:
        im = _wide_to_l(im)
    if _has_alpha(im):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return im.convert("RGB")


def _open_rgb(path: Path) -> Image.Image:
    """Decode ``path`` fully, turn it upright (EXIF) and convert it to RGB."""
    try:
        with Image.open(path) as im:
            im.load()
            return _to_rgb(ImageOps.exif_transpose(im))
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as e:
        raise _error(path, f"cannot be read as an image ({e})",
                     "re-export it as PNG or JPEG, or remove it from the folder") from e


def _square(im: Image.Image, size: int) -> Image.Image:
    """Centre-crop to a square, then resize to ``size``x``size`` with LANCZOS if needed."""
    w, h = im.size
    s = min(w, h)
    if w != h:
        left, top = (w - s) // 2, (h - s) // 2
        im = im.crop((left, top, left + s, top + s))
    if s != size:
        im = im.resize((size, size), Image.LANCZOS)
    return im


def load_image(path: PathLike, size: int = DEFAULT_SIZE) -> Image.Image:
    """The picture at ``path`` as a ``size``x``size`` RGB image (policies: module docstring)."""
    if size < 1:
        raise ValueError(f"size must be at least 1, got {size}")
    return _square(_open_rgb(Path(path)), size)


# --------------------------------------------------------------------------------------------
# Caption files
# --------------------------------------------------------------------------------------------
def _decode_caption(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")  # plain UTF-8, or UTF-8 with a BOM (stripped)
    except UnicodeDecodeError as e:
        utf16 = data[:2] in (b"\xff\xfe", b"\xfe\xff")
        problem = ("UTF-16 text, not UTF-8" if utf16 else
                   f"not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start})")
        raise _error(path, problem, "re-save it as UTF-8 (in Notepad: Save as, Encoding "
                     "UTF-8); the encoding is never guessed") from e


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc" and ch not in ALLOWED_CONTROLS


def _is_format(ch: str) -> bool:
    """An invisible format character (Unicode ``Cf``): zero-width space, ZWNJ/ZWJ, word joiner,
    BOM, bidirectional marks and embeddings, soft hyphen..."""
    return unicodedata.category(ch) == "Cf"


def _describe(ch: str) -> str:
    """``'\\u200b' (U+200B ZERO WIDTH SPACE)``: the repr, the code point and the name if any."""
    name = unicodedata.name(ch, "")
    return f"{ch!r} (U+{ord(ch):04X}{' ' + name if name else ''})"


def _tag_at(text: str, offset: int) -> str:
    """The (cleaned) tag of a caption's text that holds the character at ``offset``."""
    start = max((m.end() for m in _SEPARATORS.finditer(text, 0, offset)), default=0)
    after = _SEPARATORS.search(text, offset)
    return _clean(text[start:after.start() if after else len(text)])


def _check_characters(path: Path, text: str) -> None:
    """Refuse a caption holding a control or format character: it would become part of a tag."""
    for offset, ch in enumerate(text):
        control, fmt = _is_control(ch), _is_format(ch)
        if control or fmt:
            line = text.count("\n", 0, offset) + 1
            column = offset - (text.rfind("\n", 0, offset) + 1) + 1
            if control:
                raise _error(path, f"holds the control character {ch!r} (U+{ord(ch):04X}) at line "
                             f"{line}, column {column}; it would become part of a tag",
                             "delete it (retype the caption in a text editor, or re-save it as "
                             "plain UTF-8 text); only tabs and line breaks are allowed")
            tag = _tag_at(text, offset)
            seen = _clean("".join(c for c in tag if not _is_format(c)))
            looks = f"looks like {seen!r}" if seen else "looks empty"
            raise _error(path, f"holds the invisible format character {_describe(ch)} at line "
                         f"{line}, column {column}; it would become part of the tag {tag!r}, "
                         f"which {looks} but is not",
                         "delete it (it is invisible in most editors: delete the tag around it "
                         "and type it again); zero-width and bidirectional marks are not allowed")


def read_caption(path: PathLike) -> Tags:
    """The tags of a caption file: split on commas and line breaks, cleaned, deduplicated.
    A control character other than tab and line breaks, or an invisible format character
    (zero-width space, bidirectional mark...; a BOM at the start is stripped) is an error (see
    the module's table)."""
    return dedupe(read_caption_as_written(path))


def read_caption_as_written(path: PathLike) -> Tags:
    """:func:`read_caption` with its repeated tags kept (what a caption lint needs to see)."""
    path = Path(path)
    text = _decode_caption(path, path.read_bytes())
    _check_characters(path, text)
    return split_tags(text)


def _canonical(path: Path, tags: Sequence[str]) -> Tags:
    """``tags`` as :func:`read_caption` would return them; a tag holding a separator errors."""
    for t in tags:
        if _SEPARATORS.search(t):
            raise _error(path, f"the tag {t!r} holds a separator (',', '，' or a line break) and "
                         "would be read back as several tags", "split it with split_tags()")
        bad = next((ch for ch in t if _is_control(ch)), None)
        if bad is not None:
            raise _error(path, f"the tag {t!r} holds the control character {bad!r}, which a "
                         "caption may not hold", "remove it from the tag")
        bad = next((ch for ch in t if _is_format(ch)), None)
        if bad is not None:
            raise _error(path, f"the tag {t!r} holds the invisible format character "
                         f"{_describe(bad)}, which a caption may not hold", "remove it from the tag")
    return dedupe(t for t in map(_clean, tags) if t)


def _backup(path: Path, data: bytes) -> Path:
    """Save ``data`` (the old caption) as ``.backup/<stem>.<UTC timestamp>.txt``, never
    overwriting: on a clash the timestamp moves on by a microsecond."""
    folder = path.parent / BACKUP_DIR
    folder.mkdir(exist_ok=True)
    t = datetime.now(timezone.utc)
    while True:
        target = folder / f"{path.stem}.{t.strftime(_TIMESTAMP_FORMAT)}{CAPTION_EXTENSION}"
        try:
            return safe_io.write_new_bytes(target, data)
        except FileExistsError:
            t += timedelta(microseconds=1)


def write_caption(path: PathLike, tags: Sequence[str]) -> bool:
    """Write ``tags`` as one line ``a, b, c`` (UTF-8, no BOM); return whether the file changed.

    The tags are cleaned and deduplicated as :func:`read_caption` would. Identical content is not
    rewritten; different content is first backed up (see :func:`backups_of`), then replaced
    atomically.
    """
    path = Path(path)
    data = caption_text(_canonical(path, tags)).encode("utf-8")
    if path.exists():
        old = path.read_bytes()
        if old == data:
            return False
        _backup(path, old)
    safe_io.write_bytes(path, data)
    return True


def backups_of(caption_path: PathLike) -> List[Path]:
    """The saved old versions of a caption file, oldest first."""
    caption_path = Path(caption_path)
    folder = caption_path.parent / BACKUP_DIR
    if not folder.is_dir():
        return []
    pattern = re.compile(re.escape(caption_path.stem) + r"\.\d{8}T\d{6}\.\d{6}Z"
                         + re.escape(CAPTION_EXTENSION))
    return sorted(p for p in folder.iterdir() if pattern.fullmatch(p.name))


# --------------------------------------------------------------------------------------------
# Dataset-wide tag edits and statistics
# --------------------------------------------------------------------------------------------
def edit_captions(dataset: Dataset, fn: Callable[[Tags], Sequence[str]]) -> int:
    """Apply ``fn(tags) -> tags`` to every item; write (with backup) only the captions whose
    tags change, update the items, and return how many changed."""
    changed = 0
    for item in dataset.items:
        new = _canonical(item.caption_path, fn(list(item.tags)))
        if new != item.tags:
            write_caption(item.caption_path, new)
            item.tags = new
            changed += 1
    return changed


def set_trigger(dataset: Dataset, trigger: str) -> int:
    """Put ``trigger`` first in every caption (added where missing); return how many changed."""
    return edit_captions(dataset, lambda tags: put_first(tags, trigger))


def add_tag_everywhere(dataset: Dataset, tag: str, first: bool = False) -> int:
    """Add ``tag`` to every caption lacking it; return how many changed."""
    return edit_captions(dataset, lambda tags: add_tags(tags, tag, first=first))


def remove_tag_everywhere(dataset: Dataset, tag: str) -> int:
    """Remove ``tag`` from every caption; return how many changed."""
    return edit_captions(dataset, lambda tags: remove_tags(tags, tag))


def replace_tag_everywhere(dataset: Dataset, old: str, new: str) -> int:
    """Replace ``old`` by ``new`` in every caption; return how many changed."""
    return edit_captions(dataset, lambda tags: replace_tag(tags, old, new))


def tag_frequency(dataset: Dataset) -> collections.Counter:
    """How many images carry each tag (each image counted once, repeats ignored)."""
    return collections.Counter(t for item in dataset.items for t in item.tags)


def tag_frequency_per_concept(dataset: Dataset) -> Dict[str, Dict[str, int]]:
    """``{concept folder name: {tag: images}}``: the shape of kohya's ``ss_tag_frequency``
    metadata (keyed by folder name, e.g. ``"10_weiwei"``)."""
    return {c.path.name: dict(collections.Counter(t for it in c.items for t in it.tags))
            for c in dataset.concepts}


# --------------------------------------------------------------------------------------------
# Writing a concept folder
# --------------------------------------------------------------------------------------------
def write_concept(root: PathLike, name: str, repeats: int,
                  items: Sequence[Tuple[Image.Image, Sequence[str]]],
                  stems: Optional[Sequence[str]] = None) -> Path:
    """Write ``<root>/<repeats>_<name>/<stem>.png`` and ``<stem>.txt`` for each
    ``(image, tags)``; return the concept folder.

    ``stems`` defaults to ``000, 001, ...``. Images are saved as PNG, replacing files of the same
    name; captions go through :func:`write_caption` (so old ones are backed up). Other files in
    the folder are left alone.
    """
    if not 1 <= repeats <= MAX_REPEATS:
        raise ValueError(f"repeats must be 1 to MAX_REPEATS = {MAX_REPEATS}, got {repeats}")
    if not name or name != Path(name).name or name.startswith("."):
        raise ValueError(f"{name!r} is not a valid concept name (a plain folder name)")
    stems = [f"{i:03d}" for i in range(len(items))] if stems is None else list(stems)
    if len(stems) != len(items) or len(set(stems)) != len(stems):
        raise ValueError(f"need {len(items)} distinct stems, got {stems}")
    folder = Path(root) / f"{repeats}_{name}"
    folder.mkdir(parents=True, exist_ok=True)
    for (image, tags), stem in zip(items, stems):
        png = folder / f"{stem}.png"
        safe_io.write_png(png, image)
        write_caption(png.with_suffix(CAPTION_EXTENSION), tags)
    return folder

