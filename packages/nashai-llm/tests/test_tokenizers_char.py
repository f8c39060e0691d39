"""CharTokenizer: nanoGPT's character-level encoding, by example and by property."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nashai.llm.tokenizers import CharTokenizer, Tokenizer


def test_vocabulary_is_the_sorted_characters_like_nanogpt():
    text = "First Citizen:\nBefore we proceed any further, hear me speak."
    tokenizer = CharTokenizer.train(text)
    chars = sorted(set(text))  # nanoGPT's data/shakespeare_char/prepare.py
    stoi = {ch: i for i, ch in enumerate(chars)}
    assert tokenizer.vocab_size == len(chars)
    assert tokenizer.encode(text) == [stoi[c] for c in text]
    assert tokenizer.decode(tokenizer.encode(text)) == text


@given(st.text(), st.data())
def test_decode_inverts_encode_for_every_string(text, data):
    tokenizer = CharTokenizer.train(text)
    assert tokenizer.decode(tokenizer.encode(text)) == text
    if text:  # any string over the same characters
        other = data.draw(st.text(st.sampled_from(sorted(set(text)))))
        assert tokenizer.decode(tokenizer.encode(other)) == other


def test_train_from_an_iterator_and_batches():
    tokenizer = CharTokenizer.train(iter(["abc", "cde", ""]))
    assert tokenizer.chars == "abcde"
    batch = tokenizer.encode_batch(["ab", "", "edc"])
    assert batch == [[0, 1], [], [4, 3, 2]]
    assert tokenizer.decode_batch(batch) == ["ab", "", "edc"]
    assert tokenizer.decode(np.array([4, 0], dtype=np.int32)) == "ea"


def test_save_and_from_file_round_trip(tmp_path):
    tokenizer = CharTokenizer.train("héllo wörld 😀")
    tokenizer.save(tmp_path / "char.json")
    again = Tokenizer.from_file(tmp_path / "char.json")
    assert isinstance(again, CharTokenizer) and again.chars == tokenizer.chars


def test_errors_name_the_problem():
    tokenizer = CharTokenizer("abc")
    with pytest.raises(ValueError, match=r"character 'z' \(U\+007A\) at position 1"):
        tokenizer.encode("azb")
    with pytest.raises(ValueError, match="token id 3 is out of range"):
        tokenizer.decode([0, 3])
    with pytest.raises(ValueError, match="must not repeat"):
        CharTokenizer("aba")
    with pytest.raises(ValueError, match="single characters"):
        CharTokenizer(["ab"])
    with pytest.raises(ValueError, match="1-D array of integers"):
        tokenizer.decode(np.zeros((2, 2), dtype=int))
