"""nashai.llm: tokenizers, transformers, GPT-style pretraining and sampling on nashai-nn.

Files: tokenizers/ (byte-level BPE, WordPiece, characters; Hugging Face tokenizer.json),
data/ (the shipped corpus: prose from Python's own documentation), gpt.py (nanoGPT's model with a
KV cache, RoPE and a GPT-2 loader), bert.py (BertModel and its Hugging Face loader), sampling.py
(greedy, temperature, top-k, top-p, repetition penalty, stop tokens, streaming), pretraining.py
(token stream, warmup + cosine AdamW, evaluation, checkpoints with resume).
"""

from nashai.llm.bert import BertConfig, BertModel
from nashai.llm.data import load_corpus
from nashai.llm.gpt import GPT, GPTConfig, KVCache
from nashai.llm.pretraining import PretrainConfig, TokenDataset, estimate_loss, get_lr, pretrain
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
    "PretrainConfig",
    "TokenDataset",
    "Tokenizer",
    "WordPieceTokenizer",
    "apply_repetition_penalty",
    "estimate_loss",
    "generate",
    "get_lr",
    "load_corpus",
    "pretrain",
    "stream",
    "top_k_filter",
    "top_p_filter",
]
__version__ = "0.1.0"
