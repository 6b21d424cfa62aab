"""Time every chapter cold and the whole book build, against the course's budgets.

Each chapter runs in a fresh interpreter and a fresh kernel (TensorFlow
import included), as a reader's "Restart kernel and run all" would. Peak
memory is the largest resident set of the kernel process. The book is then
built from scratch into a temporary folder, and built again with nothing
changed, to time the cached rebuild.

Usage::

    python benchmarks/chapter_times.py            # chapters and book
    python benchmarks/chapter_times.py --no-book  # chapters only
    python benchmarks/chapter_times.py --no-book --only imaging  # one chapter

Prints a Markdown table; exits 1 if a budget is exceeded. The budgets, and why they are what they
are, are in CONTRIBUTING.md, "Budgets".
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from companion import book_toc

ROOT = Path(__file__).resolve().parents[1]
CHAPTER_BUDGET_S = 60
BOOK_BUDGET_S = 8 * 60
REBUILD_BUDGET_S = 15
MEMORY_BUDGET_MIB = 1024


def chapters() -> list[Path]:
    """The notebooks of the table of contents, in reading order."""
    return [ROOT / f"{page}.ipynb" for page in book_toc.notebooks(ROOT)]


def run_one(path: Path) -> dict:
    """Execute one notebook in this process's fresh kernel; report seconds and kernel memory."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(notebook, timeout=600, resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    # The kernel was this process's child and has been waited for: its peak RSS is here (KiB on Linux).
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": seconds, "peak_mib": peak_mib}


def time_chapter(path: Path) -> dict:
    """Run :func:`run_one` in a new interpreter, so nothing is warm."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, __file__, "--one", str(path)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{path.name} failed:\n{result.stderr[-2000:]}")
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    measured["total_seconds"] = time.perf_counter() - start  # includes interpreter and kernel start
    return measured


def time_book() -> tuple[float, float]:
    """Seconds for a from-scratch build and for a rebuild with nothing changed."""
    with tempfile.TemporaryDirectory() as output:
        command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT), "--path-output", output]
        times = []
        for extra in (["--all"], []):
            start = time.perf_counter()
            subprocess.run(command + extra, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
    return times[0], times[1]


def verdict(value: float, budget: float) -> str:
    return "ok" if value <= budget else "**over budget**"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--no-book", action="store_true", help="skip the two book builds")
    parser.add_argument("--only", metavar="TEXT", help="time only the chapters whose path contains TEXT")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one)))
        return 0

    failures = 0
    print("| chapter | cold run (s) | peak memory (MiB) | budget |")
    print("| --- | ---: | ---: | --- |")
    for path in chapters():
        if args.only and args.only not in str(path):
            continue
        measured = time_chapter(path)
        ok = measured["total_seconds"] <= CHAPTER_BUDGET_S and measured["peak_mib"] <= MEMORY_BUDGET_MIB
        failures += not ok
        print(
            f"| {path.relative_to(ROOT)} | {measured['total_seconds']:.1f} | {measured['peak_mib']:.0f} "
            f"| {'ok' if ok else '**over budget**'} ({CHAPTER_BUDGET_S} s, {MEMORY_BUDGET_MIB / 1024:g} GiB) |"
        )
    if not args.no_book:
        scratch, rebuild = time_book()
        failures += scratch > BOOK_BUDGET_S or rebuild > REBUILD_BUDGET_S
        print(f"| whole book, from scratch | {scratch:.1f} | | {verdict(scratch, BOOK_BUDGET_S)} (480 s) |")
        print(f"| whole book, nothing changed | {rebuild:.1f} | | {verdict(rebuild, REBUILD_BUDGET_S)} (15 s) |")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
