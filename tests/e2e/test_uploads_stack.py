"""Presigned uploads and the web app's files on the local stack, without a browser: a POST Object from
a presigned POST triggers the extract function with the options it carried; the bucket's CORS lets the
app's origin (the local API's) post and no other; the app's page comes with its security headers."""

from __future__ import annotations

import json
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import pytest
import urllib3

from local.stack import LocalStack
from palette_service.web import routes
from tests.e2e.conftest import SAMPLES, http_get, wait_for_items

pytestmark = pytest.mark.e2e

FILM = "posted-film"


def post_json(url: str, body: object, headers: dict[str, str]) -> tuple[int, Any]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={**headers, "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def preflight(url: str, origin: str, method: str = "POST") -> urllib3.BaseHTTPResponse:
    headers = {"Origin": origin, "Access-Control-Request-Method": method}
    return urllib3.request("OPTIONS", url, headers=headers)


def test_a_presigned_post_uploads_a_still_that_is_extracted_with_its_options(stack: LocalStack) -> None:
    key = {"x-api-key": stack.api_key}
    status, page = post_json(
        stack.api_url + routes.UPLOADS,
        {"film": FILM, "files": ["rocket.jpg"], "k": 3, "method": "kmeans"},
        key,
    )
    assert status == 200, page
    (upload,) = page["uploads"]
    origin = urlsplit(stack.api_url)
    app_origin = f"{origin.scheme}://{origin.netloc}"
    fields = {**upload["fields"], "Content-Type": "image/jpeg"}
    body = (SAMPLES / "rocket.jpg").read_bytes()

    answer = urllib3.request(
        "POST",
        upload["url"],
        fields={**fields, "file": ("rocket.jpg", body, "image/jpeg")},
        headers={"Origin": app_origin},
    )

    assert answer.status == 204, answer.data
    assert answer.headers["Access-Control-Allow-Origin"] == app_origin
    item = wait_for_items(stack.resource("dynamodb").Table(stack.table_name), FILM, ["rocket.jpg"])[
        "rocket.jpg"
    ]
    assert item["status"] == "DONE"
    palette = http_get(stack.api_url + upload["links"]["self"], key).json()
    assert palette["params"]["k"] == 3 and len(palette["colors"]) <= 3
    image = http_get(
        stack.api_url + routes.fill(routes.STILL_IMAGE, film=FILM, still="rocket.jpg"), key
    ).json()
    assert urllib3.request("GET", image["url"]).data == body


def test_only_the_app_origin_may_post_to_the_bucket(stack: LocalStack) -> None:
    bucket_url = f"{stack.endpoint_url}/{stack.bucket}"
    app_origin = stack.api_url.rsplit("/", 1)[0]

    allowed = preflight(bucket_url, app_origin)
    assert allowed.status == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == app_origin
    assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
    assert preflight(bucket_url, "http://elsewhere.example").status == 403
    assert preflight(bucket_url, app_origin, "PUT").status == 403
    listing = urllib3.request("GET", bucket_url, headers={"Origin": "http://elsewhere.example"})
    assert "Access-Control-Allow-Origin" not in listing.headers


def test_the_app_is_served_without_the_key_with_a_strict_policy(stack: LocalStack) -> None:
    page = http_get(stack.api_url + routes.APP)
    assert page.status == 200
    assert page.headers["Content-Type"].startswith("text/html")
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe-inline" not in policy
    assert f"connect-src 'self' {stack.endpoint_url}" in policy
    assert b'<script type="module" src="app/app.js">' in page.body and b"$" not in page.body
    script = http_get(stack.api_url + routes.fill(routes.APP_ASSET, asset="app.js"))
    assert script.status == 200 and script.headers["Content-Type"].startswith("text/javascript")
    assert http_get(stack.api_url + routes.fill(routes.APP_ASSET, asset="..%2Fwebapp.py")).status == 404
    assert http_get(stack.api_url + routes.fill(routes.APP_ASSET, asset="index.html")).status == 404
    # The data stays behind the key.
    assert http_get(stack.api_url + routes.FILMS).status == 403
    assert post_json(stack.api_url + routes.UPLOADS, {"film": FILM, "files": ["a.jpg"]}, {})[0] == 403
