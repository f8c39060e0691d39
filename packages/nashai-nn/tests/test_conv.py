"""Convolutions against PyTorch: outputs and gradients of input, weight and bias, for many
shapes, strides, paddings, dilations and groups, in float64 and float32; the layers' parameter
names, shapes and default initialisation."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from nn_testing import assert_close, compare_function, compare_module, random_inputs

import nashai.autograd as ag
from nashai.nn.functional.conv import conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d
from nashai.nn.modules.conv import (
    Conv1d,
    Conv2d,
    Conv3d,
    ConvTranspose1d,
    ConvTranspose2d,
    ConvTranspose3d,
)

# float32: rtol 1e-5, and an absolute 1e-5 of the gradients' scale (about 10: sums of up to a
# hundred products of O(1) numbers) for the entries where such a sum cancels to near zero
FLOAT32_ATOL = {"float64": None, "float32": 1e-4}

# (input shape, weight shape, keyword arguments)
CONV2D_CASES = [
    ((2, 3, 8, 8), (4, 3, 3, 3), {}),
    ((2, 3, 8, 7), (4, 3, 3, 3), {"padding": 1}),
    ((2, 3, 9, 8), (5, 3, 3, 2), {"stride": 2, "padding": (1, 0)}),
    ((1, 2, 10, 9), (3, 2, 3, 3), {"stride": (2, 3), "padding": (2, 1), "dilation": (2, 1)}),
    ((2, 4, 7, 7), (6, 2, 3, 3), {"groups": 2, "padding": 1}),
    ((2, 4, 7, 6), (4, 1, 3, 3), {"groups": 4, "padding": 1, "stride": 2}),  # depthwise
    ((2, 6, 6, 6), (9, 2, 1, 1), {"groups": 3}),  # grouped 1x1
    ((2, 3, 8, 8), (4, 3, 4, 4), {"padding": "same"}),  # even kernel: extra pad bottom/right
    ((2, 3, 8, 8), (4, 3, 3, 3), {"padding": "same", "dilation": 2}),
    ((2, 3, 6, 6), (4, 3, 3, 3), {"padding": "valid"}),
    ((3, 8, 8), (4, 3, 3, 3), {"padding": 1}),  # unbatched
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("x_shape", "w_shape", "kwargs"), CONV2D_CASES)
def test_conv2d_matches_torch(x_shape, w_shape, kwargs, dtype):
    inputs = random_inputs([x_shape, w_shape, (w_shape[0],)], dtype)
    compare_function(
        lambda x, w, b: F.conv2d(x, w, b, **kwargs),
        lambda x, w, b: conv2d(x, w, b, **kwargs),
        inputs,
        atol=FLOAT32_ATOL[dtype],
    )


def test_conv2d_without_bias_and_without_input_grad():
    x, w = random_inputs([(2, 3, 6, 6), (4, 3, 3, 3)])
    compare_function(F.conv2d, conv2d, [x, w])
    compare_function(F.conv2d, conv2d, [x, w], requires_grad=(1,))


CONV1D_CASES = [
    ((2, 3, 10), (4, 3, 3), {}),
    ((2, 3, 11), (4, 3, 4), {"stride": 2, "padding": 2, "dilation": 2}),
    ((2, 4, 9), (6, 2, 3), {"groups": 2, "padding": "same"}),
    ((3, 9), (2, 3, 2), {"padding": "same", "dilation": 3}),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("x_shape", "w_shape", "kwargs"), CONV1D_CASES)
def test_conv1d_matches_torch(x_shape, w_shape, kwargs, dtype):
    inputs = random_inputs([x_shape, w_shape, (w_shape[0],)], dtype)
    compare_function(
        lambda x, w, b: F.conv1d(x, w, b, **kwargs),
        lambda x, w, b: conv1d(x, w, b, **kwargs),
        inputs,
        atol=FLOAT32_ATOL[dtype],
    )


def test_conv3d_matches_torch():
    inputs = random_inputs([(2, 4, 5, 6, 5), (6, 2, 3, 2, 3), (6,)])
    kwargs = {"stride": (1, 2, 1), "padding": 1, "groups": 2}
    compare_function(
        lambda x, w, b: F.conv3d(x, w, b, **kwargs),
        lambda x, w, b: conv3d(x, w, b, **kwargs),
        inputs,
    )


# (input shape, weight shape (C_in, C_out/groups, *k), keyword arguments)
TRANSPOSE2D_CASES = [
    ((2, 3, 5, 5), (3, 4, 3, 3), {}),
    ((2, 3, 5, 6), (3, 4, 3, 3), {"stride": 2, "padding": 1, "output_padding": 1}),
    (
        (2, 4, 4, 5),
        (4, 3, 3, 2),
        {"stride": (2, 3), "padding": (1, 0), "output_padding": (1, 2), "groups": 2},
    ),
    ((1, 2, 4, 4), (2, 2, 3, 3), {"stride": 1, "padding": 1, "dilation": 2, "output_padding": 1}),
    ((2, 3, 4, 4), (3, 2, 4, 4), {"stride": 2, "padding": 1}),  # the DCGAN upsampler
    ((3, 4, 4), (3, 2, 2, 2), {"stride": 2}),  # unbatched
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("x_shape", "w_shape", "kwargs"), TRANSPOSE2D_CASES)
def test_conv_transpose2d_matches_torch(x_shape, w_shape, kwargs, dtype):
    groups = kwargs.get("groups", 1)
    inputs = random_inputs([x_shape, w_shape, (w_shape[1] * groups,)], dtype)
    compare_function(
        lambda x, w, b: F.conv_transpose2d(x, w, b, **kwargs),
        lambda x, w, b: conv_transpose2d(x, w, b, **kwargs),
        inputs,
        atol=FLOAT32_ATOL[dtype],
    )


def test_conv_transpose1d_matches_torch():
    kwargs = {"stride": 3, "padding": 1, "output_padding": 2, "dilation": 2}
    inputs = random_inputs([(2, 3, 7), (3, 2, 3), (2,)])
    compare_function(
        lambda x, w, b: F.conv_transpose1d(x, w, b, **kwargs),
        lambda x, w, b: conv_transpose1d(x, w, b, **kwargs),
        inputs,
    )


def test_conv_transpose2d_is_the_adjoint_of_conv2d():
    # <conv2d(x, W), y> = <x, conv_transpose2d(y, W)> for the same weight
    x, w, y = random_inputs([(2, 3, 9, 9), (4, 3, 3, 3), (2, 4, 5, 5)])
    forward = conv2d(ag.tensor(x), ag.tensor(w), stride=2, padding=1).numpy()
    adjoint = conv_transpose2d(ag.tensor(y), ag.tensor(w), stride=2, padding=1).numpy()
    np.testing.assert_allclose(np.sum(forward * y), np.sum(x * adjoint), rtol=1e-12)


# --- errors --------------------------------------------------------------------------------------


def test_conv2d_rejects_channel_mismatch_naming_both():
    x, w = ag.zeros(1, 3, 5, 5), ag.zeros(4, 2, 3, 3)
    with pytest.raises(RuntimeError, match="3 channels"):
        conv2d(x, w)


def test_conv2d_rejects_same_padding_with_stride():
    with pytest.raises(ValueError, match="same"):
        conv2d(ag.zeros(1, 1, 5, 5), ag.zeros(1, 1, 3, 3), stride=2, padding="same")


def test_conv2d_rejects_a_kernel_larger_than_the_input():
    with pytest.raises(RuntimeError, match="does not fit"):
        conv2d(ag.zeros(1, 1, 2, 2), ag.zeros(1, 1, 3, 3))


def test_conv2d_rejects_mixed_dtypes():
    with pytest.raises(RuntimeError, match="same dtype"):
        conv2d(ag.zeros(1, 1, 4, 4, dtype=ag.float64), ag.zeros(1, 1, 3, 3))


def _double_backward(lib, conv, x, w, b, kwargs):
    """Gradients of Σ(dx² ) + Σ(dW²) + Σ(db²), where d· are the gradients of Σ tanh(conv)."""
    x, w, b = (lib.tensor(a, requires_grad=True) for a in (x, w, b))
    grads = (torch.autograd.grad if lib is torch else ag.grad)(
        conv(x, w, b, **kwargs).tanh().sum(), (x, w, b), create_graph=True
    )
    sum(((g * g).sum() for g in grads), start=(grads[0] * 0).sum()).backward()
    return x.grad, w.grad, b.grad


@pytest.mark.parametrize(
    ("torch_conv", "conv", "shapes", "kwargs"),
    [
        (
            F.conv2d,
            conv2d,
            [(2, 4, 7, 6), (6, 2, 3, 3), (6,)],
            {"stride": (2, 1), "padding": 1, "dilation": (1, 2), "groups": 2},
        ),
        (F.conv1d, conv1d, [(2, 3, 9), (4, 3, 2)], {"padding": "same"}),
        (
            F.conv_transpose2d,
            conv_transpose2d,
            [(2, 4, 4, 5), (4, 3, 3, 2), (6,)],
            {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2},
        ),
        (
            F.conv_transpose1d,
            conv_transpose1d,
            [(2, 3, 5), (3, 2, 3), (2,)],
            {"stride": 1, "padding": 1, "output_padding": 1, "dilation": 2},
        ),
    ],
)
def test_conv_double_backward_matches_torch(torch_conv, conv, shapes, kwargs):
    # the gradient penalty of WGAN-GP differentiates a gradient: create_graph through the conv
    if len(shapes) == 2:
        shapes = [*shapes, (shapes[1][0],)]
    x, w, b = random_inputs(shapes)
    ours = _double_backward(ag, conv, x, w, b, kwargs)
    theirs = _double_backward(torch, torch_conv, x, w, b, kwargs)
    for name, mine, reference in zip("xwb", ours, theirs, strict=True):
        assert_close(mine, reference, 1e-10, 1e-12, f"second-order gradient of {name}")


# --- layers --------------------------------------------------------------------------------------

# (class name, positional arguments, keyword arguments, input shape): each test builds fresh
# layers from torch.nn and from nashai
LAYERS = [
    ("Conv1d", (3, 4, 3), {"stride": 2, "padding": 1}, (2, 3, 9)),
    (
        "Conv2d",
        (4, 6, (3, 2)),
        {"stride": (2, 1), "padding": "valid", "dilation": (1, 2), "groups": 2},
        (2, 4, 8, 8),
    ),
    ("Conv2d", (3, 4, 3), {"padding": "same", "bias": False}, (2, 3, 6, 6)),
    ("Conv3d", (2, 3, 2), {}, (1, 2, 4, 4, 4)),
    ("ConvTranspose1d", (3, 2, 4), {"stride": 2, "padding": 1}, (2, 3, 5)),
    (
        "ConvTranspose2d",
        (4, 6, 3),
        {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2},
        (2, 4, 4, 5),
    ),
    (
        "ConvTranspose3d",
        (4, 2, (2, 3, 2)),
        {"stride": (1, 2, 2), "padding": (0, 1, 0), "groups": 2},
        (1, 4, 3, 4, 3),
    ),
]
OURS = {
    "Conv1d": Conv1d,
    "Conv2d": Conv2d,
    "Conv3d": Conv3d,
    "ConvTranspose1d": ConvTranspose1d,
    "ConvTranspose2d": ConvTranspose2d,
    "ConvTranspose3d": ConvTranspose3d,
}


def _pair(name, args, kwargs):
    return getattr(torch.nn, name)(*args, **kwargs), OURS[name](*args, **kwargs)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("name", "args", "kwargs", "shape"), LAYERS)
def test_conv_layers_match_torch(name, args, kwargs, shape, dtype):
    torch_layer, layer = _pair(name, args, kwargs)
    compare_module(torch_layer, layer, [shape], dtype=dtype, atol=FLOAT32_ATOL[dtype])


@pytest.mark.parametrize(("name", "args", "kwargs", "shape"), LAYERS)
def test_conv_layers_have_torchs_state_dict_and_repr(name, args, kwargs, shape):
    torch_layer, layer = _pair(name, args, kwargs)
    ours = {key: tuple(value.shape) for key, value in layer.state_dict().items()}
    theirs = {key: tuple(value.shape) for key, value in torch_layer.state_dict().items()}
    assert ours == theirs
    assert list(ours) == list(theirs)
    assert str(layer.weight.dtype) == "float32"
    assert repr(layer) == repr(torch_layer)


def test_conv2d_default_init_is_uniform_on_one_over_sqrt_fan_in():
    ag.manual_seed(0)
    layer = Conv2d(8, 64, 3, groups=2)  # fan_in = 4 · 9 = 36: bound 1/6
    weight, bias = layer.weight.numpy(), layer.bias.numpy()
    assert weight.shape == (64, 4, 3, 3)
    assert np.abs(weight).max() <= 1 / 6 and np.abs(weight).max() > 0.95 / 6
    assert np.abs(bias).max() <= 1 / 6
    assert abs(weight.std() - (1 / 6) / np.sqrt(3)) < 0.01  # U(-b, b) has std b/√3


def test_conv_transpose2d_init_uses_weight_dim_1_as_fan_in():
    ag.manual_seed(0)
    layer = ConvTranspose2d(16, 4, 2)  # weight (16, 4, 2, 2): fan_in = 4 · 4 = 16: bound 1/4
    assert layer.weight.shape == (16, 4, 2, 2)
    assert 0.9 / 4 < np.abs(layer.weight.numpy()).max() <= 1 / 4


def test_conv_transpose2d_output_size_picks_output_padding():
    torch_layer = torch.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1).double()
    layer = ConvTranspose2d(2, 3, 3, stride=2, padding=1).double()
    layer.load_state_dict({k: v.numpy() for k, v in torch_layer.state_dict().items()})
    (x,) = random_inputs([(1, 2, 4, 4)])
    ours = layer(ag.tensor(x), output_size=(8, 8)).numpy()
    theirs = torch_layer(torch.tensor(x), output_size=(8, 8)).detach().numpy()
    assert ours.shape == (1, 3, 8, 8)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    with pytest.raises(ValueError, match="output size"):
        layer(ag.tensor(x), output_size=(10, 10))


def test_conv2d_repr_reads_like_torchs():
    assert repr(Conv2d(3, 8, 3, stride=2, padding=1, bias=False)) == repr(
        torch.nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False)
    )
    assert repr(Conv2d(3, 8, 3, padding="same", dilation=2, groups=1)) == repr(
        torch.nn.Conv2d(3, 8, 3, padding="same", dilation=2)
    )
    assert repr(Conv1d(4, 8, 3, padding="valid", groups=2)) == repr(
        torch.nn.Conv1d(4, 8, 3, padding="valid", groups=2)
    )
    assert repr(ConvTranspose2d(3, 8, 3, stride=2, output_padding=1, groups=1)) == repr(
        torch.nn.ConvTranspose2d(3, 8, 3, stride=2, output_padding=1)
    )


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize(
    ("name", "args", "kwargs", "shape"),
    [
        ("Conv2d", (3, 4, 3), {"padding": 1}, (2, 3, 6, 5)),
        ("Conv2d", (2, 4, (3, 5)), {"padding": (2, 3), "stride": 2, "groups": 2}, (2, 2, 6, 7)),
        ("Conv2d", (3, 2, 4), {"padding": "same"}, (1, 3, 6, 6)),
        ("Conv1d", (2, 3, 3), {"padding": 2, "dilation": 2}, (2, 2, 8)),
        ("Conv1d", (2, 3, 3), {"padding": 1}, (2, 7)),  # unbatched
        ("Conv3d", (2, 2, 3), {"padding": 1}, (1, 2, 4, 3, 4)),
    ],
)
def test_conv_padding_modes_match_torch(name, args, kwargs, shape, mode):
    torch_layer = getattr(torch.nn, name)(*args, padding_mode=mode, **kwargs)
    layer = OURS[name](*args, padding_mode=mode, **kwargs)
    compare_module(torch_layer, layer, [shape])
    assert repr(layer) == repr(torch_layer)


def test_padding_mode_double_backward_matches_torch():
    x, w, b = random_inputs([(2, 2, 5, 6), (3, 2, 3, 3), (3,)])

    def second_order(lib, layer):
        layer = layer.double()
        state = {"weight": w, "bias": b}
        layer.load_state_dict({k: lib.tensor(v) for k, v in state.items()})
        t = lib.tensor(x, requires_grad=True)
        (g,) = (torch.autograd.grad if lib is torch else ag.grad)(
            layer(t).tanh().sum(), (t,), create_graph=True
        )
        (g * g).sum().backward()
        return t.grad

    ours = second_order(ag, Conv2d(2, 3, 3, padding=2, padding_mode="reflect"))
    theirs = second_order(torch, torch.nn.Conv2d(2, 3, 3, padding=2, padding_mode="reflect"))
    assert_close(ours, theirs, 1e-10, 1e-12, "second-order gradient")


def test_conv_rejects_unknown_padding_modes_and_too_much_reflection():
    with pytest.raises(ValueError, match="padding_mode"):
        Conv2d(1, 1, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="zeros"):
        ConvTranspose2d(1, 1, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="at most 2"):
        Conv2d(1, 1, 3, padding=3, padding_mode="reflect")(ag.zeros(1, 1, 3, 3))


def test_conv_state_dict_round_trips_through_torch():
    layer = ConvTranspose2d(4, 6, 3, groups=2)
    torch_layer = torch.nn.ConvTranspose2d(4, 6, 3, groups=2)
    torch_layer.load_state_dict({k: torch.tensor(v.numpy()) for k, v in layer.state_dict().items()})
    back = ConvTranspose2d(4, 6, 3, groups=2)
    back.load_state_dict({k: v.numpy() for k, v in torch_layer.state_dict().items()})
    for name, value in layer.state_dict().items():
        np.testing.assert_array_equal(back.state_dict()[name].numpy(), value.numpy())
