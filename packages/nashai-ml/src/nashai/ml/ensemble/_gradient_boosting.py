"""Gradient tree boosting (Friedman 2001, "Greedy function approximation: a gradient boosting
machine", Annals of Statistics 29:1189-1232).

The model is a sum F_M(x) = F_0 + ν Σ_m h_m(x). Stage m fits a least-squares regression tree
h_m to the negative gradient r_i = −∂L(y_i, F)/∂F at F_{m−1}(x_i), then replaces each leaf's
value by a one-step estimate of argmin_γ Σ_{i in leaf} L(y_i, F_{m−1}(x_i) + γ):
- squared error: the mean residual (the tree's own value);
- absolute error: the median residual; Huber: median plus the mean clipped deviation (Friedman
  2001, algorithm 4);
- log-loss: one Newton step, γ = Σ r_i / Σ p_i(1 − p_i) (Friedman, Hastie & Tibshirani 2000);
  with K > 2 classes, one tree per class and stage on the softmax residuals, γ scaled by
  (K − 1)/K as in Friedman (2001, algorithm 6).

Trees are grown on binned features (`nashai.ml.tree._hist_builder`), with at most `max_bins`
thresholds per feature; the rest follows scikit-learn's GradientBoosting* (names, defaults,
initial prediction, leaf estimates, train_score_ scale).
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np

from nashai.ml._special import expit, softmax
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
    DecisionTreeRegressor,
    resolve_growth,
    tree_from_fitted,
)
from nashai.ml.tree._hist_builder import BinnedFeatures, HistParams, grow_hist_tree
from nashai.ml.tree._tree import apply_trees

PAIRS_PER_APPLY = 1 << 22  # (tree, sample) pairs walked down together when predicting


def lower_quantile_per_group(values: np.ndarray, group: np.ndarray, n_groups: int, q: float):
    """Per group, the smallest value v with (count of values <= v) >= q·count (inverted CDF,
    scikit-learn's unit-weight `_weighted_percentile`). values, group (m,) -> (n_groups,)."""
    order = np.lexsort((values, group))
    counts = np.bincount(group, minlength=n_groups)
    starts = np.cumsum(counts) - counts
    # (100·q)/100·count: scikit-learn's rounding of the same product
    rank = np.maximum(np.ceil((100 * q) / 100 * counts) - 1, 0).astype(np.int64)
    return values[order][np.minimum(starts + rank, values.size - 1)]


# --------------------------------------------------------------------------- losses
class BinomialLoss:
    """Log-loss of p = σ(F) for y in {0, 1}; one tree per stage."""

    n_trees = 1

    def init_raw(self, y: np.ndarray) -> np.ndarray:
        eps = np.finfo(np.float64).eps
        p = np.clip(np.mean(y), eps, 1 - eps)
        return np.array([math.log(p / (1 - p))])

    def negative_gradient(self, y, raw):
        return (y - expit(raw[:, 0]))[:, None]

    def leaf_values(self, y, raw, residual, leaf, n_leaves, k):
        p = y - residual  # residual = y − p
        numerator = np.bincount(leaf, weights=residual, minlength=n_leaves)
        denominator = np.bincount(leaf, weights=p * (1 - p), minlength=n_leaves)
        return safe_divide(numerator, denominator)

    def __call__(self, y, raw) -> float:
        """Binomial deviance 2·mean(log(1 + e^F) − y·F) (scikit-learn's train_score_)."""
        return float(2 * np.mean(np.logaddexp(0.0, raw[:, 0]) - y * raw[:, 0]))


class MultinomialLoss:
    """Cross-entropy of softmax(F) for y in {0..K−1}; K trees per stage."""

    def __init__(self, n_classes: int) -> None:
        self.n_trees = n_classes

    def init_raw(self, y: np.ndarray) -> np.ndarray:
        eps = np.finfo(np.float64).eps
        p = np.clip(np.bincount(y, minlength=self.n_trees) / y.size, eps, 1 - eps)
        return np.log(p) - np.mean(np.log(p))  # symmetric multinomial logit

    def negative_gradient(self, y, raw):
        residual = -softmax(raw)
        residual[np.arange(y.size), y] += 1.0
        return residual

    def leaf_values(self, y, raw, residual, leaf, n_leaves, k):
        p = (y == k) - residual
        numerator = np.bincount(leaf, weights=residual, minlength=n_leaves)
        numerator *= (self.n_trees - 1) / self.n_trees
        denominator = np.bincount(leaf, weights=p * (1 - p), minlength=n_leaves)
        return safe_divide(numerator, denominator)

    def __call__(self, y, raw) -> float:
        """Mean of logsumexp(F) − F_y."""
        top = raw.max(axis=1)
        lse = top + np.log(np.exp(raw - top[:, None]).sum(axis=1))
        return float(np.mean(lse - raw[np.arange(y.size), y]))


class SquaredErrorLoss:
    """(y − F)²: residuals y − F, leaf value their mean."""

    n_trees = 1

    def init_raw(self, y):
        return np.array([np.mean(y)])

    def negative_gradient(self, y, raw):
        return (y - raw[:, 0])[:, None]

    def leaf_values(self, y, raw, residual, leaf, n_leaves, k):
        return None  # the tree's leaf means are already the line-search solution

    def __call__(self, y, raw) -> float:
        return float(np.mean((y - raw[:, 0]) ** 2))


class AbsoluteErrorLoss:
    """|y − F|: residuals sign(y − F) (+1 at y = F, as scikit-learn), leaf value the median of
    y − F."""

    n_trees = 1

    def init_raw(self, y):
        return np.array([np.percentile(y, 50)])

    def negative_gradient(self, y, raw):
        return np.where(y >= raw[:, 0], 1.0, -1.0)[:, None]

    def leaf_values(self, y, raw, residual, leaf, n_leaves, k):
        return lower_quantile_per_group(y - raw[:, 0], leaf, n_leaves, 0.5)

    def __call__(self, y, raw) -> float:
        return float(np.mean(np.abs(y - raw[:, 0])))


class HuberLoss:
    """Huber loss with δ the alpha-quantile of |y − F| at each stage (Friedman 2001, §4.4)."""

    n_trees = 1

    def __init__(self, alpha: float) -> None:
        self.alpha = alpha
        self.delta = None

    def init_raw(self, y):
        return np.array([np.percentile(y, 50)])

    def negative_gradient(self, y, raw):
        r = y - raw[:, 0]
        self.delta = lower_quantile_per_group(np.abs(r), np.zeros(r.size, np.int64), 1, self.alpha)[
            0
        ]
        return np.where(np.abs(r) <= self.delta, r, self.delta * np.sign(r))[:, None]

    def leaf_values(self, y, raw, residual, leaf, n_leaves, k):
        r = y - raw[:, 0]
        median = lower_quantile_per_group(r, leaf, n_leaves, 0.5)
        d = r - median[leaf]
        clipped = np.sign(d) * np.minimum(self.delta, np.abs(d))
        counts = np.maximum(np.bincount(leaf, minlength=n_leaves), 1)
        return median + np.bincount(leaf, weights=clipped, minlength=n_leaves) / counts

    def __call__(self, y, raw) -> float:
        r = np.abs(y - raw[:, 0])
        delta = self.delta
        return float(np.mean(np.where(r <= delta, 0.5 * r**2, delta * (r - 0.5 * delta))))


def safe_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, 0 where |denominator| < 1e-150 (a pure leaf: no Newton step)."""
    tiny = np.abs(denominator) < 1e-150
    return np.where(tiny, 0.0, numerator / np.where(tiny, 1.0, denominator))


# --------------------------------------------------------------------------- estimators
class BaseGradientBoosting(BaseEstimator):
    """Stage-wise fitting and prediction shared by the classifier and the regressor."""

    def _check_params(self) -> None:
        who = type(self).__name__
        if not isinstance(self.n_estimators, Integral) or self.n_estimators < 1:
            raise ValueError(f"{who}: n_estimators must be an int >= 1, got {self.n_estimators!r}")
        if not isinstance(self.learning_rate, Real) or self.learning_rate <= 0:
            raise ValueError(
                f"{who}: learning_rate must be a float > 0, got {self.learning_rate!r}"
            )
        if not isinstance(self.subsample, Real) or not 0.0 < self.subsample <= 1.0:
            raise ValueError(f"{who}: subsample must be a float in (0, 1], got {self.subsample!r}")
        if not isinstance(self.max_bins, Integral) or not 2 <= self.max_bins <= 256:
            raise ValueError(f"{who}: max_bins must be an int in [2, 256], got {self.max_bins!r}")

    def _fit_stages(self, X: np.ndarray, y: np.ndarray, loss) -> None:
        """F_0 from the loss, then n_estimators stages of loss.n_trees trees each."""
        self._check_params()
        n_samples, n_features = X.shape
        growth = resolve_growth(self, "squared_error", 1, n_samples, n_features)
        params = HistParams(
            max_depth=growth.max_depth,
            min_samples_split=growth.min_samples_split,
            min_samples_leaf=growth.min_samples_leaf,
            min_impurity_decrease=growth.min_impurity_decrease,
            max_features=growth.max_features,
        )
        rng = check_random_state(self.random_state)
        binned = BinnedFeatures(X, self.max_bins)
        self.n_features_in_ = n_features
        self.max_features_ = growth.max_features
        self.n_trees_per_iteration_ = loss.n_trees
        self._init_raw = loss.init_raw(y)
        raw = np.tile(self._init_raw, (n_samples, 1))
        n_inbag = max(1, int(self.subsample * n_samples))
        tree_params = {
            "max_depth": self.max_depth,
            "min_samples_split": self.min_samples_split,
            "min_samples_leaf": self.min_samples_leaf,
            "min_impurity_decrease": self.min_impurity_decrease,
            "max_features": self.max_features,
        }
        self.estimators_ = np.empty((self.n_estimators, loss.n_trees), dtype=object)
        self.train_score_ = np.zeros(self.n_estimators)
        for stage in range(self.n_estimators):
            if n_inbag < n_samples:
                rows = np.sort(rng.permutation(n_samples)[:n_inbag])
                out_of_bag = np.setdiff1d(np.arange(n_samples), rows)
            else:
                rows, out_of_bag = np.arange(n_samples), None
            residual = loss.negative_gradient(y, raw)  # (n, K), at F_{m-1}
            for k in range(loss.n_trees):
                tree, leaf = grow_hist_tree(binned, rows, residual[rows, k], params, rng)
                values = loss.leaf_values(
                    y[rows], raw[rows], residual[rows, k], leaf, tree.node_count, k
                )
                if values is not None:
                    is_leaf = tree.children_left < 0
                    tree.value[is_leaf, 0, 0] = values[is_leaf]
                raw[rows, k] += self.learning_rate * tree.value[leaf, 0, 0]
                if out_of_bag is not None:
                    oob_leaf = apply_trees([tree], binned.values, [out_of_bag])[0]
                    raw[out_of_bag, k] += self.learning_rate * tree.value[oob_leaf, 0, 0]
                self.estimators_[stage, k] = tree_from_fitted(
                    DecisionTreeRegressor,
                    tree,
                    tree_params,
                    n_features_in_=n_features,
                    max_features_=self.max_features_,
                )
            self.train_score_[stage] = loss(y[rows], raw[rows])
        self.n_estimators_ = self.n_estimators

    def _validate_X(self, X) -> np.ndarray:
        check_is_fitted(self, "estimators_")
        X = check_array(X, estimator=self)
        check_n_features(self, X)
        return X.astype(np.float32)  # the trees' thresholds are midpoints of float32 values

    def _staged_raw(self, X):
        """Yield the raw scores F_m(X), (n_samples, K), after each stage m = 1..M."""
        X = self._validate_X(X)
        raw = np.tile(self._init_raw, (X.shape[0], 1))
        n_stages, K = self.estimators_.shape
        per_group = max(1, PAIRS_PER_APPLY // max(X.shape[0] * K, 1))
        for first in range(0, n_stages, per_group):
            stages = self.estimators_[first : first + per_group]
            trees = [est.tree_ for est in stages.ravel()]
            leaves = apply_trees(trees, X)
            for s in range(stages.shape[0]):
                for k in range(K):
                    tree = trees[s * K + k]
                    raw[:, k] += self.learning_rate * tree.value[leaves[s * K + k], 0, 0]
                yield raw

    def _raw_predict(self, X) -> np.ndarray:
        *_, raw = self._staged_raw(X)
        return raw.copy()

    @property
    def feature_importances_(self) -> np.ndarray:
        """Mean over the trees of their (unnormalised) impurity decreases, normalised to 1."""
        check_is_fitted(self, "estimators_")
        importances = [
            est.tree_.compute_feature_importances(normalize=False)
            for est in self.estimators_.ravel()
            if est.tree_.node_count > 1
        ]
        if not importances:
            return np.zeros(self.n_features_in_)
        mean = np.mean(importances, axis=0)
        return mean / mean.sum()


class GradientBoostingClassifier(ClassifierMixin, BaseGradientBoosting):
    """Gradient boosting for classification with the log-loss (Friedman 2001).

    Two classes: one tree per stage on y − σ(F), F_0 = log(p/(1−p)) with p the positive class
    fraction. K > 2 classes: K trees per stage on 1{y=k} − softmax(F)_k, F_0 = log p_k − mean_j
    log p_j. Leaves take one Newton step (see the module docstring).

    Parameters are scikit-learn's (learning_rate=0.1, n_estimators=100, subsample=1.0,
    max_depth=3, ...), plus max_bins (thresholds per feature of the binned split search).

    Fitted attributes: estimators_ ((n_estimators, K) DecisionTreeRegressor), classes_,
    n_classes_, train_score_ (in-bag deviance after each stage), feature_importances_,
    n_features_in_, n_trees_per_iteration_, n_estimators_.
    """

    def __init__(
        self,
        *,
        loss: str = "log_loss",
        learning_rate: float = 0.1,
        n_estimators: int = 100,
        subsample: float = 1.0,
        min_samples_split: int | float = 2,
        min_samples_leaf: int | float = 1,
        max_depth: int | None = 3,
        min_impurity_decrease: float = 0.0,
        random_state=None,
        max_features: int | float | str | None = None,
        max_bins: int = 255,
    ) -> None:
        self.loss = loss
        self.learning_rate = learning_rate
        self.n_estimators = n_estimators
        self.subsample = subsample
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_depth = max_depth
        self.min_impurity_decrease = min_impurity_decrease
        self.random_state = random_state
        self.max_features = max_features
        self.max_bins = max_bins

    def fit(self, X, y) -> GradientBoostingClassifier:
        """Fit n_estimators boosting stages to X (n_samples, n_features) and labels y."""
        if self.loss != "log_loss":
            raise ValueError(f"{type(self).__name__}: loss must be 'log_loss', got {self.loss!r}")
        X, y = check_X_y(X, y, estimator=self)
        self.classes_, y_encoded = check_classification_targets(y, self, min_classes=2)
        self.n_classes_ = self.classes_.shape[0]
        if self.n_classes_ == 2:
            loss = BinomialLoss()
            y_encoded = y_encoded.astype(np.float64)
        else:
            loss = MultinomialLoss(self.n_classes_)
        self._fit_stages(X, y_encoded, loss)
        return self

    def _proba(self, raw: np.ndarray) -> np.ndarray:
        if self.n_classes_ == 2:
            p = expit(raw[:, 0])
            return np.stack([1 - p, p], axis=1)
        return softmax(raw)

    def decision_function(self, X) -> np.ndarray:
        """Raw scores F(X): (n_samples,) for two classes, (n_samples, n_classes) otherwise."""
        raw = self._raw_predict(X)
        return raw[:, 0] if self.n_classes_ == 2 else raw

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities σ(F) or softmax(F): (n_samples, n_classes)."""
        return self._proba(self._raw_predict(X))

    def predict(self, X) -> np.ndarray:
        """Most probable class: (n_samples,)."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def staged_decision_function(self, X):
        """Yield decision_function(X) after each stage."""
        for raw in self._staged_raw(X):
            yield raw[:, 0].copy() if self.n_classes_ == 2 else raw.copy()

    def staged_predict_proba(self, X):
        """Yield predict_proba(X) after each stage."""
        for raw in self._staged_raw(X):
            yield self._proba(raw)

    def staged_predict(self, X):
        """Yield predict(X) after each stage."""
        for raw in self._staged_raw(X):
            yield self.classes_[np.argmax(self._proba(raw), axis=1)]


class GradientBoostingRegressor(RegressorMixin, BaseGradientBoosting):
    """Gradient boosting for regression (Friedman 2001).

    loss: 'squared_error' (F_0 = mean y, leaves = mean residual), 'absolute_error' (F_0 =
    median y, trees fit sign(y − F), leaves = median of y − F) or 'huber' (δ = alpha-quantile of
    |y − F| each stage, residuals clipped at δ). Parameters otherwise as the classifier's.

    Fitted attributes: estimators_ ((n_estimators, 1) DecisionTreeRegressor), train_score_
    (in-bag loss after each stage), feature_importances_, n_features_in_, n_estimators_.
    """

    _losses = ("squared_error", "absolute_error", "huber")

    def __init__(
        self,
        *,
        loss: str = "squared_error",
        learning_rate: float = 0.1,
        n_estimators: int = 100,
        subsample: float = 1.0,
        min_samples_split: int | float = 2,
        min_samples_leaf: int | float = 1,
        max_depth: int | None = 3,
        min_impurity_decrease: float = 0.0,
        random_state=None,
        max_features: int | float | str | None = None,
        alpha: float = 0.9,
        max_bins: int = 255,
    ) -> None:
        self.loss = loss
        self.learning_rate = learning_rate
        self.n_estimators = n_estimators
        self.subsample = subsample
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_depth = max_depth
        self.min_impurity_decrease = min_impurity_decrease
        self.random_state = random_state
        self.max_features = max_features
        self.alpha = alpha
        self.max_bins = max_bins

    def fit(self, X, y) -> GradientBoostingRegressor:
        """Fit n_estimators boosting stages to X (n_samples, n_features) and targets y."""
        who = type(self).__name__
        if self.loss not in self._losses:
            raise ValueError(f"{who}: loss must be one of {self._losses}, got {self.loss!r}")
        if self.loss == "huber" and not 0.0 < self.alpha < 1.0:
            raise ValueError(f"{who}: alpha must be a float in (0, 1), got {self.alpha!r}")
        X, y = check_X_y(X, y, estimator=self, y_numeric=True)
        loss = {
            "squared_error": SquaredErrorLoss,
            "absolute_error": AbsoluteErrorLoss,
            "huber": lambda: HuberLoss(self.alpha),
        }[self.loss]()
        self._fit_stages(X, y, loss)
        return self

    def predict(self, X) -> np.ndarray:
        """F(X): (n_samples,)."""
        return self._raw_predict(X)[:, 0]

    def staged_predict(self, X):
        """Yield predict(X) after each stage."""
        for raw in self._staged_raw(X):
            yield raw[:, 0].copy()
