"""What a learner's second pull does: nbgitpuller's own GitPuller on a branch that companion.publish writes.

No hub is needed: GitPuller is the code that runs behind a pull link. The teacher publishes an
edition, the learner pulls it and works in it, the teacher publishes a changed edition, and the
learner pulls again. nbgitpuller commits the learner's changes and merges the branch's new
commit into them with ``git merge -Xours``: where both changed the same lines, the learner's
lines win; everything else the teacher changed arrives.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import nbformat
import pytest
from nbgitpuller.errors import BranchExistError
from nbgitpuller.pull import GitPuller

from companion import publish

CELLS = [
    ("markdown", "# A chapter"),
    ("code", "threshold = 0.5"),
    ("markdown", "A paragraph between the two exercises."),
    ("code", "prevalence = 0.1"),
    ("markdown", "## Exercises\n\nWork out the positive predictive value."),
    ("code", "ppv = None  # your answer"),
]


def notebook(cells=CELLS) -> nbformat.NotebookNode:
    made = nbformat.v4.new_notebook()
    for index, (kind, source) in enumerate(cells):
        new_cell = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        made.cells.append(new_cell(source, id=f"cell-{index}"))
    return made


def write_edition(folder: Path, notebooks: dict[str, nbformat.NotebookNode]) -> Path:
    """An edition's folder with exactly these notebooks."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.ipynb"):
        old.unlink()
    for name, content in notebooks.items():
        nbformat.write(content, folder / name)
    return folder


def pull(repository: Path, home: Path) -> list[str]:
    """What a pull link does in the learner's server: clone the first time, merge afterwards."""
    return list(GitPuller(str(repository), str(home / "course"), branch="student").pull())


def sources(path: Path) -> list[str]:
    read = nbformat.read(path, as_version=4)
    nbformat.validate(read)  # a merged notebook must still open
    return [cell.source for cell in read.cells]


def edit(path: Path, index: int, source: str) -> None:
    """Change one cell, as JupyterLab saves it."""
    read = nbformat.read(path, as_version=4)
    read.cells[index].source = source
    nbformat.write(read, path)


@pytest.fixture
def classroom(tmp_path):
    """A first edition published to a bare repository and pulled into a learner's home."""
    repository, home = tmp_path / "course.git", tmp_path / "home"
    edition = write_edition(tmp_path / "edition", {"chapter.ipynb": notebook(), "other.ipynb": notebook(CELLS[:2])})
    publish.publish_branch(edition, repository, "student", "First edition")
    pull(repository, home)
    return edition, repository, home / "course"


def test_first_pull_clones_the_edition(classroom):
    _, _, course = classroom
    assert sorted(p.name for p in course.glob("*.ipynb")) == ["chapter.ipynb", "other.ipynb"]
    assert sources(course / "chapter.ipynb") == [source for _, source in CELLS]


def test_second_pull_keeps_the_learners_edits_and_brings_the_new_edition(classroom):
    edition, repository, course = classroom
    edit(course / "chapter.ipynb", 5, "ppv = 0.32  # my answer")
    (course / "my-notes.md").write_text("What I want to ask.\n")
    (course / "other.ipynb").unlink()  # deleted by mistake: the pull gives it back
    changed = notebook()
    changed.cells[2].source = "A clearer paragraph between the two exercises."
    write_edition(edition, {"chapter.ipynb": changed, "other.ipynb": notebook(CELLS[:2]), "new.ipynb": notebook()})
    publish.publish_branch(edition, repository, "student", "Second edition")

    pull(repository, course.parent)

    merged = sources(course / "chapter.ipynb")
    assert merged[5] == "ppv = 0.32  # my answer"  # the learner's edit survives
    assert merged[2] == "A clearer paragraph between the two exercises."  # the new content arrives
    assert (course / "new.ipynb").is_file()
    assert (course / "other.ipynb").is_file()
    assert (course / "my-notes.md").read_text() == "What I want to ask.\n"


def test_on_a_conflict_the_learners_lines_win(classroom):
    edition, repository, course = classroom
    edit(course / "chapter.ipynb", 1, "threshold = 0.3  # mine")
    changed = notebook()
    changed.cells[1].source = "threshold = 0.25  # the teacher's correction"
    changed.cells[4].source = "## Exercises\n\nWork out the negative predictive value too."
    write_edition(edition, {"chapter.ipynb": changed, "other.ipynb": notebook(CELLS[:2])})
    publish.publish_branch(edition, repository, "student", "A correction in the learner's cell")

    log = pull(repository, course.parent)

    merged = sources(course / "chapter.ipynb")
    assert merged[1] == "threshold = 0.3  # mine"  # -Xours: the learner's side of the conflict
    assert merged[4].endswith("negative predictive value too.")  # the rest of the teacher's change
    assert any("merge" in line and "-Xours" in line for line in log)


def test_a_learners_file_in_the_way_is_renamed_not_overwritten(classroom):
    edition, repository, course = classroom
    (course / "new.ipynb").write_text("my own notebook")
    write_edition(edition, {"chapter.ipynb": notebook(), "other.ipynb": notebook(CELLS[:2]), "new.ipynb": notebook()})
    publish.publish_branch(edition, repository, "student", "A new chapter")

    log = pull(repository, course.parent)

    renamed = [p for p in course.glob("new__*.ipynb")]
    assert [p.read_text() for p in renamed] == ["my own notebook"]
    assert sources(course / "new.ipynb") == [source for _, source in CELLS]
    assert any("to avoid conflict with upstream" in line for line in log)


def test_a_missing_branch_is_refused_before_anything_is_cloned(tmp_path):
    edition = write_edition(tmp_path / "edition", {"chapter.ipynb": notebook()})
    publish.publish_branch(edition, tmp_path / "course.git", "notebooks", "Reader's edition")
    with pytest.raises(BranchExistError):
        GitPuller(str(tmp_path / "course.git"), str(tmp_path / "home" / "course"), branch="student")
    assert not (tmp_path / "home").exists()


def test_a_branch_replaced_without_history_breaks_the_second_pull(classroom):
    """Why companion.publish commits on top of the branch: a fresh commit force-pushed has nothing to merge from."""
    edition, repository, course = classroom
    edit(course / "chapter.ipynb", 5, "ppv = 0.32  # my answer")
    replaced = write_edition(edition.parent / "replaced", {"chapter.ipynb": notebook()})
    publish.git("init", "--quiet", "--initial-branch=student", cwd=replaced)
    publish.git("add", "--all", cwd=replaced)
    publish.git("-c", "user.name=x", "-c", "user.email=x@example.org", "commit", "-qm", "Unrelated", cwd=replaced)
    publish.git("push", "--quiet", "--force", str(repository), "student", cwd=replaced)

    with pytest.raises(subprocess.CalledProcessError):
        pull(repository, course.parent)
    assert sources(course / "chapter.ipynb")[5] == "ppv = 0.32  # my answer"  # the learner's work is still there
