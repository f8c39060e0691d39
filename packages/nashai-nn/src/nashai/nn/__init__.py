"""nashai.nn: neural-network layers, losses, optimisers, data and training on nashai-autograd.

Not implemented yet: this module is empty on purpose (see the package README).
"""
