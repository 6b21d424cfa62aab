"""While pytest executes the chapters (nbval), keep what each one glues, for the determinism check.

With ``COMPANION_GLUE_RECORD=folder`` set (``.ci/run`` sets it for ``make test``), every chapter
that glues a value leaves ``folder/<docname>.json``: ``{key: text/plain}`` of its glued values, read
from the cells' outputs as myst-nb reads them in the book build. ``tests/test_determinism.py``
then compares them with the book build's own execution: two independent runs, one number each.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    folder, outputs = os.environ.get("COMPANION_GLUE_RECORD"), getattr(item, "test_outputs", None)
    if not folder or not outputs:  # not asked, or not a notebook cell (nbval keeps a cell's outputs there)
        return
    from myst_nb.ext.glue import extract_glue_data_cell
    from nbformat import NotebookNode

    glued = {key: output["data"].get("text/plain") for key, output in
             extract_glue_data_cell(NotebookNode(outputs=[NotebookNode(output) for output in outputs]))}
    if not glued:
        return
    record = (Path(folder) / item.path.relative_to(ROOT)).with_suffix(".json")
    record.parent.mkdir(parents=True, exist_ok=True)
    values = json.loads(record.read_text()) if record.exists() else {}
    record.write_text(json.dumps({**values, **glued}, indent=1, sort_keys=True))
