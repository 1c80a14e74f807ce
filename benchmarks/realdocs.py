"""Key fields on real documents against labels read by eye (see benchmarks.fields)."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

KEYS = ["so_ky_hieu", "date", "issuer", "type"]
ALSO = ["place", "parent_issuer"]  # labelled too, not registration fields: shown, not scored
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
    also = Counter()
    handwritten = Counter()  # values the station read from handwriting: how many are right
    slots = Counter()  # the digit reader's readings of handwritten slots, filled in or noted
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
        for k in ALSO:
            f = fields.get(k) or {}
            if r[k] == "?":
                continue
            ok = norm("issuer", f.get("value")) == norm("issuer", r[k])  # an empty label: none on the page
            also[k] += 1
            also[k + "_exact"] += ok
            also[k + "_wrong_green"] += not ok and bool(f.get("value")) and float(f.get("confidence", 0)) >= GREEN
        untouched[kind] += all_green_right
        if rec.get("status") == "ok":
            _count_slots(rec["documents"][0], r, slots)
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
    for k in ALSO:
        print(
            f"\n{k} (labelled, not scored): {also[k + '_exact']}/{also[k]} exact, "
            f"wrong at ≥ 0.9: {also[k + '_wrong_green']}"
        )
    for kind in ("scan", "born-digital"):
        print(
            f"\nnothing to touch (4 key fields right and green), {kind}: {untouched[kind]}/{untouched['docs_' + kind]}"
        )
    for k in ("so_ky_hieu", "date"):
        if handwritten[k]:
            print(f"\n{k} read from handwriting: {handwritten[k + '_exact']}/{handwritten[k]} exact")
    for kind in ("number", "day"):
        if slots[kind]:
            print(
                f"\nhandwritten {kind} slots read (filled in or guessed in a note): {slots[kind]}, "
                f"right {slots[kind + '_right']} (filled in {slots[kind + '_filled']}, "
                f"of them right {slots[kind + '_filled_right']})"
            )
    print("\nmisses:")
    for m in misses:
        print("  " + m)
    if keep is None:
        shutil.rmtree(out, ignore_errors=True)


_GUESS = re.compile(r"the (?:handwritten )?(number|day) may be (\d+)")


def _count_slots(doc: dict, label: dict[str, str], slots: Counter) -> None:
    """The digit reader's readings on this document against the label: a filled-in
    handwritten value, or the guess a note holds when it was too unsure to fill in."""
    want = {
        "number": re.match(r"\d*", label["so_ky_hieu"]).group(0) if label["so_ky_hieu"] != "?" else "",  # type: ignore[union-attr]
        "day": str(int(label["date"][8:10])) if re.fullmatch(r"\d{4}-\d\d-\d\d", label["date"]) else "",
    }
    fields = doc["fields"]
    read: dict[str, tuple[str, bool]] = {}
    so, dt = fields.get("so_ky_hieu") or {}, fields.get("date") or {}
    if so.get("source") == "handwritten" and so.get("value"):
        read["number"] = (re.match(r"\d*", so["value"]).group(0), True)  # type: ignore[union-attr]
    if dt.get("source") == "handwritten" and re.fullmatch(r"\d{4}-\d\d-\d\d", str(dt.get("value"))):
        read["day"] = (str(int(dt["value"][8:10])), True)
    for note in doc.get("notes", []):
        m = _GUESS.search(note)
        if m and m.group(1) not in read:
            read[m.group(1)] = (m.group(2), False)
    for kind, (digits, filled) in read.items():
        if not want[kind]:
            continue
        slots[kind] += 1
        slots[kind + "_right"] += digits == want[kind]
        slots[kind + "_filled"] += filled
        slots[kind + "_filled_right"] += filled and digits == want[kind]
