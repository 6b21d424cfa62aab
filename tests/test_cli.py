"""python -m companion doctor | start | student."""

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from companion import cli, data


def test_doctor_is_green_on_this_installation():
    result = subprocess.run([sys.executable, "-m", "companion", "doctor"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[FAIL]" not in result.stdout
    for check in ["python", "numpy", "tensorflow import", "jupyter kernel", "data pima_diabetes"]:
        assert f"[ ok ] {check}:" in result.stdout
    assert "checks passed" in result.stdout


@pytest.fixture
def fast_doctor(monkeypatch):
    """Doctor without its two slow checks, which the test above runs for real."""
    monkeypatch.setattr(cli, "check_tensorflow", lambda: cli.Check("tensorflow import", True, "skipped"))
    monkeypatch.setattr(cli, "check_kernel", lambda: cli.Check("jupyter kernel", True, "skipped"))


def test_doctor_fails_on_tampered_data(tmp_path, capsys, fast_doctor):
    for other in data.available():  # a copy of every shipped file, then one of them tampered with
        shutil.copyfile(data.DATA_DIR / data.info(other)["file"], tmp_path / data.info(other)["file"])
    name = data.available()[0]
    (tmp_path / data.info(name)["file"]).write_text("not the shipped data\n")
    assert cli.main(["doctor", "--data-dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"[FAIL] data {name}:" in out
    assert "1 problem(s)" in out


def test_doctor_fails_on_a_dependency_out_of_range(monkeypatch, capsys, fast_doctor):
    monkeypatch.setattr(cli.companion, "installed_version", lambda name: "0.0.1")
    assert cli.main(["doctor"]) == 1
    assert "[FAIL] numpy: 0.0.1 (needs >=1.26)" in capsys.readouterr().out


def test_unknown_command_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["docter"])
    assert stop.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


# python -m companion start | student (from a reader's edition)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "companion", *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("command", ["start", "student"])
def test_copy_commands_write_every_chapter_and_say_so(command, tmp_path, tiny_edition):
    target = tmp_path / "course"
    result = run_cli(command, str(target), "--from", str(tiny_edition))
    assert result.returncode == 0, result.stderr
    written = sorted(path.relative_to(target) for path in target.rglob("*.ipynb"))
    assert written == [Path("diagnosis/second.ipynb"), Path("foundations/first.ipynb")]
    for path in written:
        assert str(path) in result.stdout
    assert (target / "diagnosis" / "figure.png").exists()
    assert ("2 solution(s)" in result.stdout) == (command == "student")
    solutions = [cell for path in written for cell in nbformat.read(target / path, as_version=4).cells
                 if "solution" in cell.metadata.get("tags", [])]
    assert len(solutions) == (0 if command == "student" else 2)


@pytest.mark.parametrize("command", ["start", "student"])
def test_copy_commands_refuse_a_non_empty_folder(command, tmp_path, capsys, tiny_edition):
    (tmp_path / "my_notes.txt").write_text("a learner's work\n")
    assert cli.main([command, str(tmp_path), "--from", str(tiny_edition)]) == 1
    captured = capsys.readouterr()
    assert "Nothing written" in captured.err
    assert "--force" in captured.err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["edition", "my_notes.txt"]


def test_force_overwrites_notebooks_and_keeps_other_files(tmp_path, capsys, tiny_edition):
    course = tmp_path / "course"
    assert cli.main(["start", str(course), "--from", str(tiny_edition)]) == 0
    notebook = course / "foundations" / "first.ipynb"
    notebook.write_text("edited by the learner")
    (course / "my_notes.txt").write_text("a learner's work\n")
    assert cli.main(["start", str(course), "--from", str(tiny_edition)]) == 1
    assert notebook.read_text() == "edited by the learner"
    assert cli.main(["start", "--force", str(course), "--from", str(tiny_edition)]) == 0
    assert notebook.read_text() != "edited by the learner"
    assert (course / "my_notes.txt").exists()
    assert "jupyter lab" in capsys.readouterr().out


def test_start_student_flag_and_student_command_write_the_same(tmp_path, tiny_edition):
    assert cli.main(["start", "--student", str(tmp_path / "a"), "--from", str(tiny_edition)]) == 0
    assert cli.main(["student", str(tmp_path / "b"), "--from", str(tiny_edition)]) == 0
    for path in (tmp_path / "a").rglob("*.ipynb"):
        assert path.read_text() == (tmp_path / "b" / path.relative_to(tmp_path / "a")).read_text()


def test_a_file_a_missing_edition_or_the_edition_itself_is_refused(tmp_path, capsys, tiny_edition):
    (tmp_path / "file").write_text("x")
    assert cli.main(["student", str(tmp_path / "file"), "--force", "--from", str(tiny_edition)]) == 1
    assert cli.main(["student", str(tmp_path / "inside"), "--from", str(tmp_path / "missing")]) == 1
    assert cli.main(["student", str(tiny_edition / "copy"), "--from", str(tiny_edition)]) == 1
    assert capsys.readouterr().err.count("Nothing written") == 3


def test_without_a_built_edition_the_message_says_how_to_make_one(tmp_path, capsys, monkeypatch):
    # As if installed from a checkout that has not built the reader's edition.
    monkeypatch.setattr(cli.classroom, "__file__", str(tmp_path / "companion" / "classroom.py"))
    assert cli.main(["start", str(tmp_path / "course")]) == 1
    err = capsys.readouterr().err
    for words in ["Nothing written", "make book notebooks", "--from"]:
        assert words in err
    assert not (tmp_path / "course").exists()


# python -m companion edition


def test_edition_names_the_construct_it_does_not_know(tmp_path, capsys, monkeypatch):
    """A chapter with a MyST construct the converter does not know: nothing written, the construct named."""
    import companion.edition as edition

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title\n\nA {sup}`2` here.")])

    def write_edition(root, target):  # the real conversion of one chapter, without a built book
        return edition.convert_notebook(notebook, "book/part/chapter", edition.BuildFacts(site="https://example.org/"))

    monkeypatch.setattr(edition, "write_edition", write_edition)
    assert cli.main(["edition", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "book/part/chapter.ipynb, cell 0: unknown MyST role {sup}" in err
    assert not (tmp_path / "out").exists()


def test_edition_without_a_built_book_says_what_to_run(tmp_path, capsys):
    (tmp_path / "_config.yml").write_text("html:\n  baseurl: https://example.org/\n")
    assert cli.main(["edition", str(tmp_path / "out"), "--root", str(tmp_path)]) == 1
    assert "run make book first" in capsys.readouterr().err


def test_edition_refuses_a_folder_with_other_work(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine\n")
    assert cli.main(["edition", str(tmp_path)]) == 1
    assert "--force" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "mine\n"
