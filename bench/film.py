"""A film's palette from its stills' colour summaries, side by side with the library run on the pooled
pixels of all the stills (a mosaic), and the cost of a 10,000-still film.

Run from the repository root: `.venv/bin/python -m bench.film [--stills N] [--runs N]`. Prints figures,
asserts nothing, exits 0.

(a) Fidelity: the mean CIEDE2000 (scikit-image's) from each pooled pixel to its nearest palette colour,
k=6, for the film palette made from the summaries and for the library run directly on the pooled
pixels (the baseline: what `extract` does on a mosaic of the stills' analysed copies, which a real
mosaic would shrink again to about 50,000 pixels), with a third row for a film palette made from the
stills' six-colour palettes alone. On the sample stills and on a generated film (bench/filmlike.py).
(b) Scale: in fresh processes, decoding 10,000 summaries from bytes, `film_palette` and the default
barcode: time and peak memory (the process's peak resident set, VmHWM, and tracemalloc's peak of the work).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

import palettes
from bench.filmlike import STILLS, render
from bench.metrics import Evaluator, skimage_delta_e, skimage_lab
from palettes import histogram
from palettes.barcode import stripe_of_document
from palettes.clustering import kmeans
from palettes.extraction import palette_of_pixels
from palettes.film import film_palette
from palettes.model import Palette, SourceInfo
from palettes.summary import ColorSummary, summarise

FILM_SIZE = (1280, 688)
FILM_SEED = 0
TARGET_RATIO = 1.05
TARGET_SECONDS = 10.0
TARGET_MB = 512.0
BIG_FILM = 10_000
# Every EVAL_STRIDE-th pooled pixel is scored: a fixed, even sample of millions of pixels.
EVAL_STRIDE = 2
Rgb = tuple[int, int, int]


@dataclass(frozen=True)
class Still:
    """A still as the service sees it: its analysed pixels, its palette and its summary's bytes."""

    name: str
    pixels: NDArray[np.uint8]
    palette: Palette
    summary: bytes
    summary_ms: float  # the summary alone, best of 5
    kmeans_ms: float  # the library's k-means to 32 clusters on the same bins, best of 5


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def analysed(name: str, image: bytes | str) -> Still:
    """The still's palette, its summary's bytes and the time the summary takes beside k-means."""
    pixels = palettes.load_image(image).pixels
    palette = palette_of_pixels(pixels, palettes.ExtractParams(), _source(len(pixels)))
    assert palette.summary is not None  # a still's palette always carries it
    bins = histogram.bin_pixels(pixels, "lab")
    summary_ms = _best_ms(lambda: summarise(bins, bins.features))
    kmeans_ms = _best_ms(lambda: kmeans(bins.features, bins.weights, 32, seed=0, median_steps=0))
    return Still(name, pixels, palette, palette.summary.to_bytes(), summary_ms, kmeans_ms)


def _best_ms(call: Any, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1e3)
    return min(times)


def _source(pixels: int) -> SourceInfo:
    return SourceInfo(key=None, width=None, height=None, format="bench", counted_pixels=pixels)


def _generated(index: int) -> Still:
    still = render(FILM_SEED, index, FILM_SIZE)
    return analysed(still.name, still.jpeg)


def sample_film() -> list[Still]:
    return [analysed(path.name, str(path)) for path in sorted(STILLS.glob("*.jpg"))]


def generated_film(count: int) -> list[Still]:
    """`count` film-like stills (deterministic), rendered and analysed on every CPU."""
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return list(pool.map(_generated, range(count), chunksize=4))


def palettes_palette(stills: Sequence[Still]) -> Palette:
    """The film palette from the stills' six-colour palettes alone, each colour weighted by its pixels:
    what the summaries improve on."""
    summaries = []
    for still in stills:
        counted = still.palette.source.counted_pixels
        lab = [color.lab for color in still.palette.colors]
        weights = [max(1, round(color.proportion * counted)) for color in still.palette.colors]
        summaries.append(ColorSummary(lab=np.array(lab), weights=np.array(weights, dtype=np.float64)))
    return film_palette(summaries)


def reconstruction(stills: Sequence[Still], palette: Palette) -> float:
    """Mean CIEDE2000 from each (sampled) pooled pixel to its nearest palette colour."""
    colours = Evaluator.lab([color.rgb for color in palette.colors])
    total, count = 0.0, 0
    for still in stills:
        pixels = skimage_lab(still.pixels[::EVAL_STRIDE].reshape(1, -1, 3))[0]
        nearest = np.full(len(pixels), np.inf)
        for colour in colours:
            nearest = np.minimum(nearest, skimage_delta_e(pixels, colour[None, :]))
        total += float(nearest.sum())
        count += len(pixels)
    return total / count


def fidelity(label: str, stills: Sequence[Still]) -> dict[str, Any]:
    """The three palettes of one film and their reconstruction errors."""
    summaries = [ColorSummary.from_bytes(still.summary) for still in stills]
    started = time.perf_counter()
    film = film_palette(summaries)
    film_seconds = time.perf_counter() - started
    pooled = np.concatenate([still.pixels for still in stills])
    started = time.perf_counter()
    mosaic = palette_of_pixels(pooled, palettes.ExtractParams(), _source(len(pooled)))
    mosaic_seconds = time.perf_counter() - started
    rows = {
        "summaries": (film, film_seconds),
        "pooled pixels (baseline)": (mosaic, mosaic_seconds),
        "six-colour palettes": (palettes_palette(stills), None),
    }
    errors = {name: reconstruction(stills, palette) for name, (palette, _) in rows.items()}
    return {
        "film": label,
        "stills": len(stills),
        "pixels": len(pooled),
        "errors": errors,
        "seconds": {name: seconds for name, (_, seconds) in rows.items()},
        "hex": {name: [color.hex for color in palette.colors] for name, (palette, _) in rows.items()},
        "ratio": errors["summaries"] / errors["pooled pixels (baseline)"],
        "summary_ms": statistics.median(still.summary_ms for still in stills),
        "kmeans_ms": statistics.median(still.kmeans_ms for still in stills),
        "bytes": max(len(still.summary) for still in stills),
    }


def print_fidelity(figures: dict[str, Any]) -> None:
    print(f"\n{figures['film']}: {figures['stills']} stills, {figures['pixels']:,} pooled analysed pixels")
    print(f"  {'palette from':<26} {'mean dE00':>9} {'seconds':>8}  colours")
    for name, error in figures["errors"].items():
        seconds = figures["seconds"][name]
        shown = "" if seconds is None else f"{seconds:.2f}"
        print(f"  {name:<26} {error:>9.3f} {shown:>8}  {' '.join(figures['hex'][name])}")
    met = _verdict(figures["ratio"] <= TARGET_RATIO)
    print(f"  summaries / pooled pixels: {figures['ratio']:.3f}x (target <= {TARGET_RATIO}x: {met})")
    print(
        f"  summary per still: median {figures['summary_ms']:.2f} ms (the library's k-means to 32 on the "
        f"same bins: {figures['kmeans_ms']:.2f} ms), {figures['bytes']} bytes at most"
    )


def big_film_inputs(stills: Sequence[Still], count: int, workdir: Path) -> Path:
    """`count` summaries and stripes for the scale run: the generated stills' summaries over and over,
    each copy's centroids moved by a seeded jitter (under 1 CIELAB unit per axis) so that no two
    centroids of the film coincide and the union is as large as a real film's."""
    rng = np.random.default_rng(FILM_SEED)
    encoded, stripes = [], []
    for index in range(count):
        still = stills[index % len(stills)]
        summary = ColorSummary.from_bytes(still.summary)
        jitter = rng.uniform(-0.5, 0.5, summary.lab.shape)
        jitter[:, 0] = np.clip(summary.lab[:, 0] + jitter[:, 0], 0.0, 100.0) - summary.lab[:, 0]
        moved = ColorSummary(lab=summary.lab + jitter, weights=summary.weights)
        encoded.append(moved.to_bytes().hex())
        stripes.append(stripe_of_document(still.palette.to_dict()))
    path = workdir / "film.json"
    path.write_text(json.dumps({"summaries": encoded, "stripes": stripes}))
    return path


def scale_worker(path: Path) -> None:
    """In a fresh process: decode the summaries, make the film palette and the default barcode."""
    import tracemalloc

    inputs = json.loads(path.read_text())
    blobs = [bytes.fromhex(text) for text in inputs["summaries"]]
    stripes = [[(tuple(rgb), share) for rgb, share in stripe] for stripe in inputs["stripes"]]
    del inputs
    before_mb = _peak_rss_mb()
    tracemalloc.start()
    times = {}
    started = time.perf_counter()
    summaries = [ColorSummary.from_bytes(blob) for blob in blobs]
    times["decode"] = time.perf_counter() - started
    film_palette(summaries)
    times["film_palette"] = time.perf_counter() - started - times["decode"]
    png = palettes.render_barcode(stripes)
    times["barcode"] = time.perf_counter() - started - times["decode"] - times["film_palette"]
    times["total"] = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # tracemalloc slows the run: time it again without, in the same process.
    started = time.perf_counter()
    film_palette([ColorSummary.from_bytes(blob) for blob in blobs])
    palettes.render_barcode(stripes)
    untraced = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": times,
                "untraced_seconds": untraced,
                "tracemalloc_peak_mb": peak / 2**20,
                "maxrss_mb": _peak_rss_mb(),
                "maxrss_before_mb": before_mb,
                "png_bytes": len(png),
            }
        )
    )


def _peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM). Not ru_maxrss: Linux carries that over from the
    parent through fork and exec, so a worker would report the bench's own peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource  # not Linux: ru_maxrss (bytes on macOS)

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def scale(stills: Sequence[Still], count: int, runs: int) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="palettes-film-") as tmp:
        path = big_film_inputs(stills, count, Path(tmp))
        results = []
        for _ in range(runs):
            done = subprocess.run(
                [sys.executable, "-m", "bench.film", "--worker", str(path)],
                capture_output=True,
                text=True,
                check=True,
            )
            results.append(json.loads(done.stdout))
    return results


def print_scale(results: Sequence[dict[str, Any]], count: int) -> None:
    def med(values: Sequence[float]) -> float:
        return statistics.median(values)

    print(f"\n{count:,}-still film, median of {len(results)} fresh processes")
    for phase in ("decode", "film_palette", "barcode", "total"):
        print(f"  {phase:<14} {med([r['seconds'][phase] for r in results]):7.2f} s (under tracemalloc)")
    seconds = med([r["untraced_seconds"] for r in results])
    rss = med([r["maxrss_mb"] for r in results])
    print(
        f"  {'total':<14} {seconds:7.2f} s untraced (target <= {TARGET_SECONDS:.0f} s: "
        f"{_verdict(seconds <= TARGET_SECONDS)})"
    )
    print(
        f"  peak RSS       {rss:7.0f} MB (target <= {TARGET_MB:.0f} MB: {_verdict(rss <= TARGET_MB)}); "
        f"{med([r['maxrss_before_mb'] for r in results]):.0f} MB before the work (interpreter, numpy, inputs)"
    )
    print(
        f"  tracemalloc    {med([r['tracemalloc_peak_mb'] for r in results]):7.0f} MB peak of the work itself"
    )
    print(f"  barcode PNG    {med([r['png_bytes'] for r in results]) / 1024:7.0f} KB")


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--stills", type=int, default=200, help="stills of the generated film (200)")
    parser.add_argument("--big", type=int, default=BIG_FILM, help="stills of the scale run (10,000)")
    parser.add_argument("--runs", type=int, default=3, help="fresh processes of the scale run (3)")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        scale_worker(args.worker)
        return 0
    started = time.perf_counter()
    print(f"film palettes from colour summaries; python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    log("sample stills ...")
    print_fidelity(fidelity("sample stills (samples/stills)", sample_film()))
    log(f"rendering and analysing {args.stills} film-like stills ...")
    generated = generated_film(args.stills)
    print_fidelity(
        fidelity(
            f"generated film (bench/filmlike.py, seed {FILM_SEED}, {FILM_SIZE[0]}x{FILM_SIZE[1]})", generated
        )
    )
    log(f"{args.big} stills, {args.runs} runs ...")
    print_scale(scale(generated, args.big, args.runs), args.big)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
