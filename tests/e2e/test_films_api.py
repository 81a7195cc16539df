"""The film routes through the local API: stills uploaded with frame numbers become a film, its palette,
its exports and its barcode; a removal changes it, and the last one takes it off /films."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from PIL import Image

from local.stack import LocalStack
from palettes.barcode import DEFAULT_HEIGHT, MAX_WIDTH, default_width
from tests.e2e.conftest import SAMPLES, HttpAnswer, http_get, wait_for_items

pytestmark = pytest.mark.e2e

FILM = "e2e-films"
GONE_FILM = "e2e-films-gone"
# The samples in film order: frame numbers that differ from their names' order.
FRAMES = {
    "rocket.jpg": 12,
    "coffee.jpg": 140,
    "astronaut.jpg": 310,
    "chelsea.jpg": 1500,
    "retina.jpg": 2200,
    "hubble-deep-field.jpg": 9000,
}
BROKEN = "broken.jpg"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def upload(stack: LocalStack, film: str, name: str, *, frame: int) -> None:
    stack.client("s3").put_object(
        Bucket=stack.bucket,
        Key=f"{stack.input_prefix}{film}/{name}",
        Body=(SAMPLES / name).read_bytes(),
        Metadata={"frame": str(frame)},
    )


@pytest.fixture(scope="module")
def film(stack: LocalStack) -> Iterator[LocalStack]:
    for name, frame in FRAMES.items():
        upload(stack, FILM, name, frame=frame)
    stack.client("s3").put_object(Bucket=stack.bucket, Key=f"stills/{FILM}/{BROKEN}", Body=b"not a still")
    wait_for_items(stack.resource("dynamodb").Table(stack.table_name), FILM, [*FRAMES, BROKEN])
    # The items are written; the film is rebuilt once the stream's batching window has passed.
    assert stack.wait_idle(120)
    yield stack


def api(stack: LocalStack, path: str, *, accept: str = "application/json", key: bool = True) -> HttpAnswer:
    headers = {"Accept": accept, **({"x-api-key": stack.api_key} if key else {})}
    return http_get(stack.api_url + path, headers)


def film_path(film: str, suffix: str = "") -> str:
    return f"/films/{quote(film, safe='')}{suffix}"


def listed(stack: LocalStack) -> dict[str, dict[str, Any]]:
    """Every film of GET /films, following its pages."""
    films: dict[str, dict[str, Any]] = {}
    cursor = ""
    while True:
        answer = api(stack, "/films?limit=2" + (f"&cursor={quote(cursor)}" if cursor else ""))
        assert answer.status == 200, answer.body
        page = answer.json()
        films.update({entry["film"]: entry for entry in page["items"]})
        if not page["next_cursor"]:
            return films
        cursor = page["next_cursor"]


def test_the_film_is_listed_with_its_counts_and_colours(film: LocalStack) -> None:
    entry = listed(film)[FILM]
    document = api(film, film_path(FILM)).json()
    assert entry["stills"] == {"done": len(FRAMES), "failed": 1, "processing": 0}
    assert entry["colors"] == [color["hex"] for color in document["colors"]]
    assert entry["links"] == {
        "self": film_path(FILM),
        "palette": film_path(FILM, "/palette"),
        "barcode": film_path(FILM, "/barcode"),
    }


def test_the_film_document(film: LocalStack) -> None:
    answer = api(film, film_path(FILM))
    assert answer.status == 200
    document = answer.json()
    assert document["film"] == FILM
    assert document["stills"] == {"done": len(FRAMES), "failed": 1, "processing": 0}
    assert document["pixels"] > 0
    assert 1 <= len(document["colors"]) <= document["params"]["k"] + 3
    assert abs(sum(color["proportion"] for color in document["colors"]) - 1) < 1e-6
    assert api(film, film_path(FILM, "/palette")).json() == document


def test_a_film_without_stills_is_a_404_with_a_message(film: LocalStack) -> None:
    answer = api(film, film_path("no-such-film"))
    assert answer.status == 404
    assert "no-such-film" in answer.json()["message"]
    assert api(film, film_path("no-such-film", "/barcode"), accept="image/png").status == 404


def test_the_exports_of_the_film_palette(film: LocalStack) -> None:
    document = api(film, film_path(FILM)).json()
    text = api(film, film_path(FILM, "/palette?format=text"), accept="text/plain")
    assert text.status == 200 and text.headers["Content-Type"].startswith("text/plain")
    assert all(color["hex"] in text.body.decode() for color in document["colors"])
    assert f'filename="{FILM}.txt"' in text.headers["Content-Disposition"]
    css = api(film, film_path(FILM, "/palette?format=css"), accept="text/css")
    assert css.status == 200 and document["colors"][0]["hex"] in css.body.decode()
    ase = api(film, film_path(FILM, "/palette?format=ase"), accept="*/*")
    assert ase.status == 200 and ase.body.startswith(b"ASEF")
    assert api(film, film_path(FILM, "/palette?format=bmp")).status == 400


def test_the_barcode_is_a_png_with_a_stripe_per_still_in_frame_order(film: LocalStack) -> None:
    answer = api(film, film_path(FILM, "/barcode"), accept="image/png")
    assert answer.status == 200 and answer.headers["Content-Type"] == "image/png"
    assert answer.body.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(answer.body)).convert("RGB")
    assert image.size == (default_width(len(FRAMES)), DEFAULT_HEIGHT)
    columns = image.width // len(FRAMES)
    dominant = {
        name: json.loads(api(film, f"/palettes/{FILM}/{quote(name)}").body)["colors"][0]["hex"]
        for name in FRAMES
    }
    for index, name in enumerate(sorted(FRAMES, key=FRAMES.__getitem__)):
        pixel = image.getpixel((index * columns + columns // 2, image.height // 2))
        assert isinstance(pixel, tuple)
        assert "#" + "".join(f"{channel:02x}" for channel in pixel) == dominant[name], name


def test_a_barcode_of_another_style_and_size_is_drawn_on_request(film: LocalStack) -> None:
    answer = api(film, film_path(FILM, "/barcode?style=palette&width=300&height=40"), accept="image/png")
    assert answer.status == 200
    assert Image.open(io.BytesIO(answer.body)).size == (300, 40)


@pytest.mark.parametrize(
    "query", ["style=rainbow", f"width={MAX_WIDTH + 1}", "height=0", "width=wide"], ids=str
)
def test_bad_barcode_options_are_a_400_with_a_message(film: LocalStack, query: str) -> None:
    answer = api(film, film_path(FILM, f"/barcode?{query}"), accept="image/png")
    assert answer.status == 400
    assert answer.json()["message"]


def test_the_film_routes_need_the_key(film: LocalStack) -> None:
    for path in ("/films", film_path(FILM), film_path(FILM, "/palette"), film_path(FILM, "/barcode")):
        assert api(film, path, key=False).status == 403


def test_a_removed_still_leaves_the_film_and_the_last_one_takes_it_off_the_listing(film: LocalStack) -> None:
    s3 = film.client("s3")
    upload(film, GONE_FILM, "coffee.jpg", frame=1)
    upload(film, GONE_FILM, "rocket.jpg", frame=2)
    wait_for_items(film.resource("dynamodb").Table(film.table_name), GONE_FILM, ["coffee.jpg", "rocket.jpg"])
    assert film.wait_idle(120)
    assert listed(film)[GONE_FILM]["stills"]["done"] == 2

    s3.delete_object(Bucket=film.bucket, Key=f"stills/{GONE_FILM}/coffee.jpg")
    assert film.wait_idle(120)
    assert api(film, film_path(GONE_FILM)).json()["stills"] == {"done": 1, "failed": 0, "processing": 0}
    barcode = api(film, film_path(GONE_FILM, "/barcode"), accept="image/png")
    assert Image.open(io.BytesIO(barcode.body)).width == default_width(1)
    assert api(film, f"/palettes/{GONE_FILM}/coffee.jpg").status == 404

    s3.delete_object(Bucket=film.bucket, Key=f"stills/{GONE_FILM}/rocket.jpg")
    assert film.wait_idle(120)
    assert GONE_FILM not in listed(film)
    assert api(film, film_path(GONE_FILM)).status == 404
