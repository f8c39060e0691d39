"""Stub: being written."""

def eig(*args, **kwargs):
    raise NotImplementedError


def eigh(*args, **kwargs):
    raise NotImplementedError


def eigvals(*args, **kwargs):
    raise NotImplementedError


def eigvalsh(*args, **kwargs):
    raise NotImplementedError


