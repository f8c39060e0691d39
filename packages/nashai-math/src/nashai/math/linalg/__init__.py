"""nashai.math.linalg: vectors, matrices and the classical matrix decompositions.

Every function takes array-likes and follows numpy.linalg's return conventions, so the two can be
compared line by line; none of them calls numpy.linalg. A singular, non-square or otherwise
unsuitable input raises `nashai.math.LinAlgError` with a message that says which.
"""

from nashai.math.errors import LinAlgError
from nashai.math.linalg.cholesky import cholesky
from nashai.math.linalg.eigen import eig, eigh, eigvals, eigvalsh
from nashai.math.linalg.lu import det, inv, lu, slogdet, solve
from nashai.math.linalg.power import power_iteration
from nashai.math.linalg.qr import qr
from nashai.math.linalg.svd import lstsq, matrix_rank, pinv, svd
from nashai.math.linalg.triangular import solve_triangular
from nashai.math.linalg.vectors import Matrix, Vector

__all__ = [
    "LinAlgError",
    "Matrix",
    "Vector",
    "cholesky",
    "det",
    "eig",
    "eigh",
    "eigvals",
    "eigvalsh",
    "inv",
    "lstsq",
    "lu",
    "matrix_rank",
    "pinv",
    "power_iteration",
    "qr",
    "slogdet",
    "solve",
    "solve_triangular",
    "svd",
]
