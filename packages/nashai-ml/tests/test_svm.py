"""SVC (SMO) and LinearSVC against scikit-learn (libsvm / liblinear) on the same problems."""

import warnings

import numpy as np
import pytest
from sklearn import svm as sk
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, make_classification
from sklearn.preprocessing import StandardScaler

from nashai.ml.base import NotFittedError, clone
from nashai.ml.svm import SVC, LinearSVC


def scaled(X):
    return StandardScaler().fit_transform(X)


IRIS = load_iris(return_X_y=True)
CANCER = (scaled(load_breast_cancer().data), load_breast_cancer().target)
_digits = load_digits()
DIGITS = (_digits.data[::2] / 16.0, _digits.target[::2])  # 899 images keep the tests quick
SYNTH = make_classification(n_samples=400, n_features=12, n_informative=6, random_state=3)
DATASETS = {"iris": IRIS, "cancer": CANCER, "digits": DIGITS}


def halves(data):
    X, y = data
    train = np.arange(len(y)) % 3 != 0
    return X[train], y[train], X[~train], y[~train]


def fit_both(data, **params):
    X, y, _, _ = halves(data)
    return SVC(**params).fit(X, y), sk.SVC(**params).fit(X, y)


def dual_residuals(model, X, y):
    """KKT check of every pairwise problem, from the fitted attributes alone: returns the
    worst violation of Σ αᵢ yᵢ = 0, of 0 ≤ αᵢ ≤ C, and max_{I_up} F − min_{I_low} F."""
    classes = model.classes_
    n_classes = len(classes)
    worst_sum = worst_box = worst_gap = 0.0
    starts = np.r_[0, np.cumsum(model.n_support_)]
    dual = -model.dual_coef_ if n_classes == 2 else model.dual_coef_
    for a in range(n_classes):
        for b in range(a + 1, n_classes):
            sub = np.flatnonzero((y == classes[a]) | (y == classes[b]))
            y_pair = np.where(y[sub] == classes[a], 1.0, -1.0)
            coef = np.zeros(len(y))  # αᵢ yᵢ per training point
            sv_a = model.support_[starts[a] : starts[a + 1]]
            sv_b = model.support_[starts[b] : starts[b + 1]]
            coef[sv_a] = dual[b - 1, starts[a] : starts[a + 1]]
            coef[sv_b] = dual[a, starts[b] : starts[b + 1]]
            alpha = coef[sub] * y_pair
            K = model._kernel(X[sub], X[sub])
            F = y_pair - K @ coef[sub]  # −y ⊙ ∇f
            up = np.where(y_pair > 0, alpha < model.C, alpha > 0)
            low = np.where(y_pair > 0, alpha > 0, alpha < model.C)
            worst_sum = max(worst_sum, abs(coef[sub].sum()))
            worst_box = max(worst_box, -alpha.min(), (alpha - model.C).max())
            worst_gap = max(worst_gap, F[up].max() - F[low].min())
    return worst_sum, worst_box, worst_gap


@pytest.mark.parametrize(
    ("name", "kernel"),
    [("iris", "linear"), ("iris", "rbf"), ("iris", "poly"), ("cancer", "rbf"),
     ("cancer", "linear"), ("cancer", "sigmoid"), ("digits", "rbf"), ("digits", "poly")],
)  # fmt: skip
def test_svc_predictions_and_decision_values_equal_libsvm(name, kernel):
    X, y, X_test, _ = halves(DATASETS[name])
    params = {"kernel": kernel, "decision_function_shape": "ovo"}
    if kernel == "sigmoid":
        params["gamma"] = 0.01
    ours, theirs = SVC(**params).fit(X, y), sk.SVC(**params).fit(X, y)
    for data in (X, X_test):
        np.testing.assert_array_equal(ours.predict(data), theirs.predict(data))
        scale = max(1.0, np.abs(theirs.decision_function(data)).max())
        np.testing.assert_allclose(
            ours.decision_function(data), theirs.decision_function(data), atol=1e-2 * scale
        )
    assert abs(ours.n_support_.sum() - theirs.n_support_.sum()) <= 2  # α ≈ 0 may differ


@pytest.mark.parametrize(
    ("name", "params"),
    [("iris", {"kernel": "linear", "C": 0.5}), ("cancer", {"kernel": "rbf", "C": 3.0}),
     ("digits", {"kernel": "rbf", "gamma": "auto"}), ("iris", {"kernel": "poly", "degree": 2})],
)  # fmt: skip
def test_svc_converged_dual_solution_equals_libsvm(name, params):
    """With a tight tolerance both reach the same optimum: same support, coefficients, ρ."""
    ours, theirs = fit_both(DATASETS[name], tol=1e-7, decision_function_shape="ovo", **params)
    X, y, X_test, _ = halves(DATASETS[name])
    np.testing.assert_array_equal(ours.support_, theirs.support_)
    np.testing.assert_array_equal(ours.n_support_, theirs.n_support_)
    # libsvm caches kernel values in float32: its optimum is exact to ~1e-4 relative only
    np.testing.assert_allclose(ours.dual_coef_, theirs.dual_coef_, atol=1e-3 * params.get("C", 1))
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-4)
    np.testing.assert_allclose(
        ours.decision_function(X_test), theirs.decision_function(X_test), atol=1e-4
    )
    np.testing.assert_array_equal(ours.support_vectors_, X[theirs.support_])
    if params["kernel"] == "linear":
        np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-4)
    sum_violation, box_violation, gap = dual_residuals(ours, X, y)
    assert sum_violation < 1e-10 and box_violation <= 0 and gap < 1e-7


def test_svc_binary_sign_conventions_and_ovr_shape():
    ours, theirs = fit_both(CANCER, kernel="linear", tol=1e-6)
    _, _, X_test, _ = halves(CANCER)
    assert ours.dual_coef_.shape == theirs.dual_coef_.shape == (1, len(theirs.support_))
    np.testing.assert_allclose(ours.dual_coef_, theirs.dual_coef_, atol=1e-4)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-4)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-3, atol=1e-4)
    decision = ours.decision_function(X_test)
    assert decision.shape == (len(X_test),)
    np.testing.assert_array_equal(ours.predict(X_test), ours.classes_[(decision > 0).astype(int)])

    ours, theirs = fit_both(IRIS, kernel="rbf", tol=1e-6)  # 'ovr': votes + squashed confidence
    _, _, X_test, _ = halves(IRIS)
    np.testing.assert_allclose(
        ours.decision_function(X_test), theirs.decision_function(X_test), atol=1e-5
    )
    ties = SVC(break_ties=True).fit(*halves(IRIS)[:2])
    expected = sk.SVC(break_ties=True).fit(*halves(IRIS)[:2]).predict(X_test)
    np.testing.assert_array_equal(ties.predict(X_test), expected)


@pytest.mark.parametrize("params", [{"shrinking": False}, {"cache_size": 0.01}])
def test_svc_without_shrinking_or_with_a_tiny_cache_reaches_the_same_solution(params):
    """cache_size=0.01 MB holds two kernel rows: every other row is recomputed."""
    ours, theirs = fit_both(CANCER, tol=1e-6, **params)
    np.testing.assert_array_equal(ours.support_, theirs.support_)
    np.testing.assert_allclose(ours.dual_coef_, theirs.dual_coef_, atol=1e-4)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-4)


def test_svc_class_weight_sample_weight_and_string_labels():
    X, y, X_test, _ = halves(IRIS)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    weight = np.random.default_rng(0).uniform(0.2, 2.0, len(y))
    class_weight = {"versicolor": 3.0, "virginica": 0.5}
    params = {"C": 2.0, "class_weight": class_weight, "tol": 1e-6, "decision_function_shape": "ovo"}
    ours = SVC(**params).fit(X, labels, sample_weight=weight)
    theirs = sk.SVC(**params).fit(X, labels, sample_weight=weight)
    np.testing.assert_array_equal(ours.predict(X_test), theirs.predict(X_test))
    np.testing.assert_allclose(ours.class_weight_, theirs.class_weight_)
    np.testing.assert_allclose(
        ours.decision_function(X_test), theirs.decision_function(X_test), atol=1e-4
    )
    balanced = SVC(class_weight="balanced").fit(*halves(CANCER)[:2])
    expected = sk.SVC(class_weight="balanced").fit(*halves(CANCER)[:2])
    np.testing.assert_allclose(balanced.class_weight_, expected.class_weight_)


@pytest.mark.parametrize("gamma", ["scale", "auto", 0.05])
def test_svc_gamma_options(gamma):
    ours, theirs = fit_both(SYNTH, gamma=gamma, tol=1e-6)
    assert ours._gamma == pytest.approx(theirs._gamma, rel=1e-12)
    _, _, X_test, _ = halves(SYNTH)
    np.testing.assert_allclose(
        ours.decision_function(X_test), theirs.decision_function(X_test), atol=1e-4
    )


def test_svc_max_iter_stops_early_with_a_warning():
    X, y, _, _ = halves(CANCER)
    with pytest.warns(UserWarning, match="max_iter=5"):
        model = SVC(max_iter=5).fit(X, y)
    assert model.fit_status_ == 1 and model.n_iter_[0] == 5


def test_svc_errors_name_the_problem():
    X, y = IRIS
    with pytest.raises(ValueError, match="kernel must be one of"):
        SVC(kernel="cosine").fit(X, y)
    with pytest.raises(ValueError, match="C must be a number > 0"):
        SVC(C=0).fit(X, y)
    with pytest.raises(ValueError, match="gamma must be 'scale', 'auto' or a float"):
        SVC(gamma="large").fit(X, y)
    with pytest.raises(ValueError, match="at least 2 classes"):
        SVC().fit(X, np.zeros(len(y)))
    with pytest.raises(AttributeError, match="linear kernel"):
        _ = SVC().fit(X, y).coef_
    with pytest.raises(ValueError, match="expecting 4 features"):
        SVC().fit(X, y).predict(X[:, :3])
    with pytest.raises(NotFittedError):
        SVC().decision_function(X)
    assert repr(clone(SVC(C=2.0, kernel="poly"))) == "SVC(C=2.0, kernel='poly')"


# ---------------------------------------------------------------------------------------------
# LinearSVC
# ---------------------------------------------------------------------------------------------


def primal_objective(model, X, y, C=1.0, loss="squared_hinge", intercept_scaling=1.0):
    """½‖w̃‖² + C Σ ℓ(y w̃ᵀx̃) summed over the one-vs-rest problems (liblinear's objective)."""
    W = np.c_[model.coef_, np.atleast_1d(model.intercept_) / intercept_scaling]
    X_tilde = np.c_[X, np.full(len(X), intercept_scaling)]
    classes = model.classes_
    positives = [1] if len(classes) == 2 else range(len(classes))
    total = 0.0
    for row, k in enumerate(positives):
        margin = np.maximum(0.0, 1.0 - np.where(y == classes[k], 1, -1) * (X_tilde @ W[row]))
        total += 0.5 * W[row] @ W[row] + C * np.sum(
            margin**2 if loss == "squared_hinge" else margin
        )
    return total


@pytest.mark.parametrize("name", ["cancer", "digits", "synth"])
def test_linear_svc_primal_equals_liblinear(name):
    X, y, X_test, _ = halves({**DATASETS, "synth": SYNTH}[name])
    params = {"dual": False, "tol": 1e-8, "C": 0.5}
    ours, theirs = LinearSVC(**params).fit(X, y), sk.LinearSVC(**params).fit(X, y)
    scale = np.abs(theirs.coef_).max()
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-5 * scale)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-5 * scale)
    np.testing.assert_array_equal(ours.predict(X_test), theirs.predict(X_test))
    np.testing.assert_allclose(
        ours.decision_function(X_test), theirs.decision_function(X_test), atol=1e-4
    )


@pytest.mark.parametrize("loss", ["squared_hinge", "hinge"])
def test_linear_svc_dual_coordinate_descent_equals_liblinear(loss):
    X, y = CANCER[0][:200], CANCER[1][:200]
    params = {"dual": True, "loss": loss, "tol": 1e-6, "max_iter": 20000, "random_state": 0}
    ours, theirs = LinearSVC(**params).fit(X, y), sk.LinearSVC(**params).fit(X, y)
    scale = np.abs(theirs.coef_).max()
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-3 * scale)
    ours_objective = primal_objective(ours, X, y, loss=loss)
    assert ours_objective == pytest.approx(primal_objective(theirs, X, y, loss=loss), rel=1e-5)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


def test_linear_svc_dual_and_primal_reach_the_same_minimum():
    X, y, _, _ = halves(IRIS)
    X = scaled(X)
    primal = LinearSVC(dual=False, tol=1e-10).fit(X, y)
    dual = LinearSVC(dual=True, tol=1e-6, max_iter=50000, random_state=1).fit(X, y)
    np.testing.assert_allclose(dual.coef_, primal.coef_, atol=1e-4)
    np.testing.assert_allclose(dual.intercept_, primal.intercept_, atol=1e-4)


def test_linear_svc_auto_picks_the_dual_when_features_outnumber_samples():
    X, y = make_classification(n_samples=30, n_features=60, random_state=0)
    ours = LinearSVC(tol=1e-8, max_iter=100000, random_state=0).fit(X, y)
    theirs = sk.LinearSVC(tol=1e-8, max_iter=100000, random_state=0).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-4 * np.abs(theirs.coef_).max())


@pytest.mark.parametrize(
    "params",
    [{"fit_intercept": False}, {"intercept_scaling": 10.0}, {"class_weight": {0: 2.0, 2: 0.3}},
     {"class_weight": "balanced", "C": 10.0}],
)  # fmt: skip
def test_linear_svc_options_equal_liblinear(params):
    X, y, X_test, _ = halves(IRIS)
    ours = LinearSVC(dual=False, tol=1e-8, **params).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = sk.LinearSVC(dual=False, tol=1e-8, **params).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-4 * np.abs(theirs.coef_).max())
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-3)
    np.testing.assert_array_equal(ours.predict(X_test), theirs.predict(X_test))


def test_linear_svc_sample_weight_equals_liblinear():
    X, y, _, _ = halves(CANCER)
    weight = np.random.default_rng(5).uniform(0.1, 3.0, len(y))
    ours = LinearSVC(dual=False, tol=1e-8).fit(X, y, sample_weight=weight)
    theirs = sk.LinearSVC(dual=False, tol=1e-8).fit(X, y, sample_weight=weight)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-5 * np.abs(theirs.coef_).max())


def test_linear_svc_errors_name_the_problem():
    X, y = IRIS
    with pytest.raises(ValueError, match="loss='hinge' is only supported with dual=True"):
        LinearSVC(loss="hinge", dual=False).fit(X, y)
    with pytest.raises(ValueError, match="only penalty='l2'"):
        LinearSVC(penalty="l1").fit(X, y)
    with pytest.raises(ValueError, match="C must be a number > 0"):
        LinearSVC(C=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="class_weight names the label 7"):
        LinearSVC(class_weight={7: 1.0}).fit(X, y)
    with pytest.raises(NotFittedError):
        LinearSVC().predict(X)
    with pytest.warns(UserWarning, match="did not converge"):
        LinearSVC(dual=True, max_iter=2).fit(X, y)
