"""nashai.ml.datasets: the loaders give exactly sklearn's arrays; the generators, data alike."""

from importlib import resources

import numpy as np
import pytest
from sklearn import datasets as skd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score

from nashai.ml import datasets

LOADERS = ["load_iris", "load_digits", "load_wine", "load_breast_cancer"]


@pytest.mark.parametrize("name", LOADERS)
def test_loaders_equal_sklearn(name):
    ours, theirs = getattr(datasets, name)(), getattr(skd, name)()
    np.testing.assert_array_equal(ours.data, theirs.data)
    np.testing.assert_array_equal(ours.target, theirs.target)
    assert ours.data.dtype == theirs.data.dtype and ours.target.dtype == theirs.target.dtype
    assert list(ours.feature_names) == list(theirs.feature_names)
    np.testing.assert_array_equal(ours.target_names, theirs.target_names)
    assert ours.DESCR == theirs.DESCR
    assert ours["data"] is ours.data  # a Bunch: keys are attributes


@pytest.mark.parametrize("name", LOADERS)
def test_return_X_y(name):
    X, y = getattr(datasets, name)(return_X_y=True)
    X_sk, y_sk = getattr(skd, name)(return_X_y=True)
    np.testing.assert_array_equal(X, X_sk)
    np.testing.assert_array_equal(y, y_sk)


@pytest.mark.parametrize("n_class", [2, 5, 10])
def test_load_digits_images_and_n_class(n_class):
    ours, theirs = datasets.load_digits(n_class=n_class), skd.load_digits(n_class=n_class)
    np.testing.assert_array_equal(ours.images, theirs.images)
    np.testing.assert_array_equal(ours.data, theirs.data)
    np.testing.assert_array_equal(ours.target, theirs.target)
    with pytest.raises(ValueError, match="n_class"):
        datasets.load_digits(n_class=11)


def test_data_files_ship_inside_the_package():
    folder = resources.files("nashai.ml.datasets").joinpath("data")
    for name in ("iris.csv", "digits.csv.gz", "wine_data.csv", "breast_cancer.csv", "LICENSE"):
        assert folder.joinpath(name).is_file(), name
    assert "BSD 3-Clause" in folder.joinpath("LICENSE").read_text()


# -- make_classification ---------------------------------------------------------------------


def test_make_classification_structure():
    X, y = datasets.make_classification(
        2000,
        12,
        n_informative=4,
        n_redundant=3,
        n_repeated=2,
        n_classes=3,
        n_clusters_per_class=1,
        flip_y=0.0,
        shuffle=False,
        random_state=0,
    )
    assert X.shape == (2000, 12) and y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), [667, 667, 666])
    # redundant columns are combinations of the informative ones, repeated ones copies.
    assert np.linalg.matrix_rank(X[:, :7]) == 4
    for j in (7, 8):
        assert any(np.array_equal(X[:, j], X[:, k]) for k in range(7))
    assert np.linalg.matrix_rank(X) == 4 + 3  # + the noise columns
    # noise columns are standard normal and carry no signal
    np.testing.assert_allclose(X[:, 9:].std(axis=0), 1, atol=0.06)


def test_make_classification_weights_and_flip_y():
    _, y = datasets.make_classification(5000, weights=[0.8, 0.2], flip_y=0.0, random_state=1)
    assert abs(np.mean(y == 1) - 0.2) < 0.001
    _, y_clean = datasets.make_classification(5000, flip_y=0.0, shuffle=False, random_state=2)
    _, y_noisy = datasets.make_classification(5000, flip_y=0.3, shuffle=False, random_state=2)
    changed = np.mean(y_clean != y_noisy)  # flipped labels land on the other class half the time
    assert 0.12 < changed < 0.18


@pytest.mark.parametrize("make", [datasets.make_classification, skd.make_classification])
@pytest.mark.parametrize("class_sep", [0.5, 2.0])
def test_make_classification_puts_clusters_on_hypercube_vertices(make, class_sep):
    """The recipe, checked on ours and on sklearn's alike: each class mean sits on a vertex
    (±class_sep in every informative coordinate)."""
    X, y = make(
        8000,
        6,
        n_informative=3,
        n_redundant=0,
        n_clusters_per_class=1,
        flip_y=0.0,
        class_sep=class_sep,
        shuffle=False,
        random_state=3,
    )
    for k in (0, 1):
        np.testing.assert_allclose(np.abs(X[y == k, :3].mean(axis=0)), class_sep, atol=0.06)
    np.testing.assert_allclose(X[:, 3:].mean(axis=0), 0, atol=0.05)


def test_make_classification_is_as_hard_as_sklearns():
    """Same recipe, so a linear model reaches about the same accuracy, averaged over seeds
    (the random cluster covariances make single draws vary by several points)."""
    kwargs = dict(n_samples=300, n_features=10, n_informative=3, class_sep=1.0)

    def mean_accuracy(make):
        return np.mean(
            [
                cross_val_score(
                    LogisticRegression(), *make(**kwargs, random_state=seed), cv=3
                ).mean()
                for seed in range(12)
            ]
        )

    ours, theirs = (
        mean_accuracy(datasets.make_classification),
        mean_accuracy(skd.make_classification),
    )
    assert abs(ours - theirs) < 0.06, (ours, theirs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(n_informative=1, n_classes=3), r"must be smaller or equal 2\*\*n_informative"),
        (dict(n_features=4, n_informative=2, n_redundant=2, n_repeated=1), "sum to less"),
        (dict(weights=[0.5, 0.2, 0.3, 0.1]), "weights"),
        (dict(n_samples=0), "n_samples must be an int >= 1"),
    ],
)
def test_make_classification_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        datasets.make_classification(**kwargs)


# -- make_regression, make_blobs, moons, circles --------------------------------------------


def test_make_regression_is_a_linear_model_with_known_coefficients():
    X, y, coef = datasets.make_regression(
        300, 8, n_informative=3, bias=2.5, coef=True, random_state=0
    )
    np.testing.assert_allclose(y, X @ coef + 2.5, rtol=1e-12)
    assert np.count_nonzero(coef) == 3 and np.all((coef >= 0) & (coef < 100))
    X, y, coef = datasets.make_regression(
        5000, 4, n_targets=2, noise=3.0, coef=True, random_state=1
    )
    assert y.shape == (5000, 2) and coef.shape == (4, 2)
    np.testing.assert_allclose((y - X @ coef).std(axis=0), 3.0, rtol=0.05)


def test_make_blobs_centres_spreads_and_counts():
    centers = np.array([[0.0, 0.0], [10.0, 10.0], [-10.0, 5.0]])
    X, y = datasets.make_blobs(
        [500, 300, 200], centers=centers, cluster_std=[0.5, 1.0, 2.0], random_state=0
    )
    np.testing.assert_array_equal(np.bincount(y), [500, 300, 200])
    for k, std in enumerate([0.5, 1.0, 2.0]):
        np.testing.assert_allclose(X[y == k].mean(axis=0), centers[k], atol=0.3)
        np.testing.assert_allclose(X[y == k].std(axis=0), std, rtol=0.15)
    X, y, centres = datasets.make_blobs(
        101, n_features=3, centers=4, return_centers=True, random_state=0
    )
    assert X.shape == (101, 3) and centres.shape == (4, 3)
    assert np.bincount(y).tolist() == [26, 25, 25, 25]
    assert np.all(np.abs(centres) <= 10)


@pytest.mark.parametrize("make", ["make_moons", "make_circles"])
@pytest.mark.parametrize("n_samples", [100, 101, (30, 50)])
def test_moons_and_circles_without_noise_equal_sklearn(make, n_samples):
    ours = getattr(datasets, make)(n_samples, shuffle=False)
    theirs = getattr(skd, make)(n_samples, shuffle=False)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(ours[1], theirs[1])


@pytest.mark.parametrize("make", ["make_moons", "make_circles"])
def test_moons_and_circles_noise_has_the_asked_spread(make):
    clean, _ = getattr(datasets, make)(4000, shuffle=False)
    noisy, _ = getattr(datasets, make)(4000, shuffle=False, noise=0.1, random_state=0)
    np.testing.assert_allclose((noisy - clean).std(axis=0), 0.1, rtol=0.05)
    with pytest.raises(ValueError, match="noise"):
        getattr(datasets, make)(10, noise=-1.0)


@pytest.mark.parametrize(
    "make", ["make_classification", "make_regression", "make_blobs", "make_moons", "make_circles"]
)
def test_generators_are_reproducible(make):
    kwargs = {} if make in ("make_moons", "make_circles") else {"n_samples": 50}
    first = getattr(datasets, make)(**kwargs, random_state=7)
    again = getattr(datasets, make)(**kwargs, random_state=7)
    other = getattr(datasets, make)(**kwargs, random_state=8)
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[0], other[0])


def test_make_circles_factor_is_validated():
    with pytest.raises(ValueError, match="'factor' has to be between 0 and 1"):
        datasets.make_circles(factor=1.0)
