"""The fused ops written for speed (linear, relu, the LSTM scan) against PyTorch and finite
differences, in the cases their fast paths add: batched and 1-D inputs, no bias, partial
gradients, double backward, and outputs that receive no gradient."""

import numpy as np
import pytest
import torch
from nn_testing import compare_function, compare_module, random_inputs

import nashai.autograd as ag
import nashai.nn.functional as F
from nashai.nn.modules.rnn import LSTM


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("input_shape", [(7,), (4, 7), (2, 3, 7)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(dtype, input_shape, bias):
    shapes = [input_shape, (5, 7)] + ([(5,)] if bias else [])
    compare_function(torch.nn.functional.linear, F.linear, random_inputs(shapes, dtype))


def test_linear_gradient_of_the_weight_only():
    x, w, b = random_inputs([(6, 3), (4, 3), (4,)])
    compare_function(torch.nn.functional.linear, F.linear, [x, w, b], requires_grad=[1])


def test_linear_and_relu_differentiate_twice():
    ag.manual_seed(0)
    x = ag.randn(3, 4, 5, dtype=ag.float64, requires_grad=True)
    w = ag.randn(6, 5, dtype=ag.float64, requires_grad=True)
    b = ag.randn(6, dtype=ag.float64, requires_grad=True)
    assert ag.gradgradcheck(lambda x, w, b: F.linear(x, w, b).tanh(), (x, w, b))
    # relu away from its kink at 0 (the finite-difference steps must not cross it)
    (away,) = random_inputs([(3, 4, 5)], low=0.5, high=2.0)
    away *= np.where(np.arange(away.size).reshape(away.shape) % 2 == 0, 1.0, -1.0)
    assert ag.gradgradcheck(F.relu, (ag.tensor(away, requires_grad=True),))


def test_linear_rejects_mixed_dtypes():
    x, w = ag.randn(2, 3), ag.randn(4, 3, dtype=ag.float64)
    with pytest.raises(RuntimeError, match="same dtype"):
        F.linear(x, w)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_relu_matches_torch(dtype):
    (x,) = random_inputs([(3, 4, 5)], dtype)
    x[0, 0, :2] = 0.0  # relu'(0) = 0, as PyTorch
    compare_function(torch.relu, F.relu, [x])


def test_relu_of_integers_keeps_the_dtype():
    out = F.relu(ag.tensor([-2, 0, 3]))
    assert out.dtype == ag.int64 and out.tolist() == [0, 0, 3]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_lstm_matches_torch_when_only_the_last_step_gets_a_gradient(dtype):
    torch.manual_seed(0)
    theirs = torch.nn.LSTM(3, 5, batch_first=True, dtype=getattr(torch, dtype))
    ours = LSTM(3, 5, batch_first=True, dtype=getattr(ag, dtype))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    (x,) = random_inputs([(2, 6, 3)], dtype)
    t_x, n_x = torch.tensor(x, requires_grad=True), ag.tensor(x, requires_grad=True)
    (theirs(t_x)[0][:, -1] ** 2).sum().backward()
    (ours(n_x)[0][:, -1] ** 2).sum().backward()
    rtol = 1e-10 if dtype == "float64" else 1e-5
    np.testing.assert_allclose(n_x.grad.numpy(), t_x.grad.numpy(), rtol=rtol, atol=1e-6)
    for name, param in ours.named_parameters():
        expected = dict(theirs.named_parameters())[name].grad.numpy()
        np.testing.assert_allclose(param.grad.numpy(), expected, rtol=rtol, atol=1e-6)


def test_lstm_two_layers_bidirectional_with_initial_states():
    compare_module(
        torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True),
        LSTM(3, 4, num_layers=2, bidirectional=True),
        [(5, 2, 3)],
    )
