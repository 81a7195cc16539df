"""At-least-once delivery: duplicated, reordered and late S3 events, and events overtaking each other.

Whatever order the events of a still's versions arrive in, however often, and wherever one event is
paused while another runs to the end, the result is one item describing the newest version, with that
version's outputs; when the newest change is a removal, one DELETED tombstone and no outputs left.
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
from tests.reliability.removals import (
    REMOVAL_STEPS_BY_NAME,
    change_event,
    delete_still,
    delete_version,
    is_removal,
)
from tests.reliability.state import assert_complete_and_consistent, assert_newest, assert_removed, read_state

# Where one event can be paused while another runs from start to end.
PAUSE_POINTS = ("get the still", "claim the item", "put the palette JSON", "put the swatch")
# Where a removal's event can be paused: after its reads, its tombstone, its first output's check and delete.
REMOVAL_PAUSE_POINTS = (
    "read the item again",
    "write the tombstone",
    "head the palette JSON",
    "delete the palette JSON",
)
ALL_STEPS = {**STEPS_BY_NAME, **REMOVAL_STEPS_BY_NAME}
# Every order in which the events of three changes can arrive.
EVERY_ORDER_OF_THREE = pytest.mark.parametrize(
    "order", list(itertools.permutations(range(3))), ids=lambda order: "-".join(map(str, order))
)
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
    """Deliver the events of ``uploads`` (uploads or removals) as ``plan`` says."""

    def event(change: S3Object) -> dict[str, Any]:
        return change_event(pipeline.uploader, change)

    for delivery in plan:
        if delivery.pause is None or delivery.inner is None:
            pipeline.deliver(event(uploads[delivery.version]))
            continue
        inner_event = event(uploads[delivery.inner])
        pipeline.deliver(
            event(uploads[delivery.version]),
            pause=ALL_STEPS[delivery.pause],
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


# ---------------------------------------------------------------------- removals
REMOVED_KEY = "frame.jpg"


def make_changes(pipeline: Pipeline, film: str, kinds: list[str], *, version_ids: bool) -> list[S3Object]:
    """Apply ``kinds`` ("upload", "bad upload", "removal") to one key in S3, in turn: the changes their
    events name (uploads pinned by ETag when ``version_ids`` is false)."""
    key = f"stills/{film}/{REMOVED_KEY}"
    changes = []
    for index, kind in enumerate(kinds):
        if kind == "removal":
            changes.append(delete_still(pipeline.uploader, key, version_ids=version_ids))
            continue
        body = make_jpeg(seed=index + 1) if kind == "upload" else b"%PDF-1.7 not a still"
        (upload,) = upload_versions(pipeline, key, [body], version_ids=version_ids)
        changes.append(upload)
    return changes


def end_state(pipeline: Pipeline, film: str) -> Any:
    return read_state(pipeline.s3, pipeline.table, pipeline.settings, StillKey(film, REMOVED_KEY))


@st.composite
def change_plans(draw: st.DrawFn, *, permanent_delete: bool = False) -> tuple[list[str], list[Delivery]]:
    """Changes of one key (an upload first, then uploads, bad uploads and removals; with
    ``permanent_delete``, then the newest of them permanently deleted) and a delivery plan for their
    events: each at least once, some again, in any order, some paused (at a step of their own kind) while
    another change's event runs."""
    kinds = [
        "upload",
        *draw(st.lists(st.sampled_from(["upload", "bad upload", "removal"]), min_size=1, max_size=3)),
        *(["permanent delete"] if permanent_delete else []),
    ]
    count = len(kinds)
    extra = draw(st.lists(st.integers(0, count - 1), max_size=3))
    plan = []
    for change in draw(st.permutations([*range(count), *extra])):
        if draw(st.integers(0, 2)) == 0:
            points = (
                REMOVAL_PAUSE_POINTS if kinds[change] in ("removal", "permanent delete") else PAUSE_POINTS
            )
            plan.append(Delivery(change, draw(st.sampled_from(points)), draw(st.integers(0, count - 1))))
        else:
            plan.append(Delivery(change))
    return kinds, plan


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes_and_plan=change_plans(), version_ids=st.booleans())
def test_any_delivery_order_of_uploads_and_removals_ends_on_the_newest_change(
    pipeline: Pipeline, changes_and_plan: tuple[list[str], list[Delivery]], version_ids: bool
) -> None:
    """Removed when the newest change is a removal (one tombstone, nothing at the output keys); else one
    item for the newest upload with its outputs (or FAILED)."""
    kinds, plan = changes_and_plan
    film = f"changes-{next(_FILMS)}"
    changes = make_changes(pipeline, film, kinds, version_ids=version_ids)

    run_plan(pipeline, changes, plan)

    assert_newest(end_state(pipeline, film), changes[-1], done=kinds[-1] == "upload")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes_and_plan=change_plans(permanent_delete=True), version_ids=st.booleans())
def test_any_delivery_order_ending_in_a_permanent_delete_of_the_newest_change_ends_as_s3(
    pipeline: Pipeline, changes_and_plan: tuple[list[str], list[Delivery]], version_ids: bool
) -> None:
    """The newest change (an upload, a bad upload or a delete marker) permanently deleted: the still ends
    as the change before it left the key (removed, or that upload DONE or FAILED), under the delete's
    sequencer, whatever the order, the duplicates and the pauses of every event."""
    kinds, plan = changes_and_plan
    film = f"ending-permanent-{next(_FILMS)}"
    changes = make_changes(pipeline, film, kinds[:-1], version_ids=True)
    delete = delete_version(pipeline.uploader, changes[-1])
    previous = replace(changes[-2], sequencer=delete.sequencer)
    if not version_ids:  # the events of uploads and delete markers pinned by ETag, as make_changes does
        changes = [replace(change, version_id=None) for change in changes]

    run_plan(pipeline, [*changes, delete], plan)

    state = end_state(pipeline, film)
    if kinds[-3] == "removal":
        assert_removed(state, delete)
    else:
        assert_complete_and_consistent(state, previous, done=kinds[-3] == "upload")


@pytest.mark.parametrize("version_ids", [True, False], ids=["versioned", "pinned-by-etag"])
@pytest.mark.parametrize("processed_before", [True, False], ids=["processed-before", "first-seen-late"])
def test_a_late_upload_event_after_a_removal_does_not_bring_the_still_back(
    pipeline: Pipeline, version_ids: bool, processed_before: bool
) -> None:
    film = f"late-removed-{next(_FILMS)}"
    upload, removal = make_changes(pipeline, film, ["upload", "removal"], version_ids=version_ids)
    plan = [Delivery(0), Delivery(1), Delivery(0)] if processed_before else [Delivery(1), Delivery(0)]

    run_plan(pipeline, [upload, removal], plan)

    assert_removed(end_state(pipeline, film), removal)


@EVERY_ORDER_OF_THREE
def test_a_new_upload_after_a_removal_is_processed_in_any_order(
    pipeline: Pipeline, order: tuple[int, ...]
) -> None:
    film = f"reupload-{next(_FILMS)}"
    changes = make_changes(pipeline, film, ["upload", "removal", "upload"], version_ids=True)

    run_plan(pipeline, changes, [Delivery(index) for index in order])

    assert_complete_and_consistent(end_state(pipeline, film), changes[-1])


@pytest.mark.parametrize("pause", REMOVAL_PAUSE_POINTS)
def test_a_late_upload_event_running_inside_a_removal(pipeline: Pipeline, pause: str) -> None:
    """The removal pauses (after its reads, its tombstone, an output's check or delete); the older
    upload's event, late, runs meanwhile: before the tombstone it records its version and writes its
    outputs, which the removal then deletes; after it, it is skipped."""
    film = f"inside-removal-{next(_FILMS)}"
    upload, removal = make_changes(pipeline, film, ["upload", "removal"], version_ids=True)

    run_plan(pipeline, [upload, removal], [Delivery(1, pause=pause, inner=0)])

    assert_removed(end_state(pipeline, film), removal)


# Paused after its check of the palette JSON, it is gap 11's own test below.
@pytest.mark.parametrize(
    "pause", [point for point in REMOVAL_PAUSE_POINTS if point != "head the palette JSON"]
)
def test_a_removal_in_flight_while_a_newer_upload_is_processed(pipeline: Pipeline, pause: str) -> None:
    """A processed still is removed and uploaded again; the removal's event pauses while the new upload's
    runs to the end: the removal loses its tombstone write, or deletes no output the new version wrote."""
    film = f"removal-in-flight-{next(_FILMS)}"
    changes = make_changes(pipeline, film, ["upload", "removal", "upload"], version_ids=True)

    run_plan(pipeline, changes, [Delivery(0), Delivery(1, pause=pause, inner=2)])

    assert_complete_and_consistent(end_state(pipeline, film), changes[-1])


def test_a_removal_between_its_check_and_its_delete_while_a_newer_upload_is_processed(
    pipeline: Pipeline,
) -> None:
    """Gap 11 (closed). The removal checks the palette JSON's ``source-sequencer`` (older: to delete),
    then the new upload writes its outputs and records itself. The removal's delete, conditional on the
    ETag it checked, now fails (412) and leaves the new version's palette JSON current; before, it put a
    delete marker on it, and readers of the bucket found no current palette JSON for a DONE still."""
    film = f"removal-in-flight-{next(_FILMS)}"
    changes = make_changes(pipeline, film, ["upload", "removal", "upload"], version_ids=True)

    run_plan(pipeline, changes, [Delivery(0), Delivery(1, pause="head the palette JSON", inner=2)])

    assert_complete_and_consistent(end_state(pipeline, film), changes[-1])


@pytest.mark.parametrize("pause", PAUSE_POINTS)
def test_an_upload_in_flight_while_a_newer_removal_runs(pipeline: Pipeline, pause: str) -> None:
    """The upload's event pauses while the removal's runs to the end. Before its claim, the claim finds
    the newer tombstone and gives up; after its outputs, the removal deletes both and the upload's item
    write loses. Gap 9 (closed): paused after its claim or its palette JSON, the upload wrote (the rest
    of) its outputs after the removal had deleted what there was, lost its item write to the tombstone,
    and its repair returned at once as the winner was not DONE, so its outputs outlived the still; now
    the repair removes what it wrote when the winner is a tombstone."""
    film = f"upload-in-flight-{next(_FILMS)}"
    upload, removal = make_changes(pipeline, film, ["upload", "removal"], version_ids=True)

    run_plan(pipeline, [upload, removal], [Delivery(0, pause=pause, inner=1)])

    assert_removed(end_state(pipeline, film), removal)


def assert_current_again(state: Any, current: S3Object, removal: S3Object) -> None:
    """DONE on ``current`` (S3's current object again after the delete) under the removal's sequencer,
    with its own outputs, current at the keys."""
    assert_complete_and_consistent(state, replace(current, sequencer=removal.sequencer))


@EVERY_ORDER_OF_THREE
def test_a_permanent_delete_of_the_newest_version_ends_the_same_in_any_order(
    pipeline: Pipeline, order: tuple[int, ...]
) -> None:
    """Gap 10 (closed). Two uploads, then the newest version permanently deleted (``ObjectRemoved:Delete``
    with its version id), all before any event arrives. Before, in S3's order the removal found the first
    version recorded and skipped (DONE on it), while with the removal's event first it found no item and
    wrote a tombstone (removed). Now the removal reads the key's current version, the first, and records
    it under its own sequencer: DONE on the first version in every order."""
    film = f"permanent-{next(_FILMS)}"
    key = f"stills/{film}/{REMOVED_KEY}"
    first, second = upload_versions(pipeline, key, [make_jpeg(seed=1), make_jpeg(seed=2)], version_ids=True)
    removal = delete_version(pipeline.uploader, second)

    run_plan(pipeline, [first, second, removal], [Delivery(index) for index in order])

    assert_current_again(end_state(pipeline, film), first, removal)


@pytest.mark.parametrize("late", [False, True], ids=["then-nothing", "then-late-events"])
def test_a_permanent_delete_of_the_recorded_version_brings_back_the_one_before(
    pipeline: Pipeline, late: bool
) -> None:
    """Both uploads recorded, then the second version permanently deleted: S3's current object is the
    first again, and so is the still (before, a tombstone), whatever late duplicates come after."""
    film = f"permanent-recorded-{next(_FILMS)}"
    key = f"stills/{film}/{REMOVED_KEY}"
    first, second = upload_versions(pipeline, key, [make_jpeg(seed=1), make_jpeg(seed=2)], version_ids=True)
    run_plan(pipeline, [first, second], [Delivery(0), Delivery(1)])
    removal = delete_version(pipeline.uploader, second)

    plan = [Delivery(2), Delivery(1), Delivery(0), Delivery(2)] if late else [Delivery(2)]
    run_plan(pipeline, [first, second, removal], plan)

    assert_current_again(end_state(pipeline, film), first, removal)


@EVERY_ORDER_OF_THREE
def test_a_permanent_delete_of_a_delete_marker_brings_the_still_back_in_any_order(
    pipeline: Pipeline, order: tuple[int, ...]
) -> None:
    """An upload, a delete marker, then the marker permanently deleted: the upload is current again. The
    marker's late event must not remove the still after the delete of the marker was processed."""
    film = f"permanent-marker-{next(_FILMS)}"
    upload, marker = make_changes(pipeline, film, ["upload", "removal"], version_ids=True)
    removal = delete_version(pipeline.uploader, marker)

    run_plan(pipeline, [upload, marker, removal], [Delivery(index) for index in order])

    assert_current_again(end_state(pipeline, film), upload, removal)


@EVERY_ORDER_OF_THREE
def test_a_permanent_delete_of_an_old_version_leaves_the_newest_in_any_order(
    pipeline: Pipeline, order: tuple[int, ...]
) -> None:
    """Two uploads, then the first (old) version permanently deleted: the still is the second in any order
    (recorded again under the delete's sequencer when the delete's event comes after its upload's)."""
    film = f"permanent-old-{next(_FILMS)}"
    key = f"stills/{film}/{REMOVED_KEY}"
    first, second = upload_versions(pipeline, key, [make_jpeg(seed=1), make_jpeg(seed=2)], version_ids=True)
    removal = delete_version(pipeline.uploader, first)

    run_plan(pipeline, [first, second, removal], [Delivery(index) for index in order])

    state = end_state(pipeline, film)
    assert state.record is not None and state.record.version_id == second.version_id
    assert_complete_and_consistent(state, replace(second, sequencer=state.record.sequencer))


@pytest.mark.parametrize("pause", PAUSE_POINTS)
def test_an_upload_in_flight_while_its_version_is_deleted_and_the_delete_processed(
    pipeline: Pipeline, pause: str
) -> None:
    """The first upload is recorded; the second's event pauses (after its download, claim or an output)
    while the second version is permanently deleted and the delete's event runs to the end. The delete
    records the first version again under its own sequencer, so the paused event, which read its version
    before the delete, loses its claim or its item write (and its repair puts the first's outputs back):
    the still is never left describing a deleted version."""
    film = f"permanent-in-flight-{next(_FILMS)}"
    key = f"stills/{film}/{REMOVED_KEY}"
    first, second = upload_versions(pipeline, key, [make_jpeg(seed=1), make_jpeg(seed=2)], version_ids=True)
    run_plan(pipeline, [first], [Delivery(0)])
    removals: list[S3Object] = []

    def delete_and_deliver() -> None:
        removals.append(delete_version(pipeline.uploader, second))
        pipeline.deliver(change_event(pipeline.uploader, removals[0]))

    pipeline.deliver(
        change_event(pipeline.uploader, second), pause=ALL_STEPS[pause], meanwhile=delete_and_deliver
    )

    assert_current_again(end_state(pipeline, film), first, removals[0])


def test_a_removal_event_retried_after_it_completed_changes_nothing(pipeline: Pipeline) -> None:
    film = f"removal-twice-{next(_FILMS)}"
    changes = make_changes(pipeline, film, ["upload", "removal"], version_ids=True)

    run_plan(pipeline, changes, [Delivery(0), Delivery(1), Delivery(1), Delivery(0), Delivery(1)])

    assert_removed(end_state(pipeline, film), changes[-1])
    assert is_removal(changes[-1])
