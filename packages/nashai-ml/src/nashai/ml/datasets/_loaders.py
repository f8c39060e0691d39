"""The small classic data sets, read from the files shipped in nashai/ml/datasets/data/.

Files are located with importlib.resources (so they are found inside an installed wheel) and
parsed with the standard library's csv and gzip modules into NumPy arrays.
"""

from __future__ import annotations

import csv
import gzip
import io
from importlib import resources

import numpy as np


class Bunch(dict):
    """A dict whose keys are also attributes: bunch.data is bunch["data"]."""

    def __getattr__(self, key: str):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __setattr__(self, key: str, value) -> None:
        self[key] = value

    def __dir__(self):
        return list(self.keys())


_DATA = resources.files("nashai.ml.datasets").joinpath("data")


def _read_text(name: str) -> str:
    """A file of the data folder as text (gunzipped if its name ends in .gz)."""
    resource = _DATA.joinpath(name)
    if name.endswith(".gz"):
        with resource.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as text:
            return text.read()
    return resource.read_text(encoding="utf-8")


def _read_rows(name: str) -> list[list[str]]:
    return [row for row in csv.reader(io.StringIO(_read_text(name))) if row]


def _load_csv_with_header(name: str):
    """Files whose first row is "n_samples,n_features,target names..." and whose rows end in
    the integer class. Returns (data (n, p) float64, target (n,) int64, target_names)."""
    header, *rows = _read_rows(name)
    n_samples, n_features = int(header[0]), int(header[1])
    table = np.array(rows, dtype=np.float64)
    if table.shape != (n_samples, n_features + 1):
        raise ValueError(
            f"{name} is damaged: its header promises {n_samples} rows of {n_features} features "
            f"and a target, but it holds {table.shape}"
        )
    return table[:, :-1], table[:, -1].astype(np.int64), np.array(header[2:])


def _describe(name: str) -> str:
    return _DATA.joinpath("descr", name).read_text(encoding="utf-8")


def _bunch_or_tuple(return_X_y: bool, **fields):
    if return_X_y:
        return fields["data"], fields["target"]
    return Bunch(**fields)


def load_iris(*, return_X_y: bool = False):
    """Fisher's iris data: 150 flowers, 4 measurements (cm), 3 species of 50 each.

    Returns a Bunch with data (150, 4) float64, target (150,) int64, feature_names,
    target_names, DESCR and filename; or (data, target) with return_X_y=True.
    """
    data, target, target_names = _load_csv_with_header("iris.csv")
    return _bunch_or_tuple(
        return_X_y,
        data=data,
        target=target,
        feature_names=[
            "sepal length (cm)",
            "sepal width (cm)",
            "petal length (cm)",
            "petal width (cm)",
        ],
        target_names=target_names,
        DESCR=_describe("iris.rst"),
        filename="iris.csv",
    )


def load_wine(*, return_X_y: bool = False):
    """The UCI wine data: 178 wines, 13 chemical measurements, 3 cultivars.

    Returns a Bunch with data (178, 13) float64, target (178,) int64, feature_names,
    target_names, DESCR and filename; or (data, target) with return_X_y=True.
    """
    data, target, target_names = _load_csv_with_header("wine_data.csv")
    return _bunch_or_tuple(
        return_X_y,
        data=data,
        target=target,
        feature_names=[
            "alcohol",
            "malic_acid",
            "ash",
            "alcalinity_of_ash",
            "magnesium",
            "total_phenols",
            "flavanoids",
            "nonflavanoid_phenols",
            "proanthocyanins",
            "color_intensity",
            "hue",
            "od280/od315_of_diluted_wines",
            "proline",
        ],
        target_names=target_names,
        DESCR=_describe("wine_data.rst"),
        filename="wine_data.csv",
    )


_CELL_FEATURES = (
    "radius",
    "texture",
    "perimeter",
    "area",
    "smoothness",
    "compactness",
    "concavity",
    "concave points",
    "symmetry",
    "fractal dimension",
)


def load_breast_cancer(*, return_X_y: bool = False):
    """Breast Cancer Wisconsin (Diagnostic): 569 tumours, 30 features, malignant (0) or
    benign (1).

    The features are the mean, the standard error and the worst value of 10 measurements of
    the cell nuclei. Returns a Bunch with data (569, 30) float64, target (569,) int64,
    feature_names, target_names, DESCR and filename; or (data, target) with return_X_y=True.
    """
    data, target, target_names = _load_csv_with_header("breast_cancer.csv")
    feature_names = [f"mean {f}" for f in _CELL_FEATURES]
    feature_names += [f"{f} error" for f in _CELL_FEATURES]
    feature_names += [f"worst {f}" for f in _CELL_FEATURES]
    return _bunch_or_tuple(
        return_X_y,
        data=data,
        target=target,
        feature_names=np.array(feature_names),
        target_names=target_names,
        DESCR=_describe("breast_cancer.rst"),
        filename="breast_cancer.csv",
    )


def load_digits(*, n_class: int = 10, return_X_y: bool = False):
    """Handwritten digits: 1797 images of 8×8 pixels with counts 0–16, digits 0–9.

    n_class: keep only the digits 0 … n_class − 1. Returns a Bunch with data (n, 64) float64,
    images (n, 8, 8), target (n,) int64, feature_names ("pixel_<row>_<col>"), target_names
    and DESCR; or (data, target) with return_X_y=True.
    """
    if (
        isinstance(n_class, bool)
        or not isinstance(n_class, (int, np.integer))
        or not (1 <= n_class <= 10)
    ):
        raise ValueError(f"n_class must be an int between 1 and 10, got {n_class!r}")
    table = np.array(_read_rows("digits.csv.gz"), dtype=np.float64)
    data, target = table[:, :-1], table[:, -1].astype(np.int64)
    if n_class < 10:
        keep = target < n_class
        data, target = data[keep], target[keep]
    return _bunch_or_tuple(
        return_X_y,
        data=data,
        target=target,
        images=data.reshape(-1, 8, 8),
        feature_names=[f"pixel_{row}_{col}" for row in range(8) for col in range(8)],
        target_names=np.arange(10),
        DESCR=_describe("digits.rst"),
    )
