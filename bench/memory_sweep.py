"""The extract function's memory, chosen from a sweep: time and cost per still under the CPU share Lambda
gives 512, 1024, 1769 and 3008 MB.

Run from the repository root: `.venv/bin/python -m bench.memory_sweep [--stills N]` (`make bench-memory`).
Prints figures and the choice, asserts nothing, exits 0.

Lambda gives a function CPU in proportion to its memory: one vCPU at 1769 MB, about 1.7 at 3008 MB.
Each size runs in its own worker process limited to that share of one core here (taken as one
vCPU): a cgroup v1 CFS quota when /sys/fs/cgroup/cpu is writable, otherwise the worker pinned to one
core (`taskset`) and stopped and continued on a 100 ms duty cycle. The worker first extracts one
still to warm up (a warm execution environment; cold starts are bench/cold_start.py's), then, for
each film-like 1920x1080 still of bench/filmlike.py (seed 0), does the CPU work of the extract
handler on a downloaded still: `palettes.extract`, `render_swatch` and the JSON export. The S3 and
DynamoDB round trips (a HEAD, a GET, two PUTs and two writes) add network time no CPU share changes.

Per size it prints the wall time under the limit (p50, p95), the process's CPU time divided by the
share (what the time would be on an otherwise idle core, so other load on a shared machine does not
count), and the cost per still on arm64 and x86_64 at that estimate (bench/prices.py).

Memory is also a limit: Lambda ends an execution environment that outgrows it, and the event is
retried and lost without a FAILED item. So the sweep also runs, unthrottled, the largest stills the
function must take: the reliability tier's pixel floods (tests/reliability/corpus.py, stills within
the pixel limit that are decoded in full), and scales their peak to the limit itself. It picks the
smallest size whose estimated p95 is under 1 s, which holds that peak with room to spare, and whose
cost per still is within the noise of the cheapest such.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.prices import ARCHITECTURES, PRICES_READ_ON, REGION, lambda_cost

MEMORY_SIZES = (512, 1024, 1769, 3008)
FULL_VCPU_MB = 1769
P95_LIMIT_S = 1.0
# Sizes whose CPU cost per still is this close count as equal (the spread of repeated runs is larger).
COST_TIE = 0.05
# Lambda's memory is also its limit. The worst still's peak must leave room for what the worker does
# not hold (boto3 and its clients, the download of up to MaxObjectBytes, the outputs) and for inputs
# worse than the floods: fuzzing has seen peaks above them (docs/reliability.md).
MEMORY_HEADROOM = 0.6
PERIOD_US = 100_000
CGROUP_CPU = Path("/sys/fs/cgroup/cpu")


def vcpus(memory_mb: int) -> float:
    return memory_mb / FULL_VCPU_MB


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (p95 of 20 stills is the 19th)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass(frozen=True)
class SizeFigures:
    memory_mb: int
    wall_s: list[float]
    estimate_s: list[float]
    peak_mb: float

    def cost(self, architecture: str) -> float:
        return statistics.fmean(
            lambda_cost(seconds, self.memory_mb, architecture) for seconds in self.estimate_s
        )


def run_worker(still_paths: list[str]) -> None:
    """In the limited process: warm up, then print each still's wall and CPU seconds as JSON lines."""
    import palettes
    from palettes.exports import export_document

    def handle(still: bytes) -> None:
        palette = palettes.extract(still)
        palettes.render_swatch(palette)
        export_document(palette.to_dict(), "json")

    stills = [Path(path).read_bytes() for path in still_paths]
    handle(stills[0])
    for still in stills:
        wall, cpu = time.perf_counter(), time.process_time()
        handle(still)
        print(json.dumps({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}), flush=True)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"peak_mb": peak_kib / 1024}), flush=True)


def cgroup_writable() -> bool:
    return os.access(CGROUP_CPU, os.W_OK) and (CGROUP_CPU / "cpu.cfs_quota_us").exists()


@contextlib.contextmanager
def cpu_cgroup(memory_mb: int) -> Iterator[Path]:
    """A cgroup whose CFS quota is the size's vCPU share of one period."""
    group = CGROUP_CPU / f"palettes-bench-{os.getpid()}-{memory_mb}"
    group.mkdir()
    try:
        (group / "cpu.cfs_period_us").write_text(str(PERIOD_US))
        (group / "cpu.cfs_quota_us").write_text(str(round(PERIOD_US * vcpus(memory_mb))))
        yield group
    finally:
        group.rmdir()


def worker_command(still_paths: list[str]) -> list[str]:
    return [sys.executable, "-m", "bench.memory_sweep", "--worker", *still_paths]


def run_in_cgroup(memory_mb: int, still_paths: list[str]) -> str:
    with cpu_cgroup(memory_mb) as group:
        tasks = str(group / "cgroup.procs")

        def join_group() -> None:
            Path(tasks).write_text(str(os.getpid()))

        completed = subprocess.run(
            worker_command(still_paths), capture_output=True, text=True, preexec_fn=join_group, check=True
        )
    return completed.stdout


def run_duty_cycled(memory_mb: int, still_paths: list[str]) -> str:
    """One core (taskset), running ``share`` of each 100 ms period and stopped for the rest."""
    share = min(1.0, vcpus(memory_mb))
    cores = [] if share >= 1.0 else ["taskset", "-c", "0"]
    with tempfile.TemporaryFile("w+") as output:
        worker = subprocess.Popen([*cores, *worker_command(still_paths)], stdout=output, text=True)
        while worker.poll() is None and share < 1.0:
            time.sleep(PERIOD_US / 1e6 * share)
            with contextlib.suppress(ProcessLookupError):
                worker.send_signal(signal.SIGSTOP)
            time.sleep(PERIOD_US / 1e6 * (1 - share))
            with contextlib.suppress(ProcessLookupError):
                worker.send_signal(signal.SIGCONT)
        worker.wait()
        output.seek(0)
        return output.read()


def measure(memory_mb: int, still_paths: list[str], *, use_cgroup: bool) -> SizeFigures:
    stdout = (run_in_cgroup if use_cgroup else run_duty_cycled)(memory_mb, still_paths)
    rows = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    [peak] = [row["peak_mb"] for row in rows if "peak_mb" in row]
    stills = [row for row in rows if "wall" in row]
    # Above one vCPU the single-threaded clustering cannot use the extra share.
    estimate = [row["cpu"] / min(1.0, vcpus(memory_mb)) for row in stills]
    return SizeFigures(memory_mb, [row["wall"] for row in stills], estimate, peak)


def pixel_floods(workdir: Path) -> list[str]:
    """The reliability tier's largest legal stills, written to ``workdir``."""
    from tests.reliability.corpus import PIXEL_FLOODS

    paths = []
    for case in PIXEL_FLOODS:
        path = workdir / f"{case.name}.png"
        path.write_bytes(case.make())
        paths.append(str(path))
    return paths


def measure_peak(still_paths: list[str]) -> float:
    """The peak RSS (MB) of a worker handling ``still_paths``, at full speed (memory needs no CPU limit)."""
    completed = subprocess.run(worker_command(still_paths), capture_output=True, text=True, check=True)
    [peak] = [json.loads(line)["peak_mb"] for line in completed.stdout.splitlines() if "peak_mb" in line]
    return float(peak)


def at_pixel_limit(peak_mb: float, still_paths: list[str], *, base_mb: float) -> float:
    """``peak_mb`` of the largest of ``still_paths`` scaled to ``palettes.loading.DEFAULT_MAX_PIXELS``:
    what the stills add to the ``base_mb`` of a worker on ordinary stills grows with their pixels."""
    from PIL import Image

    from palettes.loading import DEFAULT_MAX_PIXELS

    largest = 0
    for path in still_paths:
        with Image.open(path) as image:
            largest = max(largest, image.width * image.height)
    return base_mb + (peak_mb - base_mb) * DEFAULT_MAX_PIXELS / largest


def film_stills(count: int, workdir: Path) -> list[str]:
    from bench.filmlike import generate_film_set

    paths = []
    for still in generate_film_set(count, (1920, 1080), seed=0):
        path = workdir / f"{still.name}.jpg"
        path.write_bytes(still.jpeg)
        paths.append(str(path))
    return paths


def ms(seconds: float) -> str:
    return f"{seconds * 1000:6.0f}ms"


def report(figures: list[SizeFigures]) -> list[str]:
    header = f"{'MB':>5} {'vCPU':>5}  {'wall p50':>8} {'wall p95':>8}  {'est p50':>8} {'est p95':>8}  "
    lines = [header + f"{'peak RSS':>8}  " + "  ".join(f"{'$/1M ' + arch:>13}" for arch in ARCHITECTURES)]
    for size in figures:
        costs = "  ".join(f"{size.cost(arch) * 1e6:13.2f}" for arch in ARCHITECTURES)
        wall, estimate = size.wall_s, size.estimate_s
        lines.append(
            f"{size.memory_mb:5d} {vcpus(size.memory_mb):5.2f}  {ms(statistics.median(wall))} "
            f"{ms(percentile(wall, 0.95))}  {ms(statistics.median(estimate))} "
            f"{ms(percentile(estimate, 0.95))}  "
            f"{size.peak_mb:6.0f}MB  {costs}"
        )
    return lines


def choose(figures: list[SizeFigures], worst_peak_mb: float) -> int | None:
    """The smallest size that is fast enough, fits, and costs (within the tie) no more than the cheapest."""
    fits = [
        size
        for size in figures
        if percentile(size.estimate_s, 0.95) < P95_LIMIT_S
        and worst_peak_mb < size.memory_mb * MEMORY_HEADROOM
    ]
    if not fits:
        return None
    cheapest = min(size.cost("arm64") for size in fits)
    return min(size.memory_mb for size in fits if size.cost("arm64") <= cheapest * (1 + COST_TIE))


def explain(chosen: int | None) -> str:
    if chosen is None:
        return f"no size keeps the estimated p95 under {P95_LIMIT_S:.0f} s within its memory"
    return (
        f"chosen: {chosen} MB: the smallest size whose estimated p95 is under {P95_LIMIT_S:.0f} s, "
        f"whose {MEMORY_HEADROOM:.0%} holds the worst peak RSS, and whose arm64 cost per still is within "
        f"{COST_TIE:.0%} of the "
        "cheapest (below one vCPU the CPU work costs the same at any size; the S3 and DynamoDB waits it "
        "leaves out are billed per MB, so of two equal sizes the smaller is the cheaper)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--stills", type=int, default=20, help="film-like 1920x1080 stills per size (20)")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        run_worker(args.worker)
        return 0
    use_cgroup = cgroup_writable()
    limit = "cgroup v1 CFS quota" if use_cgroup else "taskset to one core + SIGSTOP/SIGCONT duty cycle"
    print(
        f"memory sweep: {args.stills} film-like 1920x1080 stills per size, CPU limited by {limit}, "
        f"load average {os.getloadavg()[0]:.1f}; prices {REGION} as of {PRICES_READ_ON} "
        "(bench/prices.py)"
    )
    with tempfile.TemporaryDirectory(prefix="memory-sweep-") as folder:
        stills = film_stills(args.stills, Path(folder))
        figures = [measure(memory_mb, stills, use_cgroup=use_cgroup) for memory_mb in MEMORY_SIZES]
        print("\n".join(report(figures)))
        floods = pixel_floods(Path(folder))
        worst = at_pixel_limit(measure_peak(floods), floods, base_mb=min(size.peak_mb for size in figures))
        print(
            f"peak RSS of the pixel floods ({', '.join(Path(path).stem for path in floods)}), scaled to the "
            f"pixel limit: {worst:.0f} MB"
        )
        chosen = choose(figures, worst)
        print(explain(chosen))
        if chosen is not None:
            from bench.images import STILLS, big_image

            big = str(big_image(sorted(STILLS.glob("*.jpg")), Path(folder)))
            frame = measure(chosen, [big], use_cgroup=use_cgroup)
            print(
                f"beyond the film set, a 6000x4000 (24 MP) frame at {chosen} MB: "
                f"est {ms(frame.estimate_s[0])}, "
                f"wall {ms(frame.wall_s[0])}, peak RSS {frame.peak_mb:.0f} MB"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
