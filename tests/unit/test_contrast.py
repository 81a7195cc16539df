"""WCAG contrast, and readable text colours taken from the palette."""

import numpy as np
import pytest

from palettes.contrast import MIN_CONTRAST, TextColor, contrast_ratio, plain_text_color, relative_luminance
from palettes.text_colors import readable_text_colors

PALETTE = np.array([(175, 92, 45), (31, 58, 75), (220, 201, 171), (230, 20, 40), (14, 0, 0)])


def test_wcag_reference_values() -> None:
    assert contrast_ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert contrast_ratio((255, 255, 255), (0, 0, 0)) == pytest.approx(21.0)
    assert contrast_ratio((120, 40, 200), (120, 40, 200)) == 1.0
    # #777777 on white is the usual "just fails AA" example (4.48:1).
    assert contrast_ratio((0x77, 0x77, 0x77), (255, 255, 255)) == pytest.approx(4.48, abs=0.005)
    assert relative_luminance((255, 0, 0)) == pytest.approx(0.2126)


def test_plain_text_is_black_or_white_whichever_contrasts_more() -> None:
    assert plain_text_color((250, 250, 240)).rgb == (0, 0, 0)
    assert plain_text_color((20, 20, 60)).rgb == (255, 255, 255)


def test_the_ratio_written_is_rounded_down() -> None:
    assert TextColor((0, 0, 0), 4.5099).to_dict() == {"hex": "#000000", "contrast": 4.5}


def test_a_palette_colour_that_passes_is_the_text_as_it_is() -> None:
    texts = readable_text_colors(PALETTE, PALETTE)
    palette = {tuple(int(channel) for channel in colour) for colour in PALETTE}
    # The dark teal takes the cream, the cream the near-black: both straight from the palette.
    assert texts[1].rgb == (220, 201, 171)
    assert texts[2].rgb == (14, 0, 0)
    for background, text in zip(PALETTE, texts, strict=True):
        assert text.contrast == contrast_ratio(text.rgb, tuple(background))
        assert text.contrast >= MIN_CONTRAST
    assert sum(text.rgb in palette for text in texts) >= 3


def test_a_mid_tone_takes_a_tint_or_shade_of_the_palette_rather_than_plain_black_or_white() -> None:
    (text,) = readable_text_colors(np.array([(175, 92, 45)]), np.array([(175, 92, 45), (95, 60, 40)]))
    assert text.contrast >= MIN_CONTRAST
    assert text.rgb not in {(0, 0, 0), (255, 255, 255)}
    assert text.rgb[0] > text.rgb[2]  # still warm: a tint of the palette's own colour


@pytest.mark.parametrize("level", [115, 117, 118, 119])
def test_on_a_mid_grey_only_a_near_black_or_near_white_passes(level) -> None:
    """Greys around L* 50 have a contrast of about 4.6 with both black and white: the text is as
    far toward one of them as 4.5:1 needs."""
    grey = np.array([(level, level, level)])
    (text,) = readable_text_colors(grey, grey)
    assert text.contrast >= MIN_CONTRAST
    assert min(max(text.rgb), 255 - min(text.rgb)) <= 6


@pytest.mark.parametrize("seed", range(5))
def test_every_background_gets_a_readable_text_colour(seed) -> None:
    rng = np.random.default_rng(seed)
    backgrounds = rng.integers(0, 256, (300, 3))
    palette = rng.integers(0, 256, (rng.integers(1, 9), 3))
    for background, text in zip(backgrounds, readable_text_colors(backgrounds, palette), strict=True):
        assert contrast_ratio(text.rgb, tuple(int(channel) for channel in background)) >= MIN_CONTRAST
