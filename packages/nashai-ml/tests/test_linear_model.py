"""Linear models against scikit-learn on the same data and hyper-parameters."""

import numpy as np
import pytest
from sklearn import linear_model as sk
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    make_classification,
    make_regression,
)
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from nashai.ml import linear_model as lm
from nashai.ml.base import NotFittedError


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(return_X_y=True)


@pytest.fixture(scope="module")
def wide():
    X, y = make_regression(30, 80, n_informative=10, noise=1.0, random_state=0)
    return X, y


def scaled(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_linear_regression_matches_sklearn(diabetes, fit_intercept):
    X, y = diabetes
    ours = lm.LinearRegression(fit_intercept=fit_intercept).fit(X, y)
    ref = sk.LinearRegression(fit_intercept=fit_intercept).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-6)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-9)


def test_linear_regression_multi_target_and_rank_deficient():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 5))
    X = np.hstack([X, X[:, :2] + X[:, 2:4]])  # two exactly dependent columns: rank 5
    Y = rng.normal(size=(40, 3))
    ours = lm.LinearRegression().fit(X, Y)
    ref = sk.LinearRegression().fit(X, Y)
    assert ours.coef_.shape == (3, 7)
    assert ours.rank_ == 5
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-8)  # both the minimum-norm solution
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), atol=1e-8)


def test_linear_regression_gradient_descent_reaches_least_squares(diabetes):
    X, y = diabetes
    X = StandardScaler().fit_transform(X)
    ours = lm.LinearRegression(solver="gd", lr=0.1, epochs=20000).fit(X, y)
    ref = sk.LinearRegression().fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-6)
    assert ours.loss_history_[0] > ours.loss_history_[-1]
    assert np.all(np.diff(ours.loss_history_) <= 1e-9)  # a small enough step never goes uphill


def test_linear_regression_gradient_descent_divergence_is_reported(diabetes):
    X, y = diabetes
    with pytest.raises(FloatingPointError, match="diverged with lr=50"):
        lm.LinearRegression(solver="gd", lr=50, epochs=500).fit(X * 100, y)


@pytest.mark.parametrize("alpha", [1e-3, 1.0, 100.0])
def test_ridge_matches_sklearn(diabetes, alpha):
    X, y = diabetes
    ours, ref = lm.Ridge(alpha).fit(X, y), sk.Ridge(alpha).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-8)


def test_ridge_more_features_than_samples_uses_the_dual(wide):
    X, y = wide
    ours, ref = lm.Ridge(0.3).fit(X, y), sk.Ridge(0.3).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    ("ours", "ref"),
    [
        (lm.Lasso(alpha=0.1, tol=1e-10, max_iter=50000), sk.Lasso(0.1, tol=1e-10, max_iter=50000)),
        (lm.Lasso(alpha=2.0), sk.Lasso(alpha=2.0)),
        (
            lm.ElasticNet(alpha=0.01, l1_ratio=0.3, tol=1e-10, max_iter=50000),
            sk.ElasticNet(alpha=0.01, l1_ratio=0.3, tol=1e-10, max_iter=50000),
        ),
    ],
    ids=["lasso-small-alpha", "lasso-sparse", "elastic-net"],
)
def test_coordinate_descent_matches_sklearn(diabetes, ours, ref):
    X, y = diabetes
    ours.fit(X, y)
    ref.fit(X, y)
    np.testing.assert_allclose(
        ours.coef_, ref.coef_, rtol=1e-5, atol=1e-4 * np.abs(ref.coef_).max()
    )
    np.testing.assert_array_equal(ours.coef_ == 0, ref.coef_ == 0)  # the same sparsity pattern
    assert ours.dual_gap_ <= ref.tol * (y - y.mean()) @ (y - y.mean()) / len(y) + 1e-12


def test_lasso_on_a_wide_problem_finds_the_true_support(wide):
    X, y = wide
    ours = lm.Lasso(alpha=0.5, max_iter=10000).fit(X, y)
    ref = sk.Lasso(alpha=0.5, max_iter=10000).fit(X, y)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-3, atol=1e-2)


def plain_cyclic_sweeps(gram, q, w, l1, l2, n_sweeps, rng=None):
    """The textbook cyclic coordinate descent, n_sweeps passes of
    wⱼ ← S(qⱼ − (Gw)ⱼ + Gⱼⱼwⱼ, l1ⱼ) / (Gⱼⱼ + l2), with Gw recomputed at every step."""
    l1 = np.broadcast_to(l1, q.shape)
    movable = np.flatnonzero(np.diag(gram) + l2 > 0)
    for _ in range(n_sweeps):
        for j in movable if rng is None else movable[rng.permutation(len(movable))]:
            z = q[j] - gram[j] @ w + gram[j, j] * w[j]
            w[j] = np.sign(z) * max(abs(z) - l1[j], 0.0) / (gram[j, j] + l2)
    return w


def cd_problems():
    """(name, X, y, w0, l1, l2): dense and sparse solutions, a constant column, a warm start."""
    X, y = scaled(load_breast_cancer)
    y = X @ np.random.default_rng(0).normal(size=X.shape[1]) + 0.5  # a dense linear target
    yield "breast-cancer-lasso", X, y, np.zeros(X.shape[1]), 0.1 * len(y), 0.0
    Xw, yw = make_regression(40, 300, n_informative=5, noise=1.0, random_state=0)
    yield "wide-sparse-lasso", Xw, yw, np.zeros(300), 20.0 * len(yw), 0.0
    X = np.hstack([X, np.zeros((len(X), 1))])  # a constant feature: Gⱼⱼ = 0, never moves
    l1 = np.full(X.shape[1], 0.05 * len(y))
    l1[[0, 5]] = 0.0  # unpenalised coordinates, as the intercept of the l1 logistic solver
    w0 = np.random.default_rng(1).normal(size=X.shape[1]) * (np.arange(X.shape[1]) % 3 == 0)
    w0[-1] = 0.0
    yield "warm-elastic-net", X, y, w0, l1, 0.3 * len(y)


@pytest.mark.parametrize("problem", list(cd_problems()), ids=lambda problem: problem[0])
@pytest.mark.parametrize("n_sweeps", [1, 7, 60])
@pytest.mark.parametrize("selection", ["cyclic", "random"])
def test_coordinate_descent_iterates_are_the_plain_cyclic_ones(problem, n_sweeps, selection):
    _, X, y, w0, l1, l2 = problem
    X, y = X - X.mean(axis=0), y - y.mean()
    gram, q = X.T @ X, X.T @ y
    rng = None if selection == "cyclic" else np.random.default_rng(3)
    ref = plain_cyclic_sweeps(gram, q, w0.copy(), l1, l2, n_sweeps, rng)
    rng = None if selection == "cyclic" else np.random.default_rng(3)
    # tol=0 never stops early: exactly n_sweeps sweeps
    w, n_iter, gap = lm.coordinate_descent(gram, q, w0.copy(), l1, l2, n_sweeps, 0.0, y @ y, rng)
    assert n_iter == n_sweeps
    np.testing.assert_allclose(w, ref, rtol=1e-12, atol=1e-12 * np.abs(ref).max())
    np.testing.assert_array_equal(w == 0, ref == 0)
    assert np.isfinite(gap) and gap >= -1e-9 * (y @ y)


def test_coordinate_descent_switches_to_covariance_updates_on_sparse_problems(monkeypatch):
    X, y = make_regression(40, 300, n_informative=5, noise=1.0, random_state=0)
    X, y = X - X.mean(axis=0), y - y.mean()
    kinds = []
    sweep = lm._sweep

    def recording_sweep(order, w, w_list, screen, Gw=None):
        kinds.append("dot products" if Gw is None else "covariance updates")
        return sweep(order, w, w_list, screen, Gw)

    monkeypatch.setattr(lm, "_sweep", recording_sweep)
    w, n_iter, gap = lm.coordinate_descent(
        X.T @ X, X.T @ y, np.zeros(300), 20.0 * len(y), 0.0, 1000, 1e-8, y @ y
    )
    assert kinds[0] == "dot products" and kinds[-1] == "covariance updates"
    ref = sk.Lasso(alpha=20.0, fit_intercept=False, tol=1e-8, max_iter=1000).fit(X, y)
    np.testing.assert_allclose(w, ref.coef_, rtol=1e-6, atol=1e-6 * np.abs(ref.coef_).max())
    assert n_iter == ref.n_iter_ and gap <= 1e-8 * (y @ y)


def binary_and_multiclass():
    return [scaled(load_breast_cancer), scaled(load_iris), scaled(load_digits)]


@pytest.mark.parametrize("data", binary_and_multiclass(), ids=["breast-cancer", "iris", "digits"])
def test_logistic_regression_lbfgs_matches_sklearn(data):
    X, y = data
    ours = lm.LogisticRegression(max_iter=1000, tol=1e-8).fit(X, y)
    ref = sk.LogisticRegression(max_iter=1000, tol=1e-8).fit(X, y)
    assert ours.coef_.shape == ref.coef_.shape
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-4)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


@pytest.mark.parametrize("data", binary_and_multiclass()[:2], ids=["breast-cancer", "iris"])
def test_logistic_regression_newton_reaches_the_same_optimum(data):
    X, y = data
    ours = lm.LogisticRegression(solver="newton", tol=1e-10, max_iter=100).fit(X, y)
    ref = sk.LogisticRegression(solver="newton-cg", tol=1e-10, max_iter=1000).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)


def objective(model, X, y, C, penalty):
    """scikit-learn's objective, divided by C·n: mean log-loss + R(w)/(C n)."""
    proba = model.predict_proba(X)
    index = np.searchsorted(model.classes_, y)
    data = -np.mean(np.log(proba[np.arange(len(y)), index]))
    reg = np.abs(model.coef_).sum() if penalty == "l1" else 0.5 * (model.coef_**2).sum()
    return data + reg / (C * len(y))


@pytest.mark.parametrize("data", binary_and_multiclass()[:2], ids=["breast-cancer", "iris"])
def test_l1_logistic_regression_is_sparse_and_optimal(data):
    X, y = data
    ours = lm.LogisticRegression(penalty="l1", solver="newton", C=0.1, tol=1e-8).fit(X, y)
    ref = sk.LogisticRegression(penalty="l1", solver="saga", C=0.1, tol=1e-8, max_iter=20000)
    ref.fit(X, y)
    ours_obj, ref_obj = objective(ours, X, y, 0.1, "l1"), objective(ref, X, y, 0.1, "l1")
    assert ours_obj <= ref_obj + 1e-6
    assert ours.loss(X, y) == pytest.approx(ours_obj, rel=1e-12)
    assert np.sum(ours.coef_ == 0) >= 0.5 * np.sum(np.abs(ref.coef_) < 1e-6)


@pytest.mark.parametrize("penalty", ["l2", "l1", None])
def test_logistic_regression_sgd_solver_is_within_a_point(penalty):
    X, y = scaled(load_breast_cancer)
    Xtr, Xte, ytr, yte = train_test_split(X, y, random_state=0, stratify=y)
    ours = lm.LogisticRegression(penalty=penalty, solver="sgd", max_iter=300, random_state=0)
    ref = sk.LogisticRegression(penalty=penalty, solver="saga", max_iter=5000)
    ours.fit(Xtr, ytr)
    ref.fit(Xtr, ytr)
    assert ours.score(Xte, yte) >= ref.score(Xte, yte) - 0.01


def test_logistic_regression_loss_is_the_fitted_objective():
    X, y = scaled(load_iris)
    model = lm.LogisticRegression(C=0.5, max_iter=500, tol=1e-10).fit(X, y)
    assert model.loss(X, y) == pytest.approx(objective(model, X, y, 0.5, "l2"), rel=1e-12)
    worse = lm.LogisticRegression(C=0.5, max_iter=2).fit(X, y)
    assert worse.loss(X, y) > model.loss(X, y)


def test_logistic_regression_rejects_unsupported_combinations():
    X, y = scaled(load_iris)
    with pytest.raises(ValueError, match="solver 'lbfgs' does not support penalty 'l1'"):
        lm.LogisticRegression(penalty="l1").fit(X, y)
    with pytest.raises(ValueError, match="at least 2 classes"):
        lm.LogisticRegression().fit(X[:10], y[:10])


@pytest.mark.parametrize("loss", ["hinge", "log_loss", "modified_huber", "squared_hinge"])
@pytest.mark.parametrize("loader", [load_breast_cancer, load_digits], ids=["bc", "digits"])
def test_sgd_classifier_is_within_a_point_of_sklearn(loss, loader):
    # SGD's test accuracy moves by a point or two with the seed: compare means over seeds.
    X, y = scaled(loader)
    Xtr, Xte, ytr, yte = train_test_split(X, y, random_state=0, stratify=y)
    seeds = range(5)
    ours = [lm.SGDClassifier(loss=loss, random_state=s).fit(Xtr, ytr) for s in seeds]
    ref = [sk.SGDClassifier(loss=loss, random_state=s).fit(Xtr, ytr) for s in seeds]
    ours_accuracy = np.mean([m.score(Xte, yte) for m in ours])
    assert ours_accuracy >= np.mean([m.score(Xte, yte) for m in ref]) - 0.01
    if loss in ("log_loss", "modified_huber"):
        proba = ours[0].predict_proba(Xte)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)
        assert proba.min() >= 0.0
    if loss == "log_loss":  # (modified Huber clips its scores, so its probabilities often tie)
        # argmax of the probabilities is the predicted class, save where sigmoids saturate to 1
        agree = ours[0].classes_[proba.argmax(axis=1)] == ours[0].predict(Xte)
        assert agree.mean() >= 0.99


def test_sgd_with_batch_size_one_is_sklearns_per_sample_algorithm(diabetes):
    X, y = diabetes
    X = StandardScaler().fit_transform(X)
    ours = lm.SGDRegressor(batch_size=1, shuffle=False, max_iter=5, tol=None).fit(X, y)
    ref = sk.SGDRegressor(shuffle=False, max_iter=5, tol=None).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-10)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-10)


def test_sgd_classifier_is_reproducible_and_per_sample_mode_works():
    X, y = make_classification(600, 10, random_state=1)
    a = lm.SGDClassifier(random_state=3).fit(X, y)
    b = lm.SGDClassifier(random_state=3).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    single = lm.SGDClassifier(batch_size=1, random_state=3).fit(X, y)
    assert single.score(X, y) >= sk.SGDClassifier(random_state=3).fit(X, y).score(X, y) - 0.02


@pytest.mark.parametrize("loss", ["squared_error", "huber", "epsilon_insensitive"])
def test_sgd_regressor_is_close_to_sklearn(diabetes, loss):
    X, y = diabetes
    X = StandardScaler().fit_transform(X)
    ours = lm.SGDRegressor(loss=loss, random_state=0, max_iter=2000).fit(X, y)
    ref = sk.SGDRegressor(loss=loss, random_state=0, max_iter=2000).fit(X, y)
    assert ours.score(X, y) >= ref.score(X, y) - 0.01


def test_unfitted_and_mismatched_inputs_raise_clear_errors(diabetes):
    X, y = diabetes
    with pytest.raises(NotFittedError, match="Ridge instance is not fitted"):
        lm.Ridge().predict(X)
    model = lm.Lasso().fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but Lasso is expecting 10"):
        model.predict(X[:, :3])
    with pytest.raises(ValueError, match="NaN"):
        lm.LinearRegression().fit(np.where(X > 0.1, np.nan, X), y)
    with pytest.raises(ValueError, match="X and y have different numbers of samples"):
        lm.LogisticRegression().fit(X, (y > 100)[:-1])
