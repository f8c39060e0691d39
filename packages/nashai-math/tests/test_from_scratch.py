"""Guard: library code builds on NumPy's array primitives, never on numpy.linalg or the references.

Scans every packages/*/src/**/*.py in the repository and fails, naming file and line, if one
imports or uses numpy.linalg, or imports scipy, sklearn, torch, tokenizers or transformers.
Tests and benchmarks may use all of them as references; library code may not.

The scan reads the syntax tree, so strings, docstrings and comments that mention np.linalg are
fine, while every spelling of the import is caught: `import numpy.linalg`, `from numpy import
linalg`, `from numpy.linalg import solve`, `np.linalg.solve(...)` under any alias of numpy,
`import scipy.stats`, `from torch import nn`, and `importlib.import_module("sklearn")`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

FORBIDDEN_PACKAGES = frozenset({"scipy", "sklearn", "torch", "tokenizers", "transformers"})
IMPORT_FUNCTIONS = frozenset({"import_module", "__import__"})


def find_repository_root() -> Path:
    """The first folder above this file that holds both pyproject.toml and packages/."""
    for folder in Path(__file__).resolve().parents:
        if (folder / "pyproject.toml").is_file() and (folder / "packages").is_dir():
            return folder
    raise RuntimeError(f"no repository root (pyproject.toml and packages/) above {__file__}")


def forbidden_module(module: str) -> str | None:
    """Why importing `module` is forbidden, or None when it is allowed."""
    top = module.split(".")[0]
    if top in FORBIDDEN_PACKAGES:
        return f"imports {top}"
    if module == "numpy.linalg" or module.startswith("numpy.linalg."):
        return "imports numpy.linalg"
    return None


def find_violations(source: str, filename: str = "<string>") -> list[tuple[int, str]]:
    """(line, reason) for every forbidden import or use of numpy.linalg in `source`."""
    tree = ast.parse(source, filename=filename)
    numpy_names = {"numpy"}  # names bound to the numpy module in this file
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            numpy_names.update(a.asname for a in node.names if a.name == "numpy" and a.asname)

    violations = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                reason = forbidden_module(alias.name)
                if reason:
                    violations.append((node.lineno, reason))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            reason = forbidden_module(node.module)
            if node.module == "numpy" and any(a.name == "linalg" for a in node.names):
                reason = "imports numpy.linalg"
            if reason:
                violations.append((node.lineno, reason))
        elif isinstance(node, ast.Attribute) and node.attr == "linalg":
            if isinstance(node.value, ast.Name) and node.value.id in numpy_names:
                violations.append((node.lineno, f"uses {node.value.id}.linalg"))
        elif isinstance(node, ast.Call) and node.args:
            function = node.func
            name = function.attr if isinstance(function, ast.Attribute) else None
            name = function.id if isinstance(function, ast.Name) else name
            first = node.args[0]
            if (
                name in IMPORT_FUNCTIONS
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
            ):
                reason = forbidden_module(first.value)
                if reason:
                    violations.append((node.lineno, reason))
    return sorted(set(violations))


def library_files(root: Path) -> list[Path]:
    return sorted(root.glob("packages/*/src/**/*.py"))


# --- the scan of the repository -------------------------------------------------------------------


def test_library_code_is_built_from_scratch():
    root = find_repository_root()
    files = library_files(root)
    # the scan must see real code, not an empty glob
    assert any(f.name == "calculus.py" for f in files), f"no library files found under {root}"
    problems = []
    for path in files:
        for line, reason in find_violations(path.read_text(encoding="utf-8"), str(path)):
            problems.append(f"{path.relative_to(root)}:{line}: {reason}")
    assert not problems, (
        "library code must use NumPy array primitives only; tests may use the references:\n"
        + "\n".join(problems)
    )


# --- the scanner itself ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "line", "reason"),
    [
        ("import numpy as np\nx = np.linalg.solve(a, b)\n", 2, "uses np.linalg"),
        ("import numpy\n\n\nnumpy.linalg.norm(v)\n", 4, "uses numpy.linalg"),
        ("import numpy as xp\nxp.linalg.eigh(a)\n", 2, "uses xp.linalg"),
        ("import numpy as np\nsolve = np.linalg.solve\n", 2, "uses np.linalg"),
        ("import numpy.linalg\n", 1, "imports numpy.linalg"),
        ("import numpy.linalg as la\n", 1, "imports numpy.linalg"),
        ("from numpy import linalg\n", 1, "imports numpy.linalg"),
        ("from numpy import einsum, linalg as la\n", 1, "imports numpy.linalg"),
        ("from numpy.linalg import solve\n", 1, "imports numpy.linalg"),
        ("import scipy\n", 1, "imports scipy"),
        ("from scipy.special import logsumexp\n", 1, "imports scipy"),
        ("import sklearn.metrics\n", 1, "imports sklearn"),
        ("def f():\n    import torch\n", 2, "imports torch"),
        ("from torch import nn\n", 1, "imports torch"),
        ("import os, tokenizers\n", 1, "imports tokenizers"),
        ("from transformers import AutoModel\n", 1, "imports transformers"),
        ("import importlib\nimportlib.import_module('scipy.linalg')\n", 2, "imports scipy"),
        ("m = __import__('torch')\n", 1, "imports torch"),
    ],
)
def test_scanner_catches_a_forbidden_line(source, line, reason):
    assert find_violations(source) == [(line, reason)]


@pytest.mark.parametrize(
    "source",
    [
        "import numpy as np\ny = np.einsum('ij,j->i', a, x) @ np.tensordot(a, b, 1)\n",
        "from nashai.math import linalg\nlinalg.solve(a, b)\n",
        "from nashai.math.linalg import solve\n",
        "import nashai.math.linalg as linalg\n",
        "from . import linalg\nfrom .linalg import qr\n",
        '"""Unlike np.linalg.solve, this is written from scratch."""\n',
        "# no np.linalg here, and no `import scipy`\nx = 1\n",
        "message = 'compare with numpy.linalg.eigh in the tests'\n",
        "import cupy as cp\ncp.linalg.solve(a, b)\n",  # the CUDA backend's own namespace
        "import numpy as np\nself.linalg = None\nbackend.linalg.solve(a, b)\n",
        "import scipy_like_name\nimport torchvision_free\n",
    ],
)
def test_scanner_allows_clean_code(source):
    assert find_violations(source) == []


def test_scanner_names_every_line_of_a_file():
    source = "import numpy as np\nimport torch\n\nA = np.linalg.inv(B)\nfrom scipy import stats\n"
    assert find_violations(source) == [
        (2, "imports torch"),
        (4, "uses np.linalg"),
        (5, "imports scipy"),
    ]
