"""The read API on 127.0.0.1 as API Gateway serves it: REST proxy events for the real API handler.

Like ``sam local start-api``, and unlike it, faithful where a client can tell the difference:

* the stage is part of the URL (``http://127.0.0.1:PORT/v1/...``), as in the stack's ``ApiUrl``;
* a path or method the API does not define answers 403 ``{"message":"Missing Authentication Token"}``;
* a route whose definition requires an API key answers 403 ``{"message":"Forbidden"}`` unless the
  ``x-api-key`` header holds the stack's key (compared in constant time), before the handler runs;
* ``path`` keeps the request's percent-encoding; ``pathParameters`` and the query string are decoded;
* a base64 body (``isBase64Encoded``) is sent as bytes only when the request's first ``Accept`` type
  matches one of the API's ``BinaryMediaTypes`` (API Gateway's rule); otherwise as its base64 text;
* a handler error, a timeout or a malformed response answers 502 ``{"message":"Internal server error"}``.
"""

from __future__ import annotations

import base64
import fnmatch
import hmac
import json
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

from local.runtime import EnvironmentPool
from palettes_stack.template import LOCAL_ACCOUNT_ID, ApiSpec, FunctionSpec

API_KEY_HEADER = "x-api-key"
LOCAL_API_ID = "localapi01"
LOCAL_API_KEY_ID = "localkey01"


@dataclass(frozen=True)
class Route:
    """A resource of the API (``/palettes/{film}/{still}``) and a method, as the template defines them."""

    resource: str
    method: str
    key_required: bool

    def match(self, segments: list[str]) -> dict[str, str] | None:
        """The path parameters (still percent-encoded) when ``segments`` fit this resource, else ``None``."""
        template = [part for part in self.resource.split("/") if part]
        if template and template[-1].startswith("{") and template[-1].endswith("+}"):
            head = template[:-1]
            if len(segments) <= len(head):
                return None
            parameters = _match_segments(head, segments[: len(head)])
            if parameters is not None:
                parameters[template[-1][1:-2]] = "/".join(segments[len(head) :])
            return parameters
        if len(template) != len(segments):
            return None
        return _match_segments(template, segments)

    @property
    def specificity(self) -> tuple[int, int]:
        # API Gateway prefers literal segments over parameters, and parameters over a greedy one.
        parts = [part for part in self.resource.split("/") if part]
        return (sum(not part.startswith("{") for part in parts), -sum(part.endswith("+}") for part in parts))


def _match_segments(template: list[str], segments: list[str]) -> dict[str, str] | None:
    parameters: dict[str, str] = {}
    for expected, actual in zip(template, segments, strict=True):
        if expected.startswith("{") and expected.endswith("}"):
            if not actual:
                return None
            parameters[expected[1:-1]] = actual
        elif expected != actual:
            return None
    return parameters


def routes_of(api: ApiSpec, function: FunctionSpec) -> list[Route]:
    """The function's Api events on ``api``, with the key requirement the API's definition states."""
    if api.iam_routes:
        raise ValueError("ApiAuth=IAM is not emulated locally: run the local stack with ApiAuth=API_KEY")
    routes = [
        Route(route.path, route.method, api.key_required.get((route.path, route.method), False))
        for route in function.api_routes
        if route.api_logical_id == api.logical_id
    ]
    return sorted(routes, key=lambda route: route.specificity, reverse=True)


def accepts_binary(accept: str | None, binary_media_types: tuple[str, ...]) -> bool:
    """API Gateway's rule: the first media type of ``Accept`` must match a binary media type."""
    first = (accept or "").split(",", 1)[0].split(";", 1)[0].strip().lower()
    return bool(first) and any(fnmatch.fnmatchcase(first, pattern.lower()) for pattern in binary_media_types)


class LocalApi:
    """A ThreadingHTTPServer on ``host:port`` (0: a free port) in front of the API function's environments."""

    def __init__(
        self,
        api: ApiSpec,
        function: FunctionSpec,
        pool: EnvironmentPool,
        *,
        api_key: str,
        host: str = "127.0.0.1",
        port: int = 0,
        access_log: Path | None = None,
    ) -> None:
        self.api = api
        self.function = function
        self.pool = pool
        self.api_key = api_key
        self.routes = routes_of(api, function)
        self._access_log = access_log
        self._log_lock = threading.Lock()
        self._host = host
        self._server = _Server((host, port), _RequestHandler)
        self._server.api = self
        self._thread: threading.Thread | None = None

    @property
    def origin(self) -> str:
        """What a browser names as the origin of a page this API serves (the web app's)."""
        return f"http://{self._host}:{self._server.server_port}"

    @property
    def url(self) -> str:
        return f"{self.origin}/{self.api.stage}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-api", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._server.server_close()

    def log_access(self, entry: dict[str, Any]) -> None:
        if self._access_log is None:
            return
        with self._log_lock, self._access_log.open("a", encoding="utf-8") as log:
            log.write(json.dumps(entry) + "\n")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    api: LocalApi


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    server_version = "local-api-gateway"

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_OPTIONS(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Requests go to the access log (:meth:`LocalApi.log_access`), not to stderr."""

    def _serve(self, *, send_body: bool = True) -> None:
        started = time.perf_counter()
        request_id = str(uuid.uuid4())
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        resource = ""
        try:
            answer, resource = self._answer(body, request_id)
        except Exception:  # noqa: BLE001 - API Gateway answers 502 whatever went wrong behind it
            answer = _gateway_error(
                HTTPStatus.BAD_GATEWAY, "Internal server error", "InternalServerErrorException"
            )
        self.send_response(answer.status)
        for name, value in answer.headers:
            self.send_header(name, value)
        self.send_header("x-amzn-RequestId", request_id)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if send_body:
            self.wfile.write(answer.body)
        self.server.api.log_access(
            {
                "requestId": request_id,
                "ip": self.client_address[0],
                "time": datetime.now(UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
                "method": self.command,
                "path": self.path.partition("?")[0],
                "resource": resource,
                "status": answer.status,
                "length": len(answer.body),
                "latencyMs": round((time.perf_counter() - started) * 1000),
            }
        )

    def _answer(self, body: bytes, request_id: str) -> tuple[_Answer, str]:
        api = self.server.api
        raw_path, _, raw_query = self.path.partition("?")
        stage = f"/{api.api.stage}"
        if raw_path != stage and not raw_path.startswith(f"{stage}/"):
            return _missing_token(), ""
        resource_path = raw_path[len(stage) :] or "/"
        segments = [segment for segment in resource_path.split("/")[1:]]
        if segments and segments[-1] == "":
            segments = segments[:-1]
        for route in api.routes:
            if route.method not in (self.command, "ANY"):
                continue
            parameters = route.match(segments)
            if parameters is not None:
                break
        else:
            return _missing_token(), ""
        if route.key_required and not _same_key(self.headers.get(API_KEY_HEADER), api.api_key):
            return _gateway_error(HTTPStatus.FORBIDDEN, "Forbidden", "ForbiddenException"), route.resource
        event = self._event(
            route,
            parameters,
            resource_path=resource_path,
            raw_path=raw_path,
            raw_query=raw_query,
            body=body,
            request_id=request_id,
        )
        invocation = api.pool.invoke(event, request_id=request_id)
        if not invocation.ok:
            return _gateway_error(
                HTTPStatus.BAD_GATEWAY, "Internal server error", "InternalServerErrorException"
            ), route.resource
        return self._proxy_response(invocation.result), route.resource

    def _event(
        self,
        route: Route,
        parameters: dict[str, str],
        *,
        resource_path: str,
        raw_path: str,
        raw_query: str,
        body: bytes,
        request_id: str,
    ) -> dict[str, Any]:
        """The REST proxy (v1) event API Gateway hands the function for this request."""
        headers, multi_headers = self._event_headers()
        query = parse_qsl(raw_query, keep_blank_values=True)
        multi_query: dict[str, list[str]] = {}
        for name, value in query:
            multi_query.setdefault(name, []).append(value)
        is_binary = bool(body) and accepts_binary(
            self.headers.get("Content-Type"), self.server.api.api.binary_media_types
        )
        encoded_body = base64.b64encode(body).decode() if is_binary else body.decode("utf-8", "replace")
        return {
            "resource": route.resource,
            "path": resource_path,
            "httpMethod": self.command,
            "headers": headers,
            "multiValueHeaders": multi_headers,
            "queryStringParameters": dict(query) or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": {name: unquote(value) for name, value in parameters.items()} or None,
            "stageVariables": None,
            "requestContext": self._request_context(route, raw_path=raw_path, request_id=request_id),
            "body": encoded_body if body else None,
            "isBase64Encoded": is_binary,
        }

    def _event_headers(self) -> tuple[dict[str, str], dict[str, list[str]]]:
        """The request's headers, single- and multi-valued, with the ones API Gateway adds."""
        headers: dict[str, str] = {}
        multi_headers: dict[str, list[str]] = {}
        for name, value in self.headers.items():
            headers[name] = value
            multi_headers.setdefault(name, []).append(value)
        forwarded = {
            "X-Forwarded-For": self.client_address[0],
            "X-Forwarded-Port": str(self.server.server_address[1]),
            "X-Forwarded-Proto": "http",
        }
        for name, value in forwarded.items():
            headers[name] = value
            multi_headers[name] = [value]
        return headers, multi_headers

    def _request_context(self, route: Route, *, raw_path: str, request_id: str) -> dict[str, Any]:
        host = self.headers.get("Host", "127.0.0.1")
        now = datetime.now(UTC)
        return {
            "accountId": LOCAL_ACCOUNT_ID,
            "apiId": LOCAL_API_ID,
            "domainName": host,
            "domainPrefix": host.split(".", 1)[0],
            "extendedRequestId": request_id,
            "httpMethod": self.command,
            "identity": self._identity(route),
            "path": raw_path,
            "protocol": self.request_version,
            "requestId": request_id,
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "resourceId": "local",
            "resourcePath": route.resource,
            "stage": self.server.api.api.stage,
        }

    def _identity(self, route: Route) -> dict[str, Any]:
        """Who called: the source address, the user agent and, on a keyed route, the API key."""
        unknown = (
            "accessKey",
            "accountId",
            "caller",
            "cognitoAuthenticationProvider",
            "cognitoAuthenticationType",
            "cognitoIdentityId",
            "cognitoIdentityPoolId",
            "principalOrgId",
            "user",
            "userArn",
        )
        return {
            **dict.fromkeys(unknown),
            "apiKey": self.headers.get(API_KEY_HEADER) if route.key_required else None,
            "apiKeyId": LOCAL_API_KEY_ID if route.key_required else None,
            "sourceIp": self.client_address[0],
            "userAgent": self.headers.get("User-Agent"),
        }

    def _proxy_response(self, response: Any) -> _Answer:
        if not isinstance(response, dict) or not isinstance(response.get("statusCode"), int):
            # API Gateway logs "Malformed Lambda proxy response" and answers 502.
            return _gateway_error(
                HTTPStatus.BAD_GATEWAY, "Internal server error", "InternalServerErrorException"
            )
        headers: list[tuple[str, str]] = []
        names: set[str] = set()
        for name, values in (response.get("multiValueHeaders") or {}).items():
            headers.extend((name, str(value)) for value in values)
            names.add(name.lower())
        for name, value in (response.get("headers") or {}).items():
            if name.lower() not in names:
                headers.append((name, str(value)))
        if not any(name.lower() == "content-type" for name, _ in headers):
            headers.append(("Content-Type", "application/json"))
        body = response.get("body") or ""
        if response.get("isBase64Encoded") and accepts_binary(
            self.headers.get("Accept"), self.server.api.api.binary_media_types
        ):
            payload = base64.b64decode(body)
        else:
            payload = str(body).encode("utf-8")
        return _Answer(response["statusCode"], headers, payload)


def _same_key(supplied: str | None, expected: str) -> bool:
    return supplied is not None and hmac.compare_digest(supplied.encode(), expected.encode())


def _gateway_error(status: int, message: str, error_type: str) -> _Answer:
    headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", error_type)]
    return _Answer(status, headers, json.dumps({"message": message}, separators=(",", ":")).encode())


def _missing_token() -> _Answer:
    return _gateway_error(
        HTTPStatus.FORBIDDEN, "Missing Authentication Token", "MissingAuthenticationTokenException"
    )
