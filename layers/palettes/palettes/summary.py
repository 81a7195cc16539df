"""A still's colour summary: at most 32 weighted CIELAB centroids of its histogram bins, and the
compact binary form it is stored in beside the still's document. A film's palette is clustered from
the union of its stills' summaries (see :mod:`palettes.film`).

The centroids come from a deterministic variance-splitting of the bins in DIN99o (the space the
``lab`` clustering runs in, where distance tracks perceived difference): the cluster whose split
lowers the within-cluster sum of squares most is cut in two, at the best place along its widest
axis, until there are ``MAX_CENTROIDS``; then one Lloyd step lets the bins go to their nearest
centroid. It costs a few milliseconds, where a k-means++ seeding alone costs three times that.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

from palettes import clustering
from palettes.clustering import FloatArray, IntArray
from palettes.colorspace import lab_to_din99o
from palettes.errors import PaletteError
from palettes.histogram import Bins

MAX_CENTROIDS: Final = 32
FORMAT_VERSION: Final = 1
# Version 1: a byte for the version and one for the centroid count n, then n CIELAB centroids as
# little-endian uint16 triples (L* over 0..100, a* and b* over -128..128: steps of 0.0015 and 0.004,
# far below a visible difference), then n little-endian uint32 pixel counts (exact).
_HEADER = struct.Struct("<BB")
_LOW = np.array([0.0, -128.0, -128.0])
_SPAN = np.array([100.0, 256.0, 256.0])
_STEPS = 65535.0
_CENTROID_BYTES = 3 * 2 + 4
MAX_ENCODED_BYTES: Final = _HEADER.size + MAX_CENTROIDS * _CENTROID_BYTES
MAX_PIXEL_COUNT: Final = 2**32 - 1
# Lloyd steps after the splitting: the first gains most, further ones little (the bench shows it).
_REFINE_STEPS = 1


class InvalidSummaryError(PaletteError):
    """Bytes that are not a colour summary of a known format version, or an impossible summary."""

    code = "invalid_summary"


@dataclass(frozen=True, eq=False)
class ColorSummary:
    """At most ``MAX_CENTROIDS`` weighted colours standing for a still's counted pixels.

    ``lab`` is an (n, 3) array of CIELAB centroids, each the mean of the pixels it stands for;
    ``weights`` an (n,) array of their pixel counts (whole numbers, each at least 1), which sum to
    the still's counted pixels. Centroids are ordered by weight, largest first.
    """

    lab: FloatArray
    weights: FloatArray

    def __post_init__(self) -> None:
        lab = np.array(self.lab, dtype=np.float64)  # a copy: the caller's array stays writeable
        weights = np.array(self.weights, dtype=np.float64)
        if lab.ndim != 2 or lab.shape[1] != 3 or weights.shape != (len(lab),):
            raise InvalidSummaryError(
                f"a colour summary needs (n, 3) CIELAB centroids and n weights, got shapes "
                f"{lab.shape} and {weights.shape}"
            )
        if not 1 <= len(lab) <= MAX_CENTROIDS:
            raise InvalidSummaryError(f"a colour summary has 1 to {MAX_CENTROIDS} centroids, got {len(lab)}")
        if not np.isfinite(lab).all():
            raise InvalidSummaryError("a colour summary's centroids must be finite numbers")
        if not (np.all(weights >= 1) and np.all(weights <= MAX_PIXEL_COUNT) and np.all(weights % 1 == 0)):
            raise InvalidSummaryError(
                f"a colour summary's weights are pixel counts: whole numbers from 1 to {MAX_PIXEL_COUNT}"
            )
        lab.flags.writeable = False
        weights.flags.writeable = False
        object.__setattr__(self, "lab", lab)
        object.__setattr__(self, "weights", weights)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ColorSummary):
            return NotImplemented
        return bool(np.array_equal(self.lab, other.lab) and np.array_equal(self.weights, other.weights))

    __hash__ = None  # type: ignore[assignment]  # arrays: equal by value, so not hashable

    @property
    def pixel_count(self) -> int:
        """The pixels the summary stands for: the still's counted pixels."""
        return int(self.weights.sum())

    def to_bytes(self) -> bytes:
        """The summary in format ``FORMAT_VERSION``: at most ``MAX_ENCODED_BYTES`` (322) bytes.

        Decoding gives the weights exactly and each centroid within 0.003 CIELAB units per axis;
        CIELAB values outside the stored ranges (no sRGB colour has them) are clamped.
        """
        steps = np.rint((np.clip(self.lab, _LOW, _LOW + _SPAN) - _LOW) * (_STEPS / _SPAN))
        header = _HEADER.pack(FORMAT_VERSION, len(steps))
        return bytes(header + steps.astype("<u2").tobytes() + self.weights.astype("<u4").tobytes())

    @classmethod
    def from_bytes(cls, data: bytes) -> ColorSummary:
        """The summary :meth:`to_bytes` wrote; raises :class:`InvalidSummaryError` for anything else."""
        if len(data) < _HEADER.size:
            raise InvalidSummaryError(f"a colour summary has at least {_HEADER.size} bytes, got {len(data)}")
        version, count = _HEADER.unpack_from(data)
        if version != FORMAT_VERSION:
            raise InvalidSummaryError(
                f"unknown colour summary format version {version} (this library reads {FORMAT_VERSION})"
            )
        expected = _HEADER.size + count * _CENTROID_BYTES
        if len(data) != expected:
            raise InvalidSummaryError(
                f"a colour summary of {count} centroids has {expected} bytes, got {len(data)}"
            )
        lab_end = _HEADER.size + count * 6
        steps = np.frombuffer(data, dtype="<u2", count=count * 3, offset=_HEADER.size).reshape(count, 3)
        weights = np.frombuffer(data, dtype="<u4", count=count, offset=lab_end).astype(np.float64)
        lab = _LOW + steps.astype(np.float64) * (_SPAN / _STEPS)
        return cls(lab=lab, weights=weights)


def summarise(
    bins: Bins, din99o: FloatArray | None = None, *, max_centroids: int = MAX_CENTROIDS
) -> ColorSummary:
    """The colour summary of a still's histogram bins: at most ``max_centroids`` weighted centroids,
    each the weighted mean (in CIELAB) of the bins nearest to it, with their pixel counts.

    ``din99o`` is the bins' DIN99o coordinates when already known (``bins.features`` of the ``lab``
    space); otherwise they are computed. Deterministic: the same bins give the same summary.
    """
    points = lab_to_din99o(bins.lab) if din99o is None else din99o
    labels = split_by_variance(points, bins.weights, max_centroids)
    for _ in range(_REFINE_STEPS):
        centres = clustering.weighted_means(points, bins.weights, labels, int(labels.max()) + 1)
        labels = _renumbered(np.asarray(clustering.squared_distances(points, centres).argmin(axis=1)))
    return _summary_of_clusters(bins.lab, bins.weights, labels)


def combine(summaries: Sequence[ColorSummary], *, max_centroids: int = MAX_CENTROIDS) -> ColorSummary:
    """One summary standing for the pixels of all ``summaries`` (a partial aggregate of many
    stills): their centroids summarised again. The pixel count is kept exactly; the order of
    ``summaries`` does not matter."""
    lab, weights = union(summaries)
    bins = Bins(lab=lab, features=lab_to_din99o(lab), weights=weights)
    return summarise(bins, bins.features, max_centroids=max_centroids)


def union(summaries: Sequence[ColorSummary]) -> tuple[FloatArray, FloatArray]:
    """The centroids of all ``summaries`` with their weights, in an order that does not depend on the
    order of ``summaries`` (sorted by colour; equal colours are one centroid with their summed weight)."""
    if not summaries:
        raise InvalidSummaryError("a union of colour summaries needs at least one summary")
    lab = np.concatenate([summary.lab for summary in summaries])
    weights = np.concatenate([summary.weights for summary in summaries])
    order = np.lexsort((weights, lab[:, 2], lab[:, 1], lab[:, 0]))
    lab, weights = lab[order], weights[order]
    starts = np.flatnonzero(np.concatenate([[True], np.any(lab[1:] != lab[:-1], axis=1)]))
    return lab[starts], np.add.reduceat(weights, starts)


def split_by_variance(points: FloatArray, weights: FloatArray, count: int) -> IntArray:
    """Labels of at most ``count`` clusters of weighted points: the cluster with the largest
    within-cluster sum of squares is cut in two where that sum falls most along its widest axis,
    until there are ``count`` (or no cluster holds two distinct points). Deterministic, unseeded."""
    if len(points) <= count:
        return np.arange(len(points), dtype=np.intp)
    moments = _moments(points, weights)
    members = [np.arange(len(points), dtype=np.intp)]
    sums = [moments.sum(axis=1)]
    spreads = [_sum_of_squares(sums[0])]
    while len(members) < count:
        # A list's max, not numpy's: a few dozen floats, where a call into numpy costs more.
        chosen = max(range(len(spreads)), key=spreads.__getitem__)
        cut = _best_cut(points, moments, members[chosen], sums[chosen])
        if cut is None:
            if spreads[chosen] <= 0.0:
                break  # no cluster holds two distinct points
            spreads[chosen] = 0.0
            continue
        for at, (indices, own_sums) in zip((chosen, len(members)), cut, strict=True):
            if at == len(members):
                members.append(indices)
                sums.append(own_sums)
                spreads.append(0.0)
            members[at], sums[at] = indices, own_sums
            spreads[at] = _sum_of_squares(own_sums) if len(indices) > 1 else 0.0
    labels = np.empty(len(points), dtype=np.intp)
    for label, indices in enumerate(members):
        labels[indices] = label
    return labels


def _moments(points: FloatArray, weights: FloatArray) -> FloatArray:
    """(7, n): each point's weight, weighted coordinates and weighted squared coordinates, the sums
    from which any cluster's sum of squares (in all and along each axis) follows."""
    moments = np.empty((7, len(points)))
    moments[0] = weights
    moments[1:4] = (points * weights[:, None]).T
    moments[4:7] = moments[1:4] * points.T
    return moments


def _axis_spreads(sums: FloatArray) -> list[float]:
    """A cluster's weighted sum of squared distances to its mean along each axis, from the sums of
    :func:`_moments` (plain floats: this runs once per cut on seven numbers)."""
    weight, *linear = sums[:4].tolist()
    return [square - value * value / weight for square, value in zip(sums[4:7].tolist(), linear, strict=True)]


def _sum_of_squares(sums: FloatArray) -> float:
    """The weighted sum of squared distances to the mean, from the sums of :func:`_moments`."""
    return float(sum(_axis_spreads(sums)))


def _best_cut(
    points: FloatArray, moments: FloatArray, indices: IntArray, total: FloatArray
) -> tuple[tuple[IntArray, FloatArray], tuple[IntArray, FloatArray]] | None:
    """The cut of a cluster across its axis of largest spread that lowers its sum of squares most:
    the two halves with their sums, or None when all its points coincide on that axis.

    A cut's sum of squares is the cluster's sum of squared norms (the same for every cut) less
    |S_b|^2 / w_b + |S_a|^2 / w_a over its two halves' weighted sums S and weights w: the best cut
    maximises the latter, which needs only the running sums of weights and coordinates.
    """
    spreads = _axis_spreads(total)
    coordinates = points[indices, spreads.index(max(spreads))]
    order = np.argsort(coordinates, kind="stable")
    ordered = indices[order]
    before = np.cumsum(moments[:4, ordered], axis=1)[:, :-1]
    after = total[:4, None] - before
    kept = (before[1:] ** 2).sum(axis=0) / before[0] + (after[1:] ** 2).sum(axis=0) / after[0]
    sorted_coordinates = coordinates[order]
    kept[sorted_coordinates[1:] == sorted_coordinates[:-1]] = -np.inf  # never between equal values
    if len(kept) == 0:
        return None
    at = int(np.argmax(kept))
    if not np.isfinite(kept[at]):
        return None
    first_sums = moments[:, ordered[: at + 1]].sum(axis=1)
    return (ordered[: at + 1], first_sums), (ordered[at + 1 :], total - first_sums)


def _summary_of_clusters(lab: FloatArray, weights: FloatArray, labels: IntArray) -> ColorSummary:
    """Each cluster's CIELAB mean and pixel count, largest first (ties by colour)."""
    count = int(labels.max()) + 1
    centroids = clustering.weighted_means(lab, weights, labels, count)
    counts = np.rint(np.bincount(labels, weights=weights, minlength=count))
    order = np.lexsort((centroids[:, 2], centroids[:, 1], centroids[:, 0], -counts))
    return ColorSummary(lab=centroids[order], weights=counts[order])


def _renumbered(labels: IntArray) -> IntArray:
    """Labels 0..n-1 in order of first use, dropping empty clusters."""
    _, compact = np.unique(labels, return_inverse=True)
    return np.asarray(compact, dtype=np.intp)
