"""The Tokenizer interface: text -> token ids -> text, special tokens, save and load.

Every tokenizer encodes in the same three steps:

1. special tokens ("<|endoftext|>", "[CLS]") are cut out of the raw text first and map straight to
   their ids, so they are never split or normalised;
2. the text between them goes through the tokenizer's own pipeline (`_encode_text`: normalise,
   pre-tokenise, apply the model to each word);
3. with `add_special_tokens=True` the ids are wrapped in the post-processing template, e.g. BERT's
   `[CLS] ... [SEP]` (empty for GPT-2 style tokenizers).

`Tokenizer.from_file` reads both this package's own JSON (written by `save`) and Hugging Face's
`tokenizer.json` (see `huggingface.py`).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

__all__ = ["Tokenizer"]

FORMAT_NAME = "nashai.llm.tokenizers"
FORMAT_VERSION = 1


class Tokenizer(ABC):
    """Base class of the tokenizers: maps str to list[int] and back.

    Parameters
    ----------
    special_tokens:
        token -> id of the tokens matched verbatim in the raw text before anything else
        (leftmost, longest first). They decode to their own text.
    template:
        (before, after): special tokens put around every encoded text when `encode` is called with
        `add_special_tokens=True`, e.g. (["[CLS]"], ["[SEP]"]) for BERT. Empty by default.

    A subclass implements `_encode_text`, `decode`, the vocabulary look-ups and `_to_dict` /
    `_from_dict`; its `__init__` sets `_vocab_size` and ends with `_resolve_template()`.
    """

    _registry: ClassVar[dict[str, type[Tokenizer]]] = {}  # class name -> class, for from_file

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Tokenizer._registry[cls.__name__] = cls

    def __init__(
        self,
        special_tokens: Mapping[str, int] | None = None,
        template: tuple[Sequence[str], Sequence[str]] | None = None,
    ) -> None:
        self.special_tokens: dict[str, int] = dict(special_tokens or {})
        for token, token_id in self.special_tokens.items():
            if not isinstance(token, str) or not token:
                raise ValueError(f"special_tokens keys must be non-empty strings, got {token!r}")
            if not isinstance(token_id, int) or token_id < 0:
                raise ValueError(
                    f"special_tokens[{token!r}] must be a non-negative int id, got {token_id!r}"
                )
        self._special_ids = frozenset(self.special_tokens.values())
        # Leftmost-longest matching: at each position the alternation tries longer tokens first.
        by_length = sorted(self.special_tokens, key=len, reverse=True)
        self._special_pattern = (
            re.compile("|".join(map(re.escape, by_length))) if by_length else None
        )
        before, after = template if template is not None else ((), ())
        self.template: tuple[list[str], list[str]] = (list(before), list(after))

    def _resolve_template(self) -> None:
        """Ids of the template's tokens; called by subclasses once their vocabulary exists."""
        ids = []
        for tokens in self.template:
            side = []
            for token in tokens:
                token_id = self.token_to_id(token)
                if token_id is None:
                    raise ValueError(f"template token {token!r} is not in the vocabulary")
                side.append(token_id)
            ids.append(side)
        self._template_ids = tuple(ids)

    # -----------------------------------------------------------------------------------------
    # What a tokenizer implements
    # -----------------------------------------------------------------------------------------

    @abstractmethod
    def _encode_text(self, text: str) -> list[int]:
        """Ids of `text`, which holds no special token."""

    @abstractmethod
    def decode(self, ids: Sequence[int] | np.ndarray, skip_special_tokens: bool = False) -> str:
        """The text of the token ids `ids` (shape (n,)); special tokens are dropped if asked."""

    @abstractmethod
    def get_vocab(self) -> dict[str, int]:
        """token -> id for every token, the special tokens included."""

    @abstractmethod
    def _to_dict(self) -> dict[str, Any]:
        """The tokenizer's own fields, JSON-serialisable (see `save`)."""

    @classmethod
    @abstractmethod
    def _from_dict(cls, data: Mapping[str, Any]) -> Tokenizer:
        """Inverse of `_to_dict` (the common fields are in `data` too)."""

    # -----------------------------------------------------------------------------------------
    # Encoding and decoding
    # -----------------------------------------------------------------------------------------

    def encode(self, text: str, add_special_tokens: bool = True) -> list[int]:
        """Token ids of `text`: a list of n ints, each in [0, vocab_size).

        Special tokens in `text` become their ids; the rest goes through the tokenizer's model.
        With `add_special_tokens`, the ids are wrapped in the template (BERT's [CLS] ... [SEP]).
        """
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        ids = list(self._template_ids[0]) if add_special_tokens else []
        for segment, special_id in self._split_special(text):
            if special_id is None:
                ids += self._encode_text(segment)
            else:
                ids.append(special_id)
        if add_special_tokens:
            ids += self._template_ids[1]
        return ids

    def encode_batch(
        self, texts: Iterable[str], add_special_tokens: bool = True
    ) -> list[list[int]]:
        """`encode` of each text (sequentially: the per-word cache makes this fast)."""
        if isinstance(texts, str):
            raise TypeError("texts must be an iterable of str, got a single str")
        return [self.encode(text, add_special_tokens) for text in texts]

    def decode_batch(
        self, batch: Iterable[Sequence[int] | np.ndarray], skip_special_tokens: bool = False
    ) -> list[str]:
        """`decode` of each id sequence; a 2-D array is read row by row."""
        return [self.decode(ids, skip_special_tokens) for ids in batch]

    def _split_special(self, text: str) -> Iterator[tuple[str, int | None]]:
        """(segment, None) for ordinary text and (token, id) for each special token, in order."""
        if self._special_pattern is None:
            if text:
                yield text, None
            return
        start = 0
        for match in self._special_pattern.finditer(text):
            if match.start() > start:
                yield text[start : match.start()], None
            yield match.group(), self.special_tokens[match.group()]
            start = match.end()
        if start < len(text):
            yield text[start:], None

    def _check_ids(self, ids: Sequence[int] | np.ndarray) -> list[int]:
        """`ids` as a list of ints, after checking each lies in [0, vocab_size)."""
        if isinstance(ids, np.ndarray):
            if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
                raise ValueError(
                    f"ids must be a 1-D array of integers, got shape {ids.shape} and dtype "
                    f"{ids.dtype}"
                )
            ids = ids.tolist()
        elif isinstance(ids, (str, bytes)):
            raise TypeError(f"ids must be a sequence of ints, got {type(ids).__name__}")
        else:
            ids = list(ids)
        if ids and (min(ids) < 0 or max(ids) >= self.vocab_size):
            bad = next(i for i in ids if not 0 <= i < self.vocab_size)
            raise ValueError(f"token id {bad} is out of range [0, {self.vocab_size})")
        return ids

    # -----------------------------------------------------------------------------------------
    # Vocabulary
    # -----------------------------------------------------------------------------------------

    @property
    def vocab_size(self) -> int:
        """Number of ids: the largest id + 1 (the rows an embedding table needs)."""
        return self._vocab_size

    @abstractmethod
    def token_to_id(self, token: str) -> int | None:
        """The id of `token` (a string of the vocabulary), or None."""

    @abstractmethod
    def id_to_token(self, token_id: int) -> str | None:
        """The vocabulary string of `token_id`, or None."""

    def __len__(self) -> int:
        return self.vocab_size

    def __repr__(self) -> str:
        special = list(self.special_tokens)
        return f"{type(self).__name__}(vocab_size={self.vocab_size}, special_tokens={special})"

    # -----------------------------------------------------------------------------------------
    # Files
    # -----------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Everything needed to rebuild the tokenizer, as JSON-serialisable data."""
        return {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "type": type(self).__name__,
            "special_tokens": self.special_tokens,
            "template": self.template,
            **self._to_dict(),
        }

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the tokenizer to `path` as JSON (a temporary file renamed into place)."""
        write_json(path, self.to_dict())

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Tokenizer:
        """Read a tokenizer written by `save`, or a Hugging Face `tokenizer.json`.

        Called on a subclass (`BPETokenizer.from_file`), it also checks the file holds one.
        """
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "data") -> Tokenizer:
        """Rebuild a tokenizer from `to_dict`'s output or from a parsed Hugging Face file."""
        if not isinstance(data, Mapping):
            raise ValueError(f"{source}: expected a JSON object, got {type(data).__name__}")
        if "model" in data:  # Hugging Face's tokenizer.json
            from .huggingface import from_huggingface

            tokenizer = from_huggingface(data)
        elif data.get("format") == FORMAT_NAME:
            if data.get("version") != FORMAT_VERSION:
                raise ValueError(
                    f"{source}: format version {data.get('version')!r} is not supported "
                    f"(expected {FORMAT_VERSION})"
                )
            kind = Tokenizer._registry.get(data.get("type"))
            if kind is None:
                raise ValueError(
                    f"{source}: unknown tokenizer type {data.get('type')!r}, expected one of "
                    f"{sorted(Tokenizer._registry)}"
                )
            tokenizer = kind._from_dict(data)
        else:
            raise ValueError(
                f"{source}: not a tokenizer file (neither {FORMAT_NAME!r} JSON nor a Hugging Face "
                "tokenizer.json with a 'model' entry)"
            )
        if not isinstance(tokenizer, cls):
            raise TypeError(f"{source} holds a {type(tokenizer).__name__}, not a {cls.__name__}")
        return tokenizer


def write_json(path: str | os.PathLike[str], data: Any) -> None:
    """Write `data` as JSON to `path` through a temporary file renamed into place."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(data, file, ensure_ascii=False)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
