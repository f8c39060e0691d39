"""One battery of checks over every estimator: the contract scikit-learn's users rely on."""

import inspect

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_regression

import nashai.ml as ml
from nashai.ml.base import NotFittedError, clone

CLASSIFIERS = [
    ml.LogisticRegression,
    ml.SGDClassifier,
    ml.KNeighborsClassifier,
    ml.GaussianNB,
    ml.MultinomialNB,
    ml.BernoulliNB,
    ml.SVC,
    ml.LinearSVC,
    ml.DecisionTreeClassifier,
    ml.RandomForestClassifier,
    ml.GradientBoostingClassifier,
]
REGRESSORS = [
    ml.LinearRegression,
    ml.Ridge,
    ml.Lasso,
    ml.ElasticNet,
    ml.SGDRegressor,
    ml.KNeighborsRegressor,
    ml.DecisionTreeRegressor,
    ml.RandomForestRegressor,
    ml.GradientBoostingRegressor,
]
UNSUPERVISED = [
    ml.KMeans,
    ml.GaussianMixture,
    ml.PCA,
    ml.FastICA,
    ml.StandardScaler,
    ml.MinMaxScaler,
]
ALL = CLASSIFIERS + REGRESSORS + UNSUPERVISED

# Small settings so the battery stays fast; everything else is the default.
FAST = {"n_estimators": 5, "max_iter": 50, "n_clusters": 3, "n_components": 2}


def make(cls):
    params = inspect.signature(cls.__init__).parameters
    estimator = cls(**{k: v for k, v in FAST.items() if k in params})
    if "random_state" in params:
        estimator.set_params(random_state=0)
    return estimator


@pytest.fixture(scope="module")
def data():
    X, y = load_iris(return_X_y=True)
    Xr, yr = make_regression(120, 4, noise=0.1, random_state=0)
    return {"classifier": (X, y), "regressor": (Xr, yr), "unsupervised": (X, None)}


def kind(cls):
    if cls in CLASSIFIERS:
        return "classifier"
    return "regressor" if cls in REGRESSORS else "unsupervised"


def output(estimator, X):
    method = "predict" if hasattr(estimator, "predict") else "transform"
    return getattr(estimator, method)(X)


def name(cls):
    return cls.__name__


@pytest.mark.parametrize("cls", ALL, ids=name)
def test_init_only_stores_its_arguments(cls):
    estimator = cls()
    signature = inspect.signature(cls.__init__).parameters
    params = estimator.get_params()
    assert set(params) == {k for k in signature if k != "self"}
    for key, parameter in signature.items():
        if key != "self":
            assert params[key] is parameter.default or params[key] == parameter.default
    assert repr(estimator) == f"{cls.__name__}()"


@pytest.mark.parametrize("cls", ALL, ids=name)
def test_set_params_and_clone_round_trip(cls):
    estimator = make(cls)
    copy = clone(estimator)
    assert copy is not estimator
    assert copy.get_params() == estimator.get_params()
    with pytest.raises(
        ValueError, match=f"Invalid parameter 'no_such_thing' for estimator {name(cls)}"
    ):
        estimator.set_params(no_such_thing=1)


@pytest.mark.parametrize("cls", ALL, ids=name)
def test_using_an_unfitted_estimator_raises_not_fitted(cls, data):
    X, _ = data[kind(cls)]
    with pytest.raises(NotFittedError, match=f"This {name(cls)} instance is not fitted yet"):
        output(make(cls), X)


@pytest.mark.parametrize("cls", ALL, ids=name)
def test_fit_returns_self_and_is_reproducible(cls, data):
    X, y = data[kind(cls)]
    first = make(cls)
    assert first.fit(X, y) is first
    assert first.n_features_in_ == X.shape[1]
    second = make(cls).fit(X, y)
    np.testing.assert_array_equal(output(first, X), output(second, X))
    fitted_clone = clone(first)
    assert not any(k.endswith("_") and not k.startswith("_") for k in vars(fitted_clone))


@pytest.mark.parametrize("cls", ALL, ids=name)
def test_a_different_number_of_features_is_refused(cls, data):
    X, y = data[kind(cls)]
    estimator = make(cls).fit(X, y)
    with pytest.raises(ValueError, match=f"X has 2 features, but {name(cls)} is expecting"):
        output(estimator, X[:, :2])


@pytest.mark.parametrize("cls", ALL, ids=name)
def test_bad_input_is_refused_at_the_door(cls, data):
    X, y = data[kind(cls)]
    with pytest.raises(ValueError, match="NaN or infinity"):
        make(cls).fit(np.where(X > X.mean(), np.nan, X), y)
    with pytest.raises(ValueError, match="2-D"):
        make(cls).fit(X[:, 0], y)
    if y is not None:
        with pytest.raises(ValueError, match="different numbers of samples"):
            make(cls).fit(X, y[:-1])


@pytest.mark.parametrize("cls", CLASSIFIERS, ids=name)
def test_classifiers_keep_their_labels(cls, data):
    X, y = data["classifier"]
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    estimator = make(cls).fit(X, names)
    np.testing.assert_array_equal(estimator.classes_, np.unique(names))
    assert set(estimator.predict(X)) <= set(names)
    integer_labels = make(cls).fit(X, y)
    assert estimator.score(X, names) == integer_labels.score(X, y)


def test_clone_unfits_the_estimators_inside_a_pipeline(data):
    X, y = data["classifier"]
    pipeline = ml.make_pipeline(ml.StandardScaler(), ml.LogisticRegression()).fit(X, y)
    copy = clone(pipeline)
    assert copy.get_params()["logisticregression__C"] == 1.0
    with pytest.raises(NotFittedError):
        copy.predict(X)
