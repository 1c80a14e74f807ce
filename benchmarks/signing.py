"""What signing adds per document: sign_pdf timed directly on each document (B-B, and
B-T against a time-stamp server on 127.0.0.1), and `station process` with and without
signing on the same scans, in one run.

    python -m benchmarks.signing [--docs N]     (N documents per profile)"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from archive.keys import Pkcs12Key
from archive.signing import SigningConfig, open_signer, sign_pdf
from tests.pki import LocalPKI, TimeStampServer
from tests.synthetic import PROFILES, generate

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=2)
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="station-signbench-"))
    try:
        generate(work / "in", a.docs, list(PROFILES), seed=31)
        exe = str(Path(sys.executable).parent / "station")
        env = {**os.environ, "STATION_DATA_DIR": str(work / "data")}
        runs = {}
        for label, extra in (("unsigned", ["--no-sign"]), ("signed", [])):
            t = time.monotonic()
            subprocess.run(
                [exe, "process", str(work / "in"), "--out", str(work / label), *extra],
                check=True,
                capture_output=True,
                env=env,
            )
            runs[label] = time.monotonic() - t
        pdfs = sorted((work / "unsigned").glob("*.pdf"))
        pki = LocalPKI.create(work / "pki")
        tsa = TimeStampServer(pki)
        per_level = {}
        for level in ("B-B", "B-T"):
            config = SigningConfig(
                "Sở Nội vụ tỉnh Lạng Sơn",
                Pkcs12Key(pki.p12, pin_env=None, pin_file=pki.pin_file),
                level=level,
                tsa_url=tsa.url,
            )
            times = []
            with open_signer(config.key) as signer:
                for pdf in pdfs:
                    t = time.perf_counter()
                    sign_pdf(pdf, work / f"s-{level}.pdf", config, signer)
                    times.append(time.perf_counter() - t)
            per_level[level] = {"mean_s": statistics.mean(times), "max_s": max(times)}
        tsa.close()
        n = len(pdfs)
        result = {
            "documents": n,
            "process_unsigned_s": runs["unsigned"],
            "process_signed_s": runs["signed"],
            "added_per_document_s": (runs["signed"] - runs["unsigned"]) / n,
            "sign_pdf": per_level,
        }
        print(f"{n} documents")
        print(
            f"station process: {runs['unsigned']:.1f} s unsigned, {runs['signed']:.1f} s signed "
            f"-> {result['added_per_document_s']:+.3f} s per document"
        )
        for level, r in per_level.items():
            print(f"sign_pdf {level}: mean {r['mean_s']:.3f} s, max {r['max_s']:.3f} s per document")
        out = ROOT / "benchmarks" / "results"
        out.mkdir(exist_ok=True)
        (out / "signing.json").write_text(json.dumps(result, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
