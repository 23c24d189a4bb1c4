"""The model card (docs/model_card.md) is generated from the shipped files and the check scripts'
results: the committed card is what `python scripts/model_card.py` writes, and its parameter
counts are read from the safetensors headers alone."""
import importlib.util
import json
import struct
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _card():
    spec = importlib.util.spec_from_file_location("model_card", ROOT / "scripts" / "model_card.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_the_committed_model_card_is_generated():
    card = _card()
    assert (ROOT / "docs" / "model_card.md").read_text(encoding="utf-8") == card.render(), (
        "docs/model_card.md is stale: run `python scripts/model_card.py`")


def test_parameters_are_counted_from_the_header(tmp_path):
    header = json.dumps({"__metadata__": {"a": "b"}, "w": {"dtype": "F32", "shape": [3, 4], "data_offsets": [0, 48]},
                         "b": {"dtype": "F32", "shape": [5], "data_offsets": [48, 68]}}).encode()
    path = tmp_path / "x.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header + bytes(68))
    assert _card().parameters(path) == 17


def test_the_reading_follows_the_statuses():
    card = _card()
    assert "does not know its named cast" in card.reading("met", "not met", "not empty")
    assert "knows its named cast; `weiwei` is an empty word" in card.reading("met", "met", "empty")
