"""`make invoke`: the sample events in events/ fed to the real handlers on moto, where `sam local
invoke` cannot run (it needs Docker).

The same files work with `sam local invoke ExtractFunction -e events/s3-put.json --env-vars
events/env.json` where Docker exists. Here the bucket and table are made in moto from template.yaml's
own properties, the still named by events/s3-put.json is uploaded (one of the sample stills), the
event's ETag, size and version are those of that upload, and then every API event is answered.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

REPOSITORY = Path(__file__).resolve().parents[1]
EVENTS = REPOSITORY / "events"
SAMPLE_STILL = REPOSITORY / "samples" / "stills" / "rocket.jpg"
REGION = "eu-west-1"
for folder in ("layers/palettes", "layers/service", "functions", "."):
    sys.path.insert(0, str(REPOSITORY / folder))


def main() -> int:
    environment = json.loads((EVENTS / "env.json").read_text(encoding="utf-8"))
    _use_environment(environment["ExtractFunction"])
    from moto import mock_aws

    with mock_aws():
        _create_resources(environment["ExtractFunction"])
        event = _upload_sample(json.loads((EVENTS / "s3-put.json").read_text(encoding="utf-8")))
        from extract.app import lambda_handler as extract_handler

        print("ExtractFunction  events/s3-put.json")
        print(f"  -> {extract_handler(event, _context('ExtractFunction'))}")
        _use_environment(environment["ApiFunction"])
        from api.app import lambda_handler as api_handler

        for path in sorted(EVENTS.glob("api-*.json")):
            request = json.loads(path.read_text(encoding="utf-8"))
            response = api_handler(request, _context("ApiFunction"))
            print(f"ApiFunction  {path.relative_to(REPOSITORY)}  {request['httpMethod']} {request['path']}")
            print(f"  -> {response['statusCode']} {_content_type(response)}  {_excerpt(response)}")
    return 0


def _use_environment(variables: dict[str, str]) -> None:
    for name, value in variables.items():
        if value:
            os.environ[name] = value
        else:
            os.environ.pop(name, None)
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_METRICS_FUNCTION_NAME", "invoke")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ[name] = "testing"
    os.environ["AWS_DEFAULT_REGION"] = REGION


def _create_resources(variables: dict[str, str]) -> None:
    """The stills bucket and the palettes table, with template.yaml's properties."""
    import boto3

    from local.template import StackTemplate, load_template

    template = StackTemplate(load_template(), stack_name="invoke", region=REGION, account_id="123456789012")
    s3 = boto3.client("s3", region_name=REGION)
    bucket = variables["STILLS_BUCKET"]
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    versioning = template.properties("StillsBucket").get("VersioningConfiguration", {})
    if versioning.get("Status") == "Enabled":
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    table = template.properties("PalettesTable")
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName=variables["PALETTES_TABLE"],
        **{
            key: table[key]
            for key in ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode")
        },
    )


def _upload_sample(event: dict[str, Any]) -> dict[str, Any]:
    """Upload a sample still under the event's key and make the event describe that upload."""
    import boto3

    s3 = boto3.client("s3", region_name=REGION)
    record = event["Records"][0]["s3"]
    key = unquote_plus(record["object"]["key"])
    body = SAMPLE_STILL.read_bytes()
    put = s3.put_object(Bucket=record["bucket"]["name"], Key=key, Body=body, ContentType="image/jpeg")
    record["object"].update(eTag=put["ETag"].strip('"'), size=len(body))
    if "VersionId" in put:
        record["object"]["versionId"] = put["VersionId"]
    return event


def _context(function_name: str) -> Any:
    from local.runtime import LocalContext

    return LocalContext(
        function_name=function_name,
        invoked_function_arn=f"arn:aws:lambda:{REGION}:123456789012:function:{function_name}",
        memory_limit_in_mb=1024,
        aws_request_id="00000000-0000-4000-8000-000000000000",
        deadline=time.time() + 60,
    )


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
