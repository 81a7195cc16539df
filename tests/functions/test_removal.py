"""A removal's outputs on moto: the delete holds only while the output it checked is the current one."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber

from palette_service.data.dynamodb import DynamoStillRepository
from palette_service.data.s3 import S3StillStore
from palette_service.domain.extraction import ExtractionServices, process_s3_event
from palette_service.domain.outcomes import Outcome
from palette_service.domain.outputs import SOURCE_SEQUENCER
from palette_service.domain.ports import ObjectHead
from palette_service.domain.removal import remove_outputs
from palette_service.settings import ServiceSettings
from tests.conftest import make_jpeg
from tests.functions.conftest import Uploader, next_sequencer

PALETTE_KEY = "palettes/my-film/a.jpg.json"
SWATCH_KEY = "swatches/my-film/a.jpg.png"


class NewerUploadAfterTheCheck:
    """The bucket, with a newer upload writing each output just after the removal has checked it."""

    def __init__(self, storage: S3StillStore, newer_sequencer: str) -> None:
        self._storage = storage
        self._newer = {SOURCE_SEQUENCER: newer_sequencer}

    def current(self, key: str) -> ObjectHead | None:
        head = self._storage.current(key)
        self._write_newer(key)
        return head

    def metadata(self, key: str) -> dict[str, str] | None:
        metadata = self._storage.metadata(key)
        self._write_newer(key)
        return metadata

    def delete(self, key: str, *, if_match: str | None = None) -> bool:
        return self._storage.delete(key, if_match=if_match)

    def _write_newer(self, key: str) -> None:
        self._storage.put(key, b"the newer upload's output", content_type="text/plain", metadata=self._newer)


def put_output(storage: S3StillStore, key: str, sequencer: str, body: bytes = b"output") -> None:
    storage.put(key, body, content_type="text/plain", metadata={SOURCE_SEQUENCER: sequencer})


def test_a_removal_leaves_the_outputs_a_newer_upload_wrote_after_its_check(storage: S3StillStore) -> None:
    older, removal, newer = next_sequencer(), next_sequencer(), next_sequencer()
    for key in (PALETTE_KEY, SWATCH_KEY):
        put_output(storage, key, older)

    remove_outputs(NewerUploadAfterTheCheck(storage, newer), (PALETTE_KEY, SWATCH_KEY), removal)  # type: ignore[arg-type]

    for key in (PALETTE_KEY, SWATCH_KEY):
        head = storage.current(key)
        assert head is not None, f"the newer upload's {key} was deleted"
        assert head.metadata[SOURCE_SEQUENCER] == newer


def test_a_removal_deletes_the_older_outputs_and_leaves_newer_ones(storage: S3StillStore) -> None:
    older, removal, newer = next_sequencer(), next_sequencer(), next_sequencer()
    put_output(storage, PALETTE_KEY, older)
    put_output(storage, SWATCH_KEY, newer)

    remove_outputs(storage, (PALETTE_KEY, SWATCH_KEY), removal)

    assert storage.current(PALETTE_KEY) is None
    assert storage.current(SWATCH_KEY) is not None


def test_a_conditional_delete_removes_only_the_object_it_names(
    storage: S3StillStore, s3_client: Any, stills_bucket: str
) -> None:
    put_output(storage, PALETTE_KEY, next_sequencer(), b"first")
    first = storage.current(PALETTE_KEY)
    put_output(storage, PALETTE_KEY, next_sequencer(), b"second")
    assert first is not None

    assert storage.delete(PALETTE_KEY, if_match=first.etag) is False
    second = storage.current(PALETTE_KEY)
    assert second is not None and second.etag != first.etag

    assert storage.delete(PALETTE_KEY, if_match=second.etag) is True
    assert storage.current(PALETTE_KEY) is None
    # A delete marker on top: the versions before it stay noncurrent, none comes back.
    markers = s3_client.list_object_versions(Bucket=stills_bucket, Prefix=PALETTE_KEY)["DeleteMarkers"]
    assert [marker["IsLatest"] for marker in markers] == [True]


def test_a_conditional_delete_in_conflict_with_another_write_leaves_the_key(
    s3_client: Any, stills_bucket: str
) -> None:
    """S3 answers 409 ConditionalRequestConflict when another write to the key succeeds while a
    conditional delete runs: the key changed under the delete, as with 412."""
    stubber = Stubber(s3_client)
    stubber.add_client_error(
        "delete_object", service_error_code="ConditionalRequestConflict", http_status_code=409
    )
    with stubber:
        assert S3StillStore(s3_client, stills_bucket).delete(PALETTE_KEY, if_match="0" * 32) is False
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize("if_match", [None, "0123456789abcdef0123456789abcdef"])
def test_deleting_a_missing_object_is_no_error(storage: S3StillStore, if_match: str | None) -> None:
    assert storage.delete(SWATCH_KEY, if_match=if_match) is True


@pytest.mark.parametrize("output_key", [SWATCH_KEY, PALETTE_KEY], ids=["swatch", "palette JSON"])
def test_two_uploads_of_the_same_bytes_write_outputs_of_different_etags(
    uploader: Uploader,
    settings: ServiceSettings,
    storage: S3StillStore,
    repository: DynamoStillRepository,
    output_key: str,
) -> None:
    """A PUT's ETag is the MD5 of its bytes: were an output byte for byte the same for both uploads, a
    removal's delete conditional on the older one's ETag would remove the newer one too."""
    services = ExtractionServices(settings=settings, storage=storage, repository=repository)
    body = make_jpeg(seed=3)
    etags = []
    for _ in range(2):
        upload = uploader.put("stills/my-film/a.jpg", body)
        [outcome] = process_s3_event(uploader.event(upload), services)
        assert outcome.outcome is Outcome.PROCESSED
        head = storage.current(output_key)
        assert head is not None
        etags.append(head.etag)

    assert etags[0] != etags[1]
