"""The course's notebooks for a class: a learner's working copy and the student edition.

Both are made from the reader's edition (``make notebooks``, or a clone of its
published branch): plain Jupyter Markdown with the numbers of the teacher's
build, in which every solution is one cell tagged ``solution``.

:func:`student_notebook` removes those cells and clears outputs and execution
counts; every other cell is kept unchanged, metadata and id included.

:func:`copy_course` writes the edition's notebooks, and the images they show,
into a folder, optionally as the student edition. It refuses a folder that is
not empty unless ``force`` is true, so a learner's work is never overwritten
by accident. The data need no copying: they ship with the installed package.

Examples
--------
>>> import nbformat
>>> nb = nbformat.v4.new_notebook(cells=[
...     nbformat.v4.new_markdown_cell("### Exercise 1: Add\\n\\n1 + 1?"),
...     nbformat.v4.new_markdown_cell("<details><summary>Solution</summary>Two.</details>",
...                                   metadata={"tags": ["solution"]}),
... ])
>>> [cell.source.splitlines()[0] for cell in student_notebook(nb).cells]
['### Exercise 1: Add']
"""

from __future__ import annotations

import copy
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

#: Cell tag that marks a solution cell (as in the book's chapters).
SOLUTION_TAG = "solution"

#: Files next to the notebooks that a notebook may show or read, copied along with them.
ASSET_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".csv", ".json"}

#: Folders never copied: build output and editor state.
SKIPPED_FOLDERS = {"_build", ".ipynb_checkpoints", "__pycache__", ".jupyter_cache"}


def is_solution(cell: nbformat.NotebookNode) -> bool:
    """Whether ``cell`` is tagged as a solution."""
    return SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


def student_notebook(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``notebook`` without solutions and without outputs.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        A notebook of the reader's edition, in nbformat 4.

    Returns
    -------
    nbformat.NotebookNode
        A new notebook: the cells tagged ``solution`` removed, outputs and
        execution counts cleared, every other cell and the notebook's metadata
        unchanged.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[
    ...     nbformat.v4.new_markdown_cell("Question."),
    ...     nbformat.v4.new_code_cell("answer = 2", metadata={"tags": ["solution"]}),
    ...     nbformat.v4.new_code_cell("x = 1")])
    >>> [cell.source for cell in student_notebook(nb).cells]
    ['Question.', 'x = 1']
    """
    if not isinstance(notebook, nbformat.NotebookNode) or "cells" not in notebook:
        raise TypeError(f"notebook must be an nbformat NotebookNode, got {type(notebook).__name__}")
    result = copy.deepcopy(notebook)
    result.cells = [cell for cell in result.cells if not is_solution(cell)]
    for cell in result.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return result


def count_solutions(notebook: nbformat.NotebookNode) -> int:
    """Number of solution cells in ``notebook``.

    Examples
    --------
    >>> import nbformat
    >>> count_solutions(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]))
    0
    """
    return sum(is_solution(cell) for cell in notebook.cells)


def default_edition_dir() -> Path:
    """The reader's edition built in the checkout the package is installed from (``_build/notebooks``).

    Raises
    ------
    FileNotFoundError
        When there is none: not built yet, or the package was installed from a wheel.
    """
    edition = Path(__file__).resolve().parent.parent / "_build" / "notebooks"
    if not edition.is_dir():
        raise FileNotFoundError(
            f"no reader's edition at {edition}: build it with `make book notebooks`, or pass --from with its "
            "folder (for example a clone of the course's `notebooks` branch)"
        )
    return edition


def course_files(edition: Path) -> list[Path]:
    """The notebooks and assets of the folder ``edition``, relative to it, sorted."""
    edition = Path(edition)
    if not edition.is_dir():
        raise ValueError(f"edition must be a folder with the course's notebooks, got {str(edition)!r}")
    files = []
    for path in sorted(edition.rglob("*")):
        relative = path.relative_to(edition)
        if any(part in SKIPPED_FOLDERS for part in relative.parts) or not path.is_file():
            continue
        if path.suffix == ".ipynb" or path.suffix.lower() in ASSET_SUFFIXES:
            files.append(relative)
    return files


@dataclass
class CopyReport:
    """What :func:`copy_course` wrote."""

    target: Path
    notebooks: list[Path] = field(default_factory=list)
    assets: list[Path] = field(default_factory=list)
    solutions_removed: int = 0

    def lines(self) -> Iterable[str]:
        for path in self.notebooks:
            yield f"  {path}"
        if self.assets:
            yield f"  and {len(self.assets)} image or data file(s) the notebooks show"


def _is_empty_folder(folder: Path) -> bool:
    return not folder.exists() or (folder.is_dir() and not any(folder.iterdir()))


def copy_course(
    target: Path | str, *, edition: Path | str | None = None, student: bool = False, force: bool = False
) -> CopyReport:
    """Copy the reader's edition into ``target``, as the student edition if asked.

    Parameters
    ----------
    target : path
        Folder to write to; created if missing. It must be empty unless ``force`` is true.
    edition : path, optional
        The reader's edition; by default the one built in this checkout (:func:`default_edition_dir`).
    student : bool, default False
        Write the student edition (:func:`student_notebook`) instead of the notebooks as they are.
    force : bool, default False
        Write into a folder that is not empty, overwriting files of the same names (other files stay).

    Returns
    -------
    CopyReport
        The notebooks and assets written, and the number of cells that lost their solution.

    Raises
    ------
    FileExistsError
        If ``target`` is not empty and ``force`` is false, or is a file.
    FileNotFoundError
        If no ``edition`` is given and this checkout has none built.
    """
    target = Path(target)
    edition = default_edition_dir() if edition is None else Path(edition)
    if target.exists() and not target.is_dir():
        raise FileExistsError(f"target must be a folder, but {target} is a file")
    if not force and not _is_empty_folder(target):
        raise FileExistsError(f"{target} is not empty; choose an empty folder or pass --force to overwrite")
    if target.resolve() == edition.resolve() or edition.resolve() in target.resolve().parents:
        raise ValueError(f"target must be outside the edition folder {edition}, got {target}")
    report = CopyReport(target=target)
    for relative in course_files(edition):
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        if relative.suffix != ".ipynb":
            shutil.copyfile(edition / relative, destination)
            report.assets.append(relative)
            continue
        notebook = nbformat.read(edition / relative, as_version=4)
        if student:
            report.solutions_removed += count_solutions(notebook)
            notebook = student_notebook(notebook)
        else:
            for cell in notebook.cells:
                if cell.cell_type == "code":
                    cell.outputs, cell.execution_count = [], None
        nbformat.validate(notebook)
        nbformat.write(notebook, destination)
        report.notebooks.append(relative)
    return report
