"""S3's CORS for the buckets on the local endpoint, from each bucket's own CORS configuration.

moto's server answers every origin (its global flask-cors) or, without it, leaves the headers off
the answer to a POST Object; S3 evaluates the bucket's rules: a preflight (``OPTIONS``) is allowed
when a rule names the origin, the requested method and every requested header, and the answer to
the request itself carries ``Access-Control-Allow-Origin`` only when a rule allows it. This does the
same in front of moto, so a page of another origin is refused locally as it is deployed.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable
from typing import Any

from moto.s3.models import s3_backends

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_REFUSED = (
    b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessForbidden</Code>'
    b"<Message>CORSResponse: This CORS request is not allowed. This is usually because the evalution of "
    b"Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not "
    b"whitelisted by the resource's CORS spec.</Message></Error>"
)


def allowing_rule(rules: list[Any], origin: str, method: str, headers: list[str]) -> Any | None:
    """The first of moto's ``CorsRule`` objects that allows the request, as S3 picks it, or ``None``."""
    for rule in rules:
        origins = rule.allowed_origins or []
        allowed_headers = [header.lower() for header in rule.allowed_headers or []]
        if not any(fnmatch.fnmatchcase(origin, pattern) for pattern in origins):
            continue
        if method not in (rule.allowed_methods or []):
            continue
        if all(
            any(fnmatch.fnmatchcase(header, pattern) for pattern in allowed_headers) for header in headers
        ):
            return rule
    return None


class S3Cors:
    """WSGI middleware: S3's CORS for the requests with an Origin to a bucket of ``account_id``."""

    def __init__(self, app: WSGIApp, account_id: str) -> None:
        self._app = app
        self._account_id = account_id

    def _rules(self, environ: dict[str, Any]) -> list[Any] | None:
        """The CORS rules of the request's bucket (path style), or ``None`` when it is for no bucket."""
        name = str(environ.get("PATH_INFO", "")).lstrip("/").split("/", 1)[0]
        bucket = s3_backends[self._account_id]["aws"].buckets.get(name) if name else None
        return None if bucket is None else list(bucket.cors or [])

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        origin = environ.get("HTTP_ORIGIN")
        rules = self._rules(environ) if origin else None
        if origin is None or rules is None:
            return self._app(environ, start_response)
        method = str(environ["REQUEST_METHOD"])
        if method == "OPTIONS":
            return self._preflight(environ, origin, rules, start_response)
        rule = allowing_rule(rules, origin, method, [])

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            kept = [
                (name, value) for name, value in headers if not name.lower().startswith("access-control-")
            ]
            if rule is not None:
                kept += _allow(origin, rule)
            return start_response(status, kept, exc_info)

        return self._app(environ, start)

    def _preflight(
        self, environ: dict[str, Any], origin: str, rules: list[Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        method = str(environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD", ""))
        requested = str(environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", ""))
        headers = [header.strip().lower() for header in requested.split(",") if header.strip()]
        rule = allowing_rule(rules, origin, method, headers)
        if rule is None:
            start_response(
                "403 Forbidden", [("Content-Type", "application/xml"), ("Content-Length", str(len(_REFUSED)))]
            )
            return [_REFUSED]
        answer = _allow(origin, rule)
        if headers:
            answer.append(("Access-Control-Allow-Headers", ", ".join(headers)))
        if rule.max_age_seconds:
            answer.append(("Access-Control-Max-Age", str(rule.max_age_seconds)))
        start_response("200 OK", [*answer, ("Content-Length", "0")])
        return [b""]


def _allow(origin: str, rule: Any) -> list[tuple[str, str]]:
    headers = [
        ("Access-Control-Allow-Origin", origin),
        ("Access-Control-Allow-Methods", ", ".join(rule.allowed_methods or [])),
        ("Vary", "Origin"),
    ]
    if rule.exposed_headers:
        headers.append(("Access-Control-Expose-Headers", ", ".join(rule.exposed_headers)))
    return headers
