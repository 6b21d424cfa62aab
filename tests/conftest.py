"""Shared test set-up: the built site and its pages, Hypothesis's cache folder, and tallies.

- ``site`` (fixture) is the folder of the built HTML book: ``$BUILT_SITE`` if set,
  else the repository's ``_build/html`` (what CI builds).
- A test that takes a ``toc_page`` argument runs once per page of ``_toc.yml``
  (``"book/diagnosis/clinical_data"``, ...), so checks of the built site grow
  with the book without a list to maintain.
- A test marked ``@pytest.mark.stage("CHECK_X")`` belongs to a later CI stage (the built site,
  the editions, the wheel, the browser): it needs what that stage makes. It is collected only
  when ``CHECK_X=1``, as that stage's make target sets it, and is otherwise *deselected*, not
  skipped: ``make test`` has nothing to judge there, and a skip would hide a real one.
- In a pytest-xdist worker, ``OMP_NUM_THREADS`` is that worker's share of the cores.
- ``tally`` (fixture) counts what the checks looked at (pages, images, bad
  inputs); the totals are printed at the end of the run, also across
  pytest-xdist workers.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis.configuration import set_hypothesis_home_dir

from companion import book_toc
from companion.threads import threads_per_worker

ROOT = Path(__file__).resolve().parents[1]

# Each pytest-xdist worker runs chapters (nbval) beside the others: it gets its share of the cores,
# as each chapter of the book build does (book/_ext/parallel_execution.py). Both executions then
# use the same threads and glue the same numbers (tests/test_determinism.py).
if os.environ.get("PYTEST_XDIST_WORKER_COUNT"):
    os.environ["OMP_NUM_THREADS"] = str(threads_per_worker(int(os.environ["PYTEST_XDIST_WORKER_COUNT"])))

# Hypothesis keeps caches in ./.hypothesis by default; keep them out of the working tree.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "companion-hypothesis")


@pytest.fixture
def tiny_edition(tmp_path) -> Path:
    """A reader's edition of two chapters, each with a solution cell, and an image beside one."""
    import nbformat

    edition = tmp_path / "edition"
    for name, title in [("foundations/first.ipynb", "First"), ("diagnosis/second.ipynb", "Second")]:
        notebook = nbformat.v4.new_notebook(
            cells=[
                nbformat.v4.new_markdown_cell(f"# {title}\n\n### Exercise 1.1: Add\n\n1 + 1?"),
                nbformat.v4.new_markdown_cell(
                    "<details>\n<summary><b>Solution</b></summary>\n\nTwo.\n\n</details>",
                    metadata={"tags": ["solution"]},
                ),
                nbformat.v4.new_code_cell("x = 1 + 1"),
            ]
        )
        (edition / name).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, edition / name)
    (edition / "diagnosis" / "figure.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return edition


def built_site() -> Path:
    """The built HTML book: ``$BUILT_SITE``, or ``_build/html`` of the repository."""
    return Path(os.environ.get("BUILT_SITE") or ROOT / "_build" / "html").resolve()


def toc_pages() -> list[str]:
    """Every page of ``_toc.yml`` (root, chapters and their sections), in reading order."""
    return book_toc.pages(ROOT)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "toc_page" in metafunc.fixturenames:
        metafunc.parametrize("toc_page", toc_pages(), ids=lambda page: page.removeprefix("book/"))


@pytest.fixture(scope="session")
def site() -> Path:
    return built_site()


@pytest.fixture(scope="session")
def all_toc_pages() -> list[str]:
    return toc_pages()


# ---------------------------------------------------------------------------
# Tallies printed in the terminal summary

_TALLY = pytest.StashKey[Counter]()
_WORKER_KEY = "course_tally"


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_TALLY] = Counter()
    config.addinivalue_line(
        "markers", "stage(variable): runs only when the environment variable is 1, in the CI stage that sets it"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the tests of later stages whose variable is not set (see the module docstring)."""
    later = []
    for item in items:
        mark = item.get_closest_marker("stage")
        if mark and os.environ.get(mark.args[0]) != "1":
            later.append(item)
    if later:
        config.hook.pytest_deselected(items=later)
        items[:] = [item for item in items if item not in later]


@pytest.fixture(scope="session")
def tally(pytestconfig: pytest.Config) -> Counter:
    """A Counter the checks add to: ``tally["pages checked in the browser"] += 1``."""
    return pytestconfig.stash[_TALLY]


@pytest.fixture(scope="session")
def bad_input_counter(tally: Counter):
    """What the bad-input sweep appends one parameter name to per rejected call."""

    class Appender:
        def append(self, parameter: str) -> None:
            tally["bad-input cases rejected with ValueError/TypeError naming the parameter"] += 1

    return Appender()


def pytest_sessionfinish(session: pytest.Session) -> None:
    worker_output = getattr(session.config, "workeroutput", None)
    if worker_output is not None:  # an xdist worker: hand the counts to the controller
        worker_output[_WORKER_KEY] = dict(session.config.stash[_TALLY])


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """xdist controller: add up the workers' counts."""
    node.config.stash[_TALLY].update(getattr(node, "workeroutput", {}).get(_WORKER_KEY, {}))


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    for what, count in sorted(config.stash[_TALLY].items()):
        terminalreporter.write_line(f"{what}: {count}")


# The determinism check (tests/test_determinism.py) compares the numbers every chapter glues in
# this run (nbval) with those of the book build. With COMPANION_GLUE_RECORD=folder (.ci/run sets
# it for make test), each chapter that glues a value leaves folder/<docname>.json, {key: text/plain},
# read from its cells' outputs as myst-nb reads them. pytest_runtest_protocol is the one per-test
# hook that reaches the notebooks' cells from here (the others only see the tests in tests/).
@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    result = yield
    folder, outputs = os.environ.get("COMPANION_GLUE_RECORD"), getattr(item, "test_outputs", None)
    if folder and outputs:  # nbval keeps a cell's outputs in test_outputs
        from myst_nb.ext.glue import extract_glue_data_cell
        from nbformat import NotebookNode

        cell = NotebookNode(outputs=[NotebookNode(output) for output in outputs])
        glued = {key: output["data"].get("text/plain") for key, output in extract_glue_data_cell(cell)}
        record = (Path(folder) / item.path.relative_to(ROOT)).with_suffix(".json")
        if glued:
            record.parent.mkdir(parents=True, exist_ok=True)
            values = json.loads(record.read_text()) if record.exists() else {}
            record.write_text(json.dumps({**values, **glued}, indent=1, sort_keys=True))
    return result
