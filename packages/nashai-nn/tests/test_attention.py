"""scaled_dot_product_attention and MultiheadAttention against PyTorch: outputs and gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as torch_F
from nn_testing import assert_close, compare_function, compare_module, random_inputs

import nashai.autograd as ag
from nashai.nn.functional.attention import scaled_dot_product_attention
from nashai.nn.module import Module
from nashai.nn.modules.attention import MultiheadAttention

# the references run tiny tensors: torch's thread pool only contends with the other processes
torch.set_num_threads(1)

DTYPES = ["float64", "float32"]


def _sdpa(**kwargs):
    def torch_fn(q, k, v, *mask):
        return torch_F.scaled_dot_product_attention(q, k, v, *mask, **kwargs)

    def nashai_fn(q, k, v, *mask):
        return scaled_dot_product_attention(q, k, v, *mask, **kwargs)

    return torch_fn, nashai_fn


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("q_shape", "k_shape", "v_shape"),
    [
        ((2, 3, 5, 4), (2, 3, 7, 4), (2, 3, 7, 6)),  # cross attention, Ev != E
        ((4, 6, 8), (4, 6, 8), (4, 6, 8)),  # no head dim
        ((2, 3, 5, 4), (1, 3, 7, 4), (1, 3, 7, 4)),  # broadcast batch
    ],
)
def test_sdpa_matches_torch(dtype, q_shape, k_shape, v_shape):
    compare_function(*_sdpa(), random_inputs([q_shape, k_shape, v_shape], dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_sdpa_grouped_query_attention(dtype):
    arrays = random_inputs([(2, 6, 5, 4), (2, 2, 7, 4), (2, 2, 7, 3)], dtype)
    compare_function(*_sdpa(enable_gqa=True), arrays)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("length", "source"), [(6, 6), (4, 7), (7, 4)])
def test_sdpa_causal(dtype, length, source):
    arrays = random_inputs([(2, 2, length, 4), (2, 2, source, 4), (2, 2, source, 3)], dtype)
    compare_function(*_sdpa(is_causal=True), arrays)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mask_shape", [(5, 7), (2, 1, 5, 7), (2, 1, 1, 7)])
def test_sdpa_boolean_mask(dtype, mask_shape):
    rng = np.random.default_rng(1)
    mask = rng.random(mask_shape) < 0.7
    mask[..., 0] = True
    arrays = random_inputs([(2, 3, 5, 4), (2, 3, 7, 4), (2, 3, 7, 4)], dtype)
    compare_function(*_sdpa(), [*arrays, mask])


@pytest.mark.parametrize("dtype", DTYPES)
def test_sdpa_float_mask_gets_a_gradient(dtype):
    arrays = random_inputs([(2, 3, 5, 4), (2, 3, 7, 4), (2, 3, 7, 4), (3, 5, 7)], dtype)
    compare_function(*_sdpa(scale=0.3), arrays)


def test_sdpa_fully_masked_row_gives_zeros_like_torch():
    mask = np.ones((5, 7), dtype=bool)
    mask[2] = False
    arrays = random_inputs([(2, 3, 5, 4), (2, 3, 7, 4), (2, 3, 7, 4)], "float64")
    _, (out,) = compare_function(*_sdpa(), [*arrays, mask])
    assert np.all(out.numpy()[:, :, 2] == 0)


@pytest.mark.parametrize("p", [0.3, 1.0])
def test_sdpa_dropout_is_inverted_dropout_of_the_weights(p):
    """With dropout, the output is (P ⊙ D / (1 - p)) V for the mask D drawn from the generator:
    recover D by attending to one-hot values (V = I), then check outputs and gradients."""
    q, k, v = (ag.tensor(a, requires_grad=True) for a in random_inputs([(2, 5, 4)] * 3))
    identity = ag.tensor(np.broadcast_to(np.eye(5), (2, 5, 5)).copy())
    gen = ag.Generator().manual_seed(3)
    weights = scaled_dot_product_attention(q, k, identity, dropout_p=p, generator=gen)
    out = scaled_dot_product_attention(q, k, v, dropout_p=p, generator=gen.manual_seed(3))
    probs = torch.softmax(torch.tensor(q.numpy() @ k.numpy().swapaxes(1, 2) / 2.0), -1)
    dropped = weights.numpy()
    kept = dropped != 0
    if p == 1.0:
        assert not kept.any()
    else:
        assert 0.4 < kept.mean() < 0.9
        assert_close(dropped[kept], probs.numpy()[kept] / (1 - p), 1e-12, 0)
    assert_close(out, dropped @ v.numpy(), 1e-12, 1e-14)
    tq, tk, tv = (torch.tensor(t.numpy(), requires_grad=True) for t in (q, k, v))
    keep = torch.tensor(kept / (1 - p) if p < 1 else kept * 0.0)
    (torch.softmax(tq @ tk.transpose(1, 2) / 2.0, -1) * keep @ tv).sum().backward()
    out.sum().backward()
    for ours, theirs in ((q, tq), (k, tk), (v, tv)):
        assert_close(ours.grad, theirs.grad, 1e-10, 1e-12)


def test_sdpa_rejects_bad_arguments():
    q, k = ag.randn(2, 5, 4), ag.randn(2, 7, 4)
    with pytest.raises(ValueError, match="key has 3 features"):
        scaled_dot_product_attention(q, ag.randn(2, 7, 3), k)
    with pytest.raises(ValueError, match="not both"):
        scaled_dot_product_attention(q, k, k, ag.ones(5, 7).bool(), is_causal=True)
    with pytest.raises(ValueError, match="attn_mask"):
        scaled_dot_product_attention(q, k, k, ag.ones(5, 6))
    with pytest.raises(ValueError, match="dropout_p"):
        scaled_dot_product_attention(q, k, k, dropout_p=1.5)


def test_sdpa_double_backward_is_refused_with_a_clear_error():
    q = ag.randn(2, 5, 4, requires_grad=True)
    out = scaled_dot_product_attention(q, q, q)
    with pytest.raises(RuntimeError, match="double backward"):
        ag.grad(out.sum(), q, create_graph=True)


# --- MultiheadAttention ------------------------------------------------------------------------

EMBED, HEADS, BATCH, TARGET, SOURCE = 8, 2, 3, 5, 4


def _caller(base):
    """A wrapper module of `base` (torch's or nashai's Module) that calls its `layer` with the
    inputs named in `names`: "x" (self-attention: query = key = value), or "q", "k", "v", and
    the masks "key_padding_mask", "attn_mask"."""

    class Call(base):
        def __init__(self, layer, names, **options):
            super().__init__()
            self.layer, self.names, self.options = layer, names, options

        def forward(self, *inputs):
            named = dict(zip(self.names, inputs, strict=True))
            if "x" in named:
                named["q"] = named["k"] = named["v"] = named.pop("x")
            q, k, v = named.pop("q"), named.pop("k"), named.pop("v")
            return self.layer(q, k, v, **named, **self.options)

    return Call


TorchCall = _caller(torch.nn.Module)
NashaiCall = _caller(Module)


def _padding_mask(batch: int, source: int, seed: int = 0) -> np.ndarray:
    """True at the padded tail of each sequence (each keeps at least two keys)."""
    lengths = np.random.default_rng(seed).integers(2, source + 1, size=batch)
    return np.arange(source)[None, :] >= lengths[:, None]


def _compare_mha(dtype, layer_args, names, arrays, **options):
    torch.manual_seed(0)
    torch_layer = TorchCall(torch.nn.MultiheadAttention(EMBED, HEADS, **layer_args), names,
                            **options)  # fmt: skip
    nashai_layer = NashaiCall(MultiheadAttention(EMBED, HEADS, **layer_args), names, **options)
    compare_module(torch_layer, nashai_layer, inputs=arrays, dtype=dtype)


def _floats(dtype, *shapes, seed=0):
    return random_inputs(shapes, dtype, seed)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("average", [True, False])
def test_mha_self_attention_matches_torch(dtype, need_weights, average):
    (x,) = _floats(dtype, (TARGET, BATCH, EMBED))
    _compare_mha(dtype, {}, ["x"], [x], need_weights=need_weights, average_attn_weights=average)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_cross_attention_with_other_kdim_vdim_batch_first(dtype, need_weights):
    arrays = _floats(dtype, (BATCH, TARGET, EMBED), (BATCH, SOURCE, 6), (BATCH, SOURCE, 5))
    args = {"kdim": 6, "vdim": 5, "batch_first": True}
    _compare_mha(dtype, args, ["q", "k", "v"], arrays, need_weights=need_weights)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_boolean_causal_and_padding_masks(dtype, need_weights):
    (x,) = _floats(dtype, (BATCH, TARGET, EMBED))
    causal = np.triu(np.ones((TARGET, TARGET), dtype=bool), 1)  # True: may not attend
    padding = _padding_mask(BATCH, TARGET)
    _compare_mha(
        dtype, {"batch_first": True}, ["x", "key_padding_mask", "attn_mask"],
        [x, padding, causal], need_weights=need_weights, is_causal=True,
    )  # fmt: skip


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_float_masks_per_head(dtype, need_weights):
    q, k, v, attn_mask = _floats(
        dtype, (TARGET, BATCH, EMBED), (SOURCE, BATCH, EMBED), (SOURCE, BATCH, EMBED),
        (BATCH * HEADS, TARGET, SOURCE),
    )  # fmt: skip
    padding = np.where(_padding_mask(BATCH, SOURCE, seed=1), -np.inf, 0.0).astype(dtype)
    _compare_mha(
        dtype, {}, ["q", "k", "v", "key_padding_mask", "attn_mask"],
        [q, k, v, padding, attn_mask], need_weights=need_weights,
    )  # fmt: skip


@pytest.mark.parametrize("dtype", DTYPES)
def test_mha_bias_kv_zero_attn_no_bias(dtype):
    q, k = _floats(dtype, (TARGET, BATCH, EMBED), (SOURCE, BATCH, EMBED))
    padding = _padding_mask(BATCH, SOURCE, seed=2)
    args = {"add_bias_kv": True, "add_zero_attn": True, "bias": False}
    _compare_mha(dtype, args, ["q", "k", "v", "key_padding_mask"], [q, k, k, padding])


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_unbatched(need_weights):
    q, k = _floats("float64", (TARGET, EMBED), (SOURCE, EMBED))
    _compare_mha("float64", {}, ["q", "k", "v"], [q, k, k], need_weights=need_weights,
                 average_attn_weights=False)  # fmt: skip


def test_mha_state_dict_keys_and_init_follow_torch():
    for args in ({}, {"kdim": 3, "vdim": 5, "add_bias_kv": True}, {"bias": False}):
        ours = MultiheadAttention(EMBED, HEADS, **args)
        theirs = torch.nn.MultiheadAttention(EMBED, HEADS, **args)
        assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
            k: tuple(v.shape) for k, v in theirs.state_dict().items()
        }
    layer = MultiheadAttention(64, 4)
    bound = np.sqrt(6 / (64 + 3 * 64))  # Xavier uniform on (3E, E)
    weight = layer.in_proj_weight.numpy()
    assert np.abs(weight).max() <= bound and weight.std() > 0.8 * bound / np.sqrt(3)
    assert not layer.in_proj_bias.numpy().any() and not layer.out_proj.bias.numpy().any()


def test_mha_dropout_only_in_training():
    layer = MultiheadAttention(EMBED, HEADS, dropout=0.5).double()
    x = ag.tensor(_floats("float64", (TARGET, BATCH, EMBED))[0])
    ag.manual_seed(0)
    train_out, train_weights = layer(x, x, x, average_attn_weights=False)
    layer.eval()
    eval_out, eval_weights = layer(x, x, x, average_attn_weights=False)
    dropped = train_weights.numpy() == 0
    assert 0.3 < dropped.mean() < 0.7
    assert_close(train_weights.numpy()[~dropped], 2 * eval_weights.numpy()[~dropped], 1e-12, 0)
    assert not np.allclose(train_out.numpy(), eval_out.numpy())


def test_mha_rejects_bad_arguments():
    with pytest.raises(ValueError, match="divisible by num_heads"):
        MultiheadAttention(10, 3)
    layer = MultiheadAttention(EMBED, HEADS)
    x = ag.zeros(TARGET, BATCH, EMBED)
    with pytest.raises(ValueError, match="key must have 3 dims with 8 features"):
        layer(x, ag.zeros(TARGET, BATCH, 4), x)
    with pytest.raises(ValueError, match="attn_mask must have shape"):
        layer(x, x, x, attn_mask=ag.zeros(TARGET, TARGET + 1))
    with pytest.raises(ValueError, match="key_padding_mask must have shape"):
        layer(x, x, x, key_padding_mask=ag.zeros(BATCH, TARGET + 1).bool())
    with pytest.raises(RuntimeError, match="is_causal"):
        layer(x, x, x, is_causal=True)
