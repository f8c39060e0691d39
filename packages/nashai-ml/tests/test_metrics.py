"""nashai.ml.metrics against sklearn.metrics, to 1e-12, on the same inputs."""

import warnings

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.datasets import load_iris, make_blobs

from nashai.ml import metrics

TOL = dict(rtol=1e-12, atol=1e-12, equal_nan=True)


def close(ours, theirs):
    np.testing.assert_allclose(
        np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float), **TOL
    )


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


rng = np.random.default_rng(0)
N = 200
Y_BIN = rng.integers(0, 2, N)
P_BIN = np.where(rng.random(N) < 0.8, Y_BIN, 1 - Y_BIN)
Y_MULTI = rng.integers(0, 4, N)
P_MULTI = np.where(rng.random(N) < 0.6, Y_MULTI, rng.integers(0, 4, N))
P_MISSING = np.where(P_MULTI == 3, 2, P_MULTI)  # class 3 never predicted: 0/0 precision
NAMES = np.array(["ant", "bird", "cat"])
Y_STR, P_STR = NAMES[Y_MULTI % 3], NAMES[P_MULTI % 3]
WEIGHTS = rng.random(N) * 3
INT_WEIGHTS = rng.integers(0, 4, N)

LABEL_CASES = {
    "binary": (Y_BIN, P_BIN),
    "multiclass": (Y_MULTI, P_MULTI),
    "missing-prediction": (Y_MULTI, P_MISSING),
    "strings": (Y_STR, P_STR),
}


# -- accuracy, confusion matrix -------------------------------------------------------------


@pytest.mark.parametrize("case", LABEL_CASES)
@pytest.mark.parametrize("weights", [None, WEIGHTS])
@pytest.mark.parametrize("normalize", [True, False])
def test_accuracy_matches_sklearn(case, weights, normalize):
    y, p = LABEL_CASES[case]
    ours = metrics.accuracy_score(y, p, normalize=normalize, sample_weight=weights)
    close(ours, skm.accuracy_score(y, p, normalize=normalize, sample_weight=weights))


@pytest.mark.parametrize("case", LABEL_CASES)
@pytest.mark.parametrize("weights", [None, WEIGHTS, INT_WEIGHTS])
@pytest.mark.parametrize("normalize", [None, "true", "pred", "all"])
def test_confusion_matrix_matches_sklearn(case, weights, normalize):
    y, p = LABEL_CASES[case]
    ours = metrics.confusion_matrix(y, p, sample_weight=weights, normalize=normalize)
    theirs = skm.confusion_matrix(y, p, sample_weight=weights, normalize=normalize)
    assert ours.dtype == theirs.dtype
    close(ours, theirs)


@pytest.mark.parametrize("labels", [[2, 0], [3, 1, 0, 7], [1]])
def test_confusion_matrix_labels_select_and_order(labels):
    ours = metrics.confusion_matrix(Y_MULTI, P_MULTI, labels=labels)
    theirs = quiet(skm.confusion_matrix, Y_MULTI, P_MULTI, labels=labels)
    np.testing.assert_array_equal(ours, theirs)


def test_confusion_matrix_normalize_with_empty_row_gives_zeros():
    ours = metrics.confusion_matrix([0, 0, 1], [0, 2, 1], labels=[0, 1, 2], normalize="true")
    theirs = skm.confusion_matrix([0, 0, 1], [0, 2, 1], labels=[0, 1, 2], normalize="true")
    close(ours, theirs)
    assert np.all(ours[2] == 0)


# -- precision, recall, F ------------------------------------------------------------------


AVERAGES = [None, "micro", "macro", "weighted"]


@pytest.mark.parametrize("case", LABEL_CASES)
@pytest.mark.parametrize("average", AVERAGES)
@pytest.mark.parametrize("weights", [None, WEIGHTS])
@pytest.mark.parametrize("beta", [1.0, 0.5, 2.0])
def test_precision_recall_fscore_support_matches_sklearn(case, average, weights, beta):
    y, p = LABEL_CASES[case]
    kwargs = dict(beta=beta, average=average, sample_weight=weights, zero_division=0)
    ours = metrics.precision_recall_fscore_support(y, p, **kwargs)
    theirs = skm.precision_recall_fscore_support(y, p, **kwargs)
    for a, b in zip(ours[:3], theirs[:3], strict=True):
        close(a, b)
    if average is None:
        close(ours[3], theirs[3])
    else:
        assert ours[3] is None and theirs[3] is None


@pytest.mark.parametrize("metric", ["precision_score", "recall_score", "f1_score"])
@pytest.mark.parametrize("average", ["binary", *AVERAGES])
@pytest.mark.parametrize("pos_label", [0, 1])
def test_binary_scores_match_sklearn(metric, average, pos_label):
    ours = getattr(metrics, metric)(Y_BIN, P_BIN, average=average, pos_label=pos_label)
    theirs = quiet(getattr(skm, metric), Y_BIN, P_BIN, average=average, pos_label=pos_label)
    close(ours, theirs)


@pytest.mark.parametrize("metric", ["precision_score", "recall_score", "f1_score"])
@pytest.mark.parametrize("average", AVERAGES)
@pytest.mark.parametrize("zero_division", [0, 1, np.nan])
def test_zero_division_matches_sklearn(metric, average, zero_division):
    ours = getattr(metrics, metric)(
        Y_MULTI, P_MISSING, average=average, zero_division=zero_division
    )
    theirs = getattr(skm, metric)(Y_MULTI, P_MISSING, average=average, zero_division=zero_division)
    close(ours, theirs)


def test_zero_division_warn_gives_zero_and_warns():
    with pytest.warns(UserWarning, match="ill-defined"):
        ours = metrics.precision_score(Y_MULTI, P_MISSING, average=None)
    assert ours[3] == 0.0


@pytest.mark.parametrize("labels", [[0, 2], [3, 1], [0, 1, 2, 3, 9]])
@pytest.mark.parametrize("average", AVERAGES)
def test_prf_with_labels_matches_sklearn(labels, average):
    kwargs = dict(labels=labels, average=average, zero_division=0)
    ours = metrics.precision_recall_fscore_support(Y_MULTI, P_MULTI, **kwargs)
    theirs = skm.precision_recall_fscore_support(Y_MULTI, P_MULTI, **kwargs)
    for a, b in zip(ours[:3], theirs[:3], strict=True):
        close(a, b)


def test_string_labels_with_pos_label():
    y, p = np.array(["spam", "ham", "spam", "ham"]), np.array(["spam", "spam", "spam", "ham"])
    close(metrics.f1_score(y, p, pos_label="spam"), skm.f1_score(y, p, pos_label="spam"))
    with pytest.raises(ValueError, match="pos_label=1 is not a valid label"):
        metrics.f1_score(y, p)


def test_binary_average_refuses_multiclass():
    with pytest.raises(ValueError, match="average='binary'"):
        metrics.f1_score(Y_MULTI, P_MULTI)


@pytest.mark.parametrize(
    ("y_true", "y_pred", "match"),
    [
        ([0, 1, 1], [0, 1], "Inconsistent numbers of samples"),
        ([[0, 1], [1, 0]], [0, 1], "y_true must be 1-D"),
        ([0.5, 1.0], [0, 1], "continuous"),
        ([], [], "empty"),
        (["a", "b"], [0, 1], "Mix of label input types"),
    ],
)
def test_classification_inputs_are_validated(y_true, y_pred, match):
    with pytest.raises(ValueError, match=match):
        metrics.accuracy_score(y_true, y_pred)


def test_sample_weight_is_validated():
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(3,\)"):
        metrics.accuracy_score([0, 1, 1], [0, 1, 0], sample_weight=[1, 2])


# -- ROC ----------------------------------------------------------------------------------


SCORES = np.round(rng.random(N) + 0.6 * Y_BIN, 1)  # rounded: many tied scores
ZERO_SOME = np.where(rng.random(N) < 0.2, 0.0, WEIGHTS)


@pytest.mark.parametrize("weights", [None, WEIGHTS, ZERO_SOME])
@pytest.mark.parametrize("drop_intermediate", [True, False])
def test_roc_curve_matches_sklearn(weights, drop_intermediate):
    ours = metrics.roc_curve(
        Y_BIN, SCORES, sample_weight=weights, drop_intermediate=drop_intermediate
    )
    theirs = skm.roc_curve(
        Y_BIN, SCORES, sample_weight=weights, drop_intermediate=drop_intermediate
    )
    for a, b in zip(ours, theirs, strict=True):
        assert a.shape == b.shape
        close(a, b)


def test_roc_curve_pos_label_and_label_checks():
    y = np.where(Y_BIN == 1, "yes", "no")
    for a, b in zip(
        metrics.roc_curve(y, SCORES, pos_label="yes"),
        skm.roc_curve(y, SCORES, pos_label="yes"),
        strict=True,
    ):
        close(a, b)
    with pytest.raises(ValueError, match="pos_label is not specified"):
        metrics.roc_curve(y, SCORES)


@pytest.mark.parametrize("weights", [None, WEIGHTS])
@pytest.mark.parametrize("max_fpr", [None, 0.3, 1.0])
def test_binary_roc_auc_matches_sklearn(weights, max_fpr):
    ours = metrics.roc_auc_score(Y_BIN, SCORES, sample_weight=weights, max_fpr=max_fpr)
    close(ours, skm.roc_auc_score(Y_BIN, SCORES, sample_weight=weights, max_fpr=max_fpr))


def test_binary_roc_auc_is_the_probability_of_ranking_a_positive_first():
    pos, neg = SCORES[Y_BIN == 1], SCORES[Y_BIN == 0]
    pairs = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    close(metrics.roc_auc_score(Y_BIN, SCORES), pairs.mean())


PROBA = rng.dirichlet(np.ones(4), N) + np.eye(4)[Y_MULTI] * 0.5
PROBA /= PROBA.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("average", ["macro", "weighted", "micro", None])
@pytest.mark.parametrize("weights", [None, WEIGHTS])
def test_multiclass_ovr_roc_auc_matches_sklearn(average, weights):
    ours = metrics.roc_auc_score(
        Y_MULTI, PROBA, multi_class="ovr", average=average, sample_weight=weights
    )
    theirs = skm.roc_auc_score(
        Y_MULTI, PROBA, multi_class="ovr", average=average, sample_weight=weights
    )
    close(ours, theirs)


def test_multiclass_roc_auc_with_labels_and_errors():
    y = np.where(Y_MULTI == 3, 2, Y_MULTI)  # class 3 absent from y_true
    with pytest.warns(UserWarning, match="Only one class"):  # class 3 vs the rest
        ours = metrics.roc_auc_score(y, PROBA, multi_class="ovr", labels=[0, 1, 2, 3])
    close(ours, quiet(skm.roc_auc_score, y, PROBA, multi_class="ovr", labels=[0, 1, 2, 3]))
    with pytest.raises(ValueError, match="multi_class must be 'ovr'"):
        metrics.roc_auc_score(Y_MULTI, PROBA)
    with pytest.raises(ValueError, match="probabilities"):
        metrics.roc_auc_score(Y_MULTI, PROBA * 2, multi_class="ovr")


def test_roc_auc_single_class_is_nan_with_warning():
    with pytest.warns(UserWarning, match="Only one class"):
        assert np.isnan(metrics.roc_auc_score([1, 1, 1], [0.2, 0.5, 0.9]))


# -- log loss -----------------------------------------------------------------------------


@pytest.mark.parametrize("weights", [None, WEIGHTS])
@pytest.mark.parametrize("normalize", [True, False])
def test_log_loss_matches_sklearn(weights, normalize):
    kwargs = dict(sample_weight=weights, normalize=normalize)
    close(metrics.log_loss(Y_MULTI, PROBA, **kwargs), skm.log_loss(Y_MULTI, PROBA, **kwargs))
    p1 = np.clip(SCORES / SCORES.max(), 0, 1)  # 1-D probability of the positive class, with 0s
    close(metrics.log_loss(Y_BIN, p1, **kwargs), skm.log_loss(Y_BIN, p1, **kwargs))


def test_log_loss_with_labels_and_strings():
    y = Y_STR
    proba = PROBA[:, :3] / PROBA[:, :3].sum(axis=1, keepdims=True)
    close(metrics.log_loss(y, proba), skm.log_loss(y, proba))
    y2 = np.where(y == "cat", "bird", y)
    close(metrics.log_loss(y2, proba, labels=NAMES), skm.log_loss(y2, proba, labels=NAMES))
    with pytest.raises(ValueError, match="only one label"):
        metrics.log_loss([1, 1], [[0.5, 0.5], [0.5, 0.5]])
    with pytest.raises(ValueError, match="greater than 1"):
        metrics.log_loss([0, 1], [0.5, 1.5])


# -- regression ---------------------------------------------------------------------------


Y_REG = rng.standard_normal((N, 3)) * [1, 5, 0.1]
P_REG = Y_REG + rng.standard_normal((N, 3)) * [0.3, 1, 0.2]
MULTIOUTPUT = ["raw_values", "uniform_average", [0.2, 0.5, 0.3]]


REGRESSION_CASES = [
    (name, multioutput)
    for name in ["mean_squared_error", "mean_absolute_error", "r2_score"]
    for multioutput in MULTIOUTPUT + (["variance_weighted"] if name == "r2_score" else [])
]


@pytest.mark.parametrize(("name", "multioutput"), REGRESSION_CASES)
@pytest.mark.parametrize("weights", [None, WEIGHTS])
def test_regression_metrics_match_sklearn(name, weights, multioutput):
    kwargs = dict(sample_weight=weights, multioutput=multioutput)
    close(
        getattr(metrics, name)(Y_REG, P_REG, **kwargs), getattr(skm, name)(Y_REG, P_REG, **kwargs)
    )
    close(
        getattr(metrics, name)(Y_REG[:, 0], P_REG[:, 0], sample_weight=weights),
        getattr(skm, name)(Y_REG[:, 0], P_REG[:, 0], sample_weight=weights),
    )


@pytest.mark.parametrize("force_finite", [True, False])
def test_r2_with_constant_target(force_finite):
    y = np.column_stack([np.ones(5), np.arange(5.0), np.ones(5)])
    p = np.column_stack([np.ones(5), np.arange(5.0) + 0.5, np.arange(5.0)])
    kwargs = dict(multioutput="raw_values", force_finite=force_finite)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        close(metrics.r2_score(y, p, **kwargs), skm.r2_score(y, p, **kwargs))


def test_regression_inputs_are_validated():
    with pytest.raises(ValueError, match="different numbers of outputs"):
        metrics.mean_squared_error(np.zeros((3, 2)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="NaN"):
        metrics.r2_score([1.0, np.nan], [1.0, 2.0])
    with pytest.raises(ValueError, match="multioutput"):
        metrics.mean_absolute_error([1.0, 2.0], [1.0, 2.0], multioutput="sum")


# -- clustering ---------------------------------------------------------------------------


BLOB_X, BLOB_Y = make_blobs(300, n_features=5, centers=4, random_state=0)


@pytest.mark.parametrize("metric", ["euclidean", "sqeuclidean", "cosine"])
def test_silhouette_matches_sklearn(metric):
    close(
        metrics.silhouette_score(BLOB_X, BLOB_Y, metric=metric),
        skm.silhouette_score(BLOB_X, BLOB_Y, metric=metric),
    )
    labels = (BLOB_Y + (np.arange(300) % 7 == 0)) % 4  # a noisier labelling
    close(
        metrics.silhouette_samples(BLOB_X, labels, metric=metric),
        skm.silhouette_samples(BLOB_X, labels, metric=metric),
    )


def test_silhouette_on_iris_and_precomputed():
    X, y = load_iris(return_X_y=True)
    np.testing.assert_allclose(
        metrics.silhouette_score(X, y), skm.silhouette_score(X, y), rtol=1e-10
    )
    D = skm.pairwise_distances(BLOB_X)
    close(
        metrics.silhouette_score(D, BLOB_Y, metric="precomputed"),
        skm.silhouette_score(D, BLOB_Y, metric="precomputed"),
    )


def test_silhouette_singleton_cluster_scores_zero_and_subsample():
    labels = BLOB_Y.copy()
    labels[0] = 9  # a cluster of one
    ours = metrics.silhouette_samples(BLOB_X, labels)
    assert ours[0] == 0.0
    close(ours, skm.silhouette_samples(BLOB_X, labels))
    subset = np.random.default_rng(3).permutation(300)[:100]
    close(
        metrics.silhouette_score(BLOB_X, BLOB_Y, sample_size=100, random_state=3),
        skm.silhouette_score(BLOB_X[subset], BLOB_Y[subset]),
    )


def test_silhouette_needs_two_to_n_minus_one_clusters():
    with pytest.raises(ValueError, match="Number of labels is 1"):
        metrics.silhouette_score(BLOB_X, np.zeros(300))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (BLOB_Y, (BLOB_Y + (np.arange(300) % 5 == 0)) % 4),
        (rng.integers(0, 5, 500), rng.integers(0, 3, 500)),
        (BLOB_Y, 3 - BLOB_Y),  # the same partition renamed: 1
        (np.zeros(10), np.arange(10)),
        (NAMES[Y_MULTI % 3], Y_MULTI),
    ],
)
def test_adjusted_rand_score_matches_sklearn(a, b):
    close(metrics.adjusted_rand_score(a, b), skm.adjusted_rand_score(a, b))


def test_adjusted_rand_score_large_n_does_not_overflow():
    a = np.random.default_rng(1).integers(0, 3, 200_000)
    b = np.where(np.random.default_rng(2).random(200_000) < 0.9, a, 0)
    close(metrics.adjusted_rand_score(a, b), skm.adjusted_rand_score(a, b))
