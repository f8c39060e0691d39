"""nashai.math.optimization.minimize against scipy.optimize on the same problems.

Second-order and quasi-Newton methods (bfgs, lbfgs, cg, newton) must land on scipy's minimiser to
1e-6 in x and f on Rosenbrock (2-D, 10-D), ill-conditioned quadratics (condition 1e4 to 1e6) and a
regularised logistic-regression loss; L-BFGS must need between half and twice the iterations of
scipy's L-BFGS-B (the counts are printed: run with -s to see them). First-order methods must
reach the minimiser of well-conditioned problems to 1e-4 in x.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
import scipy.optimize

from nashai.math.optimization import OptimizeResult, minimize, modified_cholesky, solver_options


@dataclass
class Problem:
    name: str
    fun: object
    jac: object
    hess: object
    x0: np.ndarray
    x_exact: np.ndarray | None = None  # the minimiser when known in closed form


def rosenbrock(n: int) -> Problem:
    x0 = (
        np.array([-1.2, 1.0])
        if n == 2
        else np.array([1.3, 0.7, 0.8, 1.9, 1.2, -0.5, 0.3, 1.1, -1.0, 0.9])
    )
    return Problem(
        f"rosenbrock-{n}d",
        scipy.optimize.rosen,
        scipy.optimize.rosen_der,
        scipy.optimize.rosen_hess,
        x0,
        np.ones(n),
    )


def ill_conditioned_quadratic(n: int, condition: float, seed: int) -> Problem:
    """f(x) = ½ xᵀA x − bᵀx with the eigenvalues of A log-spaced over [1/√κ, √κ]."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    eigenvalues = np.logspace(-0.5, 0.5, n) ** np.log10(condition)
    A = (Q * eigenvalues) @ Q.T
    A = 0.5 * (A + A.T)
    x_star = rng.standard_normal(n)
    b = A @ x_star
    assert np.linalg.cond(A) == pytest.approx(condition, rel=1e-3)
    return Problem(
        f"quadratic-cond{condition:.0e}",
        lambda x: 0.5 * x @ A @ x - b @ x,
        lambda x: A @ x - b,
        lambda x: A,
        np.zeros(n),
        np.linalg.solve(A, b),
    )


def logistic_regression(n_samples: int = 300, n_features: int = 6, l2: float = 1e-2) -> Problem:
    """Mean logistic loss + (l2/2)‖w‖² on a generated, non-separable data set."""
    rng = np.random.default_rng(7)
    X = rng.standard_normal((n_samples, n_features))
    w_true = rng.standard_normal(n_features)
    y = (rng.random(n_samples) < 1 / (1 + np.exp(-X @ w_true))).astype(float)

    def loss(w):
        z = X @ w
        return np.mean(np.logaddexp(0, z) - y * z) + 0.5 * l2 * w @ w

    def grad(w):
        p = 1 / (1 + np.exp(-X @ w))
        return X.T @ (p - y) / n_samples + l2 * w

    def hess(w):
        p = 1 / (1 + np.exp(-X @ w))
        return (X.T * (p * (1 - p))) @ X / n_samples + l2 * np.eye(n_features)

    return Problem("logistic-regression", loss, grad, hess, np.zeros(n_features))


PROBLEMS = [
    rosenbrock(2),
    rosenbrock(10),
    ill_conditioned_quadratic(20, 1e4, seed=0),
    ill_conditioned_quadratic(20, 1e6, seed=1),
    logistic_regression(),
]
SECOND_ORDER_METHODS = ["bfgs", "lbfgs", "cg", "newton"]


def scipy_reference(problem: Problem) -> scipy.optimize.OptimizeResult:
    """scipy's BFGS run to a tight gradient tolerance (checked against the closed form if known)."""
    reference = scipy.optimize.minimize(
        problem.fun, problem.x0, jac=problem.jac, method="BFGS", options={"gtol": 1e-10}
    )
    if problem.x_exact is not None:
        np.testing.assert_allclose(reference.x, problem.x_exact, atol=1e-7)
    return reference


_REFERENCES: dict[str, scipy.optimize.OptimizeResult] = {}


def reference_for(problem: Problem) -> scipy.optimize.OptimizeResult:
    if problem.name not in _REFERENCES:
        _REFERENCES[problem.name] = scipy_reference(problem)
    return _REFERENCES[problem.name]


@pytest.mark.parametrize("method", SECOND_ORDER_METHODS)
@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.name)
def test_second_order_methods_find_scipys_minimum(problem, method):
    hess = problem.hess if method == "newton" else None
    result = minimize(
        problem.fun,
        problem.x0,
        jac=problem.jac,
        method=method,
        hess=hess,
        tol=1e-10,
        maxiter=20_000,
    )
    reference = reference_for(problem)
    assert result.success, result.message
    np.testing.assert_allclose(result.x, reference.x, rtol=0, atol=1e-6)
    assert result.fun == pytest.approx(reference.fun, abs=1e-6)
    assert result.fun == pytest.approx(problem.fun(result.x), abs=0)
    np.testing.assert_allclose(result.jac, problem.jac(result.x), rtol=0, atol=1e-12)
    assert np.max(np.abs(result.jac)) <= 1e-10


@pytest.mark.parametrize(
    ("problem", "tol"),
    [
        (rosenbrock(2), 1e-8),
        (rosenbrock(10), 1e-8),
        (ill_conditioned_quadratic(20, 1e4, seed=0), 1e-5),
        (ill_conditioned_quadratic(20, 1e6, seed=1), 1e-5),
        (logistic_regression(), 1e-8),
    ],
    ids=lambda value: value.name if isinstance(value, Problem) else f"tol={value:g}",
)
def test_lbfgs_iteration_count_is_within_twice_scipys(problem, tol):
    ours = minimize(problem.fun, problem.x0, jac=problem.jac, method="lbfgs", tol=tol)
    theirs = scipy.optimize.minimize(
        problem.fun,
        problem.x0,
        jac=problem.jac,
        method="L-BFGS-B",
        options={"gtol": tol, "ftol": 0.0, "maxcor": 10, "maxiter": 100_000},
    )
    print(
        f"\n{problem.name} tol={tol:g}: nashai lbfgs nit={ours.nit} nfev={ours.nfev}; "
        f"scipy L-BFGS-B nit={theirs.nit} nfev={theirs.nfev}"
    )
    assert ours.success, ours.message
    assert np.max(np.abs(theirs.jac)) <= tol, "scipy must meet the same gradient test"
    assert theirs.nit / 2 <= ours.nit <= 2 * theirs.nit


@pytest.mark.parametrize("variant", ["polak-ribiere", "fletcher-reeves"])
def test_nonlinear_cg_variants_reach_the_rosenbrock_minimum(variant):
    problem = rosenbrock(2)
    result = minimize(
        problem.fun, problem.x0, jac=problem.jac, method="cg", tol=1e-9, variant=variant
    )
    assert result.success, result.message
    np.testing.assert_allclose(result.x, np.ones(2), atol=1e-7)


def test_newton_is_exact_in_one_step_on_a_quadratic():
    problem = ill_conditioned_quadratic(8, 1e4, seed=3)
    result = minimize(problem.fun, problem.x0, jac=problem.jac, hess=problem.hess, method="newton")
    assert result.nit == 1
    np.testing.assert_allclose(result.x, problem.x_exact, atol=1e-9)


def test_newton_modifies_an_indefinite_hessian_and_goes_downhill():
    # f = x⁴/4 − x²/2 + y²/2 has a maximum along x at x = 0; at x0 the Hessian diag(3x² − 1, 1)
    # is indefinite, so the pure Newton step heads for that maximum. The modified step must not.
    fun = lambda v: v[0] ** 4 / 4 - v[0] ** 2 / 2 + v[1] ** 2 / 2  # noqa: E731
    jac = lambda v: np.array([v[0] ** 3 - v[0], v[1]])  # noqa: E731
    hess = lambda v: np.diag([3 * v[0] ** 2 - 1, 1.0])  # noqa: E731
    result = minimize(fun, [0.1, 1.0], jac=jac, hess=hess, method="newton", tol=1e-12)
    assert result.success, result.message
    np.testing.assert_allclose(result.x, [1.0, 0.0], atol=1e-12)
    assert result.fun == pytest.approx(-0.25, abs=1e-15)
    assert result.nhev == result.nit


@pytest.mark.parametrize("smallest_eigenvalue", [2.0, 1e-3, -0.5, -40.0])
def test_modified_cholesky_adds_the_smallest_multiple_of_the_identity_it_needs(smallest_eigenvalue):
    rng = np.random.default_rng(9)
    Q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    H = (Q * np.array([smallest_eigenvalue, 1.0, 3.0, 5.0, 8.0, 13.0])) @ Q.T
    H = 0.5 * (H + H.T)
    L = modified_cholesky(H)
    np.testing.assert_array_equal(L, np.tril(L))
    shift = L @ L.T - H
    tau = shift[0, 0]
    np.testing.assert_allclose(shift, tau * np.eye(6), atol=1e-12 * max(1.0, tau))
    if smallest_eigenvalue > 0:
        assert tau == pytest.approx(0.0, abs=1e-12)  # already positive definite: untouched
    else:
        # positive definite after the shift, and not shifted absurdly far (doubling overshoots
        # the needed −λ_min by at most a factor of 2, plus the initial β·max|h_ii|)
        assert 0 < tau + smallest_eigenvalue
        assert tau <= 2 * (-smallest_eigenvalue) + 2e-3 * max(1.0, np.max(np.abs(np.diag(H))))


# --- first-order methods: well-conditioned problems, looser tolerance -------------------------

WELL_CONDITIONED = [ill_conditioned_quadratic(5, 10.0, seed=3), logistic_regression()]
FIRST_ORDER_RUNS = [
    ("gd", {}),  # Armijo backtracking
    ("gd", {"learning_rate": 0.3}),
    ("momentum", {"learning_rate": 0.1, "beta": 0.9}),
    ("nesterov", {"learning_rate": 0.1, "beta": 0.9}),
    ("adam", {"learning_rate": 0.05}),
]


@pytest.mark.parametrize(("method", "options"), FIRST_ORDER_RUNS, ids=lambda v: str(v))
@pytest.mark.parametrize("problem", WELL_CONDITIONED, ids=lambda p: p.name)
def test_first_order_methods_converge_on_well_conditioned_problems(problem, method, options):
    # Stopping at ‖∇f‖_∞ ≤ 1e-6 with the smallest Hessian eigenvalue ≥ 0.08 bounds ‖x − x*‖ by
    # about 1e-5·√n, so 1e-4 is the stated tolerance here (1e-6 for the second-order methods).
    result = minimize(problem.fun, problem.x0, jac=problem.jac, method=method, tol=1e-6, **options)
    reference = reference_for(problem)
    assert result.success, result.message
    np.testing.assert_allclose(result.x, reference.x, atol=1e-4)
    assert result.fun == pytest.approx(reference.fun, abs=1e-8)


def test_momentum_beats_plain_gradient_descent_at_the_same_learning_rate():
    problem = ill_conditioned_quadratic(10, 100.0, seed=4)  # eigenvalues in [0.1, 10]
    runs = {
        method: minimize(
            problem.fun,
            problem.x0,
            jac=problem.jac,
            method=method,
            tol=1e-8,
            learning_rate=0.09,
            maxiter=50_000,
        )
        for method in ("gd", "momentum", "nesterov")
    }
    assert all(run.success for run in runs.values())
    # Heavy ball needs ~√κ times fewer steps than gradient descent on a quadratic.
    assert runs["momentum"].nit < runs["gd"].nit / 3
    assert runs["nesterov"].nit < runs["gd"].nit / 3


def test_adam_first_step_moves_every_coordinate_by_the_learning_rate():
    # m̂ / √v̂ = g / |g| on the first step, so each coordinate moves by exactly η (Kingma & Ba §2).
    problem = logistic_regression()
    start = np.array([0.3, -1.0, 2.0, 0.5, -0.2, 1.0])
    result = minimize(
        problem.fun, start, jac=problem.jac, method="adam", learning_rate=0.01, eps=0.0, maxiter=1
    )
    expected = start - 0.01 * np.sign(problem.jac(start))
    np.testing.assert_allclose(result.x, expected, rtol=0, atol=1e-15)


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning", "ignore:invalid:RuntimeWarning")
def test_first_order_method_reports_divergence():
    problem = ill_conditioned_quadratic(5, 10.0, seed=3)
    result = minimize(problem.fun, problem.x0, jac=problem.jac, method="gd", learning_rate=10.0)
    assert not result.success
    assert result.status == 4 and "diverged" in result.message


# --- the objective: finite differences, jac=True, counters, callback -----------------------------


@pytest.mark.parametrize("method", ["bfgs", "lbfgs", "cg"])
def test_finite_difference_gradient_reaches_the_same_minimum(method):
    problem = rosenbrock(2)
    result = minimize(problem.fun, problem.x0, method=method, tol=1e-7)
    assert result.success, result.message
    np.testing.assert_allclose(result.x, np.ones(2), atol=1e-6)
    # every gradient costs 2n calls of fun, counted in nfev
    assert result.nfev >= 2 * 2 * result.njev


def test_jac_true_means_fun_returns_value_and_gradient():
    problem = rosenbrock(10)
    calls = []

    def value_and_gradient(x):
        calls.append(x)
        return problem.fun(x), problem.jac(x)

    both = minimize(value_and_gradient, problem.x0, jac=True, method="lbfgs", tol=1e-9)
    separate = minimize(problem.fun, problem.x0, jac=problem.jac, method="lbfgs", tol=1e-9)
    np.testing.assert_array_equal(both.x, separate.x)
    assert both.nit == separate.nit
    assert both.nfev == len(calls)


def test_counters_match_the_number_of_calls():
    problem = logistic_regression()
    n_fun, n_jac = [0], [0]

    def fun(x):
        n_fun[0] += 1
        return problem.fun(x)

    def jac(x):
        n_jac[0] += 1
        return problem.jac(x)

    result = minimize(fun, problem.x0, jac=jac, method="bfgs")
    assert (result.nfev, result.njev) == (n_fun[0], n_jac[0])
    assert result.nfev <= 2 * result.nit + 2


def test_callback_sees_every_iterate_and_can_stop_the_run():
    problem = rosenbrock(2)
    seen = []
    result = minimize(problem.fun, problem.x0, jac=problem.jac, method="bfgs", callback=seen.append)
    assert len(seen) == result.nit
    np.testing.assert_array_equal(seen[-1], result.x)

    stopped = minimize(
        problem.fun, problem.x0, jac=problem.jac, method="bfgs", callback=lambda x: True
    )
    assert stopped.nit == 1 and stopped.status == 3 and not stopped.success


def test_maxiter_stops_the_run_and_says_so():
    problem = rosenbrock(2)
    result = minimize(problem.fun, problem.x0, jac=problem.jac, method="lbfgs", maxiter=5)
    assert result.nit == 5 and result.status == 1 and not result.success
    assert "Maximum number of iterations" in result.message


def test_start_at_the_minimum_takes_no_step():
    result = minimize(scipy.optimize.rosen, np.ones(3), jac=scipy.optimize.rosen_der)
    assert result.success and result.nit == 0
    np.testing.assert_array_equal(result.x, np.ones(3))


def test_x0_is_not_modified_and_result_is_scipy_like():
    problem = rosenbrock(2)
    x0 = problem.x0.copy()
    result = minimize(problem.fun, x0, jac=problem.jac, method="bfgs")
    np.testing.assert_array_equal(x0, problem.x0)
    assert isinstance(result, OptimizeResult) and isinstance(result, dict)
    assert result.x is result["x"]
    assert {"x", "fun", "jac", "nit", "nfev", "njev", "success", "status", "message"} <= set(result)
    assert result.hess_inv.shape == (2, 2)
    with pytest.raises(AttributeError, match="no attribute 'hess'"):
        _ = result.hess
    assert "success: True" in repr(result)


# --- errors ---------------------------------------------------------------------------------------


def test_unknown_method_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown method 'sgd'.*'adam'.*'bfgs'.*'lbfgs'"):
        minimize(scipy.optimize.rosen, np.zeros(2), method="sgd")


@pytest.mark.parametrize("x0", [np.zeros((2, 2)), 1.0, np.array([])])
def test_x0_must_be_a_non_empty_vector(x0):
    with pytest.raises(ValueError, match="x0 must"):
        minimize(scipy.optimize.rosen, x0)


def test_newton_without_hess_is_refused():
    with pytest.raises(ValueError, match="method='newton' needs hess"):
        minimize(scipy.optimize.rosen, np.zeros(2), jac=scipy.optimize.rosen_der, method="newton")


def test_unknown_option_names_the_valid_ones():
    with pytest.raises(TypeError, match=r"unknown option\(s\) \['lr'\].*'learning_rate'"):
        minimize(scipy.optimize.rosen, np.zeros(2), method="adam", lr=0.1)
    assert solver_options("lbfgs") == {"memory": 10, "c1": 1e-4, "c2": 0.9}


def test_hess_is_ignored_with_a_warning_by_other_methods():
    with pytest.warns(RuntimeWarning, match="does not use hess"):
        minimize(scipy.optimize.rosen, np.zeros(2), method="bfgs", hess=scipy.optimize.rosen_hess)


def test_jac_true_needs_fun_to_return_a_pair():
    with pytest.raises(ValueError, match=r"with jac=True fun must return \(f, gradient\)"):
        minimize(scipy.optimize.rosen, np.zeros(2), jac=True)


def test_gradient_of_the_wrong_shape_is_reported():
    with pytest.raises(ValueError, match=r"gradient must have shape \(2,\), got \(3,\)"):
        minimize(scipy.optimize.rosen, np.zeros(2), jac=lambda x: np.zeros(3))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"method": "gd", "learning_rate": -1.0}, "learning_rate must be positive"),
        ({"method": "momentum", "beta": 1.0}, r"beta must be in \[0, 1\)"),
        ({"method": "cg", "variant": "hestenes"}, "variant must be one of"),
        ({"method": "lbfgs", "memory": 0}, "memory must be a positive integer"),
        ({"tol": -1.0}, "tol must be a non-negative number"),
    ],
)
def test_bad_options_are_reported(options, message):
    with pytest.raises(ValueError, match=message):
        minimize(scipy.optimize.rosen, np.zeros(2), **options)
