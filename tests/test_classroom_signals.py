"""``python -m companion classroom`` stops everything it started on Ctrl-C (SIGINT) and on SIGTERM.

A class of one: the student logs in, starts a server and a kernel; then the command gets the signal.
Afterwards no process of the student's account, and no hub or proxy of this run, may be left.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from test_classroom import free_port

from companion import hub_client, hub_users

pytestmark = [
    pytest.mark.stage("CHECK_CLASSROOM"),
    pytest.mark.skipif(os.geteuid() != 0, reason="a class of Unix accounts needs root"),
]

ROOT = Path(__file__).resolve().parents[1]


def leftovers(state: Path, uid: int) -> list[str]:
    """Live processes of the student's account, or of this run's hub and proxy (named by its state folder).

    A zombie has ended and holds nothing but its exit status until its parent, or init, collects it
    (in a container whose first process collects nothing, that can be never): it is not left running.
    """
    found = []
    for process in psutil.process_iter(["uids", "cmdline", "status"]):
        if process.info["status"] == psutil.STATUS_ZOMBIE:
            continue
        line = " ".join(process.info["cmdline"] or [])
        if (process.info["uids"] and process.info["uids"].real == uid) or str(state) in line:
            found.append(f"{process.pid} {line[:120]}")
    return found


def announcement(process: subprocess.Popen, seconds: float = 180) -> list[str]:
    """The lines ``python -m companion classroom`` prints up to its last one ("Ctrl-C stops..."), or until it ends."""
    lines, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline and not any(line.startswith("Ctrl-C") for line in lines):
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
    return lines


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_the_hub_the_proxy_and_every_server(stop):
    # Under the checkout: the students' accounts must reach the course's repository beside the state.
    folder = ROOT / "_build" / f"classroom-{stop.name}"
    shutil.rmtree(folder, ignore_errors=True)
    state = folder / "state"
    port = free_port()
    command = [sys.executable, "-m", "companion", "classroom", "--students", "1", "--port", str(port),
               "--state", str(state)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = announcement(process)
        passwords = [line.split()[1] for line in lines if line.strip().startswith("student01")]
        assert passwords, "".join(lines)
        password = passwords[0]
        learner = hub_client.Learner(f"http://127.0.0.1:{port}", "student01", password).log_in()
        learner.start_server()
        kernel = learner.request("POST", learner.server("api/kernels"), json={"name": "python3"})
        assert kernel.status_code == 201
        student = next(p for p in psutil.process_iter(["username"]) if p.info["username"] == "student01")
        uid = student.uids().real
        assert len(leftovers(state, uid)) >= 3  # hub, proxy, server (and kernel) are running
        process.send_signal(stop)
        output, _ = process.communicate(timeout=120)
        assert process.returncode == 0, output
        assert "Stopping the hub" in output
        # A process that got the signal may still be on its way out: give it a few seconds.
        deadline = time.monotonic() + 15
        while leftovers(state, uid) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert leftovers(state, uid) == []
    finally:
        if process.poll() is None:
            process.kill()
        hub_users.remove_students()
        shutil.rmtree(folder, ignore_errors=True)
