"""WordPiece, BERT's tokenizer: greedy longest-match-first over a fixed vocabulary.

Schuster and Nakajima 2012 ("Japanese and Korean Voice Search") introduced WordPiece; BERT
(Devlin et al. 2019) encodes with it as follows. The text is normalised and cut into words
(`pretokenize.bert_normalize`, `pretokenize.bert_pre_tokenize`); then each word w is split left to
right, taking at each position the longest vocabulary entry that matches:

    start = 0
    while start < len(w):
        end = the largest end with piece(start, end) in vocab, where
              piece(start, end) = w[start:end] if start == 0 else "##" + w[start:end]
        if there is none: the whole word is [UNK]
        emit piece(start, end); start = end

("unaffable" -> "un", "##aff", "##able"). A word longer than `max_input_chars_per_word`
characters is [UNK] outright. Decoding joins the tokens with spaces, gluing "##" pieces to the
token before, and (with `cleanup`) removes the space before . ? ! , and inside English
contractions, as `tokenizers`' WordPiece decoder does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .base import Tokenizer, write_json
from .pretokenize import bert_normalize, bert_pre_tokenize

__all__ = ["WordPieceTokenizer"]

_CACHE_SIZE = 1 << 17
# (dirty, clean) replacements of tokenizers' WordPiece decoder, applied in this order per token.
_CLEANUP = (
    (" .", "."),
    (" ?", "?"),
    (" !", "!"),
    (" ,", ","),
    (" ' ", "'"),
    (" n't", "n't"),
    (" 'm", "'m"),
    (" do not", " don't"),
    (" 's", "'s"),
    (" 've", "'ve"),
    (" 're", "'re"),
)


class WordPieceTokenizer(Tokenizer):
    """BERT's WordPiece tokenizer with BERT's normaliser and pre-tokeniser.

    Parameters
    ----------
    vocab:
        token -> id, or the tokens in id order (the lines of BERT's vocab.txt).
    special_tokens:
        tokens matched verbatim in the raw text: token -> id, or tokens of `vocab`. By default
        `unk_token` alone.
    template:
        tokens put before and after each text by `encode(..., add_special_tokens=True)`,
        e.g. (["[CLS]"], ["[SEP]"]).
    unk_token, continuing_subword_prefix, max_input_chars_per_word:
        the WordPiece model's settings (BERT: "[UNK]", "##", 100).
    lowercase, strip_accents, clean_text, handle_chinese_chars:
        the normaliser's settings (see `bert_normalize`; BERT uncased: all on).
    cleanup:
        remove tokenisation artefacts (" ," -> ",", " n't" -> "n't", ...) when decoding.

    Examples
    --------
    >>> tokenizer = WordPieceTokenizer(["[UNK]", "un", "##aff", "##able", "!"])
    >>> tokenizer.encode("Unaffable! xyz")
    [1, 2, 3, 4, 0]
    >>> tokenizer.decode([1, 2, 3, 4])
    'unaffable!'
    """

    def __init__(
        self,
        vocab: Mapping[str, int] | Sequence[str],
        special_tokens: Mapping[str, int] | Sequence[str] | None = None,
        template: tuple[Sequence[str], Sequence[str]] | None = None,
        *,
        unk_token: str = "[UNK]",
        continuing_subword_prefix: str = "##",
        max_input_chars_per_word: int = 100,
        lowercase: bool = True,
        strip_accents: bool | None = None,
        clean_text: bool = True,
        handle_chinese_chars: bool = True,
        cleanup: bool = True,
    ) -> None:
        if isinstance(vocab, Mapping):
            self.vocab: dict[str, int] = dict(vocab)
        else:
            self.vocab = {token: i for i, token in enumerate(vocab)}
        if unk_token not in self.vocab:
            raise ValueError(f"unk_token {unk_token!r} is not in vocab")
        if special_tokens is None:
            special_tokens = [unk_token]
        if not isinstance(special_tokens, Mapping):
            missing = [token for token in special_tokens if token not in self.vocab]
            if missing:
                raise ValueError(f"special_tokens {missing} are not in vocab")
            special_tokens = {token: self.vocab[token] for token in special_tokens}
        super().__init__(special_tokens, template)

        self.unk_token = unk_token
        self.continuing_subword_prefix = continuing_subword_prefix
        self.max_input_chars_per_word = max_input_chars_per_word
        self.normalizer_options = {
            "lowercase": lowercase,
            "strip_accents": strip_accents,
            "clean_text": clean_text,
            "handle_chinese_chars": handle_chinese_chars,
        }
        self.cleanup = cleanup

        self._unk_id = self.vocab[unk_token]
        self._vocab_size = 1 + max([*self.vocab.values(), *self.special_tokens.values()])
        self._id_to_string: list[str | None] = [None] * self._vocab_size
        for token, token_id in {**self.vocab, **self.special_tokens}.items():
            self._id_to_string[token_id] = token
        self._cache: dict[str, list[int]] = {}
        self._resolve_template()

    def normalize(self, text: str) -> str:
        """`text` after BERT's normaliser with this tokenizer's settings."""
        return bert_normalize(text, **self.normalizer_options)

    def _encode_text(self, text: str) -> list[int]:
        cache = self._cache
        ids: list[int] = []
        for word in bert_pre_tokenize(self.normalize(text)):
            word_ids = cache.get(word)
            if word_ids is None:
                word_ids = self._encode_word(word)
            ids += word_ids
        return ids

    def _encode_word(self, word: str) -> list[int]:
        """Ids of one word (remembered in the cache)."""
        ids = self._split_word(word)
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[word] = ids
        return ids

    def _split_word(self, word: str) -> list[int]:
        """Greedy longest-match-first split; one unknown piece makes the whole word [UNK]."""
        if len(word) > self.max_input_chars_per_word:
            return [self._unk_id]
        ids = []
        start = 0
        while start < len(word):
            prefix = self.continuing_subword_prefix if start > 0 else ""
            for end in range(len(word), start, -1):
                token_id = self.vocab.get(prefix + word[start:end])
                if token_id is not None:
                    break
            else:
                return [self._unk_id]
            ids.append(token_id)
            start = end
        return ids

    def decode(self, ids: Sequence[int] | np.ndarray, skip_special_tokens: bool = False) -> str:
        """The text of `ids` (shape (n,)): tokens joined by spaces, "##" pieces glued on."""
        ids = self._check_ids(ids)
        if skip_special_tokens:
            ids = [i for i in ids if i not in self._special_ids]
        tokens = [self._id_to_string[i] for i in ids]
        if None in tokens:
            bad = ids[tokens.index(None)]
            raise ValueError(f"token id {bad} is not in the vocabulary")
        prefix = self.continuing_subword_prefix
        pieces = []
        for i, token in enumerate(tokens):
            if i > 0:
                token = token[len(prefix) :] if token.startswith(prefix) else " " + token
            if self.cleanup:
                for dirty, clean in _CLEANUP:
                    token = token.replace(dirty, clean)
            pieces.append(token)
        return "".join(pieces)

    def get_vocab(self) -> dict[str, int]:
        return {**self.vocab, **self.special_tokens}

    def token_to_id(self, token: str) -> int | None:
        token_id = self.special_tokens.get(token)
        return self.vocab.get(token) if token_id is None else token_id

    def id_to_token(self, token_id: int) -> str | None:
        return self._id_to_string[token_id] if 0 <= token_id < self._vocab_size else None

    def _to_dict(self) -> dict[str, Any]:
        return {
            "vocab": self.vocab,
            "unk_token": self.unk_token,
            "continuing_subword_prefix": self.continuing_subword_prefix,
            "max_input_chars_per_word": self.max_input_chars_per_word,
            **self.normalizer_options,
            "cleanup": self.cleanup,
        }

    @classmethod
    def _from_dict(cls, data: Mapping[str, Any]) -> WordPieceTokenizer:
        return cls(
            data["vocab"],
            data["special_tokens"],
            data["template"],
            unk_token=data["unk_token"],
            continuing_subword_prefix=data["continuing_subword_prefix"],
            max_input_chars_per_word=data["max_input_chars_per_word"],
            lowercase=data["lowercase"],
            strip_accents=data["strip_accents"],
            clean_text=data["clean_text"],
            handle_chinese_chars=data["handle_chinese_chars"],
            cleanup=data["cleanup"],
        )

    def to_huggingface(self) -> dict[str, Any]:
        """The tokenizer as Hugging Face's tokenizer.json data (model WordPiece, BERT pipeline)."""
        from .huggingface import to_huggingface

        return to_huggingface(self)

    def save_huggingface(self, path: str) -> None:
        """Write `to_huggingface()` to `path`, loadable by `tokenizers.Tokenizer.from_file`."""
        write_json(path, self.to_huggingface())
