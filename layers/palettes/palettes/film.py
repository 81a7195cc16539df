"""A film's palette: clustered from the union of its stills' colour summaries, through the same
steps as a still's palette (clustering, accents, merging, roles, names, text colours).

Each summary's centroids carry their pixel counts, so the film's palette stands for the pooled
pixels of all its stills: a still of twice the pixels weighs twice as much. A long film's centroids
are gathered into the 15-bit RGB bins a still's pixels go into, so a film of 10,000 stills costs
about what one still does from its bins on.
"""

from __future__ import annotations

from collections.abc import Sequence

from palettes import histogram
from palettes.colorspace import lab_to_din99o
from palettes.errors import NoUsablePixelsError
from palettes.extraction import palette_of_bins
from palettes.histogram import Bins
from palettes.model import Palette, SourceInfo
from palettes.params import ExtractParams
from palettes.summary import ColorSummary, union

FILM_FORMAT = "film"
# As many centroids as a still's histogram can have bins (about 1,000 stills' summaries): above it
# the centroids are gathered into those bins.
MAX_FILM_BINS = histogram.MAX_BINS


def film_palette(
    summaries: Sequence[ColorSummary], *, k: int = 6, seed: int = 0, accents: bool = True
) -> Palette:
    """The palette of a film from its stills' colour summaries (k-means in CIELAB, as a still's).

    Guarantees: those of :func:`palettes.extract` (at most ``k`` colours ordered by proportion,
    proportions summing to 1, no near-duplicates, small accents, roles), with proportions as shares
    of the stills' pooled counted pixels; the order of ``summaries`` does not matter, and the same
    summaries and options give the same palette. ``source`` has format ``"film"``, the number of
    stills and their counted pixels. Raises :class:`palettes.NoUsablePixelsError` when there is no
    summary and :class:`palettes.InvalidParameterError` for a bad ``k`` or ``seed``.
    """
    params = ExtractParams(k=k, seed=seed, accents=accents)
    if not summaries:
        raise NoUsablePixelsError("a film's palette needs the colour summary of at least one still")
    bins = pooled_bins(summaries)
    source = SourceInfo(
        key=None,
        width=None,
        height=None,
        format=FILM_FORMAT,
        counted_pixels=int(bins.weights.sum()),
        stills=len(summaries),
    )
    return palette_of_bins(bins, params, source)


def pooled_bins(summaries: Sequence[ColorSummary]) -> Bins:
    """The summaries' centroids as weighted bins with ``lab`` features, independent of the order of
    ``summaries``; past ``MAX_FILM_BINS`` centroids, gathered into a still's histogram bins
    (:func:`histogram.bin_colours`), so that time and memory stop growing with the film."""
    lab, weights = union(summaries)
    if len(lab) > MAX_FILM_BINS:
        return histogram.bin_colours(lab, weights)
    return Bins(lab=lab, features=lab_to_din99o(lab), weights=weights)
