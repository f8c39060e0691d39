"""Maximum-likelihood solvers that need iteration: the gamma shape, the Dirichlet (and Beta)
concentrations, and the Student t location, scale and degrees of freedom.

References
----------
T. P. Minka, "Estimating a gamma distribution" (2002) and "Estimating a Dirichlet distribution"
(2000/2012), Microsoft Research technical notes.
C. Liu & D. B. Rubin, "ML estimation of the t distribution using EM and its extensions, ECM and
ECME", Statistica Sinica 5 (1995).
"""

from __future__ import annotations

import numpy as np

from nashai.math.probability.special import _digamma_half_difference, digamma, trigamma

_TOL = 1e-14
_MAX_NEWTON = 200


def solve_gamma_shape(s: float) -> float:
    """The k > 0 with ln k - ψ(k) = s, for s > 0: the gamma shape MLE, where s = ln(mean x) -
    mean(ln x).

    f(k) = ln k - ψ(k) - s decreases from +∞ to -s, so the root is unique. Newton's method on 1/k
    (Minka 2002), 1/k ← 1/k + f(k) / (k² f'(k)) with f'(k) = 1/k - ψ'(k), starts from
    k₀ = (3 - s + √((s - 3)² + 24 s)) / (12 s) and converges in about four steps.
    """
    k = (3 - s + np.sqrt((s - 3) ** 2 + 24 * s)) / (12 * s)
    for _ in range(_MAX_NEWTON):
        f = np.log(k) - digamma(k) - s
        f_prime = 1 / k - trigamma(k)
        k_new = 1 / (1 / k + f / (k * k * f_prime))
        if not k_new > 0:  # a step past the pole of 1/k: fall back to a cautious move
            k_new = k * 2 if f > 0 else k / 2
        if abs(k_new - k) <= _TOL * k:
            return float(k_new)
        k = k_new
    return float(k)


def dirichlet_concentration(mean_log: np.ndarray, initial: np.ndarray) -> np.ndarray:
    """The Dirichlet MLE α (shape (K,)) from the sufficient statistics mean_log[k] = mean(ln x_k).

    The average log-likelihood ℓ(α) = lnΓ(α₀) - Σ lnΓ(αₖ) + Σ (αₖ - 1) mean_log[k] (α₀ = Σ αₖ)
    is concave; its gradient is gₖ = ψ(α₀) - ψ(αₖ) + mean_log[k] and its Hessian
    H = ψ'(α₀)·11ᵀ - diag(ψ'(αₖ)) is a diagonal plus a rank-one term, so the Newton step H⁻¹g
    takes O(K) work by Sherman–Morrison (Minka 2000, §1). Steps are halved while they would leave
    α > 0. A Beta(a, b) fit is the K = 2 case with x₂ = 1 - x₁.
    """
    alpha = np.asarray(initial, dtype=np.float64).copy()
    for _ in range(_MAX_NEWTON):
        total = alpha.sum()
        gradient = digamma(total) - digamma(alpha) + mean_log
        diagonal = -trigamma(alpha)  # H = diag(diagonal) + z·11ᵀ
        z = trigamma(total)
        inv_diag_g = gradient / diagonal
        b = inv_diag_g.sum() / (1 / z + (1 / diagonal).sum())
        step = (gradient - b) / diagonal  # H⁻¹ g
        scale = 1.0
        while np.any(alpha - scale * step <= 0):
            scale /= 2
        alpha_new = alpha - scale * step
        if np.all(np.abs(alpha_new - alpha) <= _TOL * alpha):
            return alpha_new
        alpha = alpha_new
    return alpha


def _t_df_score(nu: float, r2: np.ndarray) -> tuple[float, float]:
    """∂ℓ/∂ν and ∂²ℓ/∂ν² of the Student t log-likelihood at fixed location and scale, where
    r² = ((x - μ)/σ)² and n = len(r²):

        ∂ℓ/∂ν  = (n/2) [ψ((ν+1)/2) - ψ(ν/2) - 1/ν] - ½ Σ ln(1 + r²/ν) + (ν+1)/(2ν) Σ r²/(ν + r²),
        ∂²ℓ/∂ν² = (n/4) [ψ'((ν+1)/2) - ψ'(ν/2)] + n/(2ν²) + (ν-1)/(2ν²) Σ r²/(ν + r²)
                  - (ν+1)/(2ν) Σ r²/(ν + r²)².
    """
    n = r2.size
    ratio = r2 / (nu + r2)
    score = (
        n / 2 * (_digamma_half_difference(nu / 2) - 1 / nu)  # ψ((ν+1)/2) - ψ(ν/2) - 1/ν
        - 0.5 * np.sum(np.log1p(r2 / nu))
        + (nu + 1) / (2 * nu) * np.sum(ratio)
    )
    curvature = (
        n / 4 * (trigamma((nu + 1) / 2) - trigamma(nu / 2))
        + n / (2 * nu * nu)
        + (nu - 1) / (2 * nu * nu) * np.sum(ratio)
        - (nu + 1) / (2 * nu) * np.sum(r2 / (nu + r2) ** 2)
    )
    return float(score), float(curvature)


def _t_df_given_location_scale(r2: np.ndarray, start: float, low: float, high: float) -> float:
    """argmax over ν in [low, high] of the t log-likelihood at fixed location and scale: the root
    of ∂ℓ/∂ν, by Newton's method in u = ln ν from `start` (∂ℓ/∂u = ν ∂ℓ/∂ν and
    ∂²ℓ/∂u² = ν ∂ℓ/∂ν + ν² ∂²ℓ/∂ν²), falling back to bisection of the bracket the signs of ∂ℓ/∂ν
    have established whenever a step would leave it. Returns an end of [low, high] when the
    maximum lies there."""
    a, b = np.log(low), np.log(high)
    u = float(np.clip(np.log(start), a, b))
    for _ in range(_MAX_NEWTON):
        nu = float(np.exp(u))
        score, curvature = _t_df_score(nu, r2)
        if score > 0:
            a = u
        else:
            b = u
        slope, bend = nu * score, nu * score + nu * nu * curvature
        step = u - slope / bend if bend < 0 else np.inf
        u_new = step if a < step < b else 0.5 * (a + b)
        if abs(u_new - u) <= 1e-13 * max(1.0, abs(u)):
            return float(np.exp(u_new))
        u = u_new
    return float(np.exp(u))


def student_t(x: np.ndarray, max_iter: int = 10_000, tol: float = 1e-12) -> tuple[float, ...]:
    """Student t MLE (df, loc, scale) of the 1-D data x by ECME (Liu & Rubin 1995).

    The t is a scale mixture of normals: x | w ~ N(μ, σ²/w) with w ~ Gamma(ν/2, rate ν/2). Given the
    current (ν, μ, σ) the E-step weights are wᵢ = (ν + 1)/(ν + dᵢ²) with dᵢ = (xᵢ - μ)/σ; the
    conditional maximisations are then

        μ ← Σ wᵢ xᵢ / Σ wᵢ,      σ² ← Σ wᵢ (xᵢ - μ)² / n,

    and ν ← the maximiser of the actual log-likelihood at the new (μ, σ) (the "either" step of
    ECME, which converges far faster in ν than EM's expected-likelihood step). Each cycle raises the
    likelihood; iteration stops when no parameter moves by more than `tol` (relative). Data that
    look normal send ν towards infinity; it is kept within [1e-3, 1e8].
    """
    mu = float(np.median(x))
    sigma = float(np.sqrt(np.mean((x - mu) ** 2)))
    nu = 10.0
    for _ in range(max_iter):
        w = (nu + 1) / (nu + ((x - mu) / sigma) ** 2)
        mu_new = float(np.sum(w * x) / np.sum(w))
        sigma_new = float(np.sqrt(np.sum(w * (x - mu_new) ** 2) / x.size))
        nu_new = _t_df_given_location_scale(((x - mu_new) / sigma_new) ** 2, nu, 1e-3, 1e8)
        moved = max(
            abs(mu_new - mu) / sigma_new,
            abs(sigma_new - sigma) / sigma_new,
            abs(nu_new - nu) / nu_new,
        )
        mu, sigma, nu = mu_new, sigma_new, nu_new
        if moved <= tol:
            break
    return nu, mu, sigma
