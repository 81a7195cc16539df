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
_TOLERANCE = 1e-6
_RESTARTS = 3
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
    totals = np.bincount(labels, weights=weights, minlength=count)
    sums = np.stack(
        [
            np.bincount(labels, weights=weights * points[:, axis], minlength=count)
            for axis in range(points.shape[1])
        ],
        axis=1,
    )
    return np.asarray(sums / totals[:, None], dtype=np.float64)


def kmeans(
    points: FloatArray, weights: FloatArray, k: int, *, seed: int, restarts: int = _RESTARTS
) -> IntArray:
    """Weighted k-means; returns a label per point, using labels 0..n-1 with n = min(k, len(points)).

    Deterministic for a given seed: the best of a few k-means++ restarts by weighted inertia.
    """
    n_points = len(points)
    if k >= n_points:
        return np.arange(n_points, dtype=np.intp)
    rng = np.random.default_rng(seed)
    best_labels: IntArray | None = None
    best_inertia = np.inf
    for _ in range(restarts):
        centres = _kmeans_plus_plus(points, weights, k, rng)
        labels, inertia = _lloyd(points, weights, centres)
        if inertia < best_inertia - 1e-9:
            best_labels, best_inertia = labels, inertia
    assert best_labels is not None
    return _compact(best_labels)


def _kmeans_plus_plus(
    points: FloatArray, weights: FloatArray, k: int, rng: np.random.Generator
) -> FloatArray:
    probabilities = weights / weights.sum()
    chosen = [int(rng.choice(len(points), p=probabilities))]
    closest = squared_distances(points, points[chosen])[:, 0]
    for _ in range(1, k):
        mass = weights * closest
        total = mass.sum()
        if total <= 0:
            break  # every point coincides with a centre: fewer distinct colours than k
        candidate = int(rng.choice(len(points), p=mass / total))
        chosen.append(candidate)
        closest = np.minimum(closest, squared_distances(points, points[[candidate]])[:, 0])
    return np.asarray(points[chosen], dtype=np.float64)


def _lloyd(points: FloatArray, weights: FloatArray, centres: FloatArray) -> tuple[IntArray, float]:
    labels = np.zeros(len(points), dtype=np.intp)
    for _ in range(_MAX_ITERATIONS):
        distances = squared_distances(points, centres)
        labels = np.asarray(distances.argmin(axis=1), dtype=np.intp)
        totals = np.bincount(labels, weights=weights, minlength=len(centres))
        used = totals > 0
        updated = centres.copy()
        sums = np.stack(
            [
                np.bincount(labels, weights=weights * points[:, axis], minlength=len(centres))
                for axis in range(3)
            ],
            axis=1,
        )
        updated[used] = sums[used] / totals[used, None]
        shift = float(np.max(np.sum((updated - centres) ** 2, axis=1)))
        centres = updated
        if shift <= _TOLERANCE:
            break
    distances = squared_distances(points, centres)
    labels = np.asarray(distances.argmin(axis=1), dtype=np.intp)
    inertia = float(np.sum(weights * distances[np.arange(len(points)), labels]))
    return labels, inertia


def agglomerative(points: FloatArray, weights: FloatArray, k: int, *, seed: int) -> IntArray:
    """Ward agglomerative clustering, on k-means pre-clusters when there are many bins.

    Memory stays bounded by ``AGGLOMERATIVE_MAX_SAMPLES``; deterministic for a given seed.
    """
    n_points = len(points)
    if k >= n_points:
        return np.arange(n_points, dtype=np.intp)
    if n_points > AGGLOMERATIVE_MAX_SAMPLES:
        pre_labels = kmeans(points, weights, AGGLOMERATIVE_MAX_SAMPLES, seed=seed, restarts=1)
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
