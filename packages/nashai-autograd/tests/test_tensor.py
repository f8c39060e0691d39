"""Tensor basics: factories, dtypes and promotion, conversion, in-place ops, Python protocols."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
import torch
from autograd_helpers import assert_close, compare

import nashai.autograd as ag
from nashai.autograd import dtypes

# --- factories ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "dtype"),
    [
        (1.5, "float32"),
        ([1.0, 2.0], "float32"),
        ([1, 2], "int64"),
        ([True, False], "bool"),
        (np.array([1.0, 2.0]), "float64"),
        (np.array([1, 2], dtype=np.int32), "int32"),
        (np.float16(2.0), "float16"),
        ([], "float32"),
    ],
)
def test_tensor_infers_dtype_like_torch(data, dtype, device):
    assert str(ag.tensor(data, device=device).dtype) == dtype
    assert str(torch.tensor(data).dtype).removeprefix("torch.") == dtype


def test_tensor_copies_and_as_tensor_shares():
    array = np.array([1.0, 2.0])
    copied, shared = ag.tensor(array), ag.from_numpy(array)
    array[0] = 9.0
    assert copied[0].item() == 1.0 and shared[0].item() == 9.0
    assert ag.as_tensor(array).array is array


@pytest.mark.parametrize(
    "make",
    [
        lambda L, d: L.zeros(2, 3),
        lambda L, d: L.zeros((2, 3), dtype=d),
        lambda L, d: L.ones([4]),
        lambda L, d: L.empty(2, 0).shape and L.zeros(2, 0),
        lambda L, d: L.full((2, 2), 1.5),
        lambda L, d: L.full((2,), 7),
        lambda L, d: L.full((2,), True),
        lambda L, d: L.arange(5),
        lambda L, d: L.arange(1, 2, 0.25),
        lambda L, d: L.arange(0, 1, 0.1),
        lambda L, d: L.arange(10, 0, -3),
        lambda L, d: L.linspace(-1, 1, 7),
        lambda L, d: L.eye(3),
        lambda L, d: L.eye(2, 4, dtype=d),
        lambda L, d: L.zeros_like(L.ones(2, 3, dtype=d)),
        lambda L, d: L.ones_like(L.arange(3)),
        lambda L, d: L.full_like(L.zeros(2), 3.5),
    ],
)
def test_factories_match_torch(make, device):
    expected = make(torch, torch.float64)
    actual = make(ag, ag.float64)
    assert str(actual.dtype) == str(expected.dtype).removeprefix("torch.")
    assert_close(actual, expected, rtol=1e-7, atol=1e-7)  # float32 rounding may differ
    assert ag.zeros(2, device=device).device == device


def test_new_factories_keep_dtype_and_device(device):
    x = ag.ones(2, dtype=ag.float64, device=device)
    for made in (
        x.new_zeros(3),
        x.new_ones((1, 2)),
        x.new_full((2,), 4.0),
        x.new_tensor([1.0]),
        x.new_empty(2),
    ):
        assert made.dtype == ag.float64 and made.device == device
    assert x.new_tensor([1, 2], dtype=ag.long).dtype == ag.int64


def test_manual_seed_makes_draws_reproducible(device):
    ag.manual_seed(123)
    first = (
        ag.rand(3, device=device),
        ag.randn(2, 2, device=device),
        ag.randint(0, 10, (4,), device=device),
        ag.randperm(5, device=device),
    )
    ag.manual_seed(123)
    second = (
        ag.rand(3, device=device),
        ag.randn(2, 2, device=device),
        ag.randint(0, 10, (4,), device=device),
        ag.randperm(5, device=device),
    )
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert sorted(first[3].tolist()) == list(range(5))


def test_generators_are_independent_and_device_agnostic(device):
    g1, g2 = ag.Generator().manual_seed(7), ag.Generator().manual_seed(7)
    on_device = ag.randn(4, generator=g1, device=device)
    on_cpu = ag.randn(4, generator=g2)
    np.testing.assert_array_equal(on_device.numpy(), on_cpu.numpy())
    state = g1.get_state()
    a = ag.rand(2, generator=g1)
    g1.set_state(state)
    np.testing.assert_array_equal(ag.rand(2, generator=g1).numpy(), a.numpy())


def test_random_draws_have_the_right_distribution(device):
    g = ag.Generator().manual_seed(0)
    u = ag.rand(20_000, generator=g, dtype=ag.float64, device=device).numpy()
    z = ag.randn(20_000, generator=g, device=device).numpy()
    k = ag.randint(3, 7, (20_000,), generator=g, device=device).numpy()
    assert 0 <= u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.01
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.03 and z.dtype == np.float32
    assert set(np.unique(k)) == {3, 4, 5, 6} and k.dtype == np.int64


@pytest.mark.parametrize("replacement", [True, False])
def test_multinomial_draws_follow_the_weights(replacement, device):
    weights = ag.tensor([[1.0, 0.0, 3.0, 4.0], [0.0, 2.0, 2.0, 0.0]], device=device)
    g = ag.Generator().manual_seed(3)
    draws = np.stack(
        [
            ag.multinomial(weights, 2, replacement=replacement, generator=g).numpy()
            for _ in range(4000)
        ]
    )  # (4000, 2 rows, 2 samples)
    assert draws.dtype == np.int64 and draws.shape == (4000, 2, 2)
    assert not np.isin(draws[:, 0], [1]).any() and np.isin(draws[:, 1], [1, 2]).all()
    first = np.bincount(draws[:, 0, 0], minlength=4) / 4000
    np.testing.assert_allclose(first, [1 / 8, 0, 3 / 8, 4 / 8], atol=0.03)
    if not replacement:
        assert (draws[:, :, 0] != draws[:, :, 1]).all()
    with pytest.raises(RuntimeError, match="without replacement"):
        ag.multinomial(weights, 3)


def test_random_fill_in_place(device):
    x = ag.zeros(10_000, device=device)
    x.uniform_(-2.0, 3.0, generator=ag.Generator().manual_seed(1))
    assert -2.0 <= x.min().item() and x.max().item() < 3.0
    x.normal_(5.0, 0.5)
    assert abs(x.mean().item() - 5.0) < 0.05


# --- dtypes and promotion ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("float32", ag.float32),
        ("float", ag.float32),
        ("double", ag.float64),
        ("half", ag.float16),
        ("long", ag.int64),
        ("int", ag.int32),
        ("bool", ag.bool_),
        (np.float64, ag.float64),
        (float, ag.float64),
        (int, ag.int64),
        (bool, ag.bool_),
        (ag.uint8, ag.uint8),
    ],
)
def test_to_dtype_accepts_the_usual_spellings(spelling, expected):
    assert dtypes.to_dtype(spelling) == expected


@pytest.mark.parametrize("bad", ["complex64", np.complex128, "float128", object, "floaty"])
def test_to_dtype_rejects_unsupported_types(bad):
    with pytest.raises(TypeError, match="dtype must be one of"):
        dtypes.to_dtype(bad)


NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


@pytest.mark.parametrize("a", NAMES)
@pytest.mark.parametrize("b", NAMES)
def test_promote_types_matches_torch(a, b):
    expected = torch.promote_types(getattr(torch, a), getattr(torch, b))
    assert str(ag.promote_types(dtypes.to_dtype(a), dtypes.to_dtype(b))) == str(expected)[6:]


@pytest.mark.parametrize(
    "operands",
    [
        (("float32", (2,)), ("float64", ())),
        (("int64", (2,)), ("float64", ())),
        (("int32", (2,)), 2.5),
        (("int32", (2,)), 7),
        (("bool", (2,)), 1),
        (("bool", (2,)), True),
        (("float16", (2,)), 3.0),
        (("int32", ()), ("float16", ())),
        (("uint8", (2,)), ("int8", (2,))),
        (("float32", ()), 2),
    ],
)
def test_result_type_matches_torch(operands, device):
    def make(lib, operand):
        if not isinstance(operand, tuple):
            return operand
        name, shape = operand
        if lib is torch:
            return torch.zeros(shape, dtype=getattr(torch, name))
        return ag.zeros(shape, dtype=name, device=device)

    expected = (make(torch, operands[0]) + make(torch, operands[1])).dtype
    actual = (make(ag, operands[0]) + make(ag, operands[1])).dtype
    assert str(actual) == str(expected)[6:]


def test_default_dtype_can_be_changed():
    try:
        ag.set_default_dtype(ag.float64)
        assert ag.tensor(1.5).dtype == ag.float64 and ag.zeros(2).dtype == ag.float64
    finally:
        ag.set_default_dtype(ag.float32)
    with pytest.raises(TypeError):
        ag.set_default_dtype(ag.int64)


# --- conversion ---------------------------------------------------------------------------------


def test_to_converts_dtype_and_keeps_identity_when_nothing_changes(device):
    x = ag.tensor([1.5, -2.5], device=device)
    assert x.to(ag.float32) is x and x.to(device) is x
    assert x.to(ag.float64).dtype == ag.float64
    assert x.to("float64").dtype == ag.float64
    assert x.to(device, ag.int64).tolist() == [1, -2]
    assert x.double().dtype == ag.float64 and x.half().dtype == ag.float16
    assert x.long().tolist() == [1, -2] and x.int().dtype == ag.int32
    assert x.bool().tolist() == [True, True]
    assert x.to(x.new_zeros(1, dtype=ag.float64)).dtype == ag.float64
    assert x.to(device, copy=True) is not x


def test_python_conversions(device):
    x = ag.tensor([[1.5, 2.0]], device=device)
    assert x.tolist() == [[1.5, 2.0]]
    assert x[0, 0].item() == 1.5 and float(x[0, 1]) == 2.0 and int(x[0, 0]) == 1
    assert np.asarray(x).shape == (1, 2)
    assert len(x) == 1 and [row.shape for row in x] == [(2,)]
    assert bool(ag.tensor([1], device=device)) and not bool(ag.tensor(0.0, device=device))
    assert f"{x.sum():.2f}" == "3.50"
    assert [10, 20, 30][ag.tensor(1, device=device)] == 20
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(x)
    with pytest.raises(ValueError, match="one-element"):
        x.item()
    assert x.size() == (1, 2) and x.size(-1) == 2 and x.dim() == 2 and x.numel() == 2


def test_numpy_arrays_on_the_left_give_tensors(device):
    x = ag.tensor([1.0, 2.0], dtype=ag.float64, device=device)
    result = np.array([1.0, 1.0]) + x
    assert isinstance(result, ag.Tensor) and result.tolist() == [2.0, 3.0]
    assert (np.float64(2.0) * x).tolist() == [2.0, 4.0]


def test_repr_matches_torch():
    for make in [
        lambda L: L.tensor([1.5, 2.0]),
        lambda L: L.tensor(3.5),
        lambda L: L.tensor([[1, 2], [3, 4]]),
        lambda L: L.tensor([1.0, 2.0]),
        lambda L: L.zeros(2, dtype=L.float64),
    ]:
        assert repr(make(ag)) == repr(make(torch)).replace("torch.", "")
    x = ag.tensor([1.0], requires_grad=True)
    assert repr(x) == "tensor([1.], requires_grad=True)"
    assert repr(x * 2) == "tensor([2.], grad_fn=<MulBackward>)"


def test_detach_and_data_share_memory(device):
    x = ag.tensor([1.0, 2.0], device=device, requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.is_leaf
    with ag.no_grad():
        d.mul_(3)
    assert x.tolist() == [3.0, 6.0] and x._version == 1
    x.data.zero_()
    assert x.tolist() == [0.0, 0.0]
    x.data = ag.tensor([5.0], device=device)
    assert x.tolist() == [5.0] and x.requires_grad


def test_deepcopy_and_pickle_keep_values_and_device(device):
    x = ag.tensor([1.0, 2.0], device=device, requires_grad=True)
    (x * x).sum().backward()
    copied = copy.deepcopy(x)
    assert copied.tolist() == [1.0, 2.0] and copied.requires_grad
    assert copied.grad.tolist() == [2.0, 4.0] and copied.device == device
    copied.data.zero_()
    assert x.tolist() == [1.0, 2.0]
    restored = pickle.loads(pickle.dumps(x))
    assert restored.tolist() == [1.0, 2.0] and restored.requires_grad
    assert restored.device == device
    with pytest.raises(RuntimeError, match="leaf"):
        copy.deepcopy(x * 2)


# --- in place -----------------------------------------------------------------------------------

IN_PLACE = [
    lambda L, x, y: x.add_(y),
    lambda L, x, y: x.add_(y, alpha=0.5),
    lambda L, x, y: x.sub_(2.0),
    lambda L, x, y: x.mul_(y),
    lambda L, x, y: x.div_(y * y + 1),
    lambda L, x, y: x.addcmul_(y, y, value=0.5),
    lambda L, x, y: x.addcdiv_(y, y * y + 1, value=-2),
    lambda L, x, y: x.lerp_(y, 0.25),
    lambda L, x, y: x.clamp_(-0.5, 0.5),
    lambda L, x, y: x.masked_fill_(y > 0, 3.0),
    lambda L, x, y: x.fill_(2.0),
    lambda L, x, y: x.zero_(),
    lambda L, x, y: x.copy_(y),
]


@pytest.mark.parametrize("update", IN_PLACE)
def test_in_place_ops_match_torch_with_and_without_graph(update, device):
    def recorded(L, x, y):
        h = x * 1.5  # a non-leaf: its history is rebased onto the in-place op
        return update(L, h, y) * x

    def unrecorded(L, x, y):
        with torch.no_grad() if L is torch else ag.no_grad():
            h = x.detach().clone()
            update(L, h, y.detach())
        return h

    compare(recorded, [(3, 2), (3, 2)], device=device)
    compare(unrecorded, [(3, 2), (3, 2)], device=device)


def test_setitem_matches_torch(device):
    def fn(L, x, v):
        h = x * 2
        h[0] = v
        h[:, 1] = 0.0
        h[h > 3] = -1.0
        return h

    compare(fn, [(3, 3), (3,)], ranges=(-1.0, 3.0), device=device)
    x = ag.zeros(2, 3, device=device)
    x[1, [0, 2]] = ag.tensor([5.0, 6.0], device=device)
    assert x.tolist() == [[0, 0, 0], [5, 0, 6]] and x._version == 1


def test_iadd_keeps_the_tensor_object(device):
    x = ag.zeros(2, device=device)
    y = x
    y += 1
    assert y is x and x.tolist() == [1.0, 1.0]


def test_in_place_on_a_view_with_graph_is_refused(device):
    x = ag.ones(2, 2, device=device, requires_grad=True) * 1
    with pytest.raises(RuntimeError, match="view"):
        x[0].mul_(2)


def test_in_place_result_must_fit(device):
    x = ag.zeros(3, device=device, requires_grad=True) * 1
    with pytest.raises(RuntimeError, match=r"shape \(2, 3\).*\(3,\)"):
        x.add_(ag.ones(2, 3, device=device))
