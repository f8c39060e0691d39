"""Test-only loopback backend (being written)."""
