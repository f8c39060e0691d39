"""Every op against PyTorch: forward, backward and double backward, float64 to 1e-10 relative.

Each row of OPS is an op written once for both libraries, `lambda L, x: L.exp(x)`, the shapes of
its inputs (including broadcasting, 0-d, empty and size-1 shapes) and the range its inputs are
drawn from (kept away from kinks and poles). `compare` (autograd_helpers.py) runs it through
torch and nashai.autograd and checks outputs, gradients and second-order gradients; the same
rows run again with non-contiguous (transposed) inputs, and through gradcheck.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from autograd_helpers import compare, functional

import nashai.autograd as ag

POSITIVE = (0.5, 2.0)
AWAY_FROM_ZERO = [(-2.0, -0.5), (0.5, 2.0)]


NO_GRADCHECK = set()  # ids of rows whose finite differences would cross a discontinuity


def op(name, fn, *shapes, ranges=(-2.0, 2.0), double=True, gradcheck=True, mixed_signs=False):
    """A row of the table. mixed_signs: draw inputs alternately below and above zero (for
    ops with a kink or pole at 0)."""
    if mixed_signs:
        ranges = [AWAY_FROM_ZERO[i % 2] for i in range(len(shapes))]
    if not gradcheck:
        NO_GRADCHECK.add(name)
    return pytest.param(fn, shapes, ranges, double, id=name)


OPS = [
    # --- arithmetic, with broadcasting, 0-d, empty and size-1 shapes --------------------------
    op("add", lambda L, a, b: a + b, (3, 4), (3, 4)),
    op("add_broadcast", lambda L, a, b: a + b, (3, 1), (1, 4)),
    op("add_broadcast_rank", lambda L, a, b: a + b, (2, 3, 4), (4,)),
    op("add_scalar_tensor", lambda L, a, b: a + b, (), (3,)),
    op("add_empty", lambda L, a, b: a + b, (0, 3), (3,)),
    op("add_size1", lambda L, a, b: a + b, (1,), (5,)),
    op("add_alpha", lambda L, a, b: L.add(a, b, alpha=2.5), (3, 4), (4,)),
    op("add_number", lambda L, a: 1.5 + a, (3, 4)),
    op("sub", lambda L, a, b: a - b, (2, 3), (2, 1)),
    op("rsub_number", lambda L, a: 3 - a, (4,)),
    op("sub_alpha", lambda L, a, b: L.sub(a, b, alpha=-0.5), (3,), (2, 3)),
    op("mul", lambda L, a, b: a * b, (2, 3, 4), (3, 1)),
    op("mul_number", lambda L, a: a * 2.5, (3, 4)),
    op("mul_self", lambda L, a: a * a, (5,)),
    op("div", lambda L, a, b: a / b, (3, 4), (4,), mixed_signs=True),
    op("rdiv_number", lambda L, a: 1.5 / a, (3,), ranges=POSITIVE),
    op("div_number", lambda L, a: a / 4, (2, 2)),
    op("neg", lambda L, a: -a, (3, 4)),
    op("pow_tensor", lambda L, a, b: a**b, (3, 4), (4,), ranges=[POSITIVE, (-2.0, 2.0)]),
    op("pow_number", lambda L, a: a**3, (3, 4)),
    op("pow_half", lambda L, a: a**0.5, (3,), ranges=POSITIVE),
    op("pow_zero", lambda L, a: a**0, (3,)),
    op("rpow", lambda L, a: 2.0**a, (3, 2)),
    op("square", lambda L, a: L.square(a), (3,)),
    # --- unary math ---------------------------------------------------------------------------
    op("exp", lambda L, a: L.exp(a), (3, 4)),
    op("exp_0d", lambda L, a: a.exp(), ()),
    op("exp_empty", lambda L, a: a.exp(), (0, 2)),
    op("expm1", lambda L, a: L.expm1(a), (5,)),
    op("log", lambda L, a: L.log(a), (3, 4), ranges=POSITIVE),
    op("log1p", lambda L, a: L.log1p(a), (5,), ranges=(-0.5, 2.0)),
    op("sqrt", lambda L, a: a.sqrt(), (3, 4), ranges=POSITIVE),
    op("rsqrt", lambda L, a: a.rsqrt(), (4,), ranges=POSITIVE),
    op("reciprocal", lambda L, a: a.reciprocal(), (4,), mixed_signs=True),
    op("abs", lambda L, a: a.abs(), (6,), mixed_signs=True),
    op("sin", lambda L, a: L.sin(a), (3, 4)),
    op("cos", lambda L, a: L.cos(a), (3, 4)),
    op("erf", lambda L, a: L.erf(a), (3, 4), ranges=(-3.0, 3.0)),
    op("tanh", lambda L, a: L.tanh(a), (3, 4)),
    op("sigmoid", lambda L, a: L.sigmoid(a), (3, 4), ranges=(-8.0, 8.0)),
    op("relu", lambda L, a: L.relu(a), (2, 5), mixed_signs=True),
    op("gelu", lambda L, a: functional(L).gelu(a), (3, 4), ranges=(-3.0, 3.0)),
    op("gelu_tanh", lambda L, a: functional(L).gelu(a, approximate="tanh"), (3, 4)),
    op("silu", lambda L, a: functional(L).silu(a), (3, 4), ranges=(-4.0, 4.0)),
    op("softplus", lambda L, a: functional(L).softplus(a), (3, 4)),
    op(
        "softplus_beta_threshold",
        lambda L, a: functional(L).softplus(a, beta=2.0, threshold=3.0),
        (12,),
        ranges=(-3.0, 3.0),
        gradcheck=False,  # the threshold is a (tiny) discontinuity
    ),
    # --- piecewise ----------------------------------------------------------------------------
    op("clamp", lambda L, a: a.clamp(-0.5, 0.7), (4, 5)),
    op("clamp_min", lambda L, a: L.clamp(a, min=0.1), (6,)),
    op("clamp_max", lambda L, a: a.clamp(max=-0.3), (6,)),
    op(
        "clamp_tensors",
        lambda L, a, lo, hi: L.clamp(a, lo, hi),
        (3, 4),
        (4,),
        (3, 1),
        ranges=[(-2.0, 2.0), (-1.5, -0.2), (0.2, 1.5)],
        gradcheck=False,
    ),  # x near a bound
    op("maximum", lambda L, a, b: L.maximum(a, b), (3, 4), (4,)),
    op("minimum", lambda L, a, b: L.minimum(a, b), (3, 1), (1, 4)),
    op("max_binary", lambda L, a, b: L.max(a, b), (5,), (5,)),
    op("where", lambda L, a, b: L.where(a > 0, a, b), (3, 4), (4,)),
    op("where_number", lambda L, a: L.where(a > 0, a, 0.5), (3, 4)),
    op("masked_fill", lambda L, a: a.masked_fill(a < 0, -1.0), (3, 4)),
    op(
        "masked_fill_broadcast_mask",
        lambda L, a, b: a.masked_fill(b > 0, float("-inf")).exp(),
        (2, 3, 4),
        (3, 4),
    ),
    # --- reductions ---------------------------------------------------------------------------
    op("sum", lambda L, a: a.sum(), (3, 4)),
    op("sum_dim", lambda L, a: a.sum(1), (2, 3, 4)),
    op("sum_dims_keepdim", lambda L, a: a.sum((0, 2), keepdim=True), (2, 3, 4)),
    op("sum_negative_dim", lambda L, a: L.sum(a, dim=-1), (2, 3)),
    op("sum_0d", lambda L, a: a.sum(), ()),
    op("sum_empty", lambda L, a: a.sum(0), (0, 3)),
    op("mean", lambda L, a: a.mean(), (3, 4)),
    op("mean_dim_keepdim", lambda L, a: a.mean(-1, keepdim=True), (2, 3, 4)),
    op("var", lambda L, a: a.var(), (3, 4)),
    op("var_dim_correction0", lambda L, a: L.var(a, dim=1, correction=0), (3, 5)),
    op("var_dims_keepdim", lambda L, a: a.var((0, 1), keepdim=True), (2, 3, 2)),
    op("var_unbiased_false", lambda L, a: a.var(0, False), (4, 2)),
    op("std", lambda L, a: a.std(), (3, 4)),
    op("std_dim", lambda L, a: L.std(a, dim=0), (5, 3)),
    op("max_all", lambda L, a: a.max(), (3, 4)),
    op("min_all", lambda L, a: L.min(a), (3, 4)),
    op("max_dim", lambda L, a: tuple(a.max(1)), (3, 4)),
    op("min_dim_keepdim", lambda L, a: tuple(L.min(a, 0, keepdim=True)), (3, 4)),
    op("max_dim_values", lambda L, a: a.max(dim=-1).values * 2, (2, 3, 4)),
    op("amax", lambda L, a: a.amax((0, 2)), (2, 3, 4)),
    op("amin_keepdim", lambda L, a: L.amin(a, 1, keepdim=True), (3, 4)),
    op("argmax", lambda L, a: a.argmax(), (3, 4)),
    op("argmax_dim", lambda L, a: L.argmax(a, dim=1, keepdim=True), (3, 4)),
    op("argmin_dim", lambda L, a: a.argmin(0), (3, 4)),
    op("logsumexp", lambda L, a: a.logsumexp(1), (3, 4)),
    op("logsumexp_dims_keepdim", lambda L, a: L.logsumexp(a, (0, 2), keepdim=True), (2, 3, 4)),
    op("logsumexp_large", lambda L, a: (a * 1000).logsumexp(0), (5,)),
    op("prod", lambda L, a: a.prod(), (2, 3)),
    op("prod_dim", lambda L, a: L.prod(a, 1), (3, 4)),
    op("prod_dim_keepdim", lambda L, a: a.prod(0, keepdim=True), (3, 2)),
    op("cumsum", lambda L, a: a.cumsum(1), (3, 4)),
    op("cumsum_negative_dim", lambda L, a: L.cumsum(a, dim=-1), (2, 3, 2)),
    op("softmax", lambda L, a: a.softmax(-1), (3, 4)),
    op("softmax_dim0", lambda L, a: L.softmax(a, 0), (3, 4, 2)),
    op("softmax_large", lambda L, a: (a * 500).softmax(0), (6,)),
    op("log_softmax", lambda L, a: a.log_softmax(-1), (3, 4)),
    op("log_softmax_dim1", lambda L, a: L.log_softmax(a, dim=1), (2, 3, 4)),
    op("log_softmax_large", lambda L, a: (a * 500).log_softmax(0), (6,)),
    # --- matmul and einsum --------------------------------------------------------------------
    op("matmul", lambda L, a, b: a @ b, (3, 4), (4, 5)),
    op("matmul_batched", lambda L, a, b: L.matmul(a, b), (2, 3, 4), (2, 4, 5)),
    op("matmul_broadcast", lambda L, a, b: a @ b, (2, 1, 3, 4), (5, 4, 2)),
    op("matmul_batch_with_matrix", lambda L, a, b: a @ b, (2, 3, 4), (4, 2)),
    op("matmul_vector_vector", lambda L, a, b: a @ b, (4,), (4,)),
    op("matmul_matrix_vector", lambda L, a, b: a @ b, (3, 4), (4,)),
    op("matmul_vector_matrix", lambda L, a, b: a @ b, (4,), (4, 5)),
    op("matmul_vector_batch", lambda L, a, b: a @ b, (4,), (2, 4, 3)),
    op("matmul_batch_vector", lambda L, a, b: a @ b, (2, 3, 4), (4,)),
    op("matmul_empty", lambda L, a, b: a @ b, (0, 3), (3, 2)),
    op("einsum_matmul", lambda L, a, b: L.einsum("ij,jk->ik", a, b), (3, 4), (4, 2)),
    op("einsum_batched", lambda L, a, b: L.einsum("bij,bjk->bik", a, b), (2, 3, 4), (2, 4, 2)),
    op(
        "einsum_attention",
        lambda L, q, k: L.einsum("bhqd,bhkd->bhqk", q, k),
        (2, 2, 3, 4),
        (2, 2, 5, 4),
    ),
    op("einsum_outer", lambda L, a, b: L.einsum("i,j->ij", a, b), (3,), (4,)),
    op("einsum_diagonal", lambda L, a: L.einsum("ii->i", a), (4, 4)),
    op("einsum_trace", lambda L, a: L.einsum("ii", a), (3, 3)),
    op("einsum_sum", lambda L, a: L.einsum("ij->", a), (3, 4)),
    op("einsum_transpose_implicit", lambda L, a: L.einsum("ji", a), (3, 4)),
    op(
        "einsum_three", lambda L, a, b, c: L.einsum("ij,jk,kl->il", a, b, c), (2, 3), (3, 4), (4, 2)
    ),
    op(
        "einsum_ellipsis_broadcast",
        lambda L, a, b: L.einsum("...ij,...jk->...ik", a, b),
        (2, 1, 3, 4),
        (3, 4, 2),
    ),
    op("einsum_label_only_in_input", lambda L, a, b: L.einsum("ij,k->ik", a, b), (3, 4), (2,)),
    op("einsum_repeated_with_other", lambda L, a, b: L.einsum("iij,j->i", a, b), (3, 3, 2), (2,)),
    # --- shapes -------------------------------------------------------------------------------
    op("reshape", lambda L, a: a.reshape(4, 3), (3, 4)),
    op("reshape_infer", lambda L, a: L.reshape(a, (2, -1)), (3, 4)),
    op("view", lambda L, a: a.view(-1), (2, 3)),
    op("view_0d", lambda L, a: a.reshape(1, 1), ()),
    op("flatten", lambda L, a: a.flatten(1), (2, 3, 4)),
    op("flatten_range", lambda L, a: L.flatten(a, 0, 1), (2, 3, 4)),
    op("unflatten", lambda L, a: a.unflatten(1, (2, 2)), (3, 4)),
    op("squeeze", lambda L, a: a.squeeze(), (3, 1, 4, 1)),
    op("squeeze_dim", lambda L, a: a.squeeze(1), (3, 1, 4)),
    op("squeeze_non_one", lambda L, a: a.squeeze(0), (3, 1)),
    op("unsqueeze", lambda L, a: a.unsqueeze(1), (3, 4)),
    op("unsqueeze_last", lambda L, a: L.unsqueeze(a, -1), (3, 4)),
    op("transpose", lambda L, a: a.transpose(0, 2), (2, 3, 4)),
    op("t", lambda L, a: a.t(), (3, 4)),
    op("T", lambda L, a: a.T, (3, 4)),
    op("mT", lambda L, a: a.mT, (2, 3, 4)),
    op("permute", lambda L, a: a.permute(2, 0, 1), (2, 3, 4)),
    op("movedim", lambda L, a: L.movedim(a, 0, -1), (2, 3, 4)),
    op("expand", lambda L, a: a.expand(2, 3, 4), (3, 1)),
    op("expand_keep", lambda L, a: a.expand(-1, 5), (3, 1)),
    op("broadcast_to", lambda L, a: L.broadcast_to(a, (2, 4)), (4,)),
    op("expand_as", lambda L, a, b: a.expand_as(b) * b, (1, 4), (3, 4)),
    op("cat", lambda L, a, b, c: L.cat([a, b, c], dim=1), (2, 3), (2, 1), (2, 2)),
    op("cat_dim0", lambda L, a, b: L.cat((a, b)), (2, 3), (4, 3)),
    op("stack", lambda L, a, b: L.stack([a, b], dim=1), (2, 3), (2, 3)),
    op("stack_last", lambda L, a, b, c: L.stack([a, b, c], -1), (3,), (3,), (3,)),
    op("split", lambda L, a: a.split(2, dim=1), (3, 5)),
    op("split_sections", lambda L, a: L.split(a, [1, 3], 0), (4, 2)),
    op("chunk", lambda L, a: a.chunk(3, 0), (7, 2)),
    op("unbind", lambda L, a: a.unbind(1), (2, 3)),
    op("narrow", lambda L, a: a.narrow(1, 1, 2), (3, 4)),
    op("select", lambda L, a: a.select(0, -1), (3, 4)),
    op("flip", lambda L, a: a.flip(0), (3, 4)),
    op("flip_dims", lambda L, a: L.flip(a, (0, 2)), (2, 3, 4)),
    op("repeat", lambda L, a: a.repeat(2, 3), (3, 2)),
    op("repeat_new_dims", lambda L, a: a.repeat(2, 1, 3), (3, 2)),
    op("contiguous", lambda L, a: a.T.contiguous() * 2, (3, 4)),
    op("clone", lambda L, a: a.clone(), (3, 4)),
    # --- indexing -----------------------------------------------------------------------------
    op("index_int", lambda L, a: a[1], (3, 4)),
    op("index_slices", lambda L, a: a[1:, ::2], (4, 5)),
    op("index_ellipsis_none", lambda L, a: a[..., None, 0], (2, 3, 4)),
    op("index_list_repeats", lambda L, a: a[[0, 2, 0]], (3, 4)),
    op("index_tensor", lambda L, a: a[a.new_tensor([[1, 0], [2, 2]], dtype=L.long)], (3, 2)),
    op("index_bool_mask", lambda L, a: a[a > 0], (3, 4)),
    op("index_mixed", lambda L, a: a[:, [1, 0, 1]], (2, 3)),
    op("index_pairs", lambda L, a: a[[0, 1, 1], [2, 0, 2]], (2, 3)),
    op("index_0d", lambda L, a: a[...], ()),
    op(
        "gather",
        lambda L, a: a.gather(1, a.new_tensor([[0, 0], [1, 0], [2, 1]], dtype=L.long)),
        (3, 3),
    ),
    op(
        "gather_dim0_smaller",
        lambda L, a: L.gather(a, 0, a.new_tensor([[1, 0]], dtype=L.long)),
        (3, 4),
    ),
    op(
        "scatter_add",
        lambda L, a, b: a.scatter_add(0, a.new_tensor([[0, 1, 0], [0, 0, 2]], dtype=L.long), b),
        (3, 3),
        (2, 3),
    ),
    op(
        "index_select",
        lambda L, a: a.index_select(1, a.new_tensor([2, 0, 2], dtype=L.long)),
        (2, 3),
    ),
    op("pad", lambda L, a: functional(L).pad(a, (1, 2)), (2, 3)),
    op("pad_two_dims_value", lambda L, a: functional(L).pad(a, (1, 0, 2, 1), value=0.5), (2, 3, 2)),
    op("pad_negative_crops", lambda L, a: functional(L).pad(a, (-1, 1, 0, -2)), (4, 5)),
    op("tril", lambda L, a: a.tril(), (4, 4)),
    op("triu_offset", lambda L, a: L.triu(a, 1), (2, 3, 4)),
    op("tril_negative", lambda L, a: L.tril(a, diagonal=-1), (3, 5)),
    op("unfold", lambda L, a: functional(L).unfold(a, 2), (2, 2, 3, 4)),
    op(
        "unfold_all_options",
        lambda L, a: functional(L).unfold(a, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)),
        (1, 2, 5, 6),
    ),
    op("fold", lambda L, a: functional(L).fold(a, (3, 4), 2), (2, 8, 6)),
    op(
        "fold_all_options",
        lambda L, a: functional(L).fold(
            a, (5, 6), (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)
        ),
        (1, 12, 12),
    ),
    # --- sorting --------------------------------------------------------------------------------
    op("sort", lambda L, a: tuple(a.sort()), (3, 4)),
    op("sort_descending_dim0", lambda L, a: tuple(L.sort(a, dim=0, descending=True)), (3, 4)),
    op("argsort", lambda L, a: a.argsort(dim=1, descending=True), (3, 4)),
    op("topk", lambda L, a: tuple(a.topk(2)), (3, 5)),
    op("topk_smallest_dim0", lambda L, a: tuple(L.topk(a, 2, dim=0, largest=False)), (4, 3)),
    # --- conversions ----------------------------------------------------------------------------
    op("to_float32_and_back", lambda L, a: (a.float() * 3).double(), (3,), gradcheck=False),
    op("to_int_is_constant", lambda L, a: a.to(L.int64) + 1, (3,)),
]


@pytest.mark.parametrize(("fn", "shapes", "ranges", "double"), OPS)
def test_op_matches_torch(fn, shapes, ranges, double, device):
    compare(fn, shapes, ranges=ranges, double=double, device=device)


# PyTorch's view refuses non-contiguous inputs (nashai's, as reshape, copies)
NONCONTIGUOUS = [p for p in OPS if any(len(s) >= 2 for s in p.values[1]) and p.id != "view"]


@pytest.mark.parametrize(("fn", "shapes", "ranges", "double"), NONCONTIGUOUS)
def test_op_matches_torch_on_transposed_views(fn, shapes, ranges, double, device):
    compare(fn, shapes, ranges=ranges, double=False, noncontiguous=True, device=device)


GRADCHECKED = [p for p in OPS if p.id not in NO_GRADCHECK]


@pytest.mark.parametrize(("fn", "shapes", "ranges", "double"), GRADCHECKED)
def test_gradcheck(fn, shapes, ranges, double, device):
    rng = np.random.default_rng(0)
    if isinstance(ranges, tuple):
        ranges = [ranges] * len(shapes)
    inputs = [
        ag.tensor(rng.uniform(lo, hi, size=s), device=device, requires_grad=True)
        for s, (lo, hi) in zip(shapes, ranges, strict=True)
    ]
    outputs = fn(ag, *inputs)
    outputs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
    if not any(o.requires_grad for o in outputs):
        pytest.skip("the op has no gradient (its output is piecewise constant)")
    assert ag.gradcheck(lambda *xs: fn(ag, *xs), inputs, atol=1e-7, rtol=1e-6)


def test_prod_with_zeros_matches_torch(device):
    # one zero in a row (the gradient is the product of the others), two zeros (all 0), none
    values = np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 4.0], [1.5, -2.0, 0.5]])
    # (double backward is exact only where a slice has no zero)
    compare(lambda L, a: a.prod(1), arrays=[values], device=device, double=False)
    compare(lambda L, a: a.prod(), arrays=[values[2:]], device=device)
    compare(lambda L, a: a.prod(), arrays=[values[:1]], device=device, double=False)


def test_max_ties_share_the_gradient_as_torch(device):
    values = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    compare(lambda L, a: a.max(), arrays=[values], device=device)
    compare(lambda L, a: a.amax(1), arrays=[values], device=device)
    compare(lambda L, a: a.max(1).values, arrays=[values], device=device)
    compare(lambda L, a, b: L.maximum(a, b), arrays=[values, values[::-1].copy()], device=device)


def test_clamp_at_the_bounds_follows_torch(device):
    # number bounds: no gradient at a bound; tensor bounds: ties split as in maximum/minimum
    values = np.array([-1.0, -0.5, 0.0, 0.7, 1.0])
    compare(lambda L, a: a.clamp(-0.5, 0.7), arrays=[values], device=device)
    compare(lambda L, a: a.clamp(min=-0.5), arrays=[values], device=device)
    bounds = [np.array(-0.5), np.array(0.7)]
    compare(lambda L, a, lo, hi: L.clamp(a, lo, hi), arrays=[values, *bounds], device=device)
    compare(lambda L, a, hi: L.clamp(a, max=hi), arrays=[values, bounds[1]], device=device)


def test_relu_and_abs_at_zero_have_zero_gradient_as_torch(device):
    values = np.array([-1.0, 0.0, 2.0])
    compare(lambda L, a: L.relu(a), arrays=[values], device=device)
    compare(lambda L, a: a.abs(), arrays=[values], device=device)


def test_where_and_masked_fill_with_infinities(device):
    values = np.array([[0.5, -1.0], [2.0, -3.0]])
    compare(
        lambda L, a: a.masked_fill(a < 0, float("-inf")).softmax(-1), arrays=[values], device=device
    )
    compare(
        lambda L, a: a.logsumexp(-1),
        arrays=[np.array([[-np.inf, 0.0], [1.0, 2.0]])],
        device=device,
        double=False,
    )


def test_integer_ops_follow_torch_dtypes(device):
    a = np.array([[3, -7], [8, 5]])
    b = np.array([2, 3])
    for fn in [
        lambda L, x, y: x + y,
        lambda L, x, y: x * 2,
        lambda L, x, y: x / y,
        lambda L, x, y: x // y,
        lambda L, x, y: x % y,
        lambda L, x, y: L.div(x, y, rounding_mode="trunc"),
        lambda L, x, y: x.sum(),
        lambda L, x, y: x.cumsum(0),
        lambda L, x, y: x.prod(1),
        lambda L, x, y: x.exp(),
        lambda L, x, y: x**2,
        lambda L, x, y: x > y,
        lambda L, x, y: (x > 0) & (y > 2),
        lambda L, x, y: ~(x > 0),
        lambda L, x, y: L.where(x > 0, x, y),
        lambda L, x, y: x.float() + 0.5,
        lambda L, x, y: (x > 0) + 1,
        lambda L, x, y: x.abs().max(),
        lambda L, x, y: x.argmax(1),
        lambda L, x, y: x + 2.5,
    ]:  # the float32 results of integer inputs agree to float32 precision
        compare(fn, arrays=[a, b], device=device, rtol=1e-6)


def test_one_hot_matches_torch(device):
    labels = np.array([[0, 3], [1, 1]])
    compare(lambda L, a: functional(L).one_hot(a), arrays=[labels], device=device)
    compare(lambda L, a: functional(L).one_hot(a, num_classes=5), arrays=[labels], device=device)


def test_float32_ops_match_torch_to_1e_5(device):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((4, 5)).astype(np.float32)
    b = rng.standard_normal((5, 3)).astype(np.float32)
    compare(
        lambda L, x, y: ((x @ y).tanh() * 2.0).softmax(-1).log().sum(0),
        arrays=[a, b],
        device=device,
        rtol=1e-5,
        atol=1e-6,
    )


def test_gradcheck_reports_a_wrong_gradient(device):
    class WrongExp(ag.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return ctx.xp.exp(x.array)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * x  # wrong: should be grad * exp(x)

    x = ag.tensor([0.5, 1.0], dtype=ag.float64, device=device, requires_grad=True)
    with pytest.raises(ag.GradcheckError, match="does not match"):
        ag.gradcheck(WrongExp.apply, x)
    assert not ag.gradcheck(WrongExp.apply, x, raise_exception=False)
    assert ag.gradgradcheck(lambda t: (t * t).exp(), x)


def test_torch_namespace_names_exist():
    # the functions of nashai.autograd that PyTorch also has take the same names
    for name in [
        "cat",
        "stack",
        "where",
        "einsum",
        "logsumexp",
        "softmax",
        "tensor",
        "zeros",
        "arange",
        "manual_seed",
        "no_grad",
        "float32",
        "long",
        "is_grad_enabled",
    ]:
        assert hasattr(torch, name) and hasattr(ag, name)


EDGE_SHAPES = [(), (0,), (0, 3), (3, 0), (1, 1), (1,)]
EDGE_OPS = {
    "exp": lambda L, a: a.exp(),
    "mul_self": lambda L, a: a * a,
    "add_broadcast_row": lambda L, a: a + a[..., :1] if a.ndim else a + a,
    "sum": lambda L, a: a.sum(),
    "sum_last": lambda L, a: a.sum(-1),
    "mean_last": lambda L, a: a.mean(-1),
    "prod": lambda L, a: a.prod(),
    "softmax": lambda L, a: a.softmax(-1),
    "log_softmax": lambda L, a: a.log_softmax(-1),
    "logsumexp": lambda L, a: a.logsumexp(-1),
    "cumsum": lambda L, a: a.cumsum(-1),
    "reshape": lambda L, a: a.reshape(-1),
    "flatten": lambda L, a: a.flatten(),
    "unsqueeze": lambda L, a: a.unsqueeze(0),
    "squeeze": lambda L, a: a.squeeze(),
    "cat": lambda L, a: L.cat([a, a], -1) if a.ndim else a,
    "stack": lambda L, a: L.stack([a, a]),
    "max": lambda L, a: a.max(),
    "max_last": lambda L, a: a.max(-1).values,
    "var": lambda L, a: a.var(),
    "relu": lambda L, a: L.relu(a),
    "gelu": lambda L, a: functional(L).gelu(a),
    "where": lambda L, a: L.where(a > 0, a, a * 2),
    "index_all": lambda L, a: a[...],
}


@pytest.mark.parametrize("shape", EDGE_SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(EDGE_OPS))
def test_edge_shapes_match_torch_or_both_raise(name, shape, device):
    fn = EDGE_OPS[name]
    try:
        fn(torch, torch.ones(shape, dtype=torch.float64))
    except (RuntimeError, IndexError, ValueError):
        with pytest.raises((RuntimeError, IndexError, ValueError)):
            fn(ag, ag.ones(shape, dtype=ag.float64, device=device))
        return
    compare(fn, [shape], device=device)
