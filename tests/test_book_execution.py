"""The book executes its chapters quietly, and side by side: tiny books run the way ``make book`` runs them.

Small notebooks are executed by myst-nb through jupyter-cache (``nb_execution_mode = "cache"``,
as ``execute_notebooks: cache`` in _config.yml asks), with the local extensions that _config.yml
lists. The build log must not carry ipykernel's "running over TCP without encryption" warning,
which the book's build printed once per chapter (book/_ext/encrypted_kernels.py removes its cause).
With ``chapter_execution_workers`` above 1 (book/_ext/parallel_execution.py) the chapters are
executed before Sphinx reads them, each in its own folder, and myst-nb only reads them from the
cache; a chapter that fails there is executed again by myst-nb, which reports its error. Each
chapter's kernel peak memory is measured there, and shown in the status page's execution table.
"""

from __future__ import annotations

import os
import re
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


def build(tmp_path: Path, chapters: dict[str, str], settings: str = "", pages: dict[str, str] | None = None,
          env: dict[str, str] | None = None) -> tuple[int, str]:
    """Build a book of one-cell chapters (``{path: code}``) and Markdown ``pages`` with the book's extensions,
    in this process's environment updated with ``env``.

    Returns the exit code and the log.
    """
    source = tmp_path / "src"
    for path, text in (pages or {}).items():
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        (source / path).write_text(text, encoding="utf-8")
    for index, (path, code) in enumerate(chapters.items()):
        notebook = nbformat.v4.new_notebook(
            cells=[nbformat.v4.new_markdown_cell(f"# Chapter {index}"), nbformat.v4.new_code_cell(code)],
            metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        )
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, source / path)
    extensions = local_extensions()
    paths = sorted({str(folder) for folder in extensions.values()})
    first = Path(next(iter(chapters))).with_suffix("").as_posix()
    (source / "conf.py").write_text(
        f"import sys\nsys.path[:0] = {paths!r}\n"
        f"extensions = ['myst_nb', *{sorted(extensions)!r}]\n"
        f"root_doc = {first!r}\n"
        "nb_execution_mode = 'cache'\n"
        f"nb_execution_cache_path = {str(tmp_path / 'cache')!r}\n" + settings
    )
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", str(source), str(tmp_path / "html")],
        capture_output=True, text=True, timeout=300, env=os.environ | (env or {}),
    )
    return result.returncode, result.stdout + result.stderr


def test_executing_a_chapter_logs_no_unencrypted_kernel_warning(tmp_path):
    code, log = build(tmp_path, {"chapter.ipynb": "print(6 * 7)"})
    assert code == 0, log
    assert "Executed notebook" in log, log  # the chapter really ran in a kernel
    assert "42" in (tmp_path / "html" / "chapter.html").read_text(encoding="utf-8")
    assert "without encryption" not in log, log


def test_chapters_run_side_by_side_in_their_own_folders_and_sphinx_reads_them_from_the_cache(tmp_path):
    chapters = {
        # The code differs: jupyter-cache matches notebooks by their code, and would share one result.
        f"{folder}/{name}.ipynb": "import os\n"
        f"print('ran in', os.path.basename(os.getcwd()), 'with', os.environ['OMP_NUM_THREADS'], 'threads')  # {name}"
        for folder, name in (("a", "one"), ("b", "two"))
    }
    # A budget of 4 CPUs, shared by the two chapters side by side: 2 threads each.
    code, log = build(tmp_path, chapters, "chapter_execution_workers = 2\n", env={"OMP_NUM_THREADS": "4"})
    assert code == 0, log
    assert "executing 2 chapter(s), 2 at a time, 2 thread(s) each" in log, log
    assert "Executed notebook" not in log, "myst-nb executed a chapter again instead of reading the cache"
    assert log.count("Using cached notebook") == 2, log
    for folder, name in (("a", "one"), ("b", "two")):
        page = (tmp_path / "html" / folder / f"{name}.html").read_text(encoding="utf-8")
        assert f"ran in {folder} with 2 threads" in page
    assert "without encryption" not in log, log


def test_a_chapter_that_fails_side_by_side_is_executed_again_and_its_error_reported(tmp_path):
    chapters = {"good.ipynb": "print('fine')", "bad.ipynb": "raise ValueError('the error the reader must see')"}
    code, log = build(tmp_path, chapters, "chapter_execution_workers = 2\n")
    assert "left to myst-nb, which reports their errors" in log, log
    assert "Executing notebook failed: CellExecutionError" in log, log
    assert "the error the reader must see" in log, log
    assert log.count("Using cached notebook") == 1, log  # the good chapter is not executed twice


def execution_table(html: str) -> dict[str, list[str]]:
    """The status page's execution table: the header row under "", each chapter's row under its name."""
    rows = {}
    for row in re.findall(r"<tr.*?</tr>", html, flags=re.S):
        cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd].*?</t[hd]>", row, flags=re.S)]
        rows["" if cells[0] == "Document" else cells[0]] = cells
    return rows


def test_the_status_page_shows_each_chapters_peak_memory_measured_side_by_side(tmp_path):
    chapters = {
        # 400 MiB written, so resident; the other chapter allocates nothing.
        "large.ipynb": "block = b'x' * (400 * 2**20); print(len(block))",
        "small.ipynb": "print('small')",
        "failing.ipynb": "raise ValueError('executed again by myst-nb')",
    }
    pages = {"status.md": "# Status\n\n```{nb-exec-table}\n```\n"}
    settings = "chapter_execution_workers = 2\nnb_execution_allow_errors = False\n"
    build(tmp_path, chapters, settings, pages)
    table = execution_table((tmp_path / "html" / "status.html").read_text(encoding="utf-8"))
    assert table[""][-2:] == ["Status", "Peak memory (MiB)"], table
    large, small = float(table["large"][-1]), float(table["small"][-1])
    assert large >= 400, table  # the block is in the large chapter's kernel
    # and not in the small one's (whose peak is at least the build process's own, see parallel_execution.py)
    assert 20 < small < large - 250, table
    assert table["failing"][-1] == "\N{EN DASH}", table  # executed by myst-nb, not measured
    peaks = (tmp_path / "cache" / "peak_memory_mib.json").read_text(encoding="utf-8")

    # Nothing changed: only the failing chapter is executed again; the cached ones keep their peaks.
    _, log = build(tmp_path, chapters, settings, pages)
    assert "executing 1 chapter(s)" in log, log
    rebuilt = execution_table((tmp_path / "html" / "status.html").read_text(encoding="utf-8"))
    assert {name: rebuilt[name][-1] for name in table} == {name: row[-1] for name, row in table.items()}
    assert (tmp_path / "cache" / "peak_memory_mib.json").read_text(encoding="utf-8") == peaks
