"""A film's stored aggregate converges on the one built from scratch, whatever the interleaving.

Rebuilds run in three steps (take a generation, read the stills, store) and Hypothesis interleaves
the steps of several rebuilds with changes to the stills (uploads, failures, removals), duplicated
and retried rebuilds included. The claim (see palette_service.domain.aggregation): once a rebuild
that took its generation after the last change has stored, the film is the one built from scratch
from the final stills, and a stored generation never goes back.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from palette_service.data.dynamodb import DynamoStillRepository
from palette_service.data.films import DynamoFilmRepository
from palette_service.data.s3 import S3StillStore
from palette_service.domain.aggregation import AggregationServices, build_film, read_stills, store_rebuild
from palette_service.domain.films import FilmStill
from palette_service.domain.records import StillKey, StillRecord, StillStatus
from palette_service.settings import ServiceSettings
from palettes import extract
from tests.conftest import make_jpeg

STILLS = ("shot 1.jpg", "shot 2.jpg", "shot 10.jpg")
REBUILDS = 3
_films = itertools.count()
_sequencers = itertools.count(1)


@cache
def extracted(seed: int) -> tuple[dict[str, Any], bytes]:
    palette = extract(make_jpeg(seed=seed))
    assert palette.summary is not None
    return palette.to_dict(), palette.summary.to_bytes()


@dataclass(frozen=True)
class Change:
    still: int
    kind: str  # DONE (with image seed), FAILED or DELETED
    seed: int = 0


@dataclass(frozen=True)
class Step:
    rebuild: int


changes = st.builds(
    Change,
    still=st.integers(0, len(STILLS) - 1),
    kind=st.sampled_from(["DONE", "DONE", "FAILED", "DELETED"]),
    seed=st.integers(0, 2),
)
steps = st.lists(st.one_of(changes, st.builds(Step, rebuild=st.integers(0, REBUILDS - 1))), max_size=24)


def record_of(film: str, change: Change) -> StillRecord:
    name = STILLS[change.still]
    sequencer = f"{next(_sequencers):032X}"
    base = StillRecord(
        still=StillKey(film, name),
        key=f"stills/{film}/{name}",
        status=StillStatus(change.kind),
        etag=sequencer[-8:],
        sequencer=sequencer,
        updated_at=f"2026-12-01T00:00:{int(sequencer, 16) % 60:02d}.000000Z",
    )
    if change.kind == "DONE":
        document, summary = extracted(change.seed)
        return StillRecord(**{**base.__dict__, "document": document, "summary": summary})
    if change.kind == "FAILED":
        return StillRecord(**{**base.__dict__, "reason": "not an image", "error": "corrupt_image"})
    return base


class Rebuild:
    """One rebuild, run a step at a time: generation, read, store (then it starts over)."""

    def __init__(self, film: str, services: AggregationServices) -> None:
        self.film, self.services = film, services
        self.generation: int | None = None
        self.stills: list[FilmStill] | None = None

    def step(self) -> tuple[int, bool] | None:
        """Run the next step; after a store, its generation and whether it was stored."""
        if self.generation is None:
            self.generation = self.services.films.next_generation(self.film)
            return None
        if self.stills is None:
            self.stills = read_stills(self.film, self.services)
            return None
        stored = store_rebuild(self.film, self.generation, self.stills, self.services) is not None
        result = (self.generation, stored)
        self.generation, self.stills = None, None
        return result


@pytest.fixture
def services(settings: ServiceSettings, palettes_table: Any, s3_client: Any) -> AggregationServices:
    return AggregationServices(
        settings=settings,
        films=DynamoFilmRepository(palettes_table),
        storage=S3StillStore(s3_client, settings.stills_bucket),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=steps)
def test_any_interleaving_converges_on_the_film_built_from_scratch(
    plan: list[Change | Step], services: AggregationServices, palettes_table: Any, s3_client: Any
) -> None:
    film = f"film-{next(_films)}"
    repository = DynamoStillRepository(palettes_table)
    rebuilds = [Rebuild(film, services) for _ in range(REBUILDS)]
    stored_generations: list[int] = []
    for step in plan:
        if isinstance(step, Change):
            assert repository.save(record_of(film, step))
        elif (result := rebuilds[step.rebuild].step()) is not None and result[1]:
            stored_generations.append(result[0])
    assert stored_generations == sorted(stored_generations)  # a stored generation never goes back

    # The rebuild the last change's stream record triggers: it starts after every change.
    final = Rebuild(film, services)
    while final.step() is None:
        pass
    stored = services.films.get_film(film)
    expected, _ = build_film(film, 0, read_stills(film, services))
    assert stored is not None
    assert (stored.counts, stored.document, stored.updated_at) == (
        expected.counts,
        expected.document,
        expected.updated_at,
    )
    # A rebuild that lost deleted its outputs, one that won deleted those it replaced: only the
    # stored generation's remain.
    listing = s3_client.list_objects_v2(Bucket=services.settings.stills_bucket, Prefix=f"films/{film}/")
    assert {item["Key"] for item in listing.get("Contents", [])} == set(stored.output_keys)
