"""Data shipped with nashai-llm, so that training and tests run offline.

`load_corpus()` returns python_docs.txt: about 440 kB of English prose with short code examples,
built from Python's own documentation (`pydoc_data.topics`, under the PSF licence: see LICENSE
and README.md in this folder) by `build_corpus.py`.
"""

from __future__ import annotations

from importlib import resources

__all__ = ["load_corpus"]

CORPUS_FILE = "python_docs.txt"


def load_corpus() -> str:
    """The shipped corpus, python_docs.txt, as one str (Python's documentation topics)."""
    return resources.files(__name__).joinpath(CORPUS_FILE).read_text(encoding="utf-8")
