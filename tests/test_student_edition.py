"""The student edition: no solutions, every other cell unchanged, valid, and it runs."""

from pathlib import Path

import nbformat
import pytest

from companion import classroom

BOOK = Path(__file__).resolve().parent.parent / "book"
NOTEBOOKS = sorted(BOOK.rglob("*.ipynb"))


def new_cell(kind: str, source: str, tags: tuple[str, ...] = ()):
    make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    return make(source, metadata={"tags": list(tags)} if tags else {})


def is_solution_text(cell) -> bool:
    return cell.cell_type == "markdown" and "{solution" in cell.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_student_edition_of_each_chapter(path):
    original = nbformat.read(path, as_version=4)
    student = classroom.student_notebook(original)
    nbformat.validate(student)
    assert not classroom.has_solutions(student)
    assert student.metadata == original.metadata
    assert all(
        not cell.get("outputs") and cell.get("execution_count") is None
        for cell in student.cells
        if cell.cell_type == "code"
    )
    # Every cell that neither is nor holds a solution is kept, unchanged and in order.
    untouched = [
        cell
        for cell in original.cells
        if not is_solution_text(cell) and classroom.SOLUTION_TAG not in cell.metadata.get("tags", [])
    ]
    kept_by_id = {cell.id: cell for cell in student.cells}
    assert [cell.id for cell in untouched] == [
        cell.id for cell in student.cells if cell.id in {c.id for c in untouched}
    ]
    for cell in untouched:
        assert kept_by_id[cell.id].source == cell.source
        assert kept_by_id[cell.id].metadata == cell.metadata
    # Cells that held an exercise and its solution keep the exercise.
    exercises = sum(cell.source.count("{exercise}") for cell in original.cells if cell.cell_type == "markdown")
    assert sum(cell.source.count("{exercise}") for cell in student.cells if cell.cell_type == "markdown") == exercises
    # The original is not modified.
    assert nbformat.read(path, as_version=4) == original


def test_gated_solutions_spanning_cells_are_removed_whole():
    nb = nbformat.v4.new_notebook(
        cells=[
            new_cell("markdown", "Intro."),
            new_cell(
                "markdown",
                "```{exercise} One\n:label: ex-1\n\nDo it.\n```\n\n````{solution-start} ex-1\n:class: dropdown\n````",
            ),
            new_cell("code", "answer = 42", tags=("solution",)),
            new_cell("markdown", "Why 42."),  # untagged, but inside the solution
            new_cell("code", "print(answer)"),  # untagged, inside the solution too
            new_cell("markdown", "So it is.\n\n````{solution-end}\n````\n\nAfter the solution."),
            new_cell(
                "markdown",
                "```{exercise} Two\n:label: ex-2\n```\n\n```{solution} ex-2\n:class: dropdown\n\n"
                "Text answer.\n```\n\nClosing words.",
            ),
            new_cell("code", "x = 1", tags=("remove-input",)),
        ]
    )
    nb.cells[-1].outputs = [nbformat.v4.new_output("stream", text="1\n")]
    nb.cells[-1].execution_count = 3
    student = classroom.student_notebook(nb)
    sources = [cell.source for cell in student.cells]
    assert sources == [
        "Intro.",
        "```{exercise} One\n:label: ex-1\n\nDo it.\n```",
        "After the solution.",
        "```{exercise} Two\n:label: ex-2\n```\n\nClosing words.",
        "x = 1",
    ]
    assert student.cells[-1].outputs == []
    assert student.cells[-1].execution_count is None
    assert student.cells[-1].metadata == {"tags": ["remove-input"]}
    assert classroom.count_solutions(nb) == 2


def test_an_unclosed_solution_is_an_error():
    nb = nbformat.v4.new_notebook(cells=[new_cell("markdown", "````{solution-start} ex\n````"), new_cell("code", "1")])
    with pytest.raises(ValueError, match="solution-end"):
        classroom.student_notebook(nb)


def test_not_a_notebook_is_a_type_error():
    with pytest.raises(TypeError, match="notebook must be"):
        classroom.student_notebook({"cells": []})


def test_student_chapter_executes_past_its_first_exercise(tmp_path):
    """The cheapest chapter, student edition, run top to bottom in a fresh kernel."""
    from nbclient import NotebookClient

    report = classroom.copy_course(tmp_path / "class", student=True)
    path = tmp_path / "class" / "foundations" / "medicine_and_ai.ipynb"
    assert path.relative_to(tmp_path / "class") in report.notebooks
    nb = nbformat.read(path, as_version=4)
    first_exercise = next(i for i, cell in enumerate(nb.cells) if "{exercise}" in cell.source)
    assert any(cell.cell_type == "code" for cell in nb.cells[:first_exercise])
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    executed = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in executed)
    errors = [out for cell in executed for out in cell.outputs if out.output_type == "error"]
    assert not errors
