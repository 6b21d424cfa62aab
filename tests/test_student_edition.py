"""The student edition: the reader's edition without its solution cells, every other cell unchanged.

Unit tests use a small edition written here; the checks of the real edition (every chapter, and
one chapter run top to bottom in a fresh kernel) need `make book notebooks` and run with
CHECK_READER_EDITION=1, as `make check-edition` does.
"""

import os
from pathlib import Path

import nbformat
import pytest

from companion import classroom

ROOT = Path(__file__).resolve().parents[1]
EDITION = Path(os.environ.get("READER_EDITION", ROOT / "_build" / "notebooks"))
needs_edition = pytest.mark.stage("CHECK_READER_EDITION")


def solution(kind: str, source: str):
    make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    return make(source, metadata={"tags": [classroom.SOLUTION_TAG]})


def test_solution_cells_go_and_every_other_cell_stays():
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("### Exercise 1.1: One\n\nDo it."),
            solution("markdown", "<details>\n<summary><b>Solution</b></summary>\n\n42\n\n</details>"),
            nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["remove-input"]}),
            solution("code", "answer = 42"),
            nbformat.v4.new_markdown_cell("After."),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="1\n")]
    nb.cells[2].execution_count = 3
    original = nbformat.from_dict(nb)
    student = classroom.student_notebook(nb)
    nbformat.validate(student)
    assert [cell.id for cell in student.cells] == [nb.cells[i].id for i in (0, 2, 4)]
    assert [cell.source for cell in student.cells] == ["### Exercise 1.1: One\n\nDo it.", "x = 1", "After."]
    assert student.cells[1].metadata == {"tags": ["remove-input"]}
    assert student.cells[1].outputs == []
    assert student.cells[1].execution_count is None
    assert student.metadata == nb.metadata
    assert classroom.count_solutions(nb) == 2
    assert classroom.count_solutions(student) == 0
    assert nb == original  # the input is not modified


def test_not_a_notebook_is_a_type_error():
    with pytest.raises(TypeError, match="notebook must be"):
        classroom.student_notebook({"cells": []})


@needs_edition
@pytest.mark.parametrize("path", sorted(EDITION.rglob("*.ipynb")), ids=lambda path: path.stem)
def test_student_edition_of_each_chapter(path):
    original = nbformat.read(path, as_version=4)
    student = classroom.student_notebook(original)
    nbformat.validate(student)
    assert classroom.count_solutions(original) >= 3  # every chapter has at least three exercises
    assert classroom.count_solutions(student) == 0
    assert not any("<details>" in cell.source for cell in student.cells)
    kept = [cell for cell in original.cells if not classroom.is_solution(cell)]
    assert [cell.source for cell in student.cells] == [cell.source for cell in kept]
    assert sum("Exercise" in cell.source for cell in student.cells) == sum("Exercise" in cell.source for cell in kept)


@needs_edition
def test_student_chapter_runs_top_to_bottom(tmp_path):
    """The cheapest chapter, student edition, in a fresh kernel: the first cell finds the companion installed."""
    from nbclient import NotebookClient

    report = classroom.copy_course(tmp_path / "class", edition=EDITION, student=True)
    path = tmp_path / "class" / "foundations" / "medicine_and_ai.ipynb"
    assert path.relative_to(tmp_path / "class") in report.notebooks
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    executed = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in executed)
    assert not [out for cell in executed for out in cell.outputs if out.output_type == "error"]
    first = "".join(out.get("text", "") for out in executed[0].outputs)
    assert "Installing" not in first
    assert "installed" in first
