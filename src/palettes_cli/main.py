"""The `palettes` command: assembles the subcommands of ``palettes_cli.commands`` and runs one.

``extract`` works on local files; the others are a client of the deployed service (or of the
local stack): see the README and ``palettes_cli.settings`` for where they find it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from palettes_cli.commands import backfill, extract, film, films, gallery, get, listing, search, upload

# In the order `palettes --help` lists them.
COMMANDS = (extract, upload, get, listing, films, film, search, gallery, backfill)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="palettes", description="Colour palettes of film stills.")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        print("palettes: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
