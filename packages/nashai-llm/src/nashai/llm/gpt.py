"""GPT: a decoder-only transformer language model, after Karpathy's nanoGPT `model.py`.

References: Radford et al., "Language Models are Unsupervised Multitask Learners" (GPT-2, 2019);
Vaswani et al., "Attention Is All You Need" (2017); Su et al., "RoFormer: Enhanced Transformer
with Rotary Position Embedding" (2021) for the `rope` option.

    model = GPT(GPTConfig(vocab_size=65, block_size=64, n_layer=4, n_head=4, n_embd=128))
    logits, loss = model(idx, targets)          # idx, targets (B, T) int64 -> (B, T, V), scalar
    logits, _ = model(idx)                      # (B, 1, V): the last position only
    out = model.generate(idx, max_new_tokens=100, temperature=0.8, top_k=40)

The blocks follow the data: token (and position) embeddings, n_layer pre-LayerNorm blocks
(x + attn(ln_1(x)), then x + mlp(ln_2(x))), a final LayerNorm, and a head whose weight is the
token embedding's (weight tying, Press & Wolf 2017). Generation keeps a KVCache so that each new
token runs one position through the network instead of the whole context.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import nashai.autograd as ag
import nashai.nn as nn
import nashai.nn.functional as F
from nashai.autograd import Tensor

__all__ = ["GPT", "MLP", "Block", "CausalSelfAttention", "GPTConfig", "KVCache"]


@dataclass
class GPTConfig:
    """The shape of a GPT.

    Args:
        vocab_size: number of token ids V.
        block_size: the longest context T the model sees (the number of learned positions).
        n_layer, n_head, n_embd: depth, attention heads, width C (n_embd % n_head == 0).
        dropout: dropout probability on embeddings, attention weights and residual branches.
        bias: biases in the Linear layers and LayerNorms (GPT-2 has them).
        rope: rotary position embeddings on q and k instead of a learned position table.
        rope_base: the base θ of the rotary frequencies θ^(-2i/hs).
        gelu_approximate: "none" (exact GELU, nanoGPT) or "tanh" (GPT-2's "gelu_new").
        layer_norm_eps: the LayerNorms' ε.
    """

    vocab_size: int = 50304
    block_size: int = 1024
    n_layer: int = 12
    n_head: int = 12
    n_embd: int = 768
    dropout: float = 0.0
    bias: bool = True
    rope: bool = False
    rope_base: float = 10000.0
    gelu_approximate: str = "none"
    layer_norm_eps: float = 1e-5

    def __post_init__(self):
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"GPTConfig.{name} must be a positive integer, got {value!r}")
        if self.n_embd % self.n_head != 0:
            raise ValueError(
                f"GPTConfig.n_embd ({self.n_embd}) must be divisible by n_head ({self.n_head})"
            )
        if self.rope and (self.n_embd // self.n_head) % 2 != 0:
            raise ValueError(
                f"GPTConfig: rope needs an even head size, got n_embd // n_head = "
                f"{self.n_embd // self.n_head}"
            )
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"GPTConfig.dropout must be in [0, 1), got {self.dropout!r}")
        if self.gelu_approximate not in ("none", "tanh"):
            raise ValueError(
                f"GPTConfig.gelu_approximate must be 'none' or 'tanh', got "
                f"{self.gelu_approximate!r}"
            )


class KVCache:
    """The keys and values of the positions already seen, one (k, v) pair per layer.

    Pass the same cache to successive `GPT.forward` calls: each call attends to the cached
    positions plus its own and appends its keys and values, so generating a token costs one
    position. k and v are (B, nh, length, hs).
    """

    def __init__(self):
        self.layers: list[tuple[Tensor, Tensor]] = []

    @property
    def length(self) -> int:
        """The number of positions cached."""
        return self.layers[0][0].shape[2] if self.layers else 0

    def update(self, layer: int, k: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
        """Append this call's k, v (B, nh, T, hs) to layer's cache; returns the whole k, v."""
        if layer == len(self.layers):
            self.layers.append((k, v))
        else:
            past_k, past_v = self.layers[layer]
            self.layers[layer] = (ag.cat([past_k, k], dim=2), ag.cat([past_v, v], dim=2))
        return self.layers[layer]


def rotate(x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    """Rotary position embedding (Su et al. 2021) in the "rotate half" layout of GPT-NeoX/LLaMA.

    The head's features are paired (xᵢ, x_{i+hs/2}) and pair i at position m is rotated by the
    angle m θᵢ, θᵢ = base^(-2i/hs):  x ↦ x ⊙ cos + (-x₂, x₁) ⊙ sin.  x (B, nh, T, hs); cos, sin
    (T, hs) for the positions of x.
    """
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    return x * cos + ag.cat([-x2, x1], dim=-1) * sin


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention: softmax(q kᵀ / √hs + causal mask) v per head, through
    nashai.nn's fused scaled_dot_product_attention."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        # key, query, value projections for all heads, in one batch
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        # output projection
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        self.dropout = config.dropout

    def forward(
        self,
        x: Tensor,
        rope: tuple[Tensor, Tensor] | None = None,
        cache: KVCache | None = None,
        layer: int = 0,
    ) -> Tensor:
        B, T, C = x.shape  # batch size, sequence length, embedding dimensionality (n_embd)
        hs = C // self.n_head
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        k = k.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
        q = q.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
        v = v.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
        if rope is not None:
            q, k = rotate(q, *rope), rotate(k, *rope)
        if cache is not None:
            k, v = cache.update(layer, k, v)  # (B, nh, past + T, hs)
        past = k.shape[2] - T
        dropout_p = self.dropout if self.training else 0.0
        if past == 0:
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout_p, is_causal=True)
        else:  # query i sits at position past + i and sees keys 0..past + i
            allowed = ag.ones(T, past + T, dtype=ag.bool_, device=x.device).tril(past)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed, dropout_p=dropout_p)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # re-assemble all head outputs
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    """The position-wise feed-forward network: c_proj(gelu(c_fc(x))), width 4 C inside."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU(approximate=config.gelu_approximate)
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: Tensor) -> Tensor:
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    """A pre-LayerNorm transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x))."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_eps, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_eps, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x: Tensor, rope=None, cache: KVCache | None = None, layer: int = 0):
        x = x + self.attn(self.ln_1(x), rope, cache, layer)
        x = x + self.mlp(self.ln_2(x))
        return x


class GPT(nn.Module):
    """The GPT language model: (B, T) token ids -> (B, T, vocab_size) next-token logits."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        if not isinstance(config, GPTConfig):
            raise TypeError(f"config must be a GPTConfig, got {type(config).__name__}")
        self.config = config
        modules = {
            "wte": nn.Embedding(config.vocab_size, config.n_embd),
            "drop": nn.Dropout(config.dropout),
            "h": nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
            "ln_f": nn.LayerNorm(config.n_embd, eps=config.layer_norm_eps, bias=config.bias),
        }
        if not config.rope:
            modules["wpe"] = nn.Embedding(config.block_size, config.n_embd)
        self.transformer = nn.ModuleDict(modules)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        # weight tying: the head scores a vector against every token embedding
        self.transformer.wte.weight = self.lm_head.weight
        if config.rope:
            cos, sin = _rope_tables(config)
            self.register_buffer("rope_cos", cos, persistent=False)  # (block_size, hs)
            self.register_buffer("rope_sin", sin, persistent=False)  # (block_size, hs)

        self.apply(self._init_weights)
        # GPT-2's scaled init of the residual projections: std 0.02 / √(2 n_layer)
        for name, param in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(param, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def get_num_params(self, non_embedding: bool = True) -> int:
        """The number of parameters (the tied head counted once); without the position table
        when non_embedding (the token table stays: it is also the head)."""
        n_params = sum(p.numel() for p in self.parameters())
        if non_embedding and not self.config.rope:
            n_params -= self.transformer.wpe.weight.numel()
        return n_params

    def forward(
        self, idx: Tensor, targets: Tensor | None = None, cache: KVCache | None = None
    ) -> tuple[Tensor, Tensor | None]:
        """Logits and, given targets, the mean cross-entropy of predicting them.

        Args:
            idx: (B, T) int64 token ids.
            targets: (B, T) int64 next-token ids (-1 is ignored), or None.
            cache: a KVCache of earlier positions to attend to and extend (generation).

        Returns:
            (logits, loss): logits (B, T, V) with targets; without, (B, 1, V), the last
            position only (all the generator needs). loss is a scalar Tensor or None.
        """
        self._check_input(idx, targets, cache)
        T = idx.shape[1]
        past = cache.length if cache is not None else 0
        tok_emb = self.transformer.wte(idx)  # token embeddings of shape (B, T, n_embd)
        rope = None
        if self.config.rope:
            rope = (self.rope_cos[past : past + T], self.rope_sin[past : past + T])  # (T, hs)
            x = self.transformer.drop(tok_emb)
        else:
            pos = ag.arange(past, past + T, dtype=ag.int64, device=idx.device)  # (T,)
            pos_emb = self.transformer.wpe(pos)  # position embeddings of shape (T, n_embd)
            x = self.transformer.drop(tok_emb + pos_emb)
        for layer, block in enumerate(self.transformer.h):
            x = block(x, rope, cache, layer)
        x = self.transformer.ln_f(x)

        if targets is not None:
            logits = self.lm_head(x)  # (B, T, V)
            loss = F.cross_entropy(
                logits.view(-1, logits.shape[-1]), targets.view(-1), ignore_index=-1
            )
        else:
            logits = self.lm_head(x[:, -1:, :])  # (B, 1, V): only the last position
            loss = None
        return logits, loss

    def _check_input(self, idx, targets, cache) -> None:
        if not isinstance(idx, Tensor) or idx.ndim != 2 or idx.dtype.kind not in "iu":
            raise ValueError(
                f"idx must be a (B, T) integer Tensor, got "
                f"{getattr(idx, 'shape', type(idx).__name__)}"
            )
        B, T = idx.shape
        past = cache.length if cache is not None else 0
        if past + T > self.config.block_size:
            raise ValueError(
                f"Cannot forward a sequence of length {past + T}"
                f"{f' ({past} cached)' if past else ''}: block size is only "
                f"{self.config.block_size}"
            )
        if targets is not None and (not isinstance(targets, Tensor) or targets.shape != (B, T)):
            raise ValueError(
                f"targets must be a Tensor of idx's shape {(B, T)}, got "
                f"{getattr(targets, 'shape', type(targets).__name__)}"
            )

    def crop_block_size(self, block_size: int) -> None:
        """Shrink the context to block_size (e.g. a pretrained 1024 down to 256)."""
        if not 0 < block_size <= self.config.block_size:
            raise ValueError(
                f"block_size must be in [1, {self.config.block_size}], got {block_size}"
            )
        self.config.block_size = block_size
        if self.config.rope:
            self.rope_cos = self.rope_cos[:block_size]
            self.rope_sin = self.rope_sin[:block_size]
        else:
            weight = self.transformer.wpe.weight
            self.transformer.wpe.weight = nn.Parameter(weight.detach()[:block_size].clone())

    def configure_optimizers(
        self,
        weight_decay: float,
        learning_rate: float,
        betas: tuple[float, float] = (0.9, 0.95),
        eps: float = 1e-8,
    ) -> nn.optim.AdamW:
        """AdamW with weight decay on the 2-D weights (matmuls and embeddings) only; biases and
        LayerNorm gains (1-D) are not decayed, as in nanoGPT."""
        params = [p for p in self.parameters() if p.requires_grad]
        decay = [p for p in params if p.ndim >= 2]
        no_decay = [p for p in params if p.ndim < 2]
        groups = [
            {"params": decay, "weight_decay": weight_decay},
            {"params": no_decay, "weight_decay": 0.0},
        ]
        return nn.optim.AdamW(groups, lr=learning_rate, betas=betas, eps=eps)

    @ag.no_grad()
    def generate(self, idx: Tensor, max_new_tokens: int, **kwargs) -> Tensor:
        """idx (B, T) extended by max_new_tokens sampled tokens, (B, T + max_new_tokens); the
        keyword arguments are those of nashai.llm.sampling.generate."""
        from nashai.llm.sampling import generate  # here: sampling imports this module

        return generate(self, idx, max_new_tokens, **kwargs)

    @classmethod
    def from_pretrained(cls, directory: str | Path) -> GPT:
        """A GPT with the weights of a Hugging Face GPT-2 directory (config.json and
        model.safetensors, as written by `GPT2LMHeadModel.save_pretrained`).

        GPT-2 keeps its projections in Conv1D layers, whose weights are (in, out): they are
        transposed into Linear's (out, in). GPT-2's GELU is the tanh approximation.
        """
        directory = Path(directory)
        hf = _read_json(directory / "config.json")
        activation = hf.get("activation_function", "gelu_new")
        approximate = {"gelu": "none", "gelu_new": "tanh", "gelu_pytorch_tanh": "tanh"}
        if activation not in approximate:
            raise ValueError(f"{directory}: unsupported activation_function {activation!r}")
        if hf.get("n_inner") not in (None, 4 * hf["n_embd"]):
            raise ValueError(f"{directory}: n_inner must be 4 * n_embd, got {hf['n_inner']}")
        if not hf.get("tie_word_embeddings", True):
            raise ValueError(f"{directory}: GPT ties lm_head to wte; this model does not")
        config = GPTConfig(
            vocab_size=hf["vocab_size"],
            block_size=hf["n_positions"],
            n_layer=hf["n_layer"],
            n_head=hf["n_head"],
            n_embd=hf["n_embd"],
            dropout=0.0,
            bias=True,
            gelu_approximate=approximate[activation],
            layer_norm_eps=hf.get("layer_norm_epsilon", 1e-5),
        )
        model = cls(config)
        weights = _read_safetensors(directory / "model.safetensors")
        transposed = ("c_attn.weight", "c_proj.weight", "c_fc.weight")
        state = {}
        for key, array in weights.items():
            name = key if key.startswith(("transformer.", "lm_head.")) else f"transformer.{key}"
            if name.endswith((".attn.bias", ".attn.masked_bias")):
                continue  # old checkpoints store the causal mask as a buffer
            if name.endswith(transposed):
                array = array.T
            state[name] = ag.tensor(array, dtype=ag.float32)
        state.setdefault("lm_head.weight", state.get("transformer.wte.weight"))
        missing = sorted(set(model.state_dict()) - set(state))
        if missing:
            raise ValueError(f"{directory}/model.safetensors lacks the weights {missing}")
        model.load_state_dict(state)
        return model


def _rope_tables(config: GPTConfig) -> tuple[Tensor, Tensor]:
    """cos and sin of the angles m θᵢ, m the position, θᵢ = base^(-2i/hs); (block_size, hs)."""
    hs = config.n_embd // config.n_head
    inv_freq = config.rope_base ** (-ag.arange(0, hs, 2, dtype=ag.float32) / hs)  # (hs/2,)
    positions = ag.arange(config.block_size, dtype=ag.float32)  # (block_size,)
    angles = positions.unsqueeze(1) * inv_freq.unsqueeze(0)  # (block_size, hs/2)
    angles = ag.cat([angles, angles], dim=-1)  # (block_size, hs)
    return angles.cos(), angles.sin()


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} does not exist (expected a Hugging Face config)") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{path} is not valid JSON: {error}") from None


def _read_safetensors(path: Path) -> dict:
    """name -> NumPy array of every tensor in a .safetensors file."""
    from safetensors.numpy import load_file

    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist (expected the model's weights)")
    return load_file(str(path))
