"""Side-by-side benchmark of the palettes library against the notebook method, peer libraries and the
JPEG decode floor: speed, peak memory, reconstruction error, near-duplicates and accent recall.

Run from the repository root: `.venv/bin/python -m bench.benchmark [--quick] [--json out.json]`. Prints
figures, asserts nothing, exits 0. Every method runs in a fresh worker process (bench/worker.py), so
imports and heap of one method never colour another's figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.images import ImageSets, evenly_spaced, prepare_images
from bench.methods import ACCENTS_METHOD, BIG_METHODS, METHOD_LABELS, METHODS
from bench.metrics import Evaluator, Measurements, accent_stability, evaluate
from bench.plan import FULL, QUICK, Plan
from bench.report import print_header, print_image_sets, summarise
from bench.worker import cold_start, launch_worker, run_worker

VERSIONED_PACKAGES = (
    "numpy",
    "pillow",
    "scikit-learn",
    "scikit-image",
    "fast-colorthief",
    "pylette",
    "materialyoucolor",
    "extcolors",
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def blas_description() -> str:
    """numpy's BLAS as threadpoolctl sees it: library, version, threads, architecture."""
    from threadpoolctl import threadpool_info

    blas = [
        info
        for info in threadpool_info()
        if info.get("user_api") == "blas" and "numpy" in str(info.get("filepath", ""))
    ] or [info for info in threadpool_info() if info.get("user_api") == "blas"]
    return (
        ", ".join(
            f"{info.get('internal_api')} {info.get('version')} ({Path(str(info.get('filepath'))).name}, "
            f"{info.get('num_threads')} threads, {info.get('threading_layer')}, {info.get('architecture')})"
            for info in blas
        )
        or "no BLAS found by threadpoolctl"
    )


def package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for package in VERSIONED_PACKAGES:
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def environment() -> dict[str, Any]:
    """The machine and the versions the figures were taken with."""
    import numpy as np

    threads_env = {
        name: os.environ[name]
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
        if name in os.environ
    }
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "numpy": np.__version__,
        "blas": blas_description(),
        "thread_env": threads_env,
        "versions": package_versions(),
    }


def run_methods(plan: Plan, images: ImageSets, workdir: Path) -> dict[str, dict[str, Any]]:
    """Each method in its own worker on every set (the slow ones on the plan's subsets)."""
    results: dict[str, dict[str, Any]] = {}
    for method in METHODS:
        jobs = []
        for name, paths in images.sets.items():
            count = plan.subsets.get(method, {}).get(name, len(paths))
            jobs += [(path, plan.repeats[method]) for path in evenly_spaced(paths, count)]
        log(f"running {METHOD_LABELS[method]} on {len(jobs)} images ...")
        results[method] = launch_worker(method, jobs, images.warmup, workdir)
        if "failed" in results[method]:
            log(f"  failed: {results[method]['failed']}")
    return results


def run_big(plan: Plan, images: ImageSets, workdir: Path) -> dict[str, dict[str, Any]]:
    """The 24 MP frame, in another worker per method."""
    results: dict[str, dict[str, Any]] = {}
    for method in BIG_METHODS:
        log(f"running {METHOD_LABELS[method]} on the 24 MP image ...")
        results[method] = launch_worker(
            method, [(images.big, plan.big_repeats[method])], images.warmup, workdir
        )
    return results


def run_accents(images: ImageSets, workdir: Path) -> dict[str, Any]:
    """Our flagged accents on every film-like still and its downscales, once each (not timed)."""
    paths = [path for full, copies in images.downscaled.items() for path in (full, *copies)]
    log(f"accents of {len(images.downscaled)} film-like stills and their downscales ...")
    return launch_worker(ACCENTS_METHOD, [(path, 1) for path in paths], images.warmup, workdir)


def measure(plan: Plan, workdir: Path) -> Measurements:
    """Prepare the images in `workdir`, run every worker and the cold starts, and evaluate the palettes."""
    log("preparing images ...")
    images = prepare_images(plan, workdir)
    print_image_sets(images)
    results = run_methods(plan, images, workdir)
    big_results = run_big(plan, images, workdir)
    accents = run_accents(images, workdir)
    log("cold starts ...")
    cold = cold_start(images.cold_image, plan.cold_repeats)
    log("evaluating palettes ...")
    evaluator = Evaluator()
    per_image = evaluate(evaluator, results, images)
    stability = accent_stability(evaluator, accents, images)
    cross_check = evaluator.library_cross_check()
    return Measurements(plan, images, per_image, results, big_results, cold, cross_check, stability)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer images and repeats (about a minute)")
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    parser.add_argument("--worker", nargs=2, type=Path, metavar=("JOB", "RESULT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        run_worker(*args.worker)
        return 0

    started = time.perf_counter()
    env = environment()
    print_header(env, args.quick)
    with tempfile.TemporaryDirectory(prefix="palettes-bench-") as tmp:
        run = measure(QUICK if args.quick else FULL, Path(tmp))
    report = summarise(run)
    report["environment"] = env
    report["seconds"] = time.perf_counter() - started
    print(f"\ntotal {report['seconds']:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
