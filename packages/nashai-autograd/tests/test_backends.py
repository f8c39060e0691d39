"""Backends: discovery through the `nashai.backends` entry points, lazy loading, clear errors,
moving tensors between devices, and the loopback plugin behaving like another device."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points

import numpy as np
import pytest

import nashai.autograd as ag
from nashai.autograd import backends


@pytest.fixture
def registry():
    """Restore the backend registry after a test that registers backends of its own."""
    saved_registered = dict(backends._registered)
    saved_started = dict(backends._started)
    yield backends
    backends._registered.clear()
    backends._registered.update(saved_registered)
    backends._started.clear()
    backends._started.update(saved_started)


def test_cpu_and_loopback_are_registered_through_entry_points():
    found = {ep.name: ep.value for ep in entry_points(group="nashai.backends")}
    assert found["cpu"] == "nashai.autograd.backends:CpuBackend"
    assert found["loopback"] == "nashai_loopback:LoopbackBackend"
    assert {"cpu", "loopback"} <= set(ag.available_backends())


def test_plugins_are_listed_at_import_but_loaded_on_first_use():
    script = (
        "import sys, nashai.autograd as ag\n"
        "assert 'loopback' in ag.available_backends()\n"
        "assert 'nashai_loopback' not in sys.modules\n"
        "x = ag.ones(2, device='loopback')\n"
        "assert 'nashai_loopback' in sys.modules\n"
        "print(type(x.array).__name__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "LoopbackArray"


def test_unknown_device_lists_the_installed_backends():
    with pytest.raises(ag.backends.BackendError, match=r"unknown device 'tpu'.*'cpu'.*'loopback'"):
        ag.zeros(2, device="tpu")
    assert not ag.is_available("tpu")
    assert ag.is_available("cpu")


def test_a_backend_that_fails_to_import_names_the_missing_piece(registry):
    registry.register_backend("broken", "nashai_module_that_does_not_exist:Backend")
    assert "broken" in ag.available_backends()
    with pytest.raises(
        ag.backends.BackendError,
        match=r"'broken' backend is registered.*could not be loaded.*"
        r"No module named 'nashai_module_that_does_not_exist'",
    ):
        ag.zeros(2, device="broken")


def test_a_backend_without_its_device_says_so(registry):
    class NoDevice(backends.Backend):
        name = "absent"

        def __init__(self, index=None):
            raise RuntimeError("no accelerator found")

    registry.register_backend("absent", NoDevice)
    with pytest.raises(
        ag.backends.BackendError,
        match=r"'absent' backend is installed but cannot start.*no accelerator",
    ):
        ag.ones(1, device="absent:0")


def test_a_registered_object_must_be_a_backend(registry):
    registry.register_backend("wrong", "builtins:dict")
    with pytest.raises(ag.backends.BackendError, match="must be a subclass"):
        ag.get_backend("wrong")


def test_a_backend_declines_an_op_explicitly(registry):
    class NoErf(backends.Backend):
        name = "noerf"

        def to_numpy(self, array):
            return array

    registry.register_backend("noerf", NoErf)
    x = ag.ones(3, device="noerf")
    assert (x * 2).tolist() == [2.0, 2.0, 2.0]
    with pytest.raises(ag.backends.UnsupportedOperation, match="'noerf' has no erf kernel"):
        x.erf()
    assert x.to("cpu").erf().shape == (3,)  # falling back is explicit


def test_device_objects_parse_and_compare():
    d = ag.device("cuda:1")
    assert (d.type, d.index) == ("cuda", 1) and str(d) == "cuda:1"
    assert d == "cuda:1" and d != "cuda" and ag.device("cpu") == ag.device("cpu")
    assert repr(d) == "device(type='cuda', index=1)"
    assert len({ag.device("cpu"), "cpu"}) == 1
    with pytest.raises(ValueError, match="index"):
        ag.device("cuda:x")


# --- the loopback plugin -----------------------------------------------------------------------


def test_to_moves_between_devices_and_gradients_come_back():
    from nashai_loopback import LoopbackArray

    x = ag.tensor([1.0, 2.0], dtype=ag.float64, requires_grad=True)
    on_loopback = x.to("loopback")
    assert type(on_loopback.array) is LoopbackArray and on_loopback.device == "loopback"
    y = (on_loopback * on_loopback).sum().to("cpu")
    assert type(y.array) is np.ndarray
    y.backward()
    assert type(x.grad.array) is np.ndarray
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


def test_loopback_runs_ops_through_its_own_arrays():
    from nashai_loopback import LoopbackArray, LoopbackBackend

    before = LoopbackBackend.calls
    x = ag.randn(3, 4, device="loopback", requires_grad=True)
    loss = (x.softmax(-1) @ x.T).logsumexp(0).sum()
    loss.backward()
    assert LoopbackBackend.calls > before
    for tensor in (loss, x.grad):
        assert type(tensor.array) is LoopbackArray


def test_loopback_refuses_host_arrays_like_a_gpu_library():
    backend = ag.get_backend("loopback")
    device_array = backend.asarray(np.ones(3))
    with pytest.raises(TypeError, match="mixes a host numpy array"):
        device_array + np.ones(3)
    with pytest.raises(TypeError, match="mixes a host numpy array"):
        np.concatenate([device_array, np.ones(2)])
    assert type(device_array + 1.0).__name__ == "LoopbackArray"  # numbers are fine


def test_loopback_copies_on_transfer_like_a_device():
    host = np.array([1.0, 2.0])
    x = ag.tensor(host, device="loopback")
    host[0] = 5.0
    assert x.tolist() == [1.0, 2.0]
    back = x.numpy()
    back[1] = 7.0
    assert x.tolist() == [1.0, 2.0]


def test_a_tensor_names_its_backend(device):
    x = ag.ones(2, device=device)
    assert x.backend is ag.get_backend(device)
    assert type(x.backend.xp.zeros(1)) is x.backend.array_type


def test_mixing_devices_in_one_op_is_an_error():
    with pytest.raises(RuntimeError, match=r"same device.*loopback.*cpu"):
        ag.ones(2, device="loopback") + ag.ones(2)
