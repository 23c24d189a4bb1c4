"""The model card of the sect (门派, the course's base model) and of the tagger, generated from the
shipped files and the check scripts' results, never typed.

    python scripts/model_card.py          # -> docs/model_card.md

Reads, without loading a model: the parameter counts from the safetensors headers of
``data/base`` and ``data/tagger.safetensors``, how the sect was made from
``data/base/pretrain.json`` (the stages table from its ``lineage``), the base targets from ``data/results/base_targets.json``
(``scripts/base_targets.py``, experiment E8) and the tagger against the eye from
``data/labelled/scores.json`` (``scripts/labelled_set.py score``), and the course's time on a CPU
from ``data/results/times.json`` (``scripts/benchmark_course.py``). ``tests/test_model_card.py``
checks that the committed card is what this writes.
"""
from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from lora_course import report  # noqa: E402
from lora_course.core import safe_io  # noqa: E402
from labelled_set import table as tagger_table  # noqa: E402  (the labelled set's own table)

OUT = ROOT / "docs" / "model_card.md"
BASE = ROOT / "data" / "base"
PARTS = {"vae": "vae/diffusion_pytorch_model.safetensors", "unet": "unet/diffusion_pytorch_model.safetensors",
         "text encoder": "text_encoder/model.safetensors"}


def parameters(path: Path) -> int:
    """How many numbers a safetensors file holds, from its header alone (no tensor is read)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    total = 0
    for name, info in header.items():
        if name != "__metadata__":
            count = 1
            for d in info["shape"]:
                count *= d
            total += count
    return total


def _m(n: int) -> str:
    return f"{n / 1e6:.2f} M"


def _i(d: dict) -> str:
    return f"{d['value']:.2f} [{d['lo']:.2f}, {d['hi']:.2f}]"


def tokens(base: Path) -> tuple:
    """How many tokens the tokenizer has, and how many of them were added as words of their own
    (the named cast's names, in a sect whose world gives them tokens): ``vocab.json`` lists only
    the first kind."""
    tok = json.loads((base / "tokenizer" / "tokenizer.json").read_text())
    vocab = tok["model"]["vocab"]
    added = [a["content"] for a in tok.get("added_tokens", []) if a["content"] not in vocab]
    return len(vocab) + len(added), len(added)


def _parent(source: str, before: dict | None) -> str:
    if source.startswith("git:"):
        return f"the sect of commit `{source[4:11]}`"
    return f"stage {before['candidate']}" if before else f"`{source}`"


def lineage_rows(info: dict) -> list:
    """The stages table, from pretrain.json's ``lineage`` (oldest first); a pretrain.json without
    one is a single stage, its own run."""
    stages = info.get("lineage") or [{"candidate": "—", **info}]
    rows = ["| stage | continued from | world | seed | UNet steps | pictures | minutes on 2 cores | "
            "pre-registered | judged |", "|---|---|---|---|---|---|---|---|---|"]
    for i, st in enumerate(stages):
        source = st.get("continued_from")
        parent = _parent(source, stages[i - 1] if i else None) if source else "nothing (from scratch)"
        rows.append(f"| {st['candidate']} | {parent} | `{st.get('population', 'uniform')}` | {st['seed']} | "
                    f"{st['unet_steps']:,} | {st['n_images']:,} | {st['seconds'] / 60:.0f} | "
                    f"{st.get('preregistration', '—').split(', ')[-1]} | {st.get('log', '—')} |")
    return rows


def sect_section() -> list:
    info = json.loads((BASE / "pretrain.json").read_text())
    unet = json.loads((BASE / "unet" / "config.json").read_text())
    n_tokens, n_added = tokens(BASE)
    rows = ["| part | parameters |", "|---|---|"]
    rows += [f"| {k} | {_m(parameters(BASE / v))} |" for k, v in PARTS.items()]
    rows.append(f"| tokenizer | {n_tokens} tokens"
                + (f", {n_added} of them added as words of their own (the named cast's names)" if n_added else "")
                + " |")
    stages = info.get("lineage") or [info]
    made = (f"Made by `python -m lora_course.sd.pretrain` in {len(stages)} "
            f"stage{'s' if len(stages) > 1 else ''}, each continuing the one before, on the "
            f"`{info['population']}` world: {sum(s['unet_steps'] for s in stages):,} UNet steps of batch "
            f"{info['unet_batch']} in all ({sum(s['seconds'] for s in stages) / 60:.0f} min on 2 cores). "
            + ("Each stage's command is in `data/base/pretrain.json` (its `lineage`), and "
               "`python scripts/build_sect_v3.py` runs them again; " if "lineage" in info else "")
            + "the sects before the first stage are in docs/base_model.md.")
    return ["## The sect (门派): `data/base`", "",
            "A `StableDiffusionPipeline` of stock diffusers and transformers classes, small enough to train "
            f"and sample on a laptop CPU: {unet['sample_size'] * 4}×{unet['sample_size'] * 4} pictures of a "
            "procedurally drawn world of tagged characters (docs/world.md).", "", *rows, "", made, "",
            *lineage_rows(info), ""]


def stale(t: dict, info: dict) -> list:
    """A warning when the base targets were measured on another sect than the shipped one (another
    world in pretrain.json; a file from before the world was recorded counts as another)."""
    if t.get("population") == info.get("population"):
        return []
    measured = f"the sect of the `{t['population']}` world" if t.get("population") else "an earlier sect"
    return [f"**Measured on another sect**: `data/results/base_targets.json` is {measured}'s, not the shipped "
            f"one's (`{info.get('population')}`): run `python scripts/base_targets.py`, then this script again.", ""]


def targets_section() -> list:
    t = json.loads((ROOT / "data" / "results" / "base_targets.json").read_text())
    info = json.loads((BASE / "pretrain.json").read_text())
    full, cast, never, empty = t["full_prompts"], t["named_cast"], t["never_in_pretraining"], t["puppet_empty"]
    worst = min(full["groups"].items(), key=lambda kv: kv[1]["lo"])
    wei = empty["prompts"]["weiwei"]
    rows = ["| target | bar | measured (95 % intervals) | decided |", "|---|---|---|---|",
            f"| full prompts ({full['prompts']} × {len(full['seeds'])} seeds), every group | ≥ {full['bar']:.2f} | "
            f"lowest: {worst[0]} {_i(worst[1])} | {full['status']} |",
            f"| the named cast ({cast['members']} names alone × {len(cast['seeds'])} seeds) drawn as themselves | "
            f"≥ {cast['bar']:.2f} | {_i(cast)} | {cast['status']} |",
            f"| `weiwei` never in pretraining | none | her combination "
            f"{never['booru']['her_identity'] + never['uniform']['her_identity'] + never['first_world']['her_identity']}, "
            f"captions with `wei` {never['booru']['captions_with_wei'] + never['uniform']['captions_with_wei']} "
            f"(of {never['booru']['draws'] + never['uniform']['draws'] + never['first_world']['draws']} draws) | "
            f"{never['status']} |",
            f"| the puppet empty: `weiwei` vs the empty prompt, distance beyond the floor | "
            f"≤ {empty['bar']:.2f} | {_i(wei['excess'])} | {empty['status']} |"]
    for p in ("喂喂", "1girl"):
        d = empty["prompts"][p]
        rows.append(f"| (for scale) `{p}` vs the empty prompt | ≤ {empty['bar']:.2f} | {_i(d['excess'])} | "
                    f"{ {'met': 'empty', 'not met': 'not empty'}.get(d['status'], d['status'])} |")
    return ["## What the sect knows: the base targets (experiment E8)", "",
            "Measured by `python scripts/base_targets.py` (docs/preregistration/J_E8.md), no LoRA involved; "
            "each target decided on its interval against its bar.", "", *stale(t, info), *rows, "",
            reading(full["status"], cast["status"], empty["status"], "That sect" if stale(t, info) else "The sect"), ""]


def reading(full: str, cast: str, empty: str, sect: str = "The sect") -> str:
    """The table in words, from its statuses (no number typed)."""
    obeys = "obeys full prompts" if full == "met" else "does not obey every group of a full prompt"
    knows = "knows its named cast" if cast == "met" else "does not know its named cast"
    puppet = {"empty": "`weiwei` is an empty word to it, as the article's puppet (傀儡) is",
              "not empty": "`weiwei` is not an empty word to it: it pulls the picture toward a look of its own, "
                           "where the article's puppet (傀儡) is a word with no mind"}.get(
        empty, "whether `weiwei` is an empty word to it is not decided")
    return f"{sect} {obeys} and {knows}; {puppet}."


def tagger_section() -> list:
    scores = json.loads((ROOT / "data" / "labelled" / "scores.json").read_text())
    return ["## The tagger: `data/tagger.safetensors`", "",
            f"A small convolutional network ({_m(parameters(ROOT / 'data' / 'tagger.safetensors'))} "
            "parameters) that reads every tag group of a picture; a group it cannot read with confidence is "
            "`unclear` (`python -m lora_course.tagger.train_tagger`). Against the eye on the pictures it measures "
            "(`python scripts/labelled_set.py score`):", "", tagger_table(scores), ""]


def times_section() -> list:
    """The course's time on a CPU, from the last run of every notebook from empty caches
    (``data/results/times.json``, written by ``scripts/benchmark_course.py``; the README renders the
    same table)."""
    path = ROOT / report.TIMES_FILE
    if not path.exists():
        return []
    return ["## The course on a CPU", "",
            "What the sect and the shipped LoRAs cost a reader: every notebook run from empty caches "
            f"(`python scripts/benchmark_course.py --test`; kept in `{report.TIMES_FILE}`).", "",
            report.times_markdown(json.loads(path.read_text(encoding="utf-8"))), ""]


def render() -> str:
    head = ["# Model card: the sect and the tagger", "",
            "<!-- generated by `python scripts/model_card.py` from the shipped files and the check scripts' "
            "results, do not edit -->", "",
            "Intended use: teaching and measuring what captions do to a LoRA, on a CPU. Not a model of real "
            "anime pictures: the world has a few tag groups, flat colours and one drawing style, and the sect's "
            "prior is what its pretraining population made it (docs/base_model.md).", ""]
    return "\n".join(head + sect_section() + targets_section() + tagger_section() + times_section())


def main() -> int:
    safe_io.write_text(OUT, render())
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
