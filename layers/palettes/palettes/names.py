"""Names of colours: the nearest CSS name and the nearest name of the xkcd colour survey, by CIEDE2000.

The CSS names and their values come from webcolors. The survey's names (CC0; source and licence in
``LICENSES.md`` beside this module) are read from ``xkcd_colors.json`` once per process, and their
CIELAB computed once.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Final

import numpy as np
import webcolors
from numpy.typing import NDArray

from palettes.colorspace import ciede2000, lab_to_din99o, srgb_to_lab

XKCD_COLORS_FILE: Final = Path(__file__).with_name("xkcd_colors.json")
# Survey names a colourist would not put in front of a client ("baby shit brown", "puke green",
# "ugly pink"): left out, so their colours take the name of the nearest neighbour.
UNUSED_XKCD_WORDS: Final = frozenset(
    {
        "shit",
        "poo",
        "poop",
        "puke",
        "vomit",
        "barf",
        "snot",
        "booger",
        "piss",
        "diarrhea",
        "ugly",
        "nasty",
        "gross",
    }
)

NameTable = tuple[tuple[str, ...], NDArray[np.float64], NDArray[np.float64]]  # names, CIELAB, DIN99o
# How many names, nearest in DIN99o, are measured by CIEDE2000 (CSS, survey). Over 200,000 random
# colours, these gave the names a search of the whole tables gives (32 of the survey's did not).
SHORTLISTS: Final = (32, 48)


@lru_cache(maxsize=1)
def _css_table() -> NameTable:
    by_value: dict[tuple[int, int, int], str] = {}
    # Sorted, so that of two names for one value (aqua/cyan, gray/grey) the first is kept every time.
    for name in sorted(webcolors.names("css3")):
        rgb = webcolors.name_to_rgb(name)
        by_value.setdefault((rgb.red, rgb.green, rgb.blue), name)
    return _table(by_value)


def xkcd_colors() -> list[tuple[str, str]]:
    """Every (name, hex) pair of the survey, in the file's order (all 949, unused words included)."""
    document = json.loads(XKCD_COLORS_FILE.read_text(encoding="utf-8"))
    return [(str(name), str(hex_code)) for name, hex_code in document["colors"]]


@lru_cache(maxsize=1)
def _xkcd_table() -> NameTable:
    by_value: dict[tuple[int, int, int], str] = {}
    for name, hex_code in xkcd_colors():
        if not UNUSED_XKCD_WORDS.intersection(re.split(r"[\s/]+", name)):
            by_value.setdefault(_rgb_of_hex(hex_code), name)
    return _table(by_value)


def _rgb_of_hex(hex_code: str) -> tuple[int, int, int]:
    return int(hex_code[1:3], 16), int(hex_code[3:5], 16), int(hex_code[5:7], 16)


def _table(by_value: dict[tuple[int, int, int], str]) -> NameTable:
    lab = srgb_to_lab(np.array(list(by_value.keys()), dtype=np.uint8))
    return tuple(by_value.values()), lab, lab_to_din99o(lab)


def nearest_names(lab: NDArray[np.float64]) -> tuple[list[str], list[str]]:
    """The nearest CSS name and the nearest survey name of each CIELAB colour of an (N, 3) array.

    Nearest by CIEDE2000 among the names nearest in DIN99o (where Euclidean distance follows
    CIEDE2000 closely; see :data:`SHORTLISTS`), in one CIEDE2000 call for both tables.
    """
    lab = np.asarray(lab, dtype=np.float64).reshape(-1, 3)
    din99o = lab_to_din99o(lab)
    tables = (_css_table(), _xkcd_table())
    shortlists = [
        _shortlist(din99o, table_din99o, size)
        for (_, _, table_din99o), size in zip(tables, SHORTLISTS, strict=True)
    ]
    shortlisted = np.concatenate(
        [table[1][shortlist] for table, shortlist in zip(tables, shortlists, strict=True)], axis=1
    )
    distances = np.split(ciede2000(lab[:, None, :], shortlisted), [shortlists[0].shape[1]], axis=1)
    found = []
    for (names, _, _), shortlist, gaps in zip(tables, shortlists, distances, strict=True):
        # A shortlist is in table order, so a tie goes to the first name, as over the whole table.
        found.append([names[shortlist[row, column]] for row, column in enumerate(gaps.argmin(axis=1))])
    return found[0], found[1]


def _shortlist(din99o: NDArray[np.float64], table_din99o: NDArray[np.float64], size: int) -> NDArray[np.intp]:
    """The indexes of the ``size`` table entries nearest each colour in DIN99o, ascending."""
    if len(table_din99o) <= size:
        return np.broadcast_to(np.arange(len(table_din99o)), (len(din99o), len(table_din99o)))
    # Squared distances up to each colour's own squared norm, which does not change the order.
    squared = np.einsum("ij,ij->i", table_din99o, table_din99o)[None, :] - 2.0 * din99o @ table_din99o.T
    return np.sort(np.argpartition(squared, size, axis=1)[:, :size], axis=1)
