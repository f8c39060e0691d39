"""nashai.math.optimization: unconstrained minimisation, linear CG and simulated annealing.

Files
-----
minimize.py            `minimize(fun, x0, jac, method, hess, tol, maxiter, callback, **options)`
result.py              OptimizeResult (a dict with attribute access, as scipy's)
line_search.py         strong Wolfe (N&W Alg. 3.5/3.6), Armijo backtracking, golden section
first_order.py         gradient descent, momentum, Nesterov, Adam
quasi_newton.py        BFGS, L-BFGS (two-loop recursion)
newton.py              Newton with a modified-Cholesky Hessian and a line search
conjugate_gradient.py  nonlinear CG (Polak–Ribière+, Fletcher–Reeves); linear CG for SPD systems
coordinate_descent.py  exact coordinate minimisation of quadratics; golden-section version for any f
annealing.py           simulated annealing, continuous (Gaussian moves) and discrete (your moves)

Example
-------
>>> import numpy as np
>>> from nashai.math.optimization import minimize
>>> rosen = lambda x: (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
>>> result = minimize(rosen, np.array([-1.2, 1.0]), method="bfgs", tol=1e-8)
>>> np.round(result.x, 6)
array([1., 1.])
"""

from nashai.math.optimization.annealing import simulated_annealing, temperature_schedule
from nashai.math.optimization.conjugate_gradient import conjugate_gradient
from nashai.math.optimization.coordinate_descent import (
    coordinate_descent,
    coordinate_descent_quadratic,
)
from nashai.math.optimization.line_search import (
    LineSearchResult,
    backtracking_line_search,
    bracket_minimum,
    golden_section_search,
    strong_wolfe_line_search,
)
from nashai.math.optimization.minimize import SOLVERS, minimize, solver_options
from nashai.math.optimization.newton import modified_cholesky
from nashai.math.optimization.result import OptimizeResult

__all__ = [
    "SOLVERS",
    "LineSearchResult",
    "OptimizeResult",
    "backtracking_line_search",
    "bracket_minimum",
    "conjugate_gradient",
    "coordinate_descent",
    "coordinate_descent_quadratic",
    "golden_section_search",
    "minimize",
    "modified_cholesky",
    "simulated_annealing",
    "solver_options",
    "strong_wolfe_line_search",
    "temperature_schedule",
]
