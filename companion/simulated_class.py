"""The simulated class: N learners at the classroom's hub at once, each through their own server.

``python -m companion.simulated_class`` (``make check-classroom``, as root) starts the hub of
:mod:`companion.classroom_hub` on the loopback interface, with one Unix account per student, and
each simulated learner, in a thread of their own:

1. logs in through the hub's REST API with their password;
2. starts their server;
3. opens their nbgitpuller link and follows the pull to its end;
4. executes a chapter (clinical data, by default of the student edition) in a kernel of their own
   server, through the hub's proxy (:class:`companion.hub_client.Learner`).

It prints each learner's times and peak memory (the high-water marks, VmHWM, of that account's
processes summed: server and kernel), the slowest learner, every failure, and one closing line.
Times are reported, not judged; any failure makes the exit status 1. ``--dry`` stops after the
pull, to show that the hub holds a larger class (30) on a small machine. The accounts are
deleted at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import pwd
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psutil

from companion import classroom_hub, hub, hub_client, hub_users
from companion.pull_link import folder_name

#: The chapter each learner runs, inside the pulled edition.
CHAPTER = "diagnosis/clinical_data.ipynb"


@dataclass
class Outcome:
    """One learner's figures (seconds, MiB) and what went wrong, if anything."""

    name: str
    login: float = 0.0
    spawn: float = 0.0
    pull: float = 0.0
    run: float = 0.0
    cells: int = 0
    peak_mib: float = 0.0
    failure: str = ""

    @property
    def total(self) -> float:
        return self.login + self.spawn + self.pull + self.run


def memory_by_account(uids: set[int]) -> dict[int, float]:
    """For each account, the high-water marks (VmHWM) of its live processes summed, in MiB: one pass over /proc."""
    totals = dict.fromkeys(uids, 0.0)
    for process in psutil.process_iter(["uids"]):
        uid = process.info["uids"].real if process.info["uids"] else None
        if uid not in totals:
            continue
        try:
            with open(f"/proc/{process.pid}/status") as status:
                totals[uid] += next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), 0) / 1024
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return totals


class PeakSampler(threading.Thread):
    """Samples each account's memory twice a second, keeping the largest figure, until stopped."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(daemon=True)
        self.uids = {name: pwd.getpwnam(name).pw_uid for name in names}
        self.peaks = dict.fromkeys(names, 0.0)
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(0.5):
            memory = memory_by_account(set(self.uids.values()))
            for name, uid in self.uids.items():
                self.peaks[name] = max(self.peaks[name], memory[uid])


def one_learner(url: str, name: str, password: str, link: str, notebook: str | None) -> Outcome:
    """Log in, start the server, pull, and (unless ``notebook`` is None) run the notebook; time each step."""
    outcome = Outcome(name)
    learner = hub_client.Learner(url, name, password)
    steps = [("login", learner.log_in), ("spawn", learner.start_server), ("pull", lambda: learner.pull(link))]
    if notebook is not None:
        steps.append(("run", lambda: learner.run_notebook(notebook)))
    for step, action in steps:
        start = time.perf_counter()
        try:
            result = action()
        except Exception as error:  # every failure is reported in the table, not raised
            outcome.failure = f"{step}: {type(error).__name__}: {str(error)[-300:]}"
            return outcome
        finally:
            setattr(outcome, step, time.perf_counter() - start)
        if step == "run":
            outcome.cells = result["cells"]
            if result["errors"]:
                outcome.failure = f"run: {result['errors'][0][-300:]}"
    return outcome


@contextlib.contextmanager
def removed_afterwards():
    """The class's accounts are deleted at the end, with their files: the next run starts from nothing."""
    try:
        yield
    finally:
        hub_users.remove_students()


def simulate(students: int, *, dry: bool, port: int, state: Path, edition: Path, branch: str) -> tuple[list, dict]:
    """Run the class; return the outcomes and the hub's own figures (memory of the hub and the proxy)."""
    room = classroom_hub.prepare(state=state, edition=edition, students=students, port=port)
    if room.demo:
        raise PermissionError("the simulated class needs root: one Unix account per student")
    notebook = None if dry else f"{folder_name(room.repository, branch)}/{CHAPTER}"
    sampler = PeakSampler(list(room.passwords))
    with removed_afterwards(), room.hub:
        sampler.start()
        with ThreadPoolExecutor(max_workers=students) as pool:
            futures = [
                pool.submit(one_learner, room.hub.url, name, password, room.links[branch], notebook)
                for name, password in room.passwords.items()
            ]
            outcomes = [future.result() for future in futures]
        sampler.stopping.set()
        sampler.join()
        hub_mib = sum(process.memory_info().rss for process in room.hub.processes()[:1]) / 2**20
        servers = sum(1 for process in room.hub.processes() if "jupyterhub-singleuser" in " ".join(process.cmdline()))
    for outcome in outcomes:
        outcome.peak_mib = sampler.peaks[outcome.name]
    return outcomes, {"hub MiB": hub_mib, "servers running at the end": servers}


def report(outcomes: list[Outcome], figures: dict, dry: bool) -> str:
    """The table, the slowest learner, the failures and the closing line."""
    lines = [f"{'student':10} {'login s':>8} {'spawn s':>8} {'pull s':>8} {'run s':>8} {'cells':>6} {'peak MiB':>9}"]
    lines += [
        f"{o.name:10} {o.login:8.1f} {o.spawn:8.1f} {o.pull:8.1f} {o.run:8.1f} {o.cells:6d} {o.peak_mib:9.0f}"
        for o in outcomes
    ]
    slowest = max(outcomes, key=lambda o: o.total)
    spawns = sorted(o.spawn for o in outcomes)
    lines += [
        f"slowest: {slowest.name}, {slowest.total:.1f} s in all",
        f"spawn times: median {spawns[len(spawns) // 2]:.1f} s, longest {spawns[-1]:.1f} s",
        *(f"{name}: {value:.0f}" for name, value in figures.items()),
    ]
    failures = [o for o in outcomes if o.failure]
    lines += [f"FAILED {o.name}: {o.failure}" for o in failures]
    chapters = sum(1 for o in outcomes if o.cells and not o.failure and not dry)
    lines.append(
        f"students: {len(outcomes)}, chapters run: {chapters}, failures: {len(failures)}, "
        f"slowest: {slowest.total:.0f} s, peak per server: {max(o.peak_mib for o in outcomes):.0f} MiB"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m companion.simulated_class", description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=4, help="number of simulated learners (default: 4)")
    parser.add_argument("--dry", action="store_true", help="log in, start the servers and pull; run no chapter")
    parser.add_argument("--port", type=int, default=hub.DEFAULT_PORT + 100, help="the hub's port (default: 8100)")
    parser.add_argument("--branch", default="student", choices=sorted(classroom_hub.EDITIONS), help="edition to pull")
    parser.add_argument("--state", type=Path, default=Path("_build/classroom-check"), help="the hub's private folder")
    parser.add_argument("--edition", type=Path, default=Path("_build/notebooks"), help="the reader's edition")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        outcomes, figures = simulate(
            args.students, dry=args.dry, port=args.port, state=args.state, edition=args.edition, branch=args.branch
        )
    except (OSError, ValueError, RuntimeError) as error:
        print(f"The simulated class did not start: {error}", file=sys.stderr)
        return 1
    print(f"The simulated class took {time.perf_counter() - start:.0f} s")
    print(report(outcomes, figures, args.dry))
    return 1 if any(o.failure for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
