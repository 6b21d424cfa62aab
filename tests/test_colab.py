"""A reader's-edition chapter run the way Google Colab runs it: a runtime that already has
TensorFlow, Keras and the scientific stack, an empty working folder holding one notebook, and
the notebook's first cell installing the companion into that runtime.

Runs only with ``CHECK_COLAB=1``, after ``.ci/wheelhouse`` (which needs the network); this test
needs none:

    .ci/wheelhouse
    CHECK_COLAB=1 .venv/bin/python -m pytest tests/test_colab.py

- The runtime is a new virtual environment with the packages of ``tests/colab_base.txt`` (the
  newest releases that ``.ci/wheelhouse`` downloaded, as Colab has), installed from ``WHEELHOUSE``
  only. Its kernel runs the notebooks; the companion's first cell installs ``COMPANION_INSTALL``
  (the wheel of ``dist/``, or ``COMPANION_WHEEL``) with that runtime's pip.
- The chapters come from the reader's edition, ``READER_EDITION`` (default ``_build/notebooks``,
  written by ``make notebooks``): the clinical-data chapter first, then the imaging chapter, in
  the same runtime, so the second finds the companion installed.
- Installing the companion must change no package the runtime had (TensorFlow, Keras, NumPy, ...)
  and must not add ``tensorflow-cpu`` beside Colab's ``tensorflow``.
- A requirement pip cannot satisfy stops the notebook in its first cell with one readable sentence.

The time of each step is printed in the summary at the end of the run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from reader_install import companion_wheel, isolated_env, new_venv, run, wheelhouse

ROOT = Path(__file__).resolve().parents[1]
BASE_REQUIREMENTS = ROOT / "tests" / "colab_base.txt"
CHAPTERS = ["diagnosis/clinical_data", "diagnosis/imaging"]
#: What the first cell is given when the test checks its failure: no release has this version.
UNSATISFIABLE = "dl-medicine-companion==999"
KERNEL_NAME = "colab-like"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

pytestmark = pytest.mark.stage("CHECK_COLAB")






def reader_edition() -> Path:
    edition = Path(os.environ.get("READER_EDITION") or ROOT / "_build" / "notebooks").resolve()
    missing = [chapter for chapter in CHAPTERS if not (edition / f"{chapter}.ipynb").is_file()]
    if missing:
        pytest.fail(f"{edition} lacks {', '.join(missing)}: build the reader's edition first (make book notebooks)")
    return edition






def text_of(outputs: list) -> str:
    """Everything a cell shows: streams, plain-text results and error lines, without colour codes."""
    parts = []
    for output in outputs:
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type == "error":
            parts.extend(output.traceback)
        elif "text/plain" in output.get("data", {}):
            parts.append(output.data["text/plain"])
    return ANSI.sub("", "\n".join(parts))


def cell_seconds(cell) -> float:
    """How long a cell took, from the times nbclient records in its metadata."""
    from datetime import datetime

    times = cell.get("metadata", {}).get("execution", {})
    if "iopub.execute_input" not in times or "shell.execute_reply" not in times:
        return float("nan")
    start, end = (
        datetime.fromisoformat(times[key].replace("Z", "+00:00"))
        for key in ("iopub.execute_input", "shell.execute_reply")
    )
    return (end - start).total_seconds()


@dataclass
class Run:
    """One notebook executed in the Colab-like runtime."""

    notebook: object
    seconds: float
    error: Exception | None
    pip_ran: bool

    def code_cells(self) -> list:
        return [cell for cell in self.notebook.cells if cell.cell_type == "code"]


@dataclass
class Runtime:
    venv: Path
    env: dict[str, str]
    base: dict[str, str]
    runs: dict[str, Run] = field(default_factory=dict)

    def excluded_by(self, name: str, version: str) -> str:
        """Which installed packages require ``name`` at a version other than ``version``."""
        from importlib import metadata

        from packaging.requirements import Requirement
        from packaging.utils import canonicalize_name

        who = []
        for distribution in metadata.distributions(path=[str(p) for p in self.venv.glob("lib/python*/site-packages")]):
            for text in distribution.requires or []:
                requirement = Requirement(text)
                if canonicalize_name(requirement.name) != canonicalize_name(name):
                    continue
                if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
                    continue
                if not requirement.specifier.contains(version, prereleases=True):
                    who.append(f"{distribution.metadata['Name']} {distribution.version} requires {requirement}")
        return f" ({'; '.join(who)})" if who else ""

    def packages(self) -> dict[str, str]:
        listing = run(
            [str(self.venv / "bin" / "python"), "-m", "pip", "list", "--format=json"], env=self.env, cwd=self.venv
        )
        return {package["name"].lower().replace("_", "-"): package["version"] for package in json.loads(listing.stdout)}


def execute(chapter: Path, workdir: Path, kernel_dir: Path, env: dict[str, str], pip_log: Path) -> Run:
    """Run ``chapter`` copied alone into the empty ``workdir``, with the runtime's kernel."""
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    workdir.mkdir(parents=True)
    notebook_path = workdir / chapter.name
    shutil.copy2(chapter, notebook_path)
    notebook = nbformat.read(notebook_path, as_version=4)
    specs = KernelSpecManager(kernel_dirs=[str(kernel_dir)])
    manager = KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=specs)
    client = NotebookClient(
        notebook, km=manager, timeout=600, startup_timeout=120, resources={"metadata": {"path": str(workdir)}}
    )
    log_size = pip_log.stat().st_size if pip_log.exists() else 0
    start = time.perf_counter()
    error = None
    # The kernel's own messages (TensorFlow's start-up notices among them) go to a log beside the notebook.
    with open(workdir / "kernel.log", "w", encoding="utf-8") as kernel_log:
        try:
            client.execute(env=env, stderr=kernel_log)
        except Exception as caught:  # a failing cell is a result here; the tests look at it
            error = caught
        finally:  # nbclient leaves the kernel of a manager it was given running
            if client.kc is not None:
                client.kc.stop_channels()
            if manager.has_kernel:
                manager.shutdown_kernel(now=True)
    seconds = time.perf_counter() - start
    nbformat.write(notebook, notebook_path)  # executed, to look at when a test fails
    pip_ran = (pip_log.stat().st_size if pip_log.exists() else 0) != log_size
    return Run(notebook, seconds, error, pip_ran)


@pytest.fixture(scope="module")
def runtime(tmp_path_factory, tally) -> Runtime:
    """The Colab-like runtime, first given an unsatisfiable requirement, then both chapters in order."""
    wheels, wheel, edition = wheelhouse(), companion_wheel(), reader_edition()
    base = tmp_path_factory.mktemp("colab")
    assert not base.resolve().is_relative_to(ROOT)
    venv = base / "venv"
    env = isolated_env(venv, wheels)

    start = time.perf_counter()
    python = str(new_venv(venv, env))
    run([python, "-m", "pip", "install", "--quiet", "-r", str(BASE_REQUIREMENTS)], env=env, cwd=base)
    seconds = time.perf_counter() - start
    tally["seconds: colab: new venv + Colab-like runtime (tests/colab_base.txt)"] += round(seconds, 1)
    print(f"\ncolab: runtime installed in {seconds:.1f} s")
    colab = Runtime(venv, env, base={})
    colab.base = colab.packages()
    versions = ", ".join(f"{name} {colab.base.get(name)}" for name in ("tensorflow", "keras", "numpy"))
    tally[f"packages in the Colab-like runtime ({versions})"] += len(colab.base)

    kernel_dir = base / "kernels"
    (kernel_dir / KERNEL_NAME).mkdir(parents=True)
    spec = {
        "argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (Colab-like)",
        "language": "python",
    }
    (kernel_dir / KERNEL_NAME / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")

    pip_log = base / "pip.log"  # pip appends to it every time it runs in the kernels
    kernel_env = {**env, "PIP_LOG": str(pip_log)}
    # Before the companion is installed: a requirement pip cannot satisfy.
    colab.runs["unsatisfiable"] = execute(
        edition / f"{CHAPTERS[0]}.ipynb",
        base / "work-unsatisfiable",
        kernel_dir,
        {**kernel_env, "COMPANION_INSTALL": UNSATISFIABLE},
        pip_log,
    )
    tally["seconds: colab: a chapter given an unsatisfiable requirement"] += round(
        colab.runs["unsatisfiable"].seconds, 1
    )
    for chapter in CHAPTERS:
        result = execute(
            edition / f"{chapter}.ipynb",
            base / f"work-{Path(chapter).name}",
            kernel_dir,
            {**kernel_env, "COMPANION_INSTALL": str(wheel)},
            pip_log,
        )
        colab.runs[chapter] = result
        install = cell_seconds(result.notebook.cells[0])
        tally[f"seconds: colab: {chapter} (its first cell: {install:.1f})"] += round(result.seconds, 1)
        outcome = "" if result.error is None else " (failed)"
        print(f"colab: {chapter} ran in {result.seconds:.1f} s{outcome}, its first cell in {install:.1f} s")
    return colab


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_runs(runtime, chapter) -> None:
    result = runtime.runs[chapter]
    assert result.error is None, f"{chapter} failed in the Colab-like runtime:\n{result.error}"
    cells = result.code_cells()
    assert all(cell.execution_count is not None for cell in cells), "not every code cell ran"
    errors = [text_of([o]) for cell in cells for o in cell.outputs if o.output_type == "error"]
    assert not errors, errors


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_shows_no_stderr(runtime, chapter) -> None:
    """Colab shows a cell's stderr in red under it: warnings a reader would take for errors."""
    shown = [
        f"cell {index}: {output.text.strip()[:300]}"
        for index, cell in enumerate(runtime.runs[chapter].notebook.cells)
        for output in cell.get("outputs", [])
        if output.output_type == "stream" and output.name == "stderr"
    ]
    assert not shown, "\n".join(shown)


def test_first_chapter_installs_the_companion(runtime) -> None:
    result = runtime.runs[CHAPTERS[0]]
    assert result.pip_ran, "the first chapter's first cell did not run pip, yet the runtime had no companion"
    shown = text_of(result.code_cells()[0].outputs)
    assert "Installing the course package" in shown, shown


def test_second_chapter_finds_the_companion_installed(runtime) -> None:
    result = runtime.runs[CHAPTERS[1]]
    shown = text_of(result.code_cells()[0].outputs)
    assert "Installing the course package" not in shown, shown
    assert "already installed" in shown.lower(), f"the first cell does not say the companion is installed: {shown!r}"
    assert not result.pip_ran, "pip ran again although the companion was installed"


def test_unsatisfiable_requirement_stops_in_the_first_cell(runtime) -> None:
    result = runtime.runs["unsatisfiable"]
    assert result.error is not None, f"the notebook ran on with COMPANION_INSTALL={UNSATISFIABLE}"
    cells = result.notebook.cells
    assert cells[0].cell_type == "code", "the install cell is not the notebook's first cell"
    errors = [output for output in cells[0].outputs if output.output_type == "error"]
    assert len(errors) == 1, "the error was not raised in the first cell"
    lines = [line for line in text_of(errors).splitlines() if line.strip()]
    assert len(lines) == 1, "the error shows more than one sentence:\n" + "\n".join(lines)
    assert "Traceback" not in lines[0], lines[0]
    assert 'File "' not in lines[0], lines[0]
    assert UNSATISFIABLE in lines[0], f"the message does not name the requirement: {lines[0]!r}"
    later = [index for index, cell in enumerate(cells[1:], 1) if cell.get("execution_count") or cell.get("outputs")]
    assert not later, f"cells {later} ran after the failed install"


# The one change the companion is known to make, and why: dp-accounting (Google's privacy
# accountants, for the privacy chapter) declares attrs<24 in every release since 0.5, so pip
# moves a newer attrs back. Nothing else may change: TensorFlow, Keras and NumPy above all.
KNOWN_CHANGES = {"attrs": "dp-accounting"}


def test_runtime_packages_unchanged(runtime, tally) -> None:
    after = runtime.packages()
    assert "tensorflow-cpu" not in after, "installing the companion added tensorflow-cpu beside tensorflow"
    changed = {
        name: f"{version} -> {after.get(name, 'removed')}{runtime.excluded_by(name, version)}"
        for name, version in runtime.base.items()
        if after.get(name) != version
    }
    added = sorted(set(after) - set(runtime.base))
    tally["packages the companion added to the Colab-like runtime"] += len(added)
    print("\ncolab: the companion added:", ", ".join(f"{name} {after[name]}" for name in added))
    for name, cause in KNOWN_CHANGES.items():
        if name in changed:
            assert cause in changed[name], f"{name} changed for another reason than {cause}: {changed[name]}"
            print(f"colab: known change: {name} {changed.pop(name)}")
    assert not changed, f"installing the companion changed the Colab-like runtime: {changed}"


def test_runtime_consistent(runtime) -> None:
    """pip finds no installed package whose requirements are unmet."""
    run([str(runtime.venv / "bin" / "python"), "-m", "pip", "check"], env=runtime.env, cwd=runtime.venv)
