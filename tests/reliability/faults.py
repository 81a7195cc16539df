"""Fault injection: wrappers around the moto-backed S3 client and DynamoDB table that fail chosen calls
(or run other work right after them, to interleave two events).

The domain takes its S3 client and table as arguments (``S3StillStore``, ``DynamoStillRepository``), so a
test hands it these wrappers. An injected error is what reaches the handler once the SDK's own retries
(standard mode, 5 attempts in the functions) have given up: a ``ClientError`` with AWS's code and status.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.exceptions import ClientError

from tests.reliability.corpus import DYNAMODB_MAX_SORT_KEY_BYTES, S3_MAX_KEY_BYTES

# Sort keys of the table and of its ByFilmNewest index (template.yaml).
SORT_KEY_ATTRIBUTES = frozenset({"sk", "gsi1sk"})


@dataclass(frozen=True)
class Step:
    """One AWS call of the extract path: the ``nth`` call of ``operation`` within one invocation (the nth
    on a key under ``folder`` when it is given: calls made at once have no order of their own)."""

    name: str
    service: str
    operation: str
    nth: int = 1
    folder: str = ""


# The calls of one extraction of a new still, in order (see palette_service.domain.extraction); the two
# PUTs are made at once, so each is told by its key.
EXTRACT_STEPS = (
    Step("read the item", "dynamodb", "get_item", 1),
    Step("get the still", "s3", "get_object", 1),
    Step("claim the item", "dynamodb", "update_item", 1),
    Step("put the palette JSON", "s3", "put_object", 1, folder="palettes"),
    Step("put the swatch", "s3", "put_object", 1, folder="swatches"),
    Step("write the item", "dynamodb", "update_item", 2),
)
STEPS_BY_NAME = {step.name: step for step in EXTRACT_STEPS}


@dataclass(frozen=True)
class AwsError:
    code: str
    status: int
    throttling: bool


TRANSIENT_ERRORS = {
    "s3": (
        AwsError("SlowDown", 503, throttling=True),
        AwsError("InternalError", 500, throttling=False),
        AwsError("ServiceUnavailable", 503, throttling=False),
    ),
    "dynamodb": (
        AwsError("ProvisionedThroughputExceededException", 400, throttling=True),
        AwsError("ThrottlingException", 400, throttling=True),
        AwsError("InternalServerError", 500, throttling=False),
        AwsError("ServiceUnavailable", 503, throttling=False),
    ),
}


def client_error(operation: str, error: AwsError) -> ClientError:
    """The ``ClientError`` for ``error``; HEAD answers have no body, so their code is the HTTP status."""
    code = str(error.status) if operation == "head_object" else error.code
    response: dict[str, Any] = {
        "Error": {"Code": code, "Message": f"injected {error.code}"},
        "ResponseMetadata": {"HTTPStatusCode": error.status, "RetryAttempts": 4},
    }
    operation_name = "".join(part.capitalize() for part in operation.split("_"))
    return ClientError(response, operation_name)  # type: ignore[arg-type]


@dataclass
class _Armed:
    step: Step
    error: AwsError
    attempts: frozenset[int] | None  # None: every attempt


@dataclass
class FaultInjector:
    """Decides which calls fail; counts calls per invocation attempt (``start_attempt`` resets)."""

    attempt: int = 1
    calls: Counter[tuple[str, str]] = field(default_factory=Counter)
    folder_calls: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    armed: list[_Armed] = field(default_factory=list)
    injected: list[tuple[int, Step, AwsError]] = field(default_factory=list)
    hooks: dict[Step, Callable[[], None]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, step: Step, error: AwsError, *, attempts: set[int] | None = None) -> None:
        """Fail ``step`` with ``error`` on the given attempts (1-based), or on every attempt."""
        self.armed.append(_Armed(step, error, None if attempts is None else frozenset(attempts)))

    def after(self, step: Step, callback: Callable[[], None]) -> None:
        """Run ``callback`` once, right after ``step``'s call returned (to interleave other work there)."""
        self.hooks[step] = callback

    def clear(self) -> None:
        self.armed.clear()
        self.hooks.clear()

    def start_attempt(self, attempt: int) -> None:
        self.attempt = attempt
        self.calls.clear()
        self.folder_calls.clear()

    def before_call(self, service: str, operation: str, key: object = None) -> Callable[[Step], bool]:
        """Count the call, raise when a step armed to fail is this call; which steps this call is."""
        folder = key.split("/", 1)[0] if isinstance(key, str) else ""
        with self._lock:
            self.calls[service, operation] += 1
            self.folder_calls[service, operation, folder] += 1
            count, folder_count = (
                self.calls[service, operation],
                self.folder_calls[service, operation, folder],
            )

        def is_this_call(step: Step) -> bool:
            if (step.service, step.operation) != (service, operation):
                return False
            if step.folder:
                return (step.folder, step.nth) == (folder, folder_count)
            return step.nth == count

        for armed in self.armed:
            if not is_this_call(armed.step):
                continue
            if armed.attempts is None or self.attempt in armed.attempts:
                self.injected.append((self.attempt, armed.step, armed.error))
                raise client_error(operation, armed.error)
        return is_this_call

    def after_call(self, is_this_call: Callable[[Step], bool]) -> None:
        with self._lock:
            step = next((step for step in self.hooks if is_this_call(step)), None)
            hook = None if step is None else self.hooks.pop(step)
        if hook is not None:
            hook()


class FaultyClient:
    """A boto3 client or DynamoDB ``Table`` whose public methods go through a :class:`FaultInjector`."""

    def __init__(self, target: Any, service: str, injector: FaultInjector) -> None:
        self._target = target
        self._service = service
        self._injector = injector

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._target, name)
        if name.startswith("_") or not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            is_this_call = self._injector.before_call(self._service, name, kwargs.get("Key"))
            result = attribute(*args, **kwargs)
            self._injector.after_call(is_this_call)
            return result

        return call


class SdkFaults:
    """Errors injected below the handler's real boto3 clients, through botocore's event hooks.

    The hooks go on a fresh default boto3 session, which the functions' clients are made from (make
    them after this, e.g. with the ``fresh_handlers`` fixture).
    """

    def __init__(self) -> None:
        boto3.setup_default_session()
        assert boto3.DEFAULT_SESSION is not None
        self.session = boto3.DEFAULT_SESSION
        self.remaining: dict[str, int] = {}

    def fail_call(self, service: str, operation: str, error: AwsError, times: int, *, after: int = 0) -> None:
        """Let ``after`` calls through, then answer the next ``times`` with ``error``, as if the SDK's
        retries had run out."""
        self.remaining[operation] = times
        passing = [after]

        def answer(**_: Any) -> Any:
            if passing[0] > 0:
                passing[0] -= 1
                return None
            if self.remaining[operation] <= 0:
                return None
            self.remaining[operation] -= 1
            http = AWSResponse("https://injected.invalid/", error.status, HTTPHeaders(), None)
            return http, {"Error": {"Code": error.code, "Message": "injected"}, "ResponseMetadata": {}}

        self.session.events.register(f"before-call.{service}.{operation}", answer)

    def fail_send(self, service: str, operation: str, error: AwsError, times: int) -> None:
        """Answer the next ``times`` HTTP sends with ``error``: what the SDK's retry mode sees and retries."""
        self.remaining[operation] = times
        body = json.dumps({"__type": error.code, "message": "injected"}).encode()

        def answer(request: Any, **_: Any) -> Any:
            if self.remaining[operation] <= 0:
                return None
            self.remaining[operation] -= 1
            headers = HTTPHeaders()
            headers["Content-Type"] = "application/x-amz-json-1.0"
            return AWSResponse(request.url, error.status, headers, _Raw(body))

        self.session.events.register_first(f"before-send.{service}.{operation}", answer)

    def enforce_s3_key_limit(self) -> None:
        """Refuse S3 keys over 1024 bytes with KeyTooLongError, as S3 does (moto does not check)."""

        def refuse(params: dict[str, Any], model: Any, **_: Any) -> None:
            if len(str(params.get("Key", "")).encode()) > S3_MAX_KEY_BYTES:
                response: Any = {
                    "Error": {"Code": "KeyTooLongError", "Message": "Your key is too long"},
                    "ResponseMetadata": {"HTTPStatusCode": 400},
                }
                raise ClientError(response, model.name)

        for operation in ("PutObject", "GetObject", "HeadObject"):
            self.session.events.register(f"before-parameter-build.s3.{operation}", refuse)

    def enforce_dynamodb_index_key_limit(self) -> None:
        """Refuse an UpdateItem that sets a sort key (table or index) over 1024 bytes, as DynamoDB does.

        moto checks this for PutItem but not for UpdateItem.
        """

        def refuse(params: dict[str, Any], model: Any, **_: Any) -> None:
            names = params.get("ExpressionAttributeNames", {})
            for placeholder, value in params.get("ExpressionAttributeValues", {}).items():
                text = value.get("S") if isinstance(value, dict) else value
                attribute = names.get("#" + placeholder.removeprefix(":"), "")
                if attribute in SORT_KEY_ATTRIBUTES and isinstance(text, str):
                    if len(text.encode()) > DYNAMODB_MAX_SORT_KEY_BYTES:
                        response: Any = {
                            "Error": {
                                "Code": "ValidationException",
                                "Message": "One or more parameter values were invalid: Aggregated size of "
                                "all range keys has exceeded the size limit of 1024 bytes",
                            },
                            "ResponseMetadata": {"HTTPStatusCode": 400},
                        }
                        raise ClientError(response, model.name)

        self.session.events.register("before-parameter-build.dynamodb.UpdateItem", refuse)


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body

    def read(self, *_: Any) -> bytes:
        return self._body
