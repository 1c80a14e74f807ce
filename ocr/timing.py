"""Core-seconds per stage of the work: this process's CPU time plus that of the
programs it ran and waited for (Tesseract), counted where the work is done and carried
back with its result. Stages nest; each is charged only its own time, not that of the
stages inside it. The throughput benchmark prints the sums as its per-stage profile."""

from __future__ import annotations

import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager

_totals: dict[str, float] = {}
_open: list[list[float]] = []  # per open stage: [time inside stages nested in it]


def _cpu() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


@contextmanager
def stage(name: str) -> Iterator[None]:
    start = _cpu()
    _open.append([0.0])
    try:
        yield
    finally:
        took = _cpu() - start
        nested = _open.pop()[0]
        _totals[name] = _totals.get(name, 0.0) + took - nested
        if _open:
            _open[-1][0] += took


def take() -> dict[str, float]:
    """The core-seconds counted since the last call, by stage; the count starts again."""
    out = dict(_totals)
    _totals.clear()
    return out


def add(into: dict[str, float], more: dict[str, float]) -> dict[str, float]:
    for k, v in more.items():
        into[k] = into.get(k, 0.0) + v
    return into
