"""Which AWS errors are worth another attempt: throttling, 5xx and the network.

The SDK's standard retry mode has already backed off on these (``clients.CLIENT_CONFIG``) when one
reaches the handler; a caller that can ask to be called again later (S3 Batch Operations'
``TemporaryFailure``) tells these from errors that would fail the same way again.
"""

from __future__ import annotations

from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "SlowDown",
        "503",
    }
)


def is_transient(error: BaseException) -> bool:
    """Whether ``error`` is throttling, an AWS 5xx or a network failure (so a later attempt may pass)."""
    if isinstance(error, (ConnectionError, HTTPClientError)):
        return True
    if not isinstance(error, ClientError):
        return False
    code = str(error.response.get("Error", {}).get("Code", ""))
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    return code in THROTTLING_CODES or status >= 500
