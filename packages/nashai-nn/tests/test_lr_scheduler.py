"""The learning-rate schedules against torch.optim.lr_scheduler: the same lr (and momentum)
sequence for 40 steps, to the last bit, and state_dicts that resume the schedule."""

from __future__ import annotations

import copy
import math
import warnings

import pytest
import torch

import nashai.autograd as ag
from nashai.nn.optim import SGD, Adam, lr_scheduler

N_STEPS = 40
LRS = (0.1, 0.03)  # two param groups with their own lrs


def decay(epoch: int) -> float:
    return 0.95**epoch


def warmup_then_inverse_sqrt(epoch: int) -> float:
    return min((epoch + 1) / 5, 1 / math.sqrt(epoch + 1))


# (name, kwargs, optimizer kwargs); the optimizer is SGD unless "betas" is given (Adam)
CASES = [
    ("StepLR", {"step_size": 7, "gamma": 0.5}, {}),
    ("MultiStepLR", {"milestones": [5, 12, 12, 20], "gamma": 0.3}, {}),
    ("ExponentialLR", {"gamma": 0.9}, {}),
    ("LambdaLR", {"lr_lambda": decay}, {}),
    ("LambdaLR", {"lr_lambda": [decay, warmup_then_inverse_sqrt]}, {}),
    ("LinearLR", {"start_factor": 0.1, "total_iters": 10}, {}),
    ("LinearLR", {"start_factor": 1.0, "end_factor": 0.2, "total_iters": 15}, {}),
    ("CosineAnnealingLR", {"T_max": 10, "eta_min": 0.001}, {}),
    ("CosineAnnealingLR", {"T_max": 35}, {}),
    ("OneCycleLR", {"max_lr": [1.0, 0.5], "total_steps": N_STEPS}, {"momentum": 0.9}),
    (
        "OneCycleLR",
        {
            "max_lr": 0.5,
            "epochs": 4,
            "steps_per_epoch": 10,
            "pct_start": 0.25,
            "anneal_strategy": "linear",
            "three_phase": True,
        },
        {"betas": (0.9, 0.99)},
    ),
    (
        "OneCycleLR",
        {"max_lr": 2.0, "total_steps": 45, "cycle_momentum": False, "div_factor": 10.0},
        {},
    ),
]


class Side:
    """One library's optimizer over two one-parameter groups, and its scheduler module."""

    def __init__(self, library: str, optimizer_kwargs: dict):
        self.library = library
        if library == "torch":
            params = [torch.zeros(2, requires_grad=True) for _ in LRS]
            self.schedulers = torch.optim.lr_scheduler
            optimizer_class = torch.optim.Adam if "betas" in optimizer_kwargs else torch.optim.SGD
        else:
            params = [ag.zeros(2, requires_grad=True) for _ in LRS]
            self.schedulers = lr_scheduler
            optimizer_class = Adam if "betas" in optimizer_kwargs else SGD
        groups = [{"params": [p], "lr": lr} for p, lr in zip(params, LRS, strict=True)]
        self.optimizer = optimizer_class(groups, **optimizer_kwargs)

    def make(self, name: str, **kwargs):
        return getattr(self.schedulers, name)(self.optimizer, **kwargs)


def record(side: Side, scheduler, n_steps: int, metrics=None) -> list[tuple]:
    """The lrs (and momenta) after construction and after each of n_steps steps."""

    def snapshot():
        groups = side.optimizer.param_groups
        momenta = tuple(g.get("momentum", g.get("betas", (None,))[0]) for g in groups)
        return tuple(scheduler.get_last_lr()), tuple(g["lr"] for g in groups), momenta

    history = [snapshot()]
    for i in range(n_steps):
        side.optimizer.step()
        scheduler.step() if metrics is None else scheduler.step(metrics[i])
        history.append(snapshot())
    return history


def assert_same_history(ours, theirs) -> None:
    for step, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert a == b, f"step {step}: {a} != {b}"
    assert len(ours) == len(theirs)


@pytest.mark.parametrize(
    ("name", "kwargs", "optimizer_kwargs"),
    CASES,
    ids=[f"{name}{i}" for i, (name, _, _) in enumerate(CASES)],
)
def test_schedule_equals_torch(name, kwargs, optimizer_kwargs):
    ours, theirs = Side("nashai", optimizer_kwargs), Side("torch", optimizer_kwargs)
    n_steps = kwargs.get("total_steps", N_STEPS)
    mine = record(ours, ours.make(name, **kwargs), n_steps)
    reference = record(theirs, theirs.make(name, **kwargs), n_steps)
    assert_same_history(mine, reference)
    assert len({lrs for lrs, _, _ in mine}) > 3, "the schedule should change the lr"


@pytest.mark.parametrize(
    ("first", "second", "milestone"),
    [
        (
            ("LinearLR", {"start_factor": 0.1, "total_iters": 5}),
            ("CosineAnnealingLR", {"T_max": 30}),
            5,
        ),
        (("ExponentialLR", {"gamma": 0.8}), ("StepLR", {"step_size": 4, "gamma": 0.5}), 9),
        (("ConstantLRLike", {}), ("MultiStepLR", {"milestones": [3, 8], "gamma": 0.1}), 12),
    ],
)
def test_sequential_schedule_equals_torch(first, second, milestone):
    if first[0] == "ConstantLRLike":  # a LambdaLR that holds the lr at a third
        first = ("LambdaLR", {"lr_lambda": lambda epoch: 1 / 3})
    histories = []
    for side in (Side("nashai", {}), Side("torch", {})):
        schedulers = [side.make(first[0], **first[1]), side.make(second[0], **second[1])]
        sequential = side.schedulers.SequentialLR(side.optimizer, schedulers, [milestone])
        histories.append(record(side, sequential, N_STEPS))
    assert_same_history(*histories)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"patience": 2},
        {
            "mode": "max",
            "factor": 0.5,
            "patience": 1,
            "threshold": 0.05,
            "threshold_mode": "abs",
            "cooldown": 2,
            "min_lr": [0.01, 0.005],
        },
        {"factor": 0.2, "patience": 0, "cooldown": 1, "min_lr": 0.002, "threshold": 0.1},
    ],
)
def test_reduce_on_plateau_equals_torch(kwargs):
    metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.8, 0.81, 0.8, 0.79, 0.85, 0.9, 0.9] * 4
    metrics = [m + 0.01 * (i % 3) for i, m in enumerate(metrics)]
    histories = []
    for side in (Side("nashai", {}), Side("torch", {})):
        scheduler = side.make("ReduceLROnPlateau", **kwargs)
        histories.append(record(side, scheduler, len(metrics), metrics))
    assert_same_history(*histories)
    assert histories[0][-1][1] != LRS, "the lr should have been reduced"


@pytest.mark.parametrize(
    ("name", "kwargs", "optimizer_kwargs"), CASES[::2], ids=[name for name, _, _ in CASES[::2]]
)
def test_state_dict_resumes_the_schedule(name, kwargs, optimizer_kwargs):
    n_steps = kwargs.get("total_steps", N_STEPS)
    side = Side("nashai", optimizer_kwargs)
    scheduler = side.make(name, **kwargs)
    record(side, scheduler, 10)
    optimizer_state = copy.deepcopy(side.optimizer.state_dict())
    scheduler_state = copy.deepcopy(scheduler.state_dict())
    assert "optimizer" not in scheduler_state and scheduler_state["last_epoch"] == 10
    uninterrupted = record(side, scheduler, n_steps - 10)

    resumed = Side("nashai", optimizer_kwargs)
    resumed_scheduler = resumed.make(name, **kwargs)
    resumed.optimizer.load_state_dict(optimizer_state)
    resumed_scheduler.load_state_dict(scheduler_state)
    assert_same_history(record(resumed, resumed_scheduler, n_steps - 10), uninterrupted)


def test_scheduler_sets_initial_lr_and_resumes_from_last_epoch():
    side = Side("nashai", {})
    scheduler = side.make("StepLR", step_size=3)
    assert [g["initial_lr"] for g in side.optimizer.param_groups] == list(LRS)
    assert scheduler.base_lrs == list(LRS)
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(Side("nashai", {}).optimizer, step_size=3, last_epoch=5)
    # the closed form matches torch's when resuming from a later epoch
    torch_side = Side("torch", {})
    torch_side.make("CosineAnnealingLR", T_max=10)
    mine = side.make("CosineAnnealingLR", T_max=10, last_epoch=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch_side.make("CosineAnnealingLR", T_max=10, last_epoch=4)
    assert mine.get_last_lr() == theirs.get_last_lr()


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda o: lr_scheduler.StepLR(o, step_size=0), ValueError, "step_size"),
        (lambda o: lr_scheduler.LinearLR(o, start_factor=0), ValueError, "start_factor"),
        (lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0), ValueError, "total_steps"),
        (
            lambda o: lr_scheduler.OneCycleLR(o, max_lr=[1.0], total_steps=5),
            ValueError,
            "max_lr has 1 values",
        ),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, mode="lowest"), ValueError, "mode"),
        (lambda o: lr_scheduler.StepLR(object(), step_size=2), TypeError, "Optimizer"),
        (
            lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.StepLR(o, 2)], [3]),
            ValueError,
            "one milestone fewer",
        ),
    ],
)
def test_bad_arguments_raise_clear_errors(make, error, match):
    with pytest.raises(error, match=match):
        make(Side("nashai", {}).optimizer)


def test_one_cycle_refuses_to_step_past_total_steps():
    side = Side("nashai", {"momentum": 0.9})
    scheduler = side.make("OneCycleLR", max_lr=1.0, total_steps=3)
    for _ in range(3):
        scheduler.step()
    with pytest.raises(ValueError, match="total_steps=3"):
        scheduler.step()
