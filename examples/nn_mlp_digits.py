"""A multilayer perceptron on the 8×8 handwritten digits, trained with nashai.nn.

The digits (1797 images, 10 classes) come from nashai-ml's bundled copy
(`nashai.ml.datasets.load_digits`); only this script imports nashai-ml, nashai-nn itself does not
depend on it (the examples run in the workspace, where every package is installed). The script
shows the usual PyTorch training loop, written with nashai's names:

1. pixels scaled to [0, 1], a random 80/20 train/test split with a seed;
2. a TensorDataset and a shuffling DataLoader (seeded Generator) giving mini-batches;
3. an MLP 64 -> 128 -> 128 -> 10 with ReLU and dropout, cross-entropy loss, Adam with a cosine
   learning-rate schedule; per epoch: model.train(), zero_grad, forward, loss, backward, step;
4. evaluation under no_grad in model.eval() mode: test accuracy (about 97-98% after 30 epochs,
   a few seconds on one core).

    uv run python examples/nn_mlp_digits.py
    uv run python examples/nn_mlp_digits.py --quick      # 3 epochs, for CI

main(argv) returns {"train_loss", "test_accuracy", "epochs"}.
"""

from __future__ import annotations

import argparse

import numpy as np

import nashai.autograd as ag
import nashai.nn as nn
import nashai.nn.functional as F
from nashai.ml.datasets import load_digits
from nashai.nn.data import DataLoader, TensorDataset


def digits_split(seed: int, test_fraction: float = 0.2):
    """The digits as float32 arrays (n, 64) in [0, 1], split at random:
    (x_train, y_train, x_test, y_test)."""
    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype(np.float32)  # pixel counts 0..16
    order = np.random.default_rng(seed).permutation(len(x))
    n_test = round(test_fraction * len(x))
    test, train = order[:n_test], order[n_test:]
    return x[train], y[train], x[test], y[test]


def accuracy(model: nn.Module, x: ag.Tensor, y: ag.Tensor) -> float:
    """The fraction of samples whose largest logit is the true class, in eval mode."""
    model.eval()
    with ag.no_grad():
        predicted = model(x).argmax(dim=1)
    return float((predicted == y).float().mean().item())


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="3 epochs only (for CI)")
    args = parser.parse_args(argv)
    epochs = 3 if args.quick else args.epochs

    ag.manual_seed(args.seed)  # the initial weights and the dropout masks
    x_train, y_train, x_test, y_test = digits_split(args.seed)
    loader = DataLoader(
        TensorDataset(ag.tensor(x_train), ag.tensor(y_train)),
        batch_size=args.batch_size,
        shuffle=True,
        generator=ag.Generator().manual_seed(args.seed),
    )
    model = nn.Sequential(
        nn.Linear(64, 128),
        nn.ReLU(),
        nn.Dropout(0.1),
        nn.Linear(128, 128),
        nn.ReLU(),
        nn.Linear(128, 10),
    )
    optimizer = nn.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = nn.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    print(model)

    for epoch in range(epochs):
        model.train()
        total, seen = 0.0, 0
        for inputs, targets in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(inputs), targets)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(targets)
            seen += len(targets)
        scheduler.step()
        train_loss = total / seen
        if epoch % 5 == 4 or epoch == epochs - 1:
            print(f"epoch {epoch + 1:3d}  train loss {train_loss:.4f}")

    test_accuracy = accuracy(model, ag.tensor(x_test), ag.tensor(y_test))
    print(f"test accuracy {test_accuracy:.4f} on {len(y_test)} digits")
    return {"train_loss": train_loss, "test_accuracy": test_accuracy, "epochs": epochs}


if __name__ == "__main__":
    main()
