"""The palette service: the AWS side of the pipeline (S3 stills -> palettes -> DynamoDB -> read API).

Modules, from the edge inwards: ``settings`` (environment, read once), ``observability`` (Logger,
Tracer, Metrics), ``keys`` (S3 keys and item keys), ``records`` and ``repository`` (DynamoDB),
``storage`` (S3), ``extraction`` (an S3 event -> outputs and an item), ``reads`` and ``listing``
(what the API serves), ``models`` (the API's response shapes), ``errors``.

Only ``extraction`` imports the palettes library's numeric code; everything the API function
imports stays free of numpy so its cold start is short.
"""
