"""Command line: ``python -m companion doctor | start | student | edition | publish | pull-link``.

``doctor`` checks that a machine can run the course and prints a readable
report; it exits with status 1 when anything is wrong, so scripts and
classroom set-up checks can rely on it.

``start DIR`` copies the reader's edition into a learner's working folder
(``--student`` for the edition without solutions); ``student DIR`` writes the
student edition, for a teacher to hand out. Both refuse a folder that is not
empty unless ``--force`` is given, and exit with status 1 when they refuse.

``edition`` writes the reader's edition from the built book (``make notebooks``).

``publish DIR --repository R --branch B`` commits an edition onto a branch, on top of its
history, so that learners' second pulls merge (:mod:`companion.publish`).

``pull-link --hub URL`` prints the nbgitpuller link that puts a published branch of the
course (``--branch student`` or ``notebooks``) into each learner's home on that hub.

``classroom`` starts the course's JupyterHub for a class on this machine (:mod:`companion.classroom_hub`)
and runs until Ctrl-C or SIGTERM, which stop the hub, the proxy and every learner's server;
``classroom --remove`` deletes the students' accounts that it created, with their files.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

import companion
from companion import DISTRIBUTION, classroom, data, publish, pull_link

TENSORFLOW_PROBE = "from companion.backend import keras, tf; print(tf.__version__, keras.__version__)"


@dataclass
class Check:
    """The outcome of one doctor check."""

    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"[{' ok ' if self.ok else 'FAIL'}] {self.name}: {self.detail}"


def check_python() -> Check:
    """Python's version against the package's ``Requires-Python``."""
    try:
        required = metadata.metadata(DISTRIBUTION)["Requires-Python"] or ""
    except metadata.PackageNotFoundError:
        return Check("companion", False, f"imported from source, but {DISTRIBUTION} is not installed: make install")
    version = ".".join(map(str, sys.version_info[:3]))
    ok = version in SpecifierSet(required)
    return Check("python", ok, f"{version} (needs {required})")


def check_requirements() -> list[Check]:
    """Each dependency of the default install: present, at a version in its range."""
    checks = []
    if companion.installed_version(DISTRIBUTION) is None:
        return checks  # check_python already reported it
    for text in metadata.requires(DISTRIBUTION) or []:
        requirement = Requirement(text)
        if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
            continue  # an optional extra, or another platform's package
        version = companion.installed_version(requirement.name)
        if version is None:
            checks.append(Check(requirement.name, False, f"not installed (needs {requirement})"))
        else:
            ok = requirement.specifier.contains(version, prereleases=True)
            checks.append(Check(requirement.name, ok, f"{version} (needs {requirement.specifier or 'any'})"))
    return checks


def check_tensorflow(timeout: float = 180) -> Check:
    """TensorFlow imports in a fresh interpreter and prints nothing on stderr."""
    start = time.perf_counter()
    try:
        result = subprocess.run(
            [sys.executable, "-c", TENSORFLOW_PROBE], capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return Check("tensorflow import", False, f"took longer than {timeout:.0f} s")
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no message"])[-1]
        hint = f"; install it with pip install '{DISTRIBUTION}[tensorflow]'" if "No module named" in last else ""
        return Check("tensorflow import", False, f"failed: {last}{hint}")
    if result.stderr.strip():
        first = result.stderr.strip().splitlines()[0]
        return Check("tensorflow import", False, f"writes to stderr, which would show on pages: {first}")
    versions = result.stdout.split()
    return Check("tensorflow import", True, f"TensorFlow {versions[0]}, Keras {versions[1]} in {seconds:.1f} s")


def check_kernel(timeout: float = 120) -> Check:
    """A Jupyter kernel starts and can import the course package."""
    try:
        from jupyter_client.manager import start_new_kernel
    except ImportError:
        return Check("jupyter kernel", False, f"Jupyter is not installed: pip install '{DISTRIBUTION}[lab]'")

    start = time.perf_counter()
    try:
        # The kernel's own start-up chatter is not what this check reports.
        manager, client = start_new_kernel(kernel_name="python3", startup_timeout=timeout, stderr=subprocess.DEVNULL)
    except Exception as error:  # any failure to start is what this check reports
        return Check("jupyter kernel", False, f"'python3' kernel did not start: {error}")
    try:
        reply = client.execute_interactive("import companion", timeout=timeout, output_hook=lambda msg: None)
        ok = reply["content"]["status"] == "ok"
        detail = "starts and imports companion" if ok else f"cannot import companion: {reply['content'].get('evalue')}"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    return Check("jupyter kernel", ok, f"{detail} ({time.perf_counter() - start:.1f} s)")


def check_data(directory: Path = data.DATA_DIR) -> list[Check]:
    """Every shipped dataset matches the SHA-256 of the manifest."""
    return [
        Check(f"data {name}", outcome == "ok", "SHA-256 matches the manifest" if outcome == "ok" else outcome)
        for name, outcome in data.verify_all(directory).items()
    ]


def doctor(data_dir: Path = data.DATA_DIR) -> list[Check]:
    """Run every check, in the order a reader would fix problems."""
    return [
        check_python(),
        *check_requirements(),
        check_tensorflow(),
        check_kernel(),
        *check_data(data_dir),
    ]


def run_doctor(args: argparse.Namespace) -> int:
    checks = doctor(args.data_dir)
    for check in checks:
        print(check.line())
    failed = [check.name for check in checks if not check.ok]
    if failed:
        print(f"\n{len(failed)} problem(s): {', '.join(failed)}. The course's README says how to install it.")
        return 1
    print(f"\nAll {len(checks)} checks passed: this machine can run the course.")
    return 0


def run_copy(args: argparse.Namespace) -> int:
    """``start`` and ``student``: copy the notebooks, print what was written."""
    student = args.command == "student" or args.student
    try:
        report = classroom.copy_course(args.folder, edition=args.source, student=student, force=args.force)
    except (FileExistsError, FileNotFoundError, ValueError) as error:
        print(f"Nothing written: {error}", file=sys.stderr)
        return 1
    edition = "student edition (solutions removed, outputs cleared)" if student else "notebooks"
    print(f"Wrote the {edition} of {len(report.notebooks)} chapter(s) to {report.target}:")
    for line in report.lines():
        print(line)
    if student:
        print(f"Removed {report.solutions_removed} solution(s); every other cell is unchanged.")
    print("The data ship with the installed companion package, so the notebooks run offline.")
    if args.command == "start":
        print(f"Next: jupyter lab {report.target}")
    return 0


def run_edition(args: argparse.Namespace) -> int:
    """``edition``: write the reader's edition from the built book."""
    from companion import edition

    if args.folder.exists() and not (args.folder.is_dir() and (args.force or not any(args.folder.iterdir()))):
        print(f"Nothing written: {args.folder} is not an empty folder; pass --force to overwrite", file=sys.stderr)
        return 1
    try:
        if args.language == "en":
            report = edition.write_edition(args.root, args.folder)
        else:
            from companion.translated_edition import translator

            report = edition.write_edition(args.root, args.folder, build=args.root / "_build" / args.language,
                                           translate=translator(args.root, args.language))
    except (FileNotFoundError, edition.EditionError) as error:
        print(f"The reader's edition was not written: {error}", file=sys.stderr)
        return 1
    print(
        f"Wrote the reader's edition of {len(report.notebooks)} chapter(s), {report.cells} cells, to {report.target} "
        f"in {report.seconds:.1f} s: {sum(report.constructs.values())} MyST constructs rendered as plain Markdown."
    )
    return 0


def run_publish(args: argparse.Namespace) -> int:
    """``publish``: commit the edition onto the branch and push it."""
    try:
        commit = publish.publish_branch(args.folder, args.repository, args.branch, args.message)
    except (ValueError, RuntimeError) as error:
        print(f"Nothing published: {error}", file=sys.stderr)
        return 1
    print(f"Published {args.folder} as commit {commit[:12]} on branch {args.branch} of {args.repository}")
    return 0


def run_pull_link(args: argparse.Namespace) -> int:
    """``pull-link``: print the link, or say what is wrong with the hub's address."""
    try:
        link = pull_link.pull_link(args.hub, repository=args.repository, branch=args.branch, interface=args.interface)
    except ValueError as error:
        print(f"No link: {error}", file=sys.stderr)
        return 1
    print(link)
    return 0


def run_classroom(args: argparse.Namespace) -> int:
    """``classroom``: prepare the class, start its hub, and stop everything on Ctrl-C or SIGTERM."""
    from companion import classroom_hub, hub, hub_users

    if args.remove:
        try:
            removed = hub_users.remove_students()
        except PermissionError as error:
            print(f"Nothing removed: {error}", file=sys.stderr)
            return 1
        print(f"Removed {len(removed)} student account(s) and their files: {', '.join(removed) or 'none'}")
        return 0
    try:
        room = classroom_hub.prepare(
            state=args.state, edition=args.edition, students=args.students, address=args.address,
            port=args.port, repository=args.repository, proxy=args.proxy,
        )
    except (hub.PortInUseError, FileNotFoundError, ValueError, RuntimeError, PermissionError) as error:
        print(f"The classroom did not start: {error}", file=sys.stderr)
        return 1

    def stop_on(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop_on)
    try:
        room.hub.start()
        print(room.announcement(), flush=True)
        while room.hub.process.poll() is None:
            time.sleep(1)
        status = room.hub.process.returncode
        print(f"The hub stopped by itself (exit {status}):\n{room.hub.log_tail()}", file=sys.stderr)
        return 1
    except RuntimeError as error:
        print(f"The classroom did not start: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Stopping the hub, the proxy and every learner's server...", flush=True)
        return 0
    finally:
        killed = room.hub.stop()
        signal.signal(signal.SIGTERM, previous)
        print(f"Stopped{f'; killed {len(killed)} process(es) that outlived the hub' if killed else ''}.", flush=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m companion", description="Deep Learning in Medicine: course tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    doctor_parser = commands.add_parser("doctor", help="check that this machine can run the course")
    doctor_parser.add_argument("--data-dir", type=Path, default=data.DATA_DIR, help="shipped data folder to verify")
    doctor_parser.set_defaults(run=run_doctor)
    helps = {
        "start": "copy the course's notebooks into a working folder for a learner",
        "student": "write the student edition: the notebooks without solutions or outputs",
    }
    for name, text in helps.items():
        copy_parser = commands.add_parser(name, help=text, description=text)
        copy_parser.add_argument("folder", type=Path, help="folder to write to (created if missing; must be empty)")
        copy_parser.add_argument("--force", action="store_true", help="write into a non-empty folder, overwriting")
        copy_parser.add_argument(
            "--from",
            dest="source",
            type=Path,
            default=None,
            help="the reader's edition to copy (default: _build/notebooks of this checkout, made by make notebooks)",
        )
        if name == "start":
            copy_parser.add_argument("--student", action="store_true", help="copy the student edition")
        else:
            copy_parser.set_defaults(student=True)
        copy_parser.set_defaults(run=run_copy)
    edition_parser = commands.add_parser(
        "edition", help="write the reader's edition (plain Jupyter Markdown, numbers from the built book)"
    )
    edition_parser.add_argument("folder", type=Path, help="folder to write to (created if missing; must be empty)")
    edition_parser.add_argument("--force", action="store_true", help="write into a non-empty folder, overwriting")
    edition_parser.add_argument("--root", type=Path, default=Path("."), help="the course's folder (default: here)")
    edition_parser.add_argument(
        "--language", default="en", help="a translation in locales/, e.g. zh_CN, after its build (default: en)"
    )
    edition_parser.set_defaults(run=run_edition)
    publish_parser = commands.add_parser(
        "publish", help="commit an edition onto a git branch, on top of its history, and push it"
    )
    publish_parser.add_argument("folder", type=Path, help="the edition's folder (e.g. _build/notebooks)")
    publish_parser.add_argument("--repository", required=True, help="git URL, or path of a local repository")
    publish_parser.add_argument("--branch", default="student", help="branch to publish to (default: student)")
    publish_parser.add_argument("--message", default="Publish the course's notebooks", help="commit message")
    publish_parser.set_defaults(run=run_publish)
    link_parser = commands.add_parser(
        "pull-link", help="print the nbgitpuller link that puts the course into each learner's home on a JupyterHub"
    )
    link_parser.add_argument("--hub", required=True, help="the hub's address, e.g. https://hub.example.edu")
    link_parser.add_argument(
        "--branch",
        default="student",
        help=f"published branch: {'; '.join(f'{b}, {w}' for b, w in pull_link.BRANCHES.items())}",
    )
    link_parser.add_argument(
        "--repository", default=pull_link.COURSE_REPOSITORY, help="repository to pull from (any git URL or path)"
    )
    link_parser.add_argument(
        "--interface", choices=["lab", "tree"], default="lab", help="open JupyterLab (default) or the classic tree"
    )
    link_parser.set_defaults(run=run_pull_link)
    add_classroom_parser(commands)
    return parser


def add_classroom_parser(commands: argparse._SubParsersAction) -> None:
    from companion import hub

    text = "start a JupyterHub for a class on this machine (one account per student when run as root)"
    parser = commands.add_parser("classroom", help=text, description=text)
    parser.add_argument("--students", type=int, default=4, help="number of student accounts, as root (default: 4)")
    parser.add_argument(
        "--address", default=hub.LOOPBACK, help="address to listen on (default: 127.0.0.1, this machine only)"
    )
    parser.add_argument(
        "--port", type=int, default=hub.DEFAULT_PORT, help="the learners' port; the hub uses the next two as well"
    )
    parser.add_argument(
        "--repository", default=None, help="git repository to pull from (default: publish the editions locally)"
    )
    parser.add_argument("--edition", type=Path, default=Path("_build/notebooks"), help="the reader's edition")
    parser.add_argument("--state", type=Path, default=Path("_build/classroom"), help="the hub's private folder")
    parser.add_argument("--proxy", type=Path, default=None, help="configurable-http-proxy (default: node_modules)")
    parser.add_argument("--remove", action="store_true", help="delete the student accounts it created, and exit")
    parser.set_defaults(run=run_classroom)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)
