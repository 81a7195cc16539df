"""The whole service on one machine, without an AWS account or Docker (see local/README.md).

``stack`` starts moto in server mode behind ``endpoint`` with template.yaml's resources (read and
created by ``palettes_stack``) and a Lambda emulation: execution environments (``runtime``),
asynchronous invocation (``dispatcher``), SQS event source mappings (``sqs_event_source``), both
polling through ``queue_poller``, and the Invoke API (``lambda_endpoint``); ``api_server`` serves
the read API like API Gateway; ``demo`` is ``make demo``.
"""
