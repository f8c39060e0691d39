"""Shared fixtures of the nashai-autograd tests.

NASHAI_TEST_DEVICE chooses the device every test runs on (default "cpu"), so the whole suite
checks another backend: NASHAI_TEST_DEVICE=loopback uv run pytest packages/nashai-autograd.
The comparison helper lives in autograd_helpers.py, importable from the tests through sys.path.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from autograd_helpers import DEVICE


@pytest.fixture
def device() -> str:
    """The device under test: NASHAI_TEST_DEVICE, or "cpu"."""
    return DEVICE
