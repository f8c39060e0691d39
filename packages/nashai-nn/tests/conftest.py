"""Shared fixtures of the nashai-nn tests.

The folder is put on sys.path so every test imports the one comparison helper with
`from nn_testing import ...`. NASHAI_TEST_DEVICE chooses the device the nashai side runs on
(default "cpu"), as in the nashai-autograd tests.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from nn_testing import DEVICE


@pytest.fixture
def device() -> str:
    """The device under test: NASHAI_TEST_DEVICE, or "cpu"."""
    return DEVICE
