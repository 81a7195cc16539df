"""Fixtures of the library's unit tests."""

from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "stills"


@pytest.fixture(scope="session")
def sample_still() -> bytes:
    """A real photograph shipped with the repository (see samples/LICENSES.md)."""
    return (SAMPLES / "coffee.jpg").read_bytes()
