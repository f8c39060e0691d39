"""Random forests and gradient boosting against scikit-learn on the same data and settings."""

import numpy as np
import pytest
from sklearn import ensemble as sk
from sklearn import tree as sk_tree
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    make_classification,
    make_friedman1,
    make_regression,
)
from sklearn.model_selection import train_test_split

from nashai.ml.base import NotFittedError, clone
from nashai.ml.ensemble import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)

DATA = {
    "iris": lambda: load_iris(return_X_y=True),
    "digits": lambda: load_digits(return_X_y=True),
    "breast_cancer": lambda: load_breast_cancer(return_X_y=True),
    "classification": lambda: make_classification(
        3000, 20, n_informative=8, n_classes=3, random_state=0
    ),
    "diabetes": lambda: load_diabetes(return_X_y=True),
    "regression": lambda: make_regression(2000, 20, n_informative=10, noise=20, random_state=0),
    "friedman": lambda: make_friedman1(2000, noise=1.0, random_state=0),
}


@pytest.fixture(scope="module")
def split():
    cache = {}

    def get(name):
        if name not in cache:
            X, y = DATA[name]()
            cache[name] = train_test_split(X, y, test_size=0.3, random_state=0)
        return cache[name]

    return get


def r2(y, prediction):
    return 1.0 - np.sum((y - prediction) ** 2) / np.sum((y - np.mean(y)) ** 2)


def accuracy(model, X, y):
    return np.mean(model.predict(X) == y)


# ----------------------------------------------------------------------------- random forests
@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("iris", {}),
        ("digits", {}),
        ("digits", dict(max_features=2, criterion="entropy")),  # most draws hit blank pixels
        ("breast_cancer", {}),
        ("classification", {}),
    ],
)
def test_forest_classifier_accuracy_matches_sklearn(split, name, params):
    X_train, X_test, y_train, y_test = split(name)
    # averaging over seeds keeps the comparison about the algorithm, not one draw
    ours, ref = [], []
    for seed in range(3):
        model = RandomForestClassifier(50, random_state=seed, **params)
        ours.append(accuracy(model.fit(X_train, y_train), X_test, y_test))
        model = sk.RandomForestClassifier(50, random_state=seed, **params)
        ref.append(accuracy(model.fit(X_train, y_train), X_test, y_test))
    assert abs(np.mean(ours) - np.mean(ref)) <= 0.01


@pytest.mark.parametrize("name", ["regression", "friedman"])
def test_forest_regressor_r2_matches_sklearn(split, name):
    X_train, X_test, y_train, y_test = split(name)
    ours = RandomForestRegressor(30, random_state=0).fit(X_train, y_train)
    ref = sk.RandomForestRegressor(30, random_state=0).fit(X_train, y_train)
    assert abs(r2(y_test, ours.predict(X_test)) - r2(y_test, ref.predict(X_test))) <= 0.01


def test_forest_probabilities_are_the_mean_of_its_trees(split):
    X_train, X_test, y_train, _ = split("iris")
    forest = RandomForestClassifier(7, random_state=0).fit(X_train, y_train)
    assert len(forest.estimators_) == 7
    mean = np.mean([tree.predict_proba(X_test) for tree in forest.estimators_], axis=0)
    np.testing.assert_allclose(forest.predict_proba(X_test), mean, atol=1e-12)
    np.testing.assert_allclose(forest.predict_proba(X_test).sum(axis=1), 1.0)
    assert forest.apply(X_test).shape == (X_test.shape[0], 7)


def test_forest_without_bootstrap_and_feature_sampling_is_a_tree(split):
    # every tree then sees all rows and all features: each is scikit-learn's exact tree
    X_train, X_test, y_train, _ = split("digits")
    forest = RandomForestClassifier(
        3, bootstrap=False, max_features=None, max_depth=3, random_state=0
    ).fit(X_train, y_train)
    ref = sk_tree.DecisionTreeClassifier(max_depth=3, random_state=0).fit(X_train, y_train)
    for tree in forest.estimators_:
        np.testing.assert_array_equal(tree.tree_.feature, ref.tree_.feature)
        np.testing.assert_array_equal(tree.tree_.threshold, ref.tree_.threshold)
    np.testing.assert_allclose(forest.predict_proba(X_test), ref.predict_proba(X_test))


def test_forest_sample_weight_reaches_every_tree(split):
    X_train, _, y_train, _ = split("digits")
    weight = np.random.default_rng(0).integers(0, 3, y_train.size).astype(float)
    forest = RandomForestClassifier(
        2, bootstrap=False, max_features=None, max_depth=3, random_state=0
    ).fit(X_train, y_train, sample_weight=weight)
    ref = sk_tree.DecisionTreeClassifier(max_depth=3, random_state=0)
    ref.fit(X_train, y_train, sample_weight=weight)
    for tree in forest.estimators_:
        np.testing.assert_array_equal(tree.tree_.threshold, ref.tree_.threshold)
        np.testing.assert_allclose(
            tree.tree_.weighted_n_node_samples, ref.tree_.weighted_n_node_samples
        )


def test_forest_bootstrap_draws_max_samples(split):
    X_train, _, y_train, _ = split("breast_cancer")
    forest = RandomForestRegressor(5, max_samples=0.5, random_state=0).fit(X_train, y_train)
    n_draws = round(0.5 * X_train.shape[0])
    for tree in forest.estimators_:
        # a row drawn c times is one sample of weight c
        assert tree.tree_.weighted_n_node_samples[0] == n_draws
        assert tree.tree_.n_node_samples[0] < n_draws


def test_forest_oob_estimates_match_sklearn(split):
    X_train, _, y_train, _ = split("breast_cancer")
    ours = RandomForestClassifier(60, oob_score=True, random_state=0).fit(X_train, y_train)
    ref = sk.RandomForestClassifier(60, oob_score=True, random_state=0).fit(X_train, y_train)
    assert abs(ours.oob_score_ - ref.oob_score_) <= 0.02
    assert ours.oob_decision_function_.shape == ref.oob_decision_function_.shape
    np.testing.assert_allclose(ours.oob_decision_function_.sum(axis=1), 1.0)
    # the out-of-bag score estimates held-out accuracy, below the training accuracy of 1
    assert ours.oob_score_ < accuracy(ours, X_train, y_train)


def test_forest_oob_prediction_regressor(split):
    X_train, _, y_train, _ = split("friedman")
    ours = RandomForestRegressor(40, oob_score=True, random_state=0).fit(X_train, y_train)
    ref = sk.RandomForestRegressor(40, oob_score=True, random_state=0).fit(X_train, y_train)
    assert ours.oob_prediction_.shape == (X_train.shape[0],)
    assert abs(ours.oob_score_ - ref.oob_score_) <= 0.02
    assert abs(ours.oob_score_ - r2(y_train, ours.oob_prediction_)) < 1e-12


def test_forest_feature_importances_agree_with_sklearn(split):
    X_train, _, y_train, _ = split("classification")
    ours = RandomForestClassifier(40, random_state=0).fit(X_train, y_train)
    ref = sk.RandomForestClassifier(40, random_state=0).fit(X_train, y_train)
    assert ours.feature_importances_.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(ours.feature_importances_, ref.feature_importances_, atol=0.02)
    assert np.corrcoef(ours.feature_importances_, ref.feature_importances_)[0, 1] > 0.98


def test_forest_is_reproducible(split):
    X_train, X_test, y_train, _ = split("iris")
    a = RandomForestClassifier(5, random_state=1).fit(X_train, y_train).predict_proba(X_test)
    b = RandomForestClassifier(5, random_state=1).fit(X_train, y_train).predict_proba(X_test)
    c = RandomForestClassifier(5, random_state=2).fit(X_train, y_train).predict_proba(X_test)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_forest_errors(split):
    X_train, X_test, y_train, _ = split("iris")
    with pytest.raises(NotFittedError):
        RandomForestClassifier().predict(X_test)
    with pytest.raises(ValueError, match="oob_score"):
        RandomForestClassifier(oob_score=True, bootstrap=False).fit(X_train, y_train)
    with pytest.raises(ValueError, match="max_samples"):
        RandomForestClassifier(max_samples=0).fit(X_train, y_train)
    with pytest.raises(ValueError, match="n_estimators"):
        RandomForestRegressor(n_estimators=0).fit(X_train, y_train)
    model = RandomForestClassifier(3).fit(X_train, y_train)
    with pytest.raises(ValueError, match="4 features"):
        model.predict(X_test[:, :2])
    assert clone(model).get_params()["n_estimators"] == 3


# ------------------------------------------------------------------------- gradient boosting
@pytest.mark.parametrize("name", ["iris", "two_classes"])
def test_boosting_classifier_fits_like_sklearn_when_bins_are_exact(name):
    # With fewer distinct values than bins the binned trees search the thresholds CART
    # searches, so the fit is scikit-learn's (up to ties between equally good splits, which
    # scikit-learn breaks by a random feature order and which leave the training fit equal).
    if name == "iris":
        X, y = load_iris(return_X_y=True)
    else:
        X, y = make_classification(250, 8, n_informative=4, random_state=1)
    ours = GradientBoostingClassifier(n_estimators=40, random_state=0).fit(X, y)
    ref = sk.GradientBoostingClassifier(n_estimators=40, random_state=0).fit(X, y)
    np.testing.assert_allclose(ours.train_score_, ref.train_score_, rtol=1e-10)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=1e-10)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-12)


@pytest.mark.parametrize("loss", ["squared_error", "huber"])
def test_boosting_regressor_is_sklearns_when_bins_are_exact(loss):
    X, y = load_diabetes(return_X_y=True)
    X, y = X[:331], y[:331]  # every feature then has fewer than 255 distinct values
    ours = GradientBoostingRegressor(loss=loss, n_estimators=40, random_state=0).fit(X, y)
    ref = sk.GradientBoostingRegressor(loss=loss, n_estimators=40, random_state=0).fit(X, y)
    np.testing.assert_allclose(ours.train_score_, ref.train_score_, rtol=1e-9)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-9)
    first, first_ref = ours.estimators_[0, 0].tree_, ref.estimators_[0, 0].tree_
    np.testing.assert_array_equal(first.threshold, first_ref.threshold)


@pytest.mark.parametrize("name", ["digits", "breast_cancer"])
def test_boosting_classifier_accuracy_matches_sklearn(split, name):
    X_train, X_test, y_train, y_test = split(name)
    n_estimators = 20 if name == "digits" else 60
    ours = GradientBoostingClassifier(n_estimators=n_estimators, random_state=0)
    ref = sk.GradientBoostingClassifier(n_estimators=n_estimators, random_state=0)
    ours.fit(X_train, y_train)
    ref.fit(X_train, y_train)
    assert abs(accuracy(ours, X_test, y_test) - accuracy(ref, X_test, y_test)) <= 0.01
    np.testing.assert_allclose(ours.train_score_[0], ref.train_score_[0], rtol=0.01)


def test_boosting_classifier_accuracy_on_generated_data(split):
    # 255 quantile bins against every threshold: the same accuracy on average over data sets
    ours, ref = [], []
    for seed in range(3):
        X, y = make_classification(2000, 20, n_informative=8, random_state=seed)
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
        model = GradientBoostingClassifier(n_estimators=60, random_state=0).fit(X_train, y_train)
        ours.append(accuracy(model, X_test, y_test))
        model = sk.GradientBoostingClassifier(n_estimators=60, random_state=0)
        ref.append(accuracy(model.fit(X_train, y_train), X_test, y_test))
    assert abs(np.mean(ours) - np.mean(ref)) <= 0.01


@pytest.mark.parametrize("loss", ["squared_error", "huber"])
@pytest.mark.parametrize("name", ["regression", "friedman"])
def test_boosting_regressor_r2_matches_sklearn(split, name, loss):
    X_train, X_test, y_train, y_test = split(name)
    ours = GradientBoostingRegressor(loss=loss, n_estimators=80, random_state=0)
    ours.fit(X_train, y_train)
    ref = sk.GradientBoostingRegressor(loss=loss, n_estimators=80, random_state=0)
    ref.fit(X_train, y_train)
    assert abs(r2(y_test, ours.predict(X_test)) - r2(y_test, ref.predict(X_test))) <= 0.01


def test_boosting_absolute_error_r2_matches_sklearn():
    # trees fit signs ±1, so ties between splits are common: compare over three data sets
    ours, ref = [], []
    for seed in range(3):
        X, y = make_regression(1500, 10, n_informative=6, noise=20, random_state=seed)
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
        model = GradientBoostingRegressor(loss="absolute_error", n_estimators=80, random_state=0)
        ours.append(r2(y_test, model.fit(X_train, y_train).predict(X_test)))
        model = sk.GradientBoostingRegressor(loss="absolute_error", n_estimators=80)
        ref.append(r2(y_test, model.fit(X_train, y_train).predict(X_test)))
    assert abs(np.mean(ours) - np.mean(ref)) <= 0.01


def test_boosting_subsample_matches_sklearn_accuracy(split):
    X_train, X_test, y_train, y_test = split("breast_cancer")
    ours = [
        GradientBoostingClassifier(n_estimators=50, subsample=0.5, random_state=s).fit(
            X_train, y_train
        )
        for s in range(3)
    ]
    ref = [
        sk.GradientBoostingClassifier(n_estimators=50, subsample=0.5, random_state=s).fit(
            X_train, y_train
        )
        for s in range(3)
    ]
    ours_acc = np.mean([accuracy(m, X_test, y_test) for m in ours])
    ref_acc = np.mean([accuracy(m, X_test, y_test) for m in ref])
    assert abs(ours_acc - ref_acc) <= 0.015
    # each tree saw half the rows
    assert ours[0].estimators_[0, 0].tree_.n_node_samples[0] == int(0.5 * X_train.shape[0])


def test_boosting_feature_subsampling_matches_sklearn_accuracy(split):
    X_train, X_test, y_train, y_test = split("digits")
    ours = GradientBoostingClassifier(n_estimators=15, max_features="sqrt", random_state=0)
    ref = sk.GradientBoostingClassifier(n_estimators=15, max_features="sqrt", random_state=0)
    ours.fit(X_train, y_train)
    ref.fit(X_train, y_train)
    assert ours.max_features_ == ref.max_features_ == 8
    assert abs(accuracy(ours, X_test, y_test) - accuracy(ref, X_test, y_test)) <= 0.02


def test_boosting_staged_predictions(split):
    X_train, X_test, y_train, _ = split("iris")
    model = GradientBoostingClassifier(n_estimators=15, random_state=0).fit(X_train, y_train)
    stages = list(model.staged_predict_proba(X_test))
    assert len(stages) == 15
    np.testing.assert_allclose(stages[-1], model.predict_proba(X_test))
    decisions = list(model.staged_decision_function(X_test))
    np.testing.assert_allclose(decisions[-1], model.decision_function(X_test))
    assert not np.allclose(decisions[0], decisions[-1])
    predictions = list(model.staged_predict(X_test))
    np.testing.assert_array_equal(predictions[-1], model.predict(X_test))
    # the training loss goes down stage after stage
    assert np.all(np.diff(model.train_score_) < 0)

    regressor = GradientBoostingRegressor(n_estimators=10).fit(X_train, X_train[:, 0])
    staged = list(regressor.staged_predict(X_test))
    assert len(staged) == 10
    np.testing.assert_allclose(staged[-1], regressor.predict(X_test))


def test_boosting_initial_prediction_is_the_prior(split):
    X_train, _, y_train, _ = split("breast_cancer")
    model = GradientBoostingClassifier(n_estimators=1, learning_rate=1e-12).fit(X_train, y_train)
    p = np.mean(y_train)
    np.testing.assert_allclose(model.decision_function(X_train[:3]), np.log(p / (1 - p)))
    regressor = GradientBoostingRegressor(n_estimators=1, learning_rate=1e-12)
    regressor.fit(X_train, X_train[:, 0])
    np.testing.assert_allclose(regressor.predict(X_train[:3]), X_train[:, 0].mean())


def test_boosting_feature_importances(split):
    X_train, _, y_train, _ = split("friedman")
    ours = GradientBoostingRegressor(n_estimators=50, random_state=0).fit(X_train, y_train)
    ref = sk.GradientBoostingRegressor(n_estimators=50, random_state=0).fit(X_train, y_train)
    assert ours.feature_importances_.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(ours.feature_importances_, ref.feature_importances_, atol=0.02)


def test_boosting_errors(split):
    X_train, X_test, y_train, _ = split("iris")
    with pytest.raises(NotFittedError):
        GradientBoostingClassifier().predict(X_test)
    with pytest.raises(ValueError, match="learning_rate"):
        GradientBoostingClassifier(learning_rate=0).fit(X_train, y_train)
    with pytest.raises(ValueError, match="subsample"):
        GradientBoostingRegressor(subsample=1.5).fit(X_train, X_train[:, 0])
    with pytest.raises(ValueError, match="loss"):
        GradientBoostingRegressor(loss="quantile").fit(X_train, X_train[:, 0])
    with pytest.raises(ValueError, match="at least 2"):
        GradientBoostingClassifier().fit(X_train, np.zeros(len(X_train)))
    model = GradientBoostingClassifier(n_estimators=2).fit(X_train, y_train)
    with pytest.raises(ValueError, match="4 features"):
        model.predict(X_test[:, :3])
