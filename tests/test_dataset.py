"""Tests of lora_course.datasets.dataset: kohya folders, every bad-input policy, caption I/O, tag tools."""
from __future__ import annotations

import random
import re
import unicodedata
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lora_course.datasets import dataset as ds
from lora_course.core import safe_io
from lora_course.datasets.dataset import DatasetError


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def solid(colour=(200, 30, 40), size=(8, 8), mode="RGB") -> Image.Image:
    return Image.new(mode, size, colour)


def concept(tmp_path: Path, name: str = "10_weiwei") -> Path:
    folder = tmp_path / name
    folder.mkdir(parents=True)
    return folder


def add_item(folder: Path, stem: str = "a", tags: str | None = "weiwei",
             image: Image.Image | None = None, ext: str = ".png") -> Path:
    path = folder / f"{stem}{ext}"
    (image or solid()).save(path)
    if tags is not None:
        (folder / f"{stem}.txt").write_text(tags, encoding="utf-8")
    return path


def pixels(img: Image.Image) -> np.ndarray:
    return np.asarray(img).astype(int)


# --------------------------------------------------------------------------------------------
# layout
# --------------------------------------------------------------------------------------------
def test_root_of_concept_folders(tmp_path):
    a, b = concept(tmp_path, "10_weiwei"), concept(tmp_path, "2_fox")
    add_item(a, "x", "weiwei, open mouth")
    add_item(a, "y", "weiwei")
    add_item(b, "z", "fox")
    d = ds.load_dataset(tmp_path)
    assert [(c.name, c.repeats) for c in d.concepts] == [("weiwei", 10), ("fox", 2)]
    assert len(d) == 3 and [it.image_path.name for it in d] == ["x.png", "y.png", "z.png"]
    assert d.items[0].tags == ["weiwei", "open mouth"]
    assert d.items[0].caption_path == a / "x.txt"
    epoch = list(d.epoch_items())
    assert len(epoch) == d.epoch_size == 10 * 2 + 2
    assert epoch.count(d.items[2]) == 2


def test_single_concept_folder_accepted(tmp_path):
    folder = concept(tmp_path, "3_weiwei")
    add_item(folder)
    d = ds.load_dataset(folder)
    assert d.concepts[0].path == folder and d.concepts[0].repeats == 3 and len(d) == 1


def test_item_image_loads_square_rgb(tmp_path):
    add_item(concept(tmp_path), image=solid(size=(20, 10)))
    img = ds.load_dataset(tmp_path).items[0].image(16)
    assert img.mode == "RGB" and img.size == (16, 16)


# --------------------------------------------------------------------------------------------
# bad input: images
# --------------------------------------------------------------------------------------------
def test_truncated_image_errors_naming_file(tmp_path):
    folder = concept(tmp_path)
    path = add_item(folder, image=Image.fromarray(
        np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)))
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(DatasetError, match=r"a\.png.*cannot be read as an image.*Fix"):
        ds.load_dataset(tmp_path)


def test_corrupt_image_errors_naming_file(tmp_path):
    path = add_item(concept(tmp_path))
    data = bytearray(path.read_bytes())
    data[40:60] = b"\x00" * 20  # clobber the header and the start of the image data
    path.write_bytes(bytes(data))
    with pytest.raises(DatasetError, match=r"a\.png"):
        ds.load_dataset(tmp_path)


def test_non_image_with_image_extension_errors(tmp_path):
    folder = concept(tmp_path)
    add_item(folder)
    (folder / "fake.jpg").write_text("I am not a picture")
    with pytest.raises(DatasetError, match=r"fake\.jpg.*cannot be read as an image.*re-export"):
        ds.load_dataset(tmp_path)


def test_other_files_are_ignored_without_a_warning(tmp_path):
    folder = concept(tmp_path)
    add_item(folder)
    (folder / "notes.md").write_text("# my notes")
    (folder / "orphan.txt").write_text("a caption without image")
    (folder / "meta.json").write_text("{}")
    (folder / "._b.gif").write_bytes(b"\x00\x05\x16\x07 AppleDouble")     # hidden: ignored
    (tmp_path / "README.md").write_text("root notes")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ds.DatasetWarning)
        assert [it.image_path.name for it in ds.load_dataset(tmp_path)] == ["a.png"]


@pytest.mark.parametrize("ext", [".gif", ".GIF", ".tif", ".tiff", ".avif", ".heic"])
def test_picture_in_a_format_not_read_is_skipped_with_a_warning_naming_it(tmp_path, ext):
    folder = concept(tmp_path)
    add_item(folder)
    other = folder / f"b{ext}"
    if ext.lower() in (".gif", ".tif", ".tiff"):
        solid().save(other)                         # a real picture, beside its caption
    else:
        other.write_bytes(b"never decoded")         # only the name matters
    (folder / "b.txt").write_text("weiwei, smile", encoding="utf-8")
    pattern = (rf"{re.escape(str(other))}: skipped b{re.escape(ext)}: only \.png, \.jpg, \.jpeg, "
               r"\.webp, \.bmp pictures are read \(like kohya\), so it is not trained on\. "
               rf"Fix: convert it to PNG to train on it \(e\.g\. PIL: Image\.open\('b{re.escape(ext)}'\)"
               r"\.save\('b\.png'\).*or move it out of the folder$")
    with pytest.warns(ds.DatasetWarning, match=pattern) as record:
        d = ds.load_dataset(tmp_path)
    assert [it.image_path.name for it in d] == ["a.png"]
    assert len([w for w in record if w.category is ds.DatasetWarning]) == 1


def test_several_pictures_not_read_make_one_warning_and_alone_an_error(tmp_path):
    folder = concept(tmp_path)
    add_item(folder)
    add_item(folder, "b", ext=".gif")
    add_item(folder, "c", ext=".tiff")
    with pytest.warns(ds.DatasetWarning, match=r"10_weiwei: skipped b\.gif, c\.tiff: .*they are not "
                                               r"trained on\. Fix: convert them to PNG"):
        assert len(ds.load_dataset(tmp_path)) == 1
    (folder / "a.png").unlink()
    with pytest.raises(DatasetError, match=r"10_weiwei: concept folder holds no images \(.*\); "
                                           r"b\.gif, c\.tiff are in a format not read\. Fix: convert "
                                           r"them to PNG"):
        ds.load_dataset(tmp_path)
    with pytest.raises(DatasetError, match=r"10_weiwei: empty dataset: .*b\.gif, c\.tiff are in a "
                                           r"format not read\. Fix: convert them to PNG"):
        ds.load_dataset(folder)


def test_hidden_files_and_folders_are_ignored(tmp_path):
    folder = concept(tmp_path)
    add_item(folder)
    (folder / "._a.png").write_bytes(b"\x00\x05\x16\x07 AppleDouble")  # macOS resource fork
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (folder / ".backup").mkdir()
    assert [it.image_path.name for it in ds.load_dataset(tmp_path)] == ["a.png"]


def test_subfolders_of_a_concept_folder_are_not_searched(tmp_path):
    folder = concept(tmp_path)
    add_item(folder)
    (folder / "sub").mkdir()
    add_item(folder / "sub", "nested")
    assert [it.image_path.name for it in ds.load_dataset(tmp_path)] == ["a.png"]


def test_two_images_with_one_stem_error(tmp_path):
    folder = concept(tmp_path)
    add_item(folder)
    solid().save(folder / "a.jpg")
    with pytest.raises(DatasetError, match=r"a\.jpg and a\.png would share the caption a\.txt"):
        ds.load_dataset(tmp_path)


def test_rgba_composited_on_white(tmp_path):
    arr = np.zeros((2, 2, 4), np.uint8)
    arr[0, 0] = (255, 0, 0, 255)    # opaque red
    arr[0, 1] = (255, 0, 0, 0)      # fully transparent red: white
    arr[1, 0] = (0, 0, 0, 128)      # half-transparent black: mid grey
    path = tmp_path / "rgba.png"
    Image.fromarray(arr, "RGBA").save(path)
    img = ds.load_image(path, size=2)
    assert img.mode == "RGB"
    p = pixels(img)
    assert p[0, 0].tolist() == [255, 0, 0] and p[0, 1].tolist() == [255, 255, 255]
    assert np.all(np.abs(p[1, 0] - 127) <= 1)


@pytest.mark.parametrize("mode,colour,expected", [
    ("L", 100, [100, 100, 100]),
    ("LA", (100, 255), [100, 100, 100]),
    ("LA", (0, 0), [255, 255, 255]),
])
def test_greyscale(tmp_path, mode, colour, expected):
    path = tmp_path / "grey.png"
    solid(colour, mode=mode).save(path)
    img = ds.load_image(path, size=8)
    assert img.mode == "RGB" and pixels(img)[0, 0].tolist() == expected


def test_palette(tmp_path):
    path = tmp_path / "p.png"
    solid((10, 200, 30)).convert("P", palette=Image.ADAPTIVE).save(path)
    assert pixels(ds.load_image(path, size=8))[0, 0].tolist() == [10, 200, 30]


def test_palette_with_transparency(tmp_path):
    img = Image.new("P", (4, 4), 0)
    img.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    img.putpixel((0, 0), 1)
    path = tmp_path / "pt.png"
    img.save(path, transparency=1)  # palette entry 1 (blue) is transparent
    p = pixels(ds.load_image(path, size=4))
    assert p[0, 0].tolist() == [255, 255, 255] and p[1, 1].tolist() == [255, 0, 0]


def test_16_bit_greyscale_scaled_to_8_bit(tmp_path):
    arr = np.array([[0, 257 * 128, 65535, 257]], np.uint16).repeat(4, axis=0)
    path = tmp_path / "i16.png"
    Image.fromarray(arr).save(path)
    assert Image.open(path).mode == "I;16"
    img = ds.load_image(path, size=4)
    assert img.mode == "RGB"
    assert pixels(img)[0, :, 0].tolist() == [0, 128, 255, 1]


def test_non_square_is_centre_cropped(tmp_path):
    arr = np.zeros((10, 30, 3), np.uint8)
    arr[:, :10] = (255, 0, 0)
    arr[:, 10:20] = (0, 255, 0)
    arr[:, 20:] = (0, 0, 255)
    path = tmp_path / "wide.png"
    Image.fromarray(arr).save(path)
    img = ds.load_image(path, size=10)
    assert img.size == (10, 10) and np.all(pixels(img) == [0, 255, 0])


def test_other_size_is_resized_with_lanczos(tmp_path):
    rng = np.random.default_rng(1)
    src = Image.fromarray(rng.integers(0, 255, (40, 60, 3), dtype=np.uint8))
    path = tmp_path / "big.png"
    src.save(path)
    expected = src.crop((10, 0, 50, 40)).resize((16, 16), Image.LANCZOS)
    assert np.array_equal(pixels(ds.load_image(path, size=16)), pixels(expected))
    small = ds.load_image(path, size=40)  # already 40 after the crop: untouched
    assert np.array_equal(pixels(small), pixels(src.crop((10, 0, 50, 40))))


def test_exif_orientation_is_applied(tmp_path):
    arr = np.zeros((10, 20, 3), np.uint8)  # 20 wide, 10 high: red left, blue right
    arr[:, :10] = (255, 0, 0)
    arr[:, 10:] = (0, 0, 255)
    img = Image.fromarray(arr)
    exif = img.getexif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    path = tmp_path / "phone.png"
    img.save(path, exif=exif)
    p = pixels(ds.load_image(path, size=10))
    # upright it is 10 wide, 20 high: the halves are now top and bottom
    assert p[0, 0].tolist() == p[0, 9].tolist() != p[9, 0].tolist()


def test_animated_image_gives_first_frame(tmp_path):
    path = tmp_path / "anim.png"
    solid((255, 0, 0)).save(path, save_all=True, append_images=[solid((0, 0, 255))])
    assert pixels(ds.load_image(path, size=8))[0, 0].tolist() == [255, 0, 0]


def test_bad_size_argument(tmp_path):
    path = add_item(tmp_path)
    with pytest.raises(ValueError, match="size"):
        ds.load_image(path, size=0)


# --------------------------------------------------------------------------------------------
# bad input: captions
# --------------------------------------------------------------------------------------------
def test_missing_caption_errors_naming_image(tmp_path):
    add_item(concept(tmp_path), "lonely", tags=None)
    with pytest.raises(DatasetError, match=r"lonely\.png.*no caption file lonely\.txt.*"
                                           r"auto-tag.*allow_missing=True"):
        ds.load_dataset(tmp_path)


def test_missing_caption_allowed_gives_no_tags(tmp_path):
    folder = concept(tmp_path)
    add_item(folder, "lonely", tags=None)
    item = ds.load_dataset(tmp_path, allow_missing=True).items[0]
    assert item.tags == [] and item.caption_path == folder / "lonely.txt"


def test_empty_caption_allowed(tmp_path):
    add_item(concept(tmp_path), tags=" \n")
    assert ds.load_dataset(tmp_path).items[0].tags == []


def test_empty_caption_with_require_tags_errors(tmp_path):
    add_item(concept(tmp_path), tags="")
    with pytest.raises(DatasetError, match=r"a\.txt.*no tags.*trigger"):
        ds.load_dataset(tmp_path, require_tags=True)


@pytest.mark.parametrize("data,hint", [
    ("café, smile".encode("cp1252"), "not UTF-8 text"),
    ("呆狐狸, smile".encode("gbk"), "not UTF-8 text"),
    ("weiwei, smile".encode("utf-16"), "UTF-16 text"),
])
def test_non_utf8_caption_errors_naming_file(tmp_path, data, hint):
    folder = concept(tmp_path)
    add_item(folder, tags=None)
    (folder / "a.txt").write_bytes(data)
    with pytest.raises(DatasetError, match=rf"a\.txt: {hint}.*re-save it as UTF-8"):
        ds.load_dataset(tmp_path)


def test_gbk_bytes_that_happen_to_be_utf8_cannot_be_told_apart(tmp_path):
    """The documented limit of "never guess": GBK 喂喂 is also valid UTF-8 (ιι)."""
    path = tmp_path / "a.txt"
    path.write_bytes("喂喂".encode("gbk"))
    assert ds.read_caption(path) == ["ιι"]


def test_bom_is_stripped(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffweiwei, smile".encode("utf-8"))
    assert ds.read_caption(path) == ["weiwei", "smile"]


def test_crlf_and_several_lines(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"weiwei, open mouth\r\nsmile\rcrying\r\n")
    assert ds.read_caption(path) == ["weiwei", "open mouth", "smile", "crying"]


def test_duplicate_tags_are_deduped_keeping_first(tmp_path):
    path = tmp_path / "dup.txt"
    path.write_text("smile, weiwei, smile, open mouth, weiwei", encoding="utf-8")
    assert ds.read_caption(path) == ["smile", "weiwei", "open mouth"]


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f", "\x0b", "\x85"])
def test_control_character_in_a_caption_errors_naming_file_and_character(tmp_path, char):
    folder = concept(tmp_path)
    add_item(folder, tags=f"1girl,\nweiwei{char}, smile")
    pattern = (rf"a\.txt: holds the control character {re.escape(repr(char))} \(U\+{ord(char):04X}\) at "
               r"line 2, column 7; it would become part of a tag\. Fix: delete it")
    with pytest.raises(DatasetError, match=pattern):
        ds.load_dataset(tmp_path)
    # tab is whitespace and line breaks are separators: still allowed
    (folder / "a.txt").write_text("weiwei,\tsmile\r\nopen\tmouth", encoding="utf-8")
    assert ds.load_dataset(tmp_path).items[0].tags == ["weiwei", "smile", "open mouth"]


def test_writing_a_tag_with_a_control_character_errors(tmp_path):
    with pytest.raises(DatasetError, match=r"a\.txt: the tag 'weiwei\\x00' holds the control"):
        ds.write_caption(tmp_path / "a.txt", ["weiwei\x00"])
    assert not (tmp_path / "a.txt").exists()


FORMAT_CHARACTERS = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e", "\u200f", "\u202a",
                     "\u202e", "\u2066", "\u2069", "\u00ad"]


@pytest.mark.parametrize("char", FORMAT_CHARACTERS)
def test_format_character_in_a_caption_errors_naming_file_and_character(tmp_path, char):
    folder = concept(tmp_path)
    add_item(folder, tags=f"1girl,\n{char} long hair, smile")
    pattern = (rf"a\.txt: holds the invisible format character {re.escape(repr(char))} "
               rf"\(U\+{ord(char):04X} {re.escape(unicodedata.name(char))}\) at line 2, column 1; it "
               rf"would become part of the tag {re.escape(repr(char + ' long hair'))}, which looks "
               r"like 'long hair' but is not\. Fix: delete it")
    with pytest.raises(DatasetError, match=pattern):
        ds.load_dataset(tmp_path)
    with pytest.raises(DatasetError, match=pattern):
        ds.read_caption(folder / "a.txt")
    # a BOM at the very start is still stripped, not an error
    (folder / "a.txt").write_bytes("\ufeff1girl,\nlong hair, smile".encode("utf-8"))
    assert ds.load_dataset(tmp_path).items[0].tags == ["1girl", "long hair", "smile"]


@pytest.mark.parametrize("char", ["\u200b", "\u200f", "\u2060"])
def test_writing_a_tag_with_a_format_character_errors(tmp_path, char):
    tag = f"long{char}hair"
    pattern = (rf"a\.txt: the tag {re.escape(repr(tag))} holds the invisible format character "
               rf".*U\+{ord(char):04X}.*Fix: remove it")
    with pytest.raises(DatasetError, match=pattern):
        ds.write_caption(tmp_path / "a.txt", ["weiwei", tag])
    assert not (tmp_path / "a.txt").exists()


def test_spaces_empty_tags_and_fullwidth_commas(tmp_path):
    path = tmp_path / "messy.txt"
    path.write_text("  weiwei ,,  open   mouth，smile ,", encoding="utf-8")
    assert ds.read_caption(path) == ["weiwei", "open mouth", "smile"]


def test_non_ascii_tags_round_trip_end_to_end(tmp_path):
    folder = ds.write_concept(tmp_path, "喂喂", 10, [(solid(), ["喂喂", "呆狐狸", "open mouth"])])
    assert (folder / "000.txt").read_bytes() == "喂喂, 呆狐狸, open mouth".encode("utf-8")
    d = ds.load_dataset(tmp_path)
    assert d.concepts[0].name == "喂喂" and d.items[0].tags == ["喂喂", "呆狐狸", "open mouth"]
    assert ds.tag_frequency(d)["喂喂"] == 1


# --------------------------------------------------------------------------------------------
# bad input: folders
# --------------------------------------------------------------------------------------------
def test_missing_root_errors(tmp_path):
    with pytest.raises(DatasetError, match="nowhere: no such folder"):
        ds.load_dataset(tmp_path / "nowhere")


def test_empty_dataset_folder_errors(tmp_path):
    (tmp_path / "notes.md").write_text("nothing here")
    with pytest.raises(DatasetError, match=r"empty dataset.*10_weiwei"):
        ds.load_dataset(tmp_path)


def test_concept_folder_without_images_errors(tmp_path):
    add_item(concept(tmp_path, "10_weiwei"))
    (concept(tmp_path, "5_empty") / "notes.md").write_text("no pictures yet")
    with pytest.raises(DatasetError, match=r"5_empty: concept folder holds no images"):
        ds.load_dataset(tmp_path)


def test_folder_without_repeats_errors_naming_it(tmp_path):
    add_item(concept(tmp_path, "weiwei"))
    with pytest.raises(DatasetError, match=r"weiwei: .*repeat count.*rename it to '1_weiwei'"):
        ds.load_dataset(tmp_path)
    with pytest.raises(DatasetError, match="rename it to '1_weiwei'"):
        ds.load_dataset(tmp_path / "weiwei")


@pytest.mark.parametrize("name, made", [("10__", "a concept named '_'"),
                                        ("10_", "a concept with no name"),
                                        ("10_ _", "a concept named ' _'"),
                                        ("3___", "a concept named '__'")])
def test_folder_with_repeats_but_no_name_errors_naming_it(tmp_path, name, made):
    add_item(concept(tmp_path, name))
    digits = name.split("_")[0]
    pattern = (rf"{re.escape(name)}: a concept folder's name is '<repeats>_<name>', and this one has "
               rf"no name after '{digits}_' \(it would make {re.escape(made)}\)\. Fix: rename it to "
               rf"'{digits}_<name>', e\.g\. '{digits}_weiwei'$")
    with pytest.raises(DatasetError, match=pattern):
        ds.load_dataset(tmp_path)
    with pytest.raises(DatasetError, match=pattern):              # default_repeats does not help
        ds.load_dataset(tmp_path, default_repeats=1)


def test_folder_without_repeats_with_default_repeats(tmp_path):
    folder = concept(tmp_path, "weiwei")
    add_item(folder)
    d = ds.load_dataset(folder, default_repeats=1)
    assert (d.concepts[0].name, d.concepts[0].repeats) == ("weiwei", 1)
    prefixed = concept(tmp_path, "4_fox")
    add_item(prefixed)
    assert ds.load_dataset(prefixed, default_repeats=1).concepts[0].repeats == 4  # prefix wins
    with pytest.raises(ValueError, match="default_repeats"):
        ds.load_dataset(folder, default_repeats=0)


@pytest.mark.parametrize("name", ["0_weiwei", "-3_weiwei"])
def test_repeats_zero_or_negative_errors(tmp_path, name):
    add_item(concept(tmp_path, name))
    with pytest.raises(DatasetError, match=rf"{name}: repeats is -?\d.*never be trained"):
        ds.load_dataset(tmp_path)


@pytest.mark.parametrize("name", ["99999999999_weiwei", "10001_weiwei", "9" * 240 + "_weiwei"])
def test_repeats_above_the_cap_error_naming_the_folder(tmp_path, name):
    add_item(concept(tmp_path, name))
    with pytest.raises(DatasetError, match=rf"{name}: repeats is \d+, more than MAX_REPEATS = 10000.*"
                                           r"Fix: rename it to '10_weiwei'"):
        ds.load_dataset(tmp_path)
    with pytest.raises(ValueError, match="MAX_REPEATS"):
        ds.write_concept(tmp_path, "fox", ds.MAX_REPEATS + 1, [(solid(), ["fox"])])


def test_repeats_at_the_cap_accepted(tmp_path):
    add_item(concept(tmp_path, f"{ds.MAX_REPEATS}_weiwei"))
    assert ds.load_dataset(tmp_path).concepts[0].repeats == ds.MAX_REPEATS


# --------------------------------------------------------------------------------------------
# caption writing, atomicity, backups
# --------------------------------------------------------------------------------------------
def test_write_read_round_trip(tmp_path):
    path = tmp_path / "a.txt"
    assert ds.write_caption(path, ["weiwei", " open  mouth ", "weiwei", "", "喂喂"])
    assert path.read_bytes() == "weiwei, open mouth, 喂喂".encode("utf-8")
    assert ds.read_caption(path) == ["weiwei", "open mouth", "喂喂"]


def test_writing_a_tag_with_a_separator_errors(tmp_path):
    with pytest.raises(DatasetError, match=r"a\.txt: the tag 'smile, crying' holds a separator"):
        ds.write_caption(tmp_path / "a.txt", ["weiwei", "smile, crying"])
    assert not (tmp_path / "a.txt").exists()


def test_every_old_caption_is_recoverable(tmp_path):
    path = tmp_path / "a.txt"
    ds.write_caption(path, ["v1"])
    ds.write_caption(path, ["v2"])
    ds.write_caption(path, ["v3"])
    backups = ds.backups_of(path)
    assert [ds.read_caption(b) for b in backups] == [["v1"], ["v2"]]
    assert ds.read_caption(path) == ["v3"]
    assert all(b.parent == tmp_path / ".backup" for b in backups)
    stamp = backups[0].name.split(".", 1)[1].rsplit(".", 1)[0]
    assert datetime.strptime(stamp, "%Y%m%dT%H%M%S.%fZ")


def test_same_content_is_not_rewritten_nor_backed_up(tmp_path):
    path = tmp_path / "a.txt"
    assert ds.write_caption(path, ["weiwei"])
    assert not ds.write_caption(path, ["weiwei"])
    assert ds.backups_of(path) == []


def test_backups_never_overwrite_each_other(tmp_path, monkeypatch):
    frozen = datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc)

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return frozen

    monkeypatch.setattr(ds, "datetime", Frozen)
    path = tmp_path / "a.txt"
    for version in ("v1", "v2", "v3", "v4"):
        ds.write_caption(path, [version])
    backups = ds.backups_of(path)
    assert [b.name for b in backups] == [f"a.20240102T030405.00000{i}Z.txt" for i in (6, 7, 8)]
    assert [ds.read_caption(b) for b in backups] == [["v1"], ["v2"], ["v3"]]


def test_backups_of_ignores_other_stems(tmp_path):
    ds.write_caption(tmp_path / "a.txt", ["x"])
    ds.write_caption(tmp_path / "a.txt", ["y"])
    ds.write_caption(tmp_path / "a.b.txt", ["x"])
    ds.write_caption(tmp_path / "a.b.txt", ["y"])
    assert len(ds.backups_of(tmp_path / "a.txt")) == 1
    assert ds.backups_of(tmp_path / "new.txt") == []


def test_failed_write_keeps_old_caption_and_leaves_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "a.txt"
    ds.write_caption(path, ["old"])

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(safe_io.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        ds.write_caption(path, ["new"])
    assert ds.read_caption(path) == ["old"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".backup", "a.txt"]


def test_write_concept_round_trip(tmp_path):
    rng = np.random.default_rng(2)
    imgs = [Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)) for _ in range(2)]
    folder = ds.write_concept(tmp_path, "weiwei", 10, [(imgs[0], ["weiwei", "open mouth"]),
                                                       (imgs[1], ["weiwei", "closed mouth"])],
                              stems=["open", "closed"])
    assert folder == tmp_path / "10_weiwei"
    d = ds.load_dataset(tmp_path)
    assert [(it.image_path.name, it.tags) for it in d] == [
        ("closed.png", ["weiwei", "closed mouth"]), ("open.png", ["weiwei", "open mouth"])]
    assert np.array_equal(pixels(d.items[1].image()), pixels(imgs[0]))


def test_write_concept_default_stems_and_bad_arguments(tmp_path):
    folder = ds.write_concept(tmp_path, "fox", 1, [(solid(), ["fox"])] * 2)
    assert sorted(p.name for p in folder.iterdir()) == ["000.png", "000.txt", "001.png", "001.txt"]
    with pytest.raises(ValueError, match="repeats"):
        ds.write_concept(tmp_path, "fox", 0, [(solid(), ["fox"])])
    with pytest.raises(ValueError, match="concept name"):
        ds.write_concept(tmp_path, "../fox", 1, [(solid(), ["fox"])])
    with pytest.raises(ValueError, match="distinct stems"):
        ds.write_concept(tmp_path, "fox", 1, [(solid(), ["fox"])] * 2, stems=["a", "a"])


# --------------------------------------------------------------------------------------------
# tag tools
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("raw,expected", [
    ("  Long_Hair ", "long hair"),
    ("open   mouth", "open mouth"),
    ("WEIWEI", "weiwei"),
    ("^_^", "^_^"),
    (">_<", ">_<"),
    ("o_o", "o_o"),
    ("x_x", "x_x"),
    ("喂喂", "喂喂"),
])
def test_normalize_tag(raw, expected):
    assert ds.normalize_tag(raw) == expected


def test_normalize_tags_drops_empty_and_duplicates():
    assert ds.normalize_tags(["Long_Hair", "long hair", " ", "^_^"]) == ["long hair", "^_^"]


def test_split_tags_and_caption_text():
    assert ds.split_tags("a, b，c,\n d ,, ") == ["a", "b", "c", "d"]
    assert ds.split_tags("") == []
    assert ds.caption_text(["a", "b c", "喂喂"]) == "a, b c, 喂喂"


def test_dedupe_keeps_first():
    assert ds.dedupe(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]


def test_put_first_moves_or_inserts():
    assert ds.put_first(["smile", "weiwei", "open mouth"], "weiwei") == [
        "weiwei", "smile", "open mouth"]
    assert ds.put_first(["smile"], "weiwei") == ["weiwei", "smile"]
    assert ds.put_first([], "weiwei") == ["weiwei"]


def test_add_tags():
    assert ds.add_tags(["weiwei"], "smile") == ["weiwei", "smile"]
    assert ds.add_tags(["weiwei", "smile"], ["smile", "crying"]) == ["weiwei", "smile", "crying"]
    assert ds.add_tags(["smile", "weiwei"], ["weiwei", "1girl"], first=True) == [
        "weiwei", "1girl", "smile"]


def test_remove_tags():
    assert ds.remove_tags(["weiwei", "smile", "crying"], "smile") == ["weiwei", "crying"]
    assert ds.remove_tags(["weiwei", "smile", "crying"], ["smile", "crying", "x"]) == ["weiwei"]


def test_replace_tag():
    assert ds.replace_tag(["weiwei", "cry"], "cry", "crying") == ["weiwei", "crying"]
    assert ds.replace_tag(["crying", "weiwei", "cry"], "cry", "crying") == ["crying", "weiwei"]
    assert ds.replace_tag(["weiwei"], "cry", "crying") == ["weiwei"]


def test_shuffle_caption_keeps_the_first_tokens():
    tags = ["weiwei", "a", "b", "c", "d", "e", "f"]
    seen = set()
    for seed in range(20):
        out = ds.shuffle_caption(tags, random.Random(seed), keep_tokens=1)
        assert out[0] == "weiwei" and sorted(out) == sorted(tags)
        seen.add(tuple(out))
    assert len(seen) > 1 and tags == ["weiwei", "a", "b", "c", "d", "e", "f"]
    assert ds.shuffle_caption(tags, random.Random(3)) == ds.shuffle_caption(tags, random.Random(3))
    assert ds.shuffle_caption(tags, random.Random(0), keep_tokens=2)[:2] == ["weiwei", "a"]
    with pytest.raises(ValueError):
        ds.shuffle_caption(tags, random.Random(0), keep_tokens=-1)


# --------------------------------------------------------------------------------------------
# dataset-wide edits and statistics
# --------------------------------------------------------------------------------------------
def two_concepts(tmp_path: Path) -> ds.Dataset:
    a, b = concept(tmp_path, "10_weiwei"), concept(tmp_path, "1_fox")
    add_item(a, "x", "open mouth, weiwei")
    add_item(a, "y", "weiwei, cry")
    add_item(b, "z", "fox")
    return ds.load_dataset(tmp_path)


def test_edit_captions_writes_only_changed(tmp_path):
    d = two_concepts(tmp_path)
    n = ds.edit_captions(d, lambda tags: ["Weiwei" if t == "weiwei" else t for t in tags])
    assert n == 2
    assert [ds.backups_of(it.caption_path) != [] for it in d] == [True, True, False]
    assert [it.tags for it in d] == [["open mouth", "Weiwei"], ["Weiwei", "cry"], ["fox"]]
    assert [it.tags for it in ds.load_dataset(tmp_path)] == [it.tags for it in d]
    assert ds.edit_captions(d, ds.normalize_tags) == 2
    assert ds.edit_captions(d, ds.normalize_tags) == 0


def test_edit_captions_creates_missing_caption(tmp_path):
    add_item(concept(tmp_path), "lonely", tags=None)
    d = ds.load_dataset(tmp_path, allow_missing=True)
    assert ds.set_trigger(d, "weiwei") == 1
    assert ds.read_caption(tmp_path / "10_weiwei" / "lonely.txt") == ["weiwei"]


def test_dataset_wide_wrappers(tmp_path):
    d = two_concepts(tmp_path)
    assert ds.set_trigger(d, "weiwei") == 2  # moved to the front in x, inserted in z
    assert [it.tags for it in d] == [["weiwei", "open mouth"], ["weiwei", "cry"],
                                     ["weiwei", "fox"]]
    assert ds.replace_tag_everywhere(d, "cry", "crying") == 1
    assert ds.add_tag_everywhere(d, "1girl") == 3
    assert ds.add_tag_everywhere(d, "masterpiece", first=True) == 3
    assert ds.remove_tag_everywhere(d, "masterpiece") == 3
    assert [ds.read_caption(it.caption_path) for it in d] == [
        ["weiwei", "open mouth", "1girl"], ["weiwei", "crying", "1girl"],
        ["weiwei", "fox", "1girl"]]


def test_edit_rejects_tags_with_separators(tmp_path):
    d = two_concepts(tmp_path)
    with pytest.raises(DatasetError, match="split_tags"):
        ds.add_tag_everywhere(d, "smile, crying")


def test_tag_frequency(tmp_path):
    d = two_concepts(tmp_path)
    assert ds.tag_frequency(d) == {"weiwei": 2, "open mouth": 1, "cry": 1, "fox": 1}
    assert ds.tag_frequency_per_concept(d) == {
        "10_weiwei": {"open mouth": 1, "weiwei": 2, "cry": 1}, "1_fox": {"fox": 1}}
