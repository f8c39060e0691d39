"""nashai.cuda: a CuPy GPU backend that plugs into nashai-autograd through an entry point.

Not implemented yet: this module is empty on purpose (see the package README).
"""
