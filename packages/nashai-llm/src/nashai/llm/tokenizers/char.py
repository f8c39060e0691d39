"""Character-level tokenizer: one token per character (nanoGPT's shakespeare_char).

The vocabulary is the sorted set of characters of a training text, so ids follow code-point order
and the tokenizer needs nothing else. A character outside the vocabulary cannot be encoded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from .base import Tokenizer

__all__ = ["CharTokenizer"]


class CharTokenizer(Tokenizer):
    """One token per Unicode character; ids are positions in `chars`.

    Parameters
    ----------
    chars:
        the vocabulary, one character per id (duplicates are an error).

    Examples
    --------
    >>> tokenizer = CharTokenizer.train("hello world")
    >>> tokenizer.chars
    ' dehlorw'
    >>> tokenizer.encode("hello")
    [3, 2, 4, 4, 5]
    >>> tokenizer.decode([7, 5, 6, 4, 1])
    'world'
    """

    def __init__(self, chars: str | Sequence[str]) -> None:
        super().__init__()
        chars = list(chars)
        for char in chars:
            if not isinstance(char, str) or len(char) != 1:
                raise ValueError(f"chars must hold single characters, got {char!r}")
        if len(set(chars)) != len(chars):
            raise ValueError("chars must not repeat a character")
        self.chars = "".join(chars)
        self._char_to_id = {char: i for i, char in enumerate(chars)}
        self._vocab_size = len(chars)
        self._resolve_template()

    @classmethod
    def train(cls, text: str | Iterable[str]) -> CharTokenizer:
        """The tokenizer whose vocabulary is the sorted set of characters in `text`."""
        if isinstance(text, str):
            return cls(sorted(set(text)))
        seen: set[str] = set()
        for item in text:
            if not isinstance(item, str):
                raise TypeError(
                    f"text must be a str or an iterable of str, got an item of type "
                    f"{type(item).__name__}"
                )
            seen.update(item)
        return cls(sorted(seen))

    def _encode_text(self, text: str) -> list[int]:
        try:
            return [self._char_to_id[char] for char in text]
        except KeyError:
            position, char = next((i, c) for i, c in enumerate(text) if c not in self._char_to_id)
            raise ValueError(
                f"character {char!r} (U+{ord(char):04X}) at position {position} is not in the "
                f"vocabulary of {self._vocab_size} characters"
            ) from None

    def decode(self, ids: Sequence[int] | np.ndarray, skip_special_tokens: bool = False) -> str:
        """The characters of `ids` (shape (n,)), joined."""
        chars = self.chars
        return "".join([chars[i] for i in self._check_ids(ids)])

    def get_vocab(self) -> dict[str, int]:
        return dict(self._char_to_id)

    def token_to_id(self, token: str) -> int | None:
        return self._char_to_id.get(token)

    def id_to_token(self, token_id: int) -> str | None:
        return self.chars[token_id] if 0 <= token_id < self._vocab_size else None

    def _to_dict(self) -> dict[str, Any]:
        return {"chars": self.chars}

    @classmethod
    def _from_dict(cls, data: Mapping[str, Any]) -> CharTokenizer:
        return cls(data["chars"])
