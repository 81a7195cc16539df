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

# Every route the API serves, all GET.
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
)


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
