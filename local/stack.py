"""The service on 127.0.0.1: moto in server mode with the template's resources, the functions, the API.

One endpoint (``endpoint_url``) answers S3, DynamoDB and SQS (moto, behind ``local.endpoint``) and
Lambda's Invoke API (the local functions); boto3 and the ``aws`` CLI reach it with
``--endpoint-url`` or ``AWS_ENDPOINT_URL``. The buckets, tables and queues are created from
template.yaml (``palettes_stack.resources``), and every function of the template runs in execution
environments of its own (``local.runtime``). A function with an S3 event gets an async queue that
the bucket notifies for the template's events and prefix filter, drained by a dispatcher
(``local.dispatcher``); a function with SQS events gets their event source mappings
(``local.sqs_event_source``), and one with DynamoDB events a mapping on its table's stream
(``local.stream_event_source``). The read API is served by ``local.api_server``. Everything stops with
:meth:`LocalStack.stop`, also after a failed start.
"""

from __future__ import annotations

import contextlib
import secrets
import string
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, Self

import boto3
from botocore.config import Config
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from local import s3_events
from local.api_server import LocalApi
from local.dispatcher import AsyncDispatcher
from local.endpoint import MotoFront
from local.lambda_endpoint import LambdaInvokeApplication, LocalFunction
from local.runtime import EnvironmentPool, Invocation, function_environment
from local.s3_cors import S3Cors
from local.sqs_event_source import SqsEventSource
from local.stream_event_source import StreamEventSource
from palettes_stack.async_invoke import AsyncInvokeConfig
from palettes_stack.resources import configure_bucket_cors, create_resources
from palettes_stack.template import LOCAL_ACCOUNT_ID, TEMPLATE_PATH, FunctionSpec, StackTemplate

DEFAULT_STACK_NAME = "palettes-local"
DEFAULT_REGION = "us-east-1"
EXTRACT_FUNCTION = "ExtractFunction"
API_FUNCTION = "ApiFunction"
AGGREGATE_FUNCTION = "AggregateFunction"
STILLS_BUCKET = "StillsBucket"
PALETTES_TABLE = "PalettesTable"
API = "PalettesApi"
APP_ORIGIN = "AppOrigin"
_API_KEY_ALPHABET = string.ascii_letters + string.digits
# moto accepts any credentials; these only keep boto3 from looking for real ones.
LOCAL_CREDENTIALS = "local"
# moto keeps one state per process, shared by every stack running in it: stack names must differ,
# and the state is reset only when the last one stops.
_running: set[str] = set()
_running_lock = threading.Lock()


class EventSource(Protocol):
    """What feeds a function: an async queue's dispatcher, an SQS or a DynamoDB stream mapping."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def is_idle(self) -> bool: ...


@dataclass(frozen=True)
class LocalStackSettings:
    """How to run the local stack; every port 0 means a free port chosen by the system.

    ``extract_concurrency`` is the extract function's number of execution environments (every other
    function has one); ``retry_delays`` are the waits before the retries of an asynchronous
    invocation (Lambda waits about 1 and 2 minutes). ``meter_requests``: every execution environment
    records what each invocation's AWS calls are billed for (``local.metering``), beside its log.
    """

    template_path: Path = TEMPLATE_PATH
    stack_name: str = DEFAULT_STACK_NAME
    region: str = DEFAULT_REGION
    host: str = "127.0.0.1"
    aws_port: int = 0
    api_port: int = 0
    api_key: str | None = None
    extract_concurrency: int = 2
    retry_delays: Sequence[int] = (1, 2)
    log_dir: Path | None = None
    parameters: Mapping[str, str] | None = None
    meter_requests: bool = False


def generate_api_key() -> str:
    """A key shaped like API Gateway's generated ones (40 letters and digits)."""
    return "".join(secrets.choice(_API_KEY_ALPHABET) for _ in range(40))


class LocalStack:
    """Start with :meth:`start` (or ``with LocalStack(...) as stack``); always :meth:`stop`."""

    def __init__(self, settings: LocalStackSettings | None = None) -> None:
        self.settings = settings or LocalStackSettings()
        self.template = StackTemplate.read(
            self.settings.template_path,
            stack_name=self.settings.stack_name,
            region=self.settings.region,
            parameters=self.settings.parameters,
        )
        self.api_key = self.settings.api_key or generate_api_key()
        self.log_dir = self.settings.log_dir or Path("out/local/logs")
        self.functions = self._read_functions()
        self.bucket = self.template.physical_name(STILLS_BUCKET)
        self.table_name = self.template.physical_name(PALETTES_TABLE)
        self.input_prefix = self.extract_function.environment.get("INPUT_PREFIX", "stills/")
        # Queue URLs by logical id, the functions' async queues by function: known once started.
        self.queue_urls: dict[str, str] = {}
        self.async_queue_urls: dict[str, str] = {}
        self._front: MotoFront | None = None
        self._server: BaseWSGIServer | None = None
        self._server_thread: threading.Thread | None = None
        self._pools: dict[str, EnvironmentPool] = {}
        # Dispatchers, then SQS mappings, then stream mappings: each feeds only those after it, so
        # checking them in this order for idleness sees every outcome of a chain.
        self._pollers: list[EventSource] = []
        self._api: LocalApi | None = None
        self._s3_events_installed = False
        self._registered = False

    @property
    def extract_function(self) -> FunctionSpec:
        return self.functions[EXTRACT_FUNCTION]

    @property
    def api_function(self) -> FunctionSpec:
        return self.functions[API_FUNCTION]

    @property
    def aggregate_function(self) -> FunctionSpec:
        return self.functions[AGGREGATE_FUNCTION]

    @property
    def failure_queue_url(self) -> str | None:
        """The extract function's on-failure destination."""
        destination = self.extract_function.on_failure_logical_id
        return self.queue_urls.get(destination) if destination else None

    @property
    def aggregate_failure_queue_url(self) -> str | None:
        """Where the aggregate function's stream mapping sends the record of a batch it gave up on."""
        destinations = [
            trigger.on_failure_logical_id for trigger in self.aggregate_function.dynamodb_triggers
        ]
        return next((self.queue_urls[queue] for queue in destinations if queue), None)

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> Self:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        self._claim_stack_name()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        s3_events.install()
        self._s3_events_installed = True
        invoke_app = self._start_endpoint()
        # A queue's !Ref is its URL (REPLAY_QUEUE_URL is one): the endpoint's, now that it is known.
        self.template = self.template.at_endpoint(self.endpoint_url)
        self.functions = self._read_functions()
        self.queue_urls = dict(create_resources(self.template, self.client).queue_urls)
        self._route_s3_events()
        self._start_pools()
        self._start_pollers(invoke_app)
        self._api = LocalApi(
            self.template.api(API),
            self.api_function,
            self._pools[API_FUNCTION],
            api_key=self.api_key,
            host=self.settings.host,
            port=self.settings.api_port,
            access_log=self.log_dir / f"{API}-access.log",
        )
        # The web app is served by the local API: its origin is the one the bucket lets upload (CORS).
        if not (self.settings.parameters or {}).get(APP_ORIGIN):
            self.template = self.template.with_parameters({APP_ORIGIN: self._api.origin})
        configure_bucket_cors(self.template, STILLS_BUCKET, self.client("s3"))
        self._api.start()

    def _claim_stack_name(self) -> None:
        with _running_lock:
            if self.settings.stack_name in _running:
                raise RuntimeError(
                    f"a local stack named {self.settings.stack_name!r} already runs in this process"
                )
            _running.add(self.settings.stack_name)
            self._registered = True

    def _start_endpoint(self) -> LambdaInvokeApplication:
        self._front = MotoFront(S3Cors(DomainDispatcherApplication(create_backend_app), LOCAL_ACCOUNT_ID))
        invoke_app = LambdaInvokeApplication(self._front)
        self._server = make_server(
            self.settings.host,
            self.settings.aws_port,
            invoke_app,
            threaded=True,
            request_handler=_QuietRequestHandler,
        )
        self._server_thread = threading.Thread(
            target=self._server.serve_forever, name="local-aws", daemon=True
        )
        self._server_thread.start()
        return invoke_app

    def _start_pools(self) -> None:
        """Every function's execution environments, cold-started in parallel (they import the same layers)."""
        for logical_id, function in self.functions.items():
            size = self.settings.extract_concurrency if logical_id == EXTRACT_FUNCTION else 1
            environment = function_environment(
                function, endpoint_url=self.endpoint_url, region=self.settings.region
            )
            self._pools[logical_id] = EnvironmentPool(
                function,
                environment,
                self.log_dir / function.logical_id,
                size,
                metered=self.settings.meter_requests,
            )
        starters = [threading.Thread(target=pool.start, daemon=True) for pool in self._pools.values()]
        for thread in starters:
            thread.start()
        for thread in starters:
            thread.join()

    def _start_pollers(self, invoke_app: LambdaInvokeApplication) -> None:
        """The async queues' dispatchers and the SQS event source mappings; the Invoke API's functions."""
        sqs = self.client("sqs")
        sources: list[EventSource] = []
        for logical_id, function in self.functions.items():
            pool = self._pools[logical_id]
            dispatcher = None
            if logical_id in self.async_queue_urls:
                destination = function.on_failure_logical_id
                dispatcher = AsyncDispatcher(
                    sqs,
                    self.async_queue_urls[logical_id],
                    pool,
                    AsyncInvokeConfig.of(function),
                    on_failure_queue_url=self.queue_urls.get(destination) if destination else None,
                    retry_delays=self.settings.retry_delays,
                )
                self._pollers.append(dispatcher)
            invoke_app.register(LocalFunction(function, pool, dispatcher))
            sources += [
                SqsEventSource(
                    sqs,
                    self.queue_urls[trigger.queue_logical_id],
                    pool,
                    trigger,
                    queue_arn=self.template.arn(trigger.queue_logical_id),
                    region=self.settings.region,
                )
                for trigger in function.sqs_triggers
                if trigger.enabled
            ]
        self._pollers += sources
        self._pollers += self._stream_sources(sqs)
        for poller in self._pollers:
            poller.start()

    def _stream_sources(self, sqs: Any) -> list[EventSource]:
        """A mapping on its table's stream for every DynamoDB event of a function."""
        dynamodb, streams = self.client("dynamodb"), self.client("dynamodbstreams")
        sources: list[EventSource] = []
        for logical_id, function in self.functions.items():
            for trigger in function.dynamodb_triggers:
                if not trigger.enabled:
                    continue
                table = self.template.physical_name(trigger.table_logical_id)
                destination = trigger.on_failure_logical_id
                source = StreamEventSource(
                    streams,
                    dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"],
                    self._pools[logical_id],
                    trigger,
                    region=self.settings.region,
                    sqs=sqs,
                    on_failure_queue_url=self.queue_urls[destination] if destination else None,
                )
                sources.append(source)
        return sources

    def stop(self) -> None:
        """Stop everything that was started, in reverse order; safe to call twice."""
        if self._api is not None:
            self._api.stop()
            self._api = None
        for poller in self._pollers:
            poller.stop()
        self._pollers.clear()
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()
        last = False
        if self._registered:
            with _running_lock:
                _running.discard(self.settings.stack_name)
                last = not _running
            self._registered = False
        if self._server is not None:
            if last:
                # Leave no moto state behind for whatever runs next in this process.
                url = f"{self.endpoint_url}/moto-api/reset"
                reset = urllib.request.Request(url, method="POST")  # noqa: S310 - our own http endpoint
                with contextlib.suppress(OSError), urllib.request.urlopen(reset, timeout=10):  # noqa: S310
                    pass
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._server_thread is not None:
            self._server_thread.join(timeout=10)
            self._server_thread = None
        if self._s3_events_installed:
            s3_events.uninstall()
            self._s3_events_installed = False

    # ------------------------------------------------------------------ what clients need
    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the local stack is not running")
        return f"http://{self.settings.host}:{self._server.server_port}"

    @property
    def api_url(self) -> str:
        if self._api is None:
            raise RuntimeError("the local stack is not running")
        return self._api.url

    def client(self, service: str, **kwargs: Any) -> Any:
        """A boto3 client of the local endpoint, whatever the caller's AWS configuration says."""
        session = boto3.session.Session(
            aws_access_key_id=LOCAL_CREDENTIALS,
            aws_secret_access_key=LOCAL_CREDENTIALS,
            region_name=self.settings.region,
        )
        config = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=70)
        return session.client(service, endpoint_url=self.endpoint_url, config=config, **kwargs)  # type: ignore[call-overload]

    def resource(self, service: str) -> Any:
        session = boto3.session.Session(
            aws_access_key_id=LOCAL_CREDENTIALS,
            aws_secret_access_key=LOCAL_CREDENTIALS,
            region_name=self.settings.region,
        )
        return session.resource(service, endpoint_url=self.endpoint_url)  # type: ignore[call-overload]

    def client_environment(self) -> dict[str, str]:
        """Environment variables that point the ``palettes`` client and the ``aws`` CLI here."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": LOCAL_CREDENTIALS,
            "AWS_SECRET_ACCESS_KEY": LOCAL_CREDENTIALS,
            "AWS_DEFAULT_REGION": self.settings.region,
            "PALETTES_ENDPOINT_URL": self.endpoint_url,
            "PALETTES_API_URL": self.api_url,
            "PALETTES_API_KEY": self.api_key,
            "PALETTES_BUCKET": self.bucket,
            "PALETTES_EXTRACT_FUNCTION": self.extract_function.name,
        }

    def wait_idle(self, timeout: float = 60) -> bool:
        """Whether, within ``timeout``, every queued event was handled: each asynchronous invocation
        (or its record on the on-failure queue), each message of an event source mapping's queue
        (deleted, or moved to its dead-letter queue) and each record of a table's stream (delivered,
        filtered out or given up; none waiting in a batching window, no invocation in flight)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(poller.is_idle() for poller in self._pollers):
                return True
            time.sleep(0.2)
        return False

    @contextlib.contextmanager
    def s3_reads_denied(self, key: str) -> Iterator[None]:
        """While inside, every GetObject and HeadObject of ``key`` in the stills bucket answers 403
        AccessDenied (see ``local.endpoint``): a fault for tests."""
        if self._front is None:
            raise RuntimeError("the local stack is not running")
        with self._front.deny_s3_reads(self.bucket, key):
            yield

    @contextlib.contextmanager
    def s3_reads_throttled(self, key: str, times: int) -> Iterator[None]:
        """While inside, the next ``times`` GetObject and HeadObject of ``key`` in the stills bucket
        answer 503 SlowDown (see ``local.endpoint``): a fault for tests."""
        if self._front is None:
            raise RuntimeError("the local stack is not running")
        with self._front.throttle_s3_reads(self.bucket, key, times):
            yield

    @contextlib.contextmanager
    def notifications_paused(self) -> Iterator[None]:
        """While inside, the stills bucket notifies nothing: objects put meanwhile are as stills uploaded
        before the stack existed, for a backfill to find."""
        s3 = self.client("s3")
        saved = s3.get_bucket_notification_configuration(Bucket=self.bucket)
        saved.pop("ResponseMetadata", None)
        s3.put_bucket_notification_configuration(Bucket=self.bucket, NotificationConfiguration={})
        try:
            yield
        finally:
            s3.put_bucket_notification_configuration(Bucket=self.bucket, NotificationConfiguration=saved)

    def invoke_extract(self, event: Any) -> Invocation:
        """Run ``event`` in one of the extract function's execution environments (a synchronous
        invoke, as S3 Batch Operations makes): the handler's result, or its error."""
        pool = self._pools.get(EXTRACT_FUNCTION)
        if pool is None:
            raise RuntimeError("the local stack is not running")
        return pool.invoke(event)

    def count_recorded(self) -> int:
        """How many stills record an outcome (DONE or FAILED; not an extraction's claim, PROCESSING),
        over every page of a scan: for tests and scripts that wait for their uploads."""
        table = self.resource("dynamodb").Table(self.table_name)
        total = 0
        arguments: dict[str, Any] = {
            "Select": "COUNT",
            "FilterExpression": "#status IN (:done, :failed)",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":done": "DONE", ":failed": "FAILED"},
        }
        while True:
            page = table.scan(**arguments)
            total += int(page["Count"])
            if "LastEvaluatedKey" not in page:
                return total
            arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    @property
    def cold_starts(self) -> int:
        return sum(pool.cold_starts for pool in self._pools.values())

    def process_ids(self) -> list[int]:
        """The processes of the functions' execution environments (for checks that they are gone)."""
        return [pid for pool in self._pools.values() for pid in pool.process_ids]

    # ------------------------------------------------------------------ resources
    def _read_functions(self) -> dict[str, FunctionSpec]:
        return {
            logical_id: self.template.function(logical_id)
            for logical_id in self.template.logical_ids("AWS::Serverless::Function")
        }

    def _route_s3_events(self) -> None:
        """An async queue for each function with S3 events (Lambda's internal queue), and the buckets'
        notifications to it with the template's events and key filter."""
        sqs = self.client("sqs")
        notifications: dict[str, list[dict[str, Any]]] = {}
        for logical_id, function in self.functions.items():
            if not function.s3_triggers:
                continue
            # A message stays invisible while it is processed: the visibility timeout outlasts the function's.
            url = sqs.create_queue(
                QueueName=f"{function.name}-async-events",
                Attributes={"VisibilityTimeout": str(function.timeout_seconds * 2)},
            )["QueueUrl"]
            self.async_queue_urls[logical_id] = url
            queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
            for index, trigger in enumerate(function.s3_triggers):
                configuration: dict[str, Any] = {
                    "Id": f"{logical_id}-{index}",
                    "QueueArn": queue_arn,
                    "Events": list(trigger.events),
                }
                if trigger.filter_rules:
                    rules = [{"Name": name, "Value": value} for name, value in trigger.filter_rules]
                    configuration["Filter"] = {"Key": {"FilterRules": rules}}
                notifications.setdefault(trigger.bucket_logical_id, []).append(configuration)
        s3 = self.client("s3")
        for bucket_logical_id, configurations in notifications.items():
            s3.put_bucket_notification_configuration(
                Bucket=self.template.physical_name(bucket_logical_id),
                NotificationConfiguration={"QueueConfigurations": configurations},
            )


class _QuietRequestHandler(MotoRequestHandler):
    """moto's request handler without a stderr line per request (the demo's output is its table)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass
