"""Broadcasting ops on hypothesis-generated shapes, against PyTorch (forward and backward).

They use DEVICE directly: hypothesis reruns a test many times, which a fixture would not follow.
"""

from __future__ import annotations

import numpy as np
import pytest
from autograd_helpers import DEVICE, compare
from hypothesis import given, settings
from hypothesis.extra.numpy import mutually_broadcastable_shapes

BINARY = {
    "add": lambda L, a, b: a + b,
    "sub": lambda L, a, b: a - b,
    "mul": lambda L, a, b: a * b,
    "div": lambda L, a, b: a / (b * b + 1),
    "pow": lambda L, a, b: (a * a + 0.5) ** b,
    "maximum": lambda L, a, b: L.maximum(a, b),
    "minimum": lambda L, a, b: L.minimum(a, b),
    "where": lambda L, a, b: L.where(a > b, a, b * 2),
    "matmul_batch": lambda L, a, b: a[..., None, None] @ b[..., None, None],
}

SHAPES = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=0, max_side=3)


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(max_examples=25, deadline=None)
@given(shapes=SHAPES)
def test_binary_op_broadcasts_like_torch(name, shapes):
    compare(BINARY[name], shapes.input_shapes, device=DEVICE, double=False)


@settings(max_examples=25, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3))
def test_where_broadcasts_condition_and_both_branches(shapes):
    rng = np.random.default_rng(0)
    condition = rng.uniform(-1, 1, shapes.input_shapes[0])
    a = rng.standard_normal(shapes.input_shapes[1])
    b = rng.standard_normal(shapes.input_shapes[2])
    compare(
        lambda L, c, x, y: L.where(c > 0, x, y),
        arrays=[condition, a, b],
        device=DEVICE,
        double=False,
    )
