"""Naive Bayes against scikit-learn: fitted statistics and log-probabilities to 1e-6."""

import numpy as np
import pytest
from sklearn import naive_bayes as sk
from sklearn.datasets import load_breast_cancer, load_digits, load_iris

from nashai.ml.base import NotFittedError, clone
from nashai.ml.naive_bayes import BernoulliNB, GaussianNB, MultinomialNB

IRIS = load_iris(return_X_y=True)
DIGITS = load_digits(return_X_y=True)
CANCER = load_breast_cancer(return_X_y=True)
DATASETS = {"iris": IRIS, "digits": DIGITS, "cancer": CANCER}


def split(data, seed=0):
    X, y = data
    order = np.random.default_rng(seed).permutation(len(y))
    cut = int(0.7 * len(y))
    return X[order[:cut]], y[order[:cut]], X[order[cut:]], y[order[cut:]]


def assert_same_model(ours, theirs, X_test, attributes):
    for name in attributes:
        expected = getattr(theirs, name)
        np.testing.assert_allclose(getattr(ours, name), expected, rtol=1e-9, err_msg=name)
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    np.testing.assert_allclose(
        ours.predict_log_proba(X_test), theirs.predict_log_proba(X_test), rtol=1e-6, atol=1e-6
    )
    np.testing.assert_allclose(
        ours.predict_proba(X_test), theirs.predict_proba(X_test), rtol=1e-6, atol=1e-9
    )
    np.testing.assert_array_equal(ours.predict(X_test), theirs.predict(X_test))


GAUSSIAN_ATTRS = ["theta_", "var_", "class_prior_", "class_count_", "epsilon_"]
DISCRETE_ATTRS = ["feature_count_", "class_count_", "feature_log_prob_", "class_log_prior_"]


@pytest.mark.parametrize("name", list(DATASETS))
@pytest.mark.parametrize("var_smoothing", [1e-9, 1e-3])
def test_gaussian_nb_matches_sklearn(name, var_smoothing):
    X, y, X_test, _ = split(DATASETS[name])
    ours = GaussianNB(var_smoothing=var_smoothing).fit(X, y)
    theirs = sk.GaussianNB(var_smoothing=var_smoothing).fit(X, y)
    assert_same_model(ours, theirs, X_test, GAUSSIAN_ATTRS)


def test_gaussian_nb_priors_and_sample_weight():
    X, y, X_test, _ = split(IRIS)
    weight = np.random.default_rng(1).uniform(0.1, 3.0, len(y))
    ours = GaussianNB(priors=[0.2, 0.5, 0.3]).fit(X, y, sample_weight=weight)
    theirs = sk.GaussianNB(priors=[0.2, 0.5, 0.3]).fit(X, y, sample_weight=weight)
    assert_same_model(ours, theirs, X_test, GAUSSIAN_ATTRS)


def test_gaussian_nb_partial_fit_matches_one_fit_and_sklearn():
    X, y, X_test, _ = split(IRIS)
    ours, theirs = GaussianNB(), sk.GaussianNB()
    for batch in np.array_split(np.arange(len(y)), 4):
        ours.partial_fit(X[batch], y[batch], classes=[0, 1, 2])
        theirs.partial_fit(X[batch], y[batch], classes=[0, 1, 2])
    whole = GaussianNB().fit(X, y)
    np.testing.assert_allclose(ours.theta_, whole.theta_, rtol=1e-12)
    np.testing.assert_allclose(ours.var_ - ours.epsilon_, whole.var_ - whole.epsilon_, rtol=1e-10)
    assert_same_model(ours, theirs, X_test, ["theta_", "class_count_", "class_prior_"])


def test_gaussian_nb_string_labels_and_single_sample_class():
    X = np.array([[0.0, 1.0], [0.5, 1.5], [3.0, 3.0], [3.2, 2.9], [9.0, 9.0]])
    y = np.array(["a", "a", "b", "b", "c"])
    ours, theirs = GaussianNB().fit(X, y), sk.GaussianNB().fit(X, y)
    assert_same_model(ours, theirs, X + 0.1, GAUSSIAN_ATTRS)


@pytest.mark.parametrize(
    "params",
    [{}, {"alpha": 0.3}, {"fit_prior": False}, {"class_prior": np.full(10, 0.1)}, {"alpha": 0.0}],
)
def test_multinomial_nb_matches_sklearn_on_digit_counts(params):
    X, y, X_test, _ = split(DIGITS)
    with np.errstate(divide="ignore"):
        ours = MultinomialNB(**params).fit(X, y)
        theirs = sk.MultinomialNB(**params).fit(X, y)
    if params.get("alpha") == 0.0:  # log 0 = −∞ for features never seen in a class
        np.testing.assert_array_equal(ours.feature_log_prob_, theirs.feature_log_prob_)
        return
    assert_same_model(ours, theirs, X_test, DISCRETE_ATTRS)


def test_multinomial_nb_sample_weight_and_partial_fit():
    X, y, X_test, _ = split(DIGITS)
    weight = np.random.default_rng(2).uniform(0.0, 2.0, len(y))
    ours = MultinomialNB(alpha=0.5).fit(X, y, sample_weight=weight)
    theirs = sk.MultinomialNB(alpha=0.5).fit(X, y, sample_weight=weight)
    assert_same_model(ours, theirs, X_test, DISCRETE_ATTRS)

    batched = MultinomialNB(alpha=0.5)
    for batch in np.array_split(np.arange(len(y)), 3):
        batched.partial_fit(X[batch], y[batch], classes=np.arange(10), sample_weight=weight[batch])
    assert_same_model(batched, theirs, X_test, DISCRETE_ATTRS)


@pytest.mark.parametrize("params", [{}, {"binarize": 4.0}, {"alpha": 0.2, "fit_prior": False}])
def test_bernoulli_nb_matches_sklearn_on_digits(params):
    X, y, X_test, _ = split(DIGITS)
    ours = BernoulliNB(**params).fit(X, y)
    theirs = sk.BernoulliNB(**params).fit(X, y)
    assert_same_model(ours, theirs, X_test, DISCRETE_ATTRS)


def test_bernoulli_nb_binary_data_without_binarize():
    rng = np.random.default_rng(3)
    X = (rng.random((200, 12)) < np.linspace(0.1, 0.9, 12)).astype(float)
    y = (X[:, :4].sum(axis=1) + rng.random(200) > 2.5).astype(int)
    ours = BernoulliNB(binarize=None, alpha=0.7).fit(X, y)
    theirs = sk.BernoulliNB(binarize=None, alpha=0.7).fit(X, y)
    assert_same_model(ours, theirs, X[:50], DISCRETE_ATTRS)


def test_bernoulli_nb_per_feature_alpha_follows_the_formula():
    rng = np.random.default_rng(4)
    X = (rng.random((100, 6)) < 0.4).astype(float)
    y = rng.integers(0, 3, 100)
    alpha = np.linspace(0.5, 2.0, 6)
    model = BernoulliNB(alpha=alpha).fit(X, y)
    counts = np.stack([X[y == c].sum(axis=0) for c in range(3)])
    n_c = np.bincount(y)[:, None]
    np.testing.assert_allclose(
        np.exp(model.feature_log_prob_), (counts + alpha) / (n_c + 2 * alpha)
    )


def test_multinomial_nb_per_feature_alpha_matches_sklearn():
    X, y, X_test, _ = split(DIGITS)
    alpha = np.linspace(0.1, 3.0, X.shape[1])
    ours = MultinomialNB(alpha=alpha).fit(X, y)
    theirs = sk.MultinomialNB(alpha=alpha).fit(X, y)
    assert_same_model(ours, theirs, X_test, DISCRETE_ATTRS)


def test_naive_bayes_accuracy_on_held_out_data_is_that_of_sklearn():
    X, y, X_test, y_test = split(CANCER)
    ours = GaussianNB().fit(X, y).predict(X_test)
    theirs = sk.GaussianNB().fit(X, y).predict(X_test)
    assert np.mean(ours == y_test) == np.mean(theirs == y_test) > 0.9


def test_naive_bayes_errors_name_the_problem():
    X, y = IRIS
    with pytest.raises(ValueError, match="priors must sum to 1"):
        GaussianNB(priors=[0.5, 0.5, 0.5]).fit(X, y)
    with pytest.raises(ValueError, match="one entry per class"):
        GaussianNB(priors=[0.5, 0.5]).fit(X, y)
    with pytest.raises(ValueError, match="non-negative"):
        MultinomialNB().fit(X - 5.0, y)
    with pytest.raises(ValueError, match="class_prior must have one entry per class"):
        MultinomialNB(class_prior=[1.0]).fit(X, y)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        GaussianNB().partial_fit(X, y)
    with pytest.raises(ValueError, match=r"label\(s\) \[2\]"):
        BernoulliNB().partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="expecting 4 features"):
        GaussianNB().fit(X, y).predict(X[:, :3])
    with pytest.raises(NotFittedError):
        MultinomialNB().predict(X)


def test_naive_bayes_params_roundtrip_through_clone():
    model = BernoulliNB(alpha=0.5, binarize=None)
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert repr(copy) == "BernoulliNB(alpha=0.5, binarize=None)"
