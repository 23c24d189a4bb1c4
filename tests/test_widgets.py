"""The widgets, driven from Python as a notebook user would drive them: set a control's value or
click a button, then check what the widget shows (the grid, the tagger's readings, the
fidelity) and what it writes (caption files and their backups).

The slider runs on the random tiny pipeline with a LoRA trained for three steps and scaled up, so
its effect is far above rounding; the tag editor on a folder written here.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch

from lora_course import lora, widgets, world
from lora_course.datasets import dataset
from lora_course.measure import evaluation
from lora_course.sd import sampling
from lora_course.tagger import TAGGER_PATH, Tagger

STEPS = 2   # sampling steps: enough to tell pictures apart, fast on the tiny random model


# --------------------------------------------------------------------------------------------
# the slider
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def lora_pipe(tiny_pipe_session, tmp_path_factory):
    """A copy of the tiny pipeline with one LoRA, ``w1``, loaded (B scaled up 30x)."""
    import copy
    pipe = copy.deepcopy(tiny_pipe_session)
    root = tmp_path_factory.mktemp("set")
    dataset.write_concept(root, "weiwei", 10, [(world.render(world.WEIWEI, seed=0), ["weiwei"])])
    cfg = lora.LoraTrainConfig(name="w1", rank=4, alpha=4.0, steps=3, batch_size=2, warmup_steps=0)
    result = lora.train_lora(pipe, root, cfg, progress=False)
    result.unet_lora = {k: v * 30.0 if "lora_B" in k else v for k, v in result.unet_lora.items()}
    lora.load_lora(pipe, result, "w1")
    return pipe


@pytest.fixture(scope="module")
def tagger():
    if not TAGGER_PATH.exists():
        pytest.skip("data/tagger.safetensors not built")
    return Tagger.load()


def direct(pipe, prompt, weights, seeds):
    """The pictures drawn without the widget: the same prompt, weights and seeds."""
    lora.set_lora_weights(pipe, weights)
    return sampling.generate(pipe, [prompt] * len(seeds), list(seeds), steps=STEPS)


def is_png(data: bytes) -> bool:
    return bytes(data[:8]) == b"\x89PNG\r\n\x1a\n"


def test_slider_draws_what_it_says_and_reads_it(lora_pipe, tagger):
    lab = widgets.SliderLab(lora_pipe, tagger, prompt="weiwei", lora_name="w1", weight=1.0,
                            n_images=3, steps=STEPS)
    shown = lab.last
    assert shown["seeds"] == [0, 1, 2] and shown["images"].shape == (3, 64, 64, 3)
    assert np.array_equal(shown["images"], direct(lora_pipe, "weiwei", {"w1": 1.0}, [0, 1, 2]))
    assert is_png(lab.grid.value) and "&lt;lora:w1:1&gt;" in lab.status.value and "✓" in lab.status.value

    # beside the grid: what the tagger reads on each picture, and the identity fidelity
    r = tagger.read(shown["images"])
    for g in world.GROUPS:
        row = re.search(rf"<tr><th>{g.replace('_', ' ')}</th>(.*?)</tr>", lab.readings.value).group(1)
        assert re.findall(r">([^<]*)</td>", row) == [v or "—" for v in r.values[g]]
    fid = r.fidelity(world.WEIWEI)
    assert f"identity fidelity {fid.all:.2f}" in lab.fidelity.value
    assert f"{int(round(fid.all * 3))} of 3 pictures" in lab.fidelity.value


def test_moving_the_slider_redraws_and_caches(lora_pipe, tagger):
    lab = widgets.SliderLab(lora_pipe, tagger, prompt="weiwei", lora_name="w1", weight=1.0,
                            n_images=2, steps=STEPS)
    grid_at_1, imgs_at_1 = lab.grid.value, lab.last["images"]
    assert lab.generated == 2

    lab.weight.value = 0.0                      # what a user's drag does
    assert lab.generated == 4 and lab.grid.value != grid_at_1
    assert not np.array_equal(lab.last["images"], imgs_at_1)
    # w = 0 is the base model: the same pictures as with every LoRA off
    assert np.array_equal(lab.last["images"], direct(lora_pipe, "weiwei", {}, [0, 1]))
    assert "<lora:w1:0>" in lab.last["prompt"]

    lab.weight.value = 1.0                      # back: from memory, nothing drawn
    assert lab.generated == 4 and "0 drawn, 2 from memory" in lab.status.value
    assert np.array_equal(lab.last["images"], imgs_at_1) and lab.grid.value == grid_at_1

    lab.weight.value = 1.5                      # past "ten levels": drawn, and different again
    assert lab.generated == 6 and not np.array_equal(lab.last["images"], imgs_at_1)


def test_seed_and_number_of_images(lora_pipe, tagger):
    lab = widgets.SliderLab(lora_pipe, tagger, prompt="weiwei", lora_name="w1", weight=0.5,
                            n_images=2, steps=STEPS)
    two = lab.last["images"]
    lab.n_images.value = 4                      # only the two new seeds are drawn
    assert lab.generated == 4 and lab.last["seeds"] == [0, 1, 2, 3]
    assert np.array_equal(lab.last["images"][:2], two)   # a picture depends on its seed alone
    lab.seed.value = 2
    assert lab.last["seeds"] == [2, 3, 4, 5] and lab.generated == 6
    assert np.array_equal(lab.last["images"][:2], direct(lora_pipe, "weiwei", {"w1": 0.5}, [2, 3]))


def test_prompt_and_controls_agree(lora_pipe, tagger):
    lab = widgets.SliderLab(lora_pipe, tagger, prompt="1girl", lora_name="w1", weight=1.0,
                            n_images=1, steps=STEPS)
    lab.prompt.value = "1girl, <lora:w1:0.4>"          # typed: the slider follows
    assert lab.weight.value == pytest.approx(0.4) and lab.lora.value == "w1"
    assert lab.last["prompt"] == "1girl, <lora:w1:0.4>"
    assert np.array_equal(lab.last["images"], direct(lora_pipe, "1girl", {"w1": 0.4}, [0]))

    lab.weight.value = 0.8                             # moved: the prompt follows
    assert lab.prompt.value == "1girl, <lora:w1:0.8>" and lab.last["prompt"] == "1girl, <lora:w1:0.8>"

    lab.lora.value = None                              # no LoRA: its tag leaves the prompt
    assert lab.prompt.value == "1girl" and lab.last["prompt"] == "1girl"
    assert np.array_equal(lab.last["images"], direct(lora_pipe, "1girl", {}, [0]))


def test_bad_prompts_are_explained_and_keep_the_pictures(lora_pipe, tagger):
    lab = widgets.SliderLab(lora_pipe, tagger, prompt="weiwei", lora_name="w1", n_images=1, steps=STEPS)
    grid = lab.grid.value
    lab.prompt.value = "weiwei, <lora:nobody:0.5>"
    assert "⚠" in lab.status.value and "no LoRA named &#x27;nobody&#x27;" in lab.status.value
    lab.prompt.value = "weiwei, <lora::0.5>"
    assert "⚠" in lab.status.value and "has no name" in lab.status.value
    assert lab.grid.value == grid
    lab.prompt.value = "weiwei"
    assert "✓" in lab.status.value


def test_the_pipeline_is_left_as_it_was(lora_pipe, tagger):
    lora.set_lora_weights(lora_pipe, {"w1": 0.3})
    before = sampling.generate(lora_pipe, ["weiwei"], [7], steps=STEPS)
    lab = widgets.SliderLab(lora_pipe, tagger, prompt="weiwei", lora_name="w1", weight=1.5,
                            n_images=1, seed=7, steps=STEPS)
    lab.weight.value = 0.0
    after = sampling.generate(lora_pipe, ["weiwei"], [7], steps=STEPS)
    assert np.array_equal(before, after)
    assert not np.array_equal(before, lab.last["images"])


def test_unknown_lora_is_named(lora_pipe, tagger):
    with pytest.raises(KeyError, match="nobody"):
        widgets.SliderLab(lora_pipe, tagger, lora_name="nobody", draw=False)


# --------------------------------------------------------------------------------------------
# the tag editor
# --------------------------------------------------------------------------------------------
@pytest.fixture
def folder(tmp_path):
    """A concept folder: three captioned pictures and one without a caption."""
    items = [(world.render(world.WEIWEI, seed=i), tags) for i, tags in
             enumerate([["weiwei", "long hair", "smile"], ["long hair", "weiwei"], ["weiwei", "crying"]])]
    concept = dataset.write_concept(tmp_path, "weiwei", 10, items, stems=["a", "b", "c"])
    world.render(world.WEIWEI, seed=9).save(concept / "d.png")
    return concept


def caption(concept: Path, stem: str) -> str:
    return (concept / f"{stem}.txt").read_text(encoding="utf-8")


def test_editor_shows_thumbnails_tags_and_frequency(folder):
    ed = widgets.TagEditor(folder)
    assert len(ed.rows) == 4 and all(is_png(r.thumbnail.value) for r in ed.rows)
    assert list(ed.rows[0].tag_buttons) == ["weiwei", "long hair", "smile"]
    assert ed.rows[0].tag_buttons["weiwei"].button_style == "info"      # the trigger, first
    assert list(ed.rows[3].tag_buttons) == []                           # no caption yet
    assert ed.trigger.value == "weiwei"                                 # the commonest first tag
    assert "<td>weiwei</td><td>3</td><td>75%</td>" in ed.frequency_table.value
    assert "<td>long hair</td><td>2</td>" in ed.frequency_table.value


def test_click_to_remove_and_put_back_writes_nothing(folder):
    ed = widgets.TagEditor(folder)
    clicked = ed.rows[0].tag_buttons["smile"]
    clicked.click()
    assert ed.tags(0) == ["weiwei", "long hair"] and "smile" in ed.rows[0].removed_buttons
    assert clicked.comm is None                                         # old buttons are closed
    assert ed.rows[0].removed_buttons["smile"].style.text_decoration == "line-through"
    assert "unsaved" in ed.rows[0].name.value and "1 unsaved" in ed.status.value
    assert caption(folder, "a") == "weiwei, long hair, smile"           # not written yet
    ed.rows[0].removed_buttons["smile"].click()                         # put back
    assert ed.tags(0) == ["weiwei", "long hair", "smile"] and ed.unsaved() == []
    ed.rows[1].new_tag.value = "Blue_Eyes, smile"                       # typed, booru spelling
    assert ed.tags(1) == ["long hair", "weiwei", "blue eyes", "smile"] and ed.rows[1].new_tag.value == ""
    ed.revert_button.click()
    assert ed.tags(1) == ["long hair", "weiwei"] and ed.unsaved() == []
    assert not (folder / dataset.BACKUP_DIR).exists()


def test_bulk_edits_then_save_with_backups(folder):
    ed = widgets.TagEditor(folder)
    ed.tag.value = "1girl"
    ed.add_all_button.click()
    assert all("1girl" in ed.tags(i) for i in range(4))
    ed.tag.value, ed.new.value = "long hair", "very long hair"
    ed.replace_all_button.click()
    assert ed.tags(0) == ["weiwei", "very long hair", "smile", "1girl"]
    ed.tag.value = "smile"
    ed.remove_all_button.click()
    ed.trigger.value = "喂喂"
    ed.trigger_button.click()
    assert [ed.tags(i)[0] for i in range(4)] == ["喂喂"] * 4
    assert ed.frequency()["1girl"] == 4 and "<td>1girl</td><td>4</td><td>100%</td>" in ed.frequency_table.value

    ed.save_button.click()
    assert caption(folder, "a") == "喂喂, weiwei, very long hair, 1girl"
    assert caption(folder, "b") == "喂喂, very long hair, weiwei, 1girl"
    assert caption(folder, "c") == "喂喂, weiwei, crying, 1girl"
    assert caption(folder, "d") == "喂喂, 1girl"                         # a new caption file
    assert dataset.load_dataset(folder).items[0].tags == ed.tags(0)
    # nothing is lost: each old caption is kept in .backup/ (d had none)
    olds = {p.name.split(".")[0]: p.read_text(encoding="utf-8")
            for stem in "abcd" for p in dataset.backups_of(folder / f"{stem}.txt")}
    assert olds == {"a": "weiwei, long hair, smile", "b": "long hair, weiwei", "c": "weiwei, crying"}
    assert "saved 4 caption(s); 3 old version(s)" in ed.status.value and ed.unsaved() == []

    ed.rows[2].tag_buttons["crying"].click()                            # a second save keeps both
    assert ed.save() == 1
    assert [p.read_text(encoding="utf-8") for p in dataset.backups_of(folder / "c.txt")] == \
        ["weiwei, crying", "喂喂, weiwei, crying, 1girl"]
    assert ed.save() == 0                                                # nothing changed


def test_bad_bulk_input_is_refused(folder):
    ed = widgets.TagEditor(folder)
    ed.tag.value, ed.new.value = "smile", "a, b"
    ed.replace_all_button.click()
    assert "exactly one new tag" in ed.status.value and ed.unsaved() == []
    ed.trigger.value = ""
    ed.trigger_button.click()
    assert "the trigger is one tag" in ed.status.value and ed.unsaved() == []


def test_saved_notebooks_show_a_still_not_the_widget_repr(lora_pipe, tagger, folder):
    """Read without a kernel (GitHub, nbviewer), a widget output falls back to its PNG and text:
    the pictures it shows and one line, never ``VBox(children=...)``."""
    import base64
    slider = widgets.SliderLab(lora_pipe, tagger, prompt="weiwei", lora_name="w1", weight=1.0, n_images=2,
                               steps=STEPS)
    data = slider._repr_mimebundle_()
    data = data[0] if isinstance(data, tuple) else data
    assert "application/vnd.jupyter.widget-view+json" in data
    assert base64.b64decode(data["image/png"]).startswith(b"\x89PNG") and "VBox" not in data["text/plain"]
    editor = widgets.TagEditor(folder)
    data = editor._repr_mimebundle_()
    data = data[0] if isinstance(data, tuple) else data
    assert base64.b64decode(data["image/png"]).startswith(b"\x89PNG") and "VBox" not in data["text/plain"]
