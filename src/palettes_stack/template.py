"""template.yaml as data for one stack: CloudFormation's short tags, intrinsic functions, SAM globals.

The local stack, the test fixtures and ``make invoke`` create their buckets, tables, queues,
functions and routes from what this module reads, so none of them can drift from the deployed
stack. Only what they need is resolved, lazily: an intrinsic that cannot be evaluated here is an
error when (and only when) its value is asked for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import yaml

from palettes_stack.event_filter import parse_pattern

REPOSITORY = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = REPOSITORY / "template.yaml"
# Lambda's defaults for asynchronous invocation when a function has no EventInvokeConfig.
DEFAULT_MAX_RETRY_ATTEMPTS = 2
DEFAULT_MAX_EVENT_AGE_SECONDS = 6 * 60 * 60
# An SQS event source's default batch size (standard queues).
DEFAULT_SQS_BATCH_SIZE = 10
# A DynamoDB stream event source's defaults; -1 retries a failing batch until its records expire.
DEFAULT_STREAM_BATCH_SIZE = 100
DEFAULT_STREAM_RETRY_ATTEMPTS = -1
# moto's default account: the ARNs and queue URLs computed here must be the ones moto uses.
LOCAL_ACCOUNT_ID = "123456789012"
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class TemplateError(ValueError):
    """The template has something that cannot be read or evaluated here."""


class _NoValue:
    """``AWS::NoValue``: the property it is assigned to is left out."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()


class CloudFormationLoader(yaml.SafeLoader):  # type: ignore[misc]  # PyYAML ships no types
    """A SafeLoader that reads ``!Ref x`` as ``{"Ref": x}`` and ``!Sub s`` as ``{"Fn::Sub": s}``."""


def _construct_intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix in ("Ref", "Condition"):
        return {suffix: value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


CloudFormationLoader.add_multi_constructor("!", _construct_intrinsic)


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    with path.open(encoding="utf-8") as stream:
        document = yaml.load(stream, Loader=CloudFormationLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise TemplateError(f"{path} is not a CloudFormation template (no Resources)")
    return document


@dataclass(frozen=True)
class S3Trigger:
    """An S3 event source of a function: which bucket, which events, which key filter rules."""

    bucket_logical_id: str
    events: tuple[str, ...]
    filter_rules: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class SqsTrigger:
    """An SQS event source of a function: the queue an event source mapping polls, and how."""

    queue_logical_id: str
    batch_size: int = DEFAULT_SQS_BATCH_SIZE
    maximum_batching_window_seconds: int = 0
    report_batch_item_failures: bool = False
    enabled: bool = True


@dataclass(frozen=True)
class DynamoDbTrigger:
    """A DynamoDB stream event source of a function: the table whose stream a mapping reads, and how.

    ``maximum_retry_attempts`` -1 retries until the records expire; ``filter_patterns`` are the
    ``FilterCriteria`` patterns as JSON (a record matching any of them is delivered, see
    ``palettes_stack.event_filter``); ``on_failure_logical_id`` is the queue that gets the record of a
    batch given up on.
    """

    table_logical_id: str
    starting_position: str
    batch_size: int = DEFAULT_STREAM_BATCH_SIZE
    maximum_batching_window_seconds: int = 0
    maximum_retry_attempts: int = DEFAULT_STREAM_RETRY_ATTEMPTS
    bisect_batch_on_function_error: bool = False
    report_batch_item_failures: bool = False
    filter_patterns: tuple[Mapping[str, Any], ...] = ()
    on_failure_logical_id: str | None = None
    enabled: bool = True


@dataclass(frozen=True)
class ApiRoute:
    path: str
    method: str
    api_logical_id: str


@dataclass(frozen=True)
class FunctionSpec:
    """One ``AWS::Serverless::Function`` with the SAM globals applied and every value resolved."""

    logical_id: str
    name: str
    arn: str
    code_dir: Path
    handler: str
    runtime: str
    timeout_seconds: int
    memory_mb: int
    environment: dict[str, str]
    layer_dirs: tuple[Path, ...]
    max_retry_attempts: int
    max_event_age_seconds: int
    on_failure_logical_id: str | None
    s3_triggers: tuple[S3Trigger, ...]
    api_routes: tuple[ApiRoute, ...]
    sqs_triggers: tuple[SqsTrigger, ...] = ()
    dynamodb_triggers: tuple[DynamoDbTrigger, ...] = ()
    # What the bill depends on (the cost model): the processor, X-Ray tracing, SnapStart.
    architecture: str = "x86_64"
    tracing: bool = False
    snap_start: bool = False


@dataclass(frozen=True)
class _EventSources:
    s3: tuple[S3Trigger, ...]
    sqs: tuple[SqsTrigger, ...]
    dynamodb: tuple[DynamoDbTrigger, ...]
    routes: tuple[ApiRoute, ...]


@dataclass(frozen=True)
class ApiSpec:
    """An ``AWS::Serverless::Api``: its stage, binary media types and which routes need an API key."""

    logical_id: str
    stage: str
    binary_media_types: tuple[str, ...]
    key_required: dict[tuple[str, str], bool]
    iam_routes: frozenset[tuple[str, str]]


class StackTemplate:
    """The template as one stack sees it: parameter values, pseudo parameters, physical names.

    ``endpoint_url`` is where the stack's services answer when that is not AWS (moto's server): queue
    URLs, which ``!Ref`` gives for a queue, then name it as moto does.
    """

    def __init__(
        self,
        document: Mapping[str, Any],
        *,
        stack_name: str,
        region: str,
        account_id: str = LOCAL_ACCOUNT_ID,
        parameters: Mapping[str, str] | None = None,
        base_dir: Path = REPOSITORY,
        endpoint_url: str | None = None,
    ) -> None:
        self.document = document
        self.stack_name = stack_name
        self.region = region
        self.account_id = account_id
        self.base_dir = base_dir
        self.endpoint_url = endpoint_url
        self.resources: dict[str, dict[str, Any]] = dict(document["Resources"])
        declared = document.get("Parameters") or {}
        unknown = set(parameters or {}) - set(declared)
        if unknown:
            raise TemplateError(f"unknown template parameters: {', '.join(sorted(unknown))}")
        self.parameters: dict[str, Any] = {
            name: (parameters or {}).get(name, spec.get("Default")) for name, spec in declared.items()
        }
        self._condition_values: dict[str, bool] = {}
        self._given_parameters = dict(parameters or {})

    @classmethod
    def read(
        cls,
        path: Path = TEMPLATE_PATH,
        *,
        stack_name: str,
        region: str,
        parameters: Mapping[str, str] | None = None,
        endpoint_url: str | None = None,
    ) -> Self:
        """The template at ``path`` for a stack in moto's account; code and layer paths relative to it."""
        return cls(
            load_template(path),
            stack_name=stack_name,
            region=region,
            parameters=parameters,
            base_dir=path.parent,
            endpoint_url=endpoint_url,
        )

    def with_parameters(self, parameters: Mapping[str, str]) -> StackTemplate:
        """The same stack with ``parameters`` given as well (a value known once the stack runs)."""
        return StackTemplate(
            self.document,
            stack_name=self.stack_name,
            region=self.region,
            account_id=self.account_id,
            parameters={**self._given_parameters, **parameters},
            base_dir=self.base_dir,
            endpoint_url=self.endpoint_url,
        )

    def at_endpoint(self, endpoint_url: str) -> StackTemplate:
        """The same stack, its services answering on ``endpoint_url``."""
        return StackTemplate(
            self.document,
            stack_name=self.stack_name,
            region=self.region,
            account_id=self.account_id,
            parameters=self._given_parameters,
            base_dir=self.base_dir,
            endpoint_url=endpoint_url,
        )

    # ------------------------------------------------------------------ names
    def resource_type(self, logical_id: str) -> str:
        return str(self._resource(logical_id)["Type"])

    def properties(self, logical_id: str) -> dict[str, Any]:
        """The resource's Properties, every intrinsic resolved and ``AWS::NoValue`` left out."""
        resolved = self.resolve(self._resource(logical_id).get("Properties") or {})
        assert isinstance(resolved, dict)
        return resolved

    def physical_name(self, logical_id: str) -> str:
        """The name the resource gets: its explicit name property, else ``<stack>-<logical id>``."""
        name_property = {
            "AWS::S3::Bucket": "BucketName",
            "AWS::DynamoDB::Table": "TableName",
            "AWS::SQS::Queue": "QueueName",
            "AWS::Serverless::Function": "FunctionName",
            "AWS::Serverless::Api": "Name",
        }.get(self.resource_type(logical_id))
        raw = (
            (self._resource(logical_id).get("Properties") or {}).get(name_property) if name_property else None
        )
        return str(self.resolve(raw)) if raw is not None else f"{self.stack_name}-{logical_id}"

    def arn(self, logical_id: str) -> str:
        name = self.physical_name(logical_id)
        where = f"{self.region}:{self.account_id}"
        kind = self.resource_type(logical_id)
        if kind == "AWS::S3::Bucket":
            return f"arn:aws:s3:::{name}"
        if kind == "AWS::DynamoDB::Table":
            return f"arn:aws:dynamodb:{where}:table/{name}"
        if kind == "AWS::SQS::Queue":
            return f"arn:aws:sqs:{where}:{name}"
        if kind == "AWS::Serverless::Function":
            return f"arn:aws:lambda:{where}:function:{name}"
        raise TemplateError(f"no ARN for {logical_id} ({kind}) in the local stack")

    def queue_url(self, logical_id: str) -> str:
        """The queue's URL (what ``!Ref`` gives for a queue): AWS's, or moto's on ``endpoint_url``."""
        if self.resource_type(logical_id) != "AWS::SQS::Queue":
            raise TemplateError(f"{logical_id} is not an AWS::SQS::Queue")
        base = (self.endpoint_url or f"https://sqs.{self.region}.amazonaws.com").rstrip("/")
        return f"{base}/{self.account_id}/{self.physical_name(logical_id)}"

    def logical_ids(self, resource_type: str) -> list[str]:
        return [name for name, resource in self.resources.items() if resource.get("Type") == resource_type]

    # ------------------------------------------------------------------ SAM resources
    def function(self, logical_id: str) -> FunctionSpec:
        """A function with ``Globals.Function`` merged in as SAM does (maps merge, lists prepend)."""
        if self.resource_type(logical_id) != "AWS::Serverless::Function":
            raise TemplateError(f"{logical_id} is not an AWS::Serverless::Function")
        raw = _merge_globals(
            (self.document.get("Globals") or {}).get("Function") or {},
            self._resource(logical_id).get("Properties") or {},
        )
        layer_dirs = tuple(self._layer_dir(layer) for layer in raw.get("Layers") or [])
        variables = self.resolve(((raw.get("Environment") or {}).get("Variables")) or {})
        invoke = self.resolve(raw.get("EventInvokeConfig") or {})
        on_failure = ((invoke.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        sources = self._event_sources(raw.get("Events") or {})
        return FunctionSpec(
            logical_id=logical_id,
            name=self.physical_name(logical_id),
            arn=self.arn(logical_id),
            code_dir=self.base_dir / str(self.resolve(raw["CodeUri"])),
            handler=str(self.resolve(raw["Handler"])),
            runtime=str(self.resolve(raw.get("Runtime", ""))),
            timeout_seconds=int(self.resolve(raw.get("Timeout", 3))),
            memory_mb=int(self.resolve(raw.get("MemorySize", 128))),
            environment={name: _env_string(value) for name, value in variables.items()},
            layer_dirs=layer_dirs,
            max_retry_attempts=int(invoke.get("MaximumRetryAttempts", DEFAULT_MAX_RETRY_ATTEMPTS)),
            max_event_age_seconds=int(invoke.get("MaximumEventAgeInSeconds", DEFAULT_MAX_EVENT_AGE_SECONDS)),
            on_failure_logical_id=self._arn_owner(on_failure) if on_failure else None,
            s3_triggers=sources.s3,
            api_routes=sources.routes,
            sqs_triggers=sources.sqs,
            dynamodb_triggers=sources.dynamodb,
            architecture=str(self.resolve((raw.get("Architectures") or ["x86_64"])[0])),
            tracing=self.resolve(raw.get("Tracing", "PassThrough")) == "Active",
            snap_start=self.resolve((raw.get("SnapStart") or {}).get("ApplyOn", "None"))
            == "PublishedVersions",
        )

    def _event_sources(self, events: Mapping[str, Any]) -> _EventSources:
        """A function's S3, SQS and DynamoDB event sources and API routes (other event types are not
        emulated)."""
        s3: list[S3Trigger] = []
        sqs: list[SqsTrigger] = []
        dynamodb: list[DynamoDbTrigger] = []
        routes: list[ApiRoute] = []
        for event in events.values():
            properties = event.get("Properties") or {}
            if event.get("Type") == "S3":
                s3.append(self._s3_trigger(properties))
            elif event.get("Type") == "SQS":
                sqs.append(self._sqs_trigger(properties))
            elif event.get("Type") == "DynamoDB":
                dynamodb.append(self._dynamodb_trigger(properties))
            elif event.get("Type") == "Api":
                routes.append(
                    ApiRoute(
                        path=str(self.resolve(properties["Path"])),
                        method=str(self.resolve(properties["Method"])).upper(),
                        api_logical_id=_ref_target(properties["RestApiId"]),
                    )
                )
        return _EventSources(tuple(s3), tuple(sqs), tuple(dynamodb), tuple(routes))

    def _s3_trigger(self, properties: Mapping[str, Any]) -> S3Trigger:
        events = self.resolve(properties["Events"])
        rules = self.resolve(((properties.get("Filter") or {}).get("S3Key") or {}).get("Rules") or [])
        return S3Trigger(
            bucket_logical_id=_ref_target(properties["Bucket"]),
            events=tuple([events] if isinstance(events, str) else events),
            filter_rules=tuple((str(rule["Name"]), str(rule["Value"])) for rule in rules),
        )

    def _sqs_trigger(self, properties: Mapping[str, Any]) -> SqsTrigger:
        resolved = self.resolve(dict(properties))
        return SqsTrigger(
            queue_logical_id=self._arn_owner(str(resolved["Queue"])),
            batch_size=int(resolved.get("BatchSize", DEFAULT_SQS_BATCH_SIZE)),
            maximum_batching_window_seconds=int(resolved.get("MaximumBatchingWindowInSeconds", 0)),
            report_batch_item_failures="ReportBatchItemFailures"
            in (resolved.get("FunctionResponseTypes") or []),
            enabled=bool(resolved.get("Enabled", True)),
        )

    def _dynamodb_trigger(self, properties: Mapping[str, Any]) -> DynamoDbTrigger:
        # The stream's ARN holds a label DynamoDB picks when it creates the stream: the table is named
        # instead, and the local stack asks the table for its stream.
        resolved = self.resolve({name: value for name, value in properties.items() if name != "Stream"})
        destination = ((resolved.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        filters = (resolved.get("FilterCriteria") or {}).get("Filters") or []
        return DynamoDbTrigger(
            table_logical_id=self._stream_table(properties["Stream"]),
            starting_position=str(resolved["StartingPosition"]),
            batch_size=int(resolved.get("BatchSize", DEFAULT_STREAM_BATCH_SIZE)),
            maximum_batching_window_seconds=int(resolved.get("MaximumBatchingWindowInSeconds", 0)),
            maximum_retry_attempts=int(resolved.get("MaximumRetryAttempts", DEFAULT_STREAM_RETRY_ATTEMPTS)),
            bisect_batch_on_function_error=bool(resolved.get("BisectBatchOnFunctionError", False)),
            report_batch_item_failures="ReportBatchItemFailures"
            in (resolved.get("FunctionResponseTypes") or []),
            filter_patterns=tuple(parse_pattern(str(item["Pattern"])) for item in filters),
            on_failure_logical_id=self._arn_owner(str(destination)) if destination else None,
            enabled=bool(resolved.get("Enabled", True)),
        )

    def _stream_table(self, stream: Any) -> str:
        """The table whose stream ``stream`` (``!GetAtt T.StreamArn``, or a stream ARN) is."""
        if isinstance(stream, dict) and set(stream) == {"Fn::GetAtt"}:
            logical_id, attribute = (str(part) for part in stream["Fn::GetAtt"])
            if attribute == "StreamArn" and self.resource_type(logical_id) == "AWS::DynamoDB::Table":
                return logical_id
        arn = self.resolve(stream)
        for logical_id in self.logical_ids("AWS::DynamoDB::Table"):
            if isinstance(arn, str) and arn.startswith(f"{self.arn(logical_id)}/stream/"):
                return logical_id
        raise TemplateError(f"{stream!r} is not the stream of a table of this template")

    def api(self, logical_id: str) -> ApiSpec:
        """The API's stage and, per route of its definition, whether an API key or IAM is required."""
        if self.resource_type(logical_id) != "AWS::Serverless::Api":
            raise TemplateError(f"{logical_id} is not an AWS::Serverless::Api")
        # Only what routing needs: the access log settings, for one, name resources the stack lacks.
        raw = self._resource(logical_id).get("Properties") or {}
        properties = {name: self.resolve(raw.get(name)) for name in ("StageName", "BinaryMediaTypes")}
        paths = self.resolve((raw.get("DefinitionBody") or {}).get("paths") or {})
        key_required: dict[tuple[str, str], bool] = {}
        iam: set[tuple[str, str]] = set()
        for path, methods in paths.items():
            for method, operation in methods.items():
                schemes = {name for requirement in operation.get("security") or [] for name in requirement}
                key_required[(path, method.upper())] = "api_key" in schemes
                if "sigv4" in schemes:
                    iam.add((path, method.upper()))
        return ApiSpec(
            logical_id=logical_id,
            stage=str(properties["StageName"] or "Prod"),
            binary_media_types=tuple(
                str(media).replace("~1", "/") for media in properties.get("BinaryMediaTypes") or []
            ),
            key_required=key_required,
            iam_routes=frozenset(iam),
        )

    # ------------------------------------------------------------------ intrinsics
    def resolve(self, value: Any) -> Any:
        """``value`` with every intrinsic function evaluated for this stack."""
        if isinstance(value, list):
            items = [self.resolve(item) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((name, argument),) = value.items()
            if name == "Ref":
                return self._ref(str(argument))
            if name == "Condition":
                return self.condition(str(argument))
            if name.startswith("Fn::"):
                return self._function(name, argument)
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def condition(self, name: str) -> bool:
        if name not in self._condition_values:
            conditions = self.document.get("Conditions") or {}
            if name not in conditions:
                raise TemplateError(f"unknown condition {name!r}")
            self._condition_values[name] = bool(self.resolve(conditions[name]))
        return self._condition_values[name]

    def _function(self, name: str, argument: Any) -> Any:
        functions: dict[str, Callable[[Any], Any]] = {
            "Fn::Sub": self._sub,
            "Fn::GetAtt": lambda pair: self._get_att(str(pair[0]), str(pair[1])),
            "Fn::If": lambda branches: self.resolve(
                branches[1] if self.condition(str(branches[0])) else branches[2]
            ),
            "Fn::Equals": lambda pair: str(self.resolve(pair[0])) == str(self.resolve(pair[1])),
            "Fn::Not": lambda operands: not self.resolve(operands[0]),
            "Fn::And": lambda operands: all(self.resolve(item) for item in operands),
            "Fn::Or": lambda operands: any(self.resolve(item) for item in operands),
            "Fn::Join": lambda pair: str(pair[0]).join(str(item) for item in self.resolve(pair[1])),
            "Fn::Select": lambda pair: self.resolve(pair[1])[int(self.resolve(pair[0]))],
            "Fn::Split": lambda pair: str(self.resolve(pair[1])).split(str(pair[0])),
        }
        evaluate = functions.get(name)
        if evaluate is None:
            raise TemplateError(f"{name} is not evaluated by the local stack")
        return evaluate(argument)

    def _ref(self, target: str) -> Any:
        pseudo = {
            "AWS::StackName": self.stack_name,
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }
        if target in pseudo:
            return pseudo[target]
        if target == "AWS::NoValue":
            return NO_VALUE
        if target in self.parameters:
            return self.parameters[target]
        if target in self.resources:
            if self.resource_type(target) == "AWS::Serverless::LayerVersion":
                raise TemplateError(f"layer {target} has no ARN locally; functions load its ContentUri")
            if self.resource_type(target) == "AWS::SQS::Queue":
                return self.queue_url(target)
            return self.physical_name(target)
        raise TemplateError(f"!Ref {target}: no such parameter or resource")

    def _get_att(self, logical_id: str, attribute: str) -> str:
        if attribute == "Arn":
            return self.arn(logical_id)
        if attribute == "QueueName" and self.resource_type(logical_id) == "AWS::SQS::Queue":
            return self.physical_name(logical_id)
        raise TemplateError(f"!GetAtt {logical_id}.{attribute} is not evaluated by the local stack")

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        values = {name: self.resolve(value) for name, value in (variables or {}).items()}

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in values:
                return str(values[name])
            if "." in name and name.split(".", 1)[0] in self.resources:
                logical_id, attribute = name.split(".", 1)
                return self._get_att(logical_id, attribute)
            return str(self._ref(name))

        return _SUB_VARIABLE.sub(substitute, str(text))

    # ------------------------------------------------------------------ helpers
    def _resource(self, logical_id: str) -> dict[str, Any]:
        try:
            return self.resources[logical_id]
        except KeyError:
            raise TemplateError(f"no resource {logical_id!r} in the template") from None

    def _layer_dir(self, layer: Any) -> Path:
        logical_id = _ref_target(layer)
        if self.resource_type(logical_id) != "AWS::Serverless::LayerVersion":
            raise TemplateError(
                f"layer {logical_id} is not an AWS::Serverless::LayerVersion of this template"
            )
        content_uri = (self._resource(logical_id).get("Properties") or {}).get("ContentUri")
        return self.base_dir / str(self.resolve(content_uri))

    def _arn_owner(self, arn: str) -> str:
        for logical_id, resource in self.resources.items():
            if (
                resource.get("Type") in ("AWS::SQS::Queue", "AWS::Serverless::Function")
                and self.arn(logical_id) == arn
            ):
                return logical_id
        raise TemplateError(f"{arn} is not a resource of this template")


def _merge_globals(global_properties: Mapping[str, Any], properties: Mapping[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = dict(global_properties)
    for name, value in properties.items():
        current = merged.get(name)
        if isinstance(current, dict) and isinstance(value, dict) and not _is_intrinsic(value):
            merged[name] = _merge_globals(current, value)
        elif isinstance(current, list) and isinstance(value, list):
            merged[name] = [*current, *value]
        else:
            merged[name] = value
    return merged


def _is_intrinsic(value: Mapping[str, Any]) -> bool:
    if len(value) == 1 and next(iter(value)) in ("Ref", "Condition"):
        return True
    return any(str(key).startswith("Fn::") for key in value)


def _ref_target(value: Any) -> str:
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return str(value["Ref"])
    raise TemplateError(f"expected a !Ref to a resource of the template, got {value!r}")


def _env_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
