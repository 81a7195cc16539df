"""Side-by-side benchmark of the palettes library against the notebook method, peer libraries and the
JPEG decode floor: speed, peak memory, reconstruction error, near-duplicates and accent recall.

Run: `.venv/bin/python bench/benchmark.py [--quick] [--json out.json]`. Prints figures, asserts nothing,
exits 0. Every method runs in a fresh worker process (this script with `--worker`), so imports and heap
of one method never colour another's figures.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
LAYER = REPO / "layers" / "palettes"
STILLS = REPO / "samples" / "stills"
for _path in (LAYER, REPO):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

Rgb = tuple[int, int, int]

K = 6
NEAR_DUPLICATE = 5.0  # CIEDE2000 below which two palette colours look the same
ACCENT_FOUND = 10.0  # CIEDE2000 within which a palette colour counts as the planted accent
EVAL_REDUCTION = 4  # reconstruction is measured on a box-reduced 1/4-size copy, the same for all methods
FILM_SIZES = ((1280, 700), (1920, 1080))
BIG_SIZE = (6000, 4000)

METHOD_LABELS = {
    "ours": "palettes (ours, defaults)",
    "notebook": "notebook (KMeans all pixels RGB)",
    "fast-colorthief": "fast-colorthief",
    "pylette": "Pylette",
    "extcolors": "extcolors",
    "decode": "JPEG decode (floor)",
}
METHODS = tuple(METHOD_LABELS)
PALETTE_METHODS = tuple(method for method in METHODS if method != "decode")
BIG_METHODS = ("ours", "decode", "fast-colorthief", "pylette")  # notebook and extcolors take minutes at 24 MP


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
    film_stills=99,
    synthetic=40,
    repeats={"ours": 7, "decode": 7, "fast-colorthief": 5, "pylette": 3, "extcolors": 1, "notebook": 1},
    big_repeats={"ours": 7, "decode": 7, "fast-colorthief": 2, "pylette": 2},
    cold_repeats=5,
    subsets={"notebook": {"film-1280x700": 2, "film-1920x1080": 2, "synthetic": 16}},
)
QUICK = Plan(
    stills=3,
    film_stills=2,
    synthetic=8,
    repeats={"ours": 3, "decode": 3, "fast-colorthief": 3, "pylette": 1, "extcolors": 1, "notebook": 1},
    big_repeats={"ours": 3, "decode": 3, "fast-colorthief": 1, "pylette": 1},
    cold_repeats=3,
    subsets={
        "notebook": {"stills": 1, "film-1280x700": 0, "film-1920x1080": 1, "synthetic": 2},
        "extcolors": {"synthetic": 4},
    },
)


# --------------------------------------------------------------------------------------------------
# Worker side: one method, a list of images, timings, per-image peak RSS and the palettes.
# --------------------------------------------------------------------------------------------------


def palette_function(method: str) -> Callable[[str], list[Rgb]]:
    """The method as `path -> palette colours`, imports done here (outside the timed calls)."""
    if method == "ours":
        import palettes

        def ours(path: str) -> list[Rgb]:
            return [color.rgb for color in palettes.extract(path, k=K).colors]

        return ours
    if method == "notebook":
        import numpy as np
        from PIL import Image
        from sklearn.cluster import KMeans

        def notebook(path: str) -> list[Rgb]:
            # The original notebook: every full-resolution pixel, RGB, scikit-learn KMeans.
            with Image.open(path) as image:
                pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
            model = KMeans(n_clusters=K, n_init=10, random_state=0).fit(pixels)
            centres = np.clip(np.rint(model.cluster_centers_), 0, 255).astype(int)
            return [(int(r), int(g), int(b)) for r, g, b in centres]

        return notebook
    if method == "fast-colorthief":
        import fast_colorthief

        def colorthief(path: str) -> list[Rgb]:
            return [(int(r), int(g), int(b)) for r, g, b in fast_colorthief.get_palette(path, color_count=K)]

        return colorthief
    if method == "pylette":
        import pylette

        def pylette_km(path: str) -> list[Rgb]:
            palette = pylette.extract_colors(path, palette_size=K, mode="KM")  # default resize (256x256)
            return [(int(c.rgb[0]), int(c.rgb[1]), int(c.rgb[2])) for c in palette.colors]

        return pylette_km
    if method == "extcolors":
        import extcolors

        def extcolors_top(path: str) -> list[Rgb]:
            colors, _ = extcolors.extract_from_path(path, limit=K)
            return [(int(r), int(g), int(b)) for (r, g, b), _count in colors]

        return extcolors_top
    if method == "decode":
        from PIL import Image

        def decode(path: str) -> list[Rgb]:
            with Image.open(path) as image:
                image.convert("RGB").load()
            return []

        return decode
    raise ValueError(f"unknown method {method!r}")


class PeakMemory:
    """Peak RSS from /proc/self/status; /proc/self/clear_refs (value 5) resets the peak between images.

    tracemalloc would miss what C and Fortran code allocates outside Python's allocator, so RSS it is.
    """

    def __init__(self) -> None:
        self.process_peak_kb = 0
        self.can_reset = True

    @staticmethod
    def status_kb(field_name: str) -> int:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
        raise RuntimeError(f"{field_name} not in /proc/self/status")

    def reset(self) -> None:
        """Return freed heap to the OS, then restart the peak from the current RSS."""
        self.process_peak_kb = max(self.process_peak_kb, self.status_kb("VmHWM"))
        gc.collect()
        # Without this, memory an earlier image freed stays in malloc's arenas and the next image
        # reuses it unseen: its increase would read as zero. Not glibc: figures may under-count reuse.
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).malloc_trim(0)
        try:
            with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
                clear.write("5")
        except OSError:
            self.can_reset = False

    def peak_kb(self) -> int:
        peak = self.status_kb("VmHWM")
        self.process_peak_kb = max(self.process_peak_kb, peak)
        return peak


def run_worker(job_path: Path, result_path: Path) -> None:
    job = json.loads(job_path.read_text())
    memory = PeakMemory()
    started = time.perf_counter()
    function = palette_function(job["method"])
    function(job["warmup"])  # first-call costs (lazy imports, caches) are not per-image costs
    gc.collect()
    baseline_kb = memory.status_kb("VmRSS")
    images = []
    for image in job["images"]:
        memory.reset()
        before_kb = memory.status_kb("VmRSS")
        times_ms: list[float] = []
        palette: list[Rgb] = []
        error = None
        try:
            for _ in range(image["repeats"]):
                start = time.perf_counter()
                palette = function(image["path"])
                times_ms.append((time.perf_counter() - start) * 1000)
        except Exception as exc:  # a peer library failing on one image is a figure, not a crash
            error = f"{type(exc).__name__}: {exc}"
        peak_increase_mb = (memory.peak_kb() - before_kb) / 1024 if memory.can_reset or not images else None
        images.append(
            {
                "path": image["path"],
                "times_ms": times_ms,
                "peak_increase_mb": peak_increase_mb,
                "palette": [list(rgb) for rgb in palette],
                "error": error,
            }
        )
    memory.peak_kb()
    result = {
        "method": job["method"],
        "baseline_rss_mb": baseline_kb / 1024,
        "process_peak_rss_mb": memory.process_peak_kb / 1024,
        "seconds": time.perf_counter() - started,
        "images": images,
    }
    result_path.write_text(json.dumps(result))


# --------------------------------------------------------------------------------------------------
# Parent side: images, workers, metrics, tables.
# --------------------------------------------------------------------------------------------------


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def evenly_spaced(items: Sequence[Any], count: int) -> list[Any]:
    if count >= len(items):
        return list(items)
    if count <= 0:
        return []
    if count == 1:
        return [items[len(items) // 2]]
    step = (len(items) - 1) / (count - 1)
    return [items[round(i * step)] for i in range(count)]


@dataclass
class ImageSets:
    sets: dict[str, list[str]]
    synthetic_truth: dict[str, list[Rgb]]
    big: str
    warmup: str
    cold_image: str


def prepare_images(plan: Plan, workdir: Path) -> ImageSets:
    import numpy as np
    from PIL import Image, ImageOps

    from bench.synthetic import generate_accent_set

    stills = evenly_spaced(sorted(STILLS.glob("*.jpg")), plan.stills)
    if not stills:
        raise SystemExit(f"no sample stills in {STILLS}: run samples/make_samples.py")
    sets: dict[str, list[str]] = {"stills": [str(path) for path in stills]}

    film_sources = evenly_spaced(stills, plan.film_stills)
    for width, height in FILM_SIZES:
        name = f"film-{width}x{height}"
        folder = workdir / name
        folder.mkdir()
        sets[name] = []
        for source in film_sources:
            with Image.open(source) as opened:
                # Crop to the frame's aspect and resize: a still as a film scan would be delivered.
                frame = ImageOps.fit(opened.convert("RGB"), (width, height), Image.Resampling.LANCZOS)
            target = folder / f"{source.stem}-{width}x{height}.jpg"
            frame.save(target, "JPEG", quality=90)
            sets[name].append(str(target))

    folder = workdir / "synthetic"
    folder.mkdir()
    truth: dict[str, list[Rgb]] = {}
    sets["synthetic"] = []
    for case in generate_accent_set(plan.synthetic, seed=0):
        target = folder / f"{case.name}.jpg"
        target.write_bytes(case.jpeg)
        sets["synthetic"].append(str(target))
        truth[str(target)] = list(case.accents)

    # 24 MP: a sample upscaled to 6000x4000 plus luminance grain, so the JPEG holds real detail to decode.
    source = next((path for path in stills if path.stem == "coffee"), stills[0])
    with Image.open(source) as opened:
        big = np.asarray(ImageOps.fit(opened.convert("RGB"), BIG_SIZE, Image.Resampling.BICUBIC)).copy()
    rng = np.random.default_rng(0)
    for row in range(0, big.shape[0], 500):
        chunk = big[row : row + 500].astype(np.int16)
        chunk += np.rint(rng.normal(0.0, 4.0, size=(*chunk.shape[:2], 1))).astype(np.int16)
        big[row : row + 500] = np.clip(chunk, 0, 255).astype(np.uint8)
    big_path = workdir / f"{source.stem}-6000x4000.jpg"
    Image.fromarray(big).save(big_path, "JPEG", quality=90)
    del big

    warmup = str(min(STILLS.glob("*.jpg"), key=lambda path: path.stat().st_size))
    return ImageSets(sets, truth, str(big_path), warmup, sets["film-1920x1080"][0])


def launch_worker(method: str, images: list[tuple[str, int]], warmup: str, workdir: Path) -> dict[str, Any]:
    job_path = workdir / f"job-{method}-{time.monotonic_ns()}.json"
    result_path = job_path.with_suffix(".result.json")
    job = {"method": method, "warmup": warmup, "images": [{"path": p, "repeats": r} for p, r in images]}
    job_path.write_text(json.dumps(job))
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(job_path), str(result_path)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0 or not result_path.exists():
        tail = (completed.stderr or completed.stdout).strip().splitlines()[-3:]
        return {"method": method, "failed": " | ".join(tail) or f"exit {completed.returncode}", "images": []}
    result: dict[str, Any] = json.loads(result_path.read_text())
    return result


def cold_start(image: str, repeats: int) -> dict[str, Any]:
    """Wall time of fresh interpreters: import + first palette, against importing Pillow alone."""
    programs = {
        "python -c pass": "pass",
        "import PIL.Image": "import PIL.Image",
        "import palettes": f"import sys; sys.path.insert(0, {str(LAYER)!r}); import palettes",
        "import palettes; palettes.extract(path)": (
            f"import sys; sys.path.insert(0, {str(LAYER)!r}); import palettes; palettes.extract({image!r})"
        ),
    }
    figures: dict[str, Any] = {}
    for label, program in programs.items():
        times = []
        error = None
        for _ in range(repeats):
            start = time.perf_counter()
            completed = subprocess.run([sys.executable, "-c", program], capture_output=True, check=False)
            times.append((time.perf_counter() - start) * 1000)
            if completed.returncode != 0:
                error = completed.stderr.decode(errors="replace").strip().splitlines()[-1:]
        figures[label] = {"median_ms": statistics.median(times), "times_ms": times, "error": error}
    return figures


class Evaluator:
    """The metrics, computed with scikit-image's CIELAB and CIEDE2000, independent of the library."""

    def __init__(self) -> None:
        import numpy as np
        from skimage.color import deltaE_ciede2000, rgb2lab

        self.np = np
        self.rgb2lab = rgb2lab
        self.delta_e = deltaE_ciede2000
        self._eval_lab: dict[str, Any] = {}

    def lab(self, colours: Sequence[Sequence[int]]) -> Any:
        return self.rgb2lab(self.np.asarray(colours, dtype=self.np.uint8).reshape(1, -1, 3))[0]

    def evaluation_lab(self, path: str) -> Any:
        if path not in self._eval_lab:
            from PIL import Image

            with Image.open(path) as image:
                reduced = image.convert("RGB").reduce(EVAL_REDUCTION)
            self._eval_lab[path] = self.rgb2lab(self.np.asarray(reduced)).reshape(-1, 3)
        return self._eval_lab[path]

    def reconstruction(self, path: str, palette: Sequence[Sequence[int]]) -> float | None:
        """Mean CIEDE2000 from each evaluation pixel to its nearest palette colour."""
        if not palette:
            return None
        pixels = self.evaluation_lab(path)
        colours = self.lab(palette)
        nearest = self.np.full(len(pixels), self.np.inf)
        for colour in colours:  # one colour at a time keeps memory flat on big evaluation images
            nearest = self.np.minimum(nearest, self.delta_e(pixels, colour[None, :]))
        return float(nearest.mean())

    def min_pair(self, palette: Sequence[Sequence[int]]) -> float | None:
        if len(palette) < 2:
            return None
        colours = self.lab(palette)
        distances = self.delta_e(colours[:, None, :], colours[None, :, :])
        upper = distances[self.np.triu_indices(len(colours), k=1)]
        return float(upper.min())

    def accent_distances(self, accents: Sequence[Rgb], palette: Sequence[Sequence[int]]) -> list[float]:
        """For each planted accent, the CIEDE2000 to the nearest palette colour (inf for no palette)."""
        if not palette:
            return [float("inf")] * len(accents)
        colours = self.lab(palette)
        return [float(self.delta_e(colours, self.lab([accent])[0][None, :]).min()) for accent in accents]

    def library_cross_check(self) -> str:
        """How far the library's own colour maths is from skimage's (information only)."""
        try:
            from palettes import colorspace
        except ImportError as exc:
            return f"palettes.colorspace not importable ({exc}); metrics use skimage only"
        rng = self.np.random.default_rng(0)
        first = rng.integers(0, 256, size=(5000, 3), dtype=self.np.uint8)
        second = rng.integers(0, 256, size=(5000, 3), dtype=self.np.uint8)
        lab1, lab2 = self.lab(first), self.lab(second)
        lab_gap = float(self.np.abs(colorspace.srgb_to_lab(first) - lab1).max())
        de_gap = float(self.np.abs(colorspace.ciede2000(lab1, lab2) - self.delta_e(lab1, lab2)).max())
        return (
            f"palettes.colorspace vs skimage on 5000 random colours: max |dLab| {lab_gap:.3g}, "
            f"max |dE00| {de_gap:.3g}"
        )


def environment() -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    import numpy as np
    from threadpoolctl import threadpool_info

    blas = [
        info
        for info in threadpool_info()
        if info.get("user_api") == "blas" and "numpy" in str(info.get("filepath", ""))
    ] or [info for info in threadpool_info() if info.get("user_api") == "blas"]
    blas_line = (
        ", ".join(
            f"{info.get('internal_api')} {info.get('version')} ({Path(str(info.get('filepath'))).name}, "
            f"{info.get('num_threads')} threads, {info.get('threading_layer')}, {info.get('architecture')})"
            for info in blas
        )
        or "no BLAS found by threadpoolctl"
    )
    versions = {}
    for package in (
        "numpy",
        "pillow",
        "scikit-learn",
        "scikit-image",
        "fast-colorthief",
        "pylette",
        "extcolors",
    ):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "not installed"
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
        "blas": blas_line,
        "thread_env": threads_env,
        "versions": versions,
    }


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def fmt(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]], note: str = "") -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    if note:
        print(f"  ({note})")
    line = "  " + "  ".join(
        str(cell).ljust(widths[i]) if i == 0 else str(cell).rjust(widths[i]) for i, cell in enumerate(header)
    )
    print(line)
    print("  " + "  ".join("-" * width for width in widths))
    for row in rows:
        print(
            "  "
            + "  ".join(
                str(cell).ljust(widths[i]) if i == 0 else str(cell).rjust(widths[i])
                for i, cell in enumerate(row)
            )
        )


def met(condition: bool | None) -> str:
    if condition is None:
        return "not measured"
    return "met" if condition else "NOT MET"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer images and repeats (about a minute)")
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    parser.add_argument("--worker", nargs=2, type=Path, metavar=("JOB", "RESULT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        run_worker(*args.worker)
        return 0

    plan = QUICK if args.quick else FULL
    started = time.perf_counter()
    env = environment()
    print(f"palettes benchmark ({'quick' if args.quick else 'full'} run)")
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
        f"palette_size={K}, mode='KM'); extcolors.extract_from_path(path, limit={K}); "
        "Image.open(path).convert('RGB').load()"
    )
    print(
        f"  metrics: CIELAB and CIEDE2000 from scikit-image (independent of the library under test), on a "
        f"1/{EVAL_REDUCTION}-size box-reduced copy of each image; timings are medians of repeats, "
        "from the file path, decode included"
    )

    with tempfile.TemporaryDirectory(prefix="palettes-bench-") as tmp:
        workdir = Path(tmp)
        log("preparing images ...")
        images = prepare_images(plan, workdir)
        set_names = list(images.sets)
        sizes = {name: len(paths) for name, paths in images.sets.items()}
        print(
            "  image sets: "
            + ", ".join(f"{name} ({count})" for name, count in sizes.items())
            + f", 24 MP ({Path(images.big).name}, {Path(images.big).stat().st_size / 1e6:.1f} MB)"
        )

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
        big_results: dict[str, dict[str, Any]] = {}
        for method in BIG_METHODS:
            log(f"running {METHOD_LABELS[method]} on the 24 MP image ...")
            big_results[method] = launch_worker(
                method, [(images.big, plan.big_repeats[method])], images.warmup, workdir
            )
        log("cold starts ...")
        cold = cold_start(images.cold_image, plan.cold_repeats)

        log("evaluating palettes ...")
        evaluator = Evaluator()
        # per method, per set: {path: figures}
        per_image: dict[str, dict[str, dict[str, dict[str, Any]]]] = {}
        for method, result in results.items():
            per_image[method] = {name: {} for name in set_names}
            for image in result.get("images", []):
                name = next(n for n, paths in images.sets.items() if image["path"] in paths)
                figures: dict[str, Any] = {
                    "median_ms": median(image["times_ms"]),
                    "peak_increase_mb": image["peak_increase_mb"],
                    "palette": image["palette"],
                    "error": image["error"],
                }
                if method in PALETTE_METHODS and image["palette"]:
                    figures["reconstruction"] = evaluator.reconstruction(image["path"], image["palette"])
                    figures["min_pair"] = evaluator.min_pair(image["palette"])
                if method in PALETTE_METHODS and name == "synthetic":
                    # A failed extraction misses its accents rather than leaving the count.
                    accents = images.synthetic_truth[image["path"]]
                    distances = evaluator.accent_distances(accents, image["palette"])
                    figures["accents"] = [list(rgb) for rgb in accents]
                    figures["accent_distances"] = distances
                    figures["accents_found"] = [distance < ACCENT_FOUND for distance in distances]
                per_image[method][name][image["path"]] = figures
        cross_check = evaluator.library_cross_check()

    report = summarise(plan, images, set_names, sizes, per_image, results, big_results, cold, cross_check)
    report["environment"] = env
    report["seconds"] = time.perf_counter() - started
    print(f"\ntotal {report['seconds']:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
        print(f"figures written to {args.json}")
    return 0


def summarise(
    plan: Plan,
    images: ImageSets,
    set_names: list[str],
    sizes: dict[str, int],
    per_image: dict[str, dict[str, dict[str, dict[str, Any]]]],
    results: dict[str, dict[str, Any]],
    big_results: dict[str, dict[str, Any]],
    cold: dict[str, Any],
    cross_check: str,
) -> dict[str, Any]:
    film_sets = [name for name in set_names if name.startswith("film-")]
    quality_sets = list(set_names)

    def cell(
        method: str, name: str, key: str, reducer: Callable[[list[float]], float | None], digits: int
    ) -> str:
        values = [fig[key] for fig in per_image[method][name].values() if fig.get(key) is not None]
        text = fmt(reducer(values), digits) if values else "-"
        count = len(per_image[method][name])
        if values and count < sizes[name]:
            text += f" [{count}/{sizes[name]}]"
        return text

    def failed_note(method: str) -> str:
        return f" (failed: {results[method]['failed']})" if "failed" in results[method] else ""

    # Speed.
    header = ["method", *set_names, "24 MP"]
    rows = []
    for method in METHODS:
        big = big_results.get(method, {}).get("images", [])
        big_ms = median(big[0]["times_ms"]) if big and big[0]["times_ms"] else None
        rows.append(
            [
                METHOD_LABELS[method] + failed_note(method),
                *(cell(method, name, "median_ms", median, 1) for name in set_names),
                fmt(big_ms) if method in BIG_METHODS else "skipped",
            ]
        )
    reps = ", ".join(f"{m} x{r}" for m, r in plan.repeats.items())
    print_table(
        "Speed: median ms per image, from the file path, decode included (lower is better)",
        header,
        rows,
        f"median over images of each image's median of repeats ({reps}); [n/N]: run on n of N images",
    )

    # Memory.
    rows = []
    for method in METHODS:
        big = big_results.get(method, {})
        big_images = big.get("images", [])
        big_cell = "skipped"
        if big_images:
            big_cell = f"{fmt(big_images[0]['peak_increase_mb'])} / {fmt(big['process_peak_rss_mb'])}"
        rows.append(
            [
                METHOD_LABELS[method],
                *(cell(method, name, "peak_increase_mb", max, 1) for name in set_names),
                big_cell,
                fmt(results[method].get("baseline_rss_mb")),
            ]
        )
    print_table(
        "Peak memory: MB of RSS above the worker's RSS before the image (max over images)",
        ["method", *set_names, "24 MP (+MB / whole process MB)", "worker RSS after imports"],
        rows,
        "VmHWM from /proc/self/status, reset per image via /proc/self/clear_refs after malloc_trim; "
        "one fresh process per method, and another per method for the 24 MP image",
    )

    # Reconstruction.
    rows = []
    for method in PALETTE_METHODS:
        rows.append(
            [
                METHOD_LABELS[method],
                *(cell(method, name, "reconstruction", statistics.mean, 2) for name in quality_sets),
            ]
        )
    print_table(
        "Reconstruction error: mean CIEDE2000 from each pixel to its nearest palette colour "
        "(lower is better)",
        ["method", *quality_sets],
        rows,
        "mean over images; pixels of a 1/4-size copy of each image",
    )

    # Near-duplicates.
    rows = []
    duplicates: dict[str, int] = {}
    min_pairs: dict[str, float | None] = {}
    for method in PALETTE_METHODS:
        cells = []
        all_pairs = []
        for name in quality_sets:
            pairs = [
                fig["min_pair"] for fig in per_image[method][name].values() if fig.get("min_pair") is not None
            ]
            all_pairs += pairs
            close = sum(pair < NEAR_DUPLICATE for pair in pairs)
            cells.append(f"{fmt(min(pairs)) if pairs else '-'} / {close}")
        duplicates[method] = sum(pair < NEAR_DUPLICATE for pair in all_pairs)
        min_pairs[method] = min(all_pairs) if all_pairs else None
        rows.append(
            [
                METHOD_LABELS[method],
                *cells,
                f"{fmt(min_pairs[method])} / {duplicates[method]} of {len(all_pairs)}",
            ]
        )
    print_table(
        "Near-duplicates: smallest CIEDE2000 between two colours of one palette / "
        f"palettes with a pair < {NEAR_DUPLICATE:g}",
        ["method", *quality_sets, "all"],
        rows,
        "min over images; higher minimum and 0 palettes is better",
    )

    # Accent recall.
    rows = []
    recall: dict[str, float | None] = {}
    for method in PALETTE_METHODS:
        found = [
            hit for fig in per_image[method]["synthetic"].values() for hit in fig.get("accents_found", [])
        ]
        recall[method] = sum(found) / len(found) if found else None
        cases = len(per_image[method]["synthetic"])
        rows.append(
            [
                METHOD_LABELS[method],
                f"{recall[method]:.1%}" if recall[method] is not None else "-",
                f"{sum(found)}/{len(found)}",
                f"{cases}/{sizes['synthetic']}",
            ]
        )
    print_table(
        "Accent recall on the synthetic set: planted accents with a palette colour "
        f"within CIEDE2000 < {ACCENT_FOUND:g}",
        ["method", "recall", "found/planted", "cases"],
        rows,
        "bench/synthetic.py, seed 0: muted graded frames with 1-3 saturated patches of 0.5-3 % each",
    )
    for path, fig in per_image["ours"]["synthetic"].items():
        for rgb, distance in zip(fig.get("accents", []), fig.get("accent_distances", []), strict=True):
            if distance >= ACCENT_FOUND:
                print(
                    f"  missed by ours: {Path(path).stem} accent {tuple(rgb)}, "
                    f"nearest palette colour at CIEDE2000 {distance:.1f}"
                )

    # Cold start.
    rows = [
        [label, fmt(figures["median_ms"]), str(figures["error"] or "")] for label, figures in cold.items()
    ]
    print_table(
        f"Cold start: wall time of a fresh `python -c ...` (median of {plan.cold_repeats})",
        ["program", "ms", "error"],
        rows,
        f"palettes.extract on {Path(images.cold_image).name}",
    )

    # Ratios, per image, then the median over images.
    def ratios(numerator: str, denominator: str, names: Sequence[str]) -> list[float]:
        values = []
        for name in names:
            for path, fig in per_image[denominator][name].items():
                other = per_image[numerator][name].get(path)
                if other and other.get("median_ms") and fig.get("median_ms"):
                    values.append(other["median_ms"] / fig["median_ms"])
        return values

    print("\nRatios (per image, then median over images; [min..max])")
    ratio_figures: dict[str, Any] = {}
    for label, numerator, denominator, names in (
        ("ours / decode floor, film-sized", "ours", "decode", film_sets),
        *((f"ours / decode floor, {name}", "ours", "decode", [name]) for name in film_sets),
        ("ours / decode floor, stills", "ours", "decode", ["stills"]),
        ("notebook / ours, film-sized", "notebook", "ours", film_sets),
        ("notebook / ours, stills", "notebook", "ours", ["stills"]),
        ("Pylette / ours, film-sized", "pylette", "ours", film_sets),
        ("fast-colorthief / ours, film-sized", "fast-colorthief", "ours", film_sets),
    ):
        values = ratios(numerator, denominator, names)
        ratio_figures[label] = {
            "median": median(values),
            "min": min(values, default=None),
            "max": max(values, default=None),
            "n": len(values),
        }
        if values:
            print(
                f"  {label:38s} {median(values):8.2f}x  "
                f"[{min(values):.2f}..{max(values):.2f}]  n={len(values)}"
            )
        else:
            print(f"  {label:38s} not measured")

    # Targets.
    def paired_reconstruction(other: str) -> tuple[float, float, int] | None:
        ours_values, other_values = [], []
        for name in ("stills", *film_sets):
            for path, fig in per_image[other][name].items():
                mine = per_image["ours"][name].get(path)
                if mine and mine.get("reconstruction") is not None and fig.get("reconstruction") is not None:
                    ours_values.append(mine["reconstruction"])
                    other_values.append(fig["reconstruction"])
        if not ours_values:
            return None
        return statistics.mean(ours_values), statistics.mean(other_values), len(ours_values)

    floor_ratio = ratio_figures["ours / decode floor, film-sized"]["median"]
    notebook_ratio = ratio_figures["notebook / ours, film-sized"]["median"]
    versus_notebook = paired_reconstruction("notebook")
    versus_pylette = paired_reconstruction("pylette")
    big_ours = big_results.get("ours", {})
    big_ours_ms = (
        median(big_ours["images"][0]["times_ms"])
        if big_ours.get("images") and big_ours["images"][0]["times_ms"]
        else None
    )
    big_peak = big_ours.get("process_peak_rss_mb")
    big_increase = big_ours["images"][0]["peak_increase_mb"] if big_ours.get("images") else None
    cold_ms = cold["import palettes; palettes.extract(path)"]["median_ms"]
    cold_failed = bool(cold["import palettes; palettes.extract(path)"]["error"])

    targets = [
        (
            "film-sized: median ours <= 2x JPEG decode",
            None if floor_ratio is None else floor_ratio <= 2.0,
            f"{fmt(floor_ratio, 2)}x",
        ),
        (
            "film-sized: >= 50x faster than the notebook",
            None if notebook_ratio is None else notebook_ratio >= 50.0,
            f"{fmt(notebook_ratio, 1)}x "
            f"(notebook on {ratio_figures['notebook / ours, film-sized']['n']} images)",
        ),
        (
            "reconstruction error <= notebook KMeans (stills + film-sized, paired)",
            None if versus_notebook is None else versus_notebook[0] <= versus_notebook[1],
            "-"
            if versus_notebook is None
            else f"ours {versus_notebook[0]:.2f} vs {versus_notebook[1]:.2f}, n={versus_notebook[2]}",
        ),
        (
            "reconstruction error <= Pylette (stills + film-sized, paired)",
            None if versus_pylette is None else versus_pylette[0] <= versus_pylette[1],
            "-"
            if versus_pylette is None
            else f"ours {versus_pylette[0]:.2f} vs {versus_pylette[1]:.2f}, n={versus_pylette[2]}",
        ),
        (
            "accent recall >= 97%",
            None if recall["ours"] is None else recall["ours"] >= 0.97,
            "-" if recall["ours"] is None else f"{recall['ours']:.1%}",
        ),
        (
            f"no palette with a near-duplicate pair (CIEDE2000 < {NEAR_DUPLICATE:g})",
            None if min_pairs["ours"] is None else duplicates["ours"] == 0,
            f"{duplicates['ours']} palettes, smallest pair {fmt(min_pairs['ours'])}",
        ),
        (
            "24 MP: under 150 ms",
            None if big_ours_ms is None else big_ours_ms < 150,
            f"{fmt(big_ours_ms)} ms",
        ),
        (
            "24 MP: under 250 MB peak (whole fresh process)",
            None if big_peak is None else big_peak < 250,
            f"{fmt(big_peak)} MB whole process, +{fmt(big_increase)} MB for the call",
        ),
        (
            "import + first palette under 1 s (fresh process)",
            None if cold_failed else cold_ms < 1000,
            f"{fmt(cold_ms)} ms",
        ),
    ]
    print("\nTargets (printed facts, not asserts)")
    for label, condition, detail in targets:
        print(f"  {met(condition):13s} {label}: {detail}")
    print(f"\n  {cross_check}")

    return {
        "plan": plan.__dict__,
        "image_sets": images.sets,
        "big_image": images.big,
        "per_image": per_image,
        "workers": {m: {k: v for k, v in r.items() if k != "images"} for m, r in results.items()},
        "big": big_results,
        "cold": cold,
        "ratios": ratio_figures,
        "recall": recall,
        "near_duplicates": {"count": duplicates, "min_pair": min_pairs},
        "targets": [
            {"target": label, "met": condition, "detail": detail} for label, condition, detail in targets
        ],
        "cross_check": cross_check,
    }


if __name__ == "__main__":
    sys.exit(main())
