"""Tree ensembles with scikit-learn's API.

Files:
    _forest.py             RandomForestClassifier, RandomForestRegressor (bagged exact CART).
    _gradient_boosting.py  GradientBoostingClassifier, GradientBoostingRegressor (binned trees).
"""

from nashai.ml.ensemble._forest import RandomForestClassifier, RandomForestRegressor
from nashai.ml.ensemble._gradient_boosting import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
)

__all__ = [
    "GradientBoostingClassifier",
    "GradientBoostingRegressor",
    "RandomForestClassifier",
    "RandomForestRegressor",
]
