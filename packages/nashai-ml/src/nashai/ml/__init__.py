"""nashai.ml: classical machine learning with scikit-learn's estimator API, on nashai.math.

Every estimator is importable from here by its scikit-learn name (``from nashai.ml import SVC``)
and from its module (``nashai.ml.svm``). Modules:

    base             the estimator contract: BaseEstimator, clone, validation, NotFittedError
    linear_model     LinearRegression, Ridge, Lasso, ElasticNet, LogisticRegression, SGD*
    neighbors        KNeighborsClassifier/Regressor (brute force and KD-tree)
    naive_bayes      GaussianNB, MultinomialNB, BernoulliNB
    svm              SVC (SMO), LinearSVC (coordinate descent / Newton)
    tree             DecisionTreeClassifier/Regressor (CART)
    ensemble         RandomForest*, GradientBoosting* (histogram split finder)
    cluster          KMeans
    mixture          GaussianMixture
    decomposition    PCA, FastICA
    model_selection  train_test_split, KFold, StratifiedKFold, cross_val_score, GridSearchCV, ...
    preprocessing    StandardScaler, MinMaxScaler, OneHotEncoder, LabelEncoder, PolynomialFeatures
    pipeline         Pipeline, make_pipeline
    metrics          accuracy, precision/recall/F1, ROC AUC, log loss, regression, clustering
    datasets         make_* generators and the shipped iris, digits, wine, breast cancer data
"""

from nashai.ml import datasets, metrics, model_selection, preprocessing
from nashai.ml.base import BaseEstimator, ConvergenceWarning, NotFittedError, clone
from nashai.ml.cluster import KMeans
from nashai.ml.decomposition import PCA, FastICA
from nashai.ml.ensemble import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from nashai.ml.linear_model import (
    ElasticNet,
    Lasso,
    LinearRegression,
    LogisticRegression,
    Ridge,
    SGDClassifier,
    SGDRegressor,
)
from nashai.ml.mixture import GaussianMixture
from nashai.ml.model_selection import (
    GridSearchCV,
    KFold,
    StratifiedKFold,
    cross_val_score,
    learning_curve,
    train_test_split,
)
from nashai.ml.naive_bayes import BernoulliNB, GaussianNB, MultinomialNB
from nashai.ml.neighbors import KNeighborsClassifier, KNeighborsRegressor
from nashai.ml.pipeline import Pipeline, make_pipeline
from nashai.ml.preprocessing import (
    LabelEncoder,
    MinMaxScaler,
    OneHotEncoder,
    PolynomialFeatures,
    StandardScaler,
)
from nashai.ml.svm import SVC, LinearSVC
from nashai.ml.tree import DecisionTreeClassifier, DecisionTreeRegressor

__all__ = [
    "PCA",
    "SVC",
    "BaseEstimator",
    "BernoulliNB",
    "ConvergenceWarning",
    "DecisionTreeClassifier",
    "DecisionTreeRegressor",
    "ElasticNet",
    "FastICA",
    "GaussianMixture",
    "GaussianNB",
    "GradientBoostingClassifier",
    "GradientBoostingRegressor",
    "GridSearchCV",
    "KFold",
    "KMeans",
    "KNeighborsClassifier",
    "KNeighborsRegressor",
    "LabelEncoder",
    "Lasso",
    "LinearRegression",
    "LinearSVC",
    "LogisticRegression",
    "MinMaxScaler",
    "MultinomialNB",
    "NotFittedError",
    "OneHotEncoder",
    "Pipeline",
    "PolynomialFeatures",
    "RandomForestClassifier",
    "RandomForestRegressor",
    "Ridge",
    "SGDClassifier",
    "SGDRegressor",
    "StandardScaler",
    "StratifiedKFold",
    "clone",
    "cross_val_score",
    "datasets",
    "learning_curve",
    "make_pipeline",
    "metrics",
    "model_selection",
    "preprocessing",
    "train_test_split",
]
__version__ = "0.1.0"
