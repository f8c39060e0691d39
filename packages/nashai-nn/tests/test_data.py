"""Datasets, collation and DataLoader against torch.utils.data: the same batches (structure,
shapes, dtypes, values) in order, and reproducible shuffling with a seed."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest
import torch
import torch.utils.data as torch_data

import nashai.autograd as ag
from nashai.autograd import Generator, Tensor
from nashai.nn.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    SequentialSampler,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)

Point = namedtuple("Point", ["x", "label"])


def assert_same_batch(ours, theirs, where: str = "batch") -> None:
    """Same structure, and tensors of the same shape, dtype and values."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, Tensor), f"{where}: {type(ours).__name__} is not a Tensor"
        assert tuple(ours.shape) == tuple(theirs.shape), f"{where}: shape"
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), f"{where}: dtype"
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=where)
    elif isinstance(theirs, dict):
        assert type(ours) is dict and list(ours) == list(theirs), where
        for key in theirs:
            assert_same_batch(ours[key], theirs[key], f"{where}[{key!r}]")
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs), where
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            assert_same_batch(a, b, f"{where}[{i}]")
    else:
        assert ours == theirs, where


def to_torch(sample):
    """The same sample with nashai tensors replaced by torch tensors."""
    if isinstance(sample, Tensor):
        return torch.from_numpy(sample.numpy().copy())
    if isinstance(sample, dict):
        return {k: to_torch(v) for k, v in sample.items()}
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):
        return type(sample)(*map(to_torch, sample))
    if isinstance(sample, (list, tuple)):
        return type(sample)(map(to_torch, sample))
    return sample


rng = np.random.default_rng(0)
SAMPLES = {
    "tensors": [ag.tensor(rng.normal(size=(3, 2))) for _ in range(4)],
    "int tensors": [ag.tensor(rng.integers(0, 9, size=5)) for _ in range(3)],
    "numpy arrays": [rng.normal(size=(2, 2)) for _ in range(3)],
    "numpy float32 scalars": [np.float32(i / 3) for i in range(4)],
    "numpy int scalars": [np.int16(i) for i in range(4)],
    "floats": [0.5, 1.25, -3.0],
    "ints": [1, 2, 3],
    "bools": [True, False],
    "strings": ["a", "bc", "d"],
    "tuples": [(ag.tensor([i, i + 1.0]), i) for i in range(3)],
    "lists": [[ag.tensor(float(i)), float(i), "x"] for i in range(3)],
    "dicts": [{"image": ag.ones(2, 3) * i, "label": i, "name": f"s{i}"} for i in range(3)],
    "namedtuples": [Point(ag.tensor([float(i)]), i) for i in range(3)],
    "nested": [{"pair": (ag.tensor([i]), {"w": float(i)})} for i in range(2)],
}


@pytest.mark.parametrize("kind", list(SAMPLES))
def test_default_collate_matches_torch(kind):
    samples = SAMPLES[kind]
    assert_same_batch(default_collate(samples), torch_data.default_collate(to_torch(samples)))


def test_default_collate_rejects_unequal_sequences_and_unknown_types():
    with pytest.raises(RuntimeError, match="same length"):
        default_collate([(1, 2), (1,)])
    with pytest.raises(TypeError, match="default_collate"):
        default_collate([object(), object()])


def make_dataset(n: int = 10):
    x = rng.normal(size=(n, 3))
    y = rng.integers(0, 4, size=n)
    ours = TensorDataset(ag.tensor(x), ag.tensor(y))
    theirs = torch_data.TensorDataset(torch.tensor(x), torch.tensor(y))
    return ours, theirs


def test_tensor_dataset_items_and_length():
    ours, theirs = make_dataset()
    assert len(ours) == len(theirs) == 10
    for i in (0, 7, -1):
        assert_same_batch(ours[i], theirs[i], f"item {i}")
    with pytest.raises(ValueError, match="same size in dimension 0"):
        TensorDataset(ag.zeros(3, 2), ag.zeros(4))


@pytest.mark.parametrize("batch_size", [1, 3, 4, 10, 12])
@pytest.mark.parametrize("drop_last", [False, True])
def test_sequential_batches_match_torch(batch_size, drop_last):
    ours, theirs = make_dataset()
    loader = DataLoader(ours, batch_size=batch_size, drop_last=drop_last)
    torch_loader = torch_data.DataLoader(theirs, batch_size=batch_size, drop_last=drop_last)
    assert len(loader) == len(torch_loader)
    batches = list(loader)
    assert len(batches) == len(torch_loader)
    for i, (a, b) in enumerate(zip(batches, torch_loader, strict=True)):
        assert_same_batch(a, b, f"batch {i}")


class DictDataset(Dataset):
    """A dataset whose samples are dicts of arrays and numbers (the generic collate path)."""

    def __init__(self, n: int):
        self.n = n

    def __getitem__(self, index: int) -> dict:
        return {"x": np.full((2,), index, dtype=np.float32), "y": index % 2, "w": index / 10}

    def __len__(self) -> int:
        return self.n


def test_generic_dataset_batches_match_torch():
    class TorchDictDataset(torch_data.Dataset):
        __getitem__ = DictDataset.__getitem__
        __len__ = DictDataset.__len__
        __init__ = DictDataset.__init__

    batches = list(DataLoader(DictDataset(7), batch_size=3))
    torch_batches = list(torch_data.DataLoader(TorchDictDataset(7), batch_size=3))
    assert_same_batch(batches, torch_batches)


def epochs(loader, n_epochs: int = 2) -> list[list[int]]:
    """The order of the samples (their first feature identifies them) in each epoch."""
    return [[int(i) for batch in loader for i in batch[0][:, 0].numpy()] for _ in range(n_epochs)]


def test_shuffle_is_reproducible_with_a_seeded_generator():
    dataset = TensorDataset(ag.arange(20).reshape(20, 1), ag.arange(20))
    first = epochs(
        DataLoader(dataset, batch_size=6, shuffle=True, generator=Generator().manual_seed(7))
    )
    again = epochs(
        DataLoader(dataset, batch_size=6, shuffle=True, generator=Generator().manual_seed(7))
    )
    other = epochs(
        DataLoader(dataset, batch_size=6, shuffle=True, generator=Generator().manual_seed(8))
    )
    assert first == again
    assert first != other
    assert first[0] != first[1], "each epoch should have a new order"
    for order in first + other:
        assert sorted(order) == list(range(20))


def test_shuffle_without_generator_follows_manual_seed():
    dataset = TensorDataset(ag.arange(12).reshape(12, 1))
    ag.manual_seed(3)
    first = epochs(DataLoader(dataset, batch_size=5, shuffle=True))
    ag.manual_seed(3)
    assert epochs(DataLoader(dataset, batch_size=5, shuffle=True)) == first
    assert first[0] != list(range(12))


def test_shuffled_batches_have_torch_shapes_and_drop_last():
    ours, theirs = make_dataset(11)
    loader = DataLoader(
        ours, batch_size=4, shuffle=True, drop_last=True, generator=Generator().manual_seed(0)
    )
    torch_loader = torch_data.DataLoader(theirs, batch_size=4, shuffle=True, drop_last=True)
    assert len(loader) == len(torch_loader) == 2
    for a, b in zip(loader, torch_loader, strict=True):
        assert [tuple(t.shape) for t in a] == [tuple(t.shape) for t in b]
        assert [str(t.dtype) for t in a] == [str(t.dtype).removeprefix("torch.") for t in b]


def test_fast_tensor_path_equals_sample_by_sample_collation():
    ours, _ = make_dataset(13)
    train, _ = random_split(ours, [9, 4], generator=Generator().manual_seed(1))
    for dataset in (ours, train):
        fast = DataLoader(dataset, batch_size=4, shuffle=True, generator=Generator().manual_seed(2))
        slow = DataLoader(
            dataset,
            batch_size=4,
            shuffle=True,
            generator=Generator().manual_seed(2),
            collate_fn=lambda samples: default_collate(samples),
        )
        for a, b in zip(fast, slow, strict=True):
            assert_same_batch(a, to_torch(b))


@pytest.mark.parametrize(
    ("n", "lengths", "sizes"),
    [
        (10, [3, 7], [3, 7]),
        (10, [0.3, 0.3, 0.4], None),
        (11, [0.5, 0.5], None),
        (7, [0.2, 0.2, 0.6], None),
    ],
)
def test_random_split_sizes_match_torch_and_partition_the_dataset(n, lengths, sizes):
    dataset = TensorDataset(ag.arange(n))
    parts = random_split(dataset, lengths, generator=Generator().manual_seed(0))
    torch_parts = torch_data.random_split(
        range(n), lengths, generator=torch.Generator().manual_seed(0)
    )
    assert [len(p) for p in parts] == (sizes or [len(p) for p in torch_parts])
    assert all(isinstance(p, Subset) for p in parts)
    members = [int(p[i][0].item()) for p in parts for i in range(len(p))]
    assert sorted(members) == list(range(n))
    again = random_split(dataset, lengths, generator=Generator().manual_seed(0))
    assert [p.indices for p in again] == [p.indices for p in parts]


def test_random_split_rejects_lengths_that_do_not_sum_to_the_size():
    with pytest.raises(ValueError, match="sum to 5, but the dataset has 10"):
        random_split(TensorDataset(ag.arange(10)), [2, 3])


def test_batch_sampler_and_sampler_arguments():
    ours, theirs = make_dataset(9)
    batch_sampler = [[8, 0], [3, 4, 5], [1]]
    assert_same_batch(
        list(DataLoader(ours, batch_sampler=batch_sampler)),
        list(torch_data.DataLoader(theirs, batch_sampler=batch_sampler)),
    )
    reverse = list(range(8, -1, -1))
    assert_same_batch(
        list(DataLoader(ours, batch_size=2, sampler=reverse)),
        list(torch_data.DataLoader(theirs, batch_size=2, sampler=reverse)),
    )
    assert list(BatchSampler(SequentialSampler(range(5)), 2, drop_last=False)) == [
        [0, 1],
        [2, 3],
        [4],
    ]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"batch_size": 0}, "batch_size"),
        ({"sampler": [0, 1], "shuffle": True}, "mutually exclusive"),
        ({"batch_sampler": [[0]], "batch_size": 2}, "mutually exclusive"),
    ],
)
def test_bad_arguments_raise_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DataLoader(make_dataset()[0], **kwargs)
