"""DecisionTreeClassifier and DecisionTreeRegressor: CART with scikit-learn's API and defaults.

Fitting converts X to float32 as scikit-learn does, so thresholds (midpoints of float32 values)
and predictions agree with scikit-learn's trees bit for bit where the split search has no ties.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np

from nashai.ml.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    check_array,
    check_classification_targets,
    check_is_fitted,
    check_n_features,
    check_random_state,
    check_X_y,
)
from nashai.ml.tree._exact_builder import GrowthParams, SortedFeatures, grow_trees
from nashai.ml.tree._tree import Tree

CLASSIFICATION_CRITERIA = {"gini": "gini", "entropy": "entropy", "log_loss": "entropy"}
REGRESSION_CRITERIA = {"squared_error": "squared_error"}


def resolve_max_features(max_features, n_features: int, who: str) -> int:
    """Number of features searched per split: None, int, float fraction, 'sqrt' or 'log2'."""
    if max_features is None:
        return n_features
    if isinstance(max_features, str):
        if max_features == "sqrt":
            return max(1, int(math.sqrt(n_features)))
        if max_features == "log2":
            return max(1, int(math.log2(n_features)))
    elif isinstance(max_features, Integral) and not isinstance(max_features, bool):
        if 1 <= max_features <= n_features:
            return int(max_features)
    elif isinstance(max_features, Real) and 0.0 < max_features <= 1.0:
        return max(1, int(max_features * n_features))
    raise ValueError(
        f"{who}: max_features must be None, 'sqrt', 'log2', an int in [1, {n_features}] or a "
        f"float in (0, 1], got {max_features!r}"
    )


def resolve_growth(estimator, criterion: str, n_classes: int, n_samples: int, n_features: int):
    """Check the tree hyper-parameters of `estimator` and turn them into GrowthParams."""
    who = type(estimator).__name__
    max_depth = estimator.max_depth
    if max_depth is not None and (not isinstance(max_depth, Integral) or max_depth < 1):
        raise ValueError(f"{who}: max_depth must be None or an int >= 1, got {max_depth!r}")
    min_split = _count_or_fraction(
        estimator.min_samples_split, 2, n_samples, "min_samples_split", who
    )
    min_leaf = _count_or_fraction(estimator.min_samples_leaf, 1, n_samples, "min_samples_leaf", who)
    if not isinstance(estimator.min_impurity_decrease, Real) or estimator.min_impurity_decrease < 0:
        raise ValueError(
            f"{who}: min_impurity_decrease must be a float >= 0, "
            f"got {estimator.min_impurity_decrease!r}"
        )
    return GrowthParams(
        criterion=criterion,
        n_classes=n_classes,
        max_depth=np.iinfo(np.int32).max if max_depth is None else int(max_depth),
        min_samples_split=max(min_split, 2 * min_leaf),
        min_samples_leaf=min_leaf,
        max_features=resolve_max_features(estimator.max_features, n_features, who),
        min_impurity_decrease=float(estimator.min_impurity_decrease),
    )


def _count_or_fraction(value, least: int, n_samples: int, name: str, who: str) -> int:
    """An int >= least, or a float fraction in (0, 1] of n_samples rounded up (at least `least`)."""
    if isinstance(value, bool):
        pass
    elif isinstance(value, Integral):
        if value >= least:
            return int(value)
    elif isinstance(value, Real) and 0.0 < value <= 1.0:
        return max(least, math.ceil(value * n_samples))
    raise ValueError(f"{who}: {name} must be an int >= {least} or a float in (0, 1], got {value!r}")


def check_sample_weight(sample_weight, n_samples: int, who: str) -> np.ndarray:
    """sample_weight as a (n_samples,) float64 array of non-negative finite weights."""
    if sample_weight is None:
        return np.ones(n_samples)
    weights = np.asarray(sample_weight, dtype=np.float64)
    if weights.shape != (n_samples,):
        raise ValueError(
            f"{who}: sample_weight must have shape ({n_samples},), got {weights.shape}"
        )
    if not np.all(np.isfinite(weights)) or np.any(weights < 0) or not np.any(weights > 0):
        raise ValueError(f"{who}: sample_weight must be finite, >= 0 and not all zero")
    return weights


class BaseDecisionTree(BaseEstimator):
    """Shared fit/apply of the two CART estimators."""

    _criteria: dict[str, str]

    def _fit(self, X, y, sample_weight, n_classes: int):
        who = type(self).__name__
        if self.criterion not in self._criteria:
            raise ValueError(
                f"{who}: criterion must be one of {sorted(self._criteria)}, got {self.criterion!r}"
            )
        n_samples, n_features = X.shape
        params = resolve_growth(
            self, self._criteria[self.criterion], n_classes, n_samples, n_features
        )
        weights = check_sample_weight(sample_weight, n_samples, who)
        rng = check_random_state(self.random_state)
        self.n_features_in_ = n_features
        self.n_outputs_ = 1
        self.max_features_ = params.max_features
        self.tree_ = grow_trees(SortedFeatures(X), y, weights[None, :], params, rng)[0]
        return self

    def _validate_X(self, X) -> np.ndarray:
        check_is_fitted(self, "tree_")
        X = check_array(X, estimator=self)
        check_n_features(self, X)
        return X.astype(np.float32)

    def apply(self, X) -> np.ndarray:
        """Index of the leaf each sample lands in: (n_samples,) int64."""
        X = self._validate_X(X)
        return self.tree_.apply(X)

    def get_depth(self) -> int:
        """Depth of the tree (longest root-to-leaf path)."""
        check_is_fitted(self, "tree_")
        return self.tree_.max_depth

    def get_n_leaves(self) -> int:
        """Number of leaves."""
        check_is_fitted(self, "tree_")
        return self.tree_.n_leaves

    @property
    def feature_importances_(self) -> np.ndarray:
        """Normalised total impurity decrease brought by each feature, (n_features,)."""
        check_is_fitted(self, "tree_")
        return self.tree_.compute_feature_importances()


class DecisionTreeClassifier(ClassifierMixin, BaseDecisionTree):
    """CART classification tree (Breiman et al. 1984).

    Each node is split on the feature and threshold (a midpoint between consecutive distinct
    values) that maximise the weighted impurity decrease
        N_t/N · (i(t) − N_L/N_t · i(L) − N_R/N_t · i(R)),
    with i the Gini index 1 − Σ_k p_k² or the entropy −Σ_k p_k log2 p_k ('entropy'/'log_loss').
    Leaves predict the class fractions of their training samples.

    Parameters match scikit-learn's: criterion, max_depth, min_samples_split,
    min_samples_leaf, max_features (None, int, float, 'sqrt', 'log2'), random_state (breaks
    ties through the random feature order) and min_impurity_decrease.

    Fitted attributes: tree_ (a `Tree`), classes_, n_classes_, n_features_in_, n_outputs_,
    max_features_, feature_importances_.
    """

    _criteria = CLASSIFICATION_CRITERIA

    def __init__(
        self,
        *,
        criterion: str = "gini",
        max_depth: int | None = None,
        min_samples_split: int | float = 2,
        min_samples_leaf: int | float = 1,
        max_features: int | float | str | None = None,
        random_state=None,
        min_impurity_decrease: float = 0.0,
    ) -> None:
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.random_state = random_state
        self.min_impurity_decrease = min_impurity_decrease

    def fit(self, X, y, sample_weight=None) -> DecisionTreeClassifier:
        """Grow the tree on X (n_samples, n_features) and labels y (n_samples,)."""
        X, y = check_X_y(X, y, estimator=self)
        self.classes_, y_encoded = check_classification_targets(y, self, min_classes=1)
        self.n_classes_ = self.classes_.shape[0]
        return self._fit(X, y_encoded, sample_weight, self.n_classes_)

    def predict_proba(self, X) -> np.ndarray:
        """Class fractions of the leaf of each sample: (n_samples, n_classes)."""
        leaves = self.apply(X)
        return self.tree_.value[leaves, 0, :]

    def predict(self, X) -> np.ndarray:
        """Most frequent class of the leaf of each sample: (n_samples,)."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class DecisionTreeRegressor(RegressorMixin, BaseDecisionTree):
    """CART regression tree (Breiman et al. 1984) with the squared-error criterion.

    Each split maximises the decrease in the within-node variance
        i(t) = 1/N_t Σ (y_i − ȳ_t)²,
    found through the proxy S_L²/N_L + S_R²/N_R (S = Σ y) evaluated at every threshold from
    cumulative sums. Leaves predict the mean target of their training samples.

    Parameters and fitted attributes as DecisionTreeClassifier's (criterion 'squared_error').
    """

    _criteria = REGRESSION_CRITERIA

    def __init__(
        self,
        *,
        criterion: str = "squared_error",
        max_depth: int | None = None,
        min_samples_split: int | float = 2,
        min_samples_leaf: int | float = 1,
        max_features: int | float | str | None = None,
        random_state=None,
        min_impurity_decrease: float = 0.0,
    ) -> None:
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.random_state = random_state
        self.min_impurity_decrease = min_impurity_decrease

    def fit(self, X, y, sample_weight=None) -> DecisionTreeRegressor:
        """Grow the tree on X (n_samples, n_features) and targets y (n_samples,)."""
        X, y = check_X_y(X, y, estimator=self, y_numeric=True)
        return self._fit(X, y, sample_weight, 1)

    def predict(self, X) -> np.ndarray:
        """Mean training target of the leaf of each sample: (n_samples,)."""
        leaves = self.apply(X)
        return self.tree_.value[leaves, 0, 0]


def tree_from_fitted(estimator_class, tree: Tree, params: dict, **fitted) -> BaseDecisionTree:
    """A fitted estimator around an already grown `tree` (used by the ensembles)."""
    estimator = estimator_class(**params)
    estimator.tree_ = tree
    estimator.n_outputs_ = 1
    for name, value in fitted.items():
        setattr(estimator, name, value)
    return estimator
