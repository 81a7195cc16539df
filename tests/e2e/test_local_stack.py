"""End to end on the local stack: stills uploaded with boto3 become items, read back through the HTTP API."""

from __future__ import annotations

import base64
import json
import os
import socket
import time
from collections import Counter
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, unquote_plus, urlsplit

import pytest
from botocore.exceptions import ClientError

from local import s3_events
from local.runtime import Invocation
from local.sqs_event_source import SqsEventSource
from local.stack import LocalStack, LocalStackSettings
from palette_service.domain.outcomes import Outcome
from palettes_cli.s3_events import S3Object, s3_event
from palettes_stack.template import SqsTrigger, load_template
from tests.e2e.conftest import SAMPLES, HttpAnswer, http_get, wait_for_items

pytestmark = pytest.mark.e2e

FILM = "e2e-film"
GIVEN_UP_FILM = "e2e-given-up"
REPLAY_QUEUE = "ExtractReplayQueue"
AWKWARD = "Opening shot é+%.jpg"
CORRUPT = "corrupt.jpg"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Uploaded:
    stack: LocalStack
    table: Any
    items: dict[str, dict[str, Any]]
    done: list[str]


@pytest.fixture(scope="module")
def uploaded(stack: LocalStack) -> Uploaded:
    s3 = stack.client("s3")
    samples = sorted(SAMPLES.glob("*.jpg"))
    names = [path.name for path in samples]
    for path in samples:
        s3.upload_file(
            str(path), stack.bucket, f"stills/{FILM}/{path.name}", ExtraArgs={"ContentType": "image/jpeg"}
        )
    s3.put_object(Bucket=stack.bucket, Key=f"stills/{FILM}/{AWKWARD}", Body=samples[0].read_bytes())
    s3.put_object(Bucket=stack.bucket, Key=f"stills/{FILM}/{CORRUPT}", Body=b"\xff\xd8\xff not really a JPEG")
    table = stack.resource("dynamodb").Table(stack.table_name)
    items = wait_for_items(table, FILM, [*names, AWKWARD, CORRUPT])
    return Uploaded(stack, table, items, [*names, AWKWARD])


def api(
    stack: LocalStack, path: str, *, key: str | None = "default", accept: str = "application/json"
) -> HttpAnswer:
    headers = {"Accept": accept}
    if key is not None:
        headers["x-api-key"] = stack.api_key if key == "default" else key
    return http_get(stack.api_url + path, headers)


def palette_url(name: str, suffix: str = "") -> str:
    return f"/palettes/{quote(FILM, safe='')}/{quote(name, safe='')}{suffix}"


# ---------------------------------------------------------------------- resources from the template
def test_resources_follow_the_template(stack: LocalStack) -> None:
    template = load_template()
    s3 = stack.client("s3")
    assert s3.get_bucket_versioning(Bucket=stack.bucket)["Status"] == "Enabled"
    rules = s3.get_bucket_encryption(Bucket=stack.bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    notification = s3.get_bucket_notification_configuration(Bucket=stack.bucket)["QueueConfigurations"]
    (only,) = notification
    assert only["Events"] == ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]
    assert only["Filter"]["Key"]["FilterRules"] == [{"Name": "prefix", "Value": "stills/"}]
    # The one CORS rule: the web app's origin (the local API's, which serves it) may POST uploads.
    (cors,) = s3.get_bucket_cors(Bucket=stack.bucket)["CORSRules"]
    assert cors["AllowedMethods"] == ["POST"] and cors["AllowedOrigins"] == [stack.api_url.rsplit("/", 1)[0]]

    table = stack.client("dynamodb").describe_table(TableName=stack.table_name)["Table"]
    declared = template["Resources"]["PalettesTable"]["Properties"]
    assert table["KeySchema"] == declared["KeySchema"]
    assert {index["IndexName"]: index["KeySchema"] for index in table["GlobalSecondaryIndexes"]} == {
        index["IndexName"]: index["KeySchema"] for index in declared["GlobalSecondaryIndexes"]
    }
    assert stack.failure_queue_url is not None
    assert stack.extract_function.max_retry_attempts == 2
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    time_to_live = stack.client("dynamodb").describe_time_to_live(TableName=stack.table_name)
    assert time_to_live["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": "expires_at",
    }
    assert stack.aggregate_failure_queue_url == stack.queue_urls["AggregateFailuresQueue"]


def test_queues_and_the_sqs_triggered_function_follow_the_template(stack: LocalStack) -> None:
    sqs = stack.client("sqs")
    declared = load_template()["Resources"]["ExtractFailuresQueue"]["Properties"]
    attributes = sqs.get_queue_attributes(QueueUrl=stack.failure_queue_url, AttributeNames=["All"])[
        "Attributes"
    ]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == stack.template.arn(REPLAY_QUEUE)
    assert int(redrive["maxReceiveCount"]) == declared["RedrivePolicy"]["maxReceiveCount"]
    assert attributes["VisibilityTimeout"] == str(declared["VisibilityTimeout"])
    record_failures = stack.functions["RecordFailuresFunction"]
    (trigger,) = record_failures.sqs_triggers
    assert (trigger.queue_logical_id, trigger.batch_size, trigger.report_batch_item_failures) == (
        "ExtractFailuresQueue",
        10,
        True,
    )
    # !Ref of a queue is its URL: the one the local endpoint gave the replay queue.
    assert record_failures.environment["REPLAY_QUEUE_URL"] == stack.queue_urls[REPLAY_QUEUE]
    assert [path.name for path in record_failures.layer_dirs] == ["service"]


# ---------------------------------------------------------------------- the pipeline
def test_every_upload_becomes_an_item_with_its_outputs(uploaded: Uploaded) -> None:
    s3 = uploaded.stack.client("s3")
    for name in uploaded.done:
        item = uploaded.items[name]
        assert item["status"] == "DONE", item.get("reason")
        assert item["key"] == f"stills/{FILM}/{name}"
        palette = json.loads(
            s3.get_object(Bucket=uploaded.stack.bucket, Key=item["palette_key"])["Body"].read()
        )
        assert palette == json.loads(item["document"])
        assert 1 <= len(palette["colors"]) <= 6
        assert abs(sum(color["proportion"] for color in palette["colors"]) - 1) < 1e-6
        swatch = s3.get_object(Bucket=uploaded.stack.bucket, Key=item["swatch_key"])["Body"].read()
        assert swatch.startswith(PNG_SIGNATURE)


def test_a_corrupt_upload_is_failed_with_its_reason(uploaded: Uploaded) -> None:
    item = uploaded.items[CORRUPT]
    assert item["status"] == "FAILED"
    assert item["error"] and item["reason"]
    assert "Traceback" not in item["reason"]


def test_s3_events_are_genuine(uploaded: Uploaded) -> None:
    """The handler saw what S3 sends: the object's version and a sequencer (see local/s3_events.py)."""
    s3 = uploaded.stack.client("s3")
    for name in uploaded.done:
        item = uploaded.items[name]
        head = s3.head_object(Bucket=uploaded.stack.bucket, Key=item["key"])
        assert item["version_id"] == head["VersionId"]
        assert item["etag"] == head["ETag"].strip('"')
        assert item["sequencer"].strip("0"), "the event carried no sequencer"
    assert s3_events._state["installed"] >= 1


def test_s3_removals_are_genuine(stack: LocalStack) -> None:
    """Removals notify as S3 does (see local/s3_events.py): a delete marker, then each version deleted,
    each with its versionId and a sequencer larger than the key's creations; no size or ETag. A bucket
    of its own, notifying a queue of its own with the extract function's events and filter."""
    s3, sqs = stack.client("s3"), stack.client("sqs")
    bucket, queue = "e2e-removals", sqs.create_queue(QueueName="e2e-removals")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    (trigger,) = stack.extract_function.s3_triggers
    rules = [{"Name": name, "Value": value} for name, value in trigger.filter_rules]
    configuration = {
        "QueueArn": queue_arn,
        "Events": list(trigger.events),
        "Filter": {"Key": {"FilterRules": rules}},
    }
    s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"QueueConfigurations": [configuration]}
    )
    key = f"{stack.input_prefix}{FILM}/removed.jpg"
    first = s3.put_object(Bucket=bucket, Key=key, Body=b"first")["VersionId"]
    second = s3.put_object(Bucket=bucket, Key=key, Body=b"second")["VersionId"]
    marker = s3.delete_object(Bucket=bucket, Key=key)
    assert marker["DeleteMarker"] is True
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": key, "VersionId": first}]})
    s3.delete_object(Bucket=bucket, Key=f"other/{FILM}/removed.jpg")  # outside the filter: no record
    records = receive_s3_records(sqs, queue, 4)
    records.sort(key=lambda record: record["s3"]["object"]["sequencer"])
    assert [(record["eventName"], record["s3"]["object"]["versionId"]) for record in records] == [
        ("ObjectCreated:Put", first),
        ("ObjectCreated:Put", second),
        ("ObjectRemoved:DeleteMarkerCreated", marker["VersionId"]),
        ("ObjectRemoved:Delete", first),
    ]
    for record in records[2:]:
        assert set(record["s3"]["object"]) == {"key", "versionId", "sequencer"}
        assert unquote_plus(record["s3"]["object"]["key"]) == key
    sqs.delete_queue(QueueUrl=queue)


def receive_s3_records(sqs: Any, queue: str, count: int, *, timeout: float = 30) -> list[dict[str, Any]]:
    """``count`` S3 records from ``queue``, and no more than that within a second of the last."""
    records: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in messages.get("Messages", []):
            records += json.loads(message["Body"]).get("Records", [])
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
        if len(records) >= count and not messages.get("Messages"):
            break
    assert len(records) == count, records
    return records


def test_still_changes_reach_the_aggregate_function_through_the_tables_stream(uploaded: Uploaded) -> None:
    stack = uploaded.stack
    assert stack.wait_idle(120)
    log = stack.log_dir / "AggregateFunction" / "environment-1.log"
    assert "START RequestId:" in log.read_text(encoding="utf-8")


def test_outputs_and_other_prefixes_never_trigger_the_function(uploaded: Uploaded) -> None:
    stack = uploaded.stack
    s3 = stack.client("s3")
    s3.put_object(
        Bucket=stack.bucket, Key=f"other/{FILM}/stray.jpg", Body=(SAMPLES / "coffee.jpg").read_bytes()
    )
    assert stack.wait_idle(30)
    items = uploaded.table.query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :still)",
        ExpressionAttributeValues={":pk": f"FILM#{FILM}", ":still": "STILL#"},
    )["Items"]
    # One still item per upload under stills/: the outputs under palettes/ and swatches/ made none.
    assert sorted(item["name"] for item in items) == sorted([*uploaded.done, CORRUPT])


def test_a_new_version_of_a_still_replaces_its_palette(uploaded: Uploaded) -> None:
    stack = uploaded.stack
    key = f"stills/{FILM}/replaced.jpg"
    s3 = stack.client("s3")
    s3.put_object(Bucket=stack.bucket, Key=key, Body=(SAMPLES / "coffee.jpg").read_bytes())
    first = wait_for_items(uploaded.table, FILM, ["replaced.jpg"])["replaced.jpg"]
    second_etag = s3.put_object(Bucket=stack.bucket, Key=key, Body=(SAMPLES / "rocket.jpg").read_bytes())[
        "ETag"
    ]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        item = uploaded.table.get_item(Key={"pk": f"FILM#{FILM}", "sk": "STILL#replaced.jpg"})["Item"]
        if item["etag"] == second_etag.strip('"'):
            break
        time.sleep(0.25)
    assert item["etag"] == second_etag.strip('"')
    assert item["sequencer"] > first["sequencer"]
    assert json.loads(item["document"])["colors"] != json.loads(first["document"])["colors"]


# ---------------------------------------------------------------------- the read API over HTTP
def test_the_palette_document(uploaded: Uploaded) -> None:
    answer = api(uploaded.stack, palette_url("coffee.jpg"))
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.json() == json.loads(uploaded.items["coffee.jpg"]["document"])


def test_an_awkward_name_round_trips(uploaded: Uploaded) -> None:
    answer = api(uploaded.stack, palette_url(AWKWARD))
    assert answer.status == 200
    assert answer.json()["source"]["key"] == f"stills/{FILM}/{AWKWARD}"


def test_the_swatch_is_binary_for_a_client_that_accepts_png(uploaded: Uploaded) -> None:
    stack = uploaded.stack
    answer = api(stack, palette_url("coffee.jpg", "/swatch"), accept="image/png")
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "image/png"
    stored = stack.client("s3").get_object(
        Bucket=stack.bucket, Key=uploaded.items["coffee.jpg"]["swatch_key"]
    )
    assert answer.body == stored["Body"].read()
    # API Gateway's rule: the first Accept type decides. The template's binary media type */* matches
    # any, curl's */* included; a request that names no type gets the base64 text.
    assert api(stack, palette_url("coffee.jpg", "/swatch"), accept="*/*").body == answer.body
    as_text = api(stack, palette_url("coffee.jpg", "/swatch"), accept="")
    assert base64.b64decode(as_text.body) == answer.body


def test_an_export(uploaded: Uploaded) -> None:
    answer = api(uploaded.stack, palette_url("coffee.jpg") + "?format=css", accept="text/css")
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("text/css")
    for color in json.loads(uploaded.items["coffee.jpg"]["document"])["colors"]:
        assert color["hex"] in answer.body.decode()


def test_listing_pages_to_the_end_newest_first(uploaded: Uploaded) -> None:
    keys: list[str] = []
    updated: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = f"?prefix={quote(FILM + '/')}&limit=2" + (f"&cursor={quote(cursor)}" if cursor else "")
        answer = api(uploaded.stack, "/palettes" + query)
        assert answer.status == 200
        page = answer.json()
        pages += 1
        assert len(page["items"]) <= 2
        keys += [item["key"] for item in page["items"]]
        updated += [item["updated_at"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    expected = {f"stills/{FILM}/{name}" for name in [*uploaded.done, CORRUPT]}
    assert expected <= set(keys)
    assert len(keys) == len(set(keys))
    assert pages >= len(keys) // 2
    assert updated == sorted(updated, reverse=True)


@pytest.mark.parametrize("key", [None, "not-the-key"])
def test_without_the_api_key_the_gateway_refuses(uploaded: Uploaded, key: str | None) -> None:
    for path in (palette_url("coffee.jpg"), "/palettes?prefix=e2e-film/", f"/gallery/{FILM}"):
        answer = api(uploaded.stack, path, key=key)
        assert answer.status == 403
        assert answer.body == b'{"message":"Forbidden"}'


def test_an_unknown_still_is_a_404(uploaded: Uploaded) -> None:
    answer = api(uploaded.stack, palette_url("no-such-still.jpg"))
    assert answer.status == 404
    assert "no palette" in answer.json()["message"]


def test_a_failed_still_answers_its_reason(uploaded: Uploaded) -> None:
    answer = api(uploaded.stack, palette_url(CORRUPT))
    assert answer.status == 422
    assert answer.json()["reason"] == uploaded.items[CORRUPT]["reason"]


def test_an_undefined_route_is_missing_authentication_token(uploaded: Uploaded) -> None:
    for path in ("/nowhere", "/palettes/e2e-film"):
        answer = api(uploaded.stack, path)
        assert answer.status == 403
        assert answer.json() == {"message": "Missing Authentication Token"}


def test_the_openapi_document(uploaded: Uploaded) -> None:
    answer = api(uploaded.stack, "/openapi.json")
    assert answer.status == 200
    assert "/palettes" in answer.json()["paths"]


# ---------------------------------------------------------------------- Lambda's invoke API
def test_synchronous_invoke_runs_the_real_handler(stack: LocalStack) -> None:
    lambda_client = stack.client("lambda")
    event: dict[str, Any] = {"Records": []}
    response = lambda_client.invoke(
        FunctionName=stack.extract_function.name, Payload=json.dumps(event).encode()
    )
    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    assert json.loads(response["Payload"].read()) == {kind.value: 0 for kind in Outcome}
    with pytest.raises(ClientError) as raised:
        lambda_client.invoke(FunctionName="no-such-function", Payload=b"{}")
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


def replay_record(stack: LocalStack, key: str, *, timeout: float = 90) -> dict[str, Any]:
    """The invocation record kept in the replay queue for an event about ``key``, once it is there
    (received with no visibility timeout: it stays for the next reader)."""
    sqs = stack.client("sqs")
    deadline = time.monotonic() + timeout
    while True:
        messages = sqs.receive_message(
            QueueUrl=stack.queue_urls[REPLAY_QUEUE],
            MaxNumberOfMessages=10,
            VisibilityTimeout=0,
            WaitTimeSeconds=1,
        ).get("Messages", [])
        for message in messages:
            record = json.loads(message["Body"])
            records = record.get("requestPayload", {}).get("Records", [])
            if any(
                unquote_plus(item.get("s3", {}).get("object", {}).get("key", "")) == key for item in records
            ):
                return dict(record)
        if time.monotonic() > deadline:
            raise AssertionError(f"no record of {key} in {REPLAY_QUEUE} after {timeout} s")


def assert_given_up(stack: LocalStack, name: str, record: dict[str, Any], item: dict[str, Any]) -> None:
    """Every attempt failed (the template's retries), the record says so, the still is FAILED."""
    attempts = stack.extract_function.max_retry_attempts + 1
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == attempts
    assert record["requestContext"]["functionArn"] == f"{stack.extract_function.arn}:$LATEST"
    assert record["responseContext"]["functionError"] == "Unhandled"
    # The denied GET of the still: botocore's modelled S3 AccessDenied (a ClientError; a HEAD's 403,
    # which has no body, was a bare ClientError).
    assert record["responsePayload"]["errorType"] == "AccessDenied"
    assert item["status"] == "FAILED"
    assert item["error"] == "retries_exhausted"
    assert f"failed on {attempts} attempts" in item["reason"] and "AccessDenied" in item["reason"]
    answer = api(stack, f"/palettes/{GIVEN_UP_FILM}/{quote(name, safe='')}")
    assert answer.status == 422
    assert answer.json()["reason"] == item["reason"]


def test_an_upload_whose_extraction_always_fails_ends_failed_and_kept_for_replay(stack: LocalStack) -> None:
    """Lambda retries the upload's event, gives it up to ExtractFailuresQueue, whose event source
    mapping runs RecordFailuresFunction: the still is FAILED (retries_exhausted), the record kept."""
    name = "unreadable.jpg"
    key = f"{stack.input_prefix}{GIVEN_UP_FILM}/{name}"
    table = stack.resource("dynamodb").Table(stack.table_name)
    with stack.s3_reads_denied(key):
        stack.client("s3").put_object(
            Bucket=stack.bucket, Key=key, Body=(SAMPLES / "coffee.jpg").read_bytes()
        )
        item = wait_for_items(table, GIVEN_UP_FILM, [name])[name]
        record = replay_record(stack, key)
    assert_given_up(stack, name, record, item)
    assert record["requestPayload"]["Records"][0]["s3"]["object"]["eTag"] == item["etag"]
    assert stack.wait_idle(60)
    attributes = stack.client("sqs").get_queue_attributes(
        QueueUrl=stack.failure_queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    assert attributes == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}


def test_an_asynchronous_invoke_that_always_fails_is_given_up_the_same_way(stack: LocalStack) -> None:
    """``lambda invoke --invocation-type Event`` takes the path of an S3 notification: 202, retries,
    the on-failure record, a FAILED still."""
    name = "invoked.jpg"
    key = f"{stack.input_prefix}{GIVEN_UP_FILM}/{name}"
    still = S3Object(key=key, etag="0" * 32, size=1234, sequencer="0067455D2B7A3C1F9E", version_id="v1")
    event = s3_event(stack.bucket, [still], region=stack.settings.region, requester="e2e")
    with stack.s3_reads_denied(key):
        response = stack.client("lambda").invoke(
            FunctionName=stack.extract_function.arn,
            InvocationType="Event",
            Payload=json.dumps(event).encode(),
        )
        assert response["StatusCode"] == 202
        item = wait_for_items(stack.resource("dynamodb").Table(stack.table_name), GIVEN_UP_FILM, [name])[name]
        record = replay_record(stack, key)
    assert record["requestPayload"] == event
    assert_given_up(stack, name, record, item)


@dataclass
class PartialBatchFunction:
    """Stands in for a function's environments: reports every message whose body is "bad" as failed."""

    function: Any = field(default_factory=lambda: SimpleNamespace(name="partial-batch", timeout_seconds=1))
    size: int = 1
    batches: list[list[dict[str, Any]]] = field(default_factory=list)

    def invoke(self, event: dict[str, Any], *, request_id: str | None = None) -> Invocation:
        self.batches.append(event["Records"])
        failed = [
            {"itemIdentifier": record["messageId"]} for record in event["Records"] if record["body"] == "bad"
        ]
        return Invocation(request_id or "partial", result={"batchItemFailures": failed})


def test_an_sqs_event_source_deletes_what_succeeded_and_leaves_the_rest_to_the_redrive_policy(
    stack: LocalStack,
) -> None:
    sqs = stack.client("sqs")
    dead_letters = sqs.create_queue(QueueName="e2e-partial-batch-dlq")["QueueUrl"]
    dead_letter_arn = sqs.get_queue_attributes(QueueUrl=dead_letters, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    redrive = {"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": 2}
    queue = sqs.create_queue(
        QueueName="e2e-partial-batch",
        Attributes={"VisibilityTimeout": "1", "RedrivePolicy": json.dumps(redrive)},
    )["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    for body in ("good-1", "bad", "good-2"):
        sqs.send_message(QueueUrl=queue, MessageBody=body)
    function = PartialBatchFunction()
    trigger = SqsTrigger("PartialBatch", batch_size=10, report_batch_item_failures=True)
    source = SqsEventSource(sqs, queue, function, trigger, queue_arn=queue_arn, region=stack.settings.region)  # type: ignore[arg-type]
    source.start()
    try:
        deadline = time.monotonic() + 60
        moved: list[Any] = []
        while not moved and time.monotonic() < deadline:
            moved = sqs.receive_message(QueueUrl=dead_letters, VisibilityTimeout=0, WaitTimeSeconds=1).get(
                "Messages", []
            )
        assert [message["Body"] for message in moved] == ["bad"]
        assert source.is_idle()
    finally:
        source.stop()
        for url in (queue, dead_letters):
            sqs.delete_queue(QueueUrl=url)
    # The good messages were handed over once and deleted; the bad one was received maxReceiveCount times.
    received = Counter(record["body"] for batch in function.batches for record in batch)
    assert received == {"good-1": 1, "good-2": 1, "bad": 2}
    first = function.batches[0][0]
    assert (first["eventSource"], first["eventSourceARN"], first["awsRegion"]) == (
        "aws:sqs",
        queue_arn,
        stack.settings.region,
    )
    assert first["attributes"]["ApproximateReceiveCount"] == "1"


# ---------------------------------------------------------------------- cleanup
def test_stop_releases_ports_and_processes(tmp_path: Any) -> None:
    stack = LocalStack(LocalStackSettings(stack_name="palettes-cleanup", log_dir=tmp_path))
    stack.start()
    try:
        ports = [urlsplit(stack.endpoint_url).port, urlsplit(stack.api_url).port]
        processes = stack.process_ids()
        # Two extract environments, one for each other function of the template.
        assert sorted(stack.functions) == [
            "AggregateFunction",
            "ApiFunction",
            "ExtractFunction",
            "RecordFailuresFunction",
        ]
        assert len(processes) == 2 + 3
    finally:
        stack.stop()
    stack.stop()  # idempotent
    for port in ports:
        with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
    for pid in processes:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_two_stacks_of_one_name_cannot_share_a_process(stack: LocalStack) -> None:
    with pytest.raises(RuntimeError, match="already runs"):
        LocalStack(LocalStackSettings(stack_name=stack.settings.stack_name)).start()
    assert http_get(stack.api_url + "/openapi.json", {"x-api-key": stack.api_key}).status == 200


# ---------------------------------------------------------------------- the gallery's other pages
def test_the_gallery_index_asks_for_a_film(uploaded: Uploaded) -> None:
    answer = api(uploaded.stack, "/gallery", accept="text/html")
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("text/html")
    assert '<form method="get">' in answer.body.decode()


def test_the_gallery_pages_with_a_cursor(uploaded: Uploaded) -> None:
    first = api(uploaded.stack, f"/gallery?prefix={FILM}/&limit=2", accept="text/html").body.decode()
    assert first.count('<article class="still') == 2
    assert 'rel="next"' in first
    bad = api(uploaded.stack, f"/gallery?prefix={FILM}/&cursor=not-a-cursor", accept="text/html")
    assert bad.status == 400
    assert bad.headers["Content-Type"].startswith("text/html")
    assert "cursor is not valid" in bad.body.decode()
