"""Stills as the read API knows them: a key's film and name, the whole listing, waiting for records.

Shared by the commands that list (``list``) and the ones that wait for palettes (``upload --wait``,
``backfill --wait``).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, TextIO

from palette_service.web.routes import PALETTES
from palettes_cli.api_client import ApiClient
from palettes_cli.errors import ClientError
from palettes_cli.progress import progress_bar

DEFAULT_INPUT_PREFIX = "stills/"
MAX_PAGE_SIZE = 100


def still_parts(key: str, input_prefix: str = DEFAULT_INPUT_PREFIX) -> tuple[str, str]:
    """``stills/<film>/<name>`` or ``<film>/<name>`` -> (film, name)."""
    rest = key[len(input_prefix) :] if key.startswith(input_prefix) else key
    film, slash, name = rest.partition("/")
    if not film or not slash or not name:
        raise ClientError(f"{key!r} is not {input_prefix}<film>/<still> or <film>/<still>")
    return film, name


def iterate_listing(
    api: ApiClient, prefix: str, *, page_size: int = MAX_PAGE_SIZE
) -> Iterator[dict[str, Any]]:
    """Every still under ``prefix``, newest first, following ``next_cursor`` to the end."""
    cursor: str | None = None
    while True:
        query = {"prefix": prefix, "limit": str(page_size)}
        if cursor:
            query["cursor"] = cursor
        page = api.get(PALETTES, query).json()
        yield from page.get("items", [])
        cursor = page.get("next_cursor")
        if not cursor:
            return


def add_wait_arguments(parser: argparse.ArgumentParser, *, timeout: float) -> None:
    """``--wait`` and ``--timeout``, for a command whose stills go through the extract function."""
    parser.add_argument(
        "--wait", action="store_true", help="wait until every still has a record, then list them"
    )
    parser.add_argument(
        "--timeout", type=float, default=timeout, help=f"seconds --wait waits (default {timeout:.0f})"
    )


def wait_for_palettes(
    api: ApiClient, keys: Sequence[str], *, timeout: float, progress: bool = True, poll_seconds: float = 0.5
) -> dict[str, dict[str, Any]]:
    """Poll the API until every key has a record (DONE or FAILED); each key's listing summary.

    Polls the listing of each film (one request per film and page), not each still; raises
    :class:`ClientError` naming the keys still without a record after ``timeout`` seconds.
    """
    names_by_film: dict[str, set[str]] = {}
    for key in keys:
        film, name = still_parts(key)
        names_by_film.setdefault(film, set()).add(name)
    found: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + timeout
    with progress_bar(len(keys), unit="still", desc="palettes", enabled=progress) as bar:
        while True:
            bar.update(_collect_records(api, names_by_film, found))
            if len(found) >= len(keys):
                return {key: found[key] for key in keys if key in found}
            if time.monotonic() > deadline:
                missing = sorted(set(keys) - set(found))
                raise ClientError(f"timed out after {timeout:.0f} s; no record yet for: {', '.join(missing)}")
            time.sleep(poll_seconds)


def _collect_records(
    api: ApiClient, names_by_film: Mapping[str, set[str]], found: dict[str, dict[str, Any]]
) -> int:
    """Add to ``found`` the wanted stills listed now; how many were new."""
    before = len(found)
    for film, names in names_by_film.items():
        for item in iterate_listing(api, f"{film}/"):
            key = str(item.get("key"))
            if item.get("name") in names and key not in found:
                found[key] = item
    return len(found) - before


def print_records(records: Iterable[Mapping[str, Any]], *, stream: TextIO | None = None) -> None:
    """One tab-separated line per record: key, status, then its colours or why it failed."""
    out = stream or sys.stdout
    for record in records:
        if record.get("status") == "DONE":
            detail = " ".join(record.get("colors") or [])
        else:
            detail = f"{record.get('reason')} [{record.get('error')}]"
        if since := record.get("processing_since"):
            detail += f" (a newer upload is being processed since {since})"
        print(f"{record.get('key')}\t{record.get('status')}\t{detail}", file=out)
