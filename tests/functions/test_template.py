"""The security and wiring properties template.yaml promises, read from the template itself.

No SAM CLI and no AWS: a YAML loader that keeps CloudFormation tags as their long forms (`!Ref X` ->
{"Ref": "X"}) is enough to check what the stack will ask for. The sample events are checked too.
"""

from __future__ import annotations

import copy
import json
import re
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import pytest

from palette_service.data.items import LISTED_ATTRIBUTES
from palettes_cli.batch_backfill import MANIFEST_PREFIX, REPORT_PREFIX
from palettes_stack.event_filter import matches_any
from palettes_stack.template import DynamoDbTrigger, StackTemplate, TemplateError, load_template

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
OUTPUT_PREFIXES = ("palettes/", "swatches/")
AUTH_BY_MODE = {"Fn::If": ["UseIamAuth", [{"sigv4": []}], [{"api_key": []}]]}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(ROOT / "template.yaml")


@pytest.fixture(scope="module")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = template["Resources"]
    return found


def of_type(resources: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: resource for name, resource in resources.items() if resource["Type"] == kind}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def load_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return event


# ---------------------------------------------------------------------------------------- storage


def test_stills_bucket_is_private_encrypted_and_versioned(resources: dict[str, Any]) -> None:
    bucket = resources["StillsBucket"]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    [rule] = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms", "aws:kms:dsse"}
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]


def test_old_versions_expire_but_never_one_a_replay_or_an_item_needs(resources: dict[str, Any]) -> None:
    rules = {
        rule["Id"]: rule
        for rule in resources["StillsBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    }
    retention_days = resources["ExtractFailuresQueue"]["Properties"]["MessageRetentionPeriod"] / 86400
    attempts = 1 + resources["ExtractFunction"]["Properties"]["EventInvokeConfig"]["MaximumRetryAttempts"]
    stills = rules["ExpireOldStills"]
    assert stills["Prefix"] == {"Ref": "InputPrefix"}
    # A queued event names its still's version: that version outlives the queue.
    assert stills["NoncurrentVersionExpiration"]["NoncurrentDays"] > retention_days
    for rule_id, prefix in (("ExpireOldPalettes", "palettes/"), ("ExpireOldSwatches", "swatches/")):
        assert rules[rule_id]["Prefix"] == prefix
        # An item's outputs stay among the newest noncurrent versions after every attempt of an
        # unfinished newer upload wrote over them.
        assert rules[rule_id]["NoncurrentVersionExpiration"]["NewerNoncurrentVersions"] > attempts
    # Every rebuild lists its film's folder: delete markers with nothing behind them must go.
    assert rules["ExpireOldFilmOutputs"]["ExpiredObjectDeleteMarker"] is True
    assert rules["AbortIncompleteUploads"]["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] <= 7
    assert all(rule["Status"] == "Enabled" for rule in rules.values())


def test_stills_bucket_refuses_plain_http(resources: dict[str, Any]) -> None:
    [policy] = [
        resource["Properties"]
        for resource in of_type(resources, "AWS::S3::BucketPolicy").values()
        if resource["Properties"]["Bucket"] == {"Ref": "StillsBucket"}
    ]
    denials = [
        statement
        for statement in policy["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Deny"
        and statement["Principal"] == "*"
        and str(statement["Condition"]["Bool"]["aws:SecureTransport"]).lower() == "false"
    ]
    assert denials, "no statement denies requests without TLS"
    resources_denied = as_list(denials[0]["Resource"])
    assert {"Fn::GetAtt": ["StillsBucket", "Arn"]} in resources_denied
    assert {"Fn::Sub": "${StillsBucket.Arn}/*"} in resources_denied


def test_palettes_table_is_on_demand_recoverable_encrypted_with_the_newest_first_index(
    resources: dict[str, Any],
) -> None:
    table = resources["PalettesTable"]["Properties"]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["SSESpecification"]["SSEEnabled"] is True
    assert table["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    types = {
        attribute["AttributeName"]: attribute["AttributeType"] for attribute in table["AttributeDefinitions"]
    }
    assert types == {"pk": "S", "sk": "S", "gsi1pk": "S", "gsi1sk": "S"}
    [index] = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "ByFilmNewest"
    assert index["KeySchema"] == [
        {"AttributeName": "gsi1pk", "KeyType": "HASH"},
        {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
    ]
    # The listings' fields, not the document (one source: palette_service.data.items).
    assert index["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(LISTED_ATTRIBUTES)}


# -------------------------------------------------------------------------------------------- IAM


def allow_statements(resources: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every Allow statement the stack grants: function Policies and IAM roles' inline policies."""
    found = []
    for name, function in of_type(resources, "AWS::Serverless::Function").items():
        for policy in as_list(function["Properties"].get("Policies", [])):
            assert isinstance(policy, dict) and "Statement" in policy, (
                f"{name}: use inline statements (SAM policy templates and managed policies hide their scope)"
            )
            found += [(name, statement) for statement in policy["Statement"]]
    for name, role in of_type(resources, "AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            found += [(name, statement) for statement in policy["PolicyDocument"]["Statement"]]
    for name, policy in of_type(resources, "AWS::IAM::Policy").items():
        found += [(name, statement) for statement in policy["Properties"]["PolicyDocument"]["Statement"]]
    return [(name, statement) for name, statement in found if statement.get("Effect") == "Allow"]


def test_no_permission_uses_a_wildcard_resource_or_action(resources: dict[str, Any]) -> None:
    statements = allow_statements(resources)
    assert statements
    for owner, statement in statements:
        assert "NotAction" not in statement and "NotResource" not in statement, owner
        for action in as_list(statement["Action"]):
            assert "*" not in action, f"{owner} {statement.get('Sid')}: wildcard action {action}"
        for resource in as_list(statement["Resource"]):
            text = json.dumps(resource)
            assert resource != "*" and ":*" not in text, (
                f"{owner} {statement.get('Sid')}: wildcard resource {text}"
            )


def granted(resources: dict[str, Any], function: str) -> dict[str, list[str]]:
    """Action -> the resources (as JSON text) a function's inline statements grant it on."""
    grants: dict[str, list[str]] = {}
    for owner, statement in allow_statements(resources):
        if owner == function:
            for action in as_list(statement["Action"]):
                grants.setdefault(action, []).extend(
                    json.dumps(item) for item in as_list(statement["Resource"])
                )
    return grants


def test_extract_function_reads_inputs_and_writes_only_outputs(resources: dict[str, Any]) -> None:
    grants = granted(resources, "ExtractFunction")
    assert all(resource.endswith('/${InputPrefix}*"}') for resource in grants["s3:GetObjectVersion"])
    # A removed still's outputs are deleted with it: outputs only, never an uploaded still.
    for action in ("s3:PutObject", "s3:DeleteObject"):
        assert sorted(resource.rsplit("/", 2)[-2] for resource in grants[action]) == ["palettes", "swatches"]
    # A removal's conditional delete (If-Match) is refused without GetObject on the output.
    output_reads = {resource.rsplit("/", 2)[-2] for resource in grants["s3:GetObject"]}
    assert {"palettes", "swatches"} <= output_reads
    assert not {"dynamodb:DeleteItem", "dynamodb:Scan"} & grants.keys()
    assert {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"} <= grants.keys()


def test_batch_operations_role_invokes_extract_reads_manifests_and_writes_reports_only(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    role = resources["BatchOperationsRole"]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "batchoperations.s3.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    grants = granted(resources, "BatchOperationsRole")
    assert set(grants) == {
        "lambda:InvokeFunction",
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:PutObject",
        "s3:GetBucketLocation",
    }
    assert grants["lambda:InvokeFunction"] == [json.dumps({"Ref": "ExtractFunction.Alias"})]
    # The prefixes the CLI writes the manifest under and asks the report under (one source: the CLI).
    for action, prefix in [
        ("s3:GetObject", MANIFEST_PREFIX),
        ("s3:GetObjectVersion", MANIFEST_PREFIX),
        ("s3:PutObject", REPORT_PREFIX),
    ]:
        assert grants[action] == [json.dumps({"Fn::Sub": f"${{StillsBucket.Arn}}/{prefix}*"})], action
    default_input = template["Parameters"]["InputPrefix"]["Default"]
    assert not {MANIFEST_PREFIX, REPORT_PREFIX} & {default_input, *OUTPUT_PREFIXES}
    assert template["Outputs"]["BatchOperationsRoleArn"]["Value"] == {
        "Fn::GetAtt": ["BatchOperationsRole", "Arn"]
    }


def test_api_function_reads_and_presigns_stills_only(resources: dict[str, Any]) -> None:
    grants = granted(resources, "ApiFunction")
    assert set(grants) == {
        "dynamodb:BatchGetItem",  # a search page's hit checks, together
        "dynamodb:GetItem",
        "dynamodb:Query",
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:ListBucket",
        "s3:PutObject",
    }
    assert '{"Fn::Sub": "${PalettesTable.Arn}/index/ByFilmNewest"}' in grants["dynamodb:Query"]

    def in_bucket(resource: str) -> str:
        return resource.split("${AWS::Region}/", 1)[1].removesuffix('"}')

    for action in ("s3:GetObject", "s3:GetObjectVersion"):  # outputs, and the stills for presigned GETs
        assert sorted(in_bucket(resource) for resource in grants[action]) == [
            "${InputPrefix}*",
            "films/*",
            "palettes/*",
            "swatches/*",
        ]
    # Presigned POSTs: uploads of stills only, never an output.
    assert [in_bucket(resource) for resource in grants["s3:PutObject"]] == ["${InputPrefix}*"]


def test_aggregate_function_writes_and_lists_only_the_films_outputs(resources: dict[str, Any]) -> None:
    grants = granted(resources, "AggregateFunction")
    assert {action for action in grants if action.startswith("s3:")} == {
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:ListBucket",
    }
    for action in ("s3:PutObject", "s3:DeleteObject"):
        assert all(resource.endswith('/films/*"}') for resource in grants[action]), action
    # The listing that collects outputs no aggregate names (gap 13) sees the films' prefix alone.
    [listing] = [
        statement
        for owner, statement in allow_statements(resources)
        if owner == "AggregateFunction" and "s3:ListBucket" in as_list(statement["Action"])
    ]
    assert listing["Condition"] == {"StringLike": {"s3:prefix": "films/*"}}


def test_the_bucket_lets_only_the_app_origin_post_uploads(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    (rule,) = resources["StillsBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedMethods"] == ["POST"]
    assert "AllowedHeaders" not in rule
    (origin,) = rule["AllowedOrigins"]
    condition, given, default = origin["Fn::If"]
    assert (condition, given) == ("HasAppOrigin", {"Ref": "AppOrigin"})
    assert default == {"Fn::Sub": "https://${PalettesApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}
    pattern = re.compile(template["Parameters"]["AppOrigin"]["AllowedPattern"])
    assert pattern.match("https://palettes.example.com") and pattern.match("http://127.0.0.1:8080")
    assert not pattern.match("*") and not pattern.match("https://example.com/app")


# ---------------------------------------------------------------------------------- the pipeline


def test_uploads_under_the_input_prefix_trigger_extraction(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    [event] = resources["ExtractFunction"]["Properties"]["Events"].values()
    assert event["Type"] == "S3"
    properties = event["Properties"]
    assert properties["Bucket"] == {"Ref": "StillsBucket"}
    # Removals too: a deleted still leaves its film.
    assert properties["Events"] == ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]
    assert properties["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": {"Ref": "InputPrefix"}}]


def test_the_input_prefix_cannot_overlap_the_outputs(template: dict[str, Any]) -> None:
    parameter = template["Parameters"]["InputPrefix"]
    assert parameter["Default"] == "stills/"
    pattern = parameter["AllowedPattern"]
    for good in ("stills/", "uploads-2024/"):
        assert re.fullmatch(pattern, good), good
    for bad in ("", "stills", "/stills/", "stills/deeper/", "palettes/x/"):
        assert not re.fullmatch(pattern, bad), bad
    [assertion] = template["Rules"]["InputPrefixIsNotAnOutputPrefix"]["Assertions"]
    assert assertion["Assert"] == {
        "Fn::Not": [{"Fn::Contains": [list(OUTPUT_PREFIXES), {"Ref": "InputPrefix"}]}]
    }
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert (variables["PALETTE_PREFIX"], variables["SWATCH_PREFIX"]) == OUTPUT_PREFIXES


def test_failed_extractions_are_retried_then_queued_encrypted_and_alarmed(resources: dict[str, Any]) -> None:
    config = resources["ExtractFunction"]["Properties"]["EventInvokeConfig"]
    assert config["MaximumRetryAttempts"] == 2
    assert config["DestinationConfig"]["OnFailure"] == {
        "Type": "SQS",
        "Destination": {"Fn::GetAtt": ["ExtractFailuresQueue", "Arn"]},
    }
    queue = resources["ExtractFailuresQueue"]["Properties"]
    assert queue.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in queue
    assert queue["MessageRetentionPeriod"] == 14 * 24 * 3600
    # The failure queue is drained into FAILED items; every given-up event ends in the replay queue
    # (copied there, or moved by the redrive policy), which is kept as long and alarmed.
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["ExtractReplayQueue", "Arn"]}
    replay = resources["ExtractReplayQueue"]["Properties"]
    assert replay.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in replay
    assert replay["MessageRetentionPeriod"] == 14 * 24 * 3600
    drain = resources["RecordFailuresFunction"]["Properties"]["Events"]["ExtractGaveUp"]
    assert drain["Type"] == "SQS"
    assert drain["Properties"]["Queue"] == {"Fn::GetAtt": ["ExtractFailuresQueue", "Arn"]}
    assert drain["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    alarms = [
        alarm["Properties"]
        for alarm in of_type(resources, "AWS::CloudWatch::Alarm").values()
        if alarm["Properties"]["Dimensions"]
        == [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["ExtractReplayQueue", "QueueName"]}}]
    ]
    assert len(alarms) == 1
    alarm = alarms[0]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", 0)


def stream_record(sort_key: str) -> dict[str, Any]:
    """A record of the table's stream (keys only) as Lambda filters it."""
    return {
        "eventName": "MODIFY",
        "eventSource": "aws:dynamodb",
        "dynamodb": {
            "Keys": {"pk": {"S": "FILM#heat"}, "sk": {"S": sort_key}},
            "SequenceNumber": "100",
            "StreamViewType": "KEYS_ONLY",
        },
    }


def test_still_changes_drive_aggregation_read_as_the_local_stack_reads_them(
    resources: dict[str, Any],
) -> None:
    table = resources["PalettesTable"]["Properties"]
    assert table["StreamSpecification"] == {"StreamViewType": "KEYS_ONLY"}
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    stack = StackTemplate.read(ROOT / "template.yaml", stack_name="palettes-test", region="eu-west-1")
    [trigger] = stack.function("AggregateFunction").dynamodb_triggers
    assert trigger == DynamoDbTrigger(
        table_logical_id="PalettesTable",
        starting_position="TRIM_HORIZON",
        batch_size=1000,
        maximum_batching_window_seconds=5,
        maximum_retry_attempts=5,
        bisect_batch_on_function_error=True,
        report_batch_item_failures=True,
        filter_patterns=({"dynamodb": {"Keys": {"sk": {"S": [{"prefix": "STILL#"}]}}}},),
        on_failure_logical_id="AggregateFailuresQueue",
    )
    # The function's own writes (the film's AGGREGATE item) never trigger it again.
    assert matches_any(trigger.filter_patterns, stream_record("STILL#0001.jpg"))
    assert not matches_any(trigger.filter_patterns, stream_record("AGGREGATE"))
    # Only the aggregate function reads the stream; the others' event sources are unchanged.
    assert [
        name
        for name in stack.logical_ids("AWS::Serverless::Function")
        if stack.function(name).dynamodb_triggers
    ] == ["AggregateFunction"]


def test_given_up_stream_batches_are_kept_encrypted_and_alarmed(resources: dict[str, Any]) -> None:
    queue = resources["AggregateFailuresQueue"]["Properties"]
    assert queue.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in queue
    assert queue["MessageRetentionPeriod"] == 14 * 24 * 3600
    alarms = [
        alarm["Properties"]
        for alarm in of_type(resources, "AWS::CloudWatch::Alarm").values()
        if alarm["Properties"]["Dimensions"]
        == [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["AggregateFailuresQueue", "QueueName"]}}]
    ]
    assert len(alarms) == 1
    assert (alarms[0]["ComparisonOperator"], alarms[0]["Threshold"]) == ("GreaterThanThreshold", 0)


def test_a_stream_trigger_names_a_table_of_the_template(template: dict[str, Any]) -> None:
    def stack_with_stream(stream: Any) -> StackTemplate:
        document = copy.deepcopy(template)
        events = document["Resources"]["AggregateFunction"]["Properties"]["Events"]
        events["StillChanged"]["Properties"]["Stream"] = stream
        return StackTemplate(document, stack_name="palettes-test", region="eu-west-1", base_dir=ROOT)

    arn = (
        "arn:aws:dynamodb:eu-west-1:123456789012:table/palettes-test-PalettesTable/stream/2024-01-01T00:00:00"
    )
    [trigger] = stack_with_stream(arn).function("AggregateFunction").dynamodb_triggers
    assert trigger.table_logical_id == "PalettesTable"
    for stream in ({"Fn::GetAtt": ["StillsBucket", "Arn"]}, arn.replace("palettes-test", "other")):
        with pytest.raises(TemplateError):
            stack_with_stream(stream).function("AggregateFunction")


def test_every_function_logs_to_a_log_group_with_retention(resources: dict[str, Any]) -> None:
    log_groups = of_type(resources, "AWS::Logs::LogGroup")
    assert all(
        group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"} for group in log_groups.values()
    )
    named = {json.dumps(group["Properties"]["LogGroupName"]) for group in log_groups.values()}
    for function in of_type(resources, "AWS::Serverless::Function"):
        assert json.dumps({"Fn::Sub": f"/aws/lambda/${{{function}}}"}) in named, function


def test_functions_run_python_313_on_arm64_with_tracing_and_their_layers(template: dict[str, Any]) -> None:
    function = template["Globals"]["Function"]
    assert function["Runtime"] == "python3.13"
    assert function["Architectures"] == ["arm64"]
    assert function["Tracing"] == "Active"
    # SAM would add a function's Layers to Globals': each function names its own.
    assert "Layers" not in function
    layers = {
        name: fn["Properties"]["Layers"]
        for name, fn in of_type(template["Resources"], "AWS::Serverless::Function").items()
    }
    both = [{"Ref": "PalettesLayer"}, {"Ref": "ServiceLayer"}]
    assert layers == {
        "ExtractFunction": both,
        "ApiFunction": both,
        "AggregateFunction": both,
        "RecordFailuresFunction": [{"Ref": "ServiceLayer"}],
    }
    assert set(function["Environment"]["Variables"]) == {
        "POWERTOOLS_SERVICE_NAME",
        "POWERTOOLS_METRICS_NAMESPACE",
        "POWERTOOLS_LOG_LEVEL",
        "STILLS_BUCKET",
        "PALETTES_TABLE",
        "INPUT_PREFIX",
        "PALETTE_PREFIX",
        "SWATCH_PREFIX",
        "FILM_PREFIX",
        "MAX_OBJECT_BYTES",
    }
    for layer, folder in (("PalettesLayer", "layers/palettes"), ("ServiceLayer", "layers/service")):
        resource = template["Resources"][layer]
        assert resource["Properties"]["ContentUri"] == folder
        assert resource["Properties"]["CompatibleRuntimes"] == ["python3.13"]
        assert resource["Metadata"] == {"BuildMethod": "python3.13", "BuildArchitecture": "arm64"}


# ---------------------------------------------------------------------------------------------- API


def api_routes(resources: dict[str, Any]) -> set[tuple[str, str]]:
    events = resources["ApiFunction"]["Properties"]["Events"].values()
    assert all(event["Properties"]["RestApiId"] == {"Ref": "PalettesApi"} for event in events)
    assert not any("Auth" in event["Properties"] for event in events), "a route overrides the API's auth"
    return {(event["Properties"]["Path"], event["Properties"]["Method"].lower()) for event in events}


def test_the_api_function_serves_exactly_the_routes_the_template_sends_it(resources: dict[str, Any]) -> None:
    from api.app import app
    from palette_service.web import routes

    served = {
        (route.openapi_path, route.method.lower()) for route in app._static_routes + app._dynamic_routes
    }
    assert (
        served
        == api_routes(resources)
        == {(route, routes.method_of(route).lower()) for route in routes.ROUTES}
    )


def test_every_route_including_the_gallery_requires_the_chosen_auth_but_the_app_files(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    from palette_service.web.routes import PUBLIC_ROUTES

    api = resources["PalettesApi"]["Properties"]
    assert api["StageName"] == "v1"
    assert api["MergeDefinitions"] is True
    definition = api["DefinitionBody"]
    secured = {
        (path, method)
        for path, methods in definition["paths"].items()
        for method, operation in methods.items()
        if operation.get("security") == AUTH_BY_MODE
    }
    routes = api_routes(resources)
    assert {"/gallery", "/gallery/{film}", "/palettes", "/palettes/{film}/{still}"} <= {
        path for path, _ in routes
    }
    public = {(path, "get") for path in PUBLIC_ROUTES}
    assert (
        routes - public
        == secured
        == {(path, method) for path, methods in definition["paths"].items() for method in methods} - public
    )
    # The app's page and files hold no data; a page load cannot carry the key.
    assert all(definition["paths"][path][method]["security"] == [] for path, method in public)
    assert public <= routes
    schemes = definition["securityDefinitions"]
    assert schemes["api_key"] == {"type": "apiKey", "name": "x-api-key", "in": "header"}
    assert schemes["sigv4"]["x-amazon-apigateway-authtype"] == "awsSigv4"
    assert template["Parameters"]["ApiAuth"]["AllowedValues"] == ["API_KEY", "IAM"]
    assert template["Parameters"]["ApiAuth"]["Default"] == "API_KEY"
    assert template["Conditions"]["UseIamAuth"] == {"Fn::Equals": [{"Ref": "ApiAuth"}, "IAM"]}
    assert template["Conditions"]["UseApiKey"] == {"Fn::Equals": [{"Ref": "ApiAuth"}, "API_KEY"]}


def test_api_key_mode_has_a_usage_plan_with_quota_and_throttle(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    plans = of_type(resources, "AWS::ApiGateway::UsagePlan")
    [plan] = plans.values()
    assert plan["Condition"] == "UseApiKey"
    properties = plan["Properties"]
    assert properties["ApiStages"] == [
        {"ApiId": {"Ref": "PalettesApi"}, "Stage": {"Ref": "PalettesApi.Stage"}}
    ]
    assert properties["Throttle"] == {
        "RateLimit": {"Ref": "ApiThrottleRate"},
        "BurstLimit": {"Ref": "ApiThrottleBurst"},
    }
    assert properties["Quota"]["Limit"] == {"Ref": "ApiQuotaPerDay"}
    for kind in ("AWS::ApiGateway::ApiKey", "AWS::ApiGateway::UsagePlanKey"):
        assert [resource["Condition"] for resource in of_type(resources, kind).values()] == ["UseApiKey"]
    assert template["Outputs"]["ApiKeyId"]["Condition"] == "UseApiKey"


def test_the_stage_is_throttled_logged_and_traced(resources: dict[str, Any]) -> None:
    api = resources["PalettesApi"]["Properties"]
    [settings] = [
        item for item in api["MethodSettings"] if (item["ResourcePath"], item["HttpMethod"]) == ("/*", "*")
    ]
    assert settings["ThrottlingRateLimit"] == {"Ref": "ApiThrottleRate"}
    assert settings["ThrottlingBurstLimit"] == {"Ref": "ApiThrottleBurst"}
    assert settings["MetricsEnabled"] is True
    assert settings["LoggingLevel"] in {"ERROR", "INFO"}
    assert settings.get("DataTraceEnabled", False) is False, "data tracing would log API keys and bodies"
    assert api["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    assert api["TracingEnabled"] is True
    # */* (written */* as SAM escapes it): binary bodies come back as bytes whatever Accept a client sends.
    assert api["BinaryMediaTypes"] == ["*~1*"]


def test_outputs_name_what_a_deployer_needs(template: dict[str, Any]) -> None:
    assert set(template["Outputs"]) >= {
        "StillsBucketName",
        "PalettesTableName",
        "ApiUrl",
        "ApiKeyId",
        "ExtractFunctionArn",
        "FailureQueueUrl",
    }
    assert template["Outputs"]["ApiUrl"]["Value"]["Fn::Sub"].endswith("/v1")


def test_every_checkov_skip_gives_its_reason(resources: dict[str, Any]) -> None:
    skips = [
        (name, skip)
        for name, resource in resources.items()
        for skip in ((resource.get("Metadata") or {}).get("checkov") or {}).get("skip", [])
    ]
    assert skips
    for name, skip in skips:
        assert re.fullmatch(r"CKV2?_AWS_\d+", skip["id"]), (name, skip)
        assert len(skip.get("comment", "").split()) >= 8, f"{name} skips {skip['id']} without a real reason"


def test_samconfig_makes_build_and_guided_deploy_enough() -> None:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    assert config["version"] == 0.1
    default = config["default"]
    assert default["global"]["parameters"]["stack_name"] == "palettes"
    assert default["global"]["parameters"]["region"] == "eu-west-1"
    deploy = default["deploy"]["parameters"]
    assert "CAPABILITY_IAM" in deploy["capabilities"]
    assert deploy["resolve_s3"] is True
    assert deploy["confirm_changeset"] is True
    assert default["build"]["parameters"] == {"cached": True, "parallel": True}
    assert default["validate"]["parameters"]["lint"] is True


# ------------------------------------------------------------------------------------------- events


@pytest.mark.parametrize("path", sorted(EVENTS.glob("*.json")), ids=lambda path: path.name)
def test_every_event_file_is_json(path: Path) -> None:
    assert isinstance(json.loads(path.read_text(encoding="utf-8")), dict)


def test_the_upload_event_encodes_its_key_the_way_s3_does() -> None:
    [record] = load_event("s3-put.json")["Records"]
    assert (record["eventVersion"], record["eventSource"], record["eventName"]) == (
        "2.1",
        "aws:s3",
        "ObjectCreated:Put",
    )
    s3 = record["s3"]
    assert s3["bucket"]["name"] == "palettes-stills-local"
    assert s3["bucket"]["arn"] == "arn:aws:s3:::palettes-stills-local"
    assert s3["object"]["key"] == "stills/my-film/Opening+shot+%C3%A9.jpg"
    assert unquote_plus(s3["object"]["key"]) == "stills/my-film/Opening shot é.jpg"
    assert {"size", "eTag", "versionId", "sequencer"} <= set(s3["object"])


def test_the_other_upload_events() -> None:
    records = load_event("s3-put-two-records.json")["Records"]
    assert len(records) == 2
    assert all(
        unquote_plus(record["s3"]["object"]["key"]).startswith("stills/my-film/") for record in records
    )
    [output] = load_event("s3-put-output-prefix.json")["Records"]
    assert unquote_plus(output["s3"]["object"]["key"]).startswith(OUTPUT_PREFIXES)


@pytest.mark.parametrize(
    ("name", "resource", "query"),
    [
        ("api-get-palette.json", "/palettes/{film}/{still}", None),
        ("api-get-swatch.json", "/palettes/{film}/{still}/swatch", None),
        ("api-get-export-css.json", "/palettes/{film}/{still}", {"format": "css"}),
        ("api-list.json", "/palettes", {"prefix": "my-film/", "limit": "2"}),
        ("api-openapi.json", "/openapi.json", None),
        ("api-gallery.json", "/gallery/{film}", None),
    ],
)
def test_api_events_are_rest_proxy_requests_for_a_template_route(
    resources: dict[str, Any], name: str, resource: str, query: dict[str, str] | None
) -> None:
    event = load_event(name)
    assert (resource, "get") in api_routes(resources)
    assert (event["resource"], event["httpMethod"], event["queryStringParameters"]) == (
        resource,
        "GET",
        query,
    )
    context = event["requestContext"]
    assert (context["stage"], context["resourcePath"], context["httpMethod"]) == ("v1", resource, "GET")
    assert event["headers"]["x-api-key"] == context["identity"]["apiKey"]
    assert event["multiValueHeaders"] == {key: [value] for key, value in event["headers"].items()}
    expected_multi = None if query is None else {key: [value] for key, value in query.items()}
    assert event["multiValueQueryStringParameters"] == expected_multi
    # The proxy event's path is decoded; each path parameter fills its {name} in the resource.
    path = resource
    for key, value in (event["pathParameters"] or {}).items():
        path = path.replace(f"{{{key}}}", value)
    assert event["path"] == path
    if "{still}" in resource:
        assert event["pathParameters"] == {"film": "my-film", "still": "Opening shot é.jpg"}


def test_env_file_sets_every_variable_the_template_declares(template: dict[str, Any]) -> None:
    declared = set(template["Globals"]["Function"]["Environment"]["Variables"])
    functions = of_type(template["Resources"], "AWS::Serverless::Function")
    env = load_event("env.json")
    assert set(env) == set(functions)
    for name, variables in env.items():
        own = set(functions[name]["Properties"].get("Environment", {}).get("Variables", {}))
        assert set(variables) == declared | own | {"AWS_ENDPOINT_URL"}
        assert variables["STILLS_BUCKET"] == "palettes-stills-local"
        assert variables["PALETTES_TABLE"] == "palettes-local"
        assert variables["AWS_ENDPOINT_URL"] == ""
