"""The web app in a real browser (Debian's Chromium driven by Playwright) on the local stack, flow by flow:
upload from the page, the film's barcode, search, "more like this", an ASE download, a refused key; and on
every page, axe-core's accessibility check, a 390 px wide viewport and a screenshot in test-artifacts/.

Each step waits for what the page shows (Playwright's ``expect``), never for a number of seconds.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from PIL import Image

from local.stack import LocalStack
from palette_service.web import routes
from tests.e2e.conftest import ARTIFACTS, ROOT, SAMPLES, http_get
from tests.unit.test_exports import _read_ase

pytestmark = pytest.mark.e2e

AXE = ROOT / "tests" / "e2e" / "js" / "node_modules" / "axe-core" / "axe.min.js"
FILM = "browser film"
PLANTED = "planted teal.png"
PLANTED_HEX = "#12c4a0"
OTHER = "coffee.jpg"
NOT_AN_IMAGE = "notes.jpg"
# Generous: the first extraction in a fresh execution environment imports numpy and scikit-learn.
OUTCOME_MS = 180_000
# A presigned GET of the private bucket (never a public URL), a blob of a keyed API image, coolors.
SIGNED = re.compile(r"X-Amz-Signature=")
BLOB = re.compile(r"^blob:")
COOLORS = re.compile(r"^https://coolors\.co/[0-9a-f-]+$")

if not AXE.exists():
    raise RuntimeError(f"{AXE} is absent: the browser tests need axe-core from npm; run `make node-deps`")


def planted_still() -> bytes:
    """A still mostly of one teal no sample has, with a dark band: the search must find it first."""
    image = Image.new("RGB", (320, 180), PLANTED_HEX)
    image.paste((30, 24, 40), (0, 130, 320, 180))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def stills(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("stills")
    (folder / PLANTED).write_bytes(planted_still())
    (folder / OTHER).write_bytes((SAMPLES / OTHER).read_bytes())
    (folder / NOT_AN_IMAGE).write_bytes(b"these are notes about the shot, not an image")
    return [folder / PLANTED, folder / OTHER, folder / NOT_AN_IMAGE]


class App:
    """One browser tab on the app, with the key typed in once; every page error and CSP report kept."""

    def __init__(self, browser: Any, stack: LocalStack, width: int = 1280, key: str | None = None) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on(
            "console",
            lambda message: (
                self.errors.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        self.url = f"{stack.api_url}{routes.APP}"
        self.width = width
        self.page.goto(self.url)
        self.page.fill("#api-key", key or stack.api_key)
        self.page.click("#key-form button[type=submit]")

    def open(self, fragment: str) -> Any:
        self.page.goto(f"{self.url}#{fragment}")
        return self.page

    def check(self, name: str) -> None:
        """axe-core finds no serious or critical violation; nothing is wider than the page; a screenshot."""
        page = self.page
        page.evaluate(AXE.read_text(encoding="utf-8"))
        results = page.evaluate("async () => JSON.stringify(await axe.run(document))")
        violations = [
            (item["id"], item["impact"], [node["target"] for node in item["nodes"]])
            for item in json.loads(results)["violations"]
            if item["impact"] in ("serious", "critical")
        ]
        assert violations == [], f"{name} at {self.width} px: {violations}"
        assert page.evaluate("document.documentElement.scrollWidth") <= self.width, f"{name} overflows"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"app-{name}-{self.width}.png"), full_page=True)

    def close(self) -> None:
        assert self.errors == [], self.errors
        self.context.close()


@pytest.fixture(scope="module")
def app(browser: Any, stack: LocalStack) -> Iterator[App]:
    tab = App(browser, stack)
    yield tab
    tab.close()


@pytest.fixture(scope="module")
def uploaded(app: App, stack: LocalStack, stills: list[Path]) -> App:
    """The upload flow: three stills dropped on a new film, each followed to its outcome."""
    from playwright.sync_api import expect

    page = app.open("/upload")
    page.fill("#upload-film", FILM)
    page.set_input_files("#upload-files", [str(path) for path in stills])
    expect(page.locator("#chosen")).to_contain_text("3 chosen")
    page.fill("#upload-k", "4")
    page.click("#upload-form button[type=submit]")
    expect(page.locator(".upload-item progress")).to_have_count(3)
    expect(page.locator(".upload-item.done")).to_have_count(2, timeout=OUTCOME_MS)
    expect(page.locator(".upload-item.failed")).to_have_count(1, timeout=OUTCOME_MS)
    # The film's palette and barcode are rebuilt from the table's stream after its batching window.
    assert stack.wait_idle(120)
    return app


def test_uploading_three_stills_shows_two_palettes_and_one_reason(uploaded: App, stack: LocalStack) -> None:
    page = uploaded.page
    done = page.locator(".upload-item.done")
    for index in range(2):
        assert done.nth(index).locator(".strip span").count() >= 1
        assert done.nth(index).locator("progress").evaluate("bar => bar.value") == 100
    failed = page.locator(".upload-item.failed")
    assert NOT_AN_IMAGE in failed.inner_text()
    assert "not an image" in failed.locator(".reason").inner_text().lower()
    # The options chosen on the page travelled as the object's metadata to the extract function.
    document = http_get(
        f"{stack.api_url}{routes.still_path(FILM, OTHER)}", {"x-api-key": stack.api_key}
    ).json()
    assert document["params"]["k"] == 4
    uploaded.check("upload")


def test_the_film_page_draws_one_stripe_per_done_still_and_shows_each_on_focus(uploaded: App) -> None:
    from playwright.sync_api import expect

    page = uploaded.open(f"/film/{quote(FILM, safe='')}")
    stripes = page.locator(".barcode .stripe")
    expect(stripes).to_have_count(2)
    stripes.first.focus()
    expect(page.locator(".stripe-preview figcaption")).to_contain_text("1 of 2")
    expect(page.locator(".stripe-preview img")).to_have_attribute("src", SIGNED)
    expect(page.locator(".card.still")).to_have_count(3)
    expect(page.locator(".card.still .status.failed")).to_have_count(1)
    expect(page.locator(".card.still .status.done")).to_have_count(2)
    assert page.locator(".palette li").count() >= 2
    uploaded.check("film")


def test_an_ase_download_of_the_film_palette_parses(uploaded: App, stack: LocalStack) -> None:
    page = uploaded.open(f"/film/{quote(FILM, safe='')}")
    with page.expect_download() as download_info:
        page.click("button[data-format=ase]")
    download = download_info.value
    assert download.suggested_filename == f"{FILM}.ase"
    blocks = _read_ase(Path(download.path()).read_bytes())
    document = http_get(f"{stack.api_url}/films/{quote(FILM)}", {"x-api-key": stack.api_key}).json()
    colors = [values for kind, _, values in blocks if kind == 0x0001]
    assert len(colors) == len(document["colors"])
    for values, color in zip(colors, document["colors"], strict=True):
        assert [round(channel * 255) for channel in values] == color["rgb"]


def test_searching_for_the_planted_colour_finds_its_still_first(uploaded: App) -> None:
    from playwright.sync_api import expect

    page = uploaded.open("/search")
    page.fill("#color-1", PLANTED_HEX)
    page.click("form.search button[type=submit]")
    first = page.locator(".hit").first
    expect(first.locator("h3")).to_have_text(f"{FILM} / {PLANTED}")
    expect(first.locator(".matches")).to_contain_text("query colour 1")
    uploaded.check("search")


def test_more_like_this_lists_other_stills(uploaded: App) -> None:
    from playwright.sync_api import expect

    page = uploaded.open(f"/still/{quote(FILM, safe='')}/{quote(PLANTED, safe='')}")
    expect(page.locator("#view h1")).to_have_text(PLANTED)
    expect(page.locator("img.still-image")).to_have_attribute("src", SIGNED)
    expect(page.locator(".palette li").first).to_be_visible()
    expect(page.locator("a", has_text="Open in coolors")).to_have_attribute("href", COOLORS)
    page.click("text=Find stills like this")
    hits = page.locator("#similar-title ~ ol .hit")
    expect(hits.first).to_be_visible()
    assert PLANTED not in hits.first.locator("h3").inner_text()
    uploaded.check("still")


def test_the_films_page_lists_the_film_with_its_barcode(uploaded: App) -> None:
    from playwright.sync_api import expect

    page = uploaded.open("/films")
    card = page.locator(".card", has=page.locator("h2", has_text=FILM))
    expect(card.locator("img.barcode-thumb")).to_have_attribute("src", BLOB)
    expect(card).to_contain_text("2 done · 1 failed · 0 processing")
    uploaded.check("films")


@pytest.mark.parametrize(
    "fragment", ["/films", "/film/{film}", "/still/{film}/{still}", "/search", "/upload"]
)
def test_every_page_works_390_px_wide(uploaded: App, browser: Any, stack: LocalStack, fragment: str) -> None:
    from playwright.sync_api import expect

    narrow = App(browser, stack, width=390)
    try:
        page = narrow.open(fragment.format(film=quote(FILM, safe=""), still=quote(PLANTED, safe="")))
        expect(page.locator("#view h1")).to_be_visible()
        expect(page.locator("#view")).not_to_have_attribute("aria-busy", "true")
        name = fragment.strip("/").split("/")[0]
        narrow.check(name)
    finally:
        narrow.close()


def test_a_wrong_key_gets_a_clear_message_and_the_key_form(browser: Any, stack: LocalStack) -> None:
    from playwright.sync_api import expect

    tab = App(browser, stack, key="not-the-key")
    try:
        expect(tab.page.locator("#key-problem")).to_contain_text("API key was refused")
        expect(tab.page.locator("#api-key")).to_be_focused()
        assert tab.page.evaluate("sessionStorage.getItem('palettes.apiKey')") == "not-the-key"
        assert "not-the-key" not in tab.page.url
        assert tab.page.evaluate("localStorage.length") == 0
        tab.check("key")
    finally:
        tab.close()


def test_stills_dropped_on_the_drop_zone_are_chosen(uploaded: App) -> None:
    from playwright.sync_api import expect

    page = uploaded.open("/upload")
    dropped = page.evaluate_handle(
        """() => {
          const transfer = new DataTransfer();
          for (const name of ["one.png", "two.png"]) {
            transfer.items.add(new File(["x"], name, { type: "image/png" }));
          }
          return transfer;
        }"""
    )
    page.dispatch_event("#dropzone", "drop", {"dataTransfer": dropped})
    expect(page.locator("#chosen")).to_have_text("2 chosen: one.png, two.png")


def test_the_barcode_works_from_the_keyboard(uploaded: App) -> None:
    from playwright.sync_api import expect

    page = uploaded.open(f"/film/{quote(FILM, safe='')}")
    expect(page.locator(".barcode .stripe")).to_have_count(2)
    for _ in range(20):  # the header's links and button, then the first stripe
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('stripe')"):
            break
    expect(page.locator(".stripe-preview figcaption")).to_contain_text("1 of 2")
    # The stills are in film order: no frame given, so by name (coffee.jpg before planted teal.png).
    expect(page.locator(".stripe-preview figcaption")).to_contain_text(OTHER)
    page.keyboard.press("Enter")
    expect(page.locator("#view h1")).to_have_text(OTHER)


def test_a_weighted_mix_and_a_class_in_one_film_find_the_planted_still(uploaded: App) -> None:
    from playwright.sync_api import expect

    page = uploaded.open("/search")
    page.fill("#color-1", PLANTED_HEX)
    page.click("text=Add a colour")
    page.fill("#color-2", "#1e1828")
    page.fill("#weight-1", "80")
    page.fill("#weight-2", "20")
    page.click("form.search button[type=submit]")
    first = page.locator(".hit").first
    expect(first.locator("h3")).to_have_text(f"{FILM} / {PLANTED}")
    expect(first.locator(".matches")).to_contain_text("query colour 2")

    page.select_option("#search-class", "green")
    page.fill("#search-film", FILM)
    page.click("form.search button[type=submit]")
    expect(page.locator(".hit h3")).to_have_text([f"{FILM} / {PLANTED}"])


def test_search_colour_rows_keep_unique_ids_and_a_refused_search_says_why_once(
    browser: Any, stack: LocalStack
) -> None:
    """A reviewer removed colour 2 of three and added one: two rows were "Colour 3" with one id; and
    each refused search added one more message above the page, none ever cleared."""
    from playwright.sync_api import expect

    tab = App(browser, stack)  # its own tab: a fresh search form
    page = tab.open("/search")
    page.click("text=Add a colour")
    page.click("text=Add a colour")
    page.click("text=Remove colour 2")
    page.click("text=Add a colour")
    rows = page.locator(".query-color")
    expect(rows).to_have_count(3)
    assert page.eval_on_selector_all(".query-color input[type=color]", "inputs => inputs.map(i => i.id)") == [
        "color-1",
        "color-2",
        "color-3",
    ]
    expect(rows.locator("label").first).to_have_text("Colour 1")
    expect(page.locator("label[for=color-3]")).to_have_text("Colour 3")

    page.fill("#search-film", "bad/film")
    for _ in range(2):
        page.click("form.search button[type=submit]")
        expect(page.locator("[aria-label='Search results'] .problem")).to_have_count(1)
    expect(page.locator("#view .problem")).to_have_count(1)  # beside the results, not piled above the page
    expect(page.locator("#view .problem")).to_contain_text("film must be a film's name")
    tab.close()
