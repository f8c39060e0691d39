"""nashai.ml.pipeline: the same predictions as sklearn's Pipeline, and the estimator contract."""

import numpy as np
import pytest
from sklearn import pipeline as skpipe
from sklearn.datasets import load_breast_cancer
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.preprocessing import StandardScaler as SkStandardScaler

from nashai.ml.base import clone
from nashai.ml.pipeline import Pipeline, make_pipeline
from nashai.ml.preprocessing import MinMaxScaler, PolynomialFeatures, StandardScaler

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = X[::2], X[1::2], y[::2], y[1::2]


def classifier_pipeline(C=1.0):
    return Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(C=C))])


def test_pipeline_predicts_like_sklearn_pipeline():
    ours = classifier_pipeline().fit(X_train, y_train)
    theirs = skpipe.Pipeline([("scale", SkStandardScaler()), ("clf", LogisticRegression())]).fit(
        X_train, y_train
    )
    np.testing.assert_array_equal(ours.predict(X_test), theirs.predict(X_test))
    np.testing.assert_allclose(ours.predict_proba(X_test), theirs.predict_proba(X_test), atol=1e-8)
    np.testing.assert_allclose(
        ours.decision_function(X_test), theirs.decision_function(X_test), atol=1e-6
    )
    assert ours.score(X_test, y_test) == theirs.score(X_test, y_test)
    np.testing.assert_array_equal(ours.classes_, [0, 1])
    assert ours.n_features_in_ == 30


def test_transform_and_inverse_transform_chain_every_step():
    pipe = Pipeline([("scale", StandardScaler()), ("range", MinMaxScaler((-1, 1)))])
    Z = pipe.fit_transform(X_train)
    manual = MinMaxScaler((-1, 1)).fit_transform(StandardScaler().fit_transform(X_train))
    np.testing.assert_allclose(Z, manual, rtol=1e-12)
    np.testing.assert_allclose(pipe.transform(X_train), Z, rtol=1e-12)
    np.testing.assert_allclose(pipe.inverse_transform(Z), X_train, rtol=1e-10, atol=1e-12)


def test_passthrough_steps_are_skipped():
    pipe = Pipeline([("scale", "passthrough"), ("reg", Ridge())]).fit(X_train, y_train)
    np.testing.assert_allclose(
        pipe.predict(X_test), Ridge().fit(X_train, y_train).predict(X_test), rtol=1e-12
    )
    Z = Pipeline([("scale", StandardScaler()), ("last", "passthrough")]).fit_transform(X_train)
    np.testing.assert_allclose(Z, StandardScaler().fit_transform(X_train), rtol=1e-12)


def test_methods_exist_only_when_the_final_step_has_them():
    regression = Pipeline([("scale", StandardScaler()), ("reg", Ridge())])
    assert hasattr(regression, "predict")
    assert not hasattr(regression, "predict_proba")
    assert not hasattr(regression, "transform")
    with pytest.raises(AttributeError, match="predict_proba"):
        regression.predict_proba(X)
    assert hasattr(Pipeline([("a", StandardScaler()), ("b", PCA())]), "transform")


def test_fit_params_are_routed_to_their_step():
    weights = np.where(y_train == 1, 3.0, 1.0)
    pipe = classifier_pipeline().fit(X_train, y_train, clf__sample_weight=weights)
    direct = LogisticRegression().fit(
        StandardScaler().fit_transform(X_train), y_train, sample_weight=weights
    )
    np.testing.assert_allclose(pipe.named_steps.clf.coef_, direct.coef_, rtol=1e-10)
    with pytest.raises(ValueError, match="<step>__<parameter>"):
        classifier_pipeline().fit(X_train, y_train, sample_weight=weights)


def test_get_params_and_set_params_reach_the_steps():
    pipe = classifier_pipeline()
    params = pipe.get_params()
    assert params["clf__C"] == 1.0
    assert params["scale__with_mean"] is True
    assert params["clf"] is pipe.named_steps["clf"]
    assert set(pipe.get_params(deep=False)) == {"steps"}
    pipe.set_params(clf__C=0.1, scale__with_std=False)
    assert pipe.named_steps.clf.C == 0.1 and pipe["scale"].with_std is False
    pipe.set_params(scale=MinMaxScaler())
    assert isinstance(pipe[0], MinMaxScaler)
    with pytest.raises(ValueError, match="Invalid parameter 'nope'"):
        pipe.set_params(nope=1)
    with pytest.raises(ValueError, match="no step named 'nope'"):
        pipe.set_params(nope__C=1)


def test_clone_gives_an_independent_pipeline_with_the_same_params():
    pipe = classifier_pipeline(C=0.5).fit(X_train, y_train)
    copy = clone(pipe)
    assert copy.get_params()["clf__C"] == 0.5
    assert copy.named_steps.clf is not pipe.named_steps.clf
    copy.set_params(clf__C=2.0)
    assert pipe.named_steps.clf.C == 0.5


def test_indexing_and_slicing():
    pipe = Pipeline(
        [("poly", PolynomialFeatures(2)), ("scale", StandardScaler()), ("reg", Ridge())]
    )
    assert len(pipe) == 3
    assert isinstance(pipe[1], StandardScaler) and pipe["reg"] is pipe[-1]
    head = pipe[:2]
    assert isinstance(head, Pipeline) and [n for n, _ in head.steps] == ["poly", "scale"]
    pipe.fit(X_train[:, :5], y_train)
    np.testing.assert_allclose(
        pipe[:-1].transform(X_test[:, :5]),
        pipe["scale"].transform(pipe["poly"].transform(X_test[:, :5])),
    )


def test_make_pipeline_names_steps_after_their_classes():
    pipe = make_pipeline(StandardScaler(), MinMaxScaler(), StandardScaler(), Ridge())
    names = [name for name, _ in pipe.steps]
    assert names == ["standardscaler-1", "minmaxscaler", "standardscaler-2", "ridge"]
    assert names == [
        name
        for name, _ in skpipe.make_pipeline(
            SkStandardScaler(), MinMaxScaler(), SkStandardScaler(), Ridge()
        ).steps
    ]


@pytest.mark.parametrize(
    ("steps", "error", "match"),
    [
        ([], ValueError, "non-empty"),
        ([("a", StandardScaler()), ("a", Ridge())], ValueError, "unique"),
        ([("a__b", StandardScaler()), ("c", Ridge())], ValueError, "__"),
        ([("reg", Ridge()), ("scale", StandardScaler())], TypeError, "intermediate"),
        ([("scale", StandardScaler()), ("x", 3)], TypeError, "last step"),
        ([StandardScaler(), Ridge()], ValueError, r"\(name, estimator\)"),
    ],
)
def test_bad_steps_are_refused_at_fit(steps, error, match):
    with pytest.raises(error, match=match):
        Pipeline(steps).fit(X_train, y_train)
