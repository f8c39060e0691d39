"""nashai.nn against PyTorch eager: the time of one training step of three small networks.

    uv run python benchmarks/nn_vs_torch.py            # about 20 seconds
    uv run python benchmarks/nn_vs_torch.py --quick    # fewer repeats, for a smoke run

The networks, float32 on the CPU:

    MLP   784-256-256-10 with ReLU, batch 128, SGD with momentum 0.9;
    CNN   conv3x3(1->32, pad 1)-ReLU-maxpool2 -> conv3x3(32->64, pad 1)-ReLU-maxpool2 ->
          flatten -> dense 64*7*7->128-ReLU -> dense 128->10, on 1x28x28 images, batch 64, SGD
          with momentum 0.9;
    LSTM  one layer, input 32, hidden 128, 50 steps, batch 32 (batch_first), a linear head on
          the last step's hidden state -> 10 classes, Adam.

A step is what a training loop does per batch: optimizer.zero_grad(), forward, cross-entropy
loss, backward, optimizer.step(). Both libraries start from the same weights (PyTorch's
state_dict loaded into the nashai model) and see the same batch; before timing, the script
checks that the losses of the first few steps agree (a benchmark of two different computations
would mean nothing).

Each library runs on one thread: OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS are set
to 1 before NumPy is imported and torch.set_num_threads(1) is called, so the ratio compares the
libraries and not their thread pools. After a warm-up, the two libraries are timed in
alternation, several steps per repeat; the clock is the process's CPU time (on a shared machine
time spent waiting for a core is not the library's, and noise only ever adds time), and the
fastest repeat is reported.

Prints a Markdown table (milliseconds per step, and the ratio nashai / torch) and the goals:
MLP within 1.0x of PyTorch, CNN and LSTM within 1.5x.
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"  # before NumPy loads its BLAS

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import nashai.autograd as ag  # noqa: E402
import nashai.nn as nn  # noqa: E402
import nashai.nn.functional as F  # noqa: E402

torch.set_num_threads(1)

GOALS = {"MLP": 1.0, "CNN": 1.5, "LSTM": 1.5}
SANITY_STEPS = 3  # losses compared over this many steps from the same start
SANITY_RTOL = 1e-3  # float32, and the two libraries sum in different orders


# --- the three networks, written for both libraries ---------------------------------------------


def _mlp(lib):
    return lib.Sequential(
        lib.Linear(784, 256), lib.ReLU(), lib.Linear(256, 256), lib.ReLU(), lib.Linear(256, 10)
    )


def _cnn(lib):
    return lib.Sequential(
        lib.Conv2d(1, 32, 3, padding=1),
        lib.ReLU(),
        lib.MaxPool2d(2),  # (N, 32, 14, 14)
        lib.Conv2d(32, 64, 3, padding=1),
        lib.ReLU(),
        lib.MaxPool2d(2),  # (N, 64, 7, 7)
        lib.Flatten(),
        lib.Linear(64 * 7 * 7, 128),
        lib.ReLU(),
        lib.Linear(128, 10),
    )


def _lstm_classifier(lib):
    class LSTMClassifier(lib.Module):
        """An LSTM over the sequence, then a linear head on the last step's hidden state."""

        def __init__(self):
            super().__init__()
            self.lstm = lib.LSTM(32, 128, batch_first=True)
            self.head = lib.Linear(128, 10)

        def forward(self, x):  # x (N, T, 32)
            output, _ = self.lstm(x)  # (N, T, 128)
            return self.head(output[:, -1])  # (N, 10)

    return LSTMClassifier()


def _sgd(lib, params):
    return lib.optim.SGD(params, lr=0.01, momentum=0.9)


def _adam(lib, params):
    return lib.optim.Adam(params, lr=1e-3)


# name -> (model builder, optimizer builder, input shape)
CASES = {
    "MLP": (_mlp, _sgd, (128, 784)),
    "CNN": (_cnn, _sgd, (64, 1, 28, 28)),
    "LSTM": (_lstm_classifier, _adam, (32, 50, 32)),
}


# --- one training step in each library ----------------------------------------------------------


def _torch_step(model, optimizer, x, y):
    optimizer.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss


def _nashai_step(model, optimizer, x, y):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss


def build(name: str, seed: int = 0):
    """The case's two models with the same weights, their optimizers and one batch.

    Returns {"torch": (step, model, optimizer, x, y), "nashai": (...)}.
    """
    make_model, make_optimizer, shape = CASES[name]
    torch.manual_seed(seed)
    reference = make_model(torch.nn)
    ours = make_model(nn)
    ours.load_state_dict({key: value.numpy() for key, value in reference.state_dict().items()})
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(np.float32)
    y = rng.integers(0, 10, size=shape[0])
    return {
        "torch": (
            _torch_step,
            reference,
            make_optimizer(torch, reference.parameters()),
            torch.from_numpy(x),
            torch.from_numpy(y),
        ),
        "nashai": (
            _nashai_step,
            ours,
            make_optimizer(nn, ours.parameters()),
            ag.tensor(x),
            ag.tensor(y),
        ),
    }


def check_same_losses(name: str) -> list[tuple[float, float]]:
    """Run SANITY_STEPS steps in both libraries from the same start; raise if the losses differ."""
    sides = build(name)
    losses = []
    for _ in range(SANITY_STEPS):
        pair = tuple(float(step(*rest).item()) for step, *rest in sides.values())
        losses.append(pair)
        if not np.isclose(pair[1], pair[0], rtol=SANITY_RTOL, atol=1e-6):
            raise AssertionError(f"{name}: losses differ, torch {pair[0]} vs nashai {pair[1]}")
    return losses


def time_steps(name: str, repeats: int, steps: int, warmup: int = 3) -> dict[str, float]:
    """CPU seconds per step of each library (the fastest repeat), timed in alternation."""
    sides = build(name)
    for step, *rest in sides.values():
        for _ in range(warmup):
            step(*rest)
    times = {side: [] for side in sides}
    for _ in range(repeats):
        for side, (step, *rest) in sides.items():
            start = time.process_time()
            for _ in range(steps):
                step(*rest)
            times[side].append((time.process_time() - start) / steps)
    return {side: min(values) for side, values in times.items()}


def main(argv=None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few repeats only")
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES))
    args = parser.parse_args(argv)
    repeats, steps = (3, 2) if args.quick else (7, 5)

    results = {}
    for name in args.cases:
        losses = check_same_losses(name)
        timing = time_steps(name, repeats, steps)
        results[name] = {**timing, "ratio": timing["nashai"] / timing["torch"]}
        print(f"{name}: losses agree over {SANITY_STEPS} steps, last {losses[-1]}", flush=True)

    print()
    print("| network | torch ms/step | nashai ms/step | nashai / torch | goal | met |")
    print("|---|---:|---:|---:|---:|:---:|")
    for name, row in results.items():
        goal = GOALS[name]
        print(
            f"| {name} | {row['torch'] * 1e3:.2f} | {row['nashai'] * 1e3:.2f} "
            f"| {row['ratio']:.2f} | <= {goal:.1f} | {'yes' if row['ratio'] <= goal else 'no'} |"
        )
    return results


if __name__ == "__main__":
    main()
