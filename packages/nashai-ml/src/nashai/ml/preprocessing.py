"""Preprocessing: put features on a common scale, encode categories, expand into polynomials.

    StandardScaler      z = (x − μ) / σ              per column, μ and σ from the training data
    MinMaxScaler        z = (x − min) / (max − min) · (b − a) + a   into feature_range (a, b)
    OneHotEncoder       a column of k categories → k indicator columns (dense output)
    LabelEncoder        class labels → 0 … n_classes − 1
    PolynomialFeatures  all monomials of the features up to a degree, in scikit-learn's order

Shapes: X (n_samples, n_features) in, (n_samples, n_output_features) out.
"""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt

from nashai.ml.base import (
    BaseEstimator,
    TransformerMixin,
    check_array,
    check_is_fitted,
    check_n_features,
)


def _encode(values: np.ndarray, uniques: np.ndarray) -> np.ndarray:
    """Index of each value in `uniques` (any order), or −1 where it is absent.

    One sort of `uniques` and a binary search per value: O((n + k) log k). NaN matches NaN.
    values (n,), uniques (k,) → (n,) int64.
    """
    values, uniques = np.asarray(values), np.asarray(uniques)
    if uniques.shape[0] == 0:
        return np.full(values.shape[0], -1, dtype=np.int64)
    order = np.argsort(uniques, kind="stable")
    ordered = uniques[order]
    try:
        position = np.searchsorted(ordered, values)
    except TypeError as err:
        raise ValueError(
            "Labels must be uniformly strings or numbers; cannot compare "
            f"{uniques.dtype} categories with {values.dtype} values ({err})"
        ) from None
    position = np.minimum(position, uniques.shape[0] - 1)
    found = ordered[position] == values
    if ordered.dtype.kind == "f" and values.dtype.kind == "f":
        found |= np.isnan(ordered[position]) & np.isnan(values)
    return np.where(found, order[position], -1).astype(np.int64)


def _unique(column: np.ndarray, what: str) -> np.ndarray:
    """Sorted distinct values of a column, with a clear error for mixed strings and numbers."""
    try:
        return np.unique(column)
    except TypeError:
        kinds = sorted({type(v).__name__ for v in column.tolist()})
        raise ValueError(
            f"{what} must be uniformly strings or numbers, got a mix of types {kinds}"
        ) from None


def _constant_to_one(scale: np.ndarray, constant: np.ndarray) -> np.ndarray:
    """Replace the scale of (numerically) constant features by 1, so they are not divided by 0."""
    scale = scale.copy()
    scale[constant] = 1.0
    return scale


# ---------------------------------------------------------------------------------------------
# Scalers
# ---------------------------------------------------------------------------------------------


class StandardScaler(TransformerMixin, BaseEstimator):
    """Standardise each feature: z = (x − mean_) / scale_.

    mean_ = Σ wᵢ xᵢ / Σ wᵢ and var_ = Σ wᵢ (xᵢ − mean_)² / Σ wᵢ (the biased variance), both
    (n_features,), computed by the corrected two-pass algorithm (Chan, Golub & LeVeque 1983);
    scale_ = √var_, with 1 for features whose variance is zero up to rounding.
    with_mean=False skips the centring (mean_ is still computed when with_std), with_std=False
    the scaling (var_ and scale_ are then None). Transforms always return a new array.
    """

    def __init__(self, *, with_mean: bool = True, with_std: bool = True):
        self.with_mean = with_mean
        self.with_std = with_std

    def fit(self, X: npt.ArrayLike, y=None, sample_weight: npt.ArrayLike | None = None):
        """Learn mean_, var_, scale_ from X (n_samples, n_features); returns self."""
        X = check_array(X, estimator=self)
        n_samples = X.shape[0]
        self.n_features_in_ = X.shape[1]
        self.n_samples_seen_ = n_samples
        self.mean_ = self.var_ = self.scale_ = None
        if not (self.with_mean or self.with_std):
            return self
        weight, total = None, float(n_samples)
        if sample_weight is not None:
            weight = np.asarray(sample_weight, dtype=np.float64)
            if weight.shape != (n_samples,) or not np.all(np.isfinite(weight)):
                raise ValueError(
                    f"StandardScaler: sample_weight must be finite with shape ({n_samples},), "
                    f"got shape {weight.shape}"
                )
            total = float(weight.sum())
            if total <= 0:
                raise ValueError("StandardScaler: sample_weight must have a positive sum")
            self.n_samples_seen_ = total  # the weighted count, as scikit-learn reports it

        mean = (X.sum(axis=0) if weight is None else weight @ X) / total
        self.mean_ = mean
        if self.with_std:
            deviation = X - mean
            if weight is None:
                correction = deviation.sum(axis=0)  # ≈ 0; removes the rounding in the mean
                squares = np.einsum("ij,ij->j", deviation, deviation)
            else:
                correction = weight @ deviation
                squares = weight @ deviation**2
            self.var_ = (squares - correction**2 / total) / total
            eps = np.finfo(np.float64).eps
            constant = self.var_ <= total * eps * self.var_ + (total * mean * eps) ** 2
            self.scale_ = _constant_to_one(np.sqrt(self.var_), constant)
        return self

    def _check(self, X) -> np.ndarray:
        check_is_fitted(self, "n_features_in_")
        X = check_array(X, estimator=self)
        check_n_features(self, X)
        return X

    def transform(self, X: npt.ArrayLike) -> np.ndarray:
        """z = (X − mean_) / scale_.  (n_samples, n_features) → (n_samples, n_features)."""
        X = self._check(X)
        if self.with_mean:
            X = X - self.mean_
        if self.with_std:
            X = X / self.scale_
        return X.copy() if not (self.with_mean or self.with_std) else X

    def inverse_transform(self, X: npt.ArrayLike) -> np.ndarray:
        """x = z · scale_ + mean_.  (n_samples, n_features) → (n_samples, n_features)."""
        X = self._check(X)
        if self.with_std:
            X = X * self.scale_
        if self.with_mean:
            X = X + self.mean_
        return X.copy() if not (self.with_mean or self.with_std) else X


class MinMaxScaler(TransformerMixin, BaseEstimator):
    """Map each feature linearly onto feature_range = (a, b): z = x · scale_ + min_.

    scale_ = (b − a) / (data_max_ − data_min_) and min_ = a − data_min_ · scale_, all
    (n_features,); a constant feature gets data range 1. clip=True clips the transformed
    values of new data into [a, b].
    """

    def __init__(self, feature_range: tuple[float, float] = (0, 1), *, clip: bool = False):
        self.feature_range = feature_range
        self.clip = clip

    def fit(self, X: npt.ArrayLike, y=None):
        """Learn data_min_, data_max_, data_range_, scale_, min_ from X; returns self."""
        try:
            low, high = (float(v) for v in self.feature_range)
        except (TypeError, ValueError):
            raise ValueError(
                f"MinMaxScaler: feature_range must be a pair of numbers (min, max), got "
                f"{self.feature_range!r}"
            ) from None
        if low >= high:
            raise ValueError(
                "MinMaxScaler: minimum of desired feature range must be smaller than maximum. "
                f"Got {tuple(self.feature_range)}."
            )
        X = check_array(X, estimator=self)
        self.n_features_in_ = X.shape[1]
        self.n_samples_seen_ = X.shape[0]
        self.data_min_ = X.min(axis=0)
        self.data_max_ = X.max(axis=0)
        self.data_range_ = self.data_max_ - self.data_min_
        constant = self.data_range_ < 10 * np.finfo(np.float64).eps
        self.scale_ = (high - low) / _constant_to_one(self.data_range_, constant)
        self.min_ = low - self.data_min_ * self.scale_
        return self

    def _check(self, X) -> np.ndarray:
        check_is_fitted(self, "scale_")
        X = check_array(X, estimator=self)
        check_n_features(self, X)
        return X

    def transform(self, X: npt.ArrayLike) -> np.ndarray:
        """z = X · scale_ + min_.  (n_samples, n_features) → (n_samples, n_features)."""
        Z = self._check(X) * self.scale_ + self.min_
        if self.clip:
            np.clip(Z, *self.feature_range, out=Z)
        return Z

    def inverse_transform(self, X: npt.ArrayLike) -> np.ndarray:
        """x = (z − min_) / scale_.  (n_samples, n_features) → (n_samples, n_features)."""
        return (self._check(X) - self.min_) / self.scale_


# ---------------------------------------------------------------------------------------------
# Categorical encoders
# ---------------------------------------------------------------------------------------------


def _check_categorical(X, estimator) -> np.ndarray:
    """X as a 2-D array of any dtype; strings become object so categories keep their type."""
    X = check_array(X, estimator=estimator, dtype=None, allow_nan=True)
    if X.dtype.kind in "US":
        X = X.astype(object)
    if X.dtype.kind not in "biufO":
        raise ValueError(
            f"{type(estimator).__name__}: X must hold numbers or strings, got dtype {X.dtype}"
        )
    return X


class OneHotEncoder(TransformerMixin, BaseEstimator):
    """Encode each categorical column as indicator columns, one per category.

    A column with categories c₁ < … < c_k becomes k columns, [x = c₁], …, [x = c_k]
    (k − 1 with drop='first', which drops c₁ so that the columns are not collinear).
    categories: 'auto' (the sorted distinct values seen in fit; NaN is a category of its own,
    sorted last) or one list per column.
    handle_unknown: 'error' (an unseen category raises) or 'ignore' (it is encoded as all
    zeros). The output is always a dense ndarray: sparse_output=False is the only mode (unlike
    scikit-learn, whose default is a sparse matrix); sparse_output=True raises.
    X (n_samples, n_features) of numbers or strings → (n_samples, Σ kⱼ) of `dtype`.
    """

    def __init__(
        self,
        *,
        categories: str | list = "auto",
        drop: str | None = None,
        sparse_output: bool = False,
        dtype: npt.DTypeLike = np.float64,
        handle_unknown: str = "error",
    ):
        self.categories = categories
        self.drop = drop
        self.sparse_output = sparse_output
        self.dtype = dtype
        self.handle_unknown = handle_unknown

    def _validate_params(self) -> None:
        if self.sparse_output:
            raise ValueError(
                "OneHotEncoder: sparse_output=True is not supported; NashAI returns dense "
                "arrays (sparse_output=False)"
            )
        if self.handle_unknown not in ("error", "ignore"):
            raise ValueError(
                "OneHotEncoder: handle_unknown must be 'error' or 'ignore', got "
                f"{self.handle_unknown!r}"
            )
        if self.drop not in (None, "first"):
            raise ValueError(f"OneHotEncoder: drop must be None or 'first', got {self.drop!r}")

    def fit(self, X: npt.ArrayLike, y=None):
        """Learn categories_ (one sorted array per column) from X; returns self."""
        self._validate_params()
        X = _check_categorical(X, self)
        n_features = X.shape[1]
        if isinstance(self.categories, str):
            if self.categories != "auto":
                raise ValueError(
                    "OneHotEncoder: categories must be 'auto' or a list of arrays, got "
                    f"{self.categories!r}"
                )
            categories = [_unique(X[:, j], f"column {j} of X") for j in range(n_features)]
        else:
            if len(self.categories) != n_features:
                raise ValueError(
                    f"OneHotEncoder: categories has {len(self.categories)} entries, but X has "
                    f"{n_features} columns; give one list of categories per column"
                )
            categories = [self._given_categories(X[:, j], j) for j in range(n_features)]
        self.categories_ = categories
        self.n_features_in_ = n_features
        self.drop_idx_ = None if self.drop is None else np.zeros(n_features, dtype=np.int64)
        return self

    def _given_categories(self, column: np.ndarray, j: int) -> np.ndarray:
        cats = np.asarray(self.categories[j])
        if cats.dtype.kind in "US":
            cats = cats.astype(object)
        if cats.dtype.kind in "biuf" and np.any(cats[1:] < cats[:-1]):
            raise ValueError(
                f"OneHotEncoder: unsorted categories are not supported for numerical "
                f"categories (column {j}: {cats.tolist()})"
            )
        if self.handle_unknown == "error":
            unknown = column[_encode(column, cats) < 0]
            if unknown.shape[0]:
                raise ValueError(
                    f"Found unknown categories {np.unique(unknown).tolist()} in column {j} "
                    "during fit"
                )
        return cats

    def _kept(self, j: int) -> int:
        """Number of output columns of input column j."""
        return self.categories_[j].shape[0] - (self.drop is not None)

    def transform(self, X: npt.ArrayLike) -> np.ndarray:
        """Indicator columns.  (n_samples, n_features) → (n_samples, n_output_features)."""
        check_is_fitted(self, "categories_")
        self._validate_params()
        X = _check_categorical(X, self)
        check_n_features(self, X)
        n_samples = X.shape[0]
        offsets = np.concatenate([[0], np.cumsum([self._kept(j) for j in range(X.shape[1])])])
        out = np.zeros((n_samples, offsets[-1]), dtype=self.dtype)
        for j, cats in enumerate(self.categories_):
            codes = _encode(X[:, j], cats)
            unknown = codes < 0
            if np.any(unknown) and self.handle_unknown == "error":
                raise ValueError(
                    f"Found unknown categories {np.unique(X[unknown, j]).tolist()} in column "
                    f"{j} during transform"
                )
            if self.drop is not None:
                codes = codes - 1  # the first category becomes all zeros
            hot = codes >= 0
            out[np.flatnonzero(hot), offsets[j] + codes[hot]] = 1
        return out

    def inverse_transform(self, X: npt.ArrayLike) -> np.ndarray:
        """Back to categories: the argmax of each block; an all-zero block is the dropped
        category (drop='first') or None (an unknown category under handle_unknown='ignore').

        (n_samples, n_output_features) → (n_samples, n_features).
        """
        check_is_fitted(self, "categories_")
        X = check_array(X, estimator=self)
        widths = [self._kept(j) for j in range(self.n_features_in_)]
        if X.shape[1] != sum(widths):
            raise ValueError(
                f"OneHotEncoder: X has {X.shape[1]} columns, but the encoding has {sum(widths)}"
            )
        columns, any_unknown = [], False
        start = 0
        for cats, width in zip(self.categories_, widths, strict=True):
            block = X[:, start : start + width]
            start += width
            empty = block.sum(axis=1) == 0 if width else np.ones(X.shape[0], dtype=bool)
            codes = block.argmax(axis=1) if width else np.zeros(X.shape[0], dtype=np.int64)
            if self.drop is not None:
                codes = np.where(empty, 0, codes + 1)
                columns.append((cats[codes], None))
                continue
            if np.any(empty) and self.handle_unknown == "error":
                raise ValueError(
                    f"Samples {np.flatnonzero(empty).tolist()} can not be inverted when "
                    "drop=None and handle_unknown='error' because they contain all zeros"
                )
            any_unknown |= bool(np.any(empty))
            columns.append((cats[codes], empty))
        dtype = object if any_unknown else np.result_type(*[c.dtype for c in self.categories_])
        out = np.empty((X.shape[0], self.n_features_in_), dtype=dtype)
        for j, (values, empty) in enumerate(columns):
            out[:, j] = values
            if empty is not None and np.any(empty):
                out[empty, j] = None
        return out

    def get_feature_names_out(self, input_features: list[str] | None = None) -> np.ndarray:
        """Output column names "<feature>_<category>" (features default to x0, x1, …)."""
        check_is_fitted(self, "categories_")
        features = _input_names(self, input_features)
        names = [
            f"{feature}_{category}"
            for feature, cats in zip(features, self.categories_, strict=True)
            for category in cats[self.drop is not None :].tolist()
        ]
        return np.asarray(names, dtype=object)


def _input_names(estimator, input_features) -> list[str]:
    n = estimator.n_features_in_
    if input_features is None:
        return [f"x{j}" for j in range(n)]
    if len(input_features) != n:
        raise ValueError(
            f"input_features should have length equal to number of features ({n}), got "
            f"{len(input_features)}"
        )
    return [str(name) for name in input_features]


class LabelEncoder(TransformerMixin, BaseEstimator):
    """Encode class labels as 0 … n_classes − 1, in the order of the sorted classes_.

    y (n_samples,) → (n_samples,) int64; inverse_transform maps the codes back.
    """

    def __init__(self):
        pass

    @staticmethod
    def _column(y) -> np.ndarray:
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        if y.ndim != 1:
            raise ValueError(f"LabelEncoder: y must be 1-D (n_samples,), got shape {y.shape}")
        return y

    def fit(self, y: npt.ArrayLike):
        """Learn classes_ = the sorted distinct labels of y; returns self."""
        self.classes_ = _unique(self._column(y), "y")
        return self

    def fit_transform(self, y: npt.ArrayLike) -> np.ndarray:
        return self.fit(y).transform(y)

    def transform(self, y: npt.ArrayLike) -> np.ndarray:
        """Index of each label in classes_.  (n_samples,) → (n_samples,) int64."""
        check_is_fitted(self, "classes_")
        y = self._column(y)
        codes = _encode(y, self.classes_)
        if np.any(codes < 0):
            raise ValueError(
                f"y contains previously unseen labels: {np.unique(y[codes < 0]).tolist()}"
            )
        return codes

    def inverse_transform(self, y: npt.ArrayLike) -> np.ndarray:
        """classes_[y].  (n_samples,) integer codes → (n_samples,) labels."""
        check_is_fitted(self, "classes_")
        y = self._column(y)
        if y.shape[0] == 0:
            return self.classes_[:0]
        if y.dtype.kind not in "biu" and not np.all(y == np.round(y)):
            raise ValueError(f"LabelEncoder: codes must be integers, got dtype {y.dtype}")
        y = y.astype(np.int64)
        bad = (y < 0) | (y >= self.classes_.shape[0])
        if np.any(bad):
            raise ValueError(f"y contains previously unseen labels: {np.unique(y[bad]).tolist()}")
        return self.classes_[y]


# ---------------------------------------------------------------------------------------------
# Polynomial features
# ---------------------------------------------------------------------------------------------


class PolynomialFeatures(TransformerMixin, BaseEstimator):
    """All monomials x₀^p₀ x₁^p₁ … with min_degree ≤ Σ p ≤ max_degree, in scikit-learn's order.

    degree: an int d (degrees 0 … d) or a pair (min_degree, max_degree). Columns: the bias
    column 1 (include_bias), then degree by degree the monomials in lexicographic order of
    their variable indices (combinations with replacement; without replacement when
    interaction_only, so no variable appears twice). powers_ (n_output_features, n_features)
    holds the exponents. Each degree is built in one vectorised step from the previous one:
    x_{i₁}…x_{i_d} = (x_{i₁}…x_{i_{d−1}}) · x_{i_d}.
    X (n_samples, n_features) → (n_samples, n_output_features_).
    """

    def __init__(
        self,
        degree: int | tuple[int, int] = 2,
        *,
        interaction_only: bool = False,
        include_bias: bool = True,
    ):
        self.degree = degree
        self.interaction_only = interaction_only
        self.include_bias = include_bias

    def _degrees(self) -> tuple[int, int]:
        degree = self.degree
        if isinstance(degree, (int, np.integer)) and not isinstance(degree, bool):
            if degree < 0:
                raise ValueError(f"PolynomialFeatures: degree must be >= 0, got {degree}")
            return 0, int(degree)
        if (
            isinstance(degree, tuple)
            and len(degree) == 2
            and all(isinstance(d, (int, np.integer)) for d in degree)
            and 0 <= degree[0] <= degree[1]
        ):
            return int(degree[0]), int(degree[1])
        raise ValueError(
            "PolynomialFeatures: degree must be a non-negative int or a tuple "
            f"(min_degree, max_degree) with 0 <= min_degree <= max_degree, got {degree!r}"
        )

    def fit(self, X: npt.ArrayLike, y=None):
        """Enumerate the monomials for X's number of columns; sets powers_; returns self."""
        min_degree, max_degree = self._degrees()
        X = check_array(X, estimator=self)
        n_features = X.shape[1]
        pick = (
            itertools.combinations
            if self.interaction_only
            else (itertools.combinations_with_replacement)
        )
        # Every degree from 1 up is needed to build the next one; _parents[d][k] is the index,
        # among the monomials of degree d − 1, of monomial k of degree d without its last factor.
        self._combinations = [[()]]
        self._parents = [np.zeros(0, dtype=np.int64)]
        for d in range(1, max_degree + 1):
            combos = list(pick(range(n_features), d))
            index = {c: k for k, c in enumerate(self._combinations[d - 1])}
            self._parents.append(np.array([index[c[:-1]] for c in combos], dtype=np.int64))
            self._combinations.append(combos)
        self._last = [
            np.array([c[-1] for c in combos], dtype=np.int64) for combos in self._combinations[1:]
        ]
        kept = [()] if self.include_bias else []
        kept += [
            c for d in range(max(1, min_degree), max_degree + 1) for c in self._combinations[d]
        ]
        if not kept:
            raise ValueError(
                "PolynomialFeatures: degree 0 with include_bias=False would give no output features"
            )
        powers = np.zeros((len(kept), n_features), dtype=np.int64)
        for row, combo in enumerate(kept):
            np.add.at(powers[row], list(combo), 1)
        self.powers_ = powers
        self.n_features_in_ = n_features
        self.n_output_features_ = len(kept)
        self._min_degree, self._max_degree = max(1, min_degree), max_degree
        return self

    def transform(self, X: npt.ArrayLike) -> np.ndarray:
        """The monomials of each row.  (n_samples, n_features) → (n_samples, n_output_features_)."""
        check_is_fitted(self, "powers_")
        X = check_array(X, estimator=self)
        check_n_features(self, X)
        blocks = [np.ones((X.shape[0], 1))] if self.include_bias else []
        previous = np.ones((X.shape[0], 1))
        for d in range(1, self._max_degree + 1):
            last = self._last[d - 1]
            current = X[:, last] if d == 1 else previous[:, self._parents[d]] * X[:, last]
            if d >= self._min_degree:
                blocks.append(current)
            previous = current
        return np.concatenate(blocks, axis=1)

    def get_feature_names_out(self, input_features: list[str] | None = None) -> np.ndarray:
        """Names such as "1", "x0", "x0^2", "x0 x1" (features default to x0, x1, …)."""
        check_is_fitted(self, "powers_")
        features = _input_names(self, input_features)
        names = []
        for row in self.powers_:
            factors = [
                features[j] if p == 1 else f"{features[j]}^{p}" for j, p in enumerate(row) if p
            ]
            names.append(" ".join(factors) if factors else "1")
        return np.asarray(names, dtype=object)
