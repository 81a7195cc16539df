"""The :class:`~palette_service.domain.ports.StillStore` on S3: stills pinned to a version, outputs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypedDict

from botocore.exceptions import ClientError

from palette_service.domain.events import bare_etag
from palette_service.domain.ports import ObjectHead, ObjectVersion, StillObject
from palette_service.errors import StaleEventError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

# HeadObject answers have no body, so their error code is the bare HTTP status.
_GONE = frozenset({"NoSuchKey", "NoSuchVersion", "404"})
# 412: the ETag no longer matches; 409: another write to the key succeeded while the delete ran.
_CHANGED = frozenset({"PreconditionFailed", "412", "ConditionalRequestConflict", "409"})
# HeadObject/GetObject with a versionId on a deleted version (a delete marker) answer 405.
_DELETE_MARKER = frozenset({"MethodNotAllowed", "405"})


class S3StillStore:
    """Reads stills and writes outputs in one bucket.

    Reads are pinned to the event's object version; when that version is gone (deleted or, without
    versioning, overwritten) they raise :class:`StaleEventError`: the newer version's own event
    does the work.
    """

    def __init__(self, s3: S3Client, bucket: str) -> None:
        self._s3 = s3
        self.bucket = bucket

    def fetch(self, version: ObjectVersion, *, max_bytes: int) -> StillObject:
        try:
            response = self._s3.get_object(Bucket=self.bucket, Key=version.key, **_pinned(version))
        except ClientError as error:
            _raise_if_stale(error, version)
            raise
        head = _object_head(response)
        with response["Body"] as body:
            # Too large: closed unread, so at most a buffer's worth of it crosses the network.
            return StillObject(head=head, body=body.read() if head.size <= max_bytes else None)

    def current(self, key: str) -> ObjectHead | None:
        try:
            response = self._s3.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            # A delete marker as the current version answers 404 (405 on some paths): removed.
            if _code(error) in _GONE or _code(error) in _DELETE_MARKER:
                return None
            raise
        return _object_head(response)

    def put(
        self, key: str, body: bytes, *, content_type: str, metadata: dict[str, str] | None = None
    ) -> str | None:
        """Write ``key``; the version id of what was written (``None`` when the bucket is not versioned)."""
        arguments: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": key,
            "Body": body,
            "ContentType": content_type,
        }
        if metadata:
            arguments["Metadata"] = metadata
        return self._s3.put_object(**arguments).get("VersionId")

    def metadata(self, key: str) -> dict[str, str] | None:
        """The user metadata of the current version of ``key``, or ``None`` when there is no such object."""
        try:
            response = self._s3.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _code(error) in _GONE:
                return None
            raise
        return dict(response.get("Metadata", {}))

    def keys_under(self, prefix: str) -> Iterator[str]:
        # Page by hand rather than with get_paginator: each page is then one visible list_objects_v2
        # call of this client, which the tests' fault-injecting and counting wrappers see.
        arguments: dict[str, Any] = {"Bucket": self.bucket, "Prefix": prefix}
        while True:
            page = self._s3.list_objects_v2(**arguments)
            yield from (item["Key"] for item in page.get("Contents", []))
            if not page.get("IsTruncated"):
                return
            arguments["ContinuationToken"] = page["NextContinuationToken"]

    def read(self, key: str, version_id: str | None = None) -> bytes | None:
        """The bytes of ``key`` (of that version when ``version_id`` is given, else the current ones), or
        ``None`` when there is no such object or version."""
        pin = _Pin(VersionId=version_id) if version_id else _Pin()
        try:
            response = self._s3.get_object(Bucket=self.bucket, Key=key, **pin)
        except ClientError as error:
            if _code(error) in _GONE:
                return None
            raise
        with response["Body"] as body:
            return body.read()

    def delete(self, key: str, *, if_match: str | None = None) -> bool:
        condition = _Condition(IfMatch=_quoted(if_match)) if if_match else _Condition()
        try:
            self._s3.delete_object(Bucket=self.bucket, Key=key, **condition)
        except ClientError as error:
            # 412: another object is current at the key now (it is not ours to delete); 404: no current
            # object (S3 answers it to a conditional delete only), as good as deleted.
            if _code(error) in _CHANGED:
                return False
            if _code(error) in _GONE:
                return True
            raise
        return True


def _object_head(response: Mapping[str, Any]) -> ObjectHead:
    return ObjectHead(
        size=int(response.get("ContentLength", 0)),
        etag=bare_etag(response.get("ETag", "")),
        version_id=response.get("VersionId"),
        content_type=response.get("ContentType"),
        metadata=dict(response.get("Metadata", {})),
    )


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class _Pin(TypedDict, total=False):
    VersionId: str
    IfMatch: str


class _Condition(TypedDict, total=False):
    IfMatch: str


def _quoted(etag: str) -> str:
    """An ETag as S3's conditional headers expect it: in double quotes."""
    return f'"{bare_etag(etag)}"'


def _pinned(version: ObjectVersion) -> _Pin:
    """The request arguments that read exactly the event's object: its version when the bucket is
    versioned, else the object only while it still has the event's ETag."""
    if version.version_id:
        return _Pin(VersionId=version.version_id)
    return _Pin(IfMatch=_quoted(version.etag))


def _raise_if_stale(error: ClientError, version: ObjectVersion) -> None:
    code = _code(error)
    if code in _GONE or code in _DELETE_MARKER:
        raise StaleEventError(
            f"{version.key!r} (version {version.version_id or version.etag}) is gone"
        ) from error
    if code in _CHANGED:
        raise StaleEventError(f"{version.key!r} changed since the event (ETag {version.etag})") from error
