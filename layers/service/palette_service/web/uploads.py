"""``POST /uploads``: an upload request -> the presigned POST of each file (see domain/uploads.py)."""

from __future__ import annotations

from palette_service.domain.ports import UploadSigner
from palette_service.domain.uploads import UPLOAD_EXPIRES_SECONDS, plan_uploads
from palette_service.settings import ServiceSettings
from palette_service.web.models import UploadForm, UploadRequest, UploadsPage


def uploads_page(request: UploadRequest, settings: ServiceSettings, signer: UploadSigner) -> UploadsPage:
    grants = plan_uploads(request.film, request.files, request.options(), settings, signer)
    return UploadsPage(
        expires_in=UPLOAD_EXPIRES_SECONDS,
        max_bytes=settings.max_object_bytes,
        uploads=[UploadForm.from_grant(grant) for grant in grants],
    )
