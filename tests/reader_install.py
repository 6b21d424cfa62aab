"""What the install checks share (tests/test_wheel_install.py, tests/test_colab.py).

The wheel that ``.ci/wheelhouse`` built into ``dist/``, the folder of wheels it downloaded, and
a new virtual environment whose pip sees only that folder: the machine's pip configuration
(extra indexes, find-links, constraints) is ignored, so an install resolves as it would for a
reader, and needs no network.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def wheelhouse() -> Path:
    """``$WHEELHOUSE``, by default ``~/.cache/dl-medicine/wheelhouse``, filled by ``.ci/wheelhouse``."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = Path(os.environ.get("WHEELHOUSE") or cache / "dl-medicine" / "wheelhouse")
    if not any(folder.glob("*.whl")):
        pytest.fail(f"no wheels in {folder}: run .ci/wheelhouse first (it needs the network)")
    return folder


def companion_wheel() -> Path:
    """``$COMPANION_WHEEL``, or the one ``dl_medicine_companion-*.whl`` in ``dist/``."""
    if os.environ.get("COMPANION_WHEEL"):
        return Path(os.environ["COMPANION_WHEEL"]).resolve()
    wheels = sorted((ROOT / "dist").glob("dl_medicine_companion-*.whl"))
    if len(wheels) != 1:
        pytest.fail(f"expected one dl_medicine_companion-*.whl in dist/, found {len(wheels)}: run .ci/wheelhouse")
    return wheels[0]


def isolated_env(venv: Path, wheels: Path) -> dict[str, str]:
    """The environment of a reader's shell with ``venv`` active; pip sees only ``wheels``."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("PIP_")}
    for name in ("PYTHONPATH", "PYTHONHOME", "JUPYTER_PATH"):
        env.pop(name, None)
    path = [entry for entry in env.get("PATH", "").split(os.pathsep) if entry and not entry.startswith(str(ROOT))]
    env.update(
        PATH=os.pathsep.join([str(venv / "bin"), *path]),
        VIRTUAL_ENV=str(venv),
        PIP_CONFIG_FILE=os.devnull,
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(wheels),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    return env


def run(command: list[str], *, env: dict[str, str], cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run ``command``; fail the test with its output if it fails."""
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(map(str, command))} failed:\n{result.stdout}\n{result.stderr}"
    return result


def new_venv(venv: Path, env: dict[str, str]) -> Path:
    """A new virtual environment with a current pip from the wheelhouse; returns its python."""
    run([sys.executable, "-m", "venv", str(venv)], env=env, cwd=venv.parent)
    python = str(venv / "bin" / "python")
    run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], env=env, cwd=venv.parent)
    return Path(python)
