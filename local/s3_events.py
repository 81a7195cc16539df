"""S3 event notifications from moto completed to what S3 sends: ``versionId``, ``sequencer`` and the rest.

moto's records lack the object's ``sequencer`` (the extract function orders versions of a key by it:
without one, a second upload of a key would never replace the first) and its ``versionId`` on a
versioned bucket. Wrapping moto's record builder while the local stack runs adds them as S3 does:
sequencers grow with every notification of this process, so the later write of a key carries the
larger one. ``test_s3_events_are_genuine`` in tests/e2e fails loudly if a moto upgrade moves the
builder.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from moto.s3 import notifications

_lock = threading.Lock()
_state: dict[str, Any] = {"installed": 0, "original": None, "last_sequencer": 0}


def _next_sequencer() -> str:
    with _lock:
        value = max(_state["last_sequencer"] + 1, time.time_ns() // 1000)
        _state["last_sequencer"] = value
    return f"{value:018X}"


def _complete(original: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    def build_event(event_name: str, bucket: Any, key: Any, notification_id: str) -> dict[str, Any]:
        event = original(event_name, bucket, key, notification_id)
        for record in event.get("Records", []):
            record.setdefault("userIdentity", {"principalId": "AWS:LOCAL"})
            record.setdefault("requestParameters", {"sourceIPAddress": "127.0.0.1"})
            record.setdefault(
                "responseElements",
                {"x-amz-request-id": secrets.token_hex(8).upper(), "x-amz-id-2": secrets.token_urlsafe(48)},
            )
            s3_object = record["s3"]["object"]
            version_id = getattr(key, "version_id", None)
            if version_id and version_id != "null":
                s3_object.setdefault("versionId", version_id)
            s3_object.setdefault("sequencer", _next_sequencer())
        return event

    build_event.completes_moto = True  # type: ignore[attr-defined]
    return build_event


def install() -> None:
    """Complete moto's S3 records from now on (counted: each install needs one :func:`uninstall`)."""
    with _lock:
        if _state["installed"] == 0:
            if not callable(getattr(notifications, "_get_s3_event", None)):
                raise RuntimeError(
                    "this moto version builds S3 notifications elsewhere; update local/s3_events.py"
                )
            _state["original"] = notifications._get_s3_event
            notifications._get_s3_event = _complete(notifications._get_s3_event)
        _state["installed"] += 1


def uninstall() -> None:
    with _lock:
        if _state["installed"] == 0:
            return
        _state["installed"] -= 1
        if _state["installed"] == 0:
            notifications._get_s3_event = _state["original"]
            _state["original"] = None
