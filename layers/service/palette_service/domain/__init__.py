"""The service's domain: what a still is, how an upload becomes its palette, what readers get.

It types against the ports in :mod:`palette_service.domain.ports`, never against boto3, and knows
nothing of HTTP: the web edge maps its errors to statuses.
"""
