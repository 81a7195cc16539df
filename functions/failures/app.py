"""Record-failures function: events the extract function gave up on -> FAILED items, kept for replay.

Triggered by the extraction's failure queue (an SQS event source mapping with partial batch
responses): a message whose recording fails is delivered again; one that keeps failing moves to the
replay queue through the failure queue's redrive policy.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from palette_service.data.clients import make_replay_queue, make_repository
from palette_service.domain.failures import FailureServices, record_given_up
from palette_service.domain.outcomes import Outcome
from palette_service.observability import capture_lambda_handler, logger, metrics
from palette_service.settings import ServiceSettings

processor = BatchProcessor(event_type=EventType.SQS)


@cache
def services() -> FailureServices:
    """Settings and clients, made once per execution environment (cold start)."""
    settings = ServiceSettings.from_env()
    return FailureServices(
        settings=settings, repository=make_repository(settings), replay_queue=make_replay_queue(settings)
    )


def record_message(record: SQSRecord) -> None:
    for outcome in record_given_up(record.body, services()):
        if outcome.outcome is Outcome.FAILED:
            metrics.add_metric(name="StillsGivenUp", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_message, processor=processor, context=context
    )
