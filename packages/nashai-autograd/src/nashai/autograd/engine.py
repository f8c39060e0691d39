"""The engine: reverse-mode differentiation over the graph that ops record.

Each op that has an input requiring grad leaves a node (its Function object) as the output's
`grad_fn`; a node points to its parents: the nodes of its inputs, or the input tensors themselves
when they are leaves. `backward` walks this graph from the output back to the leaves:

1. count, for every node reachable from the roots, how many gradients it will receive (one per
   edge into it), with an explicit stack, so a chain of 100,000 ops needs no recursion;
2. start from the roots with their gradients (1 for a scalar loss) and run Kahn's algorithm: a node
   whose gradients have all arrived is ready, its backward maps the summed gradient of its output
   to gradients of its inputs, each added into the parent's pending sum; a parent whose count
   falls to zero becomes ready;
3. a leaf that becomes ready gets the sum in its `.grad` (accumulated across calls, as PyTorch).

Backward runs under no_grad unless create_graph=True, in which case the Tensor ops inside each
node's backward are recorded too, and the gradients can be differentiated again. Without
retain_graph the nodes free their saved values as they go, so a second backward through them
raises a clear error.

Grad mode (`no_grad`, `enable_grad`, `set_grad_enabled`) is process-wide, not per thread.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from nashai.autograd.tensor import Tensor

__all__ = [
    "backward",
    "enable_grad",
    "grad",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
]

_grad_enabled = True


def is_grad_enabled() -> bool:
    """Whether ops record the graph (False inside no_grad)."""
    return _grad_enabled


class _GradMode:
    """Sets grad mode inside a `with` block, or for every call of a decorated function."""

    _mode = True

    def __enter__(self):
        global _grad_enabled
        self._previous = _grad_enabled
        _grad_enabled = self._mode

    def __exit__(self, *exc_info) -> None:
        global _grad_enabled
        _grad_enabled = self._previous

    def __call__(self, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with type(self)():
                return function(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Ops inside record no graph (saves memory and time in evaluation and optimizer steps)."""

    _mode = False


class enable_grad(_GradMode):
    """Ops inside record the graph, even within no_grad."""

    _mode = True


class set_grad_enabled(_GradMode):
    """Set grad mode now (a function call), or for a `with` block (restored at its end)."""

    def __init__(self, mode: bool):
        global _grad_enabled
        self._previous = _grad_enabled
        _grad_enabled = bool(mode)

    def __enter__(self):
        pass


# ---------------------------------------------------------------------------------------------
# The public entry points
# ---------------------------------------------------------------------------------------------


def backward(
    tensors,
    grad_tensors=None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
) -> None:
    """Accumulate into the leaves' `.grad` the gradients of `tensors` (as torch.autograd.backward).

    Computes Σᵢ Jᵢᵀ gᵢ for each leaf, where Jᵢ is the Jacobian of tensors[i] with respect to the
    leaf and gᵢ = grad_tensors[i] (the gradient of some scalar with respect to tensors[i]; may be
    omitted for a tensor with one element, meaning 1).

    Args:
        tensors: a Tensor or a sequence of Tensors that require grad.
        grad_tensors: a Tensor per tensor, of its shape (None for a one-element tensor).
        retain_graph: keep the saved values for another backward; defaults to create_graph.
        create_graph: record the backward pass, so the gradients can be differentiated again.
    """
    tensors = _as_tuple(tensors, "tensors")
    grad_tensors = _root_gradients(tensors, grad_tensors, "grad_tensors")
    roots = [t if t.grad_fn is None else t.grad_fn for t in tensors]
    retain_graph = create_graph if retain_graph is None else retain_graph
    _run(roots, grad_tensors, retain_graph, create_graph)


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """The gradients of `outputs` with respect to `inputs`, returned (as torch.autograd.grad).

    Returns Σᵢ Jᵢᵀ gᵢ for each input, like `backward`, but leaves `.grad` untouched and runs only
    the part of the graph between the outputs and the inputs. With create_graph=True the results
    are themselves differentiable: `grad(grad(y, x, create_graph=True)[0].sum(), x)` is a second
    derivative.

    Args:
        outputs: a Tensor or a sequence of Tensors.
        inputs: a Tensor or a sequence of Tensors that require grad (leaves or not).
        grad_outputs: a Tensor per output, of its shape (None for a one-element output).
        retain_graph: keep the saved values for another backward; defaults to create_graph.
        create_graph: record the backward pass for higher-order derivatives.
        allow_unused: return None for an input the outputs do not depend on, instead of raising.

    Returns:
        A tuple with one gradient per input, each of the input's shape.
    """
    outputs = _as_tuple(outputs, "outputs")
    inputs = _as_tuple(inputs, "inputs")
    for index, tensor in enumerate(inputs):
        if not tensor.requires_grad:
            raise RuntimeError(
                f"inputs[{index}] does not require grad: only tensors that require grad (or "
                f"depend on one) can be differentiated with respect to"
            )
    grad_outputs = _root_gradients(outputs, grad_outputs, "grad_outputs")
    roots = [t if t.grad_fn is None else t.grad_fn for t in outputs]
    targets = {t if t.grad_fn is None else t.grad_fn for t in inputs}
    retain_graph = create_graph if retain_graph is None else retain_graph
    captured = _run(roots, grad_outputs, retain_graph, create_graph, targets)
    results = []
    for index, tensor in enumerate(inputs):
        result = captured.get(tensor if tensor.grad_fn is None else tensor.grad_fn)
        if result is None and not allow_unused:
            raise RuntimeError(
                f"inputs[{index}] (shape {tuple(tensor.shape)}) was not used to compute the "
                f"outputs; pass allow_unused=True to get None for it"
            )
        results.append(result)
    return tuple(results)


def _as_tuple(tensors, name: str) -> tuple[Tensor, ...]:
    if isinstance(tensors, Tensor):
        return (tensors,)
    if not isinstance(tensors, Sequence) or not all(isinstance(t, Tensor) for t in tensors):
        raise TypeError(f"{name} must be a Tensor or a sequence of Tensors, got {tensors!r}")
    return tuple(tensors)


def _root_gradients(outputs: tuple[Tensor, ...], gradients, name: str) -> list[Tensor]:
    """The gradient each output starts with: the given one, checked, or 1 for a scalar."""
    if gradients is None or isinstance(gradients, Tensor):
        gradients = (gradients,) * len(outputs) if gradients is None else (gradients,)
    if len(gradients) != len(outputs):
        raise ValueError(
            f"{name} has {len(gradients)} tensors but there are {len(outputs)} outputs"
        )
    roots = []
    for index, (output, gradient) in enumerate(zip(outputs, gradients, strict=True)):
        if not output._requires_grad:
            raise RuntimeError(
                f"element {index} of the tensors does not require grad and does not have a "
                f"grad_fn: it was not computed from a tensor with requires_grad=True (or it was "
                f"computed under no_grad)"
            )
        if gradient is None:
            if output.numel() != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs, but the output "
                    f"has shape {tuple(output.shape)}: pass the gradient of the loss with "
                    f"respect to it (a tensor of shape {tuple(output.shape)})"
                )
            gradient = Tensor._wrap(output._backend.xp.ones_like(output.array), output._backend)
        else:
            if not isinstance(gradient, Tensor):
                gradient = Tensor(gradient, dtype=output.dtype, device=output.device)
            if gradient.shape != output.shape:
                raise RuntimeError(
                    f"{name}[{index}] has shape {tuple(gradient.shape)}, but the output it is the "
                    f"gradient of has shape {tuple(output.shape)}"
                )
            if gradient._backend is not output._backend:
                raise RuntimeError(
                    f"{name}[{index}] is on {gradient.device} but its output is on {output.device}"
                )
            if gradient.dtype != output.dtype:
                gradient = gradient.to(output.dtype)
        roots.append(gradient)
    return roots


# ---------------------------------------------------------------------------------------------
# The pass itself
# ---------------------------------------------------------------------------------------------


def _run(roots, root_grads, retain_graph, create_graph, targets=None) -> dict:
    """Propagate `root_grads` from `roots` (nodes, or leaf tensors) back through the graph.

    Without targets, accumulate into the leaves' .grad. With targets (a set of nodes and leaves),
    visit only the part of the graph that leads to them and return {target: gradient}.
    """
    global _grad_enabled
    needed = None if targets is None else _leads_to(roots, targets)

    # 1. How many gradients each node waits for: one per edge from a node that will run.
    waiting: dict = {}
    stack = []
    for root in roots:
        if root not in waiting and (needed is None or needed[root]):
            waiting[root] = 0
            stack.append(root)
    while stack:
        node = stack.pop()
        if isinstance(node, Tensor):
            continue
        for parent in node.parents:
            if parent is None or (needed is not None and not needed[parent]):
                continue
            if parent in waiting:
                waiting[parent] += 1
            else:
                waiting[parent] = 1
                stack.append(parent)

    # 2. Kahn's algorithm from the roots.
    pending: dict = {}
    for root, gradient in zip(roots, root_grads, strict=True):
        if root in waiting:
            pending[root] = pending[root] + gradient if root in pending else gradient
    ready = [root for root in dict.fromkeys(roots) if waiting.get(root) == 0]
    captured: dict = {}
    owned_elsewhere = {id(gradient.array) for gradient in root_grads}
    previous = _grad_enabled
    _grad_enabled = create_graph
    try:
        while ready:
            node = ready.pop()
            gradient = pending.pop(node)
            if node._hooks:
                gradient = _run_hooks(node._hooks, gradient)
            if isinstance(node, Tensor):
                if targets is None:
                    _accumulate(node, gradient, create_graph, owned_elsewhere)
                else:
                    captured[node] = gradient
                continue
            if targets is not None:
                if node in targets:
                    captured[node] = gradient
                if not any(parent is not None and needed[parent] for parent in node.parents):
                    continue
            gradients = type(node).backward(node, gradient)
            if not retain_graph:
                node.release()
            if type(gradients) is not tuple:
                gradients = (gradients,)
            for position, parent in enumerate(node.parents):
                if parent is None or parent not in waiting:
                    continue
                contribution = gradients[position] if position < len(gradients) else None
                if contribution is not None:
                    if parent in pending:
                        pending[parent] = pending[parent] + contribution
                    else:
                        pending[parent] = contribution
                left = waiting[parent] - 1
                waiting[parent] = left
                if left == 0 and parent in pending:
                    ready.append(parent)
    finally:
        _grad_enabled = previous
    return captured


def _leads_to(roots, targets) -> dict:
    """{node or leaf: whether a target is at or below it}, by an iterative post-order walk."""
    leads: dict = {}
    stack = [(root, False) for root in roots]
    while stack:
        node, children_done = stack.pop()
        parents = () if isinstance(node, Tensor) else node.parents
        if children_done:
            leads[node] = node in targets or any(p is not None and leads[p] for p in parents)
            continue
        if node in leads:
            continue
        leads[node] = False  # visited; the final value is set once its parents are done
        stack.append((node, True))
        stack.extend((p, False) for p in parents if p is not None and p not in leads)
    return leads


def _run_hooks(hooks: dict, gradient: Tensor) -> Tensor:
    for hook in list(hooks.values()):
        result = hook(gradient)
        if result is not None:
            gradient = result
    return gradient


def _accumulate(leaf: Tensor, gradient: Tensor, create_graph: bool, owned_elsewhere: set) -> None:
    """leaf.grad += gradient, checking the gradient's shape and dtype against the leaf's."""
    if gradient.shape != leaf.shape or gradient.dtype != leaf.dtype:
        raise RuntimeError(
            f"the gradient computed for a leaf tensor of shape {tuple(leaf.shape)} and dtype "
            f"{leaf.dtype} has shape {tuple(gradient.shape)} and dtype {gradient.dtype}"
        )
    if leaf.grad is None:
        if create_graph:
            leaf.grad = gradient
            return
        array = gradient.array
        # Take the array only if nothing else can see it: not a view, not another leaf's grad.
        if array.base is not None or id(array) in owned_elsewhere:
            array = array.copy()
        owned_elsewhere.add(id(array))
        leaf.grad = Tensor._wrap(array, leaf._backend)
    elif create_graph or leaf.grad._requires_grad:
        leaf.grad = leaf.grad + gradient
    else:
        leaf.grad.array += gradient.array
        leaf.grad._bump_version()
