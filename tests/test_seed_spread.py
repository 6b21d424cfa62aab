"""The seed study's parsing of glued numbers and its spread table (benchmarks/seed_spread.py)."""

import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from seed_spread import GLUE_MIME, glued_numbers, spread_table  # noqa: E402


def glued(name, text):
    return nbformat.v4.new_output(
        "display_data", data={GLUE_MIME: text}, metadata={"scrapbook": {"name": name, "mime_prefix": ""}}
    )


def test_glued_numbers_reads_numbers_and_skips_words():
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [
        glued("auc", "'0.83'"),
        glued("share", "77 %"),
        glued("count", "1,024"),
        glued("negative", "−0.5"),
        glued("label", "'seed 0'"),
        nbformat.v4.new_output("stream", name="stdout", text="0.99"),
    ]
    notebook = nbformat.v4.new_notebook(cells=[cell])
    assert glued_numbers(notebook) == {"auc": 0.83, "share": 77.0, "count": 1024.0, "negative": -0.5}


def test_spread_table_reports_failures_and_only_numbers_that_move():
    runs = [
        {"chapter": "imaging", "seed": 0, "error": None, "numbers": {"auc": 0.9, "n": 500}},
        {"chapter": "imaging", "seed": 1, "error": "AssertionError: AUC 0.7", "numbers": {"auc": 0.7, "n": 500}},
        {"chapter": "imaging", "seed": 2, "error": None, "numbers": {"auc": 0.8, "n": 500}},
    ]
    table = spread_table(runs)
    assert "imaging: 2 of 3 runs passed" in table
    assert "seed 1: AssertionError: AUC 0.7" in table
    assert "| auc | 3 | 0.7 | 0.8 | 0.9 |" in table
    assert "| n |" not in table


@pytest.mark.parametrize("stem", ["imaging", "faq"])
def test_the_study_walks_the_same_chapters_as_the_timing_benchmark(stem):
    from chapter_times import chapters

    assert stem in [path.stem for path in chapters()]
