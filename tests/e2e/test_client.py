"""The `palettes` client against the local stack: upload, get, list, gallery and backfill."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from local.stack import LocalStack
from palettes_cli.commands.backfill import BACKFILL_SEQUENCER
from palettes_cli.main import main
from tests.e2e.conftest import SAMPLES, wait_for_items

pytestmark = pytest.mark.e2e

FILM = "cli-film"
BACKFILL_FILM = "backfill-film"


@pytest.fixture
def client_env(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Credentials for boto3 from the environment; everything else as flags (they beat the environment)."""
    for name in (
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
        "PALETTES_ENDPOINT_URL",
        "PALETTES_API_URL",
        "PALETTES_API_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    return [
        "--endpoint-url",
        stack.endpoint_url,
        "--region",
        stack.settings.region,
        "--api-url",
        stack.api_url,
        "--api-key",
        stack.api_key,
    ]


@pytest.fixture(scope="module")
def stills(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("stills") / FILM
    folder.mkdir()
    paths = []
    for name in ("coffee.jpg", "rocket.jpg", "chelsea.jpg"):
        paths.append(folder / name)
        shutil.copy(SAMPLES / name, paths[-1])
    return paths


def test_upload_waits_for_the_palettes(
    stack: LocalStack, client_env: list[str], stills: list[Path], capsys: Any
) -> None:
    # No --prefix: the files' folder names the film.
    assert main(["upload", *map(str, stills), "--bucket", stack.bucket, "--wait", *client_env]) == 0
    out = capsys.readouterr().out
    for path in stills:
        assert f"stills/{FILM}/{path.name}" in out
        assert f"stills/{FILM}/{path.name}\tDONE\t#" in out


def test_get_prints_the_document_an_export_and_saves_the_swatch(
    stack: LocalStack, client_env: list[str], stills: list[Path], capsysbinary: Any, tmp_path: Path
) -> None:
    table = stack.resource("dynamodb").Table(stack.table_name)
    item = wait_for_items(table, FILM, ["coffee.jpg"])["coffee.jpg"]
    swatch = tmp_path / "coffee.png"
    assert main(["get", f"stills/{FILM}/coffee.jpg", "--swatch", str(swatch), *client_env]) == 0
    assert json.loads(capsysbinary.readouterr().out) == json.loads(item["document"])
    assert swatch.read_bytes().startswith(b"\x89PNG")
    assert main(["get", f"{FILM}/coffee.jpg", "--format", "gpl", *client_env]) == 0
    assert capsysbinary.readouterr().out.startswith(b"GIMP Palette")
    assert main(["get", f"{FILM}/coffee.jpg", "--format", "ase", *client_env]) == 0
    assert capsysbinary.readouterr().out.startswith(b"ASEF")


def test_get_explains_an_unknown_still_and_a_bad_key(client_env: list[str], capsys: Any) -> None:
    assert main(["get", f"{FILM}/missing.jpg", *client_env]) == 1
    assert "404" in capsys.readouterr().err
    flags = client_env[:]
    flags[flags.index("--api-key") + 1] = "wrong"
    assert main(["get", f"{FILM}/coffee.jpg", *flags]) == 1
    assert "403 Forbidden" in capsys.readouterr().err


def test_list_follows_every_page(
    stack: LocalStack, client_env: list[str], stills: list[Path], capsys: Any
) -> None:
    wait_for_items(stack.resource("dynamodb").Table(stack.table_name), FILM, [path.name for path in stills])
    assert main(["list", "--prefix", f"{FILM}/", "--page-size", "1", "--json", *client_env]) == 0
    items = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted(item["name"] for item in items) == sorted(path.name for path in stills)


def test_gallery_saves_a_self_contained_page(
    client_env: list[str], stills: list[Path], capsys: Any, tmp_path: Path
) -> None:
    out = tmp_path / "gallery.html"
    assert main(["gallery", f"{FILM}/", "--out", str(out), *client_env]) == 0
    assert capsys.readouterr().out.strip() == out.resolve().as_uri()
    page = out.read_text()
    assert page.count('src="data:image/png;base64,') >= len(stills)


def test_backfill_sends_stills_that_predate_the_stack(
    stack: LocalStack, client_env: list[str], capsys: Any
) -> None:
    """Objects stored while no notification was configured get palettes through the function's own path."""
    s3 = stack.client("s3")
    table = stack.resource("dynamodb").Table(stack.table_name)
    names = ["astronaut.jpg", "hubble-deep-field.jpg", "still with spaces é.jpg"]
    configuration = s3.get_bucket_notification_configuration(Bucket=stack.bucket)
    configuration.pop("ResponseMetadata", None)
    s3.put_bucket_notification_configuration(Bucket=stack.bucket, NotificationConfiguration={})
    try:
        for name, source in zip(names, ["astronaut.jpg", "hubble-deep-field.jpg", "retina.jpg"], strict=True):
            s3.put_object(
                Bucket=stack.bucket,
                Key=f"stills/{BACKFILL_FILM}/{name}",
                Body=(SAMPLES / source).read_bytes(),
            )
    finally:
        s3.put_bucket_notification_configuration(Bucket=stack.bucket, NotificationConfiguration=configuration)
    assert stack.wait_idle(30)
    assert all(
        "Item" not in table.get_item(Key={"pk": f"FILM#{BACKFILL_FILM}", "sk": f"STILL#{name}"})
        for name in names
    )

    arguments = ["backfill", "--bucket", stack.bucket, "--prefix", f"stills/{BACKFILL_FILM}/", *client_env]
    assert main([*arguments, "--dry-run"]) == 0
    assert sorted(capsys.readouterr().out.split("\n")[:-1]) == sorted(
        f"stills/{BACKFILL_FILM}/{n}" for n in names
    )

    assert main([*arguments, "--function", stack.extract_function.name, "--wait"]) == 0
    captured = capsys.readouterr()
    assert f"3 of 3 objects under s3://{stack.bucket}/stills/{BACKFILL_FILM}/ sent" in captured.err
    items = wait_for_items(table, BACKFILL_FILM, names)
    assert all(item["status"] == "DONE" for item in items.values())
    assert all(item["sequencer"] == BACKFILL_SEQUENCER.ljust(32, "0") for item in items.values())

    # Again: the function finds every still recorded and changes nothing.
    assert main([*arguments, "--function", stack.extract_function.arn]) == 0
    assert stack.wait_idle(60)
    again = wait_for_items(table, BACKFILL_FILM, names)
    assert {name: item["updated_at"] for name, item in again.items()} == {
        name: item["updated_at"] for name, item in items.items()
    }


def test_backfill_needs_a_function(
    stack: LocalStack, client_env: list[str], capsys: Any, monkeypatch: Any
) -> None:
    monkeypatch.delenv("PALETTES_EXTRACT_FUNCTION", raising=False)
    assert main(["backfill", "--bucket", stack.bucket, "--prefix", "stills/", *client_env]) == 1
    assert "PALETTES_EXTRACT_FUNCTION" in capsys.readouterr().err
