"""`palettes gallery`: save a film's gallery page (self-contained HTML) and print its file URL."""

from __future__ import annotations

import argparse
from pathlib import Path

from palette_service.web.routes import GALLERY
from palettes_cli.api_client import ApiClient
from palettes_cli.commands import Subparsers, add_service_parser
from palettes_cli.errors import ClientError, reports_errors
from palettes_cli.settings import Settings


def add_parser(subparsers: Subparsers) -> None:
    parser = add_service_parser(
        subparsers,
        "gallery",
        help="save a film's gallery page (self-contained HTML) and print its file URL",
        description=f"Fetch {GALLERY}?prefix=PREFIX with the API key and save it: the page embeds its "
        "swatches and exports, so the saved file opens in any browser.",
    )
    parser.add_argument("prefix", metavar="PREFIX", help="<film>/ or <film>/<start of a name>")
    parser.add_argument("--out", "-o", type=Path, help="the HTML file (default: gallery-<film>.html)")
    parser.add_argument("--limit", type=int, help="stills on the page")
    parser.set_defaults(run=run)


@reports_errors
def run(args: argparse.Namespace) -> int:
    api = ApiClient.from_settings(Settings.from_args(args))
    film, _, _ = args.prefix.partition("/")
    if not film:
        raise ClientError("PREFIX must start with a film folder, e.g. my-film/")
    query = {"prefix": args.prefix if "/" in args.prefix else f"{film}/"}
    if args.limit:
        query["limit"] = str(args.limit)
    page = api.get(GALLERY, query, accept="text/html").body
    out: Path = args.out or Path(f"gallery-{film}.html")
    out.write_bytes(page)
    print(out.resolve().as_uri())
    return 0
