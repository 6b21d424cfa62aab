"""Four learners on two cores: TensorFlow's default thread pools against the pools sized to a CPU quota.

Each learner runs the clinical-data chapter cold, in its own interpreter and
kernel, pinned to CPUs 0 and 1 (``taskset -c 0,1``) and, as in a hub that
gives each learner half a CPU, in its own control group with a CPU quota of
0.5 (``50000 100000``). All four start together; the run ends when the last
one finishes. The same class runs twice:

- **default**: the pools TensorFlow and OpenBLAS pick by themselves, one thread
  per visible core (two here), set through ``OMP_NUM_THREADS`` to that count
  so that ``companion.setup()`` does not resize them;
- **sized**: ``companion.setup()`` reads the quota from the learner's control
  group and sizes every pool to it (one thread).

Two cores make TensorFlow's default only twice the quota. ``--host-cores 64``
adds a run with the pools a 64-core host would give each learner by default
(set through ``OMP_NUM_THREADS=64``): the case of a hub on a large server.
With ``--repeats 2`` the runs go default, sized, sized, default, so that a
load that drifts during the benchmark weighs on both alike.

The control groups are real (cgroup v2 with the ``cpu`` controller, or the v1
``cpu`` hierarchy), which needs root. Without them, the runs go without a
quota and the sized run is told its figure through ``OMP_NUM_THREADS``; the
table says so. Run it on a machine with nothing else busy: other jobs take
the same cores and inflate both runs.

Usage::

    sudo .venv/bin/python benchmarks/learner_threads.py               # one default run, one sized run
    sudo .venv/bin/python benchmarks/learner_threads.py --repeats 2   # default, sized, sized, default
    sudo .venv/bin/python benchmarks/learner_threads.py --host-cores 64  # and a 64-core host's defaults

Prints a Markdown table and the ratio of total wall times (default / sized).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "book" / "diagnosis" / "clinical_data.ipynb"
LEARNERS = 4
CPUS = "0,1"
QUOTA_US, PERIOD_US = 50_000, 100_000  # half a CPU
CGROUP = Path("/sys/fs/cgroup")


def run_learner(path: Path) -> dict:
    """Execute one notebook in a fresh kernel; its seconds and the line ``setup()`` printed about threads."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(notebook, timeout=1200, resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    printed = "".join(
        output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", []) if "text" in output
    )
    threads = next((line for line in printed.splitlines() if line.startswith("threads: ")), "not printed")
    return {"seconds": seconds, "threads": threads}


class QuotaGroup:
    """A control group with a quota of half a CPU, cgroup v2 or v1 (:meth:`make`: ``None`` if neither is writable)."""

    def __init__(self, folder: Path, version: int):
        self.folder, self.version = folder, version

    @classmethod
    def make(cls, name: str) -> QuotaGroup | None:
        v2 = CGROUP / "cgroup.controllers"
        try:
            if v2.exists() and "cpu" in v2.read_text().split():
                control = CGROUP / "cgroup.subtree_control"
                if "cpu" not in control.read_text().split():
                    control.write_text("+cpu")
                group = cls(CGROUP / name, 2)
                group.folder.mkdir(exist_ok=True)
                (group.folder / "cpu.max").write_text(f"{QUOTA_US} {PERIOD_US}")
                return group
            if (CGROUP / "cpu" / "cpu.cfs_quota_us").exists():
                group = cls(CGROUP / "cpu" / name, 1)
                group.folder.mkdir(exist_ok=True)
                (group.folder / "cpu.cfs_period_us").write_text(str(PERIOD_US))
                (group.folder / "cpu.cfs_quota_us").write_text(str(QUOTA_US))
                return group
        except OSError:
            return None
        return None

    def join(self) -> None:
        """Move the calling process into the group (run in the learner's process, before it starts Python)."""
        (self.folder / "cgroup.procs").write_text(str(os.getpid()))

    def throttled_seconds(self) -> float:
        """How long the kernel held the group's processes back for exceeding the quota."""
        stat = dict(line.split() for line in (self.folder / "cpu.stat").read_text().splitlines())
        return int(stat["throttled_usec"]) / 1e6 if self.version == 2 else int(stat["throttled_time"]) / 1e9

    def remove(self) -> None:
        self.folder.rmdir()


def run_class(pools: str, groups: list[QuotaGroup | None], host_cores: int = len(CPUS.split(","))) -> dict:
    """Start the learners together, wait for all; wall time, each learner's time, CPU seconds, throttling."""
    environment = {k: v for k, v in os.environ.items() if not k.endswith(("_NUM_THREADS", "OP_THREADS"))}
    if pools == "default":
        environment["OMP_NUM_THREADS"] = str(host_cores)  # what the libraries pick from the host's cores
    elif groups[0] is None:
        environment["OMP_NUM_THREADS"] = "1"  # no quota to read: the figure the sizing picks for half a CPU
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    throttled_before = sum(group.throttled_seconds() for group in groups if group)
    logs = [tempfile.TemporaryFile(mode="w+") for _ in groups]  # files, not pipes: a full pipe would stall a learner
    start = time.perf_counter()
    learners = [
        subprocess.Popen(
            ["taskset", "-c", CPUS, sys.executable, __file__, "--learner", str(CHAPTER)],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=group.join if group else None,  # in the quota before Python, hence TensorFlow, starts
        )
        for group, log in zip(groups, logs, strict=True)
    ]
    for learner in learners:
        learner.wait()
    wall = time.perf_counter() - start
    results = []
    for learner, log in zip(learners, logs, strict=True):
        log.seek(0)
        printed = log.read()
        log.close()
        if learner.returncode != 0:
            raise RuntimeError(f"a learner failed:\n{printed[-2000:]}")
        results.append(json.loads(printed.strip().splitlines()[-1]))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    throttled = sum(group.throttled_seconds() for group in groups if group) - throttled_before
    seconds = [result["seconds"] for result in results]
    return {
        "pools": pools if host_cores == len(CPUS.split(",")) else f"default of a {host_cores}-core host",
        "wall": wall,
        "slowest": max(seconds),
        "mean": sum(seconds) / len(seconds),
        "cpu": cpu,
        "throttled": throttled if any(groups) else float("nan"),
        "threads": sorted({result["threads"] for result in results}),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learner", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=1, help="pairs of runs: default, sized, then sized, default")
    parser.add_argument("--host-cores", type=int, help="also run with the default pools of a host with this many cores")
    args = parser.parse_args()
    if args.learner:
        print(json.dumps(run_learner(args.learner)))
        return 0
    if shutil.which("taskset") is None:
        sys.exit("taskset (util-linux) is needed to pin the learners to two cores")

    groups = [QuotaGroup.make(f"learner-threads-{os.getpid()}-{n}") for n in range(LEARNERS)]
    quota = f"cgroup v{groups[0].version}, cpu quota 0.5 each" if groups[0] else "no quota (no writable cgroup)"
    load = os.getloadavg()[0]
    rows = []
    try:
        for repeat in range(args.repeats):
            for pools in ("default", "sized")[:: -1 if repeat % 2 else 1]:
                rows.append(run_class(pools, groups))
                print(f"{pools}: {rows[-1]['wall']:.1f} s", file=sys.stderr)
        if args.host_cores:
            rows.append(run_class("default", groups, args.host_cores))
            print(f"{rows[-1]['pools']}: {rows[-1]['wall']:.1f} s", file=sys.stderr)
    finally:
        for group in groups:
            if group:
                group.remove()

    print(f"{LEARNERS} learners, {CHAPTER.relative_to(ROOT)}, taskset -c {CPUS}, {quota}; ", end="")
    print(f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after\n")
    print("| pools | setup() printed | total wall (s) | slowest learner (s) | mean learner (s) ", end="")
    print("| CPU (s) | throttled (s) |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        print(
            f"| {row['pools']} | {'; '.join(row['threads'])} | {row['wall']:.1f} | {row['slowest']:.1f} "
            f"| {row['mean']:.1f} | {row['cpu']:.1f} | {row['throttled']:.1f} |"
        )
    print()
    for figure in ("wall", "cpu"):
        total = {pools: sum(row[figure] for row in rows if row["pools"] == pools) for pools in ("default", "sized")}
        print(f"ratio of total {figure.upper() if figure == 'cpu' else figure} time, default / sized: ", end="")
        print(f"{total['default'] / total['sized']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
