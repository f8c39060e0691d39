"""Module and Parameter: registration, traversal order, modes, state_dict round trips with
PyTorch, load_state_dict's strict checks, to(), apply, zero_grad and repr."""

from __future__ import annotations

import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch
from nn_testing import compare_module, torch_state_as_numpy

import nashai.autograd as ag
from nashai.nn.containers import ModuleDict, ModuleList, Sequential
from nashai.nn.module import Module, Parameter
from nashai.nn.modules.activation import ReLU, Tanh
from nashai.nn.modules.dropout import Dropout
from nashai.nn.modules.linear import Linear


def make_models(lib):
    """The same small model in torch and in nashai: nested children, a buffer, a shared layer,
    a non-persistent buffer and an absent (None) parameter."""
    nn = torch.nn if lib == "torch" else None
    if lib == "torch":
        Base, Par = torch.nn.Module, torch.nn.Parameter

        def tensor(x):
            return torch.tensor(np.asarray(x, dtype=np.float32))

        Lin, Seq, Act, Drop, List, Dict = (
            nn.Linear,
            nn.Sequential,
            nn.ReLU,
            nn.Dropout,
            nn.ModuleList,
            nn.ModuleDict,
        )
    else:
        Base, Par = Module, Parameter

        def tensor(x):
            return ag.tensor(np.asarray(x, dtype=np.float32))

        Lin, Seq, Act, Drop, List, Dict = Linear, Sequential, ReLU, Dropout, ModuleList, ModuleDict

    class Net(Base):
        def __init__(self):
            super().__init__()
            self.scale = Par(tensor([1.5, 2.0]))
            self.register_buffer("steps", tensor([0.0]))
            self.register_buffer("cache", tensor([7.0]), persistent=False)
            self.register_parameter("unused", None)
            self.body = Seq(Lin(3, 4), Act(), Drop(0.25), Lin(4, 2, bias=False))
            self.heads = List([Lin(2, 2), Lin(2, 1)])
            self.extra = Dict({"b": Lin(2, 3), "a": Act()})
            self.tied = self.heads[0]  # the same module twice

        def forward(self, x):
            h = self.body(x) * self.scale
            return self.heads[1](self.tied(h))

    return Net()


def test_named_parameters_buffers_and_modules_match_torch_order():
    ours, theirs = make_models("nashai"), make_models("torch")
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert len(list(ours.parameters())) == len(list(theirs.parameters()))
    assert len(list(ours.modules())) == len(list(theirs.modules()))
    assert [n for n, _ in ours.named_parameters(remove_duplicate=False)] == [
        n for n, _ in theirs.named_parameters(remove_duplicate=False)
    ]
    assert [n for n, _ in ours.named_parameters(prefix="m", recurse=False)] == ["m.scale"]


def test_state_dict_round_trip_torch_to_nashai_to_torch():
    torch.manual_seed(0)
    theirs = make_models("torch")
    ours = make_models("nashai")
    result = ours.load_state_dict(torch_state_as_numpy(theirs))
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == repr(theirs.load_state_dict(theirs.state_dict()))
    assert repr(ours.load_state_dict(theirs.state_dict())) == "<All keys matched successfully>"
    back = make_models("torch")
    back.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in ours.state_dict().items()})
    for (name, a), (_, b) in zip(
        theirs.state_dict().items(), back.state_dict().items(), strict=True
    ):
        assert torch.equal(a, b), name
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    ours.eval()
    theirs.eval()
    np.testing.assert_allclose(
        ours(ag.tensor(x)).numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-6
    )


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_mlp_matches_torch_after_loading_its_state_dict(dtype, device):
    torch.manual_seed(1)
    theirs = torch.nn.Sequential(
        torch.nn.Linear(6, 16),
        torch.nn.Tanh(),
        torch.nn.Linear(16, 16),
        torch.nn.ReLU(),
        torch.nn.Linear(16, 3),
    )
    ours = Sequential(Linear(6, 16), Tanh(), Linear(16, 16), ReLU(), Linear(16, 3))
    compare_module(theirs, ours, [(8, 6)], dtype=dtype, device=device)


def test_state_dict_values_share_memory_and_are_detached():
    layer = Linear(2, 2)
    state = layer.state_dict()
    assert not state["weight"].requires_grad
    with ag.no_grad():
        layer.weight.fill_(3.0)
    assert np.all(state["weight"].numpy() == 3.0)
    assert layer.state_dict(keep_vars=True)["weight"] is layer.weight


def test_load_state_dict_reports_missing_and_unexpected_keys_like_torch():
    ours, theirs = make_models("nashai"), make_models("torch")
    state = torch_state_as_numpy(theirs)
    del state["body.0.bias"]
    state["nonsense.weight"] = np.zeros(3, np.float32)
    expected = theirs.load_state_dict(
        {k: torch.from_numpy(v) for k, v in state.items()}, strict=False
    )
    got = ours.load_state_dict(state, strict=False)
    assert got.missing_keys == expected.missing_keys
    assert got.unexpected_keys == expected.unexpected_keys
    with pytest.raises(
        RuntimeError, match=r'Missing key\(s\) in state_dict: "body.0.bias"'
    ) as info:
        ours.load_state_dict(state)
    assert 'Unexpected key(s) in state_dict: "nonsense.weight"' in str(info.value)


def test_load_state_dict_rejects_a_shape_mismatch_naming_the_key():
    layer = Linear(3, 2)
    state = {"weight": np.zeros((3, 2), np.float32), "bias": np.zeros(2, np.float32)}
    with pytest.raises(
        RuntimeError,
        match=r"size mismatch for weight: copying a param with "
        r"shape \(3, 2\) from checkpoint, the shape in current model is \(2, 3\)",
    ):
        layer.load_state_dict(state)


def test_load_state_dict_copies_into_the_same_parameters_and_converts_dtype():
    layer = Linear(2, 2)
    weight = layer.weight
    layer.load_state_dict({"weight": np.eye(2), "bias": ag.tensor([1.0, 2.0], dtype=ag.float64)})
    assert layer.weight is weight and weight.dtype == np.float32 and weight.requires_grad
    np.testing.assert_array_equal(layer.weight.numpy(), np.eye(2))
    np.testing.assert_array_equal(layer.bias.numpy(), [1.0, 2.0])


def test_load_state_dict_assign_replaces_tensors():
    layer = Linear(2, 2)
    old = layer.weight
    layer.load_state_dict({"weight": ag.ones(2, 2), "bias": ag.zeros(2)}, assign=True)
    assert layer.weight is not old and isinstance(layer.weight, Parameter)
    assert layer.weight.requires_grad


def test_train_and_eval_reach_every_descendant():
    model = make_models("nashai")
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    with pytest.raises(ValueError, match="bool"):
        model.train("no")


def test_dropout_in_the_model_is_active_only_in_training():
    model = Sequential(Dropout(0.5))
    x = ag.ones(1000)
    assert np.any(model(x).numpy() == 0.0)
    model.eval()
    np.testing.assert_array_equal(model(x).numpy(), x.numpy())


def test_to_double_keeps_parameter_identity_and_converts_buffers():
    model = make_models("nashai")
    scale = model.scale
    model.to(ag.float64)
    assert model.scale is scale and scale.dtype == np.float64 and scale.requires_grad
    assert all(p.dtype == np.float64 for p in model.parameters())
    assert model.steps.dtype == np.float64
    model.float()
    assert all(p.dtype == np.float32 for p in model.parameters())
    assert model.to("cpu") is model
    with pytest.raises(TypeError, match="floating point"):
        model.to(ag.int64)


def test_to_device_moves_parameters_and_buffers(device):
    model = make_models("nashai").to(device)
    assert all(p.device == device for p in model.parameters())
    assert all(b.device == device for b in model.buffers())


def test_apply_visits_children_before_parents():
    model = Sequential(Linear(2, 2), Sequential(ReLU(), Linear(2, 1)))
    visited = []
    model.apply(lambda m: visited.append(type(m).__name__))
    assert visited == ["Linear", "ReLU", "Linear", "Sequential", "Sequential"]


def test_apply_can_initialise_weights():
    model = Sequential(Linear(3, 3), ReLU(), Linear(3, 3))

    def init(module):
        if isinstance(module, Linear):
            with ag.no_grad():
                module.weight.fill_(0.5)

    model.apply(init)
    assert all(np.all(p.numpy() == 0.5) for n, p in model.named_parameters() if "weight" in n)


def test_zero_grad_and_requires_grad():
    model = Sequential(Linear(3, 2))
    model(ag.ones(4, 3)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.numpy() == 0) for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())


def test_assignment_registers_and_replaces():
    model = Module()
    model.weight = Parameter(ag.ones(2))
    model.child = Linear(1, 1)
    model.register_buffer("mean", ag.zeros(2))
    assert list(model.state_dict()) == ["weight", "mean", "child.weight", "child.bias"]
    model.mean = ag.ones(2)  # replaces the buffer
    assert np.all(model.state_dict()["mean"].numpy() == 1)
    model.weight = None
    assert "weight" not in model.state_dict()
    del model.child
    assert list(model.state_dict()) == ["mean"]
    with pytest.raises(TypeError, match="Parameter or None"):
        model.weight = ag.ones(2)
    with pytest.raises(KeyError, match="contain"):
        model.register_buffer("a.b", ag.ones(1))
    with pytest.raises(KeyError, match="already exists"):
        model.register_buffer("training", ag.ones(1))
    with pytest.raises(TypeError, match="Tensor or None"):
        model.register_buffer("x", np.ones(1))
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        _ = model.missing


def test_forward_must_be_defined():
    with pytest.raises(NotImplementedError, match=r"Module \[Module\] is missing the required"):
        Module()(ag.ones(1))


def test_get_submodule():
    model = make_models("nashai")
    assert model.get_submodule("body.0") is model.body[0]
    assert model.get_submodule("") is model
    with pytest.raises(AttributeError, match="no submodule 'nine'"):
        model.get_submodule("body.nine")


def test_repr_matches_torch_for_a_nested_model():
    assert repr(make_models("nashai")) == repr(make_models("torch"))


def test_parameter_is_a_leaf_tensor_sharing_data():
    data = ag.tensor([1.0, 2.0])
    param = Parameter(data)
    assert isinstance(param, ag.Tensor) and param.requires_grad and param.is_leaf
    assert param.array is data.array
    assert repr(param).startswith("Parameter containing:\ntensor([1., 2.], requires_grad=True)")
    assert not Parameter(data, requires_grad=False).requires_grad


def test_deepcopy_and_pickle_keep_structure_and_values():
    model = Sequential(Linear(2, 2), ReLU(), Linear(2, 2))
    model.tied = model[0]  # the same module twice
    model.register_buffer("steps", ag.tensor([3.0]))
    for clone in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert list(clone.state_dict()) == list(model.state_dict())
        assert isinstance(clone[0].weight, Parameter) and clone[0].weight.requires_grad
        assert clone[0].weight is not model[0].weight
        assert clone.tied is clone[0]  # sharing survives
        for a, b in zip(clone.state_dict().values(), model.state_dict().values(), strict=True):
            np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_state_dict_of_a_model_with_ordered_dict_sequential():
    model = Sequential(OrderedDict([("fc", Linear(2, 3)), ("act", ReLU())]))
    assert list(model.state_dict()) == ["fc.weight", "fc.bias"]
    assert model.fc is model[0]


# --- the contract every nn-core layer keeps (one battery, as scikit-learn's common checks) -----

CONTRACT = [
    ("Linear", lambda nn: nn.Linear(5, 3)),
    ("Linear no bias", lambda nn: nn.Linear(5, 3, bias=False)),
    ("Embedding", lambda nn: nn.Embedding(10, 4, padding_idx=0)),
    ("Flatten", lambda nn: nn.Flatten()),
    ("Identity", lambda nn: nn.Identity()),
    ("Dropout", lambda nn: nn.Dropout(0.1)),
    ("Sequential", lambda nn: nn.Sequential(nn.Linear(2, 3), nn.GELU(), nn.Linear(3, 1))),
    ("ModuleList", lambda nn: nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.SiLU()])),
    ("ModuleDict", lambda nn: nn.ModuleDict({"q": nn.Linear(2, 2), "act": nn.Mish()})),
    ("CrossEntropyLoss", lambda nn: nn.CrossEntropyLoss(weight=nn.ones3())),
    ("BCEWithLogitsLoss", lambda nn: nn.BCEWithLogitsLoss(pos_weight=nn.ones3())),
]


class _NashaiNamespace:
    """The nashai classes under torch.nn's names, for building the same layer twice."""

    from nashai.nn.containers import ModuleDict, ModuleList, Sequential
    from nashai.nn.modules.activation import GELU, Mish, SiLU
    from nashai.nn.modules.dropout import Dropout
    from nashai.nn.modules.linear import Embedding, Flatten, Identity, Linear
    from nashai.nn.modules.loss import BCEWithLogitsLoss, CrossEntropyLoss

    @staticmethod
    def ones3():
        return ag.ones(3)


class _TorchNamespace:
    def __getattr__(self, name):
        return getattr(torch.nn, name)

    @staticmethod
    def ones3():
        return torch.ones(3)


@pytest.mark.parametrize(("name", "build"), CONTRACT, ids=[name for name, _ in CONTRACT])
def test_layer_contract(name, build):
    ours, theirs = build(_NashaiNamespace), build(_TorchNamespace())
    # the same state_dict keys, shapes and dtypes as PyTorch, and the same repr
    our_state, their_state = ours.state_dict(), theirs.state_dict()
    assert list(our_state) == list(their_state)
    for key, value in their_state.items():
        assert tuple(our_state[key].shape) == tuple(value.shape), key
        assert str(our_state[key].dtype) == str(value.dtype).removeprefix("torch."), key
    assert repr(ours) == repr(theirs)
    # every parameter is a trainable leaf; train/eval reach every part
    assert all(p.is_leaf and p.requires_grad for p in ours.parameters())
    assert not any(m.training for m in ours.eval().modules())
    # torch's state loads, and a deep copy is equal but independent
    ours.load_state_dict(torch_state_as_numpy(theirs))
    clone = copy.deepcopy(ours)
    for key, value in clone.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), their_state[key].numpy())
        assert value.array is not our_state[key].array
    # to(float64) converts every floating tensor
    ours.double()
    assert all(t.dtype == np.float64 for t in ours.state_dict().values() if t.dtype.kind == "f")
