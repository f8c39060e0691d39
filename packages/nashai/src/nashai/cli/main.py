"""The `nashai` command's entry point: one argparse parser, a subcommand per entry point.

    nashai gpt train [--data FILE] [--tokenizer char|bpe] [--out DIR] [--max-iters N] ...
    nashai gpt sample --prompt "def " [--out DIR] [--max-new-tokens N] ...
    nashai tokenizer train FILE --vocab-size N --out tokenizer.json

Exit status: 0 on success, 2 on bad input (one line on stderr: `nashai: error: ...`), 130 when
interrupted by Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from functools import partial
from importlib import import_module
from importlib.metadata import entry_points

__all__ = ["ENTRY_POINT_GROUP", "build_parser", "main"]

ENTRY_POINT_GROUP = "nashai.commands"

# Registered through the entry-point group too; listed here so that the command also works from a
# source tree whose distribution metadata is missing.
BUILTIN_COMMANDS = {
    "gpt": "nashai.cli.gpt:register",
    "tokenizer": "nashai.cli.tokenizer:register",
}


def _load(target: str) -> Callable[[argparse._SubParsersAction], None]:
    module, _, attribute = target.partition(":")
    return getattr(import_module(module), attribute)


def commands() -> dict[str, Callable[[argparse._SubParsersAction], None]]:
    """name -> register function: the built-in commands, then the `nashai.commands` entry
    points (which replace a built-in of the same name)."""
    found: dict[str, Callable[[], Callable]] = {
        name: partial(_load, target) for name, target in BUILTIN_COMMANDS.items()
    }
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        found[entry_point.name] = entry_point.load
    return {name: loader() for name, loader in sorted(found.items())}


def build_parser() -> argparse.ArgumentParser:
    """The parser of `nashai` with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="nashai",
        description="NashAI, an AI library written from first principles on NumPy.",
    )
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for register in commands().values():
        register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run `nashai` with `argv` (sys.argv[1:] by default); returns the exit status."""
    _one_blas_thread_by_default()
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        # `nashai` or `nashai gpt` alone: the help of the deepest parser reached
        (getattr(args, "command_parser", None) or parser).print_help()
        return 2
    try:
        status = handler(args)
    except argparse.ArgumentTypeError as error:
        message = " ".join(str(error).split())  # always one line
        print(f"nashai: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nashai: interrupted", file=sys.stderr)
        return 130
    return 0 if status is None else int(status)


def _one_blas_thread_by_default() -> None:
    """Run NumPy's BLAS on one thread unless the environment says otherwise.

    The commands train and sample small models, whose matrix products gain ~10% from a second
    BLAS thread on idle cores but run several times slower when the cores are shared with other
    processes (the threads spin waiting for each other). Setting any of OPENBLAS_NUM_THREADS,
    OMP_NUM_THREADS or MKL_NUM_THREADS leaves the choice to you. Only effective before NumPy is
    first imported.
    """
    variables = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    if "numpy" in sys.modules or any(variable in os.environ for variable in variables):
        return
    for variable in variables:
        os.environ[variable] = "1"


if __name__ == "__main__":
    raise SystemExit(main())
