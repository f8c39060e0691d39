"""KMeans against scikit-learn: identical runs from identical starts, comparable ones from seeds."""

import warnings

import numpy as np
import pytest
from sklearn import cluster as sk
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, make_blobs
from sklearn.metrics import adjusted_rand_score

from nashai.ml.base import ConvergenceWarning, NotFittedError, clone
from nashai.ml.cluster import KMeans, kmeans_plusplus


def blobs():
    return make_blobs(600, 5, centers=6, cluster_std=1.5, random_state=0)[0]


DATASETS = {
    "blobs": blobs,
    "iris": lambda: load_iris().data,
    "digits": lambda: load_digits().data,
    "breast_cancer": lambda: load_breast_cancer().data,
}


@pytest.fixture(scope="module")
def data():
    return {name: load() for name, load in DATASETS.items()}


def assert_same_fit(ours, ref):
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(ours.inertia_, ref.inertia_, rtol=1e-10)
    assert ours.n_iter_ == ref.n_iter_


@pytest.mark.parametrize("name", list(DATASETS))
@pytest.mark.parametrize("n_clusters", [3, 10])
def test_lloyd_from_the_same_start_is_sklearns_run(data, name, n_clusters):
    X = data[name]
    init, _ = sk.kmeans_plusplus(X, n_clusters, random_state=0)
    ours = KMeans(n_clusters, init=init).fit(X)
    ref = sk.KMeans(n_clusters, init=init, n_init=1).fit(X)
    assert_same_fit(ours, ref)


@pytest.mark.parametrize("max_iter", [1, 2, 5])
def test_iteration_cap_and_tolerance_stop_where_sklearns_do(data, max_iter):
    X = data["digits"]
    init = X[:10]
    for tol in (1e-4, 1e-1):
        ours = KMeans(10, init=init, max_iter=max_iter, tol=tol).fit(X)
        ref = sk.KMeans(10, init=init, n_init=1, max_iter=max_iter, tol=tol).fit(X)
        assert_same_fit(ours, ref)


def test_empty_cluster_takes_the_farthest_point_like_sklearn(data):
    X = data["iris"]
    init = np.vstack([X[[0, 50, 100]], [[100.0, 100.0, 100.0, 100.0]]])  # 4th centre wins nothing
    ours = KMeans(4, init=init).fit(X)
    ref = sk.KMeans(4, init=init, n_init=1).fit(X)
    assert_same_fit(ours, ref)
    assert np.bincount(ours.labels_).min() > 0


def test_sample_weight_matches_sklearn(data):
    X = data["iris"]
    weights = np.random.default_rng(0).uniform(0.1, 3.0, X.shape[0])
    init = X[[0, 50, 100, 120]]
    ours = KMeans(4, init=init).fit(X, sample_weight=weights)
    ref = sk.KMeans(4, init=init, n_init=1).fit(X, sample_weight=weights)
    assert_same_fit(ours, ref)
    np.testing.assert_allclose(
        ours.score(X, sample_weight=weights), ref.score(X, sample_weight=weights), rtol=1e-10
    )


def test_predict_transform_score_match_sklearn(data):
    X = data["breast_cancer"]
    init = X[:5]
    ours = KMeans(5, init=init).fit(X)
    ref = sk.KMeans(5, init=init, n_init=1).fit(X)
    X_new = X[::3] + 1.0
    np.testing.assert_array_equal(ours.predict(X_new), ref.predict(X_new))
    np.testing.assert_allclose(ours.transform(X_new), ref.transform(X_new), rtol=1e-7)
    np.testing.assert_allclose(ours.score(X_new), ref.score(X_new), rtol=1e-10)
    np.testing.assert_allclose(ours.score(X), -ours.inertia_, rtol=1e-12)
    np.testing.assert_array_equal(KMeans(5, init=init).fit_predict(X), ours.labels_)
    np.testing.assert_allclose(KMeans(5, init=init).fit_transform(X), ours.transform(X))


@pytest.mark.parametrize("name, n_clusters", [("blobs", 6), ("iris", 3)])
@pytest.mark.parametrize("init", ["k-means++", "random"])
def test_seeded_fit_finds_sklearns_clustering(data, name, n_clusters, init):
    X = data[name]
    for seed in range(3):
        ours = KMeans(n_clusters, init=init, random_state=seed).fit(X)
        ref = sk.KMeans(n_clusters, init=init, random_state=seed).fit(X)
        assert adjusted_rand_score(ours.labels_, ref.labels_) > 0.99
        np.testing.assert_allclose(ours.inertia_, ref.inertia_, rtol=1e-6)


def test_seeded_fit_on_digits_is_as_good_as_sklearns(data):
    X = data["digits"]
    ours = [KMeans(10, random_state=seed).fit(X).inertia_ for seed in range(4)]
    ref = [sk.KMeans(10, random_state=seed).fit(X).inertia_ for seed in range(4)]
    assert abs(np.mean(ours) / np.mean(ref) - 1) < 0.01
    ours = KMeans(10, init="random", random_state=0).fit(X)  # n_init='auto' = 10 runs
    ref = sk.KMeans(10, init="random", random_state=0).fit(X)
    assert abs(ours.inertia_ / ref.inertia_ - 1) < 0.005
    assert adjusted_rand_score(ours.labels_, ref.labels_) > 0.9


def test_more_inits_never_raise_the_inertia(data):
    X = data["digits"]
    one = KMeans(10, n_init=1, random_state=np.random.default_rng(5)).fit(X)
    five = KMeans(10, n_init=5, random_state=np.random.default_rng(5)).fit(X)
    assert five.inertia_ <= one.inertia_ + 1e-9  # the first of the five runs is `one`


def test_kmeans_plusplus_picks_one_seed_per_separated_blob():
    X, y = make_blobs(500, 2, centers=[[0, 0], [50, 0], [0, 50], [50, 50]], random_state=1)
    for seed in range(10):
        centers, indices = kmeans_plusplus(X, 4, random_state=seed)
        np.testing.assert_array_equal(centers, X[indices])
        assert sorted(y[indices]) == [0, 1, 2, 3]


def test_kmeans_plusplus_is_reproducible_and_validates():
    X = load_iris().data
    _, ia = kmeans_plusplus(X, 5, random_state=3)
    _, ib = kmeans_plusplus(X, 5, random_state=3)
    np.testing.assert_array_equal(ia, ib)
    assert len(set(ia.tolist())) == 5
    with pytest.raises(ValueError, match="n_clusters"):
        kmeans_plusplus(X, 151)


def test_same_seed_same_result_and_generator_accepted(data):
    X = data["blobs"]
    a = KMeans(6, random_state=7).fit(X)
    b = KMeans(6, random_state=7).fit(X)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    c = KMeans(6, random_state=np.random.default_rng(7)).fit(X)
    np.testing.assert_array_equal(a.labels_, c.labels_)


def test_n_init_auto_and_explicit_init_warning(data):
    X = data["iris"]
    with pytest.warns(RuntimeWarning, match="runs once"):
        KMeans(3, init=X[:3], n_init=4).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        KMeans(3, init=X[:3]).fit(X)  # 'auto' means one run: no warning


def test_duplicate_points_warn_about_fewer_clusters():
    X = np.repeat([[0.0, 0.0], [1.0, 1.0]], 10, axis=0)
    with pytest.warns(ConvergenceWarning, match="distinct clusters"):
        KMeans(3, random_state=0).fit(X)


def test_errors_name_the_problem(data):
    X = data["iris"]
    with pytest.raises(ValueError, match="n_samples=150 should be >= n_clusters=200"):
        KMeans(200).fit(X)
    with pytest.raises(ValueError, match=r"init must have shape .* \(3, 4\)"):
        KMeans(3, init=X[:2]).fit(X)
    with pytest.raises(ValueError, match="init must be 'k-means\\+\\+', 'random'"):
        KMeans(3, init="kmeans").fit(X)
    with pytest.raises(ValueError, match="n_init"):
        KMeans(3, n_init=0).fit(X)
    with pytest.raises(NotFittedError):
        KMeans(3).predict(X)
    fitted = KMeans(3, random_state=0).fit(X)
    with pytest.raises(ValueError, match="X has 2 features, but KMeans is expecting 4"):
        fitted.predict(X[:, :2])


def test_params_round_trip_through_clone():
    model = KMeans(4, init="random", n_init=3, tol=1e-3, random_state=1)
    assert clone(model).get_params() == model.get_params()
    assert repr(model) == "KMeans(init='random', n_clusters=4, n_init=3, random_state=1, tol=0.001)"
