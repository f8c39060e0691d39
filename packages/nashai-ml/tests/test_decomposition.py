"""PCA and FastICA against scikit-learn on the same data and hyper-parameters."""

import warnings

import numpy as np
import pytest
from sklearn import decomposition as sk
from sklearn.datasets import load_breast_cancer, load_digits, load_iris

from nashai.ml.base import NotFittedError, clone
from nashai.ml.cluster import ConvergenceWarning
from nashai.ml.decomposition import PCA, FastICA

DATASETS = {
    "iris": lambda: load_iris().data,
    "digits": lambda: load_digits().data,
    "breast_cancer": lambda: load_breast_cancer().data,
    "wide": lambda: np.random.default_rng(0).normal(size=(30, 50)) @ np.diag(np.linspace(1, 5, 50)),
}


@pytest.fixture(scope="module")
def data():
    return {name: load() for name, load in DATASETS.items()}


def well_defined(explained_variance: np.ndarray) -> np.ndarray:
    """Components whose direction is determined: variance well above 0 and apart from the
    neighbours' (a repeated or zero singular value leaves its singular vectors arbitrary)."""
    v = explained_variance
    gaps = np.minimum(np.abs(np.diff(v, prepend=np.inf)), np.abs(np.diff(v, append=-np.inf)))
    return (v > 1e-9 * v[0]) & (gaps > 1e-6 * v[0])


def assert_same_pca(ours, ref, X, solver_rtol=1e-9):
    assert ours.n_components_ == ref.n_components_
    np.testing.assert_allclose(ours.mean_, ref.mean_, rtol=1e-12)
    scale = ref.explained_variance_[0]
    np.testing.assert_allclose(
        ours.explained_variance_, ref.explained_variance_, rtol=solver_rtol, atol=1e-12 * scale
    )
    np.testing.assert_allclose(
        ours.explained_variance_ratio_, ref.explained_variance_ratio_, rtol=solver_rtol, atol=1e-12
    )
    np.testing.assert_allclose(
        ours.singular_values_,
        ref.singular_values_,
        rtol=solver_rtol,
        atol=1e-6 * ref.singular_values_[0],
    )
    np.testing.assert_allclose(
        ours.noise_variance_, ref.noise_variance_, rtol=1e-6, atol=1e-12 * scale
    )
    keep = well_defined(ref.explained_variance_)
    np.testing.assert_allclose(ours.components_[keep], ref.components_[keep], atol=1e-6)
    np.testing.assert_allclose(
        ours.transform(X)[:, keep], ref.transform(X)[:, keep], atol=1e-6 * np.sqrt(scale)
    )


@pytest.mark.parametrize("name", list(DATASETS))
@pytest.mark.parametrize("n_components", [None, 3, 0.9])
@pytest.mark.parametrize("whiten", [False, True])
def test_pca_full_svd_matches_sklearn(data, name, n_components, whiten):
    X = data[name]
    ours = PCA(n_components, whiten=whiten, svd_solver="full").fit(X)
    ref = sk.PCA(n_components, whiten=whiten, svd_solver="full").fit(X)
    assert_same_pca(ours, ref, X)
    Z = ours.transform(X)
    np.testing.assert_allclose(ours.inverse_transform(Z), ref.inverse_transform(Z), atol=1e-8)


@pytest.mark.parametrize("name", ["iris", "digits", "breast_cancer"])
def test_pca_covariance_eigh_matches_sklearn(data, name):
    X = data[name]
    for n_components in (3, 0.99):
        ours = PCA(n_components, svd_solver="covariance_eigh").fit(X)
        ref = sk.PCA(n_components, svd_solver="covariance_eigh").fit(X)
        assert_same_pca(ours, ref, X, solver_rtol=1e-7)


def test_pca_auto_solver_follows_sklearns_rule(data):
    tall = data["digits"]  # 1797 >= 10 * 64: the covariance route
    np.testing.assert_allclose(
        PCA(10).fit(tall).components_,
        PCA(10, svd_solver="covariance_eigh").fit(tall).components_,
    )
    wide = data["wide"]  # the SVD route
    np.testing.assert_array_equal(
        PCA(10).fit(wide).components_, PCA(10, svd_solver="full").fit(wide).components_
    )
    np.testing.assert_allclose(
        PCA(10).fit(tall).components_, sk.PCA(10).fit(tall).components_, atol=1e-8
    )


def test_pca_components_are_orthonormal_and_reconstruct_at_full_rank(data):
    X = data["iris"]
    model = PCA(whiten=True).fit(X)
    np.testing.assert_allclose(model.components_ @ model.components_.T, np.eye(4), atol=1e-12)
    Z = model.transform(X)
    np.testing.assert_allclose(Z.std(axis=0, ddof=1), 1.0)
    np.testing.assert_allclose(model.inverse_transform(Z), X, atol=1e-10)
    np.testing.assert_allclose(np.corrcoef(Z.T), np.eye(4), atol=1e-10)


@pytest.mark.parametrize("name", ["iris", "digits", "breast_cancer", "wide"])
def test_pca_likelihood_matches_sklearn(data, name):
    X = data[name]
    ours = PCA(3, svd_solver="full").fit(X)
    ref = sk.PCA(3, svd_solver="full").fit(X)
    X_new = X[::4] * 1.1
    np.testing.assert_allclose(ours.score_samples(X_new), ref.score_samples(X_new), rtol=1e-8)
    np.testing.assert_allclose(ours.score(X_new), ref.score(X_new), rtol=1e-8)
    np.testing.assert_allclose(ours.get_covariance(), ref.get_covariance(), atol=1e-8)
    scale = np.abs(ref.get_precision()).max()
    np.testing.assert_allclose(ours.get_precision(), ref.get_precision(), atol=1e-8 * scale)
    np.testing.assert_allclose(
        ours.get_precision() @ ours.get_covariance(), np.eye(X.shape[1]), atol=1e-8
    )


def test_pca_errors_name_the_problem(data):
    X = data["iris"]
    for bad in (5, -1, 1.5, "mle"):
        with pytest.raises(ValueError, match="n_components must be None, an int between 0 and"):
            PCA(bad).fit(X)
    with pytest.raises(ValueError, match="svd_solver must be"):
        PCA(2, svd_solver="arpack").fit(X)
    with pytest.raises(NotFittedError):
        PCA(2).transform(X)
    with pytest.raises(ValueError, match="X has 3 features, but PCA is expecting 4"):
        PCA(2).fit(X).transform(X[:, :3])


# --- FastICA -------------------------------------------------------------------------------


def mixed_sources(n_samples=2000, n_features=3, seed=0):
    """Three independent non-Gaussian sources and a random mixture of them."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 8, n_samples)
    S = np.c_[np.sin(2 * t), np.sign(np.sin(3 * t)), rng.laplace(size=n_samples)]
    S = (S - S.mean(axis=0)) / S.std(axis=0)
    A = rng.normal(size=(n_features, 3))
    return S, S @ A.T + rng.normal(size=n_features)


def matched_correlations(S_est, S_true):
    """|corr| of each true source with its best-matching estimate (permutation and sign free)."""
    k = S_true.shape[1]
    corr = np.abs(np.corrcoef(S_est.T, S_true.T)[:k, k:])
    assert sorted(corr.argmax(axis=0).tolist()) == list(range(k))  # a one-to-one matching
    return corr.max(axis=0)


@pytest.mark.parametrize("algorithm", ["parallel", "deflation"])
@pytest.mark.parametrize("fun", ["logcosh", "exp", "cube"])
@pytest.mark.parametrize("whiten_solver", ["svd", "eigh"])
def test_fastica_from_the_same_start_is_sklearns_run(algorithm, fun, whiten_solver):
    _, X = mixed_sources()
    w_init = np.random.default_rng(1).normal(size=(3, 3))
    params = dict(algorithm=algorithm, fun=fun, whiten_solver=whiten_solver, w_init=w_init)
    ours = FastICA(3, **params)
    ref = sk.FastICA(3, **params)
    S_ours, S_ref = ours.fit_transform(X), ref.fit_transform(X)
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(ours.whitening_, ref.whitening_, atol=1e-10)
    np.testing.assert_allclose(ours.components_, ref.components_, atol=1e-8)
    np.testing.assert_allclose(ours.mixing_, ref.mixing_, atol=1e-8)
    np.testing.assert_allclose(ours.mean_, ref.mean_, rtol=1e-12)
    np.testing.assert_allclose(S_ours, S_ref, atol=1e-8)
    np.testing.assert_allclose(ours.transform(X), S_ref, atol=1e-8)


@pytest.mark.parametrize("algorithm", ["parallel", "deflation"])
def test_fastica_recovers_the_sources_like_sklearn(algorithm):
    S, X = mixed_sources(seed=2)
    ours = FastICA(3, algorithm=algorithm, random_state=0).fit_transform(X)
    ref = sk.FastICA(3, algorithm=algorithm, random_state=0).fit_transform(X)
    assert matched_correlations(ours, S).min() > 0.99
    assert matched_correlations(ref, S).min() > 0.99


def test_fastica_fewer_components_than_features_matches_sklearn():
    _, X = mixed_sources(n_features=5, seed=3)
    w_init = np.random.default_rng(2).normal(size=(3, 3))
    ours = FastICA(3, w_init=w_init).fit(X)
    ref = sk.FastICA(3, w_init=w_init).fit(X)
    assert ours.components_.shape == (3, 5) and ours.mixing_.shape == (5, 3)
    np.testing.assert_allclose(ours.components_, ref.components_, atol=1e-8)
    np.testing.assert_allclose(ours.mixing_, ref.mixing_, atol=1e-8)
    np.testing.assert_allclose(
        ours.inverse_transform(ours.transform(X)),
        ref.inverse_transform(ref.transform(X)),
        atol=1e-8,
    )


def test_fastica_without_whitening_and_arbitrary_variance_match_sklearn():
    _, X = mixed_sources(seed=4)
    w_init = np.random.default_rng(3).normal(size=(3, 3))
    for whiten in ("arbitrary-variance", False):
        data = X if whiten else PCA(whiten=True).fit_transform(X)
        ours = FastICA(whiten=whiten, w_init=w_init).fit(data)
        ref = sk.FastICA(whiten=whiten, w_init=w_init).fit(data)
        np.testing.assert_allclose(ours.components_, ref.components_, atol=1e-8)
        np.testing.assert_allclose(ours.transform(data), ref.transform(data), atol=1e-8)


def test_fastica_unit_variance_sources_and_exact_inverse():
    _, X = mixed_sources(seed=5)
    model = FastICA(random_state=0)
    S = model.fit_transform(X)
    np.testing.assert_allclose(S.std(axis=0), 1.0)
    np.testing.assert_allclose(np.corrcoef(S.T), np.eye(3), atol=1e-8)
    np.testing.assert_allclose(model.inverse_transform(S), X, atol=1e-10)
    np.testing.assert_allclose(model.components_ @ model.mixing_, np.eye(3), atol=1e-10)


def test_fastica_warns_when_it_stops_early_and_validates():
    _, X = mixed_sources()
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        FastICA(max_iter=1, random_state=0).fit(X)
    with pytest.warns(UserWarning, match="n_components is too large"):
        FastICA(5, random_state=0).fit(X)
    with pytest.raises(ValueError, match="algorithm must be 'parallel' or 'deflation'"):
        FastICA(algorithm="symmetric").fit(X)
    with pytest.raises(ValueError, match="fun must be 'logcosh', 'exp', 'cube'"):
        FastICA(fun="tanh").fit(X)
    with pytest.raises(ValueError, match=r"w_init must have shape \(2, 2\)"):
        FastICA(2, w_init=np.eye(3)).fit(X)
    with pytest.raises(NotFittedError):
        FastICA().transform(X)


def test_fastica_accepts_a_callable_contrast():
    _, X = mixed_sources()
    w_init = np.random.default_rng(1).normal(size=(3, 3))

    def cube(x):
        return x**3, (3 * x**2).mean(axis=-1)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = FastICA(fun=cube, w_init=w_init).fit(X)
    np.testing.assert_allclose(
        ours.components_, FastICA(fun="cube", w_init=w_init).fit(X).components_
    )


def test_params_round_trip_through_clone():
    for model in (PCA(3, whiten=True), FastICA(2, fun="exp", random_state=0)):
        assert clone(model).get_params() == model.get_params()
