"""Naive Bayes classifiers: Bayes' rule with features independent given the class.

    p(c | x) ∝ p(c) Πⱼ p(xⱼ | c),    log p(c | x) = jll(x, c) − log Σ_c' exp jll(x, c')

where the joint log-likelihood jll(x, c) = log p(c) + Σⱼ log p(xⱼ | c). The three models differ
only in p(xⱼ | c):

    GaussianNB     N(xⱼ; θ_cj, σ²_cj)                  continuous features
    MultinomialNB  Πⱼ p_cjˣʲ  (multinomial counts)     counts, e.g. word counts
    BernoulliNB    p_cjˣʲ (1 − p_cj)¹⁻ˣʲ, xⱼ ∈ {0, 1}   binary (or binarised) features

Reference: Manning, Raghavan & Schütze, Introduction to Information Retrieval (2008), ch. 13;
Chan, Golub & LeVeque (1979), "Updating formulae and a pairwise algorithm for computing sample
variances" (the running mean/variance of `GaussianNB.partial_fit`).
"""

from __future__ import annotations

from numbers import Real

import numpy as np

from nashai.ml._special import logsumexp
from nashai.ml.base import (
    BaseEstimator,
    ClassifierMixin,
    check_array,
    check_classification_targets,
    check_is_fitted,
    check_n_features,
    check_X_y,
)


class _BaseNB(ClassifierMixin, BaseEstimator):
    """predict / predict_proba / predict_log_proba from `_joint_log_likelihood` (n, n_classes)."""

    def _validate_for_predict(self, X) -> np.ndarray:
        check_is_fitted(self, "classes_")
        X = check_array(X, estimator=self)
        check_n_features(self, X)
        return X

    def predict_joint_log_proba(self, X) -> np.ndarray:
        """log p(x, c) = log p(c) + Σⱼ log p(xⱼ | c).  X (n, n_features) → (n, n_classes)."""
        return self._joint_log_likelihood(self._validate_for_predict(X))

    def predict(self, X) -> np.ndarray:
        """The class of largest posterior, argmax_c jll(x, c).  X (n, n_features) → (n,)."""
        jll = self.predict_joint_log_proba(X)
        return self.classes_[np.argmax(jll, axis=1)]

    def predict_log_proba(self, X) -> np.ndarray:
        """log p(c | x) = jll(x, c) − logsumexp_c' jll(x, c').  (n, n_features) → (n, n_classes)."""
        jll = self.predict_joint_log_proba(X)
        return jll - logsumexp(jll)[:, None]

    def predict_proba(self, X) -> np.ndarray:
        """p(c | x), rows summing to one.  X (n, n_features) → (n, n_classes)."""
        return np.exp(self.predict_log_proba(X))

    def _start_partial_fit(self, classes, refit: bool) -> bool:
        """True when the counts start afresh (fit, or partial_fit's first call: classes_ set).

        On later partial_fit calls, `classes` (if given) must equal classes_.
        """
        name = type(self).__name__
        if refit:
            self.classes_ = np.asarray(classes)
            return True
        if classes is None:
            if not hasattr(self, "classes_"):
                raise ValueError(
                    f"{name}: classes must be passed on the first call to partial_fit, e.g. "
                    "classes=np.unique(y_all)"
                )
            return False
        classes = np.unique(np.asarray(classes))
        if hasattr(self, "classes_"):
            if not np.array_equal(self.classes_, classes):
                raise ValueError(
                    f"{name}: classes={classes.tolist()} is not the same as on the first call to "
                    f"partial_fit, which was {self.classes_.tolist()}"
                )
            return False
        self.classes_ = classes
        return True

    def _encode(self, y: np.ndarray) -> np.ndarray:
        """Class index of each label of y, which must all be among classes_."""
        index = np.clip(np.searchsorted(self.classes_, y), 0, len(self.classes_) - 1)
        unknown = self.classes_[index] != y
        if np.any(unknown):
            raise ValueError(
                f"{type(self).__name__}: the label(s) {np.unique(y[unknown]).tolist()} in y are "
                f"not among the classes {self.classes_.tolist()}"
            )
        return index


def _check_sample_weight(sample_weight, n_samples: int, estimator) -> np.ndarray | None:
    if sample_weight is None:
        return None
    sample_weight = np.asarray(sample_weight, dtype=np.float64)
    if sample_weight.shape != (n_samples,):
        raise ValueError(
            f"{type(estimator).__name__}: sample_weight must have shape ({n_samples},), got "
            f"{sample_weight.shape}"
        )
    if np.any(sample_weight < 0) or not np.all(np.isfinite(sample_weight)):
        raise ValueError(f"{type(estimator).__name__}: sample_weight must be finite and >= 0")
    return sample_weight


class GaussianNB(_BaseNB):
    """Gaussian naive Bayes: p(xⱼ | c) = N(xⱼ; θ_cj, σ²_cj).

        jll(x, c) = log π_c − ½ Σⱼ log(2π σ²_cj) − ½ Σⱼ (xⱼ − θ_cj)² / σ²_cj

    θ_cj and σ²_cj are the (weighted) mean and biased variance of feature j over class c;
    σ² gets ε = var_smoothing · maxⱼ var(X[:, j]) added for numerical stability. π_c are
    `priors` if given, else the class frequencies.

    Fitted: classes_ (C,), class_count_ (C,), class_prior_ (C,), theta_ (C, d), var_ (C, d),
    epsilon_, n_features_in_.
    """

    def __init__(self, *, priors=None, var_smoothing: float = 1e-9):
        self.priors = priors
        self.var_smoothing = var_smoothing

    def fit(self, X, y, sample_weight=None) -> GaussianNB:
        """Fit θ, σ², π on X (n_samples, n_features), y (n_samples,); returns self."""
        X, y = check_X_y(X, y, estimator=self)
        classes, _ = check_classification_targets(y, estimator=self, min_classes=1)
        return self._partial_fit(X, y, classes, sample_weight, refit=True)

    def partial_fit(self, X, y, classes=None, sample_weight=None) -> GaussianNB:
        """Update θ, σ² and the counts with one more batch (Chan, Golub & LeVeque 1979).

        `classes` (all labels that will ever appear) is required on the first call. The
        smoothing ε is taken off the variances before the update and recomputed from the new
        batch, as scikit-learn does (which takes off the new ε rather than the old one).
        """
        X, y = check_X_y(X, y, estimator=self)
        return self._partial_fit(X, y, classes, sample_weight, refit=False)

    def _partial_fit(self, X, y, classes, sample_weight, refit: bool) -> GaussianNB:
        sample_weight = _check_sample_weight(sample_weight, X.shape[0], self)
        if self._start_partial_fit(classes, refit):
            n_classes, n_features = len(self.classes_), X.shape[1]
            self.n_features_in_ = n_features
            self.theta_ = np.zeros((n_classes, n_features))
            self.var_ = np.zeros((n_classes, n_features))
            self.class_count_ = np.zeros(n_classes)
            self.class_prior_ = self._checked_priors(n_classes)
        else:
            check_n_features(self, X)
            self.var_ -= self.epsilon_  # back to the raw variances before the update
        index = self._encode(y)

        for c in np.unique(index):
            in_c = index == c
            weight = None if sample_weight is None else sample_weight[in_c]
            n_new = in_c.sum() if weight is None else weight.sum()
            if n_new == 0:
                continue
            self.theta_[c], self.var_[c] = _update_mean_variance(
                self.class_count_[c], self.theta_[c], self.var_[c], X[in_c], weight
            )
            self.class_count_[c] += n_new

        self.epsilon_ = self.var_smoothing * np.var(X, axis=0).max()
        self.var_ += self.epsilon_
        if self.priors is None:
            self.class_prior_ = self.class_count_ / self.class_count_.sum()
        return self

    def _checked_priors(self, n_classes: int) -> np.ndarray:
        if self.priors is None:
            return np.zeros(n_classes)
        priors = np.asarray(self.priors, dtype=np.float64)
        if priors.shape != (n_classes,):
            raise ValueError(
                f"GaussianNB: priors must have one entry per class ({n_classes}), got shape "
                f"{priors.shape}"
            )
        if np.any(priors < 0):
            raise ValueError(f"GaussianNB: priors must be non-negative, got {priors.tolist()}")
        if not np.isclose(priors.sum(), 1.0):
            raise ValueError(f"GaussianNB: priors must sum to 1, got sum {priors.sum()}")
        return priors

    def _joint_log_likelihood(self, X: np.ndarray) -> np.ndarray:
        jll = np.empty((X.shape[0], len(self.classes_)))
        for c in range(len(self.classes_)):  # (n, d) work per class, exact (no expanded square)
            log_norm = -0.5 * np.sum(np.log(2.0 * np.pi * self.var_[c]))
            jll[:, c] = np.log(self.class_prior_[c]) + log_norm
            jll[:, c] -= 0.5 * np.sum((X - self.theta_[c]) ** 2 / self.var_[c], axis=1)
        return jll


def _update_mean_variance(n_past, mu, var, X, weight):
    """Merge a batch into a running mean and (biased) variance, Chan, Golub & LeVeque (1979).

    With n_a, μ_a, σ²_a the past and n_b, μ_b, σ²_b the batch, n = n_a + n_b:
        μ = (n_a μ_a + n_b μ_b) / n,   n σ² = n_a σ²_a + n_b σ²_b + (n_a n_b / n)(μ_a − μ_b)².
    Shapes: mu, var (d,), X (m, d), weight (m,) or None → (mu, var) (d,).
    """
    if weight is None:
        n_new = X.shape[0]
        new_mu = X.mean(axis=0)
        new_var = X.var(axis=0)
    else:
        n_new = weight.sum()
        new_mu = weight @ X / n_new
        new_var = weight @ (X - new_mu) ** 2 / n_new
    if n_past == 0:
        return new_mu, new_var
    n_total = n_past + n_new
    total_mu = (n_new * new_mu + n_past * mu) / n_total
    total_ssd = n_past * var + n_new * new_var + (n_new * n_past / n_total) * (mu - new_mu) ** 2
    return total_mu, total_ssd / n_total


class _BaseDiscreteNB(_BaseNB):
    """Count-based naive Bayes: sufficient statistics are per-class feature sums Yᵀ X."""

    def fit(self, X, y, sample_weight=None) -> _BaseDiscreteNB:
        """Count features per class on X (n_samples, n_features), y (n_samples,); returns self."""
        X, y = check_X_y(X, y, estimator=self)
        classes, _ = check_classification_targets(y, estimator=self, min_classes=1)
        return self._partial_fit(X, y, classes, sample_weight, refit=True)

    def partial_fit(self, X, y, classes=None, sample_weight=None) -> _BaseDiscreteNB:
        """Add one batch to the counts; `classes` is required on the first call."""
        X, y = check_X_y(X, y, estimator=self)
        return self._partial_fit(X, y, classes, sample_weight, refit=False)

    def _partial_fit(self, X, y, classes, sample_weight, refit: bool):
        sample_weight = _check_sample_weight(sample_weight, X.shape[0], self)
        if self._start_partial_fit(classes, refit):
            self.n_features_in_ = X.shape[1]
            self.feature_count_ = np.zeros((len(self.classes_), X.shape[1]))
            self.class_count_ = np.zeros(len(self.classes_))
        else:
            check_n_features(self, X)
        X = self._prepare_X(X)
        Y = np.zeros((X.shape[0], len(self.classes_)))  # one-hot class membership (n, C)
        Y[np.arange(X.shape[0]), self._encode(y)] = 1.0
        if sample_weight is not None:
            Y *= sample_weight[:, None]
        self.feature_count_ += Y.T @ X
        self.class_count_ += Y.sum(axis=0)
        self._update_feature_log_prob(self._checked_alpha())
        self._update_class_log_prior()
        return self

    def _checked_alpha(self):
        name = type(self).__name__
        alpha = self.alpha if isinstance(self.alpha, Real) else np.asarray(self.alpha, float)
        if isinstance(alpha, np.ndarray) and alpha.shape != (self.n_features_in_,):
            raise ValueError(
                f"{name}: alpha as an array must have one entry per feature "
                f"({self.n_features_in_}), got shape {alpha.shape}"
            )
        if np.min(alpha) < 0:
            raise ValueError(f"{name}: alpha must be >= 0, got {self.alpha}")
        if np.min(alpha) < 1e-10 and not self.force_alpha:
            return np.maximum(alpha, 1e-10)  # as scikit-learn: keep log p finite
        return alpha

    def _update_class_log_prior(self):
        """log π_c: `class_prior` if given, else log of the class frequencies, else uniform."""
        n_classes = len(self.classes_)
        if self.class_prior is not None:
            prior = np.asarray(self.class_prior, dtype=np.float64)
            if prior.shape != (n_classes,):
                raise ValueError(
                    f"{type(self).__name__}: class_prior must have one entry per class "
                    f"({n_classes}), got shape {prior.shape}"
                )
            self.class_log_prior_ = np.log(prior)
        elif self.fit_prior:
            with np.errstate(divide="ignore"):  # a class not seen yet has log prior −∞
                self.class_log_prior_ = np.log(self.class_count_) - np.log(self.class_count_.sum())
        else:
            self.class_log_prior_ = np.full(n_classes, -np.log(n_classes))

    def _prepare_X(self, X: np.ndarray) -> np.ndarray:
        return X


class MultinomialNB(_BaseDiscreteNB):
    """Multinomial naive Bayes for count features (Manning et al. 2008, §13.2).

        p_cj = (N_cj + α) / Σⱼ' (N_cj' + α),     jll(x, c) = log π_c + Σⱼ xⱼ log p_cj

    with N_cj = Σ_{i in c} w_i x_ij the (weighted) count of feature j in class c and α the
    additive (Laplace/Lidstone) smoothing. X must be non-negative.

    Fitted: classes_ (C,), class_count_ (C,), feature_count_ (C, d), feature_log_prob_ (C, d),
    class_log_prior_ (C,), n_features_in_.
    """

    def __init__(
        self, *, alpha=1.0, force_alpha: bool = True, fit_prior: bool = True, class_prior=None
    ):
        self.alpha = alpha
        self.force_alpha = force_alpha
        self.fit_prior = fit_prior
        self.class_prior = class_prior

    def _prepare_X(self, X: np.ndarray) -> np.ndarray:
        if np.any(X < 0):
            raise ValueError(
                f"{type(self).__name__}: X must be non-negative (counts), got min {X.min()}"
            )
        return X

    def _update_feature_log_prob(self, alpha):
        smoothed = self.feature_count_ + alpha
        self.feature_log_prob_ = np.log(smoothed) - np.log(smoothed.sum(axis=1, keepdims=True))

    def _joint_log_likelihood(self, X: np.ndarray) -> np.ndarray:
        return self._prepare_X(X) @ self.feature_log_prob_.T + self.class_log_prior_


class BernoulliNB(_BaseDiscreteNB):
    """Bernoulli naive Bayes for binary features (Manning et al. 2008, §13.3).

        p_cj = (N_cj + α) / (N_c + 2α),
        jll(x, c) = log π_c + Σⱼ [xⱼ log p_cj + (1 − xⱼ) log(1 − p_cj)]

    with N_cj the (weighted) number of samples of class c having feature j, N_c the class count.
    Features are binarised as xⱼ > `binarize` first (unless binarize is None).

    Fitted: classes_, class_count_, feature_count_, feature_log_prob_, class_log_prior_.
    """

    def __init__(
        self,
        *,
        alpha=1.0,
        force_alpha: bool = True,
        binarize: float | None = 0.0,
        fit_prior: bool = True,
        class_prior=None,
    ):
        self.alpha = alpha
        self.force_alpha = force_alpha
        self.binarize = binarize
        self.fit_prior = fit_prior
        self.class_prior = class_prior

    def _prepare_X(self, X: np.ndarray) -> np.ndarray:
        return X if self.binarize is None else (X > self.binarize).astype(np.float64)

    def _update_feature_log_prob(self, alpha):
        smoothed_count = self.feature_count_ + alpha
        smoothed_total = self.class_count_[:, None] + 2.0 * alpha  # (C, 1) or (C, d)
        self.feature_log_prob_ = np.log(smoothed_count) - np.log(smoothed_total)

    def _joint_log_likelihood(self, X: np.ndarray) -> np.ndarray:
        X = self._prepare_X(X)
        log_not = np.log1p(-np.exp(self.feature_log_prob_))  # log(1 − p_cj), (C, d)
        jll = X @ (self.feature_log_prob_ - log_not).T
        return jll + self.class_log_prior_ + log_not.sum(axis=1)
