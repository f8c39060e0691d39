"""Regularisation paths: how Ridge and Lasso coefficients shrink as the penalty α grows.

The data are a linear model with 8 features of which only 3 matter (make_regression with
n_informative=3, plus noise), standardised so that one α means the same for every feature.
The two models minimise

    Ridge   ½‖y − Xw − b‖² + ½α‖w‖²         every coefficient shrinks smoothly towards 0,
                                            none reaches it;
    Lasso   1/(2n)‖y − Xw − b‖² + α‖w‖₁     coefficients hit exactly 0 one after another,
                                            so the lasso selects features.

Above α_max = max_j |x_jᵀ(y − ȳ)| / n every lasso coefficient is 0; the lasso path runs from
there down to α_max/1000. As α falls, the informative features enter first (Hastie, Tibshirani
& Friedman, The Elements of Statistical Learning, 2nd ed., §3.4, figures 3.8 and 3.10).

    uv run python examples/ml_regularisation_paths.py
    uv run python examples/ml_regularisation_paths.py --plot --out paths.png   # needs matplotlib
    uv run python examples/ml_regularisation_paths.py --quick                  # fewer α values
"""

from __future__ import annotations

import argparse

import numpy as np

from nashai.ml import Lasso, Ridge, StandardScaler
from nashai.ml.datasets import make_regression


def coefficient_path(model_class, alphas: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The fitted coef_ for each α: shape (n_alphas, n_features)."""
    return np.stack([model_class(alpha=alpha).fit(X, y).coef_ for alpha in alphas])


def print_path(title: str, alphas: np.ndarray, path: np.ndarray, truth: np.ndarray) -> None:
    n_features = path.shape[1]
    header = "".join(f"{f'w{j}':>8}" for j in range(n_features))
    print(f"{title}\n{'alpha':>10} |{header} | non-zero")
    print(f"{'truth':>10} |" + "".join(f"{w:8.2f}" for w in truth) + f" | {np.sum(truth != 0)}")
    for alpha, coef in zip(alphas, path, strict=True):
        values = "".join(f"{w + 0.0:8.2f}" for w in coef)  # + 0.0 turns −0.0 into 0.0
        print(f"{alpha:10.3g} |{values} | {np.sum(coef != 0)}")
    print()


def plot_paths(paths: dict, out: str) -> None:
    """Draw each model's coefficients against α (log scale) side by side into the file `out`."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise SystemExit(
            'The --plot option needs matplotlib, an optional extra: pip install "nashai-ml[plot]"'
        ) from None
    fig = Figure(figsize=(11, 4.5), layout="constrained")
    axes = fig.subplots(1, len(paths))
    for ax, (title, (alphas, path)) in zip(axes, paths.items(), strict=True):
        for j in range(path.shape[1]):
            ax.plot(alphas, path[:, j], marker=".", label=f"w{j}")
        ax.set_xscale("log")
        ax.axhline(0.0, color="black", linewidth=0.8)
        ax.set(title=title, xlabel="alpha (log scale)", ylabel="coefficient")
    axes[-1].legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.savefig(out, dpi=100)
    print(f"wrote {out}")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot", action="store_true", help="also draw the paths (matplotlib)")
    parser.add_argument("--out", default="regularisation_paths.png", help="where --plot draws")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="fewer values of alpha")
    args = parser.parse_args(argv)

    X, y, coef = make_regression(
        n_samples=100, n_features=8, n_informative=3, noise=10.0, coef=True, random_state=args.seed
    )
    scaler = StandardScaler().fit(X)
    X = scaler.transform(X)
    truth = coef * scaler.scale_  # the true coefficients of the standardised features

    n_alphas = 7 if args.quick else 13
    ridge_alphas = np.logspace(-1, 4, n_alphas)
    alpha_max = np.max(np.abs(X.T @ (y - y.mean()))) / len(y)
    lasso_alphas = alpha_max * np.logspace(0, -3, n_alphas)
    ridge_path = coefficient_path(Ridge, ridge_alphas, X, y)
    lasso_path = coefficient_path(Lasso, lasso_alphas, X, y)

    print("make_regression: 100 samples, 8 standardised features, 3 informative, noise 10\n")
    print_path("Ridge: ½‖y − Xw − b‖² + ½α‖w‖²", ridge_alphas, ridge_path, truth)
    print_path("Lasso: 1/(2n)‖y − Xw − b‖² + α‖w‖₁", lasso_alphas, lasso_path, truth)
    paths = {"Ridge": (ridge_alphas, ridge_path), "Lasso": (lasso_alphas, lasso_path)}
    if args.plot:
        plot_paths(paths, args.out)
    return {"truth": truth, **paths}


if __name__ == "__main__":
    main()
