"""nashai.nn.save / load: safetensors checkpoints, round trips, and atomic writes."""

from __future__ import annotations

import math
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

import nashai.autograd as ag
import nashai.nn as nn
from nashai.nn import serialization
from nashai.nn.serialization import load, save


def _mlp(seed: int) -> nn.Module:
    ag.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))


def _train_steps(model, optimizer, steps: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        x = ag.tensor(rng.standard_normal((6, 4)).astype(np.float32))
        y = ag.tensor(rng.standard_normal((6, 2)).astype(np.float32))
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()


def test_nested_object_round_trips_with_types_and_dtypes(tmp_path):
    obj = {
        "weights": {
            "w16": ag.tensor(np.arange(6, dtype=np.float16).reshape(2, 3)),
            "w64": ag.tensor(np.linspace(0, 1, 5)),
            "count": ag.tensor(np.array(7, dtype=np.int64)),
            "mask": ag.tensor(np.array([True, False])),
        },
        "state": {0: {"step": ag.tensor(3.0)}, 1: {"raw": np.ones(2, dtype=np.int32)}},
        "groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1], "name": None}],
        "best": math.inf,
        "flag": True,
        "big": 2**100,
        "scalar": np.float64(0.25),
    }
    path = tmp_path / "ckpt.safetensors"
    save(obj, path)
    back = load(path)
    w = back["weights"]
    assert w["w16"].dtype == ag.float16 and w["w16"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert w["w64"].dtype == ag.float64
    np.testing.assert_array_equal(w["w64"].numpy(), np.linspace(0, 1, 5))
    assert w["count"].shape == () and w["count"].item() == 7 and w["count"].dtype == ag.int64
    assert w["mask"].tolist() == [True, False]
    assert list(back["state"]) == [0, 1]  # int keys stay ints
    assert back["state"][0]["step"].item() == 3.0
    raw = back["state"][1]["raw"]
    assert isinstance(raw, np.ndarray) and raw.dtype == np.int32  # arrays come back as arrays
    assert back["groups"] == [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1], "name": None}]
    assert back["best"] == math.inf and back["flag"] is True and back["big"] == 2**100
    assert back["scalar"] == 0.25


def test_a_state_dict_file_is_plain_safetensors_both_ways(tmp_path):
    model = _mlp(0)
    path = tmp_path / "model.safetensors"
    save(model.state_dict(), path)
    arrays = load_file(path)  # any safetensors reader sees the state_dict's own names
    assert sorted(arrays) == sorted(model.state_dict())
    np.testing.assert_array_equal(arrays["0.weight"], model[0].weight.numpy())

    foreign = tmp_path / "foreign.safetensors"  # written without our metadata
    save_file({k: v.numpy() for k, v in _mlp(1).state_dict().items()}, foreign)
    model.load_state_dict(load(foreign))
    np.testing.assert_array_equal(model[2].bias.numpy(), _mlp(1)[2].bias.numpy())


@pytest.mark.parametrize("optimizer_name", ["Adam", "SGD"])
def test_model_and_optimizer_resume_training_identically(tmp_path, optimizer_name):
    def make(seed):
        model = _mlp(seed)
        kwargs = {"lr": 0.01} if optimizer_name == "Adam" else {"lr": 0.1, "momentum": 0.9}
        return model, getattr(nn.optim, optimizer_name)(model.parameters(), **kwargs)

    model, optimizer = make(0)
    _train_steps(model, optimizer, 3, seed=1)
    path = tmp_path / "ckpt.safetensors"
    save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, path)
    _train_steps(model, optimizer, 3, seed=2)

    fresh_model, fresh_optimizer = make(5)  # different weights until loaded
    checkpoint = load(path)
    fresh_model.load_state_dict(checkpoint["model"])
    fresh_optimizer.load_state_dict(checkpoint["optimizer"])
    _train_steps(fresh_model, fresh_optimizer, 3, seed=2)
    for a, b in zip(model.parameters(), fresh_model.parameters(), strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_unsupported_values_are_named(tmp_path):
    with pytest.raises(TypeError, match=r"\['optimizer'\]\['fn'\]"):
        save({"optimizer": {"fn": lambda x: x}}, tmp_path / "bad.safetensors")
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        load(tmp_path / "missing.safetensors")


def _big_state(value: float) -> dict:
    return {"w": ag.full((700_000,), value)}  # 2.8 MB: three 1 MiB chunks


def test_a_save_that_raises_halfway_keeps_the_last_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    save(_big_state(1.0), path)
    written = []

    def failing_write(handle, chunk):
        if written:
            raise OSError("disk full")
        written.append(len(chunk))
        handle.write(chunk)

    monkeypatch.setattr(serialization, "_write_chunk", failing_write)
    with pytest.raises(OSError, match="disk full"):
        save(_big_state(2.0), path)
    assert written  # it failed after writing part of the file
    assert load(path)["w"].numpy().max() == 1.0
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.safetensors"]  # no temporary left


def test_a_process_killed_mid_save_leaves_the_last_checkpoint(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    marker = tmp_path / "halfway"
    save(_big_state(1.0), path)
    script = textwrap.dedent(
        f"""
        import time
        import nashai.autograd as ag
        from nashai.nn import serialization

        def slow_write(handle, chunk):
            handle.write(chunk)
            handle.flush()
            open({str(marker)!r}, "w").close()
            time.sleep(60)  # killed here, with part of the new file written

        serialization._write_chunk = slow_write
        serialization.save({{"w": ag.full((700_000,), 2.0)}}, {str(path)!r})
        """
    )
    process = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 30
        while not marker.exists():
            assert process.poll() is None, "the saving process ended early"
            assert time.monotonic() < deadline, "the saving process never got halfway"
            time.sleep(0.05)
        partial = [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]
        assert len(partial) == 1 and 0 < partial[0].stat().st_size < path.stat().st_size
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL
    assert load(path)["w"].numpy().max() == 1.0  # the last good checkpoint is intact
