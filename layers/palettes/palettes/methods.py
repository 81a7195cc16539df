"""The clustering methods of the ``method`` option, by name: what a palette needs of a method.

A new method is one class with ``cluster`` and ``settle`` plus one entry in :data:`CLUSTERERS`
(and its name in :data:`palettes.params.Method`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Protocol

from palettes import clustering
from palettes.clustering import FloatArray, IntArray
from palettes.params import Method


class Clusterer(Protocol):
    """A clustering method over weighted points (histogram bins in the clustering space).

    Both calls return a label per point, using labels 0..n-1, and are deterministic for a seed.
    """

    def cluster(
        self, points: FloatArray, weights: FloatArray, k: int, *, seed: int, near: FloatArray | None = None
    ) -> IntArray:
        """At most ``k`` clusters. ``near`` holds ``k`` centres of a close solution when one is
        known (the frame less its accents); a method may start from them or ignore them."""
        ...

    def settle(
        self, points: FloatArray, weights: FloatArray, centres: FloatArray, *, seed: int
    ) -> IntArray | None:
        """The points clustered again around ``centres`` after two colours were merged, or None
        when the method's clusters need no settling."""
        ...


class KMeans:
    """Weighted k-means with greedy k-means++ seeding, then steps toward k-medians."""

    def cluster(
        self, points: FloatArray, weights: FloatArray, k: int, *, seed: int, near: FloatArray | None = None
    ) -> IntArray:
        return clustering.kmeans(points, weights, k, seed=seed, init=near)

    def settle(
        self, points: FloatArray, weights: FloatArray, centres: FloatArray, *, seed: int
    ) -> IntArray | None:
        return clustering.kmeans(points, weights, len(centres), seed=seed, init=centres)


class Agglomerative:
    """Weighted Ward linkage, on k-means pre-clusters when there are many bins."""

    def cluster(
        self, points: FloatArray, weights: FloatArray, k: int, *, seed: int, near: FloatArray | None = None
    ) -> IntArray:
        return clustering.agglomerative(points, weights, k, seed=seed)

    def settle(
        self, points: FloatArray, weights: FloatArray, centres: FloatArray, *, seed: int
    ) -> IntArray | None:
        return None  # Ward's merges already are this settling


CLUSTERERS: Final[Mapping[Method, Clusterer]] = {"kmeans": KMeans(), "agglomerative": Agglomerative()}
