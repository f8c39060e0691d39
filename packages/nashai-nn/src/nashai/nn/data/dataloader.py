"""DataLoader: batches of a dataset, in order or shuffled, as torch.utils.data.DataLoader.

    loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True,
                        generator=Generator().manual_seed(0))
    for epoch in range(n_epochs):
        for xb, yb in loader:          # xb (32, ...), yb (32, ...); a new order every epoch
            ...

Loading runs in the calling process (there are no worker processes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from nashai.autograd import Generator
from nashai.nn.data.collate import default_collate
from nashai.nn.data.dataset import Subset, TensorDataset
from nashai.nn.data.sampler import BatchSampler, RandomSampler, SequentialSampler

__all__ = ["DataLoader"]


class DataLoader:
    """Iterate over a map-style dataset in batches.

    Args:
        dataset: anything with __getitem__ and __len__.
        batch_size: the number of samples per batch.
        shuffle: visit the samples in a new random order at every pass (epoch).
        sampler: an iterable of indices giving the order (instead of shuffle).
        batch_sampler: an iterable of lists of indices (instead of batch_size, shuffle,
            sampler and drop_last).
        collate_fn: turns a list of samples into a batch (default: default_collate, which
            stacks tensors and keeps tuples, dicts, ... as they are).
        drop_last: drop the last batch when it has fewer than batch_size samples.
        generator: the random generator of the shuffling (default: the global one, seeded by
            nashai.autograd.manual_seed); the same seed gives the same batches.

    len(loader) is the number of batches: ⌈n / batch_size⌉, or ⌊n / batch_size⌋ with drop_last.
    """

    def __init__(
        self,
        dataset,
        batch_size: int = 1,
        shuffle: bool = False,
        sampler: Iterable[int] | None = None,
        batch_sampler: Iterable[list[int]] | None = None,
        collate_fn: Callable[[list], Any] | None = None,
        drop_last: bool = False,
        generator: Generator | None = None,
    ):
        if sampler is not None and shuffle:
            raise ValueError(
                "sampler and shuffle=True are mutually exclusive; shuffle in the sampler"
            )
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler is mutually exclusive with batch_size, shuffle, sampler and "
                    "drop_last"
                )
            batch_size = None
        else:
            if sampler is None:
                sampler = (
                    RandomSampler(dataset, generator=generator)
                    if shuffle
                    else SequentialSampler(dataset)
                )
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.collate_fn = default_collate if collate_fn is None else collate_fn

    def __iter__(self) -> Iterator[Any]:
        for indices in self.batch_sampler:
            yield self._fetch(list(indices))

    def __len__(self) -> int:
        return len(self.batch_sampler)  # type: ignore[arg-type]

    def _fetch(self, indices: list[int]) -> Any:
        if self.collate_fn is default_collate:
            batch = _tensor_batch(self.dataset, indices)
            if batch is not None:
                return batch
        return self.collate_fn([self.dataset[i] for i in indices])

    def __repr__(self) -> str:
        return (
            f"DataLoader(dataset={type(self.dataset).__name__}, batch_size="
            f"{self.batch_size}, drop_last={self.drop_last}, n_batches={len(self)})"
        )


def _tensor_batch(dataset, indices: list[int]) -> list | None:
    """default_collate of a TensorDataset's samples (also through Subsets), by indexing each
    tensor once with all the indices instead of stacking sample by sample; None for other
    datasets."""
    while isinstance(dataset, Subset):
        indices = [dataset.indices[i] for i in indices]
        dataset = dataset.dataset
    if type(dataset) is not TensorDataset:
        return None
    return [tensor[indices] for tensor in dataset.tensors]
