"""Colour names: the survey's data file and its record, the names left out, nearest by CIEDE2000."""

import json
import re

import numpy as np
import pytest

from palettes.colorspace import ciede2000, srgb_to_lab
from palettes.names import (
    UNUSED_XKCD_WORDS,
    XKCD_COLORS_FILE,
    _css_table,
    _xkcd_table,
    nearest_names,
    xkcd_colors,
)


def test_the_survey_file_holds_its_949_names_with_source_and_licence() -> None:
    document = json.loads(XKCD_COLORS_FILE.read_text(encoding="utf-8"))
    assert "xkcd.com/color/rgb.txt" in document["source"]
    assert "CC0" in document["license"]
    colors = xkcd_colors()
    assert len(colors) == 949
    assert len({name for name, _ in colors}) == 949
    assert all(re.fullmatch(r"#[0-9a-f]{6}", hex_code) for _, hex_code in colors)
    assert ("cloudy blue", "#acc2d9") in colors


def test_the_licence_is_recorded_beside_the_data() -> None:
    note = (XKCD_COLORS_FILE.parent / "LICENSES.md").read_text(encoding="utf-8")
    assert XKCD_COLORS_FILE.name in note
    assert "CC0" in note
    assert "matplotlib" in note
    for word in UNUSED_XKCD_WORDS:
        assert f'"{word}"' in note


def test_names_a_colourist_would_not_use_are_left_out() -> None:
    names, _, _ = _xkcd_table()
    assert len(names) == 949 - 36
    assert not any(UNUSED_XKCD_WORDS.intersection(re.split(r"[\s/]+", name)) for name in names)
    # Their colours are named after a neighbour.
    lab = srgb_to_lab(np.array([[0x7B, 0x58, 0x04]], dtype=np.uint8))  # the survey's "shit brown"
    assert nearest_names(lab)[1] != ["shit brown"]


def test_a_survey_colour_gets_its_own_name_and_a_css_colour_its_css_name() -> None:
    rgb = np.array([[0xAC, 0xC2, 0xD9], [0x65, 0x37, 0x00], [0xA0, 0x52, 0x2D]], dtype=np.uint8)
    css, survey = nearest_names(srgb_to_lab(rgb))
    assert survey[:2] == ["cloudy blue", "brown"]
    assert css[2] == "sienna"


def test_the_issue_s_greys_get_finer_names() -> None:
    rgb = np.array([[0xA5, 0x95, 0x88], [0x7A, 0x6D, 0x62], [0x46, 0x3C, 0x34]], dtype=np.uint8)
    css, survey = nearest_names(srgb_to_lab(rgb))
    assert css == ["darkgray", "dimgray", "dimgray"]
    assert len(set(survey)) == 3
    assert "gray" not in " ".join(survey)


@pytest.mark.parametrize("table", [_css_table, _xkcd_table], ids=["css", "xkcd"])
def test_the_shortlist_finds_the_nearest_of_the_whole_table(table) -> None:
    names, table_lab, _ = table()
    rng = np.random.default_rng(5)
    lab = srgb_to_lab(rng.integers(0, 256, (3000, 3)).astype(np.uint8))
    whole = [names[index] for index in ciede2000(lab[:, None, :], table_lab[None, :, :]).argmin(axis=1)]
    css, survey = nearest_names(lab)
    assert (css if table is _css_table else survey) == whole
