"""Activation layers and functions against PyTorch: outputs and gradients, float32 and float64,
and the layers' reprs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from nn_testing import compare_function, compare_module, random_inputs

import nashai.autograd as ag
from nashai.nn.functional import activations as F
from nashai.nn.modules import activation as nn

DTYPES = ["float32", "float64"]

# (torch layer, nashai layer) with the same settings
LAYERS = [
    (lambda: torch.nn.ReLU(), lambda: nn.ReLU()),
    (lambda: torch.nn.LeakyReLU(), lambda: nn.LeakyReLU()),
    (lambda: torch.nn.LeakyReLU(0.2), lambda: nn.LeakyReLU(0.2)),
    (lambda: torch.nn.ELU(), lambda: nn.ELU()),
    (lambda: torch.nn.ELU(alpha=0.5), lambda: nn.ELU(alpha=0.5)),
    (lambda: torch.nn.GELU(), lambda: nn.GELU()),
    (lambda: torch.nn.GELU(approximate="tanh"), lambda: nn.GELU(approximate="tanh")),
    (lambda: torch.nn.SiLU(), lambda: nn.SiLU()),
    (lambda: torch.nn.Mish(), lambda: nn.Mish()),
    (lambda: torch.nn.Sigmoid(), lambda: nn.Sigmoid()),
    (lambda: torch.nn.Tanh(), lambda: nn.Tanh()),
    (lambda: torch.nn.Softplus(), lambda: nn.Softplus()),
    (lambda: torch.nn.Softplus(beta=2.0, threshold=3.0), lambda: nn.Softplus(2.0, 3.0)),
    (lambda: torch.nn.Softmax(dim=1), lambda: nn.Softmax(dim=1)),
    (lambda: torch.nn.Softmax(dim=-1), lambda: nn.Softmax(dim=-1)),
    (lambda: torch.nn.LogSoftmax(dim=1), lambda: nn.LogSoftmax(dim=1)),
    (lambda: torch.nn.LogSoftmax(dim=0), lambda: nn.LogSoftmax(dim=0)),
]
IDS = [repr(make()) for make, _ in LAYERS]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("make_torch", "make_nashai"), LAYERS, ids=IDS)
def test_activation_layer_matches_torch(make_torch, make_nashai, dtype, device):
    compare_module(make_torch(), make_nashai(), [(3, 4, 5)], dtype=dtype, device=device)


@pytest.mark.parametrize(("make_torch", "make_nashai"), LAYERS, ids=IDS)
def test_activation_repr_matches_torch(make_torch, make_nashai):
    assert repr(make_nashai()) == repr(make_torch())


def test_inplace_flag_shows_in_repr_as_torch():
    assert repr(nn.ReLU(inplace=True)) == repr(torch.nn.ReLU(inplace=True))
    assert repr(nn.LeakyReLU(0.1, inplace=True)) == repr(torch.nn.LeakyReLU(0.1, inplace=True))
    assert repr(nn.ELU(inplace=True)) == repr(torch.nn.ELU(inplace=True))


def test_activations_cover_their_kinks_and_tails(device):
    # exact zeros (the kink of relu/leaky_relu/elu) and large |x| (softplus threshold, mish)
    x = np.array([-30.0, -5.0, -1e-3, 0.0, 1e-3, 5.0, 30.0])
    for torch_fn, nashai_fn in [
        (torch.nn.functional.relu, F.relu),
        (torch.nn.functional.leaky_relu, F.leaky_relu),
        (torch.nn.functional.elu, F.elu),
        (torch.nn.functional.mish, F.mish),
        (torch.nn.functional.softplus, F.softplus),
        (torch.nn.functional.silu, F.silu),
    ]:
        compare_function(torch_fn, nashai_fn, [x], device=device)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("beta", [1.0, 0.5, 2.5])
def test_swish_is_x_sigmoid_beta_x(beta, dtype, device):
    (x,) = random_inputs([(4, 6)], dtype, seed=3)
    compare_function(
        lambda t: t * torch.sigmoid(beta * t), lambda t: F.swish(t, beta), [x], device=device
    )
    assert repr(nn.Swish(beta)) == f"Swish(beta={beta})"


def test_swish_beta_may_be_learned(device):
    x, beta = random_inputs([(5,), ()], "float64", seed=4)
    compare_function(lambda t, b: t * torch.sigmoid(b * t), F.swish, [x, beta], device=device)


def test_softmax_without_dim_uses_torchs_legacy_choice(device):
    (x,) = random_inputs([(3, 4)], "float64")
    with pytest.warns(UserWarning, match="Implicit dimension"):
        result = F.softmax(ag.tensor(x, device=device))
    np.testing.assert_allclose(result.numpy(), torch.softmax(torch.tensor(x), 1).numpy())


def test_gelu_rejects_an_unknown_approximation():
    with pytest.raises(ValueError, match="approximate"):
        nn.GELU(approximate="fast")


def test_leaky_relu_rejects_integer_input():
    with pytest.raises(TypeError, match="floating-point"):
        F.leaky_relu(ag.tensor([1, 2]))


@pytest.mark.parametrize(
    ("torch_fn", "nashai_fn"),
    [
        (lambda x: torch.nn.functional.elu(x, 0.7), lambda x: F.elu(x, 0.7)),
        (torch.nn.functional.mish, F.mish),
    ],
    ids=["elu", "mish"],
)
def test_fused_activations_double_backward_matches_torch(torch_fn, nashai_fn, device):
    # (leaky_relu's gradient does not depend on x: its second derivative is 0 and has no graph)
    (x,) = random_inputs([(3, 4)], "float64", seed=6)
    upstream = np.random.default_rng(7).standard_normal((3, 4))
    ours_x = ag.tensor(x, device=device, requires_grad=True)
    theirs_x = torch.tensor(x, requires_grad=True)
    (ours_g,) = ag.grad(
        nashai_fn(ours_x), ours_x, ag.tensor(upstream, device=device), create_graph=True
    )
    (theirs_g,) = torch.autograd.grad(
        torch_fn(theirs_x), theirs_x, torch.tensor(upstream), create_graph=True
    )
    (ours_gg,) = ag.grad(ours_g.sum(), ours_x)
    (theirs_gg,) = torch.autograd.grad(theirs_g.sum(), theirs_x)
    np.testing.assert_allclose(ours_g.numpy(), theirs_g.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours_gg.numpy(), theirs_gg.numpy(), rtol=1e-10, atol=1e-12)
