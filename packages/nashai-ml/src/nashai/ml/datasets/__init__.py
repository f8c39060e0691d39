"""Data sets: the classic small ones shipped with the package, and synthetic generators.

load_iris, load_digits, load_wine, load_breast_cancer   read from the files in data/
make_classification, make_regression, make_blobs,       drawn from a seeded Generator
make_moons, make_circles
"""

from nashai.ml.datasets._generators import (
    make_blobs,
    make_circles,
    make_classification,
    make_moons,
    make_regression,
)
from nashai.ml.datasets._loaders import (
    Bunch,
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
)

__all__ = [
    "Bunch",
    "load_breast_cancer",
    "load_digits",
    "load_iris",
    "load_wine",
    "make_blobs",
    "make_circles",
    "make_classification",
    "make_moons",
    "make_regression",
]
