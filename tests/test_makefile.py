"""`make install` uses the lock only where it applies: Linux x86-64 with the lock's Python.

Everywhere else (macOS, Linux on ARM, another Python) a pinned Linux wheel would be wrong or
missing, so the Makefile installs from the ranges of pyproject.toml, with TensorFlow through the
`tensorflow` extra. `make -n` prints the commands the Makefile would run for a given platform and
Python without running them.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOCKED = "pip install -r requirements.lock"
RANGES = 'pip install -e ".[tensorflow,lab,book,dev]"'

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def install_commands(platform: str, python: str) -> str:
    result = subprocess.run(
        ["make", "-n", "-B", "install", f"PLATFORM={platform}", f"PY_VERSION={python}"],
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


def test_the_lock_names_the_python_and_platform_the_makefile_expects():
    header = (ROOT / "requirements.lock").read_text().splitlines()[:10]
    assert any("python 3.11" in line.lower() for line in header), header
    assert "tensorflow-cpu==" in (ROOT / "requirements.lock").read_text()
