"""The shipped corpus (python_docs.txt) and its builder from pydoc_data.topics."""

import collections
import hashlib
import json
import platform
import re
from importlib import resources

from nashai.llm.data import load_corpus
from nashai.llm.data.build_corpus import build_corpus, clean_topic, main

CORPUS = load_corpus()
INFO = json.loads(resources.files("nashai.llm.data").joinpath("python_docs.json").read_text())


def test_corpus_is_a_few_hundred_kilobytes_of_printable_english():
    n_bytes = len(CORPUS.encode("utf-8"))
    assert 300_000 < n_bytes < 3_000_000
    assert n_bytes == INFO["n_bytes"]
    assert hashlib.sha256(CORPUS.encode("utf-8")).hexdigest() == INFO["sha256"]
    printable = sum(c.isprintable() or c in "\n" for c in CORPUS)
    assert printable / len(CORPUS) > 0.999
    assert sum(c.isascii() for c in CORPUS) / len(CORPUS) > 0.99
    words = re.findall(r"[a-z]+", CORPUS.lower())
    assert len(words) > 50_000
    top = [word for word, _ in collections.Counter(words).most_common(10)]
    assert {"the", "of", "is", "a", "to"} <= set(top)  # English function words lead


def test_corpus_holds_no_rendering_artefacts():
    assert not re.search(r"^\s*\+[-=+]+\+\s*$", CORPUS, re.MULTILINE)  # table borders
    assert not re.search(r"^\*{5,}$", CORPUS, re.MULTILINE)  # heading underlines
    assert "-[ Footnotes ]-" not in CORPUS
    assert "\n\n\n" not in CORPUS and CORPUS.endswith("\n")
    assert "Operator — Description" in CORPUS  # a table, now one line per row


def test_corpus_is_what_the_builder_makes(tmp_path):
    rebuilt = build_corpus()
    if platform.python_version() == INFO["python_version"]:
        assert rebuilt == CORPUS  # byte for byte
    else:  # another Python's documentation: same recipe, similar text
        assert abs(len(rebuilt) - len(CORPUS)) < 0.1 * len(CORPUS)
    main([str(tmp_path)])
    assert (tmp_path / "python_docs.txt").read_text(encoding="utf-8") == rebuilt
    info = json.loads((tmp_path / "python_docs.json").read_text())
    assert info["python_version"] == platform.python_version()


def test_clean_topic_removes_markup_and_keeps_prose_and_code():
    topic = (
        'The "if" statement\n'
        "******************\n"
        "\n"
        "Prose with a footnote [1].  And code:\n"
        "\n"
        "   x = lst[1]   \n"
        "   y = [2]\n"
        "\n"
        "+------------+-----------+\n"
        "| Operation  | Result    |\n"
        "|============|===========|\n"
        '| "x + y"    | sum of x  |\n'
        "|            | and y     |\n"
        "+------------+-----------+\n"
        "\n\n\n"
        "-[ Footnotes ]-\n"
        "\n"
        "[1] A footnote.\n"
    )
    assert clean_topic(topic) == (
        'The "if" statement\n'
        "\n"
        "Prose with a footnote.  And code:\n"
        "\n"
        "   x = lst[1]\n"
        "   y = [2]\n"
        "\n"
        "Operation — Result\n"
        '"x + y" — sum of x and y\n'
        "\n"
        "Footnotes\n"
        "\n"
        "[1] A footnote."
    )


def test_build_corpus_orders_topics_by_name():
    # "----" under "first" is not a heading underline (a different length): it stays
    assert build_corpus({"b": "second", "a": "first\n----\n"}) == "first\n----\n\nsecond\n"
