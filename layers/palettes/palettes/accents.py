"""Accents: small, clearly saturated regions of a frame that its plain palette misses, given slots.

Read top to bottom: what counts as saturated for a frame, the search for regions (candidates,
gathering, the island test), then the palette rebuilt around the accents and the fidelity check
that drops them, least salient first. Accents are judged in CIELAB with CIEDE2000, whatever space
the clustering runs in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from palettes import clustering, histogram
from palettes.clustering import FloatArray, IntArray
from palettes.colorspace import chroma, ciede2000
from palettes.histogram import Bins
from palettes.methods import Clusterer
from palettes.params import ExtractParams

# An accent is a clearly saturated colour far from every colour of the plain palette: its pixels
# are at least ACCENT_CANDIDATE_DELTA_E away, their mean at least ACCENT_MIN_DELTA_E. The plain
# palette may hold a muddy mean of two small accents, close-ish to both; the low candidate bound
# still catches them.
ACCENT_MIN_CHROMA = 30.0
ACCENT_CHROMA_MARGIN = 15.0
ACCENT_CANDIDATE_DELTA_E = 12.0
# 12, not 15: CIEDE2000 compresses chroma differences of saturated colours, so a dark red (L* 21,
# C* 40) sits only 13 to 16 from the dark browns (C* 15 to 20) around it, and which of the two it
# measured depended on the browns' k-means solution, that is on the still's size.
ACCENT_MIN_DELTA_E = 12.0
# ... whose region, gathered within this radius, covers at least this share of the frame.
ACCENT_GROUP_DELTA_E = 15.0
ACCENT_MIN_SHARE = 0.003
# Accents may cost the palette this much of its fidelity to the frame (mean distance of the
# pixels to their colour), no more.
ACCENT_MAX_COST = 0.2
# Above this share a colour is part of the look, not an accent: it may keep the slot the search
# gave it, but it is not flagged.
ACCENT_MAX_SHARE = 0.05


def accent_min_chroma(bins: Bins) -> float:
    """Saturated means saturated for this frame: well above its median chroma, and never grey."""
    chromas = chroma(bins.lab)
    order = np.argsort(chromas)
    cumulative = np.cumsum(bins.weights[order])
    median = float(chromas[order][np.searchsorted(cumulative, cumulative[-1] / 2)])
    return max(ACCENT_MIN_CHROMA, median + ACCENT_CHROMA_MARGIN)


def flagged(accent_labels: set[int], lab: FloatArray, proportions: FloatArray, min_chroma: float) -> set[int]:
    """The colours of a finished palette flagged as accents: those given an accent slot and those
    standing out, as long as they cover at most ``ACCENT_MAX_SHARE`` of the frame.

    An accent's share can grow after the search (a near-duplicate merged into it), and a region
    found by the search can be larger than an accent; such a colour stays, unflagged.
    """
    small = {int(index) for index in np.flatnonzero(proportions <= ACCENT_MAX_SHARE)}
    return (accent_labels | standing_out(lab, proportions, min_chroma)) & small


def standing_out(lab: FloatArray, proportions: FloatArray, min_chroma: float) -> set[int]:
    """Small colours the plain clustering kept that an accent search would have rescued anyway:
    they are marked as accents too, so the flag means the same whichever way a colour got in."""
    if len(lab) < 2:
        return set()
    distances = ciede2000(lab[:, None, :], lab[None, :, :])
    distances[np.diag_indices(len(lab))] = np.inf
    small_saturated_apart = (
        (proportions <= ACCENT_MAX_SHARE)
        & (chroma(lab) >= min_chroma)
        & (distances.min(axis=1) >= ACCENT_MIN_DELTA_E)
    )
    return {int(index) for index in np.flatnonzero(small_saturated_apart)}


def with_accents(
    bins: Bins, labels: IntArray, params: ExtractParams, clusterer: Clusterer, min_chroma: float
) -> tuple[IntArray, set[int]]:
    """Give small, saturated, isolated regions a slot of their own, at most half of the slots.

    Accents are those the plain palette already holds and those it missed; the other pixels are
    clustered again into the remaining slots, so the frame as a whole stays represented. Returns
    the labels and which of them are accents.
    """
    max_accents = params.k // 2
    if max_accents == 0:
        return labels, set()
    palette_lab = histogram.cluster_lab(bins, labels, params.space)
    shares = histogram.shares(bins, labels)
    already = _small(shares, params.k)
    frame_lab = palette_lab[[index for index in range(len(palette_lab)) if index not in already]]
    if len(frame_lab) == 0:
        return labels, set()
    searched_again = np.isin(labels, sorted(already))
    regions = sorted(_accent_regions(bins, frame_lab, min_chroma, searched_again), key=lambda r: -r.salience)
    groups = [region.members for region in regions[:max_accents]]
    return _PlainPalette(bins, labels, shares, params, clusterer).affordable_accents(groups)


def _small(shares: FloatArray, k: int) -> set[int]:
    """Colours of the plain palette that are searched again, bin by bin, rather than measured
    against: small ones (an accent's size, and at most half of an even share).

    Whether k-means gives a small accent a cluster of its own, one that took some of its
    neighbours along (muddier, so no longer saturated or apart enough to be flagged), or none
    changes with the still's size; searching such clusters again makes the accents the same
    whichever it did. One such colour may also be the muddy mean of two small accents.
    """
    return {int(index) for index in np.flatnonzero(shares <= min(ACCENT_MAX_SHARE, 0.5 / k))}


@dataclass(frozen=True)
class _Region:
    """Bins gathered around a candidate: their share of the frame times their distance to the
    palette (salience), and their mean colour."""

    salience: float
    members: IntArray
    mean_lab: FloatArray


def _accent_regions(
    bins: Bins, palette_lab: FloatArray, min_chroma: float, searched_again: NDArray[np.bool_]
) -> list[_Region]:
    """Regions of saturated colour that the palette misses."""
    # Distances to the palette, computed only where they are needed (most bins are not saturated
    # and not near a region), since this is the costliest step of an extraction.
    distance_to_palette = _LazyDistances(bins.lab, palette_lab)
    is_saturated = chroma(bins.lab) >= min_chroma
    saturated = np.flatnonzero(is_saturated)
    candidates = saturated[
        (distance_to_palette.at(saturated) >= ACCENT_CANDIDATE_DELTA_E) | searched_again[saturated]
    ]
    regions = _gather(bins, candidates, palette_lab)
    return _islands(bins, regions, distance_to_palette, is_saturated)


def _gather(bins: Bins, candidates: IntArray, palette_lab: FloatArray) -> list[_Region]:
    """Greedy gathering of candidate bins around the heaviest remaining one, keeping the regions
    large enough and far enough from the palette; ties broken by index for determinism."""
    total = bins.weights.sum()
    order = candidates[np.lexsort((candidates, -bins.weights[candidates]))]
    remaining = np.ones(len(order), dtype=bool)
    candidate_lab = bins.lab[order]
    candidate_weights = bins.weights[order]
    # What is left once each position is gathered: a plain float per step beats a numpy sum.
    left = float(candidate_weights.sum())
    gathered: list[tuple[float, IntArray, FloatArray]] = []
    for position, seed_bin in enumerate(order.tolist()):
        if not remaining[position]:
            continue
        if left < ACCENT_MIN_SHARE * total:
            break  # what is left could not make a region of its own
        open_positions = np.flatnonzero(remaining)
        near = open_positions[
            ciede2000(candidate_lab[open_positions], bins.lab[seed_bin]) <= ACCENT_GROUP_DELTA_E
        ]
        remaining[near] = False
        near_weights = candidate_weights[near]
        weight = float(near_weights.sum())
        left -= weight
        share = weight / total
        if share < ACCENT_MIN_SHARE:
            continue
        gathered.append((share, order[near], near_weights @ candidate_lab[near] / weight))
    if not gathered:
        return []
    # Every region's distance to the palette in one call: each call costs more than its arithmetic.
    means = np.array([mean_lab for _, _, mean_lab in gathered])
    distances = ciede2000(means[:, None, :], palette_lab[None, :, :]).min(axis=1)
    return [
        _Region(share * float(distance), members, mean_lab)
        for (share, members, mean_lab), distance in zip(gathered, distances, strict=True)
        if distance >= ACCENT_MIN_DELTA_E
    ]


def _islands(
    bins: Bins, regions: list[_Region], distance_to_palette: _LazyDistances, is_saturated: NDArray[np.bool_]
) -> list[_Region]:
    """The regions that are islands in colour space, not a stretch of a gradient.

    The pixels just around a region's colour (a shell out to twice the gathering radius) that no
    palette colour stands for better must weigh less than the region itself: a stretch of a
    smooth gradient, which the palette also misses, fails this. Other regions near one are no
    gradient, so they stay out of its shell.

    The shell is centred on the saturated colours around the region (see :func:`_saturated_centres`),
    not on the mean of the region's own bins: those are the saturated bins far enough from the
    plain palette, so a palette colour on one side of an accent cuts that side off and moves the
    mean toward the other side, where a gradient may lie. How much it cut off changed with the
    still's size, and so did whether the accent passed.
    """
    if not regions:
        return []
    in_regions = np.zeros(len(bins.weights), dtype=bool)
    for region in regions:
        in_regions[region.members] = True
    # All regions at once: each CIEDE2000 call costs more in numpy's overhead than in arithmetic.
    centres = _saturated_centres(bins, regions, is_saturated)
    to_means = ciede2000(bins.lab[:, None, :], centres[None, :, :])
    rings = (to_means > ACCENT_GROUP_DELTA_E) & (to_means <= 2 * ACCENT_GROUP_DELTA_E) & ~in_regions[:, None]
    distance_to_palette.at(np.flatnonzero(rings.any(axis=1)))
    islands: list[_Region] = []
    for index, region in enumerate(regions):
        ring = np.flatnonzero(rings[:, index])
        shell = ring[to_means[ring, index] < distance_to_palette.at(ring)]
        if bins.weights[shell].sum() < bins.weights[region.members].sum():
            islands.append(region)
    return islands


def _saturated_centres(bins: Bins, regions: list[_Region], is_saturated: NDArray[np.bool_]) -> FloatArray:
    """For each region, the weighted mean of the saturated bins within the gathering radius of its
    mean, its own bins included, whatever their distance to the palette: one mean-shift step toward
    the saturated colour the region is part of."""
    means = np.array([region.mean_lab for region in regions])
    near = ciede2000(bins.lab[:, None, :], means[None, :, :]) <= ACCENT_GROUP_DELTA_E
    core = near & is_saturated[:, None]
    for index, region in enumerate(regions):
        core[region.members, index] = True
    core_weights = core * bins.weights[:, None]
    return np.asarray(core_weights.T @ bins.lab / core_weights.sum(axis=0)[:, None], dtype=np.float64)


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


@dataclass(frozen=True)
class _PlainPalette:
    """The frame's plain clustering, and how to cluster the frame again around accents."""

    bins: Bins
    labels: IntArray
    shares: FloatArray
    params: ExtractParams
    clusterer: Clusterer

    def affordable_accents(self, groups: list[IntArray]) -> tuple[IntArray, set[int]]:
        """The most accents, most salient first, that cost the frame at most ``ACCENT_MAX_COST``
        of the plain palette's fidelity; each one dropped frees a slot for the frame."""
        plain_error = histogram.mean_distance(self.bins, self.labels)
        for count in range(len(groups), 0, -1):
            combined = self.around(groups[:count])
            if combined is None:
                continue
            if histogram.mean_distance(self.bins, combined) <= plain_error * (1 + ACCENT_MAX_COST):
                first_accent = int(combined.max()) + 1 - count
                return combined, set(range(first_accent, first_accent + count))
        return self.labels, set()

    def around(self, groups: list[IntArray]) -> IntArray | None:
        """Labels with each accent group as its own cluster (the last ones) and the other bins
        clustered again into the remaining slots; None when the accents would leave nothing else."""
        bins = self.bins
        in_accent = np.zeros(len(bins.weights), dtype=bool)
        for members in groups:
            in_accent[members] = True
        rest = np.flatnonzero(~in_accent)
        if len(rest) == 0:
            return None
        slots = self.params.k - len(groups)
        near = self._frame_centres(groups)[:slots]
        rest_labels = self.clusterer.cluster(
            bins.features[rest], bins.weights[rest], slots, seed=self.params.seed, near=near
        )
        combined = np.empty(len(bins.weights), dtype=np.intp)
        combined[rest] = rest_labels
        first_accent = int(rest_labels.max()) + 1
        for offset, members in enumerate(groups):
            combined[members] = first_accent + offset
        return combined

    def _frame_centres(self, groups: list[IntArray]) -> FloatArray:
        """The plain palette's centres, largest first, less those nearest the accents: k-means
        restarts from them, so Lloyd only has to settle what moved."""
        bins = self.bins
        base = histogram.centres(bins, self.labels)
        accent_means = np.array(
            [np.average(bins.features[members], axis=0, weights=bins.weights[members]) for members in groups]
        )
        replaced = set(clustering.squared_distances(accent_means, base).argmin(axis=1).tolist())
        spare = [index for index in np.argsort(-self.shares) if index not in replaced]
        return base[spare]
