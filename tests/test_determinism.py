"""Same notebook, same numbers: a chapter executed twice glues identical values.

Every number a chapter's prose quotes is glued (``myst_nb.glue``), so comparing
the glued values of two complete, independent executions checks exactly what
readers read; only measured run times (keys ending in ``seconds``,
``minutes``, ``_time``, ...) may differ. Each run gets a fresh kernel and an empty data cache
(``COMPANION_DATA_DIR``), so cached simulations are regenerated too.

Executing a chapter takes up to a minute, twice, so the test runs only when
asked: ``CHECK_DETERMINISM=1`` (``make check-determinism``, called by
``.ci/run``). By default it runs the clinical-data and the imaging chapters
(those that exist); ``DETERMINISM_CHAPTERS="book/tools book/faq"`` picks
others, ``DETERMINISM_CHAPTERS=all`` every notebook of the book.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CHAPTERS = ["book/diagnosis/clinical_data", "book/diagnosis/imaging"]
#: Glue keys of measured run times and memory ("cli_chapter_seconds"): the machine's load, not the model, sets them.
MEASURED_ON_THE_MACHINE = re.compile(r"(seconds|minutes|_time|duration|elapsed|_mib|_memory)$")

pytestmark = pytest.mark.stage("CHECK_DETERMINISM")  # executes chapters twice: make check-determinism


def chapters() -> list[Path]:
    """The notebooks to execute twice: the default ones, or those named in $DETERMINISM_CHAPTERS."""
    chosen = os.environ.get("DETERMINISM_CHAPTERS", "").split()
    if chosen == ["all"]:  # tests/test_book.py checks that every notebook is in _toc.yml
        chosen = sorted(str(path.relative_to(ROOT).with_suffix("")) for path in (ROOT / "book").rglob("*.ipynb"))
    names = chosen or DEFAULT_CHAPTERS
    return [ROOT / f"{name}.ipynb" for name in names if (ROOT / f"{name}.ipynb").exists()]


def execute(path: Path, data_dir: Path) -> nbformat.NotebookNode:
    """Run ``path`` top to bottom in a fresh kernel, in its own folder, as the book build does."""
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=600, resources={"metadata": {"path": str(path.parent)}})
    previous = os.environ.get("COMPANION_DATA_DIR")
    os.environ["COMPANION_DATA_DIR"] = str(data_dir)  # the kernel inherits this process's environment
    try:
        client.execute()
    finally:
        if previous is None:
            os.environ.pop("COMPANION_DATA_DIR", None)
        else:
            os.environ["COMPANION_DATA_DIR"] = previous
    return notebook


def glued_values(notebook: nbformat.NotebookNode) -> dict[str, dict]:
    """``{key: mime bundle}`` of every value the notebook glues."""
    values = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                values[name] = dict(output.get("data", {}))
    return values


def test_there_is_a_chapter_to_check():
    assert chapters(), f"none of {os.environ.get('DETERMINISM_CHAPTERS') or DEFAULT_CHAPTERS} exists"


@pytest.mark.parametrize("path", chapters(), ids=lambda path: path.stem)
def test_chapter_glues_the_same_values_twice(path, tmp_path, tally):
    first = glued_values(execute(path, tmp_path / "first"))
    second = glued_values(execute(path, tmp_path / "second"))
    timings = sorted(key for key in first if MEASURED_ON_THE_MACHINE.search(key))
    first = {key: value for key, value in first.items() if key not in timings}
    second = {key: value for key, value in second.items() if key not in timings}
    assert first, f"{path.name} glues no value: nothing to compare"
    assert first.keys() == second.keys(), f"glued keys differ: {sorted(first.keys() ^ second.keys())}"
    differing = {
        key: {mime: (first[key].get(mime), second[key].get(mime)) for mime in first[key] if mime != "image/png"}
        for key in first
        if first[key] != second[key]
    }
    tally["glued values compared across two executions"] += len(first)
    assert not differing, (
        f"{path.name}: {len(differing)} of {len(first)} glued values changed between runs: {differing}"
    )
