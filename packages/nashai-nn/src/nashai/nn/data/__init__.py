"""nashai.nn.data: datasets and batching, as torch.utils.data.

dataset         Dataset, TensorDataset, Subset, random_split
sampler         Sampler, SequentialSampler, RandomSampler, BatchSampler
collate         default_collate
dataloader      DataLoader
"""

from nashai.nn.data.collate import default_collate
from nashai.nn.data.dataloader import DataLoader
from nashai.nn.data.dataset import Dataset, Subset, TensorDataset, random_split
from nashai.nn.data.sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = [
    "BatchSampler",
    "DataLoader",
    "Dataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "TensorDataset",
    "default_collate",
    "random_split",
]
