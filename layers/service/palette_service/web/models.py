"""What the read API answers, as pydantic models (they also make its OpenAPI document).

Each model builds its validator on first use (``defer_build``), not when this module is imported: a
request builds the models of its own route only, and the cold start none (see :func:`build_models`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from palette_service.domain.films import FilmRecord
from palette_service.domain.records import StillRecord, StillStatus
from palette_service.domain.uploads import MAX_FILES, ONE_SEGMENT, UploadGrant
from palette_service.web.routes import FILM, FILM_BARCODE, FILM_PALETTE, fill, still_path, swatch_path
from palettes.basic_colors import BasicColor
from palettes.params import MAX_K, MIN_K, Method, Space

if TYPE_CHECKING:  # the search loads with its routes (the API's DEFERRED_MODULES)
    from palette_service.domain.search import Hit

HEX_PATTERN = r"^#[0-9a-fA-F]{6}$"


class ApiModel(BaseModel):
    """The base of the API's models: built on first use."""

    model_config = ConfigDict(defer_build=True)


class TextColor(ApiModel):
    """A text colour readable on a colour, with its WCAG 2.x contrast ratio (at least 4.5)."""

    hex: str = Field(pattern=HEX_PATTERN, examples=["#f6e7d8"])
    contrast: float = Field(ge=1, le=21, examples=[7.12])


class _Color(ApiModel):
    model_config = ConfigDict(extra="allow")

    hex: str = Field(pattern=HEX_PATTERN, examples=["#1b2a3c"])
    rgb: list[int] = Field(min_length=3, max_length=3)
    hsv: list[float] = Field(min_length=3, max_length=3)
    lab: list[float] = Field(min_length=3, max_length=3)
    proportion: float = Field(ge=0, le=1)
    name: str = Field(description="the nearest CSS colour name")


class PaletteColor(_Color):
    """One colour of a palette; ``proportion`` is its share of the counted pixels. ``xkcd_name``,
    ``basic`` and ``text`` come with schema 2 and are absent from a schema 1 document."""

    accent: bool
    xkcd_name: str | None = Field(default=None, description="the nearest name of the xkcd colour survey")
    basic: BasicColor | None = Field(default=None, description="one of the eleven basic colour terms")
    text: TextColor | None = None


class RoleColor(_Color):
    """The colour a role takes (schema 2): ``in_palette`` is false when it comes from outside the
    palette's colours; ``proportion`` is its share of the counted pixels."""

    xkcd_name: str
    basic: BasicColor
    text: TextColor
    in_palette: bool


class PaletteRoles(ApiModel):
    """Android Palette-style roles (schema 2); a role the still has no colour for is null."""

    dominant: RoleColor
    vibrant: RoleColor | None
    light_vibrant: RoleColor | None
    dark_vibrant: RoleColor | None
    muted: RoleColor | None
    light_muted: RoleColor | None
    dark_muted: RoleColor | None


class PaletteSource(ApiModel):
    model_config = ConfigDict(extra="allow")

    key: str | None
    width: int
    height: int
    format: str
    counted_pixels: int
    # The S3 version of the still analysed; absent from documents stored before it.
    version_id: str | None = None


class PaletteDocument(ApiModel):
    """The palette document as the palettes library writes it: ``schema_version`` 2, or 1 for a
    palette stored before the roles (no ``roles``, no ``xkcd_name``, ``basic`` or ``text``)."""

    model_config = ConfigDict(extra="allow")

    schema_version: int = Field(ge=1, examples=[2])
    source: PaletteSource
    params: dict[str, Any]
    colors: list[PaletteColor]
    roles: PaletteRoles | None = None
    coolors_url: str | None = None


class StillLinks(ApiModel):
    """Paths relative to the API root (the stage), each segment URL-encoded."""

    palette: str = Field(serialization_alias="self")
    swatch: str | None


class StillSummary(ApiModel):
    """One still in a listing: its colours when DONE, its reason when FAILED; ``processing_since`` when a
    newer upload of the still has not been processed yet (the colours are still the older upload's)."""

    key: str
    film: str
    name: str
    status: Literal["DONE", "FAILED"]
    updated_at: str
    colors: list[str] | None = None
    reason: str | None = None
    error: str | None = None
    processing_since: str | None = None
    links: StillLinks

    @classmethod
    def from_record(cls, record: StillRecord) -> StillSummary:
        film, name = record.still.film, record.still.name
        palette_path = still_path(film, name)
        done = record.status is StillStatus.DONE
        return cls(
            key=record.key,
            film=film,
            name=name,
            status="DONE" if done else "FAILED",
            updated_at=record.updated_at,
            colors=record.hex_colors if done else None,
            reason=None if done else record.reason,
            error=None if done else record.error,
            processing_since=None if record.processing is None else record.processing.since,
            links=StillLinks(palette=palette_path, swatch=swatch_path(film, name) if done else None),
        )


class StillPage(ApiModel):
    """A page of a film's stills, newest first; pass ``next_cursor`` back as ``cursor`` for the next."""

    items: list[StillSummary]
    next_cursor: str | None


class ErrorMessage(ApiModel):
    message: str


class FailedStill(ApiModel):
    """A still that was processed and failed: why, as a sentence and as a stable code."""

    status: Literal["FAILED"] = "FAILED"
    key: str
    reason: str
    error: str


class StillCounts(ApiModel):
    """A film's stills by status (removed stills are not counted)."""

    done: int = Field(ge=0)
    failed: int = Field(ge=0)
    processing: int = Field(ge=0)


class FilmDocument(ApiModel):
    """A film's palette: a still's colour fields and roles, clustered from the pooled pixels of its DONE
    stills; ``pixels`` is how many pixels it stands for, each colour's ``proportion`` its share of them."""

    model_config = ConfigDict(extra="allow")

    film: str
    stills: StillCounts
    pixels: int = Field(ge=0)
    updated_at: str
    schema_version: int = Field(ge=1, examples=[2])
    params: dict[str, Any]
    colors: list[PaletteColor]
    roles: PaletteRoles | None = None


class FilmLinks(ApiModel):
    """Paths relative to the API root (the stage), each segment URL-encoded."""

    film: str = Field(serialization_alias="self")
    palette: str
    barcode: str | None


class FilmSummary(ApiModel):
    """One film in the listing: its still counts, its palette's colours (none while no still is DONE)
    and when a still of it last changed."""

    film: str
    stills: StillCounts
    colors: list[str] | None
    updated_at: str
    links: FilmLinks

    @classmethod
    def from_record(cls, record: FilmRecord) -> FilmSummary:
        colors = record.hex_colors
        film = record.film
        return cls(
            film=film,
            stills=StillCounts(**record.counts.to_dict()),
            colors=colors,
            updated_at=record.updated_at,
            links=FilmLinks(
                film=fill(FILM, film=film),
                palette=fill(FILM_PALETTE, film=film),
                barcode=fill(FILM_BARCODE, film=film) if colors is not None else None,
            ),
        )


class FilmsPage(ApiModel):
    """A page of films, newest change first; pass ``next_cursor`` back as ``cursor`` for the next."""

    items: list[FilmSummary]
    next_cursor: str | None


class SearchMatch(ApiModel):
    """A palette colour that made a hit: its place in the still's palette, its share of the frame,
    its CIEDE2000 distance from query colour ``query_color`` (none for a class search) and, for a mix
    or "more like this", the share of the frame the query moved onto it (``flow``)."""

    color_index: int = Field(ge=0)
    hex: str = Field(pattern=HEX_PATTERN)
    proportion: float = Field(ge=0, le=1)
    basic: str
    delta_e: float | None = None
    query_color: int | None = None
    flow: float | None = None


class SearchHit(ApiModel):
    """A still found: ``score`` (colour and class searches, higher is better) or ``distance`` (mixes
    and "more like this": the mean CIEDE2000 the query's colours travel, lower is better)."""

    film: str
    name: str
    score: float | None
    distance: float | None
    matches: list[SearchMatch]
    links: StillLinks

    @classmethod
    def from_hit(cls, hit: Hit) -> SearchHit:
        return cls(
            film=hit.film,
            name=hit.name,
            score=hit.score,
            distance=hit.distance,
            matches=[SearchMatch(**match.__dict__) for match in hit.matches],
            links=StillLinks(palette=still_path(hit.film, hit.name), swatch=swatch_path(hit.film, hit.name)),
        )


class SearchPage(ApiModel):
    """Hits, best first; pass ``next_cursor`` back as ``cursor`` (with the same query) for more.
    ``exact``: whether the page is proved to be the true ranking's first (always, for a colour or a
    class; for a mix or "more like this", unless the search stopped widening at its read budget)."""

    items: list[SearchHit]
    next_cursor: str | None
    exact: bool


class UploadRequest(ApiModel):
    """Stills to upload to ``film``, by file name, and the extraction options they are uploaded with."""

    model_config = ConfigDict(extra="forbid")
    # The pattern is stated in the schema for clients; the domain's key rules check it, with their messages.
    film: str = Field(json_schema_extra={"pattern": ONE_SEGMENT}, examples=["my-film"])
    files: list[Annotated[str, Field(json_schema_extra={"pattern": ONE_SEGMENT})]] = Field(
        min_length=1,
        max_length=MAX_FILES,
        json_schema_extra={"uniqueItems": True},
        description="file names, each once; a name whose output keys would pass S3's 1024 bytes is refused",
        examples=[["shot 1.jpg", "shot 2.jpg"]],
    )
    k: int | None = Field(default=None, ge=MIN_K, le=MAX_K, description="colours in the palette")
    method: Method | None = None
    space: Space | None = None
    # JSON's 1 or "true" is not a boolean (lax validation would take them for one).
    accents: bool | None = Field(default=None, strict=True)

    @field_validator("k", mode="before")
    @classmethod
    def _json_integer(cls, value: object) -> object:
        """JSON Schema's integer: a number without a fraction (1.0 too), never true, false or text, which
        lax validation would take for 1, 0 or 5 (Schemathesis sent "k": true)."""
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise ValueError("must be a whole number")

    def options(self) -> dict[str, str]:
        """The options given, as the text the object metadata carries."""
        given = self.model_dump(include={"k", "method", "space", "accents"}, exclude_none=True)
        return {
            name: str(value).lower() if isinstance(value, bool) else str(value)
            for name, value in given.items()
        }


class UploadForm(ApiModel):
    """One still's upload: POST ``fields`` then ``Content-Type`` (``image/...``) and ``file`` as a
    multipart form to ``url``; then poll ``links.self`` until it answers 200 (DONE) or 422 (FAILED)."""

    film: str
    name: str
    key: str
    url: str
    fields: dict[str, str]
    links: StillLinks

    @classmethod
    def from_grant(cls, grant: UploadGrant) -> UploadForm:
        film, name = grant.still.film, grant.still.name
        return cls(
            film=film,
            name=name,
            key=grant.key,
            url=grant.url,
            fields=grant.fields,
            links=StillLinks(palette=still_path(film, name), swatch=swatch_path(film, name)),
        )


class UploadsPage(ApiModel):
    """A presigned POST per file, valid for ``expires_in`` seconds, each for at most ``max_bytes``."""

    expires_in: int
    max_bytes: int
    uploads: list[UploadForm]


class ImageLink(ApiModel):
    """A short-lived URL of the still's uploaded image (the bucket itself is private)."""

    url: str
    expires_in: int


class TimelineColor(ApiModel):
    hex: str = Field(pattern=HEX_PATTERN)
    proportion: float = Field(ge=0, le=1)


class TimelineStill(ApiModel):
    """One stripe of the barcode: a DONE still and its colours, largest first."""

    name: str
    colors: list[TimelineColor]
    links: StillLinks


class FilmTimeline(ApiModel):
    """A film's DONE stills in film order: the barcode's stripes, left to right."""

    film: str
    stills: list[TimelineStill]

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> FilmTimeline:
        film = str(document["film"])
        return cls(
            film=film,
            stills=[
                TimelineStill(
                    name=still["name"],
                    colors=still["colors"],
                    links=StillLinks(
                        palette=still_path(film, still["name"]), swatch=swatch_path(film, still["name"])
                    ),
                )
                for still in document["stills"]
            ],
        )


def build_models() -> int:
    """Build every model now (what SnapStart's snapshot should hold); how many were built."""
    models = [item for item in globals().values() if isinstance(item, type) and issubclass(item, ApiModel)]
    for model in models:
        model.model_rebuild()
    return len(models)
