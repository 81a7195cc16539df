"""Logger, Tracer and Metrics, made once and shared by both functions and the domain code.

Service name, metrics namespace, log level and tracing switches come from the standard
``POWERTOOLS_*`` environment variables the template sets per function.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics()
