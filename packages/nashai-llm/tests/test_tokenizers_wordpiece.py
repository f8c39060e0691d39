"""WordPiece against Hugging Face `tokenizers` (BertWordPieceTokenizer) and by property."""

import json
import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tokenizers import BertWordPieceTokenizer, processors
from tokenizers import Tokenizer as HFTokenizer

from nashai.llm.data import load_corpus
from nashai.llm.tokenizers import Tokenizer, WordPieceTokenizer
from nashai.llm.tokenizers.pretokenize import bert_pre_tokenize

CORPUS = load_corpus()

SAMPLES = [
    "",
    "   ",
    "Hello, World! Don't stop.",
    "The quick brown fox jumps over the lazy dog.",
    "unaffable supercalifragilisticexpialidocious antidisestablishmentarianism",
    "Héllo naïve café Ångström ΟΔΟΣ İstanbul",
    "中文字 日本語 한국어 😀 🥰",
    "[CLS] the [MASK] sat on the mat [SEP] [PAD]",
    "[cls] is not special, [UNK] is",
    "tabs\tand\nnewlines\r\n  and \u3000 ideographic spaces",
    "12,345.67 $5 50% a+b=c x_1 __init__",
    "It's what they'd've wanted, isn't it? I'm sure we're done; you've won.",
    "x" * 101,  # longer than max_input_chars_per_word: [UNK]
    "\x00control\x01 \ufffd\u200bchars",
    "def f(x):\n    return x ** 2  # square",
]


@pytest.fixture(scope="module", params=[True, False], ids=["uncased", "cased"])
def pair(request, tmp_path_factory):
    """(ours, reference): a WordPiece trained by tokenizers on the corpus, read from its file."""
    reference = BertWordPieceTokenizer(lowercase=request.param)
    reference.train_from_iterator([CORPUS], vocab_size=2000, show_progress=False)
    reference.post_processor = processors.BertProcessing(
        ("[SEP]", reference.token_to_id("[SEP]")), ("[CLS]", reference.token_to_id("[CLS]"))
    )
    path = tmp_path_factory.mktemp("wordpiece") / "tokenizer.json"
    reference.save(str(path))
    return Tokenizer.from_file(path), HFTokenizer.from_file(str(path))


@pytest.mark.parametrize("text", SAMPLES)
def test_from_file_gives_the_ids_of_tokenizers(pair, text):
    ours, reference = pair
    assert isinstance(ours, WordPieceTokenizer)
    assert ours.encode(text) == reference.encode(text).ids
    assert (
        ours.encode(text, add_special_tokens=False)
        == reference.encode(text, add_special_tokens=False).ids
    )


def test_unknown_words_and_continuations_occur(pair):
    ours, _ = pair
    ids = ours.encode("supercalifragilisticexpialidocious 😀", add_special_tokens=False)
    tokens = [ours.id_to_token(i) for i in ids]
    assert tokens[-1] == "[UNK]" and any(t.startswith("##") for t in tokens)
    assert ours.encode("x" * 101, add_special_tokens=False) == [ours.token_to_id("[UNK]")]


def _unicode_3_2_alphabet():
    """Characters of Unicode 3.2 but the four whose category changed (see pretokenize.py)."""
    changed = {"\u166d", "\u1734", "\u1885", "\u1886"}
    old = unicodedata.ucd_3_2_0
    return [
        chr(cp)
        for cp in range(min(sys.maxunicode + 1, 0x30000))
        if not 0xD800 <= cp < 0xE000 and old.category(chr(cp)) != "Cn" and chr(cp) not in changed
    ]


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        st.one_of(st.sampled_from(" \n\tthe'sA1.,é"), st.sampled_from(_unicode_3_2_alphabet())),
        max_size=50,
    )
)
def test_from_file_gives_the_ids_of_tokenizers_on_random_text(pair, text):
    ours, reference = pair
    assert ours.encode(text) == reference.encode(text).ids


@pytest.mark.parametrize("skip_special_tokens", [True, False])
@pytest.mark.parametrize("text", SAMPLES)
def test_decode_matches_tokenizers(pair, text, skip_special_tokens):
    ours, reference = pair
    ids = reference.encode(text).ids
    assert ours.decode(ids, skip_special_tokens) == reference.decode(ids, skip_special_tokens)


def test_greedy_longest_match_first():
    vocab = ["[UNK]", "un", "##aff", "##able", "##a", "##ff", "!", "want", "##ed", "runn", "##ing"]
    tokenizer = WordPieceTokenizer(vocab)
    ids = tokenizer.encode("Unaffable! unwanted running")
    assert [tokenizer.id_to_token(i) for i in ids] == [
        "un", "##aff", "##able", "!", "[UNK]", "runn", "##ing",
    ]  # fmt: skip
    assert tokenizer.decode(ids) == "unaffable! [UNK] running"


# Round trip on the normalised form: with every character (and its ## form) in the vocabulary,
# decoding gives the normalised words joined by single spaces.
ALPHABET = "abcdefghijklmnopqrstuvwxyzéü中文.,!?'-"
ROUND_TRIP_VOCAB = ["[UNK]", *ALPHABET, *("##" + c for c in ALPHABET), "the", "##ing", "qu"]


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(ALPHABET.upper() + ALPHABET + " \t\nÉ"), max_size=60))
def test_decode_inverts_encode_on_the_normalised_form(text):
    tokenizer = WordPieceTokenizer(ROUND_TRIP_VOCAB, cleanup=False)
    ids = tokenizer.encode(text)
    assert tokenizer.decode(ids) == " ".join(bert_pre_tokenize(tokenizer.normalize(text)))


def test_template_and_special_tokens():
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", "world"]
    tokenizer = WordPieceTokenizer(
        vocab, special_tokens=["[UNK]", "[CLS]", "[SEP]"], template=(["[CLS]"], ["[SEP]"])
    )
    assert tokenizer.encode("Hello [SEP] world") == [2, 4, 3, 5, 3]
    assert tokenizer.encode("Hello world", add_special_tokens=False) == [4, 5]
    assert tokenizer.decode([2, 4, 3, 5, 3], skip_special_tokens=True) == "hello world"
    assert tokenizer.encode("[PAD]") == [2, 1, 1, 1, 3]  # [PAD] is not special here: [ pad ]


def test_save_and_from_file_round_trip(pair, tmp_path):
    ours, _ = pair
    ours.save(tmp_path / "wordpiece.json")
    again = WordPieceTokenizer.from_file(tmp_path / "wordpiece.json")
    assert again.get_vocab() == ours.get_vocab() and again.template == ours.template
    for text in SAMPLES:
        assert again.encode(text) == ours.encode(text)


def test_save_huggingface_is_read_by_tokenizers(pair, tmp_path):
    ours, _ = pair
    ours.save_huggingface(str(tmp_path / "tokenizer.json"))
    reference = HFTokenizer.from_file(str(tmp_path / "tokenizer.json"))
    assert json.loads(reference.to_str())["post_processor"]["type"] == "TemplateProcessing"
    for text in SAMPLES:
        assert reference.encode(text).ids == ours.encode(text)
        ids = ours.encode(text)
        assert reference.decode(ids) == ours.decode(ids, skip_special_tokens=True)


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="unk_token '\\[UNK\\]' is not in vocab"):
        WordPieceTokenizer(["a", "b"])
    with pytest.raises(ValueError, match=r"special_tokens \['\[CLS\]'\] are not in vocab"):
        WordPieceTokenizer(["[UNK]"], special_tokens=["[CLS]"])
    with pytest.raises(ValueError, match="template token '\\[CLS\\]' is not in the vocabulary"):
        WordPieceTokenizer(["[UNK]"], template=(["[CLS]"], []))
    with pytest.raises(ValueError, match="token id 5 is out of range"):
        WordPieceTokenizer(["[UNK]", "a"]).decode([0, 5])
