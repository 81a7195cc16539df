"""`palettes extract`: palettes of local stills, one document (and swatch) per image."""

from __future__ import annotations

import argparse
import multiprocessing
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import palettes
from palettes.exports import EXPORT_FORMATS, export_document, export_roles
from palettes_cli.commands import Subparsers
from palettes_cli.extract_outputs import ImageOutputs, OutputConflictError, plan_outputs
from palettes_cli.roles import add_roles_argument, roles_format

# Where several images' (or a swatch's) files go without --out: a swatch cannot go to stdout.
DEFAULT_OUT = "palettes-out"


def add_parser(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "extract",
        help="palettes of local image files",
        description="Extract the colour palette of each IMAGE. With one image and no --out or --swatch "
        "the palette goes to stdout; otherwise each image's document is written to --out as "
        "<stem>.<format> (<stem>.roles.<format> with --roles) and its swatch as <stem>.swatch.png. "
        "Images that share a stem, or an output that would overwrite an input, are refused.",
    )
    parser.add_argument("images", nargs="+", metavar="IMAGE", type=Path)
    parser.add_argument("--k", type=int, default=6, help="number of colours, 1 to 32 (default 6)")
    parser.add_argument("--method", choices=palettes.METHODS, default="kmeans")
    parser.add_argument("--space", choices=palettes.SPACES, default="lab")
    parser.add_argument(
        "--min-brightness", type=float, default=0.0, help="leave out pixels darker than this CIE L*/100 (0-1)"
    )
    parser.add_argument(
        "--max-brightness",
        type=float,
        default=1.0,
        help="leave out pixels lighter than this CIE L*/100 (0-1)",
    )
    parser.add_argument(
        "--no-accents", action="store_true", help="plain clustering, no slots kept for accents"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--format",
        choices=EXPORT_FORMATS,
        help="json (the default), css, gpl, ase, or text (colours, names, text colours and roles)",
    )
    parser.add_argument(
        "--json", action="store_const", const="json", dest="format", help="same as --format json"
    )
    add_roles_argument(parser)
    parser.add_argument(
        "--swatch",
        action="store_true",
        help=f"also write a swatch PNG per image, <stem>.swatch.png in --out (default {DEFAULT_OUT}/)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="folder for the documents and swatches "
        f"(default {DEFAULT_OUT}/ with several images or --swatch)",
    )
    parser.add_argument("--jobs", type=int, default=1, help="images processed in parallel (default 1)")
    parser.set_defaults(run=run)


@dataclass(frozen=True)
class _Job:
    path: Path
    params: palettes.ExtractParams
    fmt: str
    outputs: ImageOutputs | None  # None: the payload goes to stdout
    roles: bool = False


@dataclass(frozen=True)
class _Outcome:
    path: Path
    payload: bytes | None = None
    error: str | None = None


def run(args: argparse.Namespace) -> int:
    try:
        params = _params(args)
    except palettes.InvalidParameterError as exc:
        print(f"palettes: {exc}", file=sys.stderr)
        return 2
    if args.jobs < 1:
        print("palettes: --jobs must be at least 1", file=sys.stderr)
        return 2
    fmt = roles_format(args) if args.roles else str(args.format or "json")
    if fmt is None:
        return 2
    out: Path | None = args.out
    if out is None and (len(args.images) > 1 or args.swatch):
        out = Path(DEFAULT_OUT)
    try:
        jobs = _jobs(args, params, fmt, out)
    except OutputConflictError as exc:
        print(f"palettes: {exc}", file=sys.stderr)
        return 2
    failures = _write_outcomes(jobs, args.jobs)
    if out is not None:
        print(f"{len(jobs) - failures} of {len(jobs)} palettes written to {out}", file=sys.stderr)
    return 1 if failures else 0


def _jobs(args: argparse.Namespace, params: palettes.ExtractParams, fmt: str, out: Path | None) -> list[_Job]:
    """One job per image, every output path checked (and the folder made) before any image is read."""
    if out is None:
        return [_Job(path, params, fmt, None, args.roles) for path in args.images]
    plan = plan_outputs(args.images, out, fmt, roles=args.roles, swatch=args.swatch)
    out.mkdir(parents=True, exist_ok=True)
    return [_Job(outputs.image, params, fmt, outputs, args.roles) for outputs in plan]


def _params(args: argparse.Namespace) -> palettes.ExtractParams:
    return palettes.ExtractParams(
        k=args.k,
        method=args.method,
        space=args.space,
        min_brightness=args.min_brightness,
        max_brightness=args.max_brightness,
        accents=not args.no_accents,
        seed=args.seed,
    )


def _write_outcomes(jobs: list[_Job], workers: int) -> int:
    """Run the jobs, print each failure (and each payload meant for stdout); how many failed."""
    failures = 0
    for outcome in _progress(_run_all(jobs, workers), total=len(jobs), enabled=len(jobs) > 1):
        if outcome.error is not None:
            failures += 1
            print(f"palettes: {outcome.path}: {outcome.error}", file=sys.stderr)
        elif outcome.payload is not None:
            sys.stdout.buffer.write(outcome.payload)
            sys.stdout.flush()
    return failures


def _run_all(jobs: list[_Job], workers: int) -> Iterator[_Outcome]:
    if workers == 1 or len(jobs) == 1:
        yield from map(_process, jobs)
        return
    # forkserver: forking a process that may hold threads (tqdm's monitor, BLAS) can deadlock.
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("forkserver")
    ) as pool:
        yield from pool.map(_process, jobs)


def _process(job: _Job) -> _Outcome:
    if (reason := _not_a_file(job.path)) is not None:
        return _Outcome(job.path, error=reason)
    try:
        palette = palettes.extract(job.path, source_key=job.path.name, **job.params.as_kwargs())
    except palettes.PaletteError as exc:
        return _Outcome(job.path, error=f"{exc} [{exc.code}]")
    document = palette.to_dict()
    payload = (export_roles(document, job.fmt) or b"") if job.roles else export_document(document, job.fmt)
    if job.outputs is None:
        return _Outcome(job.path, payload=payload)
    job.outputs.document.write_bytes(payload)
    if job.outputs.swatch is not None:
        job.outputs.swatch.write_bytes(palettes.render_swatch(palette))
    return _Outcome(job.path)


def _not_a_file(path: Path) -> str | None:
    """Why ``path`` cannot be an image file, if it cannot: the library would call it a corrupt image."""
    if path.is_file():
        return None
    if path.is_dir():
        return "a folder, not a file"
    return "not a regular file" if path.exists() else "no such file"


def _progress(outcomes: Iterator[_Outcome], *, total: int, enabled: bool) -> Iterator[_Outcome]:
    if not enabled:
        yield from outcomes
        return
    from tqdm import tqdm

    yield from tqdm(outcomes, total=total, unit="still", file=sys.stderr, disable=None)
