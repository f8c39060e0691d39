"""nashai.nn: neural networks on nashai-autograd, with PyTorch's names and semantics.

    import nashai.nn as nn
    import nashai.nn.functional as F

    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    loss = F.cross_entropy(model(x), y)

Modules: module.py (Module, Parameter), containers.py (Sequential, ModuleList, ModuleDict),
init.py, functional/ (the math of every layer), modules/ (the layer classes), optim/ (optimizers
and learning-rate schedules), utils/ (gradient clipping), data/ (Dataset, DataLoader),
serialization.py (atomic safetensors checkpoints), training.py (fit, Trainer, EarlyStopping),
checkpoint.py (gradient checkpointing), amp.py (GradScaler, float16 with float32 master weights).
"""

from nashai.nn import amp, checkpoint, data, functional, init, optim, utils
from nashai.nn.containers import ModuleDict, ModuleList, Sequential
from nashai.nn.module import Module, Parameter
from nashai.nn.modules import *  # noqa: F403  (every layer class, listed in modules/__init__.py)
from nashai.nn.modules import __all__ as _layers
from nashai.nn.serialization import load, save
from nashai.nn.training import EarlyStopping, Trainer, fit, plot_history

__all__ = [
    "EarlyStopping",
    "Module",
    "ModuleDict",
    "ModuleList",
    "Parameter",
    "Sequential",
    "Trainer",
    "amp",
    "checkpoint",
    "data",
    "functional",
    "fit",
    "init",
    "load",
    "optim",
    "plot_history",
    "save",
    "utils",
    *_layers,
]
__version__ = "0.1.0"
