"""From counted pixels to a palette: histogram bins, clustering, accents, de-duplication.

The pixels are first gathered into a 15-bit RGB histogram whose bins keep the exact mean colour
of their members, so clustering costs the same for any image size. Accents are found in CIELAB
with CIEDE2000, whatever space the clustering runs in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from palettes import clustering
from palettes.colorspace import (
    chroma,
    ciede2000,
    hsv_to_rgb,
    lab_to_din99o,
    lab_to_srgb,
    lightness,
    rgb_to_hsv,
    srgb_to_lab,
)
from palettes.errors import NoUsablePixelsError
from palettes.loading import DEFAULT_MAX_PIXELS, ImageSource, load_image
from palettes.model import Palette, PaletteColor, SourceInfo
from palettes.names import nearest_css_names
from palettes.params import ExtractParams, Method, Space

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

_BITS = 5
# Two palette colours closer than this (CIEDE2000) look the same: one of them is a wasted slot.
NEAR_DUPLICATE_DELTA_E = 5.0
# An accent is a clearly saturated colour far from every colour of the plain palette: its pixels
# are at least ACCENT_CANDIDATE_DELTA_E away, their mean at least ACCENT_MIN_DELTA_E. The plain
# palette may hold a muddy mean of two small accents, close-ish to both; the low candidate bound
# still catches them.
ACCENT_MIN_CHROMA = 30.0
ACCENT_CHROMA_MARGIN = 15.0
ACCENT_CANDIDATE_DELTA_E = 12.0
ACCENT_MIN_DELTA_E = 15.0
# ... whose region, gathered within this radius, covers at least this share of the frame.
ACCENT_GROUP_DELTA_E = 15.0
ACCENT_MIN_SHARE = 0.003
# Accents may cost the palette this much of its fidelity to the frame (mean distance of the
# pixels to their colour), no more.
ACCENT_MAX_COST = 0.2
# Above this share a colour is part of the look, not an accent.
ACCENT_MAX_SHARE = 0.05


@dataclass(frozen=True)
class _Bins:
    rgb: FloatArray  # mean sRGB of each occupied bin's pixels
    lab: FloatArray
    features: FloatArray  # coordinates in the clustering space
    weights: FloatArray  # pixel counts


def extract(
    image: ImageSource,
    *,
    k: int = 6,
    method: Method = "kmeans",
    space: Space = "lab",
    min_brightness: float = 0.0,
    max_brightness: float = 1.0,
    accents: bool = True,
    seed: int = 0,
    source_key: str | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Palette:
    """The colour palette of a still.

    Guarantees: at most ``k`` colours (fewer when the image has fewer distinct colours), ordered
    by proportion; proportions are shares of the counted pixels and sum to 1; every colour is a
    valid 8-bit sRGB value; no two colours are closer than CIEDE2000 5; the same input and options
    give the same palette. Raises a :class:`palettes.PaletteError` subclass for bad input.
    """
    params = ExtractParams(
        k=k,
        method=method,
        space=space,
        min_brightness=min_brightness,
        max_brightness=max_brightness,
        accents=accents,
        seed=seed,
    )
    loaded = load_image(image, max_pixels=max_pixels)
    pixels = _counted(loaded.pixels, params)
    source = SourceInfo(
        key=source_key,
        width=loaded.width,
        height=loaded.height,
        format=loaded.format,
        counted_pixels=len(pixels),
    )
    return palette_of_pixels(pixels, params, source)


def _counted(pixels: NDArray[np.uint8], params: ExtractParams) -> NDArray[np.uint8]:
    if len(pixels) == 0:
        raise NoUsablePixelsError("the image has no opaque pixels")
    if params.min_brightness > 0.0 or params.max_brightness < 1.0:
        lightness_of_pixels = lightness(pixels)
        keep = (lightness_of_pixels >= params.min_brightness * 100.0) & (
            lightness_of_pixels <= params.max_brightness * 100.0
        )
        pixels = pixels[keep]
        if len(pixels) == 0:
            raise NoUsablePixelsError(
                f"no pixel has a brightness between {params.min_brightness} and {params.max_brightness}"
            )
    return pixels


def palette_of_pixels(pixels: NDArray[np.uint8], params: ExtractParams, source: SourceInfo) -> Palette:
    """The palette of an (N, 3) uint8 array of counted sRGB pixels."""
    bins = _histogram(pixels, params.space)
    cluster = _CLUSTERERS[params.method]
    labels = cluster(bins.features, bins.weights, params.k, seed=params.seed)
    accent_labels: set[int] = set()
    min_chroma = _accent_min_chroma(bins)
    if params.accents:
        labels, accent_labels = _with_accents(bins, labels, params, cluster, min_chroma)
    labels, accent_labels = _merge_near_duplicates(bins, labels, accent_labels, params, cluster)
    colors = _colors(bins, labels, accent_labels, params.space, min_chroma if params.accents else None)
    return Palette(colors=colors, source=source, params=params)


def _histogram(pixels: NDArray[np.uint8], space: Space) -> _Bins:
    quantised = (pixels >> (8 - _BITS)).astype(np.intp)
    codes = (quantised[:, 0] << (2 * _BITS)) | (quantised[:, 1] << _BITS) | quantised[:, 2]
    size = 1 << (3 * _BITS)
    counts = np.bincount(codes, minlength=size)
    occupied = np.flatnonzero(counts)
    weights = counts[occupied].astype(np.float64)
    rgb = (
        np.stack(
            [
                np.bincount(codes, weights=pixels[:, channel], minlength=size)[occupied]
                for channel in range(3)
            ],
            axis=1,
        )
        / weights[:, None]
    )
    lab = srgb_to_lab(rgb)
    return _Bins(rgb=rgb, lab=lab, features=_features(rgb, lab, space), weights=weights)


def _features(rgb: FloatArray, lab: FloatArray, space: Space) -> FloatArray:
    if space == "rgb":
        return rgb
    if space == "lab":
        # Clustering in CIELAB runs on its DIN99o form, where Euclidean distance tracks perceived
        # difference (CIELAB overstates chroma differences of saturated colours); palette colours
        # are still the CIELAB means of their pixels.
        return lab_to_din99o(lab)
    # Hue is an angle: embed HSV as a cone (saturation*value on the hue circle, value as height)
    # so that 350° and 10° average to red, not cyan, and dark colours of any hue sit together.
    hsv = rgb_to_hsv(rgb)
    radius = hsv[:, 1] * hsv[:, 2] * 100.0
    angle = np.radians(hsv[:, 0])
    return np.stack([radius * np.cos(angle), radius * np.sin(angle), hsv[:, 2] * 100.0], axis=1)


def _colour_of_clusters(bins: _Bins, labels: IntArray, space: Space) -> FloatArray:
    """sRGB (0-255 floats) of each cluster: the median-leaning mean of its pixels (see
    :func:`clustering.median_weights`), in CIELAB for ``lab`` and in the clustering space otherwise."""
    count = int(labels.max()) + 1
    weights = clustering.median_weights(bins.features, bins.weights, labels, count)
    if space == "lab":
        return lab_to_srgb(clustering.weighted_means(bins.lab, weights, labels, count))
    centres = clustering.weighted_means(bins.features, weights, labels, count)
    if space == "rgb":
        return np.clip(centres, 0.0, 255.0)
    value = np.clip(centres[:, 2] / 100.0, 0.0, 1.0)
    radius = np.hypot(centres[:, 0], centres[:, 1]) / 100.0
    saturation = np.where(value > 0, radius / np.where(value > 0, value, 1.0), 0.0)
    hue = np.degrees(np.arctan2(centres[:, 1], centres[:, 0])) % 360.0
    return hsv_to_rgb(np.stack([hue, np.clip(saturation, 0.0, 1.0), value], axis=1))


def _centres(bins: _Bins, labels: IntArray) -> FloatArray:
    return clustering.weighted_means(bins.features, bins.weights, labels, int(labels.max()) + 1)


def _centre_lab(bins: _Bins, labels: IntArray, space: Space) -> FloatArray:
    return srgb_to_lab(np.clip(np.rint(_colour_of_clusters(bins, labels, space)), 0, 255))


def _with_accents(
    bins: _Bins,
    labels: IntArray,
    params: ExtractParams,
    cluster: Callable[..., IntArray],
    min_chroma: float,
) -> tuple[IntArray, set[int]]:
    """Give small, saturated, isolated regions a slot of their own, at most half of the slots.

    Accents are those the plain palette already holds and those it missed; the other pixels are
    clustered again into the remaining slots, so the frame as a whole stays represented.
    """
    max_accents = params.k // 2
    if max_accents == 0:
        return labels, set()
    palette_lab = _centre_lab(bins, labels, params.space)
    shares = np.bincount(labels, weights=bins.weights) / bins.weights.sum()
    # Colours of the plain palette that already are accents are searched again, bin by bin: one
    # such colour may be the muddy mean of two small accents.
    standing_out = _standing_out(palette_lab, shares, min_chroma)
    frame_lab = palette_lab[[index for index in range(len(palette_lab)) if index not in standing_out]]
    if len(frame_lab) == 0:
        return labels, set()
    searched_again = np.isin(labels, sorted(standing_out))
    scored = sorted(_accent_groups(bins, frame_lab, min_chroma, searched_again), key=lambda item: -item[0])
    groups = [members for _, members in scored[:max_accents]]
    # Fewest-first is not needed: the most salient accents come first, and each one dropped
    # frees a slot for the frame, until the palette represents the frame nearly as well as the
    # plain one.
    plain_error = _mean_distance(bins, labels)
    for count in range(len(groups), 0, -1):
        combined = _accent_partition(
            bins, labels=labels, shares=shares, groups=groups[:count], params=params, cluster=cluster
        )
        if combined is not None and _mean_distance(bins, combined) <= plain_error * (1 + ACCENT_MAX_COST):
            first_accent = int(combined.max()) + 1 - count
            return combined, set(range(first_accent, first_accent + count))
    return labels, set()


def _accent_partition(
    bins: _Bins,
    *,
    labels: IntArray,
    shares: FloatArray,
    groups: list[IntArray],
    params: ExtractParams,
    cluster: Callable[..., IntArray],
) -> IntArray | None:
    """Labels with each accent group as its own cluster (the last ones) and the other bins
    clustered again into the remaining slots; None when the accents would leave nothing else."""
    in_accent = np.zeros(len(bins.weights), dtype=bool)
    for members in groups:
        in_accent[members] = True
    rest = np.flatnonzero(~in_accent)
    if len(rest) == 0:
        return None
    # k-means restarts from the plain palette less the colours nearest the accents: Lloyd only
    # has to settle what moved.
    base = _centres(bins, labels)
    accent_means = np.array(
        [np.average(bins.features[members], axis=0, weights=bins.weights[members]) for members in groups]
    )
    replaced = set(clustering.squared_distances(accent_means, base).argmin(axis=1).tolist())
    spare = [index for index in np.argsort(-shares) if index not in replaced]
    init = base[spare[: params.k - len(groups)]]
    rest_labels = cluster(
        bins.features[rest], bins.weights[rest], params.k - len(groups), seed=params.seed, init=init
    )
    combined = np.empty(len(bins.weights), dtype=np.intp)
    combined[rest] = rest_labels
    first_accent = int(rest_labels.max()) + 1
    for offset, members in enumerate(groups):
        combined[members] = first_accent + offset
    return combined


def _mean_distance(bins: _Bins, labels: IntArray) -> float:
    """Mean distance, over the pixels, to their cluster's centre in the clustering space."""
    gaps = bins.features - _centres(bins, labels)[labels]
    return float(np.average(np.sqrt(np.einsum("ij,ij->i", gaps, gaps)), weights=bins.weights))


def _accent_min_chroma(bins: _Bins) -> float:
    """Saturated means saturated for this frame: well above its median chroma, and never grey."""
    chromas = chroma(bins.lab)
    order = np.argsort(chromas)
    cumulative = np.cumsum(bins.weights[order])
    median = float(chromas[order][np.searchsorted(cumulative, cumulative[-1] / 2)])
    return max(ACCENT_MIN_CHROMA, median + ACCENT_CHROMA_MARGIN)


def _distance_to_others(lab: FloatArray, index: int) -> float:
    others = np.delete(lab, index, axis=0)
    return float(ciede2000(others, lab[index]).min()) if len(others) else 0.0


def _accent_groups(
    bins: _Bins, palette_lab: FloatArray, min_chroma: float, searched_again: NDArray[np.bool_]
) -> list[tuple[float, IntArray]]:
    """Regions of saturated colour that the palette misses, with their salience.

    A region must be an island in colour space: the pixels just around its colour (a shell out
    to twice the gathering radius) that no palette colour stands for better weigh less than the
    region itself. That keeps a stretch of a smooth gradient, which the palette also misses,
    from passing for an accent.
    """
    total = bins.weights.sum()
    # Distances to the palette, computed only where they are needed (most bins are not saturated
    # and not near a region), since this is the costliest step of an extraction.
    distance_to_palette = _LazyDistances(bins.lab, palette_lab)
    saturated = np.flatnonzero(chroma(bins.lab) >= min_chroma)
    candidates = saturated[
        (distance_to_palette.at(saturated) >= ACCENT_CANDIDATE_DELTA_E) | searched_again[saturated]
    ]
    # Greedy gathering around the heaviest remaining candidate; ties broken by index for determinism.
    order = candidates[np.lexsort((candidates, -bins.weights[candidates]))]
    remaining = np.ones(len(order), dtype=bool)
    regions: list[tuple[float, IntArray, FloatArray]] = []
    candidate_lab = bins.lab[order]
    candidate_weights = bins.weights[order]
    for position, seed_bin in enumerate(order):
        if not remaining[position]:
            continue
        if candidate_weights[remaining].sum() < ACCENT_MIN_SHARE * total:
            break  # what is left could not make a region of its own
        open_positions = np.flatnonzero(remaining)
        near = open_positions[
            ciede2000(candidate_lab[open_positions], bins.lab[seed_bin]) <= ACCENT_GROUP_DELTA_E
        ]
        members = order[near]
        remaining[near] = False
        share = bins.weights[members].sum() / total
        if share < ACCENT_MIN_SHARE:
            continue
        mean_lab = np.average(bins.lab[members], axis=0, weights=bins.weights[members])
        distance = float(ciede2000(palette_lab, mean_lab).min())
        if distance >= ACCENT_MIN_DELTA_E:
            regions.append((share * distance, members, mean_lab))
    # Other accents near a region are no gradient: they stay out of its shell.
    in_regions = np.zeros(len(bins.weights), dtype=bool)
    for _, members, _ in regions:
        in_regions[members] = True
    scored: list[tuple[float, IntArray]] = []
    for salience, members, mean_lab in regions:
        to_mean = ciede2000(bins.lab, mean_lab)
        ring = np.flatnonzero(
            (to_mean > ACCENT_GROUP_DELTA_E) & (to_mean <= 2 * ACCENT_GROUP_DELTA_E) & ~in_regions
        )
        shell = ring[to_mean[ring] < distance_to_palette.at(ring)]
        if bins.weights[shell].sum() < bins.weights[members].sum():
            scored.append((salience, members))
    return scored


class _LazyDistances:
    """Each bin's CIEDE2000 to its nearest palette colour, computed on first use and kept."""

    def __init__(self, lab: FloatArray, palette_lab: FloatArray) -> None:
        self._lab = lab
        self._palette_lab = palette_lab
        self._values = np.full(len(lab), np.nan)

    def at(self, indices: IntArray) -> FloatArray:
        unknown = indices[np.isnan(self._values[indices])]
        if len(unknown):
            pairs = ciede2000(self._lab[unknown][:, None, :], self._palette_lab[None, :, :])
            self._values[unknown] = pairs.min(axis=1)
        return self._values[indices]


def _merge_near_duplicates(
    bins: _Bins,
    labels: IntArray,
    accent_labels: set[int],
    params: ExtractParams,
    cluster: Callable[..., IntArray],
) -> tuple[IntArray, set[int]]:
    """Merge the closest pair of colours while it is a near-duplicate, letting the other colours
    (not the accents) settle again around each merge, so the fewer colours still fit the frame.

    Low-contrast frames need this: their best six colours can all sit within CIEDE2000 5 of a
    neighbour."""
    while True:
        count = int(labels.max()) + 1
        if count < 2:
            return labels, accent_labels
        lab = _centre_lab(bins, labels, params.space)
        distances = ciede2000(lab[:, None, :], lab[None, :, :])
        distances[np.diag_indices(count)] = np.inf
        first, second = np.unravel_index(int(distances.argmin()), distances.shape)
        if distances[first, second] >= NEAR_DUPLICATE_DELTA_E:
            return labels, accent_labels
        weights = np.bincount(labels, weights=bins.weights, minlength=count)
        keep, drop = (first, second) if weights[first] >= weights[second] else (second, first)
        labels = np.where(labels == drop, keep, labels)
        accent_labels = accent_labels - {int(drop)}
        labels, accent_labels = _renumber(labels, accent_labels)
        labels = _settle(bins, labels, accent_labels, params, cluster)


def _settle(
    bins: _Bins,
    labels: IntArray,
    accent_labels: set[int],
    params: ExtractParams,
    cluster: Callable[..., IntArray],
) -> IntArray:
    """Cluster the non-accent pixels again into as many colours as they have now, starting from
    their current colours (k-means only; Ward's merges already are this)."""
    if cluster is not clustering.kmeans:
        return labels
    free_labels = [index for index in range(int(labels.max()) + 1) if index not in accent_labels]
    free = np.flatnonzero(np.isin(labels, free_labels))
    init = _centres(bins, labels)[free_labels]
    settled = cluster(bins.features[free], bins.weights[free], len(free_labels), seed=params.seed, init=init)
    if int(settled.max()) + 1 != len(free_labels):
        return labels
    result = labels.copy()
    result[free] = np.asarray(free_labels, dtype=np.intp)[settled]
    return result


def _renumber(labels: IntArray, accent_labels: set[int]) -> tuple[IntArray, set[int]]:
    used, compact = np.unique(labels, return_inverse=True)
    new_accents = {int(index) for index, old in enumerate(used) if int(old) in accent_labels}
    return np.asarray(compact, dtype=np.intp), new_accents


def _colors(
    bins: _Bins, labels: IntArray, accent_labels: set[int], space: Space, min_chroma: float | None
) -> tuple[PaletteColor, ...]:
    """The palette's colours, largest first; with ``min_chroma`` (accents on), small colours that
    stand out are flagged as accents however they got in."""
    count = int(labels.max()) + 1
    rgb = np.clip(np.rint(_colour_of_clusters(bins, labels, space)), 0, 255).astype(np.uint8)
    weights = np.bincount(labels, weights=bins.weights, minlength=count)
    proportions = weights / weights.sum()
    lab = srgb_to_lab(rgb)
    hsv = rgb_to_hsv(rgb)
    names = nearest_css_names(lab)
    if min_chroma is not None:
        accent_labels = accent_labels | _standing_out(lab, proportions, min_chroma)
    colors = [
        PaletteColor(
            rgb=(int(rgb[i, 0]), int(rgb[i, 1]), int(rgb[i, 2])),
            hsv=(float(hsv[i, 0]), float(hsv[i, 1]), float(hsv[i, 2])),
            lab=(float(lab[i, 0]), float(lab[i, 1]), float(lab[i, 2])),
            proportion=float(proportions[i]),
            name=names[i],
            accent=i in accent_labels,
        )
        for i in range(count)
    ]
    colors.sort(key=lambda color: (-color.proportion, color.hex))
    return tuple(colors)


def _standing_out(lab: FloatArray, proportions: FloatArray, min_chroma: float) -> set[int]:
    """Small colours the plain clustering kept that an accent search would have rescued anyway:
    they are marked as accents too, so the flag means the same whichever way a colour got in."""
    if len(lab) < 2:
        return set()
    distances = ciede2000(lab[:, None, :], lab[None, :, :])
    distances[np.diag_indices(len(lab))] = np.inf
    standing_out = (
        (proportions <= ACCENT_MAX_SHARE)
        & (chroma(lab) >= min_chroma)
        & (distances.min(axis=1) >= ACCENT_MIN_DELTA_E)
    )
    return {int(index) for index in np.flatnonzero(standing_out)}


_CLUSTERERS: dict[str, Callable[..., IntArray]] = {
    "kmeans": clustering.kmeans,
    "agglomerative": clustering.agglomerative,
}
