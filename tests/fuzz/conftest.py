"""Fixtures of the fuzz and property tests."""

import io

import numpy as np
import pytest
from PIL import Image


@pytest.fixture(scope="session")
def sample_still_bytes() -> bytes:
    """A small noisy JPEG, so that damaged copies exercise the decoder's error paths."""
    rng = np.random.default_rng(11)
    image = Image.fromarray(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()
