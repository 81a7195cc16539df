"""``--roles``, shared by ``extract`` and ``get``: only the palette's roles, as text or JSON."""

from __future__ import annotations

import argparse
import sys

from palettes.exports import ROLE_FORMATS


def add_roles_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--roles",
        action="store_true",
        help="print only the roles (dominant, vibrant, muted, ...): text, or JSON with --format json",
    )


def roles_format(args: argparse.Namespace) -> str | None:
    """The format the roles are printed in (text unless ``--format json``); ``None`` after telling
    the user, on stderr, that ``--format`` names one the roles do not come in."""
    fmt = str(args.format or "text")
    if fmt not in ROLE_FORMATS:
        print(
            f"palettes {args.command}: --roles prints {' or '.join(ROLE_FORMATS)}, not {fmt}", file=sys.stderr
        )
        return None
    return fmt
