"""k-nearest neighbours against scikit-learn: the same neighbours, distances and predictions.

Data sets are continuous (or jittered) so that no two distances tie and the neighbour order is
unique.
"""

import numpy as np
import pytest
from sklearn import neighbors as sk
from sklearn.datasets import load_digits, load_iris, make_classification, make_regression

from nashai.ml._kdtree import KDTree
from nashai.ml.base import NotFittedError
from nashai.ml.neighbors import KNeighborsClassifier, KNeighborsRegressor, brute_kneighbors

RNG = np.random.default_rng(0)
X_CLS, Y_CLS = make_classification(
    n_samples=600, n_features=6, n_informative=4, n_classes=3, random_state=0
)
X_QUERY = X_CLS[:150] + RNG.normal(0, 0.05, (150, 6))


def jittered(data, scale, seed=0):
    X, y = data
    return X + np.random.default_rng(seed).normal(0, scale, X.shape), y


IRIS = jittered(load_iris(return_X_y=True), 1e-3)
DIGITS = jittered(load_digits(return_X_y=True), 1e-2)


@pytest.mark.parametrize("algorithm", ["brute", "kd_tree"])
@pytest.mark.parametrize("p", [1, 2, 3])
@pytest.mark.parametrize("k", [1, 7, 40])
def test_kneighbors_equal_sklearn(algorithm, p, k):
    ours = KNeighborsClassifier(k, algorithm=algorithm, p=p, leaf_size=8).fit(X_CLS, Y_CLS)
    theirs = sk.KNeighborsClassifier(k, algorithm=algorithm, p=p).fit(X_CLS, Y_CLS)
    dist, ind = ours.kneighbors(X_QUERY)
    dist_sk, ind_sk = theirs.kneighbors(X_QUERY)
    np.testing.assert_array_equal(ind, ind_sk)
    np.testing.assert_allclose(dist, dist_sk, rtol=1e-10)
    three = ours.kneighbors(X_QUERY, 3, return_distance=False)
    np.testing.assert_array_equal(three, theirs.kneighbors(X_QUERY, 3, return_distance=False))


@pytest.mark.parametrize("leaf_size", [1, 3, 30, 1000])
@pytest.mark.parametrize("k", [1, 4, 33])
def test_kdtree_query_equals_brute_force_for_every_tree_shape(leaf_size, k):
    X = RNG.normal(size=(257, 3)) * [1.0, 10.0, 0.1] + 50.0  # uneven spread, off the origin
    Q = RNG.normal(size=(60, 3)) * [2.0, 20.0, 0.2] + 50.0  # some queries outside the data
    dist, ind = KDTree(X, leaf_size).query(Q, k)
    full = np.sqrt(((Q[:, None, :] - X[None]) ** 2).sum(-1))
    np.testing.assert_array_equal(ind, np.argsort(full, axis=1)[:, :k])
    np.testing.assert_allclose(dist, np.sort(full, axis=1)[:, :k], rtol=1e-12)


def test_kdtree_node_boxes_contain_their_points_and_leaves_hold_leaf_size_to_twice():
    X = RNG.normal(size=(1000, 4))
    tree = KDTree(X, leaf_size=20)
    assert sorted(tree.idx_array) == list(range(1000))
    for node in range(len(tree.node_start)):
        points = X[tree.idx_array[tree.node_start[node] : tree.node_end[node]]]
        np.testing.assert_array_equal(points.min(axis=0), tree.node_lower[node])
        np.testing.assert_array_equal(points.max(axis=0), tree.node_upper[node])
    leaves = slice(2 ** (tree.n_levels - 1) - 1, None)
    sizes = tree.node_end[leaves] - tree.node_start[leaves]
    assert sizes.min() >= 20 and sizes.max() <= 40


def test_brute_kneighbors_is_exact_for_data_far_from_the_origin():
    X = RNG.normal(size=(300, 5)) + 1e6
    dist, ind = brute_kneighbors(X[:20] + 1e-3, X, 4)
    full = np.sqrt(((X[:20, None, :] + 1e-3 - X[None]) ** 2).sum(-1))
    np.testing.assert_array_equal(ind, np.argsort(full, axis=1)[:, :4])
    np.testing.assert_allclose(dist, np.sort(full, axis=1)[:, :4], rtol=1e-9)


@pytest.mark.parametrize("algorithm", ["brute", "kd_tree"])
def test_kneighbors_of_the_training_set_excludes_each_point(algorithm):
    ours = KNeighborsClassifier(4, algorithm=algorithm).fit(X_CLS, Y_CLS)
    theirs = sk.KNeighborsClassifier(4, algorithm=algorithm).fit(X_CLS, Y_CLS)
    dist, ind = ours.kneighbors()
    dist_sk, ind_sk = theirs.kneighbors()
    np.testing.assert_array_equal(ind, ind_sk)
    np.testing.assert_allclose(dist, dist_sk, rtol=1e-10)
    assert not np.any(ind == np.arange(len(X_CLS))[:, None])


@pytest.mark.parametrize("data", [IRIS, DIGITS], ids=["iris", "digits"])
@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize("algorithm", ["auto", "kd_tree", "brute"])
def test_classifier_predictions_equal_sklearn(data, weights, algorithm):
    X, y = data
    train, test = np.arange(len(y)) % 4 != 0, np.arange(len(y)) % 4 == 0
    params = {"n_neighbors": 6, "weights": weights, "algorithm": algorithm}
    ours = KNeighborsClassifier(**params).fit(X[train], y[train])
    theirs = sk.KNeighborsClassifier(**params).fit(X[train], y[train])
    np.testing.assert_array_equal(ours.predict(X[test]), theirs.predict(X[test]))
    np.testing.assert_allclose(ours.predict_proba(X[test]), theirs.predict_proba(X[test]),
                               atol=1e-12)  # fmt: skip


def test_auto_picks_the_kd_tree_in_low_dimension_and_brute_force_otherwise():
    assert KNeighborsClassifier().fit(*IRIS)._fit_method == "kd_tree"
    assert KNeighborsClassifier().fit(*DIGITS)._fit_method == "brute"
    assert KNeighborsClassifier(80).fit(*IRIS)._fit_method == "brute"  # k ≥ n/2


def test_distance_weights_give_all_weight_to_an_exact_match():
    X, y = IRIS
    ours = KNeighborsClassifier(7, weights="distance").fit(X, y)
    theirs = sk.KNeighborsClassifier(7, weights="distance").fit(X, y)
    np.testing.assert_array_equal(ours.predict_proba(X[::5]), theirs.predict_proba(X[::5]))
    np.testing.assert_array_equal(ours.predict_proba(X[::5]).max(axis=1), 1.0)


def test_string_labels_and_metric_names():
    X, y = IRIS
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    ours = KNeighborsClassifier(metric="manhattan").fit(X, labels)
    theirs = sk.KNeighborsClassifier(metric="manhattan").fit(X, labels)
    np.testing.assert_array_equal(ours.predict(X + 0.05), theirs.predict(X + 0.05))
    assert ours.effective_metric_ == "manhattan"
    assert KNeighborsClassifier(p=3).fit(X, y).effective_metric_params_ == {"p": 3}


@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize("algorithm", ["kd_tree", "brute"])
def test_regressor_equals_sklearn(weights, algorithm):
    X, y = make_regression(n_samples=400, n_features=5, noise=1.0, random_state=1)
    Y = np.stack([y, np.sin(y / 50)], axis=1)
    for target in (y, Y):
        ours = KNeighborsRegressor(5, weights=weights, algorithm=algorithm).fit(
            X[:300], target[:300]
        )
        theirs = sk.KNeighborsRegressor(5, weights=weights, algorithm=algorithm).fit(
            X[:300], target[:300]
        )
        np.testing.assert_allclose(ours.predict(X[300:]), theirs.predict(X[300:]), rtol=1e-10)


def test_callable_weights():
    X, y = make_regression(n_samples=200, n_features=3, random_state=2)
    gaussian = lambda d: np.exp(-(d**2))  # noqa: E731
    ours = KNeighborsRegressor(weights=gaussian).fit(X, y).predict(X[:20] + 0.1)
    theirs = sk.KNeighborsRegressor(weights=gaussian).fit(X, y).predict(X[:20] + 0.1)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)


def test_neighbors_errors_name_the_problem():
    X, y = IRIS
    with pytest.raises(ValueError, match="n_neighbors must be an integer >= 1"):
        KNeighborsClassifier(0).fit(X, y)
    with pytest.raises(ValueError, match="weights must be"):
        KNeighborsClassifier(weights="gaussian").fit(X, y)
    with pytest.raises(ValueError, match="algorithm must be"):
        KNeighborsClassifier(algorithm="ball_tree").fit(X, y)
    with pytest.raises(ValueError, match="p must be a finite number >= 1"):
        KNeighborsClassifier(p=0.5).fit(X, y)
    with pytest.raises(ValueError, match="n_neighbors <= n_samples_fit"):
        KNeighborsClassifier(200).fit(X, y).kneighbors(X)
    with pytest.raises(ValueError, match="expecting 4 features"):
        KNeighborsRegressor().fit(X, y).predict(X[:, :2])
    with pytest.raises(NotFittedError):
        KNeighborsClassifier().predict(X)
