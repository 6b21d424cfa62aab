"""Publish an edition of the course as a git branch, one commit on top of the branch's history.

nbgitpuller, Colab and Binder open the course from a git branch: ``notebooks``
(the reader's edition) or ``student`` (the student edition). A learner who
pulls again gets nbgitpuller's merge of the new commit into their own copy, and
a merge needs history: a branch that was replaced by an unrelated commit would
leave the second pull with nothing to merge from. So each publication is a new
commit whose parent is the branch's last commit, and the push is an ordinary,
fast-forward one.

The repository is anything ``git push`` accepts: a URL, or the path of a local
repository (created bare if it does not exist, as the classroom hub and the
tests use).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from companion import validation

#: Who the commits are by, unless the environment's GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL say otherwise.
DEFAULT_AUTHOR = ("Deep Learning in Medicine", "course@dl-in-medicine.invalid")


def git(*args: str, cwd: Path | None = None) -> str:
    """Run git; a failure raises RuntimeError with git's own message."""
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args[:2])} failed: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout.strip()


def is_local(repository: str) -> bool:
    """Whether ``repository`` names a folder on this machine rather than a URL."""
    return "://" not in repository and not repository.startswith("git@")


def publish_branch(folder: Path | str, repository: Path | str, branch: str, message: str) -> str:
    """Commit the files of ``folder`` as the new state of ``branch`` in ``repository``, and push it.

    Files that the branch had and ``folder`` lacks are removed in the new commit, so the branch
    always equals the edition. Publishing the same files again makes no commit.

    Returns
    -------
    str
        The branch's commit after publishing (the new one, or the old one when nothing changed).
    """
    folder = validation.folder("folder", folder)
    if not folder.is_dir() or not any(folder.iterdir()):
        raise ValueError(f"folder must be a folder with the edition's files, got {str(folder)!r}")
    repository = str(repository)
    branch = validation.text("branch", branch)
    message = validation.text("message", message)
    if is_local(repository) and not Path(repository).exists():
        git("init", "--quiet", "--bare", repository)
    name, email = DEFAULT_AUTHOR
    environment = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email} | dict(os.environ)
    environment |= {
        "GIT_COMMITTER_NAME": environment["GIT_AUTHOR_NAME"],
        "GIT_COMMITTER_EMAIL": environment["GIT_AUTHOR_EMAIL"],
    }
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        git("init", "--quiet", f"--initial-branch={branch}", cwd=work)
        git("remote", "add", "origin", repository, cwd=work)
        exists = (
            subprocess.run(
                ["git", "ls-remote", "--exit-code", "--heads", "origin", branch],
                cwd=work,
                capture_output=True,
                check=False,
            ).returncode
            == 0
        )
        if exists:
            # Only the last commit: the new one goes on top of it, and the push is a fast-forward.
            git("fetch", "--quiet", "--depth", "1", "origin", branch, cwd=work)
            git("checkout", "--quiet", "-B", branch, "FETCH_HEAD", cwd=work)
            git("rm", "-r", "--quiet", "--ignore-unmatch", ".", cwd=work)
        shutil.copytree(folder, work, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".git"))
        git("add", "--all", cwd=work)
        if exists and not git("status", "--porcelain", cwd=work):
            return git("rev-parse", "HEAD", cwd=work)
        result = subprocess.run(
            ["git", "commit", "--quiet", "-m", message],
            cwd=work,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"git commit failed: {result.stderr.strip() or result.stdout.strip()}")
        git("push", "--quiet", "origin", f"HEAD:refs/heads/{branch}", cwd=work)
        return git("rev-parse", "HEAD", cwd=work)
