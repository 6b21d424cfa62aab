"""Threads that follow the learner's real CPU budget, not the host's core count.

TensorFlow, OpenBLAS and OpenMP size their thread pools from the number of
cores they see. In a container or a hub with a CPU limit that number is the
host's: a learner allowed half a CPU on a 64-core node would start 64 threads
per pool, and they would spend the quota waiting for each other. The budget
is read in this order:

1. ``OMP_NUM_THREADS``, if set: the reader (or the hub) has chosen;
2. the CPU quota of the process's control group, cgroup v2 ``cpu.max`` or
   cgroup v1 ``cpu.cfs_quota_us`` over ``cpu.cfs_period_us``, in its own group
   and every parent (the smallest wins; half a CPU still needs one thread);
3. the CPUs the process may run on (its affinity, set by ``taskset`` or a cpuset);
4. ``os.cpu_count()``, where affinity is unknown.

A quota above the CPUs the process may run on does not raise the figure.

Examples
--------
>>> cpu_budget(environ={"OMP_NUM_THREADS": "3"})
(3, 'OMP_NUM_THREADS')
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from companion.validation import folder, positive_int

#: Read by OpenMP, OpenBLAS and MKL when they load, and by TensorFlow's runtime when it starts.
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
)


def cpu_budget(
    *,
    environ: Mapping[str, str] = os.environ,
    cgroup_root: Path = Path("/sys/fs/cgroup"),
    membership: Path = Path("/proc/self/cgroup"),
) -> tuple[int, str]:
    """How many CPUs this process may use, and where that figure comes from.

    Parameters
    ----------
    environ : mapping, default ``os.environ``
        Where ``OMP_NUM_THREADS`` is looked up.
    cgroup_root : path, default ``/sys/fs/cgroup``
        Where the control-group file systems are mounted.
    membership : path, default ``/proc/self/cgroup``
        The process's own control groups (one ``id:controllers:path`` line per hierarchy).

    Returns
    -------
    (int, str)
        At least 1, and its source: ``"OMP_NUM_THREADS"``, ``"cgroup CPU quota 0.5"``,
        ``"CPU affinity"`` or ``"os.cpu_count()"``.

    Raises
    ------
    ValueError
        ``OMP_NUM_THREADS`` is set to anything but a positive integer. A control-group
        file that cannot be read or parsed is skipped instead: it is the system's, not the reader's.
    """
    chosen = _omp_num_threads(environ)
    if chosen is not None:
        return chosen, "OMP_NUM_THREADS"
    usable, usable_source = _usable_cpus()
    quota = _cgroup_quota(folder("cgroup_root", cgroup_root), folder("membership", membership))
    if quota is not None and math.ceil(quota) < usable:
        return max(1, math.ceil(quota)), f"cgroup CPU quota {quota:g}"
    return usable, usable_source


def threads_per_worker(workers: int, *, environ: Mapping[str, str] = os.environ) -> int:
    """Threads for each of ``workers`` chapters run side by side: the CPU budget shared among them.

    Two chapters on two cores with two threads each spend much of their time waiting for each
    other; with one thread each the book builds in four fifths of the time. At least 1.

    >>> threads_per_worker(2, environ={"OMP_NUM_THREADS": "8"}), threads_per_worker(4, environ={"OMP_NUM_THREADS": "2"})
    (4, 1)
    """
    return max(1, cpu_budget(environ=environ)[0] // positive_int("workers", workers))


def limit_threads(count: int) -> None:
    """Size every thread pool of this process to ``count`` threads.

    Libraries not loaded yet read the environment (:data:`THREAD_VARIABLES`);
    the BLAS and OpenMP libraries already loaded (NumPy's OpenBLAS) are resized
    through threadpoolctl; TensorFlow, if imported, through ``tf.config.threading``.
    TensorFlow's pools can only be set before its runtime starts: afterwards
    they are left as they are (a notebook that calls ``setup()`` again).
    """
    count = positive_int("count", count)
    for name in THREAD_VARIABLES:
        os.environ[name] = str(count)
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=count)
    tf = sys.modules.get("tensorflow")
    if tf is not None:
        threading = tf.config.threading
        try:
            threading.set_intra_op_parallelism_threads(count)
            threading.set_inter_op_parallelism_threads(count)
        except RuntimeError:  # the runtime has started: its pools are fixed for this process
            pass


def _omp_num_threads(environ: Mapping[str, str]) -> int | None:
    """``OMP_NUM_THREADS`` as a positive int, ``None`` if unset or empty."""
    raw = environ.get("OMP_NUM_THREADS", "").strip()
    if not raw:
        return None
    # OpenMP allows one figure per nesting level ("4,2"); the outermost is the one that counts here.
    first = raw.split(",")[0].strip()
    return positive_int("OMP_NUM_THREADS", int(first) if first.isdigit() else raw)


def _usable_cpus() -> tuple[int, str]:
    """The CPUs this process may run on: its affinity where the system tells it, else the core count."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)), "CPU affinity"
    return os.cpu_count() or 1, "os.cpu_count()"


def _cgroup_quota(root: Path, membership: Path) -> float | None:
    """The smallest CPU quota (in CPUs) on the way from the process's control groups to the root, if any."""
    quotas = [quota for group, read in _quota_files(root, membership) if (quota := read(group)) is not None]
    return min(quotas, default=None)


def _quota_files(root: Path, membership: Path) -> Iterator[tuple[Path, Callable[[Path], float | None]]]:
    """(folder, reader) for every control group, own and parent, that may hold a CPU quota."""
    try:
        lines = membership.read_text(encoding="utf-8").splitlines()
    except OSError:
        return
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        hierarchy, controllers, path = parts
        if hierarchy == "0" and not controllers:  # cgroup v2: one tree, mounted at the root
            mounts, read = [root], _read_cpu_max
        elif "cpu" in controllers.split(","):  # cgroup v1: the cpu controller's own tree
            mounts, read = [root / "cpu", root / controllers], _read_cfs_quota
        else:
            continue
        # A container without its own cgroup namespace sees the host's path but only its own
        # group's files: walking up to the mount's root finds them, as it finds a parent's quota.
        relative = Path(path.lstrip("/"))
        for mount in dict.fromkeys(mounts):
            for ancestor in [relative, *relative.parents]:
                yield mount / ancestor, read


def _read_cpu_max(group: Path) -> float | None:
    """cgroup v2 ``cpu.max``: ``"50000 100000"`` is half a CPU; ``"max 100000"`` is no quota."""
    fields = _read_words(group / "cpu.max")
    if not fields or fields[0] == "max":
        return None
    return _ratio(fields[0], fields[1] if len(fields) > 1 else "100000")


def _read_cfs_quota(group: Path) -> float | None:
    """cgroup v1 ``cpu.cfs_quota_us`` over ``cpu.cfs_period_us``; a quota of -1 is none."""
    quota = _read_words(group / "cpu.cfs_quota_us")
    period = _read_words(group / "cpu.cfs_period_us")
    if len(quota) != 1 or len(period) != 1:
        return None
    return _ratio(quota[0], period[0])


def _read_words(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").split()
    except (OSError, UnicodeDecodeError):
        return []


def _ratio(quota: str, period: str) -> float | None:
    """``quota / period`` for two positive whole numbers of microseconds, else ``None`` (no quota, or garbage)."""
    if not (quota.isdigit() and period.isdigit()) or int(quota) == 0 or int(period) == 0:
        return None
    return int(quota) / int(period)
