"""Tests for nashai.math.calculus: numerical derivatives against analytic ones and SciPy/PyTorch."""

import numpy as np
import pytest
from scipy.optimize import rosen, rosen_der, rosen_hess

from nashai.math.calculus import (
    GradCheckResult,
    check_grad,
    derivative,
    gradient,
    hessian,
    jacobian,
)

# (f, f', f'') for smooth functions of one variable, all acting elementwise
SMOOTH = {
    "exp": (np.exp, np.exp, np.exp),
    "sin": (np.sin, np.cos, lambda x: -np.sin(x)),
    "cos3x": (lambda x: np.cos(3 * x), lambda x: -3 * np.sin(3 * x), lambda x: -9 * np.cos(3 * x)),
    "poly5": (
        lambda x: x**5 - 3 * x**3 + x - 7,
        lambda x: 5 * x**4 - 9 * x**2 + 1,
        lambda x: 20 * x**3 - 18 * x,
    ),
    "log(x+4)": (lambda x: np.log(x + 4), lambda x: 1 / (x + 4), lambda x: -1 / (x + 4) ** 2),
    "1/(1+x^2)": (
        lambda x: 1 / (1 + x**2),
        lambda x: -2 * x / (1 + x**2) ** 2,
        lambda x: (6 * x**2 - 2) / (1 + x**2) ** 3,
    ),
}


def relative_error(approx, exact) -> float:
    """max |approx - exact| / max(|exact|, 1): relative where the derivative is not near 0."""
    approx, exact = np.asarray(approx), np.asarray(exact)
    return float(np.max(np.abs(approx - exact) / np.maximum(np.abs(exact), 1.0)))


def rosen_batched(points):
    """Rosenbrock's function on a stack of points (k, n) -> (k,)."""
    return np.sum(
        100.0 * (points[:, 1:] - points[:, :-1] ** 2) ** 2 + (1 - points[:, :-1]) ** 2, axis=1
    )


class CountingFunction:
    """Wrap f and count its calls."""

    def __init__(self, f):
        self.f, self.calls = f, 0

    def __call__(self, x):
        self.calls += 1
        return self.f(x)


# --- derivative ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SMOOTH)
def test_derivative_matches_analytic_on_a_grid(name):
    f, first, second = SMOOTH[name]
    x = np.linspace(-3.0, 3.0, 61)
    assert relative_error(derivative(f, x), first(x)) < 1e-12
    assert relative_error(derivative(f, x, n=2), second(x)) < 1e-10


@pytest.mark.parametrize("x0", [0.0, 1.0, -2.5, 1e3, -4e5, 1e-7])
def test_derivative_at_a_scalar_returns_a_float(x0):
    # exp(x / s) scaled with x so that the test also checks steps that follow the scale of x
    s = max(abs(x0), 1.0)
    value = derivative(lambda t: np.exp(t / s), x0)
    assert isinstance(value, float)
    assert value == pytest.approx(np.exp(x0 / s) / s, rel=1e-12)
    assert derivative(lambda t: np.exp(t / s), x0, n=2) == pytest.approx(
        np.exp(x0 / s) / s**2, rel=1e-10
    )


def test_derivative_of_a_curve_differentiates_each_component():
    curve = lambda t: np.array([np.cos(t), np.sin(t), t**3])  # noqa: E731
    np.testing.assert_allclose(
        derivative(curve, 0.7), [-np.sin(0.7), np.cos(0.7), 3 * 0.7**2], rtol=1e-12
    )
    np.testing.assert_allclose(
        derivative(curve, 0.7, n=2), [-np.cos(0.7), -np.sin(0.7), 6 * 0.7], rtol=1e-10
    )


def test_derivative_keeps_the_shape_of_an_array_x():
    x = np.random.default_rng(0).normal(size=(3, 4, 2))
    result = derivative(np.tanh, x)
    assert result.shape == (3, 4, 2)
    np.testing.assert_allclose(result, 1 - np.tanh(x) ** 2, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("n", [1, 2])
def test_richardson_error_falls_as_h_to_the_eighth(n):
    # With the truncation error dominant (large h), halving h divides the error by 2^8 = 256:
    # the three Richardson levels removed the h², h⁴ and h⁶ terms of the central difference.
    errors = [abs(derivative(np.exp, 0.0, n=n, h=h) - 1.0) for h in (1.6, 0.8)]
    assert 200 < errors[0] / errors[1] < 300


def test_a_fast_oscillation_needs_and_accepts_a_smaller_h():
    f = lambda x: np.sin(100 * x)  # noqa: E731
    x = np.array([0.1, 0.4, 0.9])
    exact = 100 * np.cos(100 * x)
    assert relative_error(derivative(f, x), exact) > 1e-8  # default h ≈ 0.023 spans 2.3 radians
    assert relative_error(derivative(f, x, h=1e-3), exact) < 1e-12


# --- gradient, jacobian, hessian ---------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 5, 20])
def test_gradient_of_rosenbrock_matches_scipy(n):
    x = np.random.default_rng(n).uniform(-2, 2, size=n)
    assert relative_error(gradient(rosen, x), rosen_der(x)) < 1e-11


def test_gradient_keeps_the_shape_of_x():
    x = np.random.default_rng(1).normal(size=(2, 3))
    grad = gradient(lambda a: np.sum(np.sin(a) * a), x)
    assert grad.shape == (2, 3)
    np.testing.assert_allclose(grad, np.cos(x) * x + np.sin(x), rtol=1e-11, atol=1e-13)


def test_gradient_of_a_scalar_function_of_a_scalar():
    grad = gradient(lambda t: t**3, 2.0)
    assert grad.shape == ()
    assert float(grad) == pytest.approx(12.0, rel=1e-13)


def test_jacobian_of_a_linear_map_is_the_matrix():
    rng = np.random.default_rng(2)
    a = rng.normal(size=(4, 6))
    np.testing.assert_allclose(jacobian(lambda v: a @ v, rng.normal(size=6)), a, atol=1e-13)


def test_jacobian_of_a_nonlinear_map_matches_the_analytic_one():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(5, 8))
    x = rng.normal(size=8)
    exact = (1 - np.tanh(a @ x) ** 2)[:, None] * a  # d tanh(Ax) / dx = diag(1 - tanh²) A
    assert relative_error(jacobian(lambda v: np.tanh(a @ v), x), exact) < 1e-12


def test_jacobian_of_array_shapes_flattens_in_c_order():
    rng = np.random.default_rng(4)
    w, v = rng.normal(size=(2, 3)), rng.normal(size=(4, 5))

    def f(x):  # (3, 4) -> (2, 5)
        return np.tanh(w @ x) @ v

    x = rng.normal(size=(3, 4))
    # ∂ out[i, k] / ∂ x[j, l] = (1 - tanh²(w x))[i, l] w[i, j] v[l, k], in PyTorch's layout
    # output shape + input shape, (2, 5, 3, 4)
    expected = np.einsum("il,ij,lk->ikjl", 1 - np.tanh(w @ x) ** 2, w, v)
    result = jacobian(f, x)
    assert result.shape == (10, 12)
    assert relative_error(result, expected.reshape(10, 12)) < 1e-12


def test_jacobian_of_a_scalar_function_is_one_row():
    x = np.array([0.3, -1.2, 2.0])
    result = jacobian(lambda v: np.sum(v**2), x)
    assert result.shape == (1, 3)
    np.testing.assert_allclose(result[0], 2 * x, rtol=1e-12)


@pytest.mark.parametrize("n", [2, 4, 7])
def test_hessian_of_rosenbrock_matches_scipy(n):
    x = np.random.default_rng(10 + n).uniform(-2, 2, size=n)
    result = hessian(rosen, x)
    expected = rosen_hess(x)
    assert np.max(np.abs(result - expected)) < 1e-10 * np.max(np.abs(expected))
    np.testing.assert_array_equal(result, result.T)


def test_hessian_of_a_smooth_non_polynomial_function():
    # f(x) = exp(a·x) + sin(x₀ x₁) with H = exp(a·x) a aᵀ + the Hessian of sin(x₀ x₁)
    a = np.array([0.3, -0.5, 0.2])
    x = np.array([0.7, -0.4, 1.1])

    def f(v):
        return np.exp(a @ v) + np.sin(v[0] * v[1])

    expected = np.exp(a @ x) * np.outer(a, a)
    s, c = np.sin(x[0] * x[1]), np.cos(x[0] * x[1])
    expected[0, 0] += -s * x[1] ** 2
    expected[1, 1] += -s * x[0] ** 2
    expected[0, 1] += c - s * x[0] * x[1]
    expected[1, 0] = expected[0, 1]
    assert relative_error(hessian(f, x), expected) < 1e-10


def test_hessian_of_a_quadratic_form_over_a_matrix_shaped_x():
    rng = np.random.default_rng(5)
    a = rng.normal(size=(6, 6))
    x = rng.normal(size=(2, 3))
    result = hessian(lambda m: m.ravel() @ a @ m.ravel(), x)  # H = A + Aᵀ
    assert result.shape == (6, 6)
    np.testing.assert_allclose(result, a + a.T, atol=1e-10)


def test_vectorized_evaluation_gives_the_same_numbers_in_a_few_calls():
    x = np.random.default_rng(6).uniform(-2, 2, size=6)
    counted = CountingFunction(rosen_batched)
    grad = gradient(counted, x, vectorized=True)
    assert counted.calls <= 2
    np.testing.assert_allclose(grad, gradient(rosen, x), rtol=1e-15, atol=1e-12)
    np.testing.assert_allclose(
        hessian(rosen_batched, x, vectorized=True), hessian(rosen, x), rtol=1e-15, atol=1e-9
    )
    np.testing.assert_allclose(
        jacobian(lambda p: np.sin(p) * 2, x, vectorized=True), np.diag(2 * np.cos(x)), atol=1e-13
    )
    counted = CountingFunction(rosen_batched)
    assert check_grad(counted, rosen_der, x, rtol=1e-10, vectorized=True).ok
    assert counted.calls <= 2


def test_number_of_function_calls():
    x = np.ones(5)
    counted = CountingFunction(rosen)
    jacobian(counted, x)
    assert counted.calls == 1 + 8 * 5  # f(x) and x ± h e_j at four step sizes
    counted = CountingFunction(rosen)
    hessian(counted, x)
    assert counted.calls == 1 + 8 * 5 + 16 * 10  # f(x), the diagonal and the 10 pairs i < j


# --- check_grad ----------------------------------------------------------------------------------


def test_check_grad_accepts_a_correct_gradient():
    x = np.random.default_rng(7).uniform(-2, 2, size=10)
    result = check_grad(rosen, rosen_der, x)
    assert isinstance(result, GradCheckResult)
    assert result.ok
    assert result.max_rel_error < 1e-10
    assert result.numerical.shape == result.analytic.shape == (10,)
    np.testing.assert_array_equal(result.analytic, rosen_der(x))


def test_check_grad_rejects_a_slightly_wrong_gradient():
    x = np.random.default_rng(8).uniform(-2, 2, size=10)
    wrong = rosen_der(x)
    wrong[3] *= 1 + 1e-5
    result = check_grad(rosen, wrong, x)
    assert not result.ok
    assert result.max_rel_error == pytest.approx(1e-5, rel=1e-3)
    assert result.max_abs_error == pytest.approx(abs(wrong[3]) * 1e-5 / (1 + 1e-5), rel=1e-3)


def test_check_grad_compares_jacobians_in_both_layouts():
    rng = np.random.default_rng(9)
    w = rng.normal(size=(3, 4))
    x = rng.normal(size=(4, 2))
    fun = lambda m: np.tanh(w @ m)  # noqa: E731  # (4, 2) -> (3, 2)
    # d tanh(W X)[i, k] / d X[j, l] = (1 - tanh²)[i, k] W[i, j] δ(k, l)
    full = np.einsum("ik,ij,kl->ikjl", 1 - np.tanh(w @ x) ** 2, w, np.eye(2))
    as_matrix = check_grad(fun, full.reshape(6, 8), x)
    as_tensor = check_grad(fun, lambda m: full, x)
    assert as_matrix.ok and as_tensor.ok
    assert as_tensor.numerical.shape == (3, 2, 4, 2)
    assert as_matrix.numerical.shape == (6, 8)
    assert not check_grad(fun, full.reshape(6, 8) * 1.001, x).ok


def test_check_grad_reports_nan_as_a_failure():
    result = check_grad(lambda v: np.sum(v**2), np.array([np.nan, 1.0]), np.array([1.0, 2.0]))
    assert not result.ok


def test_check_grad_on_a_few_hundred_inputs_with_a_tight_tolerance():
    x = np.random.default_rng(11).normal(size=300)

    def fun(v):
        return np.sin(v) * np.sum(v**2)

    def jac(v):
        return np.diag(np.cos(v) * np.sum(v**2)) + 2 * np.sin(v)[:, None] * v[None, :]

    result = check_grad(fun, jac, x, rtol=1e-9, atol=1e-10)
    assert result.ok, result
    assert result.numerical.shape == (300, 300)


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:invalid value encountered in log:RuntimeWarning")
@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: derivative(np.sin, 1.0, n=3), ValueError, "n must be 1 or 2"),
        (lambda: derivative(np.sin, 1.0, n=True), ValueError, "n must be 1 or 2"),
        (lambda: derivative(np.sin, "one"), TypeError, "x must hold real numbers"),
        (lambda: derivative(np.sin, np.array([1.0, np.nan])), ValueError, "x contains NaN"),
        (lambda: derivative(np.sin, 1.0, h=-1e-3), ValueError, "h must be positive"),
        (lambda: derivative(np.sin, np.ones(3), h=np.ones(2)), ValueError, "h must be a scalar"),
        (lambda: derivative(1.0, 1.0), TypeError, "f must be a callable"),
        (lambda: derivative(np.sum, np.ones(3)), ValueError, "act elementwise"),
        (lambda: derivative(np.log, 1e-3), ValueError, "pass a smaller h"),
        (lambda: derivative(np.log, -1.0), ValueError, "NaN or infinite"),
        (lambda: gradient(np.sin, np.ones(3)), ValueError, "use jacobian"),
        (lambda: hessian(lambda v: v, np.ones(2)), ValueError, "scalar-valued"),
        (lambda: jacobian(lambda v: np.log(v), np.array([1.0, 1e-3])), ValueError, "smaller h"),
        (lambda: jacobian(lambda v: v.sum(), np.ones(3), vectorized=True), ValueError, "stack"),
        (lambda: check_grad(rosen, np.ones(4), np.ones(3)), ValueError, "grad has shape"),
        (lambda: check_grad(rosen, rosen_der, np.ones(3), rtol=-1), ValueError, "non-negative"),
    ],
)
def test_bad_input_raises_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()
