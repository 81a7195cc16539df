"""How much the benchmark runs: the full plan (`make bench`) and the quick one (`--quick`)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Plan:
    """How much to run: images per set, repeats per method, subsets for the slow methods."""

    stills: int
    film_stills: int
    synthetic: int
    repeats: dict[str, int]
    big_repeats: dict[str, int]
    cold_repeats: int
    # The slowest methods run on an evenly spaced subset of a set: {method: {set: count}}.
    subsets: dict[str, dict[str, int]] = field(default_factory=dict)


FULL = Plan(
    stills=99,
    film_stills=12,
    synthetic=40,
    repeats={
        "ours": 7,
        "decode": 7,
        "reduced-decode": 7,
        "fast-colorthief": 5,
        "pylette": 3,
        "material": 3,
        "extcolors": 1,
        "notebook": 1,
    },
    big_repeats={
        "ours": 7,
        "decode": 7,
        "reduced-decode": 7,
        "fast-colorthief": 2,
        "pylette": 2,
        "material": 1,
    },
    cold_repeats=5,
    # The notebook runs on every film-like still: reconstruction there is held against it.
    subsets={"notebook": {"synthetic": 16}, "extcolors": {"film-1920x1080": 6}},
)
QUICK = Plan(
    stills=3,
    film_stills=3,
    synthetic=8,
    repeats={
        "ours": 3,
        "decode": 3,
        "reduced-decode": 3,
        "fast-colorthief": 3,
        "pylette": 1,
        "material": 1,
        "extcolors": 1,
        "notebook": 1,
    },
    big_repeats={
        "ours": 3,
        "decode": 3,
        "reduced-decode": 3,
        "fast-colorthief": 1,
        "pylette": 1,
        "material": 1,
    },
    cold_repeats=3,
    subsets={
        "notebook": {"stills": 1, "film-1280x688": 1, "film-1920x1080": 1, "synthetic": 2},
        "extcolors": {"synthetic": 4, "film-1920x1080": 1},
    },
)
