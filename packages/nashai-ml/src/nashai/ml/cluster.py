"""K-means clustering: Lloyd's algorithm seeded by greedy k-means++.

K-means looks for k centres c_1..c_k that minimise the inertia, the (weighted) sum of squared
distances from each sample to its closest centre:

    J(c) = Σ_i w_i min_j ‖x_i − c_j‖²

Lloyd's algorithm alternates two steps that each lower J until the assignment stops changing:
assign every sample to its closest centre, then move every centre to the mean of its samples.
Both steps are a few matrix products here: ‖x − c‖² = ‖x‖² − 2 x·c + ‖c‖² for all pairs at once,
and the new centres are (one-hot labels)ᵀ X / counts.

References: Lloyd (1982), "Least squares quantization in PCM"; Arthur & Vassilvitskii (2007),
"k-means++: the advantages of careful seeding"; scikit-learn's `KMeans` for the conventions
(tolerance relative to the data's variance, greedy seeding, relocation of empty clusters).
"""

from __future__ import annotations

import warnings

import numpy as np

from nashai.ml.base import (
    BaseEstimator,
    ClusterMixin,
    ConvergenceWarning,
    TransformerMixin,
    check_array,
    check_is_fitted,
    check_n_features,
    check_random_state,
)


def _squared_distances(X: np.ndarray, x_squared_norms: np.ndarray, centers: np.ndarray):
    """‖x_i − c_j‖² = ‖x_i‖² − 2 x_i·c_j + ‖c_j‖², clipped at 0.  (n, p), (k, p) → (n, k)."""
    distances = X @ centers.T
    distances *= -2.0
    distances += x_squared_norms[:, None]
    distances += np.einsum("kp,kp->k", centers, centers)
    return np.maximum(distances, 0.0, out=distances)


def _closest_centers(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Index of the closest centre for each sample: argmin_j (‖c_j‖² − 2 x·c_j).  → (n,)."""
    scores = X @ centers.T
    scores *= -2.0
    scores += np.einsum("kp,kp->k", centers, centers)
    return np.argmin(scores, axis=1)


def _inertia(X: np.ndarray, sample_weight: np.ndarray, centers: np.ndarray, labels) -> float:
    """Σ_i w_i ‖x_i − c_{label_i}‖², computed from the differences (not the expansion)."""
    residual = X - centers[labels]
    return float(np.einsum("np,np->n", residual, residual) @ sample_weight)


def kmeans_plusplus(
    X,
    n_clusters: int,
    *,
    sample_weight=None,
    random_state=None,
    n_local_trials: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Greedy k-means++ seeding: (centers (n_clusters, n_features), indices (n_clusters,)).

    The first centre is a sample drawn with probability ∝ w_i. Each next centre is chosen among
    `n_local_trials` (default 2 + ⌊ln k⌋) candidates drawn with probability ∝ w_i D(x_i)², D the
    distance to the closest centre so far; the candidate that lowers the potential Σ w_i D(x_i)²
    the most is kept (Arthur & Vassilvitskii 2007, §5; the greedy variant scikit-learn uses).
    """
    X = check_array(X)
    n_samples = X.shape[0]
    if not 1 <= n_clusters <= n_samples:
        raise ValueError(
            f"n_clusters must be between 1 and n_samples={n_samples}, got {n_clusters}"
        )
    sample_weight = _check_sample_weight(sample_weight, n_samples)
    x_squared_norms = np.einsum("np,np->n", X, X)
    return _kmeans_plusplus(
        X,
        n_clusters,
        x_squared_norms,
        sample_weight,
        check_random_state(random_state),
        n_local_trials,
    )


def _kmeans_plusplus(X, n_clusters, x_squared_norms, sample_weight, rng, n_local_trials=None):
    n_samples, n_features = X.shape
    if n_local_trials is None:
        n_local_trials = 2 + int(np.log(n_clusters))
    centers = np.empty((n_clusters, n_features))
    indices = np.empty(n_clusters, dtype=np.intp)

    first = rng.choice(n_samples, p=sample_weight / sample_weight.sum())
    centers[0], indices[0] = X[first], first
    closest_sq = _squared_distances(X, x_squared_norms, X[first][None])[:, 0]  # D(x)², (n,)
    potential = closest_sq @ sample_weight

    for c in range(1, n_clusters):
        targets = rng.uniform(size=n_local_trials) * potential
        candidates = np.searchsorted(np.cumsum(sample_weight * closest_sq), targets)
        np.clip(candidates, None, n_samples - 1, out=candidates)  # rounding can overshoot
        # (n, n_local_trials): each sample's D² if that candidate were added
        trial_sq = np.minimum(
            closest_sq[:, None], _squared_distances(X, x_squared_norms, X[candidates])
        )
        trial_potentials = sample_weight @ trial_sq
        best = np.argmin(trial_potentials)
        potential, closest_sq = trial_potentials[best], trial_sq[:, best]
        centers[c], indices[c] = X[candidates[best]], candidates[best]
    return centers, indices


def _check_sample_weight(sample_weight, n_samples: int) -> np.ndarray:
    if sample_weight is None:
        return np.ones(n_samples)
    sample_weight = np.asarray(sample_weight, dtype=np.float64)
    if sample_weight.shape != (n_samples,):
        raise ValueError(f"sample_weight must have shape ({n_samples},), got {sample_weight.shape}")
    if not np.all(np.isfinite(sample_weight)) or np.any(sample_weight < 0):
        raise ValueError("sample_weight must be finite and non-negative")
    return sample_weight


def _update_centers(X, sample_weight, labels, old_centers):
    """M-step: each centre moves to the weighted mean of its samples.  → centres (k, p).

    The sums are one matmul, (one-hot labels · w)ᵀ X. A cluster left empty takes the sample
    farthest from its current centre (which leaves its old cluster), as scikit-learn does.
    """
    n_clusters = old_centers.shape[0]
    membership = np.zeros((X.shape[0], n_clusters))  # (n, k), row i = w_i e_{label_i}
    membership[np.arange(X.shape[0]), labels] = sample_weight
    sums = membership.T @ X
    weights = np.bincount(labels, weights=sample_weight, minlength=n_clusters)

    empty = np.flatnonzero(weights == 0)
    if empty.size:
        residual = X - old_centers[labels]
        distances = np.einsum("np,np->n", residual, residual)
        farthest = np.argpartition(distances, -empty.size)[: -empty.size - 1 : -1]
        for new_id, far in zip(empty, farthest, strict=True):
            old_id = labels[far]
            sums[old_id] -= sample_weight[far] * X[far]
            sums[new_id] = sample_weight[far] * X[far]
            weights[old_id] -= sample_weight[far]
            weights[new_id] = sample_weight[far]

    scale = np.ones_like(weights)
    np.divide(1.0, weights, out=scale, where=weights > 0)
    return sums * scale[:, None]


def _lloyd(X, sample_weight, centers, max_iter: int, tol: float):
    """One run of Lloyd's algorithm from `centers`: (labels, inertia, centers, n_iter).

    Stops when the labels no longer change ("strict convergence") or when the squared
    Frobenius norm of the centre shift is ≤ tol; then the samples are reassigned to the final
    centres so labels and centres agree.
    """
    labels_old = None
    for n_iter in range(1, max_iter + 1):
        labels = _closest_centers(X, centers)
        new_centers = _update_centers(X, sample_weight, labels, centers)
        shift = np.sum((new_centers - centers) ** 2)
        centers = new_centers
        if labels_old is not None and np.array_equal(labels, labels_old):
            return labels, _inertia(X, sample_weight, centers, labels), centers, n_iter
        if shift <= tol:
            break
        labels_old = labels
    labels = _closest_centers(X, centers)
    return labels, _inertia(X, sample_weight, centers, labels), centers, n_iter


class KMeans(ClusterMixin, TransformerMixin, BaseEstimator):
    """K-means clustering by Lloyd's algorithm (see the module docstring for the objective).

    Parameters (scikit-learn's names and defaults):
        n_clusters: k, the number of centres.
        init: 'k-means++' (greedy seeding, see `kmeans_plusplus`), 'random' (k distinct samples)
            or an array (n_clusters, n_features) of initial centres.
        n_init: number of runs from different seeds, the lowest inertia kept; 'auto' is 1 for
            'k-means++' or an array and 10 for 'random'.
        max_iter: Lloyd iterations per run.
        tol: the run stops when Σ_j ‖c_j − c_j'‖² ≤ tol · mean_f Var(X[:, f]).
        random_state: None, an int or a numpy Generator.

    Fitted attributes: cluster_centers_ (k, p), labels_ (n,), inertia_, n_iter_,
    n_features_in_.
    """

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        init="k-means++",
        n_init="auto",
        max_iter: int = 300,
        tol: float = 1e-4,
        random_state=None,
    ):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def _check_params(self, X: np.ndarray):
        name = type(self).__name__
        n_samples, n_features = X.shape
        if not isinstance(self.n_clusters, (int, np.integer)) or self.n_clusters < 1:
            raise ValueError(f"{name}: n_clusters must be an int >= 1, got {self.n_clusters!r}")
        if n_samples < self.n_clusters:
            raise ValueError(
                f"{name}: n_samples={n_samples} should be >= n_clusters={self.n_clusters}"
            )
        if not isinstance(self.max_iter, (int, np.integer)) or self.max_iter < 1:
            raise ValueError(f"{name}: max_iter must be an int >= 1, got {self.max_iter!r}")
        if not self.tol >= 0:
            raise ValueError(f"{name}: tol must be >= 0, got {self.tol!r}")

        if isinstance(self.init, str):
            if self.init not in ("k-means++", "random"):
                raise ValueError(
                    f"{name}: init must be 'k-means++', 'random' or an array of shape "
                    f"(n_clusters, n_features), got {self.init!r}"
                )
            init = self.init
        else:
            init = check_array(self.init, name="init", estimator=self)
            if init.shape != (self.n_clusters, n_features):
                raise ValueError(
                    f"{name}: init must have shape (n_clusters, n_features) = "
                    f"({self.n_clusters}, {n_features}), got {init.shape}"
                )

        if self.n_init == "auto":
            n_init = 10 if isinstance(init, str) and init == "random" else 1
        elif isinstance(self.n_init, (int, np.integer)) and self.n_init >= 1:
            n_init = int(self.n_init)
        else:
            raise ValueError(f"{name}: n_init must be 'auto' or an int >= 1, got {self.n_init!r}")
        if not isinstance(init, str) and n_init != 1:
            warnings.warn(
                f"Explicit initial centres passed: {name} runs once instead of n_init={n_init}.",
                RuntimeWarning,
                stacklevel=3,
            )
            n_init = 1
        return init, n_init

    def fit(self, X, y=None, sample_weight=None) -> KMeans:
        """Run `n_init` seeded Lloyd runs on X (n_samples, n_features) and keep the best."""
        X = check_array(X, estimator=self)
        init, n_init = self._check_params(X)
        sample_weight = _check_sample_weight(sample_weight, X.shape[0])
        rng = check_random_state(self.random_state)
        self.n_features_in_ = X.shape[1]

        tol = np.mean(np.var(X, axis=0)) * self.tol
        X_mean = X.mean(axis=0)
        X = X - X_mean  # centred data: smaller norms, more accurate ‖x‖² − 2x·c + ‖c‖²
        x_squared_norms = np.einsum("np,np->n", X, X)

        best = None
        for _ in range(n_init):
            if isinstance(init, str) and init == "k-means++":
                centers, _ = _kmeans_plusplus(
                    X, self.n_clusters, x_squared_norms, sample_weight, rng
                )
            elif isinstance(init, str):  # 'random': k distinct samples, drawn ∝ weight
                seeds = rng.choice(
                    X.shape[0],
                    size=self.n_clusters,
                    replace=False,
                    p=sample_weight / sample_weight.sum(),
                )
                centers = X[seeds]
            else:
                centers = init - X_mean
            run = _lloyd(X, sample_weight, centers, self.max_iter, tol)
            if best is None or run[1] < best[1]:
                best = run

        labels, inertia, centers, n_iter = best
        n_distinct = np.unique(labels).size
        if n_distinct < self.n_clusters:
            warnings.warn(
                f"Number of distinct clusters ({n_distinct}) found smaller than n_clusters "
                f"({self.n_clusters}). Possibly due to duplicate points in X.",
                ConvergenceWarning,
                stacklevel=2,
            )
        self.cluster_centers_ = centers + X_mean
        self.labels_ = labels
        self.inertia_ = inertia
        self.n_iter_ = n_iter
        return self

    def fit_predict(self, X, y=None, sample_weight=None) -> np.ndarray:
        """Fit, then return labels_ (n_samples,)."""
        return self.fit(X, sample_weight=sample_weight).labels_

    def _validate_for_predict(self, X) -> np.ndarray:
        check_is_fitted(self, "cluster_centers_")
        X = check_array(X, estimator=self)
        check_n_features(self, X)
        return X

    def predict(self, X) -> np.ndarray:
        """Index of the closest centre for each sample.  (n, p) → (n,)."""
        return _closest_centers(self._validate_for_predict(X), self.cluster_centers_)

    def transform(self, X) -> np.ndarray:
        """Euclidean distance from each sample to each centre.  (n, p) → (n, n_clusters)."""
        X = self._validate_for_predict(X)
        x_squared_norms = np.einsum("np,np->n", X, X)
        return np.sqrt(_squared_distances(X, x_squared_norms, self.cluster_centers_))

    def fit_transform(self, X, y=None, sample_weight=None) -> np.ndarray:
        """Fit, then return the distances to the centres (n_samples, n_clusters)."""
        return self.fit(X, sample_weight=sample_weight).transform(X)

    def score(self, X, y=None, sample_weight=None) -> float:
        """Opposite of the inertia of X under the fitted centres: −Σ_i w_i min_j ‖x_i − c_j‖²."""
        X = self._validate_for_predict(X)
        sample_weight = _check_sample_weight(sample_weight, X.shape[0])
        labels = _closest_centers(X, self.cluster_centers_)
        return -_inertia(X, sample_weight, self.cluster_centers_, labels)
