"""Pooling against PyTorch: outputs, indices and input gradients over kernel sizes, strides,
paddings, dilations and ceil_mode, in float64 and float32; the layers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from nn_testing import compare_function, compare_module, random_inputs

import nashai.autograd as ag
from nashai.nn.functional.pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    max_pool1d,
    max_pool2d,
    max_pool3d,
)
from nashai.nn.modules.pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AvgPool1d,
    AvgPool2d,
    AvgPool3d,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
)

MAX_POOL2D_CASES = [
    ((2, 3, 8, 8), {"kernel_size": 2}),
    ((2, 3, 9, 7), {"kernel_size": 3, "stride": 2, "padding": 1}),
    (
        (2, 3, 9, 8),
        {
            "kernel_size": (3, 2),
            "stride": (2, 3),
            "padding": (1, 1),
            "dilation": (2, 1),
            "ceil_mode": True,
        },
    ),
    ((1, 2, 10, 10), {"kernel_size": 3, "stride": 3, "ceil_mode": True}),
    ((2, 5, 5), {"kernel_size": 2, "stride": 1}),  # unbatched, overlapping windows
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("shape", "kwargs"), MAX_POOL2D_CASES)
def test_max_pool2d_matches_torch_with_indices(shape, kwargs, dtype):
    (x,) = random_inputs([shape], dtype)
    torch_out, ours = compare_function(
        lambda x: F.max_pool2d(x, return_indices=True, **kwargs),
        lambda x: max_pool2d(x, return_indices=True, **kwargs),
        [x],
    )
    np.testing.assert_array_equal(ours[1].numpy(), torch_out[1].numpy())
    assert str(ours[1].dtype) == "int64"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kernel_size": 3},
        {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
        {"kernel_size": 2, "stride": 1, "dilation": 3},
    ],
)
def test_max_pool1d_matches_torch_with_indices(kwargs):
    (x,) = random_inputs([(2, 3, 11)])
    torch_out, ours = compare_function(
        lambda x: F.max_pool1d(x, return_indices=True, **kwargs),
        lambda x: max_pool1d(x, return_indices=True, **kwargs),
        [x],
    )
    np.testing.assert_array_equal(ours[1].numpy(), torch_out[1].numpy())


def test_3d_pooling_matches_torch_with_indices():
    (x,) = random_inputs([(2, 2, 5, 6, 5)])
    kwargs = {"kernel_size": (2, 3, 2), "stride": 2, "padding": 1, "dilation": (1, 1, 2)}
    torch_out, ours = compare_function(
        lambda x: F.max_pool3d(x, return_indices=True, **kwargs),
        lambda x: max_pool3d(x, return_indices=True, **kwargs),
        [x],
    )
    np.testing.assert_array_equal(ours[1].numpy(), torch_out[1].numpy())
    compare_function(
        lambda x: F.avg_pool3d(x, 3, 2, 1, count_include_pad=False),
        lambda x: avg_pool3d(x, 3, 2, 1, count_include_pad=False),
        [x],
    )


def test_max_pool_sends_the_gradient_to_the_first_maximum_of_ties():
    x = ag.tensor([[[[2.0, 2.0], [1.0, 2.0]]]], requires_grad=True)
    max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[[[1, 0], [0, 0]]]])


def test_max_pool_propagates_nan_like_torch():
    x = np.array([[[[1.0, np.nan], [3.0, 2.0]]]])
    ours = max_pool2d(ag.tensor(x), 2, return_indices=True)
    theirs = F.max_pool2d(torch.tensor(x), 2, return_indices=True)
    assert np.isnan(ours[0].numpy()).all()
    np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())


def test_max_pool_sends_the_gradient_to_the_maximum_only():
    x = ag.tensor([[[[1.0, 5.0], [3.0, 2.0]]]], requires_grad=True)
    max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[[[0, 1], [0, 0]]]])


AVG_POOL2D_CASES = [
    ((2, 3, 8, 8), {"kernel_size": 2}),
    ((2, 3, 9, 7), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ((2, 3, 9, 7), {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}),
    ((2, 3, 10, 8), {"kernel_size": (3, 2), "stride": (2, 3), "padding": 1, "ceil_mode": True}),
    (
        (2, 3, 10, 8),
        {
            "kernel_size": 3,
            "stride": 2,
            "padding": 1,
            "ceil_mode": True,
            "count_include_pad": False,
        },
    ),
    ((2, 3, 7, 7), {"kernel_size": 3, "stride": 1, "divisor_override": 5}),
    ((3, 6, 6), {"kernel_size": 3}),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("shape", "kwargs"), AVG_POOL2D_CASES)
def test_avg_pool2d_matches_torch(shape, kwargs, dtype):
    (x,) = random_inputs([shape], dtype)
    compare_function(lambda x: F.avg_pool2d(x, **kwargs), lambda x: avg_pool2d(x, **kwargs), [x])


def test_avg_pool1d_matches_torch():
    kwargs = {
        "kernel_size": 3,
        "stride": 2,
        "padding": 1,
        "ceil_mode": True,
        "count_include_pad": False,
    }
    (x,) = random_inputs([(2, 3, 10)])
    compare_function(lambda x: F.avg_pool1d(x, **kwargs), lambda x: avg_pool1d(x, **kwargs), [x])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(
    ("shape", "output_size"),
    [
        ((2, 3, 10, 7), (3, 4)),
        ((2, 3, 10, 7), (None, 4)),
        ((2, 3, 6, 6), 1),
        ((2, 3, 5, 9), (7, 9)),  # bins that overlap
        ((3, 8, 8), 4),
    ],
)
def test_adaptive_avg_pool2d_matches_torch(shape, output_size, dtype):
    (x,) = random_inputs([shape], dtype)
    compare_function(
        lambda x: F.adaptive_avg_pool2d(x, output_size),
        lambda x: adaptive_avg_pool2d(x, output_size),
        [x],
    )


def test_adaptive_avg_pool1d_matches_torch():
    (x,) = random_inputs([(2, 3, 10)])
    compare_function(
        lambda x: F.adaptive_avg_pool1d(x, 4), lambda x: adaptive_avg_pool1d(x, 4), [x]
    )


def test_pooling_rejects_padding_over_half_the_kernel():
    with pytest.raises(ValueError, match="half the kernel"):
        max_pool2d(ag.zeros(1, 1, 6, 6), 2, padding=2)


def test_pooling_rejects_a_wrong_number_of_dimensions():
    with pytest.raises(RuntimeError, match="4-D input"):
        max_pool2d(ag.zeros(6, 6), 2)


LAYERS = [
    (torch.nn.MaxPool1d(3, stride=2, padding=1), MaxPool1d(3, stride=2, padding=1), (2, 3, 9)),
    (
        torch.nn.MaxPool2d(3, stride=2, ceil_mode=True),
        MaxPool2d(3, stride=2, ceil_mode=True),
        (2, 3, 8, 8),
    ),
    (torch.nn.AvgPool1d(2), AvgPool1d(2), (2, 3, 9)),
    (
        torch.nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
        AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
        (2, 3, 8, 8),
    ),
    (
        torch.nn.MaxPool3d(2, stride=(1, 2, 2), padding=1),
        MaxPool3d(2, stride=(1, 2, 2), padding=1),
        (1, 2, 4, 5, 4),
    ),
    (
        torch.nn.AvgPool3d(3, stride=2, padding=1, ceil_mode=True),
        AvgPool3d(3, stride=2, padding=1, ceil_mode=True),
        (1, 2, 5, 6, 5),
    ),
    (torch.nn.AdaptiveAvgPool1d(3), AdaptiveAvgPool1d(3), (2, 3, 8)),
    (torch.nn.AdaptiveAvgPool2d((2, 3)), AdaptiveAvgPool2d((2, 3)), (2, 3, 7, 8)),
]


@pytest.mark.parametrize(("torch_layer", "layer", "shape"), LAYERS)
def test_pooling_layers_match_torch(torch_layer, layer, shape):
    compare_module(torch_layer, layer, [shape])
    assert layer.state_dict() == {}


def test_max_pool2d_layer_returns_indices_when_asked():
    (x,) = random_inputs([(1, 2, 6, 6)])
    out, indices = MaxPool2d(2, return_indices=True)(ag.tensor(x))
    torch_out, torch_indices = torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(out.numpy(), torch_out.numpy())
    np.testing.assert_array_equal(indices.numpy(), torch_indices.numpy())


def test_pooling_layer_reprs_read_like_torchs():
    assert repr(MaxPool2d(2)) == repr(torch.nn.MaxPool2d(2))
    assert repr(AdaptiveAvgPool2d((1, 1))) == repr(torch.nn.AdaptiveAvgPool2d((1, 1)))


@pytest.mark.parametrize(
    ("torch_pool", "pool", "kwargs"),
    [
        (F.max_pool2d, max_pool2d, {"kernel_size": 3, "stride": 2, "padding": 1}),
        (
            F.avg_pool2d,
            avg_pool2d,
            {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False},
        ),
    ],
)
def test_pooling_double_backward_matches_torch(torch_pool, pool, kwargs):
    (x,) = random_inputs([(2, 3, 7, 6)])

    def second_order(lib, fn):
        t = lib.tensor(x, requires_grad=True)
        (g,) = (torch.autograd.grad if lib is torch else ag.grad)(
            (fn(t, **kwargs) ** 3).sum(), (t,), create_graph=True
        )
        (g * g).sum().backward()
        return t.grad

    np.testing.assert_allclose(
        second_order(ag, pool).numpy(), second_order(torch, torch_pool).numpy(), rtol=1e-10
    )
