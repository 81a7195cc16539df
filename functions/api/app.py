"""Read API function: palettes, exports, swatches and listings of processed stills (API Gateway REST).

Routes only: the paths come from ``palette_service.web.routes``, the answers to errors, the
OpenAPI document and the request checks from the rest of ``palette_service.web``. It imports no
numpy: only the pure parts of the palettes library (``palettes.exports``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache, cached_property
from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import FiniteFloat

from palette_service.domain import film_reads, reads, search_terms
from palette_service.domain.films import DEFAULT_BARCODE_STYLE
from palette_service.domain.listing import DEFAULT_LIMIT, MAX_LIMIT, PREFIX_PATTERN, list_stills
from palette_service.domain.ports import ColorIndex, FilmRepository, StillRepository, StillStore, UploadSigner
from palette_service.errors import ReadError
from palette_service.observability import capture_lambda_handler, logger, metrics
from palette_service.settings import ServiceSettings
from palette_service.snapstart import prepare_snapshot
from palette_service.web import openapi, routes
from palette_service.web.error_handlers import install_error_handlers
from palette_service.web.errors import http_status
from palette_service.web.media_types import with_lowercase_media_type
from palette_service.web.middleware import add_security_headers, reject_unknown_query_parameters
from palette_service.web.models import (
    FilmDocument,
    FilmsPage,
    FilmSummary,
    FilmTimeline,
    ImageLink,
    SearchHit,
    SearchPage,
    StillPage,
    StillSummary,
    UploadRequest,
    UploadsPage,
    build_models,
)
from palette_service.web.responses import (
    CONTENT_SECURITY_POLICY,
    GALLERY_DEFAULT_LIMIT,
    GALLERY_MAX_LIMIT,
    HTML_HEADERS,
    content_disposition,
    is_text_media_type,
)
from palettes.barcode import BARCODE_STYLES, MAX_HEIGHT, MAX_WIDTH
from palettes.basic_colors import BASIC_COLOR_TERMS

if TYPE_CHECKING:
    from palette_service.domain.search import SearchQuery

# Loaded by the requests that need them, not by this module, and before a SnapStart snapshot: boto3 and
# the clients (any route's first request), the search and its colour index (the search routes, which
# are declared from search_terms), the gallery page (its routes), Powertools' OpenAPI document models
# (/openapi.json). The X-Ray SDK loads only when tracing is on (observability).
DEFERRED_MODULES = (
    "palette_service.data.clients",
    "palette_service.domain.search_reads",
    "palette_service.web.gallery",
    "aws_lambda_powertools.event_handler.openapi.models",
)

app = APIGatewayRestResolver(
    enable_validation=True,
    # A response that does not match its model is our bug: a 500, not the 400 of a bad request.
    response_validation_error_http_code=HTTPStatus.INTERNAL_SERVER_ERROR,
)
app.use(middlewares=[reject_unknown_query_parameters, add_security_headers])
install_error_handlers(app)


@dataclass(frozen=True)
class ReadServices:
    """Settings and clients of one execution environment: the one place that holds them, so that
    forgetting ``services()`` (SnapStart's before-snapshot hook) forgets every client."""

    settings: ServiceSettings
    repository: StillRepository
    storage: StillStore
    films: FilmRepository
    index: ColorIndex

    @cached_property
    def upload_signer(self) -> UploadSigner:
        """Presigned grants on the stills bucket, made on first use (the upload and image routes)."""
        from palette_service.data.clients import make_upload_signer

        return make_upload_signer(self.settings)

    @cached_property
    def bucket_origin(self) -> str:
        """Where the browser posts uploads and reads still images: the origin of a presigned URL."""
        from palette_service.web.webapp import origin_of

        return origin_of(self.upload_signer.presigned_get("-", None, 60))


@cache
def services() -> ReadServices:
    """Settings and clients, made once per execution environment (on the first request, which is
    when boto3 loads)."""
    from palette_service.data.clients import make_adapters, make_color_index, make_film_repository

    settings = ServiceSettings.from_env()
    repository, storage = make_adapters(settings)
    return ReadServices(
        settings=settings,
        repository=repository,
        storage=storage,
        films=make_film_repository(settings),
        index=make_color_index(settings),
    )


prepare_snapshot(services, DEFERRED_MODULES, warm=build_models)


def path_segment(raw: str) -> str:
    """A path parameter as the name it stands for.

    API Gateway (REST) passes the path as the client sent it, percent-encoded; in a path ``+`` is a
    plain plus, so this is ``unquote``, not the ``unquote_plus`` of S3 event keys.
    """
    return unquote(raw)


@app.get(
    routes.resolver_path(routes.PALETTE),
    summary="A still's palette document, or an export of it",
    responses={
        200: {
            "description": "The palette document, or the export named by `format`",
            "content": openapi.export_content(),
        },
        400: openapi.BAD_REQUEST,
        404: openapi.NOT_FOUND,
        422: openapi.FAILED,
    },
)
def get_palette(  # type: ignore[no-untyped-def]
    film: str,
    still: str,
    export_format: Annotated[
        reads.ExportFormat | None,
        Query(alias="format", description="Export format; without it, the palette document as JSON"),
    ] = None,
):
    # No return annotation on purpose: Powertools validates a route's return type, and this body is
    # JSON, text or binary depending on `format` (the OpenAPI document is declared in `responses`).
    record = reads.get_record(services().repository, path_segment(film), path_segment(still))
    if export_format is None:
        return Response(HTTPStatus.OK, content_types.APPLICATION_JSON, body=reads.palette_document(record))
    return _download(reads.export_palette(record, export_format.value))


def _download(export: reads.ExportFile) -> Response[Any]:
    """An export as a download: text bodies as text, binary ones as bytes."""
    metrics.add_metric(name="PaletteExports", unit=MetricUnit.Count, value=1)
    return Response(
        HTTPStatus.OK,
        export.media_type,
        body=export.body.decode() if is_text_media_type(export.media_type) else export.body,
        headers={"Content-Disposition": content_disposition(export.filename)},
    )


@app.get(
    routes.resolver_path(routes.SWATCH),
    summary="A still's swatch (PNG)",
    responses={
        200: {"description": "The swatch", "content": openapi.PNG},
        404: openapi.NOT_FOUND,
        422: openapi.FAILED,
    },
)
def get_swatch(film: str, still: str):  # type: ignore[no-untyped-def]
    # No return annotation on purpose: Powertools would validate (and so decode) the binary body.
    current = services()
    record = reads.get_record(current.repository, path_segment(film), path_segment(still))
    return Response(HTTPStatus.OK, "image/png", body=reads.read_swatch(current.storage, record))


@app.get(
    routes.PALETTES,
    summary="A film's stills, newest first",
    responses={200: {"description": "A page of stills"}, 400: openapi.BAD_REQUEST},
)
def get_palettes(
    prefix: Annotated[
        str,
        Query(
            description="`<film>/` or `<film>/<start of the still name>`",
            examples=["my-film/"],
            pattern=PREFIX_PATTERN,
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Stills per page")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(description="`next_cursor` of the previous page", min_length=1)
    ] = None,
) -> StillPage:
    listing = list_stills(services().repository, prefix, limit=limit, cursor=cursor)
    return StillPage(
        items=[StillSummary.from_record(record) for record in listing.records],
        next_cursor=listing.next_cursor,
    )


@app.get(
    routes.FILMS,
    summary="Films that have stills, newest change first",
    responses={200: openapi.json_body(FilmsPage, "A page of films"), 400: openapi.BAD_REQUEST},
)
def get_films(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Films per page")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(description="`next_cursor` of the previous page", min_length=1)
    ] = None,
) -> FilmsPage:
    listing = film_reads.list_films(services().films, limit=limit, cursor=cursor)
    return FilmsPage(
        items=[FilmSummary.from_record(record) for record in listing.films], next_cursor=listing.next_cursor
    )


@app.get(
    routes.resolver_path(routes.FILM),
    summary="A film's palette document: its colours and roles over all its stills, and its still counts",
    responses={200: openapi.json_body(FilmDocument, "The film document"), 404: openapi.FILM_NOT_FOUND},
)
def get_film(film: str) -> FilmDocument:
    record = film_reads.get_film(services().films, path_segment(film))
    return FilmDocument.model_validate(film_reads.film_document(record))


@app.get(
    routes.resolver_path(routes.FILM_PALETTE),
    summary="A film's palette document, or an export of it",
    responses={
        200: {
            "description": "The film's palette document, or the export named by `format`",
            "content": openapi.export_content(FilmDocument),
        },
        400: openapi.BAD_REQUEST,
        404: openapi.FILM_NOT_FOUND,
    },
)
def get_film_palette(  # type: ignore[no-untyped-def]
    film: str,
    export_format: Annotated[
        reads.ExportFormat | None,
        Query(alias="format", description="Export format; without it, the film's palette document as JSON"),
    ] = None,
):
    # No return annotation: the body is JSON, text or binary depending on `format` (see get_palette).
    record = film_reads.get_film(services().films, path_segment(film))
    if export_format is None:
        return Response(HTTPStatus.OK, content_types.APPLICATION_JSON, body=film_reads.film_document(record))
    return _download(film_reads.export_film_palette(record, export_format.value))


@app.get(
    routes.resolver_path(routes.FILM_BARCODE),
    summary="A film's colour timeline (barcode): one stripe per DONE still, in film order (PNG)",
    responses={
        200: {"description": "The barcode", "content": openapi.PNG},
        400: openapi.BAD_REQUEST,
        404: openapi.FILM_NOT_FOUND,
    },
)
def get_film_barcode(  # type: ignore[no-untyped-def]
    film: str,
    style: Annotated[
        str,
        Query(
            description="`dominant`: each stripe the still's largest colour; `palette`: split by its colours",
            pattern="^(" + "|".join(BARCODE_STYLES) + ")$",
        ),
    ] = DEFAULT_BARCODE_STYLE,
    width: Annotated[int | None, Query(ge=1, le=MAX_WIDTH, description="Width in pixels")] = None,
    height: Annotated[int | None, Query(ge=1, le=MAX_HEIGHT, description="Height in pixels")] = None,
):
    # No return annotation on purpose: Powertools would validate (and so decode) the binary body.
    film_reads.check_barcode_options(style, width, height)
    current = services()
    record = film_reads.get_film(current.films, path_segment(film))
    barcode = film_reads.read_barcode(current.storage, record, style=style, width=width, height=height)
    return Response(HTTPStatus.OK, "image/png", body=barcode)


# The basic colour terms as an enum (what the class parameter validates against).
BasicTerm = StrEnum("BasicTerm", [(term.upper(), term) for term in BASIC_COLOR_TERMS])  # type: ignore[misc]
_CURSOR = Query(description="`next_cursor` of the previous page of the same query", min_length=1)
_FILM_FILTER = Query(description="only stills of this film")
_LIMIT = Query(
    ge=1, le=search_terms.MAX_LIMIT, description=f"hits per page (default {search_terms.DEFAULT_LIMIT})"
)
_MAX_DELTA_E = Query(
    ge=search_terms.MIN_DELTA_E,
    le=search_terms.MAX_DELTA_E,
    description=f"CIEDE2000 radius (default {search_terms.DEFAULT_MAX_DELTA_E:g})",
)


@app.get(
    routes.SEARCH,
    summary="Stills by colour: one colour, a weighted mix, or a basic colour term",
    description=(search_terms.__doc__ or "").split("\n\n", 1)[-1],
    responses={200: openapi.json_body(SearchPage, "A page of hits, best first"), 400: openapi.BAD_REQUEST},
)
def get_search(
    *,
    color: Annotated[
        str | None, Query(pattern=search_terms.HEX_PATTERN, description="a hex colour, e.g. c0392b")
    ] = None,
    colors: Annotated[
        str | None, Query(description="up to 5 `hex:percent`, e.g. c0392b:30,1abc9c:20 (at most 100 in all)")
    ] = None,
    color_class: Annotated[
        BasicTerm | None, Query(alias="class", description="a basic colour term, e.g. blue")
    ] = None,
    max_delta_e: Annotated[FiniteFloat | None, _MAX_DELTA_E] = None,
    min_share: Annotated[
        FiniteFloat | None,
        Query(
            ge=0,
            le=1,
            description=f"least share of the frame (default {search_terms.DEFAULT_MIN_SHARE})",
        ),
    ] = None,
    film: Annotated[str | None, _FILM_FILTER] = None,
    limit: Annotated[int | None, _LIMIT] = None,
    cursor: Annotated[str | None, _CURSOR] = None,
) -> SearchPage:
    # Validated for their form above (and in the OpenAPI document); the search's parser checks the rest.
    from palette_service.domain.search import parse_search_query

    query = parse_search_query(
        _as_text(
            color=color,
            colors=colors,
            **{"class": color_class},
            max_delta_e=max_delta_e,
            min_share=min_share,
            film=film,
            limit=limit,
        )
    )
    return _search_page(query, cursor)


@app.get(
    routes.resolver_path(routes.SIMILAR),
    summary="More like this: the stills whose palettes are nearest this still's",
    responses={
        200: openapi.json_body(SearchPage, "A page of hits, nearest first"),
        400: openapi.BAD_REQUEST,
        404: openapi.NOT_FOUND,
        422: openapi.FAILED,
    },
)
def get_similar(
    film: str,
    still: str,
    *,
    film_filter: Annotated[str | None, Query(alias="film", description="only stills of this film")] = None,
    max_delta_e: Annotated[FiniteFloat | None, _MAX_DELTA_E] = None,
    limit: Annotated[int | None, _LIMIT] = None,
    cursor: Annotated[str | None, _CURSOR] = None,
) -> SearchPage:
    from palette_service.domain.search import similar_query

    source_film, name = path_segment(film), path_segment(still)
    document = reads.palette_document(reads.get_record(services().repository, source_film, name))
    query = similar_query(
        source_film,
        name,
        document.get("colors", []),
        _as_text(film=film_filter, max_delta_e=max_delta_e, limit=limit),
    )
    return _search_page(query, cursor)


def _as_text(**values: object) -> dict[str, str | None]:
    """Query values as the search's parser reads them: text, or ``None`` when absent."""
    return {name: None if value is None else str(value) for name, value in values.items()}


def _search_page(query: SearchQuery, cursor: str | None) -> SearchPage:
    from palette_service.domain.search_reads import find

    current = services()
    page = find(query, current.index, current.repository, cursor=cursor)
    metrics.add_metric(name="SearchCandidates", unit=MetricUnit.Count, value=page.candidates)
    return SearchPage(
        items=[SearchHit.from_hit(hit) for hit in page.hits], next_cursor=page.next_cursor, exact=page.exact
    )


# The gallery is HTML for people, not part of the JSON API's OpenAPI document. It is one
# self-contained page (swatches and exports inline): see palette_service.web.gallery for why.
@app.get(routes.GALLERY, include_in_schema=False)
def get_gallery(
    prefix: Annotated[str | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=GALLERY_MAX_LIMIT)] = GALLERY_DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query()] = None,
) -> Response[str]:
    if not prefix:
        from palette_service.web import gallery

        return _html(HTTPStatus.OK, gallery.render_index())
    return _gallery_page(prefix, limit, cursor, keep_query={"prefix": prefix})


@app.get(routes.resolver_path(routes.FILM_GALLERY), include_in_schema=False)
def get_film_gallery(
    film: str,
    limit: Annotated[int, Query(ge=1, le=GALLERY_MAX_LIMIT)] = GALLERY_DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query()] = None,
) -> Response[str]:
    return _gallery_page(f"{path_segment(film)}/", limit, cursor, keep_query={})


def _gallery_page(
    prefix: str, limit: int, cursor: str | None, *, keep_query: dict[str, str]
) -> Response[str]:
    # The page's renderer loads with the first gallery request: the JSON routes never need it.
    from palette_service.web import gallery

    current = services()
    try:
        page = gallery.collect_gallery(
            current.repository, current.storage, prefix, limit=limit, cursor=cursor, films=current.films
        )
    except ReadError as error:
        status = http_status(error)
        return _html(status, gallery.render_error(status, str(error)))
    return _html(HTTPStatus.OK, gallery.render_gallery(page, keep_query=keep_query))


def _html(status: int, page: str) -> Response[str]:
    headers = {"Content-Security-Policy": CONTENT_SECURITY_POLICY, **HTML_HEADERS}
    return Response(status, "text/html; charset=utf-8", body=page, headers=headers)


@app.get(
    routes.resolver_path(routes.FILM_TIMELINE),
    summary="A film's DONE stills in film order, each with its colours: the barcode's stripes",
    responses={200: openapi.json_body(FilmTimeline, "The timeline"), 404: openapi.FILM_NOT_FOUND},
)
def get_film_timeline(film: str) -> FilmTimeline:
    current = services()
    record = film_reads.get_film(current.films, path_segment(film))
    return FilmTimeline.from_document(film_reads.read_timeline(current.storage, record))


@app.post(
    routes.UPLOADS,
    summary="Presigned POSTs that upload stills from a browser straight to the bucket",
    responses={
        200: openapi.json_body(UploadsPage, "One upload form per file"),
        400: openapi.BAD_REQUEST,
        415: openapi.NOT_JSON,
    },
)
def post_uploads(request: UploadRequest) -> UploadsPage:
    from palette_service.web.uploads import uploads_page

    current = services()
    return uploads_page(request, current.settings, current.upload_signer)


@app.get(
    routes.resolver_path(routes.STILL_IMAGE),
    summary="A short-lived URL of the still's uploaded image",
    responses={200: openapi.json_body(ImageLink, "The URL"), 404: openapi.NOT_FOUND},
)
def get_still_image(film: str, still: str) -> ImageLink:
    from palette_service.domain.uploads import IMAGE_EXPIRES_SECONDS, still_image_url

    current = services()
    url = still_image_url(current.repository, current.upload_signer, path_segment(film), path_segment(still))
    return ImageLink(url=url, expires_in=IMAGE_EXPIRES_SECONDS)


# The web app's page and files: no data and no key (see palette_service.web.webapp).
@app.get(routes.APP, include_in_schema=False)
def get_web_app() -> Response[str]:
    from palette_service.web.webapp import index_response

    return index_response(services().bucket_origin)


@app.get(routes.resolver_path(routes.APP_ASSET), include_in_schema=False)
def get_web_app_asset(asset: str) -> Response[Any]:
    from palette_service.web.webapp import asset_response

    return asset_response(path_segment(asset), services().bucket_origin)


@app.get(routes.OPENAPI, include_in_schema=False)
def get_openapi() -> Response[str]:
    event = app.current_event
    requested = (event.raw_event.get("requestContext") or {}).get("path") or event.path
    server = openapi.server_url(requested, routes.OPENAPI)
    return Response(HTTPStatus.OK, content_types.APPLICATION_JSON, body=openapi.openapi_document(app, server))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = app.resolve(with_lowercase_media_type(event), context)
    metrics.add_metric(name=f"Responses{response['statusCode'] // 100}xx", unit=MetricUnit.Count, value=1)
    return response
