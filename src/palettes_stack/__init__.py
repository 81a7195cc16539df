"""template.yaml as one stack model, wherever the stack is emulated (see local/README.md).

``template`` reads the template (CloudFormation's tags and intrinsics, SAM's globals); ``resources``
creates its buckets, tables and queues on any boto3 endpoint (moto in process or moto's server);
``async_invoke`` is Lambda's asynchronous invocation as a function's EventInvokeConfig sets it;
``context`` is Lambda's context object for a handler run outside Lambda. The local stack
(``local``), the test fixtures and ``make invoke`` all build on these. Nothing here imports moto or
boto3 (clients are handed in), so ``template`` also serves where only PyYAML is installed.
"""
