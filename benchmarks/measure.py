"""Run a command and measure wall time and the peak memory of its whole process tree
(the station's workers and every Tesseract they start count)."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float
    returncode: int
    stderr: str


def run_measured(
    cmd: list[str], poll_s: float = 0.05, env: dict[str, str] | None = None, cwd: Path | None = None
) -> Run:
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd)
    root = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            procs = [root] + root.children(recursive=True)
            rss = 0
            for p in procs:
                try:
                    rss += p.memory_info().rss
                except psutil.Error:
                    pass
            peak = max(peak, rss)
        except psutil.Error:
            pass
        time.sleep(poll_s)
    stderr = proc.stderr.read() if proc.stderr else ""
    return Run(time.monotonic() - start, peak / 2**20, proc.returncode, stderr)
