"""Convolutions: conv1d/2d/3d and conv_transpose1d/2d/3d, each one fused autograd op.

A convolution is a matrix product over the sliding windows of its input (im2col; Chellapilla,
Puri & Simard, "High Performance Convolutional Neural Networks for Document Processing", 2006).
For groups g, input x (N, C, *S), weight W (O, C/g, *K) and L output positions per image:

    cols = im2col(x)                    # (g, C/g·ΠK, N·L), one strided view copied once
    y    = W.reshape(g, O/g, -1) @ cols # (g, O/g, N·L) -> (N, O, *out)

and the backward pass is two more products (Goodfellow, Bengio & Courville, Deep Learning, §9.5):

    dW = dy @ colsᵀ                     # (g, O/g, C/g·ΠK)
    dx = col2im(Wᵀ @ dy)                # each column added back into the window it came from

A transposed convolution is the same three products in the other order: its forward is the
convolution's input gradient (col2im of Wᵀ x) and its input gradient is a convolution.

im2col and col2im loop over the ΠK kernel offsets, each step one strided slice of the padded
input for the whole batch and every channel at once (im2col copies it into the matrix layout,
col2im adds it back). Everything runs on the backend's `xp` with basic indexing only.

Double backward works: under create_graph the backward passes are written with the same ops
(a convolution's input gradient is a transposed convolution, and so on), which record a graph.
"""

from __future__ import annotations

import itertools
import math

from nashai.autograd import engine
from nashai.autograd.function import Function
from nashai.autograd.ops.common import constant
from nashai.autograd.tensor import Tensor

__all__ = [
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
]


# --- argument handling ----------------------------------------------------------------------


def ntuple(value, n: int, name: str) -> tuple[int, ...]:
    """An int or a sequence of n ints as a tuple of n ints (PyTorch's _pair, _triple)."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an int or a tuple of {n} ints, got {value!r}")
    if isinstance(value, int):
        return (value,) * n
    try:
        values = tuple(int(v) for v in value)
    except TypeError:
        raise TypeError(f"{name} must be an int or a tuple of {n} ints, got {value!r}") from None
    if len(values) == 1:
        values = values * n
    if len(values) != n:
        raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {value!r}")
    return values


def _padding_pairs(padding, n, kernel, stride, dilation) -> tuple[tuple[int, int], ...]:
    """(left, right) zero padding per spatial dimension from an int, a tuple, 'valid' or 'same'.

    'same' pads d·(k - 1) in all, the odd one on the right, as PyTorch does.
    """
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * n
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(
                    f"padding='same' is not supported for strided convolutions, got stride={stride}"
                )
            totals = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
            return tuple((t // 2, t - t // 2) for t in totals)
        raise ValueError(f"padding must be an int, a tuple, 'valid' or 'same', got {padding!r}")
    pads = ntuple(padding, n, "padding")
    if any(p < 0 for p in pads):
        raise ValueError(f"padding must be non-negative, got {padding!r}")
    return tuple((p, p) for p in pads)


def output_counts(spatial, kernel, stride, dilation, pads) -> tuple[int, ...]:
    """Window positions per dimension: ⌊(S + pl + pr - d·(k - 1) - 1) / s⌋ + 1."""
    counts = tuple(
        (size + lo + hi - d * (k - 1) - 1) // s + 1
        for size, k, s, d, (lo, hi) in zip(spatial, kernel, stride, dilation, pads, strict=True)
    )
    if any(c <= 0 for c in counts):
        raise RuntimeError(
            f"the kernel {tuple(kernel)} (dilation {tuple(dilation)}) does not fit in the padded "
            f"input of size {tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads, strict=True))}"
        )
    return counts


# --- im2col and col2im on backend arrays -----------------------------------------------------


def pad_array(xp, a, pads, value=0.0):
    """`a` (N, C, *S) padded with `value` by (left, right) pairs on its spatial dimensions."""
    if not any(lo or hi for lo, hi in pads):
        return a
    out = xp.full(
        (*a.shape[:2], *(s + lo + hi for s, (lo, hi) in zip(a.shape[2:], pads, strict=True))),
        value,
        dtype=a.dtype,
    )
    out[(Ellipsis, *(slice(lo, lo + s) for s, (lo, _) in zip(a.shape[2:], pads, strict=True)))] = a
    return out


def window_slices(kernel, stride, dilation, counts):
    """Per kernel offset (row-major), the strided slice of a padded (N, C, *P) or (C, N, *P)
    array that the offset reads in every window."""
    everything = (slice(None), slice(None))
    for offsets in itertools.product(*(range(k) for k in kernel)):
        yield everything + tuple(
            slice(o * d, o * d + s * (c - 1) + 1, s)
            for o, d, s, c in zip(offsets, dilation, stride, counts, strict=True)
        )


def im2col(xp, a, kernel, stride, dilation, pads, groups):
    """(N, C, *S) -> (g, C/g·ΠK, N·L) windows as columns, and the output counts per dim.

    One strided slice of the padded input per kernel offset, copied into its block of rows:
    basic indexing only, so it runs on any backend's arrays (no stride tricks, which not every
    array library offers), and on NumPy as fast as copying one strided view of all the windows.
    """
    counts = output_counts(a.shape[2:], kernel, stride, dilation, pads)
    padded = xp.moveaxis(pad_array(xp, a, pads), 0, 1)  # (C, N, *P), a view
    channels, taps = a.shape[1], math.prod(kernel)
    cols = xp.empty((channels, taps, a.shape[0], *counts), dtype=a.dtype)
    for j, window in enumerate(window_slices(kernel, stride, dilation, counts)):
        cols[:, j] = padded[window]  # (C, N, *counts): tap j of every window
    return cols.reshape(groups, channels // groups * taps, -1), counts


def col2im(xp, cols, batch, channels, spatial, kernel, stride, dilation, pads, counts):
    """The adjoint of im2col: (g, C/g·ΠK, N·L) -> (N, C, *S), overlapping windows adding up."""
    blocks = cols.reshape(channels, math.prod(kernel), batch, *counts)
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads, strict=True))
    out = xp.zeros((channels, batch, *padded), dtype=cols.dtype)  # (C, N, *P): as the blocks
    for j, window in enumerate(window_slices(kernel, stride, dilation, counts)):
        out[window] += blocks[:, j]
    crop = tuple(slice(lo, lo + s) for s, (lo, _) in zip(spatial, pads, strict=True))
    return xp.ascontiguousarray(xp.moveaxis(out[(slice(None), slice(None), *crop)], 0, 1))


def _channels_first(xp, a, groups):
    """(N, C, *S) -> (g, C/g, N·L): channels leading, batch and positions flattened."""
    return xp.moveaxis(a, 1, 0).reshape(groups, a.shape[1] // groups, -1)


def _batch_first(xp, a, channels, batch, counts):
    """(g, C/g, N·L) -> (N, C, *counts), contiguous."""
    return xp.ascontiguousarray(xp.moveaxis(a.reshape(channels, batch, *counts), 0, 1))


# --- the fused ops -----------------------------------------------------------------------------


class ConvNd(Function):
    """y = W ⋆ x + b over n spatial dimensions (cross-correlation, as every framework)."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride, pads, dilation, groups):
        xp, a, w = ctx.xp, x.array, weight.array
        cols, counts = im2col(xp, a, w.shape[2:], stride, dilation, pads, groups)
        w3 = w.reshape(groups, w.shape[0] // groups, -1)
        y = (w3 @ cols).reshape(w.shape[0], a.shape[0], *counts)  # (O, N, *out)
        if bias is not None:
            y += bias.array.reshape(-1, *(1,) * (y.ndim - 1))
        ctx.args = (a.shape, w.shape, stride, pads, dilation, groups, counts)
        ctx.save_for_backward(cols if ctx.needs_input_grad[1] else None, w3, x, weight)
        return xp.ascontiguousarray(xp.moveaxis(y, 0, 1))

    @staticmethod
    def backward(ctx, grad):
        x_shape, w_shape, stride, pads, dilation, groups, counts = ctx.args
        cols, w3, x, weight = ctx.saved_tensors
        needs_x, needs_w, needs_b = ctx.needs_input_grad[:3]
        geometry = (stride, pads, dilation, groups)
        if engine.is_grad_enabled():  # create_graph: the same products as differentiable ops
            return (
                ConvTransposeNd.apply(grad, weight, None, *geometry, x_shape[2:])
                if needs_x
                else None,
                ConvWeightGrad.apply(x, grad, w_shape, *geometry) if needs_w else None,
                _bias_grad(grad) if needs_b else None,
            ) + (None,) * 4
        xp, g, backend = ctx.xp, grad.array, ctx.backend
        gy = _channels_first(xp, g, groups)  # (g, O/g, N·L)
        grad_x = grad_w = grad_b = None
        if needs_x:  # dx = col2im(Wᵀ dy)
            gcols = w3.transpose(0, 2, 1) @ gy  # (g, C/g·ΠK, N·L)
            batch, channels, spatial = x_shape[0], x_shape[1], x_shape[2:]
            grad_x = constant(
                col2im(
                    xp, gcols, batch, channels, spatial, w_shape[2:], stride, dilation, pads, counts
                ),
                backend,
            )
        if needs_w:  # dW = dy colsᵀ
            grad_w = constant((gy @ cols.transpose(0, 2, 1)).reshape(w_shape), backend)
        if needs_b:
            grad_b = _bias_grad(grad)
        return grad_x, grad_w, grad_b, None, None, None, None


class ConvTransposeNd(Function):
    """y = col2im(Wᵀ x) + b: the adjoint of ConvNd in x, with weight (C_in, C_out/g, *K)."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride, pads, dilation, groups, out_spatial):
        xp, a, w = ctx.xp, x.array, weight.array
        kernel, counts = w.shape[2:], a.shape[2:]
        out_channels, batch = w.shape[1] * groups, a.shape[0]
        xs = _channels_first(xp, a, groups)  # (g, C_in/g, N·L)
        w3 = w.reshape(groups, w.shape[0] // groups, -1)  # (g, C_in/g, C_out/g·ΠK)
        cols = w3.transpose(0, 2, 1) @ xs
        y = col2im(
            xp, cols, batch, out_channels, out_spatial, kernel, stride, dilation, pads, counts
        )
        if bias is not None:
            y += bias.array.reshape(-1, *(1,) * (y.ndim - 2))
        ctx.args = (a.shape, w.shape, stride, pads, dilation, groups)
        ctx.save_for_backward(xs if ctx.needs_input_grad[1] else None, w3, x, weight)
        return y

    @staticmethod
    def backward(ctx, grad):
        x_shape, w_shape, stride, pads, dilation, groups = ctx.args
        xs, w3, x, weight = ctx.saved_tensors
        needs_x, needs_w, needs_b = ctx.needs_input_grad[:3]
        geometry = (stride, pads, dilation, groups)
        if engine.is_grad_enabled():  # create_graph: the same products as differentiable ops
            return (
                _crop(ConvNd.apply(grad, weight, None, *geometry), x_shape[2:])
                if needs_x
                else None,
                ConvWeightGrad.apply(grad, x, w_shape, *geometry) if needs_w else None,
                _bias_grad(grad) if needs_b else None,
            ) + (None,) * 5
        xp, g, backend = ctx.xp, grad.array, ctx.backend
        grad_x = grad_w = grad_b = None
        if needs_x or needs_w:
            gcols, counts = im2col(xp, g, w_shape[2:], stride, dilation, pads, groups)
            gcols = _crop_counts(xp, gcols, counts, x_shape, groups)
        if needs_x:  # a convolution of dy with W
            grad_x = constant(
                _batch_first(xp, w3 @ gcols, x_shape[1], x_shape[0], x_shape[2:]), backend
            )
        if needs_w:  # dW = x dyᵀ in column form
            grad_w = constant((xs @ gcols.transpose(0, 2, 1)).reshape(w_shape), backend)
        if needs_b:
            grad_b = _bias_grad(grad)
        return grad_x, grad_w, grad_b, None, None, None, None, None


class ConvWeightGrad(Function):
    """dW = u colsᵀ: the weight gradient of conv(a, W) for the upstream gradient u.

    It exists for double backward: ConvNd's and ConvTransposeNd's backward passes use it under
    create_graph, and its own backward is a convolution (in u) and a transposed one (in a).
    """

    @staticmethod
    def forward(ctx, a, u, w_shape, stride, pads, dilation, groups):
        xp = ctx.xp
        cols, counts = im2col(xp, a.array, w_shape[2:], stride, dilation, pads, groups)
        cols = _crop_counts(xp, cols, counts, u.shape, groups)
        ctx.args = (stride, pads, dilation, groups)
        ctx.save_for_backward(a, u)
        us = _channels_first(xp, u.array, groups)  # (g, O/g, N·L)
        return (us @ cols.transpose(0, 2, 1)).reshape(w_shape)

    @staticmethod
    def backward(ctx, grad):  # <dW, V> is bilinear in (u, a)
        a, u = ctx.saved_tensors
        needs_a, needs_u = ctx.needs_input_grad[:2]
        return (
            ConvTransposeNd.apply(u, grad, None, *ctx.args, a.shape[2:]) if needs_a else None,
            _crop(ConvNd.apply(a, grad, None, *ctx.args), u.shape[2:]) if needs_u else None,
        ) + (None,) * 5


def _bias_grad(grad: Tensor) -> Tensor:
    """db = Σ dy over the batch and the spatial dimensions."""
    return grad.sum(dim=(0, *range(2, grad.ndim)))


def _crop(t: Tensor, spatial) -> Tensor:
    """t (N, C, *S') cut to its first `spatial` positions, where S' is larger."""
    if tuple(t.shape[2:]) == tuple(spatial):
        return t
    return t[(slice(None), slice(None), *(slice(0, s) for s in spatial))]


def _crop_counts(xp, cols, counts, x_shape, groups):
    """Columns of im2col restricted to the first x_shape[2:] window positions: the output of a
    transposed convolution may have rows no window of its input reaches (output_padding)."""
    spatial = tuple(x_shape[2:])
    if tuple(counts) == spatial:
        return cols
    rows = cols.shape[1]
    blocks = cols.reshape(groups, rows, x_shape[0], *counts)
    blocks = blocks[(slice(None), slice(None), slice(None), *(slice(0, s) for s in spatial))]
    return blocks.reshape(groups, rows, -1)


# --- padding modes other than zeros (the layers' padding_mode) ---------------------------------

_NUMPY_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _source_position(position: int, size: int, mode: str) -> int:
    """The input position that padded position `position` (relative to the input) copies."""
    if mode == "reflect":  # mirror without repeating the edge: -1 -> 1, size -> size - 2
        position = abs(position)
        return 2 * (size - 1) - position if position >= size else position
    if mode == "replicate":
        return min(max(position, 0), size - 1)
    return position % size  # circular


class PadMode(Function):
    """x padded on its spatial dimensions by reflection, replication or wrapping around.

    Every output position copies one input position (per dimension, _source_position), so the
    backward pass adds each gradient back to its source (PadModeAdjoint), and that sum's own
    adjoint is the padding again.
    """

    @staticmethod
    def forward(ctx, x, pads, mode):
        ctx.args = (x.shape[2:], pads, mode)
        widths = ((0, 0), (0, 0), *pads)
        return ctx.xp.pad(x.array, widths, mode=_NUMPY_PAD_MODES[mode])

    @staticmethod
    def backward(ctx, grad):
        return PadModeAdjoint.apply(grad, *ctx.args), None, None


class PadModeAdjoint(Function):
    """dx[s] = Σ dy[p] over the padded positions p that copy s, one dimension at a time."""

    @staticmethod
    def forward(ctx, grad, spatial, pads, mode):
        g = grad.array
        ctx.args = (pads, mode)
        for dim, (size, (lo, hi)) in enumerate(zip(spatial, pads, strict=True)):
            axis = 2 + dim
            before = (slice(None),) * axis
            out = g[(*before, slice(lo, lo + size))].copy()
            for position in (*range(lo), *range(lo + size, lo + size + hi)):  # the border
                source = _source_position(position - lo, size, mode)
                out[(*before, source)] += g[(*before, position)]
            g = out
        return g

    @staticmethod
    def backward(ctx, grad):
        pads, mode = ctx.args
        return PadMode.apply(grad, pads, mode), None, None, None


def pad_with_mode(input: Tensor, pads, mode: str) -> Tensor:
    """Pad the spatial dimensions of (N, C, *S) by (left, right) pairs with mode 'reflect'
    (mirror, the edge not repeated), 'replicate' (repeat the edge) or 'circular' (wrap around),
    as torch.nn.functional.pad does for a convolution's padding_mode."""
    if mode not in _NUMPY_PAD_MODES:
        raise ValueError(f"mode must be one of {tuple(_NUMPY_PAD_MODES)}, got {mode!r}")
    if input.ndim == len(pads) + 1:  # unbatched
        return pad_with_mode(input.unsqueeze(0), pads, mode).squeeze(0)
    for size, (lo, hi) in zip(input.shape[2:], pads, strict=True):
        limit = size - 1 if mode == "reflect" else size
        if max(lo, hi) > limit and mode != "replicate":
            raise ValueError(
                f"padding_mode={mode!r}: padding ({lo}, {hi}) must be at most {limit} for a "
                f"dimension of size {size}"
            )
    return PadMode.apply(input, tuple(pads), mode)


def padding_pairs(padding, kernel, stride, dilation) -> tuple[tuple[int, int], ...]:
    """(left, right) padding per spatial dimension from a layer's padding ('same', 'valid',
    an int or a tuple)."""
    n = len(kernel)
    return _padding_pairs(
        padding, n, kernel, ntuple(stride, n, "stride"), ntuple(dilation, n, "dilation")
    )


# --- the public functions ----------------------------------------------------------------------


def _check(name: str, input: Tensor, weight: Tensor, bias, n: int, groups: int, transposed=False):
    """Validate shapes and dtypes; returns (input as batched, whether it was batched)."""
    if weight.ndim != n + 2:
        raise RuntimeError(
            f"{name}: weight must be {n + 2}-D (out_channels, in_channels/groups, *kernel_size), "
            f"got shape {tuple(weight.shape)}"
        )
    if input.ndim not in (n + 1, n + 2):
        raise RuntimeError(
            f"{name}: expected a {n + 2}-D input (N, C, *spatial) or a {n + 1}-D unbatched one, "
            f"got shape {tuple(input.shape)}"
        )
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
        raise ValueError(f"{name}: groups must be a positive integer, got {groups!r}")
    batched = input.ndim == n + 2
    x = input if batched else input.unsqueeze(0)
    in_channels = x.shape[1]
    if transposed:
        expected = weight.shape[0]
        ok = in_channels == expected and expected % groups == 0
        described = f"weight.shape[0] = {expected}"
    else:
        expected = weight.shape[1] * groups
        ok = in_channels == expected and weight.shape[0] % groups == 0
        described = f"weight.shape[1]·groups = {weight.shape[1]}·{groups}"
    if not ok:
        raise RuntimeError(
            f"{name}: input has {in_channels} channels but the weight of shape "
            f"{tuple(weight.shape)} with groups={groups} expects {described} (and channels "
            f"divisible by groups)"
        )
    out_channels = weight.shape[1] * groups if transposed else weight.shape[0]
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise RuntimeError(
            f"{name}: bias must have shape ({out_channels},), got {tuple(bias.shape)}"
        )
    for other, label in ((weight, "weight"), (bias, "bias")):
        if other is not None and other.dtype != x.dtype:
            raise RuntimeError(
                f"{name}: input ({x.dtype}) and {label} ({other.dtype}) must have the same dtype"
            )
    return x, batched


def _conv(name, n, input, weight, bias, stride, padding, dilation, groups) -> Tensor:
    x, batched = _check(name, input, weight, bias, n, groups)
    kernel = tuple(weight.shape[2:])
    stride = ntuple(stride, n, "stride")
    dilation = ntuple(dilation, n, "dilation")
    if any(s < 1 for s in stride) or any(d < 1 for d in dilation):
        raise ValueError(f"{name}: stride and dilation must be positive, got {stride}, {dilation}")
    pads = _padding_pairs(padding, n, kernel, stride, dilation)
    out = ConvNd.apply(x, weight, bias, stride, pads, dilation, groups)
    return out if batched else out.squeeze(0)


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    dilation=1,
    groups: int = 1,
) -> Tensor:
    """1-D convolution (cross-correlation), as torch.nn.functional.conv1d.

    y[n, o, t] = b[o] + Σ_c Σ_k W[o, c, k] · x_pad[n, g(o)·C/g + c, s·t + d·k]

    Args:
        input: (N, C_in, L) or unbatched (C_in, L).
        weight: (C_out, C_in/groups, K).
        bias: (C_out,) or None.
        stride, dilation: an int or a 1-tuple.
        padding: an int, a 1-tuple, 'valid' (none) or 'same' (output length = input length,
            stride 1 only).
        groups: split the channels into this many independent convolutions.

    Returns:
        (N, C_out, L_out), L_out = ⌊(L + 2p - d·(K - 1) - 1) / s⌋ + 1.
    """
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    dilation=1,
    groups: int = 1,
) -> Tensor:
    """2-D convolution (cross-correlation), as torch.nn.functional.conv2d.

    y[n, o, i, j] = b[o] + Σ_{c,p,q} W[o, c, p, q] · x_pad[n, c₀ + c, sₕ·i + dₕ·p, s_w·j + d_w·q]

    where c runs over the C/g input channels of output channel o's group, starting at c₀.

    Args:
        input: (N, C_in, H, W) or unbatched (C_in, H, W).
        weight: (C_out, C_in/groups, kH, kW).
        bias: (C_out,) or None.
        stride, dilation: an int or a pair.
        padding: an int, a pair, 'valid' or 'same' (stride 1 only; an odd total pads one more
            on the bottom/right, as PyTorch).
        groups: split the channels into this many independent convolutions (groups = C_in is a
            depthwise convolution).

    Returns:
        (N, C_out, H_out, W_out), H_out = ⌊(H + 2pₕ - dₕ·(kH - 1) - 1) / sₕ⌋ + 1, and W_out alike.
    """
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    dilation=1,
    groups: int = 1,
) -> Tensor:
    """3-D convolution, as torch.nn.functional.conv3d: conv2d with one more spatial dimension.

    Shapes: input (N, C_in, D, H, W), weight (C_out, C_in/groups, kD, kH, kW) -> (N, C_out, *out).
    """
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def _conv_transpose(
    name, n, input, weight, bias, stride, padding, output_padding, groups, dilation
) -> Tensor:
    x, batched = _check(name, input, weight, bias, n, groups, transposed=True)
    kernel = tuple(weight.shape[2:])
    stride = ntuple(stride, n, "stride")
    dilation = ntuple(dilation, n, "dilation")
    if isinstance(padding, str):
        raise ValueError(f"{name}: padding must be an int or a tuple, got {padding!r}")
    pads = _padding_pairs(padding, n, kernel, stride, dilation)
    output_padding = ntuple(output_padding, n, "output_padding")
    for op, s, d in zip(output_padding, stride, dilation, strict=True):
        if not 0 <= op < max(s, d):
            raise ValueError(
                f"{name}: output_padding {output_padding} must be smaller than stride {stride} "
                f"or dilation {dilation}"
            )
    out_spatial = tuple(
        (size - 1) * s - 2 * lo + d * (k - 1) + op + 1
        for size, s, (lo, _), d, k, op in zip(
            x.shape[2:], stride, pads, dilation, kernel, output_padding, strict=True
        )
    )
    if any(size <= 0 for size in out_spatial):
        raise RuntimeError(f"{name}: the output size {out_spatial} is not positive")
    out = ConvTransposeNd.apply(x, weight, bias, stride, pads, dilation, groups, out_spatial)
    return out if batched else out.squeeze(0)


def conv_transpose1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    dilation=1,
) -> Tensor:
    """1-D transposed convolution, as torch.nn.functional.conv_transpose1d (see conv_transpose2d).

    Shapes: input (N, C_in, L), weight (C_in, C_out/groups, K) -> (N, C_out, L_out),
    L_out = (L - 1)·s - 2p + d·(K - 1) + output_padding + 1.
    """
    return _conv_transpose(
        "conv_transpose1d",
        1,
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
    )


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    dilation=1,
) -> Tensor:
    """2-D transposed convolution ("deconvolution"), as torch.nn.functional.conv_transpose2d.

    The adjoint of conv2d in its input: y = col2im(Wᵀ x) + b, each input pixel spreading the
    kernel, scaled by its value, into the output at stride s (Dumoulin & Visin, "A guide to
    convolution arithmetic for deep learning", 2016).

    Args:
        input: (N, C_in, H, W) or unbatched (C_in, H, W).
        weight: (C_in, C_out/groups, kH, kW).
        bias: (C_out,) or None.
        stride, dilation: ints or pairs.
        padding: an int or a pair: p rows and columns cropped from each side of the output
            (the padding of the conv2d this transposes).
        output_padding: extra size on the bottom/right (smaller than stride or dilation), to
            pick among the input sizes a strided conv2d maps to the same output size.
        groups: independent groups of channels.

    Returns:
        (N, C_out, H_out, W_out), H_out = (H - 1)·sₕ - 2pₕ + dₕ·(kH - 1) + output_paddingₕ + 1.
    """
    return _conv_transpose(
        "conv_transpose2d",
        2,
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
    )


def conv_transpose3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    dilation=1,
) -> Tensor:
    """3-D transposed convolution, as torch.nn.functional.conv_transpose3d (see
    conv_transpose2d): input (N, C_in, D, H, W), weight (C_in, C_out/groups, kD, kH, kW)."""
    return _conv_transpose(
        "conv_transpose3d",
        3,
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
    )
