"""Weight initialisation, as torch.nn.init: each function fills a tensor in place (without
recording a graph) and returns it.

The scaled schemes keep the variance of activations (forward) or gradients (backward) about
constant from layer to layer:
    xavier (Glorot & Bengio, 2010)   Var(w) = gain² · 2 / (fan_in + fan_out)
    kaiming (He et al., 2015)        Var(w) = gain² / fan       (fan = fan_in or fan_out)
where, for a weight of shape (out, in, *kernel), fan_in = in · ∏kernel and
fan_out = out · ∏kernel. A uniform draw on [-b, b] has variance b²/3, so b = √3 · std.

Every random function takes `generator` (a nashai.autograd.Generator) for reproducible draws;
without it the default generator (seeded by nashai.autograd.manual_seed) is used.
"""

from __future__ import annotations

import math

import numpy as np  # host-side draws and the QR of orthogonal_, copied into the tensor

import nashai.autograd as ag
from nashai.autograd import Tensor
from nashai.math.linalg import qr
from nashai.math.probability.special import ndtr, ndtri

__all__ = [
    "calculate_gain",
    "constant_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "orthogonal_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]

_LINEAR_GAINS = (
    "linear",
    "identity",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
)


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The gain that keeps activations' variance after `nonlinearity` (as PyTorch's table).

    linear, conv*, sigmoid: 1;  tanh: 5/3;  relu: √2;  leaky_relu(slope): √(2 / (1 + slope²))
    (slope = param, default 0.01);  selu: 3/4.
    """
    if nonlinearity in _LINEAR_GAINS:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1.0 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4.0
    raise ValueError(f"Unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of shape (out, in, *kernel)."""
    if tensor.ndim < 2:
        raise ValueError(
            f"Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
            f"(got shape {tuple(tensor.shape)})"
        )
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor: Tensor, array) -> Tensor:
    """Copy host numbers into the tensor, in place, without recording a graph."""
    with ag.no_grad():
        tensor.copy_(ag.tensor(np.asarray(array), dtype=tensor.dtype))
    return tensor


def uniform_(
    tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: ag.Generator | None = None
) -> Tensor:
    """Fill with draws from U(a, b)."""
    with ag.no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: ag.Generator | None = None
) -> Tensor:
    """Fill with draws from N(mean, std²)."""
    with ag.no_grad():
        return tensor.normal_(mean, std, generator=generator)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with the value `val`."""
    with ag.no_grad():
        return tensor.fill_(val)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0."""
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1."""
    return constant_(tensor, 1.0)


def xavier_uniform_(
    tensor: Tensor, gain: float = 1.0, generator: ag.Generator | None = None
) -> Tensor:
    """Glorot uniform: U(-b, b) with b = gain · √(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(
    tensor: Tensor, gain: float = 1.0, generator: ag.Generator | None = None
) -> Tensor:
    """Glorot normal: N(0, std²) with std = gain · √(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: ag.Generator | None = None,
) -> Tensor:
    """He uniform: U(-b, b) with b = gain · √(3 / fan), gain = calculate_gain(nonlinearity, a).

    `a` is the negative slope of the leaky ReLU that follows (0: ReLU). PyTorch's Linear and
    Conv use a = √5, which gives b = 1 / √fan_in.
    """
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: ag.Generator | None = None,
) -> Tensor:
    """He normal: N(0, std²) with std = gain / √fan, gain = calculate_gain(nonlinearity, a)."""
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)


def trunc_normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator: ag.Generator | None = None,
) -> Tensor:
    """Fill with draws from N(mean, std²) truncated to [a, b] (a and b are absolute values).

    Inverse-cdf sampling, as PyTorch: u ~ U(Φ(α), Φ(β)) with α = (a - mean)/std,
    β = (b - mean)/std, then x = mean + std · Φ⁻¹(u), clamped to [a, b] against rounding.
    """
    if not a < b:
        raise ValueError(f"trunc_normal_ needs a < b, got a={a}, b={b}")
    low, high = ndtr((a - mean) / std), ndtr((b - mean) / std)
    u = ag.rand(tuple(tensor.shape), generator=generator, dtype=ag.float64).numpy()
    samples = mean + std * ndtri(low + (high - low) * u)
    return _fill(tensor, np.clip(samples, a, b))


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: ag.Generator | None = None) -> Tensor:
    """Fill with a (semi-)orthogonal matrix times gain (Saxe et al., 2013).

    The tensor is viewed as rows = shape[0] by cols = ∏shape[1:]. A Gaussian matrix A (taller
    side first) is factored A = QR; Q·diag(sign(diag(R))) is Haar-distributed (Mezzadri, 2007),
    so the rows (if rows ≤ cols) or columns are orthonormal.
    """
    if tensor.ndim < 2:
        raise ValueError(
            f"Only tensors with 2 or more dimensions are supported, got shape {tuple(tensor.shape)}"
        )
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    gaussian = ag.randn((rows, cols), generator=generator, dtype=ag.float64).numpy()
    if rows < cols:
        gaussian = gaussian.T
    q, r = qr(gaussian)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(tensor.shape))
