"""What stands between the local endpoint's HTTP server and moto: DynamoDB made atomic, faults for tests.

**DynamoDB requests run one at a time.** moto's ``UpdateItem`` on a new item first stores an item
holding only its keys and then applies the update expression to it in place, and its condition
check and write are separate steps too. moto's server is threaded, so a concurrent ``GetItem`` could
read that half-made item (an item with no ``status``, which the service never writes) and two
conditional writes could both pass their checks. DynamoDB applies each request atomically; running
DynamoDB requests under one lock restores that here. Other services are not serialized.

**Faults.** :meth:`MotoFront.deny_s3_reads` makes S3 answer ``403 AccessDenied`` to every read of
one object, for as long as the caller holds it: an extraction that fails on every attempt, as a
wrong bucket policy or KMS key makes it fail in AWS. :meth:`MotoFront.throttle_s3_reads` makes the
next ``times`` reads of one object answer ``503 SlowDown``: enough of them outlast the SDK's retries
and reach the handler as throttling.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_DYNAMODB_TARGET_PREFIX = "DynamoDB_"
_ACCESS_DENIED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
)
_SLOW_DOWN = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
)
_ANSWERS = {403: ("403 Forbidden", _ACCESS_DENIED), 503: ("503 Slow Down", _SLOW_DOWN)}


@dataclass
class _FailedRead:
    bucket: str
    key: str
    status: int
    remaining: int | None = None  # None: every read while the fault is held

    def matches(self, environ: dict[str, Any]) -> bool:
        """A GET or HEAD of the object, path-style (how boto3 reaches an IP endpoint) or virtual-hosted."""
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return False
        path = str(environ.get("PATH_INFO", ""))
        host = str(environ.get("HTTP_HOST", ""))
        return path == f"/{self.bucket}/{self.key}" or (
            host.startswith(f"{self.bucket}.") and path == f"/{self.key}"
        )


class MotoFront:
    """A WSGI application in front of moto's (``backend``)."""

    def __init__(self, backend: WSGIApp) -> None:
        self._backend = backend
        self._dynamodb_lock = threading.Lock()
        self._faults: dict[int, _FailedRead] = {}
        self._fault_ids = itertools.count()
        self._faults_lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        fault = self._fault_for(environ)
        if fault is not None:
            status, body = _ANSWERS[fault]
            start_response(status, [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
            return [body]
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith(_DYNAMODB_TARGET_PREFIX):
            return self._backend(environ, start_response)
        with self._dynamodb_lock:
            # The whole answer is made inside the lock: moto may build it lazily.
            answer = self._backend(environ, start_response)
            try:
                return [b"".join(answer)]
            finally:
                close = getattr(answer, "close", None)
                if close is not None:
                    close()

    def _fault_for(self, environ: dict[str, Any]) -> int | None:
        """The status of the fault this request meets (counting it off a counted fault), if any."""
        with self._faults_lock:
            for fault in self._faults.values():
                if fault.remaining != 0 and fault.matches(environ):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    return fault.status
        return None

    @contextlib.contextmanager
    def throttle_s3_reads(self, bucket: str, key: str, times: int) -> Iterator[None]:
        """While inside: the next ``times`` GetObject and HeadObject of ``key`` answer 503 SlowDown."""
        with self._fault(_FailedRead(bucket, key, 503, remaining=times)):
            yield

    @contextlib.contextmanager
    def deny_s3_reads(self, bucket: str, key: str) -> Iterator[None]:
        """While inside: GetObject and HeadObject of ``key`` (any version) answer 403 AccessDenied."""
        with self._fault(_FailedRead(bucket, key, 403)):
            yield

    @contextlib.contextmanager
    def _fault(self, fault: _FailedRead) -> Iterator[None]:
        with self._faults_lock:
            fault_id = next(self._fault_ids)
            self._faults[fault_id] = fault
        try:
            yield
        finally:
            with self._faults_lock:
                del self._faults[fault_id]
