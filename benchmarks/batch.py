"""What a batch costs over reading the same scans as single files (issue 15): the same
synthetic archive shelf (three hồ sơ, separator sheets, blank backs) read by
`station process --separate` and by `station batch create` + `station batch run`,
alternately, in one run, each signing every document it makes.

    python -m benchmarks.batch [--rounds N]

A batch adds the job database, progress, quality control and the archival
bookkeeping; the pages-per-minute ratio of the two is its overhead. Writes a Markdown
table to stdout and JSON to benchmarks/results/."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

from tests.synthetic.archive_batch import generate_archive_batch

ROOT = Path(__file__).resolve().parent.parent


def _run(cmd: list[str], env: dict[str, str]) -> float:
    started = time.monotonic()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    took = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return took


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    shelf = work / "shelf"
    generate_archive_batch(shelf)
    scans = sorted(shelf.rglob("*.tif"))
    pages = sum(Image.open(p).n_frames for p in scans)
    station = [sys.executable, "-m", "cli.main"]
    single, batch, making = [], [], []
    for n in range(args.rounds):
        env = {**os.environ, "STATION_DATA_DIR": str(work / f"data-{n}"), "STATION_HTTP_PORT": "0"}
        # Every document approved on its own, so the batch signs as many as process does.
        env["STATION_AUTO_APPROVE"] = "0"
        single.append(_run([*station, "process", *map(str, scans), "--out", str(work / f"out-{n}"), "--separate"], env))
        list_file = str(shelf / "danh-muc.csv")
        making.append(_run([*station, "batch", "create", f"b{n}", str(shelf), "--list", list_file], env))
        batch.append(_run([*station, "batch", "run", f"b{n}"], env))
    rate = {k: pages * 60 / statistics.median(v) for k, v in (("single", single), ("batch", batch))}
    overhead = 100.0 * (rate["single"] / rate["batch"] - 1)
    result = {
        "pages": pages,
        "files": len(scans),
        "rounds": args.rounds,
        "single_s": single,
        "batch_s": batch,
        "create_s": making,
        "single_pages_per_min": round(rate["single"], 1),
        "batch_pages_per_min": round(rate["batch"], 1),
        "overhead_percent": round(overhead, 1),
    }
    print(f"{pages} pages in {len(scans)} files, {args.rounds} rounds (median)\n")
    print("| path | seconds | pages/min |\n|---|---|---|")
    print(f"| station process --separate | {statistics.median(single):.1f} | {rate['single']:.1f} |")
    print(f"| station batch run | {statistics.median(batch):.1f} | {rate['batch']:.1f} |")
    print(f"\nbatch overhead: {overhead:+.1f}% (station batch create: {statistics.median(making):.1f} s, not counted)")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / f"batch-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
