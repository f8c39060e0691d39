"""Support vector machines: SVC (kernel, trained by SMO) and LinearSVC (liblinear's solvers).

SVC solves, for each pair of classes (one-vs-one), the C-SVM dual

    min_α ½ αᵀQα − eᵀα   s.t.  yᵀα = 0,  0 ≤ αᵢ ≤ Cᵢ,   Qᵢⱼ = yᵢ yⱼ k(xᵢ, xⱼ),

by sequential minimal optimisation as libsvm does (Platt 1998; Fan, Chen & Lin 2005; Chang &
Lin 2011): each step moves the pair (i, j) picked by second-order working-set selection, the
gradient is kept up to date by two kernel rows, rows come from an LRU cache, and points that
sit at a bound and cannot become violators are shrunk away. The decision function is
f(x) = Σᵢ αᵢ yᵢ k(xᵢ, x) − ρ.

LinearSVC solves, for each class against the rest, the L2-regularised primal

    min_w ½‖w‖² + Σᵢ Cᵢ ℓ(yᵢ wᵀxᵢ),   ℓ(z) = max(0, 1 − z)² (squared hinge) or max(0, 1 − z),

with the bias as an extra feature of value `intercept_scaling` (liblinear's convention, the
bias is regularised). `dual=True` runs dual coordinate descent (Hsieh et al. 2008); the primal
(squared hinge only) runs a Newton method with conjugate gradients and a line search (Lin,
Weng & Keerthi 2008; Keerthi & DeCoste 2005). 'auto' picks the primal when n_samples ≥
n_features, as scikit-learn does.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from numbers import Integral, Real

import numpy as np

from nashai.ml._kernels import KERNELS, Kernel
from nashai.ml.base import (
    BaseEstimator,
    ClassifierMixin,
    ConvergenceWarning,
    check_array,
    check_classification_targets,
    check_is_fitted,
    check_n_features,
    check_random_state,
    check_X_y,
)

TAU = 1e-12  # curvature used when k(xᵢ,xᵢ) + k(xⱼ,xⱼ) − 2k(xᵢ,xⱼ) ≤ 0 (libsvm)
_BLOCK_ELEMENTS = 1 << 22  # kernel entries per block when many rows are computed at once


# ---------------------------------------------------------------------------------------------
# Kernel rows of one binary problem
# ---------------------------------------------------------------------------------------------


class _KernelRows:
    """Rows R_a = 2 k(x_a, X_A) − diag(k(X_A, X_A)) over the active points A, on demand.

    Each row is one matvec and an exp, computed on a cache miss and kept in an LRU cache of at
    most `budget` numbers (libsvm keeps kernel rows the same way). With these rows the SMO
    curvature a_at = k_aa + k_tt − 2 k_at = k_aa − R_at is one subtraction, and the gradient
    update's K_i − K_j = (R_i − R_j) / 2. When the active set shrinks, cached rows are cut down
    to the surviving columns (libsvm's Cache::swap_index, one swap at a time); when it grows
    back, the cache empties.
    """

    def __init__(self, X: np.ndarray, kernel: Kernel, diag: np.ndarray, budget: int):
        self.X, self.kernel, self.diag, self.budget = X, kernel, diag, budget
        self.sq = np.einsum("ij,ij->i", X, X)

    def set_active(self, columns: np.ndarray, keep: np.ndarray | None = None) -> None:
        """Make `columns` (indices into X) the active points; `keep` gives their positions in
        the previous active set when it only shrank (cached rows are then kept, cut down)."""
        self.X_active, self.sq_active = self.X[columns], self.sq[columns]
        self.diag_active = self.diag[columns]
        if keep is None:
            self.rows: OrderedDict[int, np.ndarray] = OrderedDict()
        else:
            for key, row in self.rows.items():
                self.rows[key] = row[keep]
        self.capacity = max(2, self.budget // len(columns))

    def row(self, a: int) -> np.ndarray:
        row = self.rows.get(a)
        if row is None:
            if len(self.rows) >= self.capacity:
                self.rows.popitem(last=False)
            K_a = self.kernel(self.X[a : a + 1], self.X_active, self.sq[a : a + 1], self.sq_active)
            K_a *= 2.0
            K_a -= self.diag_active
            row = self.rows[a] = K_a[0]
        else:
            self.rows.move_to_end(a)
        return row

    def block(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Plain kernel values k(X[rows], X[cols])."""
        return self.kernel(self.X[rows], self.X[cols], self.sq[rows], self.sq[cols])


# ---------------------------------------------------------------------------------------------
# SMO for one binary problem
# ---------------------------------------------------------------------------------------------


class _SMOSolver:
    """libsvm's Solver for the C-SVM dual of one binary problem (Fan, Chen & Lin 2005).

    With G = Qα − e the gradient, it tracks F = −y ⊙ G (F starts at y). A step moves
    α_i += y_i t, α_j −= y_j t (which keeps yᵀα), changing the objective by
    −t (F_i − F_j) + ½ t² a with a = K_ii + K_jj − 2K_ij, so t = (F_i − F_j)/a clipped to the box,
    and F ← F − t (K_i − K_j). Optimality (KKT) is max_{I_up} F − min_{I_low} F < tol, with

        I_up  = {t : yₜ = +1, αₜ < Cₜ} ∪ {t : yₜ = −1, αₜ > 0}   (αₜ yₜ may still increase)
        I_low = {t : yₜ = +1, αₜ > 0} ∪ {t : yₜ = −1, αₜ < Cₜ}   (αₜ yₜ may still decrease)

    Working set: i = argmax_{I_up} F; j = argmax over t ∈ I_low with F_t < F_i of
    (F_i − F_t)² / a_it, the largest guaranteed decrease (second-order selection, WSS2).

    Arrays are kept in a permuted order with the active (unshrunk) points first, so the
    per-step work is a dozen NumPy operations on contiguous length-m slices.
    """

    def __init__(self, rows: _KernelRows, y, C, tol, shrinking, max_iter):
        l = len(y)
        self.l, self.tol, self.shrinking, self.max_iter = l, tol, shrinking, max_iter
        self.rows = rows
        self.perm = np.arange(l)  # position → point of the problem
        self.alpha = np.zeros(l)
        self.F = y.astype(np.float64)  # F = −y ⊙ ∇f = y at α = 0
        self.y, self.C, self.QD = y.astype(np.float64), C.astype(np.float64), rows.diag.copy()
        # at α = 0: y = +1 points are in I_up only, y = −1 points in I_low only (C > 0)
        self.pen_up = np.where(self.y > 0, 0.0, -np.inf)  # 0 for points in I_up, −∞ outside
        self.pen_low = np.where(self.y > 0, np.inf, 0.0)  # 0 for points in I_low, +∞ outside
        self._activate_all()
        self.unshrunk = False

    def solve(self):
        """Run SMO to tolerance. Returns (α (l,), ρ, iterations, stopped_by_max_iter)."""
        counter = min(self.l, 1000) + 1
        n_iter = 0
        while self.max_iter < 0 or n_iter < self.max_iter:
            if self.shrinking:
                counter -= 1
                if counter == 0:
                    counter = min(self.l, 1000)
                    self._shrink()
            working_set = self._select_working_set()
            if working_set is None:  # optimal on the active set: check on all points
                self._reconstruct_gradient()
                self._activate_all()
                working_set = self._select_working_set()
                if working_set is None:
                    break
                counter = 1  # shrink at the next step
            n_iter += 1
            self._take_step(*working_set)
        stopped = 0 <= self.max_iter <= n_iter
        self._reconstruct_gradient()
        self._activate_all()
        alpha = np.empty(self.l)
        alpha[self.perm] = self.alpha
        return alpha, self._rho(), n_iter, stopped

    def _activate_all(self, keep: np.ndarray | None = None) -> None:
        """Make the first m positions the active set (all of them unless `keep` is given)."""
        self.m = self.l if keep is None else len(keep)
        self.rows.set_active(self.perm[: self.m], keep)
        m = self.m
        self.F_a, self.QD_a = self.F[:m], self.QD[:m]
        self.pen_up_a, self.pen_low_a = self.pen_up[:m], self.pen_low[:m]

    def _select_working_set(self):
        """(i, j, R_i) by WSS2, or None when max_{I_up} F − min_{I_low} F < tol."""
        F_up = self.F_a + self.pen_up_a
        i = int(F_up.argmax())
        F_max = F_up[i]
        F_low = self.F_a + self.pen_low_a
        if F_max - F_low[F_low.argmin()] < self.tol:
            return None
        R_i = self.rows.row(int(self.perm[i]))
        gain = np.subtract(F_max, F_low, out=F_low)  # > 0 for the candidates j
        np.maximum(gain, 0.0, out=gain)
        gain *= gain
        curvature = self.QD_a[i] - R_i  # a_it = k_ii + k_tt − 2 k_it
        np.maximum(curvature, TAU, out=curvature)
        gain /= curvature  # decrease of the objective along the pair (i, t): b² / a
        return i, int(gain.argmax()), R_i

    def _take_step(self, i: int, j: int, R_i: np.ndarray) -> None:
        R_j = self.rows.row(int(self.perm[j]))
        alpha, y, C = self.alpha, self.y, self.C
        a = self.QD[i] - R_i[j]
        t = (self.F[i] - self.F[j]) / (a if a > 0 else TAU)
        room_i = C[i] - alpha[i] if y[i] > 0 else alpha[i]  # how far α_i y_i may increase
        room_j = alpha[j] if y[j] > 0 else C[j] - alpha[j]  # how far α_j y_j may decrease
        if t >= room_i or t >= room_j:
            t = min(room_i, room_j)
            alpha[i] = (C[i] if y[i] > 0 else 0.0) if t == room_i else alpha[i] + y[i] * t
            alpha[j] = (0.0 if y[j] > 0 else C[j]) if t == room_j else alpha[j] - y[j] * t
        else:
            alpha[i] += y[i] * t
            alpha[j] -= y[j] * t
        delta = np.subtract(R_i, R_j)  # 2 (K_i − K_j)
        delta *= 0.5 * t
        self.F_a -= delta
        for s in (i, j):
            above_zero, below_C = alpha[s] > 0, alpha[s] < C[s]
            up, low = (below_C, above_zero) if y[s] > 0 else (above_zero, below_C)
            self.pen_up[s] = 0.0 if up else -np.inf
            self.pen_low[s] = 0.0 if low else np.inf

    def _shrink(self) -> None:
        """Drop bounded points that cannot enter a violating pair (libsvm's do_shrinking).

        A point only in I_low stays out while F_t > max_{I_up} F, one only in I_up while
        F_t < min_{I_low} F. Near the end (gap ≤ 10 tol) all points are brought back once.
        """
        F_up_max = (self.F_a + self.pen_up_a).max()
        F_low_min = (self.F_a + self.pen_low_a).min()
        if not self.unshrunk and F_up_max - F_low_min <= 10 * self.tol:
            self.unshrunk = True
            self._reconstruct_gradient()
            self._activate_all()
        only_low = np.isinf(self.pen_up_a) & (self.F_a > F_up_max)
        only_up = np.isinf(self.pen_low_a) & (self.F_a < F_low_min)
        shrunk = only_low | only_up
        if not shrunk.any():
            return
        keep = np.flatnonzero(~shrunk)
        order = np.concatenate([keep, np.flatnonzero(shrunk)])  # the shrunk right after
        state = (self.perm, self.alpha, self.F, self.y, self.C, self.QD, self.pen_up, self.pen_low)
        for array in state:
            array[: self.m] = array[: self.m][order]
        self._activate_all(keep)

    def _reconstruct_gradient(self) -> None:
        """Recompute F on the shrunk points: F_t = y_t − Σ_s α_s y_s K_ts over α_s > 0."""
        m, l = self.m, self.l
        if m == l:
            return
        support = np.flatnonzero(self.alpha > 0)
        coef = (self.alpha * self.y)[support]
        step = max(1, _BLOCK_ELEMENTS // max(1, len(support)))
        for s in range(m, l, step):
            stop = min(s + step, l)
            block = self.rows.block(self.perm[s:stop], self.perm[support])
            self.F[s:stop] = self.y[s:stop] - block @ coef

    def _rho(self) -> float:
        """ρ = mean of y_t G_t = −F_t over free α; without any, the middle of the feasible
        interval given by the bounded ones (libsvm's calculate_rho)."""
        yG = -self.F
        upper, lower = self.alpha >= self.C, self.alpha <= 0
        free = ~upper & ~lower
        if free.any():
            return float(yG[free].mean())
        positive = self.y > 0
        ub_set = (upper & ~positive) | (lower & positive)
        lb_set = (upper & positive) | (lower & ~positive)
        ub = yG[ub_set].min() if ub_set.any() else np.inf
        lb = yG[lb_set].max() if lb_set.any() else -np.inf
        return float((ub + lb) / 2)


# ---------------------------------------------------------------------------------------------
# SVC
# ---------------------------------------------------------------------------------------------


def _class_weights(class_weight, classes: np.ndarray, y_index: np.ndarray, who: str) -> np.ndarray:
    """Per-class multipliers of C: ones, 'balanced' n / (n_classes · count_c), or a dict."""
    if class_weight is None:
        return np.ones(len(classes))
    if isinstance(class_weight, str) and class_weight == "balanced":
        counts = np.bincount(y_index, minlength=len(classes))
        return len(y_index) / (len(classes) * counts)
    if not isinstance(class_weight, dict):
        raise ValueError(
            f"{who}: class_weight must be None, 'balanced' or a dict, got {class_weight!r}"
        )
    weights = np.ones(len(classes))
    for label, weight in class_weight.items():
        where = np.flatnonzero(classes == label)
        if where.size == 0:
            raise ValueError(
                f"{who}: class_weight names the label {label!r}, which is not among the "
                f"classes {classes.tolist()}"
            )
        weights[where[0]] = weight
    return weights


def _sample_weight(sample_weight, n: int, who: str) -> np.ndarray:
    if sample_weight is None:
        return np.ones(n)
    sample_weight = np.asarray(sample_weight, dtype=np.float64)
    if sample_weight.shape != (n,) or not np.all(np.isfinite(sample_weight)):
        raise ValueError(
            f"{who}: sample_weight must be a finite array of shape ({n},), got shape "
            f"{sample_weight.shape}"
        )
    return sample_weight


class SVC(ClassifierMixin, BaseEstimator):
    """C-support vector classifier with a kernel, trained by SMO, one-vs-one for many classes.

    decision_function for classes a < b: f_ab(x) = Σᵢ αᵢ yᵢ k(xᵢ, x) − ρ_ab, positive for a.
    Parameters, fitted attributes and sign conventions are scikit-learn's (libsvm's): C, kernel
    ('linear' | 'poly' | 'rbf' | 'sigmoid'), degree, gamma ('scale' = 1/(d·Var X), 'auto' =
    1/d, or a float), coef0, shrinking, tol, cache_size (MB of kernel values kept),
    class_weight, max_iter (−1: no limit), decision_function_shape ('ovr' | 'ovo'), break_ties.

    Fitted: classes_, support_ (n_SV,), support_vectors_ (n_SV, d), n_support_ (n_classes,),
    dual_coef_ (n_classes − 1, n_SV), intercept_ (n_pairs,), coef_ (linear kernel only),
    class_weight_, n_iter_ (n_pairs,), fit_status_, shape_fit_, n_features_in_.
    """

    def __init__(
        self,
        *,
        C: float = 1.0,
        kernel: str = "rbf",
        degree: int = 3,
        gamma="scale",
        coef0: float = 0.0,
        shrinking: bool = True,
        tol: float = 1e-3,
        cache_size: float = 200,
        class_weight=None,
        max_iter: int = -1,
        decision_function_shape: str = "ovr",
        break_ties: bool = False,
    ):
        self.C = C
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.shrinking = shrinking
        self.tol = tol
        self.cache_size = cache_size
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.decision_function_shape = decision_function_shape
        self.break_ties = break_ties

    def _check_params(self, X: np.ndarray) -> float:
        """Validate the hyper-parameters; returns the numeric gamma."""
        if not isinstance(self.C, Real) or self.C <= 0:
            raise ValueError(f"SVC: C must be a number > 0, got {self.C!r}")
        if self.kernel not in KERNELS:
            raise ValueError(f"SVC: kernel must be one of {KERNELS}, got {self.kernel!r}")
        if not isinstance(self.degree, Integral) or self.degree < 0:
            raise ValueError(f"SVC: degree must be an integer >= 0, got {self.degree!r}")
        if not isinstance(self.tol, Real) or self.tol <= 0:
            raise ValueError(f"SVC: tol must be > 0, got {self.tol!r}")
        if not isinstance(self.max_iter, Integral) or self.max_iter < -1:
            raise ValueError(f"SVC: max_iter must be -1 or an integer >= 0, got {self.max_iter!r}")
        if self.decision_function_shape not in ("ovr", "ovo"):
            raise ValueError(
                "SVC: decision_function_shape must be 'ovr' or 'ovo', got "
                f"{self.decision_function_shape!r}"
            )
        if not isinstance(self.cache_size, Real) or self.cache_size <= 0:
            raise ValueError(f"SVC: cache_size must be > 0 (MB), got {self.cache_size!r}")
        if self.gamma == "scale":
            variance = X.var()
            return 1.0 / (X.shape[1] * variance) if variance != 0 else 1.0
        if self.gamma == "auto":
            return 1.0 / X.shape[1]
        if isinstance(self.gamma, Real) and not isinstance(self.gamma, bool) and self.gamma >= 0:
            return float(self.gamma)
        raise ValueError(f"SVC: gamma must be 'scale', 'auto' or a float >= 0, got {self.gamma!r}")

    def fit(self, X, y, sample_weight=None) -> SVC:
        """Train one SMO problem per pair of classes. X (n, d), y (n,); returns self."""
        X, y = check_X_y(X, y, estimator=self)
        gamma = self._check_params(X)
        self.classes_, y_index = check_classification_targets(y, estimator=self)
        self.n_features_in_, self.shape_fit_, self._gamma = X.shape[1], X.shape, gamma
        self.class_weight_ = _class_weights(self.class_weight, self.classes_, y_index, "SVC")
        C = self.C * self.class_weight_[y_index] * _sample_weight(sample_weight, len(y), "SVC")
        kernel = Kernel(self.kernel, gamma, self.degree, self.coef0)
        self._kernel = kernel

        budget = int(self.cache_size * 2**20 / 8)  # kernel values the cache may hold
        trainable = C > 0  # libsvm drops points of zero weight
        n_classes = len(self.classes_)
        solutions = []
        for a in range(n_classes):
            for b in range(a + 1, n_classes):
                sub = np.flatnonzero(trainable & ((y_index == a) | (y_index == b)))
                rows = _KernelRows(X[sub], kernel, kernel.diagonal(X[sub]), budget)
                y_pair = np.where(y_index[sub] == a, 1.0, -1.0)
                solver = _SMOSolver(rows, y_pair, C[sub], self.tol, self.shrinking, self.max_iter)
                alpha, rho, n_iter, stopped = solver.solve()
                solutions.append((sub, alpha * y_pair, rho, n_iter, stopped))
        self._store_solution(X, y_index, solutions)
        return self

    def _store_solution(self, X, y_index, solutions) -> None:
        """Lay the pairwise solutions out as libsvm/scikit-learn do: support vectors grouped by
        class; the coefficient of a class-a SV in problem (a, b) in row b − 1 of dual_coef_, of
        a class-b SV in row a."""
        n, n_classes = len(y_index), len(self.classes_)
        is_support = np.zeros(n, dtype=bool)
        for sub, coef, *_ in solutions:
            is_support[sub[coef != 0]] = True
        self.support_ = np.concatenate(
            [np.flatnonzero(is_support & (y_index == c)) for c in range(n_classes)]
        ).astype(np.int32)
        self.n_support_ = np.bincount(y_index[self.support_], minlength=n_classes).astype(np.int32)
        self.support_vectors_ = X[self.support_]
        column = np.full(n, -1)
        column[self.support_] = np.arange(len(self.support_))

        n_pairs = len(solutions)
        dual_coef = np.zeros((n_classes - 1, len(self.support_)))
        pair_coef = np.zeros((len(self.support_), n_pairs))  # f_p(x) = k(x, SV) @ pair_coef[:, p]
        pairs = [(a, b) for a in range(n_classes) for b in range(a + 1, n_classes)]
        for p, ((a, b), (sub, coef, *_)) in enumerate(zip(pairs, solutions, strict=True)):
            nonzero = coef != 0
            cols, labels = column[sub[nonzero]], y_index[sub[nonzero]]
            dual_coef[np.where(labels == a, b - 1, a), cols] = coef[nonzero]
            pair_coef[cols, p] = coef[nonzero]
        self._pair_coef = pair_coef
        self._intercept = np.array([-rho for _, _, rho, _, _ in solutions])
        self.n_iter_ = np.array([n_iter for *_, n_iter, _ in solutions], dtype=np.int32)
        self.fit_status_ = int(any(stopped for *_, stopped in solutions))
        if self.fit_status_:
            warnings.warn(
                f"SVC: the solver stopped at max_iter={self.max_iter} before reaching tol; "
                "consider scaling the data (StandardScaler) or raising max_iter.",
                ConvergenceWarning,
                stacklevel=3,
            )
        # scikit-learn reports the binary case with the sign flipped: positive means classes_[1]
        sign = -1.0 if n_classes == 2 else 1.0
        self.dual_coef_ = sign * dual_coef
        self.intercept_ = sign * self._intercept

    @property
    def coef_(self) -> np.ndarray:
        """Primal weights w_ab = Σᵢ αᵢ yᵢ xᵢ per pair (linear kernel only). (n_pairs, d)."""
        if self.kernel != "linear":
            raise AttributeError("coef_ is only available when using a linear kernel")
        check_is_fitted(self, "support_")
        coef = self._pair_coef.T @ self.support_vectors_
        return -coef if len(self.classes_) == 2 else coef

    def _ovo_decision(self, X) -> np.ndarray:
        """libsvm's pairwise values f_ab(x), positive for class a. (m, d) → (m, n_pairs)."""
        check_is_fitted(self, "support_")
        X = check_array(X, estimator=self)
        check_n_features(self, X)
        out = np.empty((X.shape[0], self._pair_coef.shape[1]))
        rows = max(1, _BLOCK_ELEMENTS // max(1, len(self.support_)))
        for s in range(0, X.shape[0], rows):
            block = self._kernel(X[s : s + rows], self.support_vectors_)
            out[s : s + rows] = block @ self._pair_coef + self._intercept
        return out

    def decision_function(self, X) -> np.ndarray:
        """Binary: (m,), positive for classes_[1]. Many classes: 'ovo' gives the (m, n_pairs)
        pairwise values, 'ovr' (m, n_classes) votes plus confidences squashed into (−⅓, ⅓)."""
        dec = self._ovo_decision(X)
        n_classes = len(self.classes_)
        if n_classes == 2:
            return -dec[:, 0]
        if self.decision_function_shape == "ovo":
            return dec
        votes = np.zeros((dec.shape[0], n_classes))
        confidence = np.zeros((dec.shape[0], n_classes))
        p = 0
        for a in range(n_classes):
            for b in range(a + 1, n_classes):
                votes[:, a] += dec[:, p] >= 0
                votes[:, b] += dec[:, p] < 0
                confidence[:, a] += dec[:, p]
                confidence[:, b] -= dec[:, p]
                p += 1
        return votes + confidence / (3 * (np.abs(confidence) + 1))

    def predict(self, X) -> np.ndarray:
        """One-vs-one vote (ties to the first class), as libsvm. X (m, d) → (m,)."""
        if self.break_ties and self.decision_function_shape == "ovo":
            raise ValueError("SVC: break_ties must be False when decision_function_shape is 'ovo'")
        if self.break_ties and len(self.classes_) > 2:
            return self.classes_[np.argmax(self.decision_function(X), axis=1)]
        dec = self._ovo_decision(X)
        n_classes = len(self.classes_)
        votes = np.zeros((dec.shape[0], n_classes), dtype=np.intp)
        p = 0
        for a in range(n_classes):
            for b in range(a + 1, n_classes):
                votes[:, a] += dec[:, p] > 0
                votes[:, b] += dec[:, p] <= 0
                p += 1
        return self.classes_[np.argmax(votes, axis=1)]


# ---------------------------------------------------------------------------------------------
# LinearSVC
# ---------------------------------------------------------------------------------------------


def _dual_coordinate_descent(X, y, C, loss, tol, max_iter, rng):
    """Dual coordinate descent for L2-regularised (squared) hinge loss (Hsieh et al. 2008).

    Dual: min_α ½ αᵀ(Q + D)α − eᵀα, 0 ≤ αᵢ ≤ Uᵢ, with Qᵢⱼ = yᵢyⱼ xᵢᵀxⱼ and, for the squared
    hinge, Dᵢᵢ = 1/(2Cᵢ), Uᵢ = ∞; for the hinge, D = 0, Uᵢ = Cᵢ. w = Σ αᵢ yᵢ xᵢ is kept up to
    date so a coordinate's gradient Gᵢ = yᵢ wᵀxᵢ − 1 + Dᵢᵢ αᵢ costs one dot product; each pass
    visits the active coordinates in random order, and coordinates at a bound whose gradient
    points outward beyond last pass's extreme projected gradients are shrunk (liblinear's
    solve_l2r_l1l2_svc). Stops when max PG − min PG ≤ tol over all coordinates.
    X (n, d), y (n,) in {−1, +1}, C (n,). Returns (w (d,), passes).
    """
    n = X.shape[0]
    if loss == "squared_hinge":
        diag, upper = 0.5 / C, np.full(n, np.inf)
    else:
        diag, upper = np.zeros(n), C.astype(np.float64)
    QD = np.einsum("ij,ij->i", X, X) + diag
    rows = list(X)
    y_list, diag_list, upper_list, QD_list = y.tolist(), diag.tolist(), upper.tolist(), QD.tolist()
    alpha = [0.0] * n
    w = np.zeros(X.shape[1])
    active = np.arange(n)
    PG_max_old, PG_min_old = np.inf, -np.inf
    n_pass = 0
    while n_pass < max_iter:
        n_pass += 1
        PG_max, PG_min = -np.inf, np.inf
        shrunk = []
        for i in rng.permutation(active).tolist():
            x_i, y_i, a_i, U_i = rows[i], y_list[i], alpha[i], upper_list[i]
            G = y_i * float(x_i @ w) - 1.0 + a_i * diag_list[i]
            PG = 0.0
            if a_i == 0.0:
                if G > PG_max_old:
                    shrunk.append(i)
                    continue
                PG = min(G, 0.0)
            elif a_i == U_i:
                if G < PG_min_old:
                    shrunk.append(i)
                    continue
                PG = max(G, 0.0)
            else:
                PG = G
            PG_max, PG_min = max(PG_max, PG), min(PG_min, PG)
            if abs(PG) > 1e-12:
                new = min(max(a_i - G / QD_list[i], 0.0), U_i)
                w += ((new - a_i) * y_i) * x_i
                alpha[i] = new
        if shrunk:
            active = np.setdiff1d(active, shrunk)
        if PG_max - PG_min <= tol:
            if len(active) == n:
                break
            active = np.arange(n)  # converged on the active set: check every coordinate
            PG_max_old, PG_min_old = np.inf, -np.inf
            continue
        PG_max_old = PG_max if PG_max > 0 else np.inf
        PG_min_old = PG_min if PG_min < 0 else -np.inf
    return w, n_pass


def _primal_newton(X, y, C, tol, max_iter):
    """Newton's method for min_w f(w) = ½‖w‖² + Σᵢ Cᵢ max(0, 1 − yᵢ wᵀxᵢ)².

    f is convex with a Lipschitz gradient, ∇f = w − 2 Σ_{i∈A} Cᵢ (1 − yᵢ wᵀxᵢ) yᵢ xᵢ over the
    margin violators A, and generalised Hessian H = I + 2 X_Aᵀ diag(C_A) X_A. Each step solves
    H s = −∇f by conjugate gradients (to ‖residual‖ ≤ 0.1‖∇f‖, using only products with X)
    and backtracks s until the Armijo condition holds (Lin, Weng & Keerthi 2008; Keerthi &
    DeCoste 2005). Stops, as liblinear, when ‖∇f‖ ≤ ε ‖∇f(0)‖ with ε = tol · max(min(n₊, n₋),
    1) / n. X (n, d), y (n,) in {−1, +1}, C (n,). Returns (w (d,), iterations).
    """
    n = X.shape[0]
    eps = tol * max(min(np.sum(y > 0), np.sum(y < 0)), 1) / n

    def objective(w):
        margin = 1.0 - y * (X @ w)
        violated = margin > 0
        return 0.5 * w @ w + np.sum(C[violated] * margin[violated] ** 2), margin, violated

    w = np.zeros(X.shape[1])
    f, margin, violated = objective(w)
    n_iter = 0
    g0_norm = None
    while n_iter < max_iter:
        X_A, weight = X[violated], 2.0 * C[violated]
        grad = w - X_A.T @ (weight * margin[violated] * y[violated])
        g_norm = np.sqrt(grad @ grad)
        g0_norm = g_norm if g0_norm is None else g0_norm
        if g_norm <= eps * g0_norm:
            break
        n_iter += 1

        def hessian_times(v, X_A=X_A, weight=weight):  # H v = v + 2 X_Aᵀ diag(C_A) X_A v
            return v + X_A.T @ (weight * (X_A @ v))

        step = _conjugate_gradient(hessian_times, -grad, 0.1 * g_norm)
        slope = grad @ step
        size = 1.0
        while True:  # backtracking (Armijo); f is piecewise quadratic, so 1 is often accepted
            f_new, margin_new, violated_new = objective(w + size * step)
            if f_new - f <= 0.01 * size * slope or size < 1e-10:
                break
            size *= 0.5
        w = w + size * step
        f, margin, violated = f_new, margin_new, violated_new
    return w, n_iter


def _conjugate_gradient(hess_vec, b, tolerance):
    """Solve H s = b for symmetric positive definite H given by products (Golub & Van Loan 4th
    ed. §11.3), until ‖b − H s‖ ≤ tolerance."""
    s = np.zeros_like(b)
    r = b.copy()
    d = r.copy()
    rr = r @ r
    for _ in range(2 * len(b)):
        if np.sqrt(rr) <= tolerance:
            break
        Hd = hess_vec(d)
        step = rr / (d @ Hd)
        s += step * d
        r -= step * Hd
        rr, rr_old = r @ r, rr
        d = r + (rr / rr_old) * d
    return s


class LinearSVC(ClassifierMixin, BaseEstimator):
    """Linear SVM, one-vs-rest, with liblinear's formulation and scikit-learn's parameters.

    min_w ½‖w‖² + Σᵢ Cᵢ ℓ(yᵢ wᵀx̃ᵢ), x̃ = [x, intercept_scaling], ℓ = squared hinge or hinge.
    dual: True (coordinate descent), False (primal Newton, squared hinge only) or 'auto'.
    For class k against the rest, positives get C·class_weight[k] and the rest C (liblinear).
    Fitted: classes_, coef_ (1, d) for two classes else (n_classes, d), intercept_, n_iter_.
    """

    def __init__(
        self,
        penalty: str = "l2",
        loss: str = "squared_hinge",
        *,
        dual="auto",
        tol: float = 1e-4,
        C: float = 1.0,
        fit_intercept: bool = True,
        intercept_scaling: float = 1.0,
        class_weight=None,
        random_state=None,
        max_iter: int = 1000,
    ):
        self.penalty = penalty
        self.loss = loss
        self.dual = dual
        self.tol = tol
        self.C = C
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.class_weight = class_weight
        self.random_state = random_state
        self.max_iter = max_iter

    def _use_dual(self, X: np.ndarray) -> bool:
        if self.penalty != "l2":
            raise ValueError(f"LinearSVC: only penalty='l2' is implemented, got {self.penalty!r}")
        if self.loss not in ("squared_hinge", "hinge"):
            raise ValueError(
                f"LinearSVC: loss must be 'squared_hinge' or 'hinge', got {self.loss!r}"
            )
        if not isinstance(self.C, Real) or self.C <= 0:
            raise ValueError(f"LinearSVC: C must be a number > 0, got {self.C!r}")
        if not isinstance(self.tol, Real) or self.tol <= 0:
            raise ValueError(f"LinearSVC: tol must be > 0, got {self.tol!r}")
        if not isinstance(self.max_iter, Integral) or self.max_iter < 0:
            raise ValueError(f"LinearSVC: max_iter must be an integer >= 0, got {self.max_iter!r}")
        if self.fit_intercept and self.intercept_scaling <= 0:
            raise ValueError(
                f"LinearSVC: intercept_scaling must be > 0, got {self.intercept_scaling!r}"
            )
        if self.dual == "auto":  # scikit-learn: the primal when n_samples >= n_features
            return X.shape[0] < X.shape[1] or self.loss == "hinge"
        if self.dual not in (True, False):
            raise ValueError(f"LinearSVC: dual must be True, False or 'auto', got {self.dual!r}")
        if not self.dual and self.loss == "hinge":
            raise ValueError("LinearSVC: loss='hinge' is only supported with dual=True")
        return bool(self.dual)

    def fit(self, X, y, sample_weight=None) -> LinearSVC:
        """Train one binary problem (two classes) or one per class against the rest."""
        X, y = check_X_y(X, y, estimator=self)
        dual = self._use_dual(X)
        self.classes_, y_index = check_classification_targets(y, estimator=self)
        self.n_features_in_ = X.shape[1]
        rng = check_random_state(self.random_state)
        weights = _class_weights(self.class_weight, self.classes_, y_index, "LinearSVC")
        sample_weight = _sample_weight(sample_weight, len(y), "LinearSVC")
        if self.fit_intercept:  # the bias as one more feature, of value intercept_scaling
            X = np.hstack([X, np.full((len(y), 1), float(self.intercept_scaling))])

        n_classes = len(self.classes_)
        positives = [1] if n_classes == 2 else range(n_classes)
        coefs, iterations = [], []
        for k in positives:
            y_k = np.where(y_index == k, 1.0, -1.0)
            negative_weight = weights[0] if n_classes == 2 else 1.0
            C = self.C * sample_weight * np.where(y_k > 0, weights[k], negative_weight)
            if dual:
                w, n_iter = _dual_coordinate_descent(
                    X, y_k, C, self.loss, self.tol, self.max_iter, rng
                )
            else:
                w, n_iter = _primal_newton(X, y_k, C, self.tol, self.max_iter)
            coefs.append(w)
            iterations.append(n_iter)
        self.n_iter_ = max(iterations)
        if self.n_iter_ >= self.max_iter:
            warnings.warn(
                "LinearSVC: the solver did not converge within max_iter; increase max_iter.",
                ConvergenceWarning,
                stacklevel=2,
            )
        W = np.array(coefs)
        if self.fit_intercept:
            self.coef_, self.intercept_ = W[:, :-1], self.intercept_scaling * W[:, -1]
        else:
            self.coef_, self.intercept_ = W, 0.0
        return self

    def decision_function(self, X) -> np.ndarray:
        """wᵀx + b: (m,) for two classes (positive for classes_[1]), else (m, n_classes)."""
        check_is_fitted(self, "coef_")
        X = check_array(X, estimator=self)
        check_n_features(self, X)
        scores = X @ self.coef_.T + self.intercept_
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict(self, X) -> np.ndarray:
        """The class of largest score (the sign of the score for two classes). (m, d) → (m,)."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(np.intp)]
        return self.classes_[np.argmax(scores, axis=1)]
