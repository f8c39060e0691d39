"""Tokenizer.from_file: format dispatch, Hugging Face components, clear errors; the doctests."""

import doctest
import importlib
import json

import pytest
from tokenizers import Tokenizer as HFTokenizer
from tokenizers import models, normalizers, pre_tokenizers

from nashai.llm.tokenizers import BPETokenizer, CharTokenizer, Tokenizer, WordPieceTokenizer


@pytest.mark.parametrize(
    "module",
    ["pretokenize", "bpe", "wordpiece", "char"],
)
def test_docstring_examples_hold(module):
    result = doctest.testmod(importlib.import_module(f"nashai.llm.tokenizers.{module}"))
    assert result.failed == 0


def test_from_file_dispatches_on_the_format(tmp_path):
    bpe = BPETokenizer.train("hello world " * 20, 270)
    bpe.save(tmp_path / "ours.json")
    bpe.save_huggingface(str(tmp_path / "hf.json"))
    for name in ("ours.json", "hf.json"):
        loaded = Tokenizer.from_file(tmp_path / name)
        assert isinstance(loaded, BPETokenizer)
        assert loaded.encode("hello world") == bpe.encode("hello world")
    with pytest.raises(TypeError, match="holds a BPETokenizer, not a WordPieceTokenizer"):
        WordPieceTokenizer.from_file(tmp_path / "ours.json")
    with pytest.raises(TypeError, match="holds a BPETokenizer, not a CharTokenizer"):
        CharTokenizer.from_file(tmp_path / "hf.json")


def test_save_replaces_the_file_atomically(tmp_path):
    path = tmp_path / "tok.json"
    path.write_text("old")
    CharTokenizer("ab").save(path)
    assert json.loads(path.read_text())["chars"] == "ab"
    assert [p.name for p in tmp_path.iterdir()] == ["tok.json"]  # no temporary left behind


@pytest.mark.parametrize(
    "data, match",
    [
        ([1, 2], "expected a JSON object"),
        ({"hello": 1}, "not a tokenizer file"),
        ({"format": "nashai.llm.tokenizers", "version": 99}, "format version 99"),
        ({"format": "nashai.llm.tokenizers", "version": 1, "type": "Nope"}, "unknown tokenizer"),
    ],
)
def test_from_dict_rejects_other_data(data, match):
    with pytest.raises(ValueError, match=match):
        Tokenizer.from_dict(data)


def hf_json(model, normalizer=None, pre_tokenizer=None):
    tokenizer = HFTokenizer(model)
    if normalizer is not None:
        tokenizer.normalizer = normalizer
    if pre_tokenizer is not None:
        tokenizer.pre_tokenizer = pre_tokenizer
    return json.loads(tokenizer.to_str())


@pytest.mark.parametrize(
    "data, match",
    [
        (hf_json(models.Unigram()), "model 'Unigram' is not supported"),
        (
            hf_json(models.BPE(), pre_tokenizer=pre_tokenizers.Whitespace()),
            "pre_tokenizer 'Whitespace' is not supported",
        ),
        (
            hf_json(models.BPE(), normalizers.NFC(), pre_tokenizers.ByteLevel()),
            "normalizer 'NFC' is not supported",
        ),
        (
            hf_json(models.BPE(dropout=0.1), pre_tokenizer=pre_tokenizers.ByteLevel()),
            "BPE option dropout=0.1",
        ),
        (
            hf_json(
                models.WordPiece({"[UNK]": 0}, unk_token="[UNK]"),
                normalizers.Lowercase(),
                pre_tokenizers.BertPreTokenizer(),
            ),
            "normalizer 'Lowercase' is not supported",
        ),
    ],
)
def test_unsupported_huggingface_components_are_named(data, match):
    with pytest.raises(NotImplementedError, match=match):
        Tokenizer.from_dict(data)


def test_unsupported_added_tokens_are_named():
    tokenizer = HFTokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel()
    tokenizer.add_tokens(["hello"])
    with pytest.raises(NotImplementedError, match="added token 'hello' is not special"):
        Tokenizer.from_dict(json.loads(tokenizer.to_str()))
