"""nashai.nn.functional: the math of every layer, as functions on Tensors (torch.nn.functional).

Files: activations.py, linear.py (linear, embedding, dropout), losses.py, conv.py, pooling.py,
normalization.py, attention.py, rnn.py. The hot ones (cross_entropy, convolutions, pooling,
normalisations, scaled_dot_product_attention, the recurrences) are single fused autograd ops with
hand-derived backward passes.
"""

from nashai.nn.functional.activations import (
    elu,
    gelu,
    leaky_relu,
    log_softmax,
    mish,
    relu,
    sigmoid,
    silu,
    softmax,
    softplus,
    swish,
    tanh,
)
from nashai.nn.functional.attention import scaled_dot_product_attention
from nashai.nn.functional.conv import (
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
)
from nashai.nn.functional.linear import dropout, embedding, linear
from nashai.nn.functional.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from nashai.nn.functional.normalization import batch_norm, group_norm, layer_norm, rms_norm
from nashai.nn.functional.pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    max_pool1d,
    max_pool2d,
    max_pool3d,
)
from nashai.nn.functional.rnn import gru, lstm, rnn

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "cross_entropy",
    "dropout",
    "elu",
    "embedding",
    "gelu",
    "group_norm",
    "gru",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "lstm",
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "mish",
    "mse_loss",
    "nll_loss",
    "relu",
    "rms_norm",
    "rnn",
    "scaled_dot_product_attention",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "softmax",
    "softplus",
    "swish",
    "tanh",
]
