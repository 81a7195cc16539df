"""Pixels gathered into a 15-bit RGB histogram, and the colour of a cluster of its bins.

Each occupied bin keeps the exact mean colour of its members and their count, so clustering the
bins costs the same for any image size and loses no colour.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from palettes import clustering
from palettes.clustering import FloatArray, IntArray
from palettes.colorspace import hsv_to_rgb, lab_to_din99o, lab_to_srgb, rgb_to_hsv, srgb_to_lab
from palettes.params import Space

_BITS = 5
MAX_BINS = 1 << (3 * _BITS)


@dataclass(frozen=True)
class Bins:
    """The occupied bins of a frame's histogram."""

    lab: FloatArray  # CIELAB of each bin's mean sRGB colour
    features: FloatArray  # coordinates in the clustering space
    weights: FloatArray  # pixel counts


def bin_pixels(pixels: NDArray[np.uint8], space: Space) -> Bins:
    """The occupied bins of an (N, 3) uint8 array of sRGB pixels, with features for ``space``."""
    codes = _codes(pixels)
    counts = np.bincount(codes, minlength=MAX_BINS)
    occupied = np.flatnonzero(counts)
    weights = counts[occupied].astype(np.float64)
    sums = [
        np.bincount(codes, weights=pixels[:, channel], minlength=MAX_BINS)[occupied] for channel in range(3)
    ]
    rgb = np.stack(sums, axis=1) / weights[:, None]
    lab = srgb_to_lab(rgb)
    return Bins(lab=lab, features=_features(rgb, lab, space), weights=weights)


def bin_colours(lab: FloatArray, weights: FloatArray) -> Bins:
    """Weighted CIELAB colours (the centroids of many stills' summaries) gathered into the bins of
    :func:`bin_pixels`, each bin the weighted CIELAB mean of its colours, with ``lab`` features:
    however many colours come in, at most ``MAX_BINS`` (32,768) go out, as for any one still."""
    codes = _codes(np.clip(np.rint(lab_to_srgb(lab)), 0, 255).astype(np.uint8))
    occupied, members = np.unique(codes, return_inverse=True)
    count = len(occupied)
    bin_weights = np.bincount(members, weights=weights, minlength=count)
    means = clustering.weighted_means(lab, weights, members, count)
    return Bins(lab=means, features=lab_to_din99o(means), weights=bin_weights)


def _codes(pixels: NDArray[np.uint8]) -> IntArray:
    """Each pixel's bin: its 15-bit RGB code."""
    quantised = (pixels >> (8 - _BITS)).astype(np.intp)
    return np.asarray(
        (quantised[:, 0] << (2 * _BITS)) | (quantised[:, 1] << _BITS) | quantised[:, 2], dtype=np.intp
    )


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


def cluster_colours(bins: Bins, labels: IntArray, space: Space) -> FloatArray:
    """sRGB (0-255 floats) of each cluster: the median-leaning mean of its pixels (see
    :func:`clustering.median_weights`), in CIELAB for ``lab`` and in the clustering space otherwise."""
    count = int(labels.max()) + 1
    weights = clustering.median_weights(bins.features, bins.weights, labels, count)
    if space == "lab":
        return lab_to_srgb(clustering.weighted_means(bins.lab, weights, labels, count))
    means = clustering.weighted_means(bins.features, weights, labels, count)
    if space == "rgb":
        return np.clip(means, 0.0, 255.0)
    return _cone_to_rgb(means)


def _cone_to_rgb(centres: FloatArray) -> FloatArray:
    """sRGB (0-255 floats) of points of the HSV cone of :func:`_features`."""
    value = np.clip(centres[:, 2] / 100.0, 0.0, 1.0)
    radius = np.hypot(centres[:, 0], centres[:, 1]) / 100.0
    saturation = np.where(value > 0, radius / np.where(value > 0, value, 1.0), 0.0)
    hue = np.degrees(np.arctan2(centres[:, 1], centres[:, 0])) % 360.0
    return hsv_to_rgb(np.stack([hue, np.clip(saturation, 0.0, 1.0), value], axis=1))


def cluster_lab(bins: Bins, labels: IntArray, space: Space) -> FloatArray:
    """CIELAB of each cluster's 8-bit colour: what the palette will show."""
    return srgb_to_lab(np.clip(np.rint(cluster_colours(bins, labels, space)), 0, 255))


def centres(bins: Bins, labels: IntArray) -> FloatArray:
    """Each cluster's weighted mean in the clustering space."""
    return clustering.weighted_means(bins.features, bins.weights, labels, int(labels.max()) + 1)


def mean_distance(bins: Bins, labels: IntArray) -> float:
    """Mean distance, over the pixels, to their cluster's centre in the clustering space."""
    gaps = bins.features - centres(bins, labels)[labels]
    return float(np.average(np.sqrt(np.einsum("ij,ij->i", gaps, gaps)), weights=bins.weights))


def shares(bins: Bins, labels: IntArray) -> FloatArray:
    """Each cluster's share of the counted pixels."""
    return np.bincount(labels, weights=bins.weights, minlength=int(labels.max()) + 1) / bins.weights.sum()
