"""LoRA: starts as its base, merges exactly, trains only the low-rank factors."""

import numpy as np
import pytest

import nashai.autograd as ag
import nashai.nn as nn
from nashai.llm.gpt import GPT, GPTConfig
from nashai.llm.lora import LoRALinear, apply_lora, lora_parameters


def tiny_gpt(seed=0):
    ag.manual_seed(seed)
    return GPT(GPTConfig(vocab_size=17, block_size=8, n_layer=2, n_head=2, n_embd=16))


@pytest.mark.parametrize("bias", [True, False])
def test_lora_linear_starts_as_its_base(bias):
    ag.manual_seed(0)
    base = nn.Linear(12, 7, bias=bias)
    layer = LoRALinear(base, rank=3, alpha=6.0)
    x = ag.randn(4, 5, 12)
    np.testing.assert_array_equal(layer(x).numpy(), base(x).numpy())
    assert layer.lora_A.shape == (3, 12) and layer.lora_B.shape == (7, 3)
    assert np.abs(layer.lora_A.numpy()).max() <= 1 / np.sqrt(12)  # kaiming-uniform, a = √5
    assert np.abs(layer.lora_A.numpy()).std() > 0
    assert not base.weight.requires_grad


@pytest.mark.parametrize("rank, alpha", [(1, 1.0), (4, 8.0), (6, 3.0)])
def test_lora_forward_and_merge_match_the_formula(rank, alpha):
    ag.manual_seed(1)
    layer = LoRALinear(nn.Linear(10, 6).double(), rank=rank, alpha=alpha).double()
    layer.lora_B.data = ag.randn(6, rank, dtype=ag.float64)
    x = ag.randn(3, 10, dtype=ag.float64)
    w, b = layer.base.weight.numpy(), layer.base.bias.numpy()
    a_mat, b_mat = layer.lora_A.numpy(), layer.lora_B.numpy()
    expected = x.numpy() @ w.T + b + (alpha / rank) * x.numpy() @ a_mat.T @ b_mat.T
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-12, atol=1e-12)
    merged = layer.merge()
    assert type(merged) is nn.Linear
    np.testing.assert_allclose(merged(x).numpy(), layer(x).numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        merged.weight.numpy(), w + (alpha / rank) * b_mat @ a_mat, rtol=1e-12, atol=1e-14
    )


def test_only_lora_parameters_get_gradients():
    model = apply_lora(tiny_gpt(), rank=2, alpha=4.0, target=("c_attn", "c_fc"))
    lora = lora_parameters(model)
    assert len(lora) == 2 * 2 * 2  # 2 layers x 2 targets x (A, B)
    trainable = [p for p in model.parameters() if p.requires_grad]
    assert {id(p) for p in trainable} == {id(p) for p in lora}
    idx = ag.randint(0, 17, (2, 8))
    _, loss = model(idx, idx)
    loss.backward()
    for name, param in model.named_parameters():
        if "lora_" in name:
            assert param.grad is not None, name
        else:
            assert param.grad is None, name
    # B = 0 at init, so A's gradient is 0 and B's is not
    for name, param in model.named_parameters():
        if "lora_A" in name:
            np.testing.assert_array_equal(param.grad.numpy(), 0.0)
        elif "lora_B" in name:
            assert np.abs(param.grad.numpy()).max() > 0, name


def test_optimiser_steps_change_only_lora_weights():
    model = apply_lora(tiny_gpt(), rank=4, alpha=8.0, target=("c_attn", "c_proj"))
    before = {name: p.numpy().copy() for name, p in model.named_parameters()}
    optimizer = nn.optim.AdamW(lora_parameters(model), lr=1e-2)
    gen = np.random.default_rng(0)
    losses = []
    idx = ag.tensor(gen.integers(0, 17, (4, 8)), dtype=ag.int64)
    for _ in range(5):
        _, loss = model(idx, idx)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    for name, param in model.named_parameters():
        changed = not np.array_equal(param.numpy(), before[name])
        assert changed == ("lora_" in name), name


def test_apply_lora_rejects_a_target_that_matches_nothing():
    with pytest.raises(ValueError, match=r"no nn\.Linear"):
        apply_lora(tiny_gpt(), rank=2, alpha=2.0, target=("q_proj",))


@pytest.mark.parametrize("rank", [0, -1, 2.0])
def test_lora_linear_rejects_bad_rank(rank):
    with pytest.raises(ValueError, match="rank"):
        LoRALinear(nn.Linear(3, 3), rank=rank, alpha=1.0)
