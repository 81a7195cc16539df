"""`palettes upload`: put stills in the bucket (each upload triggers its palette), optionally wait."""

from __future__ import annotations

import argparse
import mimetypes
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from palettes_cli.api_client import ApiClient
from palettes_cli.commands import Subparsers, add_service_parser
from palettes_cli.errors import ClientError, reports_errors
from palettes_cli.progress import progress_bar
from palettes_cli.settings import BUCKET, Settings
from palettes_cli.stills import DEFAULT_INPUT_PREFIX, add_wait_arguments, print_records, wait_for_palettes

UPLOAD_WORKERS = 4


def add_parser(subparsers: Subparsers) -> None:
    parser = add_service_parser(
        subparsers,
        "upload",
        help="upload stills to the bucket (each upload triggers its palette)",
        description="Upload FILES under PREFIX in the stills bucket: each triggers the extract function.",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    BUCKET.add_to(parser)
    parser.add_argument(
        "--prefix",
        help="key prefix, stills/<film>/ (default: stills/<name of each file's folder>/)",
    )
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an extraction option stored as object metadata, e.g. k=8 or method=agglomerative (repeatable)",
    )
    add_wait_arguments(parser, timeout=300)
    parser.set_defaults(run=run)


@reports_errors
def run(args: argparse.Namespace) -> int:
    settings = Settings.from_args(args)
    bucket = BUCKET.required(settings.bucket)
    uploads = plan_uploads(args.files, args.prefix)
    upload_stills(settings.aws_client("s3"), bucket, uploads, metadata=_metadata(args.option))
    print(
        f"uploaded {len(uploads)} still{'s' if len(uploads) != 1 else ''} to s3://{bucket}/", file=sys.stderr
    )
    for upload in uploads:
        print(upload.key)
    if not args.wait:
        return 0
    api = ApiClient.from_settings(settings)
    records = wait_for_palettes(api, [upload.key for upload in uploads], timeout=args.timeout)
    print_records(records.values())
    return 0 if all(record.get("status") == "DONE" for record in records.values()) else 1


@dataclass(frozen=True)
class Upload:
    path: Path
    key: str


def plan_uploads(files: Sequence[Path], prefix: str | None) -> list[Upload]:
    """Where each file goes: ``prefix + name``, or ``stills/<its folder's name>/<name>``."""
    uploads = []
    for path in files:
        if not path.is_file():
            raise ClientError(f"{path} is not a file")
        folder = prefix if prefix is not None else f"{DEFAULT_INPUT_PREFIX}{path.resolve().parent.name}/"
        if not folder.endswith("/"):
            folder += "/"
        uploads.append(Upload(path, folder + path.name))
    return uploads


def upload_stills(
    s3: Any,
    bucket: str,
    uploads: Sequence[Upload],
    *,
    metadata: Mapping[str, str] | None = None,
    progress: bool = True,
) -> None:
    """Upload each file (in parallel), with one byte-counting progress bar for all of them."""
    total = sum(upload.path.stat().st_size for upload in uploads)
    lock = threading.Lock()
    with progress_bar(total, unit="B", desc="upload", enabled=progress, unit_scale=True) as bar:

        def advance(count: int) -> None:
            with lock:
                bar.update(count)

        with ThreadPoolExecutor(max_workers=UPLOAD_WORKERS) as pool:
            futures = [pool.submit(_put, s3, bucket, upload, metadata, advance) for upload in uploads]
            for future in as_completed(futures):
                future.result()


def _put(
    s3: Any, bucket: str, upload: Upload, metadata: Mapping[str, str] | None, advance: Callable[[int], None]
) -> None:
    from boto3.s3.transfer import TransferConfig

    extra: dict[str, Any] = {
        "ContentType": mimetypes.guess_type(upload.path.name)[0] or "application/octet-stream"
    }
    if metadata:
        extra["Metadata"] = dict(metadata)
    s3.upload_file(
        str(upload.path),
        bucket,
        upload.key,
        ExtraArgs=extra,
        Callback=advance,
        Config=TransferConfig(use_threads=False),
    )


def _metadata(pairs: Sequence[str]) -> dict[str, str]:
    """``--option NAME=VALUE`` flags as the object's metadata."""
    options = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name.strip():
            raise ClientError(f"--option takes NAME=VALUE, got {pair!r}")
        options[name.strip()] = value.strip()
    return options
