"""Pretraining: data windows, nanoGPT's learning-rate schedule, the loop, checkpoints, resume."""

import math

import numpy as np
import pytest

import nashai.autograd as ag
from nashai.llm.data import load_corpus
from nashai.llm.gpt import GPT, GPTConfig
from nashai.llm.pretraining import (
    CHECKPOINT_FILE,
    CheckpointError,
    PretrainConfig,
    TokenDataset,
    estimate_loss,
    get_lr,
    load_checkpoint,
    pretrain,
)
from nashai.llm.tokenizers import CharTokenizer


def nanogpt_get_lr(it, learning_rate, warmup_iters, lr_decay_iters, min_lr):
    """nanoGPT's train.py get_lr, written out independently as the reference."""
    if it < warmup_iters:
        return learning_rate * (it + 1) / (warmup_iters + 1)
    if it > lr_decay_iters:
        return min_lr
    decay_ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)
    assert 0 <= decay_ratio <= 1
    coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
    return min_lr + coeff * (learning_rate - min_lr)


@pytest.fixture(scope="module")
def text():
    return load_corpus()[:20_000]


@pytest.fixture(scope="module")
def tokenizer(text):
    return CharTokenizer.train(text)


def tiny_gpt(vocab_size, block_size=16, dropout=0.0, seed=0):
    ag.manual_seed(seed)
    config = GPTConfig(vocab_size, block_size, n_layer=1, n_head=2, n_embd=16, dropout=dropout)
    return GPT(config)


# --- learning-rate schedule -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("warmup_iters", "lr_decay_iters", "min_lr"), [(10, 100, 1e-4), (0, 50, 0.0), (100, 5000, 6e-5)]
)
def test_get_lr_is_nanogpts_schedule(warmup_iters, lr_decay_iters, min_lr):
    config = PretrainConfig(
        max_iters=lr_decay_iters + 20,
        learning_rate=6e-4,
        min_lr=min_lr,
        warmup_iters=warmup_iters,
        lr_decay_iters=lr_decay_iters,
    )
    for it in range(lr_decay_iters + 20):
        expected = nanogpt_get_lr(it, 6e-4, warmup_iters, lr_decay_iters, min_lr)
        assert get_lr(it, config) == pytest.approx(expected, rel=1e-12, abs=1e-15)
    # the landmarks: peak right after warmup, min_lr at the end of the decay and after it
    assert get_lr(warmup_iters, config) == pytest.approx(6e-4)
    assert get_lr(lr_decay_iters, config) == pytest.approx(min_lr, abs=1e-15)
    assert get_lr(lr_decay_iters + 5, config) == min_lr


def test_get_lr_defaults_decay_to_max_iters_and_can_be_constant():
    config = PretrainConfig(max_iters=200, warmup_iters=20, learning_rate=1e-3, min_lr=1e-4)
    assert get_lr(110, config) == pytest.approx(nanogpt_get_lr(110, 1e-3, 20, 200, 1e-4))
    constant = PretrainConfig(max_iters=200, decay_lr=False, learning_rate=1e-3)
    assert {get_lr(it, constant) for it in (0, 50, 199)} == {1e-3}


# --- data ---------------------------------------------------------------------------------------


def test_windows_come_from_their_split_and_targets_are_shifted():
    tokens = np.arange(1000)
    dataset = TokenDataset(tokens, block_size=8, batch_size=64, val_fraction=0.1, seed=0)
    n_train = 900
    for split, low, high in [("train", 0, n_train), ("val", n_train, 1000)]:
        starts = set()
        for _ in range(200):
            x, y = dataset.get_batch(split)
            x, y = x.numpy(), y.numpy()
            assert x.shape == y.shape == (64, 8) and x.dtype == np.int64
            assert ((x >= low) & (x < high)).all() and ((y >= low) & (y < high)).all()
            np.testing.assert_array_equal(np.diff(x, axis=1), 1)  # contiguous windows
            np.testing.assert_array_equal(y, x + 1)  # next-token targets
            starts.update(x[:, 0].tolist())
        # every start in [low, high - block_size - 1] is reachable, nothing beyond
        assert starts == set(range(low, high - 8))


def test_windows_are_seeded():
    first = TokenDataset(np.arange(500), 8, 4, seed=3)
    second = TokenDataset(np.arange(500), 8, 4, seed=3)
    other = TokenDataset(np.arange(500), 8, 4, seed=4)
    a, b, c = (d.get_batch()[0].numpy() for d in (first, second, other))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("n_tokens", [5, 50])
def test_text_shorter_than_a_window_is_refused(n_tokens):
    with pytest.raises(ValueError, match="block_size"):
        TokenDataset(np.arange(n_tokens), block_size=16, batch_size=2, val_fraction=0.1)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="block_size"):
        TokenDataset(np.arange(100), block_size=0, batch_size=2)
    with pytest.raises(ValueError, match="val_fraction"):
        TokenDataset(np.arange(100), block_size=4, batch_size=2, val_fraction=1.0)
    with pytest.raises(ValueError, match="split"):
        TokenDataset(np.arange(100), block_size=4, batch_size=2).get_batch("test")


# --- evaluation and training ----------------------------------------------------------------


def test_estimate_loss_is_the_mean_loss_on_fixed_windows(text, tokenizer):
    dataset = TokenDataset.from_text(text, tokenizer, block_size=16, batch_size=4)
    model = tiny_gpt(tokenizer.vocab_size, dropout=0.2)
    state = dataset.generator.bit_generator.state
    losses = estimate_loss(model, dataset, eval_iters=3, seed=7)
    assert model.training  # mode restored
    assert dataset.generator.bit_generator.state == state  # training stream untouched
    assert estimate_loss(model, dataset, eval_iters=3, seed=7) == losses
    # reference: the same windows through the model in eval mode, by hand
    model.eval()
    for split in ("train", "val"):
        generator = np.random.Generator(np.random.PCG64(7))
        expected = np.mean([model(*dataset.get_batch(split, "cpu", generator))[1].item()
                            for _ in range(3)])  # fmt: skip
        assert losses[split] == pytest.approx(expected, rel=1e-6)


def test_a_tiny_gpt_learns(text, tokenizer, tmp_path):
    dataset = TokenDataset.from_text(text, tokenizer, block_size=16, batch_size=8, seed=0)
    model = tiny_gpt(tokenizer.vocab_size)
    config = PretrainConfig(max_iters=80, learning_rate=1e-2, min_lr=1e-3, warmup_iters=5,
                            eval_interval=40, eval_iters=4)  # fmt: skip
    history = pretrain(model, dataset, config, tmp_path, progress=False)
    assert [record["iteration"] for record in history] == [0, 40, 80]
    first, last = history[0], history[-1]
    assert first["val_loss"] == pytest.approx(math.log(tokenizer.vocab_size), rel=0.05)
    assert last["train_loss"] < first["train_loss"] - 1.0
    assert last["val_loss"] < first["val_loss"] - 1.0
    checkpoint = load_checkpoint(tmp_path / CHECKPOINT_FILE)
    assert checkpoint["iteration"] == 80
    assert checkpoint["model_config"]["n_embd"] == 16
    assert checkpoint["tokenizer"].chars == tokenizer.chars
    assert checkpoint["history"] == history


# --- checkpoints and resume -----------------------------------------------------------------

RESUME_CONFIG = dict(max_iters=12, learning_rate=3e-3, min_lr=3e-4, warmup_iters=3,
                     lr_decay_iters=12, eval_interval=4, eval_iters=2)  # fmt: skip


def run(text, tokenizer, out_dir, max_iters, resume=False, interrupt_at=None):
    """Train a tiny GPT with dropout for max_iters; raise KeyboardInterrupt in the step that
    would finish iteration `interrupt_at`, as Ctrl-C would."""
    dataset = TokenDataset.from_text(text, tokenizer, block_size=16, batch_size=4, seed=1)
    model = tiny_gpt(tokenizer.vocab_size, dropout=0.1, seed=5)
    if interrupt_at is not None:
        forward, calls = model.forward, []

        def interrupted(idx, targets=None, cache=None):
            if model.training:
                calls.append(1)
                if len(calls) > interrupt_at:
                    raise KeyboardInterrupt
            return forward(idx, targets, cache)

        model.forward = interrupted
    config = PretrainConfig(**{**RESUME_CONFIG, "max_iters": max_iters})
    history = pretrain(model, dataset, config, out_dir, resume=resume, progress=False)
    return model, history


def weights(model):
    return {name: value.numpy().copy() for name, value in model.state_dict().items()}


def test_resume_equals_an_uninterrupted_run(text, tokenizer, tmp_path):
    straight, straight_history = run(text, tokenizer, tmp_path / "straight", 12)
    # stop after 8 iterations (a checkpoint is written), then continue to 12
    run(text, tokenizer, tmp_path / "resumed", 8)
    resumed, resumed_history = run(text, tokenizer, tmp_path / "resumed", 12, resume=True)
    assert resumed_history == straight_history
    for name, value in weights(straight).items():
        np.testing.assert_array_equal(weights(resumed)[name], value, err_msg=name)


def test_keyboard_interrupt_saves_a_checkpoint_that_resumes_exactly(text, tokenizer, tmp_path):
    straight, straight_history = run(text, tokenizer, tmp_path / "straight", 12)
    with pytest.raises(KeyboardInterrupt):
        run(text, tokenizer, tmp_path / "stopped", 12, interrupt_at=6)
    assert load_checkpoint(tmp_path / "stopped" / CHECKPOINT_FILE)["iteration"] == 6
    resumed, resumed_history = run(text, tokenizer, tmp_path / "stopped", 12, resume=True)
    assert resumed_history == straight_history
    for name, value in weights(straight).items():
        np.testing.assert_array_equal(weights(resumed)[name], value, err_msg=name)


def test_unreadable_and_mismatched_checkpoints(text, tokenizer, tmp_path):
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "missing.safetensors")
    corrupt = tmp_path / "corrupt.safetensors"
    corrupt.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00not a header")
    with pytest.raises(CheckpointError):
        load_checkpoint(corrupt)
    run(text, tokenizer, tmp_path / "run", 4)
    dataset = TokenDataset.from_text(text, tokenizer, block_size=16, batch_size=4)
    ag.manual_seed(0)
    wider = GPT(GPTConfig(tokenizer.vocab_size, 16, n_layer=1, n_head=2, n_embd=32))
    with pytest.raises(CheckpointError, match="does not fit"):
        pretrain(wider, dataset, PretrainConfig(max_iters=8), tmp_path / "run", resume=True,
                 progress=False)  # fmt: skip


def test_a_real_ctrl_c_stops_between_iterations(text, tokenizer, tmp_path, monkeypatch):
    import os
    import signal
    import threading

    import nashai.llm.pretraining as pretraining

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signal handlers can only be set in the main thread")
    straight, straight_history = run(text, tokenizer, tmp_path / "straight", 12)
    clip, calls = pretraining.clip_grad_norm_, []

    def ctrl_c_in_the_sixth_step(*args, **kwargs):
        calls.append(1)
        if len(calls) == 6:
            os.kill(os.getpid(), signal.SIGINT)  # the step still finishes
        return clip(*args, **kwargs)

    monkeypatch.setattr(pretraining, "clip_grad_norm_", ctrl_c_in_the_sixth_step)
    with pytest.raises(KeyboardInterrupt):
        run(text, tokenizer, tmp_path / "stopped", 12)
    assert len(calls) == 6
    assert load_checkpoint(tmp_path / "stopped" / CHECKPOINT_FILE)["iteration"] == 6
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handler restored
    monkeypatch.setattr(pretraining, "clip_grad_norm_", clip)
    resumed, resumed_history = run(text, tokenizer, tmp_path / "stopped", 12, resume=True)
    assert resumed_history == straight_history
    for name, value in weights(straight).items():
        np.testing.assert_array_equal(weights(resumed)[name], value, err_msg=name)
