"""The local stack for the end-to-end tests: started once for this package, always stopped.

Every test module uses its own film folder, so they share one stack without seeing each other.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local.stack import LocalStack, LocalStackSettings
from palette_service.domain.records import StillStatus

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples" / "stills"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    settings = LocalStackSettings(log_dir=tmp_path_factory.mktemp("local-stack-logs"), retry_delays=(1, 1))
    with LocalStack(settings) as running:
        yield running


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def http_get(url: str, headers: Mapping[str, str] | None = None) -> HttpAnswer:
    """A GET with urllib that returns 4xx/5xx answers instead of raising them."""
    request = urllib.request.Request(url, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return HttpAnswer(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return HttpAnswer(error.code, dict(error.headers), error.read())


RECORDED = (StillStatus.DONE.value, StillStatus.FAILED.value)


def wait_for_items(
    table: Any, film: str, names: list[str], *, timeout: float = 90
) -> dict[str, dict[str, Any]]:
    """The items of ``film``'s stills ``names``, once every one of them records an outcome (DONE or
    FAILED; an item is PROCESSING from the extraction's claim until then)."""
    deadline = time.monotonic() + timeout
    while True:
        items = {}
        for name in names:
            item = table.get_item(Key={"pk": f"FILM#{film}", "sk": f"STILL#{name}"}, ConsistentRead=True).get(
                "Item"
            )
            if item is not None and item.get("status") in RECORDED:
                items[name] = item
        if len(items) == len(names):
            return items
        if time.monotonic() > deadline:
            raise AssertionError(f"no item after {timeout} s for {sorted(set(names) - set(items))}")
        time.sleep(0.25)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright. A browser tier that skips would pass without
    testing anything, so a missing browser is an error; `make test` installs it (make browser)."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise RuntimeError(
            f"{CHROMIUM} is absent: the browser tests need Debian's Chromium; run `make browser`"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()
