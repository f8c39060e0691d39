"""Every examples/ml_*.py script runs with --quick and shows what its docstring says it shows."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def load(name: str):
    """Import examples/<name>.py by path (the examples folder is not a package)."""
    spec = importlib.util.spec_from_file_location(f"examples_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def has_matplotlib() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


needs_matplotlib = pytest.mark.skipif(not has_matplotlib(), reason="matplotlib not installed")


def test_every_ml_example_is_covered_here():
    tested = {"ml_bias_variance", "ml_regularisation_paths", "ml_cross_validation"}
    tested |= {"ml_decision_boundaries"}
    assert {path.stem for path in EXAMPLES.glob("ml_*.py")} == tested


def test_bias_variance_polynomials(capsys):
    rows = load("ml_bias_variance").main(["--quick"])
    assert "bias²" in capsys.readouterr().out
    train = np.array([row["train_mse"] for row in rows])
    bias2 = np.array([row["bias2"] for row in rows])
    variance = np.array([row["variance"] for row in rows])
    # Nested least-squares models: the training error can only fall as the degree grows.
    assert np.all(np.diff(train) <= 1e-12)
    # A line cannot follow sin(πx): large bias; degree 5 can: bias² near 0.
    assert bias2[0] > 0.15 and bias2[2] < 0.01
    # Variance grows with the degree.
    assert variance[-1] > 3 * variance[0]
    # Around the best degree, bias² + variance + σ² is close to the test error of one fit.
    best = rows[2]
    assert best["bias2"] + best["variance"] + 0.09 == pytest.approx(best["test_mse"], abs=0.03)


def test_bias_variance_trees():
    rows = load("ml_bias_variance").main(["--quick", "--model", "tree"])
    train = [row["train_mse"] for row in rows]
    assert train == sorted(train, reverse=True)  # deeper trees fit the training set better
    assert rows[0]["bias2"] > rows[-1]["bias2"]
    assert rows[-1]["variance"] > rows[0]["variance"]


def ridge_closed_form(X: np.ndarray, y: np.ndarray, alpha: float) -> np.ndarray:
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    return np.linalg.solve(Xc.T @ Xc + alpha * np.eye(X.shape[1]), Xc.T @ yc)


def test_regularisation_paths(capsys):
    module = load("ml_regularisation_paths")
    result = module.main(["--quick"])
    assert "Lasso" in capsys.readouterr().out
    ridge_alphas, ridge_path = result["Ridge"]
    _, lasso_path = result["Lasso"]
    truth = result["truth"]

    # The ridge path is the closed form (XcᵀXc + αI)⁻¹Xcᵀyc on the script's standardised data.
    X, y = module.make_regression(
        n_samples=100, n_features=8, n_informative=3, noise=10.0, random_state=0
    )
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    for alpha, coef in zip(ridge_alphas, ridge_path, strict=True):
        np.testing.assert_allclose(coef, ridge_closed_form(X, y, alpha), rtol=1e-8, atol=1e-8)
    norms = np.linalg.norm(ridge_path, axis=1)
    assert np.all(np.diff(norms) < 0)  # ridge shrinks as α grows
    assert np.all(ridge_path != 0)  # ... but never to exactly zero

    # Lasso: α_max zeroes every coefficient; the three informative features enter first.
    assert np.all(lasso_path[0] == 0)
    informative = truth != 0
    assert np.sum(informative) == 3
    first_with_three = next(coef for coef in lasso_path if np.sum(coef != 0) >= 3)
    np.testing.assert_array_equal(first_with_three != 0, informative)
    np.testing.assert_allclose(lasso_path[-1][informative], truth[informative], rtol=0.1)


@needs_matplotlib
def test_regularisation_paths_plot(tmp_path):
    out = tmp_path / "paths.png"
    load("ml_regularisation_paths").main(["--quick", "--plot", "--out", str(out)])
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cross_validation(capsys):
    result = load("ml_cross_validation").main(["--quick"])
    out = capsys.readouterr().out
    assert "Best parameters" in out
    # Stratified folds keep the class shares; shuffled plain folds only roughly.
    assert result["share_gaps"]["StratifiedKFold"] < 0.01
    assert result["share_gaps"]["StratifiedKFold"] < result["share_gaps"]["KFold"]
    for scores in result["cv_scores"].values():
        assert scores.shape == (3,) and scores.mean() > 0.93
    assert set(result["best_params"]) >= {"clf", "clf__C"}
    assert result["best_score"] > 0.95 and result["test_accuracy"] > 0.95


@needs_matplotlib
def test_decision_boundaries(tmp_path):
    out = tmp_path / "boundaries.png"
    result = load("ml_decision_boundaries").main(["--quick", "--out", str(out)])
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    accuracy = result["accuracies"]
    assert len(accuracy) == 12  # 2 data sets x 6 classifiers
    # A straight line cannot separate concentric circles; an rbf kernel can.
    assert accuracy[("circles", "Logistic regression")] < 0.7
    assert accuracy[("circles", "SVC (rbf)")] > 0.75
    assert all(accuracy[("moons", name)] > 0.75 for _, name in accuracy)


@pytest.mark.parametrize(
    "name, argv",
    [
        ("ml_decision_boundaries", ["--quick"]),
        ("ml_regularisation_paths", ["--quick", "--plot"]),
    ],
)
def test_plotting_without_matplotlib_names_the_extra(name, argv, monkeypatch, tmp_path):
    for module in ("matplotlib", "matplotlib.figure", "matplotlib.colors"):
        monkeypatch.setitem(sys.modules, module, None)  # import now raises ImportError
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit, match=r'pip install "nashai-ml\[plot\]"'):
        load(name).main(argv)
    assert not list(tmp_path.iterdir())  # nothing half-written
