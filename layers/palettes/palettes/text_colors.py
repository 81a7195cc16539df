"""Readable text on each colour of a palette, taken from the palette itself where one passes.

The candidates are the palette's colours and their tints and shades: each mixed toward white or
black in steps of 1/64, in sRGB code values, as a browser blends a translucent white or black over
it (Android's Palette makes its text colours the same way). For each background the candidate
that passes WCAG 2.x AA (a contrast of at least 4.5:1) with the least mixing wins, so the text
keeps as much of the palette's colour as it can; among equally mixed ones, the one with the higher
contrast. Plain white or black (a mix of 1) is what is left when nothing else passes, and one of
them always does: no colour has a contrast below 4.58 with both.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from palettes.clustering import FloatArray, IntArray
from palettes.contrast import (
    LINEAR,
    LUMINANCE_WEIGHTS,
    MIN_CONTRAST,
    TextColor,
    contrast_ratio,
    plain_text_color,
)

_STEPS = 64
_MIXES: Final = np.arange(_STEPS + 1, dtype=np.float64) / _STEPS
_TARGETS: Final = np.array([[255, 255, 255], [0, 0, 0]], dtype=np.float64)
_LINEAR: Final = np.array(LINEAR, dtype=np.float64)


def _luminance(rgb: IntArray) -> FloatArray:
    """WCAG relative luminance of 8-bit colours, computed as :func:`palettes.contrast.relative_luminance`
    does, so that both agree to the last bit."""
    linear = _LINEAR[rgb]
    red, green, blue = LUMINANCE_WEIGHTS
    return np.asarray(red * linear[..., 0] + green * linear[..., 1] + blue * linear[..., 2], dtype=np.float64)


def readable_text_colors(backgrounds: IntArray, palette: IntArray) -> list[TextColor]:
    """A text colour for each 8-bit sRGB colour of ``backgrounds`` (N, 3), from the tints and shades
    of the ``palette`` (M, 3), with a contrast of at least 4.5:1 (see the module docstring)."""
    sources = np.asarray(palette, dtype=np.float64)
    mixed = np.rint(
        sources[:, None, None, :]
        + (_TARGETS[None, :, None, :] - sources[:, None, None, :]) * _MIXES[None, None, :, None]
    )
    candidates = mixed.astype(np.intp).reshape(-1, len(_MIXES), 3)  # (sources x 2 targets, mixes, 3)
    text = _luminance(candidates)[None, :, :]
    ground = _luminance(np.asarray(backgrounds, dtype=np.intp))[:, None, None]
    lighter, darker = np.maximum(text, ground), np.minimum(text, ground)
    ratios = (lighter + 0.05) / (darker + 0.05)
    passes = ratios >= MIN_CONTRAST  # (backgrounds, candidates, mixes)
    first = np.where(passes.any(axis=2), passes.argmax(axis=2), len(_MIXES))  # least passing mix
    chosen = []
    for index, background in enumerate(np.asarray(backgrounds, dtype=np.intp)):
        chosen.append(_best(background, candidates, ratios[index], first[index]))
    return chosen


def _best(background: IntArray, candidates: IntArray, ratios: FloatArray, first: IntArray) -> TextColor:
    """Of the least mixed passing candidates, the one with the highest contrast; plain black or
    white when only they pass."""
    ground = (int(background[0]), int(background[1]), int(background[2]))
    least = int(first.min())
    if least >= _STEPS:
        return plain_text_color(ground)
    tied = np.flatnonzero(first == least)
    winner = int(tied[ratios[tied, least].argmax()])
    red, green, blue = (int(channel) for channel in candidates[winner, least])
    contrast = contrast_ratio((red, green, blue), ground)
    # Equal to the ratio found above, bit for bit; checked, since the guarantee rests on it.
    return TextColor((red, green, blue), contrast) if contrast >= MIN_CONTRAST else plain_text_color(ground)
