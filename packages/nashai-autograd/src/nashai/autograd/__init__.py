"""nashai.autograd: a Tensor with reverse-mode autodiff and pluggable array backends.

Not implemented yet: this module is empty on purpose (see the package README).
"""
