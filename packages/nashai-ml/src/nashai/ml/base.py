"""The estimator contract every nashai.ml model keeps (scikit-learn's API).

- `__init__` only stores its arguments, under the same names, so `get_params`/`set_params` and
  `clone` work by reading the constructor's signature.
- `fit(X, y)` learns and returns `self`; learned state ends in `_`.
- Input is validated once, at the door, by `validate_data`, with a message naming the estimator.
"""

from __future__ import annotations

import copy
import inspect
from typing import Any

import numpy as np


class NotFittedError(ValueError, AttributeError):
    """Raised when `predict`, `transform`, ... is called before `fit`."""


class ConvergenceWarning(UserWarning):
    """An iterative fit stopped before it converged, or converged to a degenerate solution."""


class BaseEstimator:
    """Base class giving `get_params`, `set_params` and a readable `repr` from the constructor."""

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return sorted(
            name
            for name, p in signature.parameters.items()
            if name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        )

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor arguments as a dict; with `deep`, nested estimators' as `name__param`."""
        params = {}
        for name in self._param_names():
            value = getattr(self, name)
            params[name] = value
            if deep and isinstance(value, BaseEstimator):
                params.update({f"{name}__{k}": v for k, v in value.get_params().items()})
        return params

    def set_params(self, **params: Any) -> BaseEstimator:
        """Set constructor arguments (`name__param` reaches a nested estimator); returns self."""
        valid = self._param_names()
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for estimator {type(self).__name__}. "
                    f"Valid parameters are: {valid}."
                )
            if sub:
                getattr(self, name).set_params(**{sub: value})
            else:
                setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = {
            name: p.default for name, p in inspect.signature(type(self).__init__).parameters.items()
        }
        changed = []
        for name in self._param_names():
            value = getattr(self, name)
            default = defaults.get(name, inspect.Parameter.empty)
            if not _same(value, default):
                changed.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(changed)})"


def _same(a: Any, b: Any) -> bool:
    if a is b:
        return True
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def clone(estimator):
    """A new, unfitted estimator with the same parameters.

    Estimators are rebuilt from `get_params(deep=False)`, cloning each parameter in turn, so
    nested estimators (also inside lists and tuples, like a Pipeline's steps) come back unfitted;
    other values are deep-copied.
    """
    if isinstance(estimator, (list, tuple)):
        return type(estimator)(clone(e) for e in estimator)
    if not hasattr(estimator, "get_params") or isinstance(estimator, type):
        return copy.deepcopy(estimator)
    params = {k: clone(v) for k, v in estimator.get_params(deep=False).items()}
    return type(estimator)(**params)


class ClassifierMixin:
    """`score` is accuracy."""

    _estimator_type = "classifier"

    def score(self, X, y, sample_weight=None) -> float:
        """Mean accuracy of `predict(X)` against `y`."""
        from nashai.ml.metrics import accuracy_score

        return accuracy_score(y, self.predict(X), sample_weight=sample_weight)


class RegressorMixin:
    """`score` is the coefficient of determination R²."""

    _estimator_type = "regressor"

    def score(self, X, y, sample_weight=None) -> float:
        """R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)² of `predict(X)` against `y`."""
        from nashai.ml.metrics import r2_score

        return r2_score(y, self.predict(X), sample_weight=sample_weight)


class TransformerMixin:
    """`fit_transform` is `fit` then `transform`."""

    def fit_transform(self, X, y=None, **fit_params):
        return self.fit(X, y, **fit_params).transform(X)


class ClusterMixin:
    _estimator_type = "clusterer"

    def fit_predict(self, X, y=None):
        return self.fit(X).labels_


def check_is_fitted(estimator: BaseEstimator, attributes: str | list[str] | None = None) -> None:
    """Raise NotFittedError unless the estimator has fitted attributes (names ending in `_`)."""
    if attributes is None:
        fitted = [a for a in vars(estimator) if a.endswith("_") and not a.startswith("__")]
    else:
        names = [attributes] if isinstance(attributes, str) else attributes
        fitted = [a for a in names if hasattr(estimator, a)]
    if not fitted:
        raise NotFittedError(
            f"This {type(estimator).__name__} instance is not fitted yet. Call 'fit' with "
            "appropriate arguments before using this estimator."
        )


def check_array(
    X,
    *,
    name: str = "X",
    estimator: Any = None,
    ensure_2d: bool = True,
    dtype: Any = np.float64,
    allow_nan: bool = False,
    ensure_min_samples: int = 1,
) -> np.ndarray:
    """Return X as an ndarray of `dtype`, checking dimensionality, finiteness and size.

    Messages name the estimator (if given) and the argument, e.g.
    "LogisticRegression: X must be 2-D (n_samples, n_features), got shape (5,)".
    """
    who = f"{type(estimator).__name__}: " if estimator is not None else ""
    try:
        arr = np.asarray(X, dtype=dtype) if dtype is not None else np.asarray(X)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{who}{name} could not be converted to {dtype}: {err}") from None
    if ensure_2d and arr.ndim != 2:
        raise ValueError(
            f"{who}{name} must be 2-D (n_samples, n_features), got an array of shape {arr.shape}"
            + (". Reshape with X.reshape(-1, 1) for a single feature." if arr.ndim == 1 else "")
        )
    if arr.dtype.kind in "fc" and not allow_nan and not np.all(np.isfinite(arr)):
        raise ValueError(f"{who}{name} contains NaN or infinity")
    n_samples = arr.shape[0] if arr.ndim else 0
    if n_samples < ensure_min_samples:
        raise ValueError(
            f"{who}{name} has {n_samples} sample(s), but at least {ensure_min_samples} are needed"
        )
    return arr


def check_X_y(
    X, y, *, estimator: Any = None, y_numeric: bool = False, multi_output: bool = False, **kwargs
):
    """Validate X (2-D, finite) and y (1-D, or 2-D (n_samples, n_targets) with `multi_output`,
    same number of samples). Returns (X, y) arrays."""
    X = check_array(X, estimator=estimator, **kwargs)
    who = f"{type(estimator).__name__}: " if estimator is not None else ""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1 and not multi_output:
        y = y.ravel()
    if y.ndim != 1 and not (multi_output and y.ndim == 2):
        shapes = "(n_samples,) or (n_samples, n_targets)" if multi_output else "(n_samples,)"
        raise ValueError(f"{who}y must have shape {shapes}, got an array of shape {y.shape}")
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"{who}X and y have different numbers of samples: "
            f"X has {X.shape[0]}, y has {y.shape[0]}"
        )
    if y_numeric or y.dtype.kind == "f":
        y = y.astype(np.float64)
        if not np.all(np.isfinite(y)):
            raise ValueError(f"{who}y contains NaN or infinity")
    return X, y


def check_n_features(estimator: BaseEstimator, X: np.ndarray) -> None:
    """Raise if X has a different number of columns than the data the estimator was fitted on."""
    expected = estimator.n_features_in_
    if X.shape[1] != expected:
        raise ValueError(
            f"X has {X.shape[1]} features, but {type(estimator).__name__} is expecting "
            f"{expected} features as input."
        )


def check_classification_targets(y: np.ndarray, estimator: Any = None, min_classes: int = 2):
    """Return (classes, y_encoded) with y_encoded in 0..n_classes-1; need at least `min_classes`."""
    classes, encoded = np.unique(y, return_inverse=True)
    if classes.shape[0] < min_classes:
        who = f"{type(estimator).__name__}: " if estimator is not None else ""
        raise ValueError(
            f"{who}needs samples of at least {min_classes} classes in the data, but the data "
            f"contains only {classes.shape[0]} class(es): {classes.tolist()}"
        )
    return classes, encoded


def check_random_state(seed) -> np.random.Generator:
    """Turn None, an int or a Generator into a numpy Generator (the same seed, the same stream)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, (int, np.integer)):
        return np.random.default_rng(seed)
    raise ValueError(f"random_state must be None, an int or a numpy Generator, got {seed!r}")
