"""An LSTM learns the adding problem, a long-range memory task (Hochreiter & Schmidhuber, 1997).

Each input is a sequence of T steps with two features: a value drawn from U(0, 1), and a marker
that is 1 at exactly two random steps (one in each half) and 0 elsewhere. The target is the sum of
the two marked values. A model that ignores the sequence can do no better than predicting the
mean, 1, with a mean squared error of Var(u₁ + u₂) = 1/6 ≈ 0.167; to beat it, the network must
find the marked steps and keep their values in memory until the end.

    (N, T, 2) -> LSTM(2 -> hidden, batch_first) -> last step's h (N, hidden) -> Linear -> (N,)

Fresh batches are drawn at every step (an endless data set), the loss is MSE, the optimiser
Adam with gradient clipping (clip_grad_norm_). The script prints the test MSE against the 1/6
baseline as training goes on: it sits on the baseline for a few hundred steps, then drops far
below it (to about 0.0005 with the defaults, in some ten seconds on one core).

    uv run python examples/nn_lstm_sequence.py
    uv run python examples/nn_lstm_sequence.py --quick      # T = 10 and 300 steps, for CI

main(argv) returns {"test_mse", "baseline_mse", "steps"}.
"""

from __future__ import annotations

import argparse

import numpy as np

import nashai.autograd as ag
import nashai.nn as nn
import nashai.nn.functional as F

BASELINE_MSE = 1.0 / 6.0  # always predicting E[u₁ + u₂] = 1


def adding_batch(rng: np.random.Generator, batch: int, length: int):
    """One batch of the adding problem: inputs (batch, length, 2) float32, targets (batch,)."""
    values = rng.random((batch, length), dtype=np.float32)
    first = rng.integers(0, length // 2, size=batch)
    second = rng.integers(length // 2, length, size=batch)
    markers = np.zeros((batch, length), dtype=np.float32)
    rows = np.arange(batch)
    markers[rows, first] = markers[rows, second] = 1.0
    targets = values[rows, first] + values[rows, second]
    return ag.tensor(np.stack([values, markers], axis=-1)), ag.tensor(targets)


class AddingModel(nn.Module):
    """An LSTM over the sequence, then a linear read-out of its last hidden state."""

    def __init__(self, hidden_size: int):
        super().__init__()
        self.lstm = nn.LSTM(2, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x: ag.Tensor) -> ag.Tensor:  # x (N, T, 2)
        output, _ = self.lstm(x)  # (N, T, hidden)
        return self.head(output[:, -1]).squeeze(-1)  # (N,)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--length", type=int, default=20, help="sequence length T")
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--steps", type=int, default=800)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="T = 10, 300 steps (for CI)")
    args = parser.parse_args(argv)
    steps = 300 if args.quick else args.steps
    length = 10 if args.quick else args.length

    ag.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    x_test, y_test = adding_batch(rng, 1000, length)
    model = AddingModel(args.hidden)
    optimizer = nn.optim.Adam(model.parameters(), lr=args.lr)

    def test_mse() -> float:
        with ag.no_grad():
            return float(F.mse_loss(model(x_test), y_test).item())

    print(f"baseline (predict 1): MSE {BASELINE_MSE:.4f}")
    for step in range(1, steps + 1):
        inputs, targets = adding_batch(rng, args.batch_size, length)
        optimizer.zero_grad()
        loss = F.mse_loss(model(inputs), targets)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
        if step % 100 == 0 or step == steps:
            print(f"step {step:5d}  train MSE {loss.item():.4f}  test MSE {test_mse():.4f}")

    result = {"test_mse": test_mse(), "baseline_mse": BASELINE_MSE, "steps": steps}
    print(f"test MSE {result['test_mse']:.4f} vs {BASELINE_MSE:.4f} for the best constant")
    return result


if __name__ == "__main__":
    main()
