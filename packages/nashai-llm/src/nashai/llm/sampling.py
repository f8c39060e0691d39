"""Sampling text from a language model: greedy, temperature, top-k, top-p, repetition penalty.

    out = generate(model, idx, max_new_tokens=200, temperature=0.8, top_k=40, seed=0)
    for token in stream(model, idx, max_new_tokens=200, top_p=0.9):
        print(tokenizer.decode([token]), end="", flush=True)

Each step takes the logits z of the last position and
  1. divides zᵢ by the repetition penalty θ for every token i already in the sequence (multiplies
     it when zᵢ < 0), so repeating is less likely (Keskar et al., "CTRL", 2019, §4.1);
  2. divides by the temperature τ (τ = 0 is greedy decoding: the argmax);
  3. keeps the k largest logits (top-k; Fan et al., "Hierarchical Neural Story Generation", 2018);
  4. keeps the smallest set of most probable tokens whose total probability reaches p (top-p,
     nucleus sampling; Holtzman et al., "The Curious Case of Neural Text Degeneration", 2020);
  5. draws the next token from softmax(z) with the given generator.

The model is anything called as `model(idx, cache=cache) -> (logits, loss)` with logits
(B, 1, V) for the last position and a `config.block_size` (nashai.llm.gpt.GPT); with use_cache
each step runs one new position through it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import nashai.autograd as ag
from nashai.autograd import Tensor
from nashai.llm.gpt import KVCache

__all__ = [
    "apply_repetition_penalty",
    "generate",
    "stream",
    "top_k_filter",
    "top_p_filter",
]


def top_k_filter(logits: Tensor, k: int) -> Tensor:
    """logits (..., V) with every entry below the k-th largest of its row set to -inf."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"top_k must be a positive integer, got {k!r}")
    k = min(k, logits.shape[-1])
    kth = logits.topk(k, dim=-1)[0][..., -1:]  # (..., 1)
    return logits.masked_fill(logits < kth, float("-inf"))


def top_p_filter(logits: Tensor, p: float) -> Tensor:
    """logits (..., V) keeping, per row, the most probable tokens until their total probability
    reaches p (at least one); the rest are set to -inf.

    With the probabilities sorted in decreasing order, token j is kept when the probability of
    the tokens ranked before it, Σ_{i<j} πᵢ, is still below p.
    """
    if not 0.0 < p <= 1.0:
        raise ValueError(f"top_p must be in (0, 1], got {p!r}")
    sorted_logits, order = logits.sort(dim=-1, descending=True)  # (..., V)
    probs = sorted_logits.softmax(dim=-1)
    before = probs.cumsum(dim=-1) - probs  # Σ_{i<j} πᵢ
    remove_sorted = before >= p
    remove_sorted[..., 0] = False  # the most probable token always stays
    remove = remove_sorted.gather(-1, order.argsort(dim=-1))  # back to vocabulary order
    return logits.masked_fill(remove, float("-inf"))


def apply_repetition_penalty(logits: Tensor, idx: Tensor, penalty: float) -> Tensor:
    """logits (B, V) with the tokens present in idx (B, T) penalised: zᵢ / θ where zᵢ > 0,
    zᵢ · θ where zᵢ < 0 (θ = penalty > 0; θ > 1 discourages repetition)."""
    if not penalty > 0:
        raise ValueError(f"repetition_penalty must be positive, got {penalty!r}")
    seen = ag.one_hot(idx, logits.shape[-1]).sum(dim=1) > 0  # (B, V)
    penalised = ag.where(logits < 0, logits * penalty, logits / penalty)
    return ag.where(seen, penalised, logits)


def stream(
    model,
    idx: Tensor,
    max_new_tokens: int,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    repetition_penalty: float = 1.0,
    stop_tokens: Iterable[int] = (),
    generator: ag.Generator | None = None,
    seed: int | None = None,
    use_cache: bool = True,
) -> Iterator[int]:
    """Yield the new token ids of one sequence (idx of shape (1, T) or (T,)) as they are drawn.

    Stops after max_new_tokens or right after yielding a token of stop_tokens. The arguments
    are those of `generate`.
    """
    if isinstance(idx, Tensor) and idx.ndim == 1:
        idx = idx.unsqueeze(0)
    if not isinstance(idx, Tensor) or idx.ndim != 2 or idx.shape[0] != 1:
        raise ValueError(
            f"stream takes one sequence, idx of shape (1, T); got "
            f"{getattr(idx, 'shape', type(idx).__name__)}"
        )
    sampler = _Sampler(temperature, top_k, top_p, repetition_penalty, generator, seed)
    for token in _steps(model, idx, max_new_tokens, sampler, stop_tokens, use_cache):
        yield int(token.item())


def generate(
    model,
    idx: Tensor,
    max_new_tokens: int,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    repetition_penalty: float = 1.0,
    stop_tokens: Iterable[int] = (),
    generator: ag.Generator | None = None,
    seed: int | None = None,
    use_cache: bool = True,
) -> Tensor:
    """idx (B, T) int64 followed by up to max_new_tokens sampled tokens, (B, T + n).

    Args:
        model: a GPT (see the module docstring for what else works).
        idx: the prompt, (B, T) int64 token ids (T ≥ 1).
        max_new_tokens: how many tokens to add at most.
        temperature: τ > 0 divides the logits; 0 is greedy decoding (argmax, no randomness).
        top_k: keep only the k most likely tokens (None: all).
        top_p: keep the smallest set of likely tokens whose probability reaches p (None: all).
        repetition_penalty: θ ≥ 1 penalises tokens already in the sequence (1: off).
        stop_tokens: token ids that end a sequence (kept in the output). Generation ends when
            every row has produced one; a finished row repeats its stop token meanwhile.
        generator: the nashai.autograd.Generator to draw from; or
        seed: a seed for a fresh generator (the same seed gives the same tokens).
        use_cache: keep the keys and values of past positions (a KVCache), so each new token
            costs one position; False recomputes the whole context each step.
    """
    if not isinstance(idx, Tensor) or idx.ndim != 2:
        raise ValueError(
            f"idx must be (B, T) token ids, got {getattr(idx, 'shape', type(idx).__name__)}"
        )
    sampler = _Sampler(temperature, top_k, top_p, repetition_penalty, generator, seed)
    new = list(_steps(model, idx, max_new_tokens, sampler, stop_tokens, use_cache))
    return ag.cat([idx, *new], dim=1) if new else idx


class _Sampler:
    """Steps 1-5 of the module docstring: the next token (B, 1) from the last logits (B, V)."""

    def __init__(self, temperature, top_k, top_p, repetition_penalty, generator, seed):
        if not temperature >= 0:
            raise ValueError(f"temperature must be >= 0, got {temperature!r}")
        if top_k is not None and (
            isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1
        ):
            raise ValueError(f"top_k must be a positive integer, got {top_k!r}")
        if top_p is not None and not 0.0 < top_p <= 1.0:
            raise ValueError(f"top_p must be in (0, 1], got {top_p!r}")
        if not repetition_penalty > 0:
            raise ValueError(f"repetition_penalty must be positive, got {repetition_penalty!r}")
        if generator is not None and seed is not None:
            raise ValueError("pass generator or seed, not both")
        if seed is not None:
            generator = ag.Generator().manual_seed(seed)
        self.temperature, self.top_k, self.top_p = temperature, top_k, top_p
        self.repetition_penalty, self.generator = repetition_penalty, generator

    def __call__(self, logits: Tensor, idx: Tensor) -> Tensor:
        logits = logits.float()
        if self.repetition_penalty != 1.0:
            logits = apply_repetition_penalty(logits, idx, self.repetition_penalty)
        if self.temperature == 0:
            return logits.argmax(dim=-1, keepdim=True)
        logits = logits / self.temperature
        if self.top_k is not None:
            logits = top_k_filter(logits, self.top_k)
        if self.top_p is not None:
            logits = top_p_filter(logits, self.top_p)
        probs = logits.softmax(dim=-1)
        return ag.multinomial(probs, num_samples=1, generator=self.generator)  # (B, 1)


def _steps(model, idx, max_new_tokens, sampler, stop_tokens, use_cache) -> Iterator[Tensor]:
    """Yield the next tokens (B, 1) one step at a time; the loop of generate and stream."""
    if idx.dtype.kind not in "iu" or idx.shape[1] < 1:
        raise ValueError(f"idx must hold integer token ids, got {idx.dtype} of shape {idx.shape}")
    if (
        isinstance(max_new_tokens, bool)
        or not isinstance(max_new_tokens, int)
        or max_new_tokens < 0
    ):
        raise ValueError(f"max_new_tokens must be a non-negative integer, got {max_new_tokens!r}")
    stop = ag.tensor(sorted({int(t) for t in stop_tokens}), dtype=ag.int64, device=idx.device)
    # the stop token each row has produced, or -1 while it runs: (B, 1)
    finished = ag.full((idx.shape[0], 1), -1, dtype=ag.int64, device=idx.device)
    block_size = model.config.block_size
    was_training = model.training
    model.eval()
    try:
        with ag.no_grad():
            cache, fed = None, 0  # fed: the length of idx when the model last ran
            for _ in range(max_new_tokens):
                if cache is None:  # (re)start: the last block_size tokens through the model
                    cache = KVCache() if use_cache else None
                    logits, _ = model(idx[:, -block_size:], cache=cache)
                else:  # only the tokens the cache has not seen
                    logits, _ = model(idx[:, fed:], cache=cache)
                fed = idx.shape[1]
                if not use_cache or fed >= block_size:
                    cache = None  # full (or unused): the next step starts on a cropped context
                token = sampler(logits[:, -1, :], idx)
                token = ag.where(finished >= 0, finished, token)
                idx = ag.cat([idx, token], dim=1)
                yield token
                if stop.numel() > 0:
                    is_stop = (token == stop.unsqueeze(0)).any(dim=1, keepdim=True)  # (B, 1)
                    finished = ag.where(is_stop, token, finished)
                    if bool((finished >= 0).all()):
                        return
    finally:
        model.train(was_training)
