"""The colour index under throttling and 5xx, through the stream event source mapping's retries.

The real aggregate handler, on its own boto3 clients with errors injected below them
(``SdkFaults``), gets the stream records of still changes (uploads, then an overwrite and a removal)
through the template's mapping (``tests/reliability/stream.py``). Each case fails one DynamoDB call
of a still's reindex (``INDEX_STEPS``) with each of DynamoDB's transient errors.

Claims: a failed reindex is named in the partial batch response and retried from the still's first
record; the index ends holding exactly the entries built from scratch from the items; a search
finds exactly what brute force over the items finds; nothing reaches AggregateFailuresQueue. When
every retry fails, the batch goes to that queue and the stale entries left behind never show a
still by colours it no longer has (hits are checked against the items).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pytest

from palette_service.data.color_index import COLOR_PREFIX, DynamoColorIndex
from palette_service.data.dynamodb import DynamoStillRepository
from palette_service.data.s3 import S3StillStore
from palette_service.domain import search
from palette_service.domain.extraction import ExtractionServices, process_s3_event
from palette_service.domain.indexing import indexed_colors
from palette_service.domain.records import StillKey, StillStatus
from palette_service.domain.search import Candidate
from palette_service.domain.search_reads import find
from palette_service.settings import ServiceSettings
from tests.conftest import make_jpeg
from tests.functions.conftest import Uploader
from tests.reliability.faults import TRANSIENT_ERRORS, AwsError, SdkFaults
from tests.reliability.lambda_async import failure_records
from tests.reliability.removals import delete_still, removal_event
from tests.reliability.stream import (
    AGGREGATE_TRIGGER,
    InProcessFunction,
    deliver,
    still_changed,
    stream_mapping,
)

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")

# The DynamoDB calls of one still's reindex, in order (domain/indexing.reindex_still, then
# data/color_index.DynamoColorIndex.replace): (operation, calls of it that pass before the one failed).
INDEX_STEPS = {
    "read the still's item": ("GetItem", 0),
    "read the still's manifest": ("GetItem", 1),
    "write the entries": ("BatchWriteItem", 0),
}
STEP_ERRORS = [
    pytest.param(step, error, id=f"{step}-{error.code}")
    for step in INDEX_STEPS
    for error in TRANSIENT_ERRORS["dynamodb"]
]
NAMES = ("a.jpg", "b.jpg", "c.jpg")
_FILMS = itertools.count()


@dataclass
class IndexRig:
    """Stills processed without faults; reindexed by the real aggregate handler under faults."""

    uploader: Uploader
    extraction: ExtractionServices
    table: Any
    function: InProcessFunction
    mapping: Any
    sqs: Any
    failures_queue: str

    def upload(self, film: str, name: str, seed: int) -> dict[str, Any]:
        upload = self.uploader.put(f"stills/{film}/{name}", make_jpeg(seed=seed))
        process_s3_event(self.uploader.event(upload), self.extraction)
        return still_changed(StillKey(film, name))

    def remove(self, film: str, name: str) -> dict[str, Any]:
        removal = delete_still(self.uploader, f"stills/{film}/{name}")
        process_s3_event(removal_event(self.uploader, removal), self.extraction)
        return still_changed(StillKey(film, name))

    def candidates(self, film: str) -> list[Candidate]:
        """Every DONE still of ``film`` as brute force ranks it, from its item now."""
        repository = DynamoStillRepository(self.table)
        found = []
        for name in NAMES:
            record = repository.get(StillKey(film, name))
            if record is not None and record.status is StillStatus.DONE:
                found.append(Candidate(film, name, indexed_colors(record)[0].palette))
        return found

    def searches(
        self, film: str, palettes: list[Candidate] | None = None
    ) -> list[tuple[list[str], list[str]]]:
        """For each colour of each palette (the stills' now, by default): the names a search finds,
        and those brute force over the items now finds."""
        pairs = []
        candidates = self.candidates(film)
        for color in (color for candidate in palettes or candidates for color in candidate.colors):
            query = search.parse_search_query({"color": color["hex"], "film": film, "min_share": "0.005"})
            page = find(query, DynamoColorIndex(self.table), DynamoStillRepository(self.table))
            truth = search.rank_candidates(query, candidates)
            pairs.append(([hit.name for hit in page.hits], [hit.name for hit in truth]))
        return pairs

    def assert_index_built_from_scratch(self, film: str) -> None:
        repository = DynamoStillRepository(self.table)
        expected = {
            (COLOR_PREFIX + color.partition, f"{film}/{color.name}/{color.slot}")
            for name in NAMES
            if (record := repository.get(StillKey(film, name))) is not None
            for color in indexed_colors(record)
        }
        stored = {
            (item["pk"], item["sk"])
            for item in self.table.scan()["Items"]  # the test's view; the service never scans
            if str(item["pk"]).startswith(COLOR_PREFIX) and str(item["sk"]).startswith(f"{film}/")
        }
        assert stored == expected
        for found, truth in self.searches(film):
            assert found == truth


@pytest.fixture
def rig(
    sdk_faults: SdkFaults,
    fresh_aggregate: Any,
    lambda_context: Any,
    settings: ServiceSettings,
    s3_client: Any,
    palettes_table: Any,
    uploader: Uploader,
    sqs_client: Any,
    stack_queues: dict[str, str],
) -> IndexRig:
    function = InProcessFunction(lambda event: fresh_aggregate.lambda_handler(event, lambda_context))
    assert AGGREGATE_TRIGGER.on_failure_logical_id is not None
    queue = stack_queues[AGGREGATE_TRIGGER.on_failure_logical_id]
    extraction = ExtractionServices(
        settings=settings,
        storage=S3StillStore(s3_client, settings.stills_bucket),
        repository=DynamoStillRepository(palettes_table),
    )
    return IndexRig(
        uploader=uploader,
        extraction=extraction,
        table=palettes_table,
        function=function,
        mapping=stream_mapping(function, sqs=sqs_client, on_failure_queue_url=queue),
        sqs=sqs_client,
        failures_queue=queue,
    )


@pytest.mark.parametrize(("step", "error"), STEP_ERRORS)
def test_a_fault_at_any_reindex_step_is_retried_and_the_index_converges(
    step: str, error: AwsError, rig: IndexRig, sdk_faults: SdkFaults
) -> None:
    film = f"index-{next(_FILMS)}"
    operation, after = INDEX_STEPS[step]
    uploads = [rig.upload(film, name, seed) for seed, name in enumerate(NAMES)]
    changes = [rig.upload(film, "a.jpg", seed=7), rig.remove(film, "b.jpg")]

    for records in (uploads, changes):
        sdk_faults.fail_call("dynamodb", operation, error, times=1, after=after)
        batches = len(rig.function.batches)
        deliver(rig.mapping, records)
        numbers = [record["dynamodb"]["SequenceNumber"] for record in records]
        assert rig.function.results[batches] == {"batchItemFailures": [{"itemIdentifier": numbers[0]}]}
        assert rig.function.sequence_numbers()[batches + 1] == numbers  # retried from the failed still
        assert rig.function.results[-1] == {"batchItemFailures": []}
        rig.assert_index_built_from_scratch(film)

    assert failure_records(rig.sqs, rig.failures_queue) == []


def test_a_reindex_failing_every_retry_never_shows_a_still_by_its_old_colours(
    rig: IndexRig, sdk_faults: SdkFaults, fresh_aggregate: Any
) -> None:
    film = f"index-{next(_FILMS)}"
    deliver(rig.mapping, [rig.upload(film, name, seed) for seed, name in enumerate(NAMES)])
    rig.assert_index_built_from_scratch(film)
    before = rig.candidates(film)
    sdk_faults.fail_call("dynamodb", "BatchWriteItem", TRANSIENT_ERRORS["dynamodb"][0], times=1_000)
    fresh_aggregate.services.cache_clear()  # a client takes the session's hooks when it is made

    deliver(rig.mapping, [rig.upload(film, "a.jpg", seed=7), rig.remove(film, "b.jpg")])

    (record,) = failure_records(rig.sqs, rig.failures_queue)
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert len(rig.function.batches) == 1 + 1 + AGGREGATE_TRIGGER.maximum_retry_attempts
    # The old entries of a.jpg and b.jpg are still filed; a.jpg's new colours are not yet.
    for found, truth in rig.searches(film, before) + rig.searches(film):
        assert "b.jpg" not in found
        assert set(found) <= set(truth)
