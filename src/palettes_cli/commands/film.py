"""`palettes film`: a film's palette document, or an export of it, and optionally its barcode."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from palette_service.web.routes import FILM_BARCODE, FILM_PALETTE, fill
from palettes.barcode import BARCODE_STYLES
from palettes_cli.api_client import ApiClient
from palettes_cli.commands import Subparsers, add_service_parser
from palettes_cli.downloads import add_output_arguments, fetch_palette, write_output
from palettes_cli.errors import reports_errors
from palettes_cli.settings import Settings


def add_parser(subparsers: Subparsers) -> None:
    parser = add_service_parser(
        subparsers,
        "film",
        help="a film's palette (or an export), and optionally its barcode",
        description="Print a film's palette, made from all its processed stills.",
    )
    parser.add_argument("film", metavar="FILM", help="the film folder's name")
    add_output_arguments(parser)
    parser.add_argument("--barcode", type=Path, metavar="PNG", help="also save the film's barcode here")
    parser.add_argument("--style", choices=BARCODE_STYLES, help="the barcode's style (default: dominant)")
    parser.add_argument("--width", type=int, help="the barcode's width in pixels")
    parser.add_argument("--height", type=int, help="the barcode's height in pixels")
    parser.set_defaults(run=run)


@reports_errors
def run(args: argparse.Namespace) -> int:
    api = ApiClient.from_settings(Settings.from_args(args))
    payload = fetch_palette(api, fill(FILM_PALETTE, film=args.film), args.format)
    if args.barcode:
        options = {
            name: str(getattr(args, name)) for name in ("style", "width", "height") if getattr(args, name)
        }
        args.barcode.write_bytes(
            api.get(fill(FILM_BARCODE, film=args.film), options, accept="image/png").body
        )
        print(f"barcode saved to {args.barcode}", file=sys.stderr)
    write_output(payload, args.out)
    return 0
