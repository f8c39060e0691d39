"""OptimizeResult: what every solver in nashai.math.optimization returns."""

from __future__ import annotations

from typing import Any

import numpy as np

# Status codes shared by every solver (`OptimizeResult.status`).
CONVERGED = 0
MAX_ITERATIONS = 1
LINE_SEARCH_FAILED = 2
STOPPED_BY_CALLBACK = 3
DIVERGED = 4

MESSAGES = {
    CONVERGED: "Optimization terminated successfully.",
    MAX_ITERATIONS: "Maximum number of iterations has been exceeded.",
    LINE_SEARCH_FAILED: (
        "Line search could not find an acceptable step (usually precision loss near a minimum)."
    ),
    STOPPED_BY_CALLBACK: "Stopped by the callback.",
    DIVERGED: "The iterates diverged (f or its gradient is not finite); try a smaller step.",
}


class OptimizeResult(dict):
    """A dict whose keys are also attributes, as `scipy.optimize.OptimizeResult`.

    The usual keys are
        x        (n,) the solution
        fun      f(x)
        jac      (n,) ∇f(x)
        nit      number of iterations (accepted steps)
        nfev     number of calls to `fun` (finite-difference calls included)
        njev     number of gradient evaluations
        success  whether the stopping test was met
        status   0 converged, 1 iteration limit, 2 line search failed, 3 callback asked to
                 stop, 4 diverged
        message  the status in words
    and solvers add their own (`hess_inv`, `nhev`, `residual_norm`, ...).
    """

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(
                f"OptimizeResult has no attribute {name!r}; it has {sorted(self.keys())}"
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        del self[name]

    def __dir__(self) -> list[str]:
        return list(self.keys())

    def __repr__(self) -> str:
        if not self:
            return "OptimizeResult()"
        width = max(len(key) for key in self) + 1
        lines = []
        for key, value in self.items():
            text = (
                np.array2string(value, prefix=" " * (width + 2))
                if isinstance(value, np.ndarray)
                else repr(value)
            )
            lines.append(f"{key.rjust(width)}: {text}")
        return "\n".join(lines)


def make_result(status: int, **fields: Any) -> OptimizeResult:
    """An OptimizeResult with `success`, `status` and `message` filled in from `status`."""
    return OptimizeResult(
        **fields, success=status == CONVERGED, status=status, message=MESSAGES[status]
    )
