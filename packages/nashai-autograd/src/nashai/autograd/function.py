"""Function: one differentiable op, and the node it leaves in the graph.

Every op is a subclass with two static methods, as in PyTorch's torch.autograd.Function:

    class Exp(Function):
        save_output = True

        @staticmethod
        def forward(ctx, x):                 # Tensors in, a backend array out
            return ctx.xp.exp(x.array)

        @staticmethod
        def backward(ctx, grad):             # d/dx exp(x) = exp(x)
            return grad * ctx.output

`Exp.apply(x)` runs `forward`, which reads the backend arrays of its tensor inputs (`x.array`)
and returns an array, and wraps the result in a Tensor. When an input requires grad (and grad
mode is on) the `ctx` object becomes the output's `grad_fn`: a node that remembers its parents
(the inputs' nodes, or the leaf tensors themselves) and what `forward` saved. `backward`
receives the gradient of the output as a Tensor and returns one gradient per argument of
`forward` (None for non-tensors and inputs that need none), written with Tensor ops: the engine
runs it under no_grad, so it records nothing, unless create_graph=True asked for a graph of the
backward pass itself (double backward).

Saved values are checked against in-place changes: each tensor passed to `save_for_backward`, and
the output when `save_output` is set, records its version counter, and reading it back in
backward after an in-place op changed it raises an error instead of computing a wrong gradient.
"""

from __future__ import annotations

from nashai.autograd import engine as _engine
from nashai.autograd.tensor import Tensor

__all__ = ["Function"]

_RELEASED = object()  # marks saved values freed by a backward pass without retain_graph
_NO_GRAD = tuple((False,) * n for n in range(8))  # needs_input_grad when nothing is recorded


class Function:
    """Base of every op. Subclasses define `forward(ctx, *args)` and `backward(ctx, grad)`.

    Class attributes a subclass may set:
        save_output: keep the output for backward, read there as `ctx.output`.
        is_view: the output shares memory with the first input (reshape, transpose, indexing):
            it shares that input's version counter, so an in-place change through either is seen.

    Attributes of a node (the `ctx` of one call):
        parents: per argument of forward, where its gradient goes: the input's grad_fn, the
            input itself when it is a leaf that requires grad, or None.
        needs_input_grad: per argument of forward, whether it is a tensor that requires grad.
        backend: the backend of the inputs; `ctx.xp` is its array namespace.
    """

    save_output = False
    is_view = False
    _saved = None
    _output = None
    _hooks = None

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError

    @property
    def xp(self):
        """The array namespace of the inputs' backend (numpy on the CPU)."""
        return self.backend.xp

    @classmethod
    def apply(cls, *args) -> Tensor:
        """Run forward on `args` (Tensors and plain Python values) and record the node."""
        ctx = object.__new__(cls)
        backend = None
        recording = False
        for arg in args:
            if isinstance(arg, Tensor):
                if backend is None:
                    backend = arg._backend
                elif arg._backend is not backend:
                    raise _device_mismatch(cls, args)
                if arg._requires_grad:
                    recording = _engine._grad_enabled
        ctx.backend = backend
        if recording:
            needs = [isinstance(arg, Tensor) and arg._requires_grad for arg in args]
            ctx.needs_input_grad = needs
        else:
            ctx.needs_input_grad = _NO_GRAD[len(args)] if len(args) < 8 else (False,) * len(args)
        try:
            array = cls.forward(ctx, *args)
        except ValueError as error:  # NumPy's broadcasting and shape errors
            raise _forward_error(cls, args, error) from error
        backend = ctx.backend  # forward may move the output (Tensor.to(device))
        if type(array) is not backend.array_type:  # NumPy gives scalars for 0-d results
            array = backend.asarray(array)

        out = Tensor.__new__(Tensor)
        out.array = array
        out._backend = backend
        if cls.is_view:
            source = args[0]
            out._base = source if source._base is None else source._base
            if source._version_counter is None:
                source._version_counter = [0]
            out._version_counter = source._version_counter
        else:
            out._version_counter = None
        if recording:
            ctx.parents = [
                (arg if arg.grad_fn is None else arg.grad_fn) if need else None
                for arg, need in zip(args, needs, strict=True)
            ]
            if cls.save_output:
                if out._version_counter is None:
                    out._version_counter = [0]
                ctx._output = array
                ctx._output_version = (out._version_counter, out._version_counter[0])
            out._requires_grad = True
            out.grad_fn = ctx
        else:
            out._requires_grad = False
            out.grad_fn = None
        return out

    # --- saving values for backward ----------------------------------------------------------

    def save_for_backward(self, *values) -> None:
        """Keep `values` (Tensors, arrays, numbers, None) for backward, as `ctx.saved_tensors`.

        Call it in forward. Tensors are kept as they are (so double backward differentiates
        through them) with their version, checked when backward reads them.
        """
        if not any(self.needs_input_grad):
            return  # nothing is recorded (no_grad, or no input requires grad)
        self._saved = values
        self._saved_versions = [
            (value._version_counter[0] if value._version_counter else 0)
            if isinstance(value, Tensor)
            else None
            for value in values
        ]

    @property
    def saved_tensors(self) -> tuple:
        """The values given to save_for_backward, checked against in-place modification."""
        saved = self._saved
        if saved is _RELEASED:
            raise _freed_error(self)
        if saved is None:
            return ()
        for value, version in zip(saved, self._saved_versions, strict=True):
            if version is not None and value._version != version:
                raise _modified_error(self, value.array, version, value._version)
        return saved

    @property
    def output(self) -> Tensor:
        """The output of forward as a Tensor (set `save_output = True` on the class).

        Under create_graph it is the output itself as a node of the graph (its grad_fn is this
        node), so a second backward differentiates through it; otherwise a constant.
        """
        array = self._output
        if array is _RELEASED:
            raise _freed_error(self)
        if array is None:
            raise RuntimeError(f"{self.name} does not keep its output: set save_output = True")
        counter, version = self._output_version
        if counter[0] != version:
            raise _modified_error(self, array, version, counter[0])
        out = Tensor.__new__(Tensor)
        out.array = array
        out._backend = self.backend
        out._version_counter = counter
        recording = _engine._grad_enabled
        out._requires_grad = recording
        out.grad_fn = self if recording else None
        return out

    def release(self) -> None:
        """Free the saved values (after a backward pass that does not retain the graph)."""
        if self._saved is not None:
            self._saved = _RELEASED
        if self._output is not None:
            self._output = _RELEASED

    # --- hooks and names --------------------------------------------------------------------

    def register_hook(self, hook) -> _RemovableHandle:
        """Call hook(grad) with the gradient of this node's output before its backward runs;
        a hook that returns a Tensor replaces the gradient. Returns a handle with .remove()."""
        if self._hooks is None:
            self._hooks = {}
        return _RemovableHandle(self._hooks, hook)

    @property
    def name(self) -> str:
        """The node's name, as PyTorch prints it: MulBackward for the Mul op."""
        return f"{type(self).__name__}Backward"

    @property
    def next_functions(self) -> tuple:
        """The parents (nodes or leaf tensors) this node sends gradients to, as in PyTorch."""
        return tuple(parent for parent in getattr(self, "parents", ()) if parent is not None)

    def __repr__(self) -> str:
        return f"<{self.name}>"


class _RemovableHandle:
    """What register_hook returns: `handle.remove()` unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks: dict, hook):
        _RemovableHandle._next_id += 1
        self.id = _RemovableHandle._next_id
        self._hooks = hooks
        hooks[self.id] = hook

    def remove(self) -> None:
        self._hooks.pop(self.id, None)


# --- error messages ------------------------------------------------------------------------------


def _shapes(args) -> str:
    return " and ".join(str(tuple(arg.shape)) for arg in args if isinstance(arg, Tensor))


def _device_mismatch(cls, args) -> RuntimeError:
    devices = ", ".join(str(arg.device) for arg in args if isinstance(arg, Tensor))
    return RuntimeError(
        f"{cls.__name__.lower()}: expected all tensors on the same device, but got tensors on "
        f"{devices}; move them with .to(device)"
    )


def _forward_error(cls, args, error: ValueError) -> RuntimeError:
    return RuntimeError(f"{cls.__name__.lower()}: {error} (input shapes {_shapes(args)})")


def _freed_error(node: Function) -> RuntimeError:
    return RuntimeError(
        f"Trying to backward through the graph a second time (or to read the saved values of "
        f"{node.name} after they have been freed). Saved values are freed when you call "
        f".backward() or autograd.grad(); pass retain_graph=True to the first call if you need "
        f"to backward through the graph again."
    )


def _modified_error(node: Function, array, saved_version: int, now: int) -> RuntimeError:
    return RuntimeError(
        f"one of the variables needed for gradient computation has been modified by an "
        f"in-place operation: the {array.dtype} tensor of shape {tuple(array.shape)} saved by "
        f"{node.name} is at version {now}; expected version {saved_version}. Use an "
        f"out-of-place op (x = x + y instead of x += y) or .clone() before modifying it."
    )
