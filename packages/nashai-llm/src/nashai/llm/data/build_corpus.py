"""Build python_docs.txt, the shipped corpus: English prose from Python's own documentation.

Every CPython carries `pydoc_data.topics.topics`, the text `help()` shows for about 80 topics
(statements, the data model, string methods, format strings, ...), rendered to plain text by
Sphinx from the Language and Library References. That text is English prose with short code
examples, under the PSF licence (see LICENSE in this folder). Rendering leaves a few artefacts,
which `clean_topic` removes:

- the lines of `*`, `=`, `-` that underline headings (the heading itself stays);
- grid tables (`+----+----+` borders, `|` columns), turned into one line per row with the cells
  joined by " — ", a cell's wrapped lines joined into one;
- rubrics such as "-[ Footnotes ]-" (kept as "Footnotes");
- footnote references like "operand [1]." in the prose (the footnotes themselves stay);
- trailing spaces, and runs of blank lines longer than one.

Topics are written in the order of their names, separated by a blank line. Run

    python -m nashai.llm.data.build_corpus [output_folder]

to write python_docs.txt and python_docs.json (the Python version and the SHA-256 of the text),
by default into this package folder. The result depends only on the running Python's
pydoc_data, so the same Python version rebuilds the shipped file byte for byte.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import platform
import re
import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = ["build_corpus", "clean_topic", "main"]

_UNDERLINE = re.compile(r"([*=\-~^\"#+])\1{2,}")
_TABLE_BORDER = re.compile(r"( *)\+[-=]+(?:\+[-=]+)*\+")
_RUBRIC = re.compile(r"^-\[ (.+) \]-$", re.MULTILINE)
# " [3]" after a word, a closing parenthesis or quote, or a full stop, before a space, a full
# stop, a comma or the end of the line: a footnote reference, not an index like "x[3]".
_FOOTNOTE_REFERENCE = re.compile(r"(?<=[A-Za-z.)\"]) {1,2}\[\d{1,2}\](?=[ .,]|$)", re.MULTILINE)
_BLANK_RUNS = re.compile(r"\n{3,}")


def _table_rows(lines: list[str]) -> list[str]:
    """One line per row of a grid table (its lines, borders included), cells joined by ' — '."""
    indent = len(lines[0]) - len(lines[0].lstrip())
    cuts = [i for i, char in enumerate(lines[0]) if char == "+"]
    rows: list[list[str]] = []
    cells: list[str] | None = None
    for line in lines:
        if set(line.strip()) <= set("+-=|"):  # a border or the header separator ends a row
            if cells is not None:
                rows.append(cells)
            cells = None
            continue
        parts = [line[left + 1 : right].strip() for left, right in itertools.pairwise(cuts)]
        cells = (
            parts
            if cells is None
            else [f"{a} {b}".strip() for a, b in zip(cells, parts, strict=True)]
        )
    if cells is not None:
        rows.append(cells)
    return [
        " " * indent + " — ".join(" ".join(cell.split()) for cell in row if cell) for row in rows
    ]


def clean_topic(text: str) -> str:
    """One topic's text without heading underlines, grid tables, rubrics or footnote marks."""
    lines = [line.rstrip() for line in text.splitlines()]
    kept: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if _UNDERLINE.fullmatch(line) and kept and len(kept[-1]) == len(line):
            i += 1  # a heading's underline
            continue
        if _TABLE_BORDER.fullmatch(line):
            end = i + 1
            while end < len(lines) and lines[end].lstrip()[:1] in ("+", "|"):
                end += 1
            kept.extend(_table_rows(lines[i:end]))
            i = end
            continue
        kept.append(line)
        i += 1
    text = "\n".join(kept)
    text = _RUBRIC.sub(r"\1", text)
    text = _FOOTNOTE_REFERENCE.sub("", text)
    return _BLANK_RUNS.sub("\n\n", text).strip("\n")


def build_corpus(topics: Mapping[str, str] | None = None) -> str:
    """The corpus text: every topic of `topics` (default: pydoc_data's), cleaned, by name."""
    if topics is None:
        from pydoc_data.topics import topics
    return "\n\n".join(clean_topic(topics[name]) for name in sorted(topics)) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Write python_docs.txt and python_docs.json into the folder argv[0] (default: here)."""
    argv = sys.argv[1:] if argv is None else argv
    folder = Path(argv[0]) if argv else Path(__file__).parent
    text = build_corpus()
    data = text.encode("utf-8")
    (folder / "python_docs.txt").write_bytes(data)
    info = {
        "source": "pydoc_data.topics.topics",
        "python_version": platform.python_version(),
        "n_bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    (folder / "python_docs.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(data):,} bytes to {folder / 'python_docs.txt'}")


if __name__ == "__main__":
    main()
