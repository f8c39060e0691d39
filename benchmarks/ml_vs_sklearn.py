"""Fit time and held-out score of nashai.ml's estimators against scikit-learn's, side by side.

For every estimator of the table and every data set, both libraries get the same
hyper-parameters and the same train/test split; the script times their fits (best of a few
runs for the fast ones), scores both on the test split, and prints a Markdown table with the
ratio of fit times nashai/sklearn and the two scores, then checks the goals:

    median ratio <= 2,   no ratio above 5,   accuracy never more than 1 point below sklearn.

Scores: accuracy for classifiers, R² for regressors, the adjusted Rand index against the true
classes for clusterers, and the R² of the reconstruction inverse_transform(transform(X)) for
transformers. For the nearest-neighbour estimators, whose work happens at prediction time,
fit + predict is timed. An estimator that nashai.ml does not have yet is listed as
"n/a (not implemented)"; one that raises is listed with its error; the script never stops.

    uv run python benchmarks/ml_vs_sklearn.py            # digits, breast cancer, 20k x 40
    uv run python benchmarks/ml_vs_sklearn.py --quick    # the two small data sets only
    uv run python benchmarks/ml_vs_sklearn.py --only SVC KMeans

Both sides run on one thread (BLAS and OpenMP) unless OPENBLAS_NUM_THREADS / OMP_NUM_THREADS /
MKL_NUM_THREADS are set: scikit-learn's single-threaded estimators are the reference, and
multi-threaded BLAS on a shared machine swings timings by 10x from run to run.
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")  # before NumPy loads its BLAS

import argparse  # noqa: E402
import importlib  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_digits, make_classification, make_regression  # noqa: E402
from sklearn.metrics import accuracy_score, adjusted_rand_score, r2_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import MinMaxScaler, StandardScaler  # noqa: E402

SEED = 0


# ---------------------------------------------------------------------------------------------
# Data sets
# ---------------------------------------------------------------------------------------------


@dataclass
class DataSet:
    """One data set, split once: class labels for classifiers and clusterers, a continuous
    target for regressors. Features standardised (and min-max scaled, for the count-based
    naive Bayes models) with statistics of the training split."""

    name: str
    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    Xr_train: np.ndarray
    Xr_test: np.ndarray
    yr_train: np.ndarray
    yr_test: np.ndarray
    n_classes: int
    minmax: dict = field(default_factory=dict)

    def features(self, kind: str, scaling: str):
        """(X_train, X_test, y_train, y_test) for an estimator of that kind and scaling."""
        if kind == "regressor":
            return self.Xr_train, self.Xr_test, self.yr_train, self.yr_test
        if scaling == "minmax":
            return self.minmax["train"], self.minmax["test"], self.y_train, self.y_test
        return self.X_train, self.X_test, self.y_train, self.y_test


def _standardise(train: np.ndarray, test: np.ndarray):
    scaler = StandardScaler().fit(train)
    return scaler.transform(train), scaler.transform(test)


def _classification_set(name: str, X: np.ndarray, y: np.ndarray, Xr=None, yr=None) -> DataSet:
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=SEED
    )
    minmax = MinMaxScaler().fit(X_train)
    minmax = {"train": minmax.transform(X_train), "test": np.clip(minmax.transform(X_test), 0, 1)}
    X_train, X_test = _standardise(X_train, X_test)
    if Xr is None:  # a linear target on the same (standardised) features, plus noise
        rng = np.random.default_rng(SEED)
        Xr = StandardScaler().fit_transform(X)
        yr = Xr @ rng.standard_normal(X.shape[1]) + 0.5 * rng.standard_normal(X.shape[0])
    Xr_train, Xr_test, yr_train, yr_test = train_test_split(
        Xr, yr, test_size=0.25, random_state=SEED
    )
    Xr_train, Xr_test = _standardise(Xr_train, Xr_test)
    return DataSet(
        name,
        X_train,
        X_test,
        y_train,
        y_test,
        Xr_train,
        Xr_test,
        yr_train,
        yr_test,
        int(np.unique(y).shape[0]),
        minmax,
    )


def load_data_sets(quick: bool) -> list[DataSet]:
    sets = [
        _classification_set("digits", *load_digits(return_X_y=True)),
        _classification_set("breast cancer", *load_breast_cancer(return_X_y=True)),
    ]
    if not quick:
        X, y = make_classification(
            n_samples=20_000, n_features=40, n_informative=20, n_redundant=5, random_state=SEED
        )
        Xr, yr = make_regression(
            n_samples=20_000, n_features=40, n_informative=20, noise=10.0, random_state=SEED
        )
        sets.append(_classification_set("synthetic 20000x40", X, y, Xr, yr))
    return sets


# ---------------------------------------------------------------------------------------------
# The estimators
# ---------------------------------------------------------------------------------------------


class NotImplementedInNashai(Exception):
    """The nashai.ml module or class does not exist (yet)."""


def factory(library: str, module: str, name: str) -> Callable[..., object]:
    """A constructor that imports `<library>.<module>.<name>` only when called. A missing
    nashai module or class raises NotImplementedInNashai; a module that exists but fails to
    import raises its own error (reported as such, not as "not implemented")."""
    path = f"{library}.{module}"

    def make(**params):
        try:
            found = importlib.import_module(path)
        except ModuleNotFoundError as err:
            if library == "nashai.ml" and err.name == path:
                raise NotImplementedInNashai(str(err)) from None
            raise
        if library == "nashai.ml" and not hasattr(found, name):
            raise NotImplementedInNashai(f"{path} has no {name}")
        return getattr(found, name)(**params)

    return make


@dataclass
class Entry:
    name: str
    nashai: Callable[..., object]
    sklearn: Callable[..., object]
    kind: str  # classifier | regressor | clusterer | transformer
    params: dict | Callable[[DataSet], dict] = field(default_factory=dict)
    scaling: str = "standard"  # 'minmax' for count-based naive Bayes
    timed: str = "fit"  # 'fit+predict' for lazy learners


def entry(name, module, kind, params=None, **options) -> Entry:
    return Entry(
        name,
        factory("nashai.ml", module, name),
        factory("sklearn", module, name),
        kind,
        params or {},
        **options,
    )


def _clusters(**params):
    return lambda data: {"n_clusters": data.n_classes, **params}


def _components(**params):
    return lambda data: {"n_components": data.n_classes, **params}


# Shared hyper-parameters; ensemble sizes kept moderate for the 20,000-row set.
ESTIMATORS = [
    entry("LinearRegression", "linear_model", "regressor"),
    entry("Ridge", "linear_model", "regressor", {"alpha": 1.0}),
    entry("Lasso", "linear_model", "regressor", {"alpha": 0.1}),
    entry("ElasticNet", "linear_model", "regressor", {"alpha": 0.1, "l1_ratio": 0.5}),
    entry("LogisticRegression", "linear_model", "classifier", {"max_iter": 1000}),
    entry("SGDClassifier", "linear_model", "classifier", {"random_state": SEED}),
    entry("SGDRegressor", "linear_model", "regressor", {"random_state": SEED}),
    entry(
        "KNeighborsClassifier", "neighbors", "classifier", {"n_neighbors": 5}, timed="fit+predict"
    ),
    entry("KNeighborsRegressor", "neighbors", "regressor", {"n_neighbors": 5}, timed="fit+predict"),
    entry("GaussianNB", "naive_bayes", "classifier"),
    entry("MultinomialNB", "naive_bayes", "classifier", scaling="minmax"),
    entry("BernoulliNB", "naive_bayes", "classifier", {"binarize": 0.5}, scaling="minmax"),
    entry("SVC", "svm", "classifier", {"C": 1.0, "kernel": "rbf", "gamma": "scale"}),
    entry("LinearSVC", "svm", "classifier", {"C": 1.0, "random_state": SEED}),
    entry("DecisionTreeClassifier", "tree", "classifier", {"random_state": SEED}),
    entry("DecisionTreeRegressor", "tree", "regressor", {"random_state": SEED}),
    entry(
        "RandomForestClassifier",
        "ensemble",
        "classifier",
        {"n_estimators": 50, "random_state": SEED},
    ),
    entry(
        "RandomForestRegressor",
        "ensemble",
        "regressor",
        {"n_estimators": 30, "max_features": "sqrt", "random_state": SEED},
    ),
    entry(
        "GradientBoostingClassifier",
        "ensemble",
        "classifier",
        {"n_estimators": 50, "max_depth": 3, "random_state": SEED},
    ),
    entry(
        "GradientBoostingRegressor",
        "ensemble",
        "regressor",
        {"n_estimators": 50, "max_depth": 3, "random_state": SEED},
    ),
    entry("KMeans", "cluster", "clusterer", _clusters(n_init=3, random_state=SEED)),
    entry("GaussianMixture", "mixture", "clusterer", _components(random_state=SEED)),
    entry("PCA", "decomposition", "transformer", {"n_components": 10}),
    entry(
        "FastICA",
        "decomposition",
        "transformer",
        {"n_components": 10, "whiten": "unit-variance", "max_iter": 400, "random_state": SEED},
    ),
]

SCORE_NAMES = {
    "classifier": "accuracy",
    "regressor": "R²",
    "clusterer": "ARI",
    "transformer": "recon. R²",
}


# ---------------------------------------------------------------------------------------------
# Timing and scoring
# ---------------------------------------------------------------------------------------------


def fit_once(make: Callable[[], object], entry: Entry, X, y, X_test):
    """One timed fit (or fit + predict) of a fresh model. Returns (seconds, model)."""
    model = make()
    start = time.perf_counter()
    if entry.kind in ("clusterer", "transformer"):
        model.fit(X)
    else:
        model.fit(X, y)
    if entry.timed == "fit+predict":
        model.predict(X_test)
    return time.perf_counter() - start, model


def time_pair(entry: Entry, params: dict, X, y, X_test, repeats: int):
    """Best wall time of each library over up to `repeats` runs, alternating sklearn and nashai
    so that a change in the machine's load hits both alike; at least three runs (unless a pair
    takes over ten seconds), more while the total stays under two seconds. A nashai error is
    returned in place of its (seconds, model).
    Returns ((sk_seconds, sk_model), (nashai_seconds, nashai_model) or the exception)."""
    sk_best, na_best, total = float("inf"), float("inf"), 0.0
    sk_model = na_model = None
    for run in range(repeats):
        sk_time, sk_model = fit_once(lambda: entry.sklearn(**params), entry, X, y, X_test)
        try:
            na_time, na_model = fit_once(lambda: entry.nashai(**params), entry, X, y, X_test)
        except Exception as err:  # a benchmark reports errors, it does not stop on them
            return (sk_time, sk_model), err
        sk_best, na_best = min(sk_best, sk_time), min(na_best, na_time)
        total += sk_time + na_time
        if total > 2.0 and (run >= 2 or total > 10.0):  # 3 runs at least, unless slow
            break
    return (sk_best, sk_model), (na_best, na_model)


def score(model, kind: str, X_test, y_test) -> float:
    if kind == "classifier":
        return accuracy_score(y_test, model.predict(X_test))
    if kind == "regressor":
        return r2_score(y_test, model.predict(X_test))
    if kind == "clusterer":
        return adjusted_rand_score(y_test, model.predict(X_test))
    reconstruction = model.inverse_transform(model.transform(X_test))
    return r2_score(X_test, reconstruction, multioutput="variance_weighted")


@dataclass
class Row:
    entry: Entry
    data: str
    ratio: float | None = None
    nashai_time: float | None = None
    sklearn_time: float | None = None
    nashai_score: float | None = None
    sklearn_score: float | None = None
    note: str = ""

    def markdown(self) -> str:
        name = self.entry.name + (" (fit+predict)" if self.entry.timed != "fit" else "")
        metric = SCORE_NAMES[self.entry.kind]
        if self.ratio is None:
            return f"| {name} | {self.data} | {self.note} | | | {metric} | | | |"
        diff = self.nashai_score - self.sklearn_score
        return (
            f"| {name} | {self.data} | {self.ratio:.2f} | {self.nashai_time:.4f} | "
            f"{self.sklearn_time:.4f} | {metric} | {self.nashai_score:.4f} | "
            f"{self.sklearn_score:.4f} | {diff:+.4f} |"
        )


def _error(err: Exception) -> str:
    return f"error: {type(err).__name__}: {str(err)[:80]}"


def run_one(entry: Entry, data: DataSet, repeats: int) -> Row:
    """Fit and score both libraries' estimator on one data set; never raises for nashai."""
    row = Row(entry, data.name)
    params = entry.params(data) if callable(entry.params) else entry.params
    X_train, X_test, y_train, y_test = data.features(entry.kind, entry.scaling)
    try:
        entry.nashai(**params)  # is it there at all?
    except NotImplementedInNashai:
        row.note = "n/a (not implemented)"
        return row
    except Exception as err:  # a benchmark reports errors, it does not stop on them
        row.note = _error(err)
        return row
    (sk_time, sk_model), nashai = time_pair(entry, params, X_train, y_train, X_test, repeats)
    row.sklearn_time, row.sklearn_score = sk_time, score(sk_model, entry.kind, X_test, y_test)
    if isinstance(nashai, Exception):
        row.note = _error(nashai)
        return row
    row.nashai_time, model = nashai
    try:
        row.nashai_score = float(score(model, entry.kind, X_test, y_test))
    except Exception as err:
        row.note = _error(err)
        return row
    row.ratio = row.nashai_time / sk_time
    return row


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


def summarise(rows: list[Row]) -> list[str]:
    measured = [r for r in rows if r.ratio is not None]
    missing = [r for r in rows if r.ratio is None]
    lines = [""]
    if not measured:
        lines.append("No estimator could be measured.")
        return lines
    ratios = [r.ratio for r in measured]
    median = statistics.median(ratios)
    worst = max(measured, key=lambda r: r.ratio)
    above_5 = [r for r in measured if r.ratio > 5]
    accuracy_drops = [
        r
        for r in measured
        if r.entry.kind == "classifier" and r.nashai_score < r.sklearn_score - 0.01
    ]
    other_drops = [
        r
        for r in measured
        if r.entry.kind != "classifier" and r.nashai_score < r.sklearn_score - 0.01
    ]

    def ok(flag: bool) -> str:
        return "met" if flag else "NOT met"

    def names(rs: list[Row]) -> str:
        return ", ".join(f"{r.entry.name} on {r.data}" for r in rs)

    lines += [
        f"Measured {len(measured)} of {len(rows)} (estimator, data set) pairs; "
        f"{len(missing)} not measured (n/a or error).",
        f"Median fit-time ratio nashai/sklearn: {median:.2f}",
        f"Max fit-time ratio: {worst.ratio:.2f} ({worst.entry.name} on {worst.data})",
        "",
        f"- Goal median ratio <= 2: {ok(median <= 2)}",
        f"- Goal no ratio above 5: {ok(not above_5)}"
        + (f" (above 5: {names(above_5)})" if above_5 else ""),
        f"- Goal accuracy never more than 1 point below sklearn: {ok(not accuracy_drops)}"
        + (f" (below: {names(accuracy_drops)})" if accuracy_drops else ""),
    ]
    if other_drops:
        lines.append(f"- Other scores more than 0.01 below sklearn: {names(other_drops)}")
    if missing:
        lines.append("- Goals are judged on the measured pairs only: this is not the full table.")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="digits and breast cancer only")
    parser.add_argument("--repeats", type=int, default=7, help="most timed runs per fit")
    parser.add_argument("--only", nargs="*", metavar="NAME", help="only these estimators")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")  # convergence chatter from either library

    entries = [e for e in ESTIMATORS if not args.only or e.name in args.only]
    unknown = set(args.only or []) - {e.name for e in ESTIMATORS}
    if unknown:
        parser.error(f"unknown estimator(s): {sorted(unknown)}")
    data_sets = load_data_sets(args.quick)

    print(
        f"# nashai.ml vs scikit-learn {sklearn.__version__} (numpy {np.__version__}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs)\n"
    )
    print(
        "Ratio = nashai fit time / sklearn fit time (lower is better); times in seconds, best "
        f"of up to {args.repeats} runs.\n"
    )
    print(
        "| estimator | data set | ratio | nashai (s) | sklearn (s) | score | nashai | sklearn "
        "| diff |"
    )
    print("|---|---|---:|---:|---:|---|---:|---:|---:|")
    rows = []
    for e in entries:
        for data in data_sets:
            row = run_one(e, data, args.repeats)
            rows.append(row)
            print(row.markdown(), flush=True)
    print("\n".join(summarise(rows)))


if __name__ == "__main__":
    main()
