"""Typed errors of the service. The handlers map each to a result: a FAILED item, a skip, or (at the
web edge, :mod:`palette_service.web.errors`) an HTTP status. The domain knows nothing of HTTP."""

from __future__ import annotations


class ServiceError(Exception):
    """Root of the errors this package raises on purpose."""


class SettingsError(ServiceError):
    """The function's environment is missing or has a bad value: a deployment mistake, so fail fast."""


class PermanentStillError(ServiceError):
    """The still itself is unusable: retrying cannot help, so it becomes a FAILED item.

    ``code`` is stable and machine-readable (it is stored and served); the message is for a person.
    """

    code = "permanent_error"


class ObjectTooLargeError(PermanentStillError):
    """The object is larger than the configured maximum, so it is not downloaded."""

    code = "object_too_large"


class InvalidBatchEventError(ServiceError, ValueError):
    """An S3 Batch Operations event this function cannot answer (another invocation schema, a missing
    field): the job was created wrongly, so the invocation fails and the job reports it."""


class StaleEventError(ServiceError):
    """The event's object version is no longer there (overwritten or deleted): nothing to do.

    When the object was overwritten, the newer version's own event does the work.
    """


class ReadError(ServiceError):
    """A reader asked for something that cannot be served."""


class InvalidQueryError(ReadError):
    """A query parameter is missing or has a bad value."""


class InvalidCursorError(InvalidQueryError):
    """The pagination cursor was not issued by this API for this query."""

    def __init__(
        self, message: str = "cursor is not valid for this listing; start again without a cursor"
    ) -> None:
        super().__init__(message)


class NotFoundError(ReadError):
    """Nothing is recorded under what was asked for."""


class StillNotFoundError(NotFoundError):
    """No palette for this film and still (no item, or its first upload is still being processed)."""


class FilmNotFoundError(NotFoundError):
    """No palette for this film: no still of it is DONE (none uploaded, or none processed yet)."""


class SwatchNotFoundError(NotFoundError):
    """The still is processed but its swatch object is missing."""


class StillFailedError(ReadError):
    """The still was processed and failed: there is no palette, only the reason."""

    def __init__(self, *, key: str, reason: str, error: str) -> None:
        super().__init__(reason)
        self.key = key
        self.reason = reason
        self.error = error
