"""The engine: topological order, accumulation, retain_graph, create_graph, hooks, grad mode,
and the errors that protect against wrong gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from autograd_helpers import assert_close

import nashai.autograd as ag


def leaf(values, device, dtype=ag.float64):
    return ag.tensor(values, dtype=dtype, device=device, requires_grad=True)


# --- order and accumulation ------------------------------------------------------------------


def test_a_10000_op_chain_needs_no_recursion(device):
    x = leaf(1.0, device)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    assert x.grad.item() == pytest.approx(1.0001**10_000, rel=1e-9)


def test_diamond_graph_sums_both_paths(device):
    # y = a·b + a·a with a, b used on two paths each
    a, b = leaf([1.5, -2.0], device), leaf([0.5, 3.0], device)
    shared = a * b
    y = (shared + a * a + shared.exp()).sum()
    y.backward()
    ta = torch.tensor([1.5, -2.0], dtype=torch.float64, requires_grad=True)
    tb = torch.tensor([0.5, 3.0], dtype=torch.float64, requires_grad=True)
    ts = ta * tb
    (ts + ta * ta + ts.exp()).sum().backward()
    assert_close(a.grad, ta.grad)
    assert_close(b.grad, tb.grad)


def test_gradients_accumulate_across_backward_calls(device):
    x = leaf([1.0, 2.0], device)
    (x * x).sum().backward()
    first = x.grad
    (3 * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 7.0])
    assert x.grad is first  # accumulated in place, as PyTorch


def test_leaf_grads_never_alias_each_other(device):
    # add's backward hands the same gradient to both inputs; each .grad must own its memory
    a, b = leaf([1.0, 2.0], device), leaf([3.0, 4.0], device)
    (a + b).sum().backward()
    a.grad.mul_(10)
    np.testing.assert_allclose(b.grad.numpy(), [1.0, 1.0])


def test_gradient_argument_is_not_stored_as_grad(device):
    x = leaf([1.0, 2.0], device)
    upstream = ag.tensor([1.0, 1.0], dtype=ag.float64, device=device)
    (x + 0).backward(upstream)
    x.grad.zero_()
    np.testing.assert_allclose(upstream.numpy(), [1.0, 1.0])


def test_backward_of_a_leaf_itself(device):
    x = leaf([1.0, 2.0], device)
    x.backward(ag.tensor([3.0, 4.0], dtype=ag.float64, device=device))
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 4.0])


def test_several_roots_at_once(device):
    x = leaf([1.0, 2.0], device)
    y, z = x * 2, x * x
    ag.backward([y.sum(), z.sum()])
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 6.0])


# --- retain_graph and create_graph ------------------------------------------------------------


def test_second_backward_through_freed_graph_raises(device):
    x = leaf([1.0, 2.0], device)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_retain_graph_allows_a_second_backward(device):
    x = leaf([1.0, 2.0], device)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    expected = 2 * (np.exp([1.0, 2.0]) * (1 + np.array([1.0, 2.0])))
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)


def test_grad_of_grad_gives_second_derivatives(device):
    x = leaf([0.5, -1.0, 2.0], device)
    y = (x**3).sum()
    (g,) = ag.grad(y, x, create_graph=True)
    np.testing.assert_allclose(g.numpy(), 3 * x.numpy() ** 2)
    (h,) = ag.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), 6 * x.numpy())
    assert x.grad is None  # grad() does not touch .grad


def test_hessian_vector_product_matches_torch(device):
    values = np.array([[0.3, -0.7], [1.1, 0.4]])
    v = np.array([[1.0, 2.0], [-1.0, 0.5]])

    def hvp(lib, x, vector):
        y = (x.tanh() @ x).softmax(-1).log().sum()
        (g,) = (torch.autograd.grad if lib is torch else ag.grad)(y, x, create_graph=True)
        return (torch.autograd.grad if lib is torch else ag.grad)((g * vector).sum(), x)[0]

    tx = torch.tensor(values, requires_grad=True)
    x = ag.tensor(values, device=device, requires_grad=True)
    assert_close(hvp(ag, x, ag.tensor(v, device=device)), hvp(torch, tx, torch.tensor(v)))


def test_create_graph_keeps_a_graph_in_grad(device):
    x = leaf([1.0, 2.0], device)
    (x * x).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    x.grad.sum().backward()  # d/dx Σ 2x = 2, accumulated onto the 2x already there
    np.testing.assert_allclose(x.grad.detach().numpy(), [2.0 + 2.0, 4.0 + 2.0])


def test_grad_with_respect_to_an_intermediate_tensor(device):
    x = leaf([1.0, 2.0], device)
    h = x * 3
    y = (h * h).sum()
    (gh,) = ag.grad(y, h)
    np.testing.assert_allclose(gh.numpy(), 2 * h.detach().numpy())


def test_grad_of_an_unused_input(device):
    x, unused = leaf([1.0], device), leaf([2.0], device)
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match=r"inputs\[1\].*not used.*allow_unused=True"):
        ag.grad(y, [x, unused], retain_graph=True)
    gx, gu = ag.grad(y, [x, unused], allow_unused=True)
    assert gu is None and gx.item() == 2.0


def test_grad_only_runs_the_part_of_the_graph_it_needs(device):
    x, other = leaf([1.0], device), leaf([2.0], device)
    calls = []
    other.register_hook(lambda g: calls.append(g))
    y = (x * other).sum() + (other * other).sum()
    ag.grad(y, x)
    assert calls == []


# --- hooks and retain_grad ----------------------------------------------------------------------


def test_leaf_hook_sees_and_replaces_the_total_gradient(device):
    x = leaf([1.0, 2.0], device)
    seen = []

    def double(g):
        seen.append(g.numpy().copy())
        return g * 2

    handle = x.register_hook(double)
    (x * x + x).sum().backward()  # two paths into x: the hook runs once on their sum
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], [3.0, 5.0])
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 10.0])
    handle.remove()
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


def test_hook_on_an_intermediate_tensor(device):
    x = leaf([1.0, 2.0], device)
    h = x * 3
    h.register_hook(lambda g: g * 0)  # blocks the gradient through h
    (h.sum() + x.sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0])


def test_retain_grad_keeps_an_intermediate_gradient(device):
    x = leaf([1.0, 2.0], device)
    h = x * 3
    h.retain_grad()
    assert h.retains_grad
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), [6.0, 12.0])


# --- grad mode ------------------------------------------------------------------------------------


def test_no_grad_records_nothing(device):
    x = leaf([1.0], device)
    with ag.no_grad():
        y = x * 2
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None


def test_enable_grad_inside_no_grad_and_decorators(device):
    x = leaf([1.0], device)

    @ag.no_grad()
    def evaluate(t):
        with ag.enable_grad():
            inner = t * 2
        return inner, t * 3

    inner, outer = evaluate(x)
    assert inner.requires_grad and not outer.requires_grad


def test_set_grad_enabled_as_call_and_as_context(device):
    x = leaf([1.0], device)
    with ag.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    ag.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad
    finally:
        ag.set_grad_enabled(True)


def test_grad_mode_is_restored_after_an_error(device):
    with pytest.raises(ZeroDivisionError), ag.no_grad():
        raise ZeroDivisionError
    assert ag.is_grad_enabled()


# --- errors -------------------------------------------------------------------------------------


def test_backward_of_non_scalar_needs_gradient(device):
    x = leaf([1.0, 2.0], device)
    with pytest.raises(RuntimeError, match=r"only for scalar outputs.*shape \(2,\)"):
        (x * 2).backward()


def test_backward_gradient_of_the_wrong_shape_names_both(device):
    x = leaf([1.0, 2.0], device)
    with pytest.raises(RuntimeError, match=r"shape \(3,\).*shape \(2,\)"):
        (x * 2).backward(ag.ones(3, dtype=ag.float64, device=device))


def test_backward_of_a_tensor_without_grad(device):
    x = ag.tensor([1.0], device=device)
    with pytest.raises(RuntimeError, match="does not require grad"):
        x.sum().backward()


def test_shape_mismatch_names_the_op_and_both_shapes(device):
    a, b = ag.ones(3, 4, device=device), ag.ones(5, device=device)
    with pytest.raises(RuntimeError, match=r"add.*\(3, 4\) and \(5,\)"):
        a + b
    with pytest.raises(RuntimeError, match=r"matmul: shapes \(3, 4\) and \(5, 2\).*4.*5"):
        a @ ag.ones(5, 2, device=device)
    with pytest.raises(RuntimeError, match=r"reshape.*\(7,\).*12 elements"):
        a.reshape(7)
    with pytest.raises(IndexError, match="dim 2 is out of range for a tensor of 2 dimensions"):
        a.sum(2)


def test_in_place_change_of_a_saved_tensor_is_caught(device):
    x = leaf([1.0, 2.0], device)
    h = x * 1
    y = (h * h).sum()  # saves h
    h.add_(1)
    with pytest.raises(RuntimeError, match=r"modified by an in-place operation.*version 1.*0"):
        y.backward()


def test_in_place_change_of_a_saved_output_is_caught(device):
    x = leaf([1.0, 2.0], device)
    y = x.exp()  # saves its output
    with ag.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()


def test_in_place_change_through_a_view_is_caught(device):
    x = leaf([[1.0, 2.0], [3.0, 4.0]], device)
    h = x * 1
    y = (h.sigmoid()).sum()  # saves sigmoid(h): not h
    z = (h * h).sum()  # saves h
    with ag.no_grad():
        h[0].mul_(5)  # a view of h shares its version counter
    y.backward()
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        z.backward()


def test_in_place_on_a_leaf_that_requires_grad_is_refused(device):
    x = leaf([1.0], device)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        x.add_(1)
    with ag.no_grad():
        x.add_(1)  # what an optimizer step does
    assert x.item() == 2.0 and x._version == 1


def test_requires_grad_only_for_floating_point(device):
    with pytest.raises(RuntimeError, match="floating-point"):
        ag.tensor([1, 2], device=device, requires_grad=True)


# --- custom functions ---------------------------------------------------------------------------


def test_a_custom_function_with_saved_output_and_double_backward(device):
    class Cube(ag.Function):
        save_output = False

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.array**3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x * x

    x = leaf([2.0], device)
    y = Cube.apply(x)
    assert repr(y.grad_fn) == "<CubeBackward>"
    (g,) = ag.grad(y, x, create_graph=True)
    (h,) = ag.grad(g, x)
    assert (g.item(), h.item()) == (12.0, 12.0)
