"""Same notebook, same numbers: two independent executions of every chapter glue identical values.

CI executes every chapter twice already: nbval runs it in ``make test``, and the book build
runs it again from scratch (``make book-all``), each in a fresh kernel with its own empty data
cache (``.ci/run`` gives each run its own ``COMPANION_DATA_DIR``, so cached simulations are made
twice too). Every number a chapter's prose quotes is glued (``myst_nb.glue``), so comparing the
glued values of the two runs checks exactly what readers read, and executes nothing again:

- nbval's run leaves them in ``$COMPANION_GLUE_RECORD`` (``tests/conftest.py``; ``.ci/run`` sets
  ``reports/glue-nbval``);
- the book build keeps them in its execution cache (:func:`companion.built_book.read_build`).

Only measured run times and memory (keys ending in ``seconds``, ``minutes``, ``_time``, ...) may
differ, and every value of a chapter that measures the machine itself (``MEASURES_THE_MACHINE``:
the compute chapter's timings and energy); such a chapter must still glue the same keys.
The check runs with ``CHECK_DETERMINISM=1`` (``make check-determinism``) after both runs:

    COMPANION_GLUE_RECORD=reports/glue-nbval make test && make book-all && make check-determinism
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from companion.book_toc import notebooks
from companion.built_book import read_build

ROOT = Path(__file__).resolve().parents[1]
RECORD = Path(os.environ.get("COMPANION_GLUE_RECORD") or ROOT / "reports" / "glue-nbval")
#: Glue keys of measured run times and memory ("cli_chapter_seconds"): the machine's load, not the model, sets them.
MEASURED_ON_THE_MACHINE = re.compile(r"(seconds|minutes|_time|duration|elapsed|_mib|_memory)$")
#: Chapters whose numbers are measurements of the machine that runs them (milliseconds per
#: prediction, throughput, energy, and what the text concludes from them): same keys, values free.
MEASURES_THE_MACHINE = {"book/challenges/compute"}

pytestmark = pytest.mark.stage("CHECK_DETERMINISM")  # after make test and make book-all: make check-determinism


@pytest.fixture(scope="module")
def built_glue() -> dict[str, dict[str, str]]:
    """``{docname: {key: text/plain}}`` of the book build's execution."""
    return read_build(ROOT).glue


def recorded_glue(docname: str) -> dict[str, str]:
    """``{key: text/plain}`` that nbval's run recorded for ``docname``; empty if it glued nothing."""
    record = RECORD / f"{docname}.json"
    return json.loads(record.read_text()) if record.exists() else {}


def without_timings(values: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in values.items() if not MEASURED_ON_THE_MACHINE.search(key)}


def test_both_runs_left_their_numbers():
    assert any(RECORD.rglob("*.json")), (
        f"nbval's run recorded no glued value in {RECORD}: run the tests with COMPANION_GLUE_RECORD={RECORD}"
    )
    assert (ROOT / "_build" / ".doctrees" / "environment.pickle").exists(), "no built book: run make book-all"


@pytest.mark.parametrize("docname", notebooks(ROOT))
def test_chapter_glues_the_same_values_in_both_runs(docname, built_glue, tally):
    built, recorded = without_timings(built_glue.get(docname, {})), without_timings(recorded_glue(docname))
    assert built.keys() == recorded.keys(), (
        f"{docname}: glued keys differ (only in the book build: {sorted(built.keys() - recorded.keys())}, "
        f"only in nbval's run: {sorted(recorded.keys() - built.keys())})"
    )
    if docname in MEASURES_THE_MACHINE:
        return
    differing = {key: (recorded[key], built[key]) for key in built if built[key] != recorded[key]}
    tally["glued values compared across two executions"] += len(built)
    assert not differing, (
        f"{docname}: {len(differing)} of {len(built)} glued values differ (nbval's run, book build): {differing}"
    )
