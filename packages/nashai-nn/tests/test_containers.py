"""Sequential, ModuleList and ModuleDict: names, indexing and editing, checked against the
same operations on PyTorch's containers."""

from __future__ import annotations

from collections import OrderedDict

import pytest
import torch
from nn_testing import compare_module

from nashai.nn.containers import ModuleDict, ModuleList, Sequential
from nashai.nn.modules.activation import ReLU, Tanh
from nashai.nn.modules.linear import Linear


def names(module) -> list[str]:
    return [name for name, _ in module.named_parameters()]


def test_sequential_chains_its_modules(device):
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
    ours = Sequential(Linear(3, 5), Tanh(), Linear(5, 2))
    compare_module(theirs, ours, [(4, 3)], device=device)


def test_sequential_indexing_and_editing_match_torch():
    def build(lib_linear, lib_relu, seq):
        return seq(lib_linear(1, 2), lib_relu(), lib_linear(2, 3), lib_relu(), lib_linear(3, 4))

    ours = build(Linear, ReLU, Sequential)
    theirs = build(torch.nn.Linear, torch.nn.ReLU, torch.nn.Sequential)
    assert len(ours) == len(theirs) == 5
    assert ours[-1] is list(ours)[4]
    assert names(ours[1:4]) == names(theirs[1:4])
    assert isinstance(ours[1:4], Sequential)
    for container in (ours, theirs):
        del container[1]
        container.append(container[0])
        container.insert(1, container[-2])
    assert names(ours) == names(theirs)
    assert repr(ours) == repr(theirs)
    with pytest.raises(IndexError, match="out of range"):
        ours[10]


def test_sequential_from_ordered_dict_uses_the_names():
    ours = Sequential(OrderedDict([("encoder", Linear(2, 3)), ("act", ReLU())]))
    theirs = torch.nn.Sequential(
        OrderedDict([("encoder", torch.nn.Linear(2, 3)), ("act", torch.nn.ReLU())])
    )
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)


def test_module_list_matches_torch():
    ours = ModuleList([Linear(2, 2) for _ in range(3)])
    theirs = torch.nn.ModuleList([torch.nn.Linear(2, 2) for _ in range(3)])
    for container, relu, linear in ((ours, ReLU, Linear), (theirs, torch.nn.ReLU, torch.nn.Linear)):
        container.append(relu())
        container.extend([linear(2, 3)])
        container.insert(0, linear(3, 3))
        container += [relu()]
        del container[2]
        container[0] = linear(4, 4)
    assert names(ours) == names(theirs)
    assert len(ours) == len(theirs)
    assert repr(ours) == repr(theirs)  # runs of equal layers collapse: "(0-1): 2 x ..."
    assert isinstance(ours[1:], ModuleList) and len(ours[1:]) == len(ours) - 1
    with pytest.raises(TypeError, match="iterable of modules"):
        ours.extend(Linear(1, 1))


def test_module_dict_matches_torch():
    ours = ModuleDict({"b": Linear(1, 2), "a": ReLU()})
    theirs = torch.nn.ModuleDict({"b": torch.nn.Linear(1, 2), "a": torch.nn.ReLU()})
    ours["c"] = Linear(2, 2)
    theirs["c"] = torch.nn.Linear(2, 2)
    ours.update([("d", Linear(2, 1))])
    theirs.update([("d", torch.nn.Linear(2, 1))])
    assert list(ours.keys()) == list(theirs.keys())
    assert names(ours) == names(theirs)
    assert "a" in ours and len(ours) == 4
    assert isinstance(ours.pop("a"), ReLU) and "a" not in ours
    assert list(ours) == ["b", "c", "d"]
    theirs.pop("a")
    assert repr(ours) == repr(theirs)
    with pytest.raises(ValueError, match="pairs"):
        ours.update([("x", Linear(1, 1), "extra")])
