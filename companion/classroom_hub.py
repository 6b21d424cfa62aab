"""``make classroom``: the course's JupyterHub for a class on one machine, from zero to the links.

:func:`prepare` does everything that must happen before the hub starts, in this order:

1. the hub's ports are checked first, so a port in use is a clear error before anything changes;
2. the student edition and the reader's edition are published as the branches ``student`` and
   ``notebooks`` of a local bare repository (unless ``repository`` names another one to pull from);
3. as root, one Unix account per student, each with a new password (PAM checks it, and each server
   runs as its student); otherwise the single-account demonstration, with one shared password;
4. the configuration, with the hub's database, cookie secret and proxy token, goes into a private
   folder outside the repository's tracked files (``_build/classroom/``, mode 0700).

It returns a :class:`Classroom`, whose hub :mod:`companion.hub_server` starts and stops.
"""

from __future__ import annotations

import getpass
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from companion import classroom, hub, hub_server, hub_users, publish, pull_link, validation

#: The branches published for the class, and what each holds.
EDITIONS = {"student": "the student edition (no solutions)", "notebooks": "the reader's edition"}


@dataclass
class Classroom:
    """A prepared class: its hub (not started yet), the passwords to hand out, and the links to the editions."""

    hub: hub_server.Hub
    passwords: dict[str, str]
    links: dict[str, str]
    demo: bool
    repository: str
    notes: list[str] = field(default_factory=list)

    def announcement(self) -> str:
        """What the teacher reads in the terminal once the hub answers; the passwords are shown here only."""
        lines = [f"JupyterHub for the class: {self.hub.url}"]
        if self.demo:
            lines += ["", hub.DEMO_NOTICE.format(user=next(iter(self.passwords)))]
        kind = "shared demonstration password" if self.demo else "own password (shown only now)"
        lines += ["", f"Log in with the account's {kind}:"]
        lines += [f"  {name:12} {password}" for name, password in self.passwords.items()]
        lines += ["", f"Course repository: {self.repository}"]
        for branch, what in EDITIONS.items():
            lines += [f"nbgitpuller link to {what}:", f"  {self.links[branch]}"]
        lines += self.notes
        lines += ["", "Ctrl-C stops the hub, the proxy and every learner's server."]
        return "\n".join(lines)


def publish_editions(edition: Path, repository: Path) -> None:
    """Publish the reader's edition and the student edition made from it as two branches of ``repository``."""
    if not (edition.is_dir() and any(edition.rglob("*.ipynb"))):
        raise FileNotFoundError(f"no reader's edition in {edition}: make book notebooks writes it")
    publish.publish_branch(edition, repository, "notebooks", "The reader's edition of the course")
    with tempfile.TemporaryDirectory() as scratch:
        student = Path(scratch) / "student"
        classroom.copy_course(student, edition=edition, student=True)
        publish.publish_branch(student, repository, "student", "The student edition of the course")
    repository.chmod(0o755)  # the learners' servers clone it as their own accounts


def prepare(
    *,
    state: Path,
    edition: Path,
    students: int = 4,
    address: str = hub.LOOPBACK,
    port: int = hub.DEFAULT_PORT,
    repository: str | None = None,
    proxy: Path | None = None,
) -> Classroom:
    """Check the ports, publish the editions, make the accounts and write the configuration (see the module)."""
    state = validation.folder("state", state).resolve()
    edition = validation.folder("edition", edition)
    students = validation.integer("students", students, minimum=1, maximum=99)
    hub.check_ports_free(address, port)
    if hub_users.is_root():
        hub_users.check_usable_by_students(Path(sys.executable))
    binaries = Path(sys.executable).parent
    proxy = Path(proxy or shutil.which("configurable-http-proxy") or "node_modules/.bin/configurable-http-proxy")
    if not proxy.exists():
        raise FileNotFoundError(f"no configurable-http-proxy at {proxy}: make node-tools installs it")
    state.mkdir(parents=True, exist_ok=True)
    state.chmod(0o700)
    # Servers find the environment's tools (pip, git's helpers) first.
    environment = {"PATH": f"{binaries}:/usr/local/bin:/usr/bin:/bin"}
    if repository is None:
        local = (state.parent / "classroom-course.git").resolve()
        publish_editions(edition, local)
        if hub_users.is_root():
            hub_users.check_usable_by_students(local)
        # git refuses to read a repository that another account owns unless the system's or the user's
        # configuration names it safe; the servers get a system configuration that names this one only.
        trusted = local.with_suffix(".gitconfig")
        trusted.write_text(f"[safe]\n\tdirectory = {local}\n")
        trusted.chmod(0o644)
        environment["GIT_CONFIG_SYSTEM"] = str(trusted)
        repository = str(local)
    demo = not hub_users.is_root()
    if demo:
        passwords = {getpass.getuser(): hub.new_password()}
    else:
        passwords = hub_users.create_students(hub.student_names(students))
    config = hub.hub_config(
        state=state,
        address=address,
        port=port,
        students=list(passwords),
        singleuser=binaries / "jupyterhub-singleuser",
        proxy=proxy.resolve(),
        demo_password=next(iter(passwords.values())) if demo else None,
        environment=environment,
    )
    path = state / "jupyterhub_config.py"
    path.touch(mode=0o600)
    path.write_text(config)
    url = hub_server.hub_url(address, port)
    links = {branch: pull_link.pull_link(url, repository=repository, branch=branch) for branch in EDITIONS}
    notes = [] if address == hub.LOOPBACK else [f"Listening on {address}: other machines can reach it, without HTTPS."]
    return Classroom(hub_server.Hub(binaries / "jupyterhub", path, url), passwords, links, demo, repository, notes)
