"""`make demo`: the whole service on this machine, fed the sample stills, until Ctrl-C.

Starts the local stack (local/stack.py), uploads samples/stills/ as one film under stills/<film>/
with the ``palettes upload`` code, each with a frame number (S3 metadata ``frame``), waits for every
palette through the read API and for the film's rebuild, prints a table, the film's palette and the
path of its barcode, and the gallery, and keeps serving so the ``palettes`` client and the ``aws``
CLI can be tried against it. ``--exit`` (or DEMO_EXIT=1) stops at once instead, for scripts.
"""

from __future__ import annotations

import argparse
import math
import os
import shlex
import signal
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote, urlencode

from local.stack import LocalStack, LocalStackSettings
from palette_service.web.routes import FILM_BARCODE, FILM_PALETTE, SEARCH, fill
from palette_service.web.routes import still_path as palette_path
from palettes_cli.api_client import ApiClient
from palettes_cli.commands.search import print_hits
from palettes_cli.commands.upload import Upload, plan_uploads, upload_stills
from palettes_cli.downloads import fetch_palette
from palettes_cli.errors import ClientError
from palettes_cli.stills import wait_for_palettes
from palettes_stack.template import REPOSITORY

SAMPLES = REPOSITORY / "samples" / "stills"
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".tif", ".tiff", ".bmp"}
# The stills' frame numbers: one every ten seconds at 24 frames a second, in the order of their names.
FRAME_STEP = 240


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.demo", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--exit",
        action="store_true",
        default=os.environ.get("DEMO_EXIT") == "1",
        help="stop once the table is printed (also DEMO_EXIT=1)",
    )
    parser.add_argument(
        "--stills", type=Path, default=SAMPLES, help="folder of stills to upload (default: samples/stills)"
    )
    parser.add_argument("--film", default="samples", help="film folder to upload them to (default: samples)")
    parser.add_argument(
        "--aws-port",
        type=int,
        default=int(os.environ.get("DEMO_AWS_PORT", "0")),
        help="port of the AWS endpoint (default: a free one; env DEMO_AWS_PORT)",
    )
    parser.add_argument(
        "--api-port",
        type=int,
        default=int(os.environ.get("DEMO_API_PORT", "0")),
        help="port of the read API (default: a free one; env DEMO_API_PORT)",
    )
    parser.add_argument(
        "--api-key",
        default=os.environ.get("DEMO_API_KEY"),
        help="the API key to require (default: a new random one; env DEMO_API_KEY)",
    )
    parser.add_argument("--out", type=Path, default=Path("out/demo"), help="logs, gallery and env.sh go here")
    parser.add_argument(
        "--concurrency", type=int, default=2, help="extract function environments (default 2)"
    )
    parser.add_argument("--timeout", type=float, default=180, help="seconds to wait for the palettes")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    stills = sorted(path for path in args.stills.iterdir() if path.suffix.lower() in IMAGE_SUFFIXES)
    if not stills:
        print(f"demo: no images in {args.stills}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    settings = LocalStackSettings(
        aws_port=args.aws_port,
        api_port=args.api_port,
        api_key=args.api_key,
        extract_concurrency=args.concurrency,
        log_dir=args.out / "logs",
    )
    print("Starting the local stack: moto on 127.0.0.1, the template's functions, the read API ...")
    started = time.perf_counter()
    # Ctrl-C, even where a shell started us with SIGINT ignored, and SIGTERM (a supervisor, `kill`)
    # stop everything in order.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: _raise_interrupt())
    try:
        with LocalStack(settings) as stack:
            print(f"  up in {time.perf_counter() - started:.1f} s; logs in {stack.log_dir}/")
            status = run_demo(stack, stills, args)
            if args.exit or status != 0:
                return status
            print("\nServing until Ctrl-C.")
            threading.Event().wait()
    except KeyboardInterrupt:
        print("\nStopped.")
        return 0
    return 0


def _raise_interrupt() -> None:
    raise KeyboardInterrupt


def run_demo(stack: LocalStack, stills: Sequence[Path], args: argparse.Namespace) -> int:
    prefix = f"{stack.input_prefix}{args.film}/"
    uploads = plan_uploads(stills, prefix, input_prefix=stack.input_prefix)
    print(f"\nUploading {len(uploads)} stills to s3://{stack.bucket}/{prefix}, frames {FRAME_STEP} apart")
    upload_film(stack.client("s3"), stack.bucket, uploads)
    api = ApiClient(stack.api_url, stack.api_key)
    try:
        records = wait_for_palettes(api, [upload.key for upload in uploads], timeout=args.timeout)
    except ClientError as error:
        print(f"demo: {error}; see the logs in {stack.log_dir}/", file=sys.stderr)
        return 1
    documents = {
        key: api.get(palette_path(record["film"], record["name"])).json()
        for key, record in records.items()
        if record["status"] == "DONE"
    }
    print()
    print_table(records, documents, sys.stdout)
    # The film is rebuilt from the table's stream once its batching window has passed.
    if not stack.wait_idle(args.timeout):
        print(
            f"demo: the film was not rebuilt in {args.timeout:.0f} s; see {stack.log_dir}/", file=sys.stderr
        )
        return 1
    try:
        print_film(api, args.film, (args.out / f"barcode-{args.film}.png").resolve(), sys.stdout)
    except ClientError as error:
        print(f"demo: {error}; see the logs in {stack.log_dir}/", file=sys.stderr)
        return 1

    gallery_file = (args.out / f"gallery-{args.film}.html").resolve()
    gallery_file.write_bytes(api.get(f"/gallery/{args.film}", accept="text/html").body)
    environment = stack.client_environment()
    env_file = (args.out / "env.sh").resolve()
    env_file.write_text(
        "".join(f"export {name}={shlex.quote(value)}\n" for name, value in environment.items())
    )
    live = f"{stack.api_url}/gallery/{args.film}"
    print(f"""
Web app             {stack.api_url}/app#/film/{quote(args.film, safe="")}
API key (the app asks for it once per tab)
                    {stack.api_key}

Gallery (one self-contained page, as the API served it; opens in any browser):
  {gallery_file.as_uri()}
The same page live from the local API, which requires the key like API Gateway does:
  curl -H 'x-api-key: {stack.api_key}' {live} > gallery.html

Local AWS endpoint  {stack.endpoint_url}   (S3, DynamoDB, SQS, Lambda Invoke)
Read API            {stack.api_url}   (x-api-key: {stack.api_key})
Try the client from another terminal:
  source {env_file}
  palettes list --prefix {args.film}/
  palettes get {args.film}/{stills[0].name} --format css
  palettes film {args.film} --format gpl --barcode barcode.png --style palette
  palettes search "#c0392b" --film {args.film}
  palettes similar {args.film}/{stills[0].name}
  palettes upload path/to/*.jpg --prefix stills/my-film/ --wait
  palettes gallery my-film/
  aws s3 ls s3://{stack.bucket}/ --recursive""")
    try:
        print_search(api, args.film, sys.stdout)
    except ClientError as error:
        print(f"demo: {error}; see the logs in {stack.log_dir}/", file=sys.stderr)
        return 1
    failed = [key for key, record in records.items() if record["status"] != "DONE"]
    return 1 if failed else 0


def print_search(api: ApiClient, film: str, out: TextIO) -> None:
    """One colour search: the film palette's most saturated colour, and the stills that hold it."""
    colors = api.get(fill(FILM_PALETTE, film=film)).json()["colors"]
    vivid = max(colors, key=lambda color: math.hypot(color["lab"][1], color["lab"][2]))["hex"]
    query = {"color": vivid.lstrip("#"), "film": film, "min_share": "0.005"}
    print(
        f"\nStills holding the film's most saturated colour {vivid} (GET {SEARCH}?{urlencode(query)}):",
        file=out,
    )
    print_hits(api.get(SEARCH, query).json()["items"], out)


def upload_film(s3: Any, bucket: str, uploads: Sequence[Upload]) -> None:
    """Upload each still with its frame number, in the order given (``FRAME_STEP`` apart)."""
    for index, upload in enumerate(uploads, start=1):
        upload_stills(s3, bucket, [upload], metadata={"frame": str(index * FRAME_STEP)}, progress=False)


def print_film(api: ApiClient, film: str, barcode_file: Path, out: TextIO) -> None:
    """The film's palette (its text export) and where its barcode, fetched from the API, is saved."""
    palette_path_ = fill(FILM_PALETTE, film=film)
    text = fetch_palette(api, palette_path_, "text").decode()
    barcode_file.write_bytes(api.get(fill(FILM_BARCODE, film=film), accept="image/png").body)
    print(f"\nFilm {film!r}: its palette over all its stills (GET {palette_path_}?format=text)", file=out)
    print(text.rstrip("\n"), file=out)
    print(f"Barcode, one stripe per still in frame order (GET {fill(FILM_BARCODE, film=film)}):", file=out)
    print(f"  {barcode_file}", file=out)


def print_table(
    records: Mapping[str, Mapping[str, Any]], documents: Mapping[str, Mapping[str, Any]], out: TextIO
) -> None:
    """key, status, the palette's colours with their shares, and which of them are accents."""
    chips = out.isatty() and "NO_COLOR" not in os.environ
    width = max(len(key) for key in records)
    print(f"{'still':<{width}}  {'status':<6}  palette (share; * accent)", file=out)
    print(f"{'-' * width}  ------  {'-' * 60}", file=out)
    for key, record in records.items():
        if record["status"] != "DONE":
            print(
                f"{key:<{width}}  {record['status']:<6}  {record.get('reason')} [{record.get('error')}]",
                file=out,
            )
            continue
        cells = []
        for color in documents[key].get("colors", []):
            chip = _chip(color["hex"]) + " " if chips else ""
            star = "*" if color.get("accent") else " "
            cells.append(f"{chip}{color['hex']}{star}{color['proportion'] * 100:4.0f}%")
        print(f"{key:<{width}}  {'DONE':<6}  {'  '.join(cells)}", file=out)


def _chip(hex_code: str) -> str:
    red, green, blue = (int(hex_code[index : index + 2], 16) for index in (1, 3, 5))
    return f"\x1b[48;2;{red};{green};{blue}m  \x1b[0m"


if __name__ == "__main__":
    sys.exit(main())
