"""What the benchmark prints: the run's header, one table per figure, the ratios and a met / not-met line
per target; and all the figures as one dictionary for `--json`. Prints facts, asserts nothing.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.images import ImageSets
from bench.methods import BIG_METHODS, METHOD_LABELS, METHODS, PALETTE_METHODS, RECONSTRUCTION_PEERS, K
from bench.metrics import (
    ACCENT_FOUND,
    ACCENT_SAME,
    EVAL_REDUCTION,
    NEAR_DUPLICATE,
    Measurements,
    Summary,
    accents_found,
    median,
    min_pairs,
    paired_reconstruction,
    summarise_figures,
)
from bench.worker import COLD_START_LABEL

Target = tuple[str, bool | None, str]  # what, met (None: not measured), the figure


def fmt(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def met(condition: bool | None) -> str:
    if condition is None:
        return "not measured"
    return "met" if condition else "NOT MET"


def _row_line(row: Sequence[str], widths: Sequence[int]) -> str:
    cells = (
        str(cell).ljust(widths[i]) if i == 0 else str(cell).rjust(widths[i]) for i, cell in enumerate(row)
    )
    return "  " + "  ".join(cells)


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]], note: str = "") -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    if note:
        print(f"  ({note})")
    print(_row_line(header, widths))
    print("  " + "  ".join("-" * width for width in widths))
    for row in rows:
        print(_row_line(row, widths))


def print_header(env: dict[str, Any], quick: bool) -> None:
    """The machine, the versions, and what each method and metric is."""
    print(f"palettes benchmark ({'quick' if quick else 'full'} run)")
    print(f"  Python {env['python']} ({env['implementation']}) on {env['platform']}, {env['cpus']} CPUs")
    print(f"  numpy {env['numpy']}; BLAS: {env['blas']}")
    print(
        f"  thread variables: {env['thread_env'] or 'none set'}; load average at start {env['load_average']}"
    )
    print("  " + ", ".join(f"{name} {ver}" for name, ver in env["versions"].items()))
    print(
        f"  methods: palettes.extract(path, k={K}); KMeans(n_clusters={K}, n_init=10, random_state=0) "
        "on every "
        f"pixel; fast_colorthief.get_palette(path, color_count={K}); pylette.extract_colors(path, "
        f"palette_size={K}, mode='KM'); materialyoucolor ImageQuantizeCelebi(path, 1, {K}); "
        f"extcolors.extract_from_path(path, limit={K}); "
        "Image.open(path).convert('RGB').load()"
    )
    print(
        f"  metrics: CIELAB and CIEDE2000 from scikit-image (independent of the library under test), on a "
        f"1/{EVAL_REDUCTION}-size box-reduced copy of each image; timings are medians of repeats, "
        "from the file path, decode included"
    )


def print_image_sets(images: ImageSets) -> None:
    big = Path(images.big)
    print(
        "  image sets: "
        + ", ".join(f"{name} ({len(paths)})" for name, paths in images.sets.items())
        + f", 24 MP ({big.name}, {big.stat().st_size / 1e6:.1f} MB)"
    )


def cell(
    run: Measurements,
    method: str,
    name: str,
    key: str,
    reducer: Callable[[list[float]], float | None],
    digits: int,
) -> str:
    """A set's figure for a method, reduced over its images; `[n/N]` when it ran on n of the N."""
    values = [fig[key] for fig in run.per_image[method][name].values() if fig.get(key) is not None]
    text = fmt(reducer(values), digits) if values else "-"
    count = len(run.per_image[method][name])
    if values and count < run.size(name):
        text += f" [{count}/{run.size(name)}]"
    return text


def big_median_ms(big: dict[str, Any]) -> float | None:
    """A 24 MP worker's median time, None when it did not run or failed."""
    images = big.get("images", [])
    return median(images[0]["times_ms"]) if images and images[0]["times_ms"] else None


def speed_table(run: Measurements) -> None:
    rows = []
    for method in METHODS:
        failed = run.results[method].get("failed")
        rows.append(
            [
                METHOD_LABELS[method] + (f" (failed: {failed})" if failed else ""),
                *(cell(run, method, name, "median_ms", median, 1) for name in run.set_names),
                fmt(big_median_ms(run.big_results.get(method, {}))) if method in BIG_METHODS else "skipped",
            ]
        )
    reps = ", ".join(f"{m} x{r}" for m, r in run.plan.repeats.items())
    print_table(
        "Speed: median ms per image, from the file path, decode included (lower is better)",
        ["method", *run.set_names, "24 MP"],
        rows,
        f"median over images of each image's median of repeats ({reps}); [n/N]: run on n of N images",
    )


def memory_table(run: Measurements) -> None:
    rows = []
    for method in METHODS:
        big = run.big_results.get(method, {})
        big_images = big.get("images", [])
        big_cell = "skipped"
        if big_images:
            big_cell = f"{fmt(big_images[0]['peak_increase_mb'])} / {fmt(big['process_peak_rss_mb'])}"
        rows.append(
            [
                METHOD_LABELS[method],
                *(cell(run, method, name, "peak_increase_mb", max, 1) for name in run.set_names),
                big_cell,
                fmt(run.results[method].get("baseline_rss_mb")),
            ]
        )
    print_table(
        "Peak memory: MB of RSS above the worker's RSS before the image (max over images)",
        ["method", *run.set_names, "24 MP (+MB / whole process MB)", "worker RSS after imports"],
        rows,
        "VmHWM from /proc/self/status, reset per image via /proc/self/clear_refs after malloc_trim; "
        "one fresh process per method, and another per method for the 24 MP image",
    )


def reconstruction_table(run: Measurements) -> None:
    rows = [
        [
            METHOD_LABELS[method],
            *(cell(run, method, name, "reconstruction", statistics.mean, 2) for name in run.set_names),
        ]
        for method in PALETTE_METHODS
    ]
    print_table(
        "Reconstruction error: mean CIEDE2000 from each pixel to its nearest palette colour "
        "(lower is better)",
        ["method", *run.set_names],
        rows,
        "mean over images; pixels of a 1/4-size copy of each image",
    )


def duplicates_table(run: Measurements, summary: Summary) -> None:
    """Per set and overall: the smallest pair, and how many palettes hold a near-duplicate pair."""
    rows = []
    for method in PALETTE_METHODS:
        cells = []
        count = 0
        for name in run.set_names:
            pairs = min_pairs(run.per_image, method, name)
            count += len(pairs)
            cells.append(f"{fmt(min(pairs)) if pairs else '-'} / {sum(p < NEAR_DUPLICATE for p in pairs)}")
        overall = f"{fmt(summary.min_pairs[method])} / {summary.duplicates[method]} of {count}"
        rows.append([METHOD_LABELS[method], *cells, overall])
    print_table(
        "Near-duplicates: smallest CIEDE2000 between two colours of one palette / "
        f"palettes with a pair < {NEAR_DUPLICATE:g}",
        ["method", *run.set_names, "all"],
        rows,
        "min over images; higher minimum and 0 palettes is better",
    )


def recall_table(run: Measurements, summary: Summary) -> None:
    rows = []
    for method in PALETTE_METHODS:
        found = accents_found(run.per_image, method)
        recall = summary.recall[method]
        rows.append(
            [
                METHOD_LABELS[method],
                f"{recall:.1%}" if recall is not None else "-",
                f"{sum(found)}/{len(found)}",
                f"{len(run.per_image[method]['synthetic'])}/{run.size('synthetic')}",
            ]
        )
    print_table(
        "Accent recall on the synthetic set: planted accents with a palette colour "
        f"within CIEDE2000 < {ACCENT_FOUND:g}",
        ["method", "recall", "found/planted", "cases"],
        rows,
        "bench/synthetic.py, seed 0: muted graded frames with 1-3 saturated patches of 0.5-3 % each",
    )
    missed_accents(run)


def missed_accents(run: Measurements) -> None:
    """A line for each planted accent our palette missed: which still, which colour, how far."""
    for path, fig in run.per_image["ours"]["synthetic"].items():
        for rgb, distance in zip(fig.get("accents", []), fig.get("accent_distances", []), strict=True):
            if distance >= ACCENT_FOUND:
                print(
                    f"  missed by ours: {Path(path).stem} accent {tuple(rgb)}, "
                    f"nearest palette colour at CIEDE2000 {distance:.1f}"
                )


def stability_table(run: Measurements) -> None:
    """Per film-like set: stills whose accents are the same at every downscale, and the pairs."""
    rows = []
    for name in run.film_sets:
        figures = [run.stability[path] for path in run.images.sets[name] if path in run.stability]
        pairs = [same for fig in figures for same in fig["same"].values()]
        with_accents = sum(bool(fig["accents"]) for fig in figures)
        rows.append(
            [
                name,
                f"{sum(fig['stable'] for fig in figures)}/{len(figures)}",
                f"{sum(pairs)}/{len(pairs)}",
                f"{with_accents}/{len(figures)}",
            ]
        )
    print_table(
        "Accent stability: ours on each film-like still and its 1/2 and 1/4 downscales (>= 480 px wide)",
        ["set", "stills stable", "downscales same", "stills with accents"],
        rows,
        f"same: as many accents, paired off one to one within CIEDE2000 {ACCENT_SAME:g}; "
        "Lanczos downscales saved as quality-90 JPEGs",
    )
    for path, fig in run.stability.items():
        if not fig["stable"]:
            copies = "; ".join(
                f"{Path(copy).stem.rsplit('-', 1)[-1]}: {[tuple(rgb) for rgb in accents]}"
                for copy, accents in fig["copies"].items()
            )
            print(f"  not stable: {Path(path).stem} {[tuple(rgb) for rgb in fig['accents']]}; {copies}")


def cold_start_table(run: Measurements) -> None:
    rows = [[label, fmt(fig["median_ms"]), str(fig["error"] or "")] for label, fig in run.cold.items()]
    print_table(
        f"Cold start: wall time of a fresh `python -c ...` (median of {run.plan.cold_repeats})",
        ["program", "ms", "error"],
        rows,
        f"palettes.extract on {Path(run.images.cold_image).name}",
    )


def ratio_lines(summary: Summary) -> None:
    """Timing ratios per image, then the median over images, with their range."""
    print("\nRatios (per image, then median over images; [min..max])")
    for label, ratio in summary.ratios.items():
        if ratio["n"]:
            spread = f"[{ratio['min']:.2f}..{ratio['max']:.2f}]  n={ratio['n']}"
            print(f"  {label:44s} {ratio['median']:8.2f}x  {spread}")
        else:
            print(f"  {label:44s} not measured")


def _paired_target(run: Measurements, other: str, label: str) -> Target:
    paired = paired_reconstruction(run.per_image, other, run.film_sets)
    if paired is None:
        return label, None, "-"
    ours, theirs, count = paired
    return label, ours <= theirs, f"ours {ours:.2f} vs {theirs:.2f}, n={count}"


def speed_targets(run: Measurements, summary: Summary) -> list[Target]:
    floor_ratio = summary.ratios["ours / decode floor, film-like"]["median"]
    notebook = summary.ratios["notebook / ours, film-like"]
    notebook_ratio = notebook["median"]
    return [
        (
            "film-like: median ours <= 1.5x the full JPEG decode",
            None if floor_ratio is None else floor_ratio <= 1.5,
            f"{fmt(floor_ratio, 2)}x",
        ),
        (
            "film-like: >= 50x faster than the notebook",
            None if notebook_ratio is None else notebook_ratio >= 50.0,
            f"{fmt(notebook_ratio, 1)}x (notebook on {notebook['n']} images)",
        ),
    ]


def quality_targets(run: Measurements, summary: Summary) -> list[Target]:
    recall, duplicates, smallest = (
        summary.recall["ours"],
        summary.duplicates["ours"],
        summary.min_pairs["ours"],
    )
    stable = [figures["stable"] for figures in run.stability.values()]
    return [
        *(
            _paired_target(
                run, peer, f"film-like: reconstruction error <= {METHOD_LABELS[peer]} (paired per still)"
            )
            for peer in RECONSTRUCTION_PEERS
        ),
        (
            "accent recall >= 98%",
            None if recall is None else recall >= 0.98,
            "-" if recall is None else f"{recall:.1%}",
        ),
        (
            "film-like: the same accents at 1/2 and 1/4 size (>= 480 px wide)",
            None if not stable else all(stable),
            f"{sum(stable)}/{len(stable)} stills ({sum(stable) / len(stable):.0%})" if stable else "-",
        ),
        (
            f"no palette with a near-duplicate pair (CIEDE2000 < {NEAR_DUPLICATE:g})",
            None if smallest is None else duplicates == 0,
            f"{duplicates} palettes, smallest pair {fmt(smallest)}",
        ),
    ]


def resource_targets(run: Measurements) -> list[Target]:
    big = run.big_results.get("ours", {})
    big_ms = big_median_ms(big)
    reduced_ms = big_median_ms(run.big_results.get("reduced-decode", {}))
    big_peak = big.get("process_peak_rss_mb")
    big_increase = big["images"][0]["peak_increase_mb"] if big.get("images") else None
    cold = run.cold[COLD_START_LABEL]
    return [
        (
            "24 MP: at most 60 ms",
            None if big_ms is None else big_ms <= 60,
            f"{fmt(big_ms)} ms (our 1/8-scale decode alone {fmt(reduced_ms)} ms)",
        ),
        (
            "24 MP: at most 60 MB peak (whole fresh process)",
            None if big_peak is None else big_peak <= 60,
            f"{fmt(big_peak)} MB whole process, +{fmt(big_increase)} MB for the call",
        ),
        (
            "import + first palette at most 250 ms (fresh process)",
            None if cold["error"] else cold["median_ms"] <= 250,
            f"{fmt(cold['median_ms'])} ms",
        ),
    ]


def target_lines(run: Measurements, summary: Summary) -> list[Target]:
    """A met / not-met line per target, and the targets themselves."""
    targets = [*speed_targets(run, summary), *quality_targets(run, summary), *resource_targets(run)]
    print("\nTargets (printed facts, not asserts)")
    for label, condition, detail in targets:
        print(f"  {met(condition):13s} {label}: {detail}")
    print(f"\n  {run.cross_check}")
    return targets


def summarise(run: Measurements) -> dict[str, Any]:
    """Print every table, the ratios and the targets; return all the figures for `--json`."""
    summary = summarise_figures(run)
    speed_table(run)
    memory_table(run)
    reconstruction_table(run)
    duplicates_table(run, summary)
    recall_table(run, summary)
    stability_table(run)
    cold_start_table(run)
    ratio_lines(summary)
    targets = target_lines(run, summary)
    return {
        "plan": run.plan.__dict__,
        "image_sets": run.images.sets,
        "big_image": run.images.big,
        "per_image": run.per_image,
        "workers": {m: {k: v for k, v in r.items() if k != "images"} for m, r in run.results.items()},
        "big": run.big_results,
        "cold": run.cold,
        "stability": run.stability,
        "ratios": summary.ratios,
        "recall": summary.recall,
        "near_duplicates": {"count": summary.duplicates, "min_pair": summary.min_pairs},
        "targets": [
            {"target": label, "met": condition, "detail": detail} for label, condition, detail in targets
        ],
        "cross_check": run.cross_check,
    }
