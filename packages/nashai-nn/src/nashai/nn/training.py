"""Trainer and fit: the training loop, written once, with validation, early stopping,
checkpoints and resume.

    history = fit(model, optimizer, train_loader, nn.MSELoss(), epochs=20,
                  val_loader=val_loader, metrics={"mae": mean_absolute_error},
                  early_stopping=EarlyStopping(patience=3), checkpoint_dir="runs/mlp",
                  resume=True)
    plot_history(history, "history.png")

Each epoch: one pass over train_loader in train mode (forward, loss, backward, optional gradient
clipping, optimizer step, optional per-batch scheduler step) behind a tqdm progress bar showing
the running loss; then one pass over val_loader in eval mode under no_grad; then the per-epoch
scheduler step, early stopping, and a checkpoint. `history` is a dict of lists with one entry
per epoch: "loss", each metric, "val_loss" and "val_<metric>" (with a val_loader), and "lr".

A batch is a tuple or list (inputs..., target): the model is called on the inputs and the loss
on (output, target). Losses and metrics are averaged over samples (batches weighted by their
size), so a short last batch counts for what it holds.

Checkpoints (checkpoint_dir/last.safetensors, written atomically by nashai.nn.save) hold the
model, optimizer, scheduler and early-stopping state, the history, the epoch and the random
generators' states (the default one, and the train loader's own if it has one). With
resume=True, fit continues from that file, and the run ends with the same weights as a run that
was never interrupted.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tqdm import tqdm

import nashai.autograd as ag
from nashai.autograd import Tensor
from nashai.autograd import random as ag_random
from nashai.nn.module import Module
from nashai.nn.optim.lr_scheduler import ReduceLROnPlateau
from nashai.nn.optim.optimizer import Optimizer
from nashai.nn.serialization import load, save
from nashai.nn.utils.clip_grad import clip_grad_norm_

__all__ = ["EarlyStopping", "Trainer", "fit", "plot_history"]

CHECKPOINT_NAME = "last.safetensors"
Metric = Callable[[Tensor, Tensor], Any]


class EarlyStopping:
    """Stop training when a monitored quantity has stopped improving (as Keras' EarlyStopping).

    An epoch improves on the best value when value < best - min_delta (mode "min") or
    value > best + min_delta (mode "max"). Training stops after `patience` epochs in a row
    without improvement; with restore_best_weights the model then gets back the weights of
    its best epoch.

    Args:
        monitor: the history key to watch ("val_loss", "loss", "val_accuracy", ...).
        patience: the number of epochs without improvement to tolerate.
        min_delta: the smallest change that counts as an improvement.
        mode: "min" (a loss) or "max" (an accuracy).
        restore_best_weights: load the best epoch's weights when stopping.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 5,
        min_delta: float = 0.0,
        mode: str = "min",
        restore_best_weights: bool = True,
    ):
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:
            raise ValueError(f"patience must be a non-negative integer, got {patience!r}")
        if not min_delta >= 0:
            raise ValueError(f"min_delta must be non-negative, got {min_delta!r}")
        self.monitor = monitor
        self.patience = patience
        self.min_delta = float(min_delta)
        self.mode = mode
        self.restore_best_weights = restore_best_weights
        self.best = math.inf if mode == "min" else -math.inf
        self.best_epoch = -1
        self.wait = 0
        self.stopped = False
        self.best_weights: dict[str, Tensor] | None = None

    def step(self, logs: dict[str, float], epoch: int, model: Module) -> bool:
        """Record this epoch's logs; return True when training should stop."""
        if self.monitor not in logs:
            raise KeyError(
                f"EarlyStopping monitors {self.monitor!r}, but the epoch's logs have only "
                f"{sorted(logs)} (a 'val_' key needs a val_loader)"
            )
        value = logs[self.monitor]
        if self._improves(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_weights = _copy_state(model)
        else:
            self.wait += 1
            self.stopped = self.wait >= self.patience
        return self.stopped

    def _improves(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def restore(self, model: Module) -> None:
        """Load the best epoch's weights into model (if they were kept)."""
        if self.best_weights is not None:
            model.load_state_dict(self.best_weights)

    def state_dict(self) -> dict[str, Any]:
        return {
            "best": self.best,
            "best_epoch": self.best_epoch,
            "wait": self.wait,
            "stopped": self.stopped,
            "best_weights": self.best_weights,
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.best = state_dict["best"]
        self.best_epoch = state_dict["best_epoch"]
        self.wait = state_dict["wait"]
        self.stopped = state_dict["stopped"]
        self.best_weights = state_dict["best_weights"]

    def __repr__(self) -> str:
        return (
            f"EarlyStopping(monitor={self.monitor!r}, patience={self.patience}, "
            f"min_delta={self.min_delta}, mode={self.mode!r}, "
            f"restore_best_weights={self.restore_best_weights})"
        )


class Trainer:
    """Trains a model with an optimizer and a loss, epoch after epoch; see the module docstring.

    Args:
        model: the Module to train.
        optimizer: an Optimizer over (some of) the model's parameters.
        loss_fn: loss_fn(output, target) -> a scalar Tensor (a loss module or function).
        metrics: {name: metric(output, target) -> number}, evaluated on every batch (under
            no_grad) and averaged over the epoch's samples.
        scheduler: a learning-rate scheduler; ReduceLROnPlateau is stepped with the early
            stopping's monitored value (or "val_loss", else "loss").
        scheduler_interval: step the scheduler once per "epoch" or once per "batch".
        early_stopping: an EarlyStopping, or None to run every epoch.
        checkpoint_dir: write checkpoint_dir/last.safetensors after every epoch.
        clip_grad_norm: if set, clip the gradients' total 2-norm to it before each step.
        progress: show a tqdm progress bar per epoch.
    """

    def __init__(
        self,
        model: Module,
        optimizer: Optimizer,
        loss_fn: Callable[[Tensor, Tensor], Tensor],
        metrics: dict[str, Metric] | None = None,
        scheduler=None,
        scheduler_interval: str = "epoch",
        early_stopping: EarlyStopping | None = None,
        checkpoint_dir: str | Path | None = None,
        clip_grad_norm: float | None = None,
        progress: bool = True,
    ):
        if not isinstance(model, Module):
            raise TypeError(f"model must be a Module, got {type(model).__name__}")
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"optimizer must be an Optimizer, got {type(optimizer).__name__}")
        if scheduler_interval not in ("epoch", "batch"):
            raise ValueError(
                f"scheduler_interval must be 'epoch' or 'batch', got {scheduler_interval!r}"
            )
        self.model = model
        self.optimizer = optimizer
        self.loss_fn = loss_fn
        self.metrics = dict(metrics or {})
        self.scheduler = scheduler
        self.scheduler_interval = scheduler_interval
        self.early_stopping = early_stopping
        self.checkpoint_dir = None if checkpoint_dir is None else Path(checkpoint_dir)
        self.clip_grad_norm = clip_grad_norm
        self.progress = progress
        self.history: dict[str, list[float]] = {}
        self.epoch = 0  # epochs completed
        self._train_loader = None

    # --- the loop -----------------------------------------------------------------------------

    def fit(
        self,
        train_loader: Iterable,
        epochs: int,
        val_loader: Iterable | None = None,
        resume: bool = False,
    ) -> dict[str, list[float]]:
        """Train until `epochs` epochs are complete (counting those of a resumed run) or early
        stopping stops; return the history."""
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
            raise ValueError(f"epochs must be a non-negative integer, got {epochs!r}")
        self._train_loader = train_loader  # its generator's state goes in the checkpoints
        if resume:
            self._resume()
        while self.epoch < epochs and not self._stopped():
            logs = self.train_epoch(train_loader, epochs)
            if val_loader is not None:
                evaluation = self.evaluate(val_loader)
                logs.update({f"val_{name}": value for name, value in evaluation.items()})
            logs["lr"] = self.optimizer.param_groups[0]["lr"]
            for key, value in logs.items():
                self.history.setdefault(key, []).append(value)
            self.epoch += 1
            self._end_of_epoch(logs)
        return self.history

    def train_epoch(self, loader: Iterable, epochs: int | None = None) -> dict[str, float]:
        """One pass over loader, updating the model; returns the epoch's mean loss and metrics."""
        self.model.train()
        totals = _Averages()
        description = f"Epoch {self.epoch + 1}" + (f"/{epochs}" if epochs else "")
        bar = tqdm(loader, desc=description, disable=not self.progress, unit="batch", leave=True)
        for batch in bar:
            inputs, target = _split(batch)
            output = self.model(*inputs)
            loss = self.loss_fn(output, target)
            self.optimizer.zero_grad()
            loss.backward()
            if self.clip_grad_norm is not None:
                clip_grad_norm_(self.model.parameters(), self.clip_grad_norm)
            self.optimizer.step()
            if self.scheduler is not None and self.scheduler_interval == "batch":
                self.scheduler.step()
            with ag.no_grad():
                totals.add(self._batch_logs(output.detach(), target, loss), _count(target))
            bar.set_postfix(loss=f"{totals.mean('loss'):.4f}", refresh=False)
        bar.close()
        return totals.means()

    def evaluate(self, loader: Iterable) -> dict[str, float]:
        """The mean loss and metrics over loader, in eval mode under no_grad."""
        was_training = self.model.training
        self.model.eval()
        totals = _Averages()
        try:
            with ag.no_grad():
                for batch in loader:
                    inputs, target = _split(batch)
                    output = self.model(*inputs)
                    loss = self.loss_fn(output, target)
                    totals.add(self._batch_logs(output, target, loss), _count(target))
        finally:
            self.model.train(was_training)
        return totals.means()

    def _batch_logs(self, output: Tensor, target, loss: Tensor) -> dict[str, float]:
        logs = {"loss": float(loss.item())}
        for name, metric in self.metrics.items():
            value = metric(output, target)
            logs[name] = float(value.item() if isinstance(value, Tensor) else value)
        return logs

    def _end_of_epoch(self, logs: dict[str, float]) -> None:
        if self.scheduler is not None and self.scheduler_interval == "epoch":
            if isinstance(self.scheduler, ReduceLROnPlateau):
                self.scheduler.step(logs[self._monitor(logs)])
            else:
                self.scheduler.step()
        if self.early_stopping is not None:
            if self.early_stopping.step(logs, self.epoch, self.model):
                self.early_stopping.restore(self.model)
        if self.progress:
            summary = ", ".join(f"{key}={value:.4g}" for key, value in logs.items())
            tqdm.write(f"Epoch {self.epoch}: {summary}")
        if self.checkpoint_dir is not None:
            self.save_checkpoint(self.checkpoint_dir / CHECKPOINT_NAME)

    def _monitor(self, logs: dict[str, float]) -> str:
        if self.early_stopping is not None:
            return self.early_stopping.monitor
        return "val_loss" if "val_loss" in logs else "loss"

    def _stopped(self) -> bool:
        return self.early_stopping is not None and self.early_stopping.stopped

    # --- checkpoints ------------------------------------------------------------------------

    def state_dict(self, train_loader: Iterable | None = None) -> dict[str, Any]:
        """Everything a resumed run needs: weights, optimizer, scheduler, early stopping,
        history, epoch and random states."""
        generator = getattr(train_loader, "generator", None)
        return {
            "epoch": self.epoch,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": None if self.scheduler is None else self.scheduler.state_dict(),
            "early_stopping": (
                None if self.early_stopping is None else self.early_stopping.state_dict()
            ),
            "history": self.history,
            "rng": {
                "default": ag_random.default_generator.get_state(),
                "train_loader": None if generator is None else generator.get_state(),
            },
        }

    def load_state_dict(
        self, state_dict: dict[str, Any], train_loader: Iterable | None = None
    ) -> None:
        self.epoch = state_dict["epoch"]
        self.model.load_state_dict(state_dict["model"])
        self.optimizer.load_state_dict(state_dict["optimizer"])
        if self.scheduler is not None and state_dict["scheduler"] is not None:
            self.scheduler.load_state_dict(state_dict["scheduler"])
        if self.early_stopping is not None and state_dict["early_stopping"] is not None:
            self.early_stopping.load_state_dict(state_dict["early_stopping"])
        self.history = {key: list(values) for key, values in state_dict["history"].items()}
        ag_random.default_generator.set_state(state_dict["rng"]["default"])
        generator = getattr(train_loader, "generator", None)
        if generator is not None and state_dict["rng"]["train_loader"] is not None:
            generator.set_state(state_dict["rng"]["train_loader"])

    def save_checkpoint(self, path: str | Path) -> None:
        """Write state_dict() to path (atomically), creating its directory."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        save(self.state_dict(self._train_loader), path)

    def _resume(self) -> None:
        """Continue from checkpoint_dir/last.safetensors, if there is one."""
        if self.checkpoint_dir is None:
            raise ValueError("resume=True needs a checkpoint_dir to resume from")
        path = self.checkpoint_dir / CHECKPOINT_NAME
        if path.is_file():
            self.load_state_dict(load(path), self._train_loader)


def fit(
    model: Module,
    optimizer: Optimizer,
    train_loader: Iterable,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    epochs: int,
    val_loader: Iterable | None = None,
    metrics: dict[str, Metric] | None = None,
    scheduler=None,
    scheduler_interval: str = "epoch",
    early_stopping: EarlyStopping | None = None,
    checkpoint_dir: str | Path | None = None,
    resume: bool = False,
    clip_grad_norm: float | None = None,
    progress: bool = True,
) -> dict[str, list[float]]:
    """Train model for `epochs` epochs and return the history (see Trainer for the arguments).

    Returns:
        {"loss": [...], <metric>: [...], "val_loss": [...], "val_<metric>": [...], "lr": [...]},
        one value per epoch run (including the epochs of the run resumed from).
    """
    trainer = Trainer(
        model,
        optimizer,
        loss_fn,
        metrics=metrics,
        scheduler=scheduler,
        scheduler_interval=scheduler_interval,
        early_stopping=early_stopping,
        checkpoint_dir=checkpoint_dir,
        clip_grad_norm=clip_grad_norm,
        progress=progress,
    )
    return trainer.fit(train_loader, epochs, val_loader=val_loader, resume=resume)


def plot_history(history: dict[str, list[float]], path: str | Path | None = None):
    """Plot each quantity of a history against the epoch, "x" beside "val_x" in one panel.

    Needs matplotlib (`pip install "nashai-nn[plot]"`). Returns the matplotlib Figure, saved
    to `path` when given.
    """
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError(
            'plot_history needs matplotlib: install it with pip install "nashai-nn[plot]"'
        ) from error
    names = [key for key in history if not key.startswith("val_")]
    names += [key[4:] for key in history if key.startswith("val_") and key[4:] not in history]
    figure = Figure(figsize=(4.0 * len(names), 3.2), layout="constrained")
    axes = figure.subplots(1, len(names), squeeze=False)[0]
    for ax, name in zip(axes, names, strict=True):
        for key in (name, f"val_{name}"):
            if key in history:
                values = history[key]
                ax.plot(range(1, len(values) + 1), values, marker="o", label=key)
        ax.set_xlabel("epoch")
        ax.set_title(name)
        ax.legend()
    if path is not None:
        figure.savefig(path)
    return figure


# --- helpers --------------------------------------------------------------------------------


class _Averages:
    """Sample-weighted running means of named values."""

    def __init__(self):
        self.sums: dict[str, float] = {}
        self.count = 0

    def add(self, values: dict[str, float], n: int) -> None:
        for key, value in values.items():
            self.sums[key] = self.sums.get(key, 0.0) + value * n
        self.count += n

    def mean(self, key: str) -> float:
        return self.sums[key] / max(self.count, 1)

    def means(self) -> dict[str, float]:
        return {key: self.mean(key) for key in self.sums}


def _split(batch) -> tuple[tuple, Any]:
    """(inputs, target) of a batch (inputs..., target)."""
    if not isinstance(batch, list | tuple) or len(batch) < 2:
        raise ValueError(
            f"a batch must be a tuple or list (inputs..., target), got a {type(batch).__name__}"
        )
    return tuple(batch[:-1]), batch[-1]


def _count(target) -> int:
    """The number of samples in a batch: the first dimension of its target."""
    return len(target) if hasattr(target, "__len__") else 1


def _copy_state(model: Module) -> dict[str, Tensor]:
    with ag.no_grad():
        return {name: value.clone() for name, value in model.state_dict().items()}
