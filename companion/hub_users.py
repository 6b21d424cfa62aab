"""The class's Unix accounts: one per student, with a password of their own and a private home.

Only root can create them. Each account gets the comment :data:`companion.hub.STUDENT_COMMENT`,
and :func:`remove_students` deletes only accounts that carry it, so that removing a class can
never delete an account that the classroom did not create. A home is readable by its owner only
(mode 0700): a student's server and kernel, which run as that student, cannot read another's.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from pathlib import Path

from companion import hub, validation


def is_root() -> bool:
    """Whether this process may create accounts and start servers as other users."""
    return os.geteuid() == 0


def run(command: list[str], *, given: str | None = None) -> None:
    """Run an account tool; a failure raises RuntimeError with the tool's own message."""
    result = subprocess.run(command, input=given, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {result.stderr.strip() or result.stdout.strip()}")


def check_usable_by_students(path: Path) -> None:
    """Raise PermissionError if other accounts cannot reach ``path`` (the servers' Python, the course's repository).

    A Python installed in root's home (pyenv's default) is out of the students' reach: every folder on
    the way must let others pass (the ``x`` bit for others).
    """
    path = Path(path).resolve()
    for folder in [*reversed(path.parents), path]:
        if not folder.stat().st_mode & 0o001:
            raise PermissionError(
                f"the students' accounts cannot reach {path}: {folder} is closed to other users. "
                "Install the course with a Python that every account can run "
                "(e.g. make install PYTHON=/usr/bin/python3)"
            )


def class_accounts() -> list[pwd.struct_passwd]:
    """The accounts that the classroom created (marked by their comment), by name."""
    return sorted((entry for entry in pwd.getpwall() if entry.pw_gecos == hub.STUDENT_COMMENT), key=lambda e: e.pw_name)


def create_students(names: list[str]) -> dict[str, str]:
    """Create (or reuse) an account for each name, give it a new password, and return ``{name: password}``.

    An existing account of the same name that the classroom did not create is refused: it may be a person's.
    """
    if not is_root():
        raise PermissionError("creating the students' accounts needs root: run make classroom as root")
    if not isinstance(names, list) or not names:
        raise ValueError(f"names must be a non-empty list of account names, got {names!r}")
    ours = {entry.pw_name for entry in class_accounts()}
    passwords = {}
    for name in names:
        name = validation.text("names", name)
        try:
            pwd.getpwnam(name)
        except KeyError:
            run(["useradd", "--create-home", "--shell", "/bin/bash", "--comment", hub.STUDENT_COMMENT, name])
        else:
            if name not in ours:
                raise ValueError(f"names: the account {name!r} exists and was not created by the classroom")
        Path(pwd.getpwnam(name).pw_dir).chmod(0o700)
        passwords[name] = hub.new_password()
        run(["chpasswd"], given=f"{name}:{passwords[name]}\n")
    return passwords


def remove_students() -> list[str]:
    """Delete every account that the classroom created, with its home and files; return their names."""
    if not is_root():
        raise PermissionError("removing the students' accounts needs root")
    removed = []
    for entry in class_accounts():
        subprocess.run(["pkill", "--signal", "KILL", "--uid", str(entry.pw_uid)], check=False)
        run(["userdel", "--remove", entry.pw_name])
        shutil.rmtree(entry.pw_dir, ignore_errors=True)
        removed.append(entry.pw_name)
    return removed
