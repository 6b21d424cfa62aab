"""Proof that the offline guards are on: a real outbound connection fails.

Two guards keep the course from downloading anything while it is tested:

- pytest-socket, switched on for every run by pyproject.toml's ``addopts``,
  lets tests and doctests connect only to the loopback;
- ``.ci/offline`` runs CI's tests, book build and checks in a network
  namespace with only the loopback up, which also covers the Jupyter kernels
  that execute the chapters (separate processes that pytest-socket cannot
  see). It sets ``OFFLINE_NAMESPACE=1``.

The connections go to a public address (one of Cloudflare's resolvers) that
answers whenever the network is really there.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading

import pytest

PUBLIC_ADDRESS = ("1.1.1.1", 443)


@pytest.mark.filterwarnings("ignore:A test tried to use socket")  # pytest-socket also warns when it refuses
def test_pytest_refuses_a_connection_to_another_machine():
    from pytest_socket import SocketConnectBlockedError

    with pytest.raises(SocketConnectBlockedError):
        socket.create_connection(PUBLIC_ADDRESS, timeout=5)


def test_pytest_still_allows_the_loopback():
    """Kernels and the browser checks' web server need 127.0.0.1; the guard must leave it open."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        accepter = threading.Thread(target=lambda: server.accept()[0].close(), daemon=True)
        accepter.start()
        with socket.create_connection(server.getsockname(), timeout=5):
            pass
        accepter.join(timeout=5)  # before the server closes, so accept() never sees a closed socket


@pytest.mark.skipif(
    os.environ.get("OFFLINE_NAMESPACE") != "1", reason="runs inside .ci/offline (a network namespace), as in CI"
)
def test_a_child_process_cannot_reach_the_network():
    """What a kernel would do: a separate process, outside pytest's guard, tries to connect."""
    code = f"import socket; socket.create_connection({PUBLIC_ADDRESS!r}, timeout=5)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode != 0, "a child process reached the network inside the offline namespace"
    assert "unreachable" in result.stderr, result.stderr[-500:]  # no route: refused at once, not a timeout
