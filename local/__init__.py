"""The whole service on one machine, without an AWS account or Docker (see local/README.md).

``template`` reads template.yaml; ``stack`` starts moto in server mode with the template's resources
and a Lambda emulation (``runtime``, ``dispatcher``); ``api_server`` serves the read API like API
Gateway; ``demo`` is ``make demo``.
"""
