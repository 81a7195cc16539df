"""200 stills of one film uploaded by 8 concurrent uploaders through the local stack, then removed.

Real uploads to the stack's bucket (with ``frame`` metadata, in a shuffled order), the extract function
in its environments, the table's stream into the aggregate function through the template's mapping;
the test waits for outcomes (``stack.wait_idle``), never for a fixed time. Then the stored film must
be the one built from scratch from its stills (``build_film`` over ``read_stills``), and its barcode
one stripe per still in frame order; after some removals the film follows, and after the last one it
leaves ``/films``.
"""

from __future__ import annotations

import io
import json
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from PIL import Image

from local.stack import LocalStack, LocalStackSettings
from palette_service.data.films import DynamoFilmRepository
from palette_service.data.s3 import S3StillStore
from palette_service.domain.aggregation import AggregationServices
from palette_service.domain.films import FilmRecord
from palette_service.domain.records import StillStatus
from palette_service.settings import ServiceSettings
from palettes.barcode import default_width
from tests.e2e.conftest import http_get
from tests.reliability.state import assert_film_built_from_scratch

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

FILM = "two-hundred"
STILLS = 200
UPLOADERS = 8
REMOVED_FIRST = 37
# Waiting for outcomes: generous, as the machine may be busy; never a fixed sleep.
IDLE_TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class Still:
    name: str
    frame: int

    @property
    def key(self) -> str:
        return f"stills/{FILM}/{self.name}"


@dataclass(frozen=True)
class FilmCheck:
    """Reads the stack's table and bucket as the aggregate function does."""

    stack: LocalStack
    services: AggregationServices

    def stored(self) -> FilmRecord | None:
        return self.services.films.get_film(FILM)

    def read(self, key: str) -> bytes:
        body = self.services.storage.read(key)
        assert body is not None, f"{key} is missing"
        return body

    def outputs(self) -> set[str]:
        listing = self.stack.client("s3").list_objects_v2(Bucket=self.stack.bucket, Prefix=f"films/{FILM}/")
        return {item["Key"] for item in listing.get("Contents", [])}

    def api(self, path: str) -> Any:
        return http_get(self.stack.api_url + path, {"x-api-key": self.stack.api_key})


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    settings = LocalStackSettings(log_dir=tmp_path_factory.mktemp("film-load-logs"), retry_delays=(1, 1))
    with LocalStack(settings) as running:
        yield running


@pytest.fixture(scope="module")
def check(stack: LocalStack) -> FilmCheck:
    settings = ServiceSettings.from_env(stack.aggregate_function.environment)
    services = AggregationServices(
        settings=settings,
        films=DynamoFilmRepository(stack.resource("dynamodb").Table(stack.table_name)),
        storage=S3StillStore(stack.client("s3"), stack.bucket),
    )
    return FilmCheck(stack, services)


def concurrently[Item](stack: LocalStack, work: Callable[[Any, Item], None], items: Sequence[Item]) -> float:
    """``work(s3, item)`` for every item by ``UPLOADERS`` threads, each with its own client; seconds taken."""
    local = threading.local()

    def run(item: Item) -> None:
        if not hasattr(local, "s3"):
            local.s3 = stack.client("s3")
        work(local.s3, item)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=UPLOADERS, thread_name_prefix="uploader") as pool:
        list(pool.map(run, items))
    return time.perf_counter() - started


def wait_for_outcomes(stack: LocalStack) -> float:
    started = time.perf_counter()
    assert stack.wait_idle(IDLE_TIMEOUT_SECONDS), f"the stack was still busy after {IDLE_TIMEOUT_SECONDS} s"
    return time.perf_counter() - started


def assert_film_follows(check: FilmCheck, stills: Sequence[Still]) -> FilmRecord:
    """The stored film is the one built from scratch; its counts, timeline and barcode are ``stills``'."""
    stored = assert_film_built_from_scratch(FILM, check.services)
    assert stored.counts.to_dict() == {"done": len(stills), "failed": 0, "processing": 0}
    assert stored.document is not None and stored.document["stills"]["done"] == len(stills)
    assert stored.barcode_key is not None and stored.timeline_key is not None
    timeline = json.loads(check.read(stored.timeline_key))
    in_frame_order = sorted(stills, key=lambda still: still.frame)
    assert [entry["name"] for entry in timeline["stills"]] == [still.name for still in in_frame_order]
    assert [entry["position"] for entry in timeline["stills"]] == [
        {"kind": "frame", "value": float(still.frame)} for still in in_frame_order
    ]
    assert_barcode_stripes(
        check.read(stored.barcode_key), [entry["colors"][0]["hex"] for entry in timeline["stills"]]
    )
    # Only the stored generation's outputs: each rebuild deleted those of the one it replaced.
    assert check.outputs() == set(stored.output_keys)
    return stored


def assert_barcode_stripes(png: bytes, dominant: Sequence[str]) -> None:
    """The default barcode: one stripe per still, all as wide, each in its still's dominant colour."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.width == default_width(len(dominant))
    columns = image.width // len(dominant)
    for index, hex_code in enumerate(dominant):
        expected = tuple(int(hex_code[offset : offset + 2], 16) for offset in (1, 3, 5))
        for x in range(index * columns, (index + 1) * columns):
            assert image.getpixel((x, image.height // 2)) == expected, f"stripe {index}, column {x}"


def test_two_hundred_stills_by_eight_uploaders_make_one_film_that_follows_every_removal(
    stack: LocalStack, check: FilmCheck, capsys: pytest.CaptureFixture[str]
) -> None:
    from scripts.load_test import still_jpeg

    shuffled = random.Random(11)
    frames = shuffled.sample(range(1, 100_000), STILLS)  # film order differs from name and upload order
    stills = [Still(f"shot {index}.jpg", frame) for index, frame in enumerate(frames)]
    uploads = shuffled.sample(stills, STILLS)

    def upload(s3: Any, still: Still) -> None:
        body = still_jpeg(still.frame)
        s3.put_object(Bucket=stack.bucket, Key=still.key, Body=body, Metadata={"frame": str(still.frame)})

    def remove(s3: Any, still: Still) -> None:
        s3.delete_object(Bucket=stack.bucket, Key=still.key)

    figures = {"uploads": concurrently(stack, upload, uploads), "until idle": wait_for_outcomes(stack)}

    items = check.services.films.film_stills(FILM)
    assert sorted((item.name, item.status) for item in items) == sorted(
        (still.name, StillStatus.DONE) for still in stills
    )
    assert_film_follows(check, stills)
    listed = check.api("/films").json()["items"]
    assert [film["stills"] for film in listed if film["film"] == FILM] == [
        {"done": STILLS, "failed": 0, "processing": 0}
    ]

    # Some removed (concurrently too): the film drops their share and their stripes.
    removed = shuffled.sample(stills, REMOVED_FIRST)
    figures["removals"] = concurrently(stack, remove, removed)
    figures["until idle after removals"] = wait_for_outcomes(stack)
    kept = [still for still in stills if still not in removed]
    assert_film_follows(check, kept)
    for still in removed:
        for key in (f"palettes/{FILM}/{still.name}.json", f"swatches/{FILM}/{still.name}.png"):
            assert check.services.storage.metadata(key) is None, f"{key} outlived its still"

    # The rest removed: the film leaves /films, its palette is a 404, nothing of it is left in the bucket.
    figures["last removals"] = concurrently(stack, remove, kept)
    figures["until idle after the last"] = wait_for_outcomes(stack)
    stored = check.stored()
    assert stored is not None and stored.counts.total == 0 and stored.document is None
    assert FILM not in [film["film"] for film in check.api("/films").json()["items"]]
    assert check.api(f"/films/{quote(FILM)}").status == 404
    assert check.outputs() == set()

    with capsys.disabled():
        print("\n" + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in figures.items()))
