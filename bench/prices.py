"""The one price table of the cost model (``make cost``): AWS list prices, US East (N. Virginia).

Every figure of ``bench/cost.py`` is a measured count times a price from here. Prices are on-demand
list prices without free tiers (they are per account, not per still) and without Savings Plans, for
the first pricing tier of each service (the tiers below them only lower the figures). Change a price
here, with its source and the date it was read, and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

PRICES_READ_ON = "2026-12-01"
REGION = "us-east-1"


@dataclass(frozen=True)
class Price:
    dollars: float
    per: str
    source: str


GB = 1024**3

LAMBDA_REQUEST = Price(0.20 / 1e6, "request", "https://aws.amazon.com/lambda/pricing/ (requests)")
# Duration: the first tier (7.5 billion GB-s a month on Arm, 6 billion on x86).
LAMBDA_GB_SECOND = {
    "arm64": Price(0.0000133334, "GB-s", "https://aws.amazon.com/lambda/pricing/ (duration, Arm)"),
    "x86_64": Price(0.0000166667, "GB-s", "https://aws.amazon.com/lambda/pricing/ (duration, x86)"),
}
# SnapStart (Python, .NET): the snapshot is cached while the version exists, at least 512 MB; each
# execution environment restored from it is billed per GB of the function's memory.
SNAPSTART_CACHE_GB_SECOND = Price(
    0.0000015046, "GB-s cached", "https://aws.amazon.com/lambda/pricing/ (SnapStart, caching)"
)
SNAPSTART_RESTORE_GB = Price(
    0.0001397998, "GB restored", "https://aws.amazon.com/lambda/pricing/ (SnapStart, restoration)"
)
S3_PUT_REQUEST = Price(
    0.005 / 1000, "PUT-class request", "https://aws.amazon.com/s3/pricing/ (requests, S3 Standard)"
)
S3_GET_REQUEST = Price(
    0.0004 / 1000, "GET-class request", "https://aws.amazon.com/s3/pricing/ (requests, S3 Standard)"
)
# S3 Express One Zone (a directory bucket), requests of up to 512 KB (the outputs are a few KB), and
# its storage; for the what-if of the derived outputs there (bench/cost.py).
S3_EXPRESS_PUT_REQUEST = Price(
    0.00113 / 1000, "PUT request", "https://aws.amazon.com/s3/pricing/ (requests, S3 Express One Zone)"
)
S3_EXPRESS_STORAGE_GB_MONTH = Price(
    0.11, "GB-month", "https://aws.amazon.com/s3/pricing/ (S3 Express One Zone)"
)
S3_STORAGE_GB_MONTH = Price(
    0.023, "GB-month", "https://aws.amazon.com/s3/pricing/ (S3 Standard, first 50 TB)"
)
# On-demand capacity, since the price cut of 1 November 2024.
DYNAMODB_WRITE_UNIT = Price(0.625 / 1e6, "WRU", "https://aws.amazon.com/dynamodb/pricing/on-demand/")
DYNAMODB_READ_UNIT = Price(0.125 / 1e6, "RRU", "https://aws.amazon.com/dynamodb/pricing/on-demand/")
DYNAMODB_STORAGE_GB_MONTH = Price(
    0.25, "GB-month", "https://aws.amazon.com/dynamodb/pricing/on-demand/ (Standard table class)"
)
# "You are not charged for GetRecords API calls invoked by AWS Lambda as part of DynamoDB triggers";
# other readers pay $0.02 per 100,000 streams read request units, the first 2.5 million a month free.
DYNAMODB_STREAM_READ_BY_LAMBDA = Price(
    0.0, "stream record", "https://aws.amazon.com/dynamodb/pricing/on-demand/ (Streams)"
)
DYNAMODB_STREAM_READ_UNIT = Price(
    0.02 / 100_000, "streams RRU", "https://aws.amazon.com/dynamodb/pricing/on-demand/ (Streams)"
)
SQS_REQUEST = Price(0.40 / 1e6, "request", "https://aws.amazon.com/sqs/pricing/ (standard queue)")
# Lambda's logs in CloudWatch Logs are billed as vended logs (Standard class), first tier.
LOGS_INGESTED_GB = Price(
    0.50,
    "GB ingested",
    "https://aws.amazon.com/cloudwatch/pricing/ (Logs, Lambda logs, Standard, first 10 TB)",
)
XRAY_TRACE_RECORDED = Price(5.00 / 1e6, "trace recorded", "https://aws.amazon.com/xray/pricing/")
API_GATEWAY_REST_REQUEST = Price(
    3.50 / 1e6, "request", "https://aws.amazon.com/api-gateway/pricing/ (REST APIs, first 333 million)"
)
DATA_TRANSFER_OUT_GB = Price(
    0.09, "GB out", "https://aws.amazon.com/ec2/pricing/on-demand/ (data transfer, first 10 TB)"
)

# Assumptions that are not prices, stated beside them.
# How long a request takes from a function in the same region, added to an invocation's measured CPU
# time to make its billed duration (the load test's wall clock is the local endpoint's, on a shared
# machine). S3: "first-byte latency of 100-200 ms" for small objects (S3 User Guide, performance
# design patterns), the low end; DynamoDB: "single-digit millisecond" (DynamoDB developer guide).
# S3 Express One Zone: "single-digit millisecond data access" (S3 User Guide), the high end.
REQUEST_LATENCY_MS = {"s3": 100.0, "dynamodb": 10.0, "sqs": 20.0, "s3express": 10.0}
# Below this memory a function has less than a full vCPU, and its CPU-bound time grows in proportion
# (Lambda: "at 1,769 MB, a function has the equivalent of one vCPU"); above it one thread is no faster.
FULL_VCPU_MB = 1769
# X-Ray's default sampling rule: the first request each second and 5% of the rest.
XRAY_SAMPLED_SHARE = 0.05
# SnapStart: a restore per new execution environment; one in this many invocations starts one
# (scale-out and Lambda's recycling of environments, a few hours apart, under a steady load).
SNAPSTART_INVOCATIONS_PER_RESTORE = 1000
# SnapStart's cache is billed per month, whatever the volume: spread over this many stills a month.
STILLS_PER_MONTH = 1_000_000
SECONDS_PER_MONTH = 30 * 24 * 3600

ARCHITECTURES = tuple(LAMBDA_GB_SECOND)


def lambda_cost(duration_s: float, memory_mb: int, architecture: str) -> float:
    """One invocation's price: its request and its duration at ``memory_mb`` on ``architecture``."""
    gb_seconds = duration_s * memory_mb / 1024
    return LAMBDA_REQUEST.dollars + gb_seconds * LAMBDA_GB_SECOND[architecture].dollars
