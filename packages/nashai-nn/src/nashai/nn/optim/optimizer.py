"""Optimizer: the base class of the optimisers, as torch.optim.Optimizer.

An optimizer holds
    param_groups    a list of dicts, each with "params" (a list of Tensors) and that group's
                    hyper-parameters ("lr", "weight_decay", ...), filled in from `defaults`;
    state           a dict from each parameter to its per-parameter state (momentum buffers,
                    moment estimates, the step count), created lazily on the first step;
    defaults        the hyper-parameters a group gets when it does not name them.

`state_dict()` has PyTorch's layout, so a checkpoint of one reads like the other's:

    {"state": {0: {"momentum_buffer": Tensor}, 1: {...}},
     "param_groups": [{"lr": 0.1, "momentum": 0.9, ..., "params": [0, 1]}]}

where the parameters are replaced by their position, counted across the groups in order.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

import nashai.autograd as ag
from nashai.autograd import Tensor

__all__ = ["Optimizer"]


class Optimizer:
    """The base of every optimiser: parameter groups, per-parameter state, zero_grad, state_dict.

    Args:
        params: an iterable of Tensors (one group), or of dicts (several groups, each with a
            "params" entry and any hyper-parameters that differ from `defaults`).
        defaults: the default hyper-parameters of a group.

    A subclass implements `step(closure=None)`, which updates each parameter with a gradient in
    place, under no_grad.
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], defaults: dict[str, Any]):
        if isinstance(params, Tensor):
            raise TypeError(
                "params must be an iterable of Tensors or dicts, got a single Tensor; pass [tensor]"
            )
        if isinstance(params, set):
            raise TypeError("params must be an ordered collection (a list), got a set")
        self.defaults = defaults
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters, with its own hyper-parameters (the rest from `defaults`).

        Useful to make frozen layers trainable while training goes on.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, set):
            raise TypeError("param_group['params'] must be an ordered collection, got a set")
        params = [params] if isinstance(params, Tensor) else list(params)
        if params and isinstance(params[0], tuple):  # (name, tensor) pairs, as named_parameters()
            param_group["param_names"] = [name for name, _ in params]
            params = [param for _, param in params]
        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError(
                    f"an optimizer can only optimize Tensors, but one of the params is a "
                    f"{type(param).__name__}"
                )
            if not param.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        param_group["params"] = params
        for name, default in self.defaults.items():
            param_group.setdefault(name, default)

        ids = [id(param) for param in params]
        if len(set(ids)) != len(ids):
            raise ValueError("a parameter group holds the same parameter more than once")
        taken = {id(param) for group in self.param_groups for param in group["params"]}
        if not taken.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients: set them to None (default), or fill them with zeros."""
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                if set_to_none:
                    param.grad = None
                else:
                    param.grad = param.grad.detach()
                    param.grad.zero_()

    def step(self, closure: Callable[[], Any] | None = None):
        """Update the parameters once; `closure` re-evaluates the loss and returns it."""
        raise NotImplementedError

    def _evaluate(self, closure: Callable[[], Any] | None):
        """The closure's loss (computed with gradients on, as step runs under no_grad), or None."""
        if closure is None:
            return None
        with ag.enable_grad():
            return closure()

    # --- checkpoints ------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """The state and the groups' hyper-parameters, parameters replaced by their position.

        As in PyTorch, the state's tensors are the optimizer's own (not copies): deep-copy the
        result to keep a snapshot while training goes on.
        """
        index_of: dict[int, int] = {}
        param_groups = []
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            for param in group["params"]:
                index_of.setdefault(id(param), len(index_of))
            packed["params"] = [index_of[id(param)] for param in group["params"]]
            param_groups.append(packed)
        state = {index_of[id(param)]: value for param, value in self.state.items()}
        return {"state": state, "param_groups": param_groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state_dict from `state_dict()` (ours, or PyTorch's with arrays for tensors).

        The saved groups must match this optimizer's in number and sizes; the saved
        hyper-parameters replace the current ones. State tensors (or NumPy arrays) are copied
        onto their parameter's device, floating ones in the parameter's dtype; "step" keeps
        its own dtype.
        """
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError(
                f"state_dict has {len(saved_groups)} parameter groups, but the optimizer has "
                f"{len(groups)}"
            )
        for i, (group, saved) in enumerate(zip(groups, saved_groups, strict=True)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    f"parameter group {i} of state_dict has {len(saved['params'])} parameters, "
                    f"but the optimizer's has {len(group['params'])}"
                )
        param_of = {
            index: param
            for group, saved in zip(groups, saved_groups, strict=True)
            for index, param in zip(saved["params"], group["params"], strict=True)
        }
        self.state = defaultdict(dict)
        for index, value in state_dict["state"].items():
            if index not in param_of:
                raise KeyError(f"state_dict's state has an entry {index!r} for no parameter")
            param = param_of[index]
            self.state[param] = {key: _cast(param, key, item) for key, item in value.items()}
        for group, saved in zip(groups, saved_groups, strict=True):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
        self.param_groups = saved_groups

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {group[key]}" for key in sorted(group) if key != "params"]
        lines.append(")")
        return "\n".join(lines)


def _cast(param: Tensor, key: str, value):
    """A copy of one saved state value, as a tensor on param's device (in its dtype if float)."""
    if isinstance(value, (np.ndarray, np.generic)):
        value = ag.tensor(value)
    if not isinstance(value, Tensor):
        return copy.deepcopy(value)
    if key == "step" or not value.is_floating_point():
        return value.to(param.device, copy=True)
    return value.to(param.device, param.dtype, copy=True)


def _new_step_count() -> Tensor:
    """A per-parameter step counter, as PyTorch keeps it: a 0-d float tensor on the CPU
    (float64 when that is the default dtype, float32 otherwise)."""
    dtype = ag.float64 if ag.get_default_dtype() == ag.float64 else ag.float32
    return ag.tensor(0.0, dtype=dtype)


def _check_non_negative(name: str, value: float) -> None:
    """Raise ValueError naming `name` unless value >= 0."""
    if not value >= 0.0:
        raise ValueError(f"{name} must be non-negative, got {value!r}")
