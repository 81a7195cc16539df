"""The ``palettes`` subcommands, one module each, and the subparser the service's commands share.

Every module has ``add_parser(subparsers)``, which registers its subparser with ``run`` as the
function to call, and ``run(args) -> int`` (the exit code). ``palettes_cli.main`` lists them.
"""

from __future__ import annotations

import argparse

from palettes_cli.settings import service_arguments

# A type statement is evaluated lazily: argparse's class is generic only to type checkers.
type Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def add_service_parser(
    subparsers: Subparsers, name: str, *, help: str, description: str
) -> argparse.ArgumentParser:
    """The subparser of a command that talks to the service: with the flags that say where it is."""
    return subparsers.add_parser(name, parents=[service_arguments()], help=help, description=description)
