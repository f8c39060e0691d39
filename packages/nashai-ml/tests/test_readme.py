"""Every ```python block of the package README runs, and prints what the ```text block under it
shows (when there is one)."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.DOTALL | re.MULTILINE)


def readme_examples() -> list:
    """(line, code, expected output or None) for each python block, in order."""
    text = README.read_text(encoding="utf-8")
    blocks = list(FENCE.finditer(text))
    examples = []
    for i, block in enumerate(blocks):
        if block.group(1) != "python":
            continue
        line = text.count("\n", 0, block.start()) + 1
        expected = None
        after = blocks[i + 1] if i + 1 < len(blocks) else None
        if after and after.group(1) == "text" and not text[block.end() : after.start()].strip():
            expected = after.group(2)
        examples.append(pytest.param(line, block.group(2), expected, id=f"line-{line}"))
    return examples


def normalise(output: str) -> str:
    return "\n".join(line.rstrip() for line in output.strip().splitlines())


def test_the_readme_has_examples_with_their_output():
    examples = readme_examples()
    assert len(examples) >= 15  # the quick start and one per module
    assert all(example.values[2] is not None for example in examples)


@pytest.mark.parametrize("line, code, expected", readme_examples())
def test_readme_example_runs(line, code, expected, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # anything a block writes lands here
    exec(compile(code, f"{README.name}, block at line {line}", "exec"), {"__name__": "__main__"})
    printed = capsys.readouterr().out
    if expected is not None:
        assert normalise(printed) == normalise(expected)
