"""The caption lint finds what it says on small folders, refuses nothing the loader would
refuse silently, and reads a 1,000-picture folder in under 2 s."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from PIL import Image

from lora_course.datasets import caption_lint as cl
from lora_course.datasets import training_sets


def make(root: Path, captions: dict, concept: str = "10_weiwei", colour=None) -> Path:
    """A concept folder with one picture per caption (``{stem: caption text or None}``); each
    picture differs unless ``colour`` is fixed."""
    folder = root / concept
    folder.mkdir(parents=True, exist_ok=True)
    for i, (stem, text) in enumerate(captions.items()):
        Image.new("RGB", (8, 8), colour or (i % 256, i // 256 % 256, 7)).save(folder / f"{stem}.png")
        if text is not None:
            (folder / f"{stem}.txt").write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return root


def kinds(report) -> list:
    return sorted({f.kind for f in report.findings})


def test_full_tags_are_named_everywhere_and_leave_the_trigger_empty(tmp_path):
    r = cl.lint_folder(make(tmp_path, {f"p{i}": f"weiwei, white hair, long hair, {m}" for i, m in
                                       enumerate(["open mouth", "closed mouth", "open mouth"])}))
    (f,) = r.of("named_everywhere")
    assert "`white hair`, `long hair`" in f.en and "`weiwei` alone will not draw it" in f.en
    assert "open mouth" not in f.en                    # it varies, and is a changeable tag
    assert not r.of("trigger_only") and f.see == ("09_thesis",)


def test_trigger_only_captions_say_the_trigger_absorbs_everything(tmp_path):
    r = cl.lint_folder(make(tmp_path, {f"p{i}": "weiwei" for i in range(4)}))
    assert kinds(r) == ["trigger_only"] and "1girl" in r.findings[0].en


def test_trigger_missing_and_not_first(tmp_path):
    r = cl.lint_folder(make(tmp_path, {"a": "weiwei, smile", "b": "smile, weiwei", "c": "smile, long hair"}))
    (missing,) = r.of("trigger_missing")
    assert missing.files == ("c.txt",) and "1 of 3" in missing.en
    (late,) = r.of("trigger_not_first")
    assert late.files == ("b.txt",)
    assert not cl.lint_folder(tmp_path, keep_tokens=2).of("trigger_not_first")


def test_the_trigger_is_guessed_from_the_folder_or_given(tmp_path):
    make(tmp_path, {"a": "qiuqiu, smile", "b": "qiuqiu, crying"}, concept="5_chara")
    assert not cl.lint_folder(tmp_path).of("trigger_missing")             # the commonest first tag
    assert cl.lint_folder(tmp_path, trigger="chara").of("trigger_missing")  # told otherwise


def test_a_changeable_tag_that_never_varies(tmp_path):
    r = cl.lint_folder(make(tmp_path, {f"p{i}": "weiwei, standing, open mouth" for i in range(3)}))
    found = {f.en.split("`")[1] for f in r.of("never_varies")}
    assert found == {"standing", "open mouth"}
    assert all(f.see == ("06_mouth", "08_poses") for f in r.of("never_varies"))
    varied = cl.lint_folder(make(tmp_path / "b", {"a": "weiwei, standing", "b": "weiwei, sitting", "c": "weiwei, standing"}))
    assert not varied.of("never_varies")


def test_few_pictures(tmp_path):
    assert cl.lint_folder(make(tmp_path, {"a": "weiwei"})).of("few_pictures")
    assert not cl.lint_folder(make(tmp_path / "b", {f"p{i}": "weiwei" for i in range(cl.FEW)})).of("few_pictures")


def test_captions_past_the_window_name_the_lost_tags(tmp_path):
    long = "weiwei, " + ", ".join(f"tag{i} word{i}" for i in range(40))
    r = cl.lint_folder(make(tmp_path, {"a": long, "b": "weiwei"}))
    (f,) = r.of("past_window")
    assert f.files == ("a.txt",) and "`tag39 word39`" not in f.en and "cut off" in f.en


def test_duplicates_spellings_and_twin_pictures(tmp_path):
    make(tmp_path, {"a": "weiwei, long hair, long hair", "b": "weiwei, long_hair", "c": "weiwei, Long Hair"})
    make(tmp_path, {"x": "weiwei", "y": "weiwei"}, concept="1_twins", colour=(1, 2, 3))
    r = cl.lint_folder(tmp_path)
    (dup,) = r.of("duplicate_tag")
    assert dup.files == ("a.txt",)
    (sp,) = r.of("spellings")
    assert "3 ways" in sp.en and "`long hair`" in sp.fix_en and set(sp.files) == {"b.txt", "c.txt"}
    (twin,) = r.of("duplicate_picture")
    assert twin.concept == "twins" and twin.files == ("y.png",) and "(y.png = x.png)" in twin.en


@pytest.mark.parametrize("case, expect", [
    ("missing caption", "has no caption file"),
    ("not utf-8", "not UTF-8"),
    ("control character", "control character"),
    ("no repeats prefix", "repeat count"),
    ("zero repeats", "never be trained"),
    ("zero-width space", "U+200B"),
    ("nameless folder", "no name after"),
])
def test_what_the_loader_refuses_is_an_error_finding_not_a_crash(tmp_path, case, expect):
    if case == "missing caption":
        make(tmp_path, {"a": "weiwei", "b": None})
    elif case == "not utf-8":
        make(tmp_path, {"a": "weiwei", "b": "weiwei, café".encode("cp1252")})
    elif case == "control character":
        make(tmp_path, {"a": "weiwei", "b": "weiwei\x1b, smile"})
    elif case == "zero-width space":
        make(tmp_path, {"a": "weiwei", "b": "weiwei,\u200b long hair"})
    elif case == "nameless folder":
        make(tmp_path, {"a": "weiwei"}, concept="10__")
    elif case == "no repeats prefix":
        make(tmp_path, {"a": "weiwei"}, concept="weiwei")
    else:
        make(tmp_path, {"a": "weiwei"}, concept="0_weiwei")
    r = cl.lint_folder(tmp_path)
    errors = [f for f in r.findings if f.severity == "error"]
    assert errors and expect in errors[0].en and errors[0].fix_en
    assert r.findings[0].severity == "error"           # errors come first
    assert cl.main([str(tmp_path), "--lang", "en"]) == 1


def test_a_picture_the_trainer_skips_is_named(tmp_path):
    make(tmp_path, {"a": "weiwei", "b": "weiwei"})
    Image.new("RGB", (8, 8)).save(tmp_path / "10_weiwei" / "c.gif")
    (f,) = cl.lint_folder(tmp_path).of("skipped_picture")
    assert f.files == ("c.gif",) and ".gif" in f.en and "PNG" in f.fix_en


def test_a_missing_folder_is_named_with_the_fix(tmp_path, capsys):
    assert cl.main([str(tmp_path / "nowhere")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_every_finding_reads_in_both_languages_and_as_json(tmp_path, capsys):
    make(tmp_path, {"a": "weiwei, long hair, long hair, standing", "b": "long_hair, weiwei, standing"})
    r = cl.lint_folder(tmp_path)
    assert {f.kind for f in r.findings} >= {"duplicate_tag", "spellings", "trigger_not_first", "never_varies"}
    for f in r.findings:
        assert "Fix: " in f.text("en") and "改法：" in f.text("zh")
    assert "警告" in r.text("zh") and r.text("en").startswith(f"{tmp_path.name}: 2 captions read")
    assert str(tmp_path.parent) not in r.text("en")       # no machine path in what a notebook prints
    assert cl.main([str(tmp_path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["captions"] == 2 and all("severity" in f for f in data["findings"])


def test_the_course_sets_read_as_notebook_09_measured():
    """thesis_full names her looks everywhere (the trigger alone draws her on none of 09's
    seeds); thesis_trigger and thesis_pruned leave her on the trigger (the `1girl` hijack)."""
    def lint(name):
        return kinds(cl.lint_folder(training_sets.folder(name)))
    assert lint("thesis_full") == ["named_everywhere"]
    assert lint("thesis_trigger") == ["trigger_only"] == lint("thesis_pruned")
    assert lint("weiwei_1") == ["few_pictures", "trigger_only"]


def test_a_thousand_pictures_in_under_two_seconds(tmp_path):
    make(tmp_path, {f"p{i:04d}": f"weiwei, {'open' if i % 2 else 'closed'} mouth, long hair, tag{i % 37}"
                    for i in range(1000)})
    t = time.perf_counter()
    r = cl.lint_folder(tmp_path)
    assert time.perf_counter() - t < 2.0 and r.captions == 1000


def test_the_tag_editor_shows_the_findings_of_its_edits_and_marks_the_pictures(tmp_path):
    from lora_course.widgets import tag_editor
    make(tmp_path, {"a": "weiwei, white hair, open mouth", "b": "white hair, weiwei, closed mouth",
                    "c": "white hair, open mouth"})
    ed = tag_editor.TagEditor(tmp_path)
    assert {f.kind for f in ed.lint()} == {"trigger_missing", "trigger_not_first", "named_everywhere"}
    panel = ed.findings_panel.value
    assert "trigger `weiwei` is missing" in panel and "缺少触发词" in panel
    assert "trigger_missing" in ed.rows[2].name.value and "trigger_not_first" in ed.rows[1].name.value
    assert "⚠" not in ed.rows[0].name.value
    ed.add(2, "weiwei")
    ed.trigger_first("weiwei")                          # unsaved edits are linted, not the files
    assert {f.kind for f in ed.lint()} == {"named_everywhere"}
    assert "⚠" not in ed.rows[2].name.value
    ed.remove_all("white hair")
    assert {f.kind for f in ed.lint()} == {"trigger_only"} and "nothing found" not in ed.findings_panel.value
    ed.trigger.value = "open mouth"                     # the trigger box re-lints
    assert "trigger `open mouth` is missing" in ed.findings_panel.value
