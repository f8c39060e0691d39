"""save and load: checkpoints of state_dicts in one safetensors file, written atomically.

    nn.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 3},
            "ckpt.safetensors")
    checkpoint = nn.load("ckpt.safetensors")
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])

The file format is plain safetensors, so any safetensors reader (in any language) reads the
weights:

- every array (a Tensor or NumPy array anywhere in the object) is one safetensors tensor, named
  by its path of keys joined with "." (`model.fc.weight`, `optimizer.state.0.exp_avg`); a bare
  state_dict keeps its own names, so `nn.save(model.state_dict(), path)` writes the file that
  `safetensors.numpy.load_file` and PyTorch users expect;
- everything else (the nesting, dict keys that are ints, numbers, strings, None, tuples: an
  optimizer's param groups, a scheduler's state, the epoch, the history) is JSON in the file's
  metadata under the key "nashai", where each array is replaced by a reference to its tensor.

Nothing is lost in a crash: the bytes go to a temporary file in the target's directory, which
is flushed and fsync'ed, then renamed over the target with os.replace (atomic on POSIX and
Windows), and the directory is fsync'ed so the rename itself survives a power cut. A reader sees
the old checkpoint or the new one, never a mix. A process killed mid-write leaves at most a
stray `.<name>.*.tmp` file beside the checkpoint, which `load` never reads.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from safetensors import safe_open
from safetensors.numpy import save as _safetensors_bytes

import nashai.autograd as ag
from nashai.autograd import Tensor

__all__ = ["load", "save"]

_METADATA_KEY = "nashai"
_FORMAT_VERSION = 1
_CHUNK_BYTES = 1 << 20  # write in 1 MiB pieces


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write `obj` (a state_dict, or nested dicts/lists of them and plain values) to `path`.

    Args:
        obj: Tensors, NumPy arrays, and ints, floats, bools, strings, None, nested in dicts
            (str or int keys), lists and tuples: what state_dict() methods return.
        path: the file to write (by convention ending in .safetensors); replaced atomically.

    Raises:
        TypeError: a value of another type, named by its path of keys.
    """
    arrays: dict[str, np.ndarray] = {}
    structure = _encode(obj, (), arrays)
    metadata = {_METADATA_KEY: json.dumps({"version": _FORMAT_VERSION, "object": structure})}
    _write_atomically(Path(path), _safetensors_bytes(arrays, metadata=metadata))


def load(path: str | os.PathLike, device=None) -> Any:
    """Read an object written by `save`; arrays come back as Tensors (on `device`, default the
    CPU), in the dtype they were saved in.

    A safetensors file written by another program (no "nashai" metadata) loads as a flat
    {name: Tensor} dict, ready for load_state_dict.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {str(path)!r}")
    with safe_open(str(path), framework="numpy") as handle:
        metadata = handle.metadata() or {}
        arrays = {name: handle.get_tensor(name) for name in handle.keys()}
    tensors = {name: ag.tensor(array, device=device) for name, array in arrays.items()}
    if _METADATA_KEY not in metadata:
        return tensors
    header = json.loads(metadata[_METADATA_KEY])
    return _decode(header["object"], tensors)


# --- the JSON side: the object's structure, with references to the arrays ------------------


def _encode(value: Any, keys: tuple, arrays: dict[str, np.ndarray]) -> Any:
    """A JSON-able form of value; arrays go to `arrays` under a name made of their keys."""
    if isinstance(value, Tensor | np.ndarray):
        name = _unique_name(keys, arrays)
        array = value.detach().numpy() if isinstance(value, Tensor) else value
        arrays[name] = array if array.flags.c_contiguous else array.copy()  # keeps 0-d shapes
        return {"tensor": name, "numpy": isinstance(value, np.ndarray)}
    if isinstance(value, np.generic):  # a NumPy scalar: keep it as a Python number
        value = value.item()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):  # keys may be ints (an optimizer's state): keep their type
        for key in value:
            if not isinstance(key, str | int) or isinstance(key, bool):
                raise TypeError(f"cannot save the dict key {key!r} at {_where(keys)}")
        return {"dict": [[key, _encode(item, (*keys, key), arrays)] for key, item in value.items()]}
    if isinstance(value, list | tuple):
        items = [_encode(item, (*keys, i), arrays) for i, item in enumerate(value)]
        return {"tuple" if isinstance(value, tuple) else "list": items}
    raise TypeError(
        f"cannot save a {type(value).__name__} at {_where(keys)}: a checkpoint holds Tensors, "
        f"NumPy arrays, numbers, strings, None, and dicts, lists and tuples of them"
    )


def _decode(value: Any, tensors: dict[str, Tensor]) -> Any:
    if not isinstance(value, dict):
        return value
    if "tensor" in value:
        tensor = tensors[value["tensor"]]
        return tensor.numpy() if value["numpy"] else tensor
    if "dict" in value:
        return {key: _decode(item, tensors) for key, item in value["dict"]}
    if "tuple" in value:
        return tuple(_decode(item, tensors) for item in value["tuple"])
    return [_decode(item, tensors) for item in value["list"]]


def _unique_name(keys: tuple, taken: dict) -> str:
    name = ".".join(str(key) for key in keys) or "tensor"
    candidate, n = name, 1
    while candidate in taken:  # keys with dots in them could collide
        candidate, n = f"{name}#{n}", n + 1
    return candidate


def _where(keys: tuple) -> str:
    return "the top level" if not keys else "key " + "".join(f"[{key!r}]" for key in keys)


# --- the atomic write --------------------------------------------------------------------


def _write_atomically(path: Path, data: bytes) -> None:
    """Write data to path so that path holds either its old content or all of data."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise FileNotFoundError(f"the directory of {str(path)!r} does not exist")
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            view = memoryview(data)
            for start in range(0, len(view), _CHUNK_BYTES):
                _write_chunk(handle, view[start : start + _CHUNK_BYTES])
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_directory(directory)


def _write_chunk(handle, chunk: memoryview) -> None:
    handle.write(chunk)


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable (POSIX); a no-op where directories cannot be opened."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
