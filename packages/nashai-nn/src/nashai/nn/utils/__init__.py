"""nashai.nn.utils: helpers around training, as torch.nn.utils.

clip_grad       clip_grad_norm_, clip_grad_value_
"""

from nashai.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_

__all__ = ["clip_grad_norm_", "clip_grad_value_"]
