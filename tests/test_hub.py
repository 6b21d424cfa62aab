"""The classroom's hub without starting it: its configuration, passwords, ports and the demonstration's words.

These need neither root nor a running hub. The hub itself, with real accounts and simulated learners,
is checked by ``make check-classroom`` (tests/test_classroom.py and companion.simulated_class).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from traitlets.config import Config

from companion import classroom_hub, hub, hub_client, hub_server, hub_users

ROOT = Path(__file__).resolve().parents[1]


def loaded(text: str) -> Config:
    """The configuration as JupyterHub reads it: the file executed with ``c`` in scope."""
    config = Config()
    exec(compile(text, "jupyterhub_config.py", "exec"), {"c": config})
    return config


def config_of(tmp_path, **options) -> Config:
    settings = {"state": tmp_path, "students": ["student01", "student02"], "singleuser": Path("/venv/bin/s"),
                "proxy": Path("/node/chp")} | options
    return loaded(hub.hub_config(**settings))


def test_a_class_listens_on_the_loopback_with_pam_and_no_admin(tmp_path):
    c = config_of(tmp_path)
    assert c.JupyterHub.ip == "127.0.0.1" == c.JupyterHub.hub_ip
    assert c.JupyterHub.authenticator_class == "pam"
    assert list(c.Authenticator.admin_users) == []
    assert sorted(c.Authenticator.allowed_users) == ["student01", "student02"]
    assert c.JupyterHub.spawner_class == "localprocess"
    assert c.Spawner.cmd == ["/venv/bin/s"]


def test_the_state_stays_in_its_own_folder_and_the_limits_follow_companion_hub(tmp_path):
    c = config_of(tmp_path)
    for path in [c.JupyterHub.cookie_secret_file, c.JupyterHub.db_url.removeprefix("sqlite:///")]:
        assert Path(path).parent == tmp_path
    assert c.Spawner.mem_limit == hub.LEARNER_MEMORY_LIMIT
    assert c.Spawner.cpu_limit == hub.LEARNER_CPU_LIMIT
    assert f"--ServerApp.shutdown_no_activity_timeout={hub.CULL_IDLE_SECONDS}" in c.Spawner.args


def test_another_address_only_when_asked(tmp_path):
    assert config_of(tmp_path, address="0.0.0.0").JupyterHub.ip == "0.0.0.0"
    assert config_of(tmp_path).JupyterHub.ip == hub.LOOPBACK


def test_no_password_is_written_into_a_class_configuration_and_secrets_are_new_each_time(tmp_path):
    first, second = (hub.hub_config(state=tmp_path / "state", students=["a"], singleuser=Path("s"), proxy=Path("p"))
                     for _ in range(2))
    assert "password =" not in first.lower()
    assert "shared-password" not in first
    assert loaded(first).ConfigurableHTTPProxy.auth_token != loaded(second).ConfigurableHTTPProxy.auth_token


def test_passwords_are_generated_long_and_never_the_same():
    passwords = {hub.new_password() for _ in range(50)}
    assert len(passwords) == 50
    assert min(len(password) for password in passwords) >= 16


def test_the_demonstration_says_it_isolates_nothing(tmp_path):
    c = config_of(tmp_path, students=["teacher"], demo_password="shared-secret-1")
    assert c.JupyterHub.authenticator_class == "shared-password"
    assert list(c.Authenticator.admin_users) == []
    notice = c.JupyterHub.template_vars["announcement_login"]
    assert "neither isolates students' files nor enforces memory or CPU limits" in notice
    room = classroom_hub.Classroom(
        hub=hub_server.Hub(Path("jupyterhub"), tmp_path / "config.py", "http://127.0.0.1:8000"),
        passwords={"teacher": "shared-secret-1"}, links=dict.fromkeys(classroom_hub.EDITIONS, "link"),
        demo=True, repository="repo",
    )
    text = room.announcement()
    assert "DEMONSTRATION ONLY" in text
    assert "neither isolates" in text
    assert "shared-secret-1" in text


def test_a_class_announcement_gives_each_student_a_password_and_no_demonstration_notice(tmp_path):
    room = classroom_hub.Classroom(
        hub=hub_server.Hub(Path("jupyterhub"), tmp_path / "config.py", "http://127.0.0.1:8000"),
        passwords={"student01": "p1-xxxxxxxxxxxx", "student02": "p2-xxxxxxxxxxxx"},
        links={"student": "L1", "notebooks": "L2"}, demo=False, repository="repo",
    )
    text = room.announcement()
    assert "DEMONSTRATION" not in text
    assert "student01    p1-xxxxxxxxxxxx" in text
    assert "L1" in text
    assert "L2" in text


def test_student_names_and_ports():
    assert hub.student_names(12)[-1] == "student12"
    assert hub.ports(8100) == {"proxy": 8100, "hub": 8101, "proxy API": 8102}
    with pytest.raises(ValueError, match="count must be an integer from 1 to 99"):
        hub.student_names(0)
    with pytest.raises(ValueError, match="port must be an integer"):
        hub.ports(80)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_port_in_use_is_a_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(hub.PortInUseError, match=f"port {port} on 127.0.0.1 .* already in use .*--port"):
            hub.check_ports_free("127.0.0.1", port)
        with pytest.raises(hub.PortInUseError, match=f"port {port} .*the hub's hub port"):
            hub.check_ports_free("127.0.0.1", port - 1)
    hub.check_ports_free("127.0.0.1", port)  # free again


def test_the_classroom_command_stops_before_anything_when_its_port_is_taken(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "companion", "classroom", "--port", str(port), "--state", str(tmp_path / "state"),
             "--edition", str(tmp_path / "none")],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )
    assert result.returncode == 1
    assert "The classroom did not start: port" in result.stderr
    assert "already in use" in result.stderr
    assert not (tmp_path / "state").exists()


def test_a_python_in_a_closed_folder_is_refused_before_any_account_is_made(tmp_path):
    closed = tmp_path / "closed"
    (closed / "bin").mkdir(parents=True)
    (closed / "bin" / "python").touch(mode=0o755)
    closed.chmod(0o700)
    with pytest.raises(PermissionError, match="cannot reach .* closed to other users"):
        hub_users.check_usable_by_students(closed / "bin" / "python")
    closed.chmod(0o755)
    tmp_path.chmod(0o755)
    for parent in tmp_path.parents:
        if not parent.stat().st_mode & 0o001:
            return  # the test's own folder is closed: nothing more to check here
    hub_users.check_usable_by_students(closed / "bin" / "python")


def test_the_learner_talks_to_a_loopback_hub_only():
    with pytest.raises(ValueError, match="hub_url must be a loopback address"):
        hub_client.Learner("http://example.org:8000", "student01", "x")
    assert hub_client.Learner("http://127.0.0.1:8000/", "a", "b").hub_url == "http://127.0.0.1:8000"


@pytest.mark.skipif(os.geteuid() == 0, reason="the accounts can be made as root")
def test_accounts_need_root():
    with pytest.raises(PermissionError, match="needs root"):
        hub_users.create_students(["student01"])
