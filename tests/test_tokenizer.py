"""The base model's vocabulary: world words are single tokens, new words split into pieces."""
from transformers import CLIPTokenizer

from lora_course.sd import tokenizer as T
from lora_course import world


def test_every_world_word_is_one_token():
    tok = T.build_tokenizer()
    for tag in world.ALL_TAGS:
        for word in tag.split():
            ids = tok(word, add_special_tokens=False)["input_ids"]
            # digits are split by CLIP's rule ("1girl" -> "1", "girl"), letters are whole words
            assert len(ids) == (2 if word == "1girl" else 1), (word, ids)


def test_new_words_split_into_distinct_pieces_not_unknown():
    tok = T.build_tokenizer()
    unk = tok.unk_token_id
    a = tok("weiwei", add_special_tokens=False)["input_ids"]
    b = tok("喂喂", add_special_tokens=False)["input_ids"]
    c = tok("kitsune", add_special_tokens=False)["input_ids"]
    assert len(a) > 1 and len(b) > 1
    assert unk not in a + b + c
    assert a != b != c  # never collapsed onto one shared "unknown" token
    assert "pieces the base model never saw" in T.describe_tokens(tok, "weiwei")
    assert "never saw" not in T.describe_tokens(tok, "1girl, white hair")


def test_round_trip_through_save_pretrained(tmp_path):
    tok = T.build_tokenizer()
    tok.save_pretrained(tmp_path)
    again = CLIPTokenizer.from_pretrained(tmp_path)
    s = "weiwei, 1girl, 喂喂, open mouth"
    assert again(s)["input_ids"] == tok(s)["input_ids"]
    assert again.model_max_length == T.MAX_LENGTH


def test_bpe_is_deterministic():
    assert T.train_bpe(T.world_texts()) == T.train_bpe(list(T.world_texts()))


def test_lost_tags_are_the_ones_past_the_text_encoders_window():
    import warnings

    tok = T.build_tokenizer()
    caption = ", ".join(["weiwei"] + world.ALL_TAGS)            # far longer than 46 tokens
    lost = T.lost_tags(tok, caption)
    tags = caption.split(", ")
    kept = tags[:len(tags) - len(lost)]
    assert lost and lost == tags[len(kept):]
    # exactly what the pipeline's truncation keeps: every kept tag whole, the next one not
    window = tok(caption, truncation=True, max_length=tok.model_max_length)["input_ids"][1:-1]
    whole = tok(", ".join(kept), add_special_tokens=False)["input_ids"]
    one_more = tok(", ".join(kept + lost[:1]), add_special_tokens=False)["input_ids"]
    assert window[:len(whole)] == whole and len(one_more) > len(window)
    assert T.lost_tags(tok, "weiwei, 1girl, white hair") == []

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        found = T.warn_if_truncated(tok, [caption, "weiwei", caption], "data/sets/long")
        assert T.warn_if_truncated(tok, ["weiwei, smile"], "prompt") == {}
    assert found == {caption: lost}
    assert len(caught) == 1                                      # one warning, not one per caption
    text = str(caught[0].message)
    assert text.startswith("data/sets/long: 1 caption(s)") and repr(lost[-1]) in text and "Fix: shorten" in text
