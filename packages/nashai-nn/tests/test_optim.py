"""The optimisers against torch.optim: the same parameters, loss and hyper-parameters must give
the same parameter trajectory (float64), the same state and a state_dict that resumes exactly."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from nn_testing import DEVICE

import nashai.autograd as ag
from nashai.nn.optim import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop

N_STEPS = 20
RTOL, ATOL = 1e-9, 1e-12

OPTIMIZERS = {"SGD": SGD, "Adagrad": Adagrad, "RMSprop": RMSprop, "Adam": Adam, "AdamW": AdamW}

CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.01, "momentum": 0.5, "maximize": True}),
    ("Adagrad", {"lr": 0.1}),
    (
        "Adagrad",
        {
            "lr": 0.1,
            "lr_decay": 0.05,
            "weight_decay": 0.1,
            "initial_accumulator_value": 0.2,
            "eps": 1e-6,
        },
    ),
    ("Adagrad", {"lr": 0.05, "maximize": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.5}),
    ("RMSprop", {"lr": 0.01, "centered": True, "weight_decay": 0.05}),
    ("RMSprop", {"lr": 0.005, "alpha": 0.8, "momentum": 0.9, "centered": True, "eps": 1e-4}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.01}),
    ("Adam", {"lr": 0.02, "maximize": True, "decoupled_weight_decay": True, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.05}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.5, "amsgrad": True}),
]


def make_problem(seed: int = 0) -> dict[str, np.ndarray]:
    """The weights and data of a small tanh MLP regression (float64)."""
    rng = np.random.default_rng(seed)
    return {
        "w1": rng.normal(size=(5, 3)),
        "b1": rng.normal(size=5),
        "w2": rng.normal(size=(2, 5)),
        "x": rng.normal(size=(8, 3)),
        "y": rng.normal(size=(8, 2)),
    }


def mlp_loss(params, x, y):
    """mean((tanh(x W1ᵀ + b1) W2ᵀ - y)²), for either library's tensors."""
    w1, b1, w2 = params
    hidden = (x @ w1.T + b1).tanh()  # (8, 5)
    return ((hidden @ w2.T - y) ** 2).mean()


def nashai_side(problem):
    params = [ag.tensor(problem[k], device=DEVICE, requires_grad=True) for k in ("w1", "b1", "w2")]
    data = [ag.tensor(problem[k], device=DEVICE) for k in ("x", "y")]
    return params, data


def torch_side(problem):
    params = [torch.tensor(problem[k], requires_grad=True) for k in ("w1", "b1", "w2")]
    data = [torch.tensor(problem[k]) for k in ("x", "y")]
    return params, data


def run(optimizer, params, data, n_steps: int) -> list[list[np.ndarray]]:
    """Take n_steps steps; the parameters after each, as NumPy arrays."""
    trajectory = []
    for _ in range(n_steps):
        optimizer.zero_grad()
        mlp_loss(params, *data).backward()
        optimizer.step()
        trajectory.append([to_numpy(p) for p in params])
    return trajectory


def to_numpy(tensor) -> np.ndarray:
    return np.array(
        tensor.detach().cpu().numpy()
        if isinstance(tensor, torch.Tensor)
        else tensor.detach().numpy()
    )


def assert_same_trajectory(ours, theirs) -> None:
    assert len(ours) == len(theirs)
    for step, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        for i, (pa, pb) in enumerate(zip(a, b, strict=True)):
            np.testing.assert_allclose(
                pa, pb, rtol=RTOL, atol=ATOL, err_msg=f"param {i} after step {step + 1}"
            )


def torch_optimizer(name: str, params, **kwargs):
    return getattr(torch.optim, name)(params, foreach=False, **kwargs)


def torch_state_dict_as_numpy(state_dict: dict) -> dict:
    """A torch optimizer state_dict with every tensor as a NumPy array."""

    def convert(value):
        if isinstance(value, torch.Tensor):
            return value.detach().cpu().numpy()
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        return value

    return {"state": convert(state_dict["state"]), "param_groups": state_dict["param_groups"]}


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=[f"{n}-{kw}" for n, kw in CASES])
def test_trajectory_matches_torch(name, kwargs):
    problem = make_problem()
    params, data = nashai_side(problem)
    torch_params, torch_data = torch_side(problem)
    ours = run(OPTIMIZERS[name](params, **kwargs), params, data, N_STEPS)
    theirs = run(torch_optimizer(name, torch_params, **kwargs), torch_params, torch_data, N_STEPS)
    assert_same_trajectory(ours, theirs)
    moved = np.abs(ours[-1][0] - problem["w1"]).max()
    assert moved > 1e-3, "the parameters should have moved"


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=[f"{n}-{kw}" for n, kw in CASES])
def test_update_rule_with_given_gradients_matches_torch(name, kwargs, dtype):
    """The same gradient sequence fed to both: only the update rule differs, if anything."""
    rtol = 1e-12 if dtype == "float64" else 1e-5
    rng = np.random.default_rng(9)
    start = rng.normal(size=(6, 4)).astype(dtype)
    grads = [rng.normal(size=(6, 4)).astype(dtype) for _ in range(N_STEPS)]
    param = ag.tensor(start, device=DEVICE, requires_grad=True)
    torch_param = torch.tensor(start, requires_grad=True)
    ours = OPTIMIZERS[name]([param], **kwargs)
    theirs = torch_optimizer(name, [torch_param], **kwargs)
    for step, grad in enumerate(grads):
        param.grad = ag.tensor(grad, device=DEVICE)
        torch_param.grad = torch.tensor(grad)
        ours.step()
        theirs.step()
        np.testing.assert_allclose(
            to_numpy(param),
            to_numpy(torch_param),
            rtol=rtol,
            atol=rtol * 1e-2,
            err_msg=f"after step {step + 1}",
        )
    assert param.dtype == np.dtype(dtype)


@pytest.mark.parametrize(
    ("name", "defaults", "group_options"),
    [
        ("SGD", {"lr": 0.1, "momentum": 0.9}, {"lr": 0.01, "nesterov": True}),
        ("Adam", {"lr": 0.05}, {"lr": 0.001, "amsgrad": True}),
        ("RMSprop", {"lr": 0.01}, {"lr": 0.03, "centered": True, "momentum": 0.3}),
        ("Adagrad", {"lr": 0.1}, {"lr": 0.3, "lr_decay": 0.1}),
        ("AdamW", {"lr": 0.05, "weight_decay": 0.1}, {"lr": 0.01, "weight_decay": 0.0}),
    ],
)
def test_param_groups_with_their_own_hyper_parameters(name, defaults, group_options):
    problem = make_problem(1)
    params, data = nashai_side(problem)
    torch_params, torch_data = torch_side(problem)

    def groups(p):
        return [{"params": p[:2]}, {"params": [p[2]], **group_options}]

    ours = OPTIMIZERS[name](groups(params), **defaults)
    theirs = torch_optimizer(name, groups(torch_params), **defaults)
    assert ours.param_groups[1]["lr"] == group_options["lr"]
    assert ours.param_groups[0]["lr"] == defaults["lr"]
    assert_same_trajectory(
        run(ours, params, data, N_STEPS), run(theirs, torch_params, torch_data, N_STEPS)
    )


def test_add_param_group_matches_torch():
    problem = make_problem(2)
    params, data = nashai_side(problem)
    torch_params, torch_data = torch_side(problem)
    ours = Adam(params[:2], lr=0.05)
    theirs = torch_optimizer("Adam", torch_params[:2], lr=0.05)
    first = run(ours, params, data, 5), run(theirs, torch_params, torch_data, 5)
    ours.add_param_group({"params": params[2], "lr": 0.2})
    theirs.add_param_group({"params": torch_params[2], "lr": 0.2})
    assert_same_trajectory(*first)
    assert_same_trajectory(run(ours, params, data, 10), run(theirs, torch_params, torch_data, 10))
    assert ours.param_groups[1]["betas"] == (0.9, 0.999)


@pytest.mark.parametrize(("name", "kwargs"), CASES[1::2], ids=[n for n, _ in CASES[1::2]])
def test_state_dict_has_torch_layout_and_values(name, kwargs):
    problem = make_problem(3)
    params, data = nashai_side(problem)
    torch_params, torch_data = torch_side(problem)
    ours = OPTIMIZERS[name](params, **kwargs)
    theirs = torch_optimizer(name, torch_params, **kwargs)
    run(ours, params, data, 3)
    run(theirs, torch_params, torch_data, 3)

    mine, reference = ours.state_dict(), theirs.state_dict()
    assert list(mine["state"]) == list(reference["state"])
    for index, state in reference["state"].items():
        assert sorted(mine["state"][index]) == sorted(state)
        for key, value in state.items():
            np.testing.assert_allclose(
                to_numpy(mine["state"][index][key]),
                value.numpy(),
                rtol=RTOL,
                atol=ATOL,
                err_msg=f"state[{index}][{key}]",
            )
        if "step" in state:
            assert mine["state"][index]["step"].dtype == np.float32  # as torch's
    for group, torch_group in zip(mine["param_groups"], reference["param_groups"], strict=True):
        for key, value in group.items():
            assert torch_group[key] == value, key


@pytest.mark.parametrize(("name", "kwargs"), CASES[::3], ids=[n for n, _ in CASES[::3]])
def test_state_dict_round_trip_resumes_exactly(name, kwargs):
    problem = make_problem(4)
    params, data = nashai_side(problem)
    optimizer = OPTIMIZERS[name](params, **kwargs)
    run(optimizer, params, data, 7)
    saved = copy.deepcopy(optimizer.state_dict())
    saved_params = [p.detach().clone() for p in params]

    uninterrupted = run(optimizer, params, data, 8)

    resumed_params = [p.requires_grad_() for p in saved_params]
    resumed = OPTIMIZERS[name](resumed_params, lr=123.0)  # the loaded groups replace lr
    resumed.load_state_dict(saved)
    assert resumed.param_groups[0]["lr"] == kwargs["lr"]
    assert resumed.param_groups[0]["params"][0] is resumed_params[0]
    np.testing.assert_array_equal(
        np.array(run(resumed, resumed_params, data, 8)[-1][0]), uninterrupted[-1][0]
    )


@pytest.mark.parametrize(("name", "kwargs"), CASES[2::3], ids=[n for n, _ in CASES[2::3]])
def test_torch_state_dict_loads_and_resumes_torch_trajectory(name, kwargs):
    problem = make_problem(5)
    torch_params, torch_data = torch_side(problem)
    theirs = torch_optimizer(name, torch_params, **kwargs)
    run(theirs, torch_params, torch_data, 6)
    checkpoint = torch_state_dict_as_numpy(copy.deepcopy(theirs.state_dict()))

    params = [ag.tensor(to_numpy(p), device=DEVICE, requires_grad=True) for p in torch_params]
    data = [ag.tensor(problem[k], device=DEVICE) for k in ("x", "y")]
    ours = OPTIMIZERS[name](params, lr=1.0)
    ours.load_state_dict(checkpoint)
    assert_same_trajectory(run(ours, params, data, 6), run(theirs, torch_params, torch_data, 6))


@pytest.mark.parametrize(("name", "kwargs"), CASES[1::3], ids=[n for n, _ in CASES[1::3]])
def test_our_state_dict_loads_into_torch_and_resumes_our_trajectory(name, kwargs):
    problem = make_problem(7)
    params, data = nashai_side(problem)
    ours = OPTIMIZERS[name](params, **kwargs)
    run(ours, params, data, 6)
    checkpoint = copy.deepcopy(ours.state_dict())
    for state in checkpoint["state"].values():
        for key, value in state.items():
            state[key] = torch.from_numpy(to_numpy(value))

    torch_params = [torch.tensor(to_numpy(p), requires_grad=True) for p in params]
    torch_data = [torch.tensor(problem[k]) for k in ("x", "y")]
    theirs = torch_optimizer(name, torch_params, lr=1.0)
    theirs.load_state_dict(checkpoint)
    assert_same_trajectory(run(ours, params, data, 6), run(theirs, torch_params, torch_data, 6))


def test_zero_grad_sets_to_none_or_zeros():
    params, data = nashai_side(make_problem())
    optimizer = SGD(params, lr=0.1)
    mlp_loss(params, *data).backward()
    optimizer.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in params)
    optimizer.zero_grad()
    assert all(p.grad is None for p in params)


def test_parameters_without_gradient_are_left_alone():
    params, data = nashai_side(make_problem())
    frozen = ag.tensor([1.0, 2.0], dtype=ag.float64, requires_grad=True)
    optimizer = Adam([*params, frozen], lr=0.1)
    run(optimizer, params, data, 2)
    np.testing.assert_array_equal(frozen.numpy(), [1.0, 2.0])
    assert frozen not in optimizer.state
    assert sorted(optimizer.state_dict()["state"]) == [0, 1, 2]


def test_step_with_closure_returns_loss_and_matches_torch():
    problem = make_problem(6)
    params, data = nashai_side(problem)
    torch_params, torch_data = torch_side(problem)
    ours, theirs = (
        SGD(params, lr=0.1, momentum=0.9),
        torch_optimizer("SGD", torch_params, lr=0.1, momentum=0.9),
    )

    def closure_for(optimizer, p, d):
        def closure():
            optimizer.zero_grad()
            loss = mlp_loss(p, *d)
            loss.backward()
            return loss

        return closure

    for _ in range(5):
        loss = ours.step(closure_for(ours, params, data))
        torch_loss = theirs.step(closure_for(theirs, torch_params, torch_data))
        np.testing.assert_allclose(loss.item(), torch_loss.item(), rtol=RTOL)
    np.testing.assert_allclose(params[0].numpy(), to_numpy(torch_params[0]), rtol=RTOL)


def test_float32_parameters_keep_their_dtype():
    params = [ag.tensor([1.0, -2.0], device=DEVICE, requires_grad=True)]
    optimizer = Adam(params, lr=0.1)
    (params[0] ** 2).sum().backward()
    optimizer.step()
    assert params[0].dtype == np.float32
    assert optimizer.state[params[0]]["exp_avg"].dtype == np.float32
    np.testing.assert_allclose(params[0].numpy(), [0.9, -1.9], rtol=1e-6)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda p: SGD([], lr=0.1), "empty parameter list"),
        (lambda p: SGD(p[0], lr=0.1), "single Tensor"),
        (lambda p: SGD(p, lr=-0.1), "lr must be non-negative"),
        (lambda p: SGD(p, lr=0.1, nesterov=True), "nesterov"),
        (lambda p: Adam(p, betas=(0.9, 1.0)), r"betas\[1\]"),
        (lambda p: RMSprop(p, momentum=-1), "momentum"),
        (lambda p: Adagrad(p, lr_decay=-1), "lr_decay"),
        (lambda p: SGD([{"params": p}, {"params": p[:1]}], lr=0.1), "more than one"),
        (lambda p: SGD([p[0] * 2], lr=0.1), "non-leaf"),
        (lambda p: SGD([1.0], lr=0.1), "can only optimize Tensors"),
    ],
)
def test_bad_arguments_raise_clear_errors(make, match):
    params, _ = nashai_side(make_problem())
    with pytest.raises((ValueError, TypeError), match=match):
        make(params)


def test_load_state_dict_checks_group_sizes():
    params, _ = nashai_side(make_problem())
    saved = SGD(params, lr=0.1).state_dict()
    with pytest.raises(ValueError, match="parameter group 0"):
        SGD(params[:2], lr=0.1).load_state_dict(saved)
    with pytest.raises(ValueError, match="parameter groups"):
        SGD([{"params": params[:1]}, {"params": params[1:]}], lr=0.1).load_state_dict(saved)


def test_optimizer_base_step_is_abstract_and_repr_lists_groups():
    params, _ = nashai_side(make_problem())
    with pytest.raises(NotImplementedError):
        Optimizer(params, {"lr": 0.1}).step()
    text = repr(SGD(params, lr=0.25, momentum=0.5))
    assert text.startswith("SGD (") and "lr: 0.25" in text and "momentum: 0.5" in text


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [("SGD", {"lr": 0.1, "momentum": 0.9}), ("AdamW", {"lr": 0.01, "weight_decay": 0.1})],
)
def test_trains_a_module_like_torch(name, kwargs):
    """The optimizer drives a nashai.nn model (Parameters from Module.parameters()) through
    the same weights as torch's for the same model."""
    containers = pytest.importorskip("nashai.nn.containers")
    linear = pytest.importorskip("nashai.nn.modules.linear")
    activation = pytest.importorskip("nashai.nn.modules.activation")
    torch.manual_seed(0)
    reference = torch.nn.Sequential(
        torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2)
    ).double()
    model = containers.Sequential(linear.Linear(3, 5), activation.Tanh(), linear.Linear(5, 2))
    model.double().load_state_dict({k: v.numpy() for k, v in reference.state_dict().items()})
    problem = make_problem(8)
    x, y = ag.tensor(problem["x"]), ag.tensor(problem["y"])
    torch_x, torch_y = torch.tensor(problem["x"]), torch.tensor(problem["y"])
    ours = OPTIMIZERS[name](model.parameters(), **kwargs)
    theirs = torch_optimizer(name, reference.parameters(), **kwargs)
    for _ in range(N_STEPS):
        ours.zero_grad()
        ((model(x) - y) ** 2).mean().backward()
        ours.step()
        theirs.zero_grad()
        ((reference(torch_x) - torch_y) ** 2).mean().backward()
        theirs.step()
    for key, value in reference.state_dict().items():
        np.testing.assert_allclose(
            model.state_dict()[key].numpy(), value.numpy(), rtol=RTOL, atol=ATOL, err_msg=key
        )


def test_named_parameters_are_kept_as_param_names_like_torch():
    problem = make_problem()
    params, _ = nashai_side(problem)
    torch_params, _ = torch_side(problem)
    names = ["w1", "b1", "w2"]
    ours = SGD(list(zip(names, params, strict=True)), lr=0.1)
    theirs = torch_optimizer("SGD", list(zip(names, torch_params, strict=True)), lr=0.1)
    assert ours.param_groups[0]["params"][0] is params[0]
    packed, torch_packed = (
        ours.state_dict()["param_groups"][0],
        theirs.state_dict()["param_groups"][0],
    )
    assert packed["param_names"] == torch_packed["param_names"] == names
    assert packed["params"] == torch_packed["params"] == [0, 1, 2]
