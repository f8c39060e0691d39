"""BERT: a bidirectional transformer encoder (Devlin et al., "BERT: Pre-training of Deep
Bidirectional Transformers for Language Understanding", NAACL 2019).

    model = BertModel.from_pretrained("bert-dir")       # config.json + model.safetensors
    hidden = model(input_ids, attention_mask)           # (B, S) -> (B, S, hidden_size)

The modules carry the names of Hugging Face transformers' BertModel, so a checkpoint's weights
load by name: embeddings (word + position + token type, then LayerNorm), then post-LayerNorm
encoder layers, x ↦ LN(x + attn(x)), then x ↦ LN(x + W₂ gelu(W₁ x)).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nashai.autograd as ag
import nashai.nn as nn
import nashai.nn.functional as F
from nashai.autograd import Tensor
from nashai.llm.gpt import _read_json, _read_safetensors

__all__ = ["BertConfig", "BertModel"]


@dataclass
class BertConfig:
    """The shape of a BERT encoder, with Hugging Face's field names and defaults (bert-base).

    hidden_act: "gelu" (exact) or "gelu_new" (the tanh approximation).
    """

    vocab_size: int = 30522
    hidden_size: int = 768
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    hidden_act: str = "gelu"
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    pad_token_id: int = 0

    def __post_init__(self):
        if self.hidden_size % self.num_attention_heads != 0:
            raise ValueError(
                f"BertConfig.hidden_size ({self.hidden_size}) must be divisible by "
                f"num_attention_heads ({self.num_attention_heads})"
            )
        if self.hidden_act not in _GELU:
            raise ValueError(
                f"BertConfig.hidden_act must be one of {sorted(_GELU)}, got {self.hidden_act!r}"
            )


_GELU = {"gelu": "none", "gelu_new": "tanh", "gelu_pytorch_tanh": "tanh"}


class BertEmbeddings(nn.Module):
    """LayerNorm(word + position + token-type embeddings), then dropout: (B, S) -> (B, S, H)."""

    def __init__(self, config: BertConfig):
        super().__init__()
        H = config.hidden_size
        self.word_embeddings = nn.Embedding(config.vocab_size, H, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, H)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, H)
        self.LayerNorm = nn.LayerNorm(H, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, input_ids: Tensor, token_type_ids: Tensor) -> Tensor:
        S = input_ids.shape[1]
        positions = ag.arange(S, dtype=ag.int64, device=input_ids.device)  # (S,)
        x = (
            self.word_embeddings(input_ids)  # (B, S, H)
            + self.position_embeddings(positions)  # (S, H)
            + self.token_type_embeddings(token_type_ids)  # (B, S, H)
        )
        return self.dropout(self.LayerNorm(x))


class BertSelfAttention(nn.Module):
    """softmax(q kᵀ / √hs + mask) v per head; the mask hides padding keys."""

    def __init__(self, config: BertConfig):
        super().__init__()
        H = config.hidden_size
        self.num_attention_heads = config.num_attention_heads
        self.query = nn.Linear(H, H)
        self.key = nn.Linear(H, H)
        self.value = nn.Linear(H, H)
        self.dropout = config.attention_probs_dropout_prob

    def forward(self, x: Tensor, mask: Tensor | None) -> Tensor:
        B, S, H = x.shape
        nh = self.num_attention_heads
        q = self.query(x).view(B, S, nh, H // nh).transpose(1, 2)  # (B, nh, S, hs)
        k = self.key(x).view(B, S, nh, H // nh).transpose(1, 2)  # (B, nh, S, hs)
        v = self.value(x).view(B, S, nh, H // nh).transpose(1, 2)  # (B, nh, S, hs)
        dropout_p = self.dropout if self.training else 0.0
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout_p)
        return y.transpose(1, 2).contiguous().view(B, S, H)


class BertSelfOutput(nn.Module):
    """LayerNorm(x + dropout(dense(y))): the residual around attention (post-LN)."""

    def __init__(self, config: BertConfig, inner: int):
        super().__init__()
        self.dense = nn.Linear(inner, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, y: Tensor, x: Tensor) -> Tensor:
        return self.LayerNorm(x + self.dropout(self.dense(y)))


class BertAttention(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.self = BertSelfAttention(config)
        self.output = BertSelfOutput(config, config.hidden_size)

    def forward(self, x: Tensor, mask: Tensor | None) -> Tensor:
        return self.output(self.self(x, mask), x)


class BertIntermediate(nn.Module):
    """gelu(dense(x)): (B, S, H) -> (B, S, intermediate_size)."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)
        self.approximate = _GELU[config.hidden_act]

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(self.dense(x), approximate=self.approximate)


class BertLayer(nn.Module):
    """One encoder layer: attention with its residual and LayerNorm, then the feed-forward."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.attention = BertAttention(config)
        self.intermediate = BertIntermediate(config)
        self.output = BertSelfOutput(config, config.intermediate_size)

    def forward(self, x: Tensor, mask: Tensor | None) -> Tensor:
        x = self.attention(x, mask)
        return self.output(self.intermediate(x), x)


class BertEncoder(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(config) for _ in range(config.num_hidden_layers)])

    def forward(self, x: Tensor, mask: Tensor | None) -> Tensor:
        for layer in self.layer:
            x = layer(x, mask)
        return x


class BertModel(nn.Module):
    """The BERT encoder: token ids (B, S) -> the last hidden state (B, S, hidden_size).

    The pooler of a checkpoint (a tanh layer on the [CLS] vector) is not part of this model.
    """

    def __init__(self, config: BertConfig):
        super().__init__()
        if not isinstance(config, BertConfig):
            raise TypeError(f"config must be a BertConfig, got {type(config).__name__}")
        self.config = config
        self.embeddings = BertEmbeddings(config)
        self.encoder = BertEncoder(config)

    def forward(
        self,
        input_ids: Tensor,
        attention_mask: Tensor | None = None,
        token_type_ids: Tensor | None = None,
    ) -> Tensor:
        """The last hidden state (B, S, hidden_size).

        Args:
            input_ids: (B, S) int64 token ids, S ≤ max_position_embeddings.
            attention_mask: (B, S), 1 (or True) for real tokens and 0 for padding; padding keys
                get no attention. Default: all ones.
            token_type_ids: (B, S) segment ids (0 for sentence A, 1 for B). Default: zeros.
        """
        self._check_input(input_ids, attention_mask, token_type_ids)
        if token_type_ids is None:
            token_type_ids = ag.zeros_like(input_ids)
        mask = None
        if attention_mask is not None:
            mask = (attention_mask != 0).unsqueeze(1).unsqueeze(2)  # (B, 1, 1, S): keys to see
        x = self.embeddings(input_ids, token_type_ids)  # (B, S, H)
        return self.encoder(x, mask)

    def _check_input(self, input_ids, attention_mask, token_type_ids) -> None:
        if not isinstance(input_ids, Tensor) or input_ids.ndim != 2:
            raise ValueError(
                f"input_ids must be a (B, S) integer Tensor, got "
                f"{getattr(input_ids, 'shape', type(input_ids).__name__)}"
            )
        if input_ids.shape[1] > self.config.max_position_embeddings:
            raise ValueError(
                f"input_ids has {input_ids.shape[1]} positions, but the model has only "
                f"max_position_embeddings = {self.config.max_position_embeddings}"
            )
        for name, tensor in (
            ("attention_mask", attention_mask),
            ("token_type_ids", token_type_ids),
        ):
            if tensor is not None and tuple(tensor.shape) != tuple(input_ids.shape):
                raise ValueError(
                    f"{name} must have input_ids' shape {tuple(input_ids.shape)}, got "
                    f"{tuple(tensor.shape)}"
                )

    @classmethod
    def from_pretrained(cls, directory: str | Path) -> BertModel:
        """A BertModel with the weights of a Hugging Face BERT directory (config.json and
        model.safetensors, e.g. from `BertModel.save_pretrained`); a "bert." prefix (task
        models) is stripped and the pooler and task heads are left out."""
        directory = Path(directory)
        hf = _read_json(directory / "config.json")
        if hf.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError(
                f"{directory}: only absolute position embeddings are supported, got "
                f"{hf['position_embedding_type']!r}"
            )
        names = BertConfig.__dataclass_fields__
        config = BertConfig(**{key: value for key, value in hf.items() if key in names})
        model = cls(config)
        expected = model.state_dict()
        state = {}
        for key, array in _read_safetensors(directory / "model.safetensors").items():
            name = key.removeprefix("bert.")
            name = name.replace("LayerNorm.gamma", "LayerNorm.weight")
            name = name.replace("LayerNorm.beta", "LayerNorm.bias")
            if name in expected:
                state[name] = ag.tensor(array, dtype=ag.float32)
        missing = sorted(set(expected) - set(state))
        if missing:
            raise ValueError(f"{directory}/model.safetensors lacks the weights {missing}")
        model.load_state_dict(state)
        return model.eval()
