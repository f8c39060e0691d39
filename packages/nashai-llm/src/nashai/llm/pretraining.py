"""Pretraining a language model on a token stream, as nanoGPT's train.py.

- `TokenDataset`: one stream of token ids split into train and validation parts; a batch is
  `batch_size` random windows of `block_size + 1` tokens, the inputs x = w[:-1] and the targets
  y = w[1:] (next-token prediction);
- `get_lr`: linear warmup, then cosine decay to `min_lr` (Loshchilov & Hutter, "SGDR", ICLR 2017);
- `estimate_loss`: mean cross-entropy over `eval_iters` batches of each split, without gradients;
- `pretrain`: AdamW steps with gradient clipping, periodic evaluation and checkpoints, resume,
  a progress bar; Ctrl-C saves a checkpoint first;
- `save_checkpoint` / `load_checkpoint`: one safetensors file written atomically by nashai.nn.save
  (weights, optimizer state, configs, tokenizer, random states).

Resuming continues exactly: the checkpoint holds the iteration, the optimizer's moments, the
state of the generator that draws the training windows and that of nashai.autograd's default
generator (dropout masks). Evaluation draws its windows from a generator seeded afresh at each
evaluation, so it never moves the training stream and every evaluation sees the same windows.
"""

from __future__ import annotations

import dataclasses
import math
import os
import signal
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from safetensors import SafetensorError
from tqdm.auto import tqdm

import nashai.autograd as ag
from nashai.llm.tokenizers import Tokenizer
from nashai.nn import Module
from nashai.nn.optim import AdamW, Optimizer
from nashai.nn.serialization import load, save
from nashai.nn.utils import clip_grad_norm_

__all__ = [
    "CHECKPOINT_FILE",
    "CheckpointError",
    "PretrainConfig",
    "TokenDataset",
    "estimate_loss",
    "get_lr",
    "load_checkpoint",
    "pretrain",
    "save_checkpoint",
]

CHECKPOINT_FILE = "checkpoint.safetensors"
FORMAT_NAME = "nashai.llm.checkpoint"
FORMAT_VERSION = 1


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------


class TokenDataset:
    """A token stream cut into train and validation parts, sampled as random windows.

    The first `1 - val_fraction` of the stream is the training part, the rest the validation part
    (nanoGPT's 90/10 split, without shuffling: neighbouring text stays in one part).

    Parameters
    ----------
    tokens:
        the token ids, shape (n,), integers in [0, vocab_size).
    block_size:
        T, the context length: each window holds T + 1 tokens.
    batch_size:
        B, the windows per batch.
    val_fraction:
        the share of the stream kept for validation, in [0, 1).
    seed:
        seed of the generator that draws the training windows.
    tokenizer:
        the tokenizer that made `tokens`, kept so that checkpoints can decode samples.
    """

    def __init__(
        self,
        tokens: Sequence[int] | np.ndarray,
        block_size: int,
        batch_size: int,
        val_fraction: float = 0.1,
        seed: int = 1337,
        tokenizer: Tokenizer | None = None,
    ) -> None:
        tokens = np.asarray(tokens)
        if tokens.ndim != 1 or not (tokens.size == 0 or np.issubdtype(tokens.dtype, np.integer)):
            raise ValueError(
                f"tokens must be a 1-D sequence of integers, got shape {tokens.shape} and dtype "
                f"{tokens.dtype}"
            )
        _check_positive("block_size", block_size)
        _check_positive("batch_size", batch_size)
        if not 0.0 <= val_fraction < 1.0:
            raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction!r}")
        self.tokens = tokens.astype(np.int64)
        self.block_size = block_size
        self.batch_size = batch_size
        self.val_fraction = val_fraction
        self.seed = seed
        self.tokenizer = tokenizer
        n_train = len(self.tokens) - int(len(self.tokens) * val_fraction)
        self.splits = {"train": self.tokens[:n_train], "val": self.tokens[n_train:]}
        for split, part in self.splits.items():
            if split == "val" and val_fraction == 0.0:
                continue
            if len(part) < block_size + 1:
                raise ValueError(
                    f"the {split} split holds {len(part)} tokens, fewer than block_size + 1 = "
                    f"{block_size + 1}: use more text or a smaller block_size"
                )
        self.generator = np.random.Generator(np.random.PCG64(seed))

    @classmethod
    def from_text(
        cls,
        text: str,
        tokenizer: Tokenizer,
        block_size: int,
        batch_size: int,
        val_fraction: float = 0.1,
        seed: int = 1337,
    ) -> TokenDataset:
        """The dataset of `tokenizer.encode(text)` (without template tokens)."""
        tokens = np.array(tokenizer.encode(text, add_special_tokens=False), dtype=np.int64)
        return cls(tokens, block_size, batch_size, val_fraction, seed, tokenizer)

    def get_batch(
        self,
        split: str = "train",
        device: Any = "cpu",
        generator: np.random.Generator | None = None,
    ) -> tuple[ag.Tensor, ag.Tensor]:
        """B random windows of `split`: inputs x and targets y, int64 tensors of shape (B, T).

        y[b, t] = x[b, t + 1] is the token that follows x[b, :t + 1]. The window starts are drawn
        uniformly from [0, len(split) - T - 1] with `generator` (the dataset's own by default).
        """
        if split not in self.splits:
            raise ValueError(f"split must be 'train' or 'val', got {split!r}")
        data = self.splits[split]
        if len(data) < self.block_size + 1:
            raise ValueError(f"the {split} split is empty (val_fraction={self.val_fraction})")
        generator = self.generator if generator is None else generator
        starts = generator.integers(0, len(data) - self.block_size, size=self.batch_size)
        windows = data[starts[:, None] + np.arange(self.block_size + 1)]  # (B, T + 1)
        x = ag.tensor(windows[:, :-1], dtype=ag.int64, device=device)
        y = ag.tensor(windows[:, 1:], dtype=ag.int64, device=device)
        return x, y

    def __len__(self) -> int:
        return len(self.tokens)

    def __repr__(self) -> str:
        return (
            f"TokenDataset(tokens={len(self.tokens)}, train={len(self.splits['train'])}, "
            f"val={len(self.splits['val'])}, block_size={self.block_size}, "
            f"batch_size={self.batch_size})"
        )


# ---------------------------------------------------------------------------------------------
# Configuration and learning-rate schedule
# ---------------------------------------------------------------------------------------------


@dataclass
class PretrainConfig:
    """The optimisation settings of `pretrain` (nanoGPT's names).

    lr_decay_iters defaults to max_iters; eval_interval also sets how often a checkpoint is
    written (and one is always written at the end).
    """

    max_iters: int = 2000
    learning_rate: float = 1e-3
    min_lr: float = 1e-4
    warmup_iters: int = 100
    lr_decay_iters: int | None = None
    decay_lr: bool = True
    weight_decay: float = 0.1
    beta1: float = 0.9
    beta2: float = 0.99
    grad_clip: float = 1.0
    eval_interval: int = 250
    eval_iters: int = 20
    seed: int = 1337

    def __post_init__(self) -> None:
        for name in ("max_iters", "warmup_iters", "eval_iters"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative int, got {value!r}")
        _check_positive("eval_interval", self.eval_interval)
        if not self.learning_rate > 0 or not self.min_lr >= 0:
            raise ValueError(
                f"learning_rate must be > 0 and min_lr >= 0, got {self.learning_rate!r} and "
                f"{self.min_lr!r}"
            )


def get_lr(iteration: int, config: PretrainConfig) -> float:
    """The learning rate at `iteration`: linear warmup, cosine decay, then constant min_lr.

    With W = warmup_iters, D = lr_decay_iters (max_iters if None), η = learning_rate:

        lr(it) = η (it + 1) / (W + 1)                                   it < W
        lr(it) = min_lr + ½ (1 + cos(π (it - W) / (D - W))) (η - min_lr)   W <= it <= D
        lr(it) = min_lr                                                 it > D

    (nanoGPT's get_lr; the cosine part is SGDR's annealing, Loshchilov & Hutter 2017.)
    """
    if not config.decay_lr:
        return config.learning_rate
    decay_iters = config.max_iters if config.lr_decay_iters is None else config.lr_decay_iters
    if iteration < config.warmup_iters:
        return config.learning_rate * (iteration + 1) / (config.warmup_iters + 1)
    if iteration > decay_iters or decay_iters <= config.warmup_iters:
        return config.min_lr
    decay_ratio = (iteration - config.warmup_iters) / (decay_iters - config.warmup_iters)
    coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
    return config.min_lr + coeff * (config.learning_rate - config.min_lr)


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------


def estimate_loss(
    model: Module, dataset: TokenDataset, eval_iters: int, seed: int = 0
) -> dict[str, float]:
    """Mean cross-entropy of the model on `eval_iters` batches of each split.

    Runs in eval mode (no dropout) without gradients and restores the model's mode. The windows
    come from a generator seeded with `seed`, so repeated calls score the same windows and the
    dataset's training stream is left untouched. Returns {"train": loss, "val": loss} (the
    perplexity is exp(loss)); a split without tokens is left out.
    """
    was_training = model.training
    model.eval()
    device = _device_of(model)
    losses = {}
    with ag.no_grad():
        for split in ("train", "val"):
            if len(dataset.splits[split]) < dataset.block_size + 1:
                continue
            generator = np.random.Generator(np.random.PCG64(seed))
            total = 0.0
            for _ in range(eval_iters):
                x, y = dataset.get_batch(split, device, generator)
                _, loss = model(x, y)
                total += loss.item()
            losses[split] = total / max(eval_iters, 1)
    model.train(was_training)
    return losses


# ---------------------------------------------------------------------------------------------
# Training loop
# ---------------------------------------------------------------------------------------------


def pretrain(
    model: Module,
    dataset: TokenDataset,
    config: PretrainConfig | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    resume: bool = False,
    progress: bool = True,
) -> list[dict[str, float]]:
    """Train `model` on `dataset` with AdamW, as nanoGPT's train.py; returns the evaluations.

    Each iteration: set the learning rate from `get_lr`, evaluate and checkpoint every
    `eval_interval` iterations, then one step on a training batch: loss = model(x, y)[1],
    backward, clip the gradients' joint norm to `grad_clip` (0 disables), AdamW step. A
    checkpoint is also written after the last iteration. With `resume`, the model, the optimizer,
    the iteration, the random states and the history are read from `out_dir` first.

    `model(idx, targets)` must return (logits, loss); the model may provide
    `configure_optimizers(weight_decay, learning_rate, betas)` (nanoGPT's: no decay on biases
    and norms), otherwise every parameter is decayed. The returned list holds one
    {"iteration", "train_loss", "val_loss", "lr"} dict per evaluation (perplexity = exp(loss)).

    Ctrl-C stops the run between two iterations (a second Ctrl-C at once): a checkpoint of the
    last completed iteration is written to `out_dir` and KeyboardInterrupt is raised again. A
    KeyboardInterrupt raised inside an iteration rolls the random states back to its start,
    so resuming is exact either way.
    """
    config = PretrainConfig() if config is None else config
    out_dir = None if out_dir is None else Path(out_dir)
    if resume and out_dir is None:
        raise ValueError("resume=True needs out_dir, the folder holding the checkpoint")
    optimizer = _make_optimizer(model, config)
    iteration = 0
    history: list[dict[str, float]] = []
    if resume:
        checkpoint = load_checkpoint(out_dir / CHECKPOINT_FILE)
        iteration, history = _restore_training_state(checkpoint, model, optimizer, dataset)

    def save() -> None:
        if out_dir is not None:
            save_checkpoint(
                out_dir / CHECKPOINT_FILE, model, optimizer, dataset, iteration, config, history
            )

    model.train()
    device = _device_of(model)
    bar = tqdm(
        total=config.max_iters, initial=min(iteration, config.max_iters), disable=not progress,
        dynamic_ncols=True, unit="it",
    )  # fmt: skip
    losses: dict[str, float] = {}
    states = _random_states(dataset)
    try:
        with _ctrl_c_between_iterations() as ctrl_c:
            while iteration < config.max_iters:
                states = _random_states(dataset)  # to roll back to if interrupted
                if ctrl_c:
                    raise KeyboardInterrupt
                lr = get_lr(iteration, config)
                for group in optimizer.param_groups:
                    group["lr"] = lr
                resumed_here = bool(history) and history[-1]["iteration"] == iteration
                if iteration % config.eval_interval == 0 and not resumed_here:
                    losses = estimate_loss(model, dataset, config.eval_iters, config.seed)
                    history.append(_record(iteration, losses, lr))
                    bar.set_postfix(_postfix(None, losses))
                    if iteration > 0:
                        save()
                x, y = dataset.get_batch("train", device)
                _, loss = model(x, y)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if config.grad_clip > 0:
                    clip_grad_norm_(model.parameters(), config.grad_clip)
                optimizer.step()
                iteration += 1
                bar.update(1)
                bar.set_postfix(_postfix(loss.item(), losses), refresh=False)
    except KeyboardInterrupt:
        _set_random_states(dataset, states)
        save()
        bar.close()
        raise
    if not history or history[-1]["iteration"] < iteration:
        losses = estimate_loss(model, dataset, config.eval_iters, config.seed)
        history.append(_record(iteration, losses, get_lr(iteration, config)))
        bar.set_postfix(_postfix(None, losses))
    bar.close()
    save()
    return history


@contextmanager
def _ctrl_c_between_iterations() -> Iterator[list[bool]]:
    """Within: a first Ctrl-C (SIGINT) only appends to the yielded list, which the loop checks
    between iterations, so no optimizer step is cut in half; a second one interrupts at once.
    Outside the main thread (where signal handlers cannot be set) nothing changes."""
    requested: list[bool] = []
    if threading.current_thread() is not threading.main_thread():
        yield requested
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is None:  # installed outside Python: fall back to the usual KeyboardInterrupt
        previous = signal.default_int_handler

    def request_stop(signum, frame) -> None:
        requested.append(True)
        signal.signal(signal.SIGINT, previous)

    signal.signal(signal.SIGINT, request_stop)
    try:
        yield requested
    finally:
        signal.signal(signal.SIGINT, previous)


def _make_optimizer(model: Module, config: PretrainConfig) -> Optimizer:
    """The model's own AdamW (nanoGPT's configure_optimizers) or AdamW on all parameters."""
    betas = (config.beta1, config.beta2)
    if hasattr(model, "configure_optimizers"):
        return model.configure_optimizers(config.weight_decay, config.learning_rate, betas)
    return AdamW(
        model.parameters(), lr=config.learning_rate, betas=betas, weight_decay=config.weight_decay
    )


def _record(iteration: int, losses: Mapping[str, float], lr: float) -> dict[str, float]:
    return {
        "iteration": iteration,
        "train_loss": losses.get("train", math.nan),
        "val_loss": losses.get("val", math.nan),
        "lr": lr,
    }


def _postfix(loss: float | None, losses: Mapping[str, float]) -> dict[str, str]:
    shown = {} if loss is None else {"loss": f"{loss:.4f}"}
    shown.update({f"{split}": f"{value:.4f}" for split, value in losses.items()})
    return shown


def _device_of(model: Module) -> ag.device:
    for param in model.parameters():
        return param.device
    return ag.device("cpu")


def _random_states(dataset: TokenDataset) -> dict[str, Any]:
    """The states of the generators training draws from: the windows' and the default one."""
    return {
        "data": dataset.generator.bit_generator.state,
        "default": ag.random.default_generator.get_state(),
    }


def _set_random_states(dataset: TokenDataset, states: Mapping[str, Any]) -> None:
    dataset.generator.bit_generator.state = states["data"]
    ag.random.default_generator.set_state(states["default"])


# ---------------------------------------------------------------------------------------------
# Checkpoints
# ---------------------------------------------------------------------------------------------


class CheckpointError(ValueError):
    """A checkpoint that cannot be read, or that does not fit the model it is loaded into."""


def save_checkpoint(
    path: str | os.PathLike[str],
    model: Module,
    optimizer: Optimizer | None = None,
    dataset: TokenDataset | None = None,
    iteration: int = 0,
    config: PretrainConfig | None = None,
    history: Sequence[Mapping[str, float]] = (),
) -> None:
    """Write a training checkpoint to `path` with `nashai.nn.save` (one safetensors file,
    written to a temporary file and renamed into place).

    It holds the model's state_dict ("model.<name>" tensors), the optimizer's state_dict, the
    model's config (`model.config`, a dataclass), the pretraining config, the iteration, the
    history, the dataset's settings, its tokenizer and the random states of the training
    stream.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tokenizer = None if dataset is None else dataset.tokenizer
    checkpoint = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "model_type": type(model).__name__,
        "model_config": _as_dict(getattr(model, "config", None)),
        "pretrain_config": _as_dict(config),
        "iteration": iteration,
        "history": [dict(record) for record in history],
        "tokenizer": None if tokenizer is None else tokenizer.to_dict(),
        "random_states": None if dataset is None else _random_states(dataset),
        "data_config": None if dataset is None else _data_config(dataset),
        "model": model.state_dict(),
        "optimizer": None if optimizer is None else optimizer.state_dict(),
    }
    save(checkpoint, path)


def load_checkpoint(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a checkpoint written by `save_checkpoint`: the dict it saved, with the tokenizer
    rebuilt (a Tokenizer, or None).

    Raises FileNotFoundError when there is no file and CheckpointError when the file is not a
    readable nashai checkpoint.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        checkpoint = load(path)
    except (SafetensorError, OSError, KeyError, TypeError, ValueError) as error:
        raise CheckpointError(f"{path} is not a readable checkpoint ({error})") from None
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != FORMAT_NAME:
        raise CheckpointError(f"{path} is not a nashai.llm training checkpoint")
    if checkpoint.get("version") != FORMAT_VERSION:
        raise CheckpointError(
            f"{path}: checkpoint format version {checkpoint.get('version')!r} is not supported "
            f"(expected {FORMAT_VERSION})"
        )
    if checkpoint["tokenizer"] is not None:
        try:
            checkpoint["tokenizer"] = Tokenizer.from_dict(checkpoint["tokenizer"], str(path))
        except (TypeError, ValueError, KeyError) as error:
            raise CheckpointError(f"{path}: its tokenizer cannot be read ({error})") from None
    return checkpoint


def _restore_training_state(
    checkpoint: Mapping[str, Any],
    model: Module,
    optimizer: Optimizer,
    dataset: TokenDataset,
) -> tuple[int, list[dict[str, float]]]:
    """Load a checkpoint's weights, optimizer state and random states; returns the iteration
    and the history. Raises CheckpointError when the checkpoint does not fit the model."""
    try:
        model.load_state_dict(checkpoint["model"])
        if checkpoint.get("optimizer") is not None:
            optimizer.load_state_dict(checkpoint["optimizer"])
    except (RuntimeError, ValueError, KeyError) as error:
        message = str(error).replace("\n\t", " ")
        raise CheckpointError(f"the checkpoint does not fit the model: {message}") from None
    if checkpoint.get("random_states") is not None:
        _set_random_states(dataset, checkpoint["random_states"])
    return int(checkpoint["iteration"]), [dict(record) for record in checkpoint["history"]]


def _data_config(dataset: TokenDataset) -> dict[str, Any]:
    return {
        "block_size": dataset.block_size,
        "batch_size": dataset.batch_size,
        "val_fraction": dataset.val_fraction,
        "seed": dataset.seed,
    }


def _as_dict(config: Any) -> dict[str, Any] | None:
    if config is None:
        return None
    if dataclasses.is_dataclass(config):
        return dataclasses.asdict(config)
    return dict(config)


def _check_positive(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
