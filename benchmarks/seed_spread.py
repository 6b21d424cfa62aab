"""Run chapters under several seeds: do their asserts hold, and how far do their numbers move?

A chapter that invites the reader to try another seed must not then fail one of
its own asserts. ``companion.setup()`` takes its seed from ``COMPANION_SEED``
when that is set, so each chapter runs here unchanged, once per seed, in a
fresh kernel. For each run the script records whether every cell ran (an
``assert`` that fails stops the run and is reported with its cell) and every
number the chapter glues into its prose. It prints, per chapter, the runs that
passed and the spread (minimum, median, maximum) of each glued number that
varies with the seed.

Seeds change what ``setup()`` seeds: Keras initial weights, shuffling and
NumPy's global generator. Data that a cell draws with an explicit seed of its
own (a simulated CT set, a train/test split with ``random_state=0``) stay the
same, as they would for a reader who changes the seed in the set-up cell.

Usage::

    python benchmarks/seed_spread.py                         # every chapter, seeds 0-4
    python benchmarks/seed_spread.py --only interpretability --seeds 0 1 2
    python benchmarks/seed_spread.py --json spread.json      # also keep the raw runs

Takes about five times as long as ``chapter_times.py`` (20-30 min on 2 cores);
not part of CI. Exits 1 if any run failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chapter_times import chapters  # noqa: E402 - one walker of _toc.yml for both benchmarks

GLUE_MIME = "application/papermill.record/text/plain"
NUMBER = re.compile(r"^[-+−]?[\d,]*\.?\d+(?:e[-+]?\d+)?$", re.IGNORECASE)


def glued_numbers(notebook) -> dict[str, float]:
    """Every glued value of an executed notebook that reads as a number ("0.83", "77 %", "1,024")."""
    numbers = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            text = output.get("data", {}).get(GLUE_MIME) or output.get("data", {}).get("text/plain")
            if not name or not isinstance(text, str):
                continue
            text = text.strip().strip("'\"").replace("\u2009", "").replace(" ", "").rstrip("%")
            if NUMBER.match(text):
                numbers[name] = float(text.replace(",", "").replace("−", "-"))
    return numbers


def run(path: Path, seed: int) -> dict:
    """Execute one chapter under one seed in a fresh kernel."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.read(path, as_version=4)
    # This worker process runs one chapter at a time; its kernel inherits its environment.
    os.environ.update(COMPANION_SEED=str(seed), MPLBACKEND="Agg")
    client = NotebookClient(notebook, timeout=600, resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    error = None
    try:
        client.execute()
    except CellExecutionError as failure:
        error = str(failure).strip().splitlines()[-1][:300]
    return {
        "chapter": path.stem,
        "seed": seed,
        "seconds": round(time.perf_counter() - start, 1),
        "error": error,
        "numbers": glued_numbers(notebook),
    }


def spread_table(runs: list[dict]) -> str:
    """Markdown: per chapter, passed runs, then each glued number that moves with the seed."""
    lines = []
    for chapter in dict.fromkeys(r["chapter"] for r in runs):
        mine = [r for r in runs if r["chapter"] == chapter]
        passed = sum(r["error"] is None for r in mine)
        lines += [f"\n### {chapter}: {passed} of {len(mine)} runs passed\n"]
        lines += [f"- seed {r['seed']}: {r['error']}" for r in mine if r["error"]]
        names = sorted(set().union(*(r["numbers"] for r in mine)))
        rows = []
        for name in names:
            values = [r["numbers"][name] for r in mine if name in r["numbers"]]
            if len(set(values)) > 1:
                rows.append(
                    f"| {name} | {len(values)} | {min(values):.4g} | {statistics.median(values):.4g} "
                    f"| {max(values):.4g} |"
                )
        if rows:
            lines += ["| glued number | runs | min | median | max |", "| --- | ---: | ---: | ---: | ---: |", *rows]
        else:
            lines += ["No glued number moves with the seed."]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--only", nargs="+", help="chapter file stems, e.g. imaging toxicity")
    parser.add_argument("--jobs", type=int, default=2, help="chapters run at once (one kernel each)")
    parser.add_argument("--json", type=Path, help="also write every run, with all glued numbers, here")
    args = parser.parse_args()

    paths = [p for p in chapters() if not args.only or p.stem in args.only]
    unknown = set(args.only or []) - {p.stem for p in paths}
    if unknown:
        parser.error(f"no chapter named {', '.join(sorted(unknown))}; chapters: {[p.stem for p in chapters()]}")
    jobs = [(path, seed) for path in paths for seed in args.seeds]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        runs = list(pool.map(run, *zip(*jobs, strict=True)))
    if args.json:
        args.json.write_text(json.dumps(runs, indent=1))
    print(spread_table(runs))
    return 0 if all(r["error"] is None for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
