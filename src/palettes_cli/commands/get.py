"""`palettes get`: a still's palette document, or one of its exports, and optionally its swatch."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from palette_service.web.routes import still_path, swatch_path
from palettes.exports import export_roles
from palettes_cli.api_client import ApiClient
from palettes_cli.commands import Subparsers, add_service_parser
from palettes_cli.downloads import add_output_arguments, fetch_palette, write_output
from palettes_cli.errors import ClientError, reports_errors
from palettes_cli.roles import add_roles_argument, roles_format
from palettes_cli.settings import Settings
from palettes_cli.stills import still_parts


def add_parser(subparsers: Subparsers) -> None:
    parser = add_service_parser(
        subparsers,
        "get",
        help="a still's palette (or an export, or its swatch)",
        description="Print a palette.",
    )
    parser.add_argument("key", metavar="KEY", help="stills/<film>/<still> or <film>/<still>")
    add_output_arguments(parser)
    parser.add_argument("--swatch", type=Path, metavar="PNG", help="also save the swatch image here")
    add_roles_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.roles and roles_format(args) is None:
        return 2
    return _get(args)


@reports_errors
def _get(args: argparse.Namespace) -> int:
    api = ApiClient.from_settings(Settings.from_args(args))
    film, name = still_parts(args.key)
    if args.roles:
        payload = _roles(api.get(still_path(film, name)).json(), str(roles_format(args)), args.key)
    else:
        payload = fetch_palette(api, still_path(film, name), args.format)
    if args.swatch:
        args.swatch.write_bytes(api.get(swatch_path(film, name), accept="image/png").body)
        print(f"swatch saved to {args.swatch}", file=sys.stderr)
    write_output(payload, args.out)
    return 0


def _roles(document: dict[str, object], fmt: str, key: str) -> bytes:
    """The roles of a stored document; a palette stored before schema 2 has none to print."""
    payload = export_roles(document, fmt)
    if payload is None:
        version = document.get("schema_version")
        raise ClientError(
            f"the palette of {key} has schema version {version}, which has no roles; "
            "upload the still again to make them"
        )
    return payload
