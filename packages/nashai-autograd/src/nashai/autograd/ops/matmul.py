"""Matrix products: batched broadcasting matmul, and einsum.

matmul follows NumPy's and PyTorch's rules: 1-D operands are promoted to a row (first) or a
column (second) and the added dimension is removed from the result; leading (batch) dimensions
broadcast. For C = A B the backward is dA = dC Bᵀ and dB = Aᵀ dC, summed over broadcast batch
dimensions.

einsum takes PyTorch's (and NumPy's) subscript notation, with '...' and implicit output. Its
backward is an einsum too: the gradient of an operand contracts the output gradient with the
other operands, broadcast over labels only that operand has, and placed on the diagonal for a
label the operand repeats (einsum("ii->", A) is the trace).
"""

from __future__ import annotations

import string

from nashai.autograd.function import Function
from nashai.autograd.ops.common import constant
from nashai.autograd.ops.shape import swap_last_two
from nashai.autograd.tensor import Tensor

__all__ = ["einsum", "matmul"]


class MatMul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.array @ b.array

    @staticmethod
    def backward(ctx, grad):  # C = A B: dA = dC Bᵀ, dB = Aᵀ dC
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        return (
            MatMul.apply(grad, swap_last_two(b)).sum_to_size(a.shape) if needs_a else None,
            MatMul.apply(swap_last_two(a), grad).sum_to_size(b.shape) if needs_b else None,
        )


def matmul(input, other) -> Tensor:
    """The matrix product, with NumPy's rules for 1-D operands and broadcast batch dimensions.

    Shapes: (n,) @ (n,) -> (); (m, n) @ (n,) -> (m,); (n,) @ (n, p) -> (p,);
    (..., m, n) @ (..., n, p) -> (..., m, p), the leading dimensions broadcast.
    """
    if not isinstance(input, Tensor):
        input = Tensor(input, device=other.device)
    if not isinstance(other, Tensor):
        other = Tensor(other, device=input.device)
    a_shape, b_shape = input.shape, other.shape
    if not a_shape or not b_shape:
        raise RuntimeError(
            f"matmul: both operands need at least one dimension, got shapes {a_shape} and {b_shape}"
        )
    if input.dtype != other.dtype:
        raise RuntimeError(
            f"matmul: both operands must have the same dtype, got {input.dtype} and "
            f"{other.dtype}; convert one with .to(dtype)"
        )
    if a_shape[-1] != b_shape[-2 if len(b_shape) > 1 else 0]:
        inner = b_shape[-2 if len(b_shape) > 1 else 0]
        raise RuntimeError(
            f"matmul: shapes {a_shape} and {b_shape} cannot be multiplied: the last dimension "
            f"of the first ({a_shape[-1]}) must equal the "
            f"{'second-to-last' if len(b_shape) > 1 else 'only'} dimension of the second ({inner})"
        )
    if len(a_shape) > 1 and len(b_shape) > 1:
        return MatMul.apply(input, other)
    a = input.unsqueeze(0) if len(a_shape) == 1 else input
    b = other.unsqueeze(-1) if len(b_shape) == 1 else other
    out = MatMul.apply(a, b)
    shape = out.shape
    if len(b_shape) == 1:
        shape = shape[:-1]
    if len(a_shape) == 1:
        shape = shape[:-2] + shape[-1:] if len(b_shape) > 1 else shape[:-1]
    return out.reshape(shape)


# ---------------------------------------------------------------------------------------------
# einsum
# ---------------------------------------------------------------------------------------------


class Einsum(Function):
    @staticmethod
    def forward(ctx, equation, *operands):
        ctx.equation = equation
        ctx.save_for_backward(*operands)
        arrays = [operand.array for operand in operands]
        large = len(arrays) > 2 or any(array.size > 4096 for array in arrays)
        # optimize=True contracts pairwise through BLAS; it costs ~50 µs of planning per call
        return ctx.xp.einsum(equation, *arrays, optimize=large)

    @staticmethod
    def backward(ctx, grad):
        operands = ctx.saved_tensors
        inputs, output = _split_equation(ctx.equation)
        grads = [None]
        for i, (subscripts, operand) in enumerate(zip(inputs, operands, strict=True)):
            if not ctx.needs_input_grad[i + 1]:
                grads.append(None)
                continue
            others = [
                (s, o) for j, (s, o) in enumerate(zip(inputs, operands, strict=True)) if j != i
            ]
            grads.append(_operand_gradient(grad, output, subscripts, operand, others, ctx))
        return tuple(grads)


def _split_equation(equation: str) -> tuple[list[str], str]:
    inputs, _, output = equation.partition("->")
    return inputs.split(","), output


def _operand_gradient(grad, output, subscripts, operand, others, ctx) -> Tensor:
    """The gradient of one einsum operand: contract grad with the other operands."""
    unique = "".join(dict.fromkeys(subscripts))
    available = set(output).union(*(set(s) for s, _ in others))
    kept = "".join(c for c in unique if c in available)
    equation = ",".join([output] + [s for s, _ in others]) + "->" + kept
    result = einsum(equation, grad, *(o for _, o in others))
    sizes = dict(zip(subscripts, operand.shape, strict=True))
    if kept != unique:  # labels only this operand has were summed: broadcast over them
        result = result.reshape(tuple(sizes[c] if c in kept else 1 for c in unique))
        result = result.expand(tuple(sizes[c] for c in unique))
    if unique != subscripts:  # a repeated label: put the gradient on that diagonal
        fresh = iter(c for c in string.ascii_letters if c not in ctx.equation)
        target, identities, factors, seen = [], [], [], set()
        for c in subscripts:
            if c in seen:
                renamed = next(fresh)
                target.append(renamed)
                identities.append(c + renamed)
                eye = ctx.xp.eye(sizes[c], dtype=operand.dtype)
                factors.append(constant(eye, ctx.backend))
            else:
                target.append(c)
                seen.add(c)
        equation = ",".join([unique, *identities]) + "->" + "".join(target)
        result = einsum(equation, result, *factors)
    return result


def einsum(equation: str, *operands) -> Tensor:
    """Sum of products over the labels of `equation`, as torch.einsum.

    "ij,jk->ik" is a matrix product, "bij,bjk->bik" a batched one, "ii->i" a diagonal,
    "ii" a trace, "i,j->ij" an outer product. '...' stands for broadcast leading dimensions,
    and without '->' the output is the labels that appear once, in alphabetical order.
    Labels of size 1 broadcast against the same label of another size.
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands or not all(isinstance(o, Tensor) for o in operands):
        raise TypeError("einsum operands must be Tensors")
    canonical, shapes = _canonical(equation, operands)
    inputs, _ = _split_equation(canonical)
    expanded = []
    for operand, subscripts in zip(operands, inputs, strict=True):
        target = tuple(shapes[c] for c in subscripts)
        expanded.append(operand if operand.shape == target else operand.expand(target))
    dtype = expanded[0].dtype
    if any(o.dtype != dtype for o in expanded):
        raise RuntimeError(
            f"einsum: all operands must have the same dtype, got {[str(o.dtype) for o in expanded]}"
        )
    return Einsum.apply(canonical, *expanded)


def _canonical(equation: str, operands) -> tuple[str, dict[str, int]]:
    """The equation with '...' spelled out in letters and an explicit output, and the size of
    every label (the broadcast size where a label has size 1 somewhere)."""
    equation = equation.replace(" ", "")
    left, arrow, right = equation.partition("->")
    inputs = left.split(",")
    if len(inputs) != len(operands):
        raise ValueError(
            f"einsum: the equation {equation!r} has {len(inputs)} operands but "
            f"{len(operands)} tensors were given"
        )
    used = set(equation) - set(".,->")
    if any(c not in string.ascii_letters for c in used):
        raise ValueError(f"einsum: labels must be letters, got {equation!r}")
    free = [c for c in string.ascii_letters if c not in used]
    n_ellipsis = 0
    for subscripts, operand in zip(inputs, operands, strict=True):
        if "..." in subscripts:
            n_ellipsis = max(n_ellipsis, operand.ndim - (len(subscripts) - 3))
    ellipsis = "".join(free[:n_ellipsis])
    spelled = []
    for subscripts, operand in zip(inputs, operands, strict=True):
        if "..." in subscripts:
            count = operand.ndim - (len(subscripts) - 3)
            subscripts = subscripts.replace("...", ellipsis[n_ellipsis - count :] if count else "")
        if len(subscripts) != operand.ndim:
            raise ValueError(
                f"einsum: subscripts {subscripts!r} name {len(subscripts)} dimensions but the "
                f"operand has shape {tuple(operand.shape)}"
            )
        spelled.append(subscripts)
    if arrow:
        output = right.replace("...", ellipsis)
    else:
        counts = "".join(spelled)
        output = ellipsis + "".join(
            sorted(c for c in set(counts) if counts.count(c) == 1 and c not in ellipsis)
        )
    shapes: dict[str, int] = {}
    for subscripts, operand in zip(spelled, operands, strict=True):
        for c, size in zip(subscripts, operand.shape, strict=True):
            known = shapes.get(c, 1)
            if size != known and 1 not in (size, known):
                raise ValueError(
                    f"einsum: label {c!r} has size {known} in one place and {size} in another"
                )
            shapes[c] = max(size, known)
    for subscripts, operand in zip(
        spelled, operands, strict=True
    ):  # a repeated label takes one size
        for c, size in zip(subscripts, operand.shape, strict=True):
            if subscripts.count(c) > 1 and size != shapes[c]:
                raise ValueError(f"einsum: the repeated label {c!r} must have one size")
    if len(set(output)) != len(output) or any(c not in shapes for c in output):
        raise ValueError(f"einsum: invalid output subscripts in {equation!r}")
    return ",".join(spelled) + "->" + output, shapes
