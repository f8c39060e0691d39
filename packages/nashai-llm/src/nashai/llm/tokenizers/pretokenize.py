"""Text before the model: GPT-2's byte-level pre-tokeniser and BERT's normaliser and pre-tokeniser.

A tokenizer model (BPE, WordPiece) never sees raw text. The text is first *normalised* (BERT:
cleaned, lower-cased, accents stripped) and *pre-tokenised*: cut into words, and the model
splits each word on its own, so no token ever crosses a word boundary.

GPT-2 (Radford et al. 2019, "Language Models are Unsupervised Multitask Learners", §2.2) cuts text
with the regular expression

    's|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+

(English contractions; a run of letters, of numbers or of other symbols, each with at most one
leading space; whitespace, leaving the last space of a run to the word after it). Python's `re`
has no \\p{L} (letter) or \\p{N} (number) classes and its \\s differs from the one Oniguruma (the
engine of the `tokenizers` library) uses, so `gpt2_pattern` builds the same expression from
explicit classes, checked character by character against `tokenizers`' ByteLevel pre-tokeniser:

- letters \\p{L} (Lu, Ll, Lt, Lm, Lo): `[^\\W\\d_]` (alphanumeric, not a decimal digit, not `_`)
  less the numbers of categories Nl and No, which Python counts as alphanumeric;
- numbers \\p{N} (Nd, Nl, No): `\\d` (Nd) plus the Nl and No characters, listed once from
  `unicodedata`;
- whitespace: the Unicode White_Space property, which unlike Python's \\s excludes U+001C-U+001F.

Each piece of text is then turned into bytes, and each byte into a printable character
(`bytes_to_unicode`), so that a byte-level vocabulary is a set of ordinary strings.

BERT (Devlin et al. 2019, and Google's `tokenization.py`) normalises with `bert_normalize` and cuts
on whitespace and around each punctuation character with `bert_pre_tokenize`. The definitions
follow `tokenizers`' BertNormalizer and BertPreTokenizer, which the tests use as the reference.
Characters are classified with the running Python's `unicodedata`; `tokenizers` classifies
punctuation, non-spacing marks and format characters with Unicode 8.0 tables, so a character
assigned since 2015 (or one of the four whose category changed since: U+166D, U+1734, U+1885,
U+1886) may be treated differently by the two.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata

__all__ = [
    "GPT2_PATTERN",
    "bert_normalize",
    "bert_pre_tokenize",
    "bytes_to_unicode",
    "gpt2_pattern",
    "gpt2_pre_tokenize",
]

# GPT-2's pattern as written for an engine with Unicode properties (Oniguruma, `regex`).
GPT2_PATTERN = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"

# The Unicode White_Space property, as a regex class body: what \s means in Oniguruma (and
# Rust's char::is_whitespace).
WHITESPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"

# Planes 4 to 16 hold no letters or numbers (unassigned, tags, variation selectors, private use).
_LAST_LETTER_PLANE_END = 0x40000


def _class_ranges(code_points: list[int]) -> str:
    """A regex character-class body (`a-z` ranges) covering the sorted code points."""
    parts = []
    start = previous = code_points[0]
    for cp in [*code_points[1:], -1]:
        if cp != previous + 1:
            parts.append(
                re.escape(chr(start))
                if start == previous
                else f"{re.escape(chr(start))}-{re.escape(chr(previous))}"
            )
            start = cp
        previous = cp
    return "".join(parts)


@functools.cache
def gpt2_pattern() -> re.Pattern[str]:
    """GPT-2's pre-tokenisation regex (`GPT2_PATTERN`) compiled for Python's `re` module.

    Built on first use (a few hundredths of a second: one pass over the code points of planes
    0-3 to list the Nl and No characters).
    """
    letter_numbers = [  # Nl and No: alphanumeric for Python, numbers (not letters) for \p{L}/\p{N}
        cp
        for cp in range(min(_LAST_LETTER_PLANE_END, sys.maxunicode + 1))
        if unicodedata.category(chr(cp)) in ("Nl", "No")
    ]
    other_numbers = _class_ranges(letter_numbers)
    letter = rf"[^\W\d_{other_numbers}]"
    number = rf"[\d{other_numbers}]"
    other = rf"(?:[^\w{WHITESPACE}]|_)"  # neither whitespace, letter nor number
    space = f"[{WHITESPACE}]"
    return re.compile(
        rf"'s|'t|'re|'ve|'m|'ll|'d| ?{letter}+| ?{number}+| ?{other}+"
        rf"|{space}+(?![^{WHITESPACE}])|{space}+"
    )


def gpt2_pre_tokenize(text: str) -> list[str]:
    """Cut `text` into GPT-2's pre-tokens; their concatenation is `text` again.

    >>> gpt2_pre_tokenize("Hello world's 2024  code!")
    ['Hello', ' world', "'s", ' 2024', ' ', ' code', '!']
    """
    return gpt2_pattern().findall(text)


@functools.cache
def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible map from the 256 byte values to printable characters.

    Printable Latin-1 bytes (`!`..`~`, `¡`..`¬`, `®`..`ÿ`) map to themselves; the other 68
    (control characters, space, soft hyphen) map in order to U+0100, U+0101, ... so that no
    token string contains whitespace or a control character. Space (0x20) becomes 'Ġ'.
    """
    printable = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAC + 1), *range(0xAE, 0xFF + 1)]
    mapping = {b: chr(b) for b in printable}
    shifted = 0
    for b in range(256):
        if b not in mapping:
            mapping[b] = chr(256 + shifted)
            shifted += 1
    return mapping


# ---------------------------------------------------------------------------------------------
# BERT
# ---------------------------------------------------------------------------------------------

# CJK Unified Ideographs blocks (not Hangul, Hiragana or Katakana, which are space separated).
_CJK_RANGES = (
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F),
    (0x2B920, 0x2CEAF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
)
_CJK_CLASS = "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in _CJK_RANGES)
_CJK = re.compile(f"([{_CJK_CLASS}])")
_WHITESPACE_RUN = re.compile(f"[{WHITESPACE}]+")
# White_Space less the three controls (VT, FF, NEL) that BERT's cleaning drops before this test.
_WHITESPACE_CHARS = frozenset(
    c for c in map(chr, range(0x3001)) if _WHITESPACE_RUN.fullmatch(c) and c not in "\x0b\x0c\x85"
)
_ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def _is_control(char: str) -> bool:
    """Removed by BERT's cleaning: NUL, U+FFFD and the Cc, Cf, Co, Cs characters but \\t \\n \\r."""
    if char in "\t\n\r":
        return False
    return char in "\x00\ufffd" or unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs")


def _is_punctuation(char: str) -> bool:
    """BERT's punctuation: ASCII punctuation (including $+<=>^`|~) and categories P*."""
    return char in _ASCII_PUNCTUATION or unicodedata.category(char).startswith("P")


def _lowercase(text: str) -> str:
    """Lower-case character by character (str.lower would turn a final Σ into ς, not σ)."""
    if "Σ" in text:
        return "".join(char.lower() for char in text)
    return text.lower()


def _strip_accents(text: str) -> str:
    """Decompose (NFD) and drop the non-spacing marks (category Mn): 'é' -> 'e' + U+0301 -> 'e'."""
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


# ASCII text is cleaned with one str.translate: tab, newline, return -> space; other controls gone.
_ASCII_CLEANING = {c: None for c in [*range(0x20), 0x7F]} | {ord(c): " " for c in "\t\n\r"}


def _clean_text(text: str) -> str:
    """Drop control characters and turn each whitespace character into a space."""
    if text.isascii():
        return text.translate(_ASCII_CLEANING)
    kept = []
    for char in text:
        if char in _WHITESPACE_CHARS:
            kept.append(" ")
        elif not _is_control(char):
            kept.append(char)
    return "".join(kept)


def bert_normalize(
    text: str,
    *,
    lowercase: bool = True,
    strip_accents: bool | None = None,
    clean_text: bool = True,
    handle_chinese_chars: bool = True,
) -> str:
    """BERT's normaliser, in the order `tokenizers`' BertNormalizer applies its steps.

    1. clean_text: drop control characters (NUL, U+FFFD, categories Cc, Cf, Co, Cs, except tab,
       newline and carriage return) and replace every whitespace character with a space;
    2. handle_chinese_chars: put a space on each side of every CJK ideograph, so each becomes a
       word of its own;
    3. strip_accents (by default: when lower-casing): NFD, then drop the non-spacing marks (Mn);
    4. lowercase: character by character (no final-sigma rule).

    >>> bert_normalize("Héllo\\tWÖRLD 中文")
    'hello world  中  文 '
    """
    if clean_text:
        text = _clean_text(text)
    if handle_chinese_chars and not text.isascii():
        text = _CJK.sub(r" \1 ", text)
    if lowercase if strip_accents is None else strip_accents:
        text = _strip_accents(text)
    if lowercase:
        text = _lowercase(text)
    return text


def bert_pre_tokenize(text: str) -> list[str]:
    """BERT's pre-tokeniser: split on whitespace, then isolate every punctuation character.

    >>> bert_pre_tokenize("Hello, world!! $5")
    ['Hello', ',', 'world', '!', '!', '$', '5']
    """
    words = []
    for chunk in _WHITESPACE_RUN.split(text):
        if not chunk:
            continue
        if chunk.isalnum():  # the common case: no punctuation inside
            words.append(chunk)
            continue
        start = 0
        for i, char in enumerate(chunk):
            if _is_punctuation(char):
                if start < i:
                    words.append(chunk[start:i])
                words.append(char)
                start = i + 1
        if start < len(chunk):
            words.append(chunk[start:])
    return words
