"""`palettes upload` on moto: keys the service would not process are refused before any upload, and
S3's refusals are told in a line, not a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from palettes_cli.main import main
from tests.conftest import REGION
from tests.unit.images import encode, solid


@pytest.fixture
def still(tmp_path: Path) -> Path:
    path = tmp_path / "up2" / "k99.jpg"
    path.parent.mkdir()
    path.write_bytes(encode(solid((20, 60, 200), (40, 30)), "JPEG"))
    return path


def upload(still: Path, bucket: str, *extra: str) -> int:
    return main(["upload", str(still), "--bucket", bucket, "--region", REGION, *extra])


def keys_in(s3_client: Any, bucket: str) -> list[str]:
    return [item["Key"] for item in s3_client.list_objects_v2(Bucket=bucket).get("Contents", [])]


@pytest.mark.parametrize(
    ("prefix", "message"),
    [
        (
            "my-film/",
            "'my-film/k99.jpg' is not under 'stills/': the service only processes stills/<film>/<still>",
        ),
        ("stills/", "object key 'stills/k99.jpg' has no film folder or no file name"),
        ("stills/film/scene/", "object key 'stills/film/scene/k99.jpg' is nested too deeply"),
    ],
)
def test_a_key_the_service_would_not_process_is_refused_before_any_upload(
    prefix: str,
    message: str,
    still: Path,
    s3_client: Any,
    stills_bucket: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good = still.with_name("a.jpg")
    good.write_bytes(still.read_bytes())
    code = main(
        ["upload", str(still), str(good), "--bucket", stills_bucket, "--region", REGION, "--prefix", prefix]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "nothing was uploaded" in err
    assert keys_in(s3_client, stills_bucket) == []


def test_a_still_key_is_uploaded(
    still: Path, s3_client: Any, stills_bucket: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert upload(still, stills_bucket, "--prefix", "stills/dirtest/") == 0
    assert capsys.readouterr().out.split() == ["stills/dirtest/k99.jpg"]
    assert keys_in(s3_client, stills_bucket) == ["stills/dirtest/k99.jpg"]


def test_a_missing_bucket_is_told_in_a_line(
    still: Path, aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert upload(still, "nosuchbucket", "--prefix", "stills/dirtest/") == 1
    err = capsys.readouterr().err
    assert err.startswith("palettes upload: AWS said: Failed to upload")
    assert "NoSuchBucket" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("bogus=1", "unknown option 'bogus'"),
        ("k=0", "k must be a whole number from 1"),
        ("frame=ten", "frame metadata 'ten' is not a whole number"),
        ("k", "--option takes NAME=VALUE"),
    ],
)
def test_an_option_the_extract_function_would_refuse_or_ignore_is_refused_before_any_upload(
    option: str,
    message: str,
    still: Path,
    s3_client: Any,
    stills_bucket: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert upload(still, stills_bucket, "--prefix", "stills/f/", "--option", option) == 2
    assert message in capsys.readouterr().err
    assert keys_in(s3_client, stills_bucket) == []


def test_extraction_options_and_a_place_in_the_film_are_stored_as_metadata(
    still: Path, s3_client: Any, stills_bucket: str
) -> None:
    options = ["--option", "k=8", "--option", "method=agglomerative", "--option", "frame=1200"]
    assert upload(still, stills_bucket, "--prefix", "stills/f/", *options) == 0
    metadata = s3_client.head_object(Bucket=stills_bucket, Key="stills/f/k99.jpg")["Metadata"]
    assert metadata == {"k": "8", "method": "agglomerative", "frame": "1200"}
