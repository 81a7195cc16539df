"""Read API function: palettes, exports, swatches and listings of processed stills (API Gateway REST).

It imports no numpy: only the pure parts of the palettes library (``palettes.exports``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from http import HTTPStatus
from typing import Annotated, Any
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import APIKey
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.openapi.types import (
    OpenAPIResponse,
    OpenAPIResponseContentModel,
    OpenAPIResponseContentSchema,
)
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from palette_service import gallery, reads
from palette_service.adapters import make_adapters
from palette_service.errors import RequestError, StillFailedError
from palette_service.listing import DEFAULT_LIMIT, MAX_LIMIT, list_stills
from palette_service.models import ErrorMessage, FailedStill, PaletteDocument, StillPage, StillSummary
from palette_service.observability import logger, metrics, tracer
from palette_service.repository import PaletteRepository
from palette_service.settings import ServiceSettings
from palette_service.storage import StillStorage
from palettes.exports import MEDIA_TYPES

API_TITLE = "Film still palettes"
API_VERSION = "1.0.0"
API_KEY_SCHEME = "apiKey"

app = APIGatewayRestResolver(
    enable_validation=True,
    # A response that does not match its model is our bug: a 500, not the 400 of a bad request.
    response_validation_error_http_code=HTTPStatus.INTERNAL_SERVER_ERROR,
)


@dataclass(frozen=True)
class ReadServices:
    settings: ServiceSettings
    repository: PaletteRepository
    storage: StillStorage


@cache
def services() -> ReadServices:
    """Settings and clients, made once per execution environment (cold start)."""
    settings = ServiceSettings.from_env()
    repository, storage = make_adapters(settings)
    return ReadServices(settings=settings, repository=repository, storage=storage)


def path_segment(raw: str) -> str:
    """A path parameter as the name it stands for.

    API Gateway (REST) passes the path as the client sent it, percent-encoded; in a path ``+`` is a
    plain plus, so this is ``unquote``, not the ``unquote_plus`` of S3 event keys.
    """
    return unquote(raw)


def _json_body(model: type[BaseModel], description: str) -> OpenAPIResponse:
    return {"description": description, "content": {"application/json": {"model": model}}}


def _export_content() -> dict[str, OpenAPIResponseContentSchema | OpenAPIResponseContentModel]:
    """The palette route's 200 bodies: the document, and each export format's media type."""
    content: dict[str, OpenAPIResponseContentSchema | OpenAPIResponseContentModel] = {
        "application/json": {"model": PaletteDocument}
    }
    for fmt in reads.ExportFormat:
        media_type = MEDIA_TYPES[fmt].split(";", 1)[0]
        if reads.is_text_media_type(media_type):
            content.setdefault(media_type, {"schema": {"type": "string"}})
        else:
            content.setdefault(media_type, {"schema": {"type": "string", "format": "binary"}})
    return content


_NOT_FOUND = _json_body(ErrorMessage, "No such still (or no swatch for it)")
LISTING_PREFIX_PATTERN = r"^[^/]+/"
# What a person should read when Powertools' validation refuses one of these parameters.
_PARAMETER_HELP = {
    "prefix": "prefix is required and must start with a film folder, e.g. my-film/ "
    "(optionally followed by the start of a still name)",
}

_FAILED = _json_body(FailedStill, "The still was processed and failed: why")
_BAD_REQUEST = _json_body(ErrorMessage, "A bad or missing query parameter")


@app.get(
    "/palettes/<film>/<still>",
    summary="A still's palette document, or an export of it",
    responses={
        200: {
            "description": "The palette document, or the export named by `format`",
            "content": _export_content(),
        },
        400: _BAD_REQUEST,
        404: _NOT_FOUND,
        422: _FAILED,
    },
)
def get_palette(  # type: ignore[no-untyped-def]
    film: str,
    still: str,
    export_format: Annotated[
        reads.ExportFormat | None,
        Query(alias="format", description="Export format; without it, the palette document as JSON"),
    ] = None,
):
    # No return annotation on purpose: Powertools validates a route's return type, and this body is
    # JSON, text or binary depending on `format` (the OpenAPI document is declared in `responses`).
    record = reads.get_record(services().repository, path_segment(film), path_segment(still))
    if export_format is None:
        return Response(HTTPStatus.OK, content_types.APPLICATION_JSON, body=reads.palette_document(record))
    export = reads.export_palette(record, export_format.value)
    metrics.add_metric(name="PaletteExports", unit=MetricUnit.Count, value=1)
    return Response(
        HTTPStatus.OK,
        export.media_type,
        body=export.body.decode() if export.is_text else export.body,
        headers={"Content-Disposition": export.content_disposition},
    )


@app.get(
    "/palettes/<film>/<still>/swatch",
    summary="A still's swatch (PNG)",
    responses={
        200: {
            "description": "The swatch",
            "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
        },
        404: _NOT_FOUND,
        422: _FAILED,
    },
)
def get_swatch(film: str, still: str):  # type: ignore[no-untyped-def]
    # No return annotation on purpose: Powertools would validate (and so decode) the binary body.
    current = services()
    record = reads.get_record(current.repository, path_segment(film), path_segment(still))
    swatch = reads.read_swatch(current.storage, record)
    return Response(HTTPStatus.OK, "image/png", body=swatch)


@app.get(
    "/palettes",
    summary="A film's stills, newest first",
    responses={200: {"description": "A page of stills"}, 400: _BAD_REQUEST},
)
def get_palettes(
    prefix: Annotated[
        str,
        Query(
            description="`<film>/` or `<film>/<start of the still name>`",
            examples=["my-film/"],
            pattern=LISTING_PREFIX_PATTERN,
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Stills per page")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(description="`next_cursor` of the previous page", min_length=1)
    ] = None,
) -> StillPage:
    listing = list_stills(services().repository, prefix, limit=limit, cursor=cursor)
    return StillPage(
        items=[StillSummary.from_record(record) for record in listing.records],
        next_cursor=listing.next_cursor,
    )


# The gallery is HTML for people, not part of the JSON API's OpenAPI document. It is one
# self-contained page (swatches and exports inline): see palette_service.gallery for why.
@app.get("/gallery", include_in_schema=False)
def get_gallery(
    prefix: Annotated[str | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=gallery.MAX_LIMIT)] = gallery.DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query()] = None,
) -> Response[str]:
    if not prefix:
        return _html(HTTPStatus.OK, gallery.render_index())
    return _gallery_page(prefix, limit, cursor, keep_query={"prefix": prefix})


@app.get("/gallery/<film>", include_in_schema=False)
def get_film_gallery(
    film: str,
    limit: Annotated[int, Query(ge=1, le=gallery.MAX_LIMIT)] = gallery.DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query()] = None,
) -> Response[str]:
    return _gallery_page(f"{path_segment(film)}/", limit, cursor, keep_query={})


def _gallery_page(
    prefix: str, limit: int, cursor: str | None, *, keep_query: dict[str, str]
) -> Response[str]:
    current = services()
    try:
        page = gallery.collect_gallery(
            current.repository, current.storage, prefix, limit=limit, cursor=cursor
        )
    except RequestError as error:
        return _html(error.status, gallery.render_error(error.status, str(error)))
    return _html(HTTPStatus.OK, gallery.render_gallery(page, keep_query=keep_query))


def _html(status: int, page: str) -> Response[str]:
    headers = {
        "Content-Security-Policy": gallery.CONTENT_SECURITY_POLICY,
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    return Response(status, "text/html; charset=utf-8", body=page, headers=headers)


@app.get("/openapi.json", include_in_schema=False)
def get_openapi() -> Response[str]:
    return Response(HTTPStatus.OK, content_types.APPLICATION_JSON, body=openapi_document())


_FORBIDDEN = {
    "description": "No valid API key (answered by API Gateway before this function)",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorMessage"}}},
}


def reject_unknown_query_parameters(
    resolver: APIGatewayRestResolver, next_middleware: NextMiddleware
) -> Response[Any]:
    """A query parameter the route does not take is a 400, not silently ignored: a typo
    (`?limt=5`) gets an answer instead of a result that quietly differs from what was asked."""
    route = resolver.context.get("_route")
    if route is not None:
        known = {field.alias for field in route.dependant.query_params}
        unknown = sorted(set(resolver.current_event.query_string_parameters or {}) - known)
        if unknown:
            takes = ", ".join(sorted(known)) or "none"
            return _error(
                HTTPStatus.BAD_REQUEST,
                f"unknown query parameter {', '.join(unknown)}; this route takes: {takes}",
            )
    return next_middleware(resolver)


app.use(middlewares=[reject_unknown_query_parameters])


@cache
def openapi_document() -> str:
    """The OpenAPI document, without Powertools' generic 422 (request validation errors answer 400 here)."""
    document = json.loads(
        app.get_openapi_json_schema(
            title=API_TITLE,
            version=API_VERSION,
            description="Colour palettes of film stills. Every route needs an API key in `x-api-key`.",
            security_schemes={
                API_KEY_SCHEME: APIKey.model_validate({"type": "apiKey", "in": "header", "name": "x-api-key"})
            },
            security=[{API_KEY_SCHEME: []}],
        )
    )
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            if responses.get("422", {}).get("description") == "Validation Error":
                del responses["422"]
            # API Gateway answers 403 itself, before this function, for a missing or wrong key.
            responses.setdefault("403", _FORBIDDEN)
    return json.dumps(document)


def _error(status: int, message: str) -> Response[dict[str, str]]:
    return Response(status, content_types.APPLICATION_JSON, body={"message": message})


@app.exception_handler(StillFailedError)  # type: ignore[untyped-decorator]
def _failed_still(error: StillFailedError) -> Response[dict[str, str]]:
    body = FailedStill(key=error.key, reason=error.reason, error=error.error).model_dump()
    return Response(error.status, content_types.APPLICATION_JSON, body=body)


@app.exception_handler(RequestError)  # type: ignore[untyped-decorator]
def _request_error(error: RequestError) -> Response[dict[str, str]]:
    return _error(error.status, str(error))


@app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
def _invalid_request(error: RequestValidationError) -> Response[dict[str, str]]:
    problems = []
    for detail in error.errors():
        location = [str(part) for part in detail.get("loc", ())]
        if location and location[-1] in _PARAMETER_HELP:
            problems.append(_PARAMETER_HELP[location[-1]])
            continue
        where = f"{location[0]} parameter {location[-1]!r}" if len(location) > 1 else "request"
        problems.append(f"{where}: {detail.get('msg', 'invalid value')}")
    return _error(HTTPStatus.BAD_REQUEST, "; ".join(problems) or "invalid request")


@app.not_found
def _no_route(_: Exception) -> Response[dict[str, str]]:
    return _error(
        HTTPStatus.NOT_FOUND, f"no route for {app.current_event.http_method} {app.current_event.path}"
    )


@app.exception_handler(Exception)  # type: ignore[untyped-decorator]
def _unexpected(error: Exception) -> Response[dict[str, str]]:
    logger.exception("unexpected error while serving a request")
    return _error(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error; it has been logged")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = app.resolve(event, context)
    metrics.add_metric(name=f"Responses{response['statusCode'] // 100}xx", unit=MetricUnit.Count, value=1)
    return response
