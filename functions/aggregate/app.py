"""Aggregate function: still items changed (the table's stream) -> each still reindexed for colour
search, and each film's palette and timeline rebuilt.

Each still and each film a batch names is handled once (``palette_service.domain.indexing`` and
``palette_service.domain.aggregation``). A failure is reported in the partial batch response, so
the stream retries from the first record of what failed; bisecting and the on-failure destination
are the event source mapping's (template.yaml).

Invoked directly, it replays a batch the mapping gave up on: with the body of that batch's message in
AggregateFailuresQueue (Lambda's on-failure record), it reads the batch's records from the stream again
and handles them as the mapping would have; with ``{"films": ["<film>", ...]}`` it rebuilds those films.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from palette_service.data.clients import (
    make_color_index,
    make_film_adapters,
    make_repository,
    make_streams_client,
)
from palette_service.data.stream import changed_films, changed_stills, given_up_records
from palette_service.domain import aggregation, indexing
from palette_service.domain.films import StillChange
from palette_service.observability import capture_lambda_handler, logger, metrics
from palette_service.settings import ServiceSettings


@dataclass(frozen=True)
class Services:
    films: aggregation.AggregationServices
    index: indexing.IndexingServices


@cache
def services() -> Services:
    """Settings and clients, made once per execution environment (cold start)."""
    settings = ServiceSettings.from_env()
    films, storage = make_film_adapters(settings)
    return Services(
        films=aggregation.AggregationServices(settings=settings, films=films, storage=storage),
        index=indexing.IndexingServices(
            repository=make_repository(settings), index=make_color_index(settings)
        ),
    )


def reindex(change: StillChange) -> None:
    indexing.reindex_still(change.still, services().index)


@logger.inject_lambda_context
@capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "films" in event:
        return {
            "rebuilt": [
                film for film in event["films"] if aggregation.aggregate_film(str(film), services().films)
            ]
        }
    if "DDBStreamBatchInfo" in event:
        records = given_up_records(make_streams_client(), event["DDBStreamBatchInfo"])
    else:
        records = event.get("Records") or []
    return handle_records(records)


def handle_records(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Reindex each still and rebuild each film the records name; the partial batch response."""
    stills, films = changed_stills(records), changed_films(records)
    failed = aggregation.retry_point(stills, reindex) + aggregation.rebuild_films(films, services().films)
    metrics.add_metric(name="FilmsRebuilt", unit=MetricUnit.Count, value=len(films))
    metrics.add_metric(name="StillsReindexed", unit=MetricUnit.Count, value=len(stills))
    retry_from = [min(failed, key=int)] if failed else []
    return {"batchItemFailures": [{"itemIdentifier": sequence_number} for sequence_number in retry_from]}
