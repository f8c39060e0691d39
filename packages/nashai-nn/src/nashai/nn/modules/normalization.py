"""Normalisation layers: BatchNorm1d/2d/3d, LayerNorm, RMSNorm, GroupNorm.

PyTorch's arguments, parameters and buffers, so state_dicts match key for key: `weight` (γ,
ones) and `bias` (β, zeros); batch norm also keeps `running_mean` (zeros), `running_var`
(ones) and `num_batches_tracked` (an int64 count). The math is in functional/normalization.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import nashai.autograd as ag
from nashai.autograd import Tensor
from nashai.nn import init
from nashai.nn.functional.normalization import (
    as_normalized_shape,
    batch_norm,
    group_norm,
    layer_norm,
    rms_norm,
)
from nashai.nn.module import Module, Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "GroupNorm", "LayerNorm", "RMSNorm"]


def _affine_parameters(module: Module, affine: bool, bias: bool, size: int, dtype, device):
    """Register weight (ones) and bias (zeros) of shape (size,), or None where not learned."""
    weight = Parameter(ag.ones(size, dtype=dtype, device=device)) if affine else None
    shift = Parameter(ag.zeros(size, dtype=dtype, device=device)) if affine and bias else None
    module.register_parameter("weight", weight)
    module.register_parameter("bias", shift)


class _BatchNorm(Module):
    """Batch normalisation over the channel dimension (dim 1), train/eval aware.

    In training mode each batch is normalised by its own statistics and, with
    track_running_stats, the running estimates move towards them:
    running ← (1 - momentum)·running + momentum·batch (momentum=None: the cumulative average,
    momentum = 1/num_batches_tracked). In eval mode the running estimates are used (without
    track_running_stats, the batch's own statistics always are).

    Args:
        num_features: C, the number of channels.
        eps: added to the variance (default 1e-5).
        momentum: the running statistics' update weight (default 0.1), or None.
        affine: learn γ (weight) and β (bias) per channel (default True).
        track_running_stats: keep running_mean, running_var and num_batches_tracked buffers.
        bias: with affine, also learn β (default True; keyword-only, as PyTorch).
    """

    expected_dims: tuple[int, ...] = ()

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device=None,
        dtype=None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _affine_parameters(self, affine, bias, num_features, dtype, device)
        if track_running_stats:
            self.register_buffer("running_mean", ag.zeros(num_features, dtype=dtype, device=device))
            self.register_buffer("running_var", ag.ones(num_features, dtype=dtype, device=device))
            self.register_buffer("num_batches_tracked", ag.tensor(0, dtype=ag.int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            with ag.no_grad():
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim not in self.expected_dims:
            expected = " or ".join(f"{d}-D" for d in self.expected_dims)
            raise ValueError(
                f"{type(self).__name__}: expected {expected} input, got {input.ndim}-D input of "
                f"shape {tuple(input.shape)}"
            )
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            with ag.no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked.item())
        use_batch_stats = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return batch_norm(
            input,
            self.running_mean if track else None,
            self.running_var if track else None,
            self.weight,
            self.bias,
            use_batch_stats,
            momentum,
            self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs, as torch.nn.BatchNorm1d
    (Ioffe & Szegedy, 2015); see _BatchNorm for the arguments."""

    expected_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) inputs, per channel over N, H and W, as
    torch.nn.BatchNorm2d (Ioffe & Szegedy, 2015); see _BatchNorm for the arguments."""

    expected_dims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of (N, C, D, H, W) inputs, per channel, as torch.nn.BatchNorm3d;
    see _BatchNorm for the arguments."""

    expected_dims = (5,)


class LayerNorm(Module):
    """Layer normalisation over the last dimensions, as torch.nn.LayerNorm (Ba et al., 2016).

    y = γ ⊙ (x - mean) / √(var + eps) + β over the trailing normalized_shape of each sample.

    Args:
        normalized_shape: an int or the trailing shape to normalise over.
        eps: added to the variance (default 1e-5).
        elementwise_affine: learn γ (weight, ones) of shape normalized_shape (default True).
        bias: also learn β (bias, zeros) when elementwise_affine (default True).
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        self.normalized_shape = as_normalized_shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ag.ones(*self.normalized_shape, dtype=dtype, device=device))
            if bias:
                self.bias = Parameter(ag.zeros(*self.normalized_shape, dtype=dtype, device=device))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input: Tensor) -> Tensor:
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )


class RMSNorm(Module):
    """Root-mean-square normalisation, as torch.nn.RMSNorm (Zhang & Sennrich, 2019).

    y = γ ⊙ x / √(mean(x²) + eps) over the trailing normalized_shape.

    Args:
        normalized_shape: an int or the trailing shape to normalise over.
        eps: added to the mean square; None (default) means the dtype's machine epsilon.
        elementwise_affine: learn γ (weight, ones) (default True).
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float | None = None,
        elementwise_affine: bool = True,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        self.normalized_shape = as_normalized_shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ag.ones(*self.normalized_shape, dtype=dtype, device=device))
        else:
            self.register_parameter("weight", None)

    def forward(self, input: Tensor) -> Tensor:
        return rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )


class GroupNorm(Module):
    """Group normalisation, as torch.nn.GroupNorm (Wu & He, 2018): each sample's channels are
    split into num_groups groups, each standardised over its channels and positions, then
    scaled and shifted per channel.

    Args:
        num_groups: G, dividing num_channels.
        num_channels: C, the size of dim 1 of the (N, C, *) input.
        eps: added to the variance (default 1e-5).
        affine: learn γ (weight, ones) and β (bias, zeros) of shape (C,) (default True).
        bias: with affine, also learn β (default True; keyword-only, as PyTorch).
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device=None,
        dtype=None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(
                f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups "
                f"({num_groups})"
            )
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _affine_parameters(self, affine, bias, num_channels, dtype, device)

    def forward(self, input: Tensor) -> Tensor:
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )
