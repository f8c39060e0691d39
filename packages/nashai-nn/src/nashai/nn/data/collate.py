"""default_collate: a list of samples into one batch, as torch.utils.data.default_collate."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

import nashai.autograd as ag
from nashai.autograd import Tensor

__all__ = ["default_collate"]


def default_collate(batch: Sequence) -> Any:
    """Collate a list of samples into a batch, keeping the samples' structure.

    By the type of the first sample (B = len(batch)):
        Tensor of shape S               -> Tensor (B, *S), stacked
        NumPy array of shape S          -> Tensor (B, *S) of the array's dtype
        NumPy scalar                    -> Tensor (B,) of its dtype
        float                           -> float64 Tensor (B,)
        int (bool)                      -> int64 (bool) Tensor (B,)
        str or bytes                    -> the samples unchanged
        dict                            -> dict of each key's batch
        namedtuple                      -> the same namedtuple of each field's batch
        tuple or list                   -> list of each position's batch (as PyTorch)
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return ag.stack(batch, 0)
    if isinstance(elem, (np.ndarray, np.generic)) and elem.dtype.kind in "biuf":
        return ag.as_tensor(np.stack(batch) if elem.ndim else np.asarray(batch))
    if isinstance(elem, float):
        return ag.tensor(list(batch), dtype=ag.float64)
    if isinstance(elem, int):
        return ag.tensor(list(batch))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a namedtuple
        return type(elem)(*(default_collate(field) for field in zip(*batch, strict=True)))
    if isinstance(elem, Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("each element in the list of samples must have the same length")
        return [default_collate(position) for position in zip(*batch, strict=True)]
    raise TypeError(
        "default_collate: samples must be tensors, NumPy arrays, numbers, strings, dicts or "
        f"sequences of these, got {type(elem).__name__}"
    )
