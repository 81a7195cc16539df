"""Nearest CSS colour name of a colour, by CIEDE2000 (the names and their values come from webcolors)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import webcolors
from numpy.typing import NDArray

from palettes.colorspace import ciede2000, srgb_to_lab


@lru_cache(maxsize=1)
def _css_table() -> tuple[tuple[str, ...], NDArray[np.float64]]:
    by_value: dict[tuple[int, int, int], str] = {}
    # Sorted, so that of two names for one value (aqua/cyan, gray/grey) the first is kept every time.
    for name in sorted(webcolors.names("css3")):
        rgb = webcolors.name_to_rgb(name)
        by_value.setdefault((rgb.red, rgb.green, rgb.blue), name)
    names = tuple(by_value.values())
    lab = srgb_to_lab(np.array(list(by_value.keys()), dtype=np.uint8))
    return names, lab


def nearest_css_names(lab: NDArray[np.float64]) -> list[str]:
    """The CSS colour name closest (CIEDE2000) to each CIELAB colour of an (N, 3) array."""
    names, table = _css_table()
    distances = ciede2000(np.asarray(lab)[:, None, :], table[None, :, :])
    return [names[index] for index in distances.argmin(axis=1)]
