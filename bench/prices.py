"""AWS prices used by the benchmarks (and by a cost model): one dated table, each price with its source.

US East (N. Virginia), on-demand, the first pricing tier, in US dollars, as published on the pages
named in ``source`` on the date below. Prices change: read the pages again before quoting a figure,
and change the table (and its date) here only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

PRICES_AS_OF: Final = "2026-12-01"
PRICES_REGION: Final = "us-east-1"
LAMBDA_PRICING: Final = "AWS Lambda pricing, aws.amazon.com/lambda/pricing"


@dataclass(frozen=True)
class Price:
    usd: float
    unit: str
    source: str


PRICES: Final = {
    "lambda_gb_second_x86_64": Price(0.0000166667, "GB-second of duration, x86_64", LAMBDA_PRICING),
    "lambda_gb_second_arm64": Price(0.0000133334, "GB-second of duration, arm64", LAMBDA_PRICING),
    "lambda_request": Price(0.20 / 1_000_000, "request", LAMBDA_PRICING),
    # SnapStart (Python, .NET): the snapshot is cached per published version while it exists, and each
    # execution environment restored from it pays for the memory restored.
    "snapstart_cache_gb_second": Price(
        0.0000015046, "GB-second a version's snapshot is cached", LAMBDA_PRICING
    ),
    "snapstart_restore_gb": Price(0.0001397998, "GB restored from a snapshot", LAMBDA_PRICING),
}

ARCHITECTURES: Final = ("arm64", "x86_64")


def lambda_cost(duration_s: float, memory_mb: int, architecture: str) -> float:
    """One invocation's price: its request and its duration at ``memory_mb`` on ``architecture``."""
    gb_seconds = duration_s * memory_mb / 1024
    return PRICES["lambda_request"].usd + gb_seconds * PRICES[f"lambda_gb_second_{architecture}"].usd
