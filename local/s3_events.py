"""S3 event notifications from moto completed to what S3 sends: ``versionId``, ``sequencer``, removals.

moto's records lack the object's ``sequencer`` (the extract function orders versions of a key by it:
without one, a second upload of a key would never replace the first) and its ``versionId`` on a
versioned bucket. Wrapping moto's record builder while the local stack runs adds them as S3 does:
sequencers grow with every notification of this process, so the later write of a key carries the
larger one.

Removals on a versioned bucket are moto's other gap: a delete without a version (which adds a
delete marker) notifies nothing, and a delete of one version notifies only when the key's last
version goes, naming the wrong one. S3 sends ``ObjectRemoved:DeleteMarkerCreated`` with the
marker's version for the first and ``ObjectRemoved:Delete`` with the deleted version for each of
the second (a delete marker's too); wrapping moto's ``delete_object`` sends exactly those, and
removal records carry no ``size`` or ``eTag``, as S3's do. On an unversioned bucket moto's own
``ObjectRemoved:Delete`` stands.

A browser upload (POST Object, the web app's presigned POST) is notified by moto before the form's
metadata is stored; S3 notifies ``ObjectCreated:Post`` once the object is whole, and so does this,
so the extract function reads the options the form carried. ``test_s3_events_are_genuine`` and
``test_s3_removals_are_genuine`` in tests/e2e fail loudly if a moto upgrade moves what is wrapped.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moto.s3 import notifications
from moto.s3.models import S3Backend
from moto.s3.responses import S3Response

_lock = threading.Lock()
_state: dict[str, Any] = {"installed": 0, "originals": {}, "last_sequencer": 0}
# Set while a wrapped delete runs on this thread: moto's own removal notifications are dropped.
_deleting = threading.local()
# Set while a wrapped browser upload (POST Object) runs on this thread: the objects it created.
_posting = threading.local()
_REMOVED_PREFIX = "s3:ObjectRemoved:"


@dataclass(frozen=True)
class _RemovedVersion:
    """What a removal record names: the key and the version removed (or the marker added)."""

    name: str
    version_id: str
    etag: str = ""
    size: int = 0


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
            if event_name.startswith(_REMOVED_PREFIX):
                s3_object.pop("size", None)
                s3_object.pop("eTag", None)
            version_id = getattr(key, "version_id", None)
            if version_id and version_id != "null":
                s3_object.setdefault("versionId", version_id)
            s3_object.setdefault("sequencer", _next_sequencer())
        return event

    build_event.completes_moto = True  # type: ignore[attr-defined]
    return build_event


def _quiet_while_deleting(original: Callable[..., None]) -> Callable[..., None]:
    def send_event(account_id: str, event_name: Any, bucket: Any, key: Any) -> None:
        if getattr(_deleting, "active", False) and event_name.startswith(_REMOVED_PREFIX):
            return
        original(account_id, event_name, bucket, key)

    return send_event


def _notify_removals(original: Callable[..., tuple[bool, dict[str, Any]]]) -> Callable[..., Any]:
    def delete_object(
        backend: Any, bucket_name: str, key_name: str, version_id: str | None = None, bypass: bool = False
    ) -> tuple[bool, dict[str, Any]]:
        bucket = backend.get_bucket(bucket_name)
        if not bucket.is_versioned:
            return original(backend, bucket_name, key_name, version_id=version_id, bypass=bypass)
        existed = version_id is not None and any(
            str(version.version_id) == str(version_id) for version in bucket.keys.getlist(key_name, [])
        )
        _deleting.active = True
        try:
            deleted, meta = original(backend, bucket_name, key_name, version_id=version_id, bypass=bypass)
        finally:
            _deleting.active = False
        if deleted and version_id is None and meta.get("delete-marker") == "true":
            event = notifications.S3NotificationEvent.OBJECT_REMOVED_DELETE_MARKER_CREATED_EVENT
            removed = _RemovedVersion(key_name, str(meta["version-id"]))
        elif deleted and existed:
            event = notifications.S3NotificationEvent.OBJECT_REMOVED_DELETE_EVENT
            removed = _RemovedVersion(key_name, str(version_id))
        else:
            return deleted, meta
        notifications.send_event(backend.account_id, event, bucket, removed)
        return deleted, meta

    delete_object.completes_moto = True  # type: ignore[attr-defined]
    return delete_object


def _quiet_while_posting(original: Callable[..., Any]) -> Callable[..., Any]:
    def put_object(backend: Any, *args: Any, **kwargs: Any) -> Any:
        created: list[tuple[Any, Any]] | None = getattr(_posting, "created", None)
        if created is None or kwargs.get("request_method") != "POST":
            return original(backend, *args, **kwargs)
        key = original(backend, *args, **{**kwargs, "disable_notification": True})
        created.append((backend, key))
        return key

    put_object.completes_moto = True  # type: ignore[attr-defined]
    return put_object


def _notify_posts_once_stored(original: Callable[..., Any]) -> Callable[..., Any]:
    """moto notifies a POST Object upload before it stores the form's metadata and Content-Type; S3
    notifies once the object is whole, so the extract function reads the options sent with it."""

    def bucket_response_post(response: Any, request: Any, bucket_name: str) -> Any:
        _posting.created = []
        try:
            answer = original(response, request, bucket_name)
            created = list(_posting.created)
        finally:
            _posting.created = None
        for backend, key in created:
            event = notifications.S3NotificationEvent.OBJECT_CREATED_POST_EVENT
            notifications.send_event(backend.account_id, event, backend.get_bucket(bucket_name), key)
        return answer

    bucket_response_post.completes_moto = True  # type: ignore[attr-defined]
    return bucket_response_post


# What is wrapped: (owner, attribute, wrapper).
_WRAPPED: tuple[tuple[Any, str, Callable[[Any], Any]], ...] = (
    (notifications, "_get_s3_event", _complete),
    (notifications, "send_event", _quiet_while_deleting),
    (S3Backend, "delete_object", _notify_removals),
    (S3Backend, "put_object", _quiet_while_posting),
    (S3Response, "_bucket_response_post", _notify_posts_once_stored),
)


def install() -> None:
    """Complete moto's S3 records from now on (counted: each install needs one :func:`uninstall`)."""
    with _lock:
        if _state["installed"] == 0:
            for owner, name, _ in _WRAPPED:
                if not callable(getattr(owner, name, None)):
                    raise RuntimeError(
                        f"this moto version has no {owner.__name__}.{name}; update local/s3_events.py"
                    )
            for owner, name, wrap in _WRAPPED:
                _state["originals"][(owner, name)] = getattr(owner, name)
                setattr(owner, name, wrap(getattr(owner, name)))
        _state["installed"] += 1


def uninstall() -> None:
    with _lock:
        if _state["installed"] == 0:
            return
        _state["installed"] -= 1
        if _state["installed"] == 0:
            for (owner, name), original in _state["originals"].items():
                setattr(owner, name, original)
            _state["originals"] = {}
