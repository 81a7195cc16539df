"""The basic colour terms: unambiguous colours, the survey's own names, the focal colours' source."""

import math

import numpy as np
import pytest

from palettes.basic_colors import BASIC_COLOR_TERMS, FOCAL_COLORS, basic_color_term
from palettes.colorspace import srgb_to_lab
from palettes.names import xkcd_colors

SURVEY = dict(xkcd_colors())
# Words that change how light or strong a colour is, not its hue ("dark red" is red, "reddish
# brown" is not asked of anyone here).
MODIFIERS = {
    "", "dark", "light", "pale", "bright", "deep", "medium", "dull", "pastel", "vivid", "darkish",
    "lightish", "mid", "lighter", "faded", "soft", "dusty", "muted", "neon", "hot", "strong", "true",
    "pure", "rich", "electric", "fluorescent", "dusky", "very dark", "very light", "very pale",
}  # fmt: skip


def lab_of(hex_code: str) -> tuple[float, float, float]:
    rgb = np.array([[int(hex_code[i : i + 2], 16) for i in (1, 3, 5)]], dtype=np.uint8)
    lightness, a, b = srgb_to_lab(rgb)[0]
    return float(lightness), float(a), float(b)


def term_of(hex_code: str) -> str:
    return basic_color_term(lab_of(hex_code))


def test_there_are_eleven_terms() -> None:
    assert BASIC_COLOR_TERMS == (
        "black", "white", "grey", "red", "orange", "yellow", "green", "blue", "purple", "pink", "brown",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("hex_code", "term"),
    [
        ("#000000", "black"),
        ("#0e0000", "black"),
        ("#061d0d", "black"),  # the night interior: a near-black with a trace of green
        ("#ffffff", "white"),
        ("#fafaf5", "white"),
        ("#808080", "grey"),
        ("#363737", "grey"),
        ("#a59588", "grey"),  # the "darkgray": a warm grey
        ("#ff0000", "red"),
        ("#b22222", "red"),
        ("#800000", "red"),
        ("#ff8000", "orange"),
        ("#ffff00", "yellow"),
        ("#ffd700", "yellow"),
        ("#00ff00", "green"),
        ("#008000", "green"),
        ("#556b2f", "green"),
        ("#0000ff", "blue"),
        ("#000080", "blue"),
        ("#1f3a4b", "blue"),  # a teal shadow of a graded film
        ("#87ceeb", "blue"),
        ("#800080", "purple"),
        ("#4b0082", "purple"),
        ("#ff69b4", "pink"),
        ("#ffc0cb", "pink"),
        ("#8b4513", "brown"),
        ("#663627", "brown"),
        ("#d2b48c", "brown"),
    ],
)
def test_unambiguous_colours(hex_code, term) -> None:
    assert term_of(hex_code) == term


def test_the_survey_names_its_plain_colours_the_same_way() -> None:
    """Every colour the survey calls "<modifier> <term>" (dark red, pale blue, ...) gets <term>, but
    for a handful at the edges of black and white (a near-black brown, a near-white pink); the
    focal colours themselves are left out of the count."""
    focal_names = {f"{modifier}{term}" for term in BASIC_COLOR_TERMS for modifier in ("", "dark ", "light ")}
    asked = {}
    for name, hex_code in SURVEY.items():
        words = name.replace("gray", "grey").split()
        if words[-1] in BASIC_COLOR_TERMS and " ".join(words[:-1]) in MODIFIERS and name not in focal_names:
            asked[name] = (hex_code, words[-1])
    wrong = {name: term_of(hex_code) for name, (hex_code, term) in asked.items() if term_of(hex_code) != term}
    assert len(asked) > 100
    assert set(wrong) <= {"deep brown", "very dark brown", "very light pink", "pale grey", "very dark blue"}


def test_focal_colours_are_the_survey_s_own() -> None:
    surveyed = [
        (term, f"{modifier}{term}") for term in BASIC_COLOR_TERMS[3:] for modifier in ("", "dark ", "light ")
    ]
    surveyed.append(("red", "maroon"))
    for (term, lightness, chroma, hue), (expected_term, name) in zip(FOCAL_COLORS, surveyed, strict=False):
        want_lightness, a, b = lab_of(SURVEY[name])
        assert term == expected_term
        assert lightness == pytest.approx(want_lightness, abs=0.06)
        assert chroma == pytest.approx(math.hypot(a, b), abs=0.06)
        assert hue == pytest.approx(math.degrees(math.atan2(b, a)) % 360, abs=0.06)
    assert len(FOCAL_COLORS) == len(surveyed) + 1  # and the hand-placed red-brown


def test_every_colour_gets_one_of_the_eleven() -> None:
    rng = np.random.default_rng(3)
    lab = srgb_to_lab(rng.integers(0, 256, (3000, 3)).astype(np.uint8))
    assert {basic_color_term(colour) for colour in lab} == set(BASIC_COLOR_TERMS)
