"""The API's OpenAPI document: the response declarations the routes use, and the served document.

The document declares its server relative to where it is served (the stage, e.g. ``/v1``), so a
client generated from it, or Schemathesis, calls the routes under the stage and not the host root.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.types import (
    OpenAPIResponse,
    OpenAPIResponseContentModel,
    OpenAPIResponseContentSchema,
)
from pydantic import BaseModel

from palette_service.domain.reads import ExportFormat
from palette_service.web.models import ErrorMessage, FailedStill, PaletteDocument
from palette_service.web.responses import is_text_media_type
from palettes.exports import MEDIA_TYPES

API_TITLE = "Film still palettes"
API_VERSION = "1.0.0"
API_KEY_SCHEME = "apiKey"
API_KEY_HEADER = "x-api-key"
_FORBIDDEN = {
    "description": "No valid API key (answered by API Gateway before this function)",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorMessage"}}},
}


def json_body(model: type[BaseModel], description: str) -> OpenAPIResponse:
    return {"description": description, "content": {"application/json": {"model": model}}}


NOT_FOUND = json_body(ErrorMessage, "No such still (or no swatch for it)")
FILM_NOT_FOUND = json_body(ErrorMessage, "No still of the film is DONE, so it has no palette")
FAILED = json_body(FailedStill, "The still was processed and failed: why")
BAD_REQUEST = json_body(ErrorMessage, "A bad or missing query parameter")
NOT_JSON = json_body(ErrorMessage, "The body was not sent as JSON (Content-Type: application/json)")
PNG: dict[str, OpenAPIResponseContentSchema | OpenAPIResponseContentModel] = {
    "image/png": {"schema": {"type": "string", "format": "binary"}}
}


def export_content(
    document: type[BaseModel] = PaletteDocument,
) -> dict[str, OpenAPIResponseContentSchema | OpenAPIResponseContentModel]:
    """A palette route's 200 bodies: its ``document``, and each export format's media type."""
    content: dict[str, OpenAPIResponseContentSchema | OpenAPIResponseContentModel] = {
        "application/json": {"model": document}
    }
    for fmt in ExportFormat:
        media_type = MEDIA_TYPES[fmt].split(";", 1)[0]
        kind: dict[str, str] = {"type": "string"}
        if not is_text_media_type(media_type):
            kind["format"] = "binary"
        content.setdefault(media_type, {"schema": kind})
    return content


def server_url(request_path: str, route_path: str) -> str:
    """The API root as the client sees it: the requested path without the route's own path.

    ``/v1/openapi.json`` requested for route ``/openapi.json`` gives ``/v1`` (API Gateway's stage, or a
    custom domain's base path); a request at the root gives ``/``.
    """
    root = request_path[: -len(route_path)] if request_path.endswith(route_path) else ""
    return root or "/"


@cache
def openapi_document(app: APIGatewayRestResolver, server: str) -> str:
    """The OpenAPI document served under ``server``, without Powertools' generic 422 (request
    validation errors answer 400 here) and with the 403 that API Gateway answers itself.

    Powertools' OpenAPI document models load here, with the first request for the document."""
    from aws_lambda_powertools.event_handler.openapi.models import APIKey, Server

    document = json.loads(
        app.get_openapi_json_schema(
            title=API_TITLE,
            version=API_VERSION,
            description=f"Colour palettes of film stills. Every route needs an API key in {API_KEY_HEADER}.",
            servers=[Server(url=server)],
            security_schemes={
                API_KEY_SCHEME: APIKey.model_validate(
                    {"type": "apiKey", "in": "header", "name": API_KEY_HEADER}
                )
            },
            security=[{API_KEY_SCHEME: []}],
        )
    )
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            _adjust_responses(operation.get("responses", {}))
    return json.dumps(document)


def _adjust_responses(responses: dict[str, Any]) -> None:
    if responses.get("422", {}).get("description") == "Validation Error":
        del responses["422"]
    responses.setdefault("403", _FORBIDDEN)
