"""The frame's colours chosen again once the accents and the merges are settled: fresh k-means++
starts on the pixels the accents leave, kept only when they fit the frame better, keep every colour
apart and flag the same accents.

Why: after the accent search, the frame's colours restart from the plain palette less the colours
the accents replaced, and Lloyd only settles what moved. That local optimum can leave two colours
sharing one mass of pixels while another stretch of the frame has none (up to 0.5 CIEDE2000 of
reconstruction on a graded still). A fresh start costs one k-means of a few hundred to a few
thousand bins, and finds the better solutions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from palettes import clustering, histogram
from palettes.accents import flagged
from palettes.clustering import FloatArray, IntArray
from palettes.colorspace import ciede2000
from palettes.histogram import Bins
from palettes.merging import NEAR_DUPLICATE_DELTA_E, near_duplicate_pair
from palettes.params import ExtractParams

# Fresh starts tried (seeds seed, seed + 1, ...), each about one k-means of the frame's bins: on the
# film-like set one start gains half of what two do, and more than two gain little.
FRESH_STARTS = 2


@dataclass(frozen=True)
class _Solution:
    labels: IntArray
    accent_labels: set[int]
    error: float


def refine_frame_colours(
    bins: Bins, labels: IntArray, accent_labels: set[int], params: ExtractParams, min_chroma: float | None
) -> tuple[IntArray, set[int]]:
    """Labels whose colours outside the accents fit their pixels at least as well as ``labels``'.

    Guarantees: every accent keeps exactly its bins (so its colour and its share), numbered after
    the frame's colours; the frame's error (:func:`clustering.median_error` over the bins outside
    the accents) never increases; no near-duplicate pair appears; at most ``params.k`` colours;
    with ``min_chroma`` (accents on), the colours flagged as accents stay the same (each within
    CIEDE2000 ``NEAR_DUPLICATE_DELTA_E`` of one before). Only k-means is refined: Ward's clusters
    are that method's answer, not a step toward one.
    """
    accents = sorted(accent_labels)
    frame = np.flatnonzero(~np.isin(labels, accents))
    if params.method != "kmeans" or len(frame) == 0:
        return labels, accent_labels
    points, weights = bins.features[frame], bins.weights[frame]
    best = _Solution(
        labels, accent_labels, clustering.median_error(points, weights, clustering.compact(labels[frame]))
    )
    before: FloatArray | None = None  # the flagged colours, computed once a start does better
    for start in range(FRESH_STARTS):
        fresh = clustering.kmeans(points, weights, params.k - len(accents), seed=params.seed + start)
        error = clustering.median_error(points, weights, fresh)
        if error < best.error:
            if before is None:
                before = _flagged_lab(bins, labels, accent_labels, params, min_chroma)
            candidate = _relabelled(labels, frame, fresh, accents, error)
            if _acceptable(bins, candidate, params, min_chroma, before):
                best = candidate
    return best.labels, best.accent_labels


def _relabelled(
    labels: IntArray, frame: IntArray, fresh: IntArray, accents: list[int], error: float
) -> _Solution:
    """The frame's bins labelled 0..n-1 as ``fresh`` has them, each accent after them in order."""
    result = labels.copy()
    result[frame] = fresh
    first_accent = int(fresh.max()) + 1
    for offset, accent in enumerate(accents):
        result[labels == accent] = first_accent + offset
    return _Solution(result, set(range(first_accent, first_accent + len(accents))), error)


def _acceptable(
    bins: Bins, candidate: _Solution, params: ExtractParams, min_chroma: float | None, before: FloatArray
) -> bool:
    """Whether a refined palette keeps every colour apart and flags the accents it flagged before:
    a frame colour that grows past the accents' share cap, or shrinks into it, would make a
    still's accents depend on which start won."""
    lab = histogram.cluster_lab(bins, candidate.labels, params.space)
    if near_duplicate_pair(lab) is not None:
        return False
    after = _flagged_lab(bins, candidate.labels, candidate.accent_labels, params, min_chroma, lab=lab)
    if len(after) != len(before):
        return False
    return len(before) == 0 or bool(
        np.all(ciede2000(before[:, None, :], after[None, :, :]).min(axis=1) < NEAR_DUPLICATE_DELTA_E)
    )


def _flagged_lab(
    bins: Bins,
    labels: IntArray,
    accent_labels: set[int],
    params: ExtractParams,
    min_chroma: float | None,
    *,
    lab: FloatArray | None = None,
) -> FloatArray:
    """CIELAB of the colours the palette will flag as accents (see :func:`palettes.accents.flagged`),
    from ``lab``, the palette's colours, when they are known already."""
    if min_chroma is None:
        return np.empty((0, 3))
    if lab is None:
        lab = histogram.cluster_lab(bins, labels, params.space)
    chosen = flagged(accent_labels, lab, histogram.shares(bins, labels), min_chroma)
    return lab[sorted(chosen)]
