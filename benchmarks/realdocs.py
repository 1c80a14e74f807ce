"""Key fields on real documents against labels read by eye (see benchmarks.fields)."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

KEYS = ["so_ky_hieu", "date", "issuer", "type"]
GREEN = 0.9


def norm(field: str, value: str | None) -> str:
    """Comparison form: NFC, one space, old/new tone placement alike; số ký hiệu
    without spaces (the labels remove them)."""
    if not value:
        return ""
    v = unicodedata.normalize("NFC", str(value)).strip()
    for old, new in (
        ("oà", "òa"),
        ("oá", "óa"),
        ("oả", "ỏa"),
        ("oã", "õa"),
        ("oạ", "ọa"),
        ("uỷ", "ủy"),
        ("Uỷ", "Ủy"),
        ("UỶ", "ỦY"),
        ("OÀ", "ÒA"),
    ):
        v = v.replace(old, new)
    v = " ".join(v.split())
    if field == "so_ky_hieu":
        v = v.replace(" ", "")
    if field in ("issuer", "type"):
        v = v.upper()
    return v


def run(folder: Path, keep: Path | None) -> None:
    labels = list(csv.DictReader((folder / "labels.tsv").open(encoding="utf-8"), delimiter="\t"))
    out = keep or Path(tempfile.mkdtemp(prefix="station-real-"))
    files = [folder / "files" / r["file"] for r in labels]
    exe = Path(sys.executable).parent / "station"
    proc = subprocess.run(
        [str(exe), "process", *map(str, files), "--out", str(out), "--no-sign"], capture_output=True, text=True
    )
    if proc.returncode not in (0, 1):
        print(proc.stderr, file=sys.stderr)
    stats: dict[tuple[str, str], Counter] = defaultdict(Counter)
    misses: list[str] = []
    untouched = Counter()
    handwritten = Counter()  # values the station read from handwriting: how many are right
    for r in labels:
        kind = r["kind"]
        rec_path = out / f"{Path(r['file']).stem}.json"
        rec = json.loads(rec_path.read_text()) if rec_path.exists() else {"status": "missing"}
        fields = rec["documents"][0]["fields"] if rec.get("status") == "ok" else {}
        all_green_right = True
        for k in KEYS:
            want = r[k]
            f = fields.get(k) or {}
            got, conf = f.get("value"), float(f.get("confidence", 0.0))
            if want == "?":
                all_green_right = False
                continue
            c = stats[(k, kind)]
            c["scored"] += 1
            ok = norm(k, got) == norm(k, want)
            if f.get("source") == "handwritten":
                handwritten[k] += 1
                handwritten[k + "_exact"] += ok
            if ok:
                c["exact"] += 1
                if conf < GREEN:
                    all_green_right = False
            else:
                all_green_right = False
                if not got:
                    c["empty"] += 1
                else:
                    c["wrong"] += 1
                    if conf >= GREEN:
                        c["wrong_green"] += 1
                misses.append(
                    f"{r['file']} {k}: got {got!r} ({conf:.2f}), label {want!r}"
                    + ("" if rec.get("status") == "ok" else f" [{rec.get('status')}: {rec.get('error')}]")
                )
        untouched[kind] += all_green_right
        untouched["docs_" + kind] += 1
    print(f"{len(labels)} real documents from {folder}\n")
    print("| field | kind | exact | empty | wrong | wrong at ≥ 0.9 |\n|---|---|---|---|---|---|")
    for k in KEYS:
        for kind in ("scan", "born-digital", "all"):
            c = Counter()
            for (kk, kd), v in stats.items():
                if kk == k and (kind == "all" or kd == kind):
                    c.update(v)
            if c["scored"]:
                print(
                    f"| {k} | {kind} | {c['exact']}/{c['scored']} = {100 * c['exact'] / c['scored']:.0f}% | "
                    f"{c['empty']} | {c['wrong']} | {c['wrong_green']} |"
                )
    for kind in ("scan", "born-digital"):
        print(
            f"\nnothing to touch (4 key fields right and green), {kind}: {untouched[kind]}/{untouched['docs_' + kind]}"
        )
    for k in ("so_ky_hieu", "date"):
        if handwritten[k]:
            print(f"\n{k} read from handwriting: {handwritten[k + '_exact']}/{handwritten[k]} exact")
    print("\nmisses:")
    for m in misses:
        print("  " + m)
    if keep is None:
        shutil.rmtree(out, ignore_errors=True)
