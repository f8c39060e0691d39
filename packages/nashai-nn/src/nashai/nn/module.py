"""Module, the base class of every layer, and Parameter, the tensors a module learns.

As in PyTorch, a module is a tree: assigning a Parameter, a Module or a registered buffer to an
attribute records it (`self.fc = Linear(4, 8)` makes `fc` a child, `fc.weight` a parameter),
and the tree gives everything else by walking it:

    named_parameters()   ("fc.weight", Parameter), ... in registration order, each once
    state_dict()         {"fc.weight": tensor, "fc.bias": tensor, "bn.running_mean": ...}
    load_state_dict(sd)  copies values (Tensors, NumPy arrays) into the existing tensors
    to("cuda"), to(float64), train(), eval(), apply(fn), zero_grad()

The names are PyTorch's, so a PyTorch model's `state_dict()`, turned into NumPy arrays, loads
into the same NashAI model, and the other way round.
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator

import numpy as np

import nashai.autograd as ag
from nashai.autograd import Tensor
from nashai.autograd.dtypes import to_dtype

__all__ = ["Module", "Parameter"]


class Parameter(Tensor):
    """A Tensor that is a module's learnable weight: assigning it to a Module attribute registers
    it, so it appears in `parameters()` and `state_dict()`.

    Args:
        data: a Tensor (its numbers are shared, as in PyTorch), an array or nested numbers;
            default an empty float32 tensor.
        requires_grad: whether the parameter is trained (default True).
    """

    def __init__(self, data=None, requires_grad: bool = True):
        if data is None:
            data = ag.empty(0)
        super().__init__(data)
        self.requires_grad = requires_grad

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What load_state_dict returns: the keys the module expected but did not get, and the keys
    it got but has no place for."""

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()


class Module:
    """Base class of every layer and model: subclasses set their parts in `__init__` (after
    calling `super().__init__()`) and define `forward`; calling the module runs `forward`.

        class MLP(Module):
            def __init__(self):
                super().__init__()
                self.fc1 = Linear(4, 16)
                self.fc2 = Linear(16, 2)

            def forward(self, x):                # (N, 4) -> (N, 2)
                return self.fc2(self.fc1(x).relu())

    Attributes:
        training: True in training mode (dropout active, batch statistics), False after eval().
    """

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers_set", set())
        object.__setattr__(self, "_modules", OrderedDict())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # --- registration -------------------------------------------------------------------------

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or None, a declared but absent one, like a bias=False bias)."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        _check_name(self, name, "parameter", self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                f"(nashai.nn.Parameter or None required)"
            )
        if param is not None and param.grad_fn is not None:
            raise ValueError(
                f"cannot assign a non-leaf Tensor to parameter '{name}': parameters must be "
                f"leaves; wrap x.detach() in Parameter"
            )
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a buffer: a tensor that is state but not learned (running statistics).

        Persistent buffers appear in `state_dict()`; all buffers follow `to(device)`.
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        _check_name(self, name, "buffer", self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                f"(nashai Tensor or None required)"
            )
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module (or None), reachable as the attribute `name`."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        _check_name(self, name, "module", self._modules)
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name: str, value) -> None:
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            _forget(self, name)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                    f"(nashai.nn.Parameter or None expected)"
                )
            params[name] = None
        elif isinstance(value, Module):
            if "_modules" not in self.__dict__:
                raise AttributeError("cannot assign module before Module.__init__() call")
            _forget(self, name)
            self._modules[name] = value
        elif name in self.__dict__.get("_modules", {}):
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as child module '{name}' "
                    f"(nashai.nn.Module or None expected)"
                )
            self._modules[name] = None
        elif name in self.__dict__.get("_buffers", {}):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                    f"(nashai Tensor or None expected)"
                )
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str):
        # Called only when normal lookup fails: parameters, buffers and children live in dicts.
        state = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry in state and name in state[registry]:
                return state[registry][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(
            set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules)
        )

    # --- walking the tree ---------------------------------------------------------------------

    def named_modules(
        self, memo: set | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """(name, module) for this module and every descendant, depth first, each once."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            child_prefix = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, child_prefix, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) for the direct children, each once."""
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry: str, prefix: str, recurse: bool, remove_duplicate: bool):
        modules = (
            self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
            if recurse
            else [(prefix, self)]
        )
        seen = set()
        for module_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield module_prefix + ("." if module_prefix else "") + name, value

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """(name, parameter) for every parameter, "child.weight" style, each parameter once."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        """(name, buffer) for every buffer (persistent or not), each once."""
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def get_submodule(self, target: str) -> Module:
        """The descendant named by a dotted path ("encoder.layers.0"); "" is self."""
        module = self
        for part in target.split(".") if target else []:
            child = module._modules.get(part)
            if child is None:
                raise AttributeError(
                    f"{type(module).__name__} has no submodule '{part}' (looking up '{target}')"
                )
            module = child
        return module

    # --- modes and bulk operations ------------------------------------------------------------

    def train(self, mode: bool = True) -> Module:
        """Set training mode on this module and every descendant; returns self."""
        if not isinstance(mode, bool):
            raise ValueError(f"training mode must be a bool, got {mode!r}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode (dropout off, running statistics): train(False); returns self."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set requires_grad on every parameter (False freezes the module); returns self."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None (default), or to zeros in place."""
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:
                param.grad = param.grad.detach()
                with ag.no_grad():
                    param.grad.zero_()

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call fn on every child (recursively) and then on self, e.g. to initialise weights."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    def to(self, *args, **kwargs) -> Module:
        """Move parameters and buffers to a device and/or cast floating ones to a dtype, in place.

        As PyTorch: to(device), to(dtype), to(device, dtype), to(tensor), keywords device= and
        dtype=. Parameters keep their identity (an optimizer built before still holds them);
        integer buffers change device only. Returns self.
        """
        device, dtype = _parse_to(args, kwargs)

        def convert(tensor: Tensor) -> Tensor:
            floating = tensor.dtype.kind == "f"
            return tensor.to(device=device, dtype=dtype if floating else None)

        return self._apply(convert)

    def _apply(self, convert: Callable[[Tensor], Tensor]) -> Module:
        with ag.no_grad():
            for module in self.modules():
                for param in module._parameters.values():
                    if param is None:
                        continue
                    param.data = convert(param.data)
                    if param.grad is not None:
                        param.grad = convert(param.grad)
                for name, buffer in module._buffers.items():
                    if buffer is not None:
                        module._buffers[name] = convert(buffer)
        return self

    def cpu(self) -> Module:
        return self.to("cpu")

    def cuda(self, device=None) -> Module:
        return self.to("cuda" if device is None else device)

    def float(self) -> Module:
        return self.to(ag.float32)

    def double(self) -> Module:
        return self.to(ag.float64)

    def half(self) -> Module:
        return self.to(ag.float16)

    # --- state_dict ---------------------------------------------------------------------------

    def state_dict(
        self, destination: dict | None = None, prefix: str = "", keep_vars: bool = False
    ) -> OrderedDict:
        """Every parameter and persistent buffer by dotted name, in PyTorch's order: a module's
        own parameters, then its buffers, then each child's entries.

        The values are detached tensors sharing the module's memory (the tensors themselves
        with keep_vars=True); `{k: v.numpy() for k, v in m.state_dict().items()}` gives arrays.
        """
        if destination is None:
            destination = OrderedDict()
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination, prefix + name + ".", keep_vars)
        return destination

    def _save_to_state_dict(self, destination: dict, prefix: str, keep_vars: bool) -> None:
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buffer if keep_vars else buffer.detach()

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """Copy the values of `state_dict` (name -> Tensor or array) into this module's
        parameters and persistent buffers (converted to their dtype and device).

        Args:
            state_dict: a mapping like the one `state_dict()` returns; values may be nashai
                Tensors, NumPy arrays, or anything NumPy turns into an array.
            strict: raise if a key is missing or unexpected (otherwise only report them).
            assign: replace the tensors instead of copying into them (keeping requires_grad).

        Returns:
            a named tuple (missing_keys, unexpected_keys), as PyTorch.

        Raises:
            RuntimeError: on a shape mismatch, or with strict=True on missing/unexpected keys;
            the message lists every problem at once.
        """
        if not hasattr(state_dict, "keys"):
            raise TypeError(
                f"expected state_dict to be a dict-like mapping, got {type(state_dict).__name__}"
            )
        expected = self.state_dict(keep_vars=True)
        missing = [key for key in expected if key not in state_dict]
        unexpected = [key for key in state_dict if key not in expected]
        errors = []
        with ag.no_grad():
            for module_prefix, module in self.named_modules(remove_duplicate=False):
                prefix = module_prefix + "." if module_prefix else ""
                module._load_from_state_dict(state_dict, prefix, assign, errors)
        if strict:
            if unexpected:
                names = ", ".join(f'"{key}"' for key in unexpected)
                errors.insert(0, f"Unexpected key(s) in state_dict: {names}.")
            if missing:
                names = ", ".join(f'"{key}"' for key in missing)
                errors.insert(0, f"Missing key(s) in state_dict: {names}.")
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(errors)
            )
        return _IncompatibleKeys(missing, unexpected)

    def _load_from_state_dict(self, state_dict, prefix: str, assign: bool, errors: list) -> None:
        """Copy this module's own entries (not its children's) from state_dict."""
        local = {name: p for name, p in self._parameters.items() if p is not None}
        local.update(
            (name, b)
            for name, b in self._buffers.items()
            if b is not None and name not in self._non_persistent_buffers_set
        )
        for name, current in local.items():
            key = prefix + name
            if key not in state_dict:
                continue
            value = _as_tensor(state_dict[key], current)
            if tuple(value.shape) != tuple(current.shape):
                errors.append(
                    f"size mismatch for {key}: copying a param with shape {tuple(value.shape)} "
                    f"from checkpoint, the shape in current model is {tuple(current.shape)}."
                )
                continue
            if assign:
                self._assign(name, value, current)
            else:
                current.copy_(value)

    def _assign(self, name: str, value: Tensor, current: Tensor) -> None:
        if name in self._parameters:
            self._parameters[name] = Parameter(value, requires_grad=current.requires_grad)
        else:
            self._buffers[name] = value

    # --- repr ---------------------------------------------------------------------------------

    def extra_repr(self) -> str:
        """The layer's settings, shown inside its repr: "in_features=4, out_features=8"."""
        return ""

    def _child_lines(self) -> list[str]:
        return [f"({name}): " + _indent(repr(module), 2) for name, module in self._modules.items()]

    def __repr__(self) -> str:
        extra = self.extra_repr()
        lines = (extra.split("\n") if extra else []) + self._child_lines()
        head = type(self).__name__ + "("
        if not lines:
            return head + ")"
        if len(lines) == 1 and not self._modules:
            return head + lines[0] + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"


# --- helpers ----------------------------------------------------------------------------------


def _check_name(module: Module, name: str, kind: str, registry: dict) -> None:
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
    if name == "":
        raise KeyError(f'{kind} name can\'t be empty string ""')
    if "." in name:
        raise KeyError(f'{kind} name can\'t contain ".", got {name!r}')
    if hasattr(module, name) and name not in registry:
        raise KeyError(f"attribute '{name}' already exists")


def _forget(module: Module, name: str) -> None:
    """Remove `name` from every registry and the instance dict, before re-registering it."""
    module.__dict__.pop(name, None)
    for registry in (module._parameters, module._buffers, module._modules):
        registry.pop(name, None)
    module._non_persistent_buffers_set.discard(name)


def _indent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    return "\n".join([lines[0]] + [" " * spaces + line for line in lines[1:]])


def _as_tensor(value, like: Tensor) -> Tensor:
    """A state_dict value as a tensor of `like`'s dtype and device (arrays are copied)."""
    if isinstance(value, Tensor):
        return value.detach().to(device=like.device, dtype=like.dtype)
    try:
        array = np.asarray(value)
    except Exception as error:
        raise TypeError(
            f"state_dict values must be Tensors or arrays, got {type(value).__name__}"
        ) from error
    return ag.tensor(array, dtype=like.dtype, device=like.device)


def _parse_to(args, kwargs) -> tuple:
    """(device, dtype) from Module.to's arguments; dtype must be floating."""
    device = kwargs.pop("device", None)
    dtype = kwargs.pop("dtype", None)
    kwargs.pop("non_blocking", None)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    for arg in args:
        if isinstance(arg, Tensor):
            device, dtype = arg.device, arg.dtype
        elif isinstance(arg, (np.dtype, type)):
            dtype = arg
        elif isinstance(arg, str):
            try:
                dtype = to_dtype(arg)
            except TypeError:
                device = arg
        elif arg is not None:
            device = arg
    if dtype is not None:
        dtype = to_dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(
                f"nn.Module.to only accepts floating point dtypes, but got desired dtype={dtype}"
            )
    return device, dtype
