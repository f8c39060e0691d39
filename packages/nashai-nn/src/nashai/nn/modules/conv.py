"""Convolution layers: Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d.

PyTorch's names, arguments, parameter shapes and default initialisation, so a PyTorch state_dict
loads as it is: `weight` (out_channels, in_channels/groups, *kernel_size) for a convolution,
(in_channels, out_channels/groups, *kernel_size) for a transposed one, and `bias`
(out_channels,). Both start uniform on [-1/√fan_in, 1/√fan_in] (He et al.'s uniform with
a = √5, as PyTorch), fan_in = weight.shape[1]·Πkernel_size. The math is in functional/conv.py.
"""

from __future__ import annotations

import math

import nashai.autograd as ag
from nashai.autograd import Tensor
from nashai.nn import init
from nashai.nn.functional.conv import (
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
    ntuple,
    pad_with_mode,
    padding_pairs,
)
from nashai.nn.module import Module, Parameter

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """What the convolution layers share: arguments, parameters, initialisation, repr."""

    n_dims = 2
    transposed = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
        *,
        output_padding=0,
    ) -> None:
        super().__init__()
        name, n = type(self).__name__, self.n_dims
        if groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"{name}: in_channels ({in_channels}) and out_channels ({out_channels}) must be "
                f"divisible by groups ({groups})"
            )
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"{name}: padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}"
            )
        if padding_mode != "zeros" and self.transposed:
            raise ValueError(f'{name}: only "zeros" padding mode is supported, as in PyTorch')
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(
                    f"{name}: padding must be 'same', 'valid', an int or a tuple, got {padding!r}"
                )
            if padding == "same" and any(s != 1 for s in ntuple(stride, n, "stride")):
                raise ValueError(
                    f"{name}: padding='same' is not supported for strided convolutions"
                )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = ntuple(kernel_size, n, "kernel_size")
        self.stride = ntuple(stride, n, "stride")
        self.padding = padding if isinstance(padding, str) else ntuple(padding, n, "padding")
        self.dilation = ntuple(dilation, n, "dilation")
        self.output_padding = ntuple(output_padding, n, "output_padding")
        self.groups = groups
        self.padding_mode = padding_mode
        if self.transposed:
            shape = (in_channels, out_channels // groups, *self.kernel_size)
        else:
            shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(ag.empty(*shape, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(ag.empty(out_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def _padded(self, input: Tensor) -> tuple[Tensor, object]:
        """The input and the padding to convolve it with: padding_mode other than zeros pads
        the input itself (reflect, replicate, circular) and the convolution pads nothing."""
        if self.padding_mode == "zeros":
            return input, self.padding
        pads = padding_pairs(self.padding, self.kernel_size, self.stride, self.dilation)
        return pad_with_mode(input, pads, self.padding_mode), 0

    def reset_parameters(self) -> None:
        """PyTorch's default: weight and bias uniform on ±1/√fan_in."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * self.n_dims:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self.n_dims:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self.n_dims:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class _Conv(_ConvNd):
    """A (non-transposed) convolution: pad as padding_mode says, then the functional op."""

    def forward(self, input: Tensor) -> Tensor:
        input, padding = self._padded(input)
        return self._convolve(
            input, self.weight, self.bias, self.stride, padding, self.dilation, self.groups
        )


class Conv1d(_Conv):
    """1-D convolution over (N, C_in, L) -> (N, C_out, L_out), as torch.nn.Conv1d.

    Args:
        in_channels, out_channels, kernel_size: the channel counts and the window length.
        stride, padding ('same', 'valid', an int), dilation, groups: as functional.conv1d.
        bias: learn an additive bias (default True).
        padding_mode: 'zeros', 'reflect', 'replicate' or 'circular'.
    """

    n_dims = 1
    _convolve = staticmethod(conv1d)


class Conv2d(_Conv):
    """2-D convolution over (N, C_in, H, W) -> (N, C_out, H_out, W_out), as torch.nn.Conv2d.

    Args:
        in_channels, out_channels: channel counts, both divisible by groups.
        kernel_size: an int or a pair (kH, kW).
        stride, padding ('same', 'valid', an int or a pair), dilation, groups: as
            functional.conv2d.
        bias: learn an additive bias (default True).
        padding_mode: 'zeros', 'reflect', 'replicate' or 'circular'.

    Attributes:
        weight: (out_channels, in_channels/groups, kH, kW); bias: (out_channels,) or None.
    """

    n_dims = 2
    _convolve = staticmethod(conv2d)


class Conv3d(_Conv):
    """3-D convolution over (N, C_in, D, H, W), as torch.nn.Conv3d (see Conv2d)."""

    n_dims = 3
    _convolve = staticmethod(conv3d)


class _ConvTransposeNd(_ConvNd):
    transposed = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups: int = 1,
        bias: bool = True,
        dilation=1,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ) -> None:
        if isinstance(padding, str):
            raise ValueError(
                f"{type(self).__name__}: padding must be an int or a tuple, got {padding!r}"
            )
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            device,
            dtype,
            output_padding=output_padding,
        )

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        return self._convolve(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self._output_padding(input, output_size),
            self.groups,
            self.dilation,
        )

    def _output_padding(self, input: Tensor, output_size) -> tuple[int, ...]:
        """output_padding, or the one that gives `output_size` (as PyTorch's forward)."""
        if output_size is None:
            return self.output_padding
        n = self.n_dims
        output_size = tuple(int(s) for s in output_size)[-n:]
        if len(output_size) != n:
            raise ValueError(f"{type(self).__name__}: output_size must have {n} entries at least")
        padding = []
        for i, wanted in enumerate(output_size):
            size = input.shape[input.ndim - n + i]
            smallest = (
                (size - 1) * self.stride[i]
                - 2 * self.padding[i]
                + self.dilation[i] * (self.kernel_size[i] - 1)
                + 1
            )
            if not smallest <= wanted < smallest + max(self.stride[i], self.dilation[i]):
                raise ValueError(
                    f"{type(self).__name__}: requested an output size of {output_size}, but "
                    f"valid sizes along dimension {i} are {smallest} to "
                    f"{smallest + max(self.stride[i], self.dilation[i]) - 1}"
                )
            padding.append(wanted - smallest)
        return tuple(padding)


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution, as torch.nn.ConvTranspose1d (see ConvTranspose2d)."""

    n_dims = 1
    _convolve = staticmethod(conv_transpose1d)


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution, as torch.nn.ConvTranspose2d: the adjoint of Conv2d in its
    input, used to upsample (N, C_in, H, W) -> (N, C_out, H_out, W_out),
    H_out = (H - 1)·s - 2p + d·(k - 1) + output_padding + 1.

    Args:
        in_channels, out_channels, kernel_size, stride, padding, dilation, groups: as Conv2d
            (padding is cropped from the output).
        output_padding: extra rows/columns on the bottom/right (smaller than stride or
            dilation); forward(input, output_size) picks it from a wanted output size instead.
        bias: learn an additive bias (default True).

    Attributes:
        weight: (in_channels, out_channels/groups, kH, kW); bias: (out_channels,) or None.
    """

    n_dims = 2
    _convolve = staticmethod(conv_transpose2d)


class ConvTranspose3d(_ConvTransposeNd):
    """3-D transposed convolution, as torch.nn.ConvTranspose3d (see ConvTranspose2d)."""

    n_dims = 3
    _convolve = staticmethod(conv_transpose3d)
