"""Stub: being written."""


class Vector:
    pass


class Matrix:
    pass
