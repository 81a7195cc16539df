"""POST /uploads and the still image route on moto: each presigned POST's policy, decoded condition by
condition (moto does not enforce policies, so this is where they are held), and the 400s."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from palette_service.domain.extraction import params_from_metadata
from palette_service.domain.keys import MAX_KEY_BYTES
from palette_service.domain.uploads import MAX_FILES, UPLOAD_EXPIRES_SECONDS, USER_METADATA_PREFIX
from palette_service.settings import ServiceSettings
from palette_service.web import routes
from palettes import ExtractParams
from tests.events import api_event
from tests.functions.test_api import Seeder, body_json, call

FILM = "my film"
NAMES = ["shot 1.jpg", "Opening shot é.png", "night+day.webp"]


@pytest.fixture
def seeder(repository: Any, s3_client: Any, stills_bucket: str, fresh_handlers: None) -> Seeder:
    return Seeder(repository, s3_client, stills_bucket)


def post_uploads(body: object, context: Any, content_type: str | None = "application/json") -> dict[str, Any]:
    from api import app

    event = api_event(routes.UPLOADS)
    event["httpMethod"] = event["requestContext"]["httpMethod"] = "POST"
    event["body"] = body if isinstance(body, str) else json.dumps(body)
    if content_type is not None:
        event["headers"]["Content-Type"] = content_type
    response: dict[str, Any] = app.lambda_handler(event, context)
    return response


def policy_of(fields: dict[str, str]) -> dict[str, Any]:
    policy: dict[str, Any] = json.loads(base64.b64decode(fields["policy"]))
    return policy


def test_each_file_gets_a_post_pinned_to_its_key_size_type_and_metadata(
    fresh_handlers: None, settings: ServiceSettings, lambda_context: Any
) -> None:
    options = {"k": 5, "method": "agglomerative", "space": "rgb", "accents": False}
    before = datetime.now(UTC).replace(microsecond=0)

    response = post_uploads({"film": FILM, "files": NAMES, **options}, lambda_context)

    assert response["statusCode"] == 200, response["body"]
    page = body_json(response)
    assert (page["expires_in"], page["max_bytes"]) == (UPLOAD_EXPIRES_SECONDS, settings.max_object_bytes)
    assert [upload["name"] for upload in page["uploads"]] == NAMES
    for upload in page["uploads"]:
        key = f"stills/{FILM}/{upload['name']}"
        fields = upload["fields"]
        assert upload["key"] == fields["key"] == key
        assert upload["url"].endswith(f"/{settings.stills_bucket}") or settings.stills_bucket in upload["url"]
        assert upload["links"]["self"] == routes.still_path(FILM, upload["name"])
        assert fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256" and fields["x-amz-signature"]
        policy = policy_of(fields)
        expires = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        assert before < expires <= datetime.now(UTC) + timedelta(seconds=UPLOAD_EXPIRES_SECONDS)
        conditions = policy["conditions"]
        assert {"bucket": settings.stills_bucket} in conditions
        assert {"key": key} in conditions
        assert not any(isinstance(c, list) and c[1] == "$key" for c in conditions), (
            "a key prefix, not the key"
        )
        assert ["content-length-range", 1, settings.max_object_bytes] in conditions
        assert ["starts-with", "$Content-Type", "image/"] in conditions
        metadata = {name: value for name, value in fields.items() if name.startswith(USER_METADATA_PREFIX)}
        assert metadata == {
            "x-amz-meta-k": "5",
            "x-amz-meta-method": "agglomerative",
            "x-amz-meta-space": "rgb",
            "x-amz-meta-accents": "false",
        }
        for name, value in metadata.items():
            assert {name: value} in conditions
        # Every field the form sends is one the policy names (S3 refuses a form with an unnamed field).
        named = {next(iter(c)) for c in conditions if isinstance(c, dict)} | {"policy", "x-amz-signature"}
        assert set(fields) <= named
        # What S3 stores as user metadata is what the extract function reads as these options.
        stored = {name.removeprefix(USER_METADATA_PREFIX): value for name, value in metadata.items()}
        assert params_from_metadata(stored) == ExtractParams(
            k=5, method="agglomerative", space="rgb", accents=False
        )


def test_without_options_no_metadata_is_pinned(fresh_handlers: None, lambda_context: Any) -> None:
    page = body_json(post_uploads({"film": FILM, "files": ["a.jpg"]}, lambda_context))
    (upload,) = page["uploads"]
    assert not [name for name in upload["fields"] if name.startswith(USER_METADATA_PREFIX)]
    conditions = policy_of(upload["fields"])["conditions"]
    signature = {"x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-security-token"}
    assert [c for c in conditions if not (isinstance(c, dict) and set(c) <= signature)] == [
        ["content-length-range", 1, 52428800],
        ["starts-with", "$Content-Type", "image/"],
        {"bucket": "palettes-test-stills-123456789012-eu-west-1"},
        {"key": "stills/my film/a.jpg"},
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"film": "a/b", "files": ["x.jpg"]}, "must have no '/'"),
        ({"film": " ", "files": ["x.jpg"]}, "must be non-empty"),
        ({"film": FILM, "files": ["sub/x.jpg"]}, "nested too deeply"),
        ({"film": FILM, "files": ["x" * MAX_KEY_BYTES + ".jpg"]}, "too long"),
        ({"film": FILM, "files": ["x.jpg", "x.jpg"]}, "appears twice"),
        ({"film": FILM, "files": [f"{i}.jpg" for i in range(MAX_FILES + 1)]}, f"at most {MAX_FILES}"),
        ({"film": FILM, "files": []}, "files"),
        ({"film": FILM, "files": ["x.jpg"], "k": 0}, "'k'"),
        ({"film": FILM, "files": ["x.jpg"], "k": True}, "'k'"),  # JSON's true is not the number 1
        ({"film": FILM, "files": ["x.jpg"], "k": 5.5}, "'k'"),
        ({"film": FILM, "files": ["x.jpg"], "k": "5"}, "'k'"),
        ({"film": FILM, "files": ["x.jpg"], "accents": 1}, "'accents'"),
        ({"film": "\x85\x1f", "files": ["x.jpg"]}, "must be non-empty"),
        ({"film": FILM, "files": ["x.jpg"], "method": "median-cut"}, "'method'"),
        ({"film": FILM, "files": ["x.jpg"], "space": "cmyk"}, "'space'"),
        ({"film": FILM, "files": ["x.jpg"], "seed": 3}, "'seed'"),
        ({"files": ["x.jpg"]}, "'film'"),
        ("not json", "the request body is not JSON: Expecting value at character 0"),
        ("", "the request needs a JSON body"),
    ],
)
def test_bad_requests_are_a_400_with_a_message(
    fresh_handlers: None, lambda_context: Any, body: object, message: str
) -> None:
    response = post_uploads(body, lambda_context)

    assert response["statusCode"] == 400, response["body"]
    assert message in body_json(response)["message"]
    assert response["multiValueHeaders"]["X-Content-Type-Options"] == ["nosniff"]  # not passed by middleware


@pytest.mark.parametrize("content_type", ["Application/JSON", "application/json; charset=UTF-8", None])
def test_a_json_body_is_read_whatever_the_case_of_its_media_type(
    fresh_handlers: None, lambda_context: Any, content_type: str | None
) -> None:
    response = post_uploads({"film": FILM, "files": NAMES[:1]}, lambda_context, content_type)

    assert response["statusCode"] == 200, response["body"]


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
def test_a_body_that_is_not_json_is_a_415_that_says_what_to_send(
    fresh_handlers: None, lambda_context: Any, content_type: str
) -> None:
    response = post_uploads({"film": FILM, "files": NAMES[:1]}, lambda_context, content_type)

    assert response["statusCode"] == 415, response["body"]
    assert "Content-Type: application/json" in body_json(response)["message"]
    assert response["multiValueHeaders"]["X-Content-Type-Options"] == ["nosniff"]


def test_a_body_that_is_not_utf8_is_a_400(fresh_handlers: None, lambda_context: Any) -> None:
    from api import app

    event = api_event(routes.UPLOADS)
    event["httpMethod"] = event["requestContext"]["httpMethod"] = "POST"
    # API Gateway passes every body base64-encoded here (the API's binary media types are */*).
    event["body"], event["isBase64Encoded"] = base64.b64encode(b'{"film": "\xff"}').decode(), True
    event["headers"]["Content-Type"] = "application/json"

    response = app.lambda_handler(event, lambda_context)

    assert response["statusCode"] == 400
    assert body_json(response)["message"] == "the request body must be JSON in UTF-8"


def test_a_still_image_is_a_presigned_get_of_its_recorded_version(
    seeder: Seeder, lambda_context: Any, s3_client: Any, stills_bucket: str
) -> None:
    put = s3_client.put_object(Bucket=stills_bucket, Key=f"stills/{FILM}/a.jpg", Body=b"jpeg bytes")
    record = seeder.still(FILM, "a.jpg")
    newer = replace(record, version_id=put["VersionId"], sequencer="0067455D2B7A3C1FA0".ljust(32, "0"))
    assert seeder.repository.save(newer)

    response = call(routes.fill(routes.STILL_IMAGE, film=FILM, still="a.jpg"), context=lambda_context)

    assert response["statusCode"] == 200, response["body"]
    link = body_json(response)
    assert link["expires_in"] <= 600
    assert "stills/my%20film/a.jpg" in link["url"] and f"versionId={put['VersionId']}" in link["url"]
    assert "X-Amz-Signature=" in link["url"] and "X-Amz-Expires=300" in link["url"]


def test_the_image_of_an_unknown_still_is_a_404(fresh_handlers: None, lambda_context: Any) -> None:
    response = call(routes.fill(routes.STILL_IMAGE, film=FILM, still="nope.jpg"), context=lambda_context)
    assert response["statusCode"] == 404
