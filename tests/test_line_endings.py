"""A Windows checkout (core.autocrlf=true) gives the same bytes: data hashes hold, notebooks are identical.

The test clones this repository's committed HEAD with autocrlf switched on, as Git for Windows
does by default, and compares what lands on disk.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

from companion import data

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs git and a git checkout"
)


@pytest.fixture(scope="module")
def windows_checkout(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("autocrlf") / "course"
    subprocess.run(
        ["git", "-c", "core.autocrlf=true", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(target)],
        check=True, capture_output=True, timeout=300,
    )
    subprocess.run(["git", "-C", str(target), "config", "core.autocrlf", "true"], check=True)
    # Check the files out again under autocrlf, as a Windows clone writes them.
    for path in target.glob("*"):
        if path.name != ".git":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    subprocess.run(["git", "-C", str(target), "checkout", "--", "."], check=True, capture_output=True, timeout=300)
    return target


def test_shipped_data_match_their_hashes(windows_checkout):
    outcomes = data.verify_all(windows_checkout / "companion" / "data")
    assert outcomes
    assert all(outcome == "ok" for outcome in outcomes.values()), outcomes


def test_notebooks_and_sources_keep_lf(windows_checkout):
    committed = subprocess.run(
        ["git", "-C", str(windows_checkout), "ls-files", "*.ipynb", "*.py", "*.md", "Makefile"],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    assert any(name.endswith(".ipynb") for name in committed)
    for name in committed:
        blob = subprocess.run(
            ["git", "-C", str(windows_checkout), "show", f"HEAD:{name}"], capture_output=True, check=True
        ).stdout
        assert (windows_checkout / name).read_bytes() == blob, f"{name} changed on checkout"
