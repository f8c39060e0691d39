"""Metrics: how good a classifier, a regressor or a clustering is (scikit-learn's names and rules).

Classification (labels y, predictions ŷ, optional sample weights w, all shape (n_samples,)):

    accuracy         Σ wᵢ [yᵢ = ŷᵢ] / Σ wᵢ
    precision        tp / (tp + fp)          recall  tp / (tp + fn)
    F-beta           (1 + β²) tp / ((1 + β²) tp + β² fn + fp)
    confusion matrix C[i, j] = Σ w over samples of true class i predicted as class j
    ROC AUC          area under the curve of (false positive rate, true positive rate) as the
                     threshold on the score falls (trapezoidal rule)
    log loss         −(1/Σw) Σᵢ wᵢ Σ_c [yᵢ = c] log pᵢ_c

Regression: mean squared / absolute error and R² = 1 − Σ w (y − ŷ)² / Σ w (y − ȳ_w)².
Clustering: the silhouette coefficient and the adjusted Rand index.

Reference: Manning, Raghavan & Schütze, Introduction to Information Retrieval (2008), ch. 8;
Fawcett (2006), "An introduction to ROC analysis"; Rousseeuw (1987), "Silhouettes";
Hubert & Arabie (1985), "Comparing partitions".
"""

from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt

from nashai.ml.base import check_array, check_random_state
from nashai.ml.preprocessing import _encode

# ---------------------------------------------------------------------------------------------
# Validation shared by the metrics
# ---------------------------------------------------------------------------------------------


def _column(y, name: str) -> np.ndarray:
    """y as a 1-D array; a single column (n, 1) is accepted and flattened."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D (n_samples,), got an array of shape {y.shape}")
    if y.shape[0] == 0:
        raise ValueError(f"{name} is empty: at least one sample is needed")
    return y


def _check_same_length(**arrays: np.ndarray | None) -> None:
    lengths = {name: a.shape[0] for name, a in arrays.items() if a is not None}
    if len(set(lengths.values())) > 1:
        found = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise ValueError(f"Inconsistent numbers of samples: {found}")


def _check_sample_weight(sample_weight, n_samples: int) -> np.ndarray | None:
    """None, or a finite 1-D array of length n_samples (integer weights keep their dtype)."""
    if sample_weight is None:
        return None
    sample_weight = np.asarray(sample_weight)
    if sample_weight.dtype.kind not in "biuf":
        raise ValueError(f"sample_weight must be numeric, got dtype {sample_weight.dtype}")
    if sample_weight.ndim != 1 or sample_weight.shape[0] != n_samples:
        raise ValueError(f"sample_weight must have shape ({n_samples},), got {sample_weight.shape}")
    if not np.all(np.isfinite(sample_weight)):
        raise ValueError("sample_weight contains NaN or infinity")
    return sample_weight


def _check_labels(y, name: str) -> np.ndarray:
    """Class labels: numbers that are whole, or strings; continuous values are refused."""
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)):
            raise ValueError(f"{name} contains NaN or infinity")
        if np.any(y != np.round(y)):
            raise ValueError(
                f"Classification metrics need class labels, but {name} contains continuous "
                f"values such as {y[y != np.round(y)][0]!r}"
            )
    elif y.dtype.kind not in "biuUSO":
        raise ValueError(f"{name} must hold class labels, got dtype {y.dtype}")
    return y


def _check_classification(y_true, y_pred, sample_weight):
    """Validate a pair of label vectors. Returns (y_true, y_pred, sorted labels, sample_weight)."""
    y_true = _check_labels(_column(y_true, "y_true"), "y_true")
    y_pred = _check_labels(_column(y_pred, "y_pred"), "y_pred")
    _check_same_length(y_true=y_true, y_pred=y_pred)
    if (y_true.dtype.kind in "US") != (y_pred.dtype.kind in "US"):
        raise ValueError(
            "Mix of label input types (string and number): "
            f"y_true has dtype {y_true.dtype}, y_pred has dtype {y_pred.dtype}"
        )
    try:
        labels = np.union1d(y_true, y_pred)
    except TypeError as err:
        raise ValueError(f"Labels must be all strings or all numbers: {err}") from None
    return y_true, y_pred, labels, _check_sample_weight(sample_weight, y_true.shape[0])


def _weighted_sum(values: np.ndarray, sample_weight: np.ndarray | None) -> float:
    return float(values.sum() if sample_weight is None else values @ sample_weight)


def _zero_division_value(zero_division) -> float:
    if isinstance(zero_division, str) and zero_division == "warn":
        return 0.0
    if isinstance(zero_division, (int, float, np.floating)) and (
        np.isnan(zero_division) or zero_division in (0, 1)
    ):
        return float(zero_division)
    raise ValueError(f"zero_division must be 'warn', 0, 1 or np.nan, got {zero_division!r}")


def _divide(numerator, denominator, zero_division, what: str) -> np.ndarray:
    """numerator / denominator elementwise; where the denominator is 0, the zero_division value."""
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    zero = denominator == 0
    result = numerator / np.where(zero, 1.0, denominator)
    if np.any(zero):
        result[zero] = _zero_division_value(zero_division)
        if isinstance(zero_division, str):
            warnings.warn(
                f"{what}: set to 0.0; use zero_division to control this behaviour.",
                UserWarning,
                stacklevel=3,
            )
    return result


# ---------------------------------------------------------------------------------------------
# Classification
# ---------------------------------------------------------------------------------------------


def accuracy_score(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    normalize: bool = True,
    sample_weight: npt.ArrayLike | None = None,
) -> float:
    """Fraction (or, with `normalize=False`, weighted count) of correct predictions.

    accuracy = Σᵢ wᵢ [yᵢ = ŷᵢ] / Σᵢ wᵢ.  y_true, y_pred, sample_weight: (n_samples,).
    """
    y_true, y_pred, _, sample_weight = _check_classification(y_true, y_pred, sample_weight)
    correct = (y_true == y_pred).astype(np.float64)
    total = _weighted_sum(correct, sample_weight)
    if not normalize:
        return total
    weight = y_true.shape[0] if sample_weight is None else float(sample_weight.sum())
    return total / weight


def confusion_matrix(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    labels: npt.ArrayLike | None = None,
    sample_weight: npt.ArrayLike | None = None,
    normalize: str | None = None,
) -> np.ndarray:
    """C[i, j] = Σ w over the samples of true class labels[i] predicted as labels[j].

    labels: the classes, in the order of the rows and columns (default: the sorted union of
    y_true and y_pred); samples whose true or predicted class is not in labels are left out.
    normalize: None (counts), 'true' (rows sum to 1), 'pred' (columns sum to 1) or 'all'.
    Returns (n_classes, n_classes): int64 counts when the weights are integers (or absent),
    float64 otherwise or when normalised.
    """
    if normalize not in (None, "true", "pred", "all"):
        raise ValueError(f"normalize must be None, 'true', 'pred' or 'all', got {normalize!r}")
    y_true, y_pred, present, sample_weight = _check_classification(y_true, y_pred, sample_weight)
    if labels is None:
        labels = present
    else:
        labels = np.asarray(labels)
        if labels.ndim != 1 or labels.shape[0] == 0:
            raise ValueError(f"labels must be a non-empty 1-D list, got shape {labels.shape}")
        if np.unique(labels).shape[0] != labels.shape[0]:
            raise ValueError(f"labels must be unique, got {labels.tolist()}")
        if not np.any(np.isin(y_true, labels)):
            raise ValueError("At least one label specified must be in y_true")
    n_labels = labels.shape[0]
    true_index, pred_index = _encode(y_true, labels), _encode(y_pred, labels)
    keep = (true_index >= 0) & (pred_index >= 0)
    if sample_weight is None:
        weights, dtype = None, np.int64
    else:
        weights = sample_weight[keep]
        dtype = np.int64 if sample_weight.dtype.kind in "biu" else np.float64
    cells = true_index[keep] * n_labels + pred_index[keep]
    cm = np.bincount(cells, weights=weights, minlength=n_labels * n_labels)
    cm = cm.reshape(n_labels, n_labels).astype(dtype)
    if normalize is None:
        return cm
    axis = {"true": 1, "pred": 0, "all": None}[normalize]
    total = cm.sum(axis=axis, keepdims=axis is not None)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.nan_to_num(cm / total)


def _binary_or_set_labels(labels_present, average, labels, pos_label):
    """The labels precision/recall are computed for, following scikit-learn's rules."""
    if average not in ("binary", "micro", "macro", "weighted", None):
        raise ValueError(
            f"average must be 'binary', 'micro', 'macro', 'weighted' or None, got {average!r}"
        )
    if average != "binary":
        return labels
    if labels_present.shape[0] > 2:
        raise ValueError(
            f"Target is multiclass ({labels_present.shape[0]} labels) but average='binary'. "
            "Choose another average setting: one of None, 'micro', 'macro', 'weighted'."
        )
    if pos_label not in labels_present.tolist() and labels_present.shape[0] == 2:
        raise ValueError(
            f"pos_label={pos_label!r} is not a valid label. It should be one of "
            f"{labels_present.tolist()}"
        )
    return np.asarray([pos_label])


def precision_recall_fscore_support(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    beta: float = 1.0,
    labels: npt.ArrayLike | None = None,
    pos_label: int | float | str = 1,
    average: str | None = None,
    sample_weight: npt.ArrayLike | None = None,
    zero_division: str | float = "warn",
) -> tuple:
    """Precision, recall, F-beta and support for each class, or averaged over the classes.

    Per class c (weighted counts): tp = Σ w [y = c, ŷ = c], predicted = Σ w [ŷ = c],
    true = Σ w [y = c]:

        precision = tp / predicted,   recall = tp / true,
        F_β = (1 + β²) tp / (β² true + predicted).

    average: None (one value per label), 'binary' (only pos_label; needs at most two labels),
    'micro' (pool tp, predicted, true over labels), 'macro' (unweighted mean over labels, NaN
    values ignored) or 'weighted' (mean weighted by support). A 0/0 ratio is replaced by
    zero_division ('warn' means 0 with a warning, or 0, 1, np.nan).
    Returns (precision, recall, fbeta, support): arrays of shape (n_labels,) when average is
    None, else three floats and None.
    """
    if not (isinstance(beta, (int, float, np.number)) and beta >= 0):
        raise ValueError(f"beta must be a number >= 0, got {beta!r}")
    _zero_division_value(zero_division)
    y_true, y_pred, present, sample_weight = _check_classification(y_true, y_pred, sample_weight)
    labels = _binary_or_set_labels(present, average, labels, pos_label)
    if labels is None:
        labels = present
    else:
        labels = np.asarray(labels)
        if labels.ndim != 1 or labels.shape[0] == 0:
            raise ValueError(f"labels must be a non-empty 1-D list, got shape {labels.shape}")

    weights = np.ones(y_true.shape[0]) if sample_weight is None else sample_weight
    true_index, pred_index = _encode(y_true, labels), _encode(y_pred, labels)
    n_labels = labels.shape[0]
    hit = (true_index == pred_index) & (true_index >= 0)
    tp = np.bincount(true_index[hit], weights=weights[hit], minlength=n_labels)
    true_sum = np.bincount(
        true_index[true_index >= 0], weights=weights[true_index >= 0], minlength=n_labels
    )
    pred_sum = np.bincount(
        pred_index[pred_index >= 0], weights=weights[pred_index >= 0], minlength=n_labels
    )
    if average == "micro":  # pool the counts of all the labels
        tp, true_sum, pred_sum = (np.sum(a, keepdims=True) for a in (tp, true_sum, pred_sum))

    precision = _divide(
        tp, pred_sum, zero_division, "Precision is ill-defined for labels with no predicted samples"
    )
    recall = _divide(
        tp, true_sum, zero_division, "Recall is ill-defined for labels with no true samples"
    )
    if np.isposinf(beta):
        f_score = recall
    elif beta == 0:
        f_score = precision
    else:
        beta2 = beta**2
        f_score = _divide(
            (1 + beta2) * tp,
            beta2 * true_sum + pred_sum,
            zero_division,
            "F-score is ill-defined for labels with neither true nor predicted samples",
        )

    if average is None:
        support = true_sum if sample_weight is not None else true_sum.astype(np.int64)
        return precision, recall, f_score, support
    class_weights = true_sum if average == "weighted" else None
    return (
        _nan_average(precision, class_weights),
        _nan_average(recall, class_weights),
        _nan_average(f_score, class_weights),
        None,
    )


def _nan_average(values: np.ndarray, weights: np.ndarray | None) -> float:
    """Mean of the non-NaN values (weighted if weights are given and do not all vanish)."""
    keep = ~np.isnan(values)
    if not np.any(keep):
        return float("nan")
    if weights is None or weights[keep].sum() == 0:
        return float(values[keep].mean())
    return float(np.average(values[keep], weights=weights[keep]))


def precision_score(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    labels: npt.ArrayLike | None = None,
    pos_label: int | float | str = 1,
    average: str | None = "binary",
    sample_weight: npt.ArrayLike | None = None,
    zero_division: str | float = "warn",
):
    """Precision tp / (tp + fp); see precision_recall_fscore_support for the arguments."""
    precision, _, _, _ = precision_recall_fscore_support(
        y_true,
        y_pred,
        labels=labels,
        pos_label=pos_label,
        average=average,
        sample_weight=sample_weight,
        zero_division=zero_division,
    )
    return precision


def recall_score(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    labels: npt.ArrayLike | None = None,
    pos_label: int | float | str = 1,
    average: str | None = "binary",
    sample_weight: npt.ArrayLike | None = None,
    zero_division: str | float = "warn",
):
    """Recall tp / (tp + fn); see precision_recall_fscore_support for the arguments."""
    _, recall, _, _ = precision_recall_fscore_support(
        y_true,
        y_pred,
        labels=labels,
        pos_label=pos_label,
        average=average,
        sample_weight=sample_weight,
        zero_division=zero_division,
    )
    return recall


def f1_score(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    labels: npt.ArrayLike | None = None,
    pos_label: int | float | str = 1,
    average: str | None = "binary",
    sample_weight: npt.ArrayLike | None = None,
    zero_division: str | float = "warn",
):
    """F1 = 2 tp / (2 tp + fp + fn), the harmonic mean of precision and recall.

    See precision_recall_fscore_support for the arguments.
    """
    _, _, f1, _ = precision_recall_fscore_support(
        y_true,
        y_pred,
        beta=1.0,
        labels=labels,
        pos_label=pos_label,
        average=average,
        sample_weight=sample_weight,
        zero_division=zero_division,
    )
    return f1


# ---------------------------------------------------------------------------------------------
# Scores and probabilities
# ---------------------------------------------------------------------------------------------


def _check_scores(y_score, name: str = "y_score") -> np.ndarray:
    y_score = check_array(y_score, name=name, ensure_2d=False)
    if y_score.ndim not in (1, 2):
        raise ValueError(f"{name} must be 1-D or 2-D, got an array of shape {y_score.shape}")
    return y_score


def _positive_label(y_true: np.ndarray, pos_label):
    """The positive class: pos_label if given, else 1 when the labels are {0, 1} or {-1, 1}."""
    if pos_label is not None:
        return pos_label
    classes = np.unique(y_true)
    if classes.dtype.kind in "biuf" and classes.tolist() in ([0, 1], [-1, 1], [0], [-1], [1]):
        return 1
    raise ValueError(
        f"y_true takes values in {classes.tolist()} and pos_label is not specified: "
        "either make y_true take values in {0, 1} or {-1, 1} or pass pos_label explicitly."
    )


def _cumulative_counts(y_true, y_score, pos_label, sample_weight):
    """Weighted false and true positive counts at each distinct threshold, scores descending.

    Returns (fps, tps, thresholds), each of shape (n_distinct_scores,): fps[k] and tps[k] count
    the negatives and positives with score >= thresholds[k].
    """
    y_true = _column(y_true, "y_true")
    y_score = _check_scores(y_score)
    if y_score.ndim != 1:
        raise ValueError(
            f"y_score must be 1-D for a binary problem, got shape {y_score.shape}; "
            "for predict_proba output pass the positive column, y_score[:, 1]"
        )
    sample_weight = _check_sample_weight(sample_weight, y_true.shape[0])
    _check_same_length(y_true=y_true, y_score=y_score)
    positive = (y_true == _positive_label(y_true, pos_label)).astype(np.float64)
    if sample_weight is not None:
        nonzero = sample_weight != 0  # zero-weight samples add no thresholds
        positive, y_score = positive[nonzero], y_score[nonzero]
        weight = sample_weight[nonzero].astype(np.float64)
    order = np.argsort(-y_score, kind="stable")
    y_score, positive = y_score[order], positive[order]
    last_of_each = np.append(np.flatnonzero(np.diff(y_score)), y_score.shape[0] - 1)
    if sample_weight is None:
        tps = np.cumsum(positive)[last_of_each]
        fps = 1 + last_of_each - tps
    else:
        weight = weight[order]
        tps = np.cumsum(positive * weight)[last_of_each]
        fps = np.cumsum((1 - positive) * weight)[last_of_each]
    return fps, tps, y_score[last_of_each]


def roc_curve(
    y_true: npt.ArrayLike,
    y_score: npt.ArrayLike,
    *,
    pos_label: int | float | str | None = None,
    sample_weight: npt.ArrayLike | None = None,
    drop_intermediate: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Receiver operating characteristic: (fpr, tpr, thresholds) as the threshold falls.

    A sample is predicted positive when its score >= threshold. At thresholds[k]:
    fpr[k] = FP / N and tpr[k] = TP / P (weighted counts). thresholds[0] = +inf (nothing
    predicted positive) so the curve starts at (0, 0). With `drop_intermediate`, points
    collinear with their neighbours (no change in the slope) are dropped.
    y_true, y_score: (n_samples,). Returns three arrays of shape (n_thresholds,).
    """
    fps, tps, thresholds = _cumulative_counts(y_true, y_score, pos_label, sample_weight)
    if drop_intermediate and fps.shape[0] > 2:
        corner = np.logical_or(np.diff(fps, 2), np.diff(tps, 2))
        keep = np.flatnonzero(np.concatenate([[True], corner, [True]]))
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    fps = np.concatenate([[0.0], fps])
    tps = np.concatenate([[0.0], tps])
    thresholds = np.concatenate([[np.inf], thresholds.astype(np.float64)])
    if fps[-1] <= 0:
        warnings.warn(
            "No negative samples in y_true: the false positive rate is undefined.",
            UserWarning,
            stacklevel=2,
        )
        fpr = np.full(fps.shape, np.nan)
    else:
        fpr = fps / fps[-1]
    if tps[-1] <= 0:
        warnings.warn(
            "No positive samples in y_true: the true positive rate is undefined.",
            UserWarning,
            stacklevel=2,
        )
        tpr = np.full(tps.shape, np.nan)
    else:
        tpr = tps / tps[-1]
    return fpr, tpr, thresholds


def _trapezoid(x: np.ndarray, y: np.ndarray) -> float:
    """∫ y dx by the trapezoidal rule; x is non-decreasing (an ROC curve's fpr)."""
    return float(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2))


def _binary_auc(positive, y_score, sample_weight, max_fpr) -> float:
    if np.unique(positive).shape[0] != 2:
        warnings.warn(
            "Only one class is present in y_true: ROC AUC is not defined, returning NaN.",
            UserWarning,
            stacklevel=3,
        )
        return float("nan")
    fpr, tpr, _ = roc_curve(positive, y_score, pos_label=1, sample_weight=sample_weight)
    if max_fpr is None or max_fpr == 1:
        return _trapezoid(fpr, tpr)
    # McClish (1989) standardised partial AUC over fpr in [0, max_fpr].
    stop = np.searchsorted(fpr, max_fpr, "right")
    tpr_at = np.interp(max_fpr, fpr[stop - 1 : stop + 1], tpr[stop - 1 : stop + 1])
    partial = _trapezoid(np.append(fpr[:stop], max_fpr), np.append(tpr[:stop], tpr_at))
    min_area, max_area = 0.5 * max_fpr**2, max_fpr
    return 0.5 * (1 + (partial - min_area) / (max_area - min_area))


def roc_auc_score(
    y_true: npt.ArrayLike,
    y_score: npt.ArrayLike,
    *,
    average: str | None = "macro",
    sample_weight: npt.ArrayLike | None = None,
    max_fpr: float | None = None,
    multi_class: str = "raise",
    labels: npt.ArrayLike | None = None,
) -> float | np.ndarray:
    """Area under the ROC curve: the probability that a random positive outranks a random negative.

    Binary: y_true (n_samples,) with two classes (the greater one is positive), y_score
    (n_samples,) the score of the positive class. `max_fpr` gives the McClish-standardised
    partial AUC over fpr in [0, max_fpr].
    Multiclass (multi_class='ovr'): y_score (n_samples, n_classes) probabilities whose rows
    sum to 1, columns in the order of the sorted classes (or `labels`); the AUC of each class
    against the rest, averaged by `average`: 'macro' (plain mean), 'weighted' (by prevalence),
    'micro' (one curve over all the pooled one-vs-rest decisions) or None (per class).
    Reference: Fawcett (2006), §7; Hand & Till (2001) for the multiclass extension.
    """
    y_true = _column(y_true, "y_true")
    y_score = _check_scores(y_score)
    _check_same_length(y_true=y_true, y_score=y_score)
    sample_weight = _check_sample_weight(sample_weight, y_true.shape[0])
    if max_fpr is not None and not 0 < max_fpr <= 1:
        raise ValueError(f"Expected max_fpr in range (0, 1], got: {max_fpr!r}")
    classes = np.unique(y_true)
    if classes.shape[0] <= 2 and (y_score.ndim == 1 or y_score.shape[1] <= 2):
        if y_score.ndim == 2 and y_score.shape[1] == 1:
            y_score = y_score.ravel()
        if y_score.ndim == 2:
            raise ValueError(
                f"y_score must be 1-D for binary y_true, got shape {y_score.shape}; "
                "pass the positive class column, y_score[:, 1]"
            )
        positive = (y_true == classes[-1]).astype(np.int64)
        return _binary_auc(positive, y_score, sample_weight, max_fpr)
    return _multiclass_auc(y_true, y_score, labels, multi_class, average, sample_weight, max_fpr)


def _multiclass_auc(y_true, y_score, labels, multi_class, average, sample_weight, max_fpr):
    if max_fpr is not None and max_fpr != 1:
        raise ValueError("Partial AUC (max_fpr) is not available for multiclass problems")
    if multi_class == "raise":
        raise ValueError("multi_class must be 'ovr' for a multiclass y_true (got 'raise')")
    if multi_class != "ovr":
        raise ValueError(f"multi_class={multi_class!r} is not supported; use 'ovr'")
    if average not in ("micro", "macro", "weighted", None):
        raise ValueError(f"average must be 'micro', 'macro', 'weighted' or None, got {average!r}")
    if y_score.ndim != 2:
        raise ValueError(
            "y_score must have shape (n_samples, n_classes) for a multiclass y_true, "
            f"got {y_score.shape}"
        )
    if not np.allclose(1, y_score.sum(axis=1)):
        raise ValueError(
            "Target scores need to be probabilities for multiclass roc_auc: each row of "
            "y_score must sum to 1"
        )
    if labels is None:
        classes = np.unique(y_true)
    else:
        classes = np.asarray(labels)
        if np.unique(classes).shape[0] != classes.shape[0]:
            raise ValueError("Parameter 'labels' must be unique")
        if not np.array_equal(np.sort(classes), classes):
            raise ValueError("Parameter 'labels' must be ordered")
        if not np.all(np.isin(y_true, classes)):
            raise ValueError("'y_true' contains labels not in parameter 'labels'")
    if classes.shape[0] != y_score.shape[1]:
        raise ValueError(
            f"Number of classes ({classes.shape[0]}) is not equal to the number of columns "
            f"in y_score ({y_score.shape[1]})"
        )
    onehot = (y_true[:, None] == classes[None, :]).astype(np.int64)  # (n, n_classes)
    if average == "micro":
        weight = None if sample_weight is None else np.repeat(sample_weight, classes.shape[0])
        return _binary_auc(onehot.ravel(), y_score.ravel(), weight, None)
    scores = np.array(
        [
            _binary_auc(onehot[:, c], y_score[:, c], sample_weight, None)
            for c in range(classes.shape[0])
        ]
    )
    if average is None:
        return scores
    if average == "macro":
        return float(np.mean(scores))
    prevalence = onehot.sum(axis=0) if sample_weight is None else sample_weight @ onehot
    scores[prevalence == 0] = 0
    return float(np.average(scores, weights=prevalence))


def log_loss(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    normalize: bool = True,
    sample_weight: npt.ArrayLike | None = None,
    labels: npt.ArrayLike | None = None,
) -> float:
    """Cross-entropy −(1/Σw) Σᵢ wᵢ log pᵢ,yᵢ of predicted probabilities.

    y_true (n_samples,); y_pred (n_samples, n_classes) probabilities with columns in the order
    of the sorted classes of y_true (or of `labels`), or (n_samples,) the probability of the
    greater class of a binary problem. Probabilities are clipped to [eps, 1 − eps] with eps
    the machine epsilon. normalize=False gives the weighted sum instead of the mean.
    """
    y_true = _column(y_true, "y_true")
    y_pred = check_array(y_pred, name="y_pred", ensure_2d=False)
    if y_pred.ndim == 1:
        y_pred = y_pred[:, None]
    if y_pred.ndim != 2:
        raise ValueError(f"y_pred must be 1-D or 2-D, got shape {y_pred.shape}")
    _check_same_length(y_true=y_true, y_pred=y_pred)
    sample_weight = _check_sample_weight(sample_weight, y_true.shape[0])
    if y_pred.max() > 1:
        raise ValueError(f"y_pred contains values greater than 1: {y_pred.max()}")
    if y_pred.min() < 0:
        raise ValueError(f"y_pred contains values lower than 0: {y_pred.min()}")
    if labels is None:
        classes = np.unique(y_true)
    else:
        classes = np.unique(labels)
        if not np.all(np.isin(y_true, classes)):
            raise ValueError(
                f"y_true contains values {sorted(set(y_true.tolist()) - set(classes.tolist()))} "
                f"not belonging to the passed labels {classes.tolist()}"
            )
    if classes.shape[0] < 2:
        raise ValueError(
            f"y_true contains only one label ({classes[0]!r}): pass the list of all expected "
            "class labels through the labels argument"
        )
    if y_pred.shape[1] == 1:
        y_pred = np.concatenate([1 - y_pred, y_pred], axis=1)
    eps = np.finfo(y_pred.dtype).eps
    if not np.allclose(y_pred.sum(axis=1), 1, rtol=np.sqrt(eps), atol=0):
        warnings.warn(
            "The y_pred values do not sum to one. Make sure to pass probabilities.",
            UserWarning,
            stacklevel=2,
        )
    if classes.shape[0] != y_pred.shape[1]:
        raise ValueError(
            f"y_true has {classes.shape[0]} classes but y_pred has {y_pred.shape[1]} columns; "
            f"classes found: {classes.tolist()} (pass all the classes through labels)"
        )
    y_pred = np.clip(y_pred, eps, 1 - eps)
    true_column = _encode(y_true, classes)
    loss = -np.log(y_pred[np.arange(y_true.shape[0]), true_column])
    if not normalize:
        return _weighted_sum(loss, sample_weight)
    return float(np.average(loss, weights=sample_weight))


# ---------------------------------------------------------------------------------------------
# Regression
# ---------------------------------------------------------------------------------------------


def _check_regression(y_true, y_pred, sample_weight, multioutput):
    """y_true, y_pred as (n_samples, n_outputs) float arrays of the same shape."""
    y_true = check_array(y_true, name="y_true", ensure_2d=False)
    y_pred = check_array(y_pred, name="y_pred", ensure_2d=False)
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.ndim not in (1, 2):
            raise ValueError(f"{name} must be 1-D or 2-D, got an array of shape {y.shape}")
    y_true = y_true.reshape(y_true.shape[0], -1)
    y_pred = y_pred.reshape(y_pred.shape[0], -1)
    _check_same_length(y_true=y_true, y_pred=y_pred)
    if y_true.shape[1] != y_pred.shape[1]:
        raise ValueError(
            f"y_true and y_pred have different numbers of outputs ({y_true.shape[1]} != "
            f"{y_pred.shape[1]})"
        )
    sample_weight = _check_sample_weight(sample_weight, y_true.shape[0])
    if isinstance(multioutput, str):
        if multioutput not in ("raw_values", "uniform_average", "variance_weighted"):
            raise ValueError(
                "multioutput must be 'raw_values', 'uniform_average', 'variance_weighted' or "
                f"an array of weights, got {multioutput!r}"
            )
    else:
        multioutput = np.asarray(multioutput, dtype=np.float64)
        if multioutput.shape != (y_true.shape[1],):
            raise ValueError(
                f"multioutput weights must have shape ({y_true.shape[1]},), got {multioutput.shape}"
            )
    return y_true, y_pred, sample_weight, multioutput


def _combine_outputs(errors: np.ndarray, multioutput) -> float | np.ndarray:
    if isinstance(multioutput, str):
        if multioutput == "raw_values":
            return errors
        return float(np.mean(errors))
    return float(np.average(errors, weights=multioutput))


def mean_squared_error(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    sample_weight: npt.ArrayLike | None = None,
    multioutput: str | npt.ArrayLike = "uniform_average",
) -> float | np.ndarray:
    """MSE = Σᵢ wᵢ (yᵢ − ŷᵢ)² / Σᵢ wᵢ, per output then combined by `multioutput`.

    y_true, y_pred: (n_samples,) or (n_samples, n_outputs). multioutput: 'uniform_average',
    'raw_values' (one value per output) or weights of shape (n_outputs,).
    """
    y_true, y_pred, sample_weight, multioutput = _check_regression(
        y_true, y_pred, sample_weight, multioutput
    )
    errors = np.average((y_true - y_pred) ** 2, axis=0, weights=sample_weight)
    return _combine_outputs(errors, multioutput)


def mean_absolute_error(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    sample_weight: npt.ArrayLike | None = None,
    multioutput: str | npt.ArrayLike = "uniform_average",
) -> float | np.ndarray:
    """MAE = Σᵢ wᵢ |yᵢ − ŷᵢ| / Σᵢ wᵢ, per output then combined by `multioutput`.

    Shapes as in mean_squared_error.
    """
    y_true, y_pred, sample_weight, multioutput = _check_regression(
        y_true, y_pred, sample_weight, multioutput
    )
    errors = np.average(np.abs(y_true - y_pred), axis=0, weights=sample_weight)
    return _combine_outputs(errors, multioutput)


def r2_score(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    sample_weight: npt.ArrayLike | None = None,
    multioutput: str | npt.ArrayLike = "uniform_average",
    force_finite: bool = True,
) -> float | np.ndarray:
    """Coefficient of determination R² = 1 − Σ w (y − ŷ)² / Σ w (y − ȳ_w)², per output.

    y_true, y_pred: (n_samples,) or (n_samples, n_outputs). With `force_finite`, a constant
    y_true gives 1.0 for a perfect prediction and 0.0 otherwise (instead of NaN / −inf).
    multioutput: 'uniform_average', 'raw_values', 'variance_weighted' (weights Σ w (y − ȳ)²)
    or weights of shape (n_outputs,). Fewer than two samples: NaN with a warning.
    """
    y_true, y_pred, sample_weight, multioutput = _check_regression(
        y_true, y_pred, sample_weight, multioutput
    )
    if y_true.shape[0] < 2:
        warnings.warn(
            "R² is not well-defined with fewer than two samples.", UserWarning, stacklevel=2
        )
        return float("nan")
    weight = 1.0 if sample_weight is None else sample_weight[:, None]
    residual = np.sum(weight * (y_true - y_pred) ** 2, axis=0)
    total = np.sum(
        weight * (y_true - np.average(y_true, axis=0, weights=sample_weight)) ** 2, axis=0
    )
    if force_finite:
        scores = np.ones(y_true.shape[1])
        valid = (total != 0) & (residual != 0)
        scores[valid] = 1 - residual[valid] / total[valid]
        scores[(residual != 0) & (total == 0)] = 0.0
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            scores = 1 - residual / total
    if isinstance(multioutput, str) and multioutput == "variance_weighted":
        return float(np.average(scores, weights=total if np.any(total != 0) else None))
    return _combine_outputs(scores, multioutput)


# ---------------------------------------------------------------------------------------------
# Clustering
# ---------------------------------------------------------------------------------------------

_SILHOUETTE_METRICS = ("euclidean", "sqeuclidean", "cosine", "precomputed")


def _distances(A: np.ndarray, B: np.ndarray, metric: str, B_sq: np.ndarray) -> np.ndarray:
    """Pairwise distances (n_A, n_B) from one matmul: ‖a − b‖² = ‖a‖² + ‖b‖² − 2 a·b."""
    if metric == "cosine":
        return np.clip(1 - A @ B.T, 0, 2)  # rows already normalised to unit length
    squared = -2 * (A @ B.T)
    squared += np.einsum("ij,ij->i", A, A)[:, None]
    squared += B_sq[None, :]
    np.maximum(squared, 0, out=squared)
    return squared if metric == "sqeuclidean" else np.sqrt(squared)


def silhouette_samples(
    X: npt.ArrayLike, labels: npt.ArrayLike, *, metric: str = "euclidean"
) -> np.ndarray:
    """Silhouette coefficient of each sample: s = (b − a) / max(a, b).

    a: mean distance to the other members of its own cluster; b: the smallest mean distance to
    the members of another cluster; s = 0 for a sample alone in its cluster (Rousseeuw 1987).
    X (n_samples, n_features), or (n_samples, n_samples) distances with metric='precomputed';
    labels (n_samples,). Distances are computed a block of rows at a time (one matmul each),
    and the per-cluster sums as that block times the one-hot matrix of the labels.
    Returns (n_samples,).
    """
    if metric not in _SILHOUETTE_METRICS:
        raise ValueError(f"metric must be one of {_SILHOUETTE_METRICS}, got {metric!r}")
    X = check_array(X)
    labels = _column(labels, "labels")
    _check_same_length(X=X, labels=labels)
    n_samples = X.shape[0]
    if metric == "precomputed":
        if X.shape != (n_samples, n_samples):
            raise ValueError(f"A precomputed distance matrix must be square, got {X.shape}")
        if np.any(np.diag(X) != 0):
            raise ValueError(
                "The precomputed distance matrix contains non-zero elements on the diagonal"
            )
    codes = np.unique(labels, return_inverse=True)[1].ravel()
    n_clusters = int(codes.max()) + 1
    if not 2 <= n_clusters <= n_samples - 1:
        raise ValueError(
            f"Number of labels is {n_clusters}. Valid values are 2 to n_samples - 1 "
            f"(inclusive), here 2 to {n_samples - 1}"
        )
    onehot = np.zeros((n_samples, n_clusters))
    onehot[np.arange(n_samples), codes] = 1.0
    cluster_sizes = onehot.sum(axis=0)

    if metric == "cosine":
        norms = np.sqrt(np.einsum("ij,ij->i", X, X))
        X = X / np.where(norms == 0, 1.0, norms)[:, None]
    X_sq = np.einsum("ij,ij->i", X, X)
    block = max(1, (1 << 23) // n_samples)  # keep each block of distances near 64 MiB
    sums = np.empty((n_samples, n_clusters))  # Σ of distances from sample i to each cluster
    for start in range(0, n_samples, block):
        rows = slice(start, min(start + block, n_samples))
        if metric == "precomputed":
            D = X[rows]
        else:
            D = _distances(X[rows], X, metric, X_sq)
            D[np.arange(D.shape[0]), np.arange(rows.start, rows.stop)] = 0.0
        sums[rows] = D @ onehot

    own = np.arange(n_samples), codes
    own_size = cluster_sizes[codes] - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        a = sums[own] / own_size
        means = sums / cluster_sizes
    means[own] = np.inf
    b = means.min(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = (b - a) / np.maximum(a, b)
    s[own_size == 0] = 0.0
    return np.nan_to_num(s)


def silhouette_score(
    X: npt.ArrayLike,
    labels: npt.ArrayLike,
    *,
    metric: str = "euclidean",
    sample_size: int | None = None,
    random_state=None,
) -> float:
    """Mean silhouette coefficient over the samples (see silhouette_samples), in [−1, 1].

    sample_size: compute it on a random subset of that many samples (drawn with random_state).
    """
    if sample_size is not None:
        X = check_array(X)
        labels = _column(labels, "labels")
        _check_same_length(X=X, labels=labels)
        if not 1 <= sample_size <= X.shape[0]:
            raise ValueError(
                f"sample_size must be between 1 and n_samples={X.shape[0]}, got {sample_size}"
            )
        subset = check_random_state(random_state).permutation(X.shape[0])[:sample_size]
        X = X[subset][:, subset] if metric == "precomputed" else X[subset]
        labels = labels[subset]
    return float(np.mean(silhouette_samples(X, labels, metric=metric)))


def adjusted_rand_score(labels_true: npt.ArrayLike, labels_pred: npt.ArrayLike) -> float:
    """Rand index adjusted for chance: 1 for identical partitions, about 0 for random ones.

    Counting the pairs of samples: tp (together in both), fp (together only in labels_pred),
    fn (together only in labels_true), tn (apart in both),

        ARI = 2 (tp·tn − fn·fp) / ((tp + fn)(fn + tn) + (tp + fp)(fp + tn)),

    which equals Hubert & Arabie's (1985) (index − expected) / (max − expected).
    labels_true, labels_pred: (n_samples,). Counts are Python ints, so no overflow.
    """
    labels_true = _column(labels_true, "labels_true")
    labels_pred = _column(labels_pred, "labels_pred")
    _check_same_length(labels_true=labels_true, labels_pred=labels_pred)
    n = labels_true.shape[0]
    true_codes = np.unique(labels_true, return_inverse=True)[1].ravel()
    pred_codes = np.unique(labels_pred, return_inverse=True)[1].ravel()
    n_pred = int(pred_codes.max()) + 1
    contingency = np.bincount(true_codes * n_pred + pred_codes)
    sum_squares = int(np.sum(contingency.astype(np.int64) ** 2))
    true_sizes = np.bincount(true_codes).astype(np.int64)
    pred_sizes = np.bincount(pred_codes).astype(np.int64)
    # Ordered pairs (i ≠ j): the 2×2 pair-confusion matrix of the two partitions.
    tp = sum_squares - n
    fp = int(np.sum(pred_sizes**2)) - sum_squares
    fn = int(np.sum(true_sizes**2)) - sum_squares
    tn = n * n - fp - fn - sum_squares
    if fn == 0 and fp == 0:
        return 1.0
    return 2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn))
