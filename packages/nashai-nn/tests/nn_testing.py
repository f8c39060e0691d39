"""The one helper that checks a nashai.nn layer or function against PyTorch.

`compare_module(torch_layer, nashai_layer, shapes)` copies the PyTorch layer's state_dict into
the nashai layer (as NumPy arrays, through `load_state_dict`), runs the same inputs through both,
backpropagates the same random upstream gradient, and asserts that outputs, input gradients and
parameter gradients agree. `compare_function(torch_fn, nashai_fn, inputs)` does the same for a
function of tensors (nothing to copy).

Tolerances follow DESIGN.md: float64 tight (rtol 1e-10), float32 to 1e-5 relative. The
absolute tolerance covers entries that are zero up to rounding.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import numpy as np
import torch

import nashai.autograd as ag

DEVICE = os.environ.get("NASHAI_TEST_DEVICE", "cpu")  # the device the nashai side runs on

TOLERANCES = {  # dtype name -> (rtol, atol)
    "float64": (1e-10, 1e-12),
    "float32": (1e-5, 1e-6),
}
TORCH_DTYPES = {"float64": torch.float64, "float32": torch.float32}


def tolerances(dtype: str) -> tuple[float, float]:
    """(rtol, atol) for comparing results of `dtype` ("float32" or "float64")."""
    return TOLERANCES[str(dtype)]


def to_numpy(value) -> np.ndarray:
    """A nashai Tensor, torch Tensor or array as a NumPy array."""
    if isinstance(value, ag.Tensor):
        return np.asarray(value.detach().numpy())
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def assert_close(actual, expected, rtol: float, atol: float, what: str = "values") -> None:
    """Same shape and values to rtol/atol; `what` names the quantity in the failure message."""
    actual, expected = to_numpy(actual), to_numpy(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)


def torch_state_as_numpy(torch_module: torch.nn.Module) -> dict[str, np.ndarray]:
    """The torch module's state_dict as NumPy arrays (copies)."""
    return {
        name: value.detach().cpu().numpy().copy()
        for name, value in torch_module.state_dict().items()
    }


def copy_torch_state(torch_module: torch.nn.Module, nashai_module) -> None:
    """Load the torch module's state_dict, as NumPy arrays, into the nashai module (strict)."""
    nashai_module.load_state_dict(torch_state_as_numpy(torch_module))


def random_inputs(shapes, dtype: str = "float64", seed: int = 0, low=-2.0, high=2.0):
    """NumPy arrays of `dtype`, uniform on [low, high), one per shape."""
    rng = np.random.default_rng(seed)
    return [rng.uniform(low, high, size=shape).astype(dtype) for shape in shapes]


def _as_list(result) -> list:
    return list(result) if isinstance(result, (tuple, list)) else [result]


def _flatten(result) -> list:
    """Outputs as a flat list (RNNs return (output, (h, c)))."""
    flat = []
    for item in _as_list(result):
        flat.extend(_flatten(item) if isinstance(item, (tuple, list)) else [item])
    return [item for item in flat if item is not None]


def _backward_both(torch_outs, nashai_outs, seed: int) -> None:
    """Backpropagate the same random upstream gradient through the floating outputs."""
    rng = np.random.default_rng(seed + 1000)
    torch_roots, torch_grads, nashai_roots, nashai_grads = [], [], [], []
    for t_out, n_out in zip(torch_outs, nashai_outs, strict=True):
        if not (t_out.is_floating_point() and t_out.requires_grad):
            continue
        assert n_out.requires_grad, "the nashai output does not require grad but torch's does"
        upstream = rng.standard_normal(tuple(t_out.shape)).astype(to_numpy(t_out).dtype)
        torch_roots.append(t_out)
        torch_grads.append(torch.from_numpy(upstream.copy()))
        nashai_roots.append(n_out)
        nashai_grads.append(ag.tensor(upstream, device=n_out.device))
    if torch_roots:
        torch.autograd.backward(torch_roots, torch_grads)
        ag.backward(nashai_roots, nashai_grads)


def _make_inputs(arrays, requires_grad, device):
    torch_inputs, nashai_inputs = [], []
    for i, array in enumerate(arrays):
        if not isinstance(array, np.ndarray):  # a Python value passed through as it is
            torch_inputs.append(array)
            nashai_inputs.append(array)
            continue
        grad = array.dtype.kind == "f" and (requires_grad is True or i in (requires_grad or ()))
        torch_inputs.append(torch.tensor(array, requires_grad=grad))
        nashai_inputs.append(ag.tensor(array, device=device, requires_grad=grad))
    return torch_inputs, nashai_inputs


def _make_kwargs(kwargs, device):
    """Keyword arguments for each side: NumPy arrays become tensors (masks, lengths)."""
    torch_kwargs, nashai_kwargs = {}, {}
    for name, value in (kwargs or {}).items():
        is_array = isinstance(value, np.ndarray)
        torch_kwargs[name] = torch.tensor(value) if is_array else value
        nashai_kwargs[name] = ag.tensor(value, device=device) if is_array else value
    return torch_kwargs, nashai_kwargs


def _compare_run(
    torch_call, nashai_call, arrays, requires_grad, device, rtol, atol, seed, kwargs=None
):
    torch_inputs, nashai_inputs = _make_inputs(arrays, requires_grad, device)
    torch_kwargs, nashai_kwargs = _make_kwargs(kwargs, device)
    torch_outs = _flatten(torch_call(*torch_inputs, **torch_kwargs))
    nashai_outs = _flatten(nashai_call(*nashai_inputs, **nashai_kwargs))
    assert len(torch_outs) == len(nashai_outs), (
        f"torch returned {len(torch_outs)} tensors, nashai {len(nashai_outs)}"
    )
    for i, (n_out, t_out) in enumerate(zip(nashai_outs, torch_outs, strict=True)):
        assert str(n_out.dtype) == str(t_out.dtype).removeprefix("torch."), (
            f"output {i}: dtype {n_out.dtype} != {t_out.dtype}"
        )
        assert n_out.device == device, f"output {i} is on {n_out.device}, expected {device}"
        assert_close(n_out, t_out, rtol, atol, f"output {i}")
    _backward_both(torch_outs, nashai_outs, seed)
    for i, (n_in, t_in) in enumerate(zip(nashai_inputs, torch_inputs, strict=True)):
        if isinstance(t_in, torch.Tensor) and t_in.requires_grad:
            assert n_in.grad is not None, f"input {i} got no gradient"
            assert_close(n_in.grad, t_in.grad, rtol, atol, f"gradient of input {i}")
    return torch_outs, nashai_outs


def compare_function(
    torch_fn: Callable,
    nashai_fn: Callable,
    inputs: Sequence,
    *,
    dtype: str | None = None,
    requires_grad=True,
    device: str = DEVICE,
    rtol: float | None = None,
    atol: float | None = None,
    seed: int = 0,
):
    """Assert nashai_fn(*inputs) matches torch_fn(*inputs): outputs and input gradients.

    Args:
        inputs: NumPy arrays (made tensors on both sides; floating ones require grad) or Python
            values (passed as they are).
        dtype: sets the default tolerances; default: the dtype of the first floating input.
        requires_grad: True for every floating input, or the indices of those that need it.
    Returns the (torch, nashai) output lists, for further checks.
    """
    dtype = dtype or _first_float_dtype(inputs)
    rtol, atol = _resolve(dtype, rtol, atol)
    return _compare_run(torch_fn, nashai_fn, inputs, requires_grad, device, rtol, atol, seed)


def compare_module(
    torch_module: torch.nn.Module,
    nashai_module,
    shapes: Sequence | None = None,
    *,
    inputs: Sequence | None = None,
    dtype: str = "float64",
    requires_grad=True,
    device: str = DEVICE,
    rtol: float | None = None,
    atol: float | None = None,
    seed: int = 0,
    train: bool = True,
    kwargs: dict | None = None,
):
    """Assert the nashai module computes what the torch module does, with the same weights.

    Copies torch_module's state_dict into nashai_module (both are first converted to `dtype`),
    puts both in train or eval mode, runs random inputs of `shapes` (or the given `inputs`)
    through both (with keyword arguments `kwargs`, whose NumPy arrays become tensors without
    grad: masks), backpropagates one random upstream gradient, and compares outputs, input
    gradients, every parameter's gradient (by name), and the buffers after the call (running
    statistics).
    Returns the (torch, nashai) output lists.
    """
    rtol, atol = _resolve(dtype, rtol, atol)
    torch_module = torch_module.to(TORCH_DTYPES[dtype])
    nashai_module = nashai_module.to(dtype)
    copy_torch_state(torch_module, nashai_module)
    nashai_module = nashai_module.to(device)
    torch_module.train(train)
    nashai_module.train(train)
    arrays = inputs if inputs is not None else random_inputs(shapes, dtype, seed)
    outs = _compare_run(
        torch_module, nashai_module, arrays, requires_grad, device, rtol, atol, seed, kwargs
    )
    torch_params = dict(torch_module.named_parameters())
    nashai_params = dict(nashai_module.named_parameters())
    assert sorted(nashai_params) == sorted(torch_params), (
        f"parameter names differ: {sorted(nashai_params)} != {sorted(torch_params)}"
    )
    for name, t_param in torch_params.items():
        n_grad = nashai_params[name].grad
        if t_param.grad is None:
            assert n_grad is None, f"parameter {name} got a gradient, torch's did not"
            continue
        assert n_grad is not None, f"parameter {name} got no gradient"
        assert_close(n_grad, t_param.grad, rtol, atol, f"gradient of parameter {name}")
    nashai_buffers = dict(nashai_module.named_buffers())
    for name, t_buffer in torch_module.named_buffers():
        assert name in nashai_buffers, f"buffer {name} is missing"
        assert_close(nashai_buffers[name], t_buffer, rtol, atol, f"buffer {name}")
    return outs


def _first_float_dtype(inputs) -> str:
    for value in inputs:
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            return str(value.dtype)
    return "float64"


def _resolve(dtype: str, rtol, atol) -> tuple[float, float]:
    default_rtol, default_atol = tolerances(dtype)
    return (default_rtol if rtol is None else rtol, default_atol if atol is None else atol)
