"""Decision trees (CART) with scikit-learn's API.

Files:
    _tree.py           `Tree`: a fitted tree in flat arrays, vectorised prediction over many trees.
    _exact_builder.py  exact CART growth, level by level, on sorted feature values.
    _hist_builder.py   histogram (binned) growth for gradient boosting.
    _classes.py        DecisionTreeClassifier, DecisionTreeRegressor.
"""

from nashai.ml.tree._classes import DecisionTreeClassifier, DecisionTreeRegressor
from nashai.ml.tree._tree import Tree

__all__ = ["DecisionTreeClassifier", "DecisionTreeRegressor", "Tree"]
