"""GPT against a nanoGPT-style PyTorch model (same weights: same losses through 20 AdamW steps)
and against Hugging Face transformers' GPT-2 (from_pretrained gives its logits)."""

import math

import numpy as np
import pytest
import torch

import nashai.autograd as ag
from nashai.llm.gpt import GPT, GPTConfig, KVCache

torch.set_num_threads(1)

SMALL = dict(vocab_size=37, block_size=16, n_layer=2, n_head=2, n_embd=16)


# --- the reference: nanoGPT's model in PyTorch, with a RoPE option -------------------------------


class TorchAttention(torch.nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.c_attn = torch.nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = torch.nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.n_head, self.rope = config.n_head, config.rope
        if config.rope:
            hs = config.n_embd // config.n_head
            inv_freq = 1.0 / config.rope_base ** (torch.arange(0, hs, 2).float() / hs)
            angles = torch.outer(torch.arange(config.block_size).float(), inv_freq)
            self.cos, self.sin = (
                torch.cat([angles, angles], -1).cos(),
                torch.cat([angles, angles], -1).sin(),
            )

    def rotate(self, x):
        T, half = x.shape[2], x.shape[-1] // 2
        rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
        return x * self.cos[:T] + rotated * self.sin[:T]

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
        if self.rope:
            q, k = self.rotate(q), self.rotate(k)
        y = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))


class TorchBlock(torch.nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        C = config.n_embd
        self.ln_1 = torch.nn.LayerNorm(C, bias=config.bias)
        self.attn = TorchAttention(config)
        self.ln_2 = torch.nn.LayerNorm(C, bias=config.bias)
        self.mlp = torch.nn.ModuleDict(
            dict(
                c_fc=torch.nn.Linear(C, 4 * C, bias=config.bias),
                c_proj=torch.nn.Linear(4 * C, C, bias=config.bias),
            )
        )

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        h = torch.nn.functional.gelu(self.mlp.c_fc(self.ln_2(x)))
        return x + self.mlp.c_proj(h)


class TorchGPT(torch.nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.config = config
        modules = dict(
            wte=torch.nn.Embedding(config.vocab_size, config.n_embd),
            h=torch.nn.ModuleList([TorchBlock(config) for _ in range(config.n_layer)]),
            ln_f=torch.nn.LayerNorm(config.n_embd, bias=config.bias),
        )
        if not config.rope:
            modules["wpe"] = torch.nn.Embedding(config.block_size, config.n_embd)
        self.transformer = torch.nn.ModuleDict(modules)
        self.lm_head = torch.nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.transformer.wte.weight = self.lm_head.weight

    def forward(self, idx, targets):
        x = self.transformer.wte(idx)
        if not self.config.rope:
            x = x + self.transformer.wpe(torch.arange(idx.shape[1]))
        for block in self.transformer.h:
            x = block(x)
        logits = self.lm_head(self.transformer.ln_f(x))
        loss = torch.nn.functional.cross_entropy(
            logits.view(-1, logits.shape[-1]), targets.view(-1)
        )
        return logits, loss


def torch_copy(model: GPT) -> TorchGPT:
    """A TorchGPT holding the NashAI model's weights (the names are the same)."""
    reference = TorchGPT(model.config)
    state = {name: torch.tensor(value.numpy()) for name, value in model.state_dict().items()}
    reference.load_state_dict(state, strict=True)
    return reference


def batches(config: GPTConfig, n: int, batch_size: int = 4, seed: int = 0):
    """n (x, y) batches of windows of a fixed random text, so that there is something to learn."""
    rng = np.random.default_rng(seed)
    text = rng.integers(0, config.vocab_size, size=3 * config.block_size)
    starts = rng.integers(0, len(text) - config.block_size - 1, size=(n, batch_size))
    windows = text[starts[..., None] + np.arange(config.block_size + 1)]  # (n, B, T + 1)
    return [(w[:, :-1], w[:, 1:]) for w in windows]


# --- tests ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("rope", [False, True])
def test_forward_matches_torch_reference(rope):
    ag.manual_seed(0)
    model = GPT(GPTConfig(**SMALL, rope=rope))
    reference = torch_copy(model)
    x, y = batches(model.config, 1)[0]
    logits, loss = model(ag.tensor(x), ag.tensor(y))
    ref_logits, ref_loss = reference(torch.tensor(x), torch.tensor(y))
    np.testing.assert_allclose(logits.numpy(), ref_logits.detach().numpy(), rtol=1e-4, atol=1e-5)
    assert loss.item() == pytest.approx(ref_loss.item(), rel=1e-5)


@pytest.mark.parametrize("rope", [False, True])
def test_20_adamw_steps_give_torch_losses(rope):
    ag.manual_seed(1)
    model = GPT(GPTConfig(**SMALL, rope=rope))
    reference = torch_copy(model)
    optimizer = model.configure_optimizers(weight_decay=0.1, learning_rate=3e-3, betas=(0.9, 0.95))
    params = list(reference.parameters())
    ref_optimizer = torch.optim.AdamW(
        [
            {"params": [p for p in params if p.dim() >= 2], "weight_decay": 0.1},
            {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
        ],
        lr=3e-3,
        betas=(0.9, 0.95),
    )
    losses, ref_losses = [], []
    for x, y in batches(model.config, 20, seed=2):
        _, loss = model(ag.tensor(x), ag.tensor(y))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        _, ref_loss = reference(torch.tensor(x), torch.tensor(y))
        ref_optimizer.zero_grad()
        ref_loss.backward()
        ref_optimizer.step()
        losses.append(loss.item())
        ref_losses.append(ref_loss.item())
    np.testing.assert_allclose(losses, ref_losses, rtol=1e-4)
    assert losses[-1] < losses[0] - 0.05  # and it learns


def test_rope_model_learns_a_repeating_sequence():
    ag.manual_seed(3)
    config = GPTConfig(vocab_size=8, block_size=16, n_layer=1, n_head=2, n_embd=16, rope=True)
    model = GPT(config)
    optimizer = model.configure_optimizers(weight_decay=0.0, learning_rate=1e-2)
    data = np.tile(np.arange(8), 5)[None, :17]
    x, y = ag.tensor(data[:, :-1]), ag.tensor(data[:, 1:])
    losses = []
    for _ in range(40):
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[0] > 1.5 and losses[-1] < 0.3 * losses[0]


def test_initialisation_follows_nanogpt():
    ag.manual_seed(4)
    config = GPTConfig(vocab_size=500, block_size=64, n_layer=4, n_head=4, n_embd=64)
    model = GPT(config)
    assert model.lm_head.weight is model.transformer.wte.weight  # tied
    assert model.transformer.wte.weight.numpy().std() == pytest.approx(0.02, rel=0.05)
    c_fc = model.transformer.h[0].mlp.c_fc.weight.numpy()
    assert c_fc.std() == pytest.approx(0.02, rel=0.05)
    c_proj = np.concatenate([b.mlp.c_proj.weight.numpy().ravel() for b in model.transformer.h])
    assert c_proj.std() == pytest.approx(0.02 / math.sqrt(2 * 4), rel=0.05)
    assert np.all(model.transformer.h[0].attn.c_attn.bias.numpy() == 0)
    n_params = sum(p.numel() for p in torch_copy(model).parameters())  # torch dedups tied weights
    assert model.get_num_params(non_embedding=False) == n_params
    assert model.get_num_params() == n_params - 64 * 64


def test_configure_optimizers_decays_only_2d_weights():
    model = GPT(GPTConfig(**SMALL))
    optimizer = model.configure_optimizers(weight_decay=0.1, learning_rate=1e-3, betas=(0.9, 0.95))
    decay, no_decay = optimizer.param_groups
    assert decay["weight_decay"] == 0.1 and no_decay["weight_decay"] == 0.0
    assert all(p.ndim == 2 for p in decay["params"]) and all(
        p.ndim == 1 for p in no_decay["params"]
    )
    assert len(decay["params"]) + len(no_decay["params"]) == len(list(model.parameters()))


def test_logits_without_targets_are_the_last_position():
    ag.manual_seed(5)
    model = GPT(GPTConfig(**SMALL))
    idx = ag.randint(0, 37, (3, 9))
    full, _ = model(idx, idx)
    last, loss = model(idx)
    assert loss is None and last.shape == (3, 1, 37)
    np.testing.assert_allclose(last.numpy(), full.numpy()[:, -1:], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("rope", [False, True])
def test_kv_cache_gives_the_logits_of_the_full_forward(rope):
    ag.manual_seed(6)
    model = GPT(GPTConfig(**SMALL, rope=rope))
    idx = ag.randint(0, 37, (2, 12))
    full, _ = model(idx, idx)
    cache = KVCache()
    with ag.no_grad():
        steps = [model(idx[:, :5], cache=cache)[0]]  # prompt, then a chunk of 3, then one by one
        steps.append(model(idx[:, 5:8], cache=cache)[0])
        steps += [model(idx[:, t : t + 1], cache=cache)[0] for t in range(8, 12)]
    assert cache.length == 12
    positions = [4, 7, 8, 9, 10, 11]
    for position, logits in zip(positions, steps, strict=True):
        np.testing.assert_allclose(
            logits.numpy()[:, 0], full.numpy()[:, position], rtol=1e-4, atol=1e-5
        )


@pytest.mark.parametrize("rope", [False, True])
def test_cached_greedy_generation_equals_uncached(rope):
    ag.manual_seed(7)
    model = GPT(GPTConfig(**SMALL, rope=rope))
    prompt = ag.randint(0, 37, (2, 5))
    # 20 new tokens run past block_size = 16: both crop the context to the last 16 tokens
    cached = model.generate(prompt, 20, temperature=0, use_cache=True)
    uncached = model.generate(prompt, 20, temperature=0, use_cache=False)
    assert cached.shape == (2, 25)
    np.testing.assert_array_equal(cached.numpy(), uncached.numpy())


def test_bad_input_is_reported():
    model = GPT(GPTConfig(**SMALL))
    with pytest.raises(ValueError, match="block size is only 16"):
        model(ag.zeros(1, 17, dtype=ag.int64))
    with pytest.raises(ValueError, match="idx must be a"):
        model(ag.zeros(4, 3))
    with pytest.raises(ValueError, match="targets must be"):
        model(ag.zeros(1, 4, dtype=ag.int64), ag.zeros(1, 5, dtype=ag.int64))
    with pytest.raises(ValueError, match="divisible by n_head"):
        GPTConfig(n_embd=10, n_head=3)
    with pytest.raises(ValueError, match="vocab_size"):
        GPTConfig(vocab_size=0)


# --- Hugging Face GPT-2 ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hf_gpt2(tmp_path_factory):
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    config = transformers.GPT2Config(
        vocab_size=61,
        n_positions=24,
        n_embd=32,
        n_layer=2,
        n_head=4,
        bos_token_id=0,
        eos_token_id=0,
    )
    hf = transformers.GPT2LMHeadModel(config).eval()
    directory = tmp_path_factory.mktemp("gpt2")
    hf.save_pretrained(directory, safe_serialization=True)
    return hf, directory


def test_from_pretrained_gives_transformers_logits(hf_gpt2):
    hf, directory = hf_gpt2
    model = GPT.from_pretrained(directory)
    assert model.config.gelu_approximate == "tanh" and model.config.block_size == 24
    idx = np.random.default_rng(0).integers(0, 61, size=(2, 24))
    with torch.no_grad():
        expected = hf(torch.tensor(idx)).logits.numpy()
    logits, _ = model(ag.tensor(idx), ag.tensor(idx))
    np.testing.assert_allclose(logits.numpy(), expected, rtol=1e-4, atol=1e-4)
    last, _ = model(ag.tensor(idx))
    np.testing.assert_allclose(last.numpy()[:, 0], expected[:, -1], rtol=1e-4, atol=1e-4)


def test_greedy_generation_equals_transformers(hf_gpt2):
    hf, directory = hf_gpt2
    model = GPT.from_pretrained(directory)
    prompt = np.array([[3, 14, 15, 9, 2]])
    with torch.no_grad():
        expected = hf.generate(
            torch.tensor(prompt), max_new_tokens=12, do_sample=False, eos_token_id=None,
            pad_token_id=0,
        )  # fmt: skip
    out = model.generate(ag.tensor(prompt), 12, temperature=0)
    np.testing.assert_array_equal(out.numpy(), expected.numpy())


def test_from_pretrained_reports_a_missing_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"config\.json"):
        GPT.from_pretrained(tmp_path)


@pytest.mark.parametrize("rope", [False, True])
def test_crop_block_size_keeps_the_first_positions(rope):
    ag.manual_seed(8)
    model = GPT(GPTConfig(**SMALL, rope=rope))
    idx = ag.randint(0, 37, (2, 8))
    before, _ = model(idx, idx)
    model.crop_block_size(8)
    after, _ = model(idx, idx)
    np.testing.assert_allclose(after.numpy(), before.numpy(), rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match="block size is only 8"):
        model(ag.zeros(1, 9, dtype=ag.int64))
