"""k-nearest neighbours: predict from the k training points closest to the query.

    classification  p(c | x) = Σ_{i ∈ N_k(x)} wᵢ [yᵢ = c] / Σ_{i ∈ N_k(x)} wᵢ,  ŷ = argmax p(c | x)
    regression      ŷ(x) = Σ_{i ∈ N_k(x)} wᵢ yᵢ / Σ_{i ∈ N_k(x)} wᵢ

with N_k(x) the k nearest training points in the Minkowski distance (Σⱼ |xⱼ − x'ⱼ|ᵖ)^(1/p)
and weights wᵢ = 1 ('uniform') or 1/d(x, xᵢ) ('distance'; a training point at distance 0 then
takes all the weight).

Neighbours are found by brute force, in blocks of queries: for p = 2 the squared distances
‖x‖² − 2 x·x' + ‖x'‖² come from one matmul per block, the k smallest are picked with
argpartition and their distances recomputed exactly; or with a KD-tree (`nashai.ml._kdtree`),
which 'auto' picks for at most 15 features, as scikit-learn does.

Reference: Hastie, Tibshirani & Friedman, The Elements of Statistical Learning (2nd ed.), §13.3.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np

from nashai.ml._kdtree import KDTree, distance_from_reduced, k_smallest, reduced_distance
from nashai.ml.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    check_array,
    check_classification_targets,
    check_is_fitted,
    check_n_features,
    check_X_y,
)

_BLOCK_ELEMENTS = 1 << 22  # a block of query-to-train distances: about 32 MB of float64


def brute_kneighbors(
    queries: np.ndarray, data: np.ndarray, k: int, p: float = 2.0
) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest rows of `data` (n, d) to each row of `queries` (m, d), by brute force.

    Returns (distances, indices), each (m, k), sorted by increasing distance (ties by index).
    Work is O(m n d) in blocks of queries holding at most ~4M distances at a time.
    """
    m, n = queries.shape[0], data.shape[0]
    block = max(1, _BLOCK_ELEMENTS // n)
    if p == 2:  # centring makes the expanded square lose less to cancellation
        center = data.mean(axis=0)
        centred = data - center
        centred_sq = np.einsum("ij,ij->i", centred, centred)
    else:
        data_t = np.ascontiguousarray(data.T)
    dist, ind = np.empty((m, k)), np.empty((m, k), dtype=np.intp)
    for s in range(0, m, block):
        q = queries[s : s + block]
        if p == 2:  # rank by ‖x‖² − 2 q·x (= ‖q − x‖² − ‖q‖²), then exact distances of the k
            approx = (-2.0 * (q - center)) @ centred.T
            approx += centred_sq
            _, cand = k_smallest(approx, None, k)
            reduced = reduced_distance(data[cand] - q[:, None, :], p)
            dist[s : s + block], ind[s : s + block] = k_smallest(reduced, cand, k)
        else:
            reduced = np.zeros((q.shape[0], n))
            for j in range(data.shape[1]):  # one feature at a time: (block, n) memory only
                term = np.abs(q[:, j, None] - data_t[j])
                reduced += term if p == 1 else term**p
            dist[s : s + block], ind[s : s + block] = k_smallest(reduced, None, k)
    return distance_from_reduced(dist, p), ind


class _NeighborsBase(BaseEstimator):
    """Stores the training set (and a KD-tree) and answers `kneighbors` queries."""

    def _fit(self, X: np.ndarray) -> None:
        self._check_params()
        n_samples, n_features = X.shape
        self.n_features_in_ = n_features
        self.n_samples_fit_ = n_samples
        p = {"euclidean": 2.0, "manhattan": 1.0}.get(self.metric, self.p)
        self.effective_metric_ = {1: "manhattan", 2: "euclidean"}.get(p, "minkowski")
        self.effective_metric_params_ = {"p": p} if self.effective_metric_ == "minkowski" else {}
        self._p = float(p)
        method = self.algorithm
        if method == "auto":  # scikit-learn's rule: trees pay in low dimension, for small k
            few_neighbours = self.n_neighbors < n_samples // 2
            method = "kd_tree" if n_features <= 15 and few_neighbours else "brute"
        self._fit_method = method
        self._fit_X = X
        self._tree = KDTree(X, self.leaf_size, self._p) if method == "kd_tree" else None

    def _check_params(self) -> None:
        name = type(self).__name__
        k = self.n_neighbors
        if not isinstance(k, Integral) or isinstance(k, bool) or k < 1:
            raise ValueError(f"{name}: n_neighbors must be an integer >= 1, got {k!r}")
        if self.weights not in ("uniform", "distance") and not callable(self.weights):
            raise ValueError(
                f"{name}: weights must be 'uniform', 'distance' or a callable, got {self.weights!r}"
            )
        if self.algorithm not in ("auto", "brute", "kd_tree"):
            raise ValueError(
                f"{name}: algorithm must be 'auto', 'brute' or 'kd_tree', got {self.algorithm!r}"
            )
        if not isinstance(self.leaf_size, Integral) or self.leaf_size < 1:
            raise ValueError(f"{name}: leaf_size must be an integer >= 1, got {self.leaf_size!r}")
        if self.metric not in ("minkowski", "euclidean", "manhattan"):
            raise ValueError(
                f"{name}: metric must be 'minkowski', 'euclidean' or 'manhattan', "
                f"got {self.metric!r}"
            )
        if self.metric == "minkowski" and (
            not isinstance(self.p, Real) or not np.isfinite(self.p) or self.p < 1
        ):
            raise ValueError(f"{name}: p must be a finite number >= 1, got {self.p!r}")

    def kneighbors(self, X=None, n_neighbors: int | None = None, return_distance: bool = True):
        """The n_neighbors nearest training points of each query, nearest first.

        X (m, n_features), or None for the training points themselves, each then not counted
        as its own neighbour. Returns (distances (m, k), indices (m, k)) into the training set,
        or only the indices if `return_distance` is False.
        """
        check_is_fitted(self, "_fit_X")
        k = self.n_neighbors if n_neighbors is None else n_neighbors
        if not isinstance(k, Integral) or isinstance(k, bool) or k < 1:
            raise ValueError(f"n_neighbors must be an integer >= 1, got {k!r}")
        query_is_train = X is None
        if query_is_train:
            X, k = self._fit_X, k + 1  # the point itself comes back first: drop it below
        else:
            X = check_array(X, estimator=self)
            check_n_features(self, X)
        if k > self.n_samples_fit_:
            raise ValueError(
                f"Expected n_neighbors <= n_samples_fit, but n_samples_fit = "
                f"{self.n_samples_fit_}, n_neighbors = {k - query_is_train}"
            )
        if self._fit_method == "kd_tree":
            dist, ind = self._tree.query(X, k)
        else:
            dist, ind = brute_kneighbors(X, self._fit_X, k, self._p)
        if query_is_train:
            dist, ind = _drop_self(dist, ind)
        return (dist, ind) if return_distance else ind

    def _neighbor_weights(self, dist: np.ndarray) -> np.ndarray:
        """wᵢ = 1, or 1/dᵢ, or weights(d); a row with a zero distance weighs only those."""
        if self.weights == "uniform":
            return np.ones_like(dist)
        if callable(self.weights):
            return np.asarray(self.weights(dist), dtype=np.float64)
        with np.errstate(divide="ignore"):
            inverse = 1.0 / dist
        exact = np.isinf(inverse)
        exact_rows = exact.any(axis=1)
        inverse[exact_rows] = exact[exact_rows]
        return inverse


def _drop_self(dist: np.ndarray, ind: np.ndarray):
    """Remove each training point from its own k+1 neighbours (the first duplicate if the point
    itself was crowded out by more than k duplicates). (n, k+1) → (n, k)."""
    n = ind.shape[0]
    keep = ind != np.arange(n)[:, None]
    crowded = keep.all(axis=1)
    keep[crowded, 0] = False
    return dist[keep].reshape(n, -1), ind[keep].reshape(n, -1)


class KNeighborsClassifier(ClassifierMixin, _NeighborsBase):
    """Vote of the k nearest neighbours (uniform or inverse-distance weighted).

    Parameters as scikit-learn: n_neighbors, weights ('uniform' | 'distance' | callable),
    algorithm ('auto' | 'brute' | 'kd_tree'), leaf_size, p (Minkowski p ≥ 1), metric
    ('minkowski' | 'euclidean' | 'manhattan').
    Fitted: classes_, n_features_in_, n_samples_fit_, effective_metric_,
    effective_metric_params_.
    """

    def __init__(
        self,
        n_neighbors: int = 5,
        *,
        weights="uniform",
        algorithm: str = "auto",
        leaf_size: int = 30,
        p: float = 2,
        metric: str = "minkowski",
    ):
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.algorithm = algorithm
        self.leaf_size = leaf_size
        self.p = p
        self.metric = metric

    def fit(self, X, y) -> KNeighborsClassifier:
        """Store X (n_samples, n_features) and the labels y (n_samples,); returns self."""
        X, y = check_X_y(X, y, estimator=self)
        self.classes_, self._y = check_classification_targets(y, estimator=self, min_classes=1)
        self._fit(X)
        return self

    def predict_proba(self, X) -> np.ndarray:
        """p(c | x) = Σ wᵢ [yᵢ = c] / Σ wᵢ over the neighbours.  (m, d) → (m, n_classes)."""
        dist, ind = self.kneighbors(X)
        weight = self._neighbor_weights(dist)
        m, n_classes = ind.shape[0], len(self.classes_)
        cell = (np.arange(m)[:, None] * n_classes + self._y[ind]).ravel()
        votes = np.bincount(cell, weights=weight.ravel(), minlength=m * n_classes)
        votes = votes.reshape(m, n_classes)
        total = votes.sum(axis=1, keepdims=True)
        total[total == 0.0] = 1.0
        return votes / total

    def predict(self, X) -> np.ndarray:
        """The class with the largest (weighted) vote, ties to the first class.  (m, d) → (m,)."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class KNeighborsRegressor(RegressorMixin, _NeighborsBase):
    """Weighted mean of the targets of the k nearest neighbours.

    Same parameters as KNeighborsClassifier; y may be (n,) or (n, n_targets).
    """

    def __init__(
        self,
        n_neighbors: int = 5,
        *,
        weights="uniform",
        algorithm: str = "auto",
        leaf_size: int = 30,
        p: float = 2,
        metric: str = "minkowski",
    ):
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.algorithm = algorithm
        self.leaf_size = leaf_size
        self.p = p
        self.metric = metric

    def fit(self, X, y) -> KNeighborsRegressor:
        """Store X (n_samples, n_features) and targets y (n_samples,) or (n_samples, n_targets)."""
        X, y = check_X_y(X, y, estimator=self, y_numeric=True, multi_output=True)
        self._y = y
        self._fit(X)
        return self

    def predict(self, X) -> np.ndarray:
        """ŷ = Σ wᵢ yᵢ / Σ wᵢ over the neighbours.  (m, n_features) → (m,) or (m, n_targets)."""
        dist, ind = self.kneighbors(X)
        weight = self._neighbor_weights(dist)
        neighbour_y = self._y[ind]  # (m, k) or (m, k, n_targets)
        if self._y.ndim == 2:
            weight = weight[:, :, None]
        return (neighbour_y * weight).sum(axis=1) / weight.sum(axis=1)
