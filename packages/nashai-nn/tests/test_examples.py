"""Every examples/nn_*.py script runs with --quick and shows what its docstring says it shows."""

import importlib.util
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"

pytest.importorskip("nashai.ml", reason="the digits examples load their data with nashai-ml")


def load(name: str):
    """Import examples/<name>.py by path (the examples folder is not a package)."""
    spec = importlib.util.spec_from_file_location(f"examples_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_nn_example_is_covered_here():
    tested = {"nn_mlp_digits", "nn_cnn_digits", "nn_lstm_sequence"}
    assert {path.stem for path in EXAMPLES.glob("nn_*.py")} == tested


def test_mlp_learns_the_digits(capsys):
    result = load("nn_mlp_digits").main(["--quick"])
    assert "test accuracy" in capsys.readouterr().out
    assert result["epochs"] == 3
    assert result["train_loss"] < 0.6  # from ln 10 ≈ 2.3 at the start
    assert result["test_accuracy"] > 0.85  # chance is 0.1


def test_cnn_learns_the_digits(capsys):
    result = load("nn_cnn_digits").main(["--quick"])
    assert "test accuracy" in capsys.readouterr().out
    assert result["epochs"] == 2
    assert result["train_loss"] < 0.6
    assert result["test_accuracy"] > 0.85


def test_lstm_beats_the_best_constant_on_the_adding_problem(capsys):
    result = load("nn_lstm_sequence").main(["--quick"])
    assert "baseline" in capsys.readouterr().out
    assert result["steps"] == 300
    # Without memory of the two marked values no model beats 1/6; the LSTM must be far below.
    assert result["test_mse"] < 0.25 * result["baseline_mse"]
