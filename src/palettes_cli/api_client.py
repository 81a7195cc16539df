"""The read API over HTTP: GETs with the key in ``x-api-key``; a refusal becomes a :class:`ClientError`."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from palettes_cli.errors import ClientError
from palettes_cli.settings import API_KEY, API_URL, Settings

HTTP_TIMEOUT = 30


@dataclass(frozen=True)
class ApiResponse:
    status: int
    content_type: str
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class ApiClient:
    """GET requests to the read API, relative to its base URL (the stage included)."""

    def __init__(self, base_url: str, api_key: str | None) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key

    @classmethod
    def from_settings(cls, settings: Settings) -> ApiClient:
        return cls(API_URL.required(settings.api_url), settings.api_key)

    def get(
        self, path: str, query: Mapping[str, str] | None = None, *, accept: str = "application/json"
    ) -> ApiResponse:
        url = self.base_url + path + (f"?{urlencode(query)}" if query else "")
        headers = {"Accept": accept, "User-Agent": "palettes-cli"}
        if self.api_key:
            headers["x-api-key"] = self.api_key
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 - the user's own API URL
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:  # noqa: S310
                return ApiResponse(response.status, response.headers.get("Content-Type", ""), response.read())
        except urllib.error.HTTPError as error:
            raise ClientError(_refusal(error.code, error.read())) from None
        except urllib.error.URLError as error:
            raise ClientError(f"cannot reach the API at {self.base_url}: {error.reason}") from None


def _refusal(status: int, body: bytes) -> str:
    """A refused request in a line: the status, the API's message, and a hint where one helps."""
    try:
        payload = json.loads(body)
    except ValueError:
        payload = {}
    if status == 422 and payload.get("status") == "FAILED":
        return f"422 the still failed: {payload.get('reason')} [{payload.get('error')}]"
    message = payload.get("message") or payload.get("reason") or body.decode("utf-8", "replace")[:200]
    hints = {403: f" (is the API key right? pass {API_KEY.flag} or set {API_KEY.variable})"}
    return f"{status} {message}{hints.get(status, '')}"
