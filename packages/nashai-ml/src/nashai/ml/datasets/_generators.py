"""Synthetic data sets with a known structure, drawn from a seeded numpy Generator.

They follow scikit-learn's recipes (same parameters, same distributions), so the data are
statistically alike; the draws themselves differ, as the random streams differ.
"""

from __future__ import annotations

import numbers

import numpy as np
import numpy.typing as npt

from nashai.ml.base import check_random_state


def _check_count(value, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def _check_noise(noise, name: str = "noise") -> float:
    if noise is None:
        return 0.0
    if not isinstance(noise, numbers.Real) or noise < 0:
        raise ValueError(f"{name} must be a number >= 0 or None, got {noise!r}")
    return float(noise)


def _shuffle_rows(rng: np.random.Generator, *arrays: np.ndarray):
    order = rng.permutation(arrays[0].shape[0])
    return tuple(a[order] for a in arrays)


def _split_in_two(n_samples, name: str = "n_samples") -> tuple[int, int]:
    """An int n gives (n // 2, n − n // 2); a pair (n_outer, n_inner) is taken as is."""
    if isinstance(n_samples, numbers.Integral) and not isinstance(n_samples, bool):
        n = _check_count(n_samples, name)
        return n // 2, n - n // 2
    try:
        outer, inner = n_samples
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be an int or a pair (n_outer, n_inner), got {n_samples!r}"
        ) from None
    return _check_count(outer, f"{name}[0]", 0), _check_count(inner, f"{name}[1]", 0)


def make_regression(
    n_samples: int = 100,
    n_features: int = 100,
    *,
    n_informative: int = 10,
    n_targets: int = 1,
    bias: float = 0.0,
    noise: float = 0.0,
    shuffle: bool = True,
    coef: bool = False,
    random_state=None,
):
    """A linear regression problem: y = X w + bias + noise · ε.

    X (n_samples, n_features) and ε are standard normal; w (n_features, n_targets) has
    n_informative non-zero rows drawn uniformly from [0, 100), the rest zero. With shuffle,
    the rows and the columns of X (with w's rows) are permuted.
    Returns X, y ((n_samples,) when n_targets == 1, else (n_samples, n_targets)) and, with
    coef=True, w ((n_features,) or (n_features, n_targets)).
    """
    n_samples = _check_count(n_samples, "n_samples")
    n_features = _check_count(n_features, "n_features")
    n_targets = _check_count(n_targets, "n_targets")
    n_informative = min(n_features, _check_count(n_informative, "n_informative", 0))
    noise = _check_noise(noise)
    rng = check_random_state(random_state)

    X = rng.standard_normal((n_samples, n_features))
    w = np.zeros((n_features, n_targets))
    w[:n_informative] = 100 * rng.random((n_informative, n_targets))
    y = X @ w + bias
    if noise > 0:
        y += noise * rng.standard_normal(y.shape)
    if shuffle:
        X, y = _shuffle_rows(rng, X, y)
        columns = rng.permutation(n_features)
        X, w = X[:, columns], w[columns]
    if n_targets == 1:
        y, w = y.ravel(), w.ravel()
    return (X, y, w) if coef else (X, y)


def _hypercube_vertices(n_vertices: int, n_dims: int, rng: np.random.Generator) -> np.ndarray:
    """n_vertices distinct corners of {0, 1}^n_dims, chosen at random. → (n_vertices, n_dims)."""
    bits = min(n_dims, 30)  # distinct codes on the first 30 axes make the corners distinct
    codes = rng.choice(2**bits, size=n_vertices, replace=False)
    vertices = (codes[:, None] >> np.arange(bits)[None, :]) & 1
    if n_dims > bits:
        vertices = np.hstack([vertices, rng.integers(0, 2, (n_vertices, n_dims - bits))])
    return vertices.astype(np.float64)


def make_classification(
    n_samples: int = 100,
    n_features: int = 20,
    *,
    n_informative: int = 2,
    n_redundant: int = 2,
    n_repeated: int = 0,
    n_classes: int = 2,
    n_clusters_per_class: int = 2,
    weights: npt.ArrayLike | None = None,
    flip_y: float = 0.01,
    class_sep: float = 1.0,
    hypercube: bool = True,
    shift: float | npt.ArrayLike = 0.0,
    scale: float | npt.ArrayLike = 1.0,
    shuffle: bool = True,
    random_state=None,
):
    """A classification problem of Gaussian clusters, after Guyon (2003), "Design of
    experiments for the NIPS 2003 variable selection benchmark".

    Each class owns n_clusters_per_class clusters. A cluster is a standard normal cloud in the
    n_informative informative dimensions, given a random covariance (multiplied by a random
    matrix with entries in [−1, 1)) and centred on a distinct vertex of the hypercube of side
    2·class_sep (a random point of it if not hypercube). Then come n_redundant random linear
    combinations of the informative features, n_repeated copies of random earlier columns and
    standard normal noise columns. A fraction flip_y of the labels is reassigned at random.
    weights: the proportion of each class (default: equal). X = (X + shift) · scale.
    Returns X (n_samples, n_features) and y (n_samples,) int64 in 0 … n_classes − 1.
    """
    n_samples = _check_count(n_samples, "n_samples")
    n_features = _check_count(n_features, "n_features")
    n_informative = _check_count(n_informative, "n_informative")
    n_redundant = _check_count(n_redundant, "n_redundant", 0)
    n_repeated = _check_count(n_repeated, "n_repeated", 0)
    n_classes = _check_count(n_classes, "n_classes")
    n_clusters_per_class = _check_count(n_clusters_per_class, "n_clusters_per_class")
    if n_informative + n_redundant + n_repeated > n_features:
        raise ValueError(
            "Number of informative, redundant and repeated features must sum to less than the "
            f"number of total features ({n_informative} + {n_redundant} + {n_repeated} > "
            f"{n_features})"
        )
    n_clusters = n_classes * n_clusters_per_class
    if n_informative < np.log2(n_clusters):
        raise ValueError(
            f"n_classes({n_classes}) * n_clusters_per_class({n_clusters_per_class}) must be "
            f"smaller or equal 2**n_informative({n_informative})={2**n_informative}"
        )
    if not 0 <= flip_y <= 1:
        raise ValueError(f"flip_y must be in [0, 1], got {flip_y!r}")
    if weights is None:
        weights = np.full(n_classes, 1.0 / n_classes)
    else:
        weights = np.asarray(weights, dtype=np.float64)
        if weights.shape[0] == n_classes - 1:  # the last class takes the rest
            weights = np.append(weights, 1.0 - weights.sum())
        if weights.shape != (n_classes,) or np.any(weights < 0):
            raise ValueError(
                f"weights must have n_classes ({n_classes}) or n_classes - 1 non-negative "
                f"entries, got {weights.tolist()}"
            )
    rng = check_random_state(random_state)

    # Samples per cluster: cluster k belongs to class k % n_classes.
    cluster_class = np.arange(n_clusters) % n_classes
    per_cluster = (n_samples * weights[cluster_class] / n_clusters_per_class).astype(np.int64)
    if per_cluster.sum() > n_samples:
        raise ValueError(f"weights must sum to at most 1, got {weights.tolist()}")
    np.add.at(per_cluster, np.arange(n_samples - per_cluster.sum()) % n_clusters, 1)
    y = np.repeat(cluster_class, per_cluster)

    if hypercube:
        centroids = _hypercube_vertices(n_clusters, n_informative, rng)
    else:
        centroids = rng.random((n_clusters, n_informative))
    centroids = centroids * 2 * class_sep - class_sep

    X = np.empty((n_samples, n_features))
    informative = rng.standard_normal((n_samples, n_informative))
    starts = np.concatenate([[0], np.cumsum(per_cluster)])
    for k in range(n_clusters):
        rows = slice(starts[k], starts[k + 1])
        covariance_factor = 2 * rng.random((n_informative, n_informative)) - 1
        informative[rows] = informative[rows] @ covariance_factor + centroids[k]
    X[:, :n_informative] = informative
    end = n_informative
    if n_redundant:
        mix = 2 * rng.random((n_informative, n_redundant)) - 1
        X[:, end : end + n_redundant] = informative @ mix
        end += n_redundant
    if n_repeated:
        source = rng.integers(0, end, n_repeated)
        X[:, end : end + n_repeated] = X[:, source]
        end += n_repeated
    X[:, end:] = rng.standard_normal((n_samples, n_features - end))

    if flip_y > 0:
        flipped = rng.random(n_samples) < flip_y
        y[flipped] = rng.integers(0, n_classes, int(flipped.sum()))
    X = (X + shift) * scale
    if shuffle:
        X, y = _shuffle_rows(rng, X, y)
        X = X[:, rng.permutation(n_features)]
    return X, y


def make_blobs(
    n_samples: int | npt.ArrayLike = 100,
    n_features: int = 2,
    *,
    centers: int | npt.ArrayLike | None = None,
    cluster_std: float | npt.ArrayLike = 1.0,
    center_box: tuple[float, float] = (-10.0, 10.0),
    shuffle: bool = True,
    random_state=None,
    return_centers: bool = False,
):
    """Isotropic Gaussian blobs: x = centre_k + cluster_std_k · ε, ε standard normal.

    n_samples: a total, split as evenly as possible over the centres, or one count per centre.
    centers: a number of centres drawn uniformly in center_box (default 3), or their
    coordinates (n_centers, n_features). Returns X (n_samples, n_features), y (n_samples,)
    int64 (the blob of each sample) and, with return_centers, the centres.
    """
    rng = check_random_state(random_state)
    n_features = _check_count(n_features, "n_features")
    if isinstance(n_samples, numbers.Integral) and not isinstance(n_samples, bool):
        total = _check_count(n_samples, "n_samples")
        if centers is None:
            centers = 3
        if isinstance(centers, numbers.Integral):
            n_centers = _check_count(centers, "centers")
            centers = rng.uniform(center_box[0], center_box[1], (n_centers, n_features))
        else:
            centers = np.asarray(centers, dtype=np.float64)
            if centers.ndim != 2:
                raise ValueError(
                    f"centers must be an int or an array (n_centers, n_features), got shape "
                    f"{centers.shape}"
                )
            n_features = centers.shape[1]
        counts = np.full(centers.shape[0], total // centers.shape[0])
        counts[: total % centers.shape[0]] += 1
    else:
        counts = np.asarray(n_samples)
        if counts.ndim != 1 or counts.dtype.kind not in "iu" or np.any(counts < 0):
            raise ValueError(f"n_samples must be an int or a list of counts, got {n_samples!r}")
        if centers is None:
            centers = rng.uniform(center_box[0], center_box[1], (counts.shape[0], n_features))
        else:
            centers = np.asarray(centers, dtype=np.float64)
            if centers.ndim != 2 or centers.shape[0] != counts.shape[0]:
                raise ValueError(
                    f"Length of `n_samples` not consistent with number of centers. Got "
                    f"n_samples = {counts.shape[0]} and centers = {centers.shape}"
                )
            n_features = centers.shape[1]
    n_centers = centers.shape[0]
    stds = np.broadcast_to(np.asarray(cluster_std, dtype=np.float64), (n_centers,))
    if np.any(stds < 0):
        raise ValueError(f"cluster_std must be >= 0, got {cluster_std!r}")

    y = np.repeat(np.arange(n_centers), counts)
    X = centers[y] + stds[y, None] * rng.standard_normal((y.shape[0], n_features))
    if shuffle:
        X, y = _shuffle_rows(rng, X, y)
    return (X, y, centers) if return_centers else (X, y)


def make_moons(
    n_samples: int | tuple[int, int] = 100,
    *,
    shuffle: bool = True,
    noise: float | None = None,
    random_state=None,
):
    """Two interleaving half circles: the upper one (cos t, sin t), t ∈ [0, π], and the lower
    one (1 − cos t, 1 − sin t − ½), plus Gaussian noise of standard deviation `noise`.

    n_samples: a total or (n_upper, n_lower). Returns X (n_samples, 2), y (n_samples,) int64.
    """
    n_outer, n_inner = _split_in_two(n_samples)
    noise = _check_noise(noise)
    rng = check_random_state(random_state)
    t_outer, t_inner = np.linspace(0, np.pi, n_outer), np.linspace(0, np.pi, n_inner)
    outer = np.column_stack([np.cos(t_outer), np.sin(t_outer)])
    inner = np.column_stack([1 - np.cos(t_inner), 1 - np.sin(t_inner) - 0.5])
    X = np.vstack([outer, inner])
    y = np.concatenate([np.zeros(n_outer, dtype=np.int64), np.ones(n_inner, dtype=np.int64)])
    if shuffle:
        X, y = _shuffle_rows(rng, X, y)
    if noise > 0:
        X = X + noise * rng.standard_normal(X.shape)
    return X, y


def make_circles(
    n_samples: int | tuple[int, int] = 100,
    *,
    shuffle: bool = True,
    noise: float | None = None,
    random_state=None,
    factor: float = 0.8,
):
    """Two concentric circles: radius 1 (class 0) and radius `factor` (class 1), points evenly
    spaced in angle, plus Gaussian noise of standard deviation `noise`.

    n_samples: a total or (n_outer, n_inner). Returns X (n_samples, 2), y (n_samples,) int64.
    """
    if not isinstance(factor, numbers.Real) or not 0 <= factor < 1:
        raise ValueError(f"'factor' has to be between 0 and 1, got {factor!r}")
    n_outer, n_inner = _split_in_two(n_samples)
    noise = _check_noise(noise)
    rng = check_random_state(random_state)
    t_outer = np.linspace(0, 2 * np.pi, n_outer, endpoint=False)
    t_inner = np.linspace(0, 2 * np.pi, n_inner, endpoint=False)
    X = np.vstack(
        [
            np.column_stack([np.cos(t_outer), np.sin(t_outer)]),
            factor * np.column_stack([np.cos(t_inner), np.sin(t_inner)]),
        ]
    )
    y = np.concatenate([np.zeros(n_outer, dtype=np.int64), np.ones(n_inner, dtype=np.int64)])
    if shuffle:
        X, y = _shuffle_rows(rng, X, y)
    if noise > 0:
        X = X + noise * rng.standard_normal(X.shape)
    return X, y
