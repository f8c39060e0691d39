"""nashai.ml: classical machine learning with scikit-learn's estimator API, built on nashai-math.

Not implemented yet: this module is empty on purpose (see the package README).
"""
