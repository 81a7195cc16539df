"""Roles of a still's colours, in the spirit of Android Palette's target swatches.

``dominant`` is the palette's largest colour. Each other role has a target in CIE lightness L* and
chroma C*ab, with a range outside which a colour cannot take it:

| role | L* min, target, max | C* min, target, max |
| --- | --- | --- |
| ``light_vibrant`` | 60, 78, 96 | 30, 70, - |
| ``vibrant`` | 35, 55, 72 | 30, 70, - |
| ``dark_vibrant`` | 6, 28, 45 | 30, 70, - |
| ``light_muted`` | 60, 78, 96 | 0, 15, 30 |
| ``muted`` | 35, 55, 72 | 0, 15, 30 |
| ``dark_muted`` | 6, 28, 45 | 0, 15, 30 |

The ranges follow Android's (HSL lightness and saturation) moved to CIELAB; near-blacks (L* < 6)
and near-whites (L* > 96) take no role but ``dominant``, as Android's default filter leaves them
out. Among the colours within a role's ranges, the one with the highest score takes it, with
Android's weights:
``0.52 (1 - |L* - target| / 100) + 0.24 (1 - |C* - target| / 100) + 0.24 share / largest share``.

The candidates are the palette's colours and, so that a role can come from outside the top k, the
frame's own colours: the histogram's bins gathered in CIELAB cells 8 units wide, each standing for
its members' mean colour. A candidate needs at least 0.3% of the counted pixels (the smallest
region an accent may be): a palette colour in its proportion, a cell in the 3x3x3 block of cells
around it (about 12 CIELAB units either way), so that a small region the grid cuts still counts.
In the score, a palette colour's share is its proportion and a cell's that of its own cell. Roles
are chosen in Android's order (light vibrant, vibrant, dark vibrant, light muted, muted, dark
muted); a colour closer than 5 to one already chosen takes no other role (``dominant`` aside), and
a frame colour closer than 5 to a palette colour takes none (the palette colour stands for it).
Distances here are Euclidean in DIN99o, where 5 looks about as far as CIEDE2000 5, for a fraction
of its cost. A role no colour fits is absent.

The share a role reports is its palette colour's proportion, or, for a colour from outside the
palette, the share of the counted pixels nearer to it (in CIELAB) than to any palette colour or
other role from outside the palette.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from palettes.clustering import FloatArray, IntArray
from palettes.colorspace import chroma, lab_to_din99o, lab_to_srgb, srgb_to_lab
from palettes.histogram import Bins

Range = tuple[float, float, float]  # lowest, target, highest


@dataclass(frozen=True)
class RoleTarget:
    lightness: Range  # CIE L*
    chroma: Range  # CIELAB C*ab


_LIGHT: Final[Range] = (60.0, 78.0, 96.0)
_NORMAL: Final[Range] = (35.0, 55.0, 72.0)
_DARK: Final[Range] = (6.0, 28.0, 45.0)
_VIBRANT: Final[Range] = (30.0, 70.0, float("inf"))
_MUTED: Final[Range] = (0.0, 15.0, 30.0)
# In the order roles are chosen (Android's).
ROLE_TARGETS: Final[dict[str, RoleTarget]] = {
    "light_vibrant": RoleTarget(_LIGHT, _VIBRANT),
    "vibrant": RoleTarget(_NORMAL, _VIBRANT),
    "dark_vibrant": RoleTarget(_DARK, _VIBRANT),
    "light_muted": RoleTarget(_LIGHT, _MUTED),
    "muted": RoleTarget(_NORMAL, _MUTED),
    "dark_muted": RoleTarget(_DARK, _MUTED),
}
LIGHTNESS_WEIGHT, CHROMA_WEIGHT, POPULATION_WEIGHT = 0.52, 0.24, 0.24
ROLE_MIN_SHARE: Final = 0.003
DISTINCT_DISTANCE: Final = 5.0  # DIN99o, where a distance of 5 looks about as far as CIEDE2000 5
# (role, lightness or chroma, lowest / target / highest), in the order of ROLE_TARGETS.
_BOUNDS: Final = np.array([[target.lightness, target.chroma] for target in ROLE_TARGETS.values()])
_CELL = 8.0
_GRID = (13, 32, 32)  # L* 0-104, a* and b* -128-128, in cells of _CELL
_GRID_ORIGIN: Final = np.array([0.0, -128.0, -128.0])


@dataclass(frozen=True)
class RoleChoice:
    """The colour a role takes: 8-bit sRGB, its share of the counted pixels, and the index of the
    palette colour it is (``None`` when it comes from outside the palette)."""

    rgb: tuple[int, int, int]
    share: float
    palette_index: int | None


@dataclass(frozen=True)
class _Candidates:
    rgb: IntArray  # (n, 3) 8-bit sRGB: the palette's colours, then the frame's cell colours
    lab: FloatArray
    din99o: FloatArray
    lightness: FloatArray
    chroma: FloatArray
    shares: FloatArray  # a palette colour's proportion; a cell's own share of the counted pixels
    presence: FloatArray  # a palette colour's proportion; the share of a cell's 3x3x3 block
    palette_size: int


def choose_roles(bins: Bins, palette_rgb: IntArray, proportions: FloatArray) -> dict[str, RoleChoice | None]:
    """Every role (``dominant`` first) and the colour it takes, ``None`` when none fits; the
    palette's colours in ``palette_rgb`` are ordered largest first (see the module docstring)."""
    candidates = _candidates(bins, palette_rgb, proportions)
    chosen: dict[str, int | None] = {"dominant": 0}
    for name, order in zip(ROLE_TARGETS, _ranked(candidates), strict=True):
        taken = [index for role, index in chosen.items() if index is not None and role != "dominant"]
        chosen[name] = _first_distinct(candidates, order, taken)
    return _choices(bins, candidates, chosen)


def _first_distinct(candidates: _Candidates, order: IntArray, taken: list[int]) -> int | None:
    """The first candidate of ``order`` at least :data:`DISTINCT_DISTANCE` (DIN99o) from every
    ``taken`` one and, when it comes from outside the palette, from every palette colour."""
    if len(order) == 0:
        return None
    others = candidates.din99o[[*taken, *range(candidates.palette_size)]]
    gaps = candidates.din99o[order][:, None, :] - others[None, :, :]
    far = np.einsum("ijk,ijk->ij", gaps, gaps) >= DISTINCT_DISTANCE**2
    from_palette = order < candidates.palette_size
    distinct = np.where(from_palette, far[:, : len(taken)].all(axis=1), far.all(axis=1))
    return int(order[distinct.argmax()]) if distinct.any() else None


def _ranked(candidates: _Candidates) -> list[IntArray]:
    """For each role of :data:`ROLE_TARGETS`, in order, its eligible candidates within its ranges,
    best score first (of equal scores, the first listed)."""
    values = np.stack([candidates.lightness, candidates.chroma], axis=1)  # (n, 2)
    low, target, high = (_BOUNDS[:, None, :, position] for position in range(3))  # (roles, 1, 2) each
    within = ((values >= low) & (values <= high)).all(axis=2) & (candidates.presence >= ROLE_MIN_SHARE)
    closeness = np.clip(1.0 - np.abs(values - target) / 100.0, 0.0, None)
    scores = closeness @ np.array([LIGHTNESS_WEIGHT, CHROMA_WEIGHT])
    scores += POPULATION_WEIGHT * candidates.shares / candidates.shares.max()
    orders = np.argsort(np.where(within, -scores, np.inf), axis=1, kind="stable")
    return [order[:count] for order, count in zip(orders, within.sum(axis=1).tolist(), strict=True)]


def _choices(
    bins: Bins, candidates: _Candidates, chosen: dict[str, int | None]
) -> dict[str, RoleChoice | None]:
    """The chosen candidates as role colours. A colour from outside the palette stands for the
    counted pixels nearer to it (CIELAB) than to any palette colour or other such colour."""
    palette_size = candidates.palette_size
    outside = sorted({index for index in chosen.values() if index is not None and index >= palette_size})
    shares = dict(zip(range(palette_size), candidates.shares[:palette_size].tolist(), strict=True))
    if outside:
        centres = candidates.lab[[*range(palette_size), *outside]]
        nearest = _nearest_shares(bins, centres)[palette_size:]
        shares.update(zip(outside, nearest.tolist(), strict=True))
    choices: dict[str, RoleChoice | None] = {}
    for name, index in chosen.items():
        if index is None:
            choices[name] = None
            continue
        red, green, blue = (int(channel) for channel in candidates.rgb[index])
        in_palette = index < palette_size
        choices[name] = RoleChoice((red, green, blue), shares[index], index if in_palette else None)
    return choices


def _nearest_shares(bins: Bins, centres: FloatArray) -> FloatArray:
    """Each centre's share of the counted pixels, each bin going to its nearest centre (CIELAB)."""
    distances = (
        np.einsum("ij,ij->i", bins.lab, bins.lab)[:, None]
        - 2.0 * bins.lab @ centres.T
        + np.einsum("ij,ij->i", centres, centres)[None, :]
    )
    nearest = distances.argmin(axis=1)
    return np.bincount(nearest, weights=bins.weights, minlength=len(centres)) / bins.weights.sum()


def _candidates(bins: Bins, palette_rgb: IntArray, proportions: FloatArray) -> _Candidates:
    """The palette's colours, then the frame's cell colours."""
    palette_lab = srgb_to_lab(palette_rgb.astype(np.uint8))
    cell_rgb, cell_lab, cell_shares, cell_presence = _cell_colours(bins)
    palette_shares = np.asarray(proportions, dtype=np.float64)
    lab = np.concatenate([palette_lab, cell_lab])
    return _Candidates(
        rgb=np.concatenate([palette_rgb.astype(np.intp), cell_rgb]),
        lab=lab,
        din99o=lab_to_din99o(lab),
        lightness=lab[:, 0],
        chroma=chroma(lab),
        shares=np.concatenate([palette_shares, cell_shares]),
        presence=np.concatenate([palette_shares, cell_presence]),
        palette_size=len(palette_rgb),
    )


def _cell_colours(bins: Bins) -> tuple[IntArray, FloatArray, FloatArray, FloatArray]:
    """The frame's colours by CIELAB cell with at least :data:`ROLE_MIN_SHARE` of the counted pixels
    in their 3x3x3 block: 8-bit sRGB, CIELAB, the cell's share and the block's share."""
    index = np.clip(np.floor((bins.lab - _GRID_ORIGIN) / _CELL).astype(np.intp), 0, np.array(_GRID) - 1)
    codes = np.ravel_multi_index((index[:, 0], index[:, 1], index[:, 2]), _GRID)
    size = int(np.prod(_GRID))
    total = bins.weights.sum()
    weights = np.bincount(codes, weights=bins.weights, minlength=size)
    blocks = _block_sums(weights.reshape(_GRID)).ravel() / total
    occupied = np.flatnonzero((weights > 0) & (blocks >= ROLE_MIN_SHARE))
    sums = [
        np.bincount(codes, weights=bins.weights * bins.lab[:, axis], minlength=size)[occupied]
        for axis in range(3)
    ]
    means = np.stack(sums, axis=1) / weights[occupied, None]
    rgb = np.clip(np.rint(lab_to_srgb(means)), 0, 255).astype(np.intp)
    return rgb, srgb_to_lab(rgb.astype(np.uint8)), weights[occupied] / total, blocks[occupied]


def _block_sums(grid: FloatArray) -> FloatArray:
    """Each cell's sum over the 3x3x3 block of cells around it (the sum is separable: one axis at a time)."""
    padded = np.pad(grid, 1)
    padded = padded[:-2] + padded[1:-1] + padded[2:]
    padded = padded[:, :-2] + padded[:, 1:-1] + padded[:, 2:]
    return np.asarray(padded[:, :, :-2] + padded[:, :, 1:-1] + padded[:, :, 2:], dtype=np.float64)
