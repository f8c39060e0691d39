"""Hugging Face's tokenizer.json: read BPE and WordPiece tokenizers, write ours.

A tokenizer.json describes the pipeline of the `tokenizers` library: `added_tokens` (matched in
the raw text first), `normalizer`, `pre_tokenizer`, `model`, `post_processor` (the template that
adds [CLS]/[SEP]) and `decoder`. Two families map onto this package's tokenizers and give the
same ids as `tokenizers` (checked in the tests):

- byte-level BPE (GPT-2, RoBERTa, `ByteLevelBPETokenizer`): model BPE, no normaliser, the
  ByteLevel pre-tokeniser with its GPT-2 regex, the ByteLevel decoder -> `BPETokenizer`;
- BERT WordPiece (`BertWordPieceTokenizer`, bert-base-*): model WordPiece, BertNormalizer (or
  none), BertPreTokenizer, the WordPiece decoder -> `WordPieceTokenizer`.

Post-processors BertProcessing, RobertaProcessing, TemplateProcessing (its single-sequence
template), ByteLevel and Sequence are read. Special added tokens are matched in the raw text (their
`normalized` flag is not read). Truncation and padding settings are ignored (`encode` returns the
ids of the whole text). Anything else (another model or pipeline component, added
tokens that are not special or that strip whitespace) raises NotImplementedError naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import Tokenizer
from .bpe import BPETokenizer
from .wordpiece import WordPieceTokenizer

__all__ = ["from_huggingface", "to_huggingface"]


def _type(component: Mapping[str, Any] | None) -> str | None:
    return None if component is None else component.get("type")


def _unsupported(
    what: str, component: Mapping[str, Any] | None, supported: str
) -> NotImplementedError:
    return NotImplementedError(
        f"tokenizer.json: {what} {_type(component)!r} is not supported ({supported})"
    )


def from_huggingface(data: Mapping[str, Any]) -> Tokenizer:
    """The tokenizer a parsed Hugging Face tokenizer.json describes (BPE or WordPiece)."""
    model = data["model"]
    special_tokens = _special_tokens(data.get("added_tokens") or [])
    template = _template(data.get("post_processor"))
    if _type(model) == "BPE":
        return _bpe_from_huggingface(data, special_tokens, template)
    if _type(model) == "WordPiece":
        return _wordpiece_from_huggingface(data, special_tokens, template)
    raise _unsupported("model", model, "BPE and WordPiece are")


def _special_tokens(added_tokens: list[Mapping[str, Any]]) -> dict[str, int]:
    special = {}
    for token in added_tokens:
        content = token["content"]
        if not token.get("special", False):
            raise NotImplementedError(
                f"tokenizer.json: added token {content!r} is not special; only special added "
                "tokens are supported"
            )
        for flag in ("lstrip", "rstrip", "single_word"):
            if token.get(flag, False):
                raise NotImplementedError(
                    f"tokenizer.json: added token {content!r} has {flag}=true, which is not "
                    "supported"
                )
        special[content] = token["id"]
    return special


def _template(processor: Mapping[str, Any] | None) -> tuple[list[str], list[str]]:
    """(tokens before, tokens after) the text of the post-processor's single-sequence template."""
    kind = _type(processor)
    if kind in (None, "ByteLevel"):
        return [], []
    if kind in ("BertProcessing", "RobertaProcessing"):
        return [processor["cls"][0]], [processor["sep"][0]]
    if kind == "Sequence":
        before, after = [], []
        for step in processor["processors"]:
            step_before, step_after = _template(step)
            before, after = step_before + before, after + step_after
        return before, after
    if kind == "TemplateProcessing":
        before, after = [], []
        side = before
        for piece in processor["single"]:
            if "Sequence" in piece:
                side = after
            else:
                side += processor["special_tokens"][piece["SpecialToken"]["id"]]["tokens"]
        return before, after
    raise _unsupported(
        "post_processor",
        processor,
        "BertProcessing, RobertaProcessing, TemplateProcessing, ByteLevel and Sequence are",
    )


def _bpe_from_huggingface(
    data: Mapping[str, Any], special_tokens: dict[str, int], template: tuple[list[str], list[str]]
) -> BPETokenizer:
    model = data["model"]
    if data.get("normalizer") is not None:
        raise _unsupported("normalizer", data["normalizer"], "byte-level BPE files have none")
    pre_tokenizer = data.get("pre_tokenizer")
    if _type(pre_tokenizer) != "ByteLevel" or not pre_tokenizer.get("use_regex", True):
        raise _unsupported(
            "pre_tokenizer", pre_tokenizer, "BPE needs ByteLevel with use_regex=true"
        )
    if _type(data.get("decoder")) not in (None, "ByteLevel"):
        raise _unsupported("decoder", data["decoder"], "BPE decodes with ByteLevel")
    for option, default in (
        ("dropout", None),
        ("continuing_subword_prefix", None),
        ("end_of_word_suffix", None),
        ("fuse_unk", False),
        ("byte_fallback", False),
    ):
        if model.get(option) not in (default, ""):
            raise NotImplementedError(
                f"tokenizer.json: BPE option {option}={model[option]!r} is not supported"
            )
    merges = [
        tuple(merge.split(" ")) if isinstance(merge, str) else tuple(merge)
        for merge in model["merges"]
    ]
    return BPETokenizer(
        model["vocab"],
        merges,
        special_tokens,
        template,
        add_prefix_space=pre_tokenizer.get("add_prefix_space", False),
        ignore_merges=model.get("ignore_merges", False),
        unk_token=model.get("unk_token"),
    )


def _wordpiece_from_huggingface(
    data: Mapping[str, Any], special_tokens: dict[str, int], template: tuple[list[str], list[str]]
) -> WordPieceTokenizer:
    model = data["model"]
    normalizer = data.get("normalizer")
    if _type(normalizer) == "BertNormalizer":
        options = {
            "lowercase": normalizer.get("lowercase", True),
            "strip_accents": normalizer.get("strip_accents"),
            "clean_text": normalizer.get("clean_text", True),
            "handle_chinese_chars": normalizer.get("handle_chinese_chars", True),
        }
    elif normalizer is None:
        options = {
            "lowercase": False,
            "strip_accents": False,
            "clean_text": False,
            "handle_chinese_chars": False,
        }
    else:
        raise _unsupported("normalizer", normalizer, "WordPiece reads BertNormalizer or none")
    if _type(data.get("pre_tokenizer")) != "BertPreTokenizer":
        raise _unsupported(
            "pre_tokenizer", data.get("pre_tokenizer"), "WordPiece needs BertPreTokenizer"
        )
    decoder = data.get("decoder")
    if _type(decoder) not in (None, "WordPiece"):
        raise _unsupported("decoder", decoder, "WordPiece decodes with WordPiece")
    return WordPieceTokenizer(
        model["vocab"],
        special_tokens or [model["unk_token"]],
        template,
        unk_token=model["unk_token"],
        continuing_subword_prefix=model.get("continuing_subword_prefix", "##"),
        max_input_chars_per_word=model.get("max_input_chars_per_word", 100),
        cleanup=True if decoder is None else decoder.get("cleanup", True),
        **options,
    )


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def to_huggingface(tokenizer: BPETokenizer | WordPieceTokenizer) -> dict[str, Any]:
    """tokenizer.json data for `tokenizer`, which `tokenizers.Tokenizer` reads back."""
    added_tokens = [
        {
            "id": token_id,
            "content": token,
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
            "special": True,
        }
        for token, token_id in sorted(tokenizer.special_tokens.items(), key=lambda item: item[1])
    ]
    data: dict[str, Any] = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added_tokens,
    }
    if isinstance(tokenizer, BPETokenizer):
        byte_level = {"add_prefix_space": tokenizer.add_prefix_space, "trim_offsets": True}
        data["normalizer"] = None
        data["pre_tokenizer"] = {"type": "ByteLevel", **byte_level, "use_regex": True}
        data["post_processor"] = {"type": "ByteLevel", **byte_level, "use_regex": True}
        data["decoder"] = {"type": "ByteLevel", **byte_level, "use_regex": True}
        data["model"] = {
            "type": "BPE",
            "dropout": None,
            "unk_token": tokenizer.unk_token,
            "continuing_subword_prefix": None,
            "end_of_word_suffix": None,
            "fuse_unk": False,
            "byte_fallback": False,
            "ignore_merges": tokenizer.ignore_merges,
            "vocab": tokenizer.get_vocab(),
            "merges": [list(pair) for pair in tokenizer.merges],
        }
    elif isinstance(tokenizer, WordPieceTokenizer):
        data["normalizer"] = {"type": "BertNormalizer", **tokenizer.normalizer_options}
        data["pre_tokenizer"] = {"type": "BertPreTokenizer"}
        data["post_processor"] = None
        data["decoder"] = {
            "type": "WordPiece",
            "prefix": tokenizer.continuing_subword_prefix,
            "cleanup": tokenizer.cleanup,
        }
        data["model"] = {
            "type": "WordPiece",
            "unk_token": tokenizer.unk_token,
            "continuing_subword_prefix": tokenizer.continuing_subword_prefix,
            "max_input_chars_per_word": tokenizer.max_input_chars_per_word,
            "vocab": tokenizer.get_vocab(),
        }
    else:
        raise TypeError(
            "to_huggingface takes a BPETokenizer or a WordPieceTokenizer, got "
            f"{type(tokenizer).__name__}"
        )
    if any(tokenizer.template):
        data["post_processor"] = _template_processing(tokenizer)
    return data


def _template_processing(tokenizer: Tokenizer) -> dict[str, Any]:
    """A TemplateProcessing post-processor for the tokenizer's (before, after) template."""
    before, after = tokenizer.template

    def special(token: str, type_id: int) -> dict[str, Any]:
        return {"SpecialToken": {"id": token, "type_id": type_id}}

    def sequence(name: str, type_id: int) -> dict[str, Any]:
        return {"Sequence": {"id": name, "type_id": type_id}}

    single = [
        *(special(t, 0) for t in before),
        sequence("A", 0),
        *(special(t, 0) for t in after),
    ]
    pair = [*single, sequence("B", 1), *(special(t, 1) for t in after)]
    return {
        "type": "TemplateProcessing",
        "single": single,
        "pair": pair,
        "special_tokens": {
            token: {"id": token, "ids": [tokenizer.token_to_id(token)], "tokens": [token]}
            for token in dict.fromkeys([*before, *after])
        },
    }
