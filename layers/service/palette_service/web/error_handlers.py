"""The API's answers to errors: a read error's status and message, a 400 for a bad parameter, a 415
for a body that is not JSON, a 404 for an unknown route, and a logged 500 (never a stack trace) for
anything else."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

from palette_service.domain.listing import PREFIX_HELP
from palette_service.errors import ReadError
from palette_service.observability import logger
from palette_service.web.errors import error_body, http_status
from palette_service.web.media_types import JSON_MEDIA_TYPE, media_type
from palettes.basic_colors import BASIC_COLOR_TERMS

# What a person should read when Powertools' validation refuses one of these parameters.
_PARAMETER_HELP = {
    "prefix": PREFIX_HELP,
    "color": "color must be a hex colour of six digits, such as c0392b or #c0392b",
    "class": f"class must be one of {', '.join(BASIC_COLOR_TERMS)}",
}


# What a response that sets none of its own gets: nothing may run, load or frame it, nor be sniffed as HTML.
DEFAULT_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}


def error_response(status: int, message: str) -> Response[dict[str, str]]:
    # With the security headers itself: an exception handler's answer passes no middleware.
    headers = dict(DEFAULT_SECURITY_HEADERS)
    return Response(status, content_types.APPLICATION_JSON, body={"message": message}, headers=headers)


def validation_message(error: RequestValidationError) -> str:
    """One sentence per refused parameter, naming where it was and why."""
    return "; ".join(_problem(detail) for detail in error.errors()) or "invalid request"


def _problem(detail: Mapping[str, Any]) -> str:
    location = [str(part) for part in detail.get("loc", ())]
    if location and location[-1] in _PARAMETER_HELP:
        return _PARAMETER_HELP[location[-1]]
    if detail.get("type") == "json_invalid":
        reason = (detail.get("ctx") or {}).get("error", "invalid")
        return f"the request body is not JSON: {reason} at character {location[-1]}"
    if location == ["body"] and detail.get("type") == "missing":
        return "the request needs a JSON body"
    if location[:1] == ["query"] and isinstance(given := detail.get("input"), list) and len(given) > 1:
        # ?format=text&format=css: Powertools validates the list of values against the one allowed.
        return f"query parameter {location[-1]!r} is given {len(given)} times; give it once"
    where = f"{location[0]} parameter {location[-1]!r}" if len(location) > 1 else "request"
    return f"{where}: {detail.get('msg', 'invalid value')}"


def install_error_handlers(app: APIGatewayRestResolver) -> None:
    """Register the API's error answers on ``app``."""

    @app.exception_handler(ReadError)  # type: ignore[untyped-decorator]
    def _read_error(error: ReadError) -> Response[dict[str, str]]:
        headers = dict(DEFAULT_SECURITY_HEADERS)
        return Response(
            http_status(error), content_types.APPLICATION_JSON, body=error_body(error), headers=headers
        )

    @app.exception_handler(RequestUnsupportedContentType)  # type: ignore[untyped-decorator]
    def _not_json(_: RequestUnsupportedContentType) -> Response[dict[str, str]]:
        return _send_json()

    @app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
    def _invalid_request(error: RequestValidationError) -> Response[dict[str, str]]:
        if media_type(app.current_event.raw_event) not in ("", JSON_MEDIA_TYPE):
            # A form (curl's --data sends one), read by Powertools as fields: what was wrong is the format.
            return _send_json()
        return error_response(HTTPStatus.BAD_REQUEST, validation_message(error))

    def _send_json() -> Response[dict[str, str]]:
        given = media_type(app.current_event.raw_event)
        message = f"send the body as JSON with Content-Type: {JSON_MEDIA_TYPE}, not {given}"
        return error_response(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, message)

    @app.exception_handler(UnicodeDecodeError)  # type: ignore[untyped-decorator]
    def _undecodable_body(_: UnicodeDecodeError) -> Response[dict[str, str]]:
        # A body API Gateway passes base64-encoded (every type is binary here) that is not UTF-8 text.
        return error_response(HTTPStatus.BAD_REQUEST, "the request body must be JSON in UTF-8")

    @app.not_found
    def _no_route(_: Exception) -> Response[dict[str, str]]:
        event = app.current_event
        return error_response(HTTPStatus.NOT_FOUND, f"no route for {event.http_method} {event.path}")

    @app.exception_handler(Exception)  # type: ignore[untyped-decorator]
    def _unexpected(error: Exception) -> Response[dict[str, str]]:
        logger.exception("unexpected error while serving a request")
        return error_response(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error; it has been logged")
