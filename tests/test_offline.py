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
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

PUBLIC_ADDRESS = ("1.1.1.1", 443)
OFFLINE = Path(__file__).resolve().parents[1] / ".ci" / "offline"


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


def test_a_child_process_cannot_reach_the_network():
    """What a kernel would do: a separate process, outside pytest's guard, tries to connect."""
    if os.environ.get("OFFLINE_NAMESPACE") != "1":
        if os.environ.get("CI"):
            pytest.fail("CI runs the tests inside .ci/offline, but this run is not in its network namespace")
        pytest.skip("runs inside .ci/offline (a network namespace), as in CI")
    code = f"import socket; socket.create_connection({PUBLIC_ADDRESS!r}, timeout=5)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode != 0, "a child process reached the network inside the offline namespace"
    assert "unreachable" in result.stderr, result.stderr[-500:]  # no route: refused at once, not a timeout


def bin_without_isolation(tmp_path: Path, *, unshare: bool) -> Path:
    """A PATH where no network namespace can be made: no unshare (or one that always fails), no sudo."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in ("id", "true"):
        (folder / tool).symlink_to(shutil.which(tool))
    if unshare:  # as where user namespaces are disabled
        (folder / "unshare").write_text("#!/bin/sh\necho 'unshare: Operation not permitted' >&2\nexit 1\n")
        (folder / "unshare").chmod(0o755)
    return folder


@pytest.mark.parametrize("unshare", [False, True], ids=["no-unshare", "unshare-refused"])
def test_ci_fails_when_the_network_cannot_be_cut(tmp_path, unshare):
    folder = bin_without_isolation(tmp_path, unshare=unshare)
    result = subprocess.run(
        [shutil.which("bash"), str(OFFLINE), "true"],
        env={"PATH": str(folder), "CI": "true"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "FAILED" in result.stderr
    assert "CI must run offline" in result.stderr


@pytest.mark.parametrize("unshare", [False, True], ids=["no-unshare", "unshare-refused"])
def test_a_contributor_without_isolation_runs_online_with_a_warning(tmp_path, unshare):
    folder = bin_without_isolation(tmp_path, unshare=unshare)
    result = subprocess.run(
        [shutil.which("bash"), str(OFFLINE), "true"],
        env={"PATH": str(folder)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert "running with the network ON" in result.stderr
