"""Sampling: the logit filters against transformers' logits processors, and generate/stream."""

import numpy as np
import pytest
import torch

import nashai.autograd as ag
from nashai.llm.gpt import GPT, GPTConfig
from nashai.llm.sampling import (
    apply_repetition_penalty,
    generate,
    stream,
    top_k_filter,
    top_p_filter,
)

logits_process = pytest.importorskip("transformers.generation.logits_process")


@pytest.fixture(scope="module")
def model():
    ag.manual_seed(0)
    return GPT(GPTConfig(vocab_size=29, block_size=12, n_layer=2, n_head=2, n_embd=16))


def random_logits(seed: int, shape=(5, 40)) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal(shape) * 3).astype(np.float32)


def assert_same_filter(ours: ag.Tensor, theirs: torch.Tensor) -> None:
    ours, theirs = ours.numpy(), theirs.numpy()
    np.testing.assert_array_equal(np.isneginf(ours), np.isneginf(theirs))
    kept = ~np.isneginf(ours)
    np.testing.assert_allclose(ours[kept], theirs[kept], rtol=1e-6)


@pytest.mark.parametrize("k", [1, 3, 17, 40, 100])
def test_top_k_matches_transformers(k):
    logits = random_logits(k)
    expected = logits_process.TopKLogitsWarper(top_k=k)(None, torch.tensor(logits))
    assert_same_filter(top_k_filter(ag.tensor(logits), k), expected)


@pytest.mark.parametrize("p", [0.05, 0.3, 0.7, 0.9, 0.99, 1.0])
def test_top_p_matches_transformers(p):
    logits = random_logits(int(p * 100))
    expected = logits_process.TopPLogitsWarper(top_p=p)(None, torch.tensor(logits))
    assert_same_filter(top_p_filter(ag.tensor(logits), p), expected)


@pytest.mark.parametrize("penalty", [0.5, 1.3, 2.0])
def test_repetition_penalty_matches_transformers(penalty):
    logits = random_logits(3)
    idx = np.random.default_rng(4).integers(0, 40, size=(5, 7))
    processor = logits_process.RepetitionPenaltyLogitsProcessor(penalty=penalty)
    expected = processor(torch.tensor(idx), torch.tensor(logits))
    ours = apply_repetition_penalty(ag.tensor(logits), ag.tensor(idx), penalty)
    np.testing.assert_allclose(ours.numpy(), expected.numpy(), rtol=1e-6)


def test_greedy_is_the_argmax_of_each_step(model):
    prompt = ag.tensor([[1, 2, 3]])
    out = generate(model, prompt, 6, temperature=0)
    idx = prompt
    for _ in range(6):
        logits, _ = model(idx)
        idx = ag.cat([idx, logits[:, -1].argmax(dim=-1, keepdim=True)], dim=1)
    np.testing.assert_array_equal(out.numpy(), idx.numpy())
    # top_k = 1 leaves only the argmax to draw
    np.testing.assert_array_equal(generate(model, prompt, 6, top_k=1, seed=5).numpy(), idx.numpy())


def test_sampling_is_reproducible_with_a_seed(model):
    prompt = ag.tensor([[4, 5], [6, 7]])
    kwargs = dict(temperature=1.5, top_k=20, top_p=0.95, repetition_penalty=1.2)
    first = generate(model, prompt, 15, seed=123, **kwargs).numpy()
    second = generate(model, prompt, 15, generator=ag.Generator().manual_seed(123), **kwargs)
    np.testing.assert_array_equal(first, second.numpy())
    other = generate(model, prompt, 15, seed=124, **kwargs).numpy()
    assert not np.array_equal(first, other)
    uncached = generate(model, prompt, 15, seed=123, use_cache=False, **kwargs).numpy()
    np.testing.assert_array_equal(first, uncached)


def test_sampling_draws_from_the_softmax(model):
    # one step, many rows: the frequency of each token approaches softmax(logits / τ)
    prompt = ag.tensor(np.full((4000, 2), 3))
    out = generate(model, prompt, 1, temperature=2.0, seed=0).numpy()[:, -1]
    logits, _ = model(prompt[:1])
    probs = torch.softmax(torch.tensor(logits.numpy()[0, -1]) / 2.0, dim=-1).numpy()
    frequencies = np.bincount(out, minlength=29) / len(out)
    assert np.abs(frequencies - probs).max() < 0.03


def test_stream_yields_the_tokens_of_generate(model):
    prompt = ag.tensor([[8, 9, 10]])
    tokens = list(stream(model, prompt, 10, temperature=0.8, seed=7))
    out = generate(model, prompt, 10, temperature=0.8, seed=7)
    assert all(isinstance(token, int) for token in tokens)
    assert tokens == out.numpy()[0, 3:].tolist()


def test_stop_tokens_end_the_sequence(model):
    prompt = ag.tensor([[1, 2, 3]])
    free = generate(model, prompt, 10, temperature=0).numpy()[0, 3:].tolist()
    stop = free[4]
    first = free.index(stop)
    out = generate(model, prompt, 10, temperature=0, stop_tokens=[stop])
    assert out.numpy()[0, 3:].tolist() == free[: first + 1]
    assert list(stream(model, prompt, 10, temperature=0, stop_tokens={stop})) == free[: first + 1]


def test_finished_rows_repeat_their_stop_token(model):
    prompts = ag.tensor([[1, 2, 3], [5, 6, 7]])
    free = generate(model, prompts, 8, temperature=0).numpy()[:, 3:]
    stop = int(free[0, 0])  # row 0 stops at once
    out = generate(model, prompts, 8, temperature=0, stop_tokens=[stop]).numpy()[:, 3:]
    assert np.all(out[0] == stop)
    row1 = free[1].tolist()
    end = row1.index(stop) + 1 if stop in row1 else len(row1)
    assert out[1, :end].tolist() == row1[:end] and out.shape[1] == end


def test_bad_arguments_are_reported(model):
    prompt = ag.tensor([[1, 2]])
    with pytest.raises(ValueError, match="temperature"):
        generate(model, prompt, 3, temperature=-1)
    with pytest.raises(ValueError, match="top_k"):
        generate(model, prompt, 3, top_k=0)
    with pytest.raises(ValueError, match="top_p"):
        generate(model, prompt, 3, top_p=1.5)
    with pytest.raises(ValueError, match="generator or seed"):
        generate(model, prompt, 3, seed=1, generator=ag.Generator())
    with pytest.raises(ValueError, match="one sequence"):
        list(stream(model, ag.tensor([[1], [2]]), 3))
    assert generate(model, prompt, 0).shape == (1, 2)
