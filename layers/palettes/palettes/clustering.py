"""Clustering of weighted colour samples (histogram bins): k-means and agglomerative.

k-means is a small weighted Lloyd loop with k-means++ seeding in numpy rather than scikit-learn's
KMeans: importing scikit-learn costs over a second of cold start, and on a few thousand weighted
bins the two give the same result (a test compares their inertia). Agglomerative clustering uses
scikit-learn, imported only when that method is asked for.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

_MAX_ITERATIONS = 100
# Converged when no centre moves more than 0.1 units (CIELAB or 8-bit RGB): far below visible.
_TOLERANCE = 1e-2
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
    dims = points.shape[1]
    # One bincount over (label, axis) pairs instead of one per axis: these loops run on a few
    # thousand bins, where numpy's per-call overhead is the cost that matters.
    slots = (labels[:, None] * dims + np.arange(dims)).ravel()
    sums = np.bincount(slots, weights=(points * weights[:, None]).ravel(), minlength=count * dims)
    totals = np.bincount(labels, weights=weights, minlength=count)
    return totals, sums.reshape(count, dims)


def kmeans(
    points: FloatArray,
    weights: FloatArray,
    k: int,
    *,
    seed: int,
    init: FloatArray | None = None,
) -> IntArray:
    """Weighted k-means; returns a label per point, using labels 0..n-1 with n = min(k, len(points)).

    Seeded by greedy k-means++ (as scikit-learn does, one run), or started from ``init`` centres
    when a close solution is already known. Deterministic for a given seed.
    """
    n_points = len(points)
    if k >= n_points:
        return np.arange(n_points, dtype=np.intp)
    if init is None or len(init) != k:
        init = _greedy_kmeans_plus_plus(points, weights, k, np.random.default_rng(seed))
    labels, _ = _lloyd(points, weights, np.asarray(init, dtype=np.float64))
    return _compact(labels)


def _greedy_kmeans_plus_plus(
    points: FloatArray, weights: FloatArray, k: int, rng: np.random.Generator
) -> FloatArray:
    """k-means++ seeding that tries a few candidates per step and keeps the best (Arthur and
    Vassilvitskii's greedy variant, scikit-learn's default), on weighted points."""
    trials = 2 + int(np.log(k))
    chosen = [int(rng.choice(len(points), p=weights / weights.sum()))]
    closest = squared_distances(points, points[chosen])[:, 0]
    for _ in range(1, k):
        mass = weights * closest
        total = mass.sum()
        if total <= 0:
            break  # every point coincides with a centre: fewer distinct colours than k
        candidates = rng.choice(len(points), size=trials, p=mass / total)
        with_candidate = np.minimum(closest[:, None], squared_distances(points, points[candidates]))
        best = int(np.argmin(weights @ with_candidate))
        chosen.append(int(candidates[best]))
        closest = with_candidate[:, best]
    return np.asarray(points[chosen], dtype=np.float64)


def _lloyd(points: FloatArray, weights: FloatArray, centres: FloatArray) -> tuple[IntArray, float]:
    point_norms = np.einsum("ij,ij->i", points, points)
    for _ in range(_MAX_ITERATIONS):
        labels = _nearest(points, point_norms, centres)
        totals, sums = _weighted_sums(points, weights, labels, len(centres))
        used = totals > 0
        updated = centres.copy()
        updated[used] = sums[used] / totals[used, None]
        shift = float(np.max(np.sum((updated - centres) ** 2, axis=1)))
        centres = updated
        if shift <= _TOLERANCE:
            break
    distances = squared_distances(points, centres)
    labels = np.asarray(distances.argmin(axis=1), dtype=np.intp)
    inertia = float(np.sum(weights * distances[np.arange(len(points)), labels]))
    return labels, inertia


def _nearest(points: FloatArray, point_norms: FloatArray, centres: FloatArray) -> IntArray:
    # |p - c|^2 = |p|^2 - 2 p.c + |c|^2; |p|^2 is the same for every centre, so it drops out.
    scores = np.einsum("ij,ij->i", centres, centres)[None, :] - 2.0 * points @ centres.T
    return np.asarray(scores.argmin(axis=1), dtype=np.intp)


def agglomerative(
    points: FloatArray, weights: FloatArray, k: int, *, seed: int, init: FloatArray | None = None
) -> IntArray:
    """Ward agglomerative clustering, on k-means pre-clusters when there are many bins.

    ``init`` is accepted for a common signature with :func:`kmeans` and not used. Memory stays
    bounded by ``AGGLOMERATIVE_MAX_SAMPLES``; deterministic for a given seed.
    """
    n_points = len(points)
    if k >= n_points:
        return np.arange(n_points, dtype=np.intp)
    if n_points > AGGLOMERATIVE_MAX_SAMPLES:
        pre_labels = kmeans(points, weights, AGGLOMERATIVE_MAX_SAMPLES, seed=seed)
        n_pre = int(pre_labels.max()) + 1
        pre_centres = weighted_means(points, weights, pre_labels, n_pre)
    else:
        pre_labels = np.arange(n_points, dtype=np.intp)
        pre_centres = points
    if k >= len(pre_centres):
        return _compact(pre_labels)
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(n_clusters=k, linkage="ward")
    group_of_pre = np.asarray(model.fit_predict(pre_centres), dtype=np.intp)
    return _compact(group_of_pre[pre_labels])


def _compact(labels: IntArray) -> IntArray:
    """Renumber labels to 0..n-1 in order of first use, dropping empty clusters."""
    _, compact = np.unique(labels, return_inverse=True)
    return np.asarray(compact, dtype=np.intp)
