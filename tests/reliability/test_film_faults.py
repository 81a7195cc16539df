"""Throttling and 5xx at each step of a film's rebuild, through the stream event source mapping's retries.

Each case fails one AWS call of the aggregate function's rebuild (see ``AGGREGATE_STEPS``) on some
invocations and delivers the stream records of the film's still changes through the template's
mapping (``tests/reliability/stream.py``): a failed film is named in the partial batch response, so
the mapping retries from its first record; a batch that fails every retry goes to
AggregateFailuresQueue, and invoking the function with ``{"films": [...]}`` rebuilds what it names.
The end state is checked against the film built from scratch from its stills
(``palette_service.domain.aggregation.build_film`` over ``read_stills``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from palette_service.data.dynamodb import DynamoStillRepository
from palette_service.data.films import DynamoFilmRepository
from palette_service.data.s3 import S3StillStore
from palette_service.data.stream import changed_films
from palette_service.domain.aggregation import (
    AggregationServices,
    aggregate_film,
    read_stills,
    rebuild_films,
    store_rebuild,
)
from palette_service.domain.extraction import ExtractionServices, process_s3_event
from palette_service.domain.films import FilmRecord, film_output_keys
from palette_service.domain.records import StillKey
from palette_service.settings import ServiceSettings
from tests.conftest import make_jpeg
from tests.functions.conftest import Uploader
from tests.reliability.faults import (
    TRANSIENT_ERRORS,
    AwsError,
    FaultInjector,
    FaultyClient,
    Step,
    client_error,
)
from tests.reliability.lambda_async import failure_records
from tests.reliability.removals import delete_still, removal_event
from tests.reliability.state import assert_film_built_from_scratch
from tests.reliability.stream import (
    AGGREGATE_TRIGGER,
    InProcessFunction,
    deliver,
    still_changed,
    stream_mapping,
)

# The aggregate function publishes its metric only from the real handler; Powertools warns without one.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")

# The calls of one rebuild of a film, in order (see palette_service.domain.aggregation.aggregate_film).
AGGREGATE_STEPS = (
    Step("take a generation", "dynamodb", "update_item", 1),
    Step("read the stills", "dynamodb", "query", 1),
    Step("put the timeline", "s3", "put_object", 1),
    Step("put the barcode", "s3", "put_object", 2),
    Step("store the aggregate", "dynamodb", "update_item", 2),
)
# A rebuild that replaces a stored aggregate then deletes the outputs it named.
REPLACING_STEPS = (
    Step("delete the replaced barcode", "s3", "delete_object", 1),
    Step("delete the replaced timeline", "s3", "delete_object", 2),
)
# Every stored rebuild then lists the film's outputs, to delete older ones no aggregate names (gap 13).
COLLECTING_STEP = Step("list the film's outputs", "s3", "list_objects_v2", 1)
STEP_ERRORS = [
    pytest.param(step, error, id=f"{step.name}-{error.code}")
    for step in (*AGGREGATE_STEPS, *REPLACING_STEPS, COLLECTING_STEP)
    for error in TRANSIENT_ERRORS[step.service]
]
_FILMS = itertools.count()


@dataclass
class FilmRig:
    """Stills processed without faults; their films rebuilt by the aggregate function under faults."""

    uploader: Uploader
    extraction: ExtractionServices
    films: DynamoFilmRepository
    aggregation: AggregationServices
    injector: FaultInjector
    function: InProcessFunction
    mapping: Any
    sqs: Any
    failures_queue: str
    s3: Any
    table: Any
    settings: ServiceSettings

    def upload(self, film: str, name: str, *, seed: int, frame: int) -> dict[str, Any]:
        """Upload and process a still with a frame number: the stream record of its item's change."""
        upload = self.uploader.put(f"stills/{film}/{name}", make_jpeg(seed=seed), {"frame": str(frame)})
        process_s3_event(self.uploader.event(upload), self.extraction)
        return still_changed(StillKey(film, name))

    def remove(self, film: str, name: str) -> dict[str, Any]:
        removal = delete_still(self.uploader, f"stills/{film}/{name}")
        process_s3_event(removal_event(self.uploader, removal), self.extraction)
        return still_changed(StillKey(film, name))

    def stored(self, film: str) -> FilmRecord | None:
        return self.films.get_film(film)

    def film_outputs(self, film: str) -> set[str]:
        prefix = f"{self.settings.film_prefix}{film}/"
        listing = self.s3.list_objects_v2(Bucket=self.settings.stills_bucket, Prefix=prefix)
        return {item["Key"] for item in listing.get("Contents", [])}

    def assert_converged(self, film: str) -> FilmRecord:
        """The stored film is the one built from scratch from its stills now, and its outputs are the
        only ones under the film's prefix: none of a failed rebuild is left behind (gap 13)."""
        stored = assert_film_built_from_scratch(film, self.clean())
        assert self.film_outputs(film) == set(stored.output_keys)
        return stored

    def clean(self) -> AggregationServices:
        """The aggregation's services without faults."""
        return AggregationServices(
            settings=self.settings,
            films=self.films,
            storage=S3StillStore(self.s3, self.settings.stills_bucket),
        )

    def failures(self) -> list[dict[str, Any]]:
        return failure_records(self.sqs, self.failures_queue)


def handler_for(services: AggregationServices) -> Any:
    """The aggregate handler's body for stream batches (aggregate.app.lambda_handler) on ``services``."""

    def handle(event: dict[str, Any]) -> dict[str, Any]:
        failed = rebuild_films(changed_films(event.get("Records") or []), services)
        return {"batchItemFailures": [{"itemIdentifier": number} for number in failed]}

    return handle


@pytest.fixture
def rig(
    settings: ServiceSettings,
    s3_client: Any,
    palettes_table: Any,
    uploader: Uploader,
    sqs_client: Any,
    stack_queues: dict[str, str],
) -> FilmRig:
    injector = FaultInjector()
    storage = S3StillStore(s3_client, settings.stills_bucket)
    faulty = AggregationServices(
        settings=settings,
        films=DynamoFilmRepository(FaultyClient(palettes_table, "dynamodb", injector)),  # type: ignore[arg-type]
        storage=S3StillStore(FaultyClient(s3_client, "s3", injector), settings.stills_bucket),  # type: ignore[arg-type]
    )
    function = InProcessFunction(handler_for(faulty), before_attempt=injector.start_attempt)
    assert AGGREGATE_TRIGGER.on_failure_logical_id is not None
    queue = stack_queues[AGGREGATE_TRIGGER.on_failure_logical_id]
    return FilmRig(
        uploader=uploader,
        extraction=ExtractionServices(
            settings=settings, storage=storage, repository=DynamoStillRepository(palettes_table)
        ),
        films=DynamoFilmRepository(palettes_table),
        aggregation=faulty,
        injector=injector,
        function=function,
        mapping=stream_mapping(function, sqs=sqs_client, on_failure_queue_url=queue),
        sqs=sqs_client,
        failures_queue=queue,
        s3=s3_client,
        table=palettes_table,
        settings=settings,
    )


def three_stills(rig: FilmRig, film: str) -> list[dict[str, Any]]:
    """Three stills uploaded out of film order (frames 30, 10, 20): their stream records."""
    return [
        rig.upload(film, name, seed=seed, frame=frame)
        for name, seed, frame in (("shot 1.jpg", 1, 30), ("shot 2.jpg", 2, 10), ("shot 10.jpg", 3, 20))
    ]


def test_a_fault_free_rebuild_makes_the_calls_the_steps_name(rig: FilmRig) -> None:
    film = f"film-{next(_FILMS)}"
    deliver(rig.mapping, three_stills(rig, film))
    first = dict(rig.injector.calls)
    deliver(rig.mapping, [rig.upload(film, "shot 3.jpg", seed=4, frame=40)])

    assert first == {(step.service, step.operation): step.nth for step in (*AGGREGATE_STEPS, COLLECTING_STEP)}
    assert dict(rig.injector.calls) == {
        **first,
        **{(step.service, step.operation): step.nth for step in REPLACING_STEPS},
    }
    assert len(rig.function.batches) == 2  # one rebuild per batch, however many records
    assert rig.assert_converged(film).counts.done == 4


def put_outputs_of(rig: FilmRig, film: str, generation: int) -> tuple[str, str]:
    """Write the outputs of a rebuild of ``generation`` as it would, whose aggregate is never stored."""
    keys = film_output_keys(rig.settings.film_prefix, film, generation)
    for key in keys:
        rig.s3.put_object(Bucket=rig.settings.stills_bucket, Key=key, Body=b"an unstored rebuild's output")
    return keys


def test_the_outputs_of_a_rebuild_that_crashed_are_collected_by_the_next_stored_rebuild(rig: FilmRig) -> None:
    """A rebuild took its generation, wrote both outputs and died before its aggregate write (a
    timeout: no except block runs, nothing is retried from it). The next rebuild that stores deletes
    them: they are older than it, and no aggregate names them."""
    film = f"film-{next(_FILMS)}"
    deliver(rig.mapping, three_stills(rig, film))
    crashed = put_outputs_of(rig, film, rig.films.next_generation(film))

    deliver(rig.mapping, [rig.upload(film, "shot 3.jpg", seed=4, frame=40)])

    assert not set(crashed) & rig.film_outputs(film)
    assert rig.assert_converged(film).counts.done == 4


def test_a_stored_rebuild_collects_older_outputs_but_never_a_newer_generations(rig: FilmRig) -> None:
    """Two rebuilds of one film at once. The newer has written its outputs and is paused before its
    aggregate write while the older one (its generation taken first) stores and collects: a crashed
    rebuild's older outputs go, the newer one's stay. The newer then stores over the older one."""
    film = f"film-{next(_FILMS)}"
    deliver(rig.mapping, three_stills(rig, film))
    crashed = put_outputs_of(rig, film, rig.films.next_generation(film))
    older = rig.films.next_generation(film)
    clean = rig.clean()
    seen: dict[str, Any] = {}

    def store_the_older_rebuild() -> None:
        seen["older"] = store_rebuild(film, older, read_stills(film, clean), clean)
        seen["outputs"] = rig.film_outputs(film)

    records = [rig.upload(film, "shot 3.jpg", seed=4, frame=40)]
    rig.injector.after(
        Step("the newer rebuild's barcode put", "s3", "put_object", 2), store_the_older_rebuild
    )
    deliver(rig.mapping, records)

    newer = rig.assert_converged(film)
    assert seen["older"] is not None and seen["older"].generation == older < newer.generation
    assert seen["outputs"] == {*seen["older"].output_keys, *newer.output_keys}
    assert not set(crashed) & seen["outputs"]
    assert rig.function.results == [{"batchItemFailures": []}] * 2


def test_a_rebuild_whose_aggregate_write_was_applied_but_answered_an_error_keeps_its_outputs(
    rig: FilmRig,
) -> None:
    """A write can be applied and still answer an error (a 500, or a timeout). The rebuild raises, to be
    retried, but its aggregate is stored: the outputs it names must stay."""
    film = f"film-{next(_FILMS)}"
    three_stills(rig, film)

    def answer_an_error() -> None:
        raise client_error("update_item", TRANSIENT_ERRORS["dynamodb"][2])

    rig.injector.start_attempt(1)
    rig.injector.after(Step("store the aggregate", "dynamodb", "update_item", 2), answer_an_error)
    with pytest.raises(ClientError):
        aggregate_film(film, rig.aggregation)

    stored = rig.stored(film)
    assert stored is not None and len(stored.output_keys) == 2
    assert rig.film_outputs(film) == set(stored.output_keys)


class WriteAppliedThenRetried(DynamoFilmRepository):
    """The aggregate write is applied, its answer lost, and the SDK's retry of it refused by the
    condition (the generation stored is its own now): the retry's answer is the one returned."""

    def save_film(self, record: FilmRecord) -> tuple[str, ...] | None:
        super().save_film(record)
        return super().save_film(record)


def test_a_rebuild_whose_retried_aggregate_write_was_applied_before_is_stored_and_collects(
    rig: FilmRig,
) -> None:
    """The retried write answers "a newer generation is stored", but the one stored is the rebuild's
    own: it must keep the outputs its aggregate names, and still delete those it replaced."""
    film = f"film-{next(_FILMS)}"
    deliver(rig.mapping, three_stills(rig, film))
    rig.upload(film, "shot 3.jpg", seed=4, frame=40)

    stored = aggregate_film(film, replace(rig.clean(), films=WriteAppliedThenRetried(rig.table)))

    assert stored is not None and stored.counts.done == 4
    assert rig.assert_converged(film) == stored


@pytest.mark.parametrize(("step", "error"), STEP_ERRORS)
def test_a_fault_at_any_rebuild_step_is_retried_from_the_partial_batch_response(
    step: Step, error: AwsError, rig: FilmRig
) -> None:
    film = f"film-{next(_FILMS)}"
    if step in REPLACING_STEPS:
        deliver(rig.mapping, three_stills(rig, film))  # a stored aggregate for the rebuild to replace
        records = [rig.remove(film, "shot 2.jpg")]
    else:
        records = three_stills(rig, film)
    first_invocation = len(rig.function.batches) + 1
    rig.injector.fail(step, error, attempts={first_invocation})

    deliver(rig.mapping, records)

    numbers = [record["dynamodb"]["SequenceNumber"] for record in records]
    assert rig.function.sequence_numbers()[-2:] == [numbers, numbers]  # retried from the film's first record
    assert rig.function.results[-2] == {"batchItemFailures": [{"itemIdentifier": numbers[0]}]}
    assert rig.function.results[-1] == {"batchItemFailures": []}
    rig.assert_converged(film)
    assert rig.failures() == []


def test_a_failed_film_is_retried_from_its_first_record_and_every_film_converges(rig: FilmRig) -> None:
    """Films a and b in one batch, b's aggregate write throttled once: the response names b's first
    record, the mapping delivers the batch again from there (a's later record included), and both films
    end as built from scratch."""
    a, b = f"film-{next(_FILMS)}", f"film-{next(_FILMS)}"
    records = [
        rig.upload(a, "x.jpg", seed=1, frame=1),
        rig.upload(b, "x.jpg", seed=2, frame=1),
        rig.upload(a, "y.jpg", seed=3, frame=2),
        rig.upload(b, "y.jpg", seed=4, frame=2),
    ]
    # Film a's rebuild makes two update_item calls (generation, aggregate), then b's: fail b's aggregate.
    rig.injector.fail(
        Step("store b's aggregate", "dynamodb", "update_item", 4),
        TRANSIENT_ERRORS["dynamodb"][0],
        attempts={1},
    )

    deliver(rig.mapping, records)

    numbers = [record["dynamodb"]["SequenceNumber"] for record in records]
    assert rig.function.sequence_numbers() == [numbers, numbers[1:]]
    assert rig.function.results[0] == {"batchItemFailures": [{"itemIdentifier": numbers[1]}]}
    rig.assert_converged(a)
    rig.assert_converged(b)  # b's retried rebuild, stored, collected what the failed one left


@pytest.mark.parametrize("step", AGGREGATE_STEPS, ids=lambda step: step.name)
def test_a_batch_failing_every_retry_lands_in_the_failure_queue_and_a_direct_invoke_rebuilds_it(
    step: Step, rig: FilmRig, fresh_aggregate: Any, lambda_context: Any
) -> None:
    """A film built, then one of its stills removed while every rebuild fails at ``step``: the mapping
    retries ``MaximumRetryAttempts`` times, then sends Lambda's on-failure record (the batch's shard and
    sequence range) to AggregateFailuresQueue and moves on; the stored film is the old one. Invoking the
    function with ``{"films": [...]}`` (what the alarm's runbook says) rebuilds it."""
    film = f"film-{next(_FILMS)}"
    deliver(rig.mapping, three_stills(rig, film))
    before = rig.assert_converged(film)
    records = [rig.remove(film, "shot 1.jpg")]
    rig.injector.fail(step, TRANSIENT_ERRORS[step.service][0])

    deliver(rig.mapping, records)

    invocations = 1 + AGGREGATE_TRIGGER.maximum_retry_attempts
    assert len(rig.function.batches) == 1 + invocations
    (record,) = rig.failures()
    info = record["DDBStreamBatchInfo"]
    number = records[0]["dynamodb"]["SequenceNumber"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"], info["batchSize"]) == (number, number, 1)
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == invocations
    stale = rig.stored(film)
    assert stale is not None and (stale.generation, stale.counts) == (before.generation, before.counts)
    # No rebuild stored since, so nothing collected: a rebuild that failed writing its outputs deleted
    # those it wrote; one whose aggregate write failed left both (that write may have been applied).
    left = rig.film_outputs(film) - set(before.output_keys)
    assert set(before.output_keys) <= rig.film_outputs(film)
    assert len(left) == (2 * invocations if step.name == "store the aggregate" else 0)

    rig.injector.clear()
    films = [change.film for change in changed_films(records)]  # the films of the batch's sequence range
    assert fresh_aggregate.lambda_handler({"films": films}, lambda_context) == {"rebuilt": [film]}

    after = rig.assert_converged(film)
    assert after.counts.done == 2
