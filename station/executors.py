"""Where page work runs: this machine's cores (the default) or Celery workers on other
machines (`STATION_BROKER_URL=redis://…`, see station.cluster). The pipeline hands each
executor the same plain `PageTask` and gets the same `PageOutcome` back in a future;
nothing else in it knows which executor ran the page."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Protocol

from .page_work import PageOutcome, PageTask, init_worker, run_page


class PageExecutor(Protocol):
    window: int  # pages to keep in flight: enough to keep every worker busy, few enough to bound memory

    def submit(self, task: PageTask) -> Future[PageOutcome]: ...

    def restart(self) -> None:
        """After a worker died: a fresh set of workers for the pages still to do."""

    def release(self, source: Path) -> None:
        """Every page of `source` is done: what was kept to hand it out can go."""

    def shutdown(self) -> None: ...


class LocalPool:
    """Page workers on this machine's cores, started by a fork server: a plain fork
    would copy this process's other threads' locks (the watcher, the web server, the
    preview renderer) in whatever state they happen to be, and a worker could hang on
    one forever. The fork server is a clean single-threaded process with the page code
    already imported, so starting workers stays cheap."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.window = max(2, jobs * 2)
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["station.page_work"])
        return ProcessPoolExecutor(self.jobs, mp_context=ctx, initializer=init_worker, initargs=(os.getpid(),))

    def submit(self, task: PageTask) -> Future[PageOutcome]:
        return self._pool.submit(run_page, task)

    def restart(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._start()

    def release(self, source: Path) -> None:
        pass

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def open_executor(jobs: int) -> PageExecutor | None:
    """Celery workers when a broker is configured, else the local pool; None for one
    job on this machine (pages are then read in this process, one after another)."""
    from .cluster import CeleryExecutor, ClusterSettings

    settings = ClusterSettings.from_env()
    if settings is not None:
        return CeleryExecutor(settings)
    return LocalPool(jobs) if jobs > 1 else None
