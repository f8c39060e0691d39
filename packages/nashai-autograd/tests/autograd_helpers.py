"""The one helper that checks a nashai op against PyTorch (tinygrad's helper_test_op idea).

An op is written once, as a function of the library: `lambda lib, x, y: lib.maximum(x, y)` runs
with lib = torch and lib = nashai.autograd on the same float64 inputs, and `compare` asserts that
both give the same outputs (values, shapes, dtypes), the same gradients for a random output
gradient, and the same second-order gradients (double backward, against
torch.autograd.grad(create_graph=True)), and that every nashai array came from the backend under
test.
"""

from __future__ import annotations

import os

import numpy as np
import torch

import nashai.autograd as ag

RTOL, ATOL = 1e-10, 1e-12
DEVICE = os.environ.get("NASHAI_TEST_DEVICE", "cpu")  # the device every test runs on


def functional(lib):
    """torch.nn.functional for torch (where gelu, pad, one_hot, unfold live), else nashai."""
    return torch.nn.functional if lib is torch else lib


def random_inputs(shapes, ranges, seed: int = 0) -> list[np.ndarray]:
    """Float64 arrays uniform in ranges[i] (a (low, high) pair, or one for all)."""
    rng = np.random.default_rng(seed)
    if isinstance(ranges, tuple):
        ranges = [ranges] * len(shapes)
    return [
        np.asarray(rng.uniform(low, high, size=shape))
        for shape, (low, high) in zip(shapes, ranges, strict=True)
    ]


def _outputs(result) -> list:
    return list(result) if isinstance(result, (tuple, list)) else [result]


def _dtype_name(tensor) -> str:
    return str(tensor.dtype).removeprefix("torch.")


def assert_close(actual, expected, rtol=RTOL, atol=ATOL, what="values") -> None:
    """actual (nashai Tensor or array) against expected (torch Tensor or array)."""
    actual = np.asarray(actual.detach().numpy() if isinstance(actual, ag.Tensor) else actual)
    if isinstance(expected, torch.Tensor):
        expected = expected.detach().numpy(force=True)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)


def check_on_backend(tensor: ag.Tensor, device: str) -> None:
    """The tensor lives on `device` and its array is that backend's array type."""
    backend = ag.get_backend(device)
    assert tensor.device == device
    assert type(tensor.array) is backend.array_type, (
        f"an array of type {type(tensor.array).__name__} escaped the {device} backend"
    )


def compare(
    op,
    shapes=None,
    *,
    arrays=None,
    device: str = "cpu",
    ranges=(-2.0, 2.0),
    noncontiguous: bool = False,
    double: bool = True,
    rtol: float = RTOL,
    atol: float = ATOL,
    seed: int = 0,
):
    """Assert that op(nashai.autograd, *inputs) matches op(torch, *inputs): outputs, gradients,
    and (double=True) second-order gradients.

    Args:
        op: a function (lib, *inputs) -> a tensor or a tuple of tensors.
        shapes: input shapes, filled uniformly from `ranges`; or pass `arrays`.
        arrays: the inputs as NumPy arrays; float ones require grad.
        device: where the nashai tensors live.
        noncontiguous: pass the inputs of 2+ dims as transposed views of their leaves.
    """
    arrays = random_inputs(shapes, ranges, seed) if arrays is None else list(arrays)
    rng = np.random.default_rng(seed + 1)

    def leaves(lib):
        made = []
        for array in arrays:
            floating = array.dtype.kind == "f"
            stored = array.swapaxes(-1, -2) if noncontiguous and array.ndim >= 2 else array
            if lib is torch:
                made.append(torch.tensor(np.array(stored, order="C"), requires_grad=floating))
            else:
                made.append(ag.tensor(stored, device=device, requires_grad=floating))
        return made

    def inputs(made):
        return [x.mT if noncontiguous and x.ndim >= 2 else x for x in made]

    def run(lib):
        made = leaves(lib)
        return made, _outputs(op(lib, *inputs(made)))

    # forward
    torch_leaves, torch_out = run(torch)
    nashai_leaves, nashai_out = run(ag)
    assert len(nashai_out) == len(torch_out)
    for i, (n, t) in enumerate(zip(nashai_out, torch_out, strict=True)):
        assert isinstance(n, ag.Tensor), f"output {i} is a {type(n).__name__}, not a Tensor"
        check_on_backend(n, device)
        assert _dtype_name(n) == _dtype_name(t), f"output {i}: dtype {n.dtype} != {t.dtype}"
        assert_close(n, t, rtol, atol, f"output {i}")
        assert n.requires_grad == t.requires_grad, f"output {i}: requires_grad differs"

    # backward with a random output gradient
    differentiable = [i for i, t in enumerate(torch_out) if t.requires_grad]
    if not differentiable:
        return nashai_out
    seeds = [rng.standard_normal(torch_out[i].shape) for i in differentiable]
    torch.autograd.backward(
        [torch_out[i] for i in differentiable],
        [
            torch.tensor(s, dtype=torch_out[i].dtype)
            for s, i in zip(seeds, differentiable, strict=True)
        ],
    )
    ag.backward(
        [nashai_out[i] for i in differentiable],
        [
            ag.tensor(s, dtype=nashai_out[i].dtype, device=device)
            for s, i in zip(seeds, differentiable, strict=True)
        ],
    )
    for i, (n, t) in enumerate(zip(nashai_leaves, torch_leaves, strict=True)):
        if t.grad is None:
            assert n.grad is None or not np.any(n.grad.numpy()), f"input {i}: unexpected grad"
            continue
        assert n.grad is not None, f"input {i}: no gradient"
        check_on_backend(n.grad, device)
        assert_close(n.grad, t.grad, rtol, atol, f"gradient of input {i}")

    if double:
        _compare_double_backward(run, seeds, differentiable, device, rng, rtol, atol)
    return nashai_out


def _compare_double_backward(run, seeds, differentiable, device, rng, rtol, atol) -> None:
    """Second-order gradients: w · ∂/∂x (v · ∂out/∂x), against PyTorch."""
    torch_leaves, torch_out = run(torch)
    nashai_leaves, nashai_out = run(ag)
    wrt = [i for i, t in enumerate(torch_leaves) if t.requires_grad]
    torch_first = torch.autograd.grad(
        [torch_out[i] for i in differentiable],
        [torch_leaves[i] for i in wrt],
        [
            torch.tensor(s, dtype=torch_out[i].dtype)
            for s, i in zip(seeds, differentiable, strict=True)
        ],
        create_graph=True,
        allow_unused=True,
    )
    nashai_first = ag.grad(
        [nashai_out[i] for i in differentiable],
        [nashai_leaves[i] for i in wrt],
        [
            ag.tensor(s, dtype=nashai_out[i].dtype, device=device)
            for s, i in zip(seeds, differentiable, strict=True)
        ],
        create_graph=True,
        allow_unused=True,
    )
    for k, (n, t) in enumerate(zip(nashai_first, torch_first, strict=True)):
        if t is not None:
            assert_close(n, t, rtol, atol, f"first-order gradient {k} (create_graph)")
    pairs = [
        (n, t)
        for n, t in zip(nashai_first, torch_first, strict=True)
        if t is not None and t.requires_grad
    ]
    if not pairs:
        return
    weights = [rng.standard_normal(t.shape) for _, t in pairs]
    torch_second = torch.autograd.grad(
        [t for _, t in pairs],
        [torch_leaves[i] for i in wrt],
        [torch.tensor(w, dtype=t.dtype) for w, (_, t) in zip(weights, pairs, strict=True)],
        allow_unused=True,
    )
    graphed = [
        (n, w)
        for (n, _), w in zip(pairs, weights, strict=True)
        if n is not None and n.requires_grad
    ]
    nashai_second = [None] * len(wrt)
    if graphed:
        nashai_second = ag.grad(
            [n for n, _ in graphed],
            [nashai_leaves[i] for i in wrt],
            [ag.tensor(w, dtype=n.dtype, device=device) for n, w in graphed],
            allow_unused=True,
        )
    for k, (n, t) in enumerate(zip(nashai_second, torch_second, strict=True)):
        expected = (
            np.zeros(torch_leaves[wrt[k]].shape) if t is None else t.detach().numpy(force=True)
        )
        actual = np.zeros(expected.shape) if n is None else n.numpy()
        assert_close(actual, expected, rtol, atol, f"second-order gradient of input {wrt[k]}")
