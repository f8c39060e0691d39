"""Data types: NumPy dtype objects under PyTorch's names, and PyTorch's type promotion.

A tensor's `dtype` is a `numpy.dtype`, so `x.dtype == nashai.autograd.float32`,
`x.dtype == numpy.float32` and `x.dtype == "float32"` all hold for a float32 tensor.

Promotion follows PyTorch rather than NumPy where the two differ:

- the category decides first: bool < integer < floating point. Within a category the wider
  type wins (float16 + float32 -> float32, uint8 + int8 -> int16); across categories the type of
  the higher category wins (int32 + float16 -> float16, where NumPy gives float64);
- operands have a priority: a tensor with dimensions > a zero-dimensional tensor > a Python
  number. A lower-priority operand changes the result only when its category is higher:
  float32 tensor + float64 0-d tensor -> float32, int64 tensor + 2.5 -> float32 (the default
  float type), int32 tensor + 1 -> int32, bool tensor + 1 -> int64.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "bool_",
    "float16",
    "float32",
    "float64",
    "get_default_dtype",
    "int8",
    "int16",
    "int32",
    "int64",
    "is_floating_point",
    "promote_types",
    "result_type",
    "scalar_dtype",
    "set_default_dtype",
    "to_dtype",
    "uint8",
]

float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
uint8 = np.dtype(np.uint8)
int8 = np.dtype(np.int8)
int16 = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
bool_ = np.dtype(np.bool_)

SUPPORTED = (float16, float32, float64, uint8, int8, int16, int32, int64, bool_)

# Names accepted as strings: NumPy's, plus PyTorch's short aliases (torch.float is float32).
_NAMES = {str(dtype): dtype for dtype in SUPPORTED}
_NAMES.update(
    {
        "bool_": bool_,
        "half": float16,
        "float": float32,
        "double": float64,
        "short": int16,
        "int": int32,
        "long": int64,
    }
)
# Python types mean what torch.tensor(..., dtype=float) means: float64, int64, bool.
_PYTHON_TYPES = {float: float64, int: int64, bool: bool_}

_default_float = float32


def get_default_dtype() -> np.dtype:
    """The floating-point dtype of tensors made from Python floats (float32 unless changed)."""
    return _default_float


def set_default_dtype(dtype) -> None:
    """Set the floating-point dtype of tensors made from Python floats (as torch.set_default_dtype).

    Args:
        dtype: float16, float32 or float64, in any spelling `to_dtype` accepts.
    """
    global _default_float
    dtype = to_dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"the default dtype must be a floating-point type, got {dtype}")
    _default_float = dtype


def to_dtype(dtype, name: str = "dtype") -> np.dtype:
    """Parse a dtype given as a numpy dtype, a NumPy scalar type, a Python type or a string.

    Strings are NumPy's names ("float32", "int64", "bool") or PyTorch's aliases ("float", "double",
    "half", "long", "int"). Raises TypeError naming `name` for anything else, or for a dtype
    nashai does not support (complex numbers, strings, objects, unsigned types wider than 8 bits).
    """
    if isinstance(dtype, np.dtype):
        result = dtype
    elif isinstance(dtype, str):
        result = _NAMES.get(dtype)
    elif isinstance(dtype, type) and dtype in _PYTHON_TYPES:
        result = _PYTHON_TYPES[dtype]
    else:
        try:
            result = np.dtype(dtype)
        except TypeError:
            result = None
    if result is None or result not in SUPPORTED:
        supported = ", ".join(str(d) for d in SUPPORTED)
        raise TypeError(f"{name} must be one of {supported}, got {dtype!r}")
    return result


def is_floating_point(dtype: np.dtype) -> bool:
    """Whether `dtype` is float16, float32 or float64 (the dtypes that can require gradients)."""
    return dtype.kind == "f"


def _category(dtype: np.dtype) -> int:
    """0 for bool, 1 for integers, 2 for floating point."""
    return 2 if dtype.kind == "f" else 0 if dtype.kind == "b" else 1


def promote_types(a: np.dtype, b: np.dtype) -> np.dtype:
    """The smallest dtype both `a` and `b` convert to, by PyTorch's rules (module docstring)."""
    if a is b or a == b:
        return a
    category_a, category_b = _category(a), _category(b)
    if category_a != category_b:
        return a if category_a > category_b else b
    return np.promote_types(a, b)  # within one category NumPy and PyTorch agree


def scalar_dtype(value) -> np.dtype:
    """The dtype a lone Python number takes: bool, int64 or the default float type."""
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        return int64
    return _default_float


def result_type(*operands) -> np.dtype:
    """The dtype of an elementwise op on `operands` (arrays/tensors with `.dtype` and `.ndim`, or
    Python numbers), by PyTorch's priority rules: dimensioned > zero-dimensional > Python number.
    """
    by_priority: list[np.dtype | None] = [None, None, None]  # dimensioned, zero-dim, number
    for operand in operands:
        if isinstance(operand, (bool, int, float)):
            priority, dtype = 2, scalar_dtype(operand)
        else:
            priority, dtype = (0 if operand.ndim else 1), operand.dtype
        current = by_priority[priority]
        by_priority[priority] = dtype if current is None else promote_types(current, dtype)
    result = None
    for dtype in by_priority:
        if dtype is not None and (result is None or _category(dtype) > _category(result)):
            result = dtype
    return result
