"""nashai.math.linalg against numpy.linalg (LAPACK), measured side by side in one run.

    uv run python benchmarks/math_linalg.py

Prints a Markdown table: for each routine and size n, the median time of NashAI and of the
reference (numpy.linalg; scipy.linalg.lu for lu) on the same inputs, timed alternately after a
warm-up, and their ratio; then the goals at n = 256 and whether each is met. A routine that is
not written yet (it raises NotImplementedError) shows "n/a". Runs in well under two minutes.

BLAS runs on one thread on both sides unless OPENBLAS_NUM_THREADS / OMP_NUM_THREADS /
MKL_NUM_THREADS are set: on a shared machine multi-threaded LAPACK timings swing by 10x and more
from run to run, which would make the ratios meaningless.
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")  # before NumPy loads its BLAS

import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import scipy.linalg  # noqa: E402

from nashai.math import linalg  # noqa: E402

SIZES = (64, 256, 512)
REPEATS = {64: 15, 256: 9, 512: 3}  # timed runs after one warm-up
SLOW_SECONDS = 1.0  # a warm-up slower than this is the measurement
GOALS = {"solve": 3.0, "qr": 3.0, "cholesky": 3.0, "eigh": 10.0, "svd": 10.0}  # at n = 256
GOAL_SIZE = 256


def make_inputs(n: int) -> dict:
    rng = np.random.default_rng(n)
    a = rng.standard_normal((n, n)) / np.sqrt(n)  # scaled so that det(a) does not overflow
    x = rng.standard_normal((n, n))
    return {"a": a, "b": rng.standard_normal(n), "spd": x @ x.T + n * np.eye(n)}


def routines(inputs: dict) -> dict:
    """name -> (NashAI call, reference call) on the same data."""
    a, b, spd = inputs["a"], inputs["b"], inputs["spd"]
    return {
        "solve": (lambda: linalg.solve(a, b), lambda: np.linalg.solve(a, b)),
        "lu": (lambda: linalg.lu(a), lambda: scipy.linalg.lu(a)),
        "det": (lambda: linalg.det(a), lambda: np.linalg.det(a)),
        "inv": (lambda: linalg.inv(a), lambda: np.linalg.inv(a)),
        "qr": (lambda: linalg.qr(a), lambda: np.linalg.qr(a)),
        "cholesky": (lambda: linalg.cholesky(spd), lambda: np.linalg.cholesky(spd)),
        "eigh": (lambda: linalg.eigh(spd), lambda: np.linalg.eigh(spd)),
        "eig": (lambda: linalg.eig(a), lambda: np.linalg.eig(a)),
        "svd": (lambda: linalg.svd(a), lambda: np.linalg.svd(a)),
        "lstsq": (lambda: linalg.lstsq(a, b), lambda: np.linalg.lstsq(a, b, rcond=None)),
        "pinv": (lambda: linalg.pinv(a), lambda: np.linalg.pinv(a)),
    }


def seconds(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def measure(ours, reference, repeats: int) -> tuple[float | None, float, str]:
    """(our median seconds or None, reference median seconds, note when ours did not run).

    One warm-up call each, then the two are timed alternately, so that both see the same load
    on a shared machine. A warm-up slower than SLOW_SECONDS is taken as the measurement.
    """
    seconds(reference)
    try:
        our_time = seconds(ours)
    except NotImplementedError:
        return None, statistics.median(seconds(reference) for _ in range(repeats)), "n/a"
    except Exception as error:  # a half-written routine must not stop the benchmark
        note = f"error: {type(error).__name__}"
        return None, statistics.median(seconds(reference) for _ in range(repeats)), note
    if our_time > SLOW_SECONDS:
        return our_time, statistics.median(seconds(reference) for _ in range(repeats)), ""
    ours_times, reference_times = [], []
    for _ in range(repeats):
        reference_times.append(seconds(reference))
        ours_times.append(seconds(ours))
    return statistics.median(ours_times), statistics.median(reference_times), ""


def main() -> None:
    began = time.perf_counter()
    threads = os.environ["OPENBLAS_NUM_THREADS"]
    print(
        f"numpy {np.__version__}, scipy {scipy.__version__}, BLAS threads {threads}; "
        "times are medians in ms\n"
    )
    print("| routine | n | NashAI (ms) | reference (ms) | ratio |")
    print("|---|---:|---:|---:|---:|")
    ratios = {}
    for n in SIZES:
        for name, (ours, reference) in routines(make_inputs(n)).items():
            our_time, reference_time, note = measure(ours, reference, REPEATS[n])
            if our_time is None:
                print(f"| {name} | {n} | {note} | {reference_time * 1e3:.2f} | n/a |")
                continue
            ratio = our_time / reference_time
            ratios[name, n] = ratio
            print(
                f"| {name} | {n} | {our_time * 1e3:.2f} | {reference_time * 1e3:.2f} "
                f"| {ratio:.1f}x |"
            )
    verdicts = []
    for name, goal in GOALS.items():
        ratio = ratios.get((name, GOAL_SIZE))
        if ratio is None:
            verdicts.append(f"{name} <= {goal:g}x: n/a")
        else:
            verdict = "met" if ratio <= goal else "NOT met"
            verdicts.append(f"{name} <= {goal:g}x: {verdict} ({ratio:.1f}x)")
    print(f"\nGoals at n={GOAL_SIZE}: " + "; ".join(verdicts))
    print(f"(total {time.perf_counter() - began:.0f} s)")


if __name__ == "__main__":
    main()
