"""Publishing an edition as a branch: one commit on top of the branch's history, or none."""

import subprocess

import pytest

from companion import cli, publish


def log(repository, branch):
    """The branch's commits, newest first: (hash, parents, subject)."""
    out = subprocess.run(
        ["git", "-C", str(repository), "log", "--format=%H %P|%s", branch], capture_output=True, text=True, check=True
    ).stdout
    return [(line.split("|")[0].split(), line.split("|")[1]) for line in out.splitlines()]


def files(repository, branch):
    out = subprocess.run(
        ["git", "-C", str(repository), "ls-tree", "-r", "--name-only", branch],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.split()


def test_each_publication_is_a_commit_on_top_of_the_last(tmp_path):
    edition, repository = tmp_path / "edition", tmp_path / "course.git"
    (edition / "part").mkdir(parents=True)
    (edition / "part" / "a.ipynb").write_text("{}")
    (edition / "old.ipynb").write_text("{}")
    first = publish.publish_branch(edition, repository, "student", "First")
    (edition / "old.ipynb").unlink()
    (edition / "part" / "a.ipynb").write_text('{"changed": 1}')
    second = publish.publish_branch(edition, repository, "student", "Second")
    history = log(repository, "student")
    assert [subject for _, subject in history] == ["Second", "First"]
    assert history[0][0] == [second, first]  # the new commit's parent is the previous one
    assert files(repository, "student") == ["part/a.ipynb"]  # what the edition dropped is gone


def test_same_files_make_no_commit(tmp_path):
    edition, repository = tmp_path / "edition", tmp_path / "course.git"
    edition.mkdir()
    (edition / "a.ipynb").write_text("{}")
    first = publish.publish_branch(edition, repository, "notebooks", "First")
    assert publish.publish_branch(edition, repository, "notebooks", "Again") == first
    assert len(log(repository, "notebooks")) == 1


def test_branches_are_independent(tmp_path):
    edition, repository = tmp_path / "edition", tmp_path / "course.git"
    edition.mkdir()
    (edition / "a.ipynb").write_text("{}")
    publish.publish_branch(edition, repository, "notebooks", "Reader's")
    publish.publish_branch(edition, repository, "student", "Student's")
    assert [len(log(repository, branch)) for branch in ("notebooks", "student")] == [1, 1]


def test_empty_or_missing_folder_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    for folder in (tmp_path / "empty", tmp_path / "missing"):
        with pytest.raises(ValueError, match="folder must be a folder with the edition's files"):
            publish.publish_branch(folder, tmp_path / "course.git", "student", "x")
    assert not (tmp_path / "course.git").exists()


def test_unreachable_repository_is_a_clear_error(tmp_path):
    (tmp_path / "a.ipynb").write_text("{}")
    with pytest.raises(RuntimeError, match="git"):
        publish.publish_branch(tmp_path, "file:///nonexistent/course.git", "student", "x")


def test_command_publishes(tmp_path, capsys):
    edition = tmp_path / "edition"
    edition.mkdir()
    (edition / "a.ipynb").write_text("{}")
    assert cli.main(["publish", str(edition), "--repository", str(tmp_path / "c.git"), "--branch", "student"]) == 0
    assert f"student of {tmp_path / 'c.git'}" in capsys.readouterr().out
    assert cli.main(["publish", str(tmp_path / "missing"), "--repository", str(tmp_path / "c.git")]) == 1
    assert "Nothing published" in capsys.readouterr().err
