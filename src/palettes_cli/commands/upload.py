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
from palettes_cli.errors import ClientError, UsageError, aws_said, reports_errors
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
        help="an extraction option (k=8, method=agglomerative, ...) or the still's place in its film "
        "(frame=1200 or timecode=00:01:02:12), stored as object metadata (repeatable)",
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


def plan_uploads(
    files: Sequence[Path], prefix: str | None, *, input_prefix: str = DEFAULT_INPUT_PREFIX
) -> list[Upload]:
    """Where each file goes: ``prefix + name``, or ``<input_prefix><its folder's name>/<name>``.

    Every key is checked before anything is uploaded: one the service would not process raises
    :class:`UsageError`, since its upload would only wait for a palette that never comes.
    """
    uploads = []
    for path in files:
        if not path.is_file():
            raise ClientError(f"{path} is not a file")
        folder = prefix if prefix is not None else f"{input_prefix}{path.resolve().parent.name}/"
        if not folder.endswith("/"):
            folder += "/"
        uploads.append(Upload(path, folder + path.name))
    for upload in uploads:
        check_still_key(upload.key, input_prefix)
    return uploads


def check_still_key(key: str, input_prefix: str = DEFAULT_INPUT_PREFIX) -> None:
    """Raise :class:`UsageError` unless the extract function would process ``key``.

    The rule is the service's own (``palette_service.domain.keys``), with its default output
    prefixes so that a name too long for its palette and swatch keys is refused here too.
    """
    # Imported here: the service's settings bring pydantic, which no other command needs.
    from palette_service.domain.keys import InvalidKeyLayoutError, is_input_key, parse_still_key
    from palette_service.settings import ServiceSettings

    layout = f"the service only processes {input_prefix}<film>/<still>"
    if not is_input_key(key, input_prefix):
        raise UsageError(
            f"{key!r} is not under {input_prefix!r}: {layout}; "
            f"use --prefix {input_prefix}<film>/ (nothing was uploaded)"
        )
    fields = ServiceSettings.model_fields
    outputs = (str(fields["palette_prefix"].default), str(fields["swatch_prefix"].default))
    try:
        parse_still_key(key, input_prefix, outputs)
    except InvalidKeyLayoutError as error:
        raise UsageError(f"{error} (nothing was uploaded)") from error


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
    from boto3.exceptions import S3UploadFailedError
    from boto3.s3.transfer import TransferConfig

    extra: dict[str, Any] = {
        "ContentType": mimetypes.guess_type(upload.path.name)[0] or "application/octet-stream"
    }
    if metadata:
        extra["Metadata"] = dict(metadata)
    try:
        s3.upload_file(
            str(upload.path),
            bucket,
            upload.key,
            ExtraArgs=extra,
            Callback=advance,
            Config=TransferConfig(use_threads=False),
        )
    except S3UploadFailedError as error:
        # boto3's transfer manager wraps S3's refusal in its own type, which botocore's handlers miss.
        raise ClientError(aws_said(error)) from error


# What the extract function reads of an upload's metadata besides the extraction options: its place
# in the film (palette_service.domain.timeline).
POSITION_OPTIONS = ("frame", "timecode")


def _metadata(pairs: Sequence[str]) -> dict[str, str]:
    """``--option NAME=VALUE`` flags as the object's metadata, each checked as the extract function
    will read it: an unknown name or a bad value is refused before anything is uploaded."""
    import palettes
    from palette_service.domain.timeline import InvalidPositionError, position_from_metadata

    options = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name.strip():
            raise UsageError(f"--option takes NAME=VALUE, got {pair!r}")
        options[name.strip()] = value.strip()
    extraction = {name: value for name, value in options.items() if name.lower() not in POSITION_OPTIONS}
    try:
        palettes.ExtractParams.from_strings(extraction)
        position_from_metadata(options)
    except (palettes.PaletteError, InvalidPositionError) as error:
        raise UsageError(
            f"--option: {error}; frame and timecode place the still (nothing was uploaded)"
        ) from error
    return options
