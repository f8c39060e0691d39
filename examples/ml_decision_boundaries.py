"""Decision boundaries: how six classifiers split the plane on two non-linear toy problems.

Each row is a data set (make_moons: two interleaved half circles; make_circles: a small circle
inside a large one), each column a classifier, all fitted on 60% of the points after a
StandardScaler. The background is the classifier's confidence over a grid of the plane: the
probability of class 1 from predict_proba, or, for the SVC (which has only a decision function
f(x)), the logistic squashing 1 / (1 + e^(−f(x))). The black line is the decision boundary;
training points are drawn solid, test points faded, and the test accuracy sits in the corner.

- LogisticRegression draws a straight line, so it cannot separate either set;
- k-nearest neighbours (k = 15) follows the data, with a ragged boundary;
- SVC with an rbf kernel draws a smooth curve;
- a decision tree (depth 5) cuts the plane into axis-aligned boxes;
- a random forest averages many such trees into softer, still boxy regions;
- gradient boosting adds shallow trees one after another, each fixing the last ones' errors.

    uv run python examples/ml_decision_boundaries.py                  # decision_boundaries.png
    uv run python examples/ml_decision_boundaries.py --out boundaries.png
    uv run python examples/ml_decision_boundaries.py --quick          # fewer points, coarser grid

Needs matplotlib: pip install "nashai-ml[plot]".
"""

from __future__ import annotations

import argparse

import numpy as np

from nashai.ml import (
    SVC,
    DecisionTreeClassifier,
    GradientBoostingClassifier,
    KNeighborsClassifier,
    LogisticRegression,
    RandomForestClassifier,
    StandardScaler,
    make_pipeline,
    train_test_split,
)
from nashai.ml.datasets import make_circles, make_moons


def classifiers(quick: bool) -> dict:
    n_trees = 20 if quick else 100
    return {
        "Logistic regression": LogisticRegression(),
        "k-NN (k = 15)": KNeighborsClassifier(n_neighbors=15),
        "SVC (rbf)": SVC(kernel="rbf", gamma=2.0, C=1.0),
        "Decision tree": DecisionTreeClassifier(max_depth=5, random_state=0),
        "Random forest": RandomForestClassifier(n_estimators=n_trees, max_depth=5, random_state=0),
        "Gradient boosting": GradientBoostingClassifier(
            n_estimators=n_trees, max_depth=2, random_state=0
        ),
    }


def data_sets(n_samples: int, seed: int) -> dict:
    return {
        "moons": make_moons(n_samples, noise=0.3, random_state=seed),
        "circles": make_circles(n_samples, noise=0.2, factor=0.5, random_state=seed),
    }


def confidence(model, points: np.ndarray) -> np.ndarray:
    """P(class 1 | x) for each row of points, shape (n_points,); for a model without
    predict_proba, the logistic function of its decision function."""
    if hasattr(model, "predict_proba"):
        return model.predict_proba(points)[:, 1]
    return 1.0 / (1.0 + np.exp(-model.decision_function(points)))


def draw_points(ax, split: tuple, low: np.ndarray, high: np.ndarray, colours) -> None:
    """Scatter the training points solid and the test points faded, within [low, high]."""
    X_train, X_test, y_train, y_test = split
    ax.scatter(*X_train.T, c=y_train, cmap=colours, edgecolors="k", s=14)
    ax.scatter(*X_test.T, c=y_test, cmap=colours, edgecolors="k", s=14, alpha=0.5)
    ax.set(xlim=(low[0], high[0]), ylim=(low[1], high[1]), xticks=[], yticks=[])


def import_figure():
    try:
        from matplotlib.colors import ListedColormap
        from matplotlib.figure import Figure
    except ImportError:
        raise SystemExit(
            'This example draws with matplotlib, an optional extra: pip install "nashai-ml[plot]"'
        ) from None
    return Figure, ListedColormap


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="decision_boundaries.png", help="the PNG to write")
    parser.add_argument("--n-samples", type=int, default=200, help="points per data set")
    parser.add_argument("--resolution", type=int, default=150, help="grid points per axis")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="fewer points, a coarser grid")
    args = parser.parse_args(argv)
    Figure, ListedColormap = import_figure()  # fail early, before any fitting
    n_samples = 100 if args.quick else args.n_samples
    resolution = 40 if args.quick else args.resolution

    sets = data_sets(n_samples, args.seed)
    models = classifiers(args.quick)
    fig = Figure(figsize=(2.6 * (len(models) + 1), 2.6 * len(sets)), layout="constrained")
    axes = fig.subplots(len(sets), len(models) + 1, squeeze=False)
    point_colours = ListedColormap(["#d7301f", "#0570b0"])  # class 0 red, class 1 blue
    accuracies: dict[tuple[str, str], float] = {}

    for row, (set_name, (X, y)) in enumerate(sets.items()):
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.4, stratify=y, random_state=args.seed
        )
        low, high = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
        xx, yy = np.meshgrid(
            np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution)
        )
        grid = np.column_stack([xx.ravel(), yy.ravel()])  # (resolution², 2)

        split = (X_train, X_test, y_train, y_test)
        draw_points(axes[row, 0], split, low, high, point_colours)
        axes[row, 0].set_ylabel(set_name)
        if row == 0:
            axes[row, 0].set_title("Input data")
        for col, (model_name, classifier) in enumerate(models.items(), start=1):
            model = make_pipeline(StandardScaler(), classifier).fit(X_train, y_train)
            accuracy = model.score(X_test, y_test)
            accuracies[(set_name, model_name)] = accuracy
            ax = axes[row, col]
            surface = confidence(model, grid).reshape(xx.shape)
            ax.contourf(xx, yy, surface, levels=np.linspace(0, 1, 11), cmap="RdBu", alpha=0.8)
            ax.contour(xx, yy, surface, levels=[0.5], colors="k", linewidths=1)
            draw_points(ax, split, low, high, point_colours)
            ax.text(high[0] - 0.2, low[1] + 0.2, f"{accuracy:.2f}", ha="right", size=12)
            if row == 0:
                ax.set_title(model_name)
            print(f"{set_name:<8} {model_name:<20} test accuracy {accuracy:.3f}")

    fig.savefig(args.out, dpi=80 if args.quick else 100)
    print(f"wrote {args.out}")
    return {"accuracies": accuracies, "out": args.out}


if __name__ == "__main__":
    main()
