"""Exact rescaling of a matrix by a power of two, so that norms cannot overflow or underflow."""

from __future__ import annotations

import math

import numpy as np


def power_of_two_scale(a: np.ndarray) -> float:
    """2^k nearest to max |a_ij| (1.0 for a zero matrix); dividing by it is exact."""
    largest = float(np.abs(a).max(initial=0.0))
    if largest == 0.0:
        return 1.0
    return math.ldexp(1.0, math.frexp(largest)[1])
