"""Tensor: an array of a backend, with the graph that produced it for reverse-mode autodiff.

A Tensor holds
    array           the numbers: an array of its backend (a numpy.ndarray on the CPU);
    requires_grad   whether gradients flow to it (only floating-point tensors);
    grad            the gradient accumulated by backward (a Tensor of the same shape), or None;
    grad_fn         the node of the op that computed it (None for a leaf: a tensor the user made).

Its methods follow PyTorch's names and semantics (dim, keepdim, broadcasting, type promotion);
each delegates to a function of nashai.autograd.ops, where the op's forward and backward live.
`x.data` is, as in PyTorch, a detached Tensor sharing x's numbers; `x.array` is the raw array.
"""

from __future__ import annotations

import copy as _copy
import weakref

import numpy as np

from nashai.autograd import dtypes
from nashai.autograd.backends import Backend, get_backend
from nashai.autograd.dtypes import to_dtype

__all__ = ["Tensor"]

_DEFAULT_REPR_DTYPES = ("float32", "int64", "bool")


class Tensor:
    """A multi-dimensional array with reverse-mode automatic differentiation (as torch.Tensor).

    Args:
        data: a Tensor (its numbers are shared, as x.detach()), a backend array, a NumPy array,
            a nested sequence of numbers or a number. Python floats give the default float dtype
            (float32), Python ints int64, bools bool; NumPy arrays keep their dtype.
        dtype: the dtype to convert to (see nashai.autograd.dtypes.to_dtype).
        device: "cpu" (default), or any installed backend's device ("cuda", "cuda:1").
        requires_grad: record operations on it for backward (floating-point dtypes only).

    Use `nashai.autograd.tensor(data)` for a copy of `data`, as torch.tensor does.
    """

    # The fields every tensor sets are slots; the rarely set ones (grad, and _base for views,
    # _hooks for leaves with hooks) are class defaults, stored per tensor only once set.
    __slots__ = (
        "__dict__",
        "__weakref__",
        "_backend",
        "_requires_grad",
        "_version_counter",
        "array",
        "grad_fn",
    )
    grad = None
    _base = None
    _hooks = None

    # NumPy defers to Tensor's reflected operators: ndarray + Tensor is a Tensor, as in PyTorch.
    __array_ufunc__ = None

    def __init__(self, data, dtype=None, device=None, requires_grad: bool = False):
        backend = _backend_for(data, device)
        _init_fields(self, _as_array(data, dtype, backend, copy=False), backend)
        if isinstance(data, Tensor) and data.array is self.array:
            if data._version_counter is None:
                data._version_counter = [0]
            self._version_counter = data._version_counter
        if requires_grad:
            self.requires_grad = True

    @staticmethod
    def _wrap(array, backend: Backend, requires_grad: bool = False) -> Tensor:
        """A leaf Tensor around a backend array, without checks or copies (internal)."""
        tensor = Tensor.__new__(Tensor)
        _init_fields(tensor, array, backend)
        tensor._requires_grad = requires_grad
        return tensor

    # --- what a tensor is -------------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, ...]:
        return self.array.shape

    @property
    def dtype(self) -> np.dtype:
        return self.array.dtype

    @property
    def device(self):
        """The device its numbers live on (`nashai.autograd.device`, equal to its string)."""
        return self._backend.device

    @property
    def backend(self) -> Backend:
        """The backend of its device: `x.backend.xp` is the array namespace of `x.array`."""
        return self._backend

    @property
    def ndim(self) -> int:
        return self.array.ndim

    def dim(self) -> int:
        return self.array.ndim

    def size(self, dim: int | None = None):
        """The shape, or the length of dimension `dim`."""
        if dim is None:
            return self.array.shape
        return self.array.shape[_check_dim(dim, self.array.ndim)]

    def numel(self) -> int:
        return int(self.array.size)

    def element_size(self) -> int:
        return self.array.dtype.itemsize

    def is_floating_point(self) -> bool:
        return self.array.dtype.kind == "f"

    def is_contiguous(self) -> bool:
        return bool(self.array.flags.c_contiguous)

    @property
    def is_leaf(self) -> bool:
        """True for tensors the user made (grad_fn is None); only leaves get .grad by default."""
        return self.grad_fn is None

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and self.array.dtype.kind != "f":
            raise RuntimeError(
                f"only tensors of floating-point dtype can require gradients, got {self.dtype}"
            )
        if self.grad_fn is not None and not value:
            raise RuntimeError(
                "requires_grad can only be changed on leaf tensors; use .detach() to get a "
                "tensor without history"
            )
        self._requires_grad = bool(value)

    @property
    def data(self) -> Tensor:
        """A detached tensor sharing this tensor's numbers (as PyTorch's x.data)."""
        return _detached(self)

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        self.array = value.array
        self._backend = value._backend

    @property
    def _version(self) -> int:
        """How many in-place operations have changed this tensor (or a view of its memory)."""
        return 0 if self._version_counter is None else self._version_counter[0]

    def _bump_version(self) -> None:
        if self._version_counter is None:
            self._version_counter = [1]
        else:
            self._version_counter[0] += 1

    @property
    def T(self) -> Tensor:
        """The dimensions reversed (the transpose of a matrix)."""
        return shape_ops.permute(self, tuple(range(self.ndim - 1, -1, -1)))

    @property
    def mT(self) -> Tensor:
        """The last two dimensions swapped (a batch of transposed matrices)."""
        if self.array.ndim < 2:
            raise RuntimeError(f"mT needs at least 2 dimensions, got shape {tuple(self.shape)}")
        return shape_ops.swap_last_two(self)

    # --- conversion ---------------------------------------------------------------------------

    def numpy(self) -> np.ndarray:
        """The numbers as a NumPy array (sharing memory on the CPU)."""
        return self._backend.to_numpy(self.array)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        array = self.numpy()
        if dtype is not None and array.dtype != dtype:
            return array.astype(dtype)
        return array.copy() if copy else array

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.array.size != 1:
            raise ValueError(
                f"only a one-element tensor can be converted to a Python number, but this one "
                f"has shape {tuple(self.shape)}"
            )
        return self.numpy().reshape(-1)[0].item()

    def tolist(self):
        return self.numpy().tolist()

    def to(self, *args, **kwargs) -> Tensor:
        """A tensor on another device and/or of another dtype, or self if nothing changes.

        As PyTorch: x.to(device), x.to(dtype), x.to(device, dtype), x.to(other_tensor), with
        keywords device=, dtype=, copy=. Differentiable (the gradient comes back converted).
        """
        device, dtype, copy = _parse_to(args, kwargs)
        result = self
        if dtype is not None and dtype != result.dtype:
            result = conversion.cast(result, dtype)
        if device is not None:
            backend = get_backend(device)
            if backend is not result._backend:
                result = conversion.to_backend(result, backend)
        if copy and result is self:
            result = conversion.clone(self)
        return result

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def cuda(self, device=None) -> Tensor:
        return self.to("cuda" if device is None else device)

    def float(self) -> Tensor:
        return self.to(dtypes.float32)

    def double(self) -> Tensor:
        return self.to(dtypes.float64)

    def half(self) -> Tensor:
        return self.to(dtypes.float16)

    def long(self) -> Tensor:
        return self.to(dtypes.int64)

    def int(self) -> Tensor:
        return self.to(dtypes.int32)

    def bool(self) -> Tensor:
        return self.to(dtypes.bool_)

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(other.dtype)

    def new_tensor(self, data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
        return factories.tensor(
            data,
            dtype=self.dtype if dtype is None else dtype,
            device=self.device if device is None else device,
            requires_grad=requires_grad,
        )

    def new_zeros(self, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
        return factories.zeros(*size, **self._like(dtype, device, requires_grad))

    def new_ones(self, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
        return factories.ones(*size, **self._like(dtype, device, requires_grad))

    def new_empty(self, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
        return factories.empty(*size, **self._like(dtype, device, requires_grad))

    def new_full(
        self, size, fill_value, dtype=None, device=None, requires_grad: bool = False
    ) -> Tensor:
        return factories.full(size, fill_value, **self._like(dtype, device, requires_grad))

    def _like(self, dtype, device, requires_grad) -> dict:
        return {
            "dtype": self.dtype if dtype is None else dtype,
            "device": self.device if device is None else device,
            "requires_grad": requires_grad,
        }

    # --- autograd -----------------------------------------------------------------------------

    def backward(
        self, gradient=None, retain_graph: bool | None = None, create_graph: bool = False
    ) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's .grad (see nashai.autograd.backward).

        Args:
            gradient: the gradient with respect to self, of self's shape; may be omitted when
                self has one element (a loss).
            retain_graph: keep the graph's saved values for another backward (default:
                create_graph).
            create_graph: record the backward pass, for higher-order derivatives.
        """
        engine.backward(self, gradient, retain_graph, create_graph)

    def detach(self) -> Tensor:
        """A tensor with the same numbers (shared memory) and no history."""
        return _detached(self)

    def detach_(self) -> Tensor:
        """Make this tensor a leaf without history, in place."""
        if self._base is not None and self.grad_fn is not None:
            raise RuntimeError("detach_() of a view is not supported; use detach()")
        self.grad_fn = None
        self._requires_grad = False
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> None:
        """Keep the gradient of this non-leaf tensor in .grad after backward."""
        if self.grad_fn is None:
            if not self._requires_grad:
                raise RuntimeError("retain_grad() needs a tensor that requires grad")
            return
        if getattr(self.grad_fn, "_retains", None) is not None:
            return
        self.grad_fn._retains = _retain_hook(self)
        self.grad_fn.register_hook(self.grad_fn._retains)

    @property
    def retains_grad(self) -> bool:
        return self.grad_fn is not None and getattr(self.grad_fn, "_retains", None) is not None

    def register_hook(self, hook):
        """Call hook(grad) when the gradient with respect to this tensor is computed.

        A hook that returns a Tensor replaces the gradient. Returns a handle with .remove().
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that does not require grad")
        if self.grad_fn is not None:
            return self.grad_fn.register_hook(hook)
        from nashai.autograd.function import _RemovableHandle

        if self._hooks is None:
            self._hooks = {}
        return _RemovableHandle(self._hooks, hook)

    # --- Python protocols -----------------------------------------------------------------------

    def __repr__(self) -> str:
        return _format(self)

    def __format__(self, spec: str) -> str:
        if self.ndim == 0 and spec:
            return format(self.item(), spec)
        return format(repr(self), spec)

    __hash__ = object.__hash__  # by identity, as == compares elementwise

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.array.shape[0]))

    def __bool__(self) -> bool:
        if self.array.size != 1:
            raise RuntimeError(
                f"the truth value of a tensor with {self.array.size} elements is ambiguous; "
                f"use .any() or .all()"
            )
        return bool(self.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.array.dtype.kind not in "iu" or self.array.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.item())

    def __deepcopy__(self, memo: dict) -> Tensor:
        if self.grad_fn is not None:
            raise RuntimeError(
                "only leaf tensors (made by the user, not by an op) can be deep-copied; "
                "deep-copy x.detach() instead"
            )
        new = type(self).__new__(type(self))
        memo[id(self)] = new
        _init_fields(new, self.array.copy(), self._backend)
        new._requires_grad = self._requires_grad
        if self.grad is not None:
            new.grad = _copy.deepcopy(self.grad, memo)
        new.__dict__.update(_copy.deepcopy(_user_attributes(self), memo))
        return new

    def __reduce_ex__(self, protocol):
        state = _user_attributes(self)
        return (
            _rebuild,
            (type(self), self.numpy(), str(self.device), self._requires_grad, state),
        )

    # --- operators ------------------------------------------------------------------------------

    def __add__(self, other):
        return elementwise.add(self, other)

    def __radd__(self, other):
        return elementwise.add(other, self)

    def __sub__(self, other):
        return elementwise.sub(self, other)

    def __rsub__(self, other):
        return elementwise.sub(other, self)

    def __mul__(self, other):
        return elementwise.mul(self, other)

    def __rmul__(self, other):
        return elementwise.mul(other, self)

    def __truediv__(self, other):
        return elementwise.div(self, other)

    def __rtruediv__(self, other):
        return elementwise.div(other, self)

    def __floordiv__(self, other):
        return elementwise.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return elementwise.floor_divide(other, self)

    def __mod__(self, other):
        return elementwise.remainder(self, other)

    def __pow__(self, exponent):
        return elementwise.pow(self, exponent)

    def __rpow__(self, base):
        return elementwise.pow(base, self)

    def __matmul__(self, other):
        return matmul.matmul(self, other)

    def __rmatmul__(self, other):
        return matmul.matmul(other, self)

    def __neg__(self):
        return elementwise.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return elementwise.abs(self)

    def __eq__(self, other):  # type: ignore[override]
        if other is None:  # x == None is False, as in PyTorch (and `x in [None]` works)
            return False
        return elementwise.eq(self, other)

    def __ne__(self, other):  # type: ignore[override]
        if other is None:
            return True
        return elementwise.ne(self, other)

    def __lt__(self, other):
        return elementwise.lt(self, other)

    def __le__(self, other):
        return elementwise.le(self, other)

    def __gt__(self, other):
        return elementwise.gt(self, other)

    def __ge__(self, other):
        return elementwise.ge(self, other)

    def __and__(self, other):
        return elementwise.bitwise_and(self, other)

    def __rand__(self, other):
        return elementwise.bitwise_and(other, self)

    def __or__(self, other):
        return elementwise.bitwise_or(self, other)

    def __ror__(self, other):
        return elementwise.bitwise_or(other, self)

    def __xor__(self, other):
        return elementwise.bitwise_xor(self, other)

    def __rxor__(self, other):
        return elementwise.bitwise_xor(other, self)

    def __invert__(self):
        return elementwise.bitwise_not(self)

    def __getitem__(self, index):
        return indexing.getitem(self, index)

    def __setitem__(self, index, value) -> None:
        indexing.setitem(self, index, value)

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    # --- elementwise math ---------------------------------------------------------------------

    def add(self, other, *, alpha=1) -> Tensor:
        return elementwise.add(self, other, alpha=alpha)

    def sub(self, other, *, alpha=1) -> Tensor:
        return elementwise.sub(self, other, alpha=alpha)

    def mul(self, other) -> Tensor:
        return elementwise.mul(self, other)

    def div(self, other, *, rounding_mode=None) -> Tensor:
        return elementwise.div(self, other, rounding_mode=rounding_mode)

    def pow(self, exponent) -> Tensor:
        return elementwise.pow(self, exponent)

    def neg(self) -> Tensor:
        return elementwise.neg(self)

    def exp(self) -> Tensor:
        return elementwise.exp(self)

    def expm1(self) -> Tensor:
        return elementwise.expm1(self)

    def log(self) -> Tensor:
        return elementwise.log(self)

    def log1p(self) -> Tensor:
        return elementwise.log1p(self)

    def sqrt(self) -> Tensor:
        return elementwise.sqrt(self)

    def rsqrt(self) -> Tensor:
        return elementwise.rsqrt(self)

    def reciprocal(self) -> Tensor:
        return elementwise.reciprocal(self)

    def square(self) -> Tensor:
        return elementwise.square(self)

    def abs(self) -> Tensor:
        return elementwise.abs(self)

    def sin(self) -> Tensor:
        return elementwise.sin(self)

    def cos(self) -> Tensor:
        return elementwise.cos(self)

    def erf(self) -> Tensor:
        return elementwise.erf(self)

    def sign(self) -> Tensor:
        return elementwise.sign(self)

    def floor(self) -> Tensor:
        return elementwise.floor(self)

    def ceil(self) -> Tensor:
        return elementwise.ceil(self)

    def round(self, *, decimals: int = 0) -> Tensor:
        return elementwise.round(self, decimals=decimals)

    def trunc(self) -> Tensor:
        return elementwise.trunc(self)

    def clamp(self, min=None, max=None) -> Tensor:
        return elementwise.clamp(self, min, max)

    clip = clamp

    def maximum(self, other) -> Tensor:
        return elementwise.maximum(self, other)

    def minimum(self, other) -> Tensor:
        return elementwise.minimum(self, other)

    def where(self, condition, other) -> Tensor:
        return elementwise.where(condition, self, other)

    def eq(self, other) -> Tensor:
        return elementwise.eq(self, other)

    def ne(self, other) -> Tensor:
        return elementwise.ne(self, other)

    def lt(self, other) -> Tensor:
        return elementwise.lt(self, other)

    def le(self, other) -> Tensor:
        return elementwise.le(self, other)

    def gt(self, other) -> Tensor:
        return elementwise.gt(self, other)

    def ge(self, other) -> Tensor:
        return elementwise.ge(self, other)

    def logical_not(self) -> Tensor:
        return elementwise.logical_not(self)

    def logical_and(self, other) -> Tensor:
        return elementwise.logical_and(self, other)

    def logical_or(self, other) -> Tensor:
        return elementwise.logical_or(self, other)

    def isnan(self) -> Tensor:
        return elementwise.isnan(self)

    def isinf(self) -> Tensor:
        return elementwise.isinf(self)

    def isfinite(self) -> Tensor:
        return elementwise.isfinite(self)

    # --- activations ----------------------------------------------------------------------------

    def relu(self) -> Tensor:
        return activations.relu(self)

    def sigmoid(self) -> Tensor:
        return activations.sigmoid(self)

    def tanh(self) -> Tensor:
        return activations.tanh(self)

    def softmax(self, dim: int, dtype=None) -> Tensor:
        return softmax.softmax(self, dim, dtype=dtype)

    def log_softmax(self, dim: int, dtype=None) -> Tensor:
        return softmax.log_softmax(self, dim, dtype=dtype)

    # --- reductions -----------------------------------------------------------------------------

    def sum(self, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
        return reductions.sum(self, dim, keepdim, dtype=dtype)

    def sum_to_size(self, *size) -> Tensor:
        if len(size) == 1 and size[0] == self.array.shape:
            return self  # the common case in backward: no broadcasting happened
        return reductions.sum_to_size(self, *size)

    def mean(self, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
        return reductions.mean(self, dim, keepdim, dtype=dtype)

    def var(self, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
        return reductions.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
        return reductions.std(self, dim, unbiased, keepdim, correction=correction)

    def max(self, dim=None, keepdim: bool = False):
        return reductions.max(self, dim, keepdim)

    def min(self, dim=None, keepdim: bool = False):
        return reductions.min(self, dim, keepdim)

    def amax(self, dim=(), keepdim: bool = False) -> Tensor:
        return reductions.amax(self, dim, keepdim)

    def amin(self, dim=(), keepdim: bool = False) -> Tensor:
        return reductions.amin(self, dim, keepdim)

    def argmax(self, dim=None, keepdim: bool = False) -> Tensor:
        return reductions.argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim: bool = False) -> Tensor:
        return reductions.argmin(self, dim, keepdim)

    def logsumexp(self, dim, keepdim: bool = False) -> Tensor:
        return reductions.logsumexp(self, dim, keepdim)

    def prod(self, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
        return reductions.prod(self, dim, keepdim, dtype=dtype)

    def cumsum(self, dim: int, *, dtype=None) -> Tensor:
        return reductions.cumsum(self, dim, dtype=dtype)

    def sort(self, dim: int = -1, descending: bool = False, stable: bool = False):
        return sorting.sort(self, dim, descending, stable)

    def argsort(self, dim: int = -1, descending: bool = False) -> Tensor:
        return sorting.argsort(self, dim, descending)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
        return sorting.topk(self, k, dim, largest, sorted)

    def all(self, dim=None, keepdim: bool = False) -> Tensor:
        return reductions.all(self, dim, keepdim)

    def any(self, dim=None, keepdim: bool = False) -> Tensor:
        return reductions.any(self, dim, keepdim)

    # --- matrix products ----------------------------------------------------------------------

    def matmul(self, other) -> Tensor:
        return matmul.matmul(self, other)

    # --- shapes ---------------------------------------------------------------------------------

    def reshape(self, *shape) -> Tensor:
        return shape_ops.reshape(self, _varargs(shape))

    def view(self, *shape) -> Tensor:
        """As reshape (NumPy copies where PyTorch's view would refuse a non-contiguous input)."""
        return shape_ops.reshape(self, _varargs(shape))

    def view_as(self, other: Tensor) -> Tensor:
        return shape_ops.reshape(self, other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        return shape_ops.reshape(self, other.shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return shape_ops.flatten(self, start_dim, end_dim)

    def unflatten(self, dim: int, sizes) -> Tensor:
        return shape_ops.unflatten(self, dim, sizes)

    def squeeze(self, dim=None) -> Tensor:
        return shape_ops.squeeze(self, dim)

    def unsqueeze(self, dim: int) -> Tensor:
        return shape_ops.unsqueeze(self, dim)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        return shape_ops.transpose(self, dim0, dim1)

    swapaxes = transpose

    def t(self) -> Tensor:
        return shape_ops.t(self)

    def permute(self, *dims) -> Tensor:
        return shape_ops.permute(self, _varargs(dims))

    def movedim(self, source, destination) -> Tensor:
        return shape_ops.movedim(self, source, destination)

    def expand(self, *sizes) -> Tensor:
        return shape_ops.expand(self, _varargs(sizes))

    def expand_as(self, other: Tensor) -> Tensor:
        return shape_ops.expand(self, other.shape)

    def broadcast_to(self, shape) -> Tensor:
        return shape_ops.expand(self, shape)

    def repeat(self, *sizes) -> Tensor:
        return shape_ops.repeat(self, _varargs(sizes))

    def flip(self, *dims) -> Tensor:
        return shape_ops.flip(self, _varargs(dims))

    def split(self, split_size_or_sections, dim: int = 0) -> tuple[Tensor, ...]:
        return shape_ops.split(self, split_size_or_sections, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        return shape_ops.chunk(self, chunks, dim)

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        return shape_ops.unbind(self, dim)

    def narrow(self, dim: int, start: int, length: int) -> Tensor:
        return shape_ops.narrow(self, dim, start, length)

    def select(self, dim: int, index: int) -> Tensor:
        return shape_ops.select(self, dim, index)

    def contiguous(self) -> Tensor:
        return self if self.is_contiguous() else conversion.clone(self)

    def clone(self) -> Tensor:
        return conversion.clone(self)

    # --- indexing -------------------------------------------------------------------------------

    def gather(self, dim: int, index: Tensor) -> Tensor:
        return indexing.gather(self, dim, index)

    def scatter_add(self, dim: int, index: Tensor, src: Tensor) -> Tensor:
        return indexing.scatter_add(self, dim, index, src)

    def index_select(self, dim: int, index: Tensor) -> Tensor:
        return indexing.index_select(self, dim, index)

    def masked_fill(self, mask: Tensor, value) -> Tensor:
        return indexing.masked_fill(self, mask, value)

    def tril(self, diagonal: int = 0) -> Tensor:
        return indexing.tril(self, diagonal)

    def triu(self, diagonal: int = 0) -> Tensor:
        return indexing.triu(self, diagonal)

    # --- in place -------------------------------------------------------------------------------
    # Without a graph to record (no_grad, or nothing requires grad) these write into the array
    # directly. Otherwise the out-of-place op runs and its result is written into this tensor,
    # whose history becomes that op's: x.mul_(2) then backward gives d(2x)/dx = 2.

    def add_(self, other, *, alpha=1) -> Tensor:
        if _records(self, other):
            return _rebase(self, "add_", lambda old: elementwise.add(old, other, alpha=alpha))
        value = _operand(self, other)
        self.array += value if alpha == 1 else value * alpha
        self._bump_version()
        return self

    def sub_(self, other, *, alpha=1) -> Tensor:
        return self.add_(other, alpha=-alpha)

    def mul_(self, other) -> Tensor:
        if _records(self, other):
            return _rebase(self, "mul_", lambda old: elementwise.mul(old, other))
        self.array *= _operand(self, other)
        self._bump_version()
        return self

    def div_(self, other) -> Tensor:
        if _records(self, other):
            return _rebase(self, "div_", lambda old: elementwise.div(old, other))
        self.array /= _operand(self, other)
        self._bump_version()
        return self

    def addcmul_(self, tensor1, tensor2, *, value=1) -> Tensor:
        """self += value * tensor1 * tensor2."""
        if _records(self, tensor1, tensor2):
            return _rebase(self, "addcmul_", lambda old: old + value * tensor1 * tensor2)
        self.array += value * _operand(self, tensor1) * _operand(self, tensor2)
        self._bump_version()
        return self

    def addcdiv_(self, tensor1, tensor2, *, value=1) -> Tensor:
        """self += value * tensor1 / tensor2."""
        if _records(self, tensor1, tensor2):
            return _rebase(self, "addcdiv_", lambda old: old + value * tensor1 / tensor2)
        self.array += value * _operand(self, tensor1) / _operand(self, tensor2)
        self._bump_version()
        return self

    def lerp_(self, end, weight) -> Tensor:
        """self += weight * (end - self)."""
        if _records(self, end, weight):
            return _rebase(self, "lerp_", lambda old: old + weight * (end - old))
        self.array += _operand(self, weight) * (_operand(self, end) - self.array)
        self._bump_version()
        return self

    def clamp_(self, min=None, max=None) -> Tensor:
        if _records(self, min, max):
            return _rebase(self, "clamp_", lambda old: elementwise.clamp(old, min, max))
        low = None if min is None else _operand(self, min)
        high = None if max is None else _operand(self, max)
        self._backend.xp.clip(self.array, low, high, out=self.array)
        self._bump_version()
        return self

    clip_ = clamp_

    def masked_fill_(self, mask: Tensor, value) -> Tensor:
        if _records(self, value):
            return _rebase(self, "masked_fill_", lambda old: indexing.masked_fill(old, mask, value))
        self.array[...] = self._backend.xp.where(
            _operand(self, mask), _operand(self, value), self.array
        )
        self._bump_version()
        return self

    def fill_(self, value) -> Tensor:
        if _records(self, value):
            everywhere = factories.ones(self.shape, dtype=dtypes.bool_, device=self.device)
            return _rebase(self, "fill_", lambda old: indexing.masked_fill(old, everywhere, value))
        self.array[...] = _operand(self, value)
        self._bump_version()
        return self

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def copy_(self, src) -> Tensor:
        """Write src's numbers (broadcast, converted to self's dtype and device) into self."""
        if not isinstance(src, Tensor):
            src = Tensor(src, device=self.device)
        src = src.to(self.device)
        if _records(self, src):
            return _rebase(self, "copy_", lambda old: src.expand(self.shape))
        self.array[...] = src.array
        self._bump_version()
        return self

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator=None) -> Tensor:
        """Fill with numbers drawn uniformly from [a, b)."""
        draws = factories.rand(
            self.shape, generator=generator, dtype=self.dtype, device=self.device
        )
        return self._fill_random(draws.array * (b - a) + a, "uniform_")

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
        """Fill with numbers drawn from the normal distribution N(mean, std²)."""
        draws = factories.randn(
            self.shape, generator=generator, dtype=self.dtype, device=self.device
        )
        return self._fill_random(draws.array * std + mean, "normal_")

    def _fill_random(self, array, name: str) -> Tensor:
        if _records(self):
            _check_rebase_allowed(self, name)
        self.array[...] = array
        self._bump_version()
        return self


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

_cpu = get_backend("cpu")


def _init_fields(tensor: Tensor, array, backend: Backend) -> None:
    tensor.array = array
    tensor._backend = backend
    tensor._requires_grad = False
    tensor.grad_fn = None
    tensor._version_counter = None


def _user_attributes(tensor: Tensor) -> dict:
    """Attributes set on a tensor by its user or a subclass (not grad, views, hooks)."""
    return {k: v for k, v in tensor.__dict__.items() if k not in ("grad", "_base", "_hooks")}


def _backend_for(data, device) -> Backend:
    if device is not None:
        return get_backend(device)
    if isinstance(data, Tensor):
        return data._backend
    return _cpu


def _as_array(data, dtype, backend: Backend, copy: bool):
    """`data` as an array of `backend`, converted to `dtype` (copied if `copy`)."""
    dtype = None if dtype is None else to_dtype(dtype)
    if isinstance(data, Tensor):
        array = data.array
        if data._backend is not backend:
            array = backend.asarray(data._backend.to_numpy(array))
            copy = False
    elif isinstance(data, backend.array_type):
        array = data
    else:
        from_python = not isinstance(data, (np.ndarray, np.generic))
        try:
            host = np.asarray(data)
        except ValueError as error:
            raise ValueError(
                f"data must be a number or a rectangular nested sequence of numbers: {error}"
            ) from None
        if from_python and dtype is None:
            # Python floats give the default float dtype, ints int64 (as torch.tensor)
            if host.dtype.kind == "f":
                dtype = dtypes.get_default_dtype()
            elif host.dtype.kind in "iu":
                dtype = dtypes.int64
        to_dtype(host.dtype if dtype is None else dtype, "data's dtype")
        array = backend.asarray(host if dtype is None else host.astype(dtype, copy=False))
        copy = copy and array is data
    if dtype is None:
        to_dtype(array.dtype, "data's dtype")  # reject complex, object, ... arrays
    elif array.dtype != dtype:
        return array.astype(dtype)
    return array.copy() if copy else array


def _detached(tensor: Tensor) -> Tensor:
    result = Tensor._wrap(tensor.array, tensor._backend)
    if tensor._version_counter is None:
        tensor._version_counter = [0]
    result._version_counter = tensor._version_counter
    return result


def _retain_hook(tensor: Tensor):
    """A hook that stores the gradient flowing into `tensor`'s node in tensor.grad."""
    reference = weakref.ref(tensor)

    def hook(gradient: Tensor) -> None:
        target = reference()
        if target is None:
            return
        stored = gradient if gradient._requires_grad else _detached(gradient).clone()
        target.grad = stored if target.grad is None else target.grad + stored

    return hook


def _check_dim(dim: int, ndim: int) -> int:
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(
            f"dim {dim} is out of range for a tensor of {ndim} dimensions "
            f"(expected a dim in [{-max(ndim, 1)}, {max(ndim, 1) - 1}])"
        )
    return dim % max(ndim, 1)


def _varargs(values) -> tuple:
    """f(2, 3) and f((2, 3)) both mean the tuple (2, 3), as in PyTorch's size arguments."""
    if len(values) == 1 and isinstance(values[0], (tuple, list)):
        return tuple(values[0])
    return tuple(values)


def _parse_to(args, kwargs) -> tuple:
    device = kwargs.pop("device", None)
    dtype = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    for arg in args:
        if isinstance(arg, Tensor):
            device, dtype = arg.device, arg.dtype
        elif isinstance(arg, np.dtype) or (isinstance(arg, type) and arg is not str):
            dtype = arg
        elif isinstance(arg, str):
            try:
                dtype = to_dtype(arg)
            except TypeError:
                device = arg
        elif arg is not None:
            device = arg
    return device, None if dtype is None else to_dtype(dtype), copy


def _records(tensor: Tensor, *others) -> bool:
    """Whether an in-place op on `tensor` with `others` must be recorded in the graph."""
    if not engine._grad_enabled:
        return False
    return tensor._requires_grad or any(
        isinstance(other, Tensor) and other._requires_grad for other in others
    )


def _operand(tensor: Tensor, value):
    """An operand of an in-place op as something that combines with tensor.array."""
    if isinstance(value, Tensor):
        if value._backend is not tensor._backend:
            raise RuntimeError(
                f"expected all tensors on the same device, but got {tensor.device} and "
                f"{value.device}"
            )
        return value.array
    if isinstance(value, (bool, int, float)):
        return value
    return tensor._backend.asarray(value)


def _check_rebase_allowed(tensor: Tensor, name: str) -> None:
    if tensor.grad_fn is None and tensor._requires_grad:
        raise RuntimeError(
            f"{name}: a leaf tensor that requires grad cannot be modified in place (its "
            f"gradient would no longer match its value); do it inside `with no_grad():` "
            f"(as an optimizer step does) or use an out-of-place op"
        )
    if tensor._base is not None:
        raise RuntimeError(
            f"{name}: in-place modification of a view (a tensor made by slicing, reshaping or "
            f"transposing another) is not supported while recording the graph; use an "
            f"out-of-place op, or modify the tensor it is a view of"
        )


def _rebase(tensor: Tensor, name: str, compute) -> Tensor:
    """Write compute(old) into `tensor` and make that op the tensor's history.

    `old` is a snapshot of the tensor before the change, with its history: an op that saves its
    input for backward (mul_ saves self) keeps the values it was computed from, as PyTorch does.
    """
    _check_rebase_allowed(tensor, name)
    old = Tensor._wrap(tensor.array.copy(), tensor._backend, tensor._requires_grad)
    old.grad_fn = tensor.grad_fn
    result = compute(old)
    if result.shape != tensor.shape:
        raise RuntimeError(
            f"{name}: the result has shape {tuple(result.shape)}, which cannot be written into "
            f"a tensor of shape {tuple(tensor.shape)}"
        )
    if result.dtype != tensor.dtype:
        if not np.can_cast(result.dtype, tensor.dtype, casting="same_kind"):
            raise RuntimeError(
                f"{name}: the result has dtype {result.dtype}, which cannot be written into a "
                f"tensor of dtype {tensor.dtype}"
            )
        result = result.to(tensor.dtype)
    if result.grad_fn is None and result._requires_grad:  # a leaf (copy_ of a leaf): link to it
        result = conversion.clone(result)
    tensor.array[...] = result.array
    tensor._bump_version()
    tensor.grad_fn = result.grad_fn
    tensor._requires_grad = result._requires_grad
    return tensor


def _rebuild(cls, array, device, requires_grad, state):
    """Unpickle a Tensor (or subclass) written by Tensor.__reduce_ex__."""
    tensor = cls.__new__(cls)
    backend = get_backend(device)
    _init_fields(tensor, backend.asarray(array), backend)
    tensor._requires_grad = requires_grad
    if state:
        tensor.__dict__.update(state)
    return tensor


def _format(tensor: Tensor) -> str:
    """PyTorch's repr: tensor([[1.5000, 2.0000]], dtype=float64, requires_grad=True)."""
    array = np.asarray(tensor.numpy())
    options = {"separator": ", ", "prefix": "tensor(", "threshold": 1000, "edgeitems": 3}
    if array.dtype.kind == "f" and array.size:
        finite = array[np.isfinite(array)]
        if finite.size and not np.all(finite == np.round(finite)):
            options.update(precision=4, floatmode="fixed")
            largest = float(np.abs(finite).max())
            if largest >= 1e8 or (largest < 1e-4 and largest > 0):
                options.update(formatter={"float_kind": lambda v: f"{v:.4e}"})
    body = np.array2string(array, **options)
    extras = []
    if array.size == 0 and array.ndim != 1:
        extras.append(f"size={tuple(array.shape)}")
    if str(tensor.dtype) not in _DEFAULT_REPR_DTYPES:
        extras.append(f"dtype={tensor.dtype}")
    if tensor.device != "cpu":
        extras.append(f"device='{tensor.device}'")
    if tensor.grad_fn is not None:
        extras.append(f"grad_fn={tensor.grad_fn!r}")
    elif tensor._requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + extra for extra in extras) + ")"


# The ops import Tensor from this module, so they are imported once it is defined.
from nashai.autograd import engine, factories  # noqa: E402
from nashai.autograd.ops import (  # noqa: E402
    activations,
    conversion,
    elementwise,
    indexing,
    matmul,
    reductions,
    softmax,
    sorting,
)
from nashai.autograd.ops import shape as shape_ops  # noqa: E402
