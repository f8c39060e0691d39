"""Numerically stable logistic, softmax and log-sum-exp on rows, shared by the estimators."""

from __future__ import annotations

import numpy as np


def expit(x: np.ndarray) -> np.ndarray:
    """Logistic sigmoid σ(x) = 1 / (1 + e^−x), from e^−|x| so it never overflows. Any shape."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax exp(z − max z) / Σ exp(z − max z).  (n, K) → (n, K)"""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def log_softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise log softmax z − log Σ exp z, shifted by the row maximum.  (n, K) → (n, K)"""
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def logsumexp(a: np.ndarray) -> np.ndarray:
    """log Σ_k exp a[:, k], shifted by the row maximum so nothing overflows; a row of −inf gives
    −inf without a warning.  (n, K) → (n,)"""
    top = np.max(a, axis=1, keepdims=True)
    top[~np.isfinite(top)] = 0.0
    with np.errstate(divide="ignore"):
        return np.log(np.sum(np.exp(a - top), axis=1)) + top[:, 0]
