"""The pre-commit configuration works offline: it strips a notebook's outputs and runs ruff.

The test makes a throw-away git repository with the project's ``.pre-commit-config.yaml``,
commits nothing, and runs ``pre-commit run --all-files`` there as a contributor's commit would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "PRE_COMMIT_HOME": str(cwd / ".cache")}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    shutil.copy(ROOT / ".pre-commit-config.yaml", tmp_path)
    shutil.copy(ROOT / "pyproject.toml", tmp_path)  # ruff reads its settings from here
    run(["git", "init", "--quiet"], tmp_path)
    return tmp_path


def test_hook_strips_outputs_and_keeps_cell_ids(repo: Path):
    chapter = nbformat.read(ROOT / "book" / "faq.ipynb", as_version=4)
    code = next(cell for cell in chapter.cells if cell.cell_type == "code")
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="42\n")]
    code.execution_count = 7
    target = repo / "book" / "faq.ipynb"
    target.parent.mkdir()
    nbformat.write(chapter, target)
    run(["git", "add", "."], repo)

    result = run([str(BIN / "pre-commit"), "run", "nbstripout", "--all-files"], repo)

    assert result.returncode == 1, result.stdout + result.stderr  # pre-commit reports "files were modified"
    stripped = json.loads(target.read_text(encoding="utf-8"))
    committed = json.loads((ROOT / "book" / "faq.ipynb").read_text(encoding="utf-8"))
    assert all(not cell.get("outputs") and cell.get("execution_count") is None
               for cell in stripped["cells"] if cell["cell_type"] == "code")
    assert [cell["id"] for cell in stripped["cells"]] == [cell["id"] for cell in committed["cells"]]
    assert stripped == committed  # the committed notebook is what the hook leaves


def test_hook_runs_ruff(repo: Path):
    (repo / "bad.py").write_text("import os\n", encoding="utf-8")  # unused import: ruff's F401
    run(["git", "add", "."], repo)

    result = run([str(BIN / "pre-commit"), "run", "ruff", "--all-files"], repo)

    assert result.returncode == 1
    assert "F401" in result.stdout
