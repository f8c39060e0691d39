"""nashai.math: the mathematics under every other NashAI layer, built on NumPy's array primitives.

Modules
-------
linalg        Vector and Matrix, LU, QR, Cholesky, eigen and singular value decompositions.
probability   distributions (pdf, cdf, sampling, MLE), statistics, Metropolis-Hastings.
optimization  `minimize` (gradient descent to L-BFGS), conjugate gradient, simulated annealing.
calculus      derivatives, gradients, Jacobians and Hessians by Richardson-extrapolated differences.
information   entropy, cross-entropy, KL and JS divergence, mutual information, perplexity.
"""

from nashai.math import calculus, information, linalg, optimization, probability
from nashai.math.errors import LinAlgError

__all__ = ["LinAlgError", "calculus", "information", "linalg", "optimization", "probability"]
__version__ = "0.1.0"
