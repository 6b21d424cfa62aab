"""A JupyterHub for a class: what one learner may use, shared by every way the course runs a hub.

``make classroom`` starts a hub with these settings on one machine, and the
deployments that ``book/instructors.md`` gives for a real class (Zero to
JupyterHub on Kubernetes, The Littlest JupyterHub) set the same figures; a
test keeps them equal. Every chapter peaks below one GiB of resident memory
(``make bench``), so the guarantee lets 30 learners share a 32 GiB server,
and the limit leaves room for the notebook server beside the kernel.
"""

from __future__ import annotations

import secrets
import socket
from pathlib import Path

from companion import validation

#: Memory reserved for each learner's server (a Kubernetes request), and the most it may use.
LEARNER_MEMORY_GUARANTEE = "1G"
LEARNER_MEMORY_LIMIT = "1.5G"

#: Processor time for each learner's server: reserved, and the most it may use (in CPUs).
LEARNER_CPU_GUARANTEE = 0.5
LEARNER_CPU_LIMIT = 1.0

#: A learner's server that has been idle this long (seconds) is stopped; the files stay.
CULL_IDLE_SECONDS = 3600

#: Where ``make classroom`` listens unless asked otherwise: the loopback interface, reachable from this machine only.
LOOPBACK = "127.0.0.1"
DEFAULT_PORT = 8000

#: The class's Unix accounts are named student01, student02, ... and carry this comment, so that
#: ``--remove`` deletes only the accounts that the classroom created.
STUDENT_PREFIX = "student"
STUDENT_COMMENT = "companion classroom student"

#: Said wherever the single-account demonstration runs (the terminal and the hub's login page).
DEMO_NOTICE = (
    "DEMONSTRATION ONLY: every learner here is the same Unix account ({user}). This hub neither isolates "
    "students' files nor enforces memory or CPU limits. A real class needs the deployments of the "
    "instructor page (Zero to JupyterHub or The Littlest JupyterHub), or `make classroom` run as root, "
    "which gives each student an account of their own."
)


class PortInUseError(OSError):
    """A port that the hub needs is taken by another program: raised before anything starts."""


def student_names(count: int) -> list[str]:
    """The class's account names: ``student01`` to ``studentNN``.

    >>> student_names(3)
    ['student01', 'student02', 'student03']
    """
    count = validation.integer("count", count, minimum=1, maximum=99)
    return [f"{STUDENT_PREFIX}{number:02d}" for number in range(1, count + 1)]


def new_password() -> str:
    """A fresh random password (about 96 bits), from the operating system's secure source."""
    return secrets.token_urlsafe(12)


def ports(port: int) -> dict[str, int]:
    """The three ports of a hub on ``port``: the public proxy, the hub itself and the proxy's API.

    >>> ports(8000)
    {'proxy': 8000, 'hub': 8001, 'proxy API': 8002}
    """
    port = validation.integer("port", port, minimum=1024, maximum=65533)
    return {"proxy": port, "hub": port + 1, "proxy API": port + 2}


def check_ports_free(address: str, port: int) -> None:
    """Raise :class:`PortInUseError`, naming the port and what to do, if any of the hub's ports is taken."""
    address = validation.text("address", address)
    for role, number in ports(port).items():
        host = address if role == "proxy" else LOOPBACK
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            try:
                probe.bind((host, number))
            except OSError:
                raise PortInUseError(
                    f"port {number} on {host} (the hub's {role} port) is already in use by another program: "
                    f"stop it, or start the classroom on other ports with --port {port + 10}",
                ) from None


def hub_config(
    *,
    state: Path,
    address: str = LOOPBACK,
    port: int = DEFAULT_PORT,
    students: list[str],
    singleuser: Path,
    proxy: Path,
    demo_password: str | None = None,
    environment: dict[str, str] | None = None,
) -> str:
    """The ``jupyterhub_config.py`` of a class: its text, to be written into ``state`` (a private folder).

    With ``demo_password`` the hub runs in single-account demonstration mode (``students`` is then the one
    account that runs it, authenticated with that shared password); without it, the system's PAM checks each
    student's own password and each server runs as that student's Unix account. No one is an admin.
    """
    state = validation.folder("state", state)
    address = validation.text("address", address)
    numbers = ports(port)
    if not students or not all(isinstance(name, str) and name for name in students):
        raise ValueError(f"students must be a non-empty list of account names, got {students!r}")
    settings: dict[str, object] = {
        "JupyterHub.ip": address,
        "JupyterHub.port": numbers["proxy"],
        "JupyterHub.hub_ip": LOOPBACK,
        "JupyterHub.hub_port": numbers["hub"],
        "ConfigurableHTTPProxy.api_url": f"http://{LOOPBACK}:{numbers['proxy API']}",
        "ConfigurableHTTPProxy.command": [str(proxy)],
        "ConfigurableHTTPProxy.auth_token": secrets.token_hex(32),
        "ConfigurableHTTPProxy.pid_file": str(state / "proxy.pid"),
        "JupyterHub.db_url": f"sqlite:///{state / 'jupyterhub.sqlite'}",
        "JupyterHub.cookie_secret_file": str(state / "jupyterhub_cookie_secret"),
        "JupyterHub.spawner_class": "localprocess",
        "Spawner.cmd": [str(singleuser)],
        "Spawner.default_url": "/lab",
        # A busy two-core machine starting 30 servers needs more than the 60 s JupyterHub waits by default.
        "Spawner.start_timeout": 300,
        "Spawner.http_timeout": 300,
        # Idle kernels, then idle servers, stop after the same time as in the real-class deployments.
        "Spawner.args": [
            f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_SECONDS}",
            f"--ServerApp.shutdown_no_activity_timeout={CULL_IDLE_SECONDS}",
        ],
        # Advertised to the server (MEM_LIMIT, CPU_LIMIT); a local process spawner cannot enforce them.
        "Spawner.mem_limit": LEARNER_MEMORY_LIMIT,
        "Spawner.cpu_limit": LEARNER_CPU_LIMIT,
        "Spawner.environment": dict(environment or {}),
        "Authenticator.allowed_users": sorted(students),
        "Authenticator.admin_users": [],
        # Stopping the hub stops every learner's server and the proxy it started.
        "JupyterHub.cleanup_servers": True,
        "JupyterHub.cleanup_proxy": True,
    }
    if demo_password is None:
        settings["JupyterHub.authenticator_class"] = "pam"
        # No PAM session: containers and minimal systems often lack the session modules.
        settings["PAMAuthenticator.open_sessions"] = False
    else:
        settings["JupyterHub.authenticator_class"] = "shared-password"
        settings["SharedPasswordAuthenticator.user_password"] = validation.text("demo_password", demo_password)
        settings["JupyterHub.template_vars"] = {"announcement_login": DEMO_NOTICE.format(user=students[0])}
    lines = ["# Written by `python -m companion classroom`: regenerated at every start, do not edit.", ""]
    lines += [f"c.{key} = {value!r}" for key, value in settings.items()]
    return "\n".join(lines) + "\n"
