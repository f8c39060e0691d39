"""RNN, LSTM and GRU against PyTorch with the same weights: outputs, final states, and the
gradients of the input, the initial states and every weight."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from nn_testing import compare_module, random_inputs

import nashai.autograd as ag
from nashai.nn.functional.rnn import lstm
from nashai.nn.module import Module
from nashai.nn.modules.rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell

# the references run tiny tensors: torch's thread pool only contends with the other processes
torch.set_num_threads(1)

DTYPES = ["float64", "float32"]
KINDS = {  # name -> (torch class, nashai class, extra constructor arguments)
    "rnn_tanh": (torch.nn.RNN, RNN, {}),
    "rnn_relu": (torch.nn.RNN, RNN, {"nonlinearity": "relu"}),
    "lstm": (torch.nn.LSTM, LSTM, {}),
    "gru": (torch.nn.GRU, GRU, {}),
}
CONFIGS = {  # name -> (constructor arguments, whether to pass initial states, unbatched)
    "one_layer": ({}, False, False),
    "two_layers_bidirectional_batch_first_h0": (
        {"num_layers": 2, "bidirectional": True, "batch_first": True},
        True,
        False,
    ),
    "two_layers_no_bias_h0": ({"num_layers": 2, "bias": False}, True, False),
    "bidirectional_unbatched_h0": ({"bidirectional": True}, True, True),
}
INPUT, HIDDEN, LENGTH, BATCH = 3, 5, 6, 2


class TorchWithState(torch.nn.Module):
    """Calls the recurrent layer with its initial states as separate inputs (h0, or h0 and c0)."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, x, *states):
        return self.layer(x, _states(states))


class NashaiWithState(Module):
    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, x, *states):
        return self.layer(x, _states(states))


def _states(states):
    if not states:
        return None
    return states[0] if len(states) == 1 else tuple(states)


def _shapes(kind: str, args: dict, with_states: bool, unbatched: bool) -> list[tuple]:
    directions = 2 if args.get("bidirectional") else 1
    batch = () if unbatched else (BATCH,)
    x_shape = (LENGTH, *batch, INPUT)
    if args.get("batch_first") and not unbatched:
        x_shape = (BATCH, LENGTH, INPUT)
    state_shape = (directions * args.get("num_layers", 1), *batch, HIDDEN)
    count = (2 if kind == "lstm" else 1) if with_states else 0
    return [x_shape] + [state_shape] * count


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("kind", KINDS)
def test_recurrent_layer_matches_torch(kind, config, dtype):
    torch_class, nashai_class, extra = KINDS[kind]
    args, with_states, unbatched = CONFIGS[config]
    torch.manual_seed(0)
    torch_layer = TorchWithState(torch_class(INPUT, HIDDEN, **extra, **args))
    nashai_layer = NashaiWithState(nashai_class(INPUT, HIDDEN, **extra, **args))
    compare_module(
        torch_layer, nashai_layer, _shapes(kind, args, with_states, unbatched), dtype=dtype
    )


CELLS = {
    "rnn_tanh": (torch.nn.RNNCell, RNNCell, {}),
    "rnn_relu_no_bias": (torch.nn.RNNCell, RNNCell, {"nonlinearity": "relu", "bias": False}),
    "lstm": (torch.nn.LSTMCell, LSTMCell, {}),
    "gru": (torch.nn.GRUCell, GRUCell, {}),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_states", [True, False])
@pytest.mark.parametrize("kind", CELLS)
def test_cell_matches_torch(kind, with_states, batched, dtype):
    torch_class, nashai_class, args = CELLS[kind]
    torch.manual_seed(3)
    batch = (BATCH,) if batched else ()
    count = (2 if kind == "lstm" else 1) if with_states else 0
    shapes = [(*batch, INPUT)] + [(*batch, HIDDEN)] * count
    compare_module(
        TorchWithState(torch_class(INPUT, HIDDEN, **args)),
        NashaiWithState(nashai_class(INPUT, HIDDEN, **args)),
        shapes,
        dtype=dtype,
    )


@pytest.mark.parametrize("kind", KINDS)
def test_dropout_between_layers_is_off_in_eval_mode(kind):
    torch_class, nashai_class, extra = KINDS[kind]
    torch.manual_seed(1)
    args = {"num_layers": 3, "dropout": 0.5}
    compare_module(
        torch_class(INPUT, HIDDEN, **extra, **args),
        nashai_class(INPUT, HIDDEN, **extra, **args),
        [(LENGTH, BATCH, INPUT)],
        train=False,
    )


@pytest.mark.parametrize("kind", KINDS)
def test_dropout_one_feeds_zeros_to_the_next_layer(kind):
    """dropout=1 is deterministic: layer 2 sees zeros, in both libraries (training mode)."""
    torch_class, nashai_class, extra = KINDS[kind]
    torch.manual_seed(2)
    args = {"num_layers": 2, "dropout": 1.0, "bidirectional": True}
    compare_module(
        torch_class(INPUT, HIDDEN, **extra, **args),
        nashai_class(INPUT, HIDDEN, **extra, **args),
        [(LENGTH, BATCH, INPUT)],
        train=True,
    )


def test_dropout_in_training_is_random_inverted_and_seeded():
    layer = GRU(INPUT, HIDDEN, num_layers=2, dropout=0.5).double()
    (x,) = random_inputs([(LENGTH, BATCH, INPUT)])
    x = ag.tensor(x)
    runs = []
    for seed in (7, 7, 8):
        ag.manual_seed(seed)
        runs.append(layer(x)[0].numpy())
    layer.eval()
    plain = layer(x)[0].numpy()
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.allclose(runs[0], runs[2])
    assert not np.allclose(runs[0], plain)


def test_parameter_names_shapes_and_init_follow_torch():
    torch_layer = torch.nn.LSTM(INPUT, HIDDEN, num_layers=2, bidirectional=True, bias=True)
    layer = LSTM(INPUT, HIDDEN, num_layers=2, bidirectional=True)
    ours = {name: tuple(p.shape) for name, p in layer.named_parameters()}
    theirs = {name: tuple(p.shape) for name, p in torch_layer.named_parameters()}
    assert list(ours.items()) == list(theirs.items())
    bound = 1 / np.sqrt(HIDDEN)
    values = np.concatenate([p.numpy().ravel() for p in layer.parameters()])
    assert np.abs(values).max() <= bound
    assert values.std() == pytest.approx(bound / np.sqrt(3), rel=0.15)  # uniform(-b, b)


def test_state_dict_round_trip_into_torch():
    layer = GRU(INPUT, HIDDEN, num_layers=2, bidirectional=True, batch_first=True).double()
    torch_layer = torch.nn.GRU(
        INPUT, HIDDEN, num_layers=2, bidirectional=True, batch_first=True, dtype=torch.float64
    )
    torch_layer.load_state_dict({k: torch.tensor(v.numpy()) for k, v in layer.state_dict().items()})
    (x,) = random_inputs([(BATCH, LENGTH, INPUT)])
    out, h_n = layer(ag.tensor(x))
    torch_out, torch_h_n = torch_layer(torch.tensor(x))
    np.testing.assert_allclose(out.numpy(), torch_out.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(h_n.numpy(), torch_h_n.detach().numpy(), rtol=1e-12)


def test_functional_lstm_returns_final_states_of_each_direction():
    """h_n of the reverse direction is its state after reading step 0, which is output[0]."""
    layer = LSTM(INPUT, HIDDEN, bidirectional=True).double()
    (x,) = random_inputs([(LENGTH, BATCH, INPUT)])
    out, (h_n, c_n) = lstm(ag.tensor(x), None, layer._weights(), bidirectional=True)
    np.testing.assert_array_equal(h_n.numpy()[0], out.numpy()[-1, :, :HIDDEN])
    np.testing.assert_array_equal(h_n.numpy()[1], out.numpy()[0, :, HIDDEN:])
    assert c_n.shape == (2, BATCH, HIDDEN)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="nonlinearity"):
        RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="hidden_size"):
        GRU(3, 0)
    layer = LSTM(3, 4)
    with pytest.raises(ValueError, match=r"expects input of shape \(T, N, 3\)"):
        layer(ag.zeros(5, 2, 4))
    with pytest.raises(ValueError, match="h0 must have shape"):
        layer(ag.zeros(5, 2, 3), (ag.zeros(1, 3, 4), ag.zeros(1, 2, 4)))
    with pytest.raises(TypeError, match=r"tuple \(h0, c0\)"):
        layer(ag.zeros(5, 2, 3), ag.zeros(1, 2, 4))


def test_double_backward_is_refused_with_a_clear_error():
    layer = LSTM(INPUT, HIDDEN).double()
    x = ag.tensor(random_inputs([(LENGTH, BATCH, INPUT)])[0], requires_grad=True)
    out, _ = layer(x)
    with pytest.raises(RuntimeError, match="double backward"):
        ag.grad(out.sum(), x, create_graph=True)
