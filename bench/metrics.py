"""The benchmark's metrics, with scikit-image's CIELAB and CIEDE2000 (independent of the library under
test): reconstruction error, near-duplicate pairs and accent recall per image, and the figures over
images drawn from them (timing ratios, paired reconstruction, near-duplicate counts, recall).
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image
from skimage.color import deltaE_ciede2000, rgb2lab

from bench.images import ImageSets
from bench.methods import PALETTE_METHODS, Rgb
from bench.plan import Plan

NEAR_DUPLICATE = 5.0  # CIEDE2000 below which two palette colours look the same
ACCENT_FOUND = 10.0  # CIEDE2000 within which a palette colour counts as the planted accent
ACCENT_SAME = 10.0  # CIEDE2000 within which an accent of a downscale is the same as the full still's
EVAL_REDUCTION = 4  # reconstruction is measured on a box-reduced 1/4-size copy, the same for all methods

FloatArray = NDArray[np.float64]
Figures = dict[str, Any]
# Per method, per set, per image path: that image's figures.
PerImage = dict[str, dict[str, dict[str, Figures]]]


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def skimage_lab(rgb: NDArray[Any]) -> FloatArray:
    return np.asarray(rgb2lab(rgb), dtype=np.float64)


def skimage_delta_e(lab1: FloatArray, lab2: FloatArray) -> FloatArray:
    return np.asarray(deltaE_ciede2000(lab1, lab2), dtype=np.float64)  # type: ignore[no-untyped-call]


class Evaluator:
    """The per-image metrics; keeps each image's evaluation pixels for the next method."""

    def __init__(self) -> None:
        self._eval_lab: dict[str, FloatArray] = {}

    @staticmethod
    def lab(colours: Sequence[Sequence[int]] | NDArray[np.uint8]) -> FloatArray:
        lab: FloatArray = skimage_lab(np.asarray(colours, dtype=np.uint8).reshape(1, -1, 3))[0]
        return lab

    def evaluation_lab(self, path: str) -> FloatArray:
        if path not in self._eval_lab:
            with Image.open(path) as image:
                reduced = image.convert("RGB").reduce(EVAL_REDUCTION)
            self._eval_lab[path] = skimage_lab(np.asarray(reduced)).reshape(-1, 3)
        return self._eval_lab[path]

    def reconstruction(self, path: str, palette: Sequence[Sequence[int]]) -> float | None:
        """Mean CIEDE2000 from each evaluation pixel to its nearest palette colour."""
        if not palette:
            return None
        pixels = self.evaluation_lab(path)
        nearest = np.full(len(pixels), np.inf)
        for colour in self.lab(palette):  # one colour at a time keeps memory flat on big evaluation images
            nearest = np.minimum(nearest, skimage_delta_e(pixels, colour[None, :]))
        return float(nearest.mean())

    def min_pair(self, palette: Sequence[Sequence[int]]) -> float | None:
        """The smallest CIEDE2000 between two colours of the palette."""
        if len(palette) < 2:
            return None
        colours = self.lab(palette)
        distances = skimage_delta_e(colours[:, None, :], colours[None, :, :])
        return float(distances[np.triu_indices(len(colours), k=1)].min())

    def accent_distances(self, accents: Sequence[Rgb], palette: Sequence[Sequence[int]]) -> list[float]:
        """For each planted accent, the CIEDE2000 to the nearest palette colour (inf for no palette)."""
        if not palette:
            return [float("inf")] * len(accents)
        colours = self.lab(palette)
        return [float(skimage_delta_e(colours, self.lab([accent])[0][None, :]).min()) for accent in accents]

    def library_cross_check(self) -> str:
        """How far the library's own colour maths is from skimage's (information only)."""
        try:
            from palettes import colorspace
        except ImportError as exc:
            return f"palettes.colorspace not importable ({exc}); metrics use skimage only"
        rng = np.random.default_rng(0)
        first = rng.integers(0, 256, size=(5000, 3), dtype=np.uint8)
        second = rng.integers(0, 256, size=(5000, 3), dtype=np.uint8)
        lab1, lab2 = self.lab(first), self.lab(second)
        lab_gap = float(np.abs(colorspace.srgb_to_lab(first) - lab1).max())
        de_gap = float(np.abs(colorspace.ciede2000(lab1, lab2) - skimage_delta_e(lab1, lab2)).max())
        return (
            f"palettes.colorspace vs skimage on 5000 random colours: max |dLab| {lab_gap:.3g}, "
            f"max |dE00| {de_gap:.3g}"
        )

    def same_accents(self, first: Sequence[Sequence[int]], second: Sequence[Sequence[int]]) -> bool:
        """Whether two lists of accents pair off one to one, each pair within `ACCENT_SAME`."""
        if len(first) != len(second):
            return False
        if not first:
            return True
        distances = skimage_delta_e(self.lab(first)[:, None, :], self.lab(second)[None, :, :])
        return any(
            all(distances[i, j] < ACCENT_SAME for i, j in enumerate(order))
            for order in itertools.permutations(range(len(second)))
        )


def accent_stability(evaluator: Evaluator, accents: dict[str, Any], images: ImageSets) -> dict[str, Figures]:
    """Per film-like still: its accents, each downscale's and whether they are the same (see
    `Evaluator.same_accents`); stable when every downscale's are."""
    found = {image["path"]: image for image in accents.get("images", [])}
    stability: dict[str, Figures] = {}
    for full, copies in images.downscaled.items():
        if full not in found or any(copy not in found for copy in copies):
            continue
        reference = found[full]["palette"]
        same = {copy: evaluator.same_accents(reference, found[copy]["palette"]) for copy in copies}
        stability[full] = {
            "accents": reference,
            "copies": {copy: found[copy]["palette"] for copy in copies},
            "same": same,
            "stable": all(same.values()),
        }
    return stability


def image_figures(
    evaluator: Evaluator, method: str, image: dict[str, Any], truth: list[Rgb] | None
) -> Figures:
    """One worker image's figures: timing and memory, plus the colour metrics of a palette method
    (and accent recall on a synthetic still, whose planted accents `truth` holds)."""
    figures: Figures = {
        "median_ms": median(image["times_ms"]),
        "peak_increase_mb": image["peak_increase_mb"],
        "palette": image["palette"],
        "error": image["error"],
    }
    if method not in PALETTE_METHODS:
        return figures
    if image["palette"]:
        figures["reconstruction"] = evaluator.reconstruction(image["path"], image["palette"])
        figures["min_pair"] = evaluator.min_pair(image["palette"])
    if truth is not None:
        # A failed extraction misses its accents rather than leaving the count.
        distances = evaluator.accent_distances(truth, image["palette"])
        figures["accents"] = [list(rgb) for rgb in truth]
        figures["accent_distances"] = distances
        figures["accents_found"] = [distance < ACCENT_FOUND for distance in distances]
    return figures


def evaluate(evaluator: Evaluator, results: dict[str, dict[str, Any]], images: ImageSets) -> PerImage:
    """The figures of every image every worker ran, by method, set and path."""
    set_of = {path: name for name, paths in images.sets.items() for path in paths}
    per_image: PerImage = {}
    for method, result in results.items():
        per_image[method] = {name: {} for name in images.sets}
        for image in result.get("images", []):
            name = set_of[image["path"]]
            truth = images.synthetic_truth.get(image["path"]) if name == "synthetic" else None
            per_image[method][name][image["path"]] = image_figures(evaluator, method, image, truth)
    return per_image


def timing_ratios(per_image: PerImage, numerator: str, denominator: str, names: Sequence[str]) -> list[float]:
    """Per image run by both methods, the numerator's median time over the denominator's."""
    values = []
    for name in names:
        for path, fig in per_image[denominator][name].items():
            other = per_image[numerator][name].get(path)
            if other and other.get("median_ms") and fig.get("median_ms"):
                values.append(other["median_ms"] / fig["median_ms"])
    return values


def paired_reconstruction(
    per_image: PerImage, other: str, names: Sequence[str]
) -> tuple[float, float, int] | None:
    """Mean reconstruction error of ours and of `other` over the images both have one for, and how many."""
    ours_values, other_values = [], []
    for name in names:
        for path, fig in per_image[other][name].items():
            mine = per_image["ours"][name].get(path)
            if mine and mine.get("reconstruction") is not None and fig.get("reconstruction") is not None:
                ours_values.append(mine["reconstruction"])
                other_values.append(fig["reconstruction"])
    if not ours_values:
        return None
    return statistics.mean(ours_values), statistics.mean(other_values), len(ours_values)


def min_pairs(per_image: PerImage, method: str, name: str) -> list[float]:
    """The smallest pair distance of each of the method's palettes in one set."""
    return [fig["min_pair"] for fig in per_image[method][name].values() if fig.get("min_pair") is not None]


def accents_found(per_image: PerImage, method: str) -> list[bool]:
    """For every accent planted in the synthetic stills the method ran on: was it found?"""
    return [hit for fig in per_image[method]["synthetic"].values() for hit in fig.get("accents_found", [])]


@dataclass
class Measurements:
    """Everything one run measured: what the tables are printed from."""

    plan: Plan
    images: ImageSets
    per_image: PerImage
    results: dict[str, dict[str, Any]]
    big_results: dict[str, dict[str, Any]]
    cold: dict[str, Any]
    cross_check: str
    stability: dict[str, Figures]

    @property
    def set_names(self) -> list[str]:
        return list(self.images.sets)

    @property
    def film_sets(self) -> list[str]:
        return [name for name in self.images.sets if name.startswith("film-")]

    def size(self, name: str) -> int:
        return len(self.images.sets[name])


@dataclass
class Summary:
    """The figures over all images that the tables, the targets and `--json` share."""

    ratios: dict[str, dict[str, Any]]
    recall: dict[str, float | None]
    duplicates: dict[str, int]
    min_pairs: dict[str, float | None]


def ratio_definitions(film_sets: list[str]) -> list[tuple[str, str, str, list[str]]]:
    """(label, numerator method, denominator method, sets) of each timing ratio."""
    return [
        ("ours / decode floor, film-like", "ours", "decode", film_sets),
        *((f"ours / decode floor, {name}", "ours", "decode", [name]) for name in film_sets),
        ("ours / decode floor, stills", "ours", "decode", ["stills"]),
        ("our reduced decode / decode floor, film-like", "reduced-decode", "decode", film_sets),
        ("ours / our reduced decode, film-like", "ours", "reduced-decode", film_sets),
        ("notebook / ours, film-like", "notebook", "ours", film_sets),
        ("notebook / ours, stills", "notebook", "ours", ["stills"]),
        ("Pylette / ours, film-like", "pylette", "ours", film_sets),
        ("Material / ours, film-like", "material", "ours", film_sets),
        ("fast-colorthief / ours, film-like", "fast-colorthief", "ours", film_sets),
    ]


def summarise_figures(run: Measurements) -> Summary:
    """Ratios over images, accent recall and near-duplicates over all sets, per method."""
    summary = Summary(ratios={}, recall={}, duplicates={}, min_pairs={})
    for label, numerator, denominator, names in ratio_definitions(run.film_sets):
        values = timing_ratios(run.per_image, numerator, denominator, names)
        summary.ratios[label] = {
            "median": median(values),
            "min": min(values, default=None),
            "max": max(values, default=None),
            "n": len(values),
        }
    for method in PALETTE_METHODS:
        found = accents_found(run.per_image, method)
        summary.recall[method] = sum(found) / len(found) if found else None
        pairs = [pair for name in run.set_names for pair in min_pairs(run.per_image, method, name)]
        summary.duplicates[method] = sum(pair < NEAR_DUPLICATE for pair in pairs)
        summary.min_pairs[method] = min(pairs) if pairs else None
    return summary
