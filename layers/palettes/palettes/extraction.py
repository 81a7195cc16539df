"""From an image to its palette: counted pixels, histogram bins, clustering, accents, merging,
refinement, then the palette's colours and roles, each named and given a readable text colour. A
film's palette (:mod:`palettes.film`) runs the same steps from the bins on.

The steps live in their own modules (:mod:`palettes.histogram`, :mod:`palettes.methods`,
:mod:`palettes.accents`, :mod:`palettes.merging`, :mod:`palettes.refinement`, :mod:`palettes.roles`,
:mod:`palettes.names`, :mod:`palettes.basic_colors`, :mod:`palettes.contrast`); this one runs them
in order.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

from palettes import histogram
from palettes.accents import accent_min_chroma, flagged, with_accents
from palettes.basic_colors import basic_color_term
from palettes.clustering import FloatArray, IntArray
from palettes.colorspace import lightness, rgb_to_hsv, srgb_to_lab
from palettes.errors import NoUsablePixelsError
from palettes.histogram import Bins
from palettes.loading import DEFAULT_MAX_PIXELS, ImageSource, load_image
from palettes.merging import merge_near_duplicates
from palettes.methods import CLUSTERERS
from palettes.model import Palette, PaletteColor, Role, Roles, SourceInfo
from palettes.names import nearest_names
from palettes.params import ExtractParams, Method, Space
from palettes.refinement import refine_frame_colours
from palettes.roles import RoleChoice, choose_roles
from palettes.summary import ColorSummary, summarise
from palettes.text_colors import readable_text_colors


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
    """The palette of an (N, 3) uint8 array of counted sRGB pixels (the guarantees of :func:`extract`),
    with the colour summary of the pixels (:mod:`palettes.summary`) that a film's palette is made from."""
    bins = histogram.bin_pixels(pixels, params.space)
    summary = summarise(bins, bins.features if params.space == "lab" else None)
    return palette_of_bins(bins, params, source, summary=summary)


def palette_of_bins(
    bins: Bins, params: ExtractParams, source: SourceInfo, *, summary: ColorSummary | None = None
) -> Palette:
    """The palette of weighted colours (a still's histogram bins, or the centroids of a film's
    summaries), with ``bins.features`` in ``params.space``: the guarantees of :func:`extract`."""
    clusterer = CLUSTERERS[params.method]
    labels = clusterer.cluster(bins.features, bins.weights, params.k, seed=params.seed)
    accent_labels: set[int] = set()
    min_chroma = accent_min_chroma(bins)
    if params.accents:
        labels, accent_labels = with_accents(bins, labels, params, clusterer, min_chroma)
    labels, accent_labels = merge_near_duplicates(bins, labels, accent_labels, params, clusterer)
    labels, accent_labels = refine_frame_colours(
        bins, labels, accent_labels, params, min_chroma if params.accents else None
    )
    rgb, proportions, accent = _palette_colours(
        bins, labels, accent_labels, params.space, min_chroma if params.accents else None
    )
    colors, roles = _colors_and_roles(bins, rgb, proportions, accent)
    return Palette(colors=colors, source=source, params=params, roles=roles, summary=summary)


def _palette_colours(
    bins: Bins, labels: IntArray, accent_labels: set[int], space: Space, min_chroma: float | None
) -> tuple[IntArray, FloatArray, list[bool]]:
    """The palette's colours as 8-bit sRGB, their proportions and whether each is an accent, largest
    first; with ``min_chroma`` (accents on), the accents flagged (see :func:`palettes.accents.flagged`)."""
    count = int(labels.max()) + 1
    rgb = np.clip(np.rint(histogram.cluster_colours(bins, labels, space)), 0, 255).astype(np.intp)
    weights = np.bincount(labels, weights=bins.weights, minlength=count)
    proportions = weights / weights.sum()
    if min_chroma is not None:
        accent_labels = flagged(accent_labels, srgb_to_lab(rgb.astype(np.uint8)), proportions, min_chroma)
    order = sorted(range(count), key=lambda i: (-proportions[i], "#{:02x}{:02x}{:02x}".format(*rgb[i])))
    return rgb[order], proportions[order], [i in accent_labels for i in order]


def _colors_and_roles(
    bins: Bins, rgb: IntArray, proportions: FloatArray, accent: list[bool]
) -> tuple[tuple[PaletteColor, ...], Roles]:
    """The palette's colours and its roles, all described at once (names, terms, text colours)."""
    choices = choose_roles(bins, rgb, proportions)
    outside = [choice for choice in choices.values() if choice is not None and choice.palette_index is None]
    described = _described(
        np.concatenate([rgb, np.array([choice.rgb for choice in outside], dtype=np.intp).reshape(-1, 3)]),
        np.concatenate([proportions, [choice.share for choice in outside]]),
        [*accent, *(False for _ in outside)],
        palette=rgb,
    )
    colors = tuple(described[: len(rgb)])
    return colors, _roles(choices, colors, iter(described[len(rgb) :]))


def _described(
    rgb: IntArray, proportions: FloatArray, accent: list[bool], *, palette: IntArray
) -> list[PaletteColor]:
    """Colours with their names, basic colour terms and text colours (tints and shades of ``palette``)."""
    lab = srgb_to_lab(rgb.astype(np.uint8))
    hsv = rgb_to_hsv(rgb)
    css_names, xkcd_names = nearest_names(lab)
    texts = readable_text_colors(rgb, palette)
    described = []
    for i in range(len(rgb)):
        colour = (int(rgb[i, 0]), int(rgb[i, 1]), int(rgb[i, 2]))
        described.append(
            PaletteColor(
                rgb=colour,
                hsv=(float(hsv[i, 0]), float(hsv[i, 1]), float(hsv[i, 2])),
                lab=(float(lab[i, 0]), float(lab[i, 1]), float(lab[i, 2])),
                proportion=float(proportions[i]),
                name=css_names[i],
                accent=accent[i],
                xkcd_name=xkcd_names[i],
                basic=basic_color_term(lab[i]),
                text=texts[i],
            )
        )
    return described


def _roles(
    choices: dict[str, RoleChoice | None], colors: tuple[PaletteColor, ...], outside: Iterator[PaletteColor]
) -> Roles:
    """The roles: a palette colour, or the next of the ``outside`` colours, described in choice order."""
    roles: dict[str, Role | None] = {}
    for name, choice in choices.items():
        if choice is None:
            roles[name] = None
        elif choice.palette_index is not None:
            roles[name] = Role(colors[choice.palette_index], in_palette=True)
        else:
            roles[name] = Role(next(outside), in_palette=False)
    dominant = roles.pop("dominant")
    assert dominant is not None  # the largest palette colour, always
    return Roles(dominant=dominant, **roles)
