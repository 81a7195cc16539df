"""`palettes list`: a film's stills, newest first, every page followed."""

from __future__ import annotations

import argparse
import json
import sys

from palettes_cli.api_client import ApiClient
from palettes_cli.commands import Subparsers, add_service_parser
from palettes_cli.errors import ClientError, reports_errors
from palettes_cli.settings import Settings
from palettes_cli.stills import MAX_PAGE_SIZE, iterate_listing, print_records


def add_parser(subparsers: Subparsers) -> None:
    parser = add_service_parser(
        subparsers,
        "list",
        help="a film's stills, newest first",
        description="List stills, following pages.",
    )
    parser.add_argument("--prefix", required=True, help="<film>/ or <film>/<start of a name>")
    parser.add_argument(
        "--page-size", type=int, default=MAX_PAGE_SIZE, help=f"stills per API request (1-{MAX_PAGE_SIZE})"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per still")
    parser.set_defaults(run=run)


@reports_errors
def run(args: argparse.Namespace) -> int:
    api = ApiClient.from_settings(Settings.from_args(args))
    if not 1 <= args.page_size <= MAX_PAGE_SIZE:
        raise ClientError(f"--page-size must be from 1 to {MAX_PAGE_SIZE}")
    count = 0
    for item in iterate_listing(api, args.prefix, page_size=args.page_size):
        count += 1
        if args.json:
            print(json.dumps(item, ensure_ascii=False))
        else:
            print_records([item])
    print(f"{count} still{'s' if count != 1 else ''} under {args.prefix}", file=sys.stderr)
    return 0
