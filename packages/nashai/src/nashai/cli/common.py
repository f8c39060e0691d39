"""What the subcommands share: the error they raise for bad input and the checks at the door."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

__all__ = ["CommandError", "check_device", "prepare_output_dir", "read_text_file"]


class CommandError(argparse.ArgumentTypeError):
    """Bad input: `nashai` prints `nashai: error: <message>` and exits with status 2."""


def read_text_file(path: str | os.PathLike[str], option: str = "FILE") -> str:
    """The UTF-8 text of `path`; CommandError when it is missing, empty or binary.

    Binary means: a NUL byte, or bytes that are not UTF-8.
    """
    path = Path(path)
    if not path.exists():
        raise CommandError(f"{option}: {path} does not exist")
    if not path.is_file():
        raise CommandError(f"{option}: {path} is not a file")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CommandError(f"{option}: cannot read {path}: {error.strerror}") from None
    if b"\x00" in data:
        raise CommandError(f"{option}: {path} is a binary file (it holds NUL bytes), not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CommandError(
            f"{option}: {path} is not UTF-8 text (invalid byte at offset {error.start})"
        ) from None
    if not text.strip():
        raise CommandError(f"{option}: {path} is empty")
    return text


def prepare_output_dir(path: str | os.PathLike[str], option: str = "--out") -> Path:
    """Create the folder `path` if needed and check that files can be written in it."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=path, prefix=".nashai-write-test.")
        os.close(handle)
        os.unlink(probe)
    except OSError as error:
        reason = error.strerror or str(error)
        raise CommandError(f"{option}: cannot write to the folder {path}: {reason}") from None
    return path


def check_device(name: str) -> str:
    """`name` if nashai.autograd can create tensors there; CommandError with autograd's reason
    and the devices that work otherwise."""
    import nashai.autograd as ag
    from nashai.autograd.backends import BackendError

    try:
        ag.get_backend(name)
    except (BackendError, ValueError, TypeError) as error:
        usable = [device for device in ag.available_backends() if ag.is_available(device)]
        raise CommandError(f"--device: {error} (usable here: {', '.join(usable)})") from None
    return name
