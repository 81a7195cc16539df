"""The client's error types, and how a service command reports them: a line on stderr, exit code 1
(2 for a command line that cannot work as given, as argparse does for a bad option)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

Command = Callable[[argparse.Namespace], int]

USAGE_EXIT_CODE = 2


class ClientError(Exception):
    """Something the user can fix: a missing setting, an unknown still, a refused request."""


class UsageError(ClientError):
    """The arguments cannot work whatever the service says, so nothing was sent: exit code 2."""


def aws_said(error: BaseException) -> str:
    """How an error from AWS is told, whichever library raised it."""
    return f"AWS said: {error}"


def reports_errors(command: Command) -> Command:
    """``command`` with a :class:`ClientError` or an AWS error told on stderr (exit code 1, or 2 for a
    :class:`UsageError`), no traceback."""

    def run(args: argparse.Namespace) -> int:
        from botocore.exceptions import BotoCoreError
        from botocore.exceptions import ClientError as AwsError

        try:
            return command(args)
        except ClientError as error:
            print(f"palettes {args.command}: {error}", file=sys.stderr)
            return USAGE_EXIT_CODE if isinstance(error, UsageError) else 1
        except (AwsError, BotoCoreError) as error:
            print(f"palettes {args.command}: {aws_said(error)}", file=sys.stderr)
            return 1

    return run
