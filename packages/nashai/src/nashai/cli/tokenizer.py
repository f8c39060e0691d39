"""`nashai tokenizer train FILE --vocab-size N --out tokenizer.json`: learn a tokenizer."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from nashai.cli.common import CommandError, prepare_output_dir, read_text_file

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `nashai tokenizer` and its `train` subcommand."""
    parser = subparsers.add_parser("tokenizer", help="train tokenizers")
    parser.set_defaults(command_parser=parser)
    actions = parser.add_subparsers(title="commands", metavar="COMMAND")
    train = actions.add_parser(
        "train",
        help="learn a tokenizer from a text file",
        description="Learn a byte-level BPE (GPT-2 style) or a character tokenizer from FILE "
        "and save it as JSON (readable by nashai.llm.tokenizers.Tokenizer.from_file).",
    )
    train.add_argument("file", metavar="FILE", help="UTF-8 text to learn from")
    train.add_argument("--type", choices=["bpe", "char"], default="bpe", help="default: bpe")
    train.add_argument(
        "--vocab-size", type=int, default=1024,
        help="tokens in the BPE vocabulary, at least 257 (default: 1024)",
    )  # fmt: skip
    train.add_argument("--out", default="tokenizer.json", help="default: tokenizer.json")
    train.set_defaults(handler=train_tokenizer)


def train_tokenizer(args: argparse.Namespace) -> int:
    from nashai.llm.tokenizers import BPETokenizer, CharTokenizer

    text = read_text_file(args.file)
    out = Path(args.out)
    prepare_output_dir(out.parent if str(out.parent) else ".", "--out")
    if out.is_dir():
        raise CommandError(f"--out: {out} is a folder; give a file name such as tokenizer.json")
    start = time.perf_counter()
    if args.type == "char":
        tokenizer = CharTokenizer.train(text)
    else:
        try:
            tokenizer = BPETokenizer.train(text, args.vocab_size)
        except ValueError as error:
            raise CommandError(f"--vocab-size: {error}") from None
    seconds = time.perf_counter() - start
    try:
        tokenizer.save(out)
    except OSError as error:
        raise CommandError(f"--out: cannot write {out}: {error.strerror or error}") from None
    n_tokens = len(tokenizer.encode(text, add_special_tokens=False))
    print(
        f"{type(tokenizer).__name__} with {tokenizer.vocab_size} tokens learned from "
        f"{len(text):,} characters in {seconds:.1f} s; the text is {n_tokens:,} tokens "
        f"({len(text) / n_tokens:.2f} characters per token)"
    )
    print(f"saved to {out}")
    return 0
