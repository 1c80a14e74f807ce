"""Field extraction accuracy end to end (scan -> OCR -> fields) on generated documents
of every degradation profile: exact match per field, and how many wrong values were
nonetheless given a confidence above 0.9 (the target is none).

    python -m benchmarks.fields [--docs N]     (N documents per profile; 5 -> 55)
    python -m benchmarks.fields --real DIR     (real documents with DIR/labels.tsv)

With --real, each file of DIR/files is processed and its key fields compared with the
labels read by eye: exact match, empty, wrong, and wrong at confidence >= 0.9, per
field and per kind (scan, born-digital), then the misses document by document. A
label '?' is not scored; an empty label expects an empty field."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from classifiers.fields import FIELD_NAMES
from tests.synthetic import PROFILES, generate

ROOT = Path(__file__).resolve().parent.parent
FIELDS = list(FIELD_NAMES)
MUST = ["so_ky_hieu", "date", "issuer", "type"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=23)
    ap.add_argument("--show-errors", action="store_true")
    ap.add_argument("--real", type=Path, help="a folder with labels.tsv and files/ (real documents)")
    ap.add_argument("--out", type=Path, help="with --real: keep the station's output here")
    a = ap.parse_args()
    if a.real:
        from .realdocs import run

        run(a.real, a.out)
        return
    work = Path(tempfile.mkdtemp(prefix="station-fields-"))
    try:
        samples = generate(work / "in", a.docs, list(PROFILES), seed=a.seed)
        exe = Path(sys.executable).parent / "station"
        subprocess.run(
            [str(exe), "process", str(work / "in"), "--out", str(work / "out"), "--no-sign"],
            check=True,
            capture_output=True,
        )
        right, total, confident_wrong = Counter(), Counter(), Counter()
        errors = []
        untouched = 0  # documents whose four key fields are all right and green
        for s in samples:
            rec = json.loads((work / "out" / f"{s.path.stem}.json").read_text())
            got = rec["documents"][0]["fields"]
            untouched += all((f := got.get(k)) and f["value"] == s.truth[k] and f["confidence"] >= 0.9 for k in MUST)
            for k in FIELDS:
                expected = s.truth[k]
                f = got.get(k)
                value = f["value"] if f else None
                total[k] += 1
                if value == expected:
                    right[k] += 1
                else:
                    errors.append((s.path.name, k, value, expected, f["confidence"] if f else None))
                    if f and f["confidence"] >= 0.9:  # shown green
                        confident_wrong[k] += 1
        print(f"{len(samples)} documents, {len(PROFILES)} profiles\n")
        print("| field | exact match | wrong with confidence ≥ 0.9 (green) |\n|---|---|---|")
        for k in FIELDS:
            mark = " (must ≥ 97%)" if k in MUST else ""
            print(f"| {k}{mark} | {right[k]}/{total[k]} = {100 * right[k] / total[k]:.1f}% | {confident_wrong[k]} |")
        print(f"\nnothing to touch ({', '.join(MUST)} right and green): {untouched}/{len(samples)}")
        if a.show_errors:
            for e in errors:
                print(*e, sep=" | ")
        out = ROOT / "benchmarks" / "results"
        out.mkdir(exist_ok=True)
        (out / "fields.json").write_text(
            json.dumps(
                {
                    "documents": len(samples),
                    "exact": {k: right[k] / total[k] for k in FIELDS},
                    "confident_wrong": dict(confident_wrong),
                    "nothing_to_touch": untouched,
                    "errors": errors,
                },
                ensure_ascii=False,
                indent=1,
            )
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
