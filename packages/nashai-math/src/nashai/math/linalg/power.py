"""Stub: being written."""

def power_iteration(*args, **kwargs):
    raise NotImplementedError


