"""Mixed precision: GradScaler follows torch.amp.GradScaler; float16 training with float32
master weights reaches the float32 loss."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nashai.autograd as ag
import nashai.nn as nn
from nashai.nn.amp import GradScaler, MasterWeights

# 1 = finite gradients, "inf" / "nan" = one gradient entry overflowed
PATTERN = [1, 1, 1, 1, "inf", 1, 1, 1, 1, 1, 1, "nan", "inf", 1, 1, 1, 1, 1, 1, 1]


@pytest.mark.parametrize(
    ("init_scale", "growth_factor", "backoff_factor", "growth_interval"),
    [(8.0, 2.0, 0.5, 3), (2.0**16, 4.0, 0.25, 2), (1.0, 2.0, 0.5, 1)],
)
def test_scale_sequence_and_skipped_steps_follow_pytorch(
    init_scale, growth_factor, backoff_factor, growth_interval
):
    settings = dict(
        init_scale=init_scale,
        growth_factor=growth_factor,
        backoff_factor=backoff_factor,
        growth_interval=growth_interval,
    )
    reference = torch.amp.GradScaler("cpu", **settings)
    scaler = GradScaler(**settings)
    torch_param = torch.nn.Parameter(torch.ones(4))
    param = nn.Parameter(ag.ones(4))
    torch_sgd = torch.optim.SGD([torch_param], lr=0.1, momentum=0.9)
    sgd = nn.optim.SGD([param], lr=0.1, momentum=0.9)
    rng = np.random.default_rng(0)
    for kind in PATTERN:
        loss = rng.standard_normal()
        scaled = scaler.scale(ag.tensor(loss, dtype=ag.float32)).item()
        assert scaled == pytest.approx(
            reference.scale(torch.tensor(loss, dtype=torch.float32)).item()
        )
        grad = rng.standard_normal(4).astype(np.float32) * np.float32(scaler.get_scale())
        if kind != 1:
            grad[2] = np.float32(kind)
        torch_param.grad, param.grad = torch.tensor(grad), ag.tensor(grad)
        before = param.numpy().copy()
        reference.step(torch_sgd)
        scaler.step(sgd)
        assert np.array_equal(param.numpy(), before) == (kind != 1)  # skipped exactly then
        reference.update()
        scaler.update()
        assert scaler.get_scale() == reference.get_scale()
        np.testing.assert_allclose(
            param.numpy(), torch_param.detach().numpy(), rtol=1e-6, atol=1e-7
        )
    assert scaler.state_dict() == reference.state_dict()


def test_unscale_then_clip_then_step():
    param = nn.Parameter(ag.zeros(2))
    sgd = nn.optim.SGD([param], lr=1.0)
    scaler = GradScaler(init_scale=1024.0)
    param.grad = ag.tensor([3.0 * 1024, 4.0 * 1024])
    scaler.unscale_(sgd)
    np.testing.assert_allclose(param.grad.numpy(), [3.0, 4.0])
    nn.utils.clip_grad_norm_([param], 1.0)
    with pytest.raises(RuntimeError, match="already been called"):
        scaler.unscale_(sgd)
    scaler.step(sgd)  # no second unscaling
    np.testing.assert_allclose(param.numpy(), [-0.6, -0.8], rtol=1e-5)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
        scaler.step(sgd)
    scaler.update()
    with pytest.raises(RuntimeError, match="no inf checks"):
        scaler.update()


def test_float16_gradients_are_refused_and_disabled_is_a_pass_through():
    param = nn.Parameter(ag.zeros(2, dtype=ag.float16))
    param.grad = ag.ones(2, dtype=ag.float16)
    with pytest.raises(ValueError, match="master weights"):
        GradScaler().unscale_(nn.optim.SGD([param], lr=0.1))
    off = GradScaler(enabled=False)
    loss = ag.tensor(3.0)
    assert off.scale(loss) is loss and off.get_scale() == 1.0
    param = nn.Parameter(ag.zeros(1))
    param.grad = ag.ones(1)
    off.step(nn.optim.SGD([param], lr=0.5))
    off.update()
    assert param.item() == -0.5


def _regression(seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((256, 8)).astype(np.float32)
    w = rng.standard_normal((8, 1)).astype(np.float32)
    y = np.tanh(x @ w) + 0.05 * rng.standard_normal((256, 1)).astype(np.float32)
    return ag.tensor(x), ag.tensor(y)


def _model():
    ag.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 1))


STEPS, BATCH = 150, 32


def _batches(x, y):
    for step in range(STEPS):
        start = step * BATCH % len(x)
        yield x[start : start + BATCH], y[start : start + BATCH]


def _float32_loss(x, y) -> float:
    model = _model()
    optimizer = nn.optim.Adam(model.parameters(), lr=0.01)
    for xb, yb in _batches(x, y):
        optimizer.zero_grad()
        nn.functional.mse_loss(model(xb), yb).backward()
        optimizer.step()
    with ag.no_grad():
        return nn.functional.mse_loss(model(x), y).item()


@pytest.mark.filterwarnings("ignore:overflow encountered", "ignore:invalid value encountered")
@pytest.mark.parametrize("init_scale", [2.0**10, 2.0**24])  # 2^24 overflows float16 at first
def test_mixed_precision_training_reaches_the_float32_loss(init_scale):
    x, y = _regression()
    model = _model()
    master = MasterWeights(model)
    assert all(p.dtype == ag.float16 for p in model.parameters())
    assert all(p.dtype == ag.float32 for p in master.parameters())
    optimizer = nn.optim.Adam(master.parameters(), lr=0.01)
    scaler = GradScaler(init_scale=init_scale)
    skipped = 0
    for xb, yb in _batches(x, y):
        loss = nn.functional.mse_loss(model(xb.half()).float(), yb)  # float16 forward
        scaler.scale(loss).backward()
        assert all(p.grad.dtype == ag.float16 for p in model.parameters())
        master.copy_grads_to_master()
        scaler.step(optimizer)
        scale = scaler.get_scale()
        scaler.update()
        skipped += scaler.get_scale() < scale  # the step had inf/nan gradients
        master.copy_master_to_model()
        optimizer.zero_grad()
        model.zero_grad()
    with ag.no_grad():
        loss16 = nn.functional.mse_loss(model(x.half()).float(), y).item()
    loss32 = _float32_loss(x, y)
    initial = nn.functional.mse_loss(_model()(x), y).item()
    assert loss32 < 0.3 * initial
    if init_scale < 2.0**16:  # no overflow: the same steps in float16, the same loss
        assert skipped == 0
        assert loss16 == pytest.approx(loss32, rel=0.05)
    else:  # it backed off after overflows; the few skipped steps cost a little
        assert skipped >= 1 and scaler.get_scale() < init_scale
        assert abs(loss16 - loss32) < 0.01 * initial
    state = master.state_dict()  # the float32 masters, under the model's names
    assert state["0.weight"].dtype == ag.float32
    np.testing.assert_array_equal(
        state["0.weight"].numpy().astype(np.float16), model[0].weight.numpy()
    )
