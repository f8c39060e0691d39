"""Line searches: choose a step α along a descent direction p, φ(α) = f(x + α p).

strong_wolfe_line_search   Nocedal & Wright, Numerical Optimization 2nd ed., Alg. 3.5 + 3.6 (zoom),
                           cubic interpolation (eq. 3.59) safeguarded by bisection
backtracking_line_search   Armijo backtracking, Nocedal & Wright Alg. 3.1
bracket_minimum            downhill expansion until f goes up again (a bracket a < b < c)
golden_section_search      1-D minimisation in a bracket, shrunk by 1/φ per step (Kiefer, 1953)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np


class LineSearchResult(NamedTuple):
    """alpha: the step, None when the search failed; fun, jac: f and ∇f at x + alpha p (at x
    when it failed; jac is None for searches that evaluate f only); nfev: points evaluated."""

    alpha: float | None
    fun: float
    jac: np.ndarray | None
    nfev: int


def cubic_minimizer(
    a: float, fa: float, dfa: float, b: float, fb: float, dfb: float
) -> float | None:
    """Minimiser of the cubic matching φ and φ' at a and b (Nocedal & Wright eq. 3.59); None when
    that cubic has no local minimum or the numbers are not finite.

        d1 = φ'(a) + φ'(b) − 3 (φ(a) − φ(b)) / (a − b)
        d2 = sign(b − a) √(d1² − φ'(a) φ'(b))
        α  = b − (b − a) (φ'(b) + d2 − d1) / (φ'(b) − φ'(a) + 2 d2)
    """
    if a == b:
        return None
    d1 = dfa + dfb - 3 * (fa - fb) / (a - b)
    discriminant = d1 * d1 - dfa * dfb
    if not math.isfinite(discriminant) or discriminant < 0:
        return None
    d2 = math.copysign(math.sqrt(discriminant), b - a)
    denominator = dfb - dfa + 2 * d2
    if denominator == 0:
        return None
    alpha = b - (b - a) * (dfb + d2 - d1) / denominator
    return alpha if math.isfinite(alpha) else None


def strong_wolfe_line_search(
    value_and_grad: Callable[[np.ndarray], tuple[float, np.ndarray]],
    x: np.ndarray,
    p: np.ndarray,
    f0: float,
    g0: np.ndarray,
    alpha0: float = 1.0,
    c1: float = 1e-4,
    c2: float = 0.9,
    alpha_max: float = 1e10,
    max_evaluations: int = 50,
    approx_tol: float = 1e-10,
) -> LineSearchResult:
    """A step α satisfying the strong Wolfe conditions (Nocedal & Wright Alg. 3.5/3.6):

        f(x + α p) ≤ f(x) + c1 α ∇f(x)ᵀp            (sufficient decrease)
        |∇f(x + α p)ᵀp| ≤ c2 |∇f(x)ᵀp|              (curvature)

    with 0 < c1 < c2 < 1. The first phase tries alpha0 and grows the step (by cubic extrapolation
    kept within [α + 1.1 Δ, α + 4 Δ], Δ the last increase, as in Moré & Thuente) until it brackets
    an acceptable step; `zoom` then shrinks the bracket by safeguarded cubic interpolation.

    Close to a minimum the decrease c1 α ∇f(x)ᵀp falls below the rounding error of f and the
    first condition becomes a coin toss. There, as in Hager & Zhang (2005), sufficient decrease is
    judged, when |f(x + α p) − f(x)| ≤ approx_tol·|f(x)|, by the slope alone:
    φ'(α) ≤ (2 c1 − 1) φ'(0), which is exactly the Armijo condition when φ is quadratic; values of
    f that close are not told apart, and zoom interpolates φ' by a secant instead of φ by a cubic.
    approx_tol = 0 gives the plain N&W algorithm.

    x, p, g0: (n,); f0 = f(x), g0 = ∇f(x); p must be a descent direction (g0ᵀp < 0).
    """
    dphi0 = float(g0 @ p)
    if not dphi0 < 0:
        raise ValueError(f"p must be a descent direction (∇f(x)ᵀp < 0), got ∇f(x)ᵀp = {dphi0}")
    if not 0 < c1 < c2 < 1:
        raise ValueError(f"line search needs 0 < c1 < c2 < 1, got c1={c1}, c2={c2}")
    f_noise = approx_tol * abs(f0)
    # Steps closer than this give the same x in floating point.
    alpha_tol = np.finfo(float).eps * max(1.0, float(np.max(np.abs(x)))) / np.max(np.abs(p))
    nfev = 0

    def phi(alpha: float) -> tuple[float, float, np.ndarray]:
        nonlocal nfev
        nfev += 1
        f, g = value_and_grad(x + alpha * p)
        return f, float(g @ p), g

    def sufficient_decrease(alpha: float, f: float, d: float) -> bool:
        if not (math.isfinite(f) and math.isfinite(d)):
            return False
        if abs(f - f0) <= f_noise:  # f cannot tell: judge by the slope (approximate Armijo)
            return d <= (2 * c1 - 1) * dphi0
        return f <= f0 + c1 * alpha * dphi0

    def interpolate(lo, hi) -> float | None:
        (a_lo, f_lo, d_lo, _), (a_hi, f_hi, d_hi, _) = lo, hi
        if abs(f_lo - f_hi) <= f_noise and d_lo != d_hi:
            return a_lo - d_lo * (a_hi - a_lo) / (d_hi - d_lo)  # secant on φ', f being noise
        return cubic_minimizer(a_lo, f_lo, d_lo, a_hi, f_hi, d_hi)

    def zoom(lo, hi) -> LineSearchResult:
        # lo, hi: (α, φ, φ', g) with lo the best sufficient-decrease point found so far and
        # φ'(lo)(hi − lo) < 0, so the bracket holds a strong Wolfe step (N&W Lemma 3.1).
        while nfev < max_evaluations:
            a_lo, f_lo, a_hi = lo[0], lo[1], hi[0]
            width = a_hi - a_lo
            if abs(width) <= alpha_tol:
                break
            alpha = interpolate(lo, hi)
            # Safeguard: an interpolant outside the bracket is ignored (bisect); one inside is
            # kept at least 10% of the width from either end, so the bracket shrinks every step.
            inner_lo, inner_hi = sorted((a_lo + 0.1 * width, a_hi - 0.1 * width))
            if alpha is None or not min(a_lo, a_hi) < alpha < max(a_lo, a_hi):
                alpha = a_lo + 0.5 * width
            alpha = min(max(alpha, inner_lo), inner_hi)
            f, d, g = phi(alpha)
            if not sufficient_decrease(alpha, f, d) or f >= f_lo + f_noise:
                hi = (alpha, f, d, g)
                continue
            if abs(d) <= -c2 * dphi0:
                return LineSearchResult(alpha, f, g, nfev)
            if d * width >= 0:
                hi = lo
            lo = (alpha, f, d, g)
        return LineSearchResult(None, f0, g0, nfev)

    previous = (0.0, f0, dphi0, g0)
    alpha = min(alpha0, alpha_max)
    while nfev < max_evaluations:
        f, d, g = phi(alpha)
        current = (alpha, f, d, g)
        if not sufficient_decrease(alpha, f, d) or (nfev > 1 and f >= previous[1] + f_noise):
            return zoom(previous, current)
        if abs(d) <= -c2 * dphi0:
            return LineSearchResult(alpha, f, g, nfev)
        if d >= 0:
            return zoom(current, previous)
        if alpha >= alpha_max:
            break
        step = alpha - previous[0]
        guess = cubic_minimizer(previous[0], previous[1], previous[2], alpha, f, d)
        low, high = alpha + 1.1 * step, alpha + 4 * step
        guess = high if guess is None else min(max(guess, low), high)
        previous, alpha = current, min(guess, alpha_max)
    return LineSearchResult(None, f0, g0, nfev)


def backtracking_line_search(
    fun: Callable[[np.ndarray], float],
    x: np.ndarray,
    p: np.ndarray,
    f0: float,
    g0: np.ndarray,
    alpha0: float = 1.0,
    c1: float = 1e-4,
    shrink: float = 0.5,
    max_evaluations: int = 60,
) -> LineSearchResult:
    """Armijo backtracking (Nocedal & Wright Alg. 3.1): α = alpha0, alpha0·ρ, alpha0·ρ², ... until

        f(x + α p) ≤ f(x) + c1 α ∇f(x)ᵀp.

    x, p, g0: (n,). Only f is evaluated, so the result's `jac` is None.
    """
    dphi0 = float(g0 @ p)
    if not dphi0 < 0:
        raise ValueError(f"p must be a descent direction (∇f(x)ᵀp < 0), got ∇f(x)ᵀp = {dphi0}")
    alpha = alpha0
    for nfev in range(1, max_evaluations + 1):
        f = fun(x + alpha * p)
        if f <= f0 + c1 * alpha * dphi0:
            return LineSearchResult(alpha, f, None, nfev)
        alpha *= shrink
    return LineSearchResult(None, f0, None, max_evaluations)


_GOLDEN = (math.sqrt(5) - 1) / 2  # 1/φ ≈ 0.618


def bracket_minimum(
    f: Callable[[float], float], x0: float = 0.0, step: float = 1.0, max_evaluations: int = 100
) -> tuple[float, float, float]:
    """Points a < b < c with f(b) ≤ f(a) and f(b) ≤ f(c), so a minimum of f lies in [a, c].

    Walks downhill from x0 with steps growing by the golden ratio (Numerical Recipes §10.1).
    Raises ValueError if f keeps decreasing for max_evaluations points (unbounded below?).
    """
    a, b = x0, x0 + step
    fa, fb = f(a), f(b)
    if fb > fa:
        a, b, fa, fb = b, a, fb, fa  # walk the other way
    c = b + (b - a) / _GOLDEN
    fc = f(c)
    for _ in range(max_evaluations):
        if fc >= fb:
            return (a, b, c) if a < c else (c, b, a)
        a, b, fa, fb = b, c, fb, fc
        c = b + (b - a) / _GOLDEN
        fc = f(c)
    raise ValueError(
        f"bracket_minimum: f kept decreasing for {max_evaluations} steps from x0={x0} "
        "(is it bounded below?)"
    )


def golden_section_search(
    f: Callable[[float], float], a: float, c: float, tol: float = 1e-10, max_iter: int = 200
) -> tuple[float, float]:
    """Minimise a unimodal f on [a, c] by golden-section search; returns (x, f(x)).

    Each step keeps two interior points at fractions 1 − 1/φ and 1/φ of the bracket and drops the
    end beyond the worse one, so the bracket shrinks by 1/φ ≈ 0.618 per evaluation. Stops when
    the bracket is shorter than tol·max(1, |x|). (Near a minimum f is flat to second order, so x
    cannot be located better than about √eps·max(1, |x|) from values alone.)
    """
    a, c = min(a, c), max(a, c)
    x1, x2 = c - _GOLDEN * (c - a), a + _GOLDEN * (c - a)
    f1, f2 = f(x1), f(x2)
    for _ in range(max_iter):
        if c - a <= tol * max(1.0, abs(x1), abs(x2)):
            break
        if f1 <= f2:
            c, x2, f2 = x2, x1, f1
            x1 = c - _GOLDEN * (c - a)
            f1 = f(x1)
        else:
            a, x1, f1 = x1, x2, f2
            x2 = a + _GOLDEN * (c - a)
            f2 = f(x2)
    return (x1, f1) if f1 <= f2 else (x2, f2)
