"""Cross-validation and a grid search over a pipeline, to pick a model and its hyper-parameters.

k-fold cross-validation splits the training data into k folds, fits on k − 1 of them and scores
on the one left out, k times; the mean of the k scores estimates how well the model does on data
it has not seen (Hastie, Tibshirani & Friedman, The Elements of Statistical Learning, 2nd ed.,
§7.10). The script shows, on the breast cancer data (or the digits, with --dataset digits):

1. KFold against StratifiedKFold: stratified folds keep every class's share of the samples
   in each fold, plain folds only roughly;
2. cross_val_score of a Pipeline (StandardScaler, then LogisticRegression): the scaler sits
   inside the pipeline, so each fold is scaled with statistics of its own training part and
   nothing leaks from the held-out fold;
3. GridSearchCV over the same pipeline, trying an SVC (rbf kernel, grid over C and gamma) and a
   LogisticRegression (grid over C) as the final step; the best candidate is refitted on the
   whole training set and scored once on a test set held out from the start.

    uv run python examples/ml_cross_validation.py
    uv run python examples/ml_cross_validation.py --dataset digits    # slower: 10 classes
    uv run python examples/ml_cross_validation.py --quick             # 3 folds, a smaller grid
"""

from __future__ import annotations

import argparse

import numpy as np

from nashai.ml import (
    SVC,
    GridSearchCV,
    KFold,
    LogisticRegression,
    Pipeline,
    StandardScaler,
    StratifiedKFold,
    cross_val_score,
    train_test_split,
)
from nashai.ml.datasets import load_breast_cancer, load_digits

LOADERS = {"breast_cancer": load_breast_cancer, "digits": load_digits}


def largest_share_gap(splitter, X: np.ndarray, y: np.ndarray) -> float:
    """The largest gap, over folds and classes, between a class's share of a test fold and its
    share of all of y."""
    classes = np.unique(y)
    overall = np.mean(y[:, None] == classes, axis=0)
    gaps = [
        np.max(np.abs(np.mean(y[test, None] == classes, axis=0) - overall))
        for _, test in splitter.split(X, y)
    ]
    return float(max(gaps))


def make_model() -> Pipeline:
    return Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=1000))])


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=sorted(LOADERS), default="breast_cancer")
    parser.add_argument("--folds", type=int, default=5, help="k, the number of folds")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="3 folds and a smaller grid")
    args = parser.parse_args(argv)
    k = 3 if args.quick else args.folds

    X, y = LOADERS[args.dataset](return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=args.seed
    )
    print(
        f"{args.dataset}: {X.shape[0]} samples, {X.shape[1]} features, {len(np.unique(y))} "
        f"classes; {len(y_train)} for cross-validation, {len(y_test)} held out for the end\n"
    )

    # 1. How the folds are made.
    splitters = {
        "KFold": KFold(k, shuffle=True, random_state=args.seed),
        "StratifiedKFold": StratifiedKFold(k, shuffle=True, random_state=args.seed),
    }
    print(f"1. Largest gap between a class's share in a test fold and overall ({k} folds):")
    share_gaps = {}
    for name, splitter in splitters.items():
        share_gaps[name] = largest_share_gap(splitter, X_train, y_train)
        print(f"   {name:<16} {100 * share_gaps[name]:5.2f} percentage points")

    # 2. Cross-validated accuracy of one pipeline.
    print(f"\n2. cross_val_score of {make_model()!r}")
    cv_scores = {}
    for name, splitter in splitters.items():
        scores = cross_val_score(make_model(), X_train, y_train, cv=splitter)
        cv_scores[name] = scores
        folds = " ".join(f"{s:.3f}" for s in scores)
        print(f"   {name:<16} {folds}   mean {scores.mean():.3f} ± {scores.std():.3f}")

    # 3. Grid search: which final step, with which hyper-parameters?
    if args.quick:
        grid = [
            {"clf": [SVC()], "clf__C": [1.0, 10.0], "clf__gamma": ["scale"]},
            {"clf": [LogisticRegression(max_iter=1000)], "clf__C": [0.1, 1.0]},
        ]
    else:
        grid = [
            {"clf": [SVC()], "clf__C": [0.1, 1.0, 10.0], "clf__gamma": ["scale", 0.01, 0.001]},
            {"clf": [LogisticRegression(max_iter=1000)], "clf__C": [0.01, 0.1, 1.0, 10.0]},
        ]
    pipeline = Pipeline([("scale", StandardScaler()), ("clf", SVC())])
    search = GridSearchCV(pipeline, grid, cv=splitters["StratifiedKFold"])
    search.fit(X_train, y_train)
    results = search.cv_results_
    n_candidates = len(results["params"])
    n_shown = min(5, n_candidates)
    print(f"\n3. GridSearchCV: {n_candidates} candidates x {k} folds; the {n_shown} best:")
    print("   rank  mean acc   std    parameters")
    for i in np.argsort(results["rank_test_score"], kind="stable")[:n_shown]:
        params = ", ".join(f"{key}={value!r}" for key, value in results["params"][i].items())
        print(
            f"   {results['rank_test_score'][i]:>4}  {results['mean_test_score'][i]:.4f}  "
            f"{results['std_test_score'][i]:.4f}  {params}"
        )
    test_accuracy = search.score(X_test, y_test)
    print(f"\nBest parameters: {search.best_params_}")
    print(f"Best cross-validated accuracy: {search.best_score_:.4f}")
    print(f"Accuracy of the refitted best pipeline on the held-out test set: {test_accuracy:.4f}")
    return {
        "share_gaps": share_gaps,
        "cv_scores": cv_scores,
        "best_params": search.best_params_,
        "best_score": search.best_score_,
        "test_accuracy": test_accuracy,
    }


if __name__ == "__main__":
    main()
