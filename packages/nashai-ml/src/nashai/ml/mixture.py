"""Gaussian mixture models fitted by expectation-maximisation.

The density is a weighted sum of K Gaussians,

    p(x) = Σ_k π_k N(x | μ_k, Σ_k),    Σ_k π_k = 1,

and EM raises the mean log-likelihood (1/n) Σ_i log p(x_i) at every iteration:

    E-step   log r_ik = log π_k + log N(x_i | μ_k, Σ_k) − log p(x_i)       (responsibilities)
    M-step   n_k = Σ_i r_ik,  π_k = n_k / n,  μ_k = Σ_i r_ik x_i / n_k,
             Σ_k = Σ_i r_ik (x_i − μ_k)(x_i − μ_k)ᵀ / n_k + reg_covar · I

Everything runs in log space, and each Gaussian is held by the Cholesky factor of its precision,
U_k with Σ_k⁻¹ = U_k U_kᵀ (U_k = L_k⁻ᵀ for Σ_k = L_k L_kᵀ), so that

    log N(x | μ, Σ) = −½ (p log 2π + ‖(x − μ)ᵀ U‖²) + log det U.

`covariance_type` restricts Σ_k: 'full' (each its own matrix), 'tied' (one shared matrix),
'diag' (each a diagonal) or 'spherical' (each σ_k² I).

Reference: Bishop, Pattern Recognition and Machine Learning (2006), §9.2; scikit-learn's
`GaussianMixture` for the conventions (the lower bound, the initialisations, the names).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from nashai.math import linalg
from nashai.math.errors import LinAlgError
from nashai.ml._special import logsumexp
from nashai.ml.base import (
    BaseEstimator,
    ConvergenceWarning,
    check_array,
    check_is_fitted,
    check_n_features,
    check_random_state,
)
from nashai.ml.cluster import KMeans, kmeans_plusplus

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
INIT_PARAMS = ("kmeans", "k-means++", "random", "random_from_data")

_ILL_DEFINED = (
    "Fitting the mixture model failed because some components have ill-defined empirical "
    "covariance (for instance caused by singleton or collapsed samples). Try to decrease the "
    "number of components, increase reg_covar, or scale the input data."
)


def _estimate_gaussian_parameters(X, resp, reg_covar: float, covariance_type: str):
    """M-step: (n_k (K,), means (K, p), covariances) from responsibilities resp (n, K).

    Covariance shapes: 'full' (K, p, p), 'tied' (p, p), 'diag' (K, p), 'spherical' (K,).
    """
    nk = resp.sum(axis=0) + 10 * np.finfo(resp.dtype).eps  # keeps an empty component finite
    means = (resp.T @ X) / nk[:, None]
    n_features = X.shape[1]
    if covariance_type == "full":
        covariances = np.empty((len(nk), n_features, n_features))
        for k in range(len(nk)):
            diff = X - means[k]
            covariances[k] = (resp[:, k] * diff.T) @ diff / nk[k]
            covariances[k].flat[:: n_features + 1] += reg_covar
    elif covariance_type == "tied":  # Σ = (XᵀX − Σ_k n_k μ_k μ_kᵀ) / n
        covariances = (X.T @ X - (nk * means.T) @ means) / nk.sum()
        covariances.flat[:: n_features + 1] += reg_covar
    else:  # diag: E[x²] − μ² per feature; spherical: its mean over the features
        covariances = (resp.T @ (X * X)) / nk[:, None] - means**2 + reg_covar
        if covariance_type == "spherical":
            covariances = covariances.mean(axis=1)
    return nk, means, covariances


def _cholesky(matrix: np.ndarray) -> np.ndarray:
    try:
        return linalg.cholesky(matrix)
    except LinAlgError:
        raise ValueError(_ILL_DEFINED) from None


def _compute_precision_cholesky(covariances: np.ndarray, covariance_type: str) -> np.ndarray:
    """U with Σ⁻¹ = U Uᵀ: for Σ = L Lᵀ, U = L⁻ᵀ (upper triangular); 1/√σ² for diag/spherical."""
    if covariance_type in ("full", "tied"):
        stack = covariances if covariance_type == "full" else covariances[None]
        identity = np.eye(stack.shape[-1])
        chol = np.empty_like(stack)
        for k, covariance in enumerate(stack):
            chol[k] = linalg.solve_triangular(_cholesky(covariance), identity, lower=True).T
        return chol if covariance_type == "full" else chol[0]
    if np.any(covariances <= 0.0):
        raise ValueError(_ILL_DEFINED)
    return 1.0 / np.sqrt(covariances)


def _precision_cholesky_from_precisions(precisions: np.ndarray, covariance_type: str):
    """U upper triangular with Λ = U Uᵀ, from the precisions Λ themselves.

    With J the exchange matrix (ones on the anti-diagonal), J Λ J = L Lᵀ gives Λ = (JLJ)(JLJ)ᵀ
    and JLJ is upper triangular.
    """
    if covariance_type == "full":
        return np.stack([_cholesky(p[::-1, ::-1])[::-1, ::-1] for p in precisions])
    if covariance_type == "tied":
        return _cholesky(precisions[::-1, ::-1])[::-1, ::-1]
    return np.sqrt(precisions)


def _log_det_cholesky(precisions_chol: np.ndarray, covariance_type: str, n_features: int):
    """log det U per component (= −½ log det Σ_k).  → (K,) or a scalar for 'tied'."""
    if covariance_type == "full":
        return np.log(np.diagonal(precisions_chol, axis1=1, axis2=2)).sum(axis=1)
    if covariance_type == "tied":
        return np.log(np.diagonal(precisions_chol)).sum()
    if covariance_type == "diag":
        return np.log(precisions_chol).sum(axis=1)
    return n_features * np.log(precisions_chol)


def _estimate_log_gaussian_prob(X, means, precisions_chol, covariance_type: str) -> np.ndarray:
    """log N(x_i | μ_k, Σ_k) for every sample and component.  X (n, p) → (n, K)."""
    n_samples, n_features = X.shape
    n_components = means.shape[0]
    log_det = _log_det_cholesky(precisions_chol, covariance_type, n_features)
    if covariance_type in ("full", "tied"):  # ‖(x − μ_k)ᵀ U_k‖² = ‖xᵀU_k − μ_kᵀU_k‖²
        mahalanobis = np.empty((n_samples, n_components))
        for k in range(n_components):
            U = precisions_chol[k] if covariance_type == "full" else precisions_chol
            y = X @ U - means[k] @ U
            mahalanobis[:, k] = np.einsum("np,np->n", y, y)
    elif covariance_type == "diag":  # Σ_f λ_kf (x_f − μ_kf)², expanded into matmuls
        precisions = precisions_chol**2
        mahalanobis = (
            np.sum(means**2 * precisions, axis=1)
            - 2.0 * (X @ (means * precisions).T)
            + (X**2) @ precisions.T
        )
    else:  # spherical: λ_k ‖x − μ_k‖²
        precisions = precisions_chol**2
        mahalanobis = (
            np.sum(means**2, axis=1) * precisions
            - 2.0 * (X @ means.T) * precisions
            + np.outer(np.einsum("np,np->n", X, X), precisions)
        )
    return -0.5 * (n_features * math.log(2 * math.pi) + mahalanobis) + log_det


class GaussianMixture(BaseEstimator):
    """A mixture of K Gaussians fitted by EM (see the module docstring for the updates).

    Parameters (scikit-learn's names and defaults):
        n_components: K.
        covariance_type: 'full', 'tied', 'diag' or 'spherical'.
        tol: EM stops when the mean log-likelihood gains less than tol in an iteration.
        reg_covar: added to the diagonal of every covariance, so each stays positive definite.
        max_iter: EM iterations per initialisation.
        n_init: number of initialisations; the one with the highest final bound is kept.
        init_params: how the first responsibilities are drawn: 'kmeans' (one-hot KMeans
            labels), 'k-means++' (one-hot on the k-means++ seeds), 'random' (uniform, rows
            normalised) or 'random_from_data' (one-hot on K random samples).
        weights_init (K,), means_init (K, p), precisions_init (shape of `covariances_`):
            starting values that replace those from `init_params`.
        random_state: None, an int or a numpy Generator (initialisation and `sample`).

    Fitted attributes: weights_, means_, covariances_, precisions_, precisions_cholesky_,
    converged_, n_iter_, lower_bound_ (mean log-likelihood at the last E-step),
    lower_bounds_, n_features_in_.
    """

    def __init__(
        self,
        n_components: int = 1,
        *,
        covariance_type: str = "full",
        tol: float = 1e-3,
        reg_covar: float = 1e-6,
        max_iter: int = 100,
        n_init: int = 1,
        init_params: str = "kmeans",
        weights_init=None,
        means_init=None,
        precisions_init=None,
        random_state=None,
    ):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.precisions_init = precisions_init
        self.random_state = random_state

    # --- validation -------------------------------------------------------------------------

    def _check_params(self, X: np.ndarray):
        """Validate the hyper-parameters; return (weights_init, means_init, precisions_init)."""
        name = type(self).__name__
        n_samples, n_features = X.shape
        for param, low in (("n_components", 1), ("max_iter", 1), ("n_init", 1)):
            value = getattr(self, param)
            if not isinstance(value, (int, np.integer)) or value < low:
                raise ValueError(f"{name}: {param} must be an int >= {low}, got {value!r}")
        if n_samples < self.n_components:
            raise ValueError(
                f"{name}: expected n_samples >= n_components, but got "
                f"n_components={self.n_components}, n_samples={n_samples}"
            )
        if self.covariance_type not in COVARIANCE_TYPES:
            raise ValueError(
                f"{name}: covariance_type must be one of {COVARIANCE_TYPES}, "
                f"got {self.covariance_type!r}"
            )
        if self.init_params not in INIT_PARAMS:
            raise ValueError(
                f"{name}: init_params must be one of {INIT_PARAMS}, got {self.init_params!r}"
            )
        if not self.tol >= 0:
            raise ValueError(f"{name}: tol must be >= 0, got {self.tol!r}")
        if not self.reg_covar >= 0:
            raise ValueError(f"{name}: reg_covar must be >= 0, got {self.reg_covar!r}")

        K = self.n_components
        weights = means = precisions = None
        if self.weights_init is not None:
            weights = self._init_array("weights_init", (K,))
            if np.any(weights < 0) or np.any(weights > 1) or not np.isclose(weights.sum(), 1):
                raise ValueError(
                    f"{name}: weights_init must be in [0, 1] and sum to 1, got {weights}"
                )
        if self.means_init is not None:
            means = self._init_array("means_init", (K, n_features))
        if self.precisions_init is not None:
            shape = {
                "full": (K, n_features, n_features),
                "tied": (n_features, n_features),
                "diag": (K, n_features),
                "spherical": (K,),
            }[self.covariance_type]
            precisions = self._init_array("precisions_init", shape)
            if self.covariance_type in ("full", "tied"):
                stack = precisions.reshape(-1, n_features, n_features)
                if not np.allclose(stack, np.swapaxes(stack, 1, 2)):
                    raise ValueError(f"{name}: precisions_init must be symmetric")
            elif np.any(precisions <= 0):
                raise ValueError(f"{name}: precisions_init must be positive")
        return weights, means, precisions

    def _init_array(self, param: str, shape: tuple) -> np.ndarray:
        value = check_array(getattr(self, param), name=param, estimator=self, ensure_2d=False)
        if value.shape != shape:
            raise ValueError(
                f"{type(self).__name__}: {param} must have shape {shape}, got {value.shape}"
            )
        return value

    def _validate_for_predict(self, X) -> np.ndarray:
        check_is_fitted(self, "means_")
        X = check_array(X, estimator=self)
        check_n_features(self, X)
        return X

    # --- EM ---------------------------------------------------------------------------------

    def _initial_responsibilities(self, X: np.ndarray, rng) -> np.ndarray:
        n_samples, K = X.shape[0], self.n_components
        resp = np.zeros((n_samples, K))
        if self.init_params == "kmeans":
            labels = KMeans(K, n_init=1, random_state=rng).fit(X).labels_
            resp[np.arange(n_samples), labels] = 1.0
        elif self.init_params == "k-means++":
            _, seeds = kmeans_plusplus(X, K, random_state=rng)
            resp[seeds, np.arange(K)] = 1.0
        elif self.init_params == "random":
            resp = rng.uniform(size=(n_samples, K))
            resp /= resp.sum(axis=1, keepdims=True)
        else:  # random_from_data
            resp[rng.choice(n_samples, size=K, replace=False), np.arange(K)] = 1.0
        return resp

    def _initialize(self, X: np.ndarray, rng, weights_init, means_init, precisions_init):
        """First parameters: from responsibilities, overridden by any *_init given."""
        if weights_init is None or means_init is None or precisions_init is None:
            resp = self._initial_responsibilities(X, rng)
            nk, means, covariances = _estimate_gaussian_parameters(
                X, resp, self.reg_covar, self.covariance_type
            )
            self.weights_ = nk / X.shape[0] if weights_init is None else weights_init
            self.means_ = means if means_init is None else means_init
        else:
            self.weights_, self.means_ = weights_init, means_init
        if precisions_init is None:
            self.covariances_ = covariances
            self.precisions_cholesky_ = _compute_precision_cholesky(
                covariances, self.covariance_type
            )
        else:
            self.precisions_cholesky_ = _precision_cholesky_from_precisions(
                precisions_init, self.covariance_type
            )

    def _estimate_weighted_log_prob(self, X: np.ndarray) -> np.ndarray:
        """log π_k + log N(x_i | μ_k, Σ_k).  (n, p) → (n, K)."""
        log_prob = _estimate_log_gaussian_prob(
            X, self.means_, self.precisions_cholesky_, self.covariance_type
        )
        return log_prob + np.log(self.weights_)

    def _e_step(self, X: np.ndarray):
        """(mean log p(x_i), log responsibilities (n, K))."""
        weighted = self._estimate_weighted_log_prob(X)
        log_prob_norm = logsumexp(weighted)
        with np.errstate(under="ignore"):
            log_resp = weighted - log_prob_norm[:, None]
        return log_prob_norm.mean(), log_resp

    def _m_step(self, X: np.ndarray, log_resp: np.ndarray):
        nk, self.means_, self.covariances_ = _estimate_gaussian_parameters(
            X, np.exp(log_resp), self.reg_covar, self.covariance_type
        )
        self.weights_ = nk / nk.sum()
        self.precisions_cholesky_ = _compute_precision_cholesky(
            self.covariances_, self.covariance_type
        )

    def fit(self, X, y=None) -> GaussianMixture:
        """Run EM from `n_init` initialisations on X (n_samples, n_features); keep the best."""
        self.fit_predict(X)
        return self

    def fit_predict(self, X, y=None) -> np.ndarray:
        """Fit, then return the most likely component of each training sample (n_samples,)."""
        X = check_array(X, estimator=self, ensure_min_samples=2)
        inits = self._check_params(X)
        self.n_features_in_ = X.shape[1]
        rng = check_random_state(self.random_state)

        best_bound, best = -np.inf, None
        for _init in range(self.n_init):
            self._initialize(X, rng, *inits)
            lower_bound, bounds, converged = -np.inf, [], False
            for _ in range(self.max_iter):
                previous = lower_bound
                lower_bound, log_resp = self._e_step(X)
                self._m_step(X, log_resp)
                bounds.append(lower_bound)
                if abs(lower_bound - previous) < self.tol:
                    converged = True
                    break
            if best is None or lower_bound > best_bound:
                best_bound = lower_bound
                params = (self.weights_, self.means_, self.covariances_, self.precisions_cholesky_)
                best = (params, len(bounds), bounds, converged)

        params, self.n_iter_, self.lower_bounds_, self.converged_ = best
        if not self.converged_:
            warnings.warn(
                "Best performing initialization did not converge. Try different init "
                "parameters, or increase max_iter, tol, or check for degenerate data.",
                ConvergenceWarning,
                stacklevel=2,
            )
        self._set_parameters(params)
        self.lower_bound_ = best_bound
        return np.argmax(self._e_step(X)[1], axis=1)

    def _set_parameters(self, params):
        self.weights_, self.means_, self.covariances_, self.precisions_cholesky_ = params
        chol = self.precisions_cholesky_
        if self.covariance_type == "full":
            self.precisions_ = chol @ np.swapaxes(chol, 1, 2)
        elif self.covariance_type == "tied":
            self.precisions_ = chol @ chol.T
        else:
            self.precisions_ = chol**2

    # --- using the fitted density -----------------------------------------------------------

    def score_samples(self, X) -> np.ndarray:
        """log p(x_i) = log Σ_k π_k N(x_i | μ_k, Σ_k).  (n, p) → (n,)."""
        return logsumexp(self._estimate_weighted_log_prob(self._validate_for_predict(X)))

    def score(self, X, y=None) -> float:
        """Mean log-likelihood (1/n) Σ_i log p(x_i)."""
        return float(self.score_samples(X).mean())

    def predict_proba(self, X) -> np.ndarray:
        """Responsibilities p(k | x_i).  (n, p) → (n, K), rows sum to 1."""
        weighted = self._estimate_weighted_log_prob(self._validate_for_predict(X))
        return np.exp(weighted - logsumexp(weighted)[:, None])

    def predict(self, X) -> np.ndarray:
        """Most likely component argmax_k π_k N(x_i | μ_k, Σ_k).  (n, p) → (n,)."""
        return np.argmax(self._estimate_weighted_log_prob(self._validate_for_predict(X)), axis=1)

    def sample(self, n_samples: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Draw (X (n_samples, p), component labels (n_samples,)) from the fitted mixture.

        Counts per component are multinomial(n_samples, π); each draw is μ_k + L_k z with
        z ~ N(0, I) and L_k the Cholesky factor of Σ_k (its square root for diag/spherical).
        """
        check_is_fitted(self, "means_")
        if not isinstance(n_samples, (int, np.integer)) or n_samples < 1:
            raise ValueError(f"n_samples must be an int >= 1, got {n_samples!r}")
        rng = check_random_state(self.random_state)
        n_features = self.means_.shape[1]
        counts = rng.multinomial(n_samples, self.weights_)
        draws = []
        for k, count in enumerate(counts):
            z = rng.standard_normal((count, n_features))
            if self.covariance_type == "full":
                z = z @ linalg.cholesky(self.covariances_[k]).T
            elif self.covariance_type == "tied":
                z = z @ linalg.cholesky(self.covariances_).T
            else:  # diag (p,) or spherical scalar variances
                z = z * np.sqrt(self.covariances_[k])
            draws.append(self.means_[k] + z)
        return np.vstack(draws), np.repeat(np.arange(self.n_components), counts)

    def _n_parameters(self) -> int:
        """Free parameters: K−1 weights, K·p means and the covariances' entries."""
        K, p = self.means_.shape
        covariance = {
            "full": K * p * (p + 1) / 2,
            "tied": p * (p + 1) / 2,
            "diag": K * p,
            "spherical": K,
        }[self.covariance_type]
        return int(covariance + K * p + K - 1)

    def bic(self, X) -> float:
        """Bayesian information criterion −2 log L + n_parameters · ln n (lower is better)."""
        X = self._validate_for_predict(X)
        return -2 * self.score(X) * X.shape[0] + self._n_parameters() * math.log(X.shape[0])

    def aic(self, X) -> float:
        """Akaike information criterion −2 log L + 2 n_parameters (lower is better)."""
        X = self._validate_for_predict(X)
        return -2 * self.score(X) * X.shape[0] + 2 * self._n_parameters()
