"""Byte-level BPE against Hugging Face `tokenizers` (training, ids, decoding) and by property.

The reference tokenizer is trained by `tokenizers` as GPT-2 style byte-level BPE (ByteLevel
pre-tokenizer, all 256 bytes in the initial alphabet, "<|endoftext|>" special) on the shipped
corpus, written to tokenizer.json and read with `Tokenizer.from_file`.
"""

import collections
import itertools
import json
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tokenizers import Tokenizer as HFTokenizer
from tokenizers import decoders, models, pre_tokenizers, processors, trainers

from nashai.llm.data import load_corpus
from nashai.llm.tokenizers import BPETokenizer, Tokenizer
from nashai.llm.tokenizers.pretokenize import bytes_to_unicode, gpt2_pre_tokenize

CORPUS = load_corpus()
SMALL = CORPUS[:60_000]

SAMPLES = [
    "",
    " ",
    "Hello world",
    "The quick brown fox jumps over the lazy dog.",
    "It's what they'd've wanted, isn't it? I'll say we're done; you've won.",
    "accents: café naïve Ångström Zürich résumé façade ñandú",
    "Ελληνικά Русский язык עברית العربية हिन्दी",
    "中文字符 日本語のテキスト 한국어 텍스트",
    "emoji 😀👍🏽 👨‍👩‍👧 🇫🇷 ❤️ 🥰",
    "whitespace  runs   of    spaces\t\ttabs\n\n\nnewlines \r\n end   ",
    "numbers 0 7 42 1234567890 3.14159 -1e-10 1,000,000 ²³ ½",
    "code: def f(x):\n    return x ** 2  # square\n",
    "<|endoftext|>",
    "before<|endoftext|>after <|endoftext|> <|endoftext|><|endoftext|>",
    "<|endoftext",
    "x" * 5000,
    " " * 300 + "a",
    "\x00\x01\x7f\ufffd\ufeff\u200b",
]


def hf_train(text, vocab_size, special_tokens=("<|endoftext|>",), add_prefix_space=False):
    tokenizer = HFTokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=add_prefix_space)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(special_tokens),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator([text], trainer)
    return tokenizer


def hf_merges(tokenizer):
    merges = json.loads(tokenizer.to_str())["model"]["merges"]
    return [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in merges]


@pytest.fixture(scope="module")
def hf_corpus_tokenizer():
    return hf_train(CORPUS, 4096)


@pytest.fixture(scope="module")
def loaded(hf_corpus_tokenizer, tmp_path_factory):
    path = tmp_path_factory.mktemp("hf") / "tokenizer.json"
    hf_corpus_tokenizer.save(str(path))
    return Tokenizer.from_file(path)


@pytest.fixture(scope="module")
def trained():
    return BPETokenizer.train(SMALL, 600)


# ---------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, vocab_size, special_tokens",
    [
        (SMALL, 300, ("<|endoftext|>",)),
        (SMALL, 1000, ("<|endoftext|>", "<pad>")),
        ("aaaa aaaa aaa abab ab ba " * 7 + "zz", 280, ()),  # overlapping pairs, ties
        ("low lower lowest newer wider " * 20, 300, ("<|endoftext|>",)),  # runs out of pairs
    ],
)
def test_train_learns_the_same_vocab_and_merges_as_tokenizers(text, vocab_size, special_tokens):
    reference = hf_train(text, vocab_size, special_tokens)
    ours = BPETokenizer.train(text, vocab_size, special_tokens=special_tokens)
    assert ours.merges == hf_merges(reference)
    assert ours.get_vocab() == reference.get_vocab()


def test_train_on_the_corpus_to_4096_matches_tokenizers(hf_corpus_tokenizer):
    ours = BPETokenizer.train(CORPUS, 4096)
    assert ours.vocab_size == 4096
    assert ours.merges == hf_merges(hf_corpus_tokenizer)
    assert ours.get_vocab() == hf_corpus_tokenizer.get_vocab()
    # hence the same compression: bytes per token within 2% (here identical)
    n_bytes = len(CORPUS.encode())
    ours_bpt = n_bytes / len(ours.encode(CORPUS))
    hf_bpt = n_bytes / len(hf_corpus_tokenizer.encode(CORPUS).ids)
    assert ours_bpt == pytest.approx(hf_bpt, rel=0.02)
    assert ours_bpt > 3.5  # English prose: ~4 bytes per token at 4096


def naive_bpe_merges(text, vocab_size, n_special):
    """BPE by the book: recount every pair after each merge (slow, obviously right)."""
    table = bytes_to_unicode()
    order = sorted(range(256), key=lambda b: table[b])
    byte_id = {b: n_special + i for i, b in enumerate(order)}
    token = {n_special + i: bytes([b]) for i, b in enumerate(order)}
    counts = collections.Counter(gpt2_pre_tokenize(text))
    words = {tuple(byte_id[b] for b in w.encode()): c for w, c in counts.items()}
    merges = []
    while n_special + len(token) < vocab_size:
        pairs = collections.Counter()
        for word, count in words.items():
            for pair in itertools.pairwise(word):
                pairs[pair] += count
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        new = n_special + len(token)
        token[new] = token[best[0]] + token[best[1]]
        merges.append((token[best[0]], token[best[1]]))
        merged = {}
        for word, count in words.items():
            out, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                    out.append(new)
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            merged[tuple(out)] = merged.get(tuple(out), 0) + count
        words = merged
    return merges


def test_incremental_training_equals_recounting_from_scratch():
    text = CORPUS[:8000]
    ours = BPETokenizer.train(text, 400)
    expected = naive_bpe_merges(text, 400, n_special=1)
    assert [
        (ours.token_bytes(ours.vocab[a]), ours.token_bytes(ours.vocab[b])) for a, b in ours.merges
    ] == expected


def test_train_accepts_an_iterator_of_texts_and_cuts_special_tokens_out():
    lines = SMALL.splitlines(keepends=True)
    reference = HFTokenizer(models.BPE())
    reference.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    reference.train_from_iterator(iter(lines), trainer)  # each line pre-tokenised on its own
    assert BPETokenizer.train(iter(lines), 400).merges == hf_merges(reference)
    # special tokens in the text are not learned from: same merges as without them
    with_specials = BPETokenizer.train("<|endoftext|>".join(lines[:300]), 350)
    without = BPETokenizer.train(lines[:300], 350)
    assert with_specials.merges == without.merges


def test_train_stops_at_min_frequency_and_when_pairs_run_out():
    tokenizer = BPETokenizer.train("ab ab ab cd", 1000, min_frequency=3)
    assert tokenizer.merges == [("a", "b")]
    assert BPETokenizer.train("abc", 1000, special_tokens=()).vocab_size == 258


def test_train_is_fast_enough():
    start = time.perf_counter()
    BPETokenizer.train(CORPUS[:200_000], 2000)
    assert time.perf_counter() - start < 10  # about 0.2 s; a recount per merge takes minutes


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(text="abc", vocab_size=256), ValueError, "vocab_size must be at least 257"),
        (dict(text="abc", vocab_size=300.0), TypeError, "vocab_size must be an int"),
        (dict(text=[b"bytes"], vocab_size=300), TypeError, "iterable of str"),
    ],
)
def test_train_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        BPETokenizer.train(**kwargs)


# ---------------------------------------------------------------------------------------------
# Encoding with a tokenizer.json trained by tokenizers
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", SAMPLES)
def test_from_file_gives_the_ids_of_tokenizers(loaded, hf_corpus_tokenizer, text):
    assert isinstance(loaded, BPETokenizer)
    assert loaded.encode(text) == hf_corpus_tokenizer.encode(text).ids


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        st.one_of(
            st.sampled_from(" \n\tthe'sA1."),
            st.characters(exclude_categories=("Cs", "Cn")),
        ),
        max_size=60,
    )
)
def test_from_file_gives_the_ids_of_tokenizers_on_random_text(loaded, hf_corpus_tokenizer, text):
    assert loaded.encode(text) == hf_corpus_tokenizer.encode(text).ids


def test_encode_the_whole_corpus_like_tokenizers(loaded, hf_corpus_tokenizer):
    assert loaded.encode(CORPUS[:100_000]) == hf_corpus_tokenizer.encode(CORPUS[:100_000]).ids


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 4095), max_size=30))
def test_decode_of_any_ids_matches_tokenizers(loaded, hf_corpus_tokenizer, ids):
    # arbitrary ids cut characters apart: invalid UTF-8 becomes U+FFFD the same way
    assert loaded.decode(ids) == hf_corpus_tokenizer.decode(ids, skip_special_tokens=False)
    assert loaded.decode(ids, skip_special_tokens=True) == hf_corpus_tokenizer.decode(ids)


def test_add_prefix_space_template_and_ignore_merges_match_tokenizers(tmp_path):
    reference = hf_train(SMALL, 500, special_tokens=("<s>", "</s>"), add_prefix_space=True)
    reference.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 1)]
    )
    reference.save(str(tmp_path / "tokenizer.json"))
    ours = Tokenizer.from_file(tmp_path / "tokenizer.json")
    assert ours.template == (["<s>"], ["</s>"])
    for text in SAMPLES[:12]:
        assert ours.encode(text) == reference.encode(text).ids
        assert (
            ours.encode(text, add_special_tokens=False)
            == reference.encode(text, add_special_tokens=False).ids
        )

    data = json.loads(reference.to_str())
    data["model"]["ignore_merges"] = True
    data["post_processor"] = None
    reference = HFTokenizer.from_str(json.dumps(data))
    ours = Tokenizer.from_dict(data)
    for text in SAMPLES[:12]:
        assert ours.encode(text) == reference.encode(text).ids


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_decode_inverts_encode_for_every_string(trained, text):
    assert trained.decode(trained.encode(text)) == text


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from(["<|endoftext|>", "<|", "|>", "a", " ", "é", "😀"]), max_size=20).map(
        "".join
    )
)
def test_special_tokens_are_never_split(trained, text):
    ids = trained.encode(text)
    assert ids.count(0) == text.count("<|endoftext|>")
    assert trained.decode(ids) == text
    assert trained.decode(ids, skip_special_tokens=True) == text.replace("<|endoftext|>", "")


def test_encode_batch_and_decode_batch(trained):
    texts = SAMPLES[:10]
    batch = trained.encode_batch(texts)
    assert batch == [trained.encode(t) for t in texts]
    assert trained.decode_batch(batch) == texts
    assert trained.decode(np.array(batch[3], dtype=np.int64)) == texts[3]


def test_long_runs_encode_quickly_and_like_tokenizers(loaded, hf_corpus_tokenizer):
    text = "ab" * 50_000 + " " + "9" * 20_000
    start = time.perf_counter()
    ids = loaded.encode(text)
    assert time.perf_counter() - start < 5  # O(n log n) merging, not O(n^2)
    assert ids == hf_corpus_tokenizer.encode(text).ids


def test_trained_tokenizer_layout(trained):
    vocab = trained.get_vocab()
    assert trained.vocab_size == len(vocab) == 600
    assert vocab["<|endoftext|>"] == 0
    assert vocab["!"] == 1 and vocab["Ġ"] == 1 + 94 + 12 + 82 + 32  # bytes in GPT-2's order
    assert sorted(vocab.values()) == list(range(600))
    for token_id in range(600):
        assert trained.token_to_id(trained.id_to_token(token_id)) == token_id


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------


def test_save_and_from_file_round_trip(trained, tmp_path):
    path = tmp_path / "bpe.json"
    trained.save(path)
    again = BPETokenizer.from_file(path)
    assert again.merges == trained.merges and again.get_vocab() == trained.get_vocab()
    assert again.encode(CORPUS[:20_000]) == trained.encode(CORPUS[:20_000])
    assert json.loads(path.read_text())["type"] == "BPETokenizer"


def test_save_huggingface_is_read_by_tokenizers(trained, tmp_path):
    path = tmp_path / "tokenizer.json"
    trained.save_huggingface(str(path))
    reference = HFTokenizer.from_file(str(path))
    for text in SAMPLES:
        assert reference.encode(text).ids == trained.encode(text)
    assert Tokenizer.from_file(path).merges == trained.merges


def test_bad_vocabularies_and_ids_are_rejected(trained):
    with pytest.raises(ValueError, match=r"merges\[0\].*'ab' is not in vocab"):
        BPETokenizer({"a": 0, "b": 1}, [("a", "b")])
    with pytest.raises(ValueError, match="token id 600 is out of range"):
        trained.decode([1, 600])
    with pytest.raises(ValueError, match="token id -1 is out of range"):
        trained.decode([-1])
    with pytest.raises(TypeError, match="text must be a str"):
        trained.encode(b"bytes")
    with pytest.raises(UnicodeEncodeError):
        trained.encode("lone surrogate \ud800")  # not Unicode text
