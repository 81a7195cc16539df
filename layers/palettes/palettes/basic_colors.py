"""The basic colour term of a colour: one of the eleven names every speaker of English agrees on.

Pure Python on purpose (no numpy): the read API and the search may classify colours too.

How a CIELAB colour (D65) is decided, with C* its chroma and h its hue angle:

1. **black** when L* < 18 and C* < 16 (a near-black with a trace of colour is still black), or when
   L* < 4 whatever its chroma;
2. otherwise, when C* < 12 (too little hue to name): **white** when L* > 90, else **grey**;
3. otherwise the term of the nearest focal colour. The focal colours are the colour survey's own
   (``xkcd_colors.json``): for each of the eight chromatic terms, the colours the survey names
   "<term>", "dark <term>" and "light <term>", so that brown is told from orange and pink from red
   by lightness as people tell them; and two more, so that dark reds go by chroma as people say
   them: the survey's "maroon" (red), and a hand-placed dull red-brown (L* 32, C* 22, h 40°, the
   chestnuts and cocoas of film shadows: brown). The distance weighs hue difference (in degrees, over 30),
   lightness (over 35) and chroma difference relative to the two chromas (over 20 plus their
   mean): a small chroma difference between two muted colours counts as much as a large one
   between two vivid ones.

Checked against the survey's names of the form "<modifier> <term>" (dark, light, pale, deep, ...):
all but a handful of borderline colours (a near-black brown, a near-white pink) agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final, Literal, get_args

BasicColor = Literal[
    "black", "white", "grey", "red", "orange", "yellow", "green", "blue", "purple", "pink", "brown"
]
BASIC_COLOR_TERMS: Final[tuple[str, ...]] = get_args(BasicColor)

# (term, L*, C*, h°) of the survey's "<term>", "dark <term>" and "light <term>", then its "maroon"
# and the hand-placed red-brown; tests/unit/test_basic_colors.py checks these against xkcd_colors.json.
FOCAL_COLORS: Final[tuple[tuple[BasicColor, float, float, float], ...]] = (
    ("red", 47.8, 96.4, 40.0),
    ("red", 26.5, 62.9, 38.6),
    ("red", 58.3, 79.2, 29.7),
    ("orange", 63.7, 84.8, 56.4),
    ("orange", 49.4, 73.3, 53.3),
    ("orange", 76.1, 64.7, 69.9),
    ("yellow", 97.2, 95.4, 103.0),
    ("yellow", 74.6, 75.6, 92.3),
    ("yellow", 97.5, 64.5, 104.9),
    ("green", 62.7, 86.4, 137.0),
    ("green", 18.2, 37.4, 137.4),
    ("green", 89.7, 72.8, 135.5),
    ("blue", 36.7, 94.1, 298.8),
    ("blue", 7.4, 61.0, 305.4),
    ("blue", 81.0, 28.6, 253.9),
    ("purple", 33.5, 74.7, 320.1),
    ("purple", 10.8, 39.2, 322.7),
    ("purple", 62.4, 73.4, 313.8),
    ("pink", 70.0, 55.8, 349.0),
    ("pink", 48.9, 57.8, 6.9),
    ("pink", 88.1, 18.3, 357.5),
    ("brown", 28.1, 41.9, 66.4),
    ("brown", 13.0, 20.8, 63.7),
    ("brown", 57.2, 34.8, 71.4),
    ("red", 19.5, 43.3, 15.2),
    ("brown", 32.0, 22.0, 40.0),
)
_BLACK_LIGHTNESS, _BLACK_CHROMA, _ALWAYS_BLACK = 18.0, 16.0, 4.0
_ACHROMATIC_CHROMA, _WHITE_LIGHTNESS = 12.0, 90.0


def basic_color_term(lab: Sequence[float]) -> BasicColor:
    """The basic colour term of a CIELAB colour (see the module's docstring for the rules)."""
    lightness, a, b = float(lab[0]), float(lab[1]), float(lab[2])
    chroma = math.hypot(a, b)
    if lightness < _ALWAYS_BLACK or (lightness < _BLACK_LIGHTNESS and chroma < _BLACK_CHROMA):
        return "black"
    if chroma < _ACHROMATIC_CHROMA:
        return "white" if lightness > _WHITE_LIGHTNESS else "grey"
    hue = math.degrees(math.atan2(b, a)) % 360.0
    return min(FOCAL_COLORS, key=lambda focal: _focal_distance(lightness, chroma, hue, focal))[0]


def _focal_distance(
    lightness: float, chroma: float, hue: float, focal: tuple[BasicColor, float, float, float]
) -> float:
    _, focal_lightness, focal_chroma, focal_hue = focal
    hue_gap = abs(hue - focal_hue) % 360.0
    hue_gap = min(hue_gap, 360.0 - hue_gap)
    chroma_gap = (chroma - focal_chroma) / (20.0 + 0.5 * (chroma + focal_chroma))
    return (hue_gap / 30.0) ** 2 + ((lightness - focal_lightness) / 35.0) ** 2 + chroma_gap**2
