"""The README's Python examples run as they are written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
EXAMPLES = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


def test_the_readme_has_an_example_per_part():
    assert len(EXAMPLES) >= 9


@pytest.mark.parametrize("source", EXAMPLES, ids=[f"example{i}" for i in range(len(EXAMPLES))])
def test_readme_example_runs(source, capsys):
    exec(compile(source, str(README), "exec"), {"__name__": "readme_example"})
    capsys.readouterr()
