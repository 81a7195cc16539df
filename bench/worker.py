"""The fresh processes of the benchmark: the worker that times one method on a list of images, its
launcher, and the cold starts of `import palettes`.

Every method runs in a process of its own (`python -m bench.worker JOB RESULT`), so imports and heap of
one method never colour another's figures. The worker imports only the standard library and
bench.methods before it measures.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.methods import PaletteFunction, Rgb, palette_function

REPO = Path(__file__).resolve().parents[1]


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


def measure_image(
    function: PaletteFunction, image: dict[str, Any], memory: PeakMemory, first: bool
) -> dict[str, Any]:
    """Time `repeats` calls on one image and its peak RSS increase (None once the peak cannot be reset)."""
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
    peak_increase_mb = (memory.peak_kb() - before_kb) / 1024 if memory.can_reset or first else None
    return {
        "path": image["path"],
        "times_ms": times_ms,
        "peak_increase_mb": peak_increase_mb,
        "palette": [list(rgb) for rgb in palette],
        "error": error,
    }


def run_worker(job_path: Path, result_path: Path) -> None:
    """Run the job file's method on its images and write the figures to `result_path` as JSON."""
    job = json.loads(job_path.read_text())
    memory = PeakMemory()
    started = time.perf_counter()
    function = palette_function(job["method"])
    function(job["warmup"])  # first-call costs (lazy imports, caches) are not per-image costs
    gc.collect()
    baseline_kb = memory.status_kb("VmRSS")
    images: list[dict[str, Any]] = []
    for image in job["images"]:
        images.append(measure_image(function, image, memory, first=not images))
    memory.peak_kb()
    result = {
        "method": job["method"],
        "baseline_rss_mb": baseline_kb / 1024,
        "process_peak_rss_mb": memory.process_peak_kb / 1024,
        "seconds": time.perf_counter() - started,
        "images": images,
    }
    result_path.write_text(json.dumps(result))


def launch_worker(method: str, images: list[tuple[str, int]], warmup: str, workdir: Path) -> dict[str, Any]:
    """Run `method` on `(path, repeats)` pairs in a fresh worker process; its figures, or why it failed."""
    job_path = workdir / f"job-{method}-{time.monotonic_ns()}.json"
    result_path = job_path.with_suffix(".result.json")
    job = {"method": method, "warmup": warmup, "images": [{"path": p, "repeats": r} for p, r in images]}
    job_path.write_text(json.dumps(job))
    command = [sys.executable, "-m", "bench.worker", str(job_path), str(result_path)]
    # From the repository root, so that `-m bench.worker` finds the bench package; palettes is installed.
    completed = subprocess.run(command, capture_output=True, text=True, check=False, cwd=REPO)
    if completed.returncode != 0 or not result_path.exists():
        tail = (completed.stderr or completed.stdout).strip().splitlines()[-3:]
        return {"method": method, "failed": " | ".join(tail) or f"exit {completed.returncode}", "images": []}
    result: dict[str, Any] = json.loads(result_path.read_text())
    return result


COLD_START_LABEL = "import palettes; palettes.extract(path)"


def cold_start(image: str, repeats: int) -> dict[str, Any]:
    """Wall time of fresh interpreters: import + first palette, against importing Pillow alone."""
    programs = {
        "python -c pass": "pass",
        "import PIL.Image": "import PIL.Image",
        "import palettes": "import palettes",
        COLD_START_LABEL: f"import palettes; palettes.extract({image!r})",
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


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.worker JOB RESULT`: what launch_worker runs."""
    job_path, result_path = (Path(arg) for arg in (sys.argv[1:] if argv is None else argv))
    run_worker(job_path, result_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
