"""The `palettes` command: local extraction, and (see the README) a client for the deployed service."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from palettes_cli import client, extract_command


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="palettes", description="Colour palettes of film stills.")
    subparsers = parser.add_subparsers(dest="command", required=True)
    extract_command.add_parser(subparsers)
    client.add_parsers(subparsers)
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
