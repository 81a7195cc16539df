"""Cold starts of the two functions that serve users: import time of each handler module, and the extract
function's first palette, beside the eager-import baseline measured in the same run.

Run from the repository root: `.venv/bin/python -m bench.cold_start [--runs N]` (`make bench-cold`).
Prints medians and ratios, asserts nothing, exits 0.

Each figure is the median of N fresh interpreters (`python -c`, the handler's folders on sys.path as in
Lambda, tracing off as in the tests). In each, `time.perf_counter` brackets:

* **import**: `import api.app` / `import extract.app`;
* **clients**: the handler's `services()`: settings and boto3 clients (no request is sent);
* **first palette** (extract): `palettes.extract` and `render_swatch` on a film-like 1920x1080 still
  (bench/filmlike.py, seed 0) read into memory beforehand: the CPU work of the first upload.

The baseline ("eager") runs the same handler and then imports, inside the import bracket, what the
module leaves for later (its `DEFERRED_MODULES`) and makes Powertools' `Tracer`, which imports the
X-Ray SDK even when tracing is off: what importing the module cost when it imported everything up
front. Its clients and first palette then find their modules loaded, so the eager total is the
comparison for "import + first palette".

Both run twice, never writing bytecode (Lambda's /opt and /var/task are read-only):

* **as shipped**: `make sam-build` ships unchecked hash-based bytecode of every module in the layers and
  functions (scripts/layer_size.py). Here every module the handlers load (found by running both, eager,
  with the first palette) is compiled so into a `PYTHONPYCACHEPREFIX` folder, the standard library's
  with timestamps as the runtime's own;
* **without bytecode** (`PYTHONPYCACHEPREFIX` an empty folder): how the layers shipped before, when an
  on-demand cold start compiled every module it imported.

SnapStart pays for the imports at publish time instead.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HANDLER_PATHS = [str(REPO / part) for part in ("layers/palettes", "layers/service", "functions")]
HANDLERS = ("api.app", "extract.app")
IMPORT_GOALS = {"api.app": 0.30, "extract.app": 0.50}
FIRST_PALETTE_GOAL = 0.25

# The child: stdlib only before the brackets, so nothing it measures is loaded early.
_CHILD = """
import importlib, json, sys, time
def mark():
    return time.perf_counter(), time.process_time()
spans = {{}}
sys.path[:0] = {paths!r}
start = mark()
handler = importlib.import_module({module!r})
if {eager!r}:
    for name in handler.DEFERRED_MODULES:
        importlib.import_module(name)
    from aws_lambda_powertools import Tracer
    Tracer()
spans["import"] = (start, mark())
start = mark()
handler.services()
spans["clients"] = (start, mark())
if {still!r}:
    still = open({still!r}, "rb").read()
    start = mark()
    import palettes
    palettes.render_swatch(palettes.extract(still))
    spans["first palette"] = (start, mark())
figures = {{}}
for name, (begun, ended) in spans.items():
    figures[name] = ended[0] - begun[0]
    figures[name + " cpu"] = ended[1] - begun[1]
print(json.dumps(figures))
"""


# Compiles, into the PYTHONPYCACHEPREFIX it runs with, every module both handlers load: as shipped.
_SHIP = """
import importlib, py_compile, sys, sysconfig
sys.path[:0] = {paths!r}
for module in {modules!r}:
    handler = importlib.import_module(module)
    for name in handler.DEFERRED_MODULES:
        importlib.import_module(name)
    handler.services()
from aws_lambda_powertools import Tracer
Tracer()
import palettes
palettes.render_swatch(palettes.extract(open({still!r}, "rb").read()))
stdlib = sysconfig.get_path("stdlib")
modes = py_compile.PycInvalidationMode
for module in list(sys.modules.values()):
    source = getattr(module, "__file__", None) or ""
    if source.endswith(".py"):
        mode = modes.TIMESTAMP if source.startswith(stdlib) else modes.UNCHECKED_HASH
        py_compile.compile(source, doraise=True, invalidation_mode=mode)
"""


def ship_bytecode(prefix: str, still: str) -> None:
    """Fill ``prefix`` with the bytecode of every module the handlers load, as `make sam-build` ships it."""
    program = _SHIP.format(paths=HANDLER_PATHS, modules=HANDLERS, still=still)
    completed = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, env=child_env(prefix), check=False
    )
    if completed.returncode != 0:
        raise SystemExit(f"compiling the shipped bytecode failed: {completed.stderr.strip()[-500:]}")


def child_env(pycache_prefix: str) -> dict[str, str]:
    """What Lambda's environment gives the handlers, with tracing off and no credentials needed; bytecode
    is read from ``pycache_prefix`` only, and never written."""
    return {"PYTHONPYCACHEPREFIX": pycache_prefix, "PYTHONDONTWRITEBYTECODE": "1"} | {
        "PATH": os.environ.get("PATH", ""),
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": "palettes",
        "POWERTOOLS_METRICS_NAMESPACE": "Palettes",
        "STILLS_BUCKET": "bench-stills",
        "PALETTES_TABLE": "bench-palettes",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
    }


def run_child(module: str, *, eager: bool, still: str | None, bytecode_cache: str) -> dict[str, float]:
    program = _CHILD.format(paths=HANDLER_PATHS, module=module, eager=eager, still=still or "")
    env = child_env(bytecode_cache)
    completed = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, env=env, check=False
    )
    if completed.returncode != 0:
        tail = completed.stderr.strip().splitlines()[-1:] or [f"exit {completed.returncode}"]
        raise SystemExit(f"{module} (eager={eager}) failed: {tail[0]}")
    figures: dict[str, float] = json.loads(completed.stdout.strip().splitlines()[-1])
    return figures


def medians(
    module: str, *, eager: bool, still: str | None, runs: int, bytecode_cache: str
) -> dict[str, float]:
    samples = [
        run_child(module, eager=eager, still=still, bytecode_cache=bytecode_cache) for _ in range(runs)
    ]
    return {name: statistics.median(sample[name] for sample in samples) for name in samples[0]}


def film_still(workdir: Path) -> str:
    """The first film-like 1920x1080 still of bench/filmlike.py (seed 0), as the main bench's cold start."""
    from bench.filmlike import generate_film_set

    [still] = generate_film_set(1, (1920, 1080), seed=0)
    path = workdir / f"{still.name}.jpg"
    path.write_bytes(still.jpeg)
    return str(path)


def report(module: str, lazy: dict[str, float], eager: dict[str, float]) -> list[str]:
    """Wall and CPU seconds of each phase beside the eager baseline, and their ratio (CPU: lazy / eager)."""
    lines = [
        f"{module}  (goal: import <= {IMPORT_GOALS[module]:.2f} s)",
        f"  {'phase':<15} {'wall ms':>8} {'cpu ms':>8}   {'eager wall':>10} {'eager cpu':>9}   cpu ratio",
    ]
    phases = [name for name in ("import", "clients", "first palette") if name in lazy]
    rows: dict[str, list[float]] = {
        name: [lazy[name], lazy[f"{name} cpu"], eager[name], eager[f"{name} cpu"]] for name in phases
    }
    rows["total"] = [sum(values[column] for values in rows.values()) for column in range(4)]
    for name, (wall, cpu, eager_wall, eager_cpu) in rows.items():
        lines.append(
            f"  {name:<15} {wall * 1000:8.0f} {cpu * 1000:8.0f}   {eager_wall * 1000:10.0f} "
            f"{eager_cpu * 1000:9.0f}   x{cpu / eager_cpu:.2f}"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="fresh interpreters per figure (9)")
    args = parser.parse_args(argv)
    print(
        f"cold starts: median of {args.runs} fresh interpreters, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; eager = the same module importing "
        "what it defers (the baseline); cpu = the process's CPU time, which other processes' load on a "
        "shared machine inflates far less than the wall time"
    )
    with tempfile.TemporaryDirectory(prefix="cold-start-") as folder:
        still = film_still(Path(folder))
        shipped, empty = Path(folder) / "shipped-bytecode", Path(folder) / "no-bytecode"
        empty.mkdir()
        ship_bytecode(str(shipped), still)
        for title, cache in (
            ("as shipped: unchecked hash-based bytecode, none written (Lambda's read-only /opt)", shipped),
            ("without bytecode (the layers as shipped before make sam-build compiled them)", empty),
        ):
            print(f"\n{title}")
            for module in HANDLERS:
                image = still if module == "extract.app" else None
                lazy = medians(module, eager=False, still=image, runs=args.runs, bytecode_cache=str(cache))
                eager = medians(module, eager=True, still=image, runs=args.runs, bytecode_cache=str(cache))
                print("\n".join(report(module, lazy, eager)))
        print(f"goal for extract: the first palette <= {FIRST_PALETTE_GOAL:.2f} s after the import")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
