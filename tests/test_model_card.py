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


def test_the_stages_table_follows_the_lineage():
    card = _card()
    stage = {"population": "booru_v3c", "seed": 0, "unet_steps": 1500, "n_images": 24000, "seconds": 600,
             "preregistration": "docs/preregistration/J_sect_v3.md, amendment 2", "log": "E9c"}
    info = {"population": "booru_v3c", "lineage": [
        {**stage, "candidate": "c", "continued_from": "git:6880a2bde712ff14b8360ebbe7a010a40a0c9b9a"},
        {**stage, "candidate": "d", "continued_from": "build/sect_v3/c", "seed": 1, "log": "E9d"}]}
    rows = card.lineage_rows(info)
    assert len(rows) == 2 + 2
    assert rows[2].startswith("| c | the sect of commit `6880a2b` |") and "| 1,500 | 24,000 | 10 | amendment 2 | E9c |" in rows[2]
    assert rows[3].startswith("| d | stage c |")
    assert card.stale({"population": "booru_v3c"}, info) == []
    assert "another sect" in card.stale({"population": "booru"}, info)[0] and card.stale({}, info)
