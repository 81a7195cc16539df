"""The colour index's geometry (palette_service.domain.color_index): cell keys, no false negatives
against every colour of a dense sRGB grid, few cells for everyday radii, index entries; and that
the query-time modules load no numpy."""

import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from palette_service.domain.color_index import (
    MAX_UNINDEXED_SHARE,
    MIN_INDEXED_SHARE,
    all_cells,
    cell_of,
    cells_within,
    index_entries,
)
from palettes.colorspace import ciede2000, srgb_to_lab
from palettes.delta_e import hex_to_lab

ROOT = Path(__file__).resolve().parents[2]
# Queries where CIEDE2000 is least Euclidean: greys, saturated blue (hue near 275°), the darkest
# and lightest colours, and the most saturated of each primary.
HARD_QUERIES = [
    "808080",
    "000000",
    "ffffff",
    "0000ff",
    "2a1fd0",
    "3f3fff",
    "050505",
    "fafafa",
    "ff0000",
    "00ff00",
    "ffff00",
    "1abc9c",
    "c0392b",
    "0b0b12",
    "f5f5ff",
    "7f7f80",
    "4b0082",
    "00ffff",
]


@pytest.fixture(scope="module")
def srgb_grid() -> tuple[np.ndarray, np.ndarray]:
    """Every sRGB colour on a grid of step 5 (52³), with its CIELAB and cell."""
    levels = np.arange(0, 256, 5)
    rgb = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), -1).reshape(-1, 3).astype(np.uint8)
    lab = srgb_to_lab(rgb)
    return lab, np.array([cell_of(color) for color in lab])


def test_cell_keys() -> None:
    assert cell_of((55.0, 0.5, -0.5)) == "L5C0H00"
    assert cell_of((100.0, 0.0, 0.0)) == "L9C0H00"
    assert cell_of((0.0, 0.0, 0.0)) == "L0C0H00"
    assert cell_of(hex_to_lab("0000ff")) == "L3C5H20"
    cells = all_cells()
    assert len(cells) == len(set(cells)) == 790


def test_every_colour_is_filed_in_a_known_cell(srgb_grid) -> None:
    _, cells = srgb_grid
    assert set(cells) <= set(all_cells())


@pytest.mark.parametrize("query", HARD_QUERIES)
@pytest.mark.parametrize("max_delta_e", [1.0, 2.5, 5.0, 10.0, 20.0])
def test_no_grid_colour_within_the_radius_is_missed(srgb_grid, query, max_delta_e) -> None:
    labs, cells = srgb_grid
    lab = hex_to_lab(query)
    near = ciede2000(np.array(lab)[None], labs) <= max_delta_e
    missed = set(cells[near]) - set(cells_within(lab, max_delta_e))
    assert not missed


def test_cells_read_stay_few_for_everyday_radii() -> None:
    rng = np.random.default_rng(7)
    queries = [hex_to_lab(f"{value:06x}") for value in rng.integers(0, 1 << 24, 200)]
    counts = {d: [len(cells_within(lab, d)) for lab in queries] for d in (5, 10)}
    assert statistics.median(counts[5]) <= 15
    assert max(counts[5]) <= 40
    assert statistics.median(counts[10]) <= 45
    assert max(counts[10]) <= 120
    assert len(cells_within(hex_to_lab("808080"), 50)) <= len(all_cells())


def test_the_whole_radius_reads_the_query_cell_and_bad_radii_are_refused() -> None:
    lab = hex_to_lab("c0392b")
    assert cell_of(lab) in cells_within(lab, 1)
    with pytest.raises(ValueError, match="positive"):
        cells_within(lab, 0)


def _color(hex_value: str, proportion: float, basic: str | None = None) -> dict[str, Any]:
    color = {
        "hex": "#" + hex_value,
        "lab": [round(v, 2) for v in hex_to_lab(hex_value)],
        "proportion": proportion,
    }
    if basic is not None:
        color["basic"] = basic
    return color


def test_index_entries_keep_the_colours_that_matter() -> None:
    colors = [_color("c0392b", 0.6, "red"), _color("1abc9c", 0.396), _color("000000", 0.004, "black")]
    entries = index_entries(colors)
    assert [entry.color_index for entry in entries] == [0, 1]
    assert entries[0].cell == cell_of(colors[0]["lab"]) and entries[0].basic == "red"
    assert entries[1].basic == "green"  # schema 1 documents: classified from CIELAB
    assert entries[0].class_key == "class:red"
    assert entries[0].hex == "#c0392b" and entries[0].proportion == 0.6


def test_index_entries_bound_what_they_leave_out() -> None:
    # 10 colours of 0.4% and one of 96%: left out, they would hold 4%, above the bound.
    colors = [_color("c0392b", 0.96)] + [_color(f"{i:02x}{i:02x}{i:02x}", 0.004) for i in range(10)]
    entries = index_entries(colors)
    left_out = sum(c["proportion"] for i, c in enumerate(colors) if i not in {e.color_index for e in entries})
    assert left_out <= MAX_UNINDEXED_SHARE
    assert all(
        c["proportion"] < MIN_INDEXED_SHARE
        for i, c in enumerate(colors)
        if i not in {e.color_index for e in entries}
    )
    assert index_entries([]) == []


def test_query_time_modules_load_no_numpy() -> None:
    paths = [str(ROOT / part) for part in ("layers/palettes", "layers/service")]
    script = (
        f"import sys; sys.path[:0] = {paths!r}; "
        "import palette_service.domain.search, palette_service.domain.color_index, palettes.delta_e; "
        "from palette_service.domain.search import parse_search_query, candidate_cells; "
        "candidate_cells(parse_search_query({'colors': 'c0392b:30,1abc9c:20'})); "
        "assert 'numpy' not in sys.modules, 'numpy imported'"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
