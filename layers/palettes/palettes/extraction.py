"""From an image to its palette: counted pixels, histogram bins, clustering, accents, merging,
then the palette's colours.

The steps live in their own modules (:mod:`palettes.histogram`, :mod:`palettes.methods`,
:mod:`palettes.accents`, :mod:`palettes.merging`); this one runs them in order.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from palettes import histogram
from palettes.accents import accent_min_chroma, flagged, with_accents
from palettes.clustering import IntArray
from palettes.colorspace import lightness, rgb_to_hsv, srgb_to_lab
from palettes.errors import NoUsablePixelsError
from palettes.histogram import Bins
from palettes.loading import DEFAULT_MAX_PIXELS, ImageSource, load_image
from palettes.merging import merge_near_duplicates
from palettes.methods import CLUSTERERS
from palettes.model import Palette, PaletteColor, SourceInfo
from palettes.names import nearest_css_names
from palettes.params import ExtractParams, Method, Space


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
    valid 8-bit sRGB value; no two colours are closer than CIEDE2000 5; a colour flagged as an
    accent covers at most 5% of the counted pixels; the same input and options give the same
    palette. Raises a :class:`palettes.PaletteError` subclass for bad input.
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
    """The pixels within the brightness bounds."""
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
    """The palette of an (N, 3) uint8 array of counted sRGB pixels (the guarantees of :func:`extract`)."""
    bins = histogram.bin_pixels(pixels, params.space)
    clusterer = CLUSTERERS[params.method]
    labels = clusterer.cluster(bins.features, bins.weights, params.k, seed=params.seed)
    accent_labels: set[int] = set()
    min_chroma = accent_min_chroma(bins)
    if params.accents:
        labels, accent_labels = with_accents(bins, labels, params, clusterer, min_chroma)
    labels, accent_labels = merge_near_duplicates(bins, labels, accent_labels, params, clusterer)
    colors = _colors(bins, labels, accent_labels, params.space, min_chroma if params.accents else None)
    return Palette(colors=colors, source=source, params=params)


def _colors(
    bins: Bins, labels: IntArray, accent_labels: set[int], space: Space, min_chroma: float | None
) -> tuple[PaletteColor, ...]:
    """The palette's colours, largest first; with ``min_chroma`` (accents on), the accents flagged
    (see :func:`palettes.accents.flagged`)."""
    count = int(labels.max()) + 1
    rgb = np.clip(np.rint(histogram.cluster_colours(bins, labels, space)), 0, 255).astype(np.uint8)
    weights = np.bincount(labels, weights=bins.weights, minlength=count)
    proportions = weights / weights.sum()
    lab = srgb_to_lab(rgb)
    hsv = rgb_to_hsv(rgb)
    names = nearest_css_names(lab)
    if min_chroma is not None:
        accent_labels = flagged(accent_labels, lab, proportions, min_chroma)
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
