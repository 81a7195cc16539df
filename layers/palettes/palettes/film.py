"""A film's palette: clustered from the union of its stills' colour summaries, through the same
steps as a still's palette (clustering, accents, merging, roles, names, text colours).

Each summary's centroids carry their pixel counts, so the film's palette stands for the pooled
pixels of all its stills: a still of twice the pixels weighs twice as much.
"""

from __future__ import annotations

from collections.abc import Sequence

from palettes.colorspace import lab_to_din99o
from palettes.errors import NoUsablePixelsError
from palettes.extraction import palette_of_bins
from palettes.histogram import Bins
from palettes.model import Palette, SourceInfo
from palettes.params import ExtractParams
from palettes.summary import ColorSummary, union

FILM_FORMAT = "film"


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
    """The summaries' centroids as weighted bins in the ``lab`` clustering space (DIN99o), in an
    order independent of the order of ``summaries``."""
    lab, weights = union(summaries)
    return Bins(lab=lab, features=lab_to_din99o(lab), weights=weights)
