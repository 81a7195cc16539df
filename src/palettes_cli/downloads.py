"""What `get` and `film` share: a palette document or an export fetched from the API, and where it goes."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from palettes.exports import EXPORT_FORMATS
from palettes_cli.api_client import ApiClient


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=EXPORT_FORMATS, help="an export instead of the palette document")
    parser.add_argument("--out", "-o", type=Path, help="write the palette or export here instead of stdout")


def fetch_palette(api: ApiClient, path: str, fmt: str | None) -> bytes:
    """The palette document at ``path`` (indented JSON), or its export in ``fmt``."""
    if fmt is None:
        return json.dumps(api.get(path).json(), indent=2, ensure_ascii=False).encode() + b"\n"
    # API Gateway answers in binary only when the first Accept type is one of its binary types.
    accept = "application/octet-stream" if fmt == "ase" else "*/*"
    return api.get(path, {"format": fmt}, accept=accept).body


def write_output(payload: bytes, out: Path | None) -> None:
    """``payload`` to ``out``, or to stdout."""
    if out:
        out.write_bytes(payload)
        print(f"saved to {out}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(payload)
        sys.stdout.flush()
