"""A small convolutional network on the 8×8 handwritten digits, trained with nashai.nn.

The digits (1797 images, 10 classes) come from nashai-ml's bundled copy
(`nashai.ml.datasets.load_digits`); only this script imports nashai-ml, nashai-nn itself does not
depend on it (the examples run in the workspace, where every package is installed). Same loop as
nn_mlp_digits.py, with images instead of flat vectors:

    (N, 1, 8, 8) -> conv3x3(1->16, pad 1) -> BatchNorm2d -> ReLU -> maxpool 2   (N, 16, 4, 4)
                 -> conv3x3(16->32, pad 1) -> BatchNorm2d -> ReLU -> maxpool 2  (N, 32, 2, 2)
                 -> flatten (N, 128) -> dense 128->64 -> ReLU -> dense 64->10

trained with AdamW and a one-cycle learning-rate schedule stepped per batch. BatchNorm uses
batch statistics in model.train() and its running averages in model.eval(). Reaches about 98%
test accuracy in 8 epochs (about ten seconds on one core).

    uv run python examples/nn_cnn_digits.py
    uv run python examples/nn_cnn_digits.py --quick      # 2 epochs, for CI

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


def digits_images(seed: int, test_fraction: float = 0.2):
    """The digits as float32 images (n, 1, 8, 8) in [0, 1], split at random:
    (x_train, y_train, x_test, y_test)."""
    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    order = np.random.default_rng(seed).permutation(len(x))
    n_test = round(test_fraction * len(x))
    test, train = order[:n_test], order[n_test:]
    return x[train], y[train], x[test], y[test]


def make_model() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.MaxPool2d(2),  # (N, 16, 4, 4)
        nn.Conv2d(16, 32, 3, padding=1),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.MaxPool2d(2),  # (N, 32, 2, 2)
        nn.Flatten(),
        nn.Linear(32 * 2 * 2, 64),
        nn.ReLU(),
        nn.Linear(64, 10),
    )


def accuracy(model: nn.Module, x: ag.Tensor, y: ag.Tensor) -> float:
    """The fraction of samples whose largest logit is the true class, in eval mode."""
    model.eval()
    with ag.no_grad():
        predicted = model(x).argmax(dim=1)
    return float((predicted == y).float().mean().item())


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-2, help="the one-cycle peak")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="2 epochs only (for CI)")
    args = parser.parse_args(argv)
    epochs = 2 if args.quick else args.epochs

    ag.manual_seed(args.seed)  # the initial weights
    x_train, y_train, x_test, y_test = digits_images(args.seed)
    loader = DataLoader(
        TensorDataset(ag.tensor(x_train), ag.tensor(y_train)),
        batch_size=args.batch_size,
        shuffle=True,
        generator=ag.Generator().manual_seed(args.seed),
    )
    model = make_model()
    optimizer = nn.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    scheduler = nn.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=args.lr, epochs=epochs, steps_per_epoch=len(loader)
    )
    print(model)

    for epoch in range(epochs):
        model.train()
        total, seen = 0.0, 0
        for images, targets in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(images), targets)
            loss.backward()
            optimizer.step()
            scheduler.step()  # one-cycle: once per batch
            total += loss.item() * len(targets)
            seen += len(targets)
        train_loss = total / seen
        print(f"epoch {epoch + 1:3d}  train loss {train_loss:.4f}")

    test_accuracy = accuracy(model, ag.tensor(x_test), ag.tensor(y_test))
    print(f"test accuracy {test_accuracy:.4f} on {len(y_test)} digits")
    return {"train_loss": train_loss, "test_accuracy": test_accuracy, "epochs": epochs}


if __name__ == "__main__":
    main()
