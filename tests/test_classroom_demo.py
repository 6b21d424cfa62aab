"""``python -m companion classroom`` on a teacher's own laptop, without root: the demonstration mode.

Run as an ordinary account (a throwaway one that the classroom creates and removes), the command
starts a hub for that account only, with a generated shared password and the plain warning that it
isolates nothing; the teacher logs in, gets a server whose kernel runs as that account, and Ctrl-C
stops everything.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from test_classroom import free_port
from test_classroom_signals import announcement, leftovers

from companion import hub, hub_client, hub_users

pytestmark = [
    pytest.mark.stage("CHECK_CLASSROOM"),
    pytest.mark.skipif(os.geteuid() != 0, reason="making the teacher's ordinary account needs root"),
]

ROOT = Path(__file__).resolve().parents[1]
TEACHER = "classteacher"


def test_without_root_it_is_a_single_account_demonstration():
    hub_users.create_students([TEACHER])
    account = pwd.getpwnam(TEACHER)
    folder = Path(tempfile.mkdtemp(prefix="classroom-demo-"))
    os.chown(folder, account.pw_uid, account.pw_gid)
    state, port = folder / "state", free_port()
    environment = {"PATH": os.environ["PATH"], "HOME": account.pw_dir, "USER": TEACHER, "LOGNAME": TEACHER}
    command = ["runuser", "-u", TEACHER, "--", sys.executable, "-m", "companion", "classroom", "--port", str(port),
               "--state", str(state)]
    # A session of its own, to which Ctrl-C is sent as a terminal sends it: to the whole foreground group.
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        lines = announcement(process)
        text = "".join(lines)
        assert hub.DEMO_NOTICE.format(user=TEACHER) in text, text
        assert "shared demonstration password" in text
        password = next(line.split()[1] for line in lines if line.strip().startswith(TEACHER))
        teacher = hub_client.Learner(f"http://127.0.0.1:{port}", TEACHER, password).log_in()
        assert teacher.token_for(TEACHER, "not-" + password).status_code == 403  # the password is checked
        teacher.start_server()
        kernel = teacher.request("POST", teacher.server("api/kernels"), json={"name": "python3"}).json()["id"]
        with teacher.kernel_socket(kernel) as channel:
            # The kernel runs as the teacher's own account (execute returns the error a cell raised, or None).
            assert channel.execute(f"import os; assert os.getuid() == {account.pw_uid}, os.getuid()") is None
            assert channel.execute("assert False") is not None  # and a failing cell would have been seen
        os.killpg(process.pid, signal.SIGINT)
        output, _ = process.communicate(timeout=120)
        assert process.returncode == 0, output
        deadline = time.monotonic() + 15
        while leftovers(state, account.pw_uid) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert leftovers(state, account.pw_uid) == []
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        hub_users.remove_students()
        shutil.rmtree(folder, ignore_errors=True)
