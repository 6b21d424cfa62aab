"""python -m companion doctor."""

import subprocess
import sys

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
