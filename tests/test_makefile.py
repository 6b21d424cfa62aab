"""`make install` uses the lock only where it applies: Linux x86-64 with the lock's Python.

Everywhere else (macOS, Linux on ARM, another Python) a pinned Linux wheel would be wrong or
missing, so the Makefile installs from the ranges of pyproject.toml, with TensorFlow through the
`tensorflow` extra. `make -n` prints the commands the Makefile would run for a given platform and
Python without running them. `make install LATEST=1` (the weekly CI job) upgrades to the newest
releases within those ranges instead. The last test reads `.ci/run`: every step a timed stage.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOCKED = "pip install -r requirements.lock"
RANGES = 'pip install -e ".[tensorflow,lab,classroom,book,dev]"'

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def install_commands(platform: str, python: str, *switches: str, always: bool = True) -> str:
    rebuild = ["-B"] if always else []
    result = subprocess.run(
        ["make", "-n", *rebuild, "install", f"PLATFORM={platform}", f"PY_VERSION={python}", *switches],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
    )
    return result.stdout


@pytest.mark.parametrize(
    ("platform", "python", "locked"),
    [
        ("Linux-x86_64", "3.11", True),
        ("Linux-x86_64", "3.10", False),
        ("Linux-x86_64", "3.12", False),
        ("Linux-x86_64", "3.13", False),
        ("Linux-aarch64", "3.11", False),
        ("Darwin-arm64", "3.11", False),
        ("Darwin-x86_64", "3.12", False),
    ],
)
def test_lock_only_on_its_platform_and_python(platform, python, locked):
    commands = install_commands(platform, python)
    assert (LOCKED in commands) == locked
    assert (RANGES in commands) != locked
    if not locked:
        assert f"{platform}, Python {python}" in commands  # says why the lock is not used


@pytest.mark.parametrize("platform", ["Linux-x86_64", "Darwin-arm64"])
def test_latest_upgrades_within_the_ranges_instead_of_the_lock(platform):
    """`make install LATEST=1` (the weekly CI job): the newest releases the ranges allow, no lock."""
    commands = install_commands(platform, "3.11", "LATEST=1")
    assert 'pip install --upgrade -e ".[tensorflow,lab,classroom,book,dev]"' in commands
    assert LOCKED not in commands
    assert "pip install --upgrade -e" not in install_commands(platform, "3.11")


def test_latest_reinstalls_an_installed_environment(tmp_path):
    """Without -B, make skips an up-to-date .venv; LATEST=1 must upgrade it all the same."""
    (tmp_path / ".installed").touch()  # newer than requirements.lock and pyproject.toml
    venv = f"VENV={tmp_path}"
    assert "pip install" not in install_commands("Linux-x86_64", "3.11", venv, always=False)
    assert "pip install --upgrade -e" in install_commands("Linux-x86_64", "3.11", venv, "LATEST=1", always=False)


def test_the_lock_names_the_python_and_platform_the_makefile_expects():
    header = (ROOT / "requirements.lock").read_text().splitlines()[:10]
    assert any("python 3.11" in line.lower() for line in header), header
    assert "tensorflow-cpu==" in (ROOT / "requirements.lock").read_text()


def test_make_lab_opens_the_learners_copy_and_starts_as_root_too(tmp_path):
    """`make lab` with a learner's copy already made: JupyterLab serves that folder, also as root."""
    import os
    import signal
    import socket
    import time
    import urllib.request

    copy = tmp_path / "my-notebooks"
    copy.mkdir()
    (copy / "chapter.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    with socket.socket() as probe:  # a free port on the loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "JUPYTER_PORT": str(port), "BROWSER": "true", "JUPYTER_TOKEN": "course"}
    lab = subprocess.Popen(
        ["make", "lab", f"LEARNER_COPY={copy}"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    try:
        deadline, listing = time.monotonic() + 90, None
        while time.monotonic() < deadline and lab.poll() is None and listing is None:
            try:
                url = f"http://127.0.0.1:{port}/api/contents?token=course"
                listing = urllib.request.urlopen(url, timeout=5).read().decode()
            except OSError:
                time.sleep(1)
        assert lab.poll() is None, lab.stdout.read()  # still running: it did not refuse (e.g. as root)
        assert listing is not None, "JupyterLab did not answer"
        assert '"chapter.ipynb"' in listing  # it serves the learner's copy
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        lab.wait(timeout=30)


def ci_lines() -> list[str]:
    """The lines of .ci/run that are not comments, with continued lines joined."""
    text = (ROOT / ".ci" / "run").read_text().replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def test_ci_times_every_stage_against_its_own_budget():
    """A failing CI run must say which stage broke and after how long: every step is a timed stage."""
    steps = [line for line in ci_lines() if re.search(r"\bmake \w|bash \.ci/", line)]
    assert [step for step in steps if not step.startswith("stage ")] == []
    stages = [re.match(r'stage "([^"]+)" (\d+) (.*)', step) for step in steps]
    targets = {target for stage in stages for target in re.findall(r"\bmake ([\w-]+)", stage[3])}
    assert {"install", "lint", "test", "book-all", "check-determinism", "check-install"} <= targets, targets
    budget = int(re.search(r"^TOTAL_BUDGET=(\d+)", "\n".join(ci_lines()), re.MULTILINE)[1])
    assert budget <= 1800  # the whole run stays under 30 minutes
    assert sum(int(stage[2]) for stage in stages) <= budget
    assert any(line.startswith("trap summary EXIT") for line in ci_lines())  # the table also after a failure


def test_readme_lists_what_ci_runs_with_its_budgets():
    """The README's CI table names every stage of .ci/run, with the budget that .ci/run gives it."""
    table = (ROOT / "README.md").read_text().split("| Stage | Budget |", 1)[1].split("\n\n", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `make ")]
    for step in ci_lines():
        stage = re.match(r'stage "([^"]+)" (\d+) .*?\bmake ([\w-]+)', step)
        if stage:
            row = [row for row in rows if f"`make {stage[3]}" in row]
            assert row, f"the README's CI table has no row for make {stage[3]} ({stage[1]})"
            assert f"{stage[2]} s" in row[0].rsplit("|", 2)[1], (stage[1], stage[2], row[0])
