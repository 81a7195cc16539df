"""The template's buckets, tables and queues, created on any boto3 endpoint from their properties.

The same calls make them on moto in process (the handler tests), on moto's server (the local
stack) or wherever the clients point: what clients can observe of each resource follows the
template (a bucket's versioning, encryption and public access block; a table's keys, indexes,
stream, encryption, time to live and point-in-time recovery; a queue's attributes and redrive
policy). What no emulator evaluates (policies, lifecycle rules, alarms) is left out.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from palettes_stack.template import StackTemplate

# A boto3 client for a service name ("s3", "dynamodb", "sqs"), pointed wherever the caller wants.
ClientFactory = Callable[[str], Any]

_TABLE_ARGUMENTS = (
    "AttributeDefinitions",
    "KeySchema",
    "LocalSecondaryIndexes",
    "BillingMode",
    "ProvisionedThroughput",
    "OnDemandThroughput",
    "TableClass",
    "DeletionProtectionEnabled",
)
_INDEX_ARGUMENTS = ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput", "OnDemandThroughput")
# The queue properties that are attributes of SQS's CreateQueue (the rest, tags and the name, are not).
_QUEUE_ATTRIBUTES = frozenset(
    {
        "ContentBasedDeduplication",
        "DeduplicationScope",
        "DelaySeconds",
        "FifoQueue",
        "FifoThroughputLimit",
        "KmsDataKeyReusePeriodSeconds",
        "KmsMasterKeyId",
        "MaximumMessageSize",
        "MessageRetentionPeriod",
        "ReceiveMessageWaitTimeSeconds",
        "RedriveAllowPolicy",
        "RedrivePolicy",
        "SqsManagedSseEnabled",
        "VisibilityTimeout",
    }
)


@dataclass(frozen=True)
class StackResources:
    """What was created, by logical id: bucket and table names, queue URLs."""

    buckets: Mapping[str, str]
    tables: Mapping[str, str]
    queue_urls: Mapping[str, str]


def create_resources(template: StackTemplate, client: ClientFactory) -> StackResources:
    """Every bucket, table and queue of the template."""
    s3, dynamodb = client("s3"), client("dynamodb")
    return StackResources(
        buckets={
            logical_id: create_bucket(template, logical_id, s3)
            for logical_id in template.logical_ids("AWS::S3::Bucket")
        },
        tables={
            logical_id: create_table(template, logical_id, dynamodb)
            for logical_id in template.logical_ids("AWS::DynamoDB::Table")
        },
        queue_urls=create_queues(template, client("sqs")),
    )


def create_bucket(template: StackTemplate, logical_id: str, s3: Any) -> str:
    """The bucket with its versioning, default encryption and public access block; its name."""
    properties = template.properties(logical_id)
    name = template.physical_name(logical_id)
    arguments: dict[str, Any] = {"Bucket": name}
    if template.region != "us-east-1":
        arguments["CreateBucketConfiguration"] = {"LocationConstraint": template.region}
    s3.create_bucket(**arguments)
    if versioning := properties.get("VersioningConfiguration"):
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": versioning["Status"]})
    if encryption := properties.get("BucketEncryption"):
        rules = [
            {"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]}
            for rule in encryption["ServerSideEncryptionConfiguration"]
        ]
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
    if public_access := properties.get("PublicAccessBlockConfiguration"):
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=public_access)
    configure_bucket_cors(template, logical_id, s3)
    return name


# CloudFormation's CorsRule property -> the S3 API's name for it.
_CORS_FIELDS = {
    "Id": "ID",
    "AllowedMethods": "AllowedMethods",
    "AllowedOrigins": "AllowedOrigins",
    "AllowedHeaders": "AllowedHeaders",
    "ExposedHeaders": "ExposeHeaders",
    "MaxAge": "MaxAgeSeconds",
}


def configure_bucket_cors(template: StackTemplate, logical_id: str, s3: Any) -> None:
    """The bucket's CORS rules as the template resolves them (its parameters may change them)."""
    cors = template.properties(logical_id).get("CorsConfiguration")
    if not cors:
        return
    rules = [
        {_CORS_FIELDS[name]: int(value) if name == "MaxAge" else value for name, value in rule.items()}
        for rule in cors["CorsRules"]
    ]
    s3.put_bucket_cors(Bucket=template.physical_name(logical_id), CORSConfiguration={"CORSRules": rules})


def create_table(template: StackTemplate, logical_id: str, dynamodb: Any) -> str:
    """The table with its keys, indexes, billing, stream, encryption, time to live and point-in-time
    recovery; its name. The table is active when this returns."""
    properties = template.properties(logical_id)
    name = template.physical_name(logical_id)
    dynamodb.create_table(TableName=name, **table_arguments(properties))
    dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    if time_to_live := properties.get("TimeToLiveSpecification"):
        dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=time_to_live)
    recovery = properties.get("PointInTimeRecoverySpecification")
    if recovery and recovery.get("PointInTimeRecoveryEnabled"):
        dynamodb.update_continuous_backups(
            TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        )
    return name


def table_arguments(properties: Mapping[str, Any]) -> dict[str, Any]:
    """CreateTable's arguments from an ``AWS::DynamoDB::Table``'s properties (where the names differ,
    CloudFormation's are translated)."""
    arguments = {key: properties[key] for key in _TABLE_ARGUMENTS if key in properties}
    if indexes := properties.get("GlobalSecondaryIndexes"):
        arguments["GlobalSecondaryIndexes"] = [
            {key: index[key] for key in _INDEX_ARGUMENTS if key in index} for index in indexes
        ]
    if stream := properties.get("StreamSpecification"):
        # CloudFormation declares a stream by its view type alone; the API also wants StreamEnabled.
        arguments["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
    if sse := properties.get("SSESpecification"):
        # CloudFormation says SSEEnabled where the API says Enabled.
        arguments["SSESpecification"] = {
            "Enabled": bool(sse.get("SSEEnabled")),
            **{key: sse[key] for key in ("SSEType", "KMSMasterKeyId") if key in sse},
        }
    return arguments


def create_queues(template: StackTemplate, sqs: Any) -> dict[str, str]:
    """Every queue of the template, each dead-letter target before the queues that redrive to it;
    their URLs by logical id."""
    pending = template.logical_ids("AWS::SQS::Queue")
    urls: dict[str, str] = {}
    while pending:
        ready = [
            logical_id for logical_id in pending if _redrive_target(template, logical_id) in (None, *urls)
        ]
        if not ready:
            raise ValueError(f"the redrive policies of {', '.join(pending)} form a cycle")
        for logical_id in ready:
            urls[logical_id] = create_queue(template, logical_id, sqs)
            pending.remove(logical_id)
    return urls


def create_queue(template: StackTemplate, logical_id: str, sqs: Any) -> str:
    """The queue with the template's attributes, its redrive policy included; its URL."""
    attributes = queue_attributes(template.properties(logical_id))
    response = sqs.create_queue(QueueName=template.physical_name(logical_id), Attributes=attributes)
    return str(response["QueueUrl"])


def queue_attributes(properties: Mapping[str, Any]) -> dict[str, str]:
    """CreateQueue's attributes, all strings: booleans in lower case, policies as JSON."""
    return {name: _attribute(value) for name, value in properties.items() if name in _QUEUE_ATTRIBUTES}


def _redrive_target(template: StackTemplate, logical_id: str) -> str | None:
    policy = template.properties(logical_id).get("RedrivePolicy")
    if not policy:
        return None
    target = policy["deadLetterTargetArn"]
    owners = [queue for queue in template.logical_ids("AWS::SQS::Queue") if template.arn(queue) == target]
    return owners[0] if owners else None


def _attribute(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)
