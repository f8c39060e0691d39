"""Recurrent layers: Elman RNN (tanh or relu), LSTM and GRU, with PyTorch's equations and gate
order, several layers, both directions, dropout between layers and initial states.

Each layer and direction is computed in two parts:

1. the input projection of every time step at once, one matmul: Gx = X W_ihᵀ + b_ih,
   X (T·N, H_in) -> Gx (T, N, G·H), G the number of gates (1, 4 or 3);
2. the recurrence over time, one fused autograd op (a "scan") whose forward loops over the steps
   on the backend's arrays and whose backward is backpropagation through time written by hand:
   it records one node per layer and direction instead of a dozen per time step, and forms the
   gradient of W_hh as one matmul over all steps, dW_hh = Σₜ dGhₜᵀ hₜ₋₁.

The equations (PyTorch's; Gh = h W_hhᵀ + b_hh, split into gates in the order given):

    RNN:  h' = tanh(Gx + Gh)        (or relu)
    LSTM: i, f, g, o = σ, σ, tanh, σ of (Gx + Gh);   c' = f ⊙ c + i ⊙ g;   h' = o ⊙ tanh(c')
          (Hochreiter & Schmidhuber, 1997, with the forget gate of Gers et al., 2000)
    GRU:  r, z = σ(Gx_r + Gh_r), σ(Gx_z + Gh_z);   n = tanh(Gx_n + r ⊙ Gh_n);
          h' = (1 - z) ⊙ n + z ⊙ h
          (Cho et al., 2014; as in PyTorch the reset gate multiplies Gh_n, b_hn included)
"""

from __future__ import annotations

from nashai.autograd import Tensor, cat, engine, zeros
from nashai.autograd.function import Function
from nashai.autograd.ops.common import constant
from nashai.nn.functional.linear import dropout as _dropout
from nashai.nn.functional.linear import linear as _linear

__all__ = ["gru", "lstm", "rnn"]

GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _sigmoid(xp, x):
    """σ(x) = (1 + tanh(x/2)) / 2: one transcendental per entry, and no overflow."""
    return 0.5 * xp.tanh(0.5 * x) + 0.5


def _steps(length: int, reverse: bool) -> range:
    return range(length - 1, -1, -1) if reverse else range(length)


def _previous_states(xp, states, initial, reverse: bool):
    """The state each step started from, laid out like `states` (T, N, H): the forward
    direction's step t read states[t - 1] (initial at t = 0), the reverse direction's step t
    read states[t + 1] (initial at t = T - 1)."""
    initial = initial[None]
    if reverse:
        return xp.concatenate([states[1:], initial], axis=0)
    return xp.concatenate([initial, states[:-1]], axis=0)


def _no_double_backward() -> None:
    if engine.is_grad_enabled():
        raise RuntimeError(
            "the recurrent layers do not support double backward (create_graph=True): their "
            "backward through time is computed on arrays"
        )


def _hidden_gradients(ctx, grad_hidden_proj, grad_input_proj, grad_h, hidden, h0):
    """The gradients common to every scan: of Gx, h0, W_hh and b_hh, as Tensors."""
    xp, backend = ctx.xp, ctx.backend
    length, batch, size = grad_hidden_proj.shape
    previous = _previous_states(xp, hidden, h0.array, ctx.reverse)
    flat_grad = grad_hidden_proj.reshape(length * batch, size)
    grad_w_hh = flat_grad.T @ previous.reshape(length * batch, -1)  # Σₜ dGhₜᵀ hₜ₋₁
    grad_b_hh = flat_grad.sum(axis=0)
    return (
        constant(grad_input_proj, backend),
        constant(grad_h, backend),
        constant(grad_w_hh, backend),
        constant(grad_b_hh, backend),
    )


class RNNScan(Function):
    """h' = act(Gx + h W_hhᵀ + b_hh) over the T steps; out (T, N, H) holds every h'."""

    @staticmethod
    def forward(ctx, input_proj, h0, w_hh, b_hh, nonlinearity, reverse):
        xp = ctx.xp
        gx, w_t = input_proj.array, xp.ascontiguousarray(w_hh.array.T)  # fast matmul
        hidden = xp.empty(gx.shape, dtype=gx.dtype)  # (T, N, H)
        h = h0.array
        for t in _steps(gx.shape[0], reverse):
            pre = gx[t] + h @ w_t + b_hh.array
            h = xp.tanh(pre) if nonlinearity == "tanh" else xp.maximum(pre, 0)
            hidden[t] = h
        ctx.reverse, ctx.nonlinearity = reverse, nonlinearity
        ctx.save_for_backward(h0, w_hh, constant(hidden, ctx.backend))
        return hidden

    @staticmethod
    def backward(ctx, grad):
        _no_double_backward()
        h0, w_hh, hidden = ctx.saved_tensors
        xp, hidden, w, grad = ctx.xp, hidden.array, w_hh.array, grad.array
        grad_pre = xp.empty_like(hidden)
        grad_h = xp.zeros_like(h0.array)
        for t in reversed(_steps(hidden.shape[0], ctx.reverse)):
            grad_h = grad_h + grad[t]
            if ctx.nonlinearity == "tanh":  # tanh' = 1 - tanh²
                grad_pre[t] = grad_h * (1 - hidden[t] * hidden[t])
            else:
                grad_pre[t] = grad_h * (hidden[t] > 0)
            grad_h = grad_pre[t] @ w
        grads = _hidden_gradients(ctx, grad_pre, grad_pre, grad_h, hidden, h0)
        return (*grads, None, None)


class LSTMScan(Function):
    """The LSTM recurrence; out (T + 1, N, H): every h', then the final cell state c_T."""

    @staticmethod
    def forward(ctx, input_proj, h0, c0, w_hh, b_hh, reverse):
        xp = ctx.xp
        gx, w_t = input_proj.array, xp.ascontiguousarray(w_hh.array.T)  # fast matmul
        length, batch, size = gx.shape[0], gx.shape[1], h0.shape[-1]
        out = xp.empty((length + 1, batch, size), dtype=gx.dtype)
        gates = xp.empty(gx.shape, dtype=gx.dtype)  # (T, N, 4H): i, f, g, o after activation
        cells = xp.empty((length, batch, size), dtype=gx.dtype)
        h, c = h0.array, c0.array
        for t in _steps(length, reverse):
            pre = gx[t] + h @ w_t + b_hh.array
            act = _sigmoid(xp, pre)
            act[:, 2 * size : 3 * size] = xp.tanh(pre[:, 2 * size : 3 * size])
            i, f, g, o = (act[:, k * size : (k + 1) * size] for k in range(4))
            c = f * c + i * g
            h = o * xp.tanh(c)
            gates[t], cells[t], out[t] = act, c, h
        out[length] = c
        ctx.reverse = reverse
        ctx.save_for_backward(
            h0, c0, w_hh, constant(out[:length], ctx.backend), constant(gates, ctx.backend),
            constant(cells, ctx.backend),
        )  # fmt: skip
        return out

    @staticmethod
    def backward(ctx, grad):
        _no_double_backward()
        h0, c0, w_hh, hidden, gates, cells = ctx.saved_tensors
        xp, w, grad = ctx.xp, w_hh.array, grad.array
        hidden, gates, cells = hidden.array, gates.array, cells.array
        length, size = hidden.shape[0], hidden.shape[-1]
        previous_cells = _previous_states(xp, cells, c0.array, ctx.reverse)
        grad_gates = xp.empty_like(gates)
        grad_h = xp.zeros_like(h0.array)
        grad_c = grad[length]  # the gradient of c_T, the last row of the output
        for t in reversed(_steps(length, ctx.reverse)):
            i, f, g, o = (gates[t][:, k * size : (k + 1) * size] for k in range(4))
            grad_h = grad_h + grad[t]
            tanh_c = xp.tanh(cells[t])
            grad_c = grad_c + grad_h * o * (1 - tanh_c * tanh_c)
            step = grad_gates[t]
            step[:, :size] = grad_c * g * i * (1 - i)  # through σ' = σ (1 - σ)
            step[:, size : 2 * size] = grad_c * previous_cells[t] * f * (1 - f)
            step[:, 2 * size : 3 * size] = grad_c * i * (1 - g * g)
            step[:, 3 * size :] = grad_h * tanh_c * o * (1 - o)
            grad_c = grad_c * f
            grad_h = step @ w
        grads = _hidden_gradients(ctx, grad_gates, grad_gates, grad_h, hidden, h0)
        grad_gx, grad_h0, grad_w_hh, grad_b_hh = grads
        return grad_gx, grad_h0, constant(grad_c, ctx.backend), grad_w_hh, grad_b_hh, None


class GRUScan(Function):
    """The GRU recurrence; out (T, N, H) holds every h'."""

    @staticmethod
    def forward(ctx, input_proj, h0, w_hh, b_hh, reverse):
        xp = ctx.xp
        gx, w_t = input_proj.array, xp.ascontiguousarray(w_hh.array.T)  # fast matmul
        size = h0.shape[-1]
        hidden = xp.empty((*gx.shape[:2], size), dtype=gx.dtype)  # (T, N, H)
        gates = xp.empty(gx.shape, dtype=gx.dtype)  # (T, N, 3H): r, z, n after activation
        hidden_new = xp.empty_like(hidden)  # Gh_n = h W_hnᵀ + b_hn, which r multiplies
        h = h0.array
        for t in _steps(gx.shape[0], reverse):
            gh = h @ w_t + b_hh.array
            rz = _sigmoid(xp, gx[t][:, : 2 * size] + gh[:, : 2 * size])
            r, z = rz[:, :size], rz[:, size:]
            n = xp.tanh(gx[t][:, 2 * size :] + r * gh[:, 2 * size :])
            h = (1 - z) * n + z * h
            hidden[t], hidden_new[t] = h, gh[:, 2 * size :]
            gates[t][:, : 2 * size], gates[t][:, 2 * size :] = rz, n
        ctx.reverse = reverse
        ctx.save_for_backward(
            h0, w_hh, constant(hidden, ctx.backend), constant(gates, ctx.backend),
            constant(hidden_new, ctx.backend),
        )  # fmt: skip
        return hidden

    @staticmethod
    def backward(ctx, grad):
        _no_double_backward()
        h0, w_hh, hidden, gates, hidden_new = ctx.saved_tensors
        xp, w, grad = ctx.xp, w_hh.array, grad.array
        hidden, gates, hidden_new = hidden.array, gates.array, hidden_new.array
        size = hidden.shape[-1]
        previous = _previous_states(xp, hidden, h0.array, ctx.reverse)
        grad_gx = xp.empty_like(gates)  # d/dGx
        grad_gh = xp.empty_like(gates)  # d/dGh: equal to d/dGx except for the n gate
        grad_h = xp.zeros_like(h0.array)
        for t in reversed(_steps(hidden.shape[0], ctx.reverse)):
            r, z, n = (gates[t][:, k * size : (k + 1) * size] for k in range(3))
            grad_h = grad_h + grad[t]
            grad_n = grad_h * (1 - z) * (1 - n * n)  # through tanh
            grad_gx[t][:, :size] = grad_n * hidden_new[t] * r * (1 - r)
            grad_gx[t][:, size : 2 * size] = grad_h * (previous[t] - n) * z * (1 - z)
            grad_gx[t][:, 2 * size :] = grad_n
            grad_gh[t][:, : 2 * size] = grad_gx[t][:, : 2 * size]
            grad_gh[t][:, 2 * size :] = grad_n * r
            grad_h = grad_h * z + grad_gh[t] @ w
        grads = _hidden_gradients(ctx, grad_gh, grad_gx, grad_h, hidden, h0)
        return (*grads, None)


# --- the layers --------------------------------------------------------------------------------


def _input_projection(x: Tensor, directions) -> list[Tensor]:
    """Gx = X W_ihᵀ + b_ih for every step and every direction, in one matmul.

    x (T, N, H_in); directions: per direction its (w_ih, w_hh, b_ih, b_hh). Returns one
    (T, N, G·H) tensor per direction.
    """
    length, batch, features = x.shape
    w_ih = [weights[0] for weights in directions]
    w_ih = w_ih[0] if len(w_ih) == 1 else cat(w_ih, 0)  # (D·G·H, H_in)
    b_ih = None
    if directions[0][2] is not None:
        b_ih = [weights[2] for weights in directions]
        b_ih = b_ih[0] if len(b_ih) == 1 else cat(b_ih, 0)
    proj = _linear(x.reshape(length * batch, features), w_ih, b_ih).reshape(length, batch, -1)
    if len(directions) == 1:
        return [proj]
    return list(proj.chunk(len(directions), dim=-1))


def _run(mode, input, hx, weights, num_layers, bidirectional, batch_first, dropout, training,
         generator):  # fmt: skip
    """The shared driver of rnn, lstm and gru: layers, directions, layout and initial states."""
    directions = 2 if bidirectional else 1
    _check_weights(mode, weights, num_layers, directions)
    batched = input.ndim == 3
    if input.ndim not in (2, 3):
        raise ValueError(
            f"input must be (T, N, H_in), (N, T, H_in) with batch_first, or unbatched (T, H_in); "
            f"got shape {tuple(input.shape)}"
        )
    if not batched:
        input = input.unsqueeze(1)
    elif batch_first:
        input = input.transpose(0, 1)  # (T, N, H_in)
    hidden_size = weights[0][1].shape[-1]
    h0, c0 = _initial_states(mode, input, hx, num_layers * directions, hidden_size, batched)
    x, final_h, final_c = input, [], []
    for layer in range(num_layers):
        if layer > 0 and dropout > 0.0 and training:
            x = _dropout(x, dropout, training=True, generator=generator)
        params = weights[layer * directions : (layer + 1) * directions]
        outputs = []
        for d, proj in enumerate(_input_projection(x, params)):
            index = layer * directions + d
            _, w_hh, _, b_hh = params[d]
            if b_hh is None:
                b_hh = zeros(w_hh.shape[0], dtype=w_hh.dtype, device=w_hh.device)
            reverse = d == 1
            if mode == "LSTM":
                out = LSTMScan.apply(proj, h0[index], c0[index], w_hh, b_hh, reverse)
                out, c_last = out[:-1], out[-1]
                final_c.append(c_last)
            elif mode == "GRU":
                out = GRUScan.apply(proj, h0[index], w_hh, b_hh, reverse)
            else:
                nonlinearity = "tanh" if mode == "RNN_TANH" else "relu"
                out = RNNScan.apply(proj, h0[index], w_hh, b_hh, nonlinearity, reverse)
            final_h.append(out[0] if reverse else out[-1])
            outputs.append(out)
        x = outputs[0] if directions == 1 else cat(outputs, -1)  # (T, N, D·H)
    h_n = _stack(final_h)
    c_n = _stack(final_c) if final_c else None
    if not batched:
        x, h_n = x.squeeze(1), h_n.squeeze(1)
        c_n = None if c_n is None else c_n.squeeze(1)
    elif batch_first:
        x = x.transpose(0, 1)
    return x, h_n, c_n


def _stack(states: list[Tensor]) -> Tensor:
    return cat([state.unsqueeze(0) for state in states], 0)


def _check_weights(mode, weights, num_layers: int, directions: int) -> None:
    expected = num_layers * directions
    if len(weights) != expected:
        raise ValueError(
            f"weights must hold one (w_ih, w_hh, b_ih, b_hh) per layer and direction: "
            f"{expected} for num_layers={num_layers} and {directions} direction(s), "
            f"got {len(weights)}"
        )
    gates = GATES[mode]
    for index, (w_ih, w_hh, _, _) in enumerate(weights):
        hidden_size = w_hh.shape[-1]
        if w_hh.shape != (gates * hidden_size, hidden_size) or w_ih.shape[0] != gates * hidden_size:
            raise ValueError(
                f"weights[{index}]: a {mode} layer of hidden size {hidden_size} needs w_hh of "
                f"shape {(gates * hidden_size, hidden_size)} and w_ih with "
                f"{gates * hidden_size} rows; got {tuple(w_hh.shape)} and {tuple(w_ih.shape)}"
            )


def _initial_states(mode, input: Tensor, hx, count: int, hidden_size: int, batched: bool):
    """(h0, c0) as (D·num_layers, N, H) tensors (zeros where hx is None); c0 only for LSTM."""
    batch = input.shape[1]
    expected = (count, batch, hidden_size) if batched else (count, hidden_size)
    if hx is None:
        state = zeros(count, batch, hidden_size, dtype=input.dtype, device=input.device)
        return state, state if mode == "LSTM" else None
    states = hx if mode == "LSTM" else (hx,)
    if mode == "LSTM" and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
        raise TypeError("hx of an LSTM must be a tuple (h0, c0)")
    checked = []
    for name, state in zip(("h0", "c0"), states, strict=False):
        if tuple(state.shape) != expected:
            raise ValueError(f"{name} must have shape {expected}, got {tuple(state.shape)}")
        if state.dtype != input.dtype:
            raise TypeError(f"{name} has dtype {state.dtype}, but input has {input.dtype}")
        checked.append(state if batched else state.unsqueeze(1))
    return checked[0], checked[1] if mode == "LSTM" else None


def rnn(
    input: Tensor,
    hx: Tensor | None,
    weights,
    *,
    nonlinearity: str = "tanh",
    num_layers: int = 1,
    bidirectional: bool = False,
    batch_first: bool = False,
    dropout: float = 0.0,
    training: bool = False,
    generator=None,
) -> tuple[Tensor, Tensor]:
    """An Elman RNN: hₜ = act(xₜ W_ihᵀ + b_ih + hₜ₋₁ W_hhᵀ + b_hh), act tanh or relu.

    Args:
        input: (T, N, H_in), (N, T, H_in) with batch_first, or unbatched (T, H_in).
        hx: h0 of shape (D·num_layers, N, H) (or (D·num_layers, H) unbatched); None for zeros.
        weights: per layer and direction (layer 0, layer 0 reverse, layer 1, ...), a tuple
            (w_ih (H, H_in or D·H), w_hh (H, H), b_ih (H,) or None, b_hh (H,) or None).
        dropout: probability of zeroing the inputs of layers after the first (when training).
        generator: the nashai.autograd.Generator the dropout masks are drawn from.

    Returns:
        output (T, N, D·H) (batch_first: (N, T, D·H)), the last layer's h at every step;
        h_n (D·num_layers, N, H), the final state of every layer and direction.
    """
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
    output, h_n, _ = _run(
        mode, input, hx, weights, num_layers, bidirectional, batch_first, dropout, training,
        generator,
    )  # fmt: skip
    return output, h_n


def lstm(
    input: Tensor,
    hx: tuple[Tensor, Tensor] | None,
    weights,
    *,
    num_layers: int = 1,
    bidirectional: bool = False,
    batch_first: bool = False,
    dropout: float = 0.0,
    training: bool = False,
    generator=None,
) -> tuple[Tensor, tuple[Tensor, Tensor]]:
    """A long short-term memory layer stack (gates i, f, g, o; see the module docstring).

    Arguments as `rnn`, with hx = (h0, c0) and 4·H rows in w_ih, w_hh and the biases.
    Returns output (T, N, D·H) and (h_n, c_n), each (D·num_layers, N, H).
    """
    output, h_n, c_n = _run(
        "LSTM", input, hx, weights, num_layers, bidirectional, batch_first, dropout, training,
        generator,
    )  # fmt: skip
    return output, (h_n, c_n)


def gru(
    input: Tensor,
    hx: Tensor | None,
    weights,
    *,
    num_layers: int = 1,
    bidirectional: bool = False,
    batch_first: bool = False,
    dropout: float = 0.0,
    training: bool = False,
    generator=None,
) -> tuple[Tensor, Tensor]:
    """A gated recurrent unit layer stack (gates r, z, n; see the module docstring).

    Arguments as `rnn`, with 3·H rows in w_ih, w_hh and the biases.
    Returns output (T, N, D·H) and h_n (D·num_layers, N, H).
    """
    output, h_n, _ = _run(
        "GRU", input, hx, weights, num_layers, bidirectional, batch_first, dropout, training,
        generator,
    )  # fmt: skip
    return output, h_n
