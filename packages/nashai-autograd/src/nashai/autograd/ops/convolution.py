"""unfold (im2col) and fold (col2im): the sliding windows of an image as columns, and back.

With them a convolution is a matrix product (Chellapilla, Puri & Simard, "High Performance
Convolutional Neural Networks for Document Processing", 2006):

    cols = unfold(x, k)                       # (N, C·kh·kw, L), L = number of windows
    out = (weight.reshape(O, -1) @ cols)      # (N, O, L)
    out = out.reshape(N, O, out_h, out_w)

fold is unfold's adjoint: it adds every column back into the window it came from (overlapping
windows add up), so each is the other's backward, and double backward comes for free.

Both loop over the kh·kw offsets inside a window and copy one strided slice per offset, for the
whole batch and every channel at once; any number of spatial dimensions works (a kernel_size
tuple of length 1 for sequences, 3 for volumes), an int kernel_size meaning 2-D, as PyTorch.

Shapes, for n spatial dimensions, window sizes k, dilation d, padding p, stride s:
    input (N, C, *spatial) -> unfold -> (N, C·Πk, L),
    L = Π ⌊(spatial + 2p - d·(k - 1) - 1) / s⌋ + 1, the number of window positions.
"""

from __future__ import annotations

import itertools
import math

from nashai.autograd.function import Function
from nashai.autograd.tensor import Tensor

__all__ = ["fold", "unfold"]


def _tuple(value, n: int, name: str) -> tuple[int, ...]:
    if isinstance(value, int):
        return (value,) * n
    value = tuple(int(v) for v in value)
    if len(value) != n:
        raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {value}")
    return value


def _window_counts(spatial, kernel, dilation, padding, stride) -> tuple[int, ...]:
    counts = tuple(
        (size + 2 * p - d * (k - 1) - 1) // s + 1
        for size, k, d, p, s in zip(spatial, kernel, dilation, padding, stride, strict=True)
    )
    if any(c <= 0 for c in counts):
        raise RuntimeError(
            f"the kernel {kernel} (dilation {dilation}) does not fit in the padded input "
            f"{tuple(n + 2 * p for n, p in zip(spatial, padding, strict=True))}"
        )
    return counts


def _windows(offsets, dilation, stride, counts) -> tuple[slice, ...]:
    """The strided slice of the padded input that kernel position `offsets` reads."""
    return tuple(
        slice(o * d, o * d + s * (c - 1) + 1, s)
        for o, d, s, c in zip(offsets, dilation, stride, counts, strict=True)
    )


class Unfold(Function):
    @staticmethod
    def forward(ctx, x, kernel, dilation, padding, stride):
        xp, a = ctx.xp, x.array
        batch, channels, spatial = a.shape[0], a.shape[1], a.shape[2:]
        ctx.args, ctx.spatial = (kernel, dilation, padding, stride), spatial
        counts = _window_counts(spatial, kernel, dilation, padding, stride)
        padded = xp.pad(a, ((0, 0), (0, 0), *((p, p) for p in padding))) if any(padding) else a
        cols = xp.empty((batch, channels, *kernel, *counts), dtype=a.dtype)
        everything = (slice(None), slice(None))
        for offsets in itertools.product(*(range(k) for k in kernel)):
            cols[everything + offsets] = padded[
                everything + _windows(offsets, dilation, stride, counts)
            ]
        return cols.reshape(batch, channels * math.prod(kernel), math.prod(counts))

    @staticmethod
    def backward(ctx, grad):
        kernel, dilation, padding, stride = ctx.args
        return (
            Fold.apply(grad, ctx.spatial, kernel, dilation, padding, stride),
            None,
            None,
            None,
            None,
        )


class Fold(Function):
    @staticmethod
    def forward(ctx, cols, output_size, kernel, dilation, padding, stride):
        xp, c = ctx.xp, cols.array
        ctx.args = (kernel, dilation, padding, stride)
        counts = _window_counts(output_size, kernel, dilation, padding, stride)
        batch, channels = c.shape[0], c.shape[1] // math.prod(kernel)
        blocks = c.reshape(batch, channels, *kernel, *counts)
        padded_size = tuple(n + 2 * p for n, p in zip(output_size, padding, strict=True))
        out = xp.zeros((batch, channels, *padded_size), dtype=c.dtype)
        everything = (slice(None), slice(None))
        for offsets in itertools.product(*(range(k) for k in kernel)):
            out[everything + _windows(offsets, dilation, stride, counts)] += blocks[
                everything + offsets
            ]
        crop = tuple(slice(p, p + n) for p, n in zip(padding, output_size, strict=True))
        return out[everything + crop]

    @staticmethod
    def backward(ctx, grad):
        kernel, dilation, padding, stride = ctx.args
        return Unfold.apply(grad, kernel, dilation, padding, stride), None, None, None, None, None


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """The sliding windows of `input` as columns (im2col), as torch.nn.functional.unfold.

    Args:
        input: (N, C, *spatial) or unbatched (C, *spatial); 2 spatial dimensions unless
            kernel_size is a tuple of another length.
        kernel_size, dilation, padding, stride: ints or tuples, one entry per spatial dimension;
            padding is zeros on both sides.

    Returns:
        (N, C·Πkernel_size, L) (or (C·Πkernel_size, L) unbatched), column l holding the window
        at position l in row-major order, its entries ordered (channel, kernel offsets).
    """
    n = len(kernel_size) if not isinstance(kernel_size, int) else 2
    if input.ndim not in (n + 1, n + 2):
        raise RuntimeError(
            f"unfold: expected a ({n + 2})-D input (N, C, *spatial) or a ({n + 1})-D unbatched "
            f"one for a {n}-D kernel, got shape {tuple(input.shape)}"
        )
    batched = input.ndim == n + 2
    x = input if batched else input.unsqueeze(0)
    args = (
        _tuple(kernel_size, n, "kernel_size"),
        _tuple(dilation, n, "dilation"),
        _tuple(padding, n, "padding"),
        _tuple(stride, n, "stride"),
    )
    out = Unfold.apply(x, *args)
    return out if batched else out.squeeze(0)


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Add columns back into an image (col2im), as torch.nn.functional.fold: unfold's adjoint.

    Args:
        input: (N, C·Πkernel_size, L) or unbatched (C·Πkernel_size, L).
        output_size: the spatial size of the result (an int means a square 2-D image).
        kernel_size, dilation, padding, stride: as given to unfold.

    Returns:
        (N, C, *output_size) (or unbatched (C, *output_size)); where windows overlap, their
        columns add up.
    """
    n = len(output_size) if not isinstance(output_size, int) else 2
    output_size = _tuple(output_size, n, "output_size")
    kernel = _tuple(kernel_size, n, "kernel_size")
    args = (
        kernel,
        _tuple(dilation, n, "dilation"),
        _tuple(padding, n, "padding"),
        _tuple(stride, n, "stride"),
    )
    if input.ndim not in (2, 3):
        raise RuntimeError(f"fold: expected a 3-D (or unbatched 2-D) input, got {input.ndim}-D")
    batched = input.ndim == 3
    cols = input if batched else input.unsqueeze(0)
    windows = math.prod(_window_counts(output_size, *args))
    if cols.shape[1] % math.prod(kernel) or cols.shape[2] != windows:
        raise RuntimeError(
            f"fold: input of shape {tuple(input.shape)} does not match kernel_size {kernel} and "
            f"output_size {output_size}: expected C·{math.prod(kernel)} rows and {windows} columns"
        )
    out = Fold.apply(cols, output_size, *args)
    return out if batched else out.squeeze(0)
