"""Matrix decompositions of a data matrix: principal and independent component analysis.

PCA   Centre X (n, p) and take its thin SVD, X − x̄ = U S Vᵀ. The rows of Vᵀ are the directions
      of largest variance, in order; projecting on the first k gives the best rank-k
      approximation in the least-squares sense (Eckart–Young). Explained variances are
      S² / (n − 1). Jolliffe, Principal Component Analysis (2nd ed., 2002), ch. 1–3.
FastICA  Whiten X by PCA, then find an orthogonal W that makes the rows of W X_white as
      non-Gaussian as possible, by the fixed-point iteration on an approximation of
      negentropy G: w ← E[x g(wᵀx)] − E[g′(wᵀx)] w, then decorrelate. Hyvärinen & Oja (2000),
      "Independent component analysis: algorithms and applications", Neural Networks 13.

Signs follow scikit-learn so results compare entry by entry: each row of PCA's components_ has
its largest-magnitude entry positive; FastICA's whitening makes the first row of U positive.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from nashai.math import linalg
from nashai.ml.base import (
    BaseEstimator,
    ConvergenceWarning,
    TransformerMixin,
    check_array,
    check_is_fitted,
    check_n_features,
    check_random_state,
)


def _flip_signs_by_rows(Vt: np.ndarray) -> np.ndarray:
    """Multiply each row of Vt by ±1 so its largest-magnitude entry is positive.

    scikit-learn's `svd_flip(..., u_based_decision=False)`: makes the SVD deterministic.
    """
    largest = np.argmax(np.abs(Vt), axis=1)
    signs = np.sign(Vt[np.arange(Vt.shape[0]), largest])
    signs[signs == 0] = 1.0
    return Vt * signs[:, None]


class PCA(TransformerMixin, BaseEstimator):
    """Principal component analysis by the SVD of the centred data (see the module docstring).

    Parameters:
        n_components: None (keep min(n_samples, n_features)), an int k, or a float in (0, 1):
            the smallest k whose explained variance ratios sum to more than it.
        whiten: scale the projections to unit variance (divide by √explained_variance_).
        svd_solver: 'full' (thin SVD of X − x̄), 'covariance_eigh' (eigh of the p×p sample
            covariance; fast when n ≫ p, but squares the condition number), or 'auto':
            'covariance_eigh' when p ≤ 1000 and n ≥ 10p, else 'full'.

    Fitted attributes: components_ (k, p), explained_variance_ (k,),
    explained_variance_ratio_ (k,), singular_values_ (k,), mean_ (p,), noise_variance_ (the
    mean of the discarded variances, the σ² of probabilistic PCA), n_components_, n_samples_,
    n_features_in_.
    """

    def __init__(self, n_components=None, *, whiten: bool = False, svd_solver: str = "auto"):
        self.n_components = n_components
        self.whiten = whiten
        self.svd_solver = svd_solver

    def _check_n_components(self, n_samples: int, n_features: int):
        name, n = type(self).__name__, self.n_components
        limit = min(n_samples, n_features)
        if n is None:
            return limit
        if isinstance(n, (int, np.integer)) and not isinstance(n, bool) and 0 <= n <= limit:
            return int(n)
        if isinstance(n, float) and 0 < n < 1:
            return n
        raise ValueError(
            f"{name}: n_components must be None, an int between 0 and min(n_samples, "
            f"n_features)={limit}, or a float in (0, 1), got {n!r}"
        )

    def fit(self, X, y=None) -> PCA:
        """Fit the components to X (n_samples, n_features)."""
        X = check_array(X, estimator=self, ensure_min_samples=2)
        n_samples, n_features = X.shape
        n_components = self._check_n_components(n_samples, n_features)
        solver = self.svd_solver
        if solver == "auto":
            tall = n_features <= 1000 and n_samples >= 10 * n_features
            solver = "covariance_eigh" if tall else "full"
        self.n_features_in_ = n_features
        self.mean_ = X.mean(axis=0)
        centred = X - self.mean_

        if solver == "full":
            _, S, Vt = linalg.svd(centred, full_matrices=False)
            explained_variance = S**2 / (n_samples - 1)
        elif solver == "covariance_eigh":
            covariance = centred.T @ centred / (n_samples - 1)
            eigenvalues, eigenvectors = linalg.eigh(covariance)  # ascending
            explained_variance = np.maximum(eigenvalues[::-1], 0.0)  # rounding can give −ε
            S = np.sqrt(explained_variance * (n_samples - 1))
            Vt = eigenvectors[:, ::-1].T
        else:
            raise ValueError(
                f"{type(self).__name__}: svd_solver must be 'auto', 'full' or "
                f"'covariance_eigh', got {self.svd_solver!r}"
            )
        Vt = _flip_signs_by_rows(Vt)
        ratio = explained_variance / explained_variance.sum()

        if isinstance(n_components, float):  # smallest k with Σ_{i≤k} ratio_i > n_components
            k = np.searchsorted(np.cumsum(ratio), n_components, side="right") + 1
            n_components = int(min(k, len(ratio)))
        self.noise_variance_ = (
            float(explained_variance[n_components:].mean())
            if n_components < min(n_samples, n_features)
            else 0.0
        )
        self.n_components_ = n_components
        self.n_samples_ = n_samples
        self.components_ = Vt[:n_components].copy()
        self.explained_variance_ = explained_variance[:n_components].copy()
        self.explained_variance_ratio_ = ratio[:n_components].copy()
        self.singular_values_ = S[:n_components].copy()
        return self

    def transform(self, X) -> np.ndarray:
        """Project on the components: (X − x̄) Vₖᵀ, divided by √variance if whiten.  → (n, k)."""
        check_is_fitted(self, "components_")
        X = check_array(X, estimator=self)
        check_n_features(self, X)
        projected = (X - self.mean_) @ self.components_.T
        if self.whiten:
            scale = np.sqrt(self.explained_variance_)
            projected /= np.maximum(scale, np.finfo(np.float64).eps)
        return projected

    def inverse_transform(self, X) -> np.ndarray:
        """Back to feature space: Z Vₖ + x̄ (Z scaled by √variance first if whiten).  → (n, p)."""
        check_is_fitted(self, "components_")
        X = check_array(X, estimator=self)
        if X.shape[1] != self.n_components_:
            raise ValueError(
                f"X has {X.shape[1]} components, but {type(self).__name__} has {self.n_components_}"
            )
        if self.whiten:
            X = X * np.sqrt(self.explained_variance_)
        return X @ self.components_ + self.mean_

    def _model_variances(self) -> np.ndarray:
        """Eigenvalues of the probabilistic-PCA covariance along the components: max(λ_i, σ²)."""
        return np.maximum(self.explained_variance_, self.noise_variance_)

    def get_covariance(self) -> np.ndarray:
        """Covariance of the probabilistic PCA model: Vₖᵀ diag(max(λ − σ², 0)) Vₖ + σ² I.  (p, p).

        Tipping & Bishop (1999), "Probabilistic principal component analysis", JRSS B 61(3).
        """
        check_is_fitted(self, "components_")
        V = self.components_
        covariance = (V.T * (self._model_variances() - self.noise_variance_)) @ V
        covariance.flat[:: covariance.shape[0] + 1] += self.noise_variance_
        return covariance

    def get_precision(self) -> np.ndarray:
        """Inverse of `get_covariance` from its eigen-structure: Vₖᵀ diag(1/λ' − 1/σ²) Vₖ + I/σ²."""
        check_is_fitted(self, "components_")
        V, sigma2 = self.components_, self.noise_variance_
        n_features = V.shape[1]
        if sigma2 == 0.0:
            if self.n_components_ < n_features:
                raise ValueError(
                    f"{type(self).__name__}: the model covariance is singular (noise_variance_ "
                    f"is 0 with {self.n_components_} < {n_features} components)"
                )
            return (V.T / self.explained_variance_) @ V
        precision = (V.T * (1.0 / self._model_variances() - 1.0 / sigma2)) @ V
        precision.flat[:: n_features + 1] += 1.0 / sigma2
        return precision

    def score_samples(self, X) -> np.ndarray:
        """Log-likelihood of each sample under the probabilistic PCA model N(x̄, C).  → (n,).

        log N(x | x̄, C) = −½ (p log 2π + log det C + (x − x̄)ᵀ C⁻¹ (x − x̄)), with
        log det C = Σ_i log max(λ_i, σ²) + (p − k) log σ² (Bishop, PRML §12.2.1). This is the
        same model with or without `whiten`.
        """
        check_is_fitted(self, "components_")
        X = check_array(X, estimator=self)
        check_n_features(self, X)
        centred = X - self.mean_
        precision = self.get_precision()
        n_features = X.shape[1]
        log_det = np.log(self._model_variances()).sum()
        if self.n_components_ < n_features:
            log_det += (n_features - self.n_components_) * math.log(self.noise_variance_)
        mahalanobis = np.einsum("np,np->n", centred @ precision, centred)
        return -0.5 * (n_features * math.log(2 * math.pi) + log_det + mahalanobis)

    def score(self, X, y=None) -> float:
        """Mean log-likelihood of X under the probabilistic PCA model."""
        return float(self.score_samples(X).mean())


# --- FastICA -------------------------------------------------------------------------------


def _logcosh(x: np.ndarray, alpha: float = 1.0):
    """G(u) = log cosh(αu)/α: g = tanh(αu), g′ = α(1 − tanh²(αu)) (row means)."""
    gx = np.tanh(alpha * x)
    return gx, (alpha * (1 - gx**2)).mean(axis=-1)


def _exp(x: np.ndarray):
    """G(u) = −exp(−u²/2): g = u exp(−u²/2), g′ = (1 − u²) exp(−u²/2) (row means)."""
    gauss = np.exp(-(x**2) / 2)
    return x * gauss, ((1 - x**2) * gauss).mean(axis=-1)


def _cube(x: np.ndarray):
    """G(u) = u⁴/4 (kurtosis): g = u³, g′ = 3u² (row means)."""
    return x**3, (3 * x**2).mean(axis=-1)


def _symmetric_decorrelation(W: np.ndarray) -> np.ndarray:
    """W ← (W Wᵀ)^{-1/2} W, by the eigen decomposition W Wᵀ = E diag(s) Eᵀ.  (k, k) → (k, k)."""
    s, E = linalg.eigh(W @ W.T)
    s = np.maximum(s, np.finfo(W.dtype).tiny)
    return (E * (1.0 / np.sqrt(s))) @ E.T @ W


def _ica_parallel(X, g, w_init, max_iter: int, tol: float):
    """All components at once: W ← decorrelate(E[g(WX) Xᵀ] − diag(E[g′(WX)]) W).

    X (k, n) is white. Stops when max_i | |⟨w_i_new, w_i⟩| − 1 | < tol.
    """
    W = _symmetric_decorrelation(w_init)
    n_samples = X.shape[1]
    for n_iter in range(1, max_iter + 1):
        gwx, g_wx = g(W @ X)
        W_new = _symmetric_decorrelation(gwx @ X.T / n_samples - g_wx[:, None] * W)
        limit = np.max(np.abs(np.abs(np.einsum("ij,ij->i", W_new, W)) - 1))
        W = W_new
        if limit < tol:
            return W, n_iter
    warnings.warn(
        "FastICA did not converge. Consider increasing tolerance or the maximum number of "
        "iterations.",
        ConvergenceWarning,
        stacklevel=3,
    )
    return W, max_iter


def _ica_one_unit(X, g, w, W_found, max_iter: int, tol: float):
    """One row w of W by w ← E[x g(wᵀx)] − E[g′(wᵀx)] w, kept orthogonal to the rows found.

    Returns (w, iterations); stops when | |⟨w_new, w⟩| − 1 | < tol.
    """
    w = w / np.sqrt(np.sum(w**2))
    for n_iter in range(1, max_iter + 1):
        gwx, g_wx = g(w @ X)
        w_new = (X * gwx).mean(axis=1) - g_wx * w
        w_new -= (w_new @ W_found.T) @ W_found  # Gram–Schmidt against the earlier rows
        w_new /= np.sqrt(np.sum(w_new**2))
        converged = abs(abs(w_new @ w) - 1) < tol
        w = w_new
        if converged:
            return w, n_iter
    return w, max_iter


def _ica_deflation(X, g, w_init, max_iter: int, tol: float):
    """One component at a time, each orthogonal to the previous ones; n_iter is the most any
    component took."""
    W = np.zeros_like(w_init, dtype=np.float64)
    iterations = []
    for j in range(w_init.shape[0]):
        W[j], n_iter = _ica_one_unit(X, g, w_init[j], W[:j], max_iter, tol)
        iterations.append(n_iter)
    return W, max(iterations)


class FastICA(TransformerMixin, BaseEstimator):
    """Independent component analysis by the FastICA fixed-point algorithm.

    Model: X = S Aᵀ + x̄ with independent, non-Gaussian sources S (n, k). X is centred and
    whitened, X_white = K (X − x̄)ᵀ √n, so that X_white X_whiteᵀ / n = I; then an orthogonal W
    is found that maximises the non-Gaussianity of W X_white (see the module docstring).

    Parameters (scikit-learn's names and defaults):
        n_components: number of sources (None: min(n_samples, n_features)).
        algorithm: 'parallel' (symmetric decorrelation each step) or 'deflation' (one source at
            a time).
        whiten: 'unit-variance' (sources rescaled to unit variance), 'arbitrary-variance', or
            False (X is already white; n_components is ignored).
        fun: contrast 'logcosh', 'exp', 'cube', or a callable u ↦ (g(u), mean_over_samples
            g′(u)); fun_args: keyword arguments for it (logcosh takes alpha in [1, 2]).
        max_iter, tol: stop when every row of W changes direction by less than tol.
        w_init: initial unmixing (k, k), default standard normal draws from random_state.
        whiten_solver: 'svd' (of the centred data) or 'eigh' (of XᵀX).

    Fitted attributes: components_ (k, p), the unmixing matrix; mixing_ (p, k), its
    pseudo-inverse; mean_ (p,); whitening_ (k, p), the matrix K; n_iter_.
    """

    def __init__(
        self,
        n_components: int | None = None,
        *,
        algorithm: str = "parallel",
        whiten="unit-variance",
        fun="logcosh",
        fun_args: dict | None = None,
        max_iter: int = 200,
        tol: float = 1e-4,
        w_init=None,
        whiten_solver: str = "svd",
        random_state=None,
    ):
        self.n_components = n_components
        self.algorithm = algorithm
        self.whiten = whiten
        self.fun = fun
        self.fun_args = fun_args
        self.max_iter = max_iter
        self.tol = tol
        self.w_init = w_init
        self.whiten_solver = whiten_solver
        self.random_state = random_state

    def _contrast(self):
        """g(u) → (g(u) (k, n), mean g′(u) (k,)), with fun_args bound."""
        name = type(self).__name__
        fun_args = {} if self.fun_args is None else dict(self.fun_args)
        if self.fun == "logcosh":
            alpha = fun_args.get("alpha", 1.0)
            if not 1 <= alpha <= 2:
                raise ValueError(f"{name}: fun_args['alpha'] must be in [1, 2], got {alpha!r}")
            return lambda x: _logcosh(x, alpha)
        if self.fun == "exp":
            return _exp
        if self.fun == "cube":
            return _cube
        if callable(self.fun):
            return lambda x: self.fun(x, **fun_args)
        raise ValueError(
            f"{name}: fun must be 'logcosh', 'exp', 'cube' or a callable, got {self.fun!r}"
        )

    def _check_params(self):
        name = type(self).__name__
        if self.algorithm not in ("parallel", "deflation"):
            raise ValueError(
                f"{name}: algorithm must be 'parallel' or 'deflation', got {self.algorithm!r}"
            )
        if self.whiten not in ("unit-variance", "arbitrary-variance", False):
            raise ValueError(
                f"{name}: whiten must be 'unit-variance', 'arbitrary-variance' or False, "
                f"got {self.whiten!r}"
            )
        if self.whiten_solver not in ("svd", "eigh"):
            raise ValueError(
                f"{name}: whiten_solver must be 'svd' or 'eigh', got {self.whiten_solver!r}"
            )
        if not isinstance(self.max_iter, (int, np.integer)) or self.max_iter < 1:
            raise ValueError(f"{name}: max_iter must be an int >= 1, got {self.max_iter!r}")
        n = self.n_components
        if n is not None and (not isinstance(n, (int, np.integer)) or n < 1):
            raise ValueError(f"{name}: n_components must be None or an int >= 1, got {n!r}")

    def _whitening(self, XT: np.ndarray, n_components: int) -> np.ndarray:
        """K (k, p) with rows u_i / d_i, from XT = U diag(d) Vᵀ (centred, p × n)."""
        if self.whiten_solver == "svd":
            u, d, _ = linalg.svd(XT, full_matrices=False)
        else:
            d, u = linalg.eigh(XT @ XT.T)
            d = np.sqrt(np.maximum(d, np.finfo(d.dtype).eps * 10))[::-1]
            u = u[:, ::-1]
        signs = np.sign(u[0])
        signs[signs == 0] = 1.0
        return (u * signs / d).T[:n_components]

    def _fit(self, X) -> np.ndarray:
        """Fit and return the sources S (n_samples, n_components)."""
        X = check_array(X, estimator=self, ensure_min_samples=2)
        self._check_params()
        g = self._contrast()
        n_samples, n_features = X.shape
        self.n_features_in_ = n_features

        n_components = self.n_components
        if not self.whiten and n_components is not None:
            warnings.warn("Ignoring n_components with whiten=False.", UserWarning, stacklevel=3)
            n_components = None
        if n_components is None or n_components > min(n_samples, n_features):
            if n_components is not None:
                warnings.warn(
                    f"n_components is too large: it will be set to {min(n_samples, n_features)}",
                    UserWarning,
                    stacklevel=3,
                )
            n_components = min(n_samples, n_features)

        XT = X.T  # (p, n): the ICA literature's orientation
        if self.whiten:
            mean = XT.mean(axis=1)
            XT = XT - mean[:, None]
            K = self._whitening(XT, n_components)
            X_white = (K @ XT) * np.sqrt(n_samples)  # (k, n), X_white X_whiteᵀ / n = I
        else:
            X_white = XT

        rng = check_random_state(self.random_state)
        if self.w_init is None:
            w_init = rng.standard_normal((n_components, n_components))
        else:
            w_init = np.asarray(self.w_init, dtype=np.float64)
            if w_init.shape != (n_components, n_components):
                raise ValueError(
                    f"{type(self).__name__}: w_init must have shape "
                    f"({n_components}, {n_components}), got {w_init.shape}"
                )
        solve = _ica_parallel if self.algorithm == "parallel" else _ica_deflation
        W, self.n_iter_ = solve(X_white, g, w_init, self.max_iter, self.tol)

        if self.whiten:
            S = (W @ K @ XT).T
            if self.whiten == "unit-variance":
                S_std = S.std(axis=0)
                S /= S_std
                W = W / S_std[:, None]
            self.components_ = W @ K
            self.mean_ = mean
            self.whitening_ = K
        else:
            S = (W @ XT).T
            self.components_ = W
        self.mixing_ = linalg.pinv(self.components_)
        return S

    def fit(self, X, y=None) -> FastICA:
        """Fit the unmixing matrix to X (n_samples, n_features)."""
        self._fit(X)
        return self

    def fit_transform(self, X, y=None) -> np.ndarray:
        """Fit, then return the estimated sources (n_samples, n_components)."""
        return self._fit(X)

    def transform(self, X) -> np.ndarray:
        """Sources S = (X − x̄) componentsᵀ.  (n, p) → (n, k)."""
        check_is_fitted(self, "components_")
        X = check_array(X, estimator=self)
        check_n_features(self, X)
        if self.whiten:
            X = X - self.mean_
        return X @ self.components_.T

    def inverse_transform(self, X) -> np.ndarray:
        """Mix sources back: X = S mixingᵀ + x̄.  (n, k) → (n, p)."""
        check_is_fitted(self, "components_")
        X = check_array(X, estimator=self)
        if X.shape[1] != self.mixing_.shape[1]:
            raise ValueError(
                f"X has {X.shape[1]} sources, but {type(self).__name__} has "
                f"{self.mixing_.shape[1]} components"
            )
        X = X @ self.mixing_.T
        return X + self.mean_ if self.whiten else X
