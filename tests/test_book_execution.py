"""The book executes its chapters quietly: a tiny book run the way ``make book`` runs them.

A one-cell notebook is executed by myst-nb through jupyter-cache (``nb_execution_mode = "cache"``,
as ``execute_notebooks: cache`` in _config.yml asks), with the local extensions that _config.yml
lists. The build log must not carry ipykernel's "running over TCP without encryption" warning,
which the book's build printed once per chapter (book/_ext/encrypted_kernels.py removes its cause).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]


def local_extensions() -> dict[str, Path]:
    """The book's own Sphinx extensions, by module name, with the folder they are imported from."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return {name: ROOT / folder for name, folder in config["sphinx"]["local_extensions"].items()}


def test_executing_a_chapter_logs_no_unencrypted_kernel_warning(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# A chapter"), nbformat.v4.new_code_cell("print(6 * 7)")],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    nbformat.write(notebook, source / "chapter.ipynb")
    extensions = local_extensions()
    paths = sorted({str(folder) for folder in extensions.values()})
    (source / "conf.py").write_text(
        f"import sys\nsys.path[:0] = {paths!r}\n"
        f"extensions = ['myst_nb', *{sorted(extensions)!r}]\n"
        "root_doc = 'chapter'\n"
        "nb_execution_mode = 'cache'\n"
        f"nb_execution_cache_path = {str(tmp_path / 'cache')!r}\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", str(source), str(tmp_path / "html")],
        capture_output=True, text=True, timeout=300,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log
    assert "Executed notebook" in log, log  # the chapter really ran in a kernel
    assert "42" in (tmp_path / "html" / "chapter.html").read_text(encoding="utf-8")
    assert "without encryption" not in log, log
