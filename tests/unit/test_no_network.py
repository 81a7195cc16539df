"""The unit tier runs with network sockets blocked (tests/conftest.py): a test that reached for the
network, or for AWS, would fail here rather than pass by luck on a connected machine."""

from __future__ import annotations

import socket

import pytest
from pytest_socket import SocketBlockedError


def test_a_network_connection_is_refused_in_the_unit_tier() -> None:
    with pytest.warns(UserWarning, match="socket"), pytest.raises(SocketBlockedError):
        socket.create_connection(("127.0.0.1", 9), timeout=1)
