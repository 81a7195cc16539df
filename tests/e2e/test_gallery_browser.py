"""The gallery in a real headless browser: Debian's Chromium driven by Playwright, on the local API."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest

from local.stack import LocalStack
from palettes.barcode import default_width
from palettes_cli.main import main
from tests.e2e.conftest import ARTIFACTS, SAMPLES, http_get, wait_for_items

pytestmark = pytest.mark.e2e

FILM = "gallery-film"
STILLS = ("astronaut.jpg", "chelsea.jpg", "coffee.jpg", "hubble-deep-field.jpg", "retina.jpg", "rocket.jpg")
BROKEN = "broken frame.jpg"
MARKUP_FILM = "markup-film"
MARKUP = "<img src=x onerror=alert(1)> & 'quoted\".jpg"


@pytest.fixture(scope="module")
def film(stack: LocalStack) -> dict[str, dict[str, Any]]:
    s3 = stack.client("s3")
    for name in STILLS:
        s3.upload_file(str(SAMPLES / name), stack.bucket, f"stills/{FILM}/{name}")
    s3.put_object(Bucket=stack.bucket, Key=f"stills/{FILM}/{BROKEN}", Body=b"GIF89a, then nothing")
    table = stack.resource("dynamodb").Table(stack.table_name)
    items = wait_for_items(table, FILM, [*STILLS, BROKEN])
    # The film's palette is rebuilt from the table's stream after its batching window: wait for it too,
    # so that every page shows the film section.
    assert stack.wait_idle(120)
    return items


@pytest.fixture(scope="module")
def film_palette(stack: LocalStack, film: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The film's palette document, as the API serves it."""
    answer = http_get(f"{stack.api_url}/films/{quote(FILM)}", {"x-api-key": stack.api_key})
    assert answer.status == 200, answer.body
    document: dict[str, Any] = answer.json()
    return document


def _gallery_url(stack: LocalStack) -> str:
    return f"{stack.api_url}/gallery/{quote(FILM)}"


def _hex_labels(page: Any, selector: str) -> list[str]:
    return list(page.eval_on_selector_all(selector, "cells => cells.map(cell => cell.textContent.trim())"))


def _check_page(page: Any, film: dict[str, dict[str, Any]], film_palette: dict[str, Any]) -> None:
    """The film's palette and barcode above the stills; every swatch decoded, every colour's hex label
    shown, the failure explained."""
    _check_film_section(page, film_palette)
    widths = page.eval_on_selector_all("img.swatch", "images => images.map(image => image.naturalWidth)")
    assert len(widths) == len(STILLS)
    assert all(width > 0 for width in widths)
    # The stills' own colours: the film section has a colour table too.
    labels = _hex_labels(page, "article.still td.hex")
    expected = [
        color["hex"].lower() for name in STILLS for color in json.loads(film[name]["document"])["colors"]
    ]
    assert sorted(labels) == sorted(expected)
    failed = page.inner_text("article.failed")
    assert BROKEN in failed
    assert film[BROKEN]["reason"] in failed
    assert page.locator("article.still:not(.failed) a[download]").count() == 5 * len(STILLS)


def _check_film_section(page: Any, film_palette: dict[str, Any]) -> None:
    """The film section comes before the stills, with the film's colours and its barcode (a stripe per
    DONE still, decoded by the browser)."""
    order = page.eval_on_selector_all(
        "section.film, main.grid", "nodes => nodes.map(node => node.tagName.toLowerCase())"
    )
    assert order == ["section", "main"]
    assert _hex_labels(page, "section.film td.hex") == [
        color["hex"].lower() for color in film_palette["colors"]
    ]
    assert f"{len(STILLS)} stills with a palette" in page.inner_text("section.film p.status")
    barcode_width = page.eval_on_selector("section.film img.barcode", "image => image.naturalWidth")
    assert barcode_width == default_width(len(STILLS))


def test_the_gallery_renders_in_chromium(
    stack: LocalStack, film: dict[str, dict[str, Any]], film_palette: dict[str, Any], browser: Any
) -> None:
    # A browser cannot send x-api-key by itself; Playwright adds it, as the client and curl do.
    context = browser.new_context(
        extra_http_headers={"x-api-key": stack.api_key}, viewport={"width": 1360, "height": 900}
    )
    requests: list[str] = []
    try:
        page = context.new_page()
        page.on("request", lambda request: requests.append(request.url))
        response = page.goto(_gallery_url(stack))
        assert response is not None and response.status == 200
        assert response.headers["content-security-policy"].startswith("default-src 'none'")
        page.wait_for_load_state("load")
        _check_page(page, film, film_palette)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "gallery.png"), full_page=True)
    finally:
        context.close()
    # One authenticated request is all the page needs: everything else is inline.
    assert [url for url in requests if not url.startswith("data:")] == [_gallery_url(stack)]


def test_the_exports_in_the_page_are_the_api_exports(
    stack: LocalStack, film: dict[str, dict[str, Any]], browser: Any
) -> None:
    context = browser.new_context(extra_http_headers={"x-api-key": stack.api_key})
    try:
        page = context.new_page()
        page.goto(_gallery_url(stack))
        links = page.eval_on_selector_all(
            "a[download]", "links => links.map(link => [link.getAttribute('download'), link.href])"
        )
    finally:
        context.close()
    css_href = dict(links)["coffee.css"]
    inline = base64.b64decode(unquote(css_href.split(",", 1)[1]))
    served = http_get(
        f"{stack.api_url}/palettes/{FILM}/coffee.jpg?format=css",
        {"x-api-key": stack.api_key, "Accept": "text/css"},
    )
    assert inline == served.body


def test_names_are_text_never_markup(stack: LocalStack, browser: Any) -> None:
    s3 = stack.client("s3")
    s3.upload_file(str(SAMPLES / "coffee.jpg"), stack.bucket, f"stills/{MARKUP_FILM}/{MARKUP}")
    item = wait_for_items(stack.resource("dynamodb").Table(stack.table_name), MARKUP_FILM, [MARKUP])[MARKUP]
    assert item["status"] == "DONE"
    context = browser.new_context(extra_http_headers={"x-api-key": stack.api_key})
    dialogs: list[str] = []
    try:
        page = context.new_page()
        page.on("dialog", lambda dialog: dialogs.append(dialog.message))
        page.goto(f"{stack.api_url}/gallery/{MARKUP_FILM}")
        assert page.inner_text("article h2") == MARKUP
        assert page.locator("img").count() == 1  # the swatch; the name made no element
        assert MARKUP in (page.get_attribute("img.swatch", "alt") or "")
    finally:
        context.close()
    assert dialogs == []


def test_without_the_key_the_browser_gets_403(
    stack: LocalStack, film: dict[str, dict[str, Any]], browser: Any
) -> None:
    page = browser.new_page()
    try:
        response = page.goto(_gallery_url(stack))
        assert response is not None and response.status == 403
        assert "Forbidden" in page.content()
    finally:
        page.close()


def test_the_saved_gallery_works_offline_without_javascript(
    stack: LocalStack,
    film: dict[str, dict[str, Any]],
    film_palette: dict[str, Any],
    browser: Any,
    tmp_path: Path,
    monkeypatch: Any,
    capsys: Any,
) -> None:
    """What `palettes gallery` saves opens from a file:// URL with no network and no scripts."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    out = tmp_path / "gallery.html"
    arguments = [
        "gallery",
        f"{FILM}/",
        "--out",
        str(out),
        "--api-url",
        stack.api_url,
        "--api-key",
        stack.api_key,
    ]
    assert main(arguments) == 0
    file_url = capsys.readouterr().out.strip()
    context = browser.new_context(java_script_enabled=False, offline=True)
    try:
        page = context.new_page()
        page.goto(file_url)
        _check_page(page, film, film_palette)
    finally:
        context.close()
