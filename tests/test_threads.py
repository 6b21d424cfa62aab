"""companion.threads: the CPU budget from OMP_NUM_THREADS, a cgroup quota or the affinity; pools sized to it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from companion.threads import cpu_budget, limit_threads

USABLE = len(os.sched_getaffinity(0))
needs_two_cpus = pytest.mark.skipif(USABLE < 2, reason="a quota below the usable CPUs needs at least two of them")


def fake_cgroups(tmp_path: Path, membership: str, files: dict[str, str]) -> dict[str, Path]:
    """A cgroup mount under tmp_path, with ``files`` (path: content) and a /proc/self/cgroup of ``membership``."""
    root = tmp_path / "cgroup"
    root.mkdir(parents=True)
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content, encoding="utf-8")
    (tmp_path / "self-cgroup").write_text(membership, encoding="utf-8")
    return {"environ": {}, "cgroup_root": root, "membership": tmp_path / "self-cgroup"}


V2 = "0::/user.slice/learner\n"
V1 = "4:memory:/learner\n3:cpu,cpuacct:/learner\n0::/\n"


# ---------------------------------------------------------------------------
# cgroup v2


@needs_two_cpus
@pytest.mark.parametrize(
    ("cpu_max", "threads", "source"),
    [
        ("50000 100000\n", 1, "cgroup CPU quota 0.5"),  # half a CPU still needs a thread
        ("100000 100000\n", 1, "cgroup CPU quota 1"),
        ("150000 100000\n", 2, "cgroup CPU quota 1.5"),  # rounded up
        ("1000 100000\n", 1, "cgroup CPU quota 0.01"),
    ],
)
def test_a_v2_quota_sets_the_budget(tmp_path, cpu_max, threads, source):
    if threads >= USABLE:
        pytest.skip("the quota is not below the usable CPUs here")
    where = fake_cgroups(tmp_path, V2, {"user.slice/learner/cpu.max": cpu_max})
    assert cpu_budget(**where) == (threads, source)


def test_no_v2_quota_leaves_the_affinity(tmp_path):
    where = fake_cgroups(tmp_path, V2, {"user.slice/learner/cpu.max": "max 100000\n"})
    assert cpu_budget(**where) == (USABLE, "CPU affinity")


@needs_two_cpus
def test_a_parent_group_s_quota_counts_and_the_smallest_wins(tmp_path):
    files = {"user.slice/cpu.max": "50000 100000\n", "user.slice/learner/cpu.max": "400000 100000\n"}
    assert cpu_budget(**fake_cgroups(tmp_path, V2, files)) == (1, "cgroup CPU quota 0.5")


@needs_two_cpus
def test_the_process_s_own_group_is_read_not_only_the_root(tmp_path):
    files = {"user.slice/learner/cpu.max": "50000 100000\n", "other/cpu.max": "max 100000\n"}
    assert cpu_budget(**fake_cgroups(tmp_path, V2, files)) == (1, "cgroup CPU quota 0.5")
    # The same tree, but the process lives elsewhere: that quota is not its own.
    assert cpu_budget(**fake_cgroups(tmp_path / "b", "0::/other\n", files))[1] == "CPU affinity"


def test_a_quota_above_the_usable_cpus_does_not_raise_the_budget(tmp_path):
    where = fake_cgroups(tmp_path, V2, {"user.slice/learner/cpu.max": f"{(USABLE + 3) * 100000} 100000\n"})
    assert cpu_budget(**where) == (USABLE, "CPU affinity")


# ---------------------------------------------------------------------------
# cgroup v1


@needs_two_cpus
def test_a_v1_quota_sets_the_budget(tmp_path):
    files = {"cpu/learner/cpu.cfs_quota_us": "50000\n", "cpu/learner/cpu.cfs_period_us": "100000\n"}
    assert cpu_budget(**fake_cgroups(tmp_path, V1, files)) == (1, "cgroup CPU quota 0.5")


@needs_two_cpus
def test_a_v1_tree_mounted_under_its_controllers_names_is_found(tmp_path):
    files = {"cpu,cpuacct/learner/cpu.cfs_quota_us": "25000\n", "cpu,cpuacct/learner/cpu.cfs_period_us": "100000\n"}
    assert cpu_budget(**fake_cgroups(tmp_path, V1, files)) == (1, "cgroup CPU quota 0.25")


def test_a_v1_quota_of_minus_one_is_no_quota(tmp_path):
    files = {"cpu/learner/cpu.cfs_quota_us": "-1\n", "cpu/learner/cpu.cfs_period_us": "100000\n"}
    assert cpu_budget(**fake_cgroups(tmp_path, V1, files)) == (USABLE, "CPU affinity")


# ---------------------------------------------------------------------------
# Missing and unreadable files: the system's, not the reader's; skipped


@pytest.mark.parametrize(
    "files",
    [
        {},  # no cgroup files at all
        {"user.slice/learner/cpu.max": ""},
        {"user.slice/learner/cpu.max": "lots 100000\n"},
        {"user.slice/learner/cpu.max": "50000 0\n"},
        {"user.slice/learner/cpu.max": "0 100000\n"},
        {"user.slice/learner/cpu.max": "-50000 100000\n"},
        {"user.slice/learner/cpu.max": "\xff\xfe garbage"},
        {"cpu/learner/cpu.cfs_quota_us": "50000\n"},  # v1 without its period
        {"cpu/learner/cpu.cfs_quota_us": "50000 1\n", "cpu/learner/cpu.cfs_period_us": "100000\n"},
    ],
)
def test_missing_or_garbled_files_fall_back_to_the_affinity(tmp_path, files):
    for membership in (V2, V1):
        where = fake_cgroups(tmp_path / str(len(membership)), membership, files)
        assert cpu_budget(**where) == (USABLE, "CPU affinity")


def test_a_missing_or_garbled_membership_file_falls_back_to_the_affinity(tmp_path):
    files = {"cpu.max": "50000 100000\n"}
    assert cpu_budget(**fake_cgroups(tmp_path, "not a cgroup line\n", files)) == (USABLE, "CPU affinity")
    where = fake_cgroups(tmp_path / "b", V2, files) | {"membership": tmp_path / "absent"}
    assert cpu_budget(**where) == (USABLE, "CPU affinity")


@needs_two_cpus
def test_a_container_that_sees_a_host_path_finds_its_quota_at_the_mount_s_root(tmp_path):
    # Without a cgroup namespace, /proc/self/cgroup names the host's path, but the container's
    # mount shows only its own group, at the root.
    where = fake_cgroups(tmp_path, "0::/kubepods/pod1/abc\n", {"cpu.max": "50000 100000\n"})
    assert cpu_budget(**where) == (1, "cgroup CPU quota 0.5")


# ---------------------------------------------------------------------------
# OMP_NUM_THREADS comes first


def test_omp_num_threads_comes_before_the_quota(tmp_path):
    where = fake_cgroups(tmp_path, V2, {"user.slice/learner/cpu.max": "50000 100000\n"})
    assert cpu_budget(**where | {"environ": {"OMP_NUM_THREADS": "3"}}) == (3, "OMP_NUM_THREADS")
    assert cpu_budget(**where | {"environ": {"OMP_NUM_THREADS": " 4,2 "}}) == (4, "OMP_NUM_THREADS")
    assert cpu_budget(**where | {"environ": {"OMP_NUM_THREADS": ""}})[1] != "OMP_NUM_THREADS"


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5", ",2", "0,2"])
def test_a_bad_omp_num_threads_is_refused_by_name(value):
    with pytest.raises(ValueError, match="OMP_NUM_THREADS must be a positive integer"):
        cpu_budget(environ={"OMP_NUM_THREADS": value})


@pytest.mark.parametrize(("argument", "value"), [("cgroup_root", 3), ("membership", None), ("cgroup_root", "")])
def test_bad_paths_are_refused_by_name(argument, value):
    with pytest.raises(ValueError, match=f"{argument} must be a folder path"):
        cpu_budget(environ={}, **{argument: value})


@pytest.mark.parametrize("count", [0, -2, 1.0, "2", True])
def test_limit_threads_refuses_a_bad_count(count):
    with pytest.raises(ValueError, match="count must be a positive integer"):
        limit_threads(count)


# ---------------------------------------------------------------------------
# Real processes: affinity from taskset, pools actually sized


def run_python(code: str, *, prefix: tuple[str, ...] = (), **env: str) -> str:
    """Run ``code`` in a fresh interpreter without the thread variables of this one; its stdout."""
    clean = {k: v for k, v in os.environ.items() if not k.endswith(("_NUM_THREADS", "OP_THREADS"))}
    result = subprocess.run(
        [*prefix, sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=clean | {"TF_CPP_MIN_LOG_LEVEL": "3"} | env,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.mark.skipif(shutil.which("taskset") is None, reason="taskset (util-linux) is not installed")
def test_taskset_to_one_cpu_gives_a_budget_of_one_from_the_affinity():
    code = "from companion.threads import cpu_budget; print(*cpu_budget(cgroup_root='/nonexistent'), sep='|')"
    assert run_python(code, prefix=("taskset", "-c", "0")).strip() == "1|CPU affinity"


def test_setup_sizes_tensorflow_s_pools_and_says_so():
    code = (
        "import companion; companion.setup(verbose=True)\n"
        "import tensorflow as tf\n"
        "tf.constant(1.0) + 1\n"  # the runtime has started: these are the pools it runs with
        "t = tf.config.threading\n"
        "print(t.get_intra_op_parallelism_threads(), t.get_inter_op_parallelism_threads())\n"
    )
    printed = run_python(code, OMP_NUM_THREADS="3").splitlines()
    assert "threads: 3 (OMP_NUM_THREADS)" in printed
    assert printed[-1] == "3 3"


def test_setup_without_keras_leaves_tensorflow_alone_but_sizes_it_through_the_environment():
    code = (
        "import os, sys, companion; companion.setup(keras=False, verbose=False)\n"
        "print('tensorflow' in sys.modules, *(os.environ[n] for n in companion.threads.THREAD_VARIABLES))\n"
    )
    assert run_python(code, OMP_NUM_THREADS="3").split() == ["False"] + ["3"] * 5


def test_the_environment_alone_sizes_tensorflow_s_inter_op_pool():
    # TensorFlow reads TF_NUM_INTEROP_THREADS when its runtime starts, not when it is imported
    # (tf.config.threading.get_* reads 0 then: the variable never reaches that setting). The pool's
    # threads are named tf_Compute; seven is neither a default nor this machine's core count.
    code = (
        "import os, tensorflow as tf\n"
        "os.environ['TF_NUM_INTEROP_THREADS'] = '7'\n"
        "tf.linalg.matmul(tf.ones((64, 64)), tf.ones((64, 64))).numpy()\n"
        "names = [open(f'/proc/self/task/{t}/comm').read().strip() for t in os.listdir('/proc/self/task')]\n"
        "print(names.count('tf_Compute'))\n"
    )
    assert run_python(code).strip() == "7"


def test_limit_threads_resizes_numpy_s_blas_already_loaded():
    code = (
        "import numpy, threadpoolctl\n"
        "from companion.threads import limit_threads\n"
        "limit_threads(1)\n"
        "print(*sorted({p['num_threads'] for p in threadpoolctl.threadpool_info()}))\n"
    )
    assert run_python(code).split() == ["1"]
