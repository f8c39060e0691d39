"""CART trees against scikit-learn: the same tree where the split search has no ties."""

import numpy as np
import pytest
from sklearn import tree as sk
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    make_classification,
    make_regression,
)
from sklearn.model_selection import train_test_split

from nashai.ml.base import NotFittedError, clone
from nashai.ml.tree import DecisionTreeClassifier, DecisionTreeRegressor
from nashai.ml.tree._tree import apply_trees

DATA = {
    "iris": lambda: load_iris(return_X_y=True),
    "digits": lambda: load_digits(return_X_y=True),
    "breast_cancer": lambda: load_breast_cancer(return_X_y=True),
    "classification": lambda: make_classification(2000, 20, n_informative=8, random_state=0),
    "diabetes": lambda: load_diabetes(return_X_y=True),
    "regression": lambda: make_regression(1000, 10, noise=10.0, random_state=0),
}


@pytest.fixture(scope="module")
def data():
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = DATA[name]()
        return cache[name]

    return get


def assert_same_tree(ours, ref, value_rtol=1e-12):
    """Node for node: same structure, features, thresholds, counts, values and impurities."""
    a, b = ours.tree_, ref.tree_
    assert a.node_count == b.node_count
    np.testing.assert_array_equal(a.children_left, b.children_left)
    np.testing.assert_array_equal(a.children_right, b.children_right)
    np.testing.assert_array_equal(a.feature, b.feature)
    np.testing.assert_array_equal(a.threshold, b.threshold)
    np.testing.assert_array_equal(a.n_node_samples, b.n_node_samples)
    np.testing.assert_allclose(a.weighted_n_node_samples, b.weighted_n_node_samples)
    np.testing.assert_allclose(a.value, b.value, rtol=value_rtol, atol=1e-12)
    np.testing.assert_allclose(a.impurity, b.impurity, rtol=1e-9, atol=1e-9)
    assert ours.get_depth() == ref.get_depth()
    assert ours.get_n_leaves() == ref.get_n_leaves()


# Settings where scikit-learn's tree does not depend on its random feature order (no ties in
# the criterion), so the exact tree is determined.
EXACT_CLASSIFIERS = [
    ("iris", dict(criterion="gini", max_depth=3)),
    ("iris", dict(criterion="entropy", max_depth=3)),
    ("iris", dict(criterion="log_loss", max_depth=3, min_samples_leaf=5)),
    ("iris", dict(criterion="gini", min_samples_leaf=5)),
    ("digits", dict(criterion="gini", max_depth=3)),
    ("digits", dict(criterion="entropy", max_depth=3, min_samples_leaf=5)),
    ("digits", dict(criterion="gini", min_impurity_decrease=0.02)),
    ("breast_cancer", dict(criterion="entropy", max_depth=2)),
    ("classification", dict(criterion="gini", max_depth=4)),
    ("classification", dict(criterion="entropy", max_depth=5, min_samples_leaf=5)),
]


@pytest.mark.parametrize(("name", "params"), EXACT_CLASSIFIERS)
def test_classifier_is_sklearns_tree(data, name, params):
    X, y = data(name)
    ours = DecisionTreeClassifier(random_state=0, **params).fit(X, y)
    ref = sk.DecisionTreeClassifier(random_state=0, **params).fit(X, y)
    assert_same_tree(ours, ref)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-12)
    np.testing.assert_array_equal(ours.apply(X), ref.apply(X))
    np.testing.assert_allclose(ours.feature_importances_, ref.feature_importances_, atol=1e-12)


@pytest.mark.parametrize(
    ("name", "max_depth"), [("diabetes", 2), ("diabetes", 3), ("regression", 5)]
)
def test_regressor_is_sklearns_tree(data, name, max_depth):
    X, y = data(name)
    ours = DecisionTreeRegressor(max_depth=max_depth, random_state=0).fit(X, y)
    ref = sk.DecisionTreeRegressor(max_depth=max_depth, random_state=0).fit(X, y)
    assert_same_tree(ours, ref, value_rtol=1e-10)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-10)
    np.testing.assert_allclose(ours.feature_importances_, ref.feature_importances_, atol=1e-10)


@pytest.mark.parametrize("name", ["diabetes", "regression"])
def test_full_regression_tree_predicts_like_sklearn(data, name):
    # ties change which of several equal splits is used, not what the leaves predict
    X, y = data(name)
    ours = DecisionTreeRegressor(random_state=0).fit(X, y)
    ref = sk.DecisionTreeRegressor(random_state=0).fit(X, y)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-9)


def test_sample_weight_is_sklearns(data):
    X, y = data("digits")
    weight = np.random.default_rng(0).integers(0, 4, y.size).astype(float)
    ours = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y, sample_weight=weight)
    ref = sk.DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y, sample_weight=weight)
    assert_same_tree(ours, ref)


@pytest.mark.parametrize("name", ["iris", "breast_cancer", "digits"])
@pytest.mark.parametrize("max_depth", [2, 4, 6])
def test_depth_limited_predictions_agree_with_sklearn(data, name, max_depth):
    X, y = data(name)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    ours = DecisionTreeClassifier(max_depth=max_depth, random_state=0).fit(X_train, y_train)
    ref = sk.DecisionTreeClassifier(max_depth=max_depth, random_state=0).fit(X_train, y_train)
    # equal up to ties between equally good splits
    assert np.mean(ours.predict(X_test) == ref.predict(X_test)) >= 0.97
    assert abs(ours.score(X_test, y_test) - ref.score(X_test, y_test)) <= 0.03


@pytest.mark.parametrize(("name", "max_features"), [("digits", "sqrt"), ("breast_cancer", 0.3)])
def test_random_feature_trees_are_as_accurate_as_sklearns(data, name, max_features):
    X, y = data(name)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    ours = [
        DecisionTreeClassifier(max_features=max_features, random_state=s).fit(X_train, y_train)
        for s in range(20)
    ]
    ref = [
        sk.DecisionTreeClassifier(max_features=max_features, random_state=s).fit(X_train, y_train)
        for s in range(20)
    ]
    assert ours[0].max_features_ == ref[0].max_features_
    ours_acc = np.mean([t.score(X_test, y_test) for t in ours])
    ref_acc = np.mean([t.score(X_test, y_test) for t in ref])
    assert abs(ours_acc - ref_acc) < 0.025
    # different seeds give different trees
    assert len({t.tree_.node_count for t in ours}) > 1


def test_split_search_without_packed_sort_keys_is_the_same(data, monkeypatch):
    # huge data sets do not fit pair | rank | id in 63 bits; the argsort fallback must agree
    import nashai.ml.tree._exact_builder as builder

    X, y = data("digits")
    packed = DecisionTreeClassifier(max_features=10, random_state=0).fit(X, y)
    monkeypatch.setattr(builder, "KEY_BITS", 0)
    fallback = DecisionTreeClassifier(max_features=10, random_state=0).fit(X, y)
    np.testing.assert_array_equal(packed.tree_.feature, fallback.tree_.feature)
    np.testing.assert_array_equal(packed.tree_.threshold, fallback.tree_.threshold)


def test_random_state_makes_fits_reproducible(data):
    X, y = data("digits")
    a = DecisionTreeClassifier(max_features=8, random_state=3).fit(X, y)
    b = DecisionTreeClassifier(max_features=8, random_state=3).fit(X, y)
    np.testing.assert_array_equal(a.tree_.threshold, b.tree_.threshold)
    np.testing.assert_array_equal(a.tree_.feature, b.tree_.feature)


@pytest.mark.parametrize("max_features", [None, 3, 0.5, "sqrt", "log2"])
def test_max_features_resolves_like_sklearn(data, max_features):
    X, y = data("breast_cancer")
    ours = DecisionTreeClassifier(max_depth=1, max_features=max_features).fit(X, y)
    ref = sk.DecisionTreeClassifier(max_depth=1, max_features=max_features).fit(X, y)
    assert ours.max_features_ == ref.max_features_


def test_leaves_are_pure_or_unsplittable_without_limits(data):
    X, y = data("breast_cancer")
    model = DecisionTreeClassifier(random_state=0).fit(X, y)
    assert model.score(X, y) == 1.0
    leaves = model.tree_.children_left == -1
    np.testing.assert_allclose(model.tree_.impurity[leaves], 0.0, atol=1e-12)


def test_min_samples_leaf_and_split_hold(data):
    X, y = data("classification")
    model = DecisionTreeClassifier(min_samples_leaf=7, min_samples_split=30).fit(X, y)
    t = model.tree_
    leaves = t.children_left == -1
    assert t.n_node_samples[leaves].min() >= 7
    assert t.n_node_samples[~leaves].min() >= 30


def test_constant_features_and_single_class():
    X = np.ones((10, 3))
    y = np.arange(10) % 2
    model = DecisionTreeClassifier().fit(X, y)
    assert model.tree_.node_count == 1  # nothing to split on
    np.testing.assert_allclose(model.predict_proba(X), 0.5)
    single = DecisionTreeClassifier().fit(np.arange(8.0)[:, None], np.full(8, "a"))
    assert single.get_n_leaves() == 1 and list(single.predict([[3.0]])) == ["a"]


def test_string_labels_and_classes(data):
    X, y = data("iris")
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    model = DecisionTreeClassifier(max_depth=2).fit(X, names)
    np.testing.assert_array_equal(
        model.classes_, names[np.sort(np.unique(y, return_index=True)[1])]
    )
    assert set(model.predict(X)) <= set(names)


def test_apply_trees_walks_many_trees_at_once(data):
    X, y = data("digits")
    trees = [DecisionTreeClassifier(max_features=5, random_state=s).fit(X, y) for s in range(4)]
    X32 = X.astype(np.float32)
    rows = [np.arange(0, 300), np.arange(100, 150), np.arange(5), np.arange(X.shape[0])]
    leaves = apply_trees([t.tree_ for t in trees], X32, rows)
    for t, r, leaf in zip(trees, rows, leaves, strict=True):
        np.testing.assert_array_equal(leaf, t.apply(X[r]))


def test_params_and_clone():
    model = DecisionTreeRegressor(max_depth=4, min_samples_leaf=3)
    assert model.get_params()["max_depth"] == 4
    copy = clone(model.set_params(max_features="sqrt"))
    assert copy.max_features == "sqrt" and copy.min_samples_leaf == 3
    assert "max_depth=4" in repr(model)


@pytest.mark.parametrize(
    ("params", "word"),
    [
        (dict(max_depth=0), "max_depth"),
        (dict(min_samples_split=1), "min_samples_split"),
        (dict(min_samples_leaf=0), "min_samples_leaf"),
        (dict(max_features="half"), "max_features"),
        (dict(max_features=40), "max_features"),
        (dict(criterion="mse"), "criterion"),
        (dict(min_impurity_decrease=-1.0), "min_impurity_decrease"),
    ],
)
def test_bad_parameters_are_named(data, params, word):
    X, y = data("breast_cancer")
    with pytest.raises(ValueError, match=word):
        DecisionTreeClassifier(**params).fit(X, y)


def test_input_errors(data):
    X, y = data("iris")
    with pytest.raises(NotFittedError):
        DecisionTreeClassifier().predict(X)
    model = DecisionTreeClassifier().fit(X, y)
    with pytest.raises(ValueError, match="4 features"):
        model.predict(X[:, :3])
    with pytest.raises(ValueError, match="sample_weight"):
        DecisionTreeClassifier().fit(X, y, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="NaN"):
        DecisionTreeRegressor().fit(np.full((3, 2), np.nan), np.zeros(3))
