"""Losses against PyTorch: every reduction, float32 and float64, outputs and gradients with
respect to the input (and the target where PyTorch has one); cross_entropy with class indices
or probabilities, label_smoothing, ignore_index, weight, extra dimensions and unbatched input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from nn_testing import compare_function, compare_module

import nashai.autograd as ag
from nashai.nn.functional import losses as F
from nashai.nn.modules import loss as nn

TF = torch.nn.functional
DTYPES = ["float32", "float64"]
REDUCTIONS = ["none", "mean", "sum"]


def arrays(dtype, *shapes, low=-2.0, high=2.0, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.uniform(low, high, size=shape).astype(dtype) for shape in shapes]


# --- regression ---------------------------------------------------------------------------------

REGRESSION = [
    (TF.mse_loss, F.mse_loss, {}),
    (TF.l1_loss, F.l1_loss, {}),
    (TF.huber_loss, F.huber_loss, {}),
    (TF.huber_loss, F.huber_loss, {"delta": 0.5}),
    (TF.smooth_l1_loss, F.smooth_l1_loss, {}),
    (TF.smooth_l1_loss, F.smooth_l1_loss, {"beta": 0.3}),
    (TF.smooth_l1_loss, F.smooth_l1_loss, {"beta": 0.0}),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    ("theirs", "ours", "kwargs"), REGRESSION, ids=[f"{o.__name__}{k}" for _, o, k in REGRESSION]
)
def test_regression_losses_match_torch(theirs, ours, kwargs, reduction, dtype, device):
    x, y = arrays(dtype, (4, 5), (4, 5))
    compare_function(
        lambda a, b: theirs(a, b, reduction=reduction, **kwargs),
        lambda a, b: ours(a, b, reduction=reduction, **kwargs),
        [x, y],
        device=device,
    )


# --- binary classification ----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy_matches_torch(weighted, reduction, dtype, device):
    (p,) = arrays(dtype, (6, 3), low=0.05, high=0.95)
    (y, w) = arrays(dtype, (6, 3), (3,), low=0.0, high=1.0, seed=1)
    weight = w if weighted else None
    compare_function(
        lambda a, b: TF.binary_cross_entropy(
            a, b, None if weight is None else torch.tensor(weight), reduction=reduction
        ),
        lambda a, b: F.binary_cross_entropy(
            a, b, None if weight is None else ag.tensor(weight, device=device), reduction
        ),
        [p, y],
        device=device,
    )


@pytest.mark.filterwarnings("ignore:divide by zero")
def test_binary_cross_entropy_clamps_the_log_like_torch(device):
    p = np.array([0.0, 1.0, 0.5, 1e-50])
    y = np.array([1.0, 0.0, 1.0, 1.0])
    compare_function(
        TF.binary_cross_entropy, F.binary_cross_entropy, [p, y], requires_grad=(), device=device
    )
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(ag.tensor([1.5]), ag.tensor([1.0]))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    ("weighted", "pos_weighted"), [(False, False), (True, False), (False, True), (True, True)]
)
def test_bce_with_logits_matches_torch(weighted, pos_weighted, reduction, dtype, device):
    x, w, pw = arrays(dtype, (6, 3), (3,), (3,), low=-4.0, high=4.0)
    (y,) = arrays(dtype, (6, 3), low=0.0, high=1.0, seed=2)
    w, pw = np.abs(w), np.abs(pw)

    def theirs(a, b):
        return TF.binary_cross_entropy_with_logits(
            a,
            b,
            torch.tensor(w) if weighted else None,
            reduction=reduction,
            pos_weight=torch.tensor(pw) if pos_weighted else None,
        )

    def ours(a, b):
        return F.binary_cross_entropy_with_logits(
            a,
            b,
            ag.tensor(w, device=device) if weighted else None,
            reduction,
            ag.tensor(pw, device=device) if pos_weighted else None,
        )

    compare_function(theirs, ours, [x, y], device=device)


def test_bce_with_logits_is_stable_for_large_logits(device):
    x = np.array([-800.0, -40.0, 0.0, 40.0, 800.0])
    y = np.array([1.0, 0.0, 0.5, 1.0, 0.0])
    compare_function(
        TF.binary_cross_entropy_with_logits,
        F.binary_cross_entropy_with_logits,
        [x, y],
        device=device,
    )


# --- cross_entropy ------------------------------------------------------------------------------

SHAPES = {"2d": (5, 4), "4d": (3, 4, 2, 3), "unbatched": (4,)}


def ce_inputs(shape_name, target_kind, dtype, ignore=False):
    shape = SHAPES[shape_name]
    rng = np.random.default_rng(5)
    logits = rng.uniform(-3, 3, size=shape).astype(dtype)
    classes = shape[0] if len(shape) == 1 else shape[1]
    if target_kind == "indices":
        target_shape = () if len(shape) == 1 else (shape[0], *shape[2:])
        target = rng.integers(0, classes, size=target_shape)
        if ignore and target.ndim:
            target.reshape(-1)[::3] = -7  # every third position is ignored
        return logits, np.asarray(target), classes
    probs = rng.uniform(0, 1, size=shape)
    probs = probs / probs.sum(axis=0 if len(shape) == 1 else 1, keepdims=True)
    return logits, probs.astype(dtype), classes


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("target_kind", ["indices", "probabilities"])
@pytest.mark.parametrize("shape_name", list(SHAPES))
def test_cross_entropy_matches_torch(
    shape_name, target_kind, smoothing, weighted, reduction, dtype, device
):
    logits, target, classes = ce_inputs(shape_name, target_kind, dtype, ignore=True)
    weight = np.linspace(0.5, 2.0, classes).astype(dtype) if weighted else None
    kwargs = {"reduction": reduction, "label_smoothing": smoothing, "ignore_index": -7}
    compare_function(
        lambda x, t: TF.cross_entropy(
            x, t, None if weight is None else torch.tensor(weight), **kwargs
        ),
        lambda x, t: F.cross_entropy(
            x, t, None if weight is None else ag.tensor(weight, device=device), **kwargs
        ),
        [logits, target],
        device=device,
    )


def test_cross_entropy_is_stable_for_huge_logits(device):
    logits = np.array([[1e4, -1e4, 0.0], [-5e3, 5e3, 5e3]])
    target = np.array([1, 2])
    compare_function(TF.cross_entropy, F.cross_entropy, [logits, target], device=device)


@pytest.mark.filterwarnings("ignore:invalid value encountered")
def test_cross_entropy_with_every_target_ignored_is_nan_like_torch(device):
    logits, target = np.zeros((2, 3)), np.array([-100, -100])
    ours = F.cross_entropy(ag.tensor(logits, device=device), ag.tensor(target, device=device))
    assert np.isnan(ours.item()) and torch.isnan(
        TF.cross_entropy(torch.tensor(logits), torch.tensor(target))
    )


def test_cross_entropy_refuses_double_backward():
    x = ag.tensor([[1.0, 2.0]], requires_grad=True)
    loss = F.cross_entropy(x, ag.tensor([1]))
    with pytest.raises(NotImplementedError, match="double backward"):
        ag.grad(loss, x, create_graph=True)


def test_cross_entropy_errors_name_the_problem():
    x = ag.zeros(3, 4)
    with pytest.raises(ValueError, match=r"must have shape \(3,\)"):
        F.cross_entropy(x, ag.tensor([0, 1]))
    with pytest.raises(IndexError, match="target 4 is out of bounds for 4 classes"):
        F.cross_entropy(x, ag.tensor([0, 1, 4]))
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(x, ag.tensor([0, 1, 2]), reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, ag.tensor([0, 1, 2]), label_smoothing=1.5)
    with pytest.raises(ValueError, match=r"weight must have shape \(4,\)"):
        F.cross_entropy(x, ag.tensor([0, 1, 2]), weight=ag.ones(3))


# --- nll_loss and kl_div ------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape_name", list(SHAPES))
def test_nll_loss_matches_torch(shape_name, weighted, reduction, dtype, device):
    logits, target, classes = ce_inputs(shape_name, "indices", dtype, ignore=True)
    log_probs = logits - np.log(
        np.exp(logits).sum(axis=0 if logits.ndim == 1 else 1, keepdims=True)
    )
    weight = np.linspace(0.5, 2.0, classes).astype(dtype) if weighted else None
    compare_function(
        lambda x, t: TF.nll_loss(
            x,
            t,
            None if weight is None else torch.tensor(weight),
            ignore_index=-7,
            reduction=reduction,
        ),
        lambda x, t: F.nll_loss(
            x,
            t,
            None if weight is None else ag.tensor(weight, device=device),
            ignore_index=-7,
            reduction=reduction,
        ),
        [log_probs.astype(dtype), target],
        device=device,
    )


@pytest.mark.filterwarnings("ignore:reduction")  # torch's note on kl_div's "mean"
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", [*REDUCTIONS, "batchmean"])
@pytest.mark.parametrize(
    ("log_target", "zero_targets"), [(False, False), (False, True), (True, False)]
)
def test_kl_div_matches_torch(log_target, zero_targets, reduction, dtype, device):
    (log_q,) = arrays(dtype, (4, 5), low=-3.0, high=0.0)
    (p,) = arrays(dtype, (4, 5), low=0.1, high=1.0, seed=1)
    if log_target:
        p = np.log(p)
    if zero_targets:
        p[0, :2] = 0.0  # they contribute nothing (0 log 0 = 0); d/dp (p log p) is -inf there
    compare_function(
        lambda x, t: TF.kl_div(x, t, reduction=reduction, log_target=log_target),
        lambda x, t: F.kl_div(x, t, reduction=reduction, log_target=log_target),
        [log_q, p],
        requires_grad=(0,) if zero_targets else True,
        device=device,
    )


# --- loss modules -------------------------------------------------------------------------------


def module_cases():
    w = torch.linspace(0.5, 2.0, 4, dtype=torch.float64)
    ours_w = ag.tensor(np.linspace(0.5, 2.0, 4))
    return [
        ("MSELoss", lambda: torch.nn.MSELoss(), lambda: nn.MSELoss(), "regression"),
        (
            "L1Loss",
            lambda: torch.nn.L1Loss(reduction="sum"),
            lambda: nn.L1Loss("sum"),
            "regression",
        ),
        (
            "HuberLoss",
            lambda: torch.nn.HuberLoss(delta=0.7),
            lambda: nn.HuberLoss(delta=0.7),
            "regression",
        ),
        (
            "SmoothL1Loss",
            lambda: torch.nn.SmoothL1Loss(beta=0.5),
            lambda: nn.SmoothL1Loss(beta=0.5),
            "regression",
        ),
        (
            "BCELoss",
            lambda: torch.nn.BCELoss(weight=w),
            lambda: nn.BCELoss(weight=ours_w),
            "probabilities",
        ),
        (
            "BCEWithLogitsLoss",
            lambda: torch.nn.BCEWithLogitsLoss(weight=w, pos_weight=w * 2),
            lambda: nn.BCEWithLogitsLoss(weight=ours_w, pos_weight=ours_w * 2),
            "logits",
        ),
        (
            "CrossEntropyLoss",
            lambda: torch.nn.CrossEntropyLoss(weight=w, ignore_index=1, label_smoothing=0.1),
            lambda: nn.CrossEntropyLoss(weight=ours_w, ignore_index=1, label_smoothing=0.1),
            "classes",
        ),
        (
            "NLLLoss",
            lambda: torch.nn.NLLLoss(weight=w),
            lambda: nn.NLLLoss(weight=ours_w),
            "classes",
        ),
        (
            "KLDivLoss",
            lambda: torch.nn.KLDivLoss(reduction="batchmean", log_target=True),
            lambda: nn.KLDivLoss(reduction="batchmean", log_target=True),
            "regression",
        ),
    ]


@pytest.mark.parametrize(
    ("name", "make_torch", "make_ours", "kind"),
    module_cases(),
    ids=[case[0] for case in module_cases()],
)
def test_loss_modules_match_torch_including_weight_buffers(
    name, make_torch, make_ours, kind, device
):
    rng = np.random.default_rng(9)
    x = rng.uniform(0.05, 0.95, size=(6, 4))
    if kind == "classes":
        target = rng.integers(0, 4, size=6)
    else:
        target = rng.uniform(0, 1, size=(6, 4))
    theirs, ours = make_torch(), make_ours()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    compare_module(theirs, ours, inputs=[x, target], device=device)


def test_loss_modules_reject_an_unknown_reduction():
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.MSELoss(reduction="average")
