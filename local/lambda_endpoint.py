"""Lambda's Invoke API on the local endpoint, beside moto's services (what ``sam local start-lambda`` offers).

``aws lambda invoke --endpoint-url <local endpoint>`` and boto3's ``lambda.invoke`` reach the local
functions: ``Event`` queues the event for the function's dispatcher and answers 202, exactly the path
an S3 notification takes; ``RequestResponse`` runs it in one of the function's execution
environments and answers with its result (``X-Amz-Function-Error: Unhandled`` when it raised);
``DryRun`` answers 204. Every other request goes on to moto (whose own Lambda needs Docker).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from local.dispatcher import AsyncDispatcher
from local.runtime import EnvironmentPool
from palettes_stack.template import FunctionSpec

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_Answer = tuple[str, list[tuple[str, str]], bytes]
_INVOKE_PATH = re.compile(r"^/2015-03-31/functions/(?P<function>[^/]+)/invocations$")
# Lambda's payload quotas: 6 MB synchronous, 256 KB asynchronous.
MAX_SYNC_PAYLOAD = 6 * 1024 * 1024
MAX_ASYNC_PAYLOAD = 256 * 1024


@dataclass(frozen=True)
class LocalFunction:
    spec: FunctionSpec
    pool: EnvironmentPool
    dispatcher: AsyncDispatcher | None = None


class LambdaInvokeApplication:
    """A WSGI application: Invoke requests for registered functions here, everything else to ``backend``."""

    def __init__(self, backend: WSGIApp) -> None:
        self._backend = backend
        self._functions: dict[str, LocalFunction] = {}

    def register(self, function: LocalFunction) -> None:
        self._functions[function.spec.name] = function

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        match = _INVOKE_PATH.match(environ.get("PATH_INFO", ""))
        if environ.get("REQUEST_METHOD") != "POST" or match is None:
            return self._backend(environ, start_response)
        status, headers, body = self._invoke(environ, match["function"])
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]

    def _invoke(self, environ: dict[str, Any], reference: str) -> _Answer:
        function = self._find(reference, _query_value(environ, "Qualifier"))
        if function is None:
            return _error(404, "ResourceNotFoundException", f"Function not found: {reference}")
        invocation_type = environ.get("HTTP_X_AMZ_INVOCATION_TYPE", "RequestResponse")
        event = _payload(environ, MAX_ASYNC_PAYLOAD if invocation_type == "Event" else MAX_SYNC_PAYLOAD)
        if isinstance(event, _Refusal):
            return event.answer
        if invocation_type == "DryRun":
            return "204 No Content", [("X-Amz-Executed-Version", "$LATEST")], b""
        if invocation_type == "Event":
            return _queue(function, event)
        if invocation_type == "RequestResponse":
            return _run(function, event)
        return _error(400, "InvalidParameterValueException", f"unknown InvocationType {invocation_type!r}")

    def _find(self, reference: str, qualifier: str | None) -> LocalFunction | None:
        # A name, a partial ARN (123456789012:function:name) or a full ARN, optionally with :$LATEST.
        name = reference.split(":function:", 1)[1] if ":function:" in reference else reference
        name, _, suffix = name.partition(":")
        if (suffix or qualifier or "$LATEST") != "$LATEST":
            return None
        return self._functions.get(name)


def _queue(function: LocalFunction, event: Any) -> _Answer:
    if function.dispatcher is None:
        message = f"asynchronous invocation of {function.spec.name} is not emulated locally"
        return _error(400, "InvalidParameterValueException", message)
    function.dispatcher.send(event)
    return "202 Accepted", [], b""


def _run(function: LocalFunction, event: Any) -> _Answer:
    invocation = function.pool.invoke(event)
    headers = [
        ("X-Amz-Executed-Version", "$LATEST"),
        ("Content-Type", "application/json"),
        ("x-amzn-RequestId", invocation.request_id),
    ]
    if invocation.ok:
        return "200 OK", headers, json.dumps(invocation.result).encode()
    return "200 OK", [*headers, ("X-Amz-Function-Error", "Unhandled")], json.dumps(invocation.error).encode()


@dataclass(frozen=True)
class _Refusal:
    answer: _Answer


def _payload(environ: dict[str, Any], limit: int) -> Any:
    """The request's JSON payload (``{}`` when empty), or the refusal Lambda would answer."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    if len(raw) > limit:
        message = f"the payload is {len(raw)} bytes; the limit is {limit}"
        return _Refusal(_error(413, "RequestTooLargeException", message))
    try:
        return json.loads(raw) if raw.strip() else {}
    except ValueError:
        return _Refusal(
            _error(400, "InvalidRequestContentException", "Could not parse request body into json")
        )


def _query_value(environ: dict[str, Any], name: str) -> str | None:
    values = parse_qs(environ.get("QUERY_STRING", "")).get(name)
    return values[0] if values else None


def _error(status: int, error_type: str, message: str) -> _Answer:
    reasons = {400: "Bad Request", 404: "Not Found", 413: "Request Entity Too Large"}
    headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", error_type)]
    return f"{status} {reasons[status]}", headers, json.dumps({"Type": "User", "message": message}).encode()
