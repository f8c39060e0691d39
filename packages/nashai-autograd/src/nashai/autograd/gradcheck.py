"""gradcheck and gradgradcheck: analytic gradients against finite differences.

The analytic Jacobian of each output with respect to each input that requires grad is built row
by row with `grad` (one backward pass per output element, with a one-hot output gradient); the
numerical one comes from nashai.math.calculus, whose central differences refined by Richardson
extrapolation are accurate to about 1e-10 relative on smooth functions. They must agree entry by
entry as numpy.allclose does: |analytic - numerical| <= atol + rtol · |numerical|.

Use float64 inputs, away from kinks (relu at 0, abs at 0, ties of max): a finite difference
across a kink measures neither one-sided derivative.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nashai.autograd.engine import grad
from nashai.autograd.random import Generator
from nashai.autograd.tensor import Tensor
from nashai.math.calculus import check_grad

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(RuntimeError):
    """An analytic gradient that disagrees with the numerical one."""


def _as_tuple(values) -> tuple:
    return tuple(values) if isinstance(values, (tuple, list)) else (values,)


def _differentiable_outputs(outputs) -> list[Tensor]:
    return [o for o in _as_tuple(outputs) if isinstance(o, Tensor) and o.dtype.kind == "f"]


def gradcheck(
    func: Callable,
    inputs,
    *,
    eps: float | None = None,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check the gradients of `func` at `inputs` against finite differences (as
    torch.autograd.gradcheck).

    Args:
        func: takes the inputs and returns a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of arguments; the Tensors with requires_grad=True are
            checked (others are passed through unchanged).
        eps: the largest finite-difference step (default: chosen per coordinate by
            nashai.math.calculus, about 0.02 · max(|x|, 1)).
        atol, rtol: the tolerances of the entrywise comparison.
        raise_exception: raise GradcheckError on a mismatch instead of returning False.

    Returns:
        True when every Jacobian matches.
    """
    inputs = _as_tuple(inputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input has requires_grad=True")
    outputs = _differentiable_outputs(func(*inputs))
    if not outputs:
        raise ValueError("gradcheck: func returned no floating-point tensor")
    sizes = [o.numel() for o in outputs]
    for i in checked:
        analytic = _analytic_jacobian(outputs, inputs[i], sizes)

        def flat_outputs(x, i=i):
            arguments = list(inputs)
            arguments[i] = _like(inputs[i], x)
            values = _differentiable_outputs(func(*arguments))
            return np.concatenate(
                [np.asarray(v.detach().numpy(), np.float64).ravel() for v in values]
            )

        point = np.asarray(inputs[i].detach().numpy(), dtype=np.float64)
        result = check_grad(flat_outputs, analytic, point, rtol=rtol, atol=atol, h=eps)
        if not result.ok:
            if raise_exception:
                raise GradcheckError(
                    f"gradcheck: the Jacobian with respect to input {i} (shape "
                    f"{tuple(inputs[i].shape)}) does not match the numerical one: max abs error "
                    f"{result.max_abs_error:.3e}, max rel error {result.max_rel_error:.3e}\n"
                    f"analytic:\n{result.analytic}\nnumerical:\n{result.numerical}"
                )
            return False
    return True


def _like(template: Tensor, values: np.ndarray) -> Tensor:
    """A leaf with `values` on template's device and dtype, requiring grad like template."""
    tensor = Tensor(values, dtype=template.dtype, device=template.device)
    return tensor.requires_grad_(template.requires_grad)


def _analytic_jacobian(outputs: list[Tensor], input: Tensor, sizes: list[int]) -> np.ndarray:
    """(Σ sizes, input.numel()) Jacobian of the flattened, concatenated outputs, by one
    backward pass per output element."""
    rows = []
    for output in outputs:
        for k in range(output.numel()):
            onehot = np.zeros(output.numel())
            onehot[k] = 1.0
            seed = Tensor(onehot.reshape(output.shape), dtype=output.dtype, device=output.device)
            if not output.requires_grad:
                rows.append(np.zeros(input.numel()))
                continue
            (g,) = grad(output, input, seed, retain_graph=True, allow_unused=True)
            rows.append(
                np.zeros(input.numel())
                if g is None
                else np.asarray(g.detach().numpy(), dtype=np.float64).ravel()
            )
    return np.array(rows).reshape(sum(sizes), input.numel())


def gradgradcheck(
    func: Callable,
    inputs,
    grad_outputs=None,
    *,
    eps: float | None = None,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check second derivatives: gradcheck of x -> grad(func(x), x, grad_outputs,
    create_graph=True), with fixed random grad_outputs unless given (as
    torch.autograd.gradgradcheck)."""
    inputs = _as_tuple(inputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if grad_outputs is None:
        generator = Generator().manual_seed(0)
        grad_outputs = [
            Tensor(
                generator.numpy_generator.standard_normal(o.shape), dtype=o.dtype, device=o.device
            )
            for o in _differentiable_outputs(func(*inputs))
        ]
    grad_outputs = list(_as_tuple(grad_outputs))

    def first_derivatives(*arguments):
        outputs = _differentiable_outputs(func(*arguments))
        wrt = [arguments[i] for i in checked]
        grads = grad(outputs, wrt, grad_outputs, create_graph=True, allow_unused=True)
        return tuple(g if g is not None else w * 0 for g, w in zip(grads, wrt, strict=True))

    return gradcheck(
        first_derivatives, inputs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception
    )
