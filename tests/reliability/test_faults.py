"""Throttling and 5xx from S3 and DynamoDB at each step of the extract path, through Lambda's async retries.

Each case fails one AWS call of the extraction (see ``faults.EXTRACT_STEPS``) or of a removal (see
``removals.REMOVAL_STEPS``) on some attempts, runs
the event the way Lambda's asynchronous invocation does (1 + 2 attempts, then the on-failure queue),
and checks the end state: complete and consistent when an attempt got through; otherwise the event in
the failure queue, and every object left behind named by that queued event. docs/reliability.md
explains the order of writes and why what is left behind is safe.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError

from extract.app import summarize
from palette_service.data.dynamodb import DynamoStillRepository
from palette_service.data.s3 import S3StillStore
from palette_service.data.sqs import SqsReplayQueue
from palette_service.domain.events import normalize_sequencer
from palette_service.domain.extraction import ExtractionServices, process_s3_event
from palette_service.domain.failures import FailureServices, record_given_up
from palette_service.domain.ports import Claim
from palette_service.domain.records import (
    RETRIES_EXHAUSTED,
    PendingVersion,
    StillKey,
    StillRecord,
    StillStatus,
)
from palette_service.settings import ServiceSettings
from tests.conftest import make_jpeg
from tests.functions.conftest import Uploader
from tests.reliability.faults import (
    EXTRACT_STEPS,
    TRANSIENT_ERRORS,
    AwsError,
    FaultInjector,
    FaultyClient,
    SdkFaults,
    Step,
)
from tests.reliability.lambda_async import AsyncLambda, failure_records
from tests.reliability.removals import REMOVAL_STEPS, REMOVAL_STEPS_BY_NAME, delete_still, removal_event
from tests.reliability.state import (
    StillState,
    assert_complete_and_consistent,
    assert_outputs_match_record,
    assert_removed,
    describes_pending,
    read_state,
)

# The real handler publishes no metric when it raises; Powertools warns about that.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")

KEY = "stills/night-train/reel 2 shot 14.jpg"
STILL = StillKey("night-train", "reel 2 shot 14.jpg")

# Every (step, error) pair: each step with every transient error its service can answer.
STEP_ERRORS = [
    pytest.param(step, error, id=f"{step.name}-{error.code}")
    for step in EXTRACT_STEPS
    for error in TRANSIENT_ERRORS[step.service]
]
# What an event whose every attempt failed at a step leaves behind (claim, outputs, item). The two PUTs
# are made at once: when one fails, the other has been made.
LEFT_BEHIND = {
    "put the palette JSON": {"swatch"},
    "put the swatch": {"palette"},
    "write the item": {"palette", "swatch"},
}
# The steps after which the item names the version as being processed.
CLAIMED = frozenset({"put the palette JSON", "put the swatch", "write the item"})


@pytest.fixture
def injector() -> FaultInjector:
    return FaultInjector()


@pytest.fixture
def faulty_services(
    settings: ServiceSettings, s3_client: Any, palettes_table: Any, injector: FaultInjector
) -> ExtractionServices:
    return ExtractionServices(
        settings=settings,
        storage=S3StillStore(FaultyClient(s3_client, "s3", injector), settings.stills_bucket),  # type: ignore[arg-type]
        repository=DynamoStillRepository(FaultyClient(palettes_table, "dynamodb", injector)),  # type: ignore[arg-type]
    )


def handler_for(services: ExtractionServices) -> Callable[[dict[str, Any]], dict[str, int]]:
    """The extract handler's body (extract.app.lambda_handler) on the given services."""
    return lambda event: summarize(process_s3_event(event, services))


@pytest.fixture
def extract_lambda(
    async_lambda_factory: Any, faulty_services: ExtractionServices, injector: FaultInjector
) -> AsyncLambda:
    lambda_function: AsyncLambda = async_lambda_factory(
        handler_for(faulty_services), before_attempt=injector.start_attempt
    )
    return lambda_function


@pytest.fixture
def state_of(s3_client: Any, palettes_table: Any, settings: ServiceSettings) -> Callable[[], Any]:
    return lambda: read_state(s3_client, palettes_table, settings, STILL)


@dataclass(frozen=True)
class FaultRig:
    """The extract function under fault injection: upload, invoke it as Lambda does, read the end state."""

    uploader: Uploader
    extract_lambda: AsyncLambda
    injector: FaultInjector
    state: Callable[[], StillState]
    sqs: Any
    failures_queue: str
    table: Any
    extract_lambda_services: ExtractionServices

    def failures(self) -> list[dict[str, Any]]:
        """The invocation records in the on-failure queue."""
        return failure_records(self.sqs, self.failures_queue)

    def drain(self, record: dict[str, Any]) -> None:
        """What RecordFailuresFunction does with one record of the on-failure queue (no faults)."""
        settings = self.extract_lambda_services.settings
        replay_url = self.sqs.create_queue(QueueName="replay")["QueueUrl"]
        services = FailureServices(
            settings=settings,
            repository=DynamoStillRepository(self.table),
            replay_queue=SqsReplayQueue(self.sqs, replay_url),
        )
        record_given_up(json.dumps(record), services)


@pytest.fixture
def rig(
    uploader: Uploader,
    extract_lambda: AsyncLambda,
    injector: FaultInjector,
    state_of: Callable[[], StillState],
    sqs_client: Any,
    failures_queue: str,
    palettes_table: Any,
    faulty_services: ExtractionServices,
) -> FaultRig:
    return FaultRig(
        uploader,
        extract_lambda,
        injector,
        state_of,
        sqs_client,
        failures_queue,
        palettes_table,
        faulty_services,
    )


def error_code(error: BaseException) -> str:
    assert isinstance(error, ClientError), f"{type(error).__name__}: {error}"
    return str(error.response["Error"]["Code"])


def expected_code(step: Step, error: AwsError) -> str:
    return str(error.status) if step.operation == "head_object" else error.code


def test_a_fault_free_run_makes_the_calls_the_steps_name(
    uploader: Uploader, extract_lambda: AsyncLambda, injector: FaultInjector, state_of: Any
) -> None:
    """The step table matches what the extraction really calls, so each fault hits the step it names."""
    upload = uploader.put(KEY, make_jpeg(seed=1))
    invocation = extract_lambda.invoke(uploader.event(upload))
    assert invocation.succeeded and invocation.attempts == 1
    # One call per step (the PUTs, made at once, are told by their keys' folders).
    assert injector.calls == Counter((step.service, step.operation) for step in EXTRACT_STEPS)
    for step in EXTRACT_STEPS:
        if step.folder:
            assert injector.folder_calls[step.service, step.operation, step.folder] == step.nth
    assert_complete_and_consistent(state_of(), upload)


@pytest.mark.parametrize(("step", "error"), STEP_ERRORS)
def test_a_transient_error_at_any_step_is_retried_to_a_complete_state(
    step: Step,
    error: AwsError,
    rig: FaultRig,
) -> None:
    upload = rig.uploader.put(KEY, make_jpeg(seed=2))
    rig.injector.fail(step, error, attempts={1})

    invocation = rig.extract_lambda.invoke(rig.uploader.event(upload))

    # The handler raised (so Lambda retries), and the retry finished the job.
    assert [error_code(raised) for raised in invocation.errors] == [expected_code(step, error)]
    assert invocation.succeeded and invocation.result == {
        "processed": 1,
        "failed": 0,
        "skipped": 0,
        "removed": 0,
    }
    assert_complete_and_consistent(rig.state(), upload)
    assert rig.failures() == []


@pytest.mark.parametrize("step", EXTRACT_STEPS, ids=lambda step: step.name)
def test_the_last_retry_completes_after_two_failed_attempts(
    step: Step,
    rig: FaultRig,
) -> None:
    upload = rig.uploader.put(KEY, make_jpeg(seed=3))
    rig.injector.fail(step, TRANSIENT_ERRORS[step.service][0], attempts={1, 2})

    invocation = rig.extract_lambda.invoke(rig.uploader.event(upload))

    assert len(invocation.errors) == 2 and invocation.succeeded
    assert_complete_and_consistent(rig.state(), upload)
    assert rig.failures() == []


@pytest.mark.parametrize(("step", "error"), STEP_ERRORS)
def test_an_error_on_every_attempt_puts_the_event_in_the_failure_queue(
    step: Step,
    error: AwsError,
    rig: FaultRig,
) -> None:
    upload = rig.uploader.put(KEY, make_jpeg(seed=4))
    event = rig.uploader.event(upload)
    rig.injector.fail(step, error)

    invocation = rig.extract_lambda.invoke(event)

    assert not invocation.succeeded
    assert [error_code(raised) for raised in invocation.errors] == [expected_code(step, error)] * 3
    (record,) = rig.failures()
    assert record["requestPayload"] == event
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["responsePayload"]["errorType"] == "ClientError"

    # No outcome recorded; once claimed, the item says which version is unfinished, and since when.
    # What was written before the failing step is there, and the queued event names it.
    state = rig.state()
    if step.name in CLAIMED:
        assert state.record is not None and state.record.status is StillStatus.PROCESSING
        assert state.record.processing is not None and describes_pending(state.record.processing, upload)
        assert state.record.document is None and state.record.swatch_key is None
    else:
        assert state.records == []
    left = {name for name, output in (("palette", state.palette), ("swatch", state.swatch)) if output}
    assert left == LEFT_BEHIND.get(step.name, set())
    assert all(output.sequencer == normalize_sequencer(upload.sequencer) for output in state.outputs)

    # RecordFailuresFunction drains the record: no still stays PROCESSING once its event is given up on.
    rig.drain(record)
    given_up = rig.state().record
    assert given_up is not None and (given_up.status, given_up.error) == (
        StillStatus.FAILED,
        RETRIES_EXHAUSTED,
    )
    assert expected_code(step, error) in (given_up.reason or "")

    # Replaying the kept event once the fault is gone completes the still.
    rig.injector.clear()
    replay = rig.extract_lambda.invoke(record["requestPayload"])
    assert replay.succeeded and replay.attempts == 1
    assert_complete_and_consistent(rig.state(), upload)


@pytest.mark.parametrize("step", EXTRACT_STEPS, ids=lambda step: step.name)
def test_an_overwrite_that_exhausts_its_retries_leaves_the_recorded_version_intact(
    step: Step,
    rig: FaultRig,
) -> None:
    """A DONE still re-uploaded while S3 or DynamoDB keeps failing: the item still describes the old version,
    and the object versions it names are still the old version's (the API serves the swatch the item names),
    even after the new version's outputs were written over them at the same keys. Once the new version has
    claimed the item, the item also says that it is unfinished."""
    first = rig.uploader.put(KEY, make_jpeg(seed=5))
    assert rig.extract_lambda.invoke(rig.uploader.event(first)).succeeded
    second = rig.uploader.put(KEY, make_jpeg(seed=25))
    rig.injector.fail(step, TRANSIENT_ERRORS[step.service][0])

    invocation = rig.extract_lambda.invoke(rig.uploader.event(second))

    assert not invocation.succeeded
    assert len(rig.failures()) == 1
    state = rig.state()
    assert state.record is not None and state.record.etag == first.etag
    assert_outputs_match_record(state)
    if step.name in CLAIMED:
        assert state.record.processing is not None and describes_pending(state.record.processing, second)
    else:
        assert state.record.processing is None


@pytest.mark.parametrize("step", EXTRACT_STEPS, ids=lambda step: step.name)
def test_an_overwrite_replayed_from_the_failure_queue_ends_on_the_newest_version(
    step: Step,
    rig: FaultRig,
) -> None:
    first = rig.uploader.put(KEY, make_jpeg(seed=6))
    rig.extract_lambda.invoke(rig.uploader.event(first))
    second = rig.uploader.put(KEY, make_jpeg(seed=26))
    rig.injector.fail(step, TRANSIENT_ERRORS[step.service][-1])
    rig.extract_lambda.invoke(rig.uploader.event(second))
    (record,) = rig.failures()
    rig.drain(record)  # the newest upload is recorded as given up, until it is replayed

    rig.injector.clear()
    assert rig.extract_lambda.invoke(record["requestPayload"]).succeeded
    assert_complete_and_consistent(rig.state(), second)


@pytest.mark.parametrize("error", TRANSIENT_ERRORS["dynamodb"], ids=lambda error: error.code)
def test_a_bad_still_whose_failed_item_cannot_be_written_is_retried(
    error: AwsError,
    uploader: Uploader,
    extract_lambda: AsyncLambda,
    injector: FaultInjector,
    state_of: Any,
) -> None:
    upload = uploader.put(KEY, b"<html>not a still</html>")
    # A failure is recorded without a claim: there are no outputs to order.
    injector.fail(Step("write the FAILED item", "dynamodb", "update_item", 1), error, attempts={1})

    invocation = extract_lambda.invoke(uploader.event(upload))

    assert len(invocation.errors) == 1 and invocation.succeeded
    assert invocation.result == {"processed": 0, "failed": 1, "skipped": 0, "removed": 0}
    state = state_of()
    assert_complete_and_consistent(state, upload, done=False)
    assert state.record is not None and state.record.error == "unsupported_format"
    assert state.outputs == []


def test_a_retry_of_a_multi_record_event_redoes_only_the_unfinished_record(
    uploader: Uploader,
    extract_lambda: AsyncLambda,
    injector: FaultInjector,
    s3_client: Any,
    palettes_table: Any,
    settings: ServiceSettings,
) -> None:
    first = uploader.put("stills/night-train/a.jpg", make_jpeg(seed=7))
    second = uploader.put("stills/night-train/b.jpg", make_jpeg(seed=8))
    # The second record's item write (after a's claim and item, and b's claim) is throttled.
    injector.fail(
        Step("write b's item", "dynamodb", "update_item", 4), TRANSIENT_ERRORS["dynamodb"][0], attempts={1}
    )

    invocation = extract_lambda.invoke(uploader.event(first, second))

    assert len(invocation.errors) == 1
    assert invocation.result == {"processed": 1, "failed": 0, "skipped": 1, "removed": 0}
    assert injector.calls["s3", "get_object"] == 1  # the retry downloaded b only
    for upload, name in ((first, "a.jpg"), (second, "b.jpg")):
        state = read_state(s3_client, palettes_table, settings, StillKey("night-train", name))
        assert_complete_and_consistent(state, upload)


def test_a_repair_interrupted_by_a_fault_is_finished_by_the_retry(
    uploader: Uploader,
    extract_lambda: AsyncLambda,
    async_lambda_factory: Any,
    injector: FaultInjector,
    faulty_services: ExtractionServices,
    state_of: Any,
) -> None:
    """An older version loses the race after overwriting the newer outputs; its repair is throttled.

    The repair (re-making the newer version's outputs, see ``_repair_outputs``) runs only when the
    older event's item write loses. When the repair raises, Lambda retries the older event, which now
    sees the newer item and is skipped before anything else: the outputs stay the older version's.
    """
    older = uploader.put(KEY, make_jpeg(seed=9))
    newer = uploader.put(KEY, make_jpeg(seed=29))
    assert extract_lambda.invoke(uploader.event(newer)).succeeded

    repository = faulty_services.repository

    class BlindUntilWrite(DynamoStillRepository):
        """Sees no item until its first write: the older event runs as if it had claimed the item before
        the newer one and the newer were still in flight."""

        def __init__(self) -> None:
            self.wrote = False

        def get(self, still: StillKey) -> StillRecord | None:
            return repository.get(still) if self.wrote else None

        def claim(self, still: StillKey, key: str, version: PendingVersion) -> Claim | None:
            return repository.claim(still, key, version) if self.wrote else Claim(contended=False)

        def save(self, record: StillRecord) -> bool:
            self.wrote = True
            return repository.save(record)

    racing = ExtractionServices(
        settings=faulty_services.settings, storage=faulty_services.storage, repository=BlindUntilWrite()
    )
    # Calls of the older event's first attempt: its own puts (1, 2), then the repair's (3, 4).
    injector.fail(Step("repair: put the palette JSON", "s3", "put_object", 3), TRANSIENT_ERRORS["s3"][0])
    racing_lambda: AsyncLambda = async_lambda_factory(
        handler_for(racing), before_attempt=injector.start_attempt
    )

    invocation = racing_lambda.invoke(uploader.event(older))

    assert len(invocation.errors) == 1 and invocation.succeeded  # retried once, then skipped
    assert_complete_and_consistent(state_of(), newer)


def test_the_real_handler_raises_on_a_persistent_throttle_and_the_retry_completes(
    sdk_faults: SdkFaults,
    fresh_handlers: None,
    uploader: Uploader,
    async_lambda_factory: Any,
    lambda_context: Any,
    state_of: Any,
) -> None:
    from extract import app

    sdk_faults.fail_call("s3", "PutObject", TRANSIENT_ERRORS["s3"][0], times=1)
    upload = uploader.put(KEY, make_jpeg(seed=10))
    extract_lambda: AsyncLambda = async_lambda_factory(
        lambda event: app.lambda_handler(event, lambda_context)
    )

    invocation = extract_lambda.invoke(uploader.event(upload))

    assert [error_code(raised) for raised in invocation.errors] == ["SlowDown"]
    assert invocation.succeeded
    assert_complete_and_consistent(state_of(), upload)


def test_the_sdk_retries_absorb_a_short_throttle_before_the_handler_sees_it(
    sdk_faults: SdkFaults,
    fresh_handlers: None,
    uploader: Uploader,
    lambda_context: Any,
    state_of: Any,
) -> None:
    """The functions' clients use standard retry mode (5 attempts): one throttled send never shows."""
    from extract import app

    sdk_faults.fail_send("dynamodb", "GetItem", TRANSIENT_ERRORS["dynamodb"][0], times=1)
    upload = uploader.put(KEY, make_jpeg(seed=11))

    assert app.lambda_handler(uploader.event(upload), lambda_context) == {
        "processed": 1,
        "failed": 0,
        "skipped": 0,
        "removed": 0,
    }
    assert sdk_faults.remaining["GetItem"] == 0
    record = state_of().record
    assert record is not None and record.status is StillStatus.DONE


# ---------------------------------------------------------------------- removals
# The removal steps after its tombstone: before gap 12 was closed, a fault there left outputs that no
# retry removed (the retry found the tombstone recorded and skipped).
TOMBSTONE = REMOVAL_STEPS_BY_NAME["write the tombstone"]
AFTER_THE_TOMBSTONE = frozenset(step.name for step in REMOVAL_STEPS[REMOVAL_STEPS.index(TOMBSTONE) + 1 :])
REMOVAL_STEP_ERRORS = [
    pytest.param(step, error, id=f"{step.name}-{error.code}")
    for step in REMOVAL_STEPS
    for error in TRANSIENT_ERRORS[step.service]
]


def processed_then_deleted(rig: FaultRig, seed: int) -> tuple[Any, Any]:
    """A still uploaded and processed (no fault), then deleted: the upload and the removal."""
    upload = rig.uploader.put(KEY, make_jpeg(seed=seed))
    assert rig.extract_lambda.invoke(rig.uploader.event(upload)).succeeded
    return upload, delete_still(rig.uploader, KEY)


def test_a_fault_free_removal_makes_the_calls_the_steps_name(rig: FaultRig) -> None:
    _, removal = processed_then_deleted(rig, seed=40)

    invocation = rig.extract_lambda.invoke(removal_event(rig.uploader, removal))

    assert invocation.succeeded and invocation.attempts == 1
    assert invocation.result == {"processed": 0, "failed": 0, "skipped": 0, "removed": 1}
    expected: dict[tuple[str, str], int] = {}
    for step in REMOVAL_STEPS:
        expected[step.service, step.operation] = max(
            expected.get((step.service, step.operation), 0), step.nth
        )
    assert dict(rig.injector.calls) == expected
    assert_removed(rig.state(), removal)


@pytest.mark.parametrize(("step", "error"), REMOVAL_STEP_ERRORS)
def test_a_transient_error_at_any_removal_step_is_retried_until_the_still_is_removed(
    step: Step, error: AwsError, rig: FaultRig
) -> None:
    _, removal = processed_then_deleted(rig, seed=41)
    rig.injector.fail(step, error, attempts={1})

    invocation = rig.extract_lambda.invoke(removal_event(rig.uploader, removal))

    assert [error_code(raised) for raised in invocation.errors] == [expected_code(step, error)]
    assert invocation.succeeded
    assert_removed(rig.state(), removal)
    assert rig.failures() == []


# The swatch's delete is the second delete call of a first attempt only: a retry finds the palette JSON
# gone and makes one delete call, so "every attempt" cannot fail it by its number.
EVERY_ATTEMPT_REMOVAL_STEPS = [step for step in REMOVAL_STEPS if step.name != "delete the swatch"]


@pytest.mark.parametrize("step", EVERY_ATTEMPT_REMOVAL_STEPS, ids=lambda step: step.name)
def test_a_removal_failing_every_attempt_is_kept_and_its_replay_removes_the_still(
    step: Step, rig: FaultRig
) -> None:
    """Before its tombstone the still is untouched (DONE, its outputs as its item names them); the
    failure queue's record is not a still to record as FAILED (it removes one): drained, the still is as
    it was; replayed once the fault is gone, it is removed."""
    upload, removal = processed_then_deleted(rig, seed=42)
    event = removal_event(rig.uploader, removal)
    rig.injector.fail(step, TRANSIENT_ERRORS[step.service][0])

    invocation = rig.extract_lambda.invoke(event)

    assert not invocation.succeeded and len(invocation.errors) == 3
    (record,) = rig.failures()
    assert record["requestPayload"] == event
    if step.name not in AFTER_THE_TOMBSTONE:
        assert_complete_and_consistent(rig.state(), upload)
    rig.drain(record)
    still = rig.state().record
    assert still is not None and still.status in (StillStatus.DONE, StillStatus.DELETED)

    rig.injector.clear()
    assert rig.extract_lambda.invoke(record["requestPayload"]).succeeded
    assert_removed(rig.state(), removal)


def test_a_new_upload_after_a_removal_that_exhausted_its_retries_is_processed(rig: FaultRig) -> None:
    """The removal never got through (its event is in the failure queue); the still is uploaded again:
    the new version is processed, and the removal's late replay, older, changes nothing."""
    _, removal = processed_then_deleted(rig, seed=43)
    rig.injector.fail(TOMBSTONE, TRANSIENT_ERRORS["dynamodb"][0])  # every attempt
    assert not rig.extract_lambda.invoke(removal_event(rig.uploader, removal)).succeeded
    rig.injector.clear()
    again = rig.uploader.put(KEY, make_jpeg(seed=44))

    assert rig.extract_lambda.invoke(rig.uploader.event(again)).succeeded
    (record,) = rig.failures()
    assert rig.extract_lambda.invoke(record["requestPayload"]).succeeded

    assert_complete_and_consistent(rig.state(), again)
