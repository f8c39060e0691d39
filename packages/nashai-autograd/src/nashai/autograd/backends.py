"""Array backends: where a tensor's numbers live and which array library computes on them.

A backend names a device ("cpu", "cuda") and gives an array namespace `xp` (numpy, cupy) with
NumPy's API, plus the few kernels that need a device-specific version (erf, scatter-add, random
draws). Every op runs `xp` functions and array methods on the backend arrays of its inputs, so a
new device only needs a namespace and these kernels.

Backends are found through the entry-point group `nashai.backends`: a distribution declares

    [project.entry-points."nashai.backends"]
    cuda = "nashai.cuda.backend:CudaBackend"

and `Tensor.to("cuda")` works once it is installed. The entry points are listed when this module is
imported but a backend's module is imported only on first use of its device (as in networkx's
backend dispatch), so an installed but broken plugin costs nothing until it is asked for, and then
fails with an error that names the missing piece. A backend that cannot run a kernel raises
`UnsupportedOperation`: falling back to another device is always explicit (`x.to("cpu")`).
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

import numpy as np

__all__ = [
    "ENTRY_POINT_GROUP",
    "Backend",
    "BackendError",
    "CpuBackend",
    "UnsupportedOperation",
    "available_backends",
    "device",
    "get_backend",
    "is_available",
    "register_backend",
]

ENTRY_POINT_GROUP = "nashai.backends"


class BackendError(RuntimeError):
    """A device that is unknown, or whose backend cannot be loaded or started."""


class UnsupportedOperation(BackendError, NotImplementedError):
    """A backend declines a kernel it cannot run on its device."""


class device:
    """A device name: a type ("cpu", "cuda") and an optional index, parsed from "type[:index]".

    Compares equal to another device or to its string: `device("cuda:0") == "cuda:0"`.
    """

    __slots__ = ("index", "type")

    def __init__(self, type: str | device, index: int | None = None):
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        elif not isinstance(type, str):
            raise TypeError(f"device must be a string like 'cpu' or 'cuda:0', got {type!r}")
        elif ":" in type:
            if index is not None:
                raise ValueError(f"device {type!r} already has an index; got index={index!r} too")
            type, _, number = type.partition(":")
            if not number.isdigit():
                raise ValueError(f"device index must be a non-negative integer, got {number!r}")
            index = int(number)
        if index is not None and (not isinstance(index, int) or index < 0):
            raise ValueError(f"device index must be a non-negative integer, got {index!r}")
        self.type = type
        self.index = index

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type={self.type!r}{index})"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except ValueError:
                return False
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash(str(self))  # equal to its string, so it hashes like it


class Backend:
    """The interface of an array backend, with NumPy-based defaults for every kernel.

    Subclasses set `name` (the device type), `xp` (the array namespace) and `array_type` (the
    class of its arrays), and override `to_numpy` and any kernel whose default does not run on
    their arrays. `__init__` receives the device index ("cuda:1" -> 1, "cuda" -> None) and may
    raise BackendError when the device is absent.
    """

    name: str = ""
    xp = np
    array_type: type = np.ndarray

    def __init__(self, index: int | None = None):
        self.device = device(self.name, index)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.device)!r})"

    # --- moving data ------------------------------------------------------------------------

    def asarray(self, data, dtype=None):
        """`data` (a host array, a nested list, a number) as an array of this device."""
        return self.xp.asarray(data, dtype=dtype)

    def to_numpy(self, array) -> np.ndarray:
        """A host NumPy array with the values of `array` (shares memory where it can)."""
        raise NotImplementedError(f"backend {self.name!r} does not define to_numpy")

    # --- kernels that need a device-specific version ----------------------------------------

    def erf(self, x):
        """The error function erf(x) = 2/√π ∫₀ˣ exp(-t²) dt, elementwise, in x's dtype."""
        raise UnsupportedOperation(f"backend {self.name!r} has no erf kernel")

    def add_at(self, target, index, values) -> None:
        """target[index] += values in place, adding repeated indices once each (unbuffered)."""
        self.xp.add.at(target, index, values)

    def uniform(self, generator, shape: tuple[int, ...], dtype):
        """Uniform draws on [0, 1) from `generator` (a nashai Generator), as a device array."""
        rng = generator.numpy_generator
        draw_dtype = dtype if dtype in (np.float32, np.float64) else np.float64
        return self.asarray(rng.random(shape, dtype=draw_dtype), dtype=dtype)

    def normal(self, generator, shape: tuple[int, ...], dtype):
        """Standard normal draws from `generator`, as a device array."""
        rng = generator.numpy_generator
        draw_dtype = dtype if dtype in (np.float32, np.float64) else np.float64
        return self.asarray(rng.standard_normal(shape, dtype=draw_dtype), dtype=dtype)

    def integers(self, generator, low: int, high: int, shape: tuple[int, ...], dtype):
        """Integers uniform on [low, high) from `generator`, as a device array."""
        rng = generator.numpy_generator
        return self.asarray(rng.integers(low, high, shape, dtype=np.int64), dtype=dtype)


class CpuBackend(Backend):
    """NumPy arrays in host memory."""

    name = "cpu"
    xp = np
    array_type = np.ndarray

    def to_numpy(self, array) -> np.ndarray:
        return array

    def erf(self, x):
        from nashai.math.probability.special import erf

        return np.asarray(erf(x), dtype=x.dtype)


# ---------------------------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------------------------

# name -> an EntryPoint, a "module:attribute" string or a Backend subclass, loaded on first use
_registered: dict[str, object] = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
_registered.setdefault("cpu", CpuBackend)  # even when the distribution metadata is missing
_started: dict[object, Backend] = {}  # device argument as given, and device(...) -> backend


def available_backends() -> list[str]:
    """The device types of the installed backends (registered, not necessarily loadable)."""
    return sorted(_registered)


def register_backend(name: str, backend) -> None:
    """Register a backend under `name`: a Backend subclass or a "module:attribute" string.

    Installed distributions register through the `nashai.backends` entry-point group; this is
    for backends defined at run time (tests, notebooks). Replaces any backend of that name.
    """
    _registered[name] = backend
    for key in [key for key, started in _started.items() if started.name == name]:
        del _started[key]


def _load_class(name: str) -> type:
    """Import the backend class registered under `name`, or raise BackendError saying why not."""
    entry = _registered[name]
    if isinstance(entry, type):
        return entry
    if isinstance(entry, str):
        where = entry
        module_name, _, attribute = entry.partition(":")

        def load():
            return getattr(importlib.import_module(module_name), attribute)

    else:
        provider = getattr(getattr(entry, "dist", None), "name", None)
        where = f"{entry.value}" + (f" from the distribution {provider}" if provider else "")
        load = entry.load
    try:
        cls = load()
    except Exception as error:  # a plugin's import may fail in any way
        raise BackendError(
            f"the {name!r} backend is registered ({where}) but could not be loaded: "
            f"{type(error).__name__}: {error}"
        ) from error
    if not (isinstance(cls, type) and issubclass(cls, Backend)):
        raise BackendError(
            f"the {name!r} backend ({where}) must be a subclass of "
            f"nashai.autograd.backends.Backend, got {cls!r}"
        )
    return cls


def get_backend(device_=None) -> Backend:
    """The backend of a device ("cpu", "cuda:0", a `device`, or None for the CPU).

    Loads the backend's module on first use. Raises BackendError for an unknown device (listing
    the installed backends), a backend that fails to import, or one whose device is absent.
    """
    try:
        return _started[device_]
    except (KeyError, TypeError):
        pass
    if isinstance(device_, Backend):
        return device_
    parsed = device("cpu") if device_ is None else device(device_)
    key = (parsed.type, parsed.index)
    if key not in _started:
        if parsed.type not in _registered:
            installed = ", ".join(repr(name) for name in available_backends())
            raise BackendError(
                f"unknown device {str(parsed)!r}: the installed backends are {installed} "
                f"(a backend is installed by a distribution that registers it in the "
                f"{ENTRY_POINT_GROUP!r} entry-point group, e.g. nashai-cuda for 'cuda')"
            )
        cls = _load_class(parsed.type)
        try:
            backend = cls(parsed.index)
        except BackendError:
            raise
        except Exception as error:
            raise BackendError(
                f"the {parsed.type!r} backend is installed but cannot start on device "
                f"{str(parsed)!r}: {type(error).__name__}: {error}"
            ) from error
        _started[key] = backend
    backend = _started[key]
    try:
        _started[device_] = backend
    except TypeError:  # an unhashable argument is parsed again next time
        pass
    return backend


def is_available(device_) -> bool:
    """Whether tensors can be created on `device_` (its backend is installed, loads and starts)."""
    try:
        get_backend(device_)
    except BackendError:
        return False
    return True
