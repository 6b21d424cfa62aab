"""The course's notebooks for a class: a learner's working copy and the student edition.

:func:`student_notebook` removes the solutions from one notebook: the cells
tagged ``solution``, the ``{solution}`` directives and everything between a
``{solution-start}`` and its ``{solution-end}`` (sphinx-exercise's gated
solutions, which span cells). Outputs and execution counts are cleared; every
other cell is kept unchanged, metadata and id included.

:func:`copy_course` writes the book's notebooks, and the images they show,
into a folder, optionally as the student edition. It refuses a folder that is
not empty unless ``force`` is true, so a learner's work is never overwritten
by accident. The data need no copying: they ship with the installed package.

Examples
--------
>>> import nbformat
>>> nb = nbformat.v4.new_notebook(cells=[
...     nbformat.v4.new_markdown_cell("```{exercise} Add\\n:label: ex\\n\\n1 + 1?\\n```"),
...     nbformat.v4.new_markdown_cell("````{solution-start} ex\\n````"),
...     nbformat.v4.new_code_cell("1 + 1", metadata={"tags": ["solution"]}),
...     nbformat.v4.new_markdown_cell("Two.\\n\\n````{solution-end}\\n````"),
... ])
>>> [cell.source.splitlines()[0] for cell in student_notebook(nb).cells]
['```{exercise} Add']
"""

from __future__ import annotations

import copy
import re
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

# An opening fence of a MyST directive: three or more backticks or colons, then {name}.
_OPENING = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}")


def _closes(line: str, fence: str) -> bool:
    """Whether ``line`` closes a directive opened with ``fence``."""
    stripped = line.strip()
    return len(stripped) >= len(fence) and set(stripped) == {fence[0]}


def _strip_solutions(source: str, inside: bool) -> tuple[str, bool]:
    """Remove solution text from one markdown cell.

    ``inside`` says whether the cell starts between a ``solution-start`` and its
    ``solution-end``; the second value returned says whether it ends there.
    """
    kept: list[str] = []
    lines = source.split("\n")
    i = 0
    while i < len(lines):
        match = _OPENING.match(lines[i].lstrip())
        name = match["name"] if match else None
        if inside:
            if name == "solution-end":
                inside = False
                i = _skip_block(lines, i, match["fence"])
            else:
                i += 1
            continue
        if name in {"solution", "solution-start"}:
            i = _skip_block(lines, i, match["fence"])
            inside = name == "solution-start"
            continue
        kept.append(lines[i])
        i += 1
    text = "\n".join(kept)
    if text != source:
        text = re.sub(r"\n{3,}", "\n\n", text).strip("\n")
    return text, inside


def _skip_block(lines: list[str], start: int, fence: str) -> int:
    """Index of the line after the directive block that opens at ``start``."""
    for end in range(start + 1, len(lines)):
        if _closes(lines[end], fence):
            return end + 1
    return len(lines)


def student_notebook(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``notebook`` without solutions and without outputs.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        A notebook in nbformat 4.

    Returns
    -------
    nbformat.NotebookNode
        A new notebook: solution cells and solution text removed, outputs and
        execution counts cleared, cells emptied by the removal dropped, every
        other cell and the notebook's metadata unchanged.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[
    ...     nbformat.v4.new_markdown_cell("Question.\\n\\n```{solution} ex\\nAnswer.\\n```"),
    ...     nbformat.v4.new_code_cell("x = 1")])
    >>> [cell.source for cell in student_notebook(nb).cells]
    ['Question.', 'x = 1']
    """
    if not isinstance(notebook, nbformat.NotebookNode) or "cells" not in notebook:
        raise TypeError(f"notebook must be an nbformat NotebookNode, got {type(notebook).__name__}")
    result = copy.deepcopy(notebook)
    cells = []
    inside = False
    for cell in result.cells:
        if SOLUTION_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        if cell.cell_type == "markdown":
            text, inside_after = _strip_solutions(cell.source, inside)
            if text != cell.source:
                if not text.strip():
                    inside = inside_after
                    continue
                cell.source = text
            inside = inside_after
        elif inside:
            continue  # an untagged cell of a gated solution
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cells.append(cell)
    if inside:
        raise ValueError("notebook has a {solution-start} without its {solution-end}")
    result.cells = cells
    return result


def has_solutions(notebook: nbformat.NotebookNode) -> bool:
    """Whether any cell of ``notebook`` is or contains a solution.

    Examples
    --------
    >>> import nbformat
    >>> has_solutions(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]))
    False
    """
    for cell in notebook.cells:
        if SOLUTION_TAG in cell.get("metadata", {}).get("tags", []):
            return True
        if cell.cell_type == "markdown" and re.search(r"\{solution(-start|-end)?\}", cell.source):
            return True
    return False


def count_solutions(notebook: nbformat.NotebookNode) -> int:
    """Number of solutions in ``notebook``: ``{solution}`` and ``{solution-start}`` directives.

    Examples
    --------
    >>> import nbformat
    >>> count_solutions(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("```{solution} a\\nB\\n```")]))
    1
    """
    pattern = re.compile(r"^(`{3,}|:{3,})\{solution(-start)?\}", re.MULTILINE)
    return sum(len(pattern.findall(cell.source)) for cell in notebook.cells if cell.cell_type == "markdown")


def default_book_dir() -> Path:
    """The ``book`` folder of the checkout the package is installed from.

    Raises
    ------
    FileNotFoundError
        When the package was installed without the book (for example from a wheel).
    """
    book = Path(__file__).resolve().parent.parent / "book"
    if not book.is_dir():
        raise FileNotFoundError(
            f"no book folder next to the companion package (looked for {book}); "
            "pass --book with the path of the course's book folder"
        )
    return book


def course_files(book: Path) -> list[Path]:
    """The notebooks and assets of ``book``, relative to it, sorted.

    Examples
    --------
    >>> course_files(default_book_dir())[0].suffix in {".ipynb"} | ASSET_SUFFIXES
    True
    """
    book = Path(book)
    if not book.is_dir():
        raise ValueError(f"book must be a folder with the course's notebooks, got {str(book)!r}")
    files = []
    for path in sorted(book.rglob("*")):
        relative = path.relative_to(book)
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
    target: Path | str, *, book: Path | str | None = None, student: bool = False, force: bool = False
) -> CopyReport:
    """Copy the course's notebooks into ``target``, as the student edition if asked.

    Parameters
    ----------
    target : path
        Folder to write to; created if missing. It must be empty unless ``force`` is true.
    book : path, optional
        The course's ``book`` folder; by default the one of this checkout.
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
    """
    target = Path(target)
    book = default_book_dir() if book is None else Path(book)
    if target.exists() and not target.is_dir():
        raise FileExistsError(f"target must be a folder, but {target} is a file")
    if not force and not _is_empty_folder(target):
        raise FileExistsError(f"{target} is not empty; choose an empty folder or pass --force to overwrite")
    if target.resolve() == book.resolve() or book.resolve() in target.resolve().parents:
        raise ValueError(f"target must be outside the book folder {book}, got {target}")
    report = CopyReport(target=target)
    for relative in course_files(book):
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        if relative.suffix != ".ipynb":
            shutil.copyfile(book / relative, destination)
            report.assets.append(relative)
            continue
        notebook = nbformat.read(book / relative, as_version=4)
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
