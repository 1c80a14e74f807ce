"""How often mending tone marks (classifiers/tones.py) changes text that was right: the
text layers of born-digital documents state every word as its issuer wrote it, so
every change there is a false mending (or a typo of the source's own).

    python -m benchmarks.tones --real ../shared/realdocs-dev [--scans OUT]

Prints the syllables looked at, the words changed and each change in its line. With
`--scans OUT` (the folder `benchmarks.fields --real ... --out OUT` filled), also how
many words of the scans' OCR text it changes, each shown, to be judged by eye."""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import pikepdf

from classifiers.text import clean
from classifiers.tones import mend_tones
from ocr.textlayer import read_text_layer
from ocr.types import lines_of
from ocr.vietnamese import LETTER_RUN


def born_digital(folder: Path) -> list[Path]:
    with (folder / "labels.tsv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return [folder / "files" / r["file"] for r in rows if r["kind"] == "born-digital"]


def _changes(name: str, lines: list[str]) -> tuple[int, list[tuple[str, str, str, str]]]:
    syllables, out = 0, []
    for line in lines:
        text = clean(line)
        mended = mend_tones(text)
        syllables += len(LETTER_RUN.findall(text))
        out += [(name, a, b, text) for a, b in zip(text.split(), mended.split()) if a != b]
    return syllables, out


def _report(what: str, syllables: int, changes: list[tuple[str, str, str, str]]) -> None:
    print(f"{syllables} syllables of {what}, {len(changes)} words changed")
    for name, a, b, line in changes:
        print(f"  {name}: {a} → {b}   ({line[:90]})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, required=True, help="a folder with labels.tsv and files/")
    parser.add_argument("--scans", type=Path, help="benchmarks.fields' --out folder: the scans' OCR words")
    args = parser.parse_args()
    syllables, changes = 0, []
    for path in born_digital(args.real):
        with pikepdf.open(path) as pdf:
            count = len(pdf.pages)
        for index in range(1, count + 1):
            lines = [" ".join(w.text for w in line) for line in lines_of(read_text_layer(path, index, 72.0).words)]
            n, found = _changes(path.name, lines)
            syllables, changes = syllables + n, changes + found
    _report("born-digital text (every word as written)", syllables, changes)
    if args.scans is None:
        return
    digital = {p.stem for p in born_digital(args.real)}
    syllables, changes = 0, []
    for words in sorted(args.scans.glob("*.words.json")):
        name = words.name.removesuffix(".words.json")
        if name in digital:
            continue
        for page in json.loads(words.read_text(encoding="utf-8"))["pages"]:
            rows: dict[int, list[str]] = {}
            for text, _box, _conf, _block, line in page["words"]:
                rows.setdefault(line, []).append(text)
            n, found = _changes(name, [" ".join(ws) for ws in rows.values()])
            syllables, changes = syllables + n, changes + found
    _report("the scans' OCR text (to judge by eye)", syllables, changes)


if __name__ == "__main__":
    main()
