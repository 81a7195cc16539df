"""Clustering of weighted colour samples (histogram bins): k-means, Ward's agglomeration and the
weighted means both rest on.

Both are small numpy loops rather than scikit-learn: on a few thousand weighted bins they give
scikit-learn's results (the tests compare them), while importing scikit-learn costs over a second
of cold start and, with scipy, about 130 MB of the Lambda layer. Both take sample weights (pixel
counts), which scikit-learn's Ward cannot.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

_MAX_ITERATIONS = 100
# Converged when no centre moves more than 0.5 units (DIN99o, 8-bit RGB): below visible, and the
# median steps that follow refine further.
_TOLERANCE = 0.25
# One k-means++ run, as scikit-learn's default; then a few steps toward k-medians.
MEDIAN_STEPS = 3
# Distances below this (about a just-noticeable difference) count as this, so that a pixel on a
# centre does not take all the weight.
_MEDIAN_FLOOR = 1.0
# Ward linkage is quadratic in memory; above this many bins it runs on k-means pre-clusters.
AGGLOMERATIVE_MAX_SAMPLES = 256


def squared_distances(points: FloatArray, centres: FloatArray) -> FloatArray:
    """(N, K) squared Euclidean distances between points and centres."""
    result = (
        np.einsum("ij,ij->i", points, points)[:, None]
        - 2.0 * points @ centres.T
        + np.einsum("ij,ij->i", centres, centres)[None, :]
    )
    return np.asarray(np.maximum(result, 0.0), dtype=np.float64)


def weighted_means(points: FloatArray, weights: FloatArray, labels: IntArray, count: int) -> FloatArray:
    """Weighted mean of the points of each label 0..count-1 (labels must all be used)."""
    totals, sums = _weighted_sums(points, weights, labels, count)
    return np.asarray(sums / totals[:, None], dtype=np.float64)


def _weighted_sums(
    points: FloatArray, weights: FloatArray, labels: IntArray, count: int
) -> tuple[FloatArray, FloatArray]:
    # One bincount per axis: with numpy 2 this is about twice as fast as one bincount over
    # (label, axis) pairs, whose slot array costs more than the calls it saves, and it sums in the
    # same order (the same bits).
    totals = np.bincount(labels, weights=weights, minlength=count)
    sums = [
        np.bincount(labels, weights=points[:, axis] * weights, minlength=count)
        for axis in range(points.shape[1])
    ]
    return totals, np.column_stack(sums)


def kmeans(
    points: FloatArray,
    weights: FloatArray,
    k: int,
    *,
    seed: int,
    init: FloatArray | None = None,
    median_steps: int = MEDIAN_STEPS,
) -> IntArray:
    """Weighted k-means; returns a label per point, using labels 0..n-1 with n = min(k, len(points)).

    Lloyd's iterations from greedy k-means++ seeds (as scikit-learn seeds), or from ``init``
    centres when ``k`` of them are given (a close solution already known), then ``median_steps``
    steps toward k-medians. Deterministic for a given seed.
    """
    n_points = len(points)
    if k >= n_points:
        return np.arange(n_points, dtype=np.intp)
    if init is not None and len(init) == k:
        centres = np.asarray(init, dtype=np.float64)
    else:
        centres = _greedy_kmeans_plus_plus(points, weights, k, np.random.default_rng(seed))
    labels = _lloyd(points, weights, centres)
    return _toward_medians(points, weights, compact(labels), median_steps)


def _toward_medians(points: FloatArray, weights: FloatArray, labels: IntArray, steps: int) -> IntArray:
    """A few Weiszfeld steps from the k-means solution (labels 0..n-1, all used) toward k-medians;
    returns labels 0..m-1, all used.

    k-means minimises squared distances, which lets a few far pixels pull a colour away from the
    many it stands for; what a palette is judged by (and what viewers see) is the plain distance
    from each pixel to its colour. Each step reweights pixels by the inverse of that distance.
    """
    count = int(labels.max()) + 1
    for _ in range(steps):
        centres = weighted_means(points, median_weights(points, weights, labels, count), labels, count)
        labels = compact(_nearest(points, centres))
        count = int(labels.max()) + 1
    return labels


def median_error(points: FloatArray, weights: FloatArray, labels: IntArray) -> float:
    """Weighted mean distance from each point to its cluster's median-leaning centre (the weighted
    mean under :func:`median_weights`): how far a palette's colours are from the pixels they stand
    for, in the clustering space, as the palette will show them."""
    count = int(labels.max()) + 1
    centres = weighted_means(points, median_weights(points, weights, labels, count), labels, count)
    gaps = points - centres[labels]
    return float(np.average(np.sqrt(np.einsum("ij,ij->i", gaps, gaps)), weights=weights))


def median_weights(
    points: FloatArray, weights: FloatArray, labels: IntArray, count: int, steps: int = 2
) -> FloatArray:
    """Weights whose weighted mean per cluster approaches the cluster's geometric median
    (Weiszfeld's iteration): each point's weight divided by its distance to the current centre."""
    adjusted = weights
    for _ in range(steps):
        centres = weighted_means(points, adjusted, labels, count)
        gaps = points - centres[labels]
        adjusted = weights / np.maximum(np.sqrt(np.einsum("ij,ij->i", gaps, gaps)), _MEDIAN_FLOOR)
    return adjusted


def _greedy_kmeans_plus_plus(
    points: FloatArray, weights: FloatArray, k: int, rng: np.random.Generator
) -> FloatArray:
    """k-means++ seeding that tries a few candidates per step and keeps the best (Arthur and
    Vassilvitskii's greedy variant, scikit-learn's default), on weighted points."""
    trials = 2 + int(np.log(k))
    chosen = [int(_draw(rng, weights / weights.sum(), None))]
    closest = squared_distances(points, points[chosen])[:, 0]
    for _ in range(1, k):
        mass = weights * closest
        total = mass.sum()
        if total <= 0:
            break  # every point coincides with a centre: fewer distinct colours than k
        candidates = _draw(rng, mass / total, trials)
        with_candidate = np.minimum(closest[:, None], squared_distances(points, points[candidates]))
        best = int(np.argmin(weights @ with_candidate))
        chosen.append(int(candidates[best]))
        closest = with_candidate[:, best]
    return np.asarray(points[chosen], dtype=np.float64)


def _draw(rng: np.random.Generator, probabilities: FloatArray, size: int | None) -> IntArray:
    """Indices drawn with replacement with these probabilities: ``rng.choice(len(probabilities),
    size, p=probabilities)`` draw for draw (the same cumulative sums and uniform draws), without its
    checks of ``p``, which cost more than the draw on a few thousand bins."""
    cdf = np.cumsum(probabilities)
    cdf /= cdf[-1]
    return np.asarray(cdf.searchsorted(rng.random(size), side="right"), dtype=np.intp)


def _lloyd(points: FloatArray, weights: FloatArray, centres: FloatArray) -> IntArray:
    # Hoisted out of the loop: it runs on a few thousand bins, where each numpy call's overhead
    # costs more than its arithmetic.
    weighted_columns = [np.ascontiguousarray(points[:, axis] * weights) for axis in range(points.shape[1])]
    for _ in range(_MAX_ITERATIONS):
        labels = _nearest(points, centres)
        count = len(centres)
        totals = np.bincount(labels, weights=weights, minlength=count)
        sums = np.stack(
            [np.bincount(labels, weights=column, minlength=count) for column in weighted_columns], axis=1
        )
        used = totals > 0
        updated = centres.copy()
        updated[used] = sums[used] / totals[used, None]
        shift = float(np.max(np.sum((updated - centres) ** 2, axis=1)))
        centres = updated
        if shift <= _TOLERANCE:
            break
    return np.asarray(squared_distances(points, centres).argmin(axis=1), dtype=np.intp)


def _nearest(points: FloatArray, centres: FloatArray) -> IntArray:
    # |p - c|^2 = |p|^2 - 2 p.c + |c|^2; |p|^2 is the same for every centre, so it drops out.
    scores = (centres * centres).sum(axis=1) - 2.0 * (points @ centres.T)
    return np.asarray(scores.argmin(axis=1), dtype=np.intp)


def agglomerative(
    points: FloatArray,
    weights: FloatArray,
    k: int,
    *,
    seed: int,
) -> IntArray:
    """Weighted Ward agglomerative clustering, on k-means pre-clusters when there are many bins.

    Memory stays bounded by ``AGGLOMERATIVE_MAX_SAMPLES``; deterministic for a given seed.
    """
    n_points = len(points)
    if k >= n_points:
        return np.arange(n_points, dtype=np.intp)
    if n_points > AGGLOMERATIVE_MAX_SAMPLES:
        pre_labels = kmeans(points, weights, AGGLOMERATIVE_MAX_SAMPLES, seed=seed)
        n_pre = int(pre_labels.max()) + 1
        pre_weights = np.bincount(pre_labels, weights=weights, minlength=n_pre)
        pre_centres = weighted_means(points, weights, pre_labels, n_pre)
    else:
        pre_labels = np.arange(n_points, dtype=np.intp)
        pre_weights, pre_centres = weights, points
    if k >= len(pre_centres):
        return compact(pre_labels)
    return compact(ward(pre_centres, pre_weights, k)[pre_labels])


def ward(points: FloatArray, weights: FloatArray, k: int) -> IntArray:
    """Ward's minimum-variance agglomeration of weighted points into ``k`` clusters.

    Merging clusters a and b raises the within-cluster sum of squares by
    ``w_a w_b / (w_a + w_b) |c_a - c_b|^2``; the cheapest merge is made until ``k`` remain. With
    unit weights this is scikit-learn's ``AgglomerativeClustering(linkage="ward")`` (a test checks
    it label for label); with pixel counts as weights it is Ward on the pixels themselves, which
    scikit-learn cannot do. Written here because scikit-learn and scipy would add about 130 MB and
    a second of import to the Lambda layer for a loop over at most 256 points.
    """
    n_points = len(points)
    centres = np.array(points, dtype=np.float64)
    sizes = np.array(weights, dtype=np.float64)
    members = np.arange(n_points, dtype=np.intp)
    active = np.ones(n_points, dtype=bool)
    costs = _ward_costs(centres, sizes, centres, sizes)
    np.fill_diagonal(costs, np.inf)
    for _ in range(n_points - k):
        flat = int(np.argmin(costs))
        first, second = divmod(flat, n_points)
        keep, gone = min(first, second), max(first, second)
        total = sizes[keep] + sizes[gone]
        centres[keep] = (sizes[keep] * centres[keep] + sizes[gone] * centres[gone]) / total
        sizes[keep] = total
        members[members == gone] = keep
        active[gone] = False
        costs[gone, :] = np.inf
        costs[:, gone] = np.inf
        row = _ward_costs(centres[keep : keep + 1], sizes[keep : keep + 1], centres, sizes)[0]
        row[~active] = np.inf
        row[keep] = np.inf
        costs[keep, :] = row
        costs[:, keep] = row
    return members


def _ward_costs(
    a_centres: FloatArray, a_sizes: FloatArray, b_centres: FloatArray, b_sizes: FloatArray
) -> FloatArray:
    gaps = squared_distances(a_centres, b_centres)
    return np.asarray(
        np.outer(a_sizes, b_sizes) / (a_sizes[:, None] + b_sizes[None, :]) * gaps, dtype=np.float64
    )


def compact(labels: IntArray) -> IntArray:
    """Renumber labels to 0..n-1 in the order of their values, dropping empty clusters."""
    # A bincount and a lookup, not np.unique: same numbering without a sort, and this runs after
    # every step of every clustering.
    used = np.bincount(labels) > 0
    if used.all():
        return np.asarray(labels, dtype=np.intp)
    return np.asarray((np.cumsum(used) - 1)[labels], dtype=np.intp)
