"""S3 Batch Operations tasks among S3's own events of the same key, in any order.

A task names a version from a manifest made earlier and carries no sequencer; it is a replay of the
key's current version (``palette_service.domain.batch``). Whenever it is delivered (before, between
or after the events of newer uploads and removals, even paused while they run), the key ends as
S3's events alone would leave it: the newest change; and a still whose only upload predates the
notification (no event at all) ends DONE from the task alone.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from palette_service.data.transient import is_transient
from palette_service.domain.batch import answer_batch_event
from palette_service.domain.extraction import process_s3_event
from palette_service.domain.records import StillKey, StillStatus
from palettes_cli.batch_jobs import ManifestEntry, task_event
from tests.conftest import make_jpeg
from tests.events import S3Object
from tests.reliability.faults import STEPS_BY_NAME, FaultInjector
from tests.reliability.removals import change_event, delete_still
from tests.reliability.state import assert_newest, assert_outputs_match_record, read_state
from tests.reliability.test_delivery import Pipeline

_FILMS = itertools.count()
NAME = "frame.jpg"


@pytest.fixture
def pipeline(settings: Any, s3_client: Any, palettes_table: Any, uploader: Any) -> Pipeline:
    return Pipeline(settings, s3_client, palettes_table, uploader)


@dataclass
class Key:
    """One key's history in S3: its changes so far and the manifests taken of it."""

    pipeline: Pipeline
    film: str
    changes: list[S3Object]

    @property
    def key(self) -> str:
        return f"stills/{self.film}/{NAME}"

    def change(self, kind: str) -> S3Object:
        if kind == "removal":
            change = delete_still(self.pipeline.uploader, self.key)
        else:
            body = make_jpeg(seed=len(self.changes) + 1) if kind == "upload" else b"%PDF-1.7 not a still"
            change = self.pipeline.uploader.put(self.key, body)
        self.changes.append(change)
        return change

    def manifest_entry(self) -> ManifestEntry | None:
        """What a manifest made now names: the current version (nothing once removed)."""
        current = self.changes[-1]
        if current.event_name.startswith("ObjectRemoved:"):
            return None
        return ManifestEntry(self.pipeline.settings.stills_bucket, self.key, current.version_id)

    def deliver_event(self, index: int, injector: FaultInjector | None = None) -> None:
        event = change_event(self.pipeline.uploader, self.changes[index])
        process_s3_event(event, self.pipeline.services(injector))

    def run_task(self, entry: ManifestEntry, injector: FaultInjector | None = None) -> str:
        event = task_event("invocation", "job", "task", entry)
        answer = answer_batch_event(event, self.pipeline.services(injector), is_transient=is_transient)
        (result,) = answer.response["results"]
        assert result["resultCode"] in ("Succeeded", "PermanentFailure"), result
        return str(result["resultString"])

    def state(self) -> Any:
        pipeline = self.pipeline
        return read_state(pipeline.s3, pipeline.table, pipeline.settings, StillKey(self.film, NAME))


def new_key(pipeline: Pipeline, prefix: str) -> Key:
    return Key(pipeline, f"{prefix}-{next(_FILMS)}", [])


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[str], bool, list[tuple[str, int]]]:
    """A key's changes (an upload first), whether the first upload sent an event (not when it predates
    the notification), and a schedule: each change in S3's order, each event delivered after its change
    (some twice, in any order), manifests taken at any point and their tasks run at any later point."""
    kinds = ["upload", *draw(st.lists(st.sampled_from(["upload", "bad upload", "removal"]), max_size=3))]
    first_has_event = draw(st.booleans())
    pending: list[tuple[str, int]] = [("change", 0)]
    schedule: list[tuple[str, int]] = []
    deliveries = [index for index in range(len(kinds)) if index or first_has_event]
    deliveries += draw(st.lists(st.sampled_from(deliveries), max_size=2)) if deliveries else []
    manifests = draw(st.integers(1, 3))
    waiting = {"change": list(range(1, len(kinds))), "event": deliveries, "manifest": list(range(manifests))}
    taken: list[int] = []
    done_changes = 0
    while pending or any(waiting.values()) or taken:
        options = list(pending)
        options += [("event", index) for index in waiting["event"] if index < done_changes]
        options += [("manifest", index) for index in waiting["manifest"] if done_changes]
        options += [("task", index) for index in taken]
        action = draw(st.sampled_from(options))
        schedule.append(action)
        kind, index = action
        if kind == "change":
            pending.remove(action)
            done_changes += 1
            if waiting["change"]:
                pending.append(("change", waiting["change"].pop(0)))
        elif kind == "event":
            waiting["event"].remove(index)
        elif kind == "manifest":
            waiting["manifest"].remove(index)
            taken.append(index)
        else:
            taken.remove(index)
    return kinds, first_has_event, schedule


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories())
def test_batch_tasks_anywhere_among_s3_events_end_on_the_newest_change(
    pipeline: Pipeline, history: tuple[list[str], bool, list[tuple[str, int]]]
) -> None:
    kinds, first_has_event, schedule = history
    key = new_key(pipeline, "batch-any")
    entries: dict[int, ManifestEntry | None] = {}
    for kind, index in schedule:
        if kind == "change":
            key.change(kinds[index])
        elif kind == "event":
            key.deliver_event(index)
        elif kind == "manifest":
            entries[index] = key.manifest_entry()
        elif (entry := entries[index]) is not None:
            key.run_task(entry)

    newest = key.changes[-1]
    if len(kinds) > 1 or first_has_event:
        assert_newest(key.state(), newest, done=kinds[-1] == "upload")
        return
    # The only upload sent no event: a task taken of it recorded it (every manifest names it).
    state = key.state()
    assert state.record is not None and state.record.version_id == newest.version_id
    assert state.record.status is StillStatus.DONE
    assert_outputs_match_record(state)


@pytest.mark.parametrize(
    "position", range(5), ids=["before-v2", "v2-unsent", "after-v2", "removed-unsent", "after-removal"]
)
def test_a_task_of_an_old_manifest_before_between_and_after_newer_events(
    pipeline: Pipeline, position: int
) -> None:
    """v1 predates the notification (no event); the manifest names it. Then v2 is uploaded (event e2)
    and the key removed (event e3). The task runs at ``position`` in that sequence."""
    key = new_key(pipeline, "batch-between")
    key.change("upload")
    entry = key.manifest_entry()
    assert entry is not None
    steps = [
        lambda: key.change("upload"),
        lambda: key.deliver_event(1),
        lambda: key.change("removal"),
        lambda: key.deliver_event(2),
    ]
    for step in steps[:position]:
        step()
    result = key.run_task(entry)
    if position == 0:
        record = key.state().record
        assert record is not None and record.version_id == entry.version_id  # recorded while current
    for step in steps[position:]:
        step()

    expected = (
        "processed" if position == 0 else ("skipped: version" if position < 3 else "skipped: the still")
    )
    assert result.startswith(expected), result
    assert_newest(key.state(), key.changes[-1])


@pytest.mark.parametrize("pause", ["get the still", "claim the item", "put the palette JSON"])
@pytest.mark.parametrize("newer", ["upload", "removal"])
def test_a_task_paused_while_a_newer_change_and_its_event_run(
    pipeline: Pipeline, pause: str, newer: str
) -> None:
    """The task found its version current, then pauses; meanwhile the key changes and that change's
    event is processed. The task loses to it: the newest change stands."""
    key = new_key(pipeline, "batch-race")
    key.change("upload")
    entry = key.manifest_entry()
    assert entry is not None

    def newer_change() -> None:
        key.change(newer)
        key.deliver_event(1)

    injector = FaultInjector()
    injector.after(STEPS_BY_NAME[pause], newer_change)
    key.run_task(entry, injector)

    assert_newest(key.state(), key.changes[-1])
    # The first upload's own event, late, changes nothing either.
    key.deliver_event(0)
    assert_newest(key.state(), key.changes[-1])


def test_the_fault_injector_pauses_the_task_at_its_download(pipeline: Pipeline) -> None:
    """Control: the pause really runs inside the task (the meanwhile work happens during it)."""
    key = new_key(pipeline, "batch-control")
    key.change("upload")
    entry = key.manifest_entry()
    assert entry is not None
    ran: list[str] = []
    injector = FaultInjector()
    injector.after(STEPS_BY_NAME["get the still"], functools.partial(ran.append, "meanwhile"))
    key.run_task(entry, injector)
    assert ran == ["meanwhile"]
