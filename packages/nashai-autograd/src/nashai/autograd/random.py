"""Seedable random number generators, as in PyTorch: `Generator`, `manual_seed`, a default one.

A Generator wraps NumPy's PCG64 bit generator (O'Neill, "PCG: A Family of Simple Fast
Space-Efficient Statistically Good Algorithms for Random Number Generation", 2014). The random
factories (`rand`, `randn`, `randint`, ...) draw from the generator passed to them, or from the
default generator that `manual_seed` seeds; the device's backend turns the draws into its arrays,
so the same seed gives the same numbers on every backend that keeps the default kernels.
"""

from __future__ import annotations

import numpy as np

from nashai.autograd.backends import device as Device

__all__ = ["Generator", "default_generator", "initial_seed", "manual_seed", "seed"]


class Generator:
    """A random number generator with PyTorch's interface (manual_seed, initial_seed, state).

    Args:
        device: the device whose tensors it draws for (the draws are the same on every device).
    """

    def __init__(self, device="cpu"):
        self.device = Device(device)
        self.seed()

    def manual_seed(self, seed: int) -> Generator:
        """Reset the generator to the stream of `seed` (a non-negative integer); returns self."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        self._initial_seed = int(seed)
        self.numpy_generator = np.random.Generator(np.random.PCG64(self._initial_seed))
        return self

    def seed(self) -> int:
        """Reseed from fresh operating-system entropy; returns the new seed."""
        fresh = int(np.random.SeedSequence().entropy % 2**63)
        self.manual_seed(fresh)
        return fresh

    def initial_seed(self) -> int:
        """The seed the generator was last reset to."""
        return self._initial_seed

    def get_state(self) -> dict:
        """The bit generator's state, to restore with `set_state`."""
        return self.numpy_generator.bit_generator.state

    def set_state(self, state: dict) -> Generator:
        """Restore a state returned by `get_state`; returns self."""
        self.numpy_generator.bit_generator.state = state
        return self

    def __repr__(self) -> str:
        return f"Generator(device={str(self.device)!r}, initial_seed={self._initial_seed})"


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (as torch.manual_seed); returns it."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Reseed the default generator from operating-system entropy; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed of the default generator."""
    return default_generator.initial_seed()
