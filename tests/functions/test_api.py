"""The read API on moto: documents, exports, swatches, listings, errors, the OpenAPI document."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import unicodedata
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from boto3.dynamodb.conditions import Key

from palette_service.data.dynamodb import DynamoStillRepository
from palette_service.domain.records import PendingVersion, StillKey, StillRecord, StillStatus
from palette_service.web import routes
from palette_service.web.openapi import server_url
from palette_service.web.responses import content_disposition
from palettes.exports import EXPORT_FORMATS, MEDIA_TYPES
from tests.conftest import make_png
from tests.events import api_event, load_event, palette_path

ROOT = Path(__file__).resolve().parents[2]
FILM = "my-film"
NAME = "Opening shot é.jpg"
CLAIMED_AT = "2024-11-26T09:00:00.000000Z"


def document_for(key: str, hexes: tuple[str, ...] = ("#203f44", "#dcc9ab", "#e61428")) -> dict[str, Any]:
    """A palette document as the library writes it (hand-made: these tests need no numpy)."""
    colors = []
    for index, hex_color in enumerate(hexes):
        rgb = [int(hex_color[i : i + 2], 16) for i in (1, 3, 5)]
        colors.append(
            {
                "hex": hex_color,
                "rgb": rgb,
                "hsv": [188.3, 0.5, 0.3],
                "lab": [24.57, -9.88, -6.63],
                "proportion": [0.5, 0.3, 0.2][index % 3],
                "name": ["darkslategray", "wheat", "crimson"][index % 3],
                "accent": index == 2,
            }
        )
    return {
        "schema_version": 1,
        "source": {"key": key, "width": 160, "height": 90, "format": "JPEG", "counted_pixels": 14400},
        "params": {"k": 6, "method": "kmeans", "space": "lab", "min_brightness": 0.0, "max_brightness": 1.0},
        "colors": colors,
        "coolors_url": "https://coolors.co/" + "-".join(h.lstrip("#") for h in hexes),
    }


def v2_document_for(key: str) -> dict[str, Any]:
    """A schema 2 document as the library writes it: the v1 fields, names, text colours and roles."""
    document = document_for(key)
    extras = [
        ("dark slate blue", "blue", "#dcc9ab", 8.12),
        ("beige", "brown", "#203f44", 8.12),
        ("lipstick red", "red", "#fcfbf9", 4.52),
    ]
    for color, (xkcd_name, basic, text, contrast) in zip(document["colors"], extras, strict=True):
        color.update(xkcd_name=xkcd_name, basic=basic, text={"hex": text, "contrast": contrast})

    def role(color: dict[str, Any], in_palette: bool) -> dict[str, Any]:
        return {**{k: v for k, v in color.items() if k != "accent"}, "in_palette": in_palette}

    outside = {**document["colors"][2], "hex": "#931303", "rgb": [147, 19, 3], "proportion": 0.004}
    roles = dict.fromkeys(("vibrant", "light_vibrant", "muted", "light_muted", "dark_muted"))
    roles.update(dominant=role(document["colors"][0], True), dark_vibrant=role(outside, False))
    roles["vibrant"] = role(document["colors"][2], True)
    return {**document, "schema_version": 2, "roles": roles}


class Seeder:
    """Writes items (and swatches) the way the extract function leaves them."""

    def __init__(self, repository: DynamoStillRepository, s3: Any, bucket: str) -> None:
        self.repository = repository
        self.s3 = s3
        self.bucket = bucket
        self.minute = 0

    def still(
        self,
        film: str,
        name: str,
        *,
        status: StillStatus = StillStatus.DONE,
        swatch: bool = True,
        schema_version: int = 1,
    ) -> StillRecord:
        self.minute += 1
        key = f"stills/{film}/{name}"
        still = StillKey(film, name)
        done = status is StillStatus.DONE
        record = StillRecord(
            still=still,
            key=key,
            status=status,
            etag="0123456789abcdef0123456789abcdef",
            sequencer="0067455D2B7A3C1F9E".ljust(32, "0"),
            updated_at=f"2024-11-26T07:{self.minute // 60:02d}:{self.minute % 60:02d}.000000Z",
            document=(document_for(key) if schema_version == 1 else v2_document_for(key)) if done else None,
            palette_key=still.palette_key("palettes/") if done else None,
            swatch_key=still.swatch_key("swatches/") if done else None,
            reason=None if done else "not an image in a supported format (JPEG, PNG, WebP, GIF, TIFF, BMP)",
            error=None if done else "unsupported_format",
        )
        if done and swatch:
            assert record.swatch_key is not None
            written = self.s3.put_object(
                Bucket=self.bucket, Key=record.swatch_key, Body=make_png(), ContentType="image/png"
            )
            record = replace(record, swatch_version_id=written["VersionId"])
        assert self.repository.save(record)
        return record

    def claim(self, film: str, name: str, *, sequencer: str) -> None:
        """A newer upload of the still claims it, as the extract function does before writing outputs."""
        version = PendingVersion(sequencer=sequencer, etag="f" * 32, version_id=None, since=CLAIMED_AT)
        assert self.repository.claim(StillKey(film, name), f"stills/{film}/{name}", version) is not None


@pytest.fixture
def seed(
    repository: DynamoStillRepository, s3_client: Any, stills_bucket: str, fresh_handlers: None
) -> Seeder:
    return Seeder(repository, s3_client, stills_bucket)


def call(path: str, query: dict[str, str] | None = None, *, context: Any) -> Any:
    from api import app

    return app.lambda_handler(api_event(path, query), context)


def body_json(response: dict[str, Any]) -> Any:
    assert not response["isBase64Encoded"]
    return json.loads(response["body"])


def header(response: dict[str, Any], name: str) -> str:
    (value,) = response["multiValueHeaders"][name]
    return str(value)


def test_a_done_still_gives_its_document(seed: Seeder, lambda_context: Any) -> None:
    record = seed.still(FILM, NAME)
    response = call(palette_path(FILM, NAME), context=lambda_context)
    assert response["statusCode"] == 200
    assert header(response, "Content-Type") == "application/json"
    assert body_json(response) == record.document


def test_stored_v1_and_v2_documents_are_read_alike(seed: Seeder, lambda_context: Any) -> None:
    """A palette stored before schema 2 stays in the table: both are served as stored, and both are
    what the OpenAPI document says a palette is."""
    from palette_service.web.models import PaletteDocument

    old, new = seed.still(FILM, "old.jpg"), seed.still(FILM, "new.jpg", schema_version=2)
    for record in (old, new):
        response = call(palette_path(FILM, record.still.name), context=lambda_context)
        assert response["statusCode"] == 200
        document = body_json(response)
        assert document == record.document
        PaletteDocument.model_validate(document)
    assert "roles" not in body_json(call(palette_path(FILM, "old.jpg"), context=lambda_context))
    roles = PaletteDocument.model_validate(new.document).roles
    assert roles is not None and roles.dark_vibrant is not None and not roles.dark_vibrant.in_palette


def test_the_text_export_of_v1_and_v2_documents(seed: Seeder, lambda_context: Any) -> None:
    seed.still(FILM, "old.jpg")
    seed.still(FILM, "new.jpg", schema_version=2)
    old = call(palette_path(FILM, "old.jpg"), {"format": "text"}, context=lambda_context)["body"]
    new = call(palette_path(FILM, "new.jpg"), {"format": "text"}, context=lambda_context)["body"]
    assert old.splitlines()[0] == "#203f44   50.0%  darkslategray"
    assert "roles" not in old
    assert (
        new.splitlines()[0]
        == "#203f44   50.0%  blue   dark slate blue (CSS darkslategray)  text #dcc9ab  8.12:1"
    )
    assert "\nroles\n" in new
    assert "dark_vibrant   #931303" in new


def test_the_gallery_shows_v1_and_v2_palettes(seed: Seeder, lambda_context: Any) -> None:
    seed.still(FILM, "old.jpg")
    seed.still(FILM, "new.jpg", schema_version=2)
    response = call(routes.FILM_GALLERY.format(film=FILM), context=lambda_context)
    assert response["statusCode"] == 200
    page = response["body"]
    assert page.count('<ul class="roles"') == 1  # the v2 palette only
    assert "lipstick red" in page
    assert 'color:#fcfbf9" title="text #fcfbf9, contrast 4.52:1">Aa</span>' in page
    assert "dark vibrant <code>#931303</code> *" in page
    assert page.count("<td>darkslategray</td>") == 1  # the v1 palette, by its CSS name


def test_the_sample_event_reaches_the_palette(seed: Seeder, lambda_context: Any) -> None:
    from api import app

    record = seed.still(FILM, NAME)
    response = app.lambda_handler(load_event("api-get-palette"), lambda_context)
    assert response["statusCode"] == 200
    assert body_json(response) == record.document


@pytest.mark.parametrize(
    "name", ["shot 01.jpg", "a+b=c.jpg", "100% real.jpg", "plan ñ 東京.png", "it's (v2).jpg"]
)
def test_awkward_names_are_found(name: str, seed: Seeder, lambda_context: Any) -> None:
    seed.still("film with space", name)
    response = call(palette_path("film with space", name), context=lambda_context)
    assert response["statusCode"] == 200
    assert body_json(response)["source"]["key"] == f"stills/film with space/{name}"


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_exports(fmt: str, seed: Seeder, lambda_context: Any) -> None:
    seed.still(FILM, NAME)
    response = call(palette_path(FILM, NAME), {"format": fmt}, context=lambda_context)

    assert response["statusCode"] == 200
    assert header(response, "Content-Type") == MEDIA_TYPES[fmt]
    disposition = header(response, "Content-Disposition")
    assert disposition.startswith('attachment; filename="Opening shot _.')
    assert "filename*=UTF-8''Opening%20shot%20%C3%A9." in disposition
    if fmt == "ase":
        assert response["isBase64Encoded"]
        assert base64.b64decode(response["body"]).startswith(b"ASEF")
    else:
        assert not response["isBase64Encoded"]
        assert "#203f44" in response["body"] or "32  63  68" in response["body"]


def test_the_css_sample_event(seed: Seeder, lambda_context: Any) -> None:
    from api import app

    seed.still(FILM, NAME)
    response = app.lambda_handler(load_event("api-get-export-css"), lambda_context)
    assert response["statusCode"] == 200
    assert "--palette-1: #203f44;" in response["body"]


def test_a_bad_format_is_a_400_naming_the_formats(seed: Seeder, lambda_context: Any) -> None:
    seed.still(FILM, NAME)
    response = call(palette_path(FILM, NAME), {"format": "pdf"}, context=lambda_context)
    assert response["statusCode"] == 400
    message = body_json(response)["message"]
    assert "format" in message
    assert all(f"'{fmt}'" in message for fmt in EXPORT_FORMATS)


def test_an_unknown_still_is_a_404(seed: Seeder, lambda_context: Any) -> None:
    for path in (palette_path(FILM, "nope.jpg"), palette_path(FILM, "nope.jpg", "/swatch")):
        response = call(path, context=lambda_context)
        assert response["statusCode"] == 404
        assert "nope.jpg" in body_json(response)["message"]


def test_a_failed_still_is_a_422_with_its_reason(seed: Seeder, lambda_context: Any) -> None:
    seed.still(FILM, "broken.jpg", status=StillStatus.FAILED)
    for path in (palette_path(FILM, "broken.jpg"), palette_path(FILM, "broken.jpg", "/swatch")):
        response = call(path, context=lambda_context)
        assert response["statusCode"] == 422
        assert body_json(response) == {
            "status": "FAILED",
            "key": f"stills/{FILM}/broken.jpg",
            "reason": "not an image in a supported format (JPEG, PNG, WebP, GIF, TIFF, BMP)",
            "error": "unsupported_format",
        }


def test_a_still_whose_first_upload_is_being_processed_is_a_404_that_says_so(
    seed: Seeder, lambda_context: Any
) -> None:
    seed.claim(FILM, "new.jpg", sequencer="1".ljust(32, "0"))
    for path in (palette_path(FILM, "new.jpg"), palette_path(FILM, "new.jpg", "/swatch")):
        response = call(path, context=lambda_context)
        assert response["statusCode"] == 404
        assert body_json(response)["message"] == (
            f"no palette yet for 'stills/{FILM}/new.jpg': it is being processed (since {CLAIMED_AT})"
        )
    assert list_page({"prefix": f"{FILM}/"}, lambda_context)["items"] == []


def test_a_removed_still_is_a_404_that_says_so_its_image_too(seed: Seeder, lambda_context: Any) -> None:
    seed.still(FILM, "gone.jpg", status=StillStatus.DELETED)
    for suffix in ("", "/swatch", "/image", "/similar"):
        response = call(palette_path(FILM, "gone.jpg", suffix), context=lambda_context)
        assert response["statusCode"] == 404
        assert body_json(response)["message"] == (
            f"no palette for 'stills/{FILM}/gone.jpg': the still was removed from the bucket"
        )


def test_a_newer_upload_in_progress_leaves_the_recorded_palette_and_its_swatch_served(
    seed: Seeder, s3_client: Any, stills_bucket: str, lambda_context: Any
) -> None:
    """The newer upload may already have written its swatch at the same key: the API serves the version the
    item names, and the listing says a newer upload is being processed."""
    recorded = seed.still(FILM, NAME)
    assert recorded.swatch_key is not None
    s3_client.put_object(Bucket=stills_bucket, Key=recorded.swatch_key, Body=b"\x89PNG newer")
    seed.claim(FILM, NAME, sequencer="F".ljust(32, "0"))

    swatch = call(palette_path(FILM, NAME, "/swatch"), context=lambda_context)
    assert base64.b64decode(swatch["body"]) == make_png()
    assert body_json(call(palette_path(FILM, NAME), context=lambda_context)) == recorded.document
    (item,) = list_page({"prefix": f"{FILM}/"}, lambda_context)["items"]
    assert item["status"] == "DONE" and item["processing_since"] == CLAIMED_AT


def test_the_swatch_is_a_png(seed: Seeder, lambda_context: Any) -> None:
    seed.still(FILM, NAME)
    response = call(palette_path(FILM, NAME, "/swatch"), context=lambda_context)
    assert response["statusCode"] == 200
    assert header(response, "Content-Type") == "image/png"
    assert response["isBase64Encoded"]
    assert base64.b64decode(response["body"]).startswith(b"\x89PNG\r\n\x1a\n")


def test_the_swatch_sample_event(seed: Seeder, lambda_context: Any) -> None:
    from api import app

    seed.still(FILM, NAME)
    response = app.lambda_handler(load_event("api-get-swatch"), lambda_context)
    assert response["statusCode"] == 200
    assert base64.b64decode(response["body"]).startswith(b"\x89PNG")


def test_a_missing_swatch_object_is_a_404(seed: Seeder, lambda_context: Any) -> None:
    seed.still(FILM, NAME, swatch=False)
    response = call(palette_path(FILM, NAME, "/swatch"), context=lambda_context)
    assert response["statusCode"] == 404
    assert "swatch" in body_json(response)["message"]


def list_page(query: dict[str, str], context: Any) -> Any:
    response = call("/palettes", query, context=context)
    assert response["statusCode"] == 200, response["body"]
    return body_json(response)


def test_pagination_walks_to_the_end_newest_first(seed: Seeder, lambda_context: Any) -> None:
    names = [f"shot {index}.jpg" for index in range(7)]
    for name in names:
        seed.still(FILM, name)
    seed.still("other-film", "elsewhere.jpg")

    seen: list[str] = []
    sizes = []
    cursor: str | None = None
    while True:
        query = {"prefix": f"{FILM}/", "limit": "3"} | ({"cursor": cursor} if cursor else {})
        page = list_page(query, lambda_context)
        sizes.append(len(page["items"]))
        seen.extend(item["name"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert sizes == [3, 3, 1]
    assert seen == list(reversed(names))


def test_a_listing_item_has_colours_or_a_reason_and_links(seed: Seeder, lambda_context: Any) -> None:
    seed.still(FILM, NAME)
    seed.still(FILM, "broken.jpg", status=StillStatus.FAILED)
    failed, done = list_page({"prefix": f"{FILM}/"}, lambda_context)["items"]

    assert done["colors"] == ["#203f44", "#dcc9ab", "#e61428"]
    assert done["status"] == "DONE"
    assert done["key"] == f"stills/{FILM}/{NAME}"
    assert done["links"] == {"self": palette_path(FILM, NAME), "swatch": palette_path(FILM, NAME, "/swatch")}
    assert failed["status"] == "FAILED"
    assert failed["reason"].startswith("not an image")
    assert failed["error"] == "unsupported_format"
    assert failed["colors"] is None
    assert failed["links"]["swatch"] is None


def test_the_listing_index_holds_the_colours_not_the_document(seed: Seeder, palettes_table: Any) -> None:
    """ByFilmNewest projects what a listing shows (INCLUDE): each index write is about one WRU."""
    seed.still(FILM, NAME)
    (item,) = palettes_table.query(
        IndexName="ByFilmNewest", KeyConditionExpression=Key("gsi1pk").eq(f"FILM#{FILM}")
    )["Items"]
    assert item["colors"] == ["#203f44", "#dcc9ab", "#e61428"]
    assert not {"document", "summary", "params", "position"} & set(item)
    assert "document" in palettes_table.get_item(Key={"pk": item["pk"], "sk": item["sk"]})["Item"]


def test_a_name_prefix_filters_across_pages(seed: Seeder, lambda_context: Any) -> None:
    for index in range(12):
        seed.still(FILM, f"{'night' if index % 4 == 0 else 'day'} {index:02d}.jpg")

    first = list_page({"prefix": f"{FILM}/night", "limit": "2"}, lambda_context)
    second = list_page(
        {"prefix": f"{FILM}/night", "limit": "2", "cursor": first["next_cursor"]}, lambda_context
    )

    assert [item["name"] for item in first["items"]] == ["night 08.jpg", "night 04.jpg"]
    assert [item["name"] for item in second["items"]] == ["night 00.jpg"]
    assert second["next_cursor"] is None


def test_the_list_sample_event(seed: Seeder, lambda_context: Any) -> None:
    from api import app

    for index in range(3):
        seed.still(FILM, f"{index}.jpg")
    page = body_json(app.lambda_handler(load_event("api-list"), lambda_context))
    assert [item["name"] for item in page["items"]] == ["2.jpg", "1.jpg"]
    assert page["next_cursor"]


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({}, "prefix is required"),
        ({"prefix": ""}, "prefix is required"),
        ({"prefix": "my-film"}, "film folder"),
        ({"prefix": "my-film/", "limit": "0"}, "limit"),
        ({"prefix": "my-film/", "limit": "101"}, "limit"),
        ({"prefix": "my-film/", "limit": "ten"}, "limit"),
        ({"prefix": "my-film/", "cursor": "garbage"}, "cursor"),
    ],
)
def test_bad_listing_queries_are_400(
    query: dict[str, str], words: str, seed: Seeder, lambda_context: Any
) -> None:
    response = call("/palettes", query, context=lambda_context)
    assert response["statusCode"] == 400
    assert words in body_json(response)["message"]


def test_a_cursor_of_another_film_is_refused(seed: Seeder, lambda_context: Any) -> None:
    for index in range(3):
        seed.still(FILM, f"{index}.jpg")
    cursor = list_page({"prefix": f"{FILM}/", "limit": "1"}, lambda_context)["next_cursor"]
    response = call("/palettes", {"prefix": "other-film/", "cursor": cursor}, context=lambda_context)
    assert response["statusCode"] == 400


def test_openapi_document(seed: Seeder, lambda_context: Any) -> None:
    from api import app

    response = app.lambda_handler(load_event("api-openapi"), lambda_context)
    assert response["statusCode"] == 200
    document = body_json(response)
    assert document["info"]["title"]
    assert document["components"]["securitySchemes"]["apiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "x-api-key",
    }
    assert document["security"] == [{"apiKey": []}]
    # The server is the stage the document was served from, so generated clients call /v1/... .
    assert document["servers"] == [{"url": "/v1"}]
    assert set(document["paths"]) == {
        "/palettes",
        "/palettes/{film}/{still}",
        "/palettes/{film}/{still}/swatch",
        "/films",
        "/films/{film}",
        "/films/{film}/palette",
        "/films/{film}/barcode",
        "/search",
        "/palettes/{film}/{still}/similar",
        "/palettes/{film}/{still}/image",
        "/films/{film}/timeline",
        "/uploads",
    }
    uploads = document["paths"]["/uploads"]["post"]
    assert uploads["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("UploadRequest")
    palette = document["paths"]["/palettes/{film}/{still}"]["get"]
    assert {"200", "400", "404", "422"} <= set(palette["responses"])
    assert palette["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "FailedStill"
    )
    (format_parameter,) = [p for p in palette["parameters"] if p["name"] == "format"]
    assert format_parameter["in"] == "query"
    listing = document["paths"]["/palettes"]["get"]
    assert "422" not in listing["responses"]
    assert {"PaletteDocument", "StillPage", "StillSummary", "ErrorMessage"} <= set(
        document["components"]["schemas"]
    )


def test_an_unknown_route_is_a_json_404(seed: Seeder, lambda_context: Any) -> None:
    response = call("/nowhere", context=lambda_context)
    assert response["statusCode"] == 404
    assert "no route" in body_json(response)["message"]


def test_an_unexpected_error_is_a_generic_500(seed: Seeder, palettes_table: Any, lambda_context: Any) -> None:
    palettes_table.delete()
    response = call(palette_path(FILM, NAME), context=lambda_context)
    assert response["statusCode"] == 500
    message = body_json(response)["message"]
    assert "Traceback" not in message and "ResourceNotFound" not in message


def test_a_query_parameter_given_twice_is_a_400_that_says_so(seed: Seeder, lambda_context: Any) -> None:
    from api import app

    seed.still(FILM, NAME)
    event = api_event(palette_path(FILM, NAME), {"format": "css"})
    event["multiValueQueryStringParameters"] = {"format": ["text", "css"]}  # ?format=text&format=css

    response = app.lambda_handler(event, lambda_context)

    assert response["statusCode"] == 400
    assert body_json(response)["message"] == "query parameter 'format' is given 2 times; give it once"


def test_export_formats_match_the_library() -> None:
    from palette_service.domain.reads import ExportFormat

    assert tuple(fmt.value for fmt in ExportFormat) == tuple(EXPORT_FORMATS)


def test_importing_the_api_does_not_import_numpy() -> None:
    paths = [str(ROOT / part) for part in ("layers/palettes", "layers/service", "functions")]
    script = (
        f"import sys; sys.path[:0] = {paths!r}; import api.app; "
        "assert 'numpy' not in sys.modules, 'numpy imported'; "
        "assert 'sklearn' not in sys.modules, 'scikit-learn imported'; "
        "assert 'PIL' not in sys.modules, 'Pillow imported'"
    )
    env = {"POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_NAMESPACE": "Palettes", "PATH": ""}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr


def test_an_unknown_query_parameter_is_a_400_that_names_it(seed: Seeder, lambda_context: Any) -> None:
    response = call("/palettes", {"prefix": f"{FILM}/", "limt": "5"}, context=lambda_context)
    assert response["statusCode"] == 400
    message = body_json(response)["message"]
    assert "limt" in message and "cursor, limit, prefix" in message


@pytest.mark.parametrize(
    ("request_path", "server"),
    [("/v1/openapi.json", "/v1"), ("/openapi.json", "/"), ("/base/v1/openapi.json", "/base/v1")],
)
def test_the_openapi_server_is_where_the_document_was_served(request_path: str, server: str) -> None:
    assert server_url(request_path, routes.OPENAPI) == server


@pytest.mark.parametrize(
    "name",
    [
        "\u202eexe.ase",
        "a\u200fb.ase",
        "new\nline.ase",
        "tab\there.ase",
        "nul\x00.ase",
        "bell\x07.ase",
        "../up.ase",
    ],
)
def test_download_names_carry_no_control_or_bidi_characters(name: str) -> None:
    header = content_disposition(name)
    decoded = unquote(header.split("filename*=UTF-8''", 1)[1])
    plain = header.split('filename="', 1)[1].split('"', 1)[0]
    for shown in (decoded, plain):
        assert not any(unicodedata.category(char) in {"Cc", "Cf"} for char in shown), shown
        assert "/" not in shown
    assert "\n" not in header and "\u202e" not in header
