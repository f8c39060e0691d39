"""Stub: being written."""

def solve_triangular(*args, **kwargs):
    raise NotImplementedError


