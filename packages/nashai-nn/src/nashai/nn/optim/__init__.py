"""nashai.nn.optim: optimisers and learning-rate schedules, as torch.optim.

optimizer       Optimizer: param groups, per-parameter state, zero_grad, state_dict
sgd             SGD (momentum, dampening, Nesterov, weight decay)
adagrad         Adagrad
rmsprop         RMSprop (momentum, centered)
adam            Adam (amsgrad, decoupled weight decay) and AdamW
lr_scheduler    LRScheduler and the schedules (StepLR, CosineAnnealingLR, LinearLR, ...)
"""

from nashai.nn.optim import lr_scheduler
from nashai.nn.optim.adagrad import Adagrad
from nashai.nn.optim.adam import Adam, AdamW
from nashai.nn.optim.optimizer import Optimizer
from nashai.nn.optim.rmsprop import RMSprop
from nashai.nn.optim.sgd import SGD

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
