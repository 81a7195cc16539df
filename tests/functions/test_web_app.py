"""The web app's page and files as the API function serves them (moto), and the headers of every answer."""

from __future__ import annotations

from typing import Any

import pytest

from palette_service.web import routes
from palette_service.web.webapp import ASSET_TYPES, asset_names
from palettes.params import METHODS, SPACES
from tests.conftest import REGION
from tests.functions.test_api import call, header


def test_the_page_names_its_scripts_and_the_library_choices_under_a_strict_policy(
    fresh_handlers: None, lambda_context: Any, stills_bucket: str
) -> None:
    response = call(routes.APP, context=lambda_context)

    assert response["statusCode"] == 200
    assert header(response, "Content-Type") == "text/html; charset=utf-8"
    page = response["body"]
    assert '<script type="module" src="app/app.js"></script>' in page
    assert "$" not in page and "<script>" not in page and " style=" not in page
    for value in (*METHODS, *SPACES):
        assert f'<option value="{value}"' in page
    policy = dict(part.split(" ", 1) for part in header(response, "Content-Security-Policy").split("; "))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == policy["style-src"] == "'self'"
    bucket_origin = policy["connect-src"].removeprefix("'self' ")
    # The bucket's regional endpoint: the global one may redirect a new bucket, which CORS cannot follow.
    assert bucket_origin == f"https://{stills_bucket}.s3.{REGION}.amazonaws.com"
    assert policy["img-src"] == f"'self' blob: {bucket_origin}"
    assert policy["frame-ancestors"] == policy["base-uri"] == "'none'"


@pytest.mark.parametrize("name", sorted(asset_names()))
def test_every_asset_is_served_with_its_type(fresh_handlers: None, lambda_context: Any, name: str) -> None:
    response = call(routes.fill(routes.APP_ASSET, asset=name), context=lambda_context)

    assert response["statusCode"] == 200
    assert header(response, "Content-Type") == ASSET_TYPES["." + name.rsplit(".", 1)[1]]
    assert header(response, "X-Content-Type-Options") == "nosniff"


def test_the_modules_and_styles_are_all_there() -> None:
    assert {"app.js", "api.js", "app.css"} <= asset_names()


@pytest.mark.parametrize("name", ["index.html", "..%2Fwebapp.py", "missing.js", ".js"])
def test_anything_else_is_a_404(fresh_handlers: None, lambda_context: Any, name: str) -> None:
    response = call(f"{routes.APP}/{name}", context=lambda_context)
    assert response["statusCode"] == 404


def test_a_json_answer_allows_nothing_and_no_other_origin(fresh_handlers: None, lambda_context: Any) -> None:
    response = call(routes.FILMS, context=lambda_context)

    assert response["statusCode"] == 200
    assert header(response, "Content-Security-Policy") == "default-src 'none'; frame-ancestors 'none'"
    assert header(response, "X-Content-Type-Options") == "nosniff"
    assert not [
        name for name in response.get("multiValueHeaders") or {} if name.lower().startswith("access-control")
    ]
