"""Trainer / fit: loss goes down, history, validation mode, early stopping, resume, plots."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import nashai.autograd as ag
import nashai.nn as nn
from nashai.nn.data import DataLoader, TensorDataset
from nashai.nn.optim.lr_scheduler import StepLR
from nashai.nn.training import CHECKPOINT_NAME, EarlyStopping, Trainer, fit, plot_history


def _problem(n: int = 256, seed: int = 0) -> tuple[TensorDataset, TensorDataset]:
    """Two classes in the plane, split by a circle; 3/4 train, 1/4 validation."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n, 2)).astype(np.float32)
    y = ((x**2).sum(axis=1) < 0.5).astype(np.int64)
    cut = 3 * n // 4
    return (
        TensorDataset(ag.tensor(x[:cut]), ag.tensor(y[:cut])),
        TensorDataset(ag.tensor(x[cut:]), ag.tensor(y[cut:])),
    )


def _model(seed: int, dropout: float = 0.0) -> nn.Module:
    ag.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Dropout(dropout), nn.Linear(32, 2))


def accuracy(output: ag.Tensor, target: ag.Tensor) -> float:
    return float((output.argmax(dim=1) == target).float().mean().item())


def test_fit_reduces_the_loss_and_fills_the_history():
    train, val = _problem()
    model = _model(0)
    history = fit(
        model,
        nn.optim.Adam(model.parameters(), lr=0.05),
        DataLoader(train, batch_size=32, shuffle=True),
        nn.CrossEntropyLoss(),
        epochs=20,
        val_loader=DataLoader(val, batch_size=50),
        metrics={"accuracy": accuracy},
        progress=False,
    )
    assert list(history) == ["loss", "accuracy", "val_loss", "val_accuracy", "lr"]
    assert all(len(values) == 20 for values in history.values())
    assert history["loss"][-1] < 0.6 * history["loss"][0]
    assert history["val_accuracy"][-1] > 0.85
    # the validation numbers are the sample-weighted means over the val set
    with ag.no_grad():
        x, y = val.tensors
        expected = nn.functional.cross_entropy(model(x), y).item()
    assert history["val_loss"][-1] == pytest.approx(expected, rel=1e-5)


class _Spy(nn.Module):
    """Records (training, grad enabled) at each forward call."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 2)
        self.calls: list[tuple[bool, bool]] = []

    def forward(self, x):
        self.calls.append((self.training, ag.is_grad_enabled()))
        return self.linear(x)


def test_validation_runs_in_eval_mode_under_no_grad():
    train, val = _problem(64)
    model = _Spy()
    fit(
        model,
        nn.optim.SGD(model.parameters(), lr=0.1),
        DataLoader(train, batch_size=48),
        nn.CrossEntropyLoss(),
        epochs=2,
        val_loader=DataLoader(val, batch_size=16),
        progress=False,
    )
    assert model.calls == [(True, True), (False, False)] * 2
    assert model.training


def test_progress_bar_shows_the_running_loss(capsys):
    train, _ = _problem(64)
    model = _model(0)
    fit(
        model,
        nn.optim.SGD(model.parameters(), lr=0.1),
        DataLoader(train, batch_size=16),
        nn.CrossEntropyLoss(),
        epochs=1,
        progress=True,
    )
    err = capsys.readouterr().err
    assert "Epoch 1/1" in err and "loss=" in err


def _run(checkpoint_dir, epochs, resume=False, fail_at_batch=None, init_seed=0):
    """A run with shuffling, dropout, Adam and a StepLR schedule: every kind of state."""
    train, val = _problem()
    model = _model(init_seed, dropout=0.2)
    optimizer = nn.optim.Adam(model.parameters(), lr=0.02)
    calls = []

    def loss_fn(output, target):
        calls.append(1)
        if fail_at_batch is not None and len(calls) == fail_at_batch:
            raise KeyboardInterrupt("simulated crash")
        return nn.functional.cross_entropy(output, target)

    history = fit(
        model,
        optimizer,
        DataLoader(train, batch_size=32, shuffle=True),
        loss_fn,
        epochs=epochs,
        val_loader=DataLoader(val, batch_size=64),
        scheduler=StepLR(optimizer, step_size=2, gamma=0.5),
        checkpoint_dir=checkpoint_dir,
        resume=resume,
        progress=False,
    )
    return model, history


def test_resume_after_a_crash_equals_an_uninterrupted_run(tmp_path):
    ag.manual_seed(123)
    straight_model, straight_history = _run(tmp_path / "straight", epochs=4)

    ag.manual_seed(123)
    # 6 train batches + 1 val batch per epoch: crash in the middle of the third epoch
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path / "crashed", epochs=4, fail_at_batch=2 * 7 + 3)
    assert (tmp_path / "crashed" / CHECKPOINT_NAME).is_file()
    ag.manual_seed(999)  # a different random state and initial weights, until resumed
    resumed_model, resumed_history = _run(tmp_path / "crashed", epochs=4, resume=True, init_seed=7)
    assert resumed_history == straight_history
    assert resumed_history["lr"] == [0.02, 0.02, 0.01, 0.01]
    for a, b in zip(straight_model.parameters(), resumed_model.parameters(), strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_resume_without_a_checkpoint_starts_afresh(tmp_path):
    _, history = _run(tmp_path / "empty", epochs=1, resume=True)
    assert len(history["loss"]) == 1


def test_early_stopping_stops_and_restores_the_best_weights():
    train, val = _problem(64)
    model = _model(0)
    monitored = iter([3.0, 2.0, 2.5, 2.4, 1.0, 0.5])  # best at epoch 2, then 2 bad epochs
    snapshots = []

    def score(output, target):  # once per epoch on the one val batch, after training
        if model.training:  # a train batch
            return 0.0
        snapshots.append([p.numpy().copy() for p in model.parameters()])
        return next(monitored)

    stopper = EarlyStopping(monitor="val_score", patience=2)
    history = fit(
        model,
        nn.optim.SGD(model.parameters(), lr=0.5),
        DataLoader(train, batch_size=16),
        nn.CrossEntropyLoss(),
        epochs=10,
        val_loader=DataLoader(val, batch_size=16),
        metrics={"score": score},
        early_stopping=stopper,
        progress=False,
    )
    assert history["val_score"] == [3.0, 2.0, 2.5, 2.4]
    assert stopper.stopped and stopper.best_epoch == 2 and stopper.best == 2.0
    for param, best in zip(model.parameters(), snapshots[1], strict=True):
        np.testing.assert_array_equal(param.numpy(), best)
    assert not np.array_equal(snapshots[1][0], snapshots[3][0])  # it did move on meanwhile


@pytest.mark.parametrize(
    ("mode", "min_delta", "values", "stops_after"),
    [
        ("min", 0.0, [1.0, 0.9, 0.95, 0.97], 4),
        ("min", 0.2, [1.0, 0.7, 0.6, 0.45, 0.4, 0.38], 6),  # gains under 0.2 do not count
        ("max", 0.0, [0.5, 0.6, 0.6, 0.55], 4),
    ],
)
def test_early_stopping_rule(mode, min_delta, values, stops_after):
    stopper = EarlyStopping(
        monitor="m", patience=2, min_delta=min_delta, mode=mode, restore_best_weights=False
    )
    model = _model(0)
    stopped = [stopper.step({"m": v}, epoch + 1, model) for epoch, v in enumerate(values)]
    assert stopped.index(True) + 1 == stops_after


def test_early_stopping_names_a_missing_key():
    with pytest.raises(KeyError, match="val_loss"):
        EarlyStopping().step({"loss": 1.0}, 1, _model(0))


def test_trainer_checks_its_arguments():
    model = _model(0)
    with pytest.raises(TypeError, match="optimizer must be an Optimizer"):
        Trainer(model, "sgd", nn.MSELoss())
    with pytest.raises(ValueError, match="scheduler_interval"):
        Trainer(
            model, nn.optim.SGD(model.parameters(), lr=0.1), nn.MSELoss(), scheduler_interval="step"
        )
    with pytest.raises(ValueError, match="checkpoint_dir"):
        Trainer(model, nn.optim.SGD(model.parameters(), lr=0.1), nn.MSELoss()).fit(
            [], 1, resume=True
        )


def test_plot_history_writes_a_figure(tmp_path):
    pytest.importorskip("matplotlib")
    history = {"loss": [1.0, 0.5], "acc": [0.5, 0.7], "val_loss": [1.1, 0.6], "lr": [0.1, 0.1]}
    figure = plot_history(history, tmp_path / "history.png")
    assert len(figure.axes) == 3  # loss with val_loss, acc, lr
    assert (tmp_path / "history.png").stat().st_size > 0


def test_plot_history_without_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r'pip install "nashai-nn\[plot\]"'):
        plot_history({"loss": [1.0]})
