"""Information theory of discrete distributions: entropy, divergences, mutual information.

Conventions, shared by every function:

- A distribution is a float array of non-negative probabilities along `axis` (default the last);
  the other axes are a batch, and the result has the batch's shape (a float for a single
  distribution). p and q broadcast against each other, so one q can be compared with a batch of p.
- Probabilities must sum to 1 within 1e-6. Pass `normalize=True` to divide by the sum instead,
  which also accepts counts or unnormalised weights (as scipy.stats.entropy always does).
- 0 · log 0 = 0 (the limit of t log t as t -> 0), so zero-probability outcomes contribute nothing.
  Where q = 0 < p the KL divergence and the cross-entropy are +inf.
- `base` is the base of the logarithm: e for nats (the default), 2 for bits, any b > 0, b != 1.
  A result in base b is the result in nats divided by ln b.
- Joint tables have X along axis -2 (rows) and Y along axis -1 (columns), with any batch in front.

Reference: T. M. Cover and J. A. Thomas, Elements of Information Theory, 2nd ed., ch. 2.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "conditional_entropy",
    "cross_entropy",
    "entropy",
    "joint_entropy",
    "js_divergence",
    "kl_divergence",
    "mutual_information",
    "mutual_information_from_samples",
    "perplexity",
    "perplexity_from_log_likelihoods",
]

_SUM_TOLERANCE = 1e-6  # how far from 1 a distribution's sum may be without normalize=True


# ---------------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------------


def _log_base(base) -> float:
    """ln(base), the divisor that turns nats into units of `base`."""
    if isinstance(base, bool) or not isinstance(base, (int, float, np.integer, np.floating)):
        raise TypeError(f"base must be a positive number, got {type(base).__name__}")
    if not (math.isfinite(base) and base > 0 and base != 1):
        raise ValueError(f"base must be positive, finite and not 1, got {base!r}")
    return math.log(base)


def _as_axes(axis, ndim: int, name: str) -> tuple[int, ...]:
    """`axis` (an int or a tuple of ints) as a tuple of non-negative axes of an ndim-D array."""
    axes = axis if isinstance(axis, tuple) else (axis,)
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise TypeError(f"axis must be an integer, got {axis!r}")
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {axis} is out of range for {name} with {ndim} dimension(s)")
    return tuple(int(a) % ndim for a in axes)


def _as_distribution(p, name: str, axis, normalize: bool) -> np.ndarray:
    """Return `p` as a float64 array of probabilities summing to 1 along `axis`, or raise."""
    arr = np.asarray(p)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    axes = _as_axes(axis, arr.ndim, name)
    if any(arr.shape[a] == 0 for a in axes):
        raise ValueError(f"{name} has no outcomes along axis {axis} (shape {arr.shape})")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity")
    if np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative, got a minimum of {arr.min()!r}")
    total = arr.sum(axis=axes, keepdims=True)
    if normalize:
        if np.any(total == 0):
            raise ValueError(f"{name} sums to 0 along axis {axis}, so it cannot be normalised")
        return arr / total
    worst = float(np.max(np.abs(total - 1.0)))
    if worst > _SUM_TOLERANCE:
        raise ValueError(
            f"{name} must sum to 1 along axis {axis} (within {_SUM_TOLERANCE:g}), but a sum is "
            f"off by {worst:.3g}; pass normalize=True to divide by the sum"
        )
    return arr


def _as_pair(p, q, axis: int, normalize: bool) -> tuple[np.ndarray, np.ndarray]:
    """Validate p and q as distributions along `axis` and broadcast them to one shape."""
    p = _as_distribution(p, "p", axis, normalize)
    q = _as_distribution(q, "q", axis, normalize)
    if p.shape[axis] != q.shape[axis]:
        raise ValueError(
            f"p and q must have the same number of outcomes along axis {axis}, got "
            f"{p.shape[axis]} and {q.shape[axis]} (shapes {p.shape} and {q.shape})"
        )
    try:
        return np.broadcast_arrays(p, q)
    except ValueError:
        raise ValueError(
            f"p and q must have broadcastable shapes, got {p.shape} and {q.shape}"
        ) from None


def _scalar_or_array(value: np.ndarray) -> float | np.ndarray:
    return float(value) if np.ndim(value) == 0 else value


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x · ln y elementwise, with 0 · ln y = 0 for any y (so 0 · ln 0 = 0); -inf where y = 0 < x."""
    with np.errstate(divide="ignore"):
        return np.where(x > 0, x * np.log(np.where(x > 0, y, 1.0)), 0.0)


def _relative_entropy_terms(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """p · ln(p / q) elementwise: 0 where p = 0, +inf where q = 0 < p."""
    with np.errstate(divide="ignore"):
        return _xlogy(p, p / np.where(p > 0, q, 1.0))


# ---------------------------------------------------------------------------------------------
# One distribution, and two over the same outcomes
# ---------------------------------------------------------------------------------------------


def entropy(
    p, base: float = math.e, *, axis: int = -1, normalize: bool = False
) -> float | np.ndarray:
    """Shannon entropy H(p) = -Σᵢ pᵢ log pᵢ, with 0 · log 0 = 0.

    Lies in [0, log k] for k outcomes: 0 for a point mass, log k for the uniform distribution.

    Args:
        p: probabilities, shape (..., k, ...) with the k outcomes along `axis`.
        base: base of the logarithm (e: nats, 2: bits).
        axis: the axis of outcomes; the others are a batch.
        normalize: divide p by its sum instead of requiring it to sum to 1.

    Returns:
        H(p): a float for a single distribution, else an array of the batch shape.
    """
    log_base = _log_base(base)
    p = _as_distribution(p, "p", axis, normalize)
    return _scalar_or_array(-_xlogy(p, p).sum(axis=axis) / log_base)


def cross_entropy(
    p, q, base: float = math.e, *, axis: int = -1, normalize: bool = False
) -> float | np.ndarray:
    """Cross-entropy H(p, q) = -Σᵢ pᵢ log qᵢ = H(p) + KL(p ‖ q).

    The expected code length when outcomes follow p but the code is built for q; +inf where
    qᵢ = 0 < pᵢ, and terms with pᵢ = 0 contribute 0.

    Args:
        p, q: probabilities with the outcomes along `axis`; shapes broadcast.
        base, axis, normalize: as in `entropy`.

    Returns:
        H(p, q): a float, or an array of the broadcast batch shape.
    """
    log_base = _log_base(base)
    p, q = _as_pair(p, q, axis, normalize)
    return _scalar_or_array(-_xlogy(p, q).sum(axis=axis) / log_base)


def kl_divergence(
    p, q, base: float = math.e, *, axis: int = -1, normalize: bool = False
) -> float | np.ndarray:
    """Kullback-Leibler divergence KL(p ‖ q) = Σᵢ pᵢ log(pᵢ / qᵢ).

    Non-negative, zero exactly when p = q, not symmetric; +inf where qᵢ = 0 < pᵢ (p is not
    absolutely continuous with respect to q), and terms with pᵢ = 0 contribute 0.

    Args:
        p, q: probabilities with the outcomes along `axis`; shapes broadcast.
        base, axis, normalize: as in `entropy`.

    Returns:
        KL(p ‖ q): a float, or an array of the broadcast batch shape.
    """
    log_base = _log_base(base)
    p, q = _as_pair(p, q, axis, normalize)
    return _scalar_or_array(_relative_entropy_terms(p, q).sum(axis=axis) / log_base)


def js_divergence(
    p, q, base: float = math.e, *, axis: int = -1, normalize: bool = False
) -> float | np.ndarray:
    """Jensen-Shannon divergence JS(p, q) = ½ KL(p ‖ m) + ½ KL(q ‖ m),  m = ½ (p + q).

    Symmetric, always finite, and bounded by log 2 (1 bit). Its square root is a metric, the
    Jensen-Shannon distance, which is what scipy.spatial.distance.jensenshannon returns.

    Args:
        p, q: probabilities with the outcomes along `axis`; shapes broadcast.
        base, axis, normalize: as in `entropy`.

    Returns:
        JS(p, q): a float, or an array of the broadcast batch shape.
    """
    log_base = _log_base(base)
    p, q = _as_pair(p, q, axis, normalize)
    m = 0.5 * (p + q)  # m > 0 wherever p > 0 or q > 0, so both terms are finite
    terms = _relative_entropy_terms(p, m) + _relative_entropy_terms(q, m)
    return _scalar_or_array(0.5 * terms.sum(axis=axis) / log_base)


# ---------------------------------------------------------------------------------------------
# Joint distributions of two variables
# ---------------------------------------------------------------------------------------------


def _as_joint(joint, normalize: bool) -> np.ndarray:
    """Return `joint` as a float64 table (..., n_x, n_y) summing to 1 over its last two axes."""
    if np.ndim(joint) < 2:
        raise ValueError(
            f"joint must be a table of shape (..., n_x, n_y), got shape {np.shape(joint)}"
        )
    return _as_distribution(joint, "joint", (-2, -1), normalize)


def joint_entropy(joint, base: float = math.e, *, normalize: bool = False) -> float | np.ndarray:
    """Joint entropy H(X, Y) = -Σₓ Σ_y p(x, y) log p(x, y).

    Args:
        joint: the table p(x, y), shape (..., n_x, n_y): X along the rows, Y along the columns,
            any leading axes a batch of tables. It must sum to 1 over the last two axes.
        base, normalize: as in `entropy` (normalize=True accepts a table of counts).

    Returns:
        H(X, Y): a float for one table, else an array of the batch shape.
    """
    log_base = _log_base(base)
    joint = _as_joint(joint, normalize)
    return _scalar_or_array(-_xlogy(joint, joint).sum(axis=(-2, -1)) / log_base)


def conditional_entropy(
    joint, base: float = math.e, *, normalize: bool = False
) -> float | np.ndarray:
    """Conditional entropy of the columns given the rows, H(Y | X) = H(X, Y) - H(X)

        H(Y | X) = -Σₓ Σ_y p(x, y) log (p(x, y) / p(x)),    p(x) = Σ_y p(x, y).

    For H(X | Y) pass the transposed table, np.swapaxes(joint, -1, -2).

    Args:
        joint: the table p(x, y), shape (..., n_x, n_y), as in `joint_entropy`.
        base, normalize: as in `entropy`.

    Returns:
        H(Y | X): a float for one table, else an array of the batch shape.
    """
    log_base = _log_base(base)
    joint = _as_joint(joint, normalize)
    p_x = joint.sum(axis=-1, keepdims=True)  # (..., n_x, 1)
    conditional = joint / np.where(p_x > 0, p_x, 1.0)  # p(y | x); rows with p(x) = 0 stay 0
    return _scalar_or_array(-_xlogy(joint, conditional).sum(axis=(-2, -1)) / log_base)


def mutual_information(
    joint, base: float = math.e, *, normalize: bool = False
) -> float | np.ndarray:
    """Mutual information I(X; Y) = Σₓ Σ_y p(x, y) log (p(x, y) / (p(x) p(y))).

    Equals KL(p(x, y) ‖ p(x) p(y)) = H(X) + H(Y) - H(X, Y) = H(Y) - H(Y | X): non-negative,
    symmetric, zero exactly when X and Y are independent.

    Args:
        joint: the table p(x, y), shape (..., n_x, n_y), as in `joint_entropy`.
        base, normalize: as in `entropy` (normalize=True accepts a contingency table of counts).

    Returns:
        I(X; Y): a float for one table, else an array of the batch shape.
    """
    log_base = _log_base(base)
    joint = _as_joint(joint, normalize)
    p_x = joint.sum(axis=-1, keepdims=True)  # (..., n_x, 1)
    p_y = joint.sum(axis=-2, keepdims=True)  # (..., 1, n_y)
    information = _relative_entropy_terms(joint, p_x * p_y).sum(axis=(-2, -1))
    return _scalar_or_array(np.maximum(information, 0.0) / log_base)  # rounding can give -1e-17


def mutual_information_from_samples(x, y, base: float = math.e) -> float:
    """Mutual information of two discrete variables from paired samples (the plug-in estimate).

    Counts the pairs into a contingency table n(x, y) over the distinct values of x and y, and
    returns `mutual_information` of p(x, y) = n(x, y) / N. The labels may be any values that
    numpy.unique can sort (integers, strings); only which samples share a label matters. Like
    sklearn.metrics.mutual_info_score, it is biased upwards for few samples per cell.

    Args:
        x, y: 1-D sequences of N labels each, N >= 1.
        base: base of the logarithm.

    Returns:
        the estimate of I(X; Y), a float.
    """
    x, y = np.asarray(x), np.asarray(y)
    for name, labels in (("x", x), ("y", y)):
        if labels.ndim != 1:
            raise ValueError(f"{name} must be a 1-D sequence of labels, got shape {labels.shape}")
    if x.shape != y.shape:
        raise ValueError(f"x and y must hold the same number of samples, got {x.size} and {y.size}")
    if x.size == 0:
        raise ValueError("x and y are empty: mutual information needs at least one sample")
    x_values, x_codes = np.unique(x, return_inverse=True)
    y_values, y_codes = np.unique(y, return_inverse=True)
    counts = np.bincount(
        x_codes.ravel() * y_values.size + y_codes.ravel(), minlength=x_values.size * y_values.size
    ).reshape(x_values.size, y_values.size)  # the contingency table n(x, y)
    return mutual_information(counts, base, normalize=True)


# ---------------------------------------------------------------------------------------------
# Perplexity
# ---------------------------------------------------------------------------------------------


def perplexity(p, *, axis: int = -1, normalize: bool = False) -> float | np.ndarray:
    """Perplexity of a distribution, PP(p) = exp(H(p)) = Πᵢ pᵢ^(-pᵢ), with H in nats.

    The effective number of equally likely outcomes: k for the uniform distribution over k, 1
    for a point mass. It does not depend on the base (b^(H in base b) is the same number).

    Args:
        p: probabilities with the outcomes along `axis`.
        axis, normalize: as in `entropy`.

    Returns:
        PP(p): a float for a single distribution, else an array of the batch shape.
    """
    return _scalar_or_array(np.exp(entropy(p, axis=axis, normalize=normalize)))


def perplexity_from_log_likelihoods(
    log_likelihoods, base: float = math.e, *, axis: int | None = None
) -> float | np.ndarray:
    """Perplexity of a model on a sequence, from its per-token log-likelihoods:

        PP = base^(-(1/N) Σₜ log p(tₜ | t₍<ₜ₎)),

    the exponentiated average negative log-likelihood (exp of the mean cross-entropy loss in
    nats, as language models report it).

    Args:
        log_likelihoods: log p(tₜ | context) of each of N tokens, each <= 0, in base `base`.
        base: the base the logarithms were taken in (e for natural logs, 2 for log₂).
        axis: the token axis to average over; None (default) averages over all elements.

    Returns:
        PP: a float, or an array over the remaining axes.
    """
    log_base = _log_base(base)
    arr = np.asarray(log_likelihoods)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"log_likelihoods must hold real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if axis is not None:
        (axis,) = _as_axes(axis, arr.ndim, "log_likelihoods")
    if arr.size == 0 or (axis is not None and arr.shape[axis] == 0):
        raise ValueError("log_likelihoods is empty: perplexity needs at least one token")
    if np.any(np.isnan(arr)):
        raise ValueError("log_likelihoods contains NaN")
    if np.any(arr > 0):
        raise ValueError(
            f"log_likelihoods must be log-probabilities (<= 0), got a maximum of {arr.max()!r}"
        )
    mean_nats = arr.mean(axis=axis) * log_base  # -inf (a token of probability 0) gives inf
    return _scalar_or_array(np.exp(-mean_nats))
