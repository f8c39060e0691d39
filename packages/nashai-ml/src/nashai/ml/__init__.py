"""nashai.ml: classical machine learning with scikit-learn's estimator API (being written)."""

from nashai.ml.base import BaseEstimator, NotFittedError, clone

__all__ = ["BaseEstimator", "NotFittedError", "clone"]
__version__ = "0.1.0"
