"""The bias–variance trade-off: a more flexible model has less bias but more variance.

The data come from a known curve plus noise, y = f(x) + ε with f(x) = sin(πx), ε ~ N(0, σ²) and
x uniform on [−1, 1]. The expected error of a fitted model f̂ on a new point splits into three
parts, the expectation being over the training sets the model could have been fitted on:

    E[(y − f̂(x))²] = (E f̂(x) − f(x))²  +  Var f̂(x)  +  σ²
                      bias²                variance      noise

Because we know how the data are made, we can estimate both terms directly: fit the model on R
fresh training sets, predict the same test points with each, and take the mean and the variance
of the R predictions at every test point. With real data there is only one training set, so the
usual estimate is the bootstrap: refit on B resamples (with replacement) of that set instead.
The table prints both. The bootstrap columns follow the same trend but are only estimates from
one training set: their bias² also absorbs the luck of that set, and their variance is the
spread between resamples of it, not between independent sets (Hastie, Tibshirani & Friedman, The
Elements of Statistical Learning, 2nd ed., §7.3 and §8.2).

For each complexity (polynomial degree, or tree depth with --model tree) the table also prints
the train and test error of the model fitted on one training set. Low complexity underfits
(high bias), high complexity overfits (high variance, the train error keeps falling while the
test error rises); the test error is lowest in between.

    uv run python examples/ml_bias_variance.py
    uv run python examples/ml_bias_variance.py --model tree
    uv run python examples/ml_bias_variance.py --quick      # fewer resamples and complexities
"""

from __future__ import annotations

import argparse

import numpy as np

from nashai.ml import DecisionTreeRegressor, LinearRegression, PolynomialFeatures, make_pipeline
from nashai.ml.metrics import mean_squared_error

NOISE = 0.3  # σ, the standard deviation of ε


def true_function(x: np.ndarray) -> np.ndarray:
    return np.sin(np.pi * x)


def draw(n_samples: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n_samples points (x, f(x) + ε): X of shape (n_samples, 1), y of shape (n_samples,)."""
    x = rng.uniform(-1.0, 1.0, n_samples)
    return x[:, None], true_function(x) + NOISE * rng.standard_normal(n_samples)


def make_model(family: str, complexity: int):
    if family == "poly":  # least squares on x, x², ..., x^degree (and an intercept)
        return make_pipeline(PolynomialFeatures(complexity, include_bias=False), LinearRegression())
    return DecisionTreeRegressor(max_depth=complexity, random_state=0)


def bias_variance(
    family: str, complexity: int, training_sets: list, X_test: np.ndarray
) -> tuple[float, float]:
    """Bias² and variance of the model over the given training sets, averaged over X_test.

    The predictions form a (n_sets, n_test) matrix P; bias² = mean_x (mean_sets P − f(x))² and
    variance = mean_x var_sets P.
    """
    predictions = np.stack(
        [make_model(family, complexity).fit(X, y).predict(X_test) for X, y in training_sets]
    )
    f_test = true_function(X_test[:, 0])
    bias2 = float(np.mean((predictions.mean(axis=0) - f_test) ** 2))
    variance = float(np.mean(predictions.var(axis=0)))
    return bias2, variance


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model",
        choices=["poly", "tree"],
        default="poly",
        help="polynomial least squares (complexity = degree) or a regression tree (= max_depth)",
    )
    parser.add_argument("--n-train", type=int, default=50, help="training set size")
    parser.add_argument(
        "--n-sets", type=int, default=50, help="fresh training sets R and bootstrap resamples B"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="fewer resamples and complexities")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    X_train, y_train = draw(args.n_train, rng)
    X_test, y_test = draw(1000, rng)
    n_sets = 15 if args.quick else args.n_sets
    fresh_sets = [draw(args.n_train, rng) for _ in range(n_sets)]
    resamples = [rng.integers(0, args.n_train, args.n_train) for _ in range(n_sets)]
    bootstrap_sets = [(X_train[rows], y_train[rows]) for rows in resamples]
    if args.model == "poly":
        complexities = [1, 3, 5, 8, 10] if args.quick else list(range(1, 11))
    else:
        complexities = [1, 2, 4, 8] if args.quick else list(range(1, 11))
    name = "degree" if args.model == "poly" else "depth"

    print(
        f"y = sin(πx) + N(0, {NOISE}²), {args.n_train} training points; noise σ² = {NOISE**2:.3f}"
    )
    print(
        f"bias² and variance over {n_sets} fresh training sets and {n_sets} bootstrap resamples\n"
    )
    print(
        f"{name:>6} | train MSE | test MSE |  bias²  | variance | bias²+var+σ² "
        "| boot bias² | boot var"
    )
    print("-" * 89)
    rows = []
    for complexity in complexities:
        model = make_model(args.model, complexity).fit(X_train, y_train)
        row = {
            "complexity": complexity,
            "train_mse": mean_squared_error(y_train, model.predict(X_train)),
            "test_mse": mean_squared_error(y_test, model.predict(X_test)),
        }
        row["bias2"], row["variance"] = bias_variance(args.model, complexity, fresh_sets, X_test)
        row["boot_bias2"], row["boot_variance"] = bias_variance(
            args.model, complexity, bootstrap_sets, X_test
        )
        rows.append(row)
        print(
            f"{complexity:>6} | {row['train_mse']:9.4f} | {row['test_mse']:8.4f} | "
            f"{row['bias2']:7.4f} | {row['variance']:8.4f} | "
            f"{row['bias2'] + row['variance'] + NOISE**2:12.4f} | "
            f"{row['boot_bias2']:10.4f} | {row['boot_variance']:8.4f}"
        )
    best = min(rows, key=lambda row: row["bias2"] + row["variance"])
    print(
        f"\nLowest expected test error (bias² + variance + σ²) at {name} {best['complexity']}: "
        f"{best['bias2'] + best['variance'] + NOISE**2:.4f}"
    )
    return rows


if __name__ == "__main__":
    main()
