"""Normalisation against PyTorch: outputs and gradients of input, weight and bias; batch norm's
running statistics (momentum, cumulative average, eval mode, no tracking); state_dict keys."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from nn_testing import DEVICE, assert_close, compare_function, compare_module, random_inputs

import nashai.autograd as ag
from nashai.nn.functional.normalization import batch_norm, group_norm, layer_norm, rms_norm
from nashai.nn.modules import normalization as ours
from nashai.nn.modules.normalization import (
    BatchNorm1d,
    BatchNorm2d,
)

DTYPES = ["float64", "float32"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 3), (4, 3, 5), (4, 3, 5, 6)])
def test_batch_norm_training_matches_torch_and_updates_running_stats(shape, dtype):
    x, weight, bias = random_inputs([shape, shape[1:2], shape[1:2]], dtype)
    stats = {
        name: random_inputs([shape[1:2]], dtype, seed=i)[0]
        for i, name in enumerate(("torch_mean", "torch_var", "mean", "var"))
    }
    torch_mean, torch_var = torch.zeros(shape[1], dtype=getattr(torch, dtype)), None
    torch_mean = torch.tensor(stats["mean"])
    torch_var = torch.tensor(np.abs(stats["var"]) + 0.5)
    mean = ag.tensor(stats["mean"], device=DEVICE)
    var = ag.tensor(np.abs(stats["var"]) + 0.5, device=DEVICE)
    compare_function(
        lambda x, w, b: F.batch_norm(x, torch_mean, torch_var, w, b, True, 0.3, 1e-4),
        lambda x, w, b: batch_norm(x, mean, var, w, b, True, 0.3, 1e-4),
        [x, weight, bias],
    )
    rtol, atol = (1e-10, 1e-12) if dtype == "float64" else (1e-5, 1e-6)
    assert_close(mean, torch_mean, rtol, atol, "running_mean")
    assert_close(var, torch_var, rtol, atol, "running_var")


@pytest.mark.parametrize("dtype", DTYPES)
def test_batch_norm_eval_uses_running_stats(dtype):
    x, weight, bias, mean, var = random_inputs([(4, 3, 5), (3,), (3,), (3,), (3,)], dtype)
    var = np.abs(var) + 0.5
    compare_function(
        lambda x, w, b: F.batch_norm(x, torch.tensor(mean), torch.tensor(var), w, b, False),
        lambda x, w, b: batch_norm(
            x, ag.tensor(mean, device=DEVICE), ag.tensor(var, device=DEVICE), w, b, False
        ),
        [x, weight, bias],
    )


def test_batch_norm_without_running_stats_or_affine():
    (x,) = random_inputs([(5, 4, 3)])
    compare_function(
        lambda x: F.batch_norm(x, None, None, training=True),
        lambda x: batch_norm(x, None, None, training=True),
        [x],
    )


def test_batch_norm_needs_more_than_one_value_per_channel_when_training():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        batch_norm(ag.zeros(1, 3), None, None, training=True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("shape", "normalized_shape"),
    [
        ((4, 7), (7,)),
        ((2, 3, 8), (8,)),
        ((2, 3, 4, 5), (4, 5)),
        ((2, 3, 1, 5), (1, 5)),
    ],
)
def test_layer_norm_matches_torch(shape, normalized_shape, dtype):
    x, weight, bias = random_inputs([shape, normalized_shape, normalized_shape], dtype)
    compare_function(
        lambda x, w, b: F.layer_norm(x, normalized_shape, w, b, 1e-6),
        lambda x, w, b: layer_norm(x, normalized_shape, w, b, 1e-6),
        [x, weight, bias],
    )


def test_layer_norm_without_affine_or_with_weight_only():
    x, weight = random_inputs([(3, 6), (6,)])
    compare_function(lambda x: F.layer_norm(x, (6,)), lambda x: layer_norm(x, 6), [x])
    compare_function(
        lambda x, w: F.layer_norm(x, (6,), w), lambda x, w: layer_norm(x, (6,), w), [x, weight]
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("shape", "groups"),
    [((4, 12), 3), ((2, 6, 5), 2), ((2, 8, 3, 4), 4), ((2, 4, 3, 3), 1), ((2, 4, 3, 3), 4)],
)
def test_group_norm_matches_torch(shape, groups, dtype):
    x, weight, bias = random_inputs([shape, shape[1:2], shape[1:2]], dtype)
    compare_function(
        lambda x, w, b: F.group_norm(x, groups, w, b),
        lambda x, w, b: group_norm(x, groups, w, b),
        [x, weight, bias],
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("shape", "normalized_shape", "eps"),
    [
        ((4, 7), (7,), None),
        ((2, 3, 4, 5), (4, 5), 1e-6),
    ],
)
def test_rms_norm_matches_torch(shape, normalized_shape, eps, dtype):
    x, weight = random_inputs([shape, normalized_shape], dtype)
    compare_function(
        lambda x, w: F.rms_norm(x, normalized_shape, w, eps),
        lambda x, w: rms_norm(x, normalized_shape, w, eps),
        [x, weight],
    )
    compare_function(
        lambda x: F.rms_norm(x, normalized_shape, None, eps),
        lambda x: rms_norm(x, normalized_shape, None, eps),
        [x],
    )


def test_layer_norm_rejects_a_mismatched_trailing_shape():
    with pytest.raises(RuntimeError, match="normalized_shape"):
        layer_norm(ag.zeros(2, 5), (4,))


def test_group_norm_rejects_channels_not_divisible_by_groups():
    with pytest.raises(RuntimeError, match="divisible"):
        group_norm(ag.zeros(2, 5, 3), 2)


# --- layers --------------------------------------------------------------------------------------

# (class name, positional arguments, keyword arguments, input shape): built fresh from torch.nn
# and from nashai for each test
LAYERS = [
    ("BatchNorm1d", (3,), {}, (5, 3)),
    ("BatchNorm1d", (3,), {"momentum": 0.5}, (5, 3, 4)),
    ("BatchNorm2d", (4,), {}, (3, 4, 5, 5)),
    ("BatchNorm2d", (4,), {"affine": False}, (3, 4, 5, 5)),
    ("BatchNorm2d", (4,), {"track_running_stats": False}, (3, 4, 5, 5)),
    ("BatchNorm2d", (4,), {"bias": False, "momentum": None}, (3, 4, 2, 3)),
    ("BatchNorm3d", (2,), {}, (3, 2, 2, 3, 2)),
    ("LayerNorm", (6,), {}, (2, 3, 6)),
    ("LayerNorm", ((3, 6),), {"bias": False}, (2, 3, 6)),
    ("LayerNorm", (6,), {"elementwise_affine": False}, (2, 6)),
    ("RMSNorm", (6,), {}, (2, 3, 6)),
    ("RMSNorm", ((3, 6),), {"eps": 1e-5}, (2, 3, 6)),
    ("GroupNorm", (2, 6), {}, (2, 6, 4, 4)),
    ("GroupNorm", (3, 6), {"affine": False}, (2, 6, 5)),
    ("GroupNorm", (3, 6), {"bias": False}, (2, 6, 5)),
]


def _pair(name, args, kwargs):
    return getattr(torch.nn, name)(*args, **kwargs), getattr(ours, name)(*args, **kwargs)


def _perturbed(torch_layer):
    """The torch layer with random affine parameters (not the ones/zeros it starts with)."""
    rng = np.random.default_rng(1)
    with torch.no_grad():
        for param in torch_layer.parameters():
            param.copy_(torch.tensor(rng.standard_normal(tuple(param.shape))))
    return torch_layer


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize(("name", "args", "kwargs", "shape"), LAYERS)
def test_normalization_layers_match_torch(name, args, kwargs, shape, train, dtype):
    torch_layer, layer = _pair(name, args, kwargs)
    compare_module(_perturbed(torch_layer), layer, [shape], dtype=dtype, train=train)


@pytest.mark.parametrize(("name", "args", "kwargs", "shape"), LAYERS)
def test_normalization_layers_have_torchs_state_dict(name, args, kwargs, shape):
    torch_layer, layer = _pair(name, args, kwargs)
    theirs, state = torch_layer.state_dict(), layer.state_dict()
    assert list(state) == list(theirs)
    for key, value in theirs.items():  # the initial values too: ones, zeros, a count of 0
        np.testing.assert_array_equal(state[key].numpy(), value.numpy())
        assert str(state[key].dtype) == str(value.dtype).removeprefix("torch.")


@pytest.mark.parametrize("momentum", [0.1, None])
def test_batch_norm_running_stats_follow_torch_over_steps_then_eval(momentum):
    torch_layer = torch.nn.BatchNorm2d(3, momentum=momentum).double()
    layer = BatchNorm2d(3, momentum=momentum).double()
    for step in range(4):
        (x,) = random_inputs([(4, 3, 2, 2)], seed=step, low=step, high=2 * step + 1)
        torch_layer(torch.tensor(x))
        layer(ag.tensor(x))
    for name, value in torch_layer.state_dict().items():
        np.testing.assert_allclose(layer.state_dict()[name].numpy(), value.numpy(), rtol=1e-12)
    assert int(layer.num_batches_tracked.item()) == 4
    torch_layer.eval()
    layer.eval()
    (x,) = random_inputs([(2, 3, 2, 2)], seed=9)
    np.testing.assert_allclose(
        layer(ag.tensor(x)).numpy(), torch_layer(torch.tensor(x)).detach().numpy(), rtol=1e-12
    )


def test_batch_norm_state_dict_loads_from_torch_and_back():
    torch_layer = torch.nn.BatchNorm1d(3)
    for _ in range(2):
        torch_layer(torch.randn(5, 3))
    layer = BatchNorm1d(3)
    layer.load_state_dict({k: v.numpy() for k, v in torch_layer.state_dict().items()})
    back = torch.nn.BatchNorm1d(3)
    back.load_state_dict({k: torch.tensor(v.numpy()) for k, v in layer.state_dict().items()})
    for name, value in torch_layer.state_dict().items():
        np.testing.assert_array_equal(back.state_dict()[name].numpy(), value.numpy())


def test_batch_norm2d_rejects_a_3d_input():
    with pytest.raises(ValueError, match="4-D"):
        BatchNorm2d(3)(ag.zeros(2, 3, 4))


@pytest.mark.parametrize(("name", "args", "kwargs", "shape"), LAYERS)
def test_normalization_reprs_read_like_torchs(name, args, kwargs, shape):
    torch_layer, layer = _pair(name, args, kwargs)
    assert repr(layer) == repr(torch_layer)


def _second_order(lib, fn, arrays):
    """Gradients of Σ (first-order gradients)², the first order of Σ tanh(fn(...))·w."""
    tensors = [lib.tensor(a, requires_grad=True) for a in arrays]
    weights = lib.tensor(
        np.linspace(-1.0, 2.0, int(np.prod(arrays[0].shape))).reshape(arrays[0].shape)
    )
    out = (fn(*tensors).tanh() * weights).sum()
    grads = (torch.autograd.grad if lib is torch else ag.grad)(out, tensors, create_graph=True)
    sum((g * g).sum() for g in grads).backward()
    return [t.grad for t in tensors]


@pytest.mark.parametrize(
    ("torch_fn", "fn", "shapes"),
    [
        (
            lambda x, w, b: F.layer_norm(x, (3, 4), w, b),
            lambda x, w, b: layer_norm(x, (3, 4), w, b),
            [(2, 3, 4), (3, 4), (3, 4)],
        ),
        (
            lambda x, w, b: F.group_norm(x, 2, w, b),
            lambda x, w, b: group_norm(x, 2, w, b),
            [(2, 4, 3), (4,), (4,)],
        ),
        (
            lambda x, w, b: F.batch_norm(x, None, None, w, b, True),
            lambda x, w, b: batch_norm(x, None, None, w, b, True),
            [(5, 3, 2), (3,), (3,)],
        ),
        (
            lambda x, w, b: F.batch_norm(
                x, torch.full((3,), 0.5).double(), torch.full((3,), 2.0).double(), w, b, False
            ),
            lambda x, w, b: batch_norm(
                x, ag.ones(3, dtype=ag.float64) * 0.5, ag.ones(3, dtype=ag.float64) * 2, w, b, False
            ),
            [(5, 3, 2), (3,), (3,)],
        ),
        (
            lambda x, w: F.rms_norm(x, (4,), w, 1e-6),
            lambda x, w: rms_norm(x, (4,), w, 1e-6),
            [(3, 4), (4,)],
        ),
    ],
)
def test_normalization_double_backward_matches_torch(torch_fn, fn, shapes):
    arrays = random_inputs(shapes)
    ours = _second_order(ag, fn, arrays)
    theirs = _second_order(torch, torch_fn, arrays)
    for i, (mine, reference) in enumerate(zip(ours, theirs, strict=True)):
        assert_close(mine, reference, 1e-9, 1e-11, f"second-order gradient of input {i}")
