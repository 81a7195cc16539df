"""Request checks the API applies to every route, before the route runs."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from palette_service.web.error_handlers import DEFAULT_SECURITY_HEADERS, error_response


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
            message = f"unknown query parameter {', '.join(unknown)}; this route takes: {takes}"
            return error_response(HTTPStatus.BAD_REQUEST, message)
    return next_middleware(resolver)


def add_security_headers(resolver: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """Every answer carries a Content-Security-Policy: the pages' own (the gallery's, the app's), else
    one that allows nothing. No route sends CORS headers: only the API's own origin (the app) reads it."""
    response = next_middleware(resolver)
    present = {name.lower() for name in response.headers}
    for name, value in DEFAULT_SECURITY_HEADERS.items():
        if name.lower() not in present:
            response.headers[name] = value
    return response
