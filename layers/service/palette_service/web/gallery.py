"""The gallery: a film's stills with swatches, hex codes, proportions and exports, as one HTML page.

The page is self-contained on purpose: swatches are embedded as ``data:`` images and exports as
``data:`` download links, so the single request that fetched the page (with the API key in
``x-api-key``, which API Gateway requires on every route) is the only one. Browsers cannot add that
header to ``<img>`` or link requests, so anything the page loaded afterwards would be refused; a
self-contained page also works when saved (``palettes gallery``) and needs no JavaScript. Its
Content-Security-Policy allows no script and no request at all.

:func:`collect_gallery` reads a page of stills through the repository and storage it is given;
the ``render_*`` functions are pure.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from urllib.parse import urlencode

from palette_service.domain.film_reads import read_barcode
from palette_service.domain.films import DEFAULT_BARCODE_STYLE, FilmRecord
from palette_service.domain.listing import list_stills, page_limit
from palette_service.domain.ports import FilmRepository, StillRepository, StillStore
from palette_service.domain.reads import ExportFile, ExportFormat, export_palette, read_swatch
from palette_service.domain.records import StillRecord, StillStatus
from palette_service.errors import ReadError
from palette_service.web.responses import CONTENT_SECURITY_POLICY
from palette_service.web.responses import GALLERY_DEFAULT_LIMIT as DEFAULT_LIMIT
from palette_service.web.responses import GALLERY_MAX_LIMIT as MAX_LIMIT
from palette_service.web.routes import still_path

_EXPORT_LABELS = {"json": "JSON", "css": "CSS", "gpl": "GIMP", "ase": "ASE", "text": "Text"}
# The page's style sheet, inlined (the page loads nothing): one file beside this module.
_STYLE = (Path(__file__).parent / "gallery.css").read_text(encoding="utf-8")
_SWATCH_READERS = 8


@dataclass(frozen=True)
class GalleryStill:
    """One still of the page: its record and, when DONE, its swatch PNG (``None`` if missing) and exports."""

    record: StillRecord
    swatch_png: bytes | None = None
    exports: tuple[tuple[ExportFormat, ExportFile], ...] = ()


@dataclass(frozen=True)
class GalleryFilm:
    """The film above its stills: its aggregate (with its palette) and its barcode PNG."""

    record: FilmRecord
    barcode_png: bytes | None


@dataclass(frozen=True)
class GalleryPage:
    prefix: str
    stills: tuple[GalleryStill, ...]
    next_cursor: str | None
    limit: int
    generated_at: datetime
    film_palette: GalleryFilm | None = None

    @property
    def film(self) -> str:
        return self.prefix.partition("/")[0]


def collect_gallery(
    repository: StillRepository,
    storage: StillStore,
    prefix: str | None,
    *,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
    films: FilmRepository | None = None,
) -> GalleryPage:
    """A page of the stills under ``prefix``, newest first, with their swatches and exports, and
    (given ``films``) the film's palette and barcode above them.

    Raises the listing's :class:`~palette_service.errors.InvalidQueryError` for a bad prefix,
    limit or cursor.
    """
    listing = list_stills(repository, prefix, limit=page_limit(limit, MAX_LIMIT), cursor=cursor)
    with ThreadPoolExecutor(max_workers=_SWATCH_READERS) as pool:
        records = list(pool.map(lambda r: _whole(repository, r), listing.records))
        done = [record for record in records if record.status is StillStatus.DONE]
        swatches = dict(
            zip((record.key for record in done), pool.map(lambda r: _swatch(storage, r), done), strict=True)
        )
    stills = tuple(
        GalleryStill(record, swatches[record.key], _exports(record))
        if record.status is StillStatus.DONE
        else GalleryStill(record)
        for record in records
    )
    return GalleryPage(
        prefix=str(prefix),
        stills=stills,
        next_cursor=listing.next_cursor,
        limit=limit,
        generated_at=datetime.now(UTC),
        film_palette=None if films is None else _film(films, storage, str(prefix).partition("/")[0]),
    )


def _film(films: FilmRepository, storage: StillStore, film: str) -> GalleryFilm | None:
    record = films.get_film(film)
    if record is None or record.document is None:
        return None
    try:
        barcode = read_barcode(storage, record, style=DEFAULT_BARCODE_STYLE, width=None, height=None)
    except ReadError:
        barcode = None
    return GalleryFilm(record, barcode)


def _whole(repository: StillRepository, listed: StillRecord) -> StillRecord:
    """A DONE still's whole item: the listing index carries its colours, not its document."""
    if listed.status is not StillStatus.DONE:
        return listed
    record = repository.get(listed.still)
    # Changed since it was listed: shown as listed (its colours), or as its newer outcome.
    return listed if record is None or record.status is StillStatus.DELETED else record


def _swatch(storage: StillStore, record: StillRecord) -> bytes | None:
    try:
        return read_swatch(storage, record)
    except ReadError:
        return None


def _exports(record: StillRecord) -> tuple[tuple[ExportFormat, ExportFile], ...]:
    return tuple((fmt, export_palette(record, fmt.value)) for fmt in ExportFormat)


# ---------------------------------------------------------------------- rendering (pure)
def render_gallery(page: GalleryPage, *, keep_query: Mapping[str, str] | None = None) -> str:
    """The page as HTML. ``keep_query`` holds the query parameters the next-page link must repeat."""
    count = len(page.stills)
    done = sum(1 for still in page.stills if still.record.status is StillStatus.DONE)
    summary = f"{count} still{'s' if count != 1 else ''}"
    if done != count:
        summary += f" · {done} with a palette, {count - done} failed"
    cards = "\n".join(_render_still(still, index) for index, still in enumerate(page.stills))
    if not cards:
        cards = '<p class="empty">No stills under this prefix yet. Upload some under <code>stills/'
        cards += f"{escape(page.prefix)}</code> and reload.</p>"
    pager = ""
    if page.next_cursor:
        query = {**(keep_query or {}), "limit": str(page.limit), "cursor": page.next_cursor}
        link = f'<a rel="next" href="?{escape(urlencode(query))}">Next {page.limit} stills →</a>'
        pager = f'<nav class="pager">{link}</nav>'
    body = f"""<header>
  <h1>{escape(page.film)} <span class="subtitle">colour palettes</span></h1>
  <p class="meta">{summary} · prefix <code>{escape(page.prefix)}</code> · newest first ·
    generated {page.generated_at.strftime("%Y-%m-%d %H:%M UTC")}</p>
</header>
{_render_film(page.film_palette)}
<main class="grid">
{cards}
</main>
{pager}"""
    return _document(f"{page.film} · palettes", body)


def _render_film(film: GalleryFilm | None) -> str:
    """The film's palette over all its stills and its barcode (one stripe per still, in film order)."""
    if film is None or film.record.document is None:
        return ""
    colors: Sequence[Mapping[str, object]] = film.record.document.get("colors", [])
    counts = film.record.counts
    barcode = ""
    if film.barcode_png is not None:
        encoded = base64.b64encode(film.barcode_png).decode("ascii")
        barcode = (
            f'<img class="barcode" src="data:image/png;base64,{encoded}" '
            f'alt="Colour timeline of the film: one stripe per still, in film order ({counts.done} stills)">'
        )
    return f"""<section class="film" aria-labelledby="film-palette">
  <h2 id="film-palette">Film palette</h2>
  <p class="status">{counts.done} stills with a palette · {counts.failed} failed ·
    {counts.processing} processing</p>
  {barcode}
  <div class="bar" aria-hidden="true">{"".join(_bar_segment(color) for color in colors)}</div>
  <table class="colors">
    <thead><tr><th scope="col"><span class="visually-hidden">colour</span></th><th scope="col">hex</th>
      <th scope="col">name</th><th scope="col" class="share">share of the film</th></tr></thead>
    <tbody>
{"".join(_color_row(color) for color in colors)}    </tbody>
  </table>
  {_render_roles(film.record.document.get("roles"))}
</section>"""


def render_index(message: str | None = None) -> str:
    """``/gallery`` without a prefix: a form asking for one (listing is per film, never a scan)."""
    note = f'<p class="error">{escape(message)}</p>' if message else ""
    body = f"""<header>
  <h1>Palettes <span class="subtitle">gallery</span></h1>
  <p class="meta">Stills are listed per film folder: <code>stills/&lt;film&gt;/&lt;still&gt;</code>.</p>
</header>
<main class="narrow">
{note}
<form method="get">
  <label for="prefix">Film folder, optionally with the start of a still's name</label>
  <input id="prefix" name="prefix" placeholder="my-film/" required pattern="[^/]+/.*">
  <button type="submit">Show palettes</button>
</form>
</main>"""
    return _document("Palettes gallery", body)


def render_error(status: int, message: str) -> str:
    body = f"""<header><h1>Palettes <span class="subtitle">gallery</span></h1></header>
<main class="narrow"><p class="error">{escape(message)}</p>
<p><a href="?">Start again</a></p></main>"""
    return _document(f"Error {status} · palettes", body)


def _render_still(still: GalleryStill, index: int) -> str:
    record = still.record
    name = escape(record.still.name)
    heading = f'<h2 title="{escape(record.key)}">{name}</h2>'
    updated = escape(record.updated_at[:19].replace("T", " "))
    if record.status is not StillStatus.DONE or record.document is None:
        return f"""<article class="still failed" id="still-{index}">
  {heading}
  <p class="status"><span class="badge failed">failed</span> {escape(record.error or "")} · {updated} UTC</p>
  <p class="reason">{escape(record.reason or "the still could not be processed")}</p>
</article>"""
    colors: Sequence[Mapping[str, object]] = record.document.get("colors", [])
    return f"""<article class="still" id="still-{index}">
  {heading}
  <p class="status"><span class="badge done">done</span> {len(colors)} colours · {updated} UTC</p>
  {_render_swatch(still, colors)}
  <div class="bar" aria-hidden="true">{"".join(_bar_segment(color) for color in colors)}</div>
  <table class="colors">
    <thead><tr><th scope="col"><span class="visually-hidden">colour</span></th><th scope="col">hex</th>
      <th scope="col">name</th><th scope="col" class="share">share</th></tr></thead>
    <tbody>
{"".join(_color_row(color) for color in colors)}    </tbody>
  </table>
  {_render_roles(record.document.get("roles"))}
  <p class="links">{_export_links(still)}</p>
  <p class="api">API <code>GET {escape(still_path(record.still.film, record.still.name))}</code></p>
</article>"""


def _render_swatch(still: GalleryStill, colors: Sequence[Mapping[str, object]]) -> str:
    name = still.record.still.name
    if still.swatch_png is None:
        return f'<p class="missing">No swatch image stored for {escape(name)}.</p>'
    described = ", ".join(f"{color['hex']} {_percent(color)}" for color in colors)
    size = _png_size(still.swatch_png)
    dimensions = f' width="{size[0]}" height="{size[1]}"' if size else ""
    encoded = base64.b64encode(still.swatch_png).decode("ascii")
    return (
        f'<img class="swatch" src="data:image/png;base64,{encoded}"{dimensions} '
        f'alt="Swatch of {escape(name)}: {escape(described)}">'
    )


def _bar_segment(color: Mapping[str, object]) -> str:
    hex_code = _hex(color)
    style = f"width:{_share(color) * 100:.3f}%;background:{hex_code}"
    return f'<span style="{style}" title="{hex_code} {_percent(color)}"></span>'


def _color_row(color: Mapping[str, object]) -> str:
    hex_code = _hex(color)
    is_accent = bool(color.get("accent"))
    row = '<tr class="accent">' if is_accent else "<tr>"
    badge = ' <span class="badge accent" title="a small, saturated region kept as an accent">accent</span>'
    return (
        f"      {row}"
        f"<td>{_chip(color)}</td>"
        f'<td class="hex"><code>{hex_code}</code></td>'
        f"<td>{_names(color)}{badge if is_accent else ''}</td>"
        f'<td class="share"><span class="meter"><span style="width:{_share(color) * 100:.2f}%"></span></span>'
        f"{_percent(color)}</td></tr>\n"
    )


def _chip(color: Mapping[str, object]) -> str:
    """The colour; with a text colour (schema 2), a sample of text in it and its contrast as a title."""
    text = color.get("text")
    if not isinstance(text, Mapping):
        return f'<span class="chip" style="background:{_hex(color)}"></span>'
    contrast = text.get("contrast")
    ratio = f"{contrast:.2f}" if isinstance(contrast, int | float) else "?"
    return (
        f'<span class="chip" style="background:{_hex(color)};color:{_hex(text)}" '
        f'title="text {_hex(text)}, contrast {ratio}:1">Aa</span>'
    )


def _names(color: Mapping[str, object]) -> str:
    """The survey's name, then its basic term and CSS name (schema 2); else the CSS name alone."""
    css = escape(str(color.get("name", "")))
    if not isinstance(color.get("xkcd_name"), str):
        return css
    survey, basic = escape(str(color["xkcd_name"])), escape(str(color.get("basic", "")))
    return f'{survey} <span class="aka">{basic} · CSS {css}</span>'


def _render_roles(roles: object) -> str:
    """The roles (schema 2) as chips labelled in their text colours; nothing for schema 1."""
    if not isinstance(roles, Mapping):
        return ""
    chips = []
    for name, role in roles.items():
        if not isinstance(role, Mapping):
            continue
        text = role.get("text")
        ink = _hex(text) if isinstance(text, Mapping) else "#000000"
        outside = not role.get("in_palette")
        where = "from outside the palette" if outside else "a palette colour"
        chips.append(
            f'<li style="background:{_hex(role)};color:{ink}" title="{where}, {_percent(role)} of the frame">'
            f"{escape(str(name).replace('_', ' '))} <code>{_hex(role)}</code>{' *' if outside else ''}</li>"
        )
    note = (
        '<p class="aka">* from outside the palette</p>' if any(c.endswith(" *</li>") for c in chips) else ""
    )
    return f'<ul class="roles" aria-label="roles">{"".join(chips)}</ul>{note}'


def _export_links(still: GalleryStill) -> str:
    links = []
    for fmt, export in still.exports:
        encoded = base64.b64encode(export.body).decode("ascii")
        media_type = export.media_type.split(";", 1)[0].strip()
        href = f"data:{media_type};base64,{encoded}"
        links.append(f'<a download="{escape(export.filename)}" href="{href}">{_EXPORT_LABELS[fmt]}</a>')
    coolors = (still.record.document or {}).get("coolors_url")
    if isinstance(coolors, str) and coolors.startswith("https://coolors.co/"):
        links.append(
            f'<a href="{escape(coolors)}" rel="noopener noreferrer" target="_blank">coolors.co ↗</a>'
        )
    return "Download " + " · ".join(links)


def _hex(color: Mapping[str, object]) -> str:
    value = str(color.get("hex", "#000000"))
    # Colours come from our own documents; still, nothing but #rrggbb reaches a style attribute.
    if len(value) == 7 and value[0] == "#" and all(c in "0123456789abcdefABCDEF" for c in value[1:]):
        return value.lower()
    return "#000000"


def _share(color: Mapping[str, object]) -> float:
    value = color.get("proportion", 0)
    share = float(value) if isinstance(value, int | float) else 0.0
    return min(max(share, 0.0), 1.0)


def _percent(color: Mapping[str, object]) -> str:
    share = _share(color) * 100
    return f"{share:.1f}%" if share >= 0.1 else "<0.1%"


def _png_size(png: bytes) -> tuple[int, int] | None:
    if len(png) < 24 or png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def _document(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">
<meta name="referrer" content="no-referrer">
<title>{escape(title)}</title>
<style>{_STYLE}</style>
</head>
<body>
{body}
</body>
</html>
"""
