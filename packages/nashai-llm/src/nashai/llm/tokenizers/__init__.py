"""Tokenizers: byte-level BPE (GPT-2), WordPiece (BERT) and characters, on the standard library.

- `base.py`: the `Tokenizer` interface (encode, decode, batches, special tokens, save/from_file);
- `pretokenize.py`: GPT-2's pre-tokenisation regex and byte-to-character map, BERT's normaliser
  and pre-tokeniser;
- `bpe.py`: `BPETokenizer`, trained with incremental pair counts;
- `wordpiece.py`: `WordPieceTokenizer`, greedy longest-match-first with "##" continuations;
- `char.py`: `CharTokenizer`, one token per character (nanoGPT's shakespeare_char);
- `huggingface.py`: reading and writing Hugging Face's tokenizer.json.
"""

from .base import Tokenizer
from .bpe import BPETokenizer
from .char import CharTokenizer
from .wordpiece import WordPieceTokenizer

__all__ = ["BPETokenizer", "CharTokenizer", "Tokenizer", "WordPieceTokenizer"]
