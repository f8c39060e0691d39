"""The differentiable ops, one family per module.

elementwise    + - * / ** and the unary math functions, comparisons, clamp, maximum, where
activations    relu, gelu, silu, softplus, sigmoid, tanh
reductions     sum, mean, var, std, max/min, logsumexp, prod, cumsum, argmax
softmax        softmax and log_softmax, each one fused, numerically stable op
sorting        sort, argsort, topk
matmul         batched broadcasting matmul and einsum
shape          reshape, permute, squeeze, expand, cat, stack, split, flip, repeat
indexing       basic and advanced indexing, gather, scatter_add, masked_fill, pad, tril, one_hot
convolution    unfold and fold (im2col and col2im), on which nn builds convolutions
conversion     dtype casts, moves between devices, clone

Each op is a Function subclass (forward on backend arrays, backward in Tensor ops) wrapped by a
function with PyTorch's signature; nashai.autograd and the Tensor methods call these functions.
"""
