"""Near-duplicate colours merged: two colours closer than CIEDE2000 5 look alike and waste a slot."""

from __future__ import annotations

import numpy as np

from palettes import histogram
from palettes.clustering import FloatArray, IntArray
from palettes.colorspace import ciede2000
from palettes.histogram import Bins
from palettes.methods import Clusterer
from palettes.params import ExtractParams

# Two palette colours closer than this (CIEDE2000) look the same: one of them is a wasted slot.
NEAR_DUPLICATE_DELTA_E = 5.0


def merge_near_duplicates(
    bins: Bins, labels: IntArray, accent_labels: set[int], params: ExtractParams, clusterer: Clusterer
) -> tuple[IntArray, set[int]]:
    """Merge the closest pair of colours while it is a near-duplicate, letting the other colours
    (not the accents) settle again around each merge, so the fewer colours still fit the frame.

    The lighter colour of a pair joins the heavier one, which keeps its own accent flag. Low-contrast
    frames need this: their best six colours can all sit within CIEDE2000 5 of a neighbour. The
    slots merges free go back to the frame where a split makes no near-duplicate (see
    :func:`_refill`).
    """
    count = int(labels.max()) + 1
    while True:
        pair = _closest_near_duplicates(bins, labels, params)
        if pair is None:
            return _refill(
                bins, labels, accent_labels, params, clusterer, slots=count - int(labels.max()) - 1
            )
        weights = np.bincount(labels, weights=bins.weights, minlength=int(labels.max()) + 1)
        first, second = pair
        keep, drop = (first, second) if weights[first] >= weights[second] else (second, first)
        labels = np.where(labels == drop, keep, labels)
        labels, accent_labels = _renumber(labels, accent_labels - {drop})
        labels = _settle(bins, labels, accent_labels, params, clusterer)


def _refill(
    bins: Bins,
    labels: IntArray,
    accent_labels: set[int],
    params: ExtractParams,
    clusterer: Clusterer,
    *,
    slots: int,
) -> tuple[IntArray, set[int]]:
    """Up to ``slots`` colours given back to the frame: the colour that stands worst for its pixels
    (the largest sum of distances to them) is split in two and the others settle, as long as no
    near-duplicate comes back. Dark and low-contrast frames get their palette's full size this way
    wherever it can hold distinct colours."""
    for _ in range(slots):
        split = _split_worst(bins, labels, accent_labels, params, clusterer)
        if split is None:
            break
        labels = split
    return labels, accent_labels


def _split_worst(
    bins: Bins, labels: IntArray, accent_labels: set[int], params: ExtractParams, clusterer: Clusterer
) -> IntArray | None:
    """The labels with the worst-fitting colour that can be split (not an accent) split in two, the
    frame settled around it; None when every split would leave a near-duplicate pair."""
    count = int(labels.max()) + 1
    gaps = bins.features - histogram.centres(bins, labels)[labels]
    errors = np.bincount(
        labels, weights=bins.weights * np.sqrt(np.einsum("ij,ij->i", gaps, gaps)), minlength=count
    )
    for worst in np.argsort(-errors):
        members = np.flatnonzero(labels == worst)
        if int(worst) in accent_labels or len(members) < 2:
            continue
        halves = clusterer.cluster(bins.features[members], bins.weights[members], 2, seed=params.seed)
        split = labels.copy()
        split[members[halves == 1]] = count
        # Settled when that keeps the colours apart; split alone otherwise.
        for candidate in (_settle(bins, split, accent_labels, params, clusterer), split):
            if _closest_near_duplicates(bins, candidate, params) is None:
                return candidate
    return None


def _closest_near_duplicates(bins: Bins, labels: IntArray, params: ExtractParams) -> tuple[int, int] | None:
    """The closest pair of colours when they are closer than ``NEAR_DUPLICATE_DELTA_E``."""
    if int(labels.max()) < 1:
        return None
    return near_duplicate_pair(histogram.cluster_lab(bins, labels, params.space))


def near_duplicate_pair(lab: FloatArray) -> tuple[int, int] | None:
    """The closest pair of the CIELAB colours ``lab`` when they are closer than
    ``NEAR_DUPLICATE_DELTA_E``; None when every pair is apart."""
    if len(lab) < 2:
        return None
    distances = ciede2000(lab[:, None, :], lab[None, :, :])
    distances[np.diag_indices(len(lab))] = np.inf
    first, second = np.unravel_index(int(distances.argmin()), distances.shape)
    if distances[first, second] >= NEAR_DUPLICATE_DELTA_E:
        return None
    return int(first), int(second)


def _settle(
    bins: Bins, labels: IntArray, accent_labels: set[int], params: ExtractParams, clusterer: Clusterer
) -> IntArray:
    """Cluster the non-accent pixels again into as many colours as they have now, starting from
    their current colours, when the method settles (see :meth:`Clusterer.settle`)."""
    free_labels = [index for index in range(int(labels.max()) + 1) if index not in accent_labels]
    if not free_labels:
        return labels
    free = np.flatnonzero(np.isin(labels, free_labels))
    near = histogram.centres(bins, labels)[free_labels]
    settled = clusterer.settle(bins.features[free], bins.weights[free], near, seed=params.seed)
    if settled is None or int(settled.max()) + 1 != len(free_labels):
        return labels
    result = labels.copy()
    result[free] = np.asarray(free_labels, dtype=np.intp)[settled]
    return result


def _renumber(labels: IntArray, accent_labels: set[int]) -> tuple[IntArray, set[int]]:
    """Labels made 0..n-1 again after a merge, and the accents' new numbers."""
    used, compact = np.unique(labels, return_inverse=True)
    new_accents = {int(index) for index, old in enumerate(used) if int(old) in accent_labels}
    return np.asarray(compact, dtype=np.intp), new_accents
