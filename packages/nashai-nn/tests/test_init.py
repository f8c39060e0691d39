"""nn.init against PyTorch: gains exactly; the scaled draws by their bounds and moments (the
random streams differ); orthogonal by QᵀQ = I; trunc_normal against scipy's truncnorm; and the
default initialisation of Linear and Embedding."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
import torch

import nashai.autograd as ag
from nashai.nn import init
from nashai.nn.modules.linear import Embedding, Linear


@pytest.mark.parametrize(
    ("nonlinearity", "param"),
    [
        ("linear", None),
        ("conv2d", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0.2),
        ("leaky_relu", math.sqrt(5)),
        ("selu", None),
    ],
)
def test_calculate_gain_matches_torch(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(
        torch.nn.init.calculate_gain(nonlinearity, param), rel=1e-15
    )


def test_calculate_gain_rejects_unknown():
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swishy")


SHAPE = (200, 100, 3)  # out, in, kernel: fan_in = 300, fan_out = 600


@pytest.mark.parametrize(
    ("ours", "theirs", "kind"),
    [
        (init.xavier_uniform_, torch.nn.init.xavier_uniform_, "uniform"),
        (init.xavier_normal_, torch.nn.init.xavier_normal_, "normal"),
        (init.kaiming_uniform_, torch.nn.init.kaiming_uniform_, "uniform"),
        (init.kaiming_normal_, torch.nn.init.kaiming_normal_, "normal"),
        (
            lambda t, **k: init.kaiming_uniform_(
                t, a=0.1, mode="fan_out", nonlinearity="relu", **k
            ),
            lambda t: torch.nn.init.kaiming_uniform_(t, a=0.1, mode="fan_out", nonlinearity="relu"),
            "uniform",
        ),
        (
            lambda t, **k: init.xavier_normal_(t, gain=2.0, **k),
            lambda t: torch.nn.init.xavier_normal_(t, gain=2.0),
            "normal",
        ),
    ],
)
def test_scaled_inits_have_torchs_distribution(ours, theirs, kind):
    torch.manual_seed(0)
    reference = theirs(torch.empty(SHAPE, dtype=torch.float64)).numpy()
    drawn = ours(ag.empty(SHAPE, dtype=ag.float64), generator=ag.Generator().manual_seed(0)).numpy()
    # std within 2% (60 000 draws); same support for the uniform ones
    assert drawn.std() == pytest.approx(reference.std(), rel=0.02)
    assert abs(drawn.mean()) < 0.02 * reference.std()
    if kind == "uniform":
        bound = np.abs(reference).max()
        assert np.abs(drawn).max() <= bound * 1.001
        assert np.abs(drawn).max() >= bound * 0.99


def test_draws_follow_the_generator():
    a = init.kaiming_uniform_(ag.empty(5, 4), generator=ag.Generator().manual_seed(7)).numpy()
    b = init.kaiming_uniform_(ag.empty(5, 4), generator=ag.Generator().manual_seed(7)).numpy()
    c = init.kaiming_uniform_(ag.empty(5, 4), generator=ag.Generator().manual_seed(8)).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_fan_needs_two_dimensions():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(ag.empty(5))
    with pytest.raises(ValueError, match="fan_in"):
        init.kaiming_normal_(ag.empty(2, 2), mode="fan_middle")


@pytest.mark.parametrize("shape", [(6, 6), (4, 9), (9, 4), (3, 2, 2)])
def test_orthogonal_rows_or_columns_are_orthonormal(shape):
    w = init.orthogonal_(ag.empty(shape, dtype=ag.float64), gain=2.0).numpy()
    flat = w.reshape(shape[0], -1) / 2.0
    gram = flat @ flat.T if flat.shape[0] <= flat.shape[1] else flat.T @ flat
    np.testing.assert_allclose(gram, np.eye(gram.shape[0]), atol=1e-12)


def test_trunc_normal_matches_scipys_truncated_normal():
    mean, std, a, b = 0.5, 2.0, -1.0, 4.0
    drawn = init.trunc_normal_(
        ag.empty(100_000, dtype=ag.float64),
        mean,
        std,
        a,
        b,
        generator=ag.Generator().manual_seed(1),
    ).numpy()
    assert drawn.min() >= a and drawn.max() <= b
    reference = scipy.stats.truncnorm((a - mean) / std, (b - mean) / std, loc=mean, scale=std)
    assert drawn.mean() == pytest.approx(reference.mean(), abs=0.01)
    assert drawn.std() == pytest.approx(reference.std(), rel=0.01)
    assert scipy.stats.kstest(drawn, reference.cdf).pvalue > 1e-3


def test_constant_fills():
    t = ag.empty(3, 2)
    assert np.all(init.zeros_(t).numpy() == 0)
    assert np.all(init.ones_(t).numpy() == 1)
    assert np.all(init.constant_(t, 0.25).numpy() == 0.25)
    u = init.uniform_(ag.empty(1000), -3.0, -2.0).numpy()
    assert u.min() >= -3.0 and u.max() < -2.0
    n = init.normal_(ag.empty(10_000), 5.0, 0.5).numpy()
    assert n.mean() == pytest.approx(5.0, abs=0.03) and n.std() == pytest.approx(0.5, rel=0.05)


def test_init_on_a_parameter_records_nothing():
    layer = Linear(3, 3)
    init.xavier_uniform_(layer.weight)
    assert layer.weight.is_leaf and layer.weight.requires_grad


def test_linear_default_init_is_torchs():
    layer = Linear(400, 300)
    bound = 1 / math.sqrt(400)  # kaiming_uniform_(a=√5) gives 1/√fan_in
    for param in (layer.weight, layer.bias):
        values = param.numpy()
        assert values.dtype == np.float32
        assert np.abs(values).max() <= bound
        assert np.abs(values).max() >= 0.98 * bound
    assert layer.weight.numpy().std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert Linear(3, 2, bias=False).bias is None


def test_embedding_default_init_is_standard_normal_with_zero_padding_row():
    table = Embedding(1000, 64, padding_idx=-1)
    weight = table.weight.numpy()
    assert table.padding_idx == 999
    assert np.all(weight[999] == 0)
    assert weight[:999].std() == pytest.approx(1.0, rel=0.02)
    assert abs(weight[:999].mean()) < 0.02
