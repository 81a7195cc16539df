"""`palettes get`: a still's palette document, or one of its exports, and optionally its swatch."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from palette_service.web.routes import still_path, swatch_path
from palettes.exports import EXPORT_FORMATS, export_roles
from palettes_cli.api_client import ApiClient
from palettes_cli.commands import Subparsers, add_service_parser
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
    parser.add_argument("--format", choices=EXPORT_FORMATS, help="an export instead of the palette document")
    parser.add_argument("--swatch", type=Path, metavar="PNG", help="also save the swatch image here")
    parser.add_argument("--out", "-o", type=Path, help="write the palette or export here instead of stdout")
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
    elif args.format:
        # API Gateway answers in binary only when the first Accept type is one of its binary types.
        accept = "application/octet-stream" if args.format == "ase" else "*/*"
        payload = api.get(still_path(film, name), {"format": args.format}, accept=accept).body
    else:
        document = api.get(still_path(film, name)).json()
        payload = json.dumps(document, indent=2, ensure_ascii=False).encode() + b"\n"
    if args.swatch:
        args.swatch.write_bytes(api.get(swatch_path(film, name), accept="image/png").body)
        print(f"swatch saved to {args.swatch}", file=sys.stderr)
    if args.out:
        args.out.write_bytes(payload)
        print(f"saved to {args.out}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(payload)
        sys.stdout.flush()
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
