"""Gradient clipping against torch.nn.utils: the same returned norm and clipped gradients."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from nn_testing import DEVICE

import nashai.autograd as ag
from nashai.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_

SHAPES = [(4, 3), (5,), (2, 2, 2), ()]


def make_grads(dtype: str, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(scale=2.0, size=shape).astype(dtype) for shape in SHAPES]


def with_grads(grads: list[np.ndarray]):
    """nashai parameters and torch parameters whose .grad are `grads` (plus one without)."""
    ours, theirs = [], []
    for grad in grads:
        param = ag.zeros(grad.shape, dtype=grad.dtype, device=DEVICE, requires_grad=True)
        param.grad = ag.tensor(grad, device=DEVICE)
        ours.append(param)
        torch_param = torch.zeros(
            grad.shape, dtype=getattr(torch, str(grad.dtype)), requires_grad=True
        )
        torch_param.grad = torch.tensor(grad)
        theirs.append(torch_param)
    ours.append(ag.zeros(3, device=DEVICE, requires_grad=True))
    theirs.append(torch.zeros(3, requires_grad=True))
    return ours, theirs


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("norm_type", [2.0, 1, math.inf, "inf", 3.5, 0.5, -math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_torch(dtype, norm_type, max_norm):
    rtol = 1e-12 if dtype == "float64" else 1e-5
    ours, theirs = with_grads(make_grads(dtype))
    total = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    torch_total = torch.nn.utils.clip_grad_norm_(
        theirs, max_norm, norm_type=norm_type, foreach=False
    )
    assert total.shape == () and total.dtype == np.dtype(dtype)
    np.testing.assert_allclose(total.item(), torch_total.item(), rtol=rtol)
    for i, (param, torch_param) in enumerate(zip(ours[:-1], theirs[:-1], strict=True)):
        np.testing.assert_allclose(
            param.grad.numpy(), torch_param.grad.numpy(), rtol=rtol, atol=1e-7, err_msg=f"grad {i}"
        )
    assert ours[-1].grad is None


def test_clip_grad_norm_limits_the_joint_two_norm():
    ours, _ = with_grads(make_grads("float64", seed=1))
    before = clip_grad_norm_(ours, 1.0).item()
    after = math.sqrt(sum(float((p.grad.numpy() ** 2).sum()) for p in ours[:-1]))
    assert before > 1.0
    np.testing.assert_allclose(after, 1.0, rtol=1e-5)


def test_clip_grad_norm_of_one_tensor_and_of_no_gradients():
    param = ag.zeros(2, dtype=ag.float64, requires_grad=True)
    assert clip_grad_norm_(param, 1.0).item() == 0.0
    param.grad = ag.tensor([3.0, 4.0], dtype=ag.float64)
    assert clip_grad_norm_(param, 10.0).item() == 5.0
    np.testing.assert_array_equal(param.grad.numpy(), [3.0, 4.0])


@pytest.mark.filterwarnings("ignore:invalid value encountered")  # inf * 0 when scaling
@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_error_if_nonfinite(bad):
    grads = make_grads("float64")
    grads[0][1, 1] = bad
    ours, theirs = with_grads(grads)
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError):
        torch.nn.utils.clip_grad_norm_(theirs, 1.0, error_if_nonfinite=True)
    total = clip_grad_norm_(ours, 1.0)
    torch_total = torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    np.testing.assert_equal(total.item(), torch_total.item())
    np.testing.assert_equal(ours[1].grad.numpy(), theirs[1].grad.numpy())


@pytest.mark.parametrize("clip_value", [0.1, 1.5, 100.0])
def test_clip_grad_value_matches_torch(clip_value):
    ours, theirs = with_grads(make_grads("float64", seed=2))
    assert clip_grad_value_(ours, clip_value) is None
    torch.nn.utils.clip_grad_value_(theirs, clip_value, foreach=False)
    for param, torch_param in zip(ours[:-1], theirs[:-1], strict=True):
        np.testing.assert_array_equal(param.grad.numpy(), torch_param.grad.numpy())
