"""`palettes films`: the films that have stills, newest change first, every page followed."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any

from palette_service.domain.listing import MAX_LIMIT
from palette_service.web.routes import FILMS
from palettes_cli.api_client import ApiClient
from palettes_cli.commands import Subparsers, add_service_parser
from palettes_cli.errors import reports_errors
from palettes_cli.settings import Settings


def add_parser(subparsers: Subparsers) -> None:
    parser = add_service_parser(
        subparsers,
        "films",
        help="the films that have stills, newest change first",
        description="List films with their still counts and palettes, following pages.",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per film")
    parser.set_defaults(run=run)


@reports_errors
def run(args: argparse.Namespace) -> int:
    api = ApiClient.from_settings(Settings.from_args(args))
    count = 0
    for film in iterate_films(api):
        count += 1
        if args.json:
            print(json.dumps(film, ensure_ascii=False))
        else:
            print(film_line(film))
    print(f"{count} film{'s' if count != 1 else ''}", file=sys.stderr)
    return 0


def iterate_films(api: ApiClient) -> Iterator[dict[str, Any]]:
    cursor: str | None = None
    while True:
        query = {"limit": str(MAX_LIMIT)} | ({"cursor": cursor} if cursor else {})
        page = api.get(FILMS, query).json()
        yield from page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return


def film_line(film: dict[str, Any]) -> str:
    """``<film>  <done>/<failed>/<processing>  <updated_at>  <colours>`` on one line."""
    counts = film["stills"]
    colors = " ".join(film.get("colors") or ["(no palette yet)"])
    stills = f"{counts['done']} done, {counts['failed']} failed, {counts['processing']} processing"
    return f"{film['film']}\t{stills}\t{film['updated_at']}\t{colors}"
