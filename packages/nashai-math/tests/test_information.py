"""Tests for nashai.math.information against SciPy and scikit-learn, and known closed forms."""

import math

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.special import rel_entr
from scipy.stats import entropy as scipy_entropy
from sklearn.metrics import mutual_info_score

from nashai.math.information import (
    conditional_entropy,
    cross_entropy,
    entropy,
    joint_entropy,
    js_divergence,
    kl_divergence,
    mutual_information,
    mutual_information_from_samples,
    perplexity,
    perplexity_from_log_likelihoods,
)

BASES = [math.e, 2, 10, 3.7, 0.5]


def random_distributions(seed: int, k: int, size=None, zeros: int = 0) -> np.ndarray:
    """Dirichlet samples over k outcomes, with `zeros` outcomes set to probability 0."""
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(k), size=size)
    if zeros:
        p[..., rng.choice(k, size=zeros, replace=False)] = 0.0
        p /= p.sum(axis=-1, keepdims=True)
    return p


# --- entropy -----------------------------------------------------------------------------------


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("zeros", [0, 3])
def test_entropy_matches_scipy(base, zeros):
    p = random_distributions(0, 10, zeros=zeros)
    result = entropy(p, base=base)
    assert isinstance(result, float)
    assert result == pytest.approx(scipy_entropy(p, base=base), rel=1e-13)


def test_entropy_known_values():
    assert entropy(np.full(8, 1 / 8), base=2) == pytest.approx(3.0, rel=1e-15)
    assert entropy(np.full(5, 0.2)) == pytest.approx(math.log(5), rel=1e-15)
    assert entropy([0.0, 1.0, 0.0]) == 0.0  # a point mass; 0 · log 0 = 0, no NaN
    assert entropy([0.5, 0.5, 0.0], base=2) == pytest.approx(1.0, rel=1e-15)
    h = -0.11 * math.log2(0.11) - 0.89 * math.log2(0.89)  # binary entropy, ≈ 0.5 bit
    assert entropy([0.11, 0.89], base=2) == pytest.approx(h, rel=1e-14)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_entropy_along_an_axis_of_a_batch(axis):
    p = random_distributions(1, 6, size=(4, 3))  # (4, 3, 6) over the last axis
    p = np.moveaxis(p, -1, axis)
    result = entropy(p, base=2, axis=axis)
    expected = scipy_entropy(p, base=2, axis=axis)
    assert result.shape == expected.shape
    np.testing.assert_allclose(result, expected, rtol=1e-13)


def test_normalize_accepts_counts():
    counts = np.array([3, 0, 5, 2])
    assert entropy(counts, normalize=True) == pytest.approx(scipy_entropy(counts), rel=1e-14)
    with pytest.raises(ValueError, match="normalize=True"):
        entropy(counts)


# --- cross-entropy, KL and JS divergences --------------------------------------------------------


@pytest.mark.parametrize("base", BASES)
def test_kl_divergence_matches_scipy(base):
    p, q = random_distributions(2, 12, size=2, zeros=0)
    p[[1, 5]] = 0.0  # zeros in p only: KL stays finite
    p /= p.sum()
    result = kl_divergence(p, q, base=base)
    assert result == pytest.approx(scipy_entropy(p, q, base=base), rel=1e-13)
    assert result == pytest.approx(rel_entr(p, q).sum() / math.log(base), rel=1e-13)


def test_kl_divergence_properties():
    p, q = random_distributions(3, 7, size=2)
    assert kl_divergence(p, p) == 0.0
    assert kl_divergence(p, q) > 0.0
    assert kl_divergence(p, q) != pytest.approx(kl_divergence(q, p))  # not symmetric
    assert kl_divergence([0.5, 0.5, 0.0], [0.5, 0.0, 0.5]) == math.inf  # q = 0 < p
    assert kl_divergence([1.0, 0.0], [0.5, 0.5], base=2) == pytest.approx(1.0, rel=1e-15)


def test_kl_divergence_broadcasts_a_batch_against_one_distribution():
    p = random_distributions(4, 5, size=(3, 2))
    q = random_distributions(5, 5)
    result = kl_divergence(p, q)
    assert result.shape == (3, 2)
    expected = scipy_entropy(p, np.broadcast_to(q, p.shape), axis=-1)
    np.testing.assert_allclose(result, expected, rtol=1e-13)


@pytest.mark.parametrize("base", BASES)
def test_cross_entropy_is_entropy_plus_kl(base):
    p, q = random_distributions(6, 9, size=2)
    p[2] = 0.0
    p /= p.sum()
    expected = scipy_entropy(p, base=base) + scipy_entropy(p, q, base=base)
    assert cross_entropy(p, q, base=base) == pytest.approx(expected, rel=1e-13)
    assert cross_entropy(p, q, base=base) == pytest.approx(
        -np.sum(p * np.log(q)) / math.log(base), rel=1e-13
    )


def test_cross_entropy_edge_cases():
    assert cross_entropy([0.2, 0.8, 0.0], [0.5, 0.5, 0.0]) == pytest.approx(math.log(2))
    assert cross_entropy([0.2, 0.8], [1.0, 0.0]) == math.inf
    # a one-hot target: the cross-entropy loss -log q[label] of a classifier
    q = random_distributions(7, 4)
    assert cross_entropy(np.eye(4)[2], q) == pytest.approx(-math.log(q[2]), rel=1e-15)


@pytest.mark.parametrize("base", [math.e, 2, 10])
@pytest.mark.parametrize("zeros", [0, 2])
def test_js_divergence_is_the_square_of_scipys_jensen_shannon_distance(base, zeros):
    p = random_distributions(8, 8, zeros=zeros)
    q = random_distributions(9, 8, zeros=zeros)
    expected = jensenshannon(p, q, base=base) ** 2  # scipy returns the square root, a metric
    assert js_divergence(p, q, base=base) == pytest.approx(expected, rel=1e-12)


def test_js_divergence_properties():
    p, q = random_distributions(10, 6, size=2)
    assert js_divergence(p, q) == pytest.approx(js_divergence(q, p), rel=1e-15)
    assert js_divergence(p, p) == 0.0
    assert js_divergence([1.0, 0.0], [0.0, 1.0], base=2) == pytest.approx(1.0, rel=1e-15)
    assert js_divergence([0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5]) == pytest.approx(math.log(2))


def test_js_divergence_along_rows():
    p = random_distributions(11, 5, size=4)
    q = random_distributions(12, 5, size=4)
    expected = jensenshannon(p, q, axis=1) ** 2
    np.testing.assert_allclose(js_divergence(p, q, axis=1), expected, rtol=1e-12)


# --- joint distributions -------------------------------------------------------------------------


def random_joint(seed: int, shape=(4, 5), sparsity: float = 0.3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    table = rng.random(shape) * (rng.random(shape) > sparsity)
    return table / table.sum(axis=(-2, -1), keepdims=True)


@pytest.mark.parametrize("base", [math.e, 2])
def test_mutual_information_matches_sklearn(base):
    counts = np.random.default_rng(13).integers(0, 20, size=(5, 7))
    counts[1, 3] = counts[4, 0] = 0
    expected = mutual_info_score(None, None, contingency=counts) / math.log(base)
    assert mutual_information(counts / counts.sum(), base=base) == pytest.approx(
        expected, rel=1e-12
    )
    assert mutual_information(counts, base=base, normalize=True) == pytest.approx(
        expected, rel=1e-12
    )


def test_mutual_information_identities():
    joint = random_joint(14)
    h_x = entropy(joint.sum(axis=1))
    h_y = entropy(joint.sum(axis=0))
    h_xy = joint_entropy(joint)
    info = mutual_information(joint)
    assert info == pytest.approx(h_x + h_y - h_xy, rel=1e-12)
    assert info == pytest.approx(h_y - conditional_entropy(joint), rel=1e-12)
    assert info == pytest.approx(mutual_information(joint.T), rel=1e-13)  # symmetric
    # I(X; Y) = KL(p(x, y) ‖ p(x) p(y))
    product = np.outer(joint.sum(axis=1), joint.sum(axis=0))
    assert info == pytest.approx(scipy_entropy(joint.ravel(), product.ravel()), rel=1e-12)


def test_mutual_information_of_independent_and_identical_variables():
    p_x, p_y = random_distributions(15, 4), random_distributions(16, 6)
    assert mutual_information(np.outer(p_x, p_y)) == pytest.approx(0.0, abs=1e-15)
    assert mutual_information(np.diag(p_x)) == pytest.approx(entropy(p_x), rel=1e-14)


def test_joint_and_conditional_entropy():
    joint = random_joint(17)
    assert joint_entropy(joint, base=2) == pytest.approx(
        scipy_entropy(joint.ravel(), base=2), rel=1e-13
    )
    # chain rule H(X, Y) = H(X) + H(Y | X)
    h_x = entropy(joint.sum(axis=1))
    assert joint_entropy(joint) == pytest.approx(h_x + conditional_entropy(joint), rel=1e-13)
    # H(Y | X) = Σₓ p(x) H(Y | X = x), row by row with SciPy
    p_x = joint.sum(axis=1)
    expected = sum(p_x[i] * scipy_entropy(joint[i]) for i in range(4) if p_x[i] > 0)
    assert conditional_entropy(joint) == pytest.approx(expected, rel=1e-13)
    # Y a function of X: nothing left to learn
    assert conditional_entropy(np.diag([0.25, 0.75])) == 0.0


def test_joint_functions_work_on_a_batch_of_tables():
    tables = random_joint(18, shape=(3, 4, 5))
    for function in (joint_entropy, conditional_entropy, mutual_information):
        result = function(tables)
        assert result.shape == (3,)
        np.testing.assert_allclose(result, [function(t) for t in tables], rtol=1e-15)


def test_mutual_information_from_samples_matches_sklearn():
    rng = np.random.default_rng(19)
    x = rng.integers(0, 5, size=500)
    y = (x + rng.integers(0, 3, size=500)) % 6  # dependent on x
    assert mutual_information_from_samples(x, y) == pytest.approx(
        mutual_info_score(x, y), rel=1e-12
    )
    assert mutual_information_from_samples(x, y, base=2) == pytest.approx(
        mutual_info_score(x, y) / math.log(2), rel=1e-12
    )


def test_mutual_information_from_samples_with_string_labels():
    colours = np.array(["red", "green", "blue", "red", "red", "green", "blue", "blue"])
    sizes = np.array(["s", "m", "l", "s", "m", "m", "l", "s"])
    result = mutual_information_from_samples(colours, sizes)
    assert result == pytest.approx(mutual_info_score(colours, sizes), rel=1e-12)
    assert mutual_information_from_samples(colours, colours) == pytest.approx(
        entropy([3 / 8, 2 / 8, 3 / 8]), rel=1e-14
    )


# --- perplexity ----------------------------------------------------------------------------------


def test_perplexity_of_distributions():
    assert perplexity(np.full(7, 1 / 7)) == pytest.approx(7.0, rel=1e-14)
    assert perplexity([0.0, 1.0]) == 1.0
    p = random_distributions(20, 10, size=3)
    np.testing.assert_allclose(perplexity(p), np.exp(scipy_entropy(p, axis=-1)), rtol=1e-13)
    np.testing.assert_allclose(perplexity(p), 2 ** entropy(p, base=2), rtol=1e-13)


def test_perplexity_from_log_likelihoods():
    # tokens of probability 1/2 and 1/4: PP = (1/2 · 1/4)^(-1/2) = √8
    assert perplexity_from_log_likelihoods(np.log([0.5, 0.25])) == pytest.approx(math.sqrt(8))
    assert perplexity_from_log_likelihoods(np.log2([0.5, 0.25]), base=2) == pytest.approx(
        math.sqrt(8)
    )
    # a model's per-token log-probabilities: exp of the mean cross-entropy loss, row by row
    rng = np.random.default_rng(21)
    logits = rng.normal(size=(2, 6, 10))  # (batch, tokens, vocabulary)
    log_probs = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
    targets = rng.integers(0, 10, size=(2, 6))
    token_log_likelihoods = np.take_along_axis(log_probs, targets[..., None], axis=-1)[..., 0]
    expected = np.exp(-token_log_likelihoods.mean(axis=1))
    np.testing.assert_allclose(
        perplexity_from_log_likelihoods(token_log_likelihoods, axis=1), expected, rtol=1e-14
    )
    assert perplexity_from_log_likelihoods([-1.0, -np.inf]) == math.inf


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: entropy([0.5, -0.1, 0.6]), ValueError, "non-negative"),
        (lambda: entropy([0.5, 0.4]), ValueError, "must sum to 1"),
        (lambda: entropy([0.5, np.nan, 0.5]), ValueError, "NaN"),
        (lambda: entropy([]), ValueError, "no outcomes"),
        (lambda: entropy(0.5), ValueError, "out of range"),
        (lambda: entropy(["a", "b"]), TypeError, "real numbers"),
        (lambda: entropy([0.0, 0.0], normalize=True), ValueError, "sums to 0"),
        (lambda: entropy([0.5, 0.5], axis=1), ValueError, "out of range"),
        (lambda: entropy([0.5, 0.5], axis=0.5), TypeError, "axis must be an integer"),
        (lambda: entropy([0.5, 0.5], base=1), ValueError, "base must be positive"),
        (lambda: entropy([0.5, 0.5], base=-2), ValueError, "base must be positive"),
        (lambda: entropy([0.5, 0.5], base="e"), TypeError, "base must be a positive number"),
        (
            lambda: kl_divergence(np.full((2, 2), 0.5), np.full((3, 2), 0.5)),
            ValueError,
            "broadcast",
        ),
        (lambda: kl_divergence([0.5, 0.5], [0.7, 0.7]), ValueError, "q must sum to 1"),
        (
            lambda: kl_divergence(np.ones((3, 1)), np.full(5, 0.2)),
            ValueError,
            "same number of outcomes",
        ),
        (lambda: mutual_information([0.5, 0.5]), ValueError, "n_x, n_y"),
        (lambda: joint_entropy(np.full((2, 2), 0.3)), ValueError, "joint must sum to 1"),
        (lambda: mutual_information_from_samples([1, 2], [1, 2, 3]), ValueError, "same number"),
        (lambda: mutual_information_from_samples([], []), ValueError, "empty"),
        (lambda: mutual_information_from_samples([[1]], [[1]]), ValueError, "1-D"),
        (lambda: perplexity_from_log_likelihoods([-0.5, 0.1]), ValueError, "<= 0"),
        (lambda: perplexity_from_log_likelihoods([-0.5, np.nan]), ValueError, "NaN"),
        (lambda: perplexity_from_log_likelihoods([]), ValueError, "empty"),
    ],
)
def test_bad_input_raises_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()
