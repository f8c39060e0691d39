"""RNN, LSTM and GRU layers: PyTorch's constructor arguments, parameter names and gate order,
so a PyTorch recurrent layer's state_dict loads unchanged. The math is in
nashai.nn.functional.rnn (one matmul for the input projection, a fused scan for the recurrence).
"""

from __future__ import annotations

import math
import warnings

import nashai.autograd as ag
from nashai.autograd import Tensor
from nashai.nn.functional.rnn import GATES, gru, lstm, rnn
from nashai.nn.module import Module, Parameter

__all__ = ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNBase", "RNNCell", "RNNCellBase"]


class RNNBase(Module):
    """The shared part of RNN, LSTM and GRU: the parameters of every layer and direction.

    For layer k and direction suffix s ("" forward, "_reverse" backward), as PyTorch:
        weight_ih_l{k}{s}  (G·H, H_in) for k = 0, (G·H, D·H) after
        weight_hh_l{k}{s}  (G·H, H)
        bias_ih_l{k}{s}, bias_hh_l{k}{s}  (G·H,)   (when bias=True)
    with G = 1 (RNN), 4 (LSTM: i, f, g, o) or 3 (GRU: r, z, n) gates stacked along the rows,
    and D = 2 if bidirectional else 1. Every parameter starts uniform on (-1/√H, 1/√H).
    """

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        _check_positive("input_size", input_size)
        _check_positive("hidden_size", hidden_size)
        _check_positive("num_layers", num_layers)
        if isinstance(dropout, bool) or not 0.0 <= dropout <= 1.0:
            raise ValueError(f"dropout must be a probability in [0, 1], got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                f"dropout={dropout} acts between recurrent layers, so it does nothing with "
                f"num_layers=1",
                stacklevel=3,
            )
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        directions = 2 if bidirectional else 1
        rows = GATES[mode] * hidden_size
        bound = 1.0 / math.sqrt(hidden_size)

        def uniform(*shape: int) -> Parameter:
            values = ag.rand(*shape, dtype=dtype, device=device) * (2 * bound) - bound
            return Parameter(values)

        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * directions
            for suffix in ["", "_reverse"][:directions]:
                setattr(self, f"weight_ih_l{layer}{suffix}", uniform(rows, layer_input))
                setattr(self, f"weight_hh_l{layer}{suffix}", uniform(rows, hidden_size))
                if bias:
                    setattr(self, f"bias_ih_l{layer}{suffix}", uniform(rows))
                    setattr(self, f"bias_hh_l{layer}{suffix}", uniform(rows))

    def flatten_parameters(self) -> None:
        """Nothing to do (kept so PyTorch code runs): the weights are always used in place."""

    def _weights(self) -> list[tuple]:
        """(w_ih, w_hh, b_ih, b_hh) per layer and direction, in the functional's order."""
        weights = []
        for layer in range(self.num_layers):
            for suffix in ["", "_reverse"][: 2 if self.bidirectional else 1]:
                names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
                weights.append(
                    tuple(getattr(self, f"{name}_l{layer}{suffix}", None) for name in names)
                )
        return weights

    def _options(self) -> dict:
        return {
            "num_layers": self.num_layers,
            "bidirectional": self.bidirectional,
            "batch_first": self.batch_first,
            "dropout": self.dropout,
            "training": self.training,
        }

    def _check_input(self, input: Tensor) -> None:
        if not isinstance(input, Tensor):
            raise TypeError(f"input must be a Tensor, got {type(input).__name__}")
        if input.ndim not in (2, 3) or input.shape[-1] != self.input_size:
            raise ValueError(
                f"{type(self).__name__} expects input of shape (T, N, {self.input_size}) "
                f"((N, T, {self.input_size}) with batch_first, or (T, {self.input_size}) "
                f"unbatched), got {tuple(input.shape)}"
            )

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text


def _check_positive(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


class RNN(RNNBase):
    """An Elman RNN: hₜ = act(xₜ W_ihᵀ + b_ih + hₜ₋₁ W_hhᵀ + b_hh), act = tanh or relu.

    Args:
        input_size, hidden_size: H_in and H.
        num_layers: stacked layers; each reads the previous one's outputs.
        nonlinearity: "tanh" or "relu".
        bias: whether the layers have b_ih and b_hh.
        batch_first: input and output are (N, T, features) instead of (T, N, features).
        dropout: dropout probability on the outputs of every layer but the last (training only).
        bidirectional: run a second layer over the reversed sequence and concatenate.

    forward(input, hx=None) -> (output, h_n): input (T, N, H_in) (or unbatched (T, H_in));
    hx (D·num_layers, N, H), zeros by default; output (T, N, D·H); h_n (D·num_layers, N, H).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device=None,
        dtype=None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(
            mode, input_size, hidden_size, num_layers, bias, batch_first, dropout,
            bidirectional, device, dtype,
        )  # fmt: skip
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        self._check_input(input)
        return rnn(input, hx, self._weights(), nonlinearity=self.nonlinearity, **self._options())

    def extra_repr(self) -> str:
        text = super().extra_repr()
        return text if self.nonlinearity == "tanh" else text + ", nonlinearity='relu'"


class LSTM(RNNBase):
    """A long short-term memory network (gates i, f, g, o, in PyTorch's order):

        i, f, o = σ(xₜ W_i·ᵀ + hₜ₋₁ W_h·ᵀ + b),   g = tanh(...),
        cₜ = f ⊙ cₜ₋₁ + i ⊙ g,   hₜ = o ⊙ tanh(cₜ)

    Arguments as RNN (without nonlinearity). forward(input, hx=None) -> (output, (h_n, c_n)),
    hx = (h0, c0), each (D·num_layers, N, H); zeros by default.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device=None,
        dtype=None,
    ) -> None:
        if proj_size != 0:
            raise NotImplementedError("LSTM with proj_size > 0 is not implemented")
        super().__init__(
            "LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
            bidirectional, device, dtype,
        )  # fmt: skip
        self.proj_size = 0

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None):
        self._check_input(input)
        return lstm(input, hx, self._weights(), **self._options())


class GRU(RNNBase):
    """A gated recurrent unit network (gates r, z, n, in PyTorch's order):

        r, z = σ(xₜ W_i·ᵀ + b_i· + hₜ₋₁ W_h·ᵀ + b_h·),
        n = tanh(xₜ W_inᵀ + b_in + r ⊙ (hₜ₋₁ W_hnᵀ + b_hn)),   hₜ = (1 - z) ⊙ n + z ⊙ hₜ₋₁

    Arguments as RNN (without nonlinearity). forward(input, hx=None) -> (output, h_n).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(
            "GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
            bidirectional, device, dtype,
        )  # fmt: skip

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        self._check_input(input)
        return gru(input, hx, self._weights(), **self._options())


# --- single steps ------------------------------------------------------------------------------


class RNNCellBase(Module):
    """One time step of RNN, LSTM or GRU, with PyTorch's parameter names weight_ih (G·H, H_in),
    weight_hh (G·H, H), bias_ih and bias_hh (G·H,), initialised uniform on (-1/√H, 1/√H).
    The step is the layer's scan over a sequence of length 1."""

    def __init__(self, mode, input_size, hidden_size, bias, device, dtype) -> None:
        super().__init__()
        _check_positive("input_size", input_size)
        _check_positive("hidden_size", hidden_size)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        rows = GATES[mode] * hidden_size
        bound = 1.0 / math.sqrt(hidden_size)

        def uniform(*shape: int) -> Parameter:
            return Parameter(ag.rand(*shape, dtype=dtype, device=device) * (2 * bound) - bound)

        self.weight_ih = uniform(rows, input_size)
        self.weight_hh = uniform(rows, hidden_size)
        if bias:
            self.bias_ih = uniform(rows)
            self.bias_hh = uniform(rows)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)

    def _step(self, input: Tensor, states: tuple, run, **options):
        """Run the one-layer sequence function `run` over the single step `input`."""
        if not isinstance(input, Tensor) or input.ndim not in (1, 2):
            raise ValueError(
                f"{type(self).__name__} expects input of shape (N, {self.input_size}) or "
                f"({self.input_size},), got {tuple(getattr(input, 'shape', ()))}"
            )
        if input.shape[-1] != self.input_size:
            raise ValueError(
                f"{type(self).__name__} expects {self.input_size} input features, got "
                f"{input.shape[-1]}"
            )
        batched = input.ndim == 2
        expected = (input.shape[0], self.hidden_size) if batched else (self.hidden_size,)
        for name, state in zip(("h", "c"), states, strict=False):
            if state is not None and tuple(state.shape) != expected:
                raise ValueError(f"{name} must have shape {expected}, got {tuple(state.shape)}")
        hx = None
        if states[0] is not None:
            hx = tuple(state.unsqueeze(0) for state in states)  # (1, [N,] H): one layer
            hx = hx if len(hx) == 2 else hx[0]
        weights = [(self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)]
        _, final = run(input.unsqueeze(0), hx, weights, **options)  # a sequence of length 1
        return tuple(state[0] for state in final) if isinstance(final, tuple) else final[0]

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        return text if self.bias else text + ", bias=False"


class RNNCell(RNNCellBase):
    """h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh), act tanh or relu.

    forward(input, hx=None) -> h': input (N, H_in) or (H_in,); hx and h' (N, H) or (H,).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device=None,
        dtype=None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(mode, input_size, hidden_size, bias, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._step(input, (hx,), rnn, nonlinearity=self.nonlinearity)


class LSTMCell(RNNCellBase):
    """One LSTM step (gates i, f, g, o): forward(input, hx=None) -> (h', c'), hx = (h, c)."""

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None
    ) -> None:
        super().__init__("LSTM", input_size, hidden_size, bias, device, dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None):
        return self._step(input, (None, None) if hx is None else tuple(hx), lstm)


class GRUCell(RNNCellBase):
    """One GRU step (gates r, z, n): forward(input, hx=None) -> h'."""

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None
    ) -> None:
        super().__init__("GRU", input_size, hidden_size, bias, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._step(input, (hx,), gru)
