"""Kernel functions k(x, y) between the rows of two matrices, as used by SVC.

    linear   k(x, y) = x·y
    poly     k(x, y) = (γ x·y + c₀)^degree
    rbf      k(x, y) = exp(−γ ‖x − y‖²),   ‖x − y‖² = ‖x‖² − 2 x·y + ‖y‖²  (one matmul)
    sigmoid  k(x, y) = tanh(γ x·y + c₀)

Reference: Schölkopf & Smola, Learning with Kernels (2002), ch. 2 and 4.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KERNELS = ("linear", "poly", "rbf", "sigmoid")


@dataclass(frozen=True)
class Kernel:
    """A kernel with its parameters: `Kernel('rbf', gamma=0.1)(X, Y)` is the (n, m) Gram block."""

    name: str
    gamma: float = 1.0
    degree: int = 3
    coef0: float = 0.0

    def __call__(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        X_sq: np.ndarray | None = None,
        Y_sq: np.ndarray | None = None,
    ) -> np.ndarray:
        """K[i, j] = k(X[i], Y[j]).  X (n, d), Y (m, d) → (n, m).

        X_sq, Y_sq: optional precomputed squared row norms (n,), (m,) for the rbf kernel.
        """
        product = X @ Y.T
        if self.name == "linear":
            return product
        if self.name == "poly":
            product *= self.gamma
            product += self.coef0
            return product**self.degree
        if self.name == "sigmoid":
            product *= self.gamma
            product += self.coef0
            return np.tanh(product, out=product)
        X_sq = np.einsum("ij,ij->i", X, X) if X_sq is None else X_sq
        Y_sq = np.einsum("ij,ij->i", Y, Y) if Y_sq is None else Y_sq
        product *= 2.0
        product -= X_sq[:, None]
        product -= Y_sq[None, :]  # now −‖x − y‖²
        np.minimum(product, 0.0, out=product)  # rounding can leave tiny positive values
        product *= self.gamma
        return np.exp(product, out=product)

    def diagonal(self, X: np.ndarray) -> np.ndarray:
        """k(xᵢ, xᵢ) for each row.  X (n, d) → (n,)."""
        if self.name == "rbf":
            return np.ones(X.shape[0])
        sq = np.einsum("ij,ij->i", X, X)
        if self.name == "linear":
            return sq
        if self.name == "poly":
            return (self.gamma * sq + self.coef0) ** self.degree
        return np.tanh(self.gamma * sq + self.coef0)
