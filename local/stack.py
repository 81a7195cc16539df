"""The service on 127.0.0.1: moto in server mode with the template's resources, the functions, the API.

One endpoint (``endpoint_url``) answers S3, DynamoDB and SQS (moto) and Lambda's Invoke API (the local
functions); boto3 and the ``aws`` CLI reach it with ``--endpoint-url`` or ``AWS_ENDPOINT_URL``. The
bucket, table and failure queue are created from template.yaml's properties; the bucket notifies
the extract function's async queue for the template's S3 event (its events and prefix filter), and
a dispatcher drains that queue into the real handler (see ``local.dispatcher``). The read API is
served by ``local.api_server``. Everything stops with :meth:`LocalStack.stop`, also after a failed
start.
"""

from __future__ import annotations

import contextlib
import secrets
import string
import threading
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import boto3
from botocore.config import Config
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from local import s3_events
from local.api_server import LocalApi
from local.dispatcher import AsyncDispatcher, AsyncPolicy
from local.lambda_endpoint import LambdaInvokeApplication, LocalFunction
from local.runtime import EnvironmentPool, function_environment
from local.template import TEMPLATE_PATH, FunctionSpec, StackTemplate, load_template

DEFAULT_STACK_NAME = "palettes-local"
DEFAULT_REGION = "us-east-1"
# moto's default account: the ARNs the template computes must be the ones moto uses.
ACCOUNT_ID = "123456789012"
EXTRACT_FUNCTION = "ExtractFunction"
API_FUNCTION = "ApiFunction"
STILLS_BUCKET = "StillsBucket"
PALETTES_TABLE = "PalettesTable"
API = "PalettesApi"
_API_KEY_ALPHABET = string.ascii_letters + string.digits
# moto accepts any credentials; these only keep boto3 from looking for real ones.
LOCAL_CREDENTIALS = "local"
# moto keeps one state per process, shared by every stack running in it: stack names must differ,
# and the state is reset only when the last one stops.
_running: set[str] = set()
_running_lock = threading.Lock()


@dataclass(frozen=True)
class LocalStackSettings:
    """How to run the local stack; every port 0 means a free port chosen by the system."""

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


def generate_api_key() -> str:
    """A key shaped like API Gateway's generated ones (40 letters and digits)."""
    return "".join(secrets.choice(_API_KEY_ALPHABET) for _ in range(40))


class LocalStack:
    """Start with :meth:`start` (or ``with LocalStack(...) as stack``); always :meth:`stop`."""

    def __init__(self, settings: LocalStackSettings | None = None) -> None:
        self.settings = settings or LocalStackSettings()
        self.template = StackTemplate(
            load_template(self.settings.template_path),
            stack_name=self.settings.stack_name,
            region=self.settings.region,
            account_id=ACCOUNT_ID,
            parameters=self.settings.parameters,
            base_dir=self.settings.template_path.parent,
        )
        self.api_key = self.settings.api_key or generate_api_key()
        self.log_dir = self.settings.log_dir or Path("out/local/logs")
        self.extract_function: FunctionSpec = self.template.function(EXTRACT_FUNCTION)
        self.api_function: FunctionSpec = self.template.function(API_FUNCTION)
        self.bucket = self.template.physical_name(STILLS_BUCKET)
        self.table_name = self.template.physical_name(PALETTES_TABLE)
        self.input_prefix = self.extract_function.environment.get("INPUT_PREFIX", "stills/")
        self._server: BaseWSGIServer | None = None
        self._server_thread: threading.Thread | None = None
        self._pools: list[EnvironmentPool] = []
        self._dispatchers: list[AsyncDispatcher] = []
        self._api: LocalApi | None = None
        self._s3_events_installed = False
        self._registered = False
        self.failure_queue_url: str | None = None
        self.async_queue_url: str | None = None

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
        with _running_lock:
            if self.settings.stack_name in _running:
                raise RuntimeError(
                    f"a local stack named {self.settings.stack_name!r} already runs in this process"
                )
            _running.add(self.settings.stack_name)
            self._registered = True
        self.log_dir.mkdir(parents=True, exist_ok=True)
        s3_events.install()
        self._s3_events_installed = True
        invoke_app = LambdaInvokeApplication(DomainDispatcherApplication(create_backend_app))
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
        self._create_resources()

        extract_pool = self._pool(self.extract_function, self.settings.extract_concurrency)
        api_pool = self._pool(self.api_function, 1)
        # Cold starts in parallel with each other: both import the service layer.
        starters = [threading.Thread(target=pool.start, daemon=True) for pool in (extract_pool, api_pool)]
        for thread in starters:
            thread.start()
        for thread in starters:
            thread.join()

        assert self.async_queue_url is not None
        dispatcher = AsyncDispatcher(
            self.client("sqs"),
            self.async_queue_url,
            extract_pool,
            AsyncPolicy(
                function_arn=self.extract_function.arn,
                max_retry_attempts=self.extract_function.max_retry_attempts,
                max_event_age_seconds=self.extract_function.max_event_age_seconds,
                on_failure_queue_url=self.failure_queue_url,
                retry_delays=self.settings.retry_delays,
            ),
        )
        dispatcher.start()
        self._dispatchers.append(dispatcher)
        invoke_app.register(LocalFunction(self.extract_function, extract_pool, dispatcher))
        invoke_app.register(LocalFunction(self.api_function, api_pool))

        self._api = LocalApi(
            self.template.api(API),
            self.api_function,
            api_pool,
            api_key=self.api_key,
            host=self.settings.host,
            port=self.settings.api_port,
            access_log=self.log_dir / f"{API}-access.log",
        )
        self._api.start()

    def stop(self) -> None:
        """Stop everything that was started, in reverse order; safe to call twice."""
        if self._api is not None:
            self._api.stop()
            self._api = None
        for dispatcher in self._dispatchers:
            dispatcher.stop()
        self._dispatchers.clear()
        for pool in self._pools:
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
        """Whether every queued event was handled (or sent to the failure queue) within ``timeout``."""
        return all(dispatcher.wait_idle(timeout) for dispatcher in self._dispatchers)

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
        return sum(pool.cold_starts for pool in self._pools)

    def process_ids(self) -> list[int]:
        """The processes of the functions' execution environments (for checks that they are gone)."""
        return [pid for pool in self._pools for pid in pool.process_ids]

    # ------------------------------------------------------------------ resources
    def _create_resources(self) -> None:
        for logical_id in self.template.logical_ids("AWS::S3::Bucket"):
            self._create_bucket(logical_id)
        for logical_id in self.template.logical_ids("AWS::DynamoDB::Table"):
            self._create_table(logical_id)
        sqs = self.client("sqs")
        for logical_id in self.template.logical_ids("AWS::SQS::Queue"):
            attributes = {
                name: _attribute(value) for name, value in self.template.properties(logical_id).items()
            }
            attributes.pop("QueueName", None)
            url = sqs.create_queue(QueueName=self.template.physical_name(logical_id), Attributes=attributes)[
                "QueueUrl"
            ]
            if logical_id == self.extract_function.on_failure_logical_id:
                self.failure_queue_url = url
        # Lambda's internal queue for the extract function's asynchronous invocations; a message stays
        # invisible while it is processed, so the visibility timeout outlasts the function's timeout.
        self.async_queue_url = sqs.create_queue(
            QueueName=f"{self.extract_function.name}-async-events",
            Attributes={"VisibilityTimeout": str(self.extract_function.timeout_seconds * 2)},
        )["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=self.async_queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        s3 = self.client("s3")
        for index, trigger in enumerate(self.extract_function.s3_triggers):
            configuration: dict[str, Any] = {
                "Id": f"{EXTRACT_FUNCTION}-{index}",
                "QueueArn": queue_arn,
                "Events": list(trigger.events),
            }
            if trigger.filter_rules:
                configuration["Filter"] = {
                    "Key": {
                        "FilterRules": [
                            {"Name": name, "Value": value} for name, value in trigger.filter_rules
                        ]
                    }
                }
            s3.put_bucket_notification_configuration(
                Bucket=self.template.physical_name(trigger.bucket_logical_id),
                NotificationConfiguration={"QueueConfigurations": [configuration]},
            )

    def _create_bucket(self, logical_id: str) -> None:
        """The bucket, with the properties clients can observe: versioning, encryption, access block."""
        properties = self.template.properties(logical_id)
        s3 = self.client("s3")
        name = self.template.physical_name(logical_id)
        arguments: dict[str, Any] = {"Bucket": name}
        if self.settings.region != "us-east-1":
            arguments["CreateBucketConfiguration"] = {"LocationConstraint": self.settings.region}
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

    def _create_table(self, logical_id: str) -> None:
        properties = self.template.properties(logical_id)
        dynamodb = self.client("dynamodb")
        name = self.template.physical_name(logical_id)
        create: dict[str, Any] = {
            key: properties[key]
            for key in (
                "AttributeDefinitions",
                "KeySchema",
                "GlobalSecondaryIndexes",
                "LocalSecondaryIndexes",
                "BillingMode",
                "ProvisionedThroughput",
                "StreamSpecification",
            )
            if key in properties
        }
        if sse := properties.get("SSESpecification"):
            # CloudFormation says SSEEnabled where the API says Enabled.
            create["SSESpecification"] = {
                "Enabled": bool(sse.get("SSEEnabled")),
                **{key: sse[key] for key in ("SSEType", "KMSMasterKeyId") if key in sse},
            }
        dynamodb.create_table(TableName=name, **create)
        recovery = properties.get("PointInTimeRecoverySpecification")
        if recovery and recovery.get("PointInTimeRecoveryEnabled"):
            dynamodb.update_continuous_backups(
                TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
            )

    def _pool(self, function: FunctionSpec, size: int) -> EnvironmentPool:
        environment = function_environment(
            function, endpoint_url=self.endpoint_url, region=self.settings.region
        )
        pool = EnvironmentPool(function, environment, self.log_dir / function.logical_id, size)
        self._pools.append(pool)
        return pool


class _QuietRequestHandler(MotoRequestHandler):
    """moto's request handler without a stderr line per request (the demo's output is its table)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def _attribute(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
