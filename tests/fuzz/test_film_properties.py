"""Hypothesis properties of colour summaries, film palettes and barcodes: encodings round trip or
fail cleanly, a film palette does not depend on the order of its stills, a barcode paints only its
stripes' colours, one still per column as documented."""

import io

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image

import palettes
from palettes import histogram
from palettes.barcode import MAX_HEIGHT, render_barcode
from palettes.colorspace import srgb_to_lab
from palettes.film import film_palette
from palettes.summary import MAX_CENTROIDS, ColorSummary, InvalidSummaryError, summarise

# Summaries as a still's would be: centroids are colours of sRGB (CIELAB of random 8-bit colours),
# weights pixel counts.
summaries = st.integers(1, MAX_CENTROIDS).flatmap(
    lambda n: st.builds(
        lambda rgb, weights: ColorSummary(lab=srgb_to_lab(rgb), weights=weights.astype(np.float64)),
        arrays(np.uint8, (n, 3)),
        arrays(np.int64, n, elements=st.integers(1, 200_000)),
    )
)
rgb = st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255))


def _one_byte_changed(data: bytes) -> st.SearchStrategy[bytes]:
    return st.tuples(st.integers(0, len(data) - 1), st.integers(0, 255)).map(
        lambda change: data[: change[0]] + bytes([change[1]]) + data[change[0] + 1 :]
    )


stripes = st.lists(
    st.lists(st.tuples(rgb, st.floats(0.001, 1.0)), min_size=1, max_size=8), min_size=1, max_size=40
)


@settings(max_examples=200, deadline=None)
@given(summary=summaries)
def test_a_summary_round_trips_through_its_bytes(summary) -> None:
    data = summary.to_bytes()
    assert len(data) == 2 + 10 * len(summary.lab) <= 322
    decoded = ColorSummary.from_bytes(data)
    assert np.abs(decoded.lab - summary.lab).max() <= 0.0021
    assert np.array_equal(decoded.weights, summary.weights)


@settings(max_examples=300, deadline=None)
@given(
    data=st.one_of(st.binary(max_size=400), summaries.map(ColorSummary.to_bytes).flatmap(_one_byte_changed))
)
def test_any_bytes_decode_to_a_valid_summary_or_a_clear_error(data) -> None:
    try:
        summary = ColorSummary.from_bytes(data)
    except InvalidSummaryError as error:
        assert str(error)
        return
    assert 1 <= len(summary.lab) <= MAX_CENTROIDS
    assert np.isfinite(summary.lab).all()
    assert (summary.weights >= 1).all()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pixels=arrays(np.uint8, st.tuples(st.integers(1, 3000), st.just(3))))
def test_a_summary_of_any_pixels_stands_for_all_of_them(pixels) -> None:
    summary = summarise(histogram.bin_pixels(pixels, "lab"))
    assert 1 <= len(summary.lab) <= min(MAX_CENTROIDS, len(np.unique(pixels, axis=0)))
    assert summary.pixel_count == len(pixels)
    lab = srgb_to_lab(pixels)
    assert (summary.lab.min(axis=0) >= lab.min(axis=0) - 1e-6).all()  # means lie within the pixels
    assert (summary.lab.max(axis=0) <= lab.max(axis=0) + 1e-6).all()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    films=st.lists(summaries, min_size=1, max_size=6),
    data=st.data(),
    k=st.integers(1, 10),
    accents=st.booleans(),
)
def test_a_film_palette_does_not_depend_on_the_order_of_its_stills(films, data, k, accents) -> None:
    palette = film_palette(films, k=k, accents=accents)
    shuffled = data.draw(st.permutations(films))
    assert film_palette(shuffled, k=k, accents=accents).to_dict() == palette.to_dict()
    assert 1 <= len(palette.colors) <= k
    assert abs(sum(color.proportion for color in palette.colors) - 1.0) < 1e-9
    assert palette.source.counted_pixels == sum(summary.pixel_count for summary in films)
    assert palette.source.stills == len(films)


@settings(max_examples=80, deadline=None)
@given(
    stripes=stripes,
    style=st.sampled_from(palettes.BARCODE_STYLES),
    width=st.one_of(st.none(), st.integers(1, 300)),
    height=st.integers(1, 64) | st.just(MAX_HEIGHT),
)
def test_a_barcode_paints_each_column_with_its_still_colours(stripes, style, width, height) -> None:
    with Image.open(io.BytesIO(render_barcode(stripes, style=style, width=width, height=height))) as image:
        pixels = np.asarray(image.convert("RGB"))
    columns = pixels.shape[1]
    assert pixels.shape[0] == height
    assert width is None or columns == width
    codes = (pixels[..., 0].astype(np.int64) << 16) | (pixels[..., 1].astype(np.int64) << 8) | pixels[..., 2]
    for x in range(columns):
        stripe = stripes[x * len(stripes) // columns]
        allowed = [stripe[0][0]] if style == "dominant" else [colour for colour, _ in stripe]
        assert set(np.unique(codes[:, x]).tolist()) <= {(r << 16) | (g << 8) | b for r, g, b in allowed}
