"""The read API's routes, each path written once (in the template's ``{param}`` form).

Pure Python with no imports beyond the standard library: the API function, the CLI, the local
API server and the tests all take their paths from here, and a test holds ``template.yaml``'s
``Events`` to the same list.
"""

from __future__ import annotations

from urllib.parse import quote

PALETTES = "/palettes"
PALETTE = "/palettes/{film}/{still}"
SWATCH = "/palettes/{film}/{still}/swatch"
GALLERY = "/gallery"
FILM_GALLERY = "/gallery/{film}"
OPENAPI = "/openapi.json"
FILMS = "/films"
FILM = "/films/{film}"
FILM_PALETTE = "/films/{film}/palette"
FILM_BARCODE = "/films/{film}/barcode"
SEARCH = "/search"
SIMILAR = "/palettes/{film}/{still}/similar"
STILL_IMAGE = "/palettes/{film}/{still}/image"
FILM_TIMELINE = "/films/{film}/timeline"
UPLOADS = "/uploads"
APP = "/app"
APP_ASSET = "/app/{asset}"

# Every route the API serves: GET unless METHODS says otherwise.
ROUTES = (
    PALETTES,
    PALETTE,
    SWATCH,
    GALLERY,
    FILM_GALLERY,
    OPENAPI,
    FILMS,
    FILM,
    FILM_PALETTE,
    FILM_BARCODE,
    SEARCH,
    SIMILAR,
    STILL_IMAGE,
    FILM_TIMELINE,
    UPLOADS,
    APP,
    APP_ASSET,
)
METHODS = {UPLOADS: "POST"}
# The web app's page and its code: no data, and a browser cannot send a key with a page load, so no
# key either. Every other route requires the API key (or IAM).
PUBLIC_ROUTES = (APP, APP_ASSET)


def method_of(route: str) -> str:
    """The HTTP method of ``route`` (one of :data:`ROUTES`)."""
    return METHODS.get(route, "GET")


def resolver_path(route: str) -> str:
    """``route`` in the ``<param>`` form of Powertools' resolver."""
    return route.replace("{", "<").replace("}", ">")


def fill(route: str, **params: str) -> str:
    """``route`` with each parameter percent-encoded as one path segment (``/`` included)."""
    return route.format(**{name: quote(value, safe="") for name, value in params.items()})


def still_path(film: str, name: str) -> str:
    """The path of a still's palette, relative to the API root (the stage)."""
    return fill(PALETTE, film=film, still=name)


def swatch_path(film: str, name: str) -> str:
    return fill(SWATCH, film=film, still=name)
