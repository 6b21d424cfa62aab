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
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from jupyter_cache import get_cache
from jupyter_cache.executors.basic import ExecutionWorkerLocalMProc, ProcessData
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)


def cache_path(app: Sphinx) -> str:
    """Where myst-nb keeps executed notebooks (its own rule: beside the output folder by default)."""
    return app.config.nb_execution_cache_path or str(Path(app.outdir).parent / ".jupyter_cache")


def stale_chapters(app: Sphinx, cache) -> list:
    """The project records of the book's notebooks (``.ipynb``) that ``cache`` does not hold yet."""
    app.env.find_files(app.config, app.builder)  # the documents Sphinx is about to read
    records = [cache.add_nb_to_project(str(app.env.doc2path(docname))) for docname in sorted(app.env.found_docs)
               if Path(app.env.doc2path(docname)).suffix == ".ipynb"]
    return [record for record in records if cache.get_cached_project_nb(record.pk) is None]


def execute_stale_chapters(app: Sphinx) -> None:
    workers = app.config.chapter_execution_workers
    if workers <= 1 or app.config.nb_execution_mode != "cache":
        return
    cache = get_cache(cache_path(app))
    records = stale_chapters(app, cache)
    if not records:
        return
    jobs = [ProcessData(record.pk, record.uri, cache, app.config.nb_execution_timeout,
                        app.config.nb_execution_allow_errors) for record in records]
    logger.info(f"executing {len(jobs)} chapter(s), {workers} at a time")
    with multiprocessing.get_context("fork").Pool(min(workers, len(jobs))) as pool:
        results = pool.map(ExecutionWorkerLocalMProc(), jobs)
    failed = [uri for status, uri in results if status != 0]
    if failed:
        logger.info(f"left to myst-nb, which reports their errors: {', '.join(failed)}")


def setup(app: Sphinx) -> dict:
    app.add_config_value("chapter_execution_workers", 1, "env", int)
    app.connect("builder-inited", execute_stale_chapters)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
