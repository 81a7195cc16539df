"""The web app: one HTML page and its ES modules and CSS (``web/app/``), served as they are, no build.

The page holds no data: it asks for the API key once, keeps it in ``sessionStorage`` and calls the
API from the same origin, so the API needs no CORS rule and sends none (a page of another origin
cannot read it). Its Content-Security-Policy allows scripts and styles from this origin only (no
inline ones), and connections and images from this origin and the stills bucket (presigned uploads
and image reads) only.
"""

from __future__ import annotations

from functools import cache
from http import HTTPStatus
from pathlib import Path
from string import Template
from typing import Any
from urllib.parse import urlsplit

from aws_lambda_powertools.event_handler import Response

from palette_service.domain.uploads import MAX_FILES
from palette_service.errors import NotFoundError
from palettes.basic_colors import BASIC_COLOR_TERMS
from palettes.exports import EXPORT_FORMATS
from palettes.params import MAX_K, METHODS, MIN_K, SPACES, ExtractParams

APP_DIR = Path(__file__).with_name("app")
INDEX = "index.html"
# What an asset's file name may end with, and the type it is served as.
ASSET_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


class AssetNotFoundError(NotFoundError):
    """No asset of the app has that name."""


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``: what a Content-Security-Policy source names."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(bucket_origin: str) -> str:
    """Same-origin code only; the bucket only for uploads (connect) and still images (img)."""
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' blob: {bucket_origin}",
            f"connect-src 'self' {bucket_origin}",
            "form-action 'none'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        )
    )


def _headers(media_type: str, bucket_origin: str) -> dict[str, str]:
    return {
        "Content-Type": media_type,
        "Content-Security-Policy": content_security_policy(bucket_origin),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        # Revalidate each time: a deployment changes the code, and the files are small.
        "Cache-Control": "no-cache",
    }


@cache
def asset_names() -> frozenset[str]:
    """The app's files a browser may fetch (modules and style sheets), by name."""
    return frozenset(path.name for path in APP_DIR.iterdir() if path.suffix in ASSET_TYPES)


def asset_response(name: str, bucket_origin: str) -> Response[Any]:
    """One of :func:`asset_names` as it is stored; :class:`AssetNotFoundError` for any other name."""
    if name not in asset_names():
        raise AssetNotFoundError(f"the app has no file {name!r}")
    body = (APP_DIR / name).read_text(encoding="utf-8")
    media_type = ASSET_TYPES[Path(name).suffix]
    return Response(HTTPStatus.OK, media_type, body=body, headers=_headers(media_type, bucket_origin))


def _options(values: tuple[str, ...], default: object) -> str:
    return "".join(
        f'<option value="{value}"{" selected" if value == default else ""}>{value}</option>'
        for value in values
    )


@cache
def render_index() -> str:
    """The page, with the upload form's choices taken from the library's own lists and defaults."""
    defaults = ExtractParams()
    return Template((APP_DIR / INDEX).read_text(encoding="utf-8")).substitute(
        min_k=MIN_K,
        max_k=MAX_K,
        default_k=defaults.k,
        method_options=_options(METHODS, defaults.method),
        space_options=_options(SPACES, defaults.space),
        accents_checked=" checked" if defaults.accents else "",
        max_files=MAX_FILES,
        export_formats=",".join(EXPORT_FORMATS),
        color_classes=",".join(BASIC_COLOR_TERMS),
    )


def index_response(bucket_origin: str) -> Response[str]:
    media_type = "text/html; charset=utf-8"
    return Response(
        HTTPStatus.OK, media_type, body=render_index(), headers=_headers(media_type, bucket_origin)
    )
