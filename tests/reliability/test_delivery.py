"""At-least-once delivery: duplicated, reordered and late S3 events, and events overtaking each other.

Whatever order the events of a still's versions arrive in, however often, and wherever one event is
paused while another runs to the end, the result is one item describing the newest version, with that
version's outputs.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from palette_service.data.dynamodb import DynamoStillRepository
from palette_service.data.s3 import S3StillStore
from palette_service.domain.events import parse_s3_event
from palette_service.domain.extraction import ExtractionServices, process_s3_event
from palette_service.domain.outcomes import Outcome
from palette_service.domain.ports import Claim
from palette_service.domain.records import PendingVersion, StillKey, StillRecord, StillStatus
from palette_service.settings import ServiceSettings
from tests.conftest import make_jpeg
from tests.events import S3Object
from tests.functions.conftest import Uploader
from tests.reliability.faults import STEPS_BY_NAME, FaultInjector, FaultyClient, Step
from tests.reliability.state import assert_complete_and_consistent, read_state

# Where one event can be paused while another runs from start to end.
PAUSE_POINTS = ("get the still", "claim the item", "put the palette JSON", "put the swatch")
_FILMS = itertools.count()


@dataclass(frozen=True)
class Delivery:
    """One delivery of version ``version``'s event, optionally paused at ``pause`` while ``inner``'s runs."""

    version: int
    pause: str | None = None
    inner: int | None = None


@dataclass
class Pipeline:
    """The extract path on moto, with each delivery's calls wrapped so it can be paused mid-way."""

    settings: ServiceSettings
    s3: Any
    table: Any
    uploader: Uploader

    def services(self, injector: FaultInjector | None = None) -> ExtractionServices:
        if injector is None:
            storage = S3StillStore(self.s3, self.settings.stills_bucket)
            repository = DynamoStillRepository(self.table)
        else:
            storage = S3StillStore(FaultyClient(self.s3, "s3", injector), self.settings.stills_bucket)  # type: ignore[arg-type]
            repository = DynamoStillRepository(FaultyClient(self.table, "dynamodb", injector))  # type: ignore[arg-type]
        return ExtractionServices(settings=self.settings, storage=storage, repository=repository)

    def deliver(
        self, event: dict[str, Any], *, pause: Step | None = None, meanwhile: Callable[[], Any] | None = None
    ) -> Any:
        injector = FaultInjector()
        if pause is not None and meanwhile is not None:
            injector.after(pause, meanwhile)
        return process_s3_event(event, self.services(injector))


@pytest.fixture
def pipeline(settings: ServiceSettings, s3_client: Any, palettes_table: Any, uploader: Uploader) -> Pipeline:
    return Pipeline(settings, s3_client, palettes_table, uploader)


def upload_versions(
    pipeline: Pipeline, key: str, bodies: list[bytes], *, version_ids: bool
) -> list[S3Object]:
    """Upload each body to ``key`` in turn: the objects the events name (pinned by ETag if no version ids)."""
    uploads = [pipeline.uploader.put(key, body) for body in bodies]
    return uploads if version_ids else [replace(upload, version_id=None) for upload in uploads]


def run_plan(pipeline: Pipeline, uploads: list[S3Object], plan: list[Delivery]) -> None:
    event = pipeline.uploader.event
    for delivery in plan:
        if delivery.pause is None or delivery.inner is None:
            pipeline.deliver(event(uploads[delivery.version]))
            continue
        inner_event = event(uploads[delivery.inner])
        pipeline.deliver(
            event(uploads[delivery.version]),
            pause=STEPS_BY_NAME[delivery.pause],
            meanwhile=functools.partial(pipeline.deliver, inner_event),
        )


@st.composite
def delivery_plans(draw: st.DrawFn) -> tuple[list[bool], list[Delivery]]:
    """Versions (good still or not) and a delivery plan: every version at least once, some twice or more,
    in any order, some paused while another version's event runs."""
    good = draw(st.lists(st.booleans(), min_size=2, max_size=3).filter(lambda flags: flags[-1] or any(flags)))
    count = len(good)
    extra = draw(st.lists(st.integers(0, count - 1), max_size=3))
    order = draw(st.permutations([*range(count), *extra]))
    plan = []
    for version in order:
        if draw(st.integers(0, 2)) == 0:  # a third of the deliveries are paused
            pause, inner = draw(st.sampled_from(PAUSE_POINTS)), draw(st.integers(0, count - 1))
            plan.append(Delivery(version, pause, inner))
        else:
            plan.append(Delivery(version))
    return good, plan


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(versions_and_plan=delivery_plans(), version_ids=st.booleans())
def test_any_delivery_order_ends_with_one_item_for_the_newest_version(
    pipeline: Pipeline, versions_and_plan: tuple[list[bool], list[Delivery]], version_ids: bool
) -> None:
    good, plan = versions_and_plan
    film = f"film-{next(_FILMS)}"
    bodies = [make_jpeg(seed=index + 1) if ok else b"%PDF-1.7 not a still" for index, ok in enumerate(good)]
    uploads = upload_versions(pipeline, f"stills/{film}/frame.jpg", bodies, version_ids=version_ids)

    run_plan(pipeline, uploads, plan)

    state = read_state(pipeline.s3, pipeline.table, pipeline.settings, StillKey(film, "frame.jpg"))
    assert_complete_and_consistent(state, uploads[-1], done=good[-1])


def test_a_duplicated_event_is_processed_once(pipeline: Pipeline, counting_s3: Any) -> None:
    (upload,) = upload_versions(pipeline, "stills/dup/a.jpg", [make_jpeg(seed=1)], version_ids=True)
    services = ExtractionServices(
        settings=pipeline.settings,
        storage=S3StillStore(counting_s3, pipeline.settings.stills_bucket),
        repository=DynamoStillRepository(pipeline.table),
    )
    event = pipeline.uploader.event(upload)
    outcomes = [process_s3_event(event, services)[0].outcome for _ in range(3)]
    assert outcomes == [Outcome.PROCESSED, Outcome.SKIPPED, Outcome.SKIPPED]
    assert counting_s3.calls["get_object"] == 1
    assert_complete_and_consistent(
        read_state(pipeline.s3, pipeline.table, pipeline.settings, StillKey("dup", "a.jpg")), upload
    )


@pytest.mark.parametrize("version_ids", [True, False], ids=["versioned", "pinned-by-etag"])
def test_events_in_reverse_order_end_on_the_newest_version(pipeline: Pipeline, version_ids: bool) -> None:
    uploads = upload_versions(
        pipeline, "stills/rev/a.jpg", [make_jpeg(seed=seed) for seed in (1, 2, 3)], version_ids=version_ids
    )
    run_plan(pipeline, uploads, [Delivery(2), Delivery(1), Delivery(0), Delivery(2)])
    assert_complete_and_consistent(
        read_state(pipeline.s3, pipeline.table, pipeline.settings, StillKey("rev", "a.jpg")), uploads[-1]
    )


@pytest.mark.parametrize("pause", PAUSE_POINTS)
def test_an_old_event_in_flight_while_the_new_version_is_processed(pipeline: Pipeline, pause: str) -> None:
    """The old event pauses (after its download, ...), the new one runs to the end, the old one finishes."""
    old, new = upload_versions(
        pipeline, "stills/flight/a.jpg", [make_jpeg(seed=4), make_jpeg(seed=5)], version_ids=True
    )
    run_plan(pipeline, [old, new], [Delivery(0, pause=pause, inner=1)])
    assert_complete_and_consistent(
        read_state(pipeline.s3, pipeline.table, pipeline.settings, StillKey("flight", "a.jpg")), new
    )


@pytest.mark.parametrize("pause", PAUSE_POINTS)
def test_a_late_old_event_running_inside_a_new_one(pipeline: Pipeline, pause: str) -> None:
    """The new event pauses (after its download, its claim, an output); a late event of the old version
    runs meanwhile. Once the new event has claimed the item, the old one is skipped before its download;
    before that, the new event's claim or item write wins over it."""
    old, new = upload_versions(
        pipeline, "stills/late/a.jpg", [make_jpeg(seed=6), make_jpeg(seed=7)], version_ids=True
    )
    run_plan(pipeline, [old, new], [Delivery(1, pause=pause, inner=0)])
    assert_complete_and_consistent(
        read_state(pipeline.s3, pipeline.table, pipeline.settings, StillKey("late", "a.jpg")), new
    )


def test_an_old_event_is_skipped_before_its_download_while_a_newer_version_is_claimed(
    pipeline: Pipeline, counting_s3: Any
) -> None:
    old, new = upload_versions(
        pipeline, "stills/early/a.jpg", [make_jpeg(seed=12), make_jpeg(seed=13)], version_ids=True
    )
    counting = replace(
        pipeline.services(), storage=S3StillStore(counting_s3, pipeline.settings.stills_bucket)
    )
    old_outcomes: list[Any] = []
    pipeline.deliver(
        pipeline.uploader.event(new),
        pause=STEPS_BY_NAME["claim the item"],
        meanwhile=lambda: old_outcomes.extend(process_s3_event(pipeline.uploader.event(old), counting)),
    )
    (outcome,) = old_outcomes
    assert outcome.outcome is Outcome.SKIPPED and "being processed" in outcome.detail
    assert counting_s3.calls.get("get_object", 0) == 0


def test_a_newer_event_puts_back_outputs_that_an_older_one_claimed_before_it_overwrote(
    pipeline: Pipeline,
) -> None:
    """The one interleaving the older event cannot repair: it claimed first, wrote its outputs after the newer
    event's and recorded itself before the newer event did (so its item write won). The newer event saw the
    unfinished claim when it claimed, so it checks its outputs after recording itself and puts them back."""
    old, new = upload_versions(
        pipeline, "stills/contended/a.jpg", [make_jpeg(seed=8), make_jpeg(seed=9)], version_ids=True
    )
    still = StillKey("contended", "a.jpg")
    repository = DynamoStillRepository(pipeline.table)
    old_event = pipeline.uploader.event(old)
    (old_object,) = parse_s3_event(old_event)
    pending = PendingVersion(old_object.sequencer, old_object.etag, old_object.version_id, since="2026-11-26")
    assert repository.claim(still, old.key, pending) == Claim(contended=False)

    class ClaimedEarlier(DynamoStillRepository):
        """The older event from here on: it had claimed the item, and the newer claim is not seen yet."""

        def get(self, still: StillKey) -> StillRecord | None:
            return None

        def claim(self, still: StillKey, key: str, version: PendingVersion) -> Claim | None:
            return Claim(contended=False)

    older = replace(pipeline.services(), repository=ClaimedEarlier(pipeline.table))
    outcomes = pipeline.deliver(
        pipeline.uploader.event(new),
        pause=STEPS_BY_NAME["put the swatch"],
        meanwhile=lambda: process_s3_event(old_event, older),
    )

    assert [outcome.outcome for outcome in outcomes] == [Outcome.PROCESSED]
    assert_complete_and_consistent(read_state(pipeline.s3, pipeline.table, pipeline.settings, still), new)


def test_a_claim_names_the_version_in_progress_until_it_is_recorded(pipeline: Pipeline) -> None:
    """While a version is being processed (or after its event ran out of retries), the item says which."""
    first, second = upload_versions(
        pipeline, "stills/claim/a.jpg", [make_jpeg(seed=10), make_jpeg(seed=11)], version_ids=True
    )
    still = StillKey("claim", "a.jpg")
    seen: list[StillRecord | None] = []
    pipeline.deliver(
        pipeline.uploader.event(first),
        pause=STEPS_BY_NAME["claim the item"],
        meanwhile=lambda: seen.append(DynamoStillRepository(pipeline.table).get(still)),
    )
    pipeline.deliver(
        pipeline.uploader.event(second),
        pause=STEPS_BY_NAME["claim the item"],
        meanwhile=lambda: seen.append(DynamoStillRepository(pipeline.table).get(still)),
    )
    during_first, during_second = seen
    assert during_first is not None and during_second is not None
    assert during_first.status is StillStatus.PROCESSING and during_first.document is None
    assert during_first.processing is not None and during_first.processing.etag == first.etag
    assert during_second.status is StillStatus.DONE and during_second.etag == first.etag
    assert during_second.processing is not None and during_second.processing.etag == second.etag
    final = read_state(pipeline.s3, pipeline.table, pipeline.settings, still)
    assert_complete_and_consistent(final, second)
    assert final.record is not None and final.record.processing is None
