"""Page work on this machine's pool vs Celery workers over Redis (issue 16): the same
synthetic scans read by `station process` with its local pool, then with one
`station worker -c 2`, then with two `station worker -c 1`, alternately in one run, all
signed. Prints pages per minute, the broker's cost per page (wall-clock ms over the
local pool on the same cores), the coordinator's own CPU per page (PDF/A, fields,
signing: what one coordinator must keep up with) and, from these, what a million
pages in a week needs.

    python -m benchmarks.cluster [--rounds N] [--docs N]

Redis is Debian's redis-server on 127.0.0.1 and a free port, started here."""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from ocr import count_pages
from station.cluster import ClusterSettings, workers
from tests.cluster_helpers import RedisServer, Worker, wait_for
from tests.synthetic import PROFILES, generate

ROOT = Path(__file__).resolve().parent.parent
STATION = shutil.which("station", path=os.path.dirname(sys.executable)) or "station"
WEEK_MINUTES = 7 * 24 * 60


def _pages(folder: Path) -> int:
    return sum(count_pages(p) for p in folder.iterdir() if not p.name.endswith(".json"))


def _tree_cpu(pid: int, seen: dict[int, float]) -> float:
    """CPU seconds of a process and its descendants, each the latest seen (a pool
    worker that has ended keeps what it used)."""
    try:
        root = psutil.Process(pid)
        for p in [root, *root.children(recursive=True)]:
            try:
                t = p.cpu_times()
                seen[p.pid] = t.user + t.system
            except psutil.Error:
                pass
    except psutil.Error:
        pass
    return sum(seen.values())


def _process(inputs: Path, out: Path, env: dict[str, str], workers_: list[Worker]) -> tuple[float, float, float]:
    """Wall-clock seconds, CPU seconds of the command's process tree (the coordinator,
    and the local pool's workers when there are no Celery workers), CPU seconds of the
    Celery workers during the run."""
    before = sum(_tree_cpu(w.proc.pid, {}) for w in workers_)
    started = time.monotonic()
    proc = subprocess.Popen(
        [STATION, "process", str(inputs), "--out", str(out), "--jobs", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: dict[int, float] = {}
    while proc.poll() is None:
        _tree_cpu(proc.pid, seen)
        time.sleep(0.05)
    took = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"station process failed:\n{proc.stderr.read() if proc.stderr else ''}")
    after = sum(_tree_cpu(w.proc.pid, {}) for w in workers_)
    return took, sum(seen.values()), after - before


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--docs", type=int, default=1, help="documents per degradation profile")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    generate(work / "in", args.docs, list(PROFILES), seed=31)
    pages = _pages(work / "in")
    server = RedisServer(work / "redis")
    server.start()
    base = {**os.environ, "STATION_DATA_DIR": str(work / "data")}
    base.pop("STATION_BROKER_URL", None)
    celery = {**base, "STATION_BROKER_URL": server.url}
    settings = ClusterSettings(server.url)
    runs: dict[str, list[tuple[float, float, float]]] = {"local pool": [], "1 worker x 2": [], "2 workers x 1": []}
    try:
        for n in range(args.rounds):
            runs["local pool"].append(_process(work / "in", work / f"local-{n}", base, []))
            for label, shape in (("1 worker x 2", [2]), ("2 workers x 1", [1, 1])):
                started = [
                    Worker(f"b{n}-{label[0]}-{i}", celery, work / f"w-{n}-{label[0]}-{i}.log", c)
                    for i, c in enumerate(shape)
                ]
                wait_for(lambda n=len(shape): sum(w["alive"] for w in workers(settings)["workers"]) >= n, 60, "workers")
                time.sleep(2)  # their pool processes up and Tesseract loaded, as on a running site
                runs[label].append(_process(work / "in", work / f"{label[0]}-{n}", celery, started))
                for w in started:
                    w.stop()
                server.client().delete("station:workers")
    finally:
        server.stop()
    local_wall = statistics.median(r[0] for r in runs["local pool"])
    print(f"{pages} pages ({len(PROFILES)} profiles x {args.docs}), signed, 2 cores, median of {args.rounds}\n")
    print("| page work | pages/min | broker cost per page (ms, wall) | CPU per page: coordinator | workers |")
    print("|---|---|---|---|---|")
    table = {}
    for label, values in runs.items():
        wall, cpu, wcpu = (statistics.median(r[i] for r in values) for i in range(3))
        extra = "" if label == "local pool" else f"{1000 * (wall - local_wall) / pages:+.0f}"
        split = f"{cpu / pages:.2f} s (with its pool) | " if label == "local pool" else f"{cpu / pages:.2f} s | "
        split += "" if label == "local pool" else f"{wcpu / pages:.2f} s"
        print(f"| {label} | {pages * 60 / wall:.1f} | {extra} | {split} |")
        table[label] = {"seconds": wall, "cpu_seconds": cpu, "worker_cpu_seconds": wcpu, "pages": pages}
    # The estimate: a week of 24 h is 99 pages a minute for a million pages.
    coord_s = statistics.median(r[1] for r in runs["2 workers x 1"]) / pages
    worker_s = statistics.median(r[2] for r in runs["2 workers x 1"]) / pages
    need = 1_000_000 / WEEK_MINUTES
    cores = need * worker_s / 60
    machines = math.ceil(cores / 4 / 0.75)  # four-core workers kept three-quarters busy
    print(
        f"\nA million pages in a week (24 h a day) is {need:.0f} pages/min. On a worker a page costs "
        f"{worker_s:.2f} core-s: {cores:.1f} cores fully busy, so {machines} four-core worker machine(s) at "
        f"three-quarters load ({2 * machines} for 12 h a day). The coordinator spends {coord_s:.2f} core-s a "
        f"page (PDF/A, fields, signing): {need * coord_s / 60:.1f} of its cores for that pace."
    )
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "cluster.json").write_text(json.dumps({"pages": pages, "runs": table}, indent=1))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
