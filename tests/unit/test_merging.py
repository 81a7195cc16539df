"""Near-duplicates merged, and the slots they free given back to the frame where colours stay apart."""

from __future__ import annotations

import numpy as np

import palettes
from bench.filmlike import render
from palettes.colorspace import ciede2000
from palettes.merging import NEAR_DUPLICATE_DELTA_E


def test_a_dark_still_whose_plain_colours_merged_gets_its_slots_back() -> None:
    # A dim night interior: k-means puts two near-blacks within CIEDE2000 5 of each other; merged,
    # the freed slot goes to a split of the worst-fitting colour.
    palette = palettes.extract(render(0, 0, (1920, 1080)).jpeg, k=6)
    assert len(palette.colors) == 6
    lab = np.array([color.lab for color in palette.colors])
    distances = ciede2000(lab[:, None, :], lab[None, :, :])
    assert distances[~np.eye(len(lab), dtype=bool)].min() >= NEAR_DUPLICATE_DELTA_E
