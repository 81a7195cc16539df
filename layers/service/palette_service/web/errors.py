"""Domain errors -> HTTP statuses and bodies, at the API's edge (the domain knows nothing of HTTP)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from palette_service.errors import InvalidQueryError, NotFoundError, ReadError, StillFailedError
from palette_service.web.models import FailedStill

# The most specific class that an error is an instance of wins (they are checked in this order).
STATUS_OF_ERROR: tuple[tuple[type[ReadError], HTTPStatus], ...] = (
    (InvalidQueryError, HTTPStatus.BAD_REQUEST),
    (NotFoundError, HTTPStatus.NOT_FOUND),
    (StillFailedError, HTTPStatus.UNPROCESSABLE_ENTITY),
)


def http_status(error: ReadError) -> HTTPStatus:
    """The status that tells a reader what went wrong; 400 for a read error not listed."""
    for error_type, status in STATUS_OF_ERROR:
        if isinstance(error, error_type):
            return status
    return HTTPStatus.BAD_REQUEST


def error_body(error: ReadError) -> dict[str, Any]:
    """The JSON body of a read error: the reason and code of a FAILED still, else a message."""
    if isinstance(error, StillFailedError):
        return FailedStill(key=error.key, reason=error.reason, error=error.error).model_dump()
    return {"message": str(error)}
