"""nashai.llm: tokenizers, transformers, GPT-style pretraining and sampling on nashai-nn.

Files: tokenizers/ (byte-level BPE, WordPiece, characters; Hugging Face tokenizer.json),
data/ (the shipped corpus: prose from Python's own documentation), gpt.py (nanoGPT's model with a
KV cache, RoPE and a GPT-2 loader), bert.py (BertModel and its Hugging Face loader), sampling.py
(greedy, temperature, top-k, top-p, repetition penalty, stop tokens, streaming), pretraining.py
(token stream, warmup + cosine AdamW, evaluation, checkpoints with resume), moe.py (mixture of
experts feed-forward with a load-balancing loss), lora.py (LoRA adapters), quantization.py (int8
weight-only quantisation for inference).
"""

from nashai.llm.bert import BertConfig, BertModel
from nashai.llm.data import load_corpus
from nashai.llm.gpt import GPT, GPTConfig, KVCache
from nashai.llm.lora import LoRALinear, apply_lora, lora_parameters
from nashai.llm.moe import MoE
from nashai.llm.pretraining import PretrainConfig, TokenDataset, estimate_loss, get_lr, pretrain
from nashai.llm.quantization import QuantizedLinear, model_size_bytes, quantize_model
from nashai.llm.sampling import (
    apply_repetition_penalty,
    generate,
    stream,
    top_k_filter,
    top_p_filter,
)
from nashai.llm.tokenizers import BPETokenizer, CharTokenizer, Tokenizer, WordPieceTokenizer

__all__ = [
    "GPT",
    "BPETokenizer",
    "BertConfig",
    "BertModel",
    "CharTokenizer",
    "GPTConfig",
    "KVCache",
    "LoRALinear",
    "MoE",
    "PretrainConfig",
    "QuantizedLinear",
    "TokenDataset",
    "Tokenizer",
    "WordPieceTokenizer",
    "apply_lora",
    "apply_repetition_penalty",
    "estimate_loss",
    "generate",
    "get_lr",
    "load_corpus",
    "lora_parameters",
    "model_size_bytes",
    "pretrain",
    "quantize_model",
    "stream",
    "top_k_filter",
    "top_p_filter",
]
__version__ = "0.1.0"
