"""Int8 weight-only quantisation: the rounding bound, outputs, and a trained GPT's perplexity."""

import copy
import math
import time

import numpy as np
import pytest

import nashai.autograd as ag
import nashai.nn as nn
from nashai.llm.data import load_corpus
from nashai.llm.gpt import GPT, GPTConfig
from nashai.llm.pretraining import TokenDataset, estimate_loss
from nashai.llm.quantization import (
    QuantizedLinear,
    model_size_bytes,
    quantize_model,
    quantize_per_channel,
)
from nashai.llm.tokenizers import CharTokenizer


@pytest.mark.parametrize("shape", [(5, 9), (64, 32), (1, 1)])
def test_round_trip_error_is_at_most_half_a_step(shape):
    weight = ag.tensor(np.random.default_rng(0).standard_normal(shape) * 0.3, dtype=ag.float32)
    q, scale = quantize_per_channel(weight)
    assert q.dtype == ag.int8 and scale.dtype == ag.float32 and scale.shape == (shape[0],)
    w, qn, s = weight.numpy(), q.numpy().astype(np.float64), scale.numpy().astype(np.float64)
    np.testing.assert_allclose(s, np.abs(w).max(axis=1) / 127, rtol=1e-6)
    assert np.abs(qn).max() <= 127 and (np.abs(qn).max(axis=1) == 127).all()  # absmax hits 127
    error = np.abs(w - qn * s[:, None])
    assert (error <= s[:, None] / 2 * (1 + 1e-5)).all()


def test_an_all_zero_row_stays_zero():
    weight = ag.tensor([[0.0, 0.0, 0.0], [1.0, -2.0, 0.5]])
    q, scale = quantize_per_channel(weight)
    np.testing.assert_array_equal(q.numpy()[0], 0)
    assert scale.numpy()[0] == 0.0
    np.testing.assert_array_equal(q.numpy()[1], [64, -127, 32])  # round(w / (2/127))


@pytest.mark.parametrize("bias", [True, False])
def test_quantized_linear_matches_its_dequantized_weight_and_is_close_to_float(bias):
    ag.manual_seed(0)
    linear = nn.Linear(48, 20, bias=bias)
    layer = QuantizedLinear.from_linear(linear)
    assert layer.weight_int8.dtype == ag.int8
    x = ag.randn(3, 7, 48)
    y = layer(x)
    w = layer.dequantize().numpy().astype(np.float64)
    expected = x.numpy().astype(np.float64) @ w.T
    if bias:
        expected += linear.bias.numpy()
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-5, atol=1e-5)
    reference = linear(x).numpy()
    relative = np.abs(y.numpy() - reference).max() / np.abs(reference).max()
    assert relative < 0.01
    assert list(layer.parameters()) == []  # inference only


def test_quantize_model_keeps_the_tied_head_in_float():
    ag.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=30, block_size=8, n_layer=2, n_head=2, n_embd=32))
    float_bytes = model_size_bytes(model)
    quantize_model(model)
    kinds = {name: type(m).__name__ for name, m in model.named_modules()}
    assert kinds["transformer.h.1.attn.c_attn"] == "QuantizedLinear"
    assert kinds["transformer.h.0.mlp.c_proj"] == "QuantizedLinear"
    assert kinds["lm_head"] == "Linear"
    assert model.lm_head.weight is model.transformer.wte.weight
    assert not any(type(m) is nn.Linear for n, m in model.named_modules() if n != "lm_head")
    assert model_size_bytes(model) < 0.5 * float_bytes


def test_model_size_bytes_counts_tied_weights_once():
    model = GPT(GPTConfig(vocab_size=30, block_size=8, n_layer=1, n_head=2, n_embd=16))
    assert model_size_bytes(model) == 4 * sum(p.numel() for p in model.parameters())


@pytest.fixture(scope="module")
def trained_gpt():
    """A tiny character-level GPT trained for 100 AdamW steps on the shipped corpus."""
    text = load_corpus()
    tokenizer = CharTokenizer(sorted(set(text)))
    dataset = TokenDataset.from_text(text, tokenizer, block_size=16, batch_size=16, seed=0)
    ag.manual_seed(0)
    config = GPTConfig(
        vocab_size=tokenizer.vocab_size, block_size=16, n_layer=1, n_head=2, n_embd=32
    )
    model = GPT(config)
    optimizer = model.configure_optimizers(weight_decay=0.1, learning_rate=3e-3)
    start = time.perf_counter()
    for _ in range(100):
        x, y = dataset.get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f"\ntrained 100 steps in {time.perf_counter() - start:.1f} s")
    return model, dataset


@pytest.mark.slow
def test_quantized_gpt_perplexity_is_close_to_float(trained_gpt):
    model, dataset = trained_gpt
    model = copy.deepcopy(model)
    float_loss = estimate_loss(model, dataset, eval_iters=8)["val"]
    float_bytes = model_size_bytes(model)
    quantize_model(model)
    int8_loss = estimate_loss(model, dataset, eval_iters=8)["val"]
    int8_bytes = model_size_bytes(model)
    float_ppl, int8_ppl = math.exp(float_loss), math.exp(int8_loss)
    change = (int8_ppl - float_ppl) / float_ppl
    print(
        f"val perplexity float {float_ppl:.4f} -> int8 {int8_ppl:.4f} ({change:+.3%}); "
        f"size {float_bytes} -> {int8_bytes} bytes ({int8_bytes / float_bytes:.1%})"
    )
    assert float_ppl < 0.5 * dataset.tokenizer.vocab_size  # it learned something
    assert abs(change) < 0.02
    assert int8_bytes < 0.5 * float_bytes  # the float embeddings stay
