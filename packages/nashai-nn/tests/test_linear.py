"""Linear, Embedding, Identity, Flatten and Dropout against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from nn_testing import compare_function, compare_module

import nashai.autograd as ag
from nashai.nn.functional.linear import dropout, embedding, linear
from nashai.nn.modules.dropout import Dropout
from nashai.nn.modules.linear import Embedding, Flatten, Identity, Linear

DTYPES = ["float32", "float64"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4), (4,)])
def test_linear_matches_torch(shape, bias, dtype, device):
    torch.manual_seed(0)
    compare_module(
        torch.nn.Linear(4, 3, bias=bias),
        Linear(4, 3, bias=bias),
        [shape],
        dtype=dtype,
        device=device,
    )


def test_functional_linear_matches_torch(device):
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((3, 5)), rng.standard_normal((2, 5)), rng.standard_normal(2)
    compare_function(torch.nn.functional.linear, linear, [x, w, b], device=device)


def test_linear_rejects_wrong_feature_count():
    with pytest.raises(ValueError, match="expects 4"):
        Linear(4, 3)(ag.ones(2, 5))


def test_linear_repr_matches_torch():
    assert repr(Linear(4, 3, bias=False)) == repr(torch.nn.Linear(4, 3, bias=False))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_matches_torch_with_repeated_indices(padding_idx, dtype, device):
    torch.manual_seed(0)
    indices = np.array([[0, 2, 2, 5], [5, 1, 2, 0], [3, 3, 3, 6]])
    theirs = torch.nn.Embedding(7, 3, padding_idx=padding_idx)
    ours = Embedding(7, 3, padding_idx=padding_idx)
    compare_module(theirs, ours, inputs=[indices], dtype=dtype, device=device)
    assert repr(ours) == repr(theirs)


def test_functional_embedding_matches_torch(device):
    weight = np.random.default_rng(1).standard_normal((6, 4))
    indices = np.array([1, 1, 4, 0])
    compare_function(
        lambda i, w: torch.nn.functional.embedding(i, w, padding_idx=1),
        lambda i, w: embedding(i, w, padding_idx=1),
        [indices, weight],
        device=device,
    )


def test_embedding_rejects_out_of_range_and_float_indices():
    table = Embedding(4, 2)
    with pytest.raises(IndexError, match=r"in \[0, 4\)"):
        table(ag.tensor([0, 4]))
    with pytest.raises(TypeError, match="integer"):
        table(ag.tensor([0.0]))
    with pytest.raises(ValueError, match="padding_idx"):
        Embedding(4, 2, padding_idx=4)


def test_embedding_from_pretrained():
    weights = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    frozen = Embedding.from_pretrained(weights)
    assert not frozen.weight.requires_grad
    np.testing.assert_array_equal(frozen(ag.tensor([1])).numpy(), [[3.0, 4.0]])
    assert Embedding.from_pretrained(weights, freeze=False).weight.requires_grad


@pytest.mark.parametrize(("start", "end"), [(1, -1), (0, 1), (2, 3)])
def test_flatten_matches_torch(start, end, device):
    compare_module(torch.nn.Flatten(start, end), Flatten(start, end), [(2, 3, 4, 5)], device=device)
    assert repr(Flatten(start, end)) == repr(torch.nn.Flatten(start, end))


def test_identity_passes_its_input_through():
    x = ag.ones(3)
    assert Identity(54, unused="x")(x) is x
    assert repr(Identity()) == repr(torch.nn.Identity())


# --- dropout ------------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_keeps_the_expectation_and_zeroes_a_fraction_p(p):
    x = ag.ones(200_000, dtype=ag.float64, requires_grad=True)
    out = dropout(x, p, generator=ag.Generator().manual_seed(0))
    values = out.numpy()
    assert set(np.unique(values)) <= {0.0, 1 / (1 - p)}
    assert (values == 0).mean() == pytest.approx(p, abs=0.005)
    assert values.mean() == pytest.approx(1.0, abs=0.01)
    out.sum().backward()  # the gradient is the same mask and scale
    np.testing.assert_array_equal(x.grad.numpy(), values)


def test_dropout_is_reproducible_with_a_generator():
    x = ag.ones(100)
    a = dropout(x, 0.5, generator=ag.Generator().manual_seed(3)).numpy()
    b = dropout(x, 0.5, generator=ag.Generator().manual_seed(3)).numpy()
    np.testing.assert_array_equal(a, b)


def test_dropout_edge_cases_and_eval_mode():
    x = ag.ones(10, requires_grad=True)
    assert dropout(x, 0.0) is x
    assert dropout(x, 0.7, training=False) is x
    assert np.all(dropout(x, 1.0).numpy() == 0)
    layer = Dropout(0.3)
    assert repr(layer) == repr(torch.nn.Dropout(0.3))
    layer.eval()
    assert layer(x) is x
    with pytest.raises(ValueError, match="between 0 and 1"):
        Dropout(1.5)
