"""Logging: one logger per module, and every line about a job or a document says which
(`[job 12]`, `[document 40]`), the way paperless-ngx groups a consumed file's lines.

The context travels in a context variable, so the code that logs needs no id passed
down to it: the service sets `about("job", 12)` around the work of that job."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TextIO

_about: ContextVar[str] = ContextVar("station_log_about", default="")


@contextmanager
def about(kind: str, ident: object) -> Iterator[None]:
    token = _about.set(f" [{kind} {ident}]")
    try:
        yield
    finally:
        _about.reset(token)


class AboutFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.about = _about.get()
        return True


def configure(level: int = logging.INFO, stream: TextIO = sys.stderr) -> None:
    handler = logging.StreamHandler(stream)
    handler.addFilter(AboutFilter())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s%(about)s: %(message)s", datefmt="%H:%M:%S")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Library chatter (pyHanko's path-building tracebacks, fontTools' subsetting notes,
    # every request of the web server) is not for the user; our own lines say what matters.
    for name in ("pyhanko", "pyhanko_certvalidator", "fontTools"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
