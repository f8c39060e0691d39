"""Random forests (Breiman 2001, "Random Forests", Machine Learning 45:5-32).

Each tree is a CART tree grown to purity on a bootstrap sample of the rows, searching a random
subset of `max_features` features at every node; the forest averages the trees' class
fractions (classifier) or predictions (regressor).

A bootstrap sample is a vector of counts: row i drawn c_i times is one sample of weight c_i, as
in scikit-learn. Trees are grown many at a time: the exact level-wise builder splits the nodes
of a whole batch of trees in the same array passes.
"""

from __future__ import annotations

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
from nashai.ml.tree._classes import (
    DecisionTreeClassifier,
    DecisionTreeRegressor,
    check_sample_weight,
    resolve_growth,
    tree_from_fitted,
)
from nashai.ml.tree._exact_builder import SortedFeatures, grow_trees
from nashai.ml.tree._tree import apply_trees

PSEUDO_SAMPLES_PER_BATCH = 1 << 21  # trees per batch × rows: bounds the builder's memory
PAIRS_PER_APPLY = 1 << 22  # (tree, sample) pairs walked down together when predicting


class BaseForest(BaseEstimator):
    """Bagging of exact CART trees; subclasses set the criterion table and the tree class."""

    _tree_class: type
    _criteria: dict[str, str]

    def _fit_forest(self, X, y, sample_weight, n_classes: int) -> np.ndarray:
        """Grow the trees; returns the (n_estimators, n_samples) bootstrap weights."""
        who = type(self).__name__
        if not isinstance(self.n_estimators, Integral) or self.n_estimators < 1:
            raise ValueError(f"{who}: n_estimators must be an int >= 1, got {self.n_estimators!r}")
        if self.criterion not in self._criteria:
            raise ValueError(
                f"{who}: criterion must be one of {sorted(self._criteria)}, got {self.criterion!r}"
            )
        if self.oob_score and not self.bootstrap:
            raise ValueError(f"{who}: oob_score=True needs bootstrap=True")
        n_samples, n_features = X.shape
        params = resolve_growth(
            self, self._criteria[self.criterion], n_classes, n_samples, n_features
        )
        rng = check_random_state(self.random_state)
        weights = self._bootstrap_counts(n_samples, rng)
        weights *= check_sample_weight(sample_weight, n_samples, who)

        features = SortedFeatures(X)
        per_batch = max(1, PSEUDO_SAMPLES_PER_BATCH // n_samples)
        trees = []
        for first in range(0, self.n_estimators, per_batch):
            batch = weights[first : first + per_batch]
            trees += grow_trees(features, y, batch, params, rng)

        self.n_features_in_ = n_features
        self.n_outputs_ = 1
        tree_params = {
            name: getattr(self, name)
            for name in self._tree_class._param_names()
            if name != "random_state"
        }
        fitted = {"n_features_in_": n_features, "max_features_": params.max_features}
        if self._tree_class is DecisionTreeClassifier:
            fitted.update(classes_=self.classes_, n_classes_=self.n_classes_)
        self.estimators_ = [
            tree_from_fitted(self._tree_class, tree, tree_params, **fitted) for tree in trees
        ]
        return weights

    def _bootstrap_counts(self, n_samples: int, rng: np.random.Generator) -> np.ndarray:
        """(n_estimators, n_samples) float64: how often each tree draws each row."""
        T = self.n_estimators
        if not self.bootstrap:
            return np.ones((T, n_samples))
        n_draws = self._n_draws(n_samples)
        draws = rng.integers(0, n_samples, size=(T, n_draws))
        draws += np.arange(T)[:, None] * n_samples
        return np.bincount(draws.ravel(), minlength=T * n_samples).reshape(T, n_samples) * 1.0

    def _n_draws(self, n_samples: int) -> int:
        who = type(self).__name__
        m = self.max_samples
        if m is None:
            return n_samples
        if isinstance(m, Integral) and not isinstance(m, bool) and 1 <= m <= n_samples:
            return int(m)
        if isinstance(m, Real) and 0.0 < m <= 1.0:
            return max(1, round(n_samples * m))
        raise ValueError(
            f"{who}: max_samples must be None, an int in [1, {n_samples}] or a float in (0, 1], "
            f"got {m!r}"
        )

    def _tree_values(self, X32: np.ndarray, rows: list[np.ndarray] | None = None):
        """Yield (tree index, leaf values (len(rows[t]), n_values)) for every tree."""
        trees = [est.tree_ for est in self.estimators_]
        n_rows = X32.shape[0] if rows is None else max(max(len(r) for r in rows), 1)
        per_group = max(1, PAIRS_PER_APPLY // max(n_rows, 1))
        for first in range(0, len(trees), per_group):
            group = trees[first : first + per_group]
            group_rows = None if rows is None else rows[first : first + per_group]
            for offset, leaves in enumerate(apply_trees(group, X32, group_rows)):
                yield first + offset, group[offset].value[leaves, 0, :]

    def _validate_X(self, X) -> np.ndarray:
        check_is_fitted(self, "estimators_")
        X = check_array(X, estimator=self)
        check_n_features(self, X)
        return X.astype(np.float32)

    def _mean_values(self, X) -> np.ndarray:
        X32 = self._validate_X(X)
        total = None
        for _, values in self._tree_values(X32):
            total = values.copy() if total is None else total + values
        return total / len(self.estimators_)

    def _oob_mean_values(self, X: np.ndarray, weights: np.ndarray, n_values: int) -> np.ndarray:
        """Average over the trees that did not draw each row: (n_samples, n_values)."""
        X32 = X.astype(np.float32)
        rows = [np.flatnonzero(w == 0) for w in weights]
        total = np.zeros((X.shape[0], n_values))
        count = np.zeros(X.shape[0])
        for t, values in self._tree_values(X32, rows):
            total[rows[t]] += values
            count[rows[t]] += 1
        return total / np.maximum(count, 1)[:, None]

    def apply(self, X) -> np.ndarray:
        """Leaf index of each sample in each tree: (n_samples, n_estimators) int64."""
        X32 = self._validate_X(X)
        return np.stack(apply_trees([e.tree_ for e in self.estimators_], X32), axis=1)

    @property
    def feature_importances_(self) -> np.ndarray:
        """Mean over the trees of their normalised impurity decreases, (n_features,)."""
        check_is_fitted(self, "estimators_")
        importances = [
            e.tree_.compute_feature_importances()
            for e in self.estimators_
            if e.tree_.node_count > 1
        ]
        if not importances:
            return np.zeros(self.n_features_in_)
        mean = np.mean(importances, axis=0)
        return mean / mean.sum()


class RandomForestClassifier(ClassifierMixin, BaseForest):
    """Random forest of CART classification trees (Breiman 2001).

    predict_proba(x) = 1/T Σ_t p_t(x), the mean of the trees' leaf class fractions; predict is
    its arg-max. Parameters and defaults are scikit-learn's (max_features='sqrt',
    bootstrap=True, max_samples=None draws n rows with replacement). With oob_score=True,
    oob_decision_function_ averages each row over the trees that did not draw it, and
    oob_score_ is the accuracy of its arg-max.

    Fitted attributes: estimators_ (DecisionTreeClassifier), classes_, n_classes_,
    n_features_in_, feature_importances_, oob_score_ and oob_decision_function_.
    """

    _tree_class = DecisionTreeClassifier
    _criteria = {"gini": "gini", "entropy": "entropy", "log_loss": "entropy"}

    def __init__(
        self,
        n_estimators: int = 100,
        *,
        criterion: str = "gini",
        max_depth: int | None = None,
        min_samples_split: int | float = 2,
        min_samples_leaf: int | float = 1,
        max_features: int | float | str | None = "sqrt",
        min_impurity_decrease: float = 0.0,
        bootstrap: bool = True,
        oob_score: bool = False,
        random_state=None,
        max_samples: int | float | None = None,
    ) -> None:
        self.n_estimators = n_estimators
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.min_impurity_decrease = min_impurity_decrease
        self.bootstrap = bootstrap
        self.oob_score = oob_score
        self.random_state = random_state
        self.max_samples = max_samples

    def fit(self, X, y, sample_weight=None) -> RandomForestClassifier:
        """Grow n_estimators trees on bootstrap samples of X (n_samples, n_features), y."""
        X, y = check_X_y(X, y, estimator=self)
        self.classes_, y_encoded = check_classification_targets(y, self, min_classes=1)
        self.n_classes_ = self.classes_.shape[0]
        weights = self._fit_forest(X, y_encoded, sample_weight, self.n_classes_)
        if self.oob_score:
            self.oob_decision_function_ = self._oob_mean_values(X, weights, self.n_classes_)
            predicted = np.argmax(self.oob_decision_function_, axis=1)
            self.oob_score_ = float(np.mean(predicted == y_encoded))
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Mean class fractions of the trees' leaves: (n_samples, n_classes)."""
        return self._mean_values(X)

    def predict(self, X) -> np.ndarray:
        """Class with the highest mean probability: (n_samples,)."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class RandomForestRegressor(RegressorMixin, BaseForest):
    """Random forest of CART regression trees (Breiman 2001): predict(x) = 1/T Σ_t f_t(x).

    Defaults are scikit-learn's (max_features=1.0: every feature at every node, so the trees
    differ only by their bootstrap samples). With oob_score=True, oob_prediction_ averages each
    row over the trees that did not draw it and oob_score_ is its R².

    Fitted attributes: estimators_ (DecisionTreeRegressor), n_features_in_,
    feature_importances_, oob_score_ and oob_prediction_.
    """

    _tree_class = DecisionTreeRegressor
    _criteria = {"squared_error": "squared_error"}

    def __init__(
        self,
        n_estimators: int = 100,
        *,
        criterion: str = "squared_error",
        max_depth: int | None = None,
        min_samples_split: int | float = 2,
        min_samples_leaf: int | float = 1,
        max_features: int | float | str | None = 1.0,
        min_impurity_decrease: float = 0.0,
        bootstrap: bool = True,
        oob_score: bool = False,
        random_state=None,
        max_samples: int | float | None = None,
    ) -> None:
        self.n_estimators = n_estimators
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.min_impurity_decrease = min_impurity_decrease
        self.bootstrap = bootstrap
        self.oob_score = oob_score
        self.random_state = random_state
        self.max_samples = max_samples

    def fit(self, X, y, sample_weight=None) -> RandomForestRegressor:
        """Grow n_estimators trees on bootstrap samples of X (n_samples, n_features), y."""
        X, y = check_X_y(X, y, estimator=self, y_numeric=True)
        weights = self._fit_forest(X, y, sample_weight, 1)
        if self.oob_score:
            self.oob_prediction_ = self._oob_mean_values(X, weights, 1)[:, 0]
            residual = ((y - self.oob_prediction_) ** 2).sum()
            self.oob_score_ = float(1.0 - residual / ((y - y.mean()) ** 2).sum())
        return self

    def predict(self, X) -> np.ndarray:
        """Mean of the trees' predictions: (n_samples,)."""
        return self._mean_values(X)[:, 0]
