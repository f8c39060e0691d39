"""GPT-2's pre-tokeniser and BERT's normaliser/pre-tokeniser against the `tokenizers` library.

Reference: tokenizers' ByteLevel pre-tokenizer (Oniguruma regex with \\p{L}/\\p{N}),
BertNormalizer and BertPreTokenizer, on hand-picked tricky strings and on random text.
"""

import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tokenizers import normalizers, pre_tokenizers

from nashai.llm.tokenizers.pretokenize import (
    bert_normalize,
    bert_pre_tokenize,
    bytes_to_unicode,
    gpt2_pre_tokenize,
)

TRICKY = [
    "",
    "Hello world",
    "Hello, world! How's it going? I'm fine; we'll see, they've gone, you'd know, it's 're.",
    "DON'T SHOUT'S 'S",
    "  leading and trailing spaces   ",
    "tabs\tand\nnewlines\r\n\n\n  mixed \t\n whitespace",
    "a  b   c    d",
    "numbers 1 12 123 1234 3.14159 -42 1,000,000 ²³ ½ Ⅻ ٣٤ १२",
    "accents: café naïve Ångström Zürich résumé façade",
    "Ελληνικά ΟΔΟΣ Русский язык עברית العربية हिन्दी",
    "中文字符 日本語のテキスト 한국어 텍스트",
    "emoji 😀👍🏽 👨‍👩‍👧 🇫🇷 ❤️",
    "symbols: @#$%^&*()_+-=[]{}|;':\",./<>?`~ ← → ∑ ∫ €",
    "snake_case __dunder__ CamelCase x_1",
    "combining e\u0301 a\u0308 and zero\u200bwidth and \ufeffbom",
    "odd spaces:\xa0nbsp \u2003em \u3000ideographic \u2028line \x85nel \x1cfs \x1fus",
    "control \x00 \x01 \x7f chars",
    "<|endoftext|> looks like <|this|>",
    "    def f(x):\n        return x ** 2\n",
    "'''' '' ' 's 't",
]


def hf_byte_level(text):
    pre = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    return [piece for piece, _ in pre.pre_tokenize_str(text)]


def ours_byte_level(text):
    table = bytes_to_unicode()
    return ["".join(table[b] for b in piece.encode()) for piece in gpt2_pre_tokenize(text)]


# Random text mixing ASCII word material with any character assigned in this Python's Unicode.
ASSIGNED = st.characters(exclude_categories=("Cs", "Cn"))
MIXED_TEXT = st.text(st.one_of(st.sampled_from(" \n\taA1'.s_"), ASSIGNED), max_size=40)


@pytest.mark.parametrize("text", TRICKY)
def test_gpt2_pre_tokenize_matches_tokenizers_byte_level(text):
    assert ours_byte_level(text) == hf_byte_level(text)


@settings(max_examples=300, deadline=None)
@given(MIXED_TEXT)
def test_gpt2_pre_tokenize_matches_tokenizers_on_random_text(text):
    assert ours_byte_level(text) == hf_byte_level(text)


@given(st.text())
def test_gpt2_pre_tokens_concatenate_to_the_text(text):
    assert "".join(gpt2_pre_tokenize(text)) == text


def test_gpt2_pre_tokenize_examples():
    assert gpt2_pre_tokenize("Hello world's 2024  code!\n\n") == [
        "Hello",
        " world",
        "'s",
        " 2024",
        " ",
        " code",
        "!",
        "\n\n",
    ]
    # numbers (Nl, No) are not letters, although Python counts them as alphanumeric
    assert gpt2_pre_tokenize("x²³ab Ⅻc") == ["x", "²³", "ab", " Ⅻ", "c"]
    assert gpt2_pre_tokenize("a_b") == ["a", "_", "b"]


def test_bytes_to_unicode_is_gpt2s_reversible_map():
    table = bytes_to_unicode()
    assert sorted(table) == list(range(256))
    assert len(set(table.values())) == 256
    assert set(table.values()) == set(pre_tokenizers.ByteLevel.alphabet())
    assert table[ord(" ")] == "Ġ" and table[ord("\n")] == "Ċ" and table[ord("A")] == "A"
    assert all(char.isprintable() and not char.isspace() for char in table.values())


# ---------------------------------------------------------------------------------------------
# BERT
# ---------------------------------------------------------------------------------------------

BERT_TRICKY = [
    *TRICKY,
    "İstanbul ΣΊΣΥΦΟΣ ß ﬁ Ǆ",
    "ＦＵＬＬＷＩＤＴＨ ａｂｃ",
    "\ufffd replacement and soft\xadhyphen and \u200e marks",
    "¿Qué? ¡Sí! «quotes» „low“ ‹single›",
    "price: $5.00, 50% off; a+b=c <tag> ^caret `tick` |pipe| ~tilde",
    "中国人 ｶﾀｶﾅ ひらがな 𠀀𠀁 豈",
]
NORMALIZER_OPTIONS = [
    dict(lowercase=True, strip_accents=None, clean_text=True, handle_chinese_chars=True),
    dict(lowercase=False, strip_accents=None, clean_text=True, handle_chinese_chars=True),
    dict(lowercase=False, strip_accents=True, clean_text=False, handle_chinese_chars=False),
    dict(lowercase=True, strip_accents=False, clean_text=True, handle_chinese_chars=False),
]


def hf_bert_normalizer(options):
    return normalizers.BertNormalizer(**options)


def _unicode_3_2_alphabet():
    """Characters assigned in Unicode 3.2, whose categories tokenizers' tables agree on.

    tokenizers classifies punctuation, marks and format characters with Unicode 8.0 tables;
    characters assigned later, and four whose category changed since, may differ (documented in
    pretokenize.py), so random BERT text draws from the characters of Unicode 3.2 without them.
    """
    changed = {"\u166d", "\u1734", "\u1885", "\u1886"}
    old = unicodedata.ucd_3_2_0
    return [
        chr(cp)
        for cp in range(min(sys.maxunicode + 1, 0x30000))
        if not 0xD800 <= cp < 0xE000 and old.category(chr(cp)) != "Cn" and chr(cp) not in changed
    ]


BERT_TEXT = st.text(
    st.one_of(st.sampled_from(" \n\taA1'.,!-é中"), st.sampled_from(_unicode_3_2_alphabet())),
    max_size=40,
)


@pytest.mark.parametrize("options", NORMALIZER_OPTIONS)
@pytest.mark.parametrize("text", BERT_TRICKY)
def test_bert_normalize_matches_tokenizers(text, options):
    assert bert_normalize(text, **options) == hf_bert_normalizer(options).normalize_str(text)


@settings(max_examples=300, deadline=None)
@given(BERT_TEXT)
def test_bert_normalize_matches_tokenizers_on_random_text(text):
    options = NORMALIZER_OPTIONS[0]
    assert bert_normalize(text, **options) == hf_bert_normalizer(options).normalize_str(text)


@pytest.mark.parametrize("text", BERT_TRICKY)
def test_bert_pre_tokenize_matches_tokenizers(text):
    reference = pre_tokenizers.BertPreTokenizer().pre_tokenize_str(text)
    assert bert_pre_tokenize(text) == [word for word, _ in reference]


@settings(max_examples=300, deadline=None)
@given(BERT_TEXT)
def test_bert_pre_tokenize_matches_tokenizers_on_random_text(text):
    reference = pre_tokenizers.BertPreTokenizer().pre_tokenize_str(text)
    assert bert_pre_tokenize(text) == [word for word, _ in reference]


def test_bert_normalize_examples():
    assert bert_normalize("Héllo\tWÖRLD 中文") == "hello world  中  文 "
    assert bert_normalize("ΟΔΟΣ") == "οδοσ"  # no final sigma: character by character
    assert bert_normalize("Héllo", lowercase=False) == "Héllo"  # accents stay when cased
    assert bert_normalize("Héllo", lowercase=False, strip_accents=True) == "Hello"
    assert bert_normalize("a\x00b\u200bc\x0bd") == "abcd"  # NUL, Cf and VT dropped
    assert bert_pre_tokenize("don't stop—now!") == ["don", "'", "t", "stop", "—", "now", "!"]
