"""nashai.ml.model_selection against sklearn.model_selection: same folds, same scores."""

import numpy as np
import pytest
from sklearn import model_selection as skms
from sklearn.datasets import load_breast_cancer, load_iris, make_regression
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import mean_absolute_error
from sklearn.tree import DecisionTreeClassifier

from nashai.ml.base import BaseEstimator, ClassifierMixin, NotFittedError, check_X_y
from nashai.ml.model_selection import (
    FitFailedWarning,
    GridSearchCV,
    KFold,
    ParameterGrid,
    StratifiedKFold,
    check_cv,
    cross_val_score,
    cross_validate,
    learning_curve,
    train_test_split,
)
from nashai.ml.pipeline import Pipeline
from nashai.ml.preprocessing import StandardScaler

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
X_BC, Y_BC = load_breast_cancer(return_X_y=True)
X_BC_SCALED = (X_BC - X_BC.mean(axis=0)) / X_BC.std(axis=0)
X_REG, Y_REG = make_regression(120, 6, noise=5.0, random_state=0)


class NearestCentroid(ClassifierMixin, BaseEstimator):
    """A deterministic classifier on nashai's base classes: predicts the closest class mean."""

    def __init__(self, shrink: float = 0.0):
        self.shrink = shrink

    def fit(self, X, y):
        X, y = check_X_y(X, y, estimator=self)
        if self.shrink < 0:
            raise ValueError("shrink must be >= 0")
        self.classes_ = np.unique(y)
        means = np.array([X[y == c].mean(axis=0) for c in self.classes_])
        self.centroids_ = (1 - self.shrink) * means + self.shrink * X.mean(axis=0)
        return self

    def predict(self, X):
        d = ((np.asarray(X)[:, None, :] - self.centroids_[None]) ** 2).sum(axis=2)
        return self.classes_[d.argmin(axis=1)]


def as_lists(splits):
    return [(train.tolist(), test.tolist()) for train, test in splits]


# -- train_test_split --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("test_size", "train_size"),
    [
        (None, None),
        (0.3, None),
        (None, 0.6),
        (0.2, 0.5),
        (7, None),
        (None, 50),
        (10, 20),
        (0.33, 40),
    ],
)
@pytest.mark.parametrize("n", [97, 150])
def test_split_sizes_match_sklearn(n, test_size, train_size):
    X = np.arange(2 * n).reshape(n, 2)
    ours = train_test_split(X, test_size=test_size, train_size=train_size, random_state=0)
    theirs = skms.train_test_split(X, test_size=test_size, train_size=train_size, random_state=0)
    assert [a.shape for a in ours] == [a.shape for a in theirs]
    assert len(np.intersect1d(ours[0][:, 0], ours[1][:, 0])) == 0  # disjoint


def test_unshuffled_split_equals_sklearn_and_lists_stay_lists():
    labels = list("abcdefghij")
    ours = train_test_split(X_IRIS[:10], labels, test_size=0.3, shuffle=False)
    theirs = skms.train_test_split(X_IRIS[:10], labels, test_size=0.3, shuffle=False)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, b)
    assert isinstance(ours[2], list) and ours[3] == ["h", "i", "j"]


def test_split_keeps_rows_together_and_is_reproducible():
    first = train_test_split(X_IRIS, Y_IRIS, random_state=5)
    again = train_test_split(X_IRIS, Y_IRIS, random_state=5)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    X_train, _, y_train, _ = first
    rows = {tuple(r): t for r, t in zip(X_IRIS.tolist(), Y_IRIS, strict=True)}
    assert all(rows[tuple(r)] == t for r, t in zip(X_train.tolist(), y_train, strict=True))


@pytest.mark.parametrize("test_size", [0.25, 0.1, 33])
def test_stratified_split_keeps_class_proportions_like_sklearn(test_size):
    y = np.repeat([0, 1, 2], [100, 37, 13])
    X = np.arange(150)[:, None]
    _, _, y_tr, y_te = train_test_split(X, y, test_size=test_size, stratify=y, random_state=0)
    _, _, sk_tr, sk_te = skms.train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=0
    )
    assert (len(y_tr), len(y_te)) == (len(sk_tr), len(sk_te))
    # Per-class counts: the same up to the random tie-breaking of rounding (at most 1 apart).
    assert np.abs(np.bincount(y_te) - np.bincount(sk_te)).max() <= 1
    assert np.abs(np.bincount(y_tr) - np.bincount(sk_tr)).max() <= 1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(test_size=1.5), "test_size=1.5 should be"),
        (dict(test_size=150), "test_size=150 should be"),
        (dict(test_size=0.6, train_size=0.6), "sum of test_size and train_size"),
        (dict(test_size=100, train_size=60), "should be smaller than the number of samples"),
        (dict(shuffle=False, stratify=Y_IRIS), "shuffle=False"),
        (dict(stratify=np.arange(150)), "least populated class"),
    ],
)
def test_split_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        train_test_split(X_IRIS, **kwargs)


def test_split_refuses_arrays_of_different_lengths():
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples: \[150, 10\]"):
        train_test_split(X_IRIS, Y_IRIS[:10])


# -- KFold, StratifiedKFold ---------------------------------------------------------------------


@pytest.mark.parametrize("n_samples", [10, 11, 150])
@pytest.mark.parametrize("n_splits", [2, 3, 5])
def test_kfold_equals_sklearn(n_samples, n_splits):
    X = np.zeros((n_samples, 1))
    ours = as_lists(KFold(n_splits).split(X))
    assert ours == as_lists(skms.KFold(n_splits).split(X))
    shuffled = list(KFold(n_splits, shuffle=True, random_state=0).split(X))
    assert [len(t) for _, t in shuffled] == [len(t) for _, t in ours]
    np.testing.assert_array_equal(
        np.sort(np.concatenate([t for _, t in shuffled])), np.arange(n_samples)
    )
    assert as_lists(shuffled) == as_lists(KFold(n_splits, shuffle=True, random_state=0).split(X))


LABELINGS = {
    "iris": Y_IRIS,
    "imbalanced": np.repeat([2, 0, 1], [50, 13, 7]),
    "interleaved": np.array([1, 0, 2, 1, 1, 0, 2, 2, 1, 0, 0, 1, 2, 1, 1, 1, 0, 2]),
    "strings": np.array(list("bababbaabbbaaabbbbab")),
}


@pytest.mark.parametrize("labeling", LABELINGS)
@pytest.mark.parametrize("n_splits", [2, 3])
def test_stratified_kfold_equals_sklearn(labeling, n_splits):
    y = LABELINGS[labeling]
    X = np.zeros((len(y), 1))
    assert as_lists(StratifiedKFold(n_splits).split(X, y)) == as_lists(
        skms.StratifiedKFold(n_splits).split(X, y)
    )
    # Shuffling moves members between folds within a class, not the per-fold class counts.
    ours = StratifiedKFold(n_splits, shuffle=True, random_state=1).split(X, y)
    theirs = skms.StratifiedKFold(n_splits, shuffle=True, random_state=1).split(X, y)
    for (_, a), (_, b) in zip(ours, theirs, strict=True):
        assert sorted(y[a].tolist()) == sorted(y[b].tolist())


def test_splitter_errors():
    with pytest.raises(ValueError, match="n_splits=2 or more"):
        KFold(1)
    with pytest.raises(ValueError, match="random_state has no effect"):
        KFold(3, random_state=0)
    with pytest.raises(ValueError, match="greater than the number of samples"):
        list(KFold(5).split(np.zeros((3, 1))))
    with pytest.raises(ValueError, match="cannot be greater than the number of members"):
        list(StratifiedKFold(5).split(np.zeros((6, 1)), [0, 0, 0, 1, 1, 1]))
    with pytest.raises(ValueError, match="continuous"):
        list(StratifiedKFold(2).split(np.zeros((4, 1)), [0.5, 1.5, 0.5, 1.5]))
    with pytest.warns(UserWarning, match="least populated class"):
        list(StratifiedKFold(3).split(np.zeros((7, 1)), [0, 0, 0, 0, 0, 1, 1]))


def test_check_cv_picks_stratified_folds_for_classifiers():
    assert isinstance(check_cv(3, Y_IRIS, classifier=True), StratifiedKFold)
    assert isinstance(check_cv(3, Y_REG, classifier=True), KFold)
    assert isinstance(check_cv(None, Y_IRIS), KFold) and check_cv(None).n_splits == 5


# -- cross-validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("estimator", "X", "y", "scoring"),
    [
        (LogisticRegression(max_iter=500), X_IRIS, Y_IRIS, None),
        (LogisticRegression(max_iter=500), X_IRIS, Y_IRIS, "accuracy"),
        (LogisticRegression(), X_BC_SCALED, Y_BC, "roc_auc"),
        (LogisticRegression(), X_BC_SCALED, Y_BC, "neg_log_loss"),
        (LogisticRegression(max_iter=500), X_IRIS, Y_IRIS, "f1_macro"),
        (Ridge(alpha=2.0), X_REG, Y_REG, None),
        (Ridge(alpha=2.0), X_REG, Y_REG, "r2"),
        (Ridge(alpha=2.0), X_REG, Y_REG, "neg_mean_squared_error"),
        (Ridge(alpha=2.0), X_REG, Y_REG, "neg_mean_absolute_error"),
    ],
)
def test_cross_val_score_equals_sklearn(estimator, X, y, scoring):
    ours = cross_val_score(
        estimator, X, y, scoring=scoring, cv=KFold(4, shuffle=True, random_state=0)
    )
    splits = list(KFold(4, shuffle=True, random_state=0).split(X))
    theirs = skms.cross_val_score(estimator, X, y, scoring=scoring, cv=splits)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_cross_val_score_with_a_callable_scorer_and_fit_params():
    def neg_mae(estimator, X, y):
        return -mean_absolute_error(y, estimator.predict(X))

    weights = np.linspace(0.5, 2, len(Y_REG))
    ours = cross_val_score(
        Ridge(), X_REG, Y_REG, scoring=neg_mae, cv=3, params={"sample_weight": weights}
    )
    theirs = skms.cross_val_score(
        Ridge(), X_REG, Y_REG, scoring=neg_mae, cv=3, params={"sample_weight": weights}
    )
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_cross_val_score_stratifies_for_a_nashai_classifier():
    y = Y_IRIS  # sorted by class: unstratified folds would each miss classes
    ours = cross_val_score(NearestCentroid(), X_IRIS, y, cv=5)
    expected = [
        NearestCentroid().fit(X_IRIS[tr], y[tr]).score(X_IRIS[te], y[te])
        for tr, te in skms.StratifiedKFold(5).split(X_IRIS, y)
    ]
    np.testing.assert_allclose(ours, expected, rtol=1e-12)


def test_cross_validate_reports_times_and_train_scores():
    result = cross_validate(Ridge(), X_REG, Y_REG, cv=3, return_train_score=True)
    assert set(result) == {"test_score", "train_score", "fit_time", "score_time"}
    assert all(v.shape == (3,) for v in result.values())
    assert np.all(result["train_score"] >= result["test_score"] - 0.05)


def test_failed_fits_score_error_score_with_a_warning():
    X = X_IRIS.copy()
    X[0, 0] = np.nan  # in the training sets of folds 1 and 2 only
    with pytest.warns(FitFailedWarning, match="2 fits failed out of a total of 3"):
        scores = cross_val_score(NearestCentroid(), X, Y_IRIS, cv=KFold(3), error_score=-1.0)
    assert scores[0] >= 0 and scores[1:].tolist() == [-1.0, -1.0]
    with pytest.raises(ValueError, match="All the 3 fits failed"):
        cross_val_score(NearestCentroid(shrink=-1), X_IRIS, Y_IRIS, cv=3)
    with pytest.raises(ValueError, match="shrink must be >= 0"):
        cross_val_score(NearestCentroid(shrink=-1), X_IRIS, Y_IRIS, cv=3, error_score="raise")


# -- GridSearchCV ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("estimator", "grid", "X", "y", "scoring"),
    [
        (
            Ridge(),
            {"alpha": [0.01, 1.0, 100.0], "fit_intercept": [True, False]},
            X_REG,
            Y_REG,
            None,
        ),
        (
            LogisticRegression(max_iter=1000),
            [{"C": [0.01, 1.0]}, {"C": [10.0], "fit_intercept": [False]}],
            X_IRIS,
            Y_IRIS,
            "accuracy",
        ),
        (DecisionTreeClassifier(random_state=0), {"max_depth": [1, 2, 3, None]}, X_BC, Y_BC, "f1"),
    ],
)
def test_grid_search_equals_sklearn(estimator, grid, X, y, scoring):
    ours = GridSearchCV(estimator, grid, scoring=scoring, cv=KFold(3)).fit(X, y)
    theirs = skms.GridSearchCV(estimator, grid, scoring=scoring, cv=skms.KFold(3)).fit(X, y)
    assert ours.cv_results_["params"] == theirs.cv_results_["params"]
    for key in ("mean_test_score", "std_test_score", "split0_test_score", "split2_test_score"):
        np.testing.assert_allclose(ours.cv_results_[key], theirs.cv_results_[key], rtol=1e-12)
    np.testing.assert_array_equal(
        ours.cv_results_["rank_test_score"], theirs.cv_results_["rank_test_score"]
    )
    assert ours.best_params_ == theirs.best_params_
    assert ours.best_index_ == theirs.best_index_
    np.testing.assert_allclose(ours.best_score_, theirs.best_score_, rtol=1e-12)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-12)
    np.testing.assert_allclose(ours.score(X, y), theirs.score(X, y), rtol=1e-12)


def test_grid_search_tunes_a_pipeline_by_step_parameters():
    pipe = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=1000))])
    search = GridSearchCV(pipe, {"clf__C": [0.001, 0.1, 10.0]}, cv=3).fit(X_BC, Y_BC)
    assert search.best_params_ == {"clf__C": 0.1}
    assert search.best_estimator_.named_steps.clf.C == 0.1
    assert pipe.named_steps.clf.C == 1.0  # the estimator passed in is left untouched
    mask = search.cv_results_["param_clf__C"]
    assert list(mask) == [0.001, 0.1, 10.0]
    np.testing.assert_array_equal(search.classes_, [0, 1])
    assert search.predict_proba(X_BC[:3]).shape == (3, 2)


def test_grid_search_without_refit_and_with_a_callable_refit():
    search = GridSearchCV(Ridge(), {"alpha": [0.1, 10.0]}, refit=False, cv=3).fit(X_REG, Y_REG)
    assert search.best_params_ in ({"alpha": 0.1}, {"alpha": 10.0})
    with pytest.raises(AttributeError, match="refit=False"):
        search.predict(X_REG)

    def simplest(cv_results):
        return int(np.argmax([p["alpha"] for p in cv_results["params"]]))

    search = GridSearchCV(Ridge(), {"alpha": [0.1, 10.0]}, refit=simplest, cv=3).fit(X_REG, Y_REG)
    assert search.best_params_ == {"alpha": 10.0}
    assert search.best_estimator_.alpha == 10.0


def test_grid_search_records_train_scores_and_masks_missing_params():
    grid = [{"alpha": [1.0]}, {"alpha": [2.0], "fit_intercept": [False]}]
    search = GridSearchCV(Ridge(), grid, cv=3, return_train_score=True).fit(X_REG, Y_REG)
    results = search.cv_results_
    assert results["mean_train_score"].shape == (2,)
    assert results["param_fit_intercept"].mask.tolist() == [True, False]


def test_grid_search_errors():
    with pytest.raises(NotFittedError):
        GridSearchCV(Ridge(), {"alpha": [1.0]}).predict(X_REG)
    with pytest.raises(ValueError, match="invalid parameter 'beta'"):
        GridSearchCV(Ridge(), {"beta": [1.0]}).fit(X_REG, Y_REG)
    with pytest.raises(TypeError, match="needs to be a list"):
        GridSearchCV(Ridge(), {"alpha": 1.0}).fit(X_REG, Y_REG)
    with pytest.raises(ValueError, match="not a valid scoring"):
        GridSearchCV(Ridge(), {"alpha": [1.0]}, scoring="accuracy_score").fit(X_REG, Y_REG)


def test_grid_search_scores_failing_candidates_as_nan():
    search = GridSearchCV(NearestCentroid(), {"shrink": [-1.0, 0.0, 0.5]}, cv=3)
    with pytest.warns(FitFailedWarning, match="3 fits failed out of a total of 9"):
        search.fit(X_IRIS, Y_IRIS)
    assert np.isnan(search.cv_results_["mean_test_score"][0])
    assert search.cv_results_["rank_test_score"][0] == 3


def test_parameter_grid_order_and_length_match_sklearn():
    grid = [{"b": [1, 2], "a": ["x", "y", "z"]}, {"c": [None]}]
    assert list(ParameterGrid(grid)) == list(skms.ParameterGrid(grid))
    assert len(ParameterGrid(grid)) == len(skms.ParameterGrid(grid)) == 7


# -- learning_curve --------------------------------------------------------------------------


@pytest.mark.parametrize("train_sizes", [(0.1, 0.325, 0.55, 0.775, 1.0), [10, 30, 60]])
def test_learning_curve_equals_sklearn(train_sizes):
    estimator = LogisticRegression(max_iter=500)
    order = np.random.default_rng(0).permutation(150)
    X, y = X_IRIS[order], Y_IRIS[order]
    ours = learning_curve(estimator, X, y, cv=StratifiedKFold(3), train_sizes=train_sizes)
    theirs = skms.learning_curve(
        estimator, X, y, cv=skms.StratifiedKFold(3), train_sizes=train_sizes
    )
    np.testing.assert_array_equal(ours[0], theirs[0])
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12)
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-12)


def test_learning_curve_times_shuffle_and_size_errors():
    sizes, train, test, fit_times, score_times = learning_curve(
        Ridge(),
        X_REG,
        Y_REG,
        cv=3,
        train_sizes=[0.5, 1.0],
        shuffle=True,
        random_state=0,
        return_times=True,
    )
    assert sizes.tolist() == [40, 80]
    assert train.shape == test.shape == fit_times.shape == score_times.shape == (2, 3)
    with pytest.raises(ValueError, match=r"within \(0, 1\]"):
        learning_curve(Ridge(), X_REG, Y_REG, train_sizes=[0.0, 0.5])
    with pytest.raises(ValueError, match=r"within \(0, 96\]"):
        learning_curve(Ridge(), X_REG, Y_REG, train_sizes=[10, 500])


def test_grid_search_can_swap_a_pipeline_step_and_tune_it():
    from nashai.ml.linear_model import LogisticRegression as NashaiLogisticRegression
    from nashai.ml.svm import SVC

    X, y = load_iris(return_X_y=True)
    pipeline = Pipeline([("scale", StandardScaler()), ("clf", NashaiLogisticRegression())])
    grid = [{"clf": [SVC()], "clf__gamma": [0.1, 1.0]}, {"clf__C": [0.1, 1.0]}]
    search = GridSearchCV(pipeline, grid, cv=3).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_score_ > 0.9
