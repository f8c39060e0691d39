"""Gradient checkpointing: same gradients as the plain computation and as PyTorch's, with less
memory kept between forward and backward."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import torch
import torch.utils.checkpoint

import nashai.autograd as ag
import nashai.nn as nn
from nashai.nn.checkpoint import checkpoint, checkpoint_sequential


def _deep_mlp(depth: int, width: int, seed: int = 0, dropout: float = 0.0) -> nn.Sequential:
    ag.manual_seed(seed)
    layers = []
    for _ in range(depth):
        layers += [nn.Linear(width, width), nn.Tanh()]
        if dropout:
            layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def _gradients(model: nn.Module, x: ag.Tensor, run) -> tuple[np.ndarray, list[np.ndarray], float]:
    model.zero_grad()
    x.grad = None
    out = run(model, x)
    loss = (out * out).sum()
    loss.backward()
    return x.grad.numpy().copy(), [p.grad.numpy().copy() for p in model.parameters()], loss.item()


def _assert_same(a, b, rtol=0.0, atol=0.0):
    np.testing.assert_allclose(a[0], b[0], rtol=rtol, atol=atol)
    for ga, gb in zip(a[1], b[1], strict=True):
        np.testing.assert_allclose(ga, gb, rtol=rtol, atol=atol)
    assert a[2] == pytest.approx(b[2], rel=1e-6)


def test_checkpoint_of_a_module_gives_the_plain_gradients():
    model = _deep_mlp(3, 8)
    x = ag.randn(5, 8, generator=ag.Generator().manual_seed(1), requires_grad=True)
    plain = _gradients(model, x, lambda m, x: m(x))
    checkpointed = _gradients(model, x, lambda m, x: checkpoint(m, x))
    _assert_same(plain, checkpointed)


def test_checkpoint_of_a_function_with_closure_parameters_and_extra_arguments():
    generator = ag.Generator().manual_seed(2)
    weight = ag.randn(6, 6, generator=generator, requires_grad=True)
    x = ag.randn(4, 6, generator=generator, requires_grad=True)
    scale = ag.randn(6, generator=generator)  # no grad

    def block(h, s, power):
        return ((h @ weight) * s).tanh() ** power

    def grads(run):
        weight.grad = x.grad = None
        run().sum().backward()
        return weight.grad.numpy().copy(), x.grad.numpy().copy()

    plain = grads(lambda: block(x, scale, 2))
    checkpointed = grads(lambda: checkpoint(block, x, scale, 2))
    for a, b in zip(plain, checkpointed, strict=True):
        np.testing.assert_array_equal(a, b)


def test_parameters_get_gradients_when_the_input_needs_none():
    model = _deep_mlp(2, 4)
    out = checkpoint(model, ag.randn(3, 4))
    assert out.requires_grad
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_dropout_draws_the_same_mask_when_recomputed():
    model = _deep_mlp(3, 16, dropout=0.5)
    x = ag.randn(8, 16, generator=ag.Generator().manual_seed(3), requires_grad=True)
    ag.manual_seed(10)
    plain = _gradients(model, x, lambda m, x: m(x))
    ag.manual_seed(10)
    checkpointed = _gradients(model, x, lambda m, x: checkpoint_sequential(m, 3, x))
    _assert_same(plain, checkpointed)


@pytest.mark.parametrize("segments", [1, 2, 3, 6])
def test_checkpoint_sequential_matches_pytorch(segments):
    torch.manual_seed(0)
    reference = torch.nn.Sequential(
        *[layer for _ in range(3) for layer in (torch.nn.Linear(8, 8), torch.nn.Tanh())]
    )
    model = _deep_mlp(3, 8)
    model.load_state_dict({k: v.detach().numpy() for k, v in reference.state_dict().items()})
    x_np = np.random.default_rng(4).standard_normal((5, 8)).astype(np.float32)

    x_torch = torch.tensor(x_np, requires_grad=True)
    out = torch.utils.checkpoint.checkpoint_sequential(
        reference, segments, x_torch, use_reentrant=False
    )
    (out * out).sum().backward()
    expected = (
        x_torch.grad.numpy(),
        [p.grad.numpy() for p in reference.parameters()],
        (out * out).sum().item(),
    )
    x = ag.tensor(x_np, requires_grad=True)
    got = _gradients(model, x, lambda m, x: checkpoint_sequential(m, segments, x))
    _assert_same(got, expected, rtol=1e-5, atol=1e-6)


def test_checkpoint_sequential_checks_segments():
    model = _deep_mlp(2, 4)
    with pytest.raises(ValueError, match="segments must be at most"):
        checkpoint_sequential(model, 5, ag.randn(2, 4))
    with pytest.raises(ValueError, match="segments must be a positive integer"):
        checkpoint_sequential(model, 0, ag.randn(2, 4))


def test_under_no_grad_it_is_a_plain_call():
    model = _deep_mlp(2, 4)
    x = ag.randn(2, 4)
    with ag.no_grad():
        out = checkpoint(model, x)
    assert out.grad_fn is None
    np.testing.assert_array_equal(out.numpy(), model(x).detach().numpy())


def _bytes_kept_by_forward(run) -> int:
    """Memory allocated by the forward pass and still held when it returns (the graph's
    saved activations and the output), measured by tracemalloc, which NumPy reports to."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        out = run()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    out.sum().backward()  # and the graph is still usable
    return kept


def test_checkpointing_a_deep_mlp_keeps_far_less_memory():
    depth, width, batch = 16, 128, 256  # an activation is 128 KiB
    model = _deep_mlp(depth, width)
    x = ag.randn(batch, width, generator=ag.Generator().manual_seed(5), requires_grad=True)
    plain = _bytes_kept_by_forward(lambda: model(x))
    segmented = _bytes_kept_by_forward(lambda: checkpoint_sequential(model, 4, x))
    activation = batch * width * 4
    # plain keeps one activation per Linear-Tanh pair (Linear saves its input, which is the
    # previous Tanh's saved output); checkpointed keeps 3 segment inputs and the last
    # segment's 4 pairs: 7 activations instead of 16
    assert plain > 0.9 * depth * activation
    assert segmented < 0.55 * plain
    print(
        f"kept after forward: plain {plain / 2**20:.2f} MiB, 4 segments {segmented / 2**20:.2f} MiB"
    )
