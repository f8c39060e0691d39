"""GaussianMixture against scikit-learn: the same density for the same parameters, the same EM
path from the same start, and fits of the same quality from seeded initialisations."""

import numpy as np
import pytest
from sklearn import mixture as sk
from sklearn.datasets import load_iris, make_blobs
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import StandardScaler

from nashai.ml.base import ConvergenceWarning, NotFittedError, clone
from nashai.ml.mixture import GaussianMixture

COVARIANCE_TYPES = ["full", "tied", "diag", "spherical"]


@pytest.fixture(scope="module")
def blobs():
    centers = [[0, 0, 0], [6, 0, 2], [0, 7, -2], [5, 6, 5]]
    X, y = make_blobs(800, 3, centers=centers, cluster_std=[1.0, 1.5, 0.7, 1.2], random_state=0)
    return X, y


@pytest.fixture(scope="module")
def iris():
    return StandardScaler().fit_transform(load_iris().data)


def copy_parameters(ref, covariance_type):
    """Our model holding scikit-learn's fitted parameters, as if we had fitted them."""
    ours = GaussianMixture(ref.n_components, covariance_type=covariance_type)
    ours.n_features_in_ = ref.means_.shape[1]
    ours.weights_, ours.means_ = ref.weights_, ref.means_
    ours.covariances_, ours.precisions_cholesky_ = ref.covariances_, ref.precisions_cholesky_
    return ours


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_density_of_sklearns_parameters_is_sklearns(iris, covariance_type):
    ref = sk.GaussianMixture(3, covariance_type=covariance_type, random_state=0).fit(iris)
    ours = copy_parameters(ref, covariance_type)
    X_new = iris[::2] + 0.3
    np.testing.assert_allclose(ours.score_samples(X_new), ref.score_samples(X_new), rtol=1e-8)
    np.testing.assert_allclose(ours.predict_proba(X_new), ref.predict_proba(X_new), atol=1e-10)
    np.testing.assert_array_equal(ours.predict(X_new), ref.predict(X_new))
    np.testing.assert_allclose(ours.score(X_new), ref.score(X_new), rtol=1e-10)
    np.testing.assert_allclose(ours.bic(X_new), ref.bic(X_new), rtol=1e-10)
    np.testing.assert_allclose(ours.aic(X_new), ref.aic(X_new), rtol=1e-10)
    assert ours._n_parameters() == ref._n_parameters()


def start(covariance_type, X, n_components, seed=1):
    """Deliberately poor starting weights, means and precisions."""
    rng = np.random.default_rng(seed)
    n_features = X.shape[1]
    precisions = {
        "full": np.stack([np.eye(n_features) * 0.5] * n_components),
        "tied": np.eye(n_features) * 0.5,
        "diag": np.full((n_components, n_features), 0.5),
        "spherical": np.full(n_components, 0.5),
    }[covariance_type]
    return {
        "weights_init": rng.dirichlet(np.ones(n_components)),
        "means_init": X[rng.choice(X.shape[0], n_components, replace=False)],
        "precisions_init": precisions,
    }


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_em_from_the_same_start_follows_sklearns_path(blobs, covariance_type):
    X, _ = blobs
    params = dict(covariance_type=covariance_type, tol=1e-6, **start(covariance_type, X, 4))
    ours = GaussianMixture(4, **params).fit(X)
    ref = sk.GaussianMixture(4, **params).fit(X)
    assert ours.n_iter_ == ref.n_iter_
    assert ours.converged_ == ref.converged_
    np.testing.assert_allclose(ours.lower_bounds_, ref.lower_bounds_, rtol=1e-10)
    np.testing.assert_allclose(ours.lower_bound_, ref.lower_bound_, rtol=1e-10)
    np.testing.assert_allclose(ours.weights_, ref.weights_, atol=1e-8)
    np.testing.assert_allclose(ours.means_, ref.means_, atol=1e-8)
    np.testing.assert_allclose(ours.covariances_, ref.covariances_, atol=1e-8)
    np.testing.assert_allclose(ours.precisions_, ref.precisions_, rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(ours.precisions_cholesky_, ref.precisions_cholesky_, atol=1e-8)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_seeded_fit_matches_sklearn_on_blobs(blobs, covariance_type):
    X, y = blobs
    ours = GaussianMixture(4, covariance_type=covariance_type, random_state=0).fit(X)
    ref = sk.GaussianMixture(4, covariance_type=covariance_type, random_state=0).fit(X)
    assert abs(ours.lower_bound_ / ref.lower_bound_ - 1) < 1e-3
    assert abs(ours.score(X) / ref.score(X) - 1) < 1e-3
    assert adjusted_rand_score(ours.predict(X), ref.predict(X)) > 0.98
    assert adjusted_rand_score(ours.predict(X), y) > 0.95
    assert ours.converged_


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_best_of_several_inits_matches_sklearn_on_iris(iris, covariance_type):
    ours = GaussianMixture(3, covariance_type=covariance_type, n_init=10, random_state=0)
    ref = sk.GaussianMixture(3, covariance_type=covariance_type, n_init=10, random_state=0)
    ours.fit(iris)
    ref.fit(iris)
    assert abs(ours.lower_bound_ / ref.lower_bound_ - 1) < 1e-3


@pytest.mark.parametrize("init_params", ["kmeans", "k-means++", "random", "random_from_data"])
def test_every_initialisation_reaches_the_blobs(blobs, init_params):
    X, y = blobs
    model = GaussianMixture(4, init_params=init_params, n_init=3, random_state=0, max_iter=300)
    labels = model.fit_predict(X)
    assert adjusted_rand_score(labels, y) > 0.95
    np.testing.assert_array_equal(labels, model.predict(X))


def test_n_init_keeps_the_best_of_the_runs(iris):
    rng = np.random.default_rng(4)
    bounds = [
        GaussianMixture(3, init_params="random", random_state=rng).fit(iris).lower_bound_
        for _ in range(4)
    ]
    best = GaussianMixture(3, init_params="random", n_init=4, random_state=np.random.default_rng(4))
    assert best.fit(iris).lower_bound_ == pytest.approx(max(bounds), rel=1e-12)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_sample_follows_the_fitted_mixture(blobs, covariance_type):
    X, _ = blobs
    model = GaussianMixture(4, covariance_type=covariance_type, random_state=0).fit(X)
    samples, labels = model.sample(40_000)
    assert samples.shape == (40_000, 3)
    np.testing.assert_allclose(np.bincount(labels, minlength=4) / 40_000, model.weights_, atol=0.01)
    for k in range(4):
        drawn = samples[labels == k]
        np.testing.assert_allclose(drawn.mean(axis=0), model.means_[k], atol=0.06)
        covariance = np.cov(drawn.T)
        if covariance_type == "full":
            expected = model.covariances_[k]
        elif covariance_type == "tied":
            expected = model.covariances_
        elif covariance_type == "diag":
            expected = np.diag(model.covariances_[k])
        else:
            expected = np.eye(3) * model.covariances_[k]
        np.testing.assert_allclose(covariance, expected, atol=0.1)


def test_predict_proba_are_normalised_responsibilities(iris):
    model = GaussianMixture(3, random_state=0).fit(iris)
    proba = model.predict_proba(iris)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(proba.argmax(axis=1), model.predict(iris))
    np.testing.assert_allclose(model.precisions_, np.linalg.inv(model.covariances_), rtol=1e-6)


def test_unconverged_fit_warns(iris):
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        model = GaussianMixture(3, max_iter=1, random_state=0).fit(iris)
    assert not model.converged_
    assert model.n_iter_ == 1


def test_collapsed_component_raises_a_clear_error():
    rng = np.random.default_rng(0)
    X = np.vstack([np.zeros((5, 2)), rng.normal(100.0, 1.0, size=(20, 2))])  # 5 equal points
    model = GaussianMixture(
        2,
        reg_covar=0.0,
        weights_init=[0.5, 0.5],
        means_init=[[0.0, 0.0], [100.0, 100.0]],
        precisions_init=np.stack([np.eye(2), np.eye(2)]),
    )
    with pytest.raises(ValueError, match="ill-defined empirical covariance"):
        model.fit(X)


def test_errors_name_the_problem(iris):
    with pytest.raises(ValueError, match="covariance_type must be one of"):
        GaussianMixture(2, covariance_type="banded").fit(iris)
    with pytest.raises(ValueError, match="n_components=200, n_samples=150"):
        GaussianMixture(200).fit(iris)
    with pytest.raises(ValueError, match="weights_init must be in \\[0, 1\\] and sum to 1"):
        GaussianMixture(2, weights_init=[0.7, 0.7]).fit(iris)
    with pytest.raises(ValueError, match=r"precisions_init must have shape \(2, 4\)"):
        GaussianMixture(2, covariance_type="diag", precisions_init=np.ones((2, 3))).fit(iris)
    with pytest.raises(ValueError, match="init_params must be one of"):
        GaussianMixture(2, init_params="pca").fit(iris)
    with pytest.raises(NotFittedError):
        GaussianMixture(2).score_samples(iris)
    model = GaussianMixture(2, random_state=0).fit(iris)
    with pytest.raises(ValueError, match="X has 3 features, but GaussianMixture is expecting 4"):
        model.predict(iris[:, :3])


def test_params_round_trip_through_clone():
    model = GaussianMixture(3, covariance_type="diag", n_init=2, random_state=1)
    assert clone(model).get_params() == model.get_params()
