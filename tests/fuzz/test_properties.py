"""Hypothesis property tests of the palette guarantees, for every method and space, and of the
options' bounds."""

import json
from decimal import Decimal
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import palettes
from palettes import histogram
from palettes.accents import ACCENT_MAX_SHARE, accent_min_chroma, flagged, with_accents
from palettes.basic_colors import BASIC_COLOR_TERMS, basic_color_term
from palettes.clustering import compact, median_error
from palettes.colorspace import chroma, ciede2000, lab_to_din99o, lab_to_srgb, srgb_to_lab
from palettes.contrast import MIN_CONTRAST, contrast_ratio
from palettes.extraction import palette_of_pixels
from palettes.merging import NEAR_DUPLICATE_DELTA_E, merge_near_duplicates, near_duplicate_pair
from palettes.methods import CLUSTERERS
from palettes.model import SourceInfo
from palettes.refinement import refine_frame_colours
from palettes.roles import DISTINCT_DISTANCE, ROLE_TARGETS

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
        "k": st.one_of(st.integers(2, 8), st.integers(1, 32)),
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


def _lch_to_rgb(lightness: float, hue: float, chroma: float) -> tuple[int, int, int]:
    angle = np.radians(hue)
    rgb = np.rint(lab_to_srgb([lightness, chroma * np.cos(angle), chroma * np.sin(angle)]))
    return (int(rgb[0]), int(rgb[1]), int(rgb[2]))


_saturated = st.builds(_lch_to_rgb, st.floats(35, 75), st.floats(0, 360), st.floats(45, 90))


@st.composite
def film_like_frames(draw: st.DrawFn) -> np.ndarray:
    """A muted, graded frame with one to four saturated patches of 0.2% to 12% each, some of them
    in nearly the same colour (two props of one red): accents, and colours too large to be one."""
    size = draw(st.integers(1500, 5000))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    ramp = np.linspace(0.0, 1.0, size)
    hue = np.radians(draw(st.floats(0, 360)))
    grade = np.stack([15 + 70 * ramp, 20 * np.cos(hue + 2 * ramp), 20 * np.sin(hue + 2 * ramp)], axis=1)
    pixels = np.clip(lab_to_srgb(grade) + rng.normal(0, 3, (size, 3)), 0, 255).astype(np.uint8)
    start = 0
    colour = draw(_saturated)
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            colour = draw(_saturated)
        end = min(size, start + int(size * draw(st.floats(0.002, 0.12))))
        noisy = np.array(colour) + rng.normal(0, draw(st.sampled_from([0.0, 4.0])), (end - start, 3))
        pixels[start:end] = np.clip(noisy, 0, 255).astype(np.uint8)
        start = end
    return pixels


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pixels=st.one_of(film_like_frames(), few_colours), chosen=options.map(lambda o: {**o, "accents": True})
)
def test_an_accent_covers_at_most_five_percent(pixels, chosen) -> None:
    palette = palette_of_pixels(pixels, palettes.ExtractParams(**chosen), SOURCE)
    for color in palette.colors:
        assert not color.accent or color.proportion <= ACCENT_MAX_SHARE


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pixels=st.one_of(film_like_frames(), few_colours, noise), chosen=options)
def test_refinement_keeps_accents_and_never_fits_the_frame_worse(pixels, chosen) -> None:
    params = palettes.ExtractParams(**{**chosen, "method": "kmeans"})
    bins = histogram.bin_pixels(pixels, params.space)
    clusterer = CLUSTERERS["kmeans"]
    labels = clusterer.cluster(bins.features, bins.weights, params.k, seed=params.seed)
    min_chroma = accent_min_chroma(bins) if params.accents else None
    accents: set[int] = set()
    if min_chroma is not None:
        labels, accents = with_accents(bins, labels, params, clusterer, min_chroma)
    labels, accents = merge_near_duplicates(bins, labels, accents, params, clusterer)

    refined, refined_accents = refine_frame_colours(bins, labels, accents, params, min_chroma)

    assert sorted(np.unique(refined)) == list(range(int(refined.max()) + 1)) and refined.max() < params.k
    assert {frozenset(np.flatnonzero(refined == a).tolist()) for a in refined_accents} == {
        frozenset(np.flatnonzero(labels == a).tolist()) for a in accents
    }
    outside, refined_outside = ~np.isin(labels, sorted(accents)), ~np.isin(refined, sorted(refined_accents))
    assert np.array_equal(outside, refined_outside)
    if outside.any():
        before = median_error(bins.features[outside], bins.weights[outside], compact(labels[outside]))
        after = median_error(bins.features[outside], bins.weights[outside], compact(refined[outside]))
        assert after <= before
    assert near_duplicate_pair(histogram.cluster_lab(bins, refined, params.space)) is None
    if min_chroma is not None:
        flags = _flagged_lab(bins, labels, accents, params.space, min_chroma)
        refined_flags = _flagged_lab(bins, refined, refined_accents, params.space, min_chroma)
        assert len(refined_flags) == len(flags)
        if len(flags):
            gaps = ciede2000(flags[:, None, :], refined_flags[None, :, :])
            assert gaps.min(axis=1).max() < NEAR_DUPLICATE_DELTA_E


def _flagged_lab(bins, labels, accents, space, min_chroma) -> np.ndarray:
    """CIELAB of the colours a palette made from these labels flags as accents."""
    lab = histogram.cluster_lab(bins, labels, space)
    return lab[sorted(flagged(accents, lab, histogram.shares(bins, labels), min_chroma))]


def _rgb(hex_code: str) -> tuple[int, int, int]:
    return int(hex_code[1:3], 16), int(hex_code[3:5], 16), int(hex_code[5:7], 16)


def _lab(entries: list[dict[str, Any]]) -> np.ndarray:
    return srgb_to_lab(np.array([entry["rgb"] for entry in entries], dtype=np.uint8).reshape(-1, 3))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pixels=st.one_of(film_like_frames(), few_colours, noise), chosen=options)
def test_every_colour_and_role_is_named_and_readable(pixels, chosen) -> None:
    """Every colour and role: one of the eleven basic terms (the one its colour gets), names, and
    a text colour with a WCAG contrast of at least 4.5 on it, written rounded down."""
    document = palette_of_pixels(pixels, palettes.ExtractParams(**chosen), SOURCE).to_dict()
    entries = [*document["colors"], *filter(None, document["roles"].values())]
    for entry, lab in zip(entries, _lab(entries), strict=True):
        assert entry["basic"] in BASIC_COLOR_TERMS
        assert entry["basic"] == basic_color_term(lab)
        assert entry["name"] and entry["xkcd_name"]
        ratio = contrast_ratio(_rgb(entry["text"]["hex"]), tuple(entry["rgb"]))
        assert MIN_CONTRAST <= entry["text"]["contrast"] <= ratio


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pixels=st.one_of(film_like_frames(), few_colours, noise), chosen=options)
def test_roles_keep_to_their_targets(pixels, chosen) -> None:
    """Every role is present or null; dominant is the largest colour; a role lies within its
    lightness and chroma ranges; a role from the palette is that colour with its proportion; one from
    outside is at least 5 (DIN99o) from every palette colour; no two roles but dominant are closer."""
    document = palette_of_pixels(pixels, palettes.ExtractParams(**chosen), SOURCE).to_dict()
    colors, roles = document["colors"], document["roles"]
    assert list(roles) == list(palettes.ROLE_NAMES)
    assert roles["dominant"] == {**{k: v for k, v in colors[0].items() if k != "accent"}, "in_palette": True}
    by_hex = {color["hex"]: color for color in colors}
    palette_din99o = lab_to_din99o(_lab(colors))
    chosen_din99o: list[np.ndarray] = []
    for name, target in ROLE_TARGETS.items():
        role = roles[name]
        if role is None:
            continue
        lab = _lab([role])[0]
        assert target.lightness[0] <= lab[0] <= target.lightness[2]
        assert target.chroma[0] <= chroma(lab) <= target.chroma[2]
        assert 0 < role["proportion"] <= 1
        if role["in_palette"]:
            assert by_hex[role["hex"]]["proportion"] == role["proportion"]
        else:
            assert np.linalg.norm(palette_din99o - lab_to_din99o(lab), axis=1).min() >= DISTINCT_DISTANCE
        for other in chosen_din99o:
            assert np.linalg.norm(other - lab_to_din99o(lab)) >= DISTINCT_DISTANCE
        chosen_din99o.append(lab_to_din99o(lab))


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


def _fits_a_dynamodb_number(value: Decimal) -> bool:
    """DynamoDB numbers: up to 38 significant digits, magnitude 1e-130 to below 1e126, or 0."""
    if value == 0:
        return True
    digits = len(value.normalize().as_tuple().digits)
    return digits <= 38 and Decimal("1e-130") <= abs(value) < Decimal("1e126")


@settings(max_examples=300, deadline=None)
@given(
    k=st.integers(-5, 40),
    seed=st.one_of(st.integers(-10, 2**33), st.integers(min_value=0)),
    min_brightness=st.floats(-1, 2) | st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True),
    max_brightness=st.floats(0, 2) | st.floats(allow_nan=True, allow_infinity=True),
)
def test_accepted_options_can_always_be_recorded(k, seed, min_brightness, max_brightness) -> None:
    try:
        params = palettes.ExtractParams(
            k=k, seed=seed, min_brightness=min_brightness, max_brightness=max_brightness
        )
    except palettes.InvalidParameterError as error:
        assert len(str(error)) < 200
        return
    # As the service writes them: JSON numbers, then Decimal for DynamoDB.
    recorded = json.loads(json.dumps(params.as_kwargs(), allow_nan=False), parse_float=Decimal)
    for value in recorded.values():
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            assert _fits_a_dynamodb_number(Decimal(value))
    assert (
        palettes.ExtractParams.from_strings({name: str(value) for name, value in recorded.items()}) == params
    )
