"""Colour summaries: at most 32 centroids, a faithful stand-in for the still's pixels, their compact
encoding and its errors, and the summary a still's palette carries beside its document."""

from pathlib import Path

import numpy as np
import pytest

import palettes
from palettes import histogram
from palettes.clustering import kmeans, weighted_means
from palettes.colorspace import ciede2000, srgb_to_lab
from palettes.summary import (
    FORMAT_VERSION,
    MAX_CENTROIDS,
    MAX_ENCODED_BYTES,
    ColorSummary,
    InvalidSummaryError,
    combine,
    summarise,
)

STILLS = sorted((Path(__file__).resolve().parents[2] / "samples" / "stills").glob("*.jpg"))
QUANTISATION = 0.004  # a step of the encoding's a* and b* axes, the coarser ones


def _nearest_delta_e(pixels_lab: np.ndarray, centres: np.ndarray) -> np.ndarray:
    return np.min(np.stack([ciede2000(pixels_lab, centre) for centre in centres]), axis=0)


@pytest.fixture(scope="module", params=STILLS, ids=[path.stem for path in STILLS])
def still(request) -> tuple[np.ndarray, ColorSummary]:
    pixels = palettes.load_image(request.param).pixels
    bins = histogram.bin_pixels(pixels, "lab")
    return pixels, summarise(bins, bins.features)


def test_a_summary_has_at_most_32_centroids_standing_for_every_counted_pixel(still) -> None:
    pixels, summary = still
    assert 1 <= len(summary.lab) <= MAX_CENTROIDS
    assert summary.pixel_count == len(pixels)
    assert list(summary.weights) == sorted(summary.weights, reverse=True)


def test_the_summary_reconstructs_the_still_almost_as_well_as_k_means_to_32(still) -> None:
    # Mean CIEDE2000 from each pixel to its nearest centroid: the summary's cheap splitting against
    # the library's k-means on the same bins, and against the histogram bins themselves.
    pixels, summary = still
    bins = histogram.bin_pixels(pixels, "lab")
    labels = kmeans(bins.features, bins.weights, MAX_CENTROIDS, seed=0, median_steps=0)
    k_means_centres = weighted_means(bins.lab, bins.weights, labels, int(labels.max()) + 1)
    lab = srgb_to_lab(pixels)
    from_summary = float(_nearest_delta_e(lab, summary.lab).mean())
    from_k_means = float(_nearest_delta_e(lab, k_means_centres).mean())
    assert from_summary <= 1.1 * from_k_means
    assert from_summary <= 3.5


def test_the_same_bins_give_the_same_summary(still) -> None:
    pixels, summary = still
    bins = histogram.bin_pixels(pixels, "rgb")  # features of another space: DIN99o is computed
    assert summarise(bins) == summary


def test_bytes_round_trip_within_the_quantisation_and_weights_exactly(still) -> None:
    _, summary = still
    data = summary.to_bytes()
    assert data[0] == FORMAT_VERSION
    assert len(data) <= MAX_ENCODED_BYTES == 322
    decoded = ColorSummary.from_bytes(data)
    assert np.abs(decoded.lab - summary.lab).max() <= QUANTISATION / 2 + 1e-9
    assert np.array_equal(decoded.weights, summary.weights)
    assert decoded.pixel_count == summary.pixel_count
    assert ColorSummary.from_bytes(decoded.to_bytes()) == decoded


def test_a_single_colour_is_one_centroid() -> None:
    pixels = np.tile(np.array([[200, 30, 60]], dtype=np.uint8), (500, 1))
    summary = summarise(histogram.bin_pixels(pixels, "lab"))
    assert len(summary.lab) == 1
    assert summary.weights.tolist() == [500.0]
    assert np.allclose(summary.lab[0], srgb_to_lab(np.array([200, 30, 60], dtype=np.uint8)))
    assert len(summary.to_bytes()) == 12


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "at least 2 bytes"),
        (b"\x01", "at least 2 bytes"),
        (b"\x02\x01" + bytes(10), "unknown colour summary format version 2"),
        (b"\x01\x02" + bytes(10), "has 22 bytes, got 12"),
        (b"\x01\x01" + bytes(11), "has 12 bytes, got 13"),
        (b"\x01\x00", "1 to 32 centroids, got 0"),
        (b"\x01\x21" + bytes(330), "1 to 32 centroids, got 33"),
        (b"\x01\x01" + bytes(6) + b"\x00\x00\x00\x00", "whole numbers from 1"),
    ],
)
def test_malformed_bytes_raise_a_clear_error(data, message) -> None:
    with pytest.raises(InvalidSummaryError, match=message) as raised:
        ColorSummary.from_bytes(data)
    assert isinstance(raised.value, palettes.PaletteError)
    assert isinstance(raised.value, ValueError)
    assert raised.value.code == "invalid_summary"


@pytest.mark.parametrize(
    ("lab", "weights"),
    [
        (np.zeros((2, 3)), np.ones(3)),
        (np.zeros((2, 2)), np.ones(2)),
        (np.zeros((33, 3)), np.ones(33)),
        (np.full((1, 3), np.nan), np.ones(1)),
        (np.zeros((1, 3)), np.array([1.5])),
        (np.zeros((1, 3)), np.array([2.0**32])),
    ],
)
def test_an_impossible_summary_is_refused(lab, weights) -> None:
    with pytest.raises(InvalidSummaryError):
        ColorSummary(lab=lab, weights=weights)


def test_a_summary_is_immutable() -> None:
    summary = ColorSummary(lab=np.zeros((1, 3)), weights=np.ones(1))
    with pytest.raises(ValueError, match="read-only"):
        summary.lab[0, 0] = 5.0


def test_combine_keeps_every_pixel_whatever_the_order(still) -> None:
    _, summary = still
    other = ColorSummary(lab=np.array([[50.0, 60.0, -20.0], [90.0, 0.0, 0.0]]), weights=np.array([7.0, 3.0]))
    combined = combine([summary, other])
    assert len(combined.lab) <= MAX_CENTROIDS
    assert combined.pixel_count == summary.pixel_count + 10
    assert combine([other, summary]) == combined


def test_a_still_palette_carries_its_summary_outside_its_document(sample_still) -> None:
    palette = palettes.extract(sample_still)
    assert isinstance(palette.summary, palettes.ColorSummary)
    assert palette.summary.pixel_count == palette.source.counted_pixels
    document = palette.to_dict()
    assert "summary" not in document
    assert list(document["source"]) == ["key", "width", "height", "format", "counted_pixels"]
    # Palettes compare equal without their summaries.
    assert palette == palettes.extract(sample_still)
