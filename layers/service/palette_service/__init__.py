"""The palette service: the AWS side of the pipeline (S3 stills -> palettes -> DynamoDB -> read API).

From the edge inwards (imports only ever point down this list):

* ``web``: the read API's routes, response shapes, error statuses, OpenAPI document and gallery page;
* ``data``: DynamoDB (``dynamodb``, ``items``) and S3 (``s3``) behind the domain's ports, and the
  boto3 clients (``clients``);
* ``domain``: what a still is (``records``, ``keys``), S3 events (``events``), the write protocol
  (``extraction``), what readers get (``reads``, ``listing``), and the ``ports`` it types against;
* ``settings`` (environment, read once), ``observability`` (Logger, Tracer, Metrics), ``errors``.

Only ``domain.extraction`` imports the palettes library's numeric code; everything the API function
imports stays free of numpy so its cold start is short.
"""
