"""`palettes search` and `palettes similar`: stills found by colour, as a table with colour swatches."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from palette_service.web.routes import SEARCH, SIMILAR, fill
from palettes_cli.api_client import ApiClient
from palettes_cli.commands import Subparsers, add_service_parser
from palettes_cli.errors import UsageError, reports_errors
from palettes_cli.settings import Settings
from palettes_cli.stills import still_parts


def add_parser(subparsers: Subparsers) -> None:
    search = add_service_parser(
        subparsers,
        "search",
        help="stills by colour: one colour, a weighted mix (--mix) or a basic colour term (--class)",
        description="Find stills whose palettes hold a colour, a mix of colours, or a basic colour term.",
    )
    search.add_argument("color", nargs="?", metavar="HEX", help='a colour, e.g. "#c0392b"')
    search.add_argument(
        "--mix", metavar="HEX:PERCENT,...", help='up to 5 colours, e.g. "#1abc9c:30,#e67e22:10"'
    )
    search.add_argument("--class", dest="color_class", metavar="TERM", help="a basic colour term, e.g. blue")
    search.add_argument("--min-share", help="least share of the frame, 0-1 (default 0.02)")
    _add_common(search)
    search.set_defaults(run=run_search)
    similar = add_service_parser(
        subparsers,
        "similar",
        help="more like this: the stills whose palettes are nearest a still's",
        description="Find the stills whose palettes are nearest a still's palette.",
    )
    similar.add_argument("key", metavar="FILM/STILL", help="<film>/<still> or stills/<film>/<still>")
    _add_common(similar)
    similar.set_defaults(run=run_similar)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--film", help="only stills of this film")
    parser.add_argument("--max-delta-e", help="CIEDE2000 radius, 1-50 (default 10)")
    parser.add_argument("--limit", help="hits (1-100, default 20)")


@reports_errors
def run_search(args: argparse.Namespace) -> int:
    given = [value for value in (args.color, args.mix, args.color_class) if value]
    if len(given) != 1:
        raise UsageError("give exactly one of a colour, --mix or --class")
    query = {
        "color": (args.color or "").lstrip("#"),
        "colors": ",".join(part.strip().lstrip("#") for part in (args.mix or "").split(",") if part.strip()),
        "class": args.color_class,
        "min_share": args.min_share,
    }
    return _print(ApiClient.from_settings(Settings.from_args(args)).get(SEARCH, _query(query, args)).json())


@reports_errors
def run_similar(args: argparse.Namespace) -> int:
    film, name = still_parts(args.key)
    api = ApiClient.from_settings(Settings.from_args(args))
    return _print(api.get(fill(SIMILAR, film=film, still=name), _query({}, args)).json())


def _query(query: Mapping[str, str | None], args: argparse.Namespace) -> dict[str, str]:
    common = {"film": args.film, "max_delta_e": args.max_delta_e, "limit": args.limit}
    return {name: value for name, value in {**query, **common}.items() if value}


def _print(page: Mapping[str, Any]) -> int:
    print_hits(page["items"], sys.stdout)
    print(f"{len(page['items'])} hit{'s' if len(page['items']) != 1 else ''}", file=sys.stderr)
    return 0


def print_hits(hits: Sequence[Mapping[str, Any]], out: TextIO) -> None:
    """One line per hit: rank, score or distance, the matched colours (as swatches where the terminal
    shows 24-bit colour), film and still."""
    swatches = _true_colour(out)
    for rank, hit in enumerate(hits, 1):
        figure = f"score {hit['score']:.3f}" if hit.get("score") is not None else f"dE {hit['distance']:.2f}"
        matched = " ".join(_colour(match, swatches) for match in _once_each(hit["matches"]))
        print(f"{rank:>3}  {figure:<12} {matched}  {hit['film']}/{hit['name']}", file=out)


def _once_each(matches: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Each palette colour once, in order: a mix's matches pair each query colour with a palette
    colour, so one palette colour can stand for several."""
    first: dict[object, Mapping[str, Any]] = {}
    for match in matches:
        first.setdefault(match.get("color_index", match["hex"]), match)
    return list(first.values())


def _colour(match: Mapping[str, Any], swatches: bool) -> str:
    hex_code = str(match["hex"])
    share = f"{float(match['proportion']) * 100:.0f}%"
    if not swatches:
        return f"{hex_code} {share}"
    red, green, blue = (int(hex_code[i : i + 2], 16) for i in (1, 3, 5))
    return f"\x1b[48;2;{red};{green};{blue}m    \x1b[0m {hex_code} {share}"


def _true_colour(out: TextIO) -> bool:
    """24-bit colour blocks only on a terminal that says it shows them (and not with NO_COLOR)."""
    if os.environ.get("NO_COLOR") or not out.isatty():
        return False
    return os.environ.get("COLORTERM", "").lower() in {"truecolor", "24bit"}
