"""Hypothesis property tests of the palette guarantees, for every method and space."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import palettes
from palettes.colorspace import ciede2000
from palettes.extraction import palette_of_pixels
from palettes.merging import NEAR_DUPLICATE_DELTA_E
from palettes.model import SourceInfo

SOURCE = SourceInfo(key=None, width=1, height=1, format="test", counted_pixels=0)

# Images as a few colours repeated (like real stills, few distinct colours) or pure noise.
few_colours = st.integers(1, 12).flatmap(
    lambda n: st.tuples(
        arrays(np.uint8, (n, 3)),
        arrays(np.intp, st.integers(1, 400), elements=st.integers(0, n - 1)),
    ).map(lambda pair: pair[0][pair[1]])
)
noise = arrays(np.uint8, st.tuples(st.integers(1, 2000), st.just(3)))
options = st.fixed_dictionaries(
    {
        "k": st.integers(1, 32),
        "method": st.sampled_from(palettes.METHODS),
        "space": st.sampled_from(palettes.SPACES),
        "accents": st.booleans(),
        "seed": st.integers(0, 2**31),
    }
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pixels=st.one_of(few_colours, noise), chosen=options)
def test_palette_invariants(pixels, chosen) -> None:
    params = palettes.ExtractParams(**chosen)
    palette = palette_of_pixels(pixels, params, SOURCE)
    colors = palette.colors

    assert 1 <= len(colors) <= params.k
    assert len(colors) <= len(np.unique(pixels, axis=0))
    assert abs(sum(color.proportion for color in colors) - 1.0) < 1e-9
    assert all(0 < color.proportion <= 1 for color in colors)
    assert [color.proportion for color in colors] == sorted(
        (color.proportion for color in colors), reverse=True
    )
    for color in colors:
        assert all(isinstance(channel, int) and 0 <= channel <= 255 for channel in color.rgb)
        assert color.hex == "#{:02x}{:02x}{:02x}".format(*color.rgb)
    lab = np.array([color.lab for color in colors])
    if len(lab) > 1:
        distances = ciede2000(lab[:, None, :], lab[None, :, :])
        assert distances[~np.eye(len(lab), dtype=bool)].min() >= NEAR_DUPLICATE_DELTA_E
    assert palette_of_pixels(pixels.copy(), params, SOURCE) == palette


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=512))
def test_loader_never_crashes_on_arbitrary_bytes(data) -> None:
    try:
        palettes.extract(data)
    except palettes.PaletteError:
        pass


@settings(max_examples=60, deadline=None)
@given(
    cut=st.integers(0, 2000), flips=st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 255)), max_size=8)
)
def test_loader_survives_damaged_real_images(cut, flips, sample_still_bytes) -> None:
    data = bytearray(sample_still_bytes[: len(sample_still_bytes) - cut])
    for position, value in flips:
        if position < len(data):
            data[position] = value
    try:
        palette = palettes.extract(bytes(data))
    except palettes.PaletteError:
        return
    assert 1 <= len(palette.colors) <= 6
