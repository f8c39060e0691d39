"""Byte-level byte-pair encoding (BPE), as in GPT-2.

BPE (Sennrich, Haddow and Birch 2016, "Neural Machine Translation of Rare Words with Subword
Units", after Gage 1994) starts from an alphabet and learns *merges*: pairs of adjacent tokens that
are replaced by one new token. Byte-level BPE (Radford et al. 2019, GPT-2 §2.2) takes the 256 byte
values as the alphabet, so every string, in any script, is encodable and no token is unknown.

Encoding a word (a pre-token, see `pretokenize.py`): write it as its UTF-8 bytes, then repeatedly
merge the adjacent pair whose merge was learned first (lowest rank), until no adjacent pair has a
merge. Words repeat, so the ids of each word are cached: the steady state is one regex pass and one
dict look-up per word.

Training on a corpus with word frequencies f(w), where each word is a sequence of tokens:

    count(a, b) = Σ_w f(w) · #{i : w_i = a, w_{i+1} = b}
    repeat until the vocabulary has `vocab_size` tokens:
        (a, b) = argmax count, ties broken by the smallest pair of ids (a, b)
        add the token ab; replace every a b by ab in every word holding it

Counting from scratch after each merge costs a pass over the corpus per merge. Instead the pair
counts are kept up to date: merging a b inside x a b y removes the pairs (x, a) and (b, y) and adds
(x, ab) and (ab, y), each weighted by f(w); a pair -> words index says which words to visit, and a
heap with lazy deletion (stale entries are re-pushed with their current count when popped) finds
the best pair. This is the algorithm of Hugging Face's `tokenizers` (BpeTrainer), and with the same
tie-breaking rule and id layout (special tokens, then the 256 bytes in the order of their
`bytes_to_unicode` characters, then merges in order) it learns the same vocabulary and merges.
"""

from __future__ import annotations

import heapq
import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from .base import Tokenizer, write_json
from .pretokenize import bytes_to_unicode, gpt2_pattern

__all__ = ["BPETokenizer"]

_CACHE_SIZE = 1 << 17  # words whose ids are remembered; the cache is emptied when it is full


def _byte_level_tables() -> tuple[dict[str, int], dict[int, int]]:
    """(character -> byte, str.translate table turning latin-1 text into byte-level text)."""
    byte_to_char = bytes_to_unicode()
    char_to_byte = {char: byte for byte, char in byte_to_char.items()}
    latin1_to_char = {byte: ord(char) for byte, char in byte_to_char.items()}
    return char_to_byte, latin1_to_char


_CHAR_TO_BYTE, _LATIN1_TO_CHAR = _byte_level_tables()


def to_byte_level(data: bytes) -> str:
    """Bytes as GPT-2's printable byte-level string: b' the' -> 'Ġthe'."""
    return data.decode("latin-1").translate(_LATIN1_TO_CHAR)


def from_byte_level(token: str) -> bytes:
    """Inverse of `to_byte_level`. A string holding other characters (an added token such as
    '<s>' stays byte-level, but '[ü]' would not) is taken as its own UTF-8, as `tokenizers`'
    ByteLevel decoder does."""
    try:
        return bytes([_CHAR_TO_BYTE[char] for char in token])
    except KeyError:
        return token.encode("utf-8")


class BPETokenizer(Tokenizer):
    """Byte-level BPE with GPT-2's pre-tokenisation (train, encode, decode, save, load).

    Parameters
    ----------
    vocab:
        token -> id, tokens written as byte-level strings (GPT-2's encoder.json: ' the' is 'Ġthe').
    merges:
        (left, right) token pairs in the order they were learned (rank 0 first); left, right and
        left + right must all be in `vocab`.
    special_tokens:
        token -> id of the tokens never split (e.g. {"<|endoftext|>": 0}).
    template:
        tokens put before and after each text by `encode(..., add_special_tokens=True)`.
    add_prefix_space:
        put a space before text that does not start with one, so a first word is encoded like the
        same word inside a sentence (RoBERTa's option; off for GPT-2).
    ignore_merges:
        a word that is itself in the vocabulary becomes that one token without applying merges.
    unk_token:
        token for a byte missing from `vocab` (only possible for a vocabulary built without all
        256 bytes); without one such bytes are dropped, as in `tokenizers`.

    Examples
    --------
    >>> tokenizer = BPETokenizer.train("low lower lowest " * 50, vocab_size=264)
    >>> tokenizer.merges[:4]
    [('l', 'o'), ('lo', 'w'), ('Ġ', 'low'), ('Ġlow', 'e')]
    >>> tokenizer.encode(" lowest lows")
    [263, 259, 83]
    >>> [tokenizer.id_to_token(i) for i in [263, 259, 83]]
    ['Ġlowest', 'Ġlow', 's']
    >>> tokenizer.decode(tokenizer.encode("hello <|endoftext|> wörld"))
    'hello <|endoftext|> wörld'
    """

    def __init__(
        self,
        vocab: Mapping[str, int],
        merges: Sequence[tuple[str, str]],
        special_tokens: Mapping[str, int] | None = None,
        template: tuple[Sequence[str], Sequence[str]] | None = None,
        *,
        add_prefix_space: bool = False,
        ignore_merges: bool = False,
        unk_token: str | None = None,
    ) -> None:
        super().__init__(special_tokens, template)
        self.vocab: dict[str, int] = dict(vocab)
        self.merges: list[tuple[str, str]] = [tuple(pair) for pair in merges]
        self.add_prefix_space = add_prefix_space
        self.ignore_merges = ignore_merges
        self.unk_token = unk_token

        self._vocab_size = 1 + max([*self.vocab.values(), *self.special_tokens.values(), -1])
        self._id_to_bytes: list[bytes | None] = [None] * self._vocab_size  # what decode emits
        self._id_to_string: list[str | None] = [None] * self._vocab_size
        for token, token_id in self.vocab.items():
            self._id_to_bytes[token_id] = from_byte_level(token)
            self._id_to_string[token_id] = token
        for token, token_id in self.special_tokens.items():
            self._id_to_bytes[token_id] = token.encode("utf-8")
            self._id_to_string[token_id] = token

        if unk_token is not None and unk_token not in self.vocab:
            raise ValueError(f"unk_token {unk_token!r} is not in vocab")
        unk_id = None if unk_token is None else self.vocab[unk_token]
        byte_to_char = bytes_to_unicode()
        self._byte_ids = [self.vocab.get(byte_to_char[byte], unk_id) for byte in range(256)]

        self._ranks: dict[tuple[int, int], tuple[int, int]] = {}  # (a, b) -> (rank, id of ab)
        for rank, (left, right) in enumerate(self.merges):
            for part in (left, right, left + right):
                if part not in self.vocab:
                    raise ValueError(
                        f"merges[{rank}] = ({left!r}, {right!r}): {part!r} is not in vocab"
                    )
            pair = (self.vocab[left], self.vocab[right])
            self._ranks[pair] = (rank, self.vocab[left + right])

        self._pattern = gpt2_pattern()
        self._cache: dict[str, list[int]] = {}
        self._resolve_template()

    # -----------------------------------------------------------------------------------------
    # Training
    # -----------------------------------------------------------------------------------------

    @classmethod
    def train(
        cls,
        text: str | Iterable[str],
        vocab_size: int,
        *,
        special_tokens: Sequence[str] = ("<|endoftext|>",),
        min_frequency: int = 0,
    ) -> BPETokenizer:
        """Learn a byte-level BPE of `vocab_size` tokens from `text` (a str or an iterable of str).

        The vocabulary holds the special tokens (ids 0, 1, ...), the 256 bytes, then one token per
        merge, until `vocab_size` tokens or until no pair occurs at least max(1, min_frequency)
        times. Special tokens found in the text are cut out before counting, never merged.
        Ties between equally frequent pairs go to the smallest pair of ids, as in `tokenizers`.
        """
        special_tokens = list(dict.fromkeys(special_tokens))
        smallest = len(special_tokens) + 256
        if isinstance(vocab_size, bool) or not isinstance(vocab_size, int):
            raise TypeError(f"vocab_size must be an int, got {type(vocab_size).__name__}")
        if vocab_size < smallest:
            raise ValueError(
                f"vocab_size must be at least {smallest} (256 bytes + {len(special_tokens)} "
                f"special tokens), got {vocab_size}"
            )
        if isinstance(text, str):
            text = [text]

        # 1. Word frequencies: pre-tokenise once, never again.
        by_length = sorted(special_tokens, key=len, reverse=True)
        cut = re.compile("|".join(map(re.escape, by_length))) if special_tokens else None
        pattern = gpt2_pattern()
        word_counts: Counter[str] = Counter()
        for item in text:
            if not isinstance(item, str):
                raise TypeError(
                    f"text must be a str or an iterable of str, got an item of type "
                    f"{type(item).__name__}"
                )
            for segment in cut.split(item) if cut else [item]:
                word_counts.update(pattern.findall(segment))

        # 2. Ids: special tokens, then the bytes in the order of their byte-level characters.
        first = len(special_tokens)
        byte_to_char = bytes_to_unicode()
        byte_order = sorted(range(256), key=lambda byte: byte_to_char[byte])
        byte_ids = [0] * 256
        for index, byte in enumerate(byte_order):
            byte_ids[byte] = first + index

        # 3. Merges, learned on the words written as byte ids.
        words = [[byte_ids[byte] for byte in word.encode("utf-8")] for word in word_counts]
        merges, token_bytes = _learn_merges(
            words,
            list(word_counts.values()),
            [bytes([byte]) for byte in byte_order],
            first_id=first,
            n_merges=vocab_size - smallest,
            min_frequency=min_frequency,
        )

        vocab = {to_byte_level(data): first + i for i, data in enumerate(token_bytes)}
        merge_strings = [
            (to_byte_level(token_bytes[a - first]), to_byte_level(token_bytes[b - first]))
            for a, b in merges
        ]
        return cls(vocab, merge_strings, {token: i for i, token in enumerate(special_tokens)})

    # -----------------------------------------------------------------------------------------
    # Encoding and decoding
    # -----------------------------------------------------------------------------------------

    def _encode_text(self, text: str) -> list[int]:
        if self.add_prefix_space and not text.startswith(" "):
            text = " " + text
        cache = self._cache
        ids: list[int] = []
        for word in self._pattern.findall(text):
            word_ids = cache.get(word)
            if word_ids is None:
                word_ids = self._encode_word(word)
            ids += word_ids
        return ids

    def _encode_word(self, word: str) -> list[int]:
        """Ids of one pre-token: its bytes, merged by rank (and remembered in the cache)."""
        data = word.encode("utf-8")
        whole = self.vocab.get(to_byte_level(data)) if self.ignore_merges else None
        if whole is not None:
            ids = [whole]
        else:
            ids = [self._byte_ids[byte] for byte in data]
            if None in ids:
                ids = [token_id for token_id in ids if token_id is not None]
            ids = _apply_merges(ids, self._ranks)
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[word] = ids
        return ids

    def decode(self, ids: Sequence[int] | np.ndarray, skip_special_tokens: bool = False) -> str:
        """The text of `ids` (shape (n,)): the tokens' bytes, joined and read as UTF-8.

        A sequence that cuts a character's bytes apart (possible for arbitrary ids) decodes with
        U+FFFD for each invalid byte sequence, as `tokenizers` does.
        """
        ids = self._check_ids(ids)
        if skip_special_tokens:
            ids = [i for i in ids if i not in self._special_ids]
        pieces = self._id_to_bytes
        try:
            data = b"".join([pieces[i] for i in ids])
        except TypeError:  # a None: an id with no token
            bad = next(i for i in ids if pieces[i] is None)
            raise ValueError(f"token id {bad} is not in the vocabulary") from None
        return data.decode("utf-8", errors="replace")

    # -----------------------------------------------------------------------------------------
    # Vocabulary and files
    # -----------------------------------------------------------------------------------------

    def get_vocab(self) -> dict[str, int]:
        return {**self.vocab, **self.special_tokens}

    def token_to_id(self, token: str) -> int | None:
        token_id = self.special_tokens.get(token)
        return self.vocab.get(token) if token_id is None else token_id

    def id_to_token(self, token_id: int) -> str | None:
        return self._id_to_string[token_id] if 0 <= token_id < self._vocab_size else None

    def token_bytes(self, token_id: int) -> bytes:
        """The bytes token `token_id` stands for (b' the' for 'Ġthe')."""
        data = self._id_to_bytes[token_id] if 0 <= token_id < self._vocab_size else None
        if data is None:
            raise ValueError(f"token id {token_id} is not in the vocabulary")
        return data

    def _to_dict(self) -> dict[str, Any]:
        return {
            "vocab": self.vocab,
            "merges": self.merges,
            "add_prefix_space": self.add_prefix_space,
            "ignore_merges": self.ignore_merges,
            "unk_token": self.unk_token,
        }

    @classmethod
    def _from_dict(cls, data: Mapping[str, Any]) -> BPETokenizer:
        return cls(
            data["vocab"],
            [tuple(pair) for pair in data["merges"]],
            data["special_tokens"],
            data["template"],
            add_prefix_space=data["add_prefix_space"],
            ignore_merges=data["ignore_merges"],
            unk_token=data["unk_token"],
        )

    def to_huggingface(self) -> dict[str, Any]:
        """The tokenizer as Hugging Face's tokenizer.json data (model BPE, ByteLevel pipeline)."""
        from .huggingface import to_huggingface

        return to_huggingface(self)

    def save_huggingface(self, path: str) -> None:
        """Write `to_huggingface()` to `path`, loadable by `tokenizers.Tokenizer.from_file`."""
        write_json(path, self.to_huggingface())


def _apply_merges(ids: list[int], ranks: Mapping[tuple[int, int], tuple[int, int]]) -> list[int]:
    """Merge adjacent ids by rank, lowest rank first and leftmost first among equal ranks.

    A heap of candidate merges (rank, position, new id) over a doubly linked list of symbols, as
    in `tokenizers`: O(n log n) for a word of n bytes, so a long run of one character is cheap.
    An entry is stale (skipped) when its left symbol was merged away or its pair has changed.
    """
    n = len(ids)
    if n < 2:
        return ids
    symbols = list(ids)
    following = list(range(1, n + 1))  # index of the next live symbol (n: none)
    preceding = list(range(-1, n - 1))  # index of the previous live symbol (-1: none)
    alive = [True] * n
    heap = []
    for i in range(n - 1):
        merge = ranks.get((symbols[i], symbols[i + 1]))
        if merge is not None:
            heap.append((merge[0], i, merge[1]))
    heapq.heapify(heap)
    while heap:
        _, i, new_id = heapq.heappop(heap)
        j = following[i]
        if not alive[i] or j == n:
            continue
        merge = ranks.get((symbols[i], symbols[j]))
        if merge is None or merge[1] != new_id:
            continue
        symbols[i] = new_id  # i absorbs j
        alive[j] = False
        following[i] = following[j]
        if following[j] < n:
            preceding[following[j]] = i
        if preceding[i] >= 0:
            merge = ranks.get((symbols[preceding[i]], new_id))
            if merge is not None:
                heapq.heappush(heap, (merge[0], preceding[i], merge[1]))
        if following[i] < n:
            merge = ranks.get((new_id, symbols[following[i]]))
            if merge is not None:
                heapq.heappush(heap, (merge[0], i, merge[1]))
    return [symbol for symbol, live in zip(symbols, alive, strict=True) if live]


def _learn_merges(
    words: list[list[int]],
    counts: list[int],
    token_bytes: list[bytes],
    first_id: int,
    n_merges: int,
    min_frequency: int,
) -> tuple[list[tuple[int, int]], list[bytes]]:
    """BPE training with incremental pair counts (see the module docstring).

    words[k] is the token ids of the k-th distinct word and counts[k] its frequency; token id
    first_id + t has the bytes token_bytes[t]. Words are merged in place. Returns the learned
    merges (pairs of ids, in order) and token_bytes extended with the new tokens.
    """
    token_bytes = list(token_bytes)
    known = {data: first_id + t for t, data in enumerate(token_bytes)}
    pair_counts: defaultdict[tuple[int, int], int] = defaultdict(int)
    where: defaultdict[tuple[int, int], set[int]] = defaultdict(set)  # pair -> words holding it
    for k, word in enumerate(words):
        for pair in itertools.pairwise(word):
            pair_counts[pair] += counts[k]
            where[pair].add(k)
    # Max-heap on count through negation; equal counts pop the smallest pair first.
    heap = [(-count, pair) for pair, count in pair_counts.items()]
    heapq.heapify(heap)

    merges: list[tuple[int, int]] = []
    n_new = 0  # tokens added (a merge may rebuild a token that already exists)
    threshold = max(1, min_frequency)
    while n_new < n_merges and heap:
        negative_count, pair = heapq.heappop(heap)
        count = pair_counts.get(pair, 0)
        if -negative_count != count:  # stale: counts only fall, so re-queue the true count
            if count > 0:
                heapq.heappush(heap, (-count, pair))
            continue
        if count < threshold:
            break
        a, b = pair
        data = token_bytes[a - first_id] + token_bytes[b - first_id]
        new = known.get(data)
        if new is None:
            new = first_id + len(token_bytes)
            known[data] = new
            token_bytes.append(data)
            n_new += 1
        merges.append(pair)

        touched = set()  # pairs that gained occurrences: they go (back) on the heap
        for k in where.pop(pair, ()):
            word = words[k]
            f = counts[k]
            i = 0
            while True:
                try:
                    i = word.index(a, i)
                except ValueError:
                    break
                if i + 1 < len(word) and word[i + 1] == b:
                    if i > 0:  # x a b -> x ab
                        x = word[i - 1]
                        pair_counts[(x, a)] -= f
                        pair_counts[(x, new)] += f
                        where[(x, new)].add(k)
                        touched.add((x, new))
                    if i + 2 < len(word):  # a b y -> ab y
                        y = word[i + 2]
                        pair_counts[(b, y)] -= f
                        pair_counts[(new, y)] += f
                        where[(new, y)].add(k)
                        touched.add((new, y))
                    word[i : i + 2] = [new]
                i += 1
        del pair_counts[pair]
        for new_pair in touched:
            if pair_counts[new_pair] > 0:
                heapq.heappush(heap, (-pair_counts[new_pair], new_pair))
    return merges, token_bytes
