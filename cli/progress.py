"""One progress bar for the terminal, the same for `station process` and `station batch
run`: pages done of all, pages per minute, time left, failures. Drawn with rich on a
terminal; nothing at all when the output goes to a file or a pipe."""

from __future__ import annotations

import sys
import time
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn


class Bar:
    def __init__(self, title: str, enabled: bool = True) -> None:
        self._progress: Progress | None = None
        if enabled:
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed:.0f}/{task.total:.0f} pages"),
                TextColumn("{task.fields[pace]}"),
                TextColumn("{task.fields[left]}"),
                TextColumn("[red]{task.fields[failed]}"),
                console=Console(file=sys.stderr),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(title, total=None, pace="", left="", failed="")

    def update(self, figures: dict[str, Any]) -> None:
        """`figures`: pages, pages_done, pages_failed, files_failed, pages_per_minute,
        seconds_left (as models.batches.Figures.to_json gives them)."""
        if not self._progress:
            return
        self._progress.update(
            self._task,
            total=max(1, figures["pages"]),
            completed=figures["pages_done"] + figures.get("pages_failed", 0),
            pace=f"{figures['pages_per_minute']:.1f} pages/min" if figures.get("pages_per_minute") else "",
            left=_left(figures.get("seconds_left")),
            failed=f"{figures['files_failed']} failed" if figures.get("files_failed") else "",
        )

    def close(self) -> None:
        if self._progress:
            self._progress.stop()
            self._progress = None


def _left(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes, s = divmod(int(seconds), 60)
    hours, m = divmod(minutes, 60)
    return f"{hours}:{m:02d}:{s:02d} left" if hours else f"{m}:{s:02d} left"


class PageCounter:
    """The figures of a `station process` run, counted as pages arrive."""

    def __init__(self, pages: int, files: int) -> None:
        self.figures: dict[str, Any] = {
            "pages": pages,
            "pages_done": 0,
            "pages_failed": 0,
            "files": files,
            "files_failed": 0,
            "pages_per_minute": 0.0,
            "seconds_left": None,
        }
        self.started = time.monotonic()

    def page(self) -> None:
        f = self.figures
        f["pages_done"] += 1
        took = time.monotonic() - self.started
        if took > 0:
            f["pages_per_minute"] = f["pages_done"] * 60.0 / took
            left = f["pages"] - f["pages_done"] - f["pages_failed"]
            f["seconds_left"] = max(0.0, left / f["pages_per_minute"] * 60.0)

    def failed(self, pages: int) -> None:
        self.figures["files_failed"] += 1
        self.figures["pages_failed"] += pages
