"""Gradient checkpointing: trade compute for memory, as torch.utils.checkpoint.

A network's backward pass needs the activations of its forward pass, so training keeps every
intermediate array of every layer alive until backward. `checkpoint(function, *args)` keeps only
the inputs of `function`: its forward runs under no_grad (recording nothing), and its backward
runs `function` again, this time recording the graph, and backpropagates through that fresh graph.
Splitting a deep network into k segments brings the stored activations from O(depth) to
O(k + depth / k), at the price of one more forward pass (Chen et al., "Training Deep Nets with
Sublinear Memory Cost", 2016).

    h = checkpoint(block, h)                        # one block
    y = checkpoint_sequential(model, segments=4, input=x)   # a Sequential in 4 segments

The function must be deterministic given its inputs and the default generator's state, which is
saved before the forward pass and restored for the recomputation (preserve_rng_state), so
dropout draws the same mask twice (a layer with its own Generator is not covered). The
parameters of a Module (or of the modules of checkpoint_sequential) are inputs of the
checkpoint op, so their gradients flow through the engine even when the input needs none;
other leaves found in the recomputed graph (tensors a plain function captures) get their
gradients added to .grad.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import nashai.autograd as ag
from nashai.autograd import Function, Tensor
from nashai.autograd import random as ag_random

__all__ = ["checkpoint", "checkpoint_sequential"]


def checkpoint(function: Callable[..., Tensor], *args, preserve_rng_state: bool = True) -> Tensor:
    """function(*args), storing only args for backward and recomputing the rest there.

    Args:
        function: a callable (a Module, or a function of Tensors) that returns one Tensor.
        *args: its arguments: Tensors (differentiated when they require grad) and plain values.
        preserve_rng_state: restore the default generator's state before the recomputation,
            so random ops (dropout) repeat the forward pass's draws.

    Returns:
        The output of function(*args), whose backward recomputes function.
    """
    if not callable(function):
        raise TypeError(f"function must be callable, got {type(function).__name__}")
    if not ag.is_grad_enabled():  # nothing will be differentiated: just run it
        return function(*args)
    parameters = _known_parameters(function)
    return _Checkpoint.apply(function, preserve_rng_state, len(args), *args, *parameters)


def checkpoint_sequential(
    modules: Sequence[Callable[[Tensor], Tensor]],
    segments: int,
    input: Tensor,
    preserve_rng_state: bool = True,
) -> Tensor:
    """Run a chain of modules (a Sequential, or a list) in `segments` checkpointed pieces.

    The chain is cut into `segments` runs of consecutive modules (as equal as possible); each
    run but the last is checkpointed, so only the input of each run is stored, and the last
    run (whose activations backward needs first) is stored as usual.

    Args:
        modules: the modules, applied in order; each takes and returns one Tensor.
        segments: the number of pieces, 1 <= segments <= len(modules).
        input: the input of the first module.
    """
    modules = list(modules)
    if isinstance(segments, bool) or not isinstance(segments, int) or segments < 1:
        raise ValueError(f"segments must be a positive integer, got {segments!r}")
    if segments > len(modules):
        raise ValueError(
            f"segments must be at most the number of modules ({len(modules)}), got {segments}"
        )
    size, extra = divmod(len(modules), segments)
    bounds, start = [], 0
    for i in range(segments):
        end = start + size + (1 if i < extra else 0)
        bounds.append((start, end))
        start = end
    output = input
    for start, end in bounds[:-1]:
        output = checkpoint(
            _RunSegment(modules[start:end]), output, preserve_rng_state=preserve_rng_state
        )
    start, end = bounds[-1]
    return _RunSegment(modules[start:end])(output)


class _RunSegment:
    """Apply modules one after the other."""

    def __init__(self, modules: list):
        self.modules = modules

    def __call__(self, x: Tensor) -> Tensor:
        for module in self.modules:
            x = module(x)
        return x

    def parameters(self):
        for module in self.modules:
            if hasattr(module, "parameters"):
                yield from module.parameters()


def _known_parameters(function) -> list[Tensor]:
    """The parameters of a Module (or of a segment of modules) that require grad."""
    if not hasattr(function, "parameters"):
        return []
    unique = {id(p): p for p in function.parameters() if p.requires_grad}
    return list(unique.values())


class _Checkpoint(Function):
    """The op that stands for function(*args) in the graph: it saves args only.

    Its arguments are (function, preserve_rng_state, n_args, *args, *parameters): the known
    parameters of a Module are inputs of the op, so the op is recorded even when no argument
    requires grad, and their gradients flow back through the engine like any input's.
    """

    @staticmethod
    def forward(ctx, function, preserve_rng_state, n_args, *args_and_parameters):
        args = args_and_parameters[:n_args]
        ctx.function = function
        ctx.parameters = args_and_parameters[n_args:]
        ctx.rng_state = ag_random.default_generator.get_state() if preserve_rng_state else None
        ctx.save_for_backward(*args)
        with ag.no_grad():
            output = function(*args)
        if not isinstance(output, Tensor):
            raise TypeError(
                f"checkpoint supports functions that return one Tensor, but the function "
                f"returned a {type(output).__name__}"
            )
        return output.array

    @staticmethod
    def backward(ctx, grad):
        args = ctx.saved_tensors
        n_args, parameters = len(args), list(ctx.parameters)
        # Fresh leaves for the tensor inputs, so the recomputed graph ends at them.
        needs = ctx.needs_input_grad[3 : 3 + n_args]
        inputs = [
            arg.detach().requires_grad_(need) if isinstance(arg, Tensor) else arg
            for arg, need in zip(args, needs, strict=True)
        ]
        output = _recompute(ctx, inputs)
        wanted = [x for x, need in zip(inputs, needs, strict=True) if need]
        known = {id(x) for x in wanted + parameters}
        others = [leaf for leaf in _leaves(output) if id(leaf) not in known]  # in closures
        targets = wanted + parameters + others
        if not output.requires_grad:  # the function does not depend on anything trainable
            return (None,) * (3 + n_args + len(parameters))
        gradients = iter(ag.grad(output, targets, grad, allow_unused=True))
        input_grads = [next(gradients) if need else None for need in needs]
        parameter_grads = [next(gradients) for _ in parameters]
        for leaf, gradient in zip(others, gradients, strict=True):
            _accumulate(leaf, gradient)
        return (None, None, None, *input_grads, *parameter_grads)


def _recompute(ctx, inputs: list) -> Tensor:
    """Run the function again with the graph recorded, in the forward pass's random state."""
    generator = ag_random.default_generator
    current = None if ctx.rng_state is None else generator.get_state()
    if ctx.rng_state is not None:
        generator.set_state(ctx.rng_state)
    try:
        with ag.enable_grad():
            return ctx.function(*inputs)
    finally:
        if current is not None:
            generator.set_state(current)


def _leaves(output: Tensor) -> list[Tensor]:
    """The leaf tensors that require grad reachable from output's graph, each once."""
    if output.grad_fn is None:
        return [output] if output.requires_grad else []
    leaves, seen, stack = {}, set(), [output.grad_fn]
    while stack:
        node = stack.pop()
        for parent in node.parents:
            if parent is None or id(parent) in seen:
                continue
            seen.add(id(parent))
            if isinstance(parent, Tensor):
                leaves[id(parent)] = parent
            else:
                stack.append(parent)
    return list(leaves.values())


def _accumulate(parameter: Tensor, gradient: Tensor | None) -> None:
    """parameter.grad += gradient, out of place: the engine may still hold the old array."""
    if gradient is None:
        return
    if parameter.grad is None:
        parameter.grad = gradient.detach().clone()
    else:
        parameter.grad = parameter.grad + gradient
