"""Datasets, as torch.utils.data: Dataset, TensorDataset, Subset and random_split.

A map-style dataset is anything with `__getitem__(index)` and `__len__()`; `dataset[i]` is one
sample (a tensor, a tuple of tensors, a dict, ...), which a DataLoader collates into batches.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import accumulate
from typing import Any

import nashai.autograd as ag
from nashai.autograd import Generator, Tensor

__all__ = ["Dataset", "Subset", "TensorDataset", "random_split"]


class Dataset:
    """The base of map-style datasets: subclasses implement __getitem__ and __len__."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")


class TensorDataset(Dataset):
    """Samples are slices of tensors along their first dimension: dataset[i] is
    (tensors[0][i], tensors[1][i], ...).

    Args:
        *tensors: tensors of the same length n along dimension 0 (e.g. inputs (n, d) and
            targets (n,)).
    """

    def __init__(self, *tensors: Tensor):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        for i, tensor in enumerate(tensors):
            if not isinstance(tensor, Tensor):
                raise TypeError(f"tensors[{i}] must be a Tensor, got {type(tensor).__name__}")
            if tensor.ndim == 0 or tensor.shape[0] != tensors[0].shape[0]:
                raise ValueError(
                    f"all tensors must have the same size in dimension 0, but tensors[0] has "
                    f"shape {tuple(tensors[0].shape)} and tensors[{i}] has shape "
                    f"{tuple(tensor.shape)}"
                )
        self.tensors = tensors

    def __getitem__(self, index) -> tuple[Tensor, ...]:
        return tuple(tensor[index] for tensor in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of `dataset` at `indices`: subset[i] is dataset[indices[i]]."""

    def __init__(self, dataset, indices: Sequence[int]):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


def random_split(
    dataset, lengths: Sequence[int | float], generator: Generator | None = None
) -> list[Subset]:
    """Split `dataset` into non-overlapping random subsets of the given lengths.

    Args:
        dataset: a map-style dataset of n samples.
        lengths: the subsets' sizes, summing to n; or fractions summing to 1, each becoming
            ⌊n · fraction⌋ with the remainder dealt out one by one from the first subset on.
        generator: the random generator of the permutation (default: the global one, seeded
            by nashai.autograd.manual_seed).

    Returns:
        One Subset per length, together a random permutation of the dataset.
    """
    n = len(dataset)
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, fraction in enumerate(lengths):
            if not 0 <= fraction <= 1:
                raise ValueError(f"lengths[{i}] is a fraction outside [0, 1]: {fraction!r}")
        sizes = [math.floor(n * fraction) for fraction in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        lengths = sizes
    if sum(lengths) != n:
        raise ValueError(f"the lengths sum to {sum(lengths)}, but the dataset has {n} samples")
    indices = ag.randperm(n, generator=generator).tolist()
    return [
        Subset(dataset, indices[end - length : end])
        for end, length in zip(accumulate(lengths), lengths, strict=True)
    ]
