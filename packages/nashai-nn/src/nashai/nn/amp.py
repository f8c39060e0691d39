"""Mixed-precision training: float16 compute, float32 master weights, dynamic loss scaling.

Micikevicius et al., "Mixed Precision Training" (ICLR 2018): the model computes in float16
(half the memory and, on hardware with float16 units, several times the speed), while the
optimizer updates float32 master copies of the weights, so that small updates are not rounded
away. Gradients of float16 activations underflow below 2⁻²⁴ ≈ 6·10⁻⁸, so the loss is multiplied
by a large scale S before backward (every gradient is then S times larger), and the float32
gradients are divided by S before the step. S is chosen dynamically: a step whose gradients
overflowed (inf or nan) is skipped and S is halved; after `growth_interval` good steps in a row
S is doubled.

The scheme here is the explicit one ("O2" in NVIDIA apex's terms), with no op-level autocast:

    master = amp.MasterWeights(model)              # model -> float16, float32 copies kept
    optimizer = optim.SGD(master.parameters(), lr=0.1)
    scaler = amp.GradScaler()
    for x, y in loader:
        loss = loss_fn(model(x.half()).float(), y)  # forward in float16, loss in float32
        scaler.scale(loss).backward()               # float16 gradients of S * loss
        master.copy_grads_to_master()               # -> float32 .grad of the masters
        scaler.step(optimizer)                      # unscale, skip if inf/nan, else step
        scaler.update()                             # adjust S
        master.copy_master_to_model()               # new float32 weights -> float16 model
        optimizer.zero_grad(); model.zero_grad()

GradScaler follows torch.amp.GradScaler's rules and state_dict exactly, so a run sees the same
sequence of scales and skipped steps as PyTorch's on the same gradients. It is correct on the
CPU, where float16 is emulated and not faster.
"""

from __future__ import annotations

import nashai.autograd as ag
from nashai.autograd import Tensor
from nashai.nn.module import Module, Parameter
from nashai.nn.optim.optimizer import Optimizer

__all__ = ["GradScaler", "MasterWeights"]

_READY, _UNSCALED, _STEPPED = "ready", "unscaled", "stepped"


class GradScaler:
    """Dynamic loss scaling, as torch.amp.GradScaler.

    Args:
        init_scale: the first scale S.
        growth_factor: S is multiplied by it after growth_interval steps without inf/nan.
        backoff_factor: S is multiplied by it after a step whose gradients had an inf or nan.
        growth_interval: the number of consecutive good steps before S grows.
        enabled: False makes every method a pass-through (scale returns the loss, step steps).

    Per iteration: scale(loss).backward(), optionally unscale_(optimizer) (to clip gradients),
    step(optimizer), update().
    """

    def __init__(
        self,
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ):
        if not init_scale > 0:
            raise ValueError(f"init_scale must be positive, got {init_scale!r}")
        if not growth_factor > 1.0:
            raise ValueError(f"growth_factor must be greater than 1, got {growth_factor!r}")
        if not 0.0 < backoff_factor < 1.0:
            raise ValueError(f"backoff_factor must be in (0, 1), got {backoff_factor!r}")
        if isinstance(growth_interval, bool) or not isinstance(growth_interval, int):
            raise ValueError(f"growth_interval must be a positive integer, got {growth_interval!r}")
        if growth_interval < 1:
            raise ValueError(f"growth_interval must be a positive integer, got {growth_interval}")
        self._enabled = enabled
        self._scale = float(init_scale)
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = growth_interval
        self._growth_tracker = 0  # consecutive steps without inf/nan
        self._per_optimizer: dict[int, dict] = {}  # id(optimizer) -> {"stage", "found_inf"}

    def is_enabled(self) -> bool:
        return self._enabled

    def get_scale(self) -> float:
        """The current scale S (1.0 when disabled)."""
        return self._scale if self._enabled else 1.0

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def scale(self, outputs):
        """S * outputs (a Tensor, or a list/tuple of them), to call backward on."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, Tensor):
            return outputs * self._scale
        if isinstance(outputs, list | tuple):
            return type(outputs)(self.scale(output) for output in outputs)
        raise TypeError(f"outputs must be a Tensor or a list/tuple of them, got {outputs!r}")

    def unscale_(self, optimizer: Optimizer) -> None:
        """Divide the optimizer's gradients by S in place and note whether any is inf or nan.

        Call it once per step, before step(), only when something must see the true gradients
        (gradient clipping); step() calls it otherwise.
        """
        if not self._enabled:
            return
        state = self._state(optimizer)
        if state["stage"] == _UNSCALED:
            raise RuntimeError(
                "unscale_() has already been called on this optimizer since the last update()"
            )
        if state["stage"] == _STEPPED:
            raise RuntimeError("unscale_() is being called after step()")
        inverse = 1.0 / self._scale  # computed in float64, then rounded to each grad's dtype
        found_inf = False
        with ag.no_grad():
            for group in optimizer.param_groups:
                for param in group["params"]:
                    if param.grad is None:
                        continue
                    if param.grad.dtype == ag.float16:
                        raise ValueError(
                            "cannot unscale float16 gradients (they would underflow): let the "
                            "optimizer hold float32 master weights (amp.MasterWeights)"
                        )
                    if not found_inf and not bool(param.grad.isfinite().all()):
                        found_inf = True
                    param.grad.mul_(inverse)
        state["found_inf"] = found_inf
        state["stage"] = _UNSCALED

    def step(self, optimizer: Optimizer):
        """optimizer.step() on the unscaled gradients, skipped if any is inf or nan.

        Returns what optimizer.step() returned, or None when the step was skipped.
        """
        if not self._enabled:
            return optimizer.step()
        state = self._state(optimizer)
        if state["stage"] == _STEPPED:
            raise RuntimeError("step() has already been called since the last update()")
        if state["stage"] == _READY:
            self.unscale_(optimizer)
        result = None if state["found_inf"] else optimizer.step()
        state["stage"] = _STEPPED
        return result

    def update(self, new_scale: float | None = None) -> None:
        """Set the scale for the next iteration:

            any inf/nan this iteration:  S ← S · backoff_factor, and the good-step count ← 0
            else, count + 1 = interval:  S ← S · growth_factor (if finite), and the count ← 0
            else:                        count ← count + 1

        With new_scale, set S to it instead.
        """
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale)
        else:
            checked = [s for s in self._per_optimizer.values() if s["found_inf"] is not None]
            if not checked:
                raise RuntimeError("no inf checks were recorded prior to update(): call step()")
            if any(state["found_inf"] for state in checked):
                self._scale *= self._backoff_factor
                self._growth_tracker = 0
            elif self._growth_tracker + 1 == self._growth_interval:
                grown = self._scale * self._growth_factor
                if grown != float("inf"):
                    self._scale = grown
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
        self._per_optimizer = {}

    def _state(self, optimizer: Optimizer) -> dict:
        return self._per_optimizer.setdefault(id(optimizer), {"stage": _READY, "found_inf": None})

    def state_dict(self) -> dict:
        """The scale and the settings, with PyTorch's keys (empty when disabled)."""
        if not self._enabled:
            return {}
        return {
            "scale": self._scale,
            "growth_factor": self._growth_factor,
            "backoff_factor": self._backoff_factor,
            "growth_interval": self._growth_interval,
            "_growth_tracker": self._growth_tracker,
        }

    def load_state_dict(self, state_dict: dict) -> None:
        if not self._enabled:
            return
        if not state_dict:
            raise RuntimeError("the state_dict is empty: it comes from a disabled GradScaler")
        self._scale = float(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict["_growth_tracker"])

    def __repr__(self) -> str:
        return (
            f"GradScaler(scale={self.get_scale()}, growth_factor={self._growth_factor}, "
            f"backoff_factor={self._backoff_factor}, growth_interval={self._growth_interval}, "
            f"enabled={self._enabled})"
        )


class MasterWeights:
    """Cast a model to float16 for compute and keep float32 master copies of its parameters.

    The optimizer is built on `parameters()` (the masters). After backward through the float16
    model, copy_grads_to_master() gives each master the float32 copy of its parameter's
    gradient; after the optimizer's step, copy_master_to_model() rounds the updated masters
    into the model.

    Args:
        model: the module; its floating parameters and buffers are cast to `dtype` in place.
        dtype: the compute dtype (float16).
    """

    def __init__(self, model: Module, dtype=ag.float16):
        if not isinstance(model, Module):
            raise TypeError(f"model must be a Module, got {type(model).__name__}")
        self.model = model
        self.model_parameters = [p for p in model.parameters() if p.requires_grad]
        self.master = [
            Parameter(p.detach().to(ag.float32, copy=True)) for p in self.model_parameters
        ]
        model.to(dtype)

    def parameters(self) -> list[Parameter]:
        """The float32 master parameters, in the model's order: give these to the optimizer."""
        return list(self.master)

    def copy_grads_to_master(self) -> None:
        """master.grad ← float32(param.grad) for each parameter (None stays None)."""
        with ag.no_grad():
            for param, master in zip(self.model_parameters, self.master, strict=True):
                master.grad = None if param.grad is None else param.grad.to(ag.float32, copy=True)

    def copy_master_to_model(self) -> None:
        """param ← dtype(master) for each parameter."""
        with ag.no_grad():
            for param, master in zip(self.model_parameters, self.master, strict=True):
                param.copy_(master.to(param.dtype))

    def state_dict(self) -> dict[str, Tensor]:
        """The model's state_dict with the float32 masters in place of its float16 parameters."""
        state = self.model.state_dict()
        by_id = {id(p): m for p, m in zip(self.model_parameters, self.master, strict=True)}
        for name, param in self.model.named_parameters():
            if id(param) in by_id:
                state[name] = by_id[id(param)].detach()
        return state
