"""MoE: the sparse dispatch against a dense reference, gradients against PyTorch, the aux loss."""

import numpy as np
import pytest
import torch

import nashai.autograd as ag
from nashai.llm.moe import MoE


def make_moe(n_embd=6, n_experts=4, top_k=2, hidden=10, seed=0):
    ag.manual_seed(seed)
    return MoE(n_embd, n_experts, top_k, hidden=hidden).double()


def weights(moe):
    """The router and expert weights as float64 NumPy arrays."""
    router = moe.router.weight.numpy()
    experts = [
        (e.c_fc.weight.numpy(), e.c_fc.bias.numpy(), e.c_proj.weight.numpy(), e.c_proj.bias.numpy())
        for e in moe.experts
    ]
    return router, experts


def dense_reference(moe, x):
    """Every expert on every token, weighted by the renormalised top-k gates (0 elsewhere)."""
    from scipy.special import erf

    router, experts = weights(moe)
    logits = x @ router.T
    probs = np.exp(logits - logits.max(-1, keepdims=True))
    probs /= probs.sum(-1, keepdims=True)  # (N, E)
    top = np.argsort(-probs, axis=-1)[:, : moe.top_k]
    mask = np.zeros_like(probs)
    np.put_along_axis(mask, top, 1.0, axis=-1)
    gates = probs * mask / (probs * mask).sum(-1, keepdims=True)  # (N, E)
    out = np.zeros_like(x)
    for e, (w1, b1, w2, b2) in enumerate(experts):
        h = x @ w1.T + b1
        h = 0.5 * h * (1 + erf(h / np.sqrt(2)))
        out += gates[:, e : e + 1] * (h @ w2.T + b2)
    f = mask.sum(0) / mask.sum()
    aux = moe.n_experts * np.sum(f * probs.mean(0))
    return out, aux


@pytest.mark.parametrize("n_experts, top_k", [(4, 1), (4, 2), (5, 3), (3, 3)])
def test_moe_equals_dense_reference_float64(n_experts, top_k):
    moe = make_moe(n_experts=n_experts, top_k=top_k)
    x = np.random.default_rng(1).standard_normal((2, 7, 6))
    y = moe(ag.tensor(x, dtype=ag.float64))
    out, aux = dense_reference(moe, x.reshape(-1, 6))
    assert y.shape == (2, 7, 6)
    np.testing.assert_allclose(y.numpy().reshape(-1, 6), out, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(moe.aux_loss.item(), aux, rtol=1e-12)
    assert sum(moe.tokens_per_expert) == 14 * top_k


def torch_moe(moe, x):
    """The same layer in PyTorch, computed densely; returns (output, aux loss, parameters)."""
    router, experts = weights(moe)
    params = [torch.tensor(router, requires_grad=True)]
    for expert in experts:
        params += [torch.tensor(w, requires_grad=True) for w in expert]
    probs = torch.softmax(x @ params[0].T, dim=-1)
    top_probs, top = probs.topk(moe.top_k, dim=-1)
    gates = torch.zeros_like(probs).scatter(1, top, top_probs / top_probs.sum(-1, keepdim=True))
    out = 0
    for e in range(moe.n_experts):
        w1, b1, w2, b2 = params[1 + 4 * e : 5 + 4 * e]
        h = torch.nn.functional.gelu(x @ w1.T + b1)
        out = out + gates[:, e : e + 1] * (h @ w2.T + b2)
    mask = torch.zeros_like(probs).scatter(1, top, 1.0)
    aux = moe.n_experts * ((mask.sum(0) / mask.sum()) * probs.mean(0)).sum()
    return out, aux, params


def test_moe_gradients_match_torch():
    moe = make_moe(n_experts=4, top_k=2)
    x = np.random.default_rng(2).standard_normal((9, 6))
    xt = torch.tensor(x, requires_grad=True)
    out_t, aux_t, params_t = torch_moe(moe, xt)
    cotangent = np.random.default_rng(3).standard_normal((9, 6))
    (out_t * torch.tensor(cotangent)).sum().add(0.7 * aux_t).backward()

    xa = ag.tensor(x, dtype=ag.float64, requires_grad=True)
    y = moe(xa)
    (y * ag.tensor(cotangent, dtype=ag.float64)).sum().add(0.7 * moe.aux_loss).backward()

    ours = [moe.router.weight] + [
        p for e in moe.experts for p in (e.c_fc.weight, e.c_fc.bias, e.c_proj.weight, e.c_proj.bias)
    ]
    np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    for mine, theirs in zip(ours, params_t, strict=True):
        np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert np.abs(moe.router.weight.grad.numpy()).max() > 0


def test_moe_gradcheck_tiny():
    moe = make_moe(n_embd=3, n_experts=3, top_k=2, hidden=4)
    x = ag.tensor(np.random.default_rng(4).standard_normal((4, 3)), dtype=ag.float64)
    x.requires_grad_(True)
    assert ag.gradcheck(lambda t: moe(t).sum() + moe.aux_loss, (x,))


def test_aux_loss_is_one_for_uniform_routing():
    moe = make_moe(n_experts=4, top_k=1)
    moe.router.weight.data = ag.zeros(4, 6, dtype=ag.float64)  # p_e = 1/E for every token
    moe(ag.randn(10, 6, dtype=ag.float64))
    assert moe.aux_loss.item() == pytest.approx(1.0, abs=1e-14)


def test_aux_loss_is_one_for_balanced_and_larger_for_collapsed_routing():
    moe = make_moe(n_embd=4, n_experts=4, top_k=1)
    moe.router.weight.data = ag.eye(4, dtype=ag.float64) * 50.0
    balanced = ag.eye(4, dtype=ag.float64).repeat(3, 1)  # each expert gets 3 tokens, p ≈ one-hot
    moe(balanced)
    assert moe.tokens_per_expert == [3, 3, 3, 3]
    assert moe.aux_loss.item() == pytest.approx(1.0, abs=1e-12)
    collapsed = ag.tensor([[1.0, 0, 0, 0]] * 12, dtype=ag.float64)  # every token to expert 0
    moe(collapsed)
    assert moe.tokens_per_expert == [12, 0, 0, 0]
    assert moe.aux_loss.item() == pytest.approx(4.0, rel=1e-12)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_embd": 4, "n_experts": 2, "top_k": 3}, "top_k"),
        ({"n_embd": 0, "n_experts": 2, "top_k": 1}, "n_embd"),
        ({"n_embd": 4, "n_experts": 2, "top_k": 1, "dropout": 1.0}, "dropout"),
    ],
)
def test_moe_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MoE(**kwargs)


def test_moe_rejects_wrong_width():
    with pytest.raises(ValueError, match="features"):
        make_moe()(ag.randn(3, 5, dtype=ag.float64))
