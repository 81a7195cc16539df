"""Extract function: an S3 upload event -> palette JSON and swatch PNG in S3, then the still's item;
a removal -> the still's tombstone, its outputs removed; an S3 Batch Operations event -> the same for
each task's version, and a result for each task."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from palette_service.domain.batch import answer_batch_event, is_batch_event
from palette_service.domain.extraction import ExtractionServices, process_s3_event
from palette_service.domain.outcomes import Outcome, StillOutcome
from palette_service.observability import capture_lambda_handler, logger, metrics
from palette_service.settings import ServiceSettings
from palette_service.snapstart import prepare_snapshot

# Loaded by the first event, not by this module (an on-demand cold start imports only what routing an
# event needs), and before a SnapStart snapshot: boto3 and the clients, numpy, the clustering, Pillow.
DEFERRED_MODULES = ("palette_service.data.clients", "palettes.extraction", "palettes.swatch")

_METRIC_NAMES = {
    Outcome.PROCESSED: "StillsProcessed",
    Outcome.FAILED: "StillsFailed",
    Outcome.SKIPPED: "StillsSkipped",
    Outcome.REMOVED: "StillsRemoved",
}


@cache
def services() -> ExtractionServices:
    """Settings and clients, made once per execution environment (on the first event, which is
    when boto3 loads)."""
    from palette_service.data.clients import make_adapters

    settings = ServiceSettings.from_env()
    repository, storage = make_adapters(settings)
    return ExtractionServices(settings=settings, storage=storage, repository=repository)


def first_palette() -> None:
    """A palette and swatch of a small still, once: what the first upload would pay besides the imports
    (numpy.random, Pillow's plugins, the colour-name tables, the fonts), paid before a SnapStart
    snapshot instead."""
    import io

    from PIL import Image

    from palettes import extract, render_swatch

    gradient = Image.linear_gradient("L").resize((64, 64))
    still = Image.merge("RGB", (gradient, gradient.rotate(90), Image.new("L", (64, 64), 96)))
    buffer = io.BytesIO()
    still.save(buffer, "JPEG")
    render_swatch(extract(buffer.getvalue()))


prepare_snapshot(services, DEFERRED_MODULES, warm=first_palette)


@logger.inject_lambda_context
@capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if is_batch_event(event):
        from palette_service.data.transient import is_transient  # botocore's errors load with boto3

        answer = answer_batch_event(event, services(), is_transient=is_transient)
        record_metrics(answer.outcomes)
        return answer.response
    outcomes = process_s3_event(event, services())
    record_metrics(outcomes)
    return summarize(outcomes)


def record_metrics(outcomes: list[StillOutcome]) -> None:
    for outcome in outcomes:
        metrics.add_metric(name=_METRIC_NAMES[outcome.outcome], unit=MetricUnit.Count, value=1)
        if outcome.duration_ms is not None:
            metrics.add_metric(
                name="ProcessingDuration", unit=MetricUnit.Milliseconds, value=outcome.duration_ms
            )


def summarize(outcomes: list[StillOutcome]) -> dict[str, int]:
    return {kind.value: sum(1 for outcome in outcomes if outcome.outcome is kind) for kind in Outcome}
