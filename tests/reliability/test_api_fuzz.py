"""The read API under Schemathesis, through the local stack: its served OpenAPI document, at least 1000
generated requests, no 5xx, no schema violation; no credentials, no answer; and no route reads outside
this stack's palettes.

The stack is the local one (local/): the API server checks the key as API Gateway does, then runs the
real API handler in its own process against moto. It holds stills of two films (some FAILED), their
films' aggregates, and bait: objects outside ``palettes/``, ``swatches/`` and ``films/`` carrying a
marker no answer may ever contain.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import given as hypothesis_given
from hypothesis import strategies as st
from schemathesis import GenerationMode, checks

from local.stack import LocalStack, LocalStackSettings
from palette_service.domain.keys import InvalidKeyLayoutError, parse_still_key
from palette_service.web import routes
from tests.conftest import make_jpeg
from tests.events import api_event, palette_path

# Up to 200 requests per operation and mode within a time budget; past it, still FLOOR_EXAMPLES each,
# so that every operation is fuzzed on any machine and no count depends on the machine's speed.
EXAMPLES_PER_OPERATION = 200
FLOOR_EXAMPLES = 5
TIME_BUDGET_SECONDS = 150
BAIT_MARKER = b"BAIT-7f3e9c-must-never-be-served"
FILMS = {"night-train": 6, "Amélie ñ": 3}
READ_PREFIXES = ("palettes/", "swatches/")
# The gallery's pages are HTML for people, and the document does not describe itself.
UNDOCUMENTED_ROUTES = frozenset({routes.GALLERY, routes.FILM_GALLERY, routes.OPENAPI, *routes.PUBLIC_ROUTES})


@dataclass
class Fuzzing:
    stack: LocalStack
    bait_keys: list[str]
    requests: Counter[str] = field(default_factory=Counter)

    @property
    def key_header(self) -> dict[str, str]:
        return {"x-api-key": self.stack.api_key}


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


def http_get(url: str, headers: dict[str, str] | None = None) -> Answer:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Answer(response.status, response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read())


# In process first (moto's in-process mock resets the state the local stack below shares while it runs).


@pytest.fixture
def recorded_s3_reads(
    monkeypatch: pytest.MonkeyPatch, fresh_handlers: None, sdk_faults: Any
) -> list[tuple[str, str, str]]:
    """Every S3 call (operation, bucket, key) the in-process API handler makes, via a botocore hook."""
    calls: list[tuple[str, str, str]] = []

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        calls.append(
            (model.name, str(params.get("Bucket", "")), str(params.get("Key", params.get("Prefix", ""))))
        )

    sdk_faults.session.events.register("before-parameter-build.s3", record)
    return calls


hostile_segment = st.one_of(
    st.sampled_from(
        [
            "night-train",
            "frame 1.jpg",
            "..",
            "x.jpg",
            "../private",
            "/private/bait.json",
            "stills",
            "\x00",
            "%2F",
        ]
    ),
    st.text(min_size=1, max_size=30),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@hypothesis_given(
    film=hostile_segment, still=hostile_segment, route=st.sampled_from(["", "/swatch", "?format=gpl"])
)
def test_the_api_handler_reads_only_under_the_output_prefixes(
    recorded_s3_reads: list[tuple[str, str, str]],
    uploader: Any,
    palettes_table: Any,
    lambda_context: Any,
    film: str,
    still: str,
    route: str,
) -> None:
    """In process, with every S3 call of the API handler recorded: whatever the film and still values,
    the only objects read are swatches named by an item (which the extract function put under swatches/).
    """
    from api import app

    if not palettes_table.scan(Select="COUNT")["Count"]:
        seed_items(uploader, lambda_context)
    recorded_s3_reads.clear()
    suffix, _, query = route.partition("?")
    event = api_event(palette_path(film, still, suffix), dict([query.split("=", 1)]) if query else None)

    response = app.lambda_handler(event, lambda_context)

    assert response["statusCode"] < 500
    assert BAIT_MARKER.decode() not in str(response.get("body", ""))
    for operation, bucket, key in recorded_s3_reads:
        assert key.startswith(READ_PREFIXES), (operation, bucket, key)


def seed_items(uploader: Any, lambda_context: Any) -> None:
    """Two DONE stills (one of a film called "..") and a FAILED one, put through the extract handler."""
    from extract import app as extract_app

    uploads = [
        uploader.put("stills/night-train/frame 1.jpg", make_jpeg(seed=1)),
        uploader.put("stills/../x.jpg", make_jpeg(seed=2)),
        uploader.put("stills/night-train/bad.jpg", b"%PDF " + BAIT_MARKER),
    ]
    extract_app.lambda_handler(uploader.event(*uploads), lambda_context)


def test_the_recorder_sees_the_swatch_read(
    recorded_s3_reads: list[tuple[str, str, str]], uploader: Any, lambda_context: Any
) -> None:
    """The recording above is not vacuous: a swatch request is one GetObject of the item's swatch key."""
    from api import app

    seed_items(uploader, lambda_context)
    recorded_s3_reads.clear()
    response = app.lambda_handler(
        api_event(palette_path("night-train", "frame 1.jpg", "/swatch")), lambda_context
    )
    assert response["statusCode"] == 200
    assert [(operation, key) for operation, _, key in recorded_s3_reads] == [
        ("GetObject", "swatches/night-train/frame 1.jpg.png")
    ]


# Through the local stack (marked e2e, like the other tests that start it).


@pytest.fixture(scope="module")
def fuzzing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzing]:
    settings_ = LocalStackSettings(
        stack_name=f"palettes-api-fuzz-{os.getpid()}", log_dir=tmp_path_factory.mktemp("api-fuzz-logs")
    )
    with LocalStack(settings_) as stack:
        s3 = stack.client("s3")
        bait_keys = [
            "private/bait.json",
            "stills-archive/night-train/frame.json",
            "palettes-private/night-train/frame.jpg.json",
            "swatches.bak/night-train/frame.jpg.png",
        ]
        for key in bait_keys:
            s3.put_object(Bucket=stack.bucket, Key=key, Body=BAIT_MARKER)
        expected = 0
        for film, count in FILMS.items():
            for index in range(count):
                body = make_jpeg(seed=index) if index % 3 else b"%PDF-1.7 not a still " + BAIT_MARKER
                s3.put_object(
                    Bucket=stack.bucket, Key=f"{stack.input_prefix}{film}/frame {index}.jpg", Body=body
                )
                expected += 1
        # Safety nets, not expectations of speed: the stills are recorded in seconds on a quiet machine.
        deadline = time.monotonic() + 900
        while stack.count_recorded() < expected and time.monotonic() < deadline:
            time.sleep(0.25)
        assert stack.count_recorded() >= expected
        assert stack.wait_idle(timeout=600)  # the films' aggregates too (the stream's batching window)
        yield Fuzzing(stack, bait_keys)


@pytest.fixture(scope="module")
def api_schema(fuzzing: Fuzzing) -> Any:
    return schemathesis.openapi.from_url(
        f"{fuzzing.stack.api_url}/openapi.json", headers=fuzzing.key_header, timeout=30
    )


def assert_no_bait(answer_body: bytes) -> None:
    assert BAIT_MARKER not in answer_body, "an answer contains an object from outside palettes/ and swatches/"


def carries_a_foreign_cursor(case: Any) -> bool:
    """A listing with a cursor the API did not issue: rightly a 400, though the document allows any
    string (a cursor is opaque: no schema can tell a valid one)."""
    return "cursor" in (case.query or {})


def is_a_search(case: Any) -> bool:
    """A search's schema-valid request may rightly be a 400: GET /search needs exactly one of ``color``,
    ``colors`` and ``class``, a mix's weights may not sum over 100, and the mix's text form has rules
    no OpenAPI pattern states. The document states the rest (gap 16, closed: the hex pattern, the class
    terms, the numeric bounds), so "positive data accepted" does not apply to them; every other check does."""
    return bool(case.operation.path in (routes.SEARCH, routes.SIMILAR))


def is_an_upload_past_the_key_limit(case: Any) -> bool:
    """An upload whose film and a name make output keys over S3's 1024 bytes of UTF-8: rightly a 400
    (the extract function's own rule), a bound no JSON schema can state in bytes. (The key rule's other
    refusals, such as a name of "..", the document's pattern states, so no schema-valid case has them.)"""
    body = case.body if isinstance(case.body, dict) else {}
    film, names = body.get("film"), body.get("files")
    if case.operation.path != routes.UPLOADS or not isinstance(film, str) or not isinstance(names, list):
        return False
    for name in names:
        try:
            parse_still_key(f"stills/{film}/{name}", "stills/", ("palettes/", "swatches/"))
        except InvalidKeyLayoutError:
            return True
    return False


def vanished_from_the_url(case: Any, response: Any) -> bool:
    """Whether a query parameter of the case is not in the URL sent: the HTTP client leaves out values
    such as None, [] or [[]], so a negative case built that way (e.g. `cursor: []`) goes out as a valid
    request, which the API rightly accepts."""
    sent = parse_qs(urlsplit(response.request.url).query, keep_blank_values=True)
    return any(name not in sent for name in (case.query or {}))


REQUEST_TIMEOUT = 300


def fuzz_operation(
    operation: Any,
    mode: GenerationMode,
    fuzzing: Fuzzing,
    deadline: float,
    *,
    examples: int = EXAMPLES_PER_OPERATION,
    **fixed: Any,
) -> None:
    """Up to ``examples`` requests to one operation (``fixed`` parts as given), checked by Schemathesis;
    past ``deadline``, ``FLOOR_EXAMPLES`` only."""
    if time.monotonic() > deadline:
        # Drawing 200 cases of each operation takes minutes on a busy machine: past the budget, a few,
        # so that neither the test's length nor what it covers depends on the machine's speed.
        examples = min(examples, FLOOR_EXAMPLES)
    name = f"{mode.value} {operation.method.upper()} {operation.path}"
    floor = fuzzing.requests[name] + min(examples, FLOOR_EXAMPLES)

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis_given(case=operation.as_strategy(mode, **fixed))
    def call(case: Any) -> None:
        if time.monotonic() > deadline and fuzzing.requests[name] >= floor:
            return
        # A wide search reads hundreds of index partitions from the local stack: on a busy machine that
        # takes longer than Schemathesis's 10 s default, which is not what this test is about.
        response = case.call(
            base_url=fuzzing.stack.api_url, headers=fuzzing.key_header, timeout=REQUEST_TIMEOUT
        )
        fuzzing.requests[name] += 1
        fuzzing.requests[f"status {response.status_code}"] += 1
        assert response.status_code < 500, response.text
        assert_no_bait(response.content)
        if response.request.headers.get("x-api-key") != fuzzing.stack.api_key:
            # Negative cases include requests without the key (or with another): refused, always.
            fuzzing.requests["without the key"] += 1
            assert response.status_code == 403, response.text
        excluded = []
        if (
            carries_a_foreign_cursor(case)
            or is_a_search(case)
            or is_an_upload_past_the_key_limit(case)
            or response.status_code == 422
        ):
            # 422 is the documented answer for a FAILED still (its reason), not a refused request.
            excluded.append(checks.positive_data_acceptance)
        if vanished_from_the_url(case, response):
            excluded.append(checks.negative_data_rejection)
        case.validate_response(response, headers=fuzzing.key_header, excluded_checks=excluded)

    call()


@pytest.mark.e2e
def test_schemathesis_finds_no_5xx_and_no_schema_violation(fuzzing: Fuzzing, api_schema: Any) -> None:
    started = time.monotonic()
    operations = [result.ok() for result in api_schema.get_all_operations()]
    # Every route but the gallery's HTML pages and the document itself.
    assert {operation.path for operation in operations} == set(routes.ROUTES) - UNDOCUMENTED_ROUTES
    deadline = started + TIME_BUDGET_SECONDS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        for operation in operations:
            fuzz_operation(operation, mode, fuzzing, deadline)
    # Random names are almost all 404s: also every stored still (DONE and FAILED) with generated queries,
    # so that the 200 and 422 answers (documents, exports, swatches) are checked against the schema too.
    for operation in operations:
        if operation.path.startswith("/films/"):
            for film in FILMS:
                fuzz_operation(
                    operation,
                    GenerationMode.POSITIVE,
                    fuzzing,
                    deadline,
                    examples=20,
                    path_parameters={"film": film},
                )
            continue
        if operation.path == "/palettes":
            for film in FILMS:
                fuzz_operation(
                    operation,
                    GenerationMode.POSITIVE,
                    fuzzing,
                    deadline,
                    examples=20,
                    query={"prefix": f"{film}/"},
                )
            continue
        if "{" not in operation.path:
            continue  # no path parameters: the random cases above already reach the stored stills
        for film, count in FILMS.items():
            for index in range(count):
                still = {"film": film, "still": f"frame {index}.jpg"}
                fuzz_operation(
                    operation, GenerationMode.POSITIVE, fuzzing, deadline, examples=10, path_parameters=still
                )
    counts = {
        name: count for name, count in fuzzing.requests.items() if name.startswith(("positive", "negative"))
    }
    total = sum(counts.values())
    print(f"\nschemathesis: {total} requests in {time.monotonic() - started:.0f} s: {dict(fuzzing.requests)}")
    # Every documented operation answered generated requests, however slow the machine.
    unfuzzed = [op.path for op in operations if not counts.get(f"positive {op.method.upper()} {op.path}")]
    assert not unfuzzed


def operations_without(document: dict[str, Any], status: str) -> list[str]:
    """The paths of the document's operations that do not list ``status`` among their responses."""
    return [
        path
        for path, item in document["paths"].items()
        for operation in item.values()
        if status not in operation["responses"]
    ]


@pytest.mark.e2e
def test_the_document_says_the_listing_needs_a_film_prefix(api_schema: Any) -> None:
    """GET /palettes answers 400 without `prefix` or without a film folder in it: the document must say so."""
    (prefix,) = [
        parameter
        for parameter in api_schema.raw_schema["paths"]["/palettes"]["get"]["parameters"]
        if parameter["name"] == "prefix"
    ]
    assert prefix.get("required") is True
    assert "pattern" in prefix["schema"]


@pytest.mark.e2e
def test_the_document_lists_the_403_of_a_missing_key(api_schema: Any) -> None:
    """Every operation needs the key and answers 403 without it (API Gateway): the document must list it."""
    assert operations_without(api_schema.raw_schema, "403") == []


@pytest.mark.e2e
def test_the_document_lists_the_200_of_every_operation(api_schema: Any) -> None:
    """Every operation answers 200 when it finds what is asked: the document must say so, with its body
    (gap 14, closed: GET /films/{film} listed a 404 alone)."""
    assert operations_without(api_schema.raw_schema, "200") == []


@pytest.mark.e2e
def test_the_film_palette_document_conforms_to_its_schema(fuzzing: Fuzzing, api_schema: Any) -> None:
    """Gap 15, closed: the film's palette document was described as a still's (with a required ``source``)."""
    case = api_schema["/films/{film}/palette"]["GET"].Case(path_parameters={"film": "night-train"})
    response = case.call(base_url=fuzzing.stack.api_url, headers=fuzzing.key_header)
    assert response.status_code == 200
    case.validate_response(response, checks=[checks.response_schema_conformance], headers=fuzzing.key_header)


@pytest.mark.e2e
def test_the_search_document_says_what_a_valid_query_is(api_schema: Any) -> None:
    parameters = {
        parameter["name"]: parameter["schema"]
        for parameter in api_schema.raw_schema["paths"][routes.SEARCH]["get"]["parameters"]
    }
    assert "pattern" in str(parameters["color"])
    assert "integer" in str(parameters["limit"])


ROUTES = [
    "/openapi.json",
    "/palettes",
    "/palettes?prefix=night-train/",
    "/palettes/night-train/frame%201.jpg",
    "/palettes/night-train/frame%201.jpg?format=css",
    "/palettes/night-train/frame%201.jpg/swatch",
    "/gallery",
    "/gallery/night-train",
    "/films",
    "/films/night-train",
    "/films/night-train/palette?format=css",
    "/films/night-train/barcode",
    "/films/night-train/timeline",
    "/palettes/night-train/frame%201.jpg/image",
]


@pytest.mark.e2e
@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-api-key": ""},
        {"x-api-key": "wrong-key"},
        {"X-API-KEY": "x" * 40},
        {"Authorization": "Bearer x"},
    ],
    ids=["none", "empty", "wrong", "wrong-40", "bearer"],
)
def test_a_request_without_the_key_is_refused(fuzzing: Fuzzing, route: str, headers: dict[str, str]) -> None:
    answer = http_get(f"{fuzzing.stack.api_url}{route}", headers)
    assert answer.status == 403
    assert json.loads(answer.body) == {"message": "Forbidden"}


def traversal_paths() -> list[str]:
    """Film and still values that try to leave the stack's palettes: dot segments, encoded slashes,
    absolute keys, other prefixes, the bait keys themselves."""
    segments = [
        "..",
        ".",
        "%2E%2E",
        "..%2F..%2Fprivate",
        "%2Fprivate%2Fbait.json",
        "private",
        "stills",
        "%00",
    ]
    paths = []
    for film in segments:
        for still in ["bait.json", "..%2Fbait.json", "%2E%2E%2Fprivate%2Fbait.json", "frame%201.jpg", ".."]:
            for suffix in ("", "/swatch", "?format=json"):
                paths.append(f"/palettes/{film}/{still}{suffix}")
        for suffix in ("", "/palette?format=json", "/barcode", "/barcode?style=palette&width=10"):
            paths.append(f"/films/{film}{suffix}")
    paths += [
        "/palettes/night-train/..%2F..%2Fprivate%2Fbait.json/swatch",
        "/palettes/..%2Fprivate/bait.json",
        "/palettes/night-train%2F..%2F..%2Fprivate/bait.json",
        "/palettes/%2Fprivate/bait.json/swatch",
        "/palettes?prefix=../",
        "/palettes?prefix=..%2Fprivate%2F",
        "/palettes?prefix=%2Fprivate%2F",
        "/palettes?prefix=private/",
        "/gallery/..",
        "/gallery/%2E%2E%2Fprivate",
        "/gallery?prefix=..%2F..%2Fprivate%2F",
    ]
    return paths


@pytest.mark.e2e
def test_no_route_serves_anything_outside_the_palettes(fuzzing: Fuzzing) -> None:
    statuses: Counter[int] = Counter()
    for path in traversal_paths():
        answer = http_get(f"{fuzzing.stack.api_url}{path}", fuzzing.key_header)
        statuses[answer.status] += 1
        assert answer.status < 500, (path, answer)
        assert_no_bait(answer.body)
    print(f"\ntraversal probes: {sum(statuses.values())} requests, statuses {dict(statuses)}")
