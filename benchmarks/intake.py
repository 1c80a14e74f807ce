"""How soon a scan dropped into a hot folder becomes a job: the time from the file being
complete (its last write, then renamed into place as scanners do) to its job row.

    python -m benchmarks.intake [--files N]"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from tests.service_helpers import StationProcess, wait_for
from tests.synthetic import generate

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=20)
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="station-intake-"))
    try:
        sample = generate(work / "src", 1, ["clean"], seed=3)[0].path
        # The service's default settling time (1 s), as an office runs it.
        station = StationProcess(work / "data", STATION_SETTLE_SECONDS="1.0").start()
        time.sleep(2)
        dropped: dict[str, float] = {}
        for i in range(a.files):
            data = bytearray(sample.read_bytes())
            data[-3] = i % 256  # distinct bytes: one job per file
            tmp = station.hot / f".scan-{i:03d}.part"
            tmp.write_bytes(bytes(data))
            final = station.hot / f"scan-{i:03d}.jpg"
            tmp.rename(final)
            dropped[final.name] = time.time()
            time.sleep(1.5)  # one scan at a time, like a sheet-fed scanner's output
        wait_for(lambda: len(station.query("SELECT id FROM jobs")) == a.files, 60)
        rows = station.query("SELECT name, created_at FROM jobs")
        station.stop()
        lat = sorted(r["created_at"] - dropped[r["name"]] for r in rows)
        result = {
            "files": len(lat),
            "settle_s": 1.0,
            "median_s": statistics.median(lat),
            "max_s": max(lat),
            "p90_s": lat[int(0.9 * (len(lat) - 1))],
        }
        print(
            f"{len(lat)} files: file complete -> job in median {result['median_s']:.2f} s, "
            f"90th percentile {result['p90_s']:.2f} s, max {result['max_s']:.2f} s (settling time 1.0 s)"
        )
        out = ROOT / "benchmarks" / "results"
        out.mkdir(exist_ok=True)
        (out / "intake.json").write_text(json.dumps(result, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
