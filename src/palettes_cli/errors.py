"""The client's one error type, and how a service command reports it: a line on stderr, exit code 1."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

Command = Callable[[argparse.Namespace], int]


class ClientError(Exception):
    """Something the user can fix: a missing setting, an unknown still, a refused request."""


def reports_errors(command: Command) -> Command:
    """``command`` with a :class:`ClientError` or an AWS error told on stderr (exit code 1), no traceback."""

    def run(args: argparse.Namespace) -> int:
        from botocore.exceptions import BotoCoreError
        from botocore.exceptions import ClientError as AwsError

        try:
            return command(args)
        except ClientError as error:
            print(f"palettes {args.command}: {error}", file=sys.stderr)
            return 1
        except (AwsError, BotoCoreError) as error:
            print(f"palettes {args.command}: AWS said: {error}", file=sys.stderr)
            return 1

    return run
