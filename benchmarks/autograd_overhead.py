"""nashai.autograd against PyTorch eager and raw NumPy: per-op overhead and large-tensor time.

    uv run python benchmarks/autograd_overhead.py

Prints one Markdown table: for each op, on tiny (4, 4) and large (1000, 1000) float32 tensors,
the time of nashai.autograd, of PyTorch eager and of NumPy doing the same arithmetic by hand,
and the ratios nashai ÷ torch and nashai ÷ NumPy; then the goals and whether they are met:

    tiny ops, forward + backward: within 2x of PyTorch eager;
    large ops, forward and forward + backward: within 1.1x of raw NumPy.

"forward" runs op(a, b) on leaves that require grad (recording the graph); "fwd+bwd" runs
op(a, b).sum().backward() with the leaves' .grad reset to None first (as a training step's
zero_grad does). The NumPy column computes the same values: the forward op, the sum, and one
fresh gradient array per input (ones for add and sum, g·b and g·a for mul, g·exp(a) for exp,
g Bᵀ and Aᵀ g for matmul).

Each implementation is timed in alternation, in batches of calls long enough for the clock (a
single call for the large matmul), and the fastest batch is reported. The clock is the
process's CPU time, not the wall clock: on a shared machine the time spent waiting for a core is
not the library's, and noise only ever adds time.
Everything runs on one thread (BLAS and PyTorch's intra-op pool) unless OPENBLAS_NUM_THREADS /
OMP_NUM_THREADS are set, so the ratios compare the libraries and not their thread pools. Runs in
about a minute.
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")  # before NumPy loads its BLAS

import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import nashai.autograd as ag  # noqa: E402

TINY, LARGE = (4, 4), (1000, 1000)
BATCH_SECONDS = {TINY: 0.02, LARGE: 0.03}  # how long one timed batch of calls runs
ROUNDS = {TINY: 7, LARGE: 15}  # timed batches per implementation, alternating
TINY_GOAL, LARGE_GOAL = 2.0, 1.1


# --- the ops, written three times: nashai, torch, NumPy ------------------------------------------


def _numpy_cases(a: np.ndarray, b: np.ndarray) -> dict:
    """name -> (forward, forward + backward) in NumPy: the same arithmetic, by hand."""

    def add_backward():
        out = a + b
        out.sum()
        return np.ones_like(out), np.ones_like(out)

    def mul_backward():
        out = a * b
        out.sum()
        g = np.ones_like(out)
        return g * b, g * a

    def exp_backward():
        out = np.exp(a)
        out.sum()
        return np.ones_like(out) * out

    def matmul_backward():
        out = a @ b
        out.sum()
        g = np.ones_like(out)
        return g @ b.T, a.T @ g

    def sum_backward():
        a.sum()
        return np.ones_like(a)

    return {
        "add": (lambda: a + b, add_backward),
        "mul": (lambda: a * b, mul_backward),
        "exp": (lambda: np.exp(a), exp_backward),
        "matmul": (lambda: a @ b, matmul_backward),
        "sum": (lambda: a.sum(), sum_backward),
    }


def _autograd_cases(lib, a, b) -> dict:
    """name -> (forward, forward + backward) in nashai.autograd or torch (same code)."""
    ops = {
        "add": lambda: a + b,
        "mul": lambda: a * b,
        "exp": lambda: a.exp(),
        "matmul": lambda: a @ b,
        "sum": lambda: a.sum(),
    }

    def step(op):
        def run():
            a.grad = b.grad = None
            op().sum().backward()

        return run

    return {name: (op, step(op)) for name, op in ops.items()}


# --- timing ------------------------------------------------------------------------------------


def _calls_per_batch(fn, seconds: float) -> int:
    fn()  # warm up
    calls, elapsed = 1, 0.0
    while elapsed < seconds / 4:
        calls *= 2
        start = time.process_time()
        for _ in range(calls):
            fn()
        elapsed = time.process_time() - start
    return max(1, int(calls * seconds / elapsed))


def best_times(functions: list, seconds: float, rounds: int) -> list[float]:
    """Seconds per call of each function: the fastest of `rounds` alternating batches."""
    counts = [_calls_per_batch(fn, seconds) for fn in functions]
    best = [float("inf")] * len(functions)
    for _ in range(rounds):
        for i, (fn, count) in enumerate(zip(functions, counts, strict=True)):
            start = time.process_time()
            for _ in range(count):
                fn()
            best[i] = min(best[i], (time.process_time() - start) / count)
    return best


def measure(shape: tuple[int, int]) -> list[dict]:
    rng = np.random.default_rng(0)
    a_np = rng.standard_normal(shape).astype(np.float32)
    b_np = rng.standard_normal(shape).astype(np.float32)
    scale = 1 / np.sqrt(shape[1])  # keeps matmul and exp of the large inputs finite
    a_np, b_np = a_np * scale, b_np * scale
    implementations = {
        "nashai": _autograd_cases(
            ag, ag.tensor(a_np, requires_grad=True), ag.tensor(b_np, requires_grad=True)
        ),
        "torch": _autograd_cases(
            torch, torch.tensor(a_np, requires_grad=True), torch.tensor(b_np, requires_grad=True)
        ),
        "numpy": _numpy_cases(a_np, b_np),
    }
    rows = []
    for name in implementations["numpy"]:
        for index, kind in enumerate(("forward", "fwd+bwd")):
            calls = [implementations[lib][name][index] for lib in ("nashai", "torch", "numpy")]
            nashai, torch_time, numpy_time = best_times(calls, BATCH_SECONDS[shape], ROUNDS[shape])
            rows.append(
                {
                    "op": name,
                    "shape": shape,
                    "pass": kind,
                    "nashai": nashai,
                    "torch": torch_time,
                    "numpy": numpy_time,
                }
            )
    return rows


def _microseconds(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f}" if seconds < 1e-3 else f"{seconds * 1e6:,.0f}"


def main() -> None:
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    print(
        f"numpy {np.__version__}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} thread(s), float32\n"
    )
    rows = measure(TINY) + measure(LARGE)
    print("| op | shape | pass | nashai (µs) | torch (µs) | numpy (µs) | ÷ torch | ÷ numpy |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['op']} | {row['shape'][0]}×{row['shape'][1]} | {row['pass']} "
            f"| {_microseconds(row['nashai'])} | {_microseconds(row['torch'])} "
            f"| {_microseconds(row['numpy'])} | {row['nashai'] / row['torch']:.2f} "
            f"| {row['nashai'] / row['numpy']:.2f} |"
        )
    tiny = [r["nashai"] / r["torch"] for r in rows if r["shape"] == TINY and r["pass"] == "fwd+bwd"]
    large = [r["nashai"] / r["numpy"] for r in rows if r["shape"] == LARGE]
    print(
        f"\ngoal: tiny fwd+bwd within {TINY_GOAL}x of torch: worst {max(tiny):.2f}x "
        f"-> {'met' if max(tiny) <= TINY_GOAL else 'NOT met'}"
    )
    print(
        f"goal: large ops within {LARGE_GOAL}x of numpy: worst {max(large):.2f}x "
        f"-> {'met' if max(large) <= LARGE_GOAL else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
