"""Exceptions shared by every nashai.math module."""


class LinAlgError(ValueError):
    """A linear-algebra routine cannot proceed: the matrix is singular, not square, not positive
    definite, or an iteration failed to converge. The message says which."""
