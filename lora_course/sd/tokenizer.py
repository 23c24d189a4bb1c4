"""The base model's vocabulary: a CLIP-style byte-level BPE built offline from the world's tags.

Real Stable Diffusion uses CLIP's tokenizer: text is lower-cased, split into words, each word is
turned into bytes and merged piece by piece (byte-pair encoding), the last piece of a word marked
with ``</w>``. We build the same kind of tokenizer, with the merges learned from our world's
captions, so:

* every word of the world (``girl``, ``hair``, ``white``, ``fox``...) is one token;
* a word the world never used (``weiwei``, ``喂喂``) still tokenizes, into smaller pieces down to
  single bytes, exactly as an unknown name does in real SD; it never collapses to a shared
  "unknown" token. Those pieces were never trained: the new word starts with no meaning (a 傀儡,
  a puppet, in the article's terms).

It also says what the text encoder's window cuts off: a caption longer than
``model_max_length`` tokens (48 here, 77 in SD, each with a start and an end token) is cut
silently by the pipeline and the trainer; :func:`lost_tags` names the tags lost that way and
:func:`warn_if_truncated` warns about them once, with the fix.
"""
from __future__ import annotations

import collections
import warnings
from functools import lru_cache
from typing import Dict, Iterable, List, Tuple

import regex

from .. import world

BOS, EOS = "<|startoftext|>", "<|endoftext|>"
#: Prompt length in tokens (real SD uses 77; our captions are much shorter).
MAX_LENGTH = 48
_WORD_RE = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""")


@lru_cache()
def bytes_to_unicode() -> Dict[int, str]:
    """GPT-2/CLIP's reversible map from the 256 bytes to printable unicode characters."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


def _words(text: str) -> List[str]:
    b2u = bytes_to_unicode()
    return ["".join(b2u[b] for b in w.encode("utf-8")) for w in _WORD_RE.findall(text.lower())]


def train_bpe(texts: Iterable[str]) -> Tuple[Dict[str, int], List[str]]:
    """Learn merges until every word of ``texts`` is a single token.

    Returns ``(vocab, merges)`` in CLIP's format: the 256 byte symbols, the same with ``</w>``,
    then one new symbol per merge, then the two special tokens.
    """
    freq = collections.Counter(w for t in texts for w in _words(t))
    # each word as a tuple of symbols, the last one carrying the end-of-word mark
    seqs = {w: tuple(w[:-1]) + (w[-1] + "</w>",) for w in freq}
    base = list(bytes_to_unicode().values())
    vocab_list = base + [c + "</w>" for c in base]
    merges: List[str] = []
    while True:
        pairs = collections.Counter()
        for w, s in seqs.items():
            for a, b in zip(s, s[1:]):
                pairs[(a, b)] += freq[w]
        if not pairs:
            break
        # most frequent pair; ties broken alphabetically so the result is deterministic
        (a, b), _ = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
        merges.append(f"{a} {b}")
        vocab_list.append(a + b)
        for w, s in seqs.items():
            out, i = [], 0
            while i < len(s):
                if i + 1 < len(s) and s[i] == a and s[i + 1] == b:
                    out.append(a + b)
                    i += 2
                else:
                    out.append(s[i])
                    i += 1
            seqs[w] = tuple(out)
    vocab_list += [BOS, EOS]
    return {tok: i for i, tok in enumerate(vocab_list)}, merges


def world_texts() -> List[str]:
    """The text the vocabulary is learned from: every tag of the world, and the comma."""
    return world.ALL_TAGS + [","]


def build_tokenizer(max_length: int = MAX_LENGTH):
    """A ``transformers.CLIPTokenizer`` for our world, built from scratch, offline."""
    from transformers import CLIPTokenizer

    vocab, merges = train_bpe(world_texts())
    return CLIPTokenizer(vocab=vocab, merges=[tuple(m.split(" ")) for m in merges],
                         model_max_length=max_length)


def describe_tokens(tokenizer, text: str) -> str:
    """How ``text`` tokenizes, for people: ``'weiwei' -> we|i|we|i</w> (4 tokens, 2 new pieces)``."""
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    toks = tokenizer.convert_ids_to_tokens(ids)
    u2b = {u: b for b, u in bytes_to_unicode().items()}

    def show(t: str) -> str:
        end = t.endswith("</w>")
        core = t[:-4] if end else t
        try:
            s = bytes(u2b[c] for c in core).decode("utf-8")
        except (UnicodeDecodeError, KeyError):
            s = "".join(f"<{u2b[c]:02x}>" for c in core if c in u2b)
        return s + ("</w>" if end else "")

    known = set(_words(" ".join(world_texts())))
    return f"{text!r} -> {'|'.join(show(t) for t in toks)} ({len(toks)} tokens)" + (
        "" if all(t.replace("</w>", "") in known or t.endswith("</w>") and t[:-4] in known for t in toks)
        else ", pieces the base model never saw as words")


# --------------------------------------------------------------------------------------------
# Captions longer than the text encoder's window
# --------------------------------------------------------------------------------------------
_TAG_RE = regex.compile(r"[^,，]+")


def _window(tokenizer) -> int:
    """How many tokens of a caption the text encoder sees: ``model_max_length`` less the start
    and end tokens (46 for the course's tokenizer, 75 for SD's CLIP)."""
    return tokenizer.model_max_length - 2


def lost_tags(tokenizer, caption: str) -> List[str]:
    """The tags (comma-separated pieces of ``caption``, stripped) that do not fit entirely inside
    the text encoder's window (``model_max_length`` less the start and end tokens): the pipeline
    and the trainer cut the caption there, silently, so these tags are never seen. ``[]`` when
    the caption fits."""
    limit = _window(tokenizer)

    def too_long(text: str) -> bool:   # tokenized only up to one past the window: no warning
        return len(tokenizer(text, add_special_tokens=False, truncation=True,
                             max_length=limit + 1)["input_ids"]) > limit

    if not too_long(caption):
        return []
    pieces = list(_TAG_RE.finditer(caption))
    for i, m in enumerate(pieces):
        # CLIP splits words at commas, so a prefix's tokens are the caption's first tokens
        if too_long(caption[:m.end()]):
            return [t for t in (p.group(0).strip() for p in pieces[i:]) if t]
    return []


def warn_if_truncated(tokenizer, captions: Iterable[str], where: str) -> Dict[str, List[str]]:
    """Warn once (``UserWarning``) if any of ``captions`` is longer than the text encoder's
    window, naming ``where`` (the dataset, the prompt...), the lost tags and the fix. Returns
    ``{caption: its lost tags}`` for the captions that do not fit (empty: nothing is lost)."""
    lost = {}
    for c in dict.fromkeys(captions):
        tags = lost_tags(tokenizer, c)
        if tags:
            lost[c] = tags
    if lost:
        def short(c: str) -> str:
            return repr(c if len(c) <= 40 else c[:37] + "...")
        shown = "; ".join(f"{short(c)} loses {', '.join(map(repr, t))}" for c, t in list(lost.items())[:5])
        more = f"; and {len(lost) - 5} more" if len(lost) > 5 else ""
        warnings.warn(
            f"{where}: {len(lost)} caption(s) are longer than the text encoder's window of "
            f"{_window(tokenizer)} tokens, so their last tags are cut off and never seen: {shown}{more}. "
            "Fix: shorten the captions: prune the tags the trigger word should absorb (what every "
            "picture shows), or put the tags that matter first.", UserWarning, stacklevel=2)
    return lost
