"""`make invoke`: the sample events in events/ fed to the real handlers on moto, where `sam local
invoke` cannot run (it needs Docker).

Where Docker exists the same files work with `sam local invoke ExtractFunction -e events/s3-put.json`
(samconfig.toml adds `--env-vars events/env.json`). Here the stack is template.yaml's, with
samconfig.toml's stack name and region: its bucket, table and queues are made in moto, in process,
from the template (palettes_stack.resources); each function gets the template's environment for
that stack and its handler is loaded from its CodeUri. The events are pointed at that stack: the
still events/s3-put.json names is uploaded to the stack's bucket (one of the sample stills) and the
event describes that upload (bucket, ETag, size, version); the failure queue's event carries it as
the event the extraction gave up on; every API event is then answered.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

import boto3
from moto import mock_aws

from palettes_stack.context import LocalContext
from palettes_stack.resources import create_resources
from palettes_stack.template import REPOSITORY, FunctionSpec, StackTemplate

EVENTS = REPOSITORY / "events"
SAMPLE_STILL = REPOSITORY / "samples" / "stills" / "rocket.jpg"
# samconfig.toml's stack.
STACK_NAME = "palettes"
REGION = "eu-west-1"
Handler = Callable[[dict[str, Any], Any], Any]


@dataclass(frozen=True)
class LoadedFunction:
    """A function of the stack and its handler, loaded in this process."""

    spec: FunctionSpec
    handler: Handler

    def invoke(self, event: dict[str, Any]) -> Any:
        context = LocalContext(
            function_name=self.spec.name,
            invoked_function_arn=self.spec.arn,
            memory_limit_in_mb=self.spec.memory_mb,
            aws_request_id=str(uuid.uuid4()),
            deadline=time.time() + self.spec.timeout_seconds,
            log_group_name=f"/aws/lambda/{self.spec.name}",
        )
        return self.handler(event, context)


def main() -> int:
    base_environment = _local_environment()
    template = StackTemplate.read(stack_name=STACK_NAME, region=REGION)
    with mock_aws():
        session: Any = boto3.session.Session(region_name=REGION)
        resources = create_resources(template, session.client)
        s3_event = _upload_sample(_event("s3-put.json"), resources.buckets["StillsBucket"])
        extract = _load(template.function("ExtractFunction"), base_environment)
        _show("ExtractFunction", "events/s3-put.json", extract.invoke(s3_event))
        # A Batch Operations task of the version just processed: skipped, as a duplicate event is.
        _show("ExtractFunction", "events/s3-batch-task.json", extract.invoke(_batch_task(s3_event)))

        gave_up = _gave_up_event(_event("sqs-extract-gave-up.json"), s3_event, template)
        record_failures = _load(template.function("RecordFailuresFunction"), base_environment)
        _show("RecordFailuresFunction", "events/sqs-extract-gave-up.json", record_failures.invoke(gave_up))
        replay_queue = resources.queue_urls["ExtractReplayQueue"]
        kept = session.client("sqs").get_queue_attributes(
            QueueUrl=replay_queue, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]["ApproximateNumberOfMessages"]
        # The still stays DONE: the record is of the upload just processed (a retry that succeeded).
        print(f"  ExtractReplayQueue holds {kept} message(s) to replay")

        api = _load(template.function("ApiFunction"), base_environment)
        for path in sorted(EVENTS.glob("api-*.json")):
            request = _event(path.name)
            response = api.invoke(request)
            print(f"ApiFunction  {path.relative_to(REPOSITORY)}  {request['httpMethod']} {request['path']}")
            print(f"  -> {response['statusCode']} {_content_type(response)}  {_excerpt(response)}")
    return 0


def _local_environment() -> dict[str, str]:
    """This process's environment with dummy credentials for moto and nothing of the caller's AWS
    configuration."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN")
    }
    return {
        **environment,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        # What `sam local` sets: Powertools then leaves X-Ray alone.
        "POWERTOOLS_TRACE_DISABLED": "true",
    }


def _load(function: FunctionSpec, base_environment: dict[str, str]) -> LoadedFunction:
    """The function's handler, loaded as Lambda loads it (from its CodeUri) under its own environment.

    Handlers read their environment when first imported and called: call each right after loading it.
    """
    os.environ.clear()
    os.environ.update({**base_environment, **function.environment, "AWS_LAMBDA_FUNCTION_NAME": function.name})
    module_name, _, attribute = function.handler.rpartition(".")
    path = function.code_dir / f"{module_name.replace('.', '/')}.py"
    # Every function's module is app.py: each gets a name of its own.
    unique_name = f"{function.logical_id}_{module_name}"
    spec = importlib.util.spec_from_file_location(unique_name, path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[unique_name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return LoadedFunction(function, getattr(module, attribute))


def _event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return event


def _upload_sample(event: dict[str, Any], bucket: str) -> dict[str, Any]:
    """Upload a sample still under the event's key and make the event describe that upload."""
    s3 = boto3.client("s3", region_name=REGION)
    record = event["Records"][0]["s3"]
    key = unquote_plus(record["object"]["key"])
    body = SAMPLE_STILL.read_bytes()
    put = s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="image/jpeg")
    record["bucket"].update(name=bucket, arn=f"arn:aws:s3:::{bucket}")
    record["object"].update(eTag=put["ETag"].strip('"'), size=len(body))
    if "VersionId" in put:
        record["object"]["versionId"] = put["VersionId"]
    return event


def _batch_task(s3_event: dict[str, Any]) -> dict[str, Any]:
    """The sample Batch Operations task, naming the bucket and version ``s3_event`` names."""
    event = _event("s3-batch-task.json")
    record = s3_event["Records"][0]["s3"]
    event["tasks"][0].update(s3Bucket=record["bucket"]["name"], s3VersionId=record["object"].get("versionId"))
    return event


def _gave_up_event(
    event: dict[str, Any], s3_event: dict[str, Any], template: StackTemplate
) -> dict[str, Any]:
    """The failure queue's event, from this stack's queue, its record carrying ``s3_event``."""
    for message in event["Records"]:
        record = json.loads(message["body"])
        record["requestPayload"] = s3_event
        message["body"] = json.dumps(record)
        message["eventSourceARN"] = template.arn("ExtractFailuresQueue")
    return event


def _show(function: str, event_file: str, answer: Any) -> None:
    print(f"{function}  {event_file}")
    print(f"  -> {answer}")


def _content_type(response: dict[str, Any]) -> str:
    headers = response.get("headers") or {}
    multi = response.get("multiValueHeaders") or {}
    return str(headers.get("Content-Type") or (multi.get("Content-Type") or [""])[0])


def _excerpt(response: dict[str, Any]) -> str:
    body = response.get("body") or ""
    if response.get("isBase64Encoded"):
        data = base64.b64decode(body)
        return f"<{len(data)} bytes{', PNG' if data.startswith(b'\\x89PNG') else ''}>"
    text = " ".join(body.split())
    return text[:150] + ("..." if len(text) > 150 else "")


if __name__ == "__main__":
    sys.exit(main())
