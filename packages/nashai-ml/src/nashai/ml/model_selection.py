"""Model selection: split the data, cross-validate, search hyper-parameters, learning curves.

    train_test_split     one random (optionally stratified) train/test partition
    KFold                k consecutive folds (optionally shuffled); each is the test set once
    StratifiedKFold      k folds that keep each class's proportion in every fold
    cross_validate       fit on k − 1 folds, score on the held-out fold, k times
    cross_val_score      the test scores of cross_validate
    GridSearchCV         cross-validate every combination of a parameter grid, refit the best
    learning_curve       cross-validated scores as the training set grows

Estimators are copied with nashai.ml.base.clone before each fit, so the one passed in is never
changed. Reference: Hastie, Tibshirani & Friedman, The Elements of Statistical Learning
(2nd ed.), §7.10; Kohavi (1995), "A study of cross-validation and bootstrap for accuracy
estimation and model selection".
"""

from __future__ import annotations

import itertools
import math
import numbers
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from nashai.ml import metrics
from nashai.ml.base import BaseEstimator, NotFittedError, check_random_state, clone


class FitFailedWarning(RuntimeWarning):
    """An estimator failed to fit on some split; its score was replaced by error_score."""


def _num_samples(a, name: str) -> int:
    if hasattr(a, "shape") and len(a.shape) > 0:
        return int(a.shape[0])
    if hasattr(a, "__len__"):
        return len(a)
    raise TypeError(f"{name} must be an array or a list, got {type(a).__name__}")


def _take(a, indices: np.ndarray):
    """Rows `indices` of an array (or items of a list, returned as a list)."""
    if hasattr(a, "shape"):
        return a[indices]
    return [a[i] for i in indices]


def _as_indexable(a):
    """Arrays stay as they are; lists and other sequences become arrays for fancy indexing."""
    return a if a is None or hasattr(a, "shape") else np.asarray(a)


def is_classifier(estimator) -> bool:
    """True if the estimator declares itself a classifier (ClassifierMixin, or a Pipeline or
    search ending in one)."""
    return getattr(estimator, "_estimator_type", None) == "classifier"


# ---------------------------------------------------------------------------------------------
# Train/test split
# ---------------------------------------------------------------------------------------------


def _as_count(size, n_samples: int, rounding) -> int | None:
    """An int size is a count; a float size a fraction of n_samples, rounded by `rounding`."""
    if size is None or isinstance(size, numbers.Integral):
        return size if size is None else int(size)
    return int(rounding(size * n_samples))


def _split_sizes(n_samples: int, test_size, train_size, default_test_size: float = 0.25):
    """(n_train, n_test) from int (a count) or float (a fraction) sizes, as scikit-learn does:
    a fraction of the test set is rounded up, a fraction of the training set down."""
    if test_size is None and train_size is None:
        test_size = default_test_size
    for name, size in (("test_size", test_size), ("train_size", train_size)):
        if size is None:
            continue
        if isinstance(size, (bool, np.bool_)) or not isinstance(size, numbers.Real):
            raise ValueError(f"{name} must be an int, a float or None, got {size!r}")
        upper = n_samples if isinstance(size, numbers.Integral) else 1
        if not 0 < size < upper:
            raise ValueError(
                f"{name}={size} should be either positive and smaller than the number of "
                f"samples {n_samples} or a float in the (0, 1) range"
            )
    fractions = [
        s is not None and not isinstance(s, numbers.Integral) for s in (test_size, train_size)
    ]
    if all(fractions) and test_size + train_size > 1:
        raise ValueError(
            f"The sum of test_size and train_size = {test_size + train_size}, should be in the "
            "(0, 1) range. Reduce test_size and/or train_size."
        )
    n_test = _as_count(test_size, n_samples, math.ceil)
    n_train = _as_count(train_size, n_samples, math.floor)
    if n_train is None:
        n_train = n_samples - n_test
    elif n_test is None:
        n_test = n_samples - n_train
    if n_train + n_test > n_samples:
        raise ValueError(
            f"The sum of train_size and test_size = {n_train + n_test}, should be smaller than "
            f"the number of samples {n_samples}. Reduce test_size and/or train_size."
        )
    if n_train == 0:
        raise ValueError(
            f"With n_samples={n_samples}, test_size={test_size} and train_size={train_size}, "
            "the resulting train set will be empty. Adjust any of the aforementioned parameters."
        )
    return n_train, n_test


def _apportion(counts: np.ndarray, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """Split n_draws among the classes in proportion to counts, in whole numbers.

    Each class gets ⌊n_draws · counts / Σcounts⌋, and the draws left over go one each to the
    classes with the largest fractional remainders (ties broken at random).
    """
    exact = counts / counts.sum() * n_draws
    share = np.floor(exact).astype(np.int64)
    left_over = n_draws - int(share.sum())
    if left_over > 0:
        order = np.lexsort((rng.random(counts.shape[0]), -(exact - share)))
        share[order[:left_over]] += 1
    return share


def _stratified_split(y, n_train: int, n_test: int, rng: np.random.Generator):
    classes, y_codes = np.unique(y, return_inverse=True)
    y_codes = y_codes.ravel()
    counts = np.bincount(y_codes)
    if counts.min() < 2:
        raise ValueError(
            "The least populated class in y has only 1 member, which is too few. The minimum "
            "number of groups for any class cannot be less than 2."
        )
    for name, size in (("train_size", n_train), ("test_size", n_test)):
        if size < classes.shape[0]:
            raise ValueError(
                f"The {name} = {size} should be greater or equal to the number of classes = "
                f"{classes.shape[0]}"
            )
    train_share = _apportion(counts, n_train, rng)
    test_share = _apportion(counts - train_share, n_test, rng)
    members = np.split(np.argsort(y_codes, kind="stable"), np.cumsum(counts)[:-1])
    train, test = [], []
    for index, n_tr, n_te in zip(members, train_share, test_share, strict=True):
        index = rng.permutation(index)
        train.append(index[:n_tr])
        test.append(index[n_tr : n_tr + n_te])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def train_test_split(
    *arrays,
    test_size: float | int | None = None,
    train_size: float | int | None = None,
    random_state=None,
    shuffle: bool = True,
    stratify: npt.ArrayLike | None = None,
) -> list:
    """Split arrays (with the same number of rows) into random train and test subsets.

    Sizes: an int is a count, a float a fraction (test rounded up, train down); with neither
    given the test set is 25%. stratify: labels whose class proportions both subsets keep (up
    to rounding). shuffle=False takes the first n_train rows for training and the next n_test
    for testing. Returns [a_train, a_test, b_train, b_test, ...]; lists stay lists.
    The sizes are those scikit-learn gives; the rows drawn are not the same.
    """
    if not arrays:
        raise ValueError("train_test_split needs at least one array")
    lengths = [_num_samples(a, f"array {i}") for i, a in enumerate(arrays)]
    if len(set(lengths)) != 1:
        raise ValueError(f"Found input variables with inconsistent numbers of samples: {lengths}")
    n_samples = lengths[0]
    n_train, n_test = _split_sizes(n_samples, test_size, train_size)
    if not shuffle:
        if stratify is not None:
            raise ValueError("Stratified train/test split is not implemented for shuffle=False")
        train, test = np.arange(n_train), np.arange(n_train, n_train + n_test)
    else:
        rng = check_random_state(random_state)
        if stratify is not None:
            stratify = np.asarray(stratify)
            if stratify.shape[0] != n_samples:
                raise ValueError(
                    f"stratify has {stratify.shape[0]} labels but the arrays have {n_samples} "
                    "samples"
                )
            train, test = _stratified_split(stratify, n_train, n_test, rng)
        else:
            permutation = rng.permutation(n_samples)
            train, test = permutation[n_test : n_test + n_train], permutation[:n_test]
    return [part for a in arrays for part in (_take(a, train), _take(a, test))]


# ---------------------------------------------------------------------------------------------
# Cross-validation splitters
# ---------------------------------------------------------------------------------------------


class _KFoldBase:
    """Shared validation, repr and split for the k-fold splitters."""

    def __init__(self, n_splits: int = 5, *, shuffle: bool = False, random_state=None):
        if isinstance(n_splits, bool) or not isinstance(n_splits, numbers.Integral):
            raise ValueError(f"n_splits must be an int, got {n_splits!r}")
        if n_splits < 2:
            raise ValueError(
                "k-fold cross-validation requires at least one train/test split by setting "
                f"n_splits=2 or more, got n_splits={n_splits}."
            )
        if not isinstance(shuffle, (bool, np.bool_)):
            raise TypeError(f"shuffle must be True or False, got {shuffle!r}")
        if not shuffle and random_state is not None:
            raise ValueError(
                "Setting a random_state has no effect since shuffle is False. You should leave "
                "random_state to its default (None), or set shuffle=True."
            )
        self.n_splits = int(n_splits)
        self.shuffle = shuffle
        self.random_state = random_state

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(n_splits={self.n_splits}, random_state="
            f"{self.random_state!r}, shuffle={self.shuffle})"
        )

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        """The number of folds, n_splits."""
        return self.n_splits

    def split(self, X, y=None, groups=None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield (train_indices, test_indices), both sorted, once per fold."""
        n_samples = _num_samples(X, "X")
        if self.n_splits > n_samples:
            raise ValueError(
                f"Cannot have number of splits n_splits={self.n_splits} greater than the number "
                f"of samples: n_samples={n_samples}."
            )
        fold_of = self._test_folds(n_samples, y)
        for k in range(self.n_splits):
            in_test = fold_of == k
            yield np.flatnonzero(~in_test), np.flatnonzero(in_test)


class KFold(_KFoldBase):
    """k folds of consecutive samples (after a shuffle if asked); fold i is the test set of
    split i. The first n_samples % k folds have one sample more than the others."""

    def _test_folds(self, n_samples: int, y) -> np.ndarray:
        sizes = np.full(self.n_splits, n_samples // self.n_splits)
        sizes[: n_samples % self.n_splits] += 1
        fold_of = np.repeat(np.arange(self.n_splits), sizes)
        if self.shuffle:
            fold_of = fold_of[check_random_state(self.random_state).permutation(n_samples)]
        return fold_of


class StratifiedKFold(_KFoldBase):
    """k folds that each hold about 1/k of every class.

    The labels, sorted by class (classes in order of first appearance), are dealt to the folds
    in turn like cards; each fold then takes that many members of each class, in order of
    appearance (or at random with shuffle=True). Unshuffled folds equal scikit-learn's.
    """

    def _test_folds(self, n_samples: int, y) -> np.ndarray:
        if y is None:
            raise ValueError("StratifiedKFold.split needs the class labels y")
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        if y.ndim != 1 or y.shape[0] != n_samples:
            raise ValueError(f"y must have shape ({n_samples},), got {y.shape}")
        if y.dtype.kind == "f" and np.any(y != np.round(y)):
            raise ValueError(
                "StratifiedKFold needs class labels (binary or multiclass); y is continuous"
            )
        _, first_seen, codes = np.unique(y, return_index=True, return_inverse=True)
        codes = np.argsort(np.argsort(first_seen))[codes.ravel()]  # classes by first appearance
        counts = np.bincount(codes)
        n_classes = counts.shape[0]
        if self.n_splits > counts.max():
            raise ValueError(
                f"n_splits={self.n_splits} cannot be greater than the number of members in "
                "each class."
            )
        if self.n_splits > counts.min():
            warnings.warn(
                f"The least populated class in y has only {counts.min()} members, which is "
                f"less than n_splits={self.n_splits}.",
                UserWarning,
                stacklevel=3,
            )
        per_fold = np.zeros((self.n_splits, n_classes), dtype=np.int64)
        np.add.at(per_fold, (np.arange(n_samples) % self.n_splits, np.sort(codes)), 1)
        rng = check_random_state(self.random_state) if self.shuffle else None
        fold_of = np.empty(n_samples, dtype=np.int64)
        for c in range(n_classes):
            folds = np.repeat(np.arange(self.n_splits), per_fold[:, c])
            if rng is not None:
                folds = rng.permutation(folds)
            fold_of[codes == c] = folds
        return fold_of


class _PredefinedSplits:
    """Wrap an iterable of (train, test) index pairs as a splitter."""

    def __init__(self, splits):
        self.splits = [(np.asarray(train), np.asarray(test)) for train, test in splits]

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        return len(self.splits)

    def split(self, X=None, y=None, groups=None):
        yield from self.splits


def check_cv(cv=5, y=None, *, classifier: bool = False):
    """The splitter to use: an int k gives StratifiedKFold(k) for a classifier with class labels
    y and KFold(k) otherwise; a splitter (with split and get_n_splits) is returned as is; an
    iterable of (train, test) index pairs is used as given. None means 5."""
    cv = 5 if cv is None else cv
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        if classifier and y is not None:
            y = np.asarray(y)
            labels = y.ndim == 1 and (y.dtype.kind != "f" or np.all(y == np.round(y)))
            if labels:
                return StratifiedKFold(int(cv))
        return KFold(int(cv))
    if hasattr(cv, "split") and hasattr(cv, "get_n_splits"):
        return cv
    if isinstance(cv, Iterable) and not isinstance(cv, str):
        return _PredefinedSplits(cv)
    raise ValueError(
        "cv must be None, an int, a splitter with split and get_n_splits, or an iterable of "
        f"(train, test) index pairs, got {cv!r}"
    )


# ---------------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------------


class _Scorer:
    """scorer(estimator, X, y) = sign · score_func(y, response(X), **kwargs)."""

    def __init__(self, score_func: Callable, sign: int, response_method: str, kwargs: dict):
        self.score_func = score_func
        self.sign = sign
        self.response_method = response_method
        self.kwargs = kwargs

    def __repr__(self) -> str:
        return f"make_scorer({self.score_func.__name__}, sign={self.sign})"

    def _response(self, estimator, X):
        if self.response_method == "predict":
            return estimator.predict(X)
        if self.response_method == "predict_proba":
            return estimator.predict_proba(X)
        # 'threshold': a score for ranking metrics (decision_function, else probabilities)
        if hasattr(estimator, "decision_function"):
            return estimator.decision_function(X)
        proba = estimator.predict_proba(X)
        return proba[:, 1] if proba.shape[1] == 2 else proba

    def __call__(self, estimator, X, y, sample_weight=None) -> float:
        kwargs = dict(self.kwargs)
        if sample_weight is not None:
            kwargs["sample_weight"] = sample_weight
        return self.sign * self.score_func(y, self._response(estimator, X), **kwargs)


def make_scorer(
    score_func: Callable,
    *,
    response_method: str = "predict",
    greater_is_better: bool = True,
    **kwargs: Any,
) -> _Scorer:
    """A scorer(estimator, X, y) from a metric score_func(y_true, y_response, **kwargs).

    response_method: 'predict', 'predict_proba' or 'threshold' (decision_function, or the
    positive-class probability). A loss (greater_is_better=False) is negated, so that a
    greater score is always better.
    """
    if response_method not in ("predict", "predict_proba", "threshold"):
        raise ValueError(
            "response_method must be 'predict', 'predict_proba' or 'threshold', got "
            f"{response_method!r}"
        )
    return _Scorer(score_func, 1 if greater_is_better else -1, response_method, kwargs)


_SCORERS = {
    "accuracy": make_scorer(metrics.accuracy_score),
    "precision": make_scorer(metrics.precision_score),
    "recall": make_scorer(metrics.recall_score),
    "f1": make_scorer(metrics.f1_score),
    "f1_macro": make_scorer(metrics.f1_score, average="macro"),
    "f1_micro": make_scorer(metrics.f1_score, average="micro"),
    "f1_weighted": make_scorer(metrics.f1_score, average="weighted"),
    "roc_auc": make_scorer(metrics.roc_auc_score, response_method="threshold"),
    "roc_auc_ovr": make_scorer(
        metrics.roc_auc_score, response_method="predict_proba", multi_class="ovr"
    ),
    "neg_log_loss": make_scorer(
        metrics.log_loss, response_method="predict_proba", greater_is_better=False
    ),
    "r2": make_scorer(metrics.r2_score),
    "neg_mean_squared_error": make_scorer(metrics.mean_squared_error, greater_is_better=False),
    "neg_mean_absolute_error": make_scorer(metrics.mean_absolute_error, greater_is_better=False),
    "adjusted_rand_score": make_scorer(metrics.adjusted_rand_score),
}


def _passthrough_score(estimator, X, y, sample_weight=None) -> float:
    """The estimator's own score method (accuracy for classifiers, R² for regressors)."""
    if sample_weight is None:
        return estimator.score(X, y)
    return estimator.score(X, y, sample_weight=sample_weight)


def get_scorer(scoring: str | Callable | None, estimator=None) -> Callable:
    """A scorer(estimator, X, y): None gives the estimator's score method; a name is looked up
    in the table of scorers (sorted(get_scorer_names())); a callable is used as is."""
    if scoring is None:
        if estimator is not None and not hasattr(estimator, "score"):
            raise TypeError(
                f"scoring=None needs an estimator with a score method; {type(estimator).__name__}"
                " has none. Pass scoring='accuracy', 'r2', ... or a callable."
            )
        return _passthrough_score
    if isinstance(scoring, str):
        if scoring not in _SCORERS:
            raise ValueError(
                f"{scoring!r} is not a valid scoring value. Use one of {sorted(_SCORERS)} or a "
                "callable scorer(estimator, X, y)."
            )
        return _SCORERS[scoring]
    if callable(scoring):
        return scoring
    raise ValueError(f"scoring must be None, a string or a callable, got {scoring!r}")


def get_scorer_names() -> list[str]:
    """The names get_scorer accepts."""
    return sorted(_SCORERS)


# ---------------------------------------------------------------------------------------------
# Cross-validation
# ---------------------------------------------------------------------------------------------


def _fit_params_for(params: dict[str, Any], train: np.ndarray, n_samples: int) -> dict:
    """Fit parameters with one entry per sample (sample_weight, ...) restricted to the rows."""
    routed = {}
    for key, value in params.items():
        if hasattr(value, "__len__") and not isinstance(value, str) and len(value) == n_samples:
            value = _take(_as_indexable(value), train)
        routed[key] = value
    return routed


def _check_error_score(error_score) -> None:
    if not (error_score == "raise" or isinstance(error_score, numbers.Real)):
        raise ValueError(f"error_score must be 'raise' or a number, got {error_score!r}")


def _fit_and_score(
    estimator,
    X,
    y,
    train: np.ndarray,
    test: np.ndarray,
    scorer: Callable,
    params: dict,
    return_train_score: bool,
    error_score,
) -> dict:
    """Fit a clone on the train rows and score it on the test (and train) rows."""
    X_train, X_test = _take(X, train), _take(X, test)
    y_train = None if y is None else _take(y, train)
    y_test = None if y is None else _take(y, test)
    result = {"fit_error": None}
    start = time.perf_counter()
    try:
        estimator.fit(X_train, y_train, **_fit_params_for(params, train, _num_samples(X, "X")))
    except Exception as err:
        if error_score == "raise":
            raise
        result.update(
            fit_error=f"{type(err).__name__}: {err}",
            fit_time=time.perf_counter() - start,
            score_time=0.0,
            test_score=float(error_score),
        )
        if return_train_score:
            result["train_score"] = float(error_score)
        return result
    result["fit_time"] = time.perf_counter() - start
    start = time.perf_counter()
    result["test_score"] = float(scorer(estimator, X_test, y_test))
    result["score_time"] = time.perf_counter() - start
    if return_train_score:
        result["train_score"] = float(scorer(estimator, X_train, y_train))
    return result


def _report_failures(results: list[dict], error_score) -> None:
    errors = [r["fit_error"] for r in results if r["fit_error"] is not None]
    if not errors:
        return
    if len(errors) == len(results):
        raise ValueError(f"All the {len(results)} fits failed. The first error was: {errors[0]}")
    warnings.warn(
        f"{len(errors)} fits failed out of a total of {len(results)}; their scores are "
        f"error_score={error_score}. The first error was: {errors[0]}",
        FitFailedWarning,
        stacklevel=3,
    )


def cross_validate(
    estimator,
    X,
    y=None,
    *,
    groups=None,
    scoring: str | Callable | None = None,
    cv=None,
    params: dict[str, Any] | None = None,
    return_train_score: bool = False,
    error_score=np.nan,
) -> dict[str, np.ndarray]:
    """Fit a clone of the estimator on each training fold and score it on the held-out fold.

    cv: None (5 folds), an int, a splitter or an iterable of (train, test) index pairs (see
    check_cv). scoring: None (the estimator's score), a name from get_scorer_names() or a
    callable scorer(estimator, X, y). params: fit arguments; those with one entry per sample
    are restricted to the training rows. error_score: 'raise', or the score to record when a
    fit fails (default NaN, with a FitFailedWarning; if every fit fails, an error).
    Returns {'test_score', 'fit_time', 'score_time'[, 'train_score']}, arrays (n_splits,).
    """
    _check_error_score(error_score)
    X, y = _as_indexable(X), _as_indexable(y)
    if y is not None and _num_samples(y, "y") != _num_samples(X, "X"):
        raise ValueError(
            f"X and y have different numbers of samples: {_num_samples(X, 'X')} and "
            f"{_num_samples(y, 'y')}"
        )
    splitter = check_cv(cv, y, classifier=is_classifier(estimator))
    scorer = get_scorer(scoring, estimator)
    results = [
        _fit_and_score(
            clone(estimator),
            X,
            y,
            train,
            test,
            scorer,
            params or {},
            return_train_score,
            error_score,
        )
        for train, test in splitter.split(X, y, groups)
    ]
    _report_failures(results, error_score)
    keys = ["test_score", "fit_time", "score_time"] + (
        ["train_score"] if return_train_score else []
    )
    return {key: np.array([r[key] for r in results]) for key in keys}


def cross_val_score(
    estimator,
    X,
    y=None,
    *,
    groups=None,
    scoring: str | Callable | None = None,
    cv=None,
    params: dict[str, Any] | None = None,
    error_score=np.nan,
) -> np.ndarray:
    """The held-out score of each fold: cross_validate(...)['test_score'], shape (n_splits,)."""
    return cross_validate(
        estimator,
        X,
        y,
        groups=groups,
        scoring=scoring,
        cv=cv,
        params=params,
        error_score=error_score,
    )["test_score"]


# ---------------------------------------------------------------------------------------------
# Grid search
# ---------------------------------------------------------------------------------------------


class ParameterGrid:
    """Every combination of a grid: a dict name → list of values, or a list of such dicts.

    Iterates in scikit-learn's order: the grids in turn; in each, the names sorted and the last
    name varying fastest. len() is the number of combinations.
    """

    def __init__(self, param_grid: Mapping | Sequence[Mapping]):
        grids = [param_grid] if isinstance(param_grid, Mapping) else param_grid
        if not isinstance(grids, Sequence) or isinstance(grids, str):
            raise TypeError(f"param_grid must be a dict or a list of dicts, got {param_grid!r}")
        for grid in grids:
            if not isinstance(grid, Mapping):
                raise TypeError(f"param_grid must be a dict or a list of dicts, got {grid!r}")
            for name, values in grid.items():
                if isinstance(values, (str, bytes)) or not isinstance(
                    values, (Sequence, np.ndarray)
                ):
                    raise TypeError(
                        f"Parameter grid for parameter {name!r} needs to be a list or a numpy "
                        f"array, but got {values!r} (of type {type(values).__name__}) instead. "
                        "Single values need to be wrapped in a list with one element."
                    )
                if len(values) == 0:
                    raise ValueError(
                        f"Parameter grid for parameter {name!r} needs to be a non-empty "
                        f"sequence, got {values!r}"
                    )
        self.param_grid = grids

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for grid in self.param_grid:
            names = sorted(grid)
            for values in itertools.product(*(grid[name] for name in names)):
                yield dict(zip(names, values, strict=True))

    def __len__(self) -> int:
        return sum(math.prod(len(v) for v in grid.values()) for grid in self.param_grid)


def _rank_min(scores: np.ndarray) -> np.ndarray:
    """Rank 1 for the greatest score; ties share the smallest rank; NaN ranks last."""
    if np.all(np.isnan(scores)):
        return np.ones(scores.shape[0], dtype=np.int32)
    scores = np.where(np.isnan(scores), np.nanmin(scores) - 1, scores)
    descending = np.sort(-scores)
    return (np.searchsorted(descending, -scores, side="left") + 1).astype(np.int32)


def _clone_values(candidate: dict[str, Any]) -> dict[str, Any]:
    """Estimators given as parameter values are cloned, so that fits do not share them."""
    return {
        k: clone(v)
        if isinstance(v, BaseEstimator) or (hasattr(v, "get_params") and not isinstance(v, type))
        else v
        for k, v in candidate.items()
    }


def _check_candidate(estimator, candidate: dict) -> None:
    """Raise naming the first parameter of `candidate` that `estimator` cannot take, with the
    parameters set in order, so a swapped-in step's own parameters are accepted."""
    trial = clone(estimator)
    for name, value in candidate.items():
        try:
            trial.set_params(**_clone_values({name: value}))
        except ValueError as err:
            raise ValueError(
                f"GridSearchCV: invalid parameter {name!r} for estimator "
                f"{type(estimator).__name__}: {err}"
            ) from None


class GridSearchCV(BaseEstimator):
    """Exhaustive search over a parameter grid, scored by cross-validation.

    For every combination of ParameterGrid(param_grid), a clone of `estimator` with those
    parameters is cross-validated (see cross_validate for cv, scoring and error_score). The
    combination with the best mean test score is best_params_ (ties: the first); with refit
    (or a callable refit(cv_results_) → index), a clone with those parameters is fitted on all
    the data as best_estimator_, and predict, predict_proba, transform, score ... use it.
    Single-metric scoring only.

    cv_results_: dict of arrays over the candidates: 'params', 'param_<name>' (masked where a
    candidate has no such parameter), 'split<k>_test_score', 'mean_test_score',
    'std_test_score', 'rank_test_score', 'mean_fit_time', 'std_fit_time', 'mean_score_time',
    'std_score_time' (and the train scores with return_train_score).
    """

    def __init__(
        self,
        estimator,
        param_grid: Mapping | Sequence[Mapping],
        *,
        scoring: str | Callable | None = None,
        refit: bool | Callable = True,
        cv=None,
        error_score=np.nan,
        return_train_score: bool = False,
    ):
        self.estimator = estimator
        self.param_grid = param_grid
        self.scoring = scoring
        self.refit = refit
        self.cv = cv
        self.error_score = error_score
        self.return_train_score = return_train_score

    @property
    def _estimator_type(self):
        return getattr(self.estimator, "_estimator_type", None)

    def fit(self, X, y=None, *, groups=None, **params):
        """Cross-validate every candidate, pick the best, refit it on all of X; returns self."""
        if not hasattr(self.estimator, "fit") or not hasattr(self.estimator, "get_params"):
            raise TypeError(
                f"GridSearchCV: estimator must have fit and get_params, got {self.estimator!r}"
            )
        if not (isinstance(self.refit, bool) or callable(self.refit)):
            raise ValueError(
                f"GridSearchCV: refit must be a bool or a callable, got {self.refit!r}"
            )
        _check_error_score(self.error_score)
        candidates = list(ParameterGrid(self.param_grid))
        for candidate in candidates:  # a candidate may swap a pipeline step and tune the new one
            _check_candidate(self.estimator, candidate)
        X, y = _as_indexable(X), _as_indexable(y)
        splitter = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        splits = list(splitter.split(X, y, groups))
        scorer = get_scorer(self.scoring, self.estimator)

        results = [
            [
                _fit_and_score(
                    clone(self.estimator).set_params(**_clone_values(candidate)),
                    X,
                    y,
                    train,
                    test,
                    scorer,
                    params,
                    self.return_train_score,
                    self.error_score,
                )
                for train, test in splits
            ]
            for candidate in candidates
        ]
        _report_failures([r for per_candidate in results for r in per_candidate], self.error_score)
        self.cv_results_ = self._summarise(candidates, results, len(splits))
        self.n_splits_ = len(splits)
        self.scorer_ = scorer

        if callable(self.refit):
            self.best_index_ = int(self.refit(self.cv_results_))
        else:
            self.best_index_ = int(np.flatnonzero(self.cv_results_["rank_test_score"] == 1)[0])
            self.best_score_ = float(self.cv_results_["mean_test_score"][self.best_index_])
        self.best_params_ = candidates[self.best_index_]
        if self.refit:
            start = time.perf_counter()
            self.best_estimator_ = clone(self.estimator).set_params(
                **_clone_values(self.best_params_)
            )
            self.best_estimator_.fit(X, y, **params)
            self.refit_time_ = time.perf_counter() - start
        return self

    def _summarise(self, candidates, results, n_splits) -> dict[str, Any]:
        cv_results: dict[str, Any] = {"params": candidates}
        for name in sorted({n for c in candidates for n in c}):
            values = np.empty(len(candidates), dtype=object)
            missing = np.ones(len(candidates), dtype=bool)
            for i, c in enumerate(candidates):
                if name in c:
                    values[i], missing[i] = c[name], False
            cv_results[f"param_{name}"] = np.ma.MaskedArray(values, mask=missing)
        sets = ["test"] + (["train"] if self.return_train_score else [])
        for which in sets:
            scores = np.array([[r[f"{which}_score"] for r in per] for per in results])
            for k in range(n_splits):
                cv_results[f"split{k}_{which}_score"] = scores[:, k]
            cv_results[f"mean_{which}_score"] = scores.mean(axis=1)
            cv_results[f"std_{which}_score"] = scores.std(axis=1)
            if which == "test":
                cv_results["rank_test_score"] = _rank_min(cv_results["mean_test_score"])
        for timing in ("fit_time", "score_time"):
            times = np.array([[r[timing] for r in per] for per in results])
            cv_results[f"mean_{timing}"] = times.mean(axis=1)
            cv_results[f"std_{timing}"] = times.std(axis=1)
        return cv_results

    # -- the refitted best estimator -------------------------------------------------------

    def _best(self, method: str):
        if not hasattr(self, "cv_results_"):
            raise NotFittedError(
                "This GridSearchCV instance is not fitted yet. Call 'fit' with appropriate "
                "arguments before using this estimator."
            )
        if not self.refit:
            raise AttributeError(
                f"This GridSearchCV instance was initialized with refit=False. {method} is "
                "available only after refitting on the best parameters."
            )
        return getattr(self.best_estimator_, method)

    @property
    def classes_(self) -> np.ndarray:
        return self._best("classes_")

    @property
    def n_features_in_(self) -> int:
        return self._best("n_features_in_")

    def predict(self, X):
        """best_estimator_.predict(X)."""
        return self._best("predict")(X)

    def predict_proba(self, X):
        """best_estimator_.predict_proba(X)."""
        return self._best("predict_proba")(X)

    def predict_log_proba(self, X):
        """best_estimator_.predict_log_proba(X)."""
        return self._best("predict_log_proba")(X)

    def decision_function(self, X):
        """best_estimator_.decision_function(X)."""
        return self._best("decision_function")(X)

    def transform(self, X):
        """best_estimator_.transform(X)."""
        return self._best("transform")(X)

    def inverse_transform(self, X):
        """best_estimator_.inverse_transform(X)."""
        return self._best("inverse_transform")(X)

    def score(self, X, y=None) -> float:
        """The search's scorer applied to best_estimator_ on (X, y)."""
        self._best("fit")
        return float(self.scorer_(self.best_estimator_, X, y))


# ---------------------------------------------------------------------------------------------
# Learning curve
# ---------------------------------------------------------------------------------------------


def _absolute_train_sizes(train_sizes, n_max: int) -> np.ndarray:
    sizes = np.asarray(train_sizes)
    if sizes.ndim != 1 or sizes.shape[0] == 0:
        raise ValueError(f"train_sizes must be a non-empty 1-D list, got {train_sizes!r}")
    if sizes.dtype.kind == "f":
        if sizes.min() <= 0 or sizes.max() > 1:
            raise ValueError(
                "train_sizes has been interpreted as fractions of the maximum number of "
                f"training samples and must be within (0, 1], but is within "
                f"[{sizes.min()}, {sizes.max()}]."
            )
        absolute = np.clip((sizes * n_max).astype(np.int64), 1, n_max)
    elif sizes.dtype.kind in "iu":
        if sizes.min() <= 0 or sizes.max() > n_max:
            raise ValueError(
                "train_sizes has been interpreted as absolute numbers of training samples and "
                f"must be within (0, {n_max}], but is within [{sizes.min()}, {sizes.max()}]."
            )
        absolute = sizes.astype(np.int64)
    else:
        raise ValueError(f"train_sizes must be numbers, got dtype {sizes.dtype}")
    unique = np.unique(absolute)
    if unique.shape[0] != absolute.shape[0]:
        warnings.warn(
            f"Removed duplicate entries from 'train_sizes'. Number of ticks will be less than "
            f"the size of 'train_sizes': {unique.shape[0]} instead of {absolute.shape[0]}.",
            RuntimeWarning,
            stacklevel=3,
        )
    return unique


def learning_curve(
    estimator,
    X,
    y,
    *,
    groups=None,
    train_sizes: npt.ArrayLike = (0.1, 0.325, 0.55, 0.775, 1.0),
    cv=None,
    scoring: str | Callable | None = None,
    shuffle: bool = False,
    random_state=None,
    error_score=np.nan,
    return_times: bool = False,
    params: dict[str, Any] | None = None,
):
    """Training and cross-validated test scores for growing training sets.

    For each split of cv and each size m in train_sizes (fractions of the largest training
    fold, or absolute counts), a clone is fitted on the first m training rows (after a shuffle
    with shuffle=True) and scored on them and on the test fold.
    Returns train_sizes_abs (n_ticks,), train_scores and test_scores (n_ticks, n_splits), and
    with return_times also fit_times and score_times (n_ticks, n_splits).
    """
    _check_error_score(error_score)
    X, y = _as_indexable(X), _as_indexable(y)
    splitter = check_cv(cv, y, classifier=is_classifier(estimator))
    splits = list(splitter.split(X, y, groups))
    scorer = get_scorer(scoring, estimator)
    n_max = min(train.shape[0] for train, _ in splits)
    sizes = _absolute_train_sizes(train_sizes, n_max)
    rng = check_random_state(random_state)
    results = []
    for train, test in splits:
        if shuffle:
            train = rng.permutation(train)
        results.append(
            [
                _fit_and_score(
                    clone(estimator), X, y, train[:m], test, scorer, params or {}, True, error_score
                )
                for m in sizes
            ]
        )
    _report_failures([r for per_split in results for r in per_split], error_score)

    def table(key: str) -> np.ndarray:  # (n_ticks, n_splits)
        return np.array([[r[key] for r in per_split] for per_split in results]).T

    out = (sizes, table("train_score"), table("test_score"))
    if return_times:
        out += (table("fit_time"), table("score_time"))
    return out
