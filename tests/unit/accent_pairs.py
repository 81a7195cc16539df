"""What "the same accents" means for a still and its downscales, shared by the unit and fuzz tests
(the benchmark measures the same with scikit-image's CIEDE2000)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from palettes import PaletteColor
from palettes.colorspace import ciede2000

SAME_ACCENT_DELTA_E = 10.0


def same_accents(first: Sequence[PaletteColor], second: Sequence[PaletteColor]) -> bool:
    """As many accents, paired off one to one, each pair within CIEDE2000 10."""
    if len(first) != len(second):
        return False
    if not first:
        return True
    distances = ciede2000(
        np.array([color.lab for color in first])[:, None, :], np.array([color.lab for color in second])[None]
    )
    return any(
        all(distances[i, j] < SAME_ACCENT_DELTA_E for i, j in enumerate(order))
        for order in itertools.permutations(range(len(second)))
    )
