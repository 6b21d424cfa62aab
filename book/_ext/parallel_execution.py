"""Chapters executed side by side, into the execution cache, before Sphinx reads them.

myst-nb executes the chapters one after another as Sphinx reads them. A chapter uses about one core
on average (kernel start-up, TensorFlow's import, Python between the numerical steps), so on a
two-core machine two chapters at once take little more wall time than one. With
``chapter_execution_workers`` above 1, this extension runs every chapter that the cache does not
hold yet through jupyter-cache's own execution worker, in that many processes, with myst-nb's
settings (working folder, timeout, errors), and stores each result in the cache that myst-nb reads.
Sphinx then finds every chapter executed. A chapter that fails here is left out of the cache:
myst-nb executes it again as usual, and reports the error where it always does.

The executions are the same as myst-nb's (the same cells, kernel and working folder); CI's
determinism check compares their numbers with an independent execution of every chapter.

Each chapter runs in a pool process of its own, so that process's only child is the chapter's
kernel: its peak resident memory (``ru_maxrss`` of ``RUSAGE_CHILDREN``, once the kernel has
exited) is the chapter's. Linux counts in it the resident memory of the process that started the
kernel, up to the kernel's own start: a chapter smaller than the build process (a page without
TensorFlow) shows the build's size, never less than the truth.

The peaks are kept in a small JSON file in the execution cache, by document name, as long as the
cache holds that execution; the status page's execution table (``nb-exec-table``) shows them in a
column of their own, and an en dash for a chapter without one (executed by myst-nb itself, or
with ``chapter_execution_workers`` at 1).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
from pathlib import Path

from docutils import nodes
from jupyter_cache import get_cache
from jupyter_cache.executors.basic import ExecutionWorkerLocalMProc, ProcessData
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

from companion.threads import threads_per_worker

logger = logging.getLogger(__name__)

#: The execution table's column of peaks, and what it shows for a chapter without one.
PEAK_HEADER = "Peak memory (MiB)"
NO_PEAK = "\N{EN DASH}"


def cache_path(app: Sphinx) -> str:
    """Where myst-nb keeps executed notebooks (its own rule: beside the output folder by default)."""
    return app.config.nb_execution_cache_path or str(Path(app.outdir).parent / ".jupyter_cache")


def peaks_path(app: Sphinx) -> Path:
    """The JSON file of the chapters' peak memory, in MiB by document name, inside the execution cache."""
    return Path(cache_path(app)) / "peak_memory_mib.json"


def read_peaks(app: Sphinx) -> dict[str, float]:
    try:
        return json.loads(peaks_path(app).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # no chapter measured yet, or a file cut short: nothing to show
        return {}


def write_peaks(app: Sphinx, peaks: dict[str, float]) -> None:
    peaks_path(app).parent.mkdir(parents=True, exist_ok=True)
    peaks_path(app).write_text(json.dumps(peaks, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def execute_and_measure(job: ProcessData) -> tuple[int, str, float]:
    """Execute one chapter in this pool process: jupyter-cache's status and URI, and the kernel's peak MiB."""
    status, uri = ExecutionWorkerLocalMProc()(job)
    # The kernel was this process's only child, and has been waited for; Linux reports KiB.
    return status, uri, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def stale_chapters(app: Sphinx, cache) -> list:
    """The project records of the book's notebooks (``.ipynb``) that ``cache`` does not hold yet."""
    app.env.find_files(app.config, app.builder)  # the documents Sphinx is about to read
    records = [cache.add_nb_to_project(str(app.env.doc2path(docname))) for docname in sorted(app.env.found_docs)
               if Path(app.env.doc2path(docname)).suffix == ".ipynb"]
    return [record for record in records if cache.get_cached_project_nb(record.pk) is None]


def execute_stale_chapters(app: Sphinx) -> None:
    workers = app.config.chapter_execution_workers
    if app.config.nb_execution_mode != "cache":
        return
    cache = get_cache(cache_path(app))
    records = stale_chapters(app, cache)
    # A chapter executed again has lost its peak until it is measured again (never show an old one).
    peaks = read_peaks(app)
    for record in records:
        peaks.pop(app.env.path2doc(record.uri), None)
    if workers <= 1 or not records:
        if peaks_path(app).exists():
            write_peaks(app, peaks)
        return
    jobs = [ProcessData(record.pk, record.uri, cache, app.config.nb_execution_timeout,
                        app.config.nb_execution_allow_errors) for record in records]
    # Each chapter's kernel gets its share of the cores (companion.setup() reads OMP_NUM_THREADS):
    # two chapters with two threads each on two cores wait for each other. It stays set for the
    # rest of the build, so that a chapter myst-nb executes again gets the same share, and the
    # same numbers.
    os.environ["OMP_NUM_THREADS"] = str(threads_per_worker(workers))
    logger.info(f"executing {len(jobs)} chapter(s), {workers} at a time, "
                f"{os.environ['OMP_NUM_THREADS']} thread(s) each")
    # One chapter per process (maxtasksperchild and chunksize 1), so each process measures one kernel.
    with multiprocessing.get_context("fork").Pool(min(workers, len(jobs)), maxtasksperchild=1) as pool:
        results = pool.map(execute_and_measure, jobs, chunksize=1)
    peaks.update({app.env.path2doc(uri): round(peak, 1) for status, uri, peak in results if status == 0})
    write_peaks(app, peaks)
    failed = [uri for status, uri, _ in results if status != 0]
    if failed:
        logger.info(f"left to myst-nb, which reports their errors: {', '.join(failed)}")


class PeakMemoryColumn(SphinxPostTransform):
    """Add each chapter's peak memory to myst-nb's execution table, after its time and status."""

    default_priority = 9  # after myst-nb fills in the table (8), before references are resolved (10)

    def run(self, **kwargs) -> None:
        tables = [table for table in self.document.findall(nodes.table) if _is_execution_table(table)]
        if not tables:
            return
        peaks = read_peaks(self.app)
        for table in tables:
            table["classes"].append("execution-table")  # book/_static/accessible.css fits it to the page
            tgroup = next(table.findall(nodes.tgroup))
            tgroup["cols"] += 1
            tgroup.insert(tgroup["cols"] - 1, nodes.colspec(colwidth=tgroup.children[0]["colwidth"]))
            for row in tgroup.findall(nodes.row):
                if isinstance(row.parent, nodes.thead):
                    row += _cell(PEAK_HEADER)
                else:
                    # The first cell links to the chapter and shows its document name.
                    peak = peaks.get(row.children[0].astext())
                    row += _cell(NO_PEAK if peak is None else f"{peak:.0f}")


def _is_execution_table(table: nodes.table) -> bool:
    """myst-nb's table: a header row that starts "Document" and ends "Status" (its last column)."""
    header = next(table.findall(nodes.thead), None)
    cells = [entry.astext() for entry in header.findall(nodes.entry)] if header else []
    return cells[:1] == ["Document"] and cells[-1:] == ["Status"]


def _cell(text: str) -> nodes.entry:
    return nodes.entry("", nodes.paragraph(text=text))


def setup(app: Sphinx) -> dict:
    app.add_config_value("chapter_execution_workers", 1, "env", int)
    app.connect("builder-inited", execute_stale_chapters)
    app.add_post_transform(PeakMemoryColumn)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
