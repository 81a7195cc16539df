"""The :class:`~palette_service.domain.ports.UploadSigner` on S3: presigned POSTs and GETs of one bucket."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


class S3UploadSigner:
    """Signs with the client's credentials (the function's role): the grant is no wider than it."""

    def __init__(self, s3: S3Client, bucket: str) -> None:
        self._s3 = s3
        self.bucket = bucket

    def presigned_post(
        self, key: str, fields: dict[str, str], conditions: list[Any], expires_in: int
    ) -> tuple[str, dict[str, str]]:
        post = self._s3.generate_presigned_post(
            Bucket=self.bucket, Key=key, Fields=fields, Conditions=conditions, ExpiresIn=expires_in
        )
        return str(post["url"]), {name: str(value) for name, value in post["fields"].items()}

    def presigned_get(self, key: str, version_id: str | None, expires_in: int) -> str:
        params = {"Bucket": self.bucket, "Key": key}
        if version_id:
            params["VersionId"] = version_id
        return self._s3.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)
