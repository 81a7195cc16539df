"""Typed errors of the service; the handlers map each to a result (a FAILED item, a skip, a 4xx)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from palette_service.keys import StillKey


class ServiceError(Exception):
    """Root of the errors this package raises on purpose."""


class SettingsError(ServiceError):
    """The function's environment is missing or has a bad value: a deployment mistake, so fail fast."""


class PermanentStillError(ServiceError):
    """The still itself is unusable: retrying cannot help, so it becomes a FAILED item.

    ``code`` is stable and machine-readable (it is stored and served); the message is for a person.
    """

    code = "permanent_error"


class InvalidKeyLayoutError(PermanentStillError):
    """The object key is not ``<input prefix><film>/<name>``.

    ``still`` is the item key the failure can be recorded under, or ``None`` when none can be formed.
    """

    code = "invalid_key"

    def __init__(self, message: str, *, still: StillKey | None = None) -> None:
        super().__init__(message)
        self.still = still


class ObjectTooLargeError(PermanentStillError):
    """The object is larger than the configured maximum, so it is not downloaded."""

    code = "object_too_large"


class StaleEventError(ServiceError):
    """The event's object version is no longer there (overwritten or deleted): nothing to do.

    When the object was overwritten, the newer version's own event does the work.
    """


class RequestError(ServiceError):
    """A reader asked for something that cannot be served; ``status`` is the HTTP status to answer."""

    status = 400


class InvalidQueryError(RequestError):
    """A query parameter is missing or has a bad value."""


class InvalidCursorError(InvalidQueryError):
    """The pagination cursor was not issued by this API for this query."""


class StillNotFoundError(RequestError):
    """No item for this film and still."""

    status = 404


class SwatchNotFoundError(RequestError):
    """The still is processed but its swatch object is missing."""

    status = 404


class StillFailedError(RequestError):
    """The still was processed and failed: there is no palette, only the reason."""

    status = 422

    def __init__(self, *, key: str, reason: str, error: str) -> None:
        super().__init__(reason)
        self.key = key
        self.reason = reason
        self.error = error
