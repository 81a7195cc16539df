"""Logger and Metrics, made once and shared by the functions and the domain code; tracing only when on.

Service name, metrics namespace, log level and tracing switches come from the standard
``POWERTOOLS_*`` environment variables the template sets per function.

Powertools' ``Tracer`` imports the X-Ray SDK, about half a second of a cold start, even when tracing
is off. So the handlers and the domain decorate with :func:`capture_lambda_handler` and
:func:`capture_method` here, which build the ``Tracer`` (and import X-Ray) only when tracing is on:
in Lambda, with ``POWERTOOLS_TRACE_DISABLED`` unset or false, and not under ``sam local``. These are
Powertools' own rules (``Tracer._is_tracer_disabled``), read from the same variables.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.shared.functions import resolve_truthy_env_var_choice

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

logger = Logger()
metrics = Metrics()


def tracing_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """Whether X-Ray tracing is on: Powertools' switch, in Lambda, outside its local emulators."""
    source = os.environ if environ is None else environ
    if resolve_truthy_env_var_choice(env=source.get("POWERTOOLS_TRACE_DISABLED", "false")):
        return False
    in_lambda = bool(source.get("LAMBDA_TASK_ROOT"))
    emulated = bool(source.get("AWS_SAM_LOCAL") or source.get("AWS_CHALICE_CLI_MODE"))
    return in_lambda and not emulated


@cache
def tracer() -> Tracer:
    """The function's Tracer, made (and X-Ray imported) on first use."""
    from aws_lambda_powertools import Tracer

    return Tracer()


def capture_lambda_handler[Function: Callable[..., Any]](handler: Function) -> Function:
    """``Tracer.capture_lambda_handler`` when tracing is on; the handler itself when it is off."""
    if not tracing_enabled():
        return handler
    return cast("Function", tracer().capture_lambda_handler(handler))


def capture_method[Function: Callable[..., Any]](method: Function) -> Function:
    """``Tracer.capture_method`` (without the response, which may be large) when tracing is on."""
    if not tracing_enabled():
        return method
    return tracer().capture_method(capture_response=False)(method)
