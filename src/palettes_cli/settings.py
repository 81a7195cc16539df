"""Where the service is: each setting's flag and ``PALETTES_*`` variable, and the values they resolve to.

A flag beats its variable. The environment is read here only, once per command, by
:meth:`Settings.from_args`; the commands are handed a :class:`Settings` and read no variable.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from palettes_cli.errors import ClientError


@dataclass(frozen=True)
class Setting:
    """One setting: its flag, the variable it falls back to, and what it is called in messages."""

    flag: str
    variable: str
    what: str
    help: str

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")

    def add_to(self, parser: argparse._ActionsContainer, *, needed: str = "") -> None:
        """Add the flag to a parser (or an argument group), its help naming the variable."""
        parser.add_argument(self.flag, dest=self.dest, help=f"{self.help}{needed} (env {self.variable})")

    def required(self, value: str | None) -> str:
        if not value:
            raise ClientError(f"no {self.what}: pass {self.flag} or set {self.variable} ({self.help})")
        return value


ENDPOINT_URL = Setting(
    "--endpoint-url", "PALETTES_ENDPOINT_URL", "endpoint", "S3/Lambda endpoint, AWS's by default"
)
API_URL = Setting(
    "--api-url",
    "PALETTES_API_URL",
    "API URL",
    "the read API's base URL, stage included: the stack's ApiUrl output",
)
API_KEY = Setting("--api-key", "PALETTES_API_KEY", "API key", "the API key")
BUCKET = Setting(
    "--bucket", "PALETTES_BUCKET", "bucket", "the stills bucket: the stack's StillsBucketName output"
)
EXTRACT_FUNCTION = Setting(
    "--function",
    "PALETTES_EXTRACT_FUNCTION",
    "extract function",
    "the extract function's name or ARN: the stack's ExtractFunctionArn output",
)

BATCH_ROLE = Setting(
    "--role-arn",
    "PALETTES_BATCH_ROLE_ARN",
    "Batch Operations role",
    "the role S3 Batch Operations runs the job as: the stack's BatchOperationsRoleArn output",
)


def service_arguments() -> argparse.ArgumentParser:
    """A parent parser with the flags every service command takes."""
    parent = argparse.ArgumentParser(add_help=False)
    where = parent.add_argument_group("where the service is")
    for setting in (ENDPOINT_URL, API_URL, API_KEY):
        setting.add_to(where)
    where.add_argument("--region", help="AWS region (default: boto3's configuration)")
    return parent


@dataclass(frozen=True)
class Settings:
    """Where one run of a command finds the service; ``None`` where nothing was given."""

    endpoint_url: str | None
    api_url: str | None
    api_key: str | None = field(repr=False)  # never in a log or a traceback
    region: str | None
    bucket: str | None
    extract_function: str | None
    batch_role_arn: str | None = None

    @classmethod
    def from_args(cls, args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> Settings:
        """Flags first, then ``PALETTES_*`` variables; a command without a flag still reads its variable."""
        env = os.environ if environ is None else environ

        def resolve(setting: Setting) -> str | None:
            return getattr(args, setting.dest, None) or env.get(setting.variable) or None

        return cls(
            endpoint_url=resolve(ENDPOINT_URL),
            api_url=(resolve(API_URL) or "").rstrip("/") or None,
            api_key=resolve(API_KEY),
            region=getattr(args, "region", None) or None,
            bucket=resolve(BUCKET),
            extract_function=resolve(EXTRACT_FUNCTION),
            batch_role_arn=resolve(BATCH_ROLE),
        )

    def aws_client(self, service: str) -> Any:
        """A boto3 client at the endpoint and region set (boto3's own configuration otherwise)."""
        import boto3

        return boto3.client(service, endpoint_url=self.endpoint_url, region_name=self.region)  # type: ignore[call-overload]
