"""Test-only loopback backend: NumPy behind the plugin interface, acting like a device.

This distribution registers the device "loopback" in the `nashai.backends` entry-point group,
exactly as a real plugin (nashai-cuda) registers "cuda", so the tests can prove that
nashai.autograd discovers a third-party backend, loads it on first use and runs every op through
it: `NASHAI_TEST_DEVICE=loopback uv run pytest packages/nashai-autograd`.

To make that proof worth something the backend behaves like device memory:

- its arrays are `LoopbackArray`, a NumPy subclass, so a test can tell that a result came out of
  the backend and not from plain NumPy;
- mixing a loopback array with a host (plain NumPy) array in one operation raises TypeError, as
  CuPy does for host and device arrays; an op that builds an array with `numpy` instead of the
  backend's `xp` namespace is caught;
- moving data in (`asarray`) and out (`to_numpy`) copies, as a transfer to a GPU does;
- `LoopbackBackend.calls` counts the operations that went through it.

Never published; not a dependency of any package.
"""

from __future__ import annotations

import numpy as np

from nashai.autograd.backends import Backend

__all__ = ["LoopbackArray", "LoopbackBackend", "LoopbackNamespace"]


class LoopbackArray(np.ndarray):
    """A NumPy array that lives on the loopback 'device'."""

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        operands = inputs if method != "at" else inputs[:1] + inputs[2:]  # skip at()'s index
        _refuse_host_arrays(f"{ufunc.__name__}.{method}", operands)
        LoopbackBackend.calls += 1
        if out is not None:
            kwargs["out"] = tuple(_to_host(o) for o in out)
        result = getattr(ufunc, method)(*_to_host(inputs), **kwargs)
        if method == "at":
            return None
        if out is not None:
            return out[0] if len(out) == 1 else out
        return _to_device(result)

    def __array_function__(self, func, types, args, kwargs):
        _refuse_host_arrays(func.__name__, _flatten(args) + _flatten(tuple(kwargs.values())))
        LoopbackBackend.calls += 1
        return _to_device(func(*_to_host(args), **_to_host(kwargs)))


def _flatten(values) -> tuple:
    flat = []
    for value in values:
        if isinstance(value, (list, tuple)):
            flat.extend(_flatten(value))
        else:
            flat.append(value)
    return tuple(flat)


def _refuse_host_arrays(operation: str, operands) -> None:
    """Raise, as a GPU library would, when a host array meets a device array."""
    for operand in operands:
        if type(operand) is np.ndarray and operand.ndim > 0:
            raise TypeError(
                f"loopback: {operation} mixes a host numpy array of shape {operand.shape} with "
                f"loopback arrays; create arrays with the backend's xp namespace or move them "
                f"with backend.asarray"
            )


def _to_host(value):
    """Loopback arrays as plain ndarray views, through tuples, lists and dicts."""
    if isinstance(value, LoopbackArray):
        return value.view(np.ndarray)
    if isinstance(value, tuple):
        return tuple(_to_host(v) for v in value)
    if isinstance(value, list):
        return [_to_host(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_host(v) for k, v in value.items()}
    return value


def _to_device(value):
    """Results as loopback arrays (NumPy scalars become 0-d arrays, as on a GPU)."""
    if isinstance(value, np.ndarray):
        return value.view(LoopbackArray)
    if isinstance(value, np.generic):
        return np.asarray(value).view(LoopbackArray)
    if isinstance(value, tuple):
        return tuple(_to_device(v) for v in value)
    if isinstance(value, list):
        return [_to_device(v) for v in value]
    return value


class LoopbackNamespace:
    """The backend's `xp`: NumPy's functions, returning loopback arrays."""

    def __getattr__(self, name: str):
        attribute = getattr(np, name)
        if isinstance(attribute, (type, np.ufunc)) or not callable(attribute):
            return attribute  # dtypes, ufuncs (they dispatch through the arrays), constants

        def function(*args, **kwargs):
            LoopbackBackend.calls += 1
            return _to_device(attribute(*_to_host(args), **_to_host(kwargs)))

        function.__name__ = name
        return function


class LoopbackBackend(Backend):
    """The "loopback" device: NumPy arrays that behave like memory of another device."""

    name = "loopback"
    xp = LoopbackNamespace()
    array_type = LoopbackArray
    calls = 0  # operations run on loopback arrays since import

    def asarray(self, data, dtype=None):
        if isinstance(data, LoopbackArray):
            return data if dtype is None or data.dtype == dtype else data.astype(dtype)
        return np.array(_to_host(data), dtype=dtype, copy=True).view(LoopbackArray)

    def to_numpy(self, array) -> np.ndarray:
        return np.array(array.view(np.ndarray), copy=True)

    def erf(self, x):
        from nashai.math.probability.special import erf

        return self.asarray(np.asarray(erf(x.view(np.ndarray)), dtype=x.dtype))
