"""Palette extraction: accents, hue as an angle, fewer colours than k, filters, options, determinism."""

import numpy as np
import pytest
from PIL import Image

import palettes
from palettes.colorspace import ciede2000, srgb_to_lab
from palettes.merging import NEAR_DUPLICATE_DELTA_E
from tests.unit.images import encode, graded_frame_with_accents, solid

CRIMSON = (220, 20, 60)
VIVID_GREEN = (40, 200, 60)


def _nearest_delta_e(palette, rgb) -> float:
    lab = srgb_to_lab(np.array([color.rgb for color in palette.colors], dtype=np.uint8))
    return float(ciede2000(lab, srgb_to_lab(np.array(rgb, dtype=np.uint8))).min())


@pytest.fixture(scope="module")
def graded_still() -> bytes:
    return encode(Image.fromarray(graded_frame_with_accents([(CRIMSON, 0.006), (VIVID_GREEN, 0.01)])), "PNG")


def test_small_accents_earn_a_place(graded_still) -> None:
    palette = palettes.extract(graded_still)
    for accent in (CRIMSON, VIVID_GREEN):
        assert _nearest_delta_e(palette, accent) < 5
    accents = [color for color in palette.colors if color.accent]
    assert {color.rgb for color in accents} >= {CRIMSON, VIVID_GREEN}
    assert all(color.proportion < 0.02 for color in accents)


def test_plain_clustering_loses_the_smaller_accent(graded_still) -> None:
    # The weakness of the original project that accents fix: the 0.6% crimson patch is lost.
    plain = palettes.extract(graded_still, accents=False)
    assert _nearest_delta_e(plain, CRIMSON) > 15


def test_accents_do_not_give_up_the_frame(graded_still) -> None:
    pixels = palettes.load_image(graded_still).pixels
    lab = srgb_to_lab(pixels)

    def mean_error(palette) -> float:
        colours = srgb_to_lab(np.array([color.rgb for color in palette.colors], dtype=np.uint8))
        return float(ciede2000(lab[:, None, :], colours[None, :, :]).min(axis=1).mean())

    with_accents = mean_error(palettes.extract(graded_still))
    without = mean_error(palettes.extract(graded_still, accents=False))
    assert with_accents < without * 1.25


@pytest.mark.parametrize("method", palettes.METHODS)
@pytest.mark.parametrize("space", palettes.SPACES)
def test_a_saturated_colour_above_five_percent_keeps_its_place_but_is_no_accent(method, space) -> None:
    # The accent search rescues the pink patch (6% of the frame) in RGB; it stays, as a colour of the look.
    pink, green = (249, 106, 128), (130, 233, 49)
    frame = graded_frame_with_accents([(pink, 0.061), (green, 0.0695)], width=320, height=180, seed=48)
    palette = palettes.extract(encode(Image.fromarray(frame), "PNG"), method=method, space=space)
    assert _nearest_delta_e(palette, pink) < 5
    assert all(color.proportion <= 0.05 for color in palette.colors if color.accent)


def test_no_false_accent_on_a_plain_gradient() -> None:
    still = encode(Image.fromarray(graded_frame_with_accents([])), "PNG")
    assert not any(color.accent for color in palettes.extract(still).colors)


def test_hsv_clustering_averages_hue_as_an_angle() -> None:
    # Reds at hue 350° and 10°: a plain average of hues would give 180° (cyan).
    image = Image.new("RGB", (40, 20))
    image.paste((230, 0, 38), (0, 0, 20, 20))  # hue ~350°
    image.paste((230, 38, 0), (20, 0, 40, 20))  # hue ~10°
    palette = palettes.extract(encode(image, "PNG"), k=1, space="hsv")
    hue = palette.colors[0].hsv[0]
    assert min(hue, 360 - hue) < 5
    red, green, blue = palette.colors[0].rgb
    assert red > 200 and green < 40 and blue < 40


def test_fewer_distinct_colours_than_k_gives_fewer_and_no_duplicates() -> None:
    image = Image.new("RGB", (30, 10))
    for index, rgb in enumerate([(250, 0, 0), (0, 0, 250), (0, 200, 0)]):
        image.paste(rgb, (index * 10, 0, index * 10 + 10, 10))
    for method in palettes.METHODS:
        palette = palettes.extract(encode(image, "PNG"), k=12, method=method)  # type: ignore[arg-type]
        assert sorted(color.rgb for color in palette.colors) == [(0, 0, 250), (0, 200, 0), (250, 0, 0)]
        assert [color.proportion for color in palette.colors] == pytest.approx([1 / 3] * 3)


def test_near_duplicates_are_merged() -> None:
    image = Image.new("RGB", (20, 10))
    image.paste((100, 100, 100), (0, 0, 10, 10))
    image.paste((104, 102, 100), (10, 0, 20, 10))  # CIEDE2000 about 1.5 from the first
    palette = palettes.extract(encode(image, "PNG"), k=2)
    assert len(palette.colors) == 1


def test_brightness_filter_leaves_out_dark_and_light_pixels() -> None:
    image = Image.new("RGB", (30, 10), (0, 0, 0))
    image.paste((255, 255, 255), (0, 0, 10, 10))
    image.paste((40, 120, 200), (10, 0, 20, 10))
    palette = palettes.extract(encode(image, "PNG"), min_brightness=0.1, max_brightness=0.9)
    assert [color.rgb for color in palette.colors] == [(40, 120, 200)]
    assert palette.source.counted_pixels == 100


def test_brightness_filter_that_leaves_nothing_is_an_error() -> None:
    with pytest.raises(palettes.NoUsablePixelsError, match="brightness"):
        palettes.extract(encode(solid((0, 0, 0)), "PNG"), min_brightness=0.2)


@pytest.mark.parametrize(
    "options",
    [
        {"k": 0},
        {"k": 33},
        {"k": 2.5},
        {"method": "dbscan"},
        {"space": "xyz"},
        {"min_brightness": -0.1},
        {"max_brightness": 1.5},
        {"min_brightness": 0.6, "max_brightness": 0.4},
        {"seed": -1},
        {"seed": 2**32},
        {"seed": 10**38},  # 39 digits: more than a DynamoDB number holds
        {"seed": 10**5000},  # more digits than Python writes out
        {"seed": 1.0},
        {"min_brightness": 1e-200},  # below the smallest DynamoDB number
        {"min_brightness": float("nan")},
        {"max_brightness": float("inf")},
        {"method": "x" * 10_000},
    ],
)
def test_bad_options_are_refused_before_any_work(options) -> None:
    with pytest.raises(palettes.InvalidParameterError) as caught:
        palettes.extract(b"not even an image", **options)
    assert len(str(caught.value)) < 200


def test_options_at_their_bounds_are_accepted() -> None:
    params = palettes.ExtractParams(k=32, seed=2**32 - 1, min_brightness=1e-6, max_brightness=1)
    assert params.as_kwargs()["seed"] == 4_294_967_295
    assert palettes.ExtractParams(k=1, seed=0, min_brightness=0, max_brightness=1e-6).k == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"seed": "4294967296"}, "seed must be a whole number from 0 to 4294967295, got 4294967296"),
        ({"seed": "9" * 39}, "seed must be a whole number from 0 to 4294967295, got a number of 39 digits"),
        ({"seed": "1" * 5000}, "seed must be a whole number from 0 to 4294967295, got '1111"),
        ({"seed": "-1"}, "seed must be a whole number from 0 to 4294967295, got -1"),
        ({"k": "1e3"}, "k must be a whole number from 1 to 32, got '1e3'"),
        ({"min-brightness": "1e-200"}, "min_brightness must be 0 or at least 1e-06"),
        ({"max_brightness": "inf"}, "max_brightness must be a number from 0 to 1, got 'inf'"),
    ],
)
def test_options_from_strings_out_of_bounds_say_which_bound(options, message) -> None:
    with pytest.raises(palettes.InvalidParameterError, match=message) as caught:
        palettes.ExtractParams.from_strings(options)
    assert len(str(caught.value)) < 200


def test_options_from_strings_at_their_bounds() -> None:
    params = palettes.ExtractParams.from_strings(
        {"seed": "4294967295", "k": "32", "min-brightness": "0.000001"}
    )
    assert (params.seed, params.k, params.min_brightness) == (2**32 - 1, 32, 1e-6)


def test_options_from_strings() -> None:
    params = palettes.ExtractParams.from_strings(
        {"k": "8", "Method": "agglomerative", "space": "HSV", "min-brightness": "0.1", "accents": "no"}
    )
    assert params == palettes.ExtractParams(
        k=8, method="agglomerative", space="hsv", min_brightness=0.1, accents=False
    )
    for bad in ({"k": "six"}, {"accents": "maybe"}, {"colour": "red"}, {"max_brightness": "nan"}):
        with pytest.raises(palettes.InvalidParameterError):
            palettes.ExtractParams.from_strings(bad)


@pytest.mark.parametrize("method", ["kmeans", "agglomerative"])
@pytest.mark.parametrize("space", ["lab", "rgb", "hsv"])
def test_every_method_and_space_on_a_real_photo(method, space, sample_still) -> None:
    palette = palettes.extract(sample_still, method=method, space=space)
    assert 3 <= len(palette.colors) <= 6
    assert sum(color.proportion for color in palette.colors) == pytest.approx(1.0)
    assert palette.to_dict() == palettes.extract(sample_still, method=method, space=space).to_dict()
    lab = np.array([color.lab for color in palette.colors])
    distances = ciede2000(lab[:, None, :], lab[None, :, :])
    assert distances[~np.eye(len(lab), dtype=bool)].min() >= NEAR_DUPLICATE_DELTA_E


V1_COLOR_FIELDS = {"hex", "rgb", "hsv", "lab", "proportion", "name", "accent"}


def test_document_shape(sample_still) -> None:
    document = palettes.extract(sample_still, source_key="stills/film/a.jpg").to_dict()
    assert document["schema_version"] == 2
    assert set(document) == {"schema_version", "source", "params", "colors", "roles", "coolors_url"}
    assert document["source"]["key"] == "stills/film/a.jpg"
    assert document["params"]["k"] == 6
    first = document["colors"][0]
    assert set(first) == V1_COLOR_FIELDS | {"xkcd_name", "basic", "text"}
    assert set(first["text"]) == {"hex", "contrast"}
    proportions = [color["proportion"] for color in document["colors"]]
    assert proportions == sorted(proportions, reverse=True)
    assert document["coolors_url"].startswith("https://coolors.co/")
    assert list(document["roles"]) == list(palettes.ROLE_NAMES)
    assert document["roles"]["dominant"] == {
        **{key: value for key, value in first.items() if key != "accent"},
        "in_palette": True,
    }
    for role in filter(None, document["roles"].values()):
        assert set(role) == (V1_COLOR_FIELDS - {"accent"}) | {"xkcd_name", "basic", "text", "in_palette"}
