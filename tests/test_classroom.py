"""A real class at the classroom's hub (``make check-classroom``, as root): security and faults.

Two students, A and B, each a Unix account with a password of their own, log in through the hub's
REST API, start their servers and pull the student edition. Then every way for A to reach B's
things is tried and must be *refused* (HTTP 403/404, or PermissionError in A's kernel), while the
same request with B's own credentials succeeds: a refusal that is merely an error would prove
nothing. The faults: a link to a missing branch, a second pull after a new publication, a kernel
killed in the middle of a notebook.

Every wait is bounded (companion.hub_client), and only the loopback address is contacted.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import nbformat
import psutil
import pytest

from companion import classroom_hub, hub_client, hub_users, publish
from companion.pull_link import folder_name, pull_link

pytestmark = [
    pytest.mark.stage("CHECK_CLASSROOM"),
    pytest.mark.skipif(os.geteuid() != 0, reason="a class of Unix accounts needs root"),
]

ROOT = Path(__file__).resolve().parents[1]
EDITION = ROOT / "_build" / "notebooks"
REFUSED = {403, 404}


def free_port() -> int:
    """A port with the next two free as well (the hub uses three)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port < 65000:
            try:
                classroom_hub.hub.check_ports_free("127.0.0.1", port)
                return port
            except OSError:
                continue
    raise RuntimeError("no three free ports in 50 tries")


@pytest.fixture(scope="module")
def room():
    # Under the checkout, not the test's temporary folder: the students' accounts must reach the repository.
    folder = ROOT / "_build" / "classroom-test"
    shutil.rmtree(folder, ignore_errors=True)
    state = folder / "state"
    prepared = classroom_hub.prepare(state=state, edition=EDITION, students=2, port=free_port())
    prepared.hub.start()
    try:
        yield prepared
    finally:
        prepared.hub.stop()
        hub_users.remove_students()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def learners(room):
    a, b = (hub_client.Learner(room.hub.url, name, password) for name, password in room.passwords.items())
    for learner in (a, b):
        learner.log_in().start_server()
        learner.pull(room.links["student"])
    return a, b


def test_a_cannot_log_in_as_b(room, learners):
    a, b = learners
    assert a.token_for(b.name, a.password).status_code == 403
    assert a.token_for(b.name, "").status_code == 403
    assert a.token_for(b.name, b.password).status_code == 201


def test_a_cannot_read_b_files_through_b_server(learners):
    a, b = learners
    path = b.server("api/contents")
    assert a.request("GET", path).status_code in REFUSED
    assert b.request("GET", path).status_code == 200
    assert a.request("GET", path, token=b.token).status_code == 200  # the token, not the client, decides


def test_a_cannot_stop_or_start_b_server(learners):
    a, b = learners
    server = f"/hub/api/users/{b.name}/server"
    assert a.request("DELETE", server).status_code in REFUSED
    assert b.request("GET", f"/hub/api/users/{b.name}").json()["servers"][""]["ready"]
    assert a.request("POST", server).status_code in REFUSED
    assert b.request("DELETE", server).status_code in {202, 204}
    b.start_server()  # B's own token starts it again
    assert b.request("GET", b.server("api/status")).status_code == 200


def test_a_cannot_call_the_admin_api(learners):
    a, _ = learners
    assert a.request("GET", "/hub/api/users").status_code in REFUSED
    assert a.request("POST", "/hub/api/users", json={"usernames": ["intruder"]}).status_code in REFUSED
    assert a.request("POST", "/hub/api/users/intruder").status_code in REFUSED
    assert a.request("GET", f"/hub/api/users/{a.name}").json()["admin"] is False


def run_code(learner: hub_client.Learner, code: str) -> str | None:
    """Run ``code`` in a new kernel of the learner's server; the error, or None."""
    kernel = learner.request("POST", learner.server("api/kernels"), json={"name": "python3"}).json()["id"]
    try:
        with learner.kernel_socket(kernel) as channel:
            return channel.execute(code)
    finally:
        learner.request("DELETE", learner.server(f"api/kernels/{kernel}"))


def test_a_kernel_cannot_read_b_home(learners):
    a, b = learners
    code = f"import os; print(os.listdir(os.path.expanduser('~{b.name}')))"
    error = run_code(a, code)
    assert error is not None
    assert error.startswith("PermissionError"), error
    assert run_code(b, code) is None


def test_a_link_to_a_missing_branch_tells_the_learner(room, learners):
    a, _ = learners
    link = pull_link(room.hub.url, repository=room.repository, branch="no-such-branch")
    with pytest.raises(RuntimeError) as failure:
        a.pull(link)
    # nbgitpuller's page shows git's output, then this message, in the learner's browser.
    assert str(failure.value).splitlines()[-1] == "Branch does not exist", str(failure.value)


def test_a_student_edits_survive_a_second_pull_after_a_new_publication(room, learners, tmp_path):
    a, _ = learners
    folder = folder_name(room.repository, "student")
    path = a.server(f"api/contents/{folder}/foundations/medicine_and_ai.ipynb")
    model = a.request("GET", path).json()
    notebook = nbformat.from_dict(model["content"])
    notebook.cells.append(nbformat.v4.new_markdown_cell("My own note: check the units."))
    assert a.request("PUT", path, json={"type": "notebook", "content": notebook}).status_code == 200
    # The teacher publishes a new commit that changes another file.
    edition = tmp_path / "edition"
    work = tmp_path / "clone"
    publish.git("clone", "--quiet", "--branch", "student", room.repository, str(work))
    shutil.copytree(work, edition, ignore=shutil.ignore_patterns(".git"))
    (edition / "ANNOUNCEMENT.md").write_text("Next week: the imaging chapter.\n")
    publish.publish_branch(edition, room.repository, "student", "A new announcement")
    a.pull(room.links["student"])
    cells = nbformat.from_dict(a.request("GET", path).json()["content"]).cells
    assert cells[-1].source == "My own note: check the units."
    assert a.request("GET", a.server(f"api/contents/{folder}/ANNOUNCEMENT.md")).status_code == 200


def test_a_kernel_killed_mid_notebook_reruns_from_the_top(room, learners):
    a, _ = learners
    path = f"{folder_name(room.repository, 'student')}/foundations/medicine_and_ai.ipynb"
    killed = []

    def kill_once(index: int, kernel: str) -> None:
        if index == 2 and not killed:
            for process in psutil.process_iter(["cmdline", "username"]):
                if process.info["username"] == a.name and kernel in " ".join(process.info["cmdline"] or []):
                    process.kill()
                    killed.append(process.pid)

    result = a.run_notebook(path, after_cell=kill_once)
    assert killed, "the kernel's process was not found"
    assert result["attempts"] == 2
    assert not result["errors"]
    cells = a.request("GET", a.server(f"api/contents/{path}")).json()["content"]["cells"]
    assert result["cells"] == sum(cell["cell_type"] == "code" for cell in cells)
