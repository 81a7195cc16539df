"""What real HTTP clients get from the local API: bytes for binary bodies whatever Accept they send,
and an OpenAPI document whose own server URL reaches the routes."""

from __future__ import annotations

import json
from urllib.parse import urljoin

import pytest

from local.stack import LocalStack
from palette_service.web import routes
from tests.e2e.conftest import SAMPLES, http_get, wait_for_items

pytestmark = pytest.mark.e2e

FILM = "contract-film"
STILL = "coffee.jpg"
# The Accept headers curl and a browser send by default (curl -o film.ase, a download link).
CURL_ACCEPT = "*/*"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def uploaded(stack: LocalStack) -> LocalStack:
    s3 = stack.client("s3")
    s3.upload_file(str(SAMPLES / STILL), stack.bucket, f"stills/{FILM}/{STILL}")
    table = stack.resource("dynamodb").Table(stack.table_name)
    assert wait_for_items(table, FILM, [STILL])[STILL]["status"] == "DONE"
    return stack


def get(stack: LocalStack, path: str, accept: str | None) -> tuple[int, bytes]:
    headers = {"x-api-key": stack.api_key}
    if accept is not None:
        headers["Accept"] = accept
    answer = http_get(stack.api_url + path, headers)
    return answer.status, answer.body


@pytest.mark.parametrize("accept", [CURL_ACCEPT, BROWSER_ACCEPT, "application/octet-stream"])
def test_an_ase_export_is_bytes_for_the_accept_headers_clients_send(
    uploaded: LocalStack, accept: str
) -> None:
    status, body = get(uploaded, routes.still_path(FILM, STILL) + "?format=ase", accept)
    assert status == 200
    assert body.startswith(b"ASEF")  # the file itself, not its base64


@pytest.mark.parametrize("accept", [CURL_ACCEPT, BROWSER_ACCEPT, "image/png"])
def test_a_swatch_is_bytes_for_the_accept_headers_clients_send(uploaded: LocalStack, accept: str) -> None:
    status, body = get(uploaded, routes.swatch_path(FILM, STILL), accept)
    assert (status, body[:8]) == (200, PNG_SIGNATURE)


def test_text_bodies_are_left_as_they_are(uploaded: LocalStack) -> None:
    status, body = get(uploaded, routes.still_path(FILM, STILL) + "?format=css", CURL_ACCEPT)
    assert status == 200 and body.decode().startswith("/*")


def test_the_openapi_documents_own_server_reaches_the_routes(uploaded: LocalStack) -> None:
    document_url = uploaded.api_url + routes.OPENAPI
    status, body = get(uploaded, routes.OPENAPI, CURL_ACCEPT)
    assert status == 200
    (server,) = json.loads(body)["servers"]
    # As a generated client resolves it: relative to where the document was fetched.
    root = urljoin(document_url, server["url"]).rstrip("/")
    answer = http_get(f"{root}{routes.PALETTES}?prefix={FILM}/", {"x-api-key": uploaded.api_key})
    assert answer.status == 200
    assert [item["name"] for item in answer.json()["items"]] == [STILL]
