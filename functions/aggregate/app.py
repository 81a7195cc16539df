"""Aggregate function: still items changed (the table's stream) -> each film's palette and timeline rebuilt.

Each film a batch names is rebuilt once (``palette_service.domain.aggregation``). A failed film is
reported in the partial batch response, so the stream retries from its first record; bisecting and
the on-failure destination are the event source mapping's (template.yaml). Invoked directly with
``{"films": ["<film>", ...]}`` it rebuilds those films, for example after a batch was given up on.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from palette_service.data.clients import make_film_adapters
from palette_service.data.stream import changed_films
from palette_service.domain.aggregation import AggregationServices, aggregate_film, rebuild_films
from palette_service.observability import logger, metrics, tracer
from palette_service.settings import ServiceSettings


@cache
def services() -> AggregationServices:
    """Settings and clients, made once per execution environment (cold start)."""
    settings = ServiceSettings.from_env()
    films, storage = make_film_adapters(settings)
    return AggregationServices(settings=settings, films=films, storage=storage)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "films" in event:
        return {"rebuilt": [film for film in event["films"] if aggregate_film(str(film), services())]}
    changes = changed_films(event.get("Records") or [])
    failed = rebuild_films(changes, services())
    metrics.add_metric(name="FilmsRebuilt", unit=MetricUnit.Count, value=len(changes) - len(failed))
    return {"batchItemFailures": [{"itemIdentifier": sequence_number} for sequence_number in failed]}
