"""`nashai gpt train` and `nashai gpt sample`: a small GPT trained and sampled from the shell.

    nashai gpt train                       # characters of the shipped corpus, into out/gpt-char
    nashai gpt train --data my.txt --tokenizer bpe --vocab-size 512 --out out/mine
    nashai gpt train --resume --out out/mine --max-iters 4000
    nashai gpt sample --prompt "A list is" --out out/gpt-char

The defaults are tuned to reach a validation loss of about 1.5 nats per character on the shipped
corpus in about 3 minutes on 2 CPU cores (5 at most). The checkpoint
(`<out>/checkpoint.safetensors`) holds the weights, the optimizer state, the configs, the
tokenizer and the random states, so `--resume` continues the run exactly; Ctrl-C writes one
before stopping.
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import fields
from pathlib import Path
from typing import Any

from nashai.cli.common import CommandError, check_device, prepare_output_dir, read_text_file

__all__ = ["MODEL_DEFAULTS", "TRAIN_DEFAULTS", "register"]

# The default run: a 4-layer, 128-wide character model (0.8 M parameters), 2000 steps of 16
# windows of 64 characters: validation loss 1.51 in about 3 minutes on one CPU core.
MODEL_DEFAULTS: dict[str, Any] = {
    "n_layer": 4,
    "n_head": 4,
    "n_embd": 128,
    "block_size": 64,
    "dropout": 0.0,
    "bias": False,
    # GPT-2's tanh GELU: the exact one (erf) costs more than all the matmuls on a CPU
    "gelu_approximate": "tanh",
}
TRAIN_DEFAULTS: dict[str, Any] = {
    "max_iters": 2000,
    "batch_size": 16,
    "learning_rate": 2e-3,
    "min_lr": 2e-4,
    "warmup_iters": 50,
    "weight_decay": 0.1,
    "grad_clip": 1.0,
    "eval_interval": 250,
    "eval_iters": 10,
    "seed": 1337,
}
DEFAULT_OUT = "out/gpt-char"
SAMPLE_TOKENS = 300


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `nashai gpt` with its `train` and `sample` subcommands."""
    parser = subparsers.add_parser("gpt", help="train a GPT and sample from it")
    parser.set_defaults(command_parser=parser)
    actions = parser.add_subparsers(title="commands", metavar="COMMAND")

    train = actions.add_parser(
        "train",
        help="train a GPT on a text (the shipped corpus by default)",
        description="Train a GPT (nanoGPT's architecture) with AdamW, warmup and cosine decay. "
        "Model and training flags default to the values below, or to the checkpoint's with "
        "--resume.",
    )
    train.add_argument("--data", metavar="FILE", help="UTF-8 text (default: the shipped corpus)")
    train.add_argument("--tokenizer", choices=["char", "bpe"], default="char")
    train.add_argument("--vocab-size", type=int, default=512, help="BPE vocabulary (default 512)")
    train.add_argument("--out", default=DEFAULT_OUT, help=f"checkpoint folder ({DEFAULT_OUT})")
    train.add_argument("--device", default="cpu", help="cpu (default), cuda, ...")
    train.add_argument("--resume", action="store_true", help="continue from --out's checkpoint")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    for name, value in MODEL_DEFAULTS.items():
        _add_flag(train, name, value)
    for name, value in TRAIN_DEFAULTS.items():
        _add_flag(train, name, value)
    train.set_defaults(handler=train_gpt)

    sample = actions.add_parser(
        "sample",
        help="sample text from a trained GPT",
        description="Stream text from the checkpoint in --out, continuing --prompt.",
    )
    sample.add_argument("--prompt", default="", help="the text to continue (default: a newline)")
    sample.add_argument("--out", default=DEFAULT_OUT, help=f"checkpoint folder ({DEFAULT_OUT})")
    sample.add_argument("--max-new-tokens", type=int, default=500)
    sample.add_argument("--temperature", type=float, default=0.8, help="0 is greedy")
    sample.add_argument("--top-k", type=int, default=None)
    sample.add_argument("--top-p", type=float, default=None)
    sample.add_argument("--seed", type=int, default=None)
    sample.add_argument("--device", default="cpu")
    sample.set_defaults(handler=sample_gpt)


def _add_flag(parser: argparse.ArgumentParser, name: str, default: Any) -> None:
    flag = "--" + name.replace("_", "-")
    if isinstance(default, bool):
        parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=None,
                            help=f"(default: {default})")  # fmt: skip
    else:
        parser.add_argument(flag, type=type(default), default=None, help=f"(default: {default})")


# ---------------------------------------------------------------------------------------------
# nashai gpt train
# ---------------------------------------------------------------------------------------------


def train_gpt(args: argparse.Namespace) -> int:
    import nashai.autograd as ag
    from nashai.llm.data import load_corpus
    from nashai.llm.gpt import GPT, GPTConfig
    from nashai.llm.pretraining import (
        CHECKPOINT_FILE,
        CheckpointError,
        PretrainConfig,
        TokenDataset,
        pretrain,
    )

    device = check_device(args.device)
    text = load_corpus() if args.data is None else read_text_file(args.data, "--data")
    out = prepare_output_dir(args.out)
    checkpoint = _read_checkpoint(out) if args.resume else None

    saved_model = {} if checkpoint is None else checkpoint["model_config"]
    saved_train = {} if checkpoint is None else {
        **(checkpoint.get("pretrain_config") or {}), **(checkpoint.get("data_config") or {})
    }  # fmt: skip
    model_settings = _settings(args, MODEL_DEFAULTS, saved_model, must_match=True)
    train_settings = _settings(args, TRAIN_DEFAULTS, saved_train, must_match=False)
    batch_size = train_settings.pop("batch_size")
    if checkpoint is not None:
        tokenizer = checkpoint["tokenizer"]
    else:
        tokenizer = _train_tokenizer(text, args.tokenizer, args.vocab_size)
    source = "the shipped corpus" if args.data is None else args.data
    try:
        tokens = tokenizer.encode(text, add_special_tokens=False)
    except ValueError as error:
        message = f"{source}: the checkpoint's tokenizer cannot encode it: {error}"
        raise CommandError(message) from None
    try:
        known = {field.name for field in fields(GPTConfig)}
        saved = {name: value for name, value in saved_model.items() if name in known}
        model_config = GPTConfig(**{**saved, **model_settings, "vocab_size": tokenizer.vocab_size})
        config = PretrainConfig(**train_settings)
    except ValueError as error:
        raise CommandError(str(error)) from None
    try:
        dataset = TokenDataset(tokens, model_config.block_size, batch_size, seed=config.seed,
                               tokenizer=tokenizer)  # fmt: skip
    except ValueError as error:
        raise CommandError(f"{source} ({len(tokens)} tokens): {error}") from None
    ag.manual_seed(config.seed)
    model = GPT(model_config).to(device)
    print(
        f"GPT: {model.get_num_params() / 1e6:.2f} M parameters ({_describe(model_config)}); "
        f"data: {len(tokens):,} tokens, vocabulary {tokenizer.vocab_size}; device: {device}"
    )
    start = time.perf_counter()
    try:
        history = pretrain(model, dataset, config, out, resume=args.resume,
                           progress=not args.quiet)  # fmt: skip
    except KeyboardInterrupt:
        print(
            f"interrupted: checkpoint saved to {out / CHECKPOINT_FILE}; continue with "
            f"`nashai gpt train --resume --out {out}`"
        )
        return 130
    except CheckpointError as error:
        raise CommandError(f"--resume: {error}") from None
    seconds = time.perf_counter() - start
    final = history[-1]
    print(
        f"iteration {final['iteration']}: train loss {final['train_loss']:.4f} "
        f"(perplexity {math.exp(final['train_loss']):.2f}), val loss {final['val_loss']:.4f} "
        f"(perplexity {math.exp(final['val_loss']):.2f}), {seconds:.0f} s"
    )
    print(f"checkpoint saved to {out / CHECKPOINT_FILE}")
    print("sample:")
    _stream(model, tokenizer, "\n", SAMPLE_TOKENS, temperature=0.8, top_k=None, top_p=None,
            seed=config.seed)  # fmt: skip
    return 0


def _settings(
    args: argparse.Namespace, defaults: dict[str, Any], saved: dict[str, Any], must_match: bool
) -> dict[str, Any]:
    """Each setting from its flag, else from `saved` (the checkpoint's, with --resume), else the
    default. With must_match (the model's shape), a flag that contradicts `saved` is an error:
    the checkpoint's weights would not fit.
    """
    settings = {}
    for name, default in defaults.items():
        given = getattr(args, name)
        if must_match and given is not None and name in saved and given != saved[name]:
            flag = "--" + name.replace("_", "-")
            raise CommandError(
                f"{flag} {given} does not match the checkpoint being resumed ({name}={saved[name]})"
            )
        settings[name] = given if given is not None else saved.get(name, default)
    return settings


def _train_tokenizer(text: str, kind: str, vocab_size: int):
    from nashai.llm.tokenizers import BPETokenizer, CharTokenizer

    if kind == "char":
        return CharTokenizer.train(text)
    try:
        return BPETokenizer.train(text, vocab_size)
    except ValueError as error:
        raise CommandError(f"--vocab-size: {error}") from None


def _describe(config) -> str:
    return (
        f"n_layer={config.n_layer}, n_head={config.n_head}, n_embd={config.n_embd}, "
        f"block_size={config.block_size}"
    )


# ---------------------------------------------------------------------------------------------
# nashai gpt sample
# ---------------------------------------------------------------------------------------------


def sample_gpt(args: argparse.Namespace) -> int:
    device = check_device(args.device)
    if args.max_new_tokens < 0:
        raise CommandError(f"--max-new-tokens must be >= 0, got {args.max_new_tokens}")
    if not args.temperature >= 0:
        raise CommandError(f"--temperature must be >= 0, got {args.temperature}")
    if args.top_k is not None and args.top_k < 1:
        raise CommandError(f"--top-k must be >= 1, got {args.top_k}")
    if args.top_p is not None and not 0 < args.top_p <= 1:
        raise CommandError(f"--top-p must be in (0, 1], got {args.top_p}")
    if args.seed is not None and args.seed < 0:
        raise CommandError(f"--seed must be >= 0, got {args.seed}")
    checkpoint = _read_checkpoint(Path(args.out))
    model = _model_from_checkpoint(checkpoint, Path(args.out)).to(device)
    tokenizer = checkpoint["tokenizer"]
    _stream(model, tokenizer, args.prompt or "\n", args.max_new_tokens, args.temperature,
            args.top_k, args.top_p, args.seed)  # fmt: skip
    return 0


def _read_checkpoint(out: Path) -> dict[str, Any]:
    from nashai.llm.pretraining import CHECKPOINT_FILE, CheckpointError, load_checkpoint

    path = out / CHECKPOINT_FILE
    if not path.is_file():
        raise CommandError(
            f"--out: no checkpoint in {out} (expected {path}; train one with `nashai gpt train "
            f"--out {out}`)"
        )
    try:
        checkpoint = load_checkpoint(path)
    except CheckpointError as error:
        raise CommandError(f"--out: {error}") from None
    if checkpoint.get("model_type") != "GPT" or not checkpoint.get("model_config"):
        raise CommandError(
            f"--out: {path} holds a {checkpoint.get('model_type')!r} model, not a GPT"
        )
    if checkpoint.get("tokenizer") is None:
        raise CommandError(f"--out: {path} holds no tokenizer to encode text with")
    return checkpoint


def _model_from_checkpoint(checkpoint: dict[str, Any], out: Path):
    """The GPT of the checkpoint's config with its weights; CommandError if they disagree."""
    from nashai.llm.gpt import GPT, GPTConfig

    known = {field.name for field in fields(GPTConfig)}
    settings = {k: v for k, v in checkpoint["model_config"].items() if k in known}
    try:
        model = GPT(GPTConfig(**settings))
        model.load_state_dict(checkpoint["model"])
    except (TypeError, ValueError, RuntimeError) as error:
        raise CommandError(f"--out: the checkpoint in {out} does not fit a GPT: {error}") from None
    tokenizer = checkpoint["tokenizer"]
    if tokenizer is not None and tokenizer.vocab_size != model.config.vocab_size:
        raise CommandError(
            f"--out: the checkpoint's tokenizer has {tokenizer.vocab_size} tokens but its model "
            f"{model.config.vocab_size}"
        )
    return model


def _stream(model, tokenizer, prompt: str, max_new_tokens: int, temperature: float,
            top_k: int | None, top_p: float | None, seed: int | None) -> None:  # fmt: skip
    """Print prompt and its continuation token by token, as the model draws them."""
    import nashai.autograd as ag
    from nashai.llm.sampling import stream

    try:
        ids = tokenizer.encode(prompt, add_special_tokens=False)
    except ValueError as error:
        raise CommandError(f"--prompt: {error}") from None
    if not ids:
        ids = [0]
    if top_k is not None:
        top_k = min(top_k, model.config.vocab_size)
    device = next(iter(model.parameters())).device
    idx = ag.tensor([ids], dtype=ag.int64, device=device)
    print(prompt, end="", flush=True)
    new: list[int] = []
    shown = ""
    for token in stream(model, idx, max_new_tokens, temperature=temperature, top_k=top_k,
                        top_p=top_p, seed=seed):  # fmt: skip
        new.append(token)
        text = tokenizer.decode(new)
        if text.endswith("\ufffd"):  # a character cut between byte-level tokens: wait
            continue
        print(text[len(shown) :], end="", flush=True)
        shown = text
    print(tokenizer.decode(new)[len(shown) :])
