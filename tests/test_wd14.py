"""The real WD14 path (lora_course.tagger.wd14), checked with a tiny WD14-shaped ONNX model built here.

The model has WD14's interface (NHWC float32 input of 448×448 in 0–255, BGR; one sigmoid
probability per row of ``selected_tags.csv``) and a known answer: the tag ``blue background``
follows the mean of the *first* channel (blue, in BGR), ``red theme`` the mean of the third. So
a red picture tagged ``blue background`` means the channels were not swapped to BGR.
"""
from __future__ import annotations

import csv

import numpy as np
import pytest
from PIL import Image

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from lora_course.datasets import dataset  # noqa: E402
from lora_course.tagger import wd14  # noqa: E402
from lora_course.tagger import autotag_folder  # noqa: E402

#: (name, category, weights on the B, G, R channel means in [0, 1], bias)
TAGS = [
    ("general", wd14.RATING, (0, 0, 0), 2.2),          # a rating: 0.90 for every picture
    ("sensitive", wd14.RATING, (0, 0, 0), -2.2),
    ("blue_background", wd14.GENERAL, (10, 0, 0), -5),
    ("red_theme", wd14.GENERAL, (0, 0, 10), -5),
    ("^_^", wd14.GENERAL, (0, 0, 0), 0.0),             # a kaomoji: 0.50 for every picture
    ("hatsune_miku", wd14.CHARACTER, (0, 0, 0), 0.4),  # a character: 0.60, under WD14's 0.85
]


def make_model(folder, tags=TAGS, size=448):
    """Write ``model.onnx`` (mean colour → linear → sigmoid) and ``selected_tags.csv``."""
    from onnx import TensorProto, helper, numpy_helper
    w = np.array([t[2] for t in tags], np.float32).T / 255.0          # 3 × T, on 0–255 means
    b = np.array([t[3] for t in tags], np.float32)
    nodes = [helper.make_node("ReduceMean", ["input_1"], ["mean"], axes=[1, 2], keepdims=0),
             helper.make_node("MatMul", ["mean", "W"], ["logits0"]),
             helper.make_node("Add", ["logits0", "b"], ["logits"]),
             helper.make_node("Sigmoid", ["logits"], ["predictions_sigmoid"])]
    graph = helper.make_graph(
        nodes, "tiny_wd14",
        [helper.make_tensor_value_info("input_1", TensorProto.FLOAT, ["batch", size, size, 3])],
        [helper.make_tensor_value_info("predictions_sigmoid", TensorProto.FLOAT, ["batch", len(tags)])],
        initializer=[numpy_helper.from_array(w, "W"), numpy_helper.from_array(b, "b")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    folder.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(folder / wd14.MODEL_FILE))
    with open(folder / wd14.TAGS_FILE, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["tag_id", "name", "category", "count"])
        for i, (name, cat, _, _) in enumerate(tags):
            out.writerow([1000 + i, name, cat, 100 - i])
    return folder


@pytest.fixture
def model_dir(tmp_path):
    return make_model(tmp_path / "wd14")


def solid(rgb, size=(64, 64)):
    return Image.new("RGB", size, rgb)


def test_tags_csv_is_read_as_wd14_writes_it(model_dir):
    names, cats = wd14.read_tags_csv(model_dir / wd14.TAGS_FILE)
    assert names == ["general", "sensitive", "blue background", "red theme", "^_^", "hatsune miku"]
    assert cats == [9, 9, 0, 0, 0, 4]
    bad = model_dir / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="tag_id,name,category,count"):
        wd14.read_tags_csv(bad)


def test_preprocess_pads_with_white_and_swaps_to_bgr():
    im = Image.new("RGBA", (20, 10), (255, 0, 0, 255))
    im.paste((0, 0, 0, 0), (10, 0, 20, 10))             # the right half transparent
    x = wd14.preprocess(im, 448)
    assert x.shape == (448, 448, 3) and x.dtype == np.float32
    assert x.min() >= 0 and x.max() == 255
    assert (x[:100] == 255).all() and (x[-100:] == 255).all()      # padding above and below: white
    assert x[224, 100].tolist() == [0, 0, 255]                     # red, in BGR order
    assert x[224, 350].tolist() == [255, 255, 255]                 # transparency composited on white
    sq = np.asarray(wd14.preprocess(solid((10, 20, 30), (448, 448)), 448))
    assert sq[0, 0].tolist() == [30, 20, 10]                       # same size: only the channel order


def test_tag_lists_threshold_order_and_categories(model_dir):
    t = wd14.WD14Tagger.load(model_dir)
    assert t.image_size == 448 and t.input_name == "input_1"
    p = t.probs([solid((255, 0, 0)), solid((0, 0, 255))])
    assert p.shape == (2, len(TAGS)) and np.allclose(p[:, 0], 0.90, atol=0.01)
    red, blue = t.tag_lists([solid((255, 0, 0)), solid((0, 0, 255))])
    assert red == ["red theme", "^_^"]               # most likely first; no rating, no character
    assert blue == ["blue background", "^_^"]
    assert t.tag_lists([solid((255, 0, 0))], threshold=0.6) == [["red theme"]]
    assert t.tag_lists([solid((255, 0, 0))], character_threshold=0.5) == [["red theme", "hatsune miku", "^_^"]]
    assert t.ratings([solid((0, 0, 0))])[0] == pytest.approx({"general": 0.90, "sensitive": 0.10}, abs=0.01)
    # the same API as the course's tagger: a uint8 array of pictures works too
    assert t.tag_lists(np.stack([np.asarray(solid((255, 0, 0)))])) == [red]


def test_autotag_folder_writes_kohya_captions_with_wd14(model_dir, tmp_path):
    concept = tmp_path / "set" / "5_me"
    concept.mkdir(parents=True)
    solid((255, 0, 0), (300, 200)).save(concept / "red.png")
    solid((0, 0, 255)).save(concept / "blue.jpg")
    written = autotag_folder(concept, wd14.WD14Tagger.load(model_dir), always_first=["me"],
                             undesired=["^_^"])
    assert written == {"blue.jpg": ["me", "blue background"], "red.png": ["me", "red theme"]}
    assert dataset.read_caption(concept / "red.txt") == ["me", "red theme"]


def test_model_and_tag_list_that_do_not_match_are_refused(tmp_path):
    folder = make_model(tmp_path / "m")
    other = make_model(tmp_path / "other", tags=TAGS[:3])
    (folder / wd14.TAGS_FILE).write_bytes((other / wd14.TAGS_FILE).read_bytes())
    with pytest.raises(ValueError, match="do not belong together"):
        wd14.WD14Tagger.load(folder)


def test_availability_says_why_in_one_sentence(model_dir, tmp_path, monkeypatch):
    assert wd14.available(model_dir).ok
    tagger, why = wd14.load_if_available(model_dir)
    assert isinstance(tagger, wd14.WD14Tagger) and why

    empty = tmp_path / "empty"
    empty.mkdir()
    ok, why = wd14.available(empty)
    assert not ok and "model.onnx" in why and why.count(". ") == 0 and why.endswith(".")
    assert wd14.load_if_available(empty)[0] is None

    import huggingface_hub.constants as hub
    monkeypatch.setattr(hub, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(hub, "HF_HUB_CACHE", str(tmp_path / "hub"))   # an empty cache
    ok, why = wd14.available("SmilingWolf/no-such-tagger")
    assert not ok and "skipped" in why

    monkeypatch.setitem(__import__("sys").modules, "onnxruntime", None)   # not installed
    ok, why = wd14.available(model_dir)
    assert not ok and "onnxruntime" in why
