"""nashai.nn: neural networks on nashai-autograd, with PyTorch's names and semantics.

    import nashai.nn as nn
    import nashai.nn.functional as F

    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    loss = F.cross_entropy(model(x), y)

Modules: module.py (Module, Parameter), containers.py (Sequential, ModuleList, ModuleDict),
init.py, functional/ (the math of every layer), modules/ (the layer classes), optim/ (optimizers
and learning-rate schedules), utils/ (gradient clipping), data/ (Dataset, DataLoader).
"""

from nashai.nn import data, functional, init, optim, utils
from nashai.nn.containers import ModuleDict, ModuleList, Sequential
from nashai.nn.module import Module, Parameter
from nashai.nn.modules import *  # noqa: F403  (every layer class, listed in modules/__init__.py)
from nashai.nn.modules import __all__ as _layers

__all__ = [
    "Module",
    "ModuleDict",
    "ModuleList",
    "Parameter",
    "Sequential",
    "data",
    "functional",
    "init",
    "optim",
    "utils",
    *_layers,
]
__version__ = "0.1.0"
