"""A film's palette from its stills' summaries: close to a still's own palette for one still,
faithful to the pooled pixels for many, deterministic, and a source that says it is a film."""

from pathlib import Path

import numpy as np
import pytest

import palettes
from palettes.colorspace import ciede2000, srgb_to_lab
from palettes.extraction import palette_of_pixels
from palettes.film import MAX_FILM_BINS, film_palette, pooled_bins
from palettes.merging import NEAR_DUPLICATE_DELTA_E
from palettes.model import ROLE_NAMES, Palette, SourceInfo
from palettes.summary import ColorSummary

STILLS = sorted((Path(__file__).resolve().parents[2] / "samples" / "stills").glob("*.jpg"))


def _lab(palette: Palette) -> np.ndarray:
    return srgb_to_lab(np.array([color.rgb for color in palette.colors], dtype=np.uint8))


def _reconstruction(pixels_lab: np.ndarray, palette: Palette) -> float:
    """Mean CIEDE2000 from each pixel to its nearest palette colour."""
    return float(np.min(np.stack([ciede2000(pixels_lab, colour) for colour in _lab(palette)]), axis=0).mean())


@pytest.fixture(scope="module")
def stills() -> list[tuple[np.ndarray, Palette]]:
    """Each sample still's analysed pixels and its palette (with its summary)."""
    found = []
    for path in STILLS:
        pixels = palettes.load_image(path).pixels
        source = SourceInfo(key=path.name, width=1, height=1, format="JPEG", counted_pixels=len(pixels))
        found.append((pixels, palette_of_pixels(pixels, palettes.ExtractParams(), source)))
    return found


def _summaries(stills) -> list[ColorSummary]:
    return [ColorSummary.from_bytes(palette.summary.to_bytes()) for _, palette in stills]


@pytest.mark.parametrize("index", range(len(STILLS)), ids=[path.stem for path in STILLS])
def test_the_film_palette_of_one_still_is_close_to_the_still_palette(stills, index) -> None:
    pixels, still = stills[index]
    film = film_palette(_summaries([stills[index]]))
    # Each still colour, weighted by its share, lies near a colour of the film palette: the large
    # colours match closely; small accents may move (32 centroids blur a region of 1%).
    nearest = ciede2000(_lab(still)[:, None, :], _lab(film)[None, :, :]).min(axis=1)
    shares = np.array([color.proportion for color in still.colors])
    assert float(shares @ nearest) < 5.0
    assert nearest[0] < 5.0
    # ... and it stands for the still's pixels about as well as the still's own palette.
    lab = srgb_to_lab(pixels)
    assert _reconstruction(lab, film) <= 1.15 * _reconstruction(lab, still)


def test_the_film_palette_of_many_stills_stands_for_their_pooled_pixels(stills) -> None:
    film = film_palette(_summaries(stills))
    pooled = np.concatenate([pixels for pixels, _ in stills])
    source = SourceInfo(key=None, width=None, height=None, format="mosaic", counted_pixels=len(pooled))
    direct = palette_of_pixels(pooled, palettes.ExtractParams(), source)
    lab = srgb_to_lab(pooled[::3])
    assert _reconstruction(lab, film) <= 1.05 * _reconstruction(lab, direct)


def test_the_film_palette_keeps_the_guarantees_of_a_still_palette(stills) -> None:
    film = film_palette(_summaries(stills), k=8)
    assert 1 <= len(film.colors) <= 8
    assert abs(sum(color.proportion for color in film.colors) - 1.0) < 1e-9
    assert [color.proportion for color in film.colors] == sorted(
        (color.proportion for color in film.colors), reverse=True
    )
    lab = _lab(film)
    distances = ciede2000(lab[:, None, :], lab[None, :, :])
    assert distances[np.triu_indices(len(lab), k=1)].min() >= NEAR_DUPLICATE_DELTA_E
    assert all(color.name and color.xkcd_name and color.basic for color in film.colors)
    assert film.roles.dominant.color == film.colors[0]
    assert set(film.to_dict()["roles"]) == set(ROLE_NAMES)


def test_the_film_source_says_what_it_stands_for(stills) -> None:
    summaries = _summaries(stills)
    film = film_palette(summaries)
    assert film.summary is None
    assert film.source.to_dict() == {
        "key": None,
        "width": None,
        "height": None,
        "format": "film",
        "counted_pixels": sum(len(pixels) for pixels, _ in stills),
        "stills": len(stills),
    }
    assert film.to_dict()["params"] == palettes.ExtractParams().as_kwargs()


def test_the_same_summaries_give_the_same_palette_in_any_order(stills) -> None:
    summaries = _summaries(stills)
    first = film_palette(summaries, seed=3)
    assert film_palette(summaries[::-1], seed=3).to_dict() == first.to_dict()
    assert film_palette(summaries[2:] + summaries[:2], seed=3) == first


def test_no_summaries_is_a_clear_error() -> None:
    with pytest.raises(palettes.NoUsablePixelsError, match="at least one still"):
        film_palette([])


@pytest.mark.parametrize("options", [{"k": 0}, {"k": 33}, {"seed": -1}, {"accents": "yes"}])
def test_bad_options_are_refused(stills, options) -> None:
    with pytest.raises(palettes.InvalidParameterError):
        film_palette(_summaries(stills[:1]), **options)


def test_film_palette_is_exported_lazily() -> None:
    assert palettes.film_palette is film_palette


def test_a_long_film_is_gathered_into_a_still_histogram_bins(stills) -> None:
    # Over 32,768 centroids (about 1,000 stills), the union goes into the 15-bit bins a still's
    # pixels go into: bounded work, every pixel kept, and the palette as faithful as without.
    rng = np.random.default_rng(0)
    base = _summaries(stills)
    many = [
        ColorSummary(
            lab=summary.lab + rng.uniform(-0.5, 0.5, summary.lab.shape) * [0, 1, 1], weights=summary.weights
        )
        for summary in base * 200
    ]
    bins = pooled_bins(many)
    assert len(bins.weights) <= MAX_FILM_BINS < sum(len(summary.lab) for summary in many)
    assert bins.weights.sum() == sum(summary.pixel_count for summary in many)
    film = film_palette(many)
    assert film_palette(many[::-1]) == film
    pooled = np.concatenate([pixels for pixels, _ in stills])
    lab = srgb_to_lab(pooled[::3])
    assert _reconstruction(lab, film) <= 1.05 * _reconstruction(lab, film_palette(base))
