"""The request's media type, read as RFC 9110 says: without its parameters, whatever its case."""

from __future__ import annotations

from typing import Any

JSON_MEDIA_TYPE = "application/json"


def media_type(event: dict[str, Any]) -> str:
    """The request's media type: its Content-Type without parameters, in lower case ("" for none)."""
    headers = event.get("headers") or {}
    given = next((str(value) for name, value in headers.items() if name.lower() == "content-type"), "")
    return given.split(";", 1)[0].strip().lower()


def with_lowercase_media_type(event: dict[str, Any]) -> dict[str, Any]:
    """The event with its Content-Type in lower case, before routing.

    Media types ignore case (RFC 9110), but Powertools' body parsing compares the header as it
    came, so `Application/JSON` would be refused as unsupported."""
    for headers in (event.get("headers") or {}, event.get("multiValueHeaders") or {}):
        for name, value in headers.items():
            if name.lower() == "content-type":
                headers[name] = (
                    [str(item).lower() for item in value] if isinstance(value, list) else str(value).lower()
                )
    return event
