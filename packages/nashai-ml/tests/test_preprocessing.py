"""nashai.ml.preprocessing against sklearn.preprocessing on the same data."""

import numpy as np
import pytest
from sklearn import preprocessing as skp

from nashai.ml.base import NotFittedError, clone
from nashai.ml.preprocessing import (
    LabelEncoder,
    MinMaxScaler,
    OneHotEncoder,
    PolynomialFeatures,
    StandardScaler,
)

TOL = dict(rtol=1e-12, atol=1e-12)

rng = np.random.default_rng(0)
X = rng.standard_normal((60, 5)) * [1, 10, 0.01, 100, 3] + [0, 5, -2, 1e3, 0]
X[:, 4] = 7.0  # a constant feature
X_NEW = rng.standard_normal((10, 5)) * 5
WEIGHTS = rng.random(60) * 2


# -- StandardScaler --------------------------------------------------------------------------


@pytest.mark.parametrize("with_mean", [True, False])
@pytest.mark.parametrize("with_std", [True, False])
@pytest.mark.parametrize("weights", [None, WEIGHTS])
def test_standard_scaler_matches_sklearn(with_mean, with_std, weights):
    ours = StandardScaler(with_mean=with_mean, with_std=with_std).fit(X, sample_weight=weights)
    theirs = skp.StandardScaler(with_mean=with_mean, with_std=with_std).fit(
        X, sample_weight=weights
    )
    for name in ("mean_", "var_", "scale_"):
        a, b = getattr(ours, name), getattr(theirs, name)
        assert (a is None) == (b is None), name
        if a is not None:
            np.testing.assert_allclose(a, b, **TOL)
    np.testing.assert_allclose(ours.transform(X_NEW), theirs.transform(X_NEW), **TOL)
    np.testing.assert_allclose(
        ours.inverse_transform(X_NEW), theirs.inverse_transform(X_NEW), rtol=1e-12, atol=1e-9
    )
    np.testing.assert_allclose(ours.n_samples_seen_, theirs.n_samples_seen_, **TOL)


def test_standard_scaler_standardises_and_keeps_constant_features():
    Z = StandardScaler().fit_transform(X)
    np.testing.assert_allclose(Z[:, :4].mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z[:, :4].std(axis=0), 1, rtol=1e-12)
    assert np.all(Z[:, 4] == 0)  # scale_ is 1 for the constant column, not 0


def test_standard_scaler_does_not_modify_its_input():
    X_copy = X.copy()
    StandardScaler().fit(X_copy).transform(X_copy)
    np.testing.assert_array_equal(X_copy, X)


# -- MinMaxScaler ----------------------------------------------------------------------------


@pytest.mark.parametrize("feature_range", [(0, 1), (-1, 1), (2.5, 10)])
@pytest.mark.parametrize("clip", [False, True])
def test_minmax_scaler_matches_sklearn(feature_range, clip):
    ours = MinMaxScaler(feature_range, clip=clip).fit(X)
    theirs = skp.MinMaxScaler(feature_range=feature_range, clip=clip).fit(X)
    for name in ("data_min_", "data_max_", "data_range_", "scale_", "min_"):
        np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), **TOL)
    np.testing.assert_allclose(ours.transform(X_NEW), theirs.transform(X_NEW), **TOL)
    np.testing.assert_allclose(
        ours.inverse_transform(X_NEW), theirs.inverse_transform(X_NEW), rtol=1e-12, atol=1e-9
    )


def test_minmax_scaler_rejects_an_empty_range():
    with pytest.raises(ValueError, match="must be smaller than maximum"):
        MinMaxScaler((1, 0)).fit(X)


# -- shared contract of the scalers -----------------------------------------------------------


@pytest.mark.parametrize("make", [StandardScaler, MinMaxScaler, PolynomialFeatures])
def test_transformers_validate_at_the_door(make):
    with pytest.raises(NotFittedError):
        make().transform(X)
    fitted = make().fit(X)
    with pytest.raises(ValueError, match=r"X has 3 features, but \w+ is expecting 5"):
        fitted.transform(X[:, :3])
    with pytest.raises(ValueError, match="2-D"):
        make().fit(X[:, 0])
    with pytest.raises(ValueError, match="NaN"):
        make().fit(np.where(X > 1e3, np.nan, X))


@pytest.mark.parametrize(
    "estimator",
    [
        StandardScaler(with_mean=False),
        MinMaxScaler((-1, 1)),
        OneHotEncoder(drop="first"),
        PolynomialFeatures(3, include_bias=False),
    ],
)
def test_params_round_trip_through_clone(estimator):
    copy = clone(estimator)
    assert copy.get_params() == estimator.get_params()
    assert repr(copy) == repr(estimator)


# -- OneHotEncoder ---------------------------------------------------------------------------


CATS = np.array(
    [["red", "S", 1], ["green", "M", 3], ["blue", "L", 1], ["green", "S", 2], ["red", "XL", 3]],
    dtype=object,
)
CATS_NEW = np.array([["blue", "M", 2], ["red", "L", 1]], dtype=object)
INTS = np.array([[3, 10], [1, 20], [3, 30], [2, 10]])
WITH_NAN = np.array([[1.0, 0.5], [np.nan, 0.5], [2.0, 1.5], [np.nan, 0.5]])  # NaN: a category


@pytest.mark.parametrize("data", [CATS, INTS, INTS.astype(float), WITH_NAN])
@pytest.mark.parametrize("drop", [None, "first"])
def test_one_hot_matches_sklearn(data, drop):
    ours = OneHotEncoder(drop=drop).fit(data)
    theirs = skp.OneHotEncoder(drop=drop, sparse_output=False).fit(data)
    for a, b in zip(ours.categories_, theirs.categories_, strict=True):
        np.testing.assert_array_equal(a, b)
    Z = ours.transform(data)
    np.testing.assert_array_equal(Z, theirs.transform(data))
    assert Z.dtype == np.float64
    np.testing.assert_array_equal(ours.get_feature_names_out(), theirs.get_feature_names_out())
    np.testing.assert_array_equal(ours.inverse_transform(Z), theirs.inverse_transform(Z))
    np.testing.assert_array_equal(ours.inverse_transform(Z), data)


@pytest.mark.filterwarnings("ignore:Found unknown categories")  # sklearn's, with drop='first'
@pytest.mark.parametrize("drop", [None, "first"])
def test_one_hot_ignore_unknown_matches_sklearn(drop):
    unseen = np.array([["purple", "M", 2], ["red", "XXL", 9]], dtype=object)
    ours = OneHotEncoder(handle_unknown="ignore", drop=drop).fit(CATS)
    theirs = skp.OneHotEncoder(handle_unknown="ignore", drop=drop, sparse_output=False).fit(CATS)
    Z = ours.transform(unseen)
    np.testing.assert_array_equal(Z, theirs.transform(unseen))
    np.testing.assert_array_equal(ours.inverse_transform(Z), theirs.inverse_transform(Z))


def test_one_hot_given_categories_and_input_feature_names():
    categories = [["red", "green", "blue", "black"], ["S", "M", "L", "XL"], [1, 2, 3]]
    ours = OneHotEncoder(categories=categories).fit(CATS)
    theirs = skp.OneHotEncoder(categories=categories, sparse_output=False).fit(CATS)
    np.testing.assert_array_equal(ours.transform(CATS_NEW), theirs.transform(CATS_NEW))
    names = ["colour", "size", "n"]
    np.testing.assert_array_equal(
        ours.get_feature_names_out(names), theirs.get_feature_names_out(names)
    )


def test_one_hot_errors():
    with pytest.raises(ValueError, match=r"Found unknown categories \['purple'\] in column 0"):
        OneHotEncoder().fit(CATS).transform([["purple", "S", 1]])
    with pytest.raises(ValueError, match="sparse_output=True is not supported"):
        OneHotEncoder(sparse_output=True).fit(CATS)
    with pytest.raises(ValueError, match="handle_unknown"):
        OneHotEncoder(handle_unknown="warn").fit(CATS)
    with pytest.raises(ValueError, match="X has 2 features, but OneHotEncoder is expecting 3"):
        OneHotEncoder().fit(CATS).transform(CATS[:, :2])
    with pytest.raises(ValueError, match="uniformly strings or numbers"):
        OneHotEncoder().fit(np.array([["a"], [1]], dtype=object))
    with pytest.raises(ValueError, match="unsorted categories"):
        OneHotEncoder(categories=[[3, 1, 2], [10, 20, 30]]).fit(INTS)


# -- LabelEncoder ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "y", [np.array(["b", "a", "c", "a"]), np.array([10, -1, 10, 3]), np.array([2.5, 1.0, 2.5])]
)
def test_label_encoder_matches_sklearn(y):
    ours, theirs = LabelEncoder().fit(y), skp.LabelEncoder().fit(y)
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    np.testing.assert_array_equal(ours.transform(y), theirs.transform(y))
    np.testing.assert_array_equal(ours.fit_transform(y), theirs.fit_transform(y))
    codes = np.arange(len(ours.classes_))
    np.testing.assert_array_equal(ours.inverse_transform(codes), theirs.inverse_transform(codes))


def test_label_encoder_refuses_unseen_labels():
    encoder = LabelEncoder().fit(["x", "y"])
    with pytest.raises(ValueError, match=r"previously unseen labels: \['z'\]"):
        encoder.transform(["x", "z"])
    with pytest.raises(ValueError, match="previously unseen labels"):
        encoder.inverse_transform([0, 2])


# -- PolynomialFeatures ----------------------------------------------------------------------


@pytest.mark.parametrize("degree", [0, 1, 2, 3, (2, 3), (0, 2), (1, 1)])
@pytest.mark.parametrize("interaction_only", [False, True])
@pytest.mark.parametrize("include_bias", [True, False])
def test_polynomial_features_match_sklearn(degree, interaction_only, include_bias):
    if degree in (0, (0, 0)) and not include_bias:
        with pytest.raises(ValueError, match="no output features"):
            PolynomialFeatures(degree, include_bias=False).fit(X)
        return
    kwargs = dict(interaction_only=interaction_only, include_bias=include_bias)
    ours = PolynomialFeatures(degree, **kwargs).fit(X[:, :4])
    theirs = skp.PolynomialFeatures(degree, **kwargs).fit(X[:, :4])
    np.testing.assert_array_equal(ours.powers_, theirs.powers_)
    assert ours.n_output_features_ == theirs.n_output_features_
    np.testing.assert_allclose(ours.transform(X_NEW[:, :4]), theirs.transform(X_NEW[:, :4]), **TOL)
    np.testing.assert_array_equal(ours.get_feature_names_out(), theirs.get_feature_names_out())
    names = ["a", "b", "c", "d"]
    np.testing.assert_array_equal(
        ours.get_feature_names_out(names), theirs.get_feature_names_out(names)
    )


def test_polynomial_features_rejects_bad_degree():
    for degree in (-1, (3, 2), 2.5, "2"):
        with pytest.raises(ValueError, match="degree"):
            PolynomialFeatures(degree).fit(X)
