"""`palettes upload|get|list|gallery|backfill`: a client of the deployed service (or of the local stack).

Where things are comes from flags or the environment: ``--endpoint-url`` / ``PALETTES_ENDPOINT_URL``
for S3 and Lambda (otherwise boto3's own configuration, ``AWS_ENDPOINT_URL`` included),
``--api-url`` / ``PALETTES_API_URL`` (the stack's ``ApiUrl`` output) and ``--api-key`` /
``PALETTES_API_KEY`` for the read API, ``--bucket`` / ``PALETTES_BUCKET`` and ``--function`` /
``PALETTES_EXTRACT_FUNCTION`` (the ``ExtractFunctionArn`` output) for uploads and backfills.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, quote_plus, urlencode

DEFAULT_INPUT_PREFIX = "stills/"
# The lowest sequencer: a backfill event never overrides a record made from a real upload's event,
# and backfilling twice records nothing new (see `backfill_event`).
BACKFILL_SEQUENCER = "0" * 16
BACKFILL_PRINCIPAL = "palettes-backfill"
HTTP_TIMEOUT = 30
UPLOAD_WORKERS = 4
INVOKE_WORKERS = 4
EXPORT_FORMATS = ("json", "css", "gpl", "ase", "text")


class ClientError(Exception):
    """Something the user can fix: a missing setting, an unknown still, a refused request."""


# ---------------------------------------------------------------------- settings
@dataclass(frozen=True)
class Endpoints:
    endpoint_url: str | None
    api_url: str | None
    api_key: str | None
    region: str | None

    @classmethod
    def from_args(cls, args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> Endpoints:
        """Flags first, then ``PALETTES_*`` variables (an explicit argument beats the environment)."""
        env = os.environ if environ is None else environ
        return cls(
            endpoint_url=args.endpoint_url or env.get("PALETTES_ENDPOINT_URL") or None,
            api_url=(args.api_url or env.get("PALETTES_API_URL") or "").rstrip("/") or None,
            api_key=args.api_key or env.get("PALETTES_API_KEY") or None,
            region=args.region or None,
        )

    def client(self, service: str) -> Any:
        import boto3

        return boto3.client(service, endpoint_url=self.endpoint_url, region_name=self.region)  # type: ignore[call-overload]

    def api(self) -> ApiClient:
        if not self.api_url:
            raise ClientError(
                "no API URL: pass --api-url or set PALETTES_API_URL (the stack's ApiUrl output)"
            )
        return ApiClient(self.api_url, self.api_key)


def _setting(value: str | None, variable: str, what: str) -> str:
    resolved = value or os.environ.get(variable)
    if not resolved:
        raise ClientError(f"no {what}: pass it as a flag or set {variable}")
    return resolved


# ---------------------------------------------------------------------- the read API
@dataclass(frozen=True)
class ApiResponse:
    status: int
    content_type: str
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class ApiClient:
    """GET requests to the read API with the key in ``x-api-key``; 4xx answers become :class:`ClientError`."""

    def __init__(self, base_url: str, api_key: str | None) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key

    def get(
        self, path: str, query: Mapping[str, str] | None = None, *, accept: str = "application/json"
    ) -> ApiResponse:
        url = self.base_url + path + (f"?{urlencode(query)}" if query else "")
        headers = {"Accept": accept, "User-Agent": "palettes-cli"}
        if self.api_key:
            headers["x-api-key"] = self.api_key
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 - the user's own API URL
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:  # noqa: S310
                return ApiResponse(response.status, response.headers.get("Content-Type", ""), response.read())
        except urllib.error.HTTPError as error:
            body = error.read()
            raise ClientError(_api_error_message(error.code, body)) from None
        except urllib.error.URLError as error:
            raise ClientError(f"cannot reach the API at {self.base_url}: {error.reason}") from None


def _api_error_message(status: int, body: bytes) -> str:
    try:
        payload = json.loads(body)
    except ValueError:
        payload = {}
    message = payload.get("message") or payload.get("reason") or body.decode("utf-8", "replace")[:200]
    hints = {403: " (is the API key right? pass --api-key or set PALETTES_API_KEY)"}
    if status == 422 and payload.get("status") == "FAILED":
        return f"422 the still failed: {payload.get('reason')} [{payload.get('error')}]"
    return f"{status} {message}{hints.get(status, '')}"


def still_parts(key: str, input_prefix: str = DEFAULT_INPUT_PREFIX) -> tuple[str, str]:
    """``stills/<film>/<name>`` or ``<film>/<name>`` -> (film, name)."""
    rest = key[len(input_prefix) :] if key.startswith(input_prefix) else key
    film, slash, name = rest.partition("/")
    if not film or not slash or not name:
        raise ClientError(f"{key!r} is not {input_prefix}<film>/<still> or <film>/<still>")
    return film, name


def palette_path(film: str, name: str) -> str:
    return f"/palettes/{quote(film, safe='')}/{quote(name, safe='')}"


# ---------------------------------------------------------------------- parsers
def add_parsers(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register upload, get, list, gallery and backfill on the ``palettes`` command."""
    common = argparse.ArgumentParser(add_help=False)
    where = common.add_argument_group("where the service is")
    where.add_argument(
        "--endpoint-url", help="S3/Lambda endpoint (env PALETTES_ENDPOINT_URL; default: AWS's)"
    )
    where.add_argument("--api-url", help="the read API's base URL, stage included (env PALETTES_API_URL)")
    where.add_argument("--api-key", help="the API key (env PALETTES_API_KEY)")
    where.add_argument("--region", help="AWS region (default: boto3's configuration)")

    upload = subparsers.add_parser(
        "upload",
        parents=[common],
        help="upload stills to the bucket (each upload triggers its palette)",
        description="Upload FILES under PREFIX in the stills bucket: each triggers the extract function.",
    )
    upload.add_argument("files", nargs="+", type=Path, metavar="FILE")
    upload.add_argument("--bucket", help="the stills bucket (env PALETTES_BUCKET)")
    upload.add_argument(
        "--prefix",
        help="key prefix, stills/<film>/ (default: stills/<name of each file's folder>/)",
    )
    upload.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an extraction option stored as object metadata, e.g. k=8 or method=agglomerative (repeatable)",
    )
    upload.add_argument(
        "--wait", action="store_true", help="wait until every palette is recorded, then list them"
    )
    upload.add_argument("--timeout", type=float, default=300, help="seconds --wait waits (default 300)")
    upload.set_defaults(run=run_upload)

    get = subparsers.add_parser(
        "get",
        parents=[common],
        help="a still's palette (or an export, or its swatch)",
        description="Print a palette.",
    )
    get.add_argument("key", metavar="KEY", help="stills/<film>/<still> or <film>/<still>")
    get.add_argument("--format", choices=EXPORT_FORMATS, help="an export instead of the palette document")
    get.add_argument("--swatch", type=Path, metavar="PNG", help="also save the swatch image here")
    get.add_argument("--out", "-o", type=Path, help="write the palette or export here instead of stdout")
    get.set_defaults(run=run_get)

    listing = subparsers.add_parser(
        "list",
        parents=[common],
        help="a film's stills, newest first",
        description="List stills, following pages.",
    )
    listing.add_argument("--prefix", required=True, help="<film>/ or <film>/<start of a name>")
    listing.add_argument("--page-size", type=int, default=100, help="stills per API request (1-100)")
    listing.add_argument("--json", action="store_true", help="one JSON object per still")
    listing.set_defaults(run=run_list)

    gallery = subparsers.add_parser(
        "gallery",
        parents=[common],
        help="save a film's gallery page (self-contained HTML) and print its file URL",
        description="Fetch /gallery/<film> with the API key and save it: the page embeds its swatches and "
        "exports, so the saved file opens in any browser.",
    )
    gallery.add_argument("prefix", metavar="PREFIX", help="<film>/ or <film>/<start of a name>")
    gallery.add_argument("--out", "-o", type=Path, help="the HTML file (default: gallery-<film>.html)")
    gallery.add_argument("--limit", type=int, help="stills on the page")
    gallery.set_defaults(run=run_gallery)

    backfill = subparsers.add_parser(
        "backfill",
        parents=[common],
        help="send stills already in the bucket through the pipeline",
        description="List the objects under PREFIX and invoke the extract function asynchronously with an S3 "
        "event for each, the path of a fresh upload. Stills that already have a record are skipped by the "
        "function, so running it twice is harmless.",
    )
    backfill.add_argument("--bucket", help="the stills bucket (env PALETTES_BUCKET)")
    backfill.add_argument("--prefix", required=True, help="e.g. stills/my-film/")
    backfill.add_argument(
        "--function", help="the extract function's name or ARN (env PALETTES_EXTRACT_FUNCTION)"
    )
    backfill.add_argument("--dry-run", action="store_true", help="list what would be sent, send nothing")
    backfill.add_argument("--wait", action="store_true", help="wait until every still has a record")
    backfill.add_argument("--timeout", type=float, default=600, help="seconds --wait waits (default 600)")
    backfill.set_defaults(run=run_backfill)


def _guarded(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from botocore.exceptions import BotoCoreError
        from botocore.exceptions import ClientError as AwsError

        try:
            return command(args)
        except ClientError as error:
            print(f"palettes {args.command}: {error}", file=sys.stderr)
            return 1
        except (AwsError, BotoCoreError) as error:
            print(f"palettes {args.command}: AWS said: {error}", file=sys.stderr)
            return 1

    return run


# ---------------------------------------------------------------------- upload
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
    from boto3.s3.transfer import TransferConfig
    from tqdm import tqdm

    total = sum(upload.path.stat().st_size for upload in uploads)
    lock = threading.Lock()
    with tqdm(
        total=total, unit="B", unit_scale=True, desc="upload", file=sys.stderr, disable=not progress or None
    ) as bar:

        def advance(count: int) -> None:
            with lock:
                bar.update(count)

        def send(upload: Upload) -> None:
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

        with ThreadPoolExecutor(max_workers=UPLOAD_WORKERS) as pool:
            for future in as_completed([pool.submit(send, upload) for upload in uploads]):
                future.result()


def _options(pairs: Sequence[str]) -> dict[str, str]:
    options = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name.strip():
            raise ClientError(f"--option takes NAME=VALUE, got {pair!r}")
        options[name.strip()] = value.strip()
    return options


@_guarded
def run_upload(args: argparse.Namespace) -> int:
    endpoints = Endpoints.from_args(args)
    bucket = _setting(args.bucket, "PALETTES_BUCKET", "bucket")
    uploads = plan_uploads(args.files, args.prefix)
    upload_stills(endpoints.client("s3"), bucket, uploads, metadata=_options(args.option))
    print(
        f"uploaded {len(uploads)} still{'s' if len(uploads) != 1 else ''} to s3://{bucket}/", file=sys.stderr
    )
    for upload in uploads:
        print(upload.key)
    if args.wait:
        records = wait_for_palettes(endpoints.api(), [upload.key for upload in uploads], timeout=args.timeout)
        print_records(records.values())
        return 0 if all(record.get("status") == "DONE" for record in records.values()) else 1
    return 0


def wait_for_palettes(
    api: ApiClient, keys: Sequence[str], *, timeout: float, progress: bool = True, poll_seconds: float = 0.5
) -> dict[str, dict[str, Any]]:
    """Poll the API until every key has a record (DONE or FAILED); each key's listing summary.

    Polls the listing of each film (one request per film and page), not each still.
    """
    from tqdm import tqdm

    wanted: dict[str, set[str]] = {}
    for key in keys:
        film, name = still_parts(key)
        wanted.setdefault(film, set()).add(name)
    found: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + timeout
    with tqdm(
        total=len(keys), unit="still", desc="palettes", file=sys.stderr, disable=not progress or None
    ) as bar:
        while len(found) < len(keys):
            for film, names in wanted.items():
                for item in iterate_listing(api, f"{film}/"):
                    key = str(item.get("key"))
                    if item.get("name") in names and key not in found:
                        found[key] = item
                        bar.update(1)
            if len(found) >= len(keys):
                break
            if time.monotonic() > deadline:
                missing = sorted(set(keys) - set(found))
                raise ClientError(f"timed out after {timeout:.0f} s; no record yet for: {', '.join(missing)}")
            time.sleep(poll_seconds)
    return {key: found[key] for key in keys if key in found}


# ---------------------------------------------------------------------- get / list / gallery
@_guarded
def run_get(args: argparse.Namespace) -> int:
    api = Endpoints.from_args(args).api()
    path = palette_path(*still_parts(args.key))
    if args.format:
        accept = "application/octet-stream" if args.format == "ase" else "*/*"
        response = api.get(path, {"format": args.format}, accept=accept)
        payload = response.body
    else:
        payload = json.dumps(api.get(path).json(), indent=2, ensure_ascii=False).encode() + b"\n"
    if args.swatch:
        swatch = api.get(f"{path}/swatch", accept="image/png").body
        args.swatch.write_bytes(swatch)
        print(f"swatch saved to {args.swatch}", file=sys.stderr)
    if args.out:
        args.out.write_bytes(payload)
        print(f"saved to {args.out}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(payload)
        sys.stdout.flush()
    return 0


def iterate_listing(api: ApiClient, prefix: str, *, page_size: int = 100) -> Iterator[dict[str, Any]]:
    """Every still under ``prefix``, newest first, following ``next_cursor`` to the end."""
    cursor: str | None = None
    while True:
        query = {"prefix": prefix, "limit": str(page_size)}
        if cursor:
            query["cursor"] = cursor
        page = api.get("/palettes", query).json()
        yield from page.get("items", [])
        cursor = page.get("next_cursor")
        if not cursor:
            return


def print_records(records: Iterable[Mapping[str, Any]], *, stream: Any = None) -> None:
    out = stream or sys.stdout
    for record in records:
        if record.get("status") == "DONE":
            detail = " ".join(record.get("colors") or [])
        else:
            detail = f"{record.get('reason')} [{record.get('error')}]"
        if since := record.get("processing_since"):
            detail += f" (a newer upload is being processed since {since})"
        print(f"{record.get('key')}\t{record.get('status')}\t{detail}", file=out)


@_guarded
def run_list(args: argparse.Namespace) -> int:
    api = Endpoints.from_args(args).api()
    if not 1 <= args.page_size <= 100:
        raise ClientError("--page-size must be from 1 to 100")
    count = 0
    for item in iterate_listing(api, args.prefix, page_size=args.page_size):
        count += 1
        if args.json:
            print(json.dumps(item, ensure_ascii=False))
        else:
            print_records([item])
    print(f"{count} still{'s' if count != 1 else ''} under {args.prefix}", file=sys.stderr)
    return 0


@_guarded
def run_gallery(args: argparse.Namespace) -> int:
    api = Endpoints.from_args(args).api()
    film, _, _ = args.prefix.partition("/")
    if not film:
        raise ClientError("PREFIX must start with a film folder, e.g. my-film/")
    query = {"prefix": args.prefix if "/" in args.prefix else f"{film}/"}
    if args.limit:
        query["limit"] = str(args.limit)
    page = api.get("/gallery", query, accept="text/html").body
    out: Path = args.out or Path(f"gallery-{film}.html")
    out.write_bytes(page)
    print(out.resolve().as_uri())
    return 0


# ---------------------------------------------------------------------- backfill
class Invoker(Protocol):
    """Where a backfill sends each event: the extract function's asynchronous invocation."""

    def invoke_async(self, event: Mapping[str, Any]) -> None: ...


class LambdaInvoker:
    """``lambda:InvokeFunction`` with ``InvocationType=Event``: Lambda queues the event and retries it
    as it does S3's own, with the function's on-failure destination. The local stack's endpoint
    answers the same call (see local/lambda_endpoint.py)."""

    def __init__(self, lambda_client: Any, function_name: str) -> None:
        self._client = lambda_client
        self.function_name = function_name

    def invoke_async(self, event: Mapping[str, Any]) -> None:
        response = self._client.invoke(
            FunctionName=self.function_name, InvocationType="Event", Payload=json.dumps(event).encode()
        )
        if response.get("StatusCode") != 202:
            raise ClientError(f"Lambda did not queue the event (status {response.get('StatusCode')})")


@dataclass(frozen=True)
class StoredObject:
    key: str
    etag: str
    size: int


def list_objects(s3: Any, bucket: str, prefix: str) -> list[StoredObject]:
    objects = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            if item["Key"].endswith("/"):
                continue  # a console "folder", not a still
            objects.append(StoredObject(item["Key"], str(item["ETag"]).strip('"'), int(item["Size"])))
    return objects


def backfill_event(
    bucket: str, stored: StoredObject, *, region: str, now: datetime | None = None
) -> dict[str, Any]:
    """The S3 notification an upload of ``stored`` would have sent, for the function to process as such.

    The key is URL-encoded as S3 encodes it; the object is identified by its ETag (the function
    reads it only if it still has that ETag); the sequencer is the lowest there is, so the event
    never replaces a record made from a real event of the key.
    """
    moment = (now or datetime.now(UTC)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": region,
                "eventTime": moment,
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": BACKFILL_PRINCIPAL},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {
                    "x-amz-request-id": BACKFILL_PRINCIPAL,
                    "x-amz-id-2": BACKFILL_PRINCIPAL,
                },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": BACKFILL_PRINCIPAL,
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": BACKFILL_PRINCIPAL},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": {
                        "key": quote_plus(stored.key, safe="/"),
                        "size": stored.size,
                        "eTag": stored.etag,
                        "sequencer": BACKFILL_SEQUENCER,
                    },
                },
            }
        ]
    }


@dataclass(frozen=True)
class BackfillSummary:
    listed: int
    sent: int
    failed: list[tuple[str, str]]


def backfill(
    objects: Sequence[StoredObject], bucket: str, invoker: Invoker, *, region: str, progress: bool = True
) -> BackfillSummary:
    """Send one event per object through ``invoker``, in parallel, with a progress bar."""
    from tqdm import tqdm

    failed: list[tuple[str, str]] = []
    sent = 0

    def send(stored: StoredObject) -> None:
        invoker.invoke_async(backfill_event(bucket, stored, region=region))

    with (
        tqdm(
            total=len(objects), unit="still", desc="backfill", file=sys.stderr, disable=not progress or None
        ) as bar,
        ThreadPoolExecutor(max_workers=INVOKE_WORKERS) as pool,
    ):
        futures = {pool.submit(send, stored): stored for stored in objects}
        for future in as_completed(futures):
            error = future.exception()
            if error is None:
                sent += 1
            else:
                failed.append((futures[future].key, str(error)))
            bar.update(1)
    return BackfillSummary(listed=len(objects), sent=sent, failed=sorted(failed))


@_guarded
def run_backfill(args: argparse.Namespace) -> int:
    endpoints = Endpoints.from_args(args)
    bucket = _setting(args.bucket, "PALETTES_BUCKET", "bucket")
    s3 = endpoints.client("s3")
    objects = list_objects(s3, bucket, args.prefix)
    if args.dry_run:
        for stored in objects:
            print(stored.key)
        print(
            f"{len(objects)} objects under s3://{bucket}/{args.prefix} (dry run: nothing sent)",
            file=sys.stderr,
        )
        return 0
    function = _setting(args.function, "PALETTES_EXTRACT_FUNCTION", "extract function (--function)")
    lambda_client = endpoints.client("lambda")
    summary = backfill(
        objects, bucket, LambdaInvoker(lambda_client, function), region=lambda_client.meta.region_name
    )
    where = f"s3://{bucket}/{args.prefix}"
    print(
        f"backfill: {summary.sent} of {summary.listed} objects under {where} sent to {function}"
        + (f"; {len(summary.failed)} not sent" if summary.failed else ""),
        file=sys.stderr,
    )
    for key, reason in summary.failed:
        print(f"  not sent: {key}: {reason}", file=sys.stderr)
    if args.wait and summary.sent:
        sent_keys = [stored.key for stored in objects if stored.key not in dict(summary.failed)]
        records = wait_for_palettes(endpoints.api(), sent_keys, timeout=args.timeout)
        print_records(records.values())
    return 1 if summary.failed else 0
