"""How often the two digit readers, reading a number alike, are right, by how sure each is:
the evidence behind ocr/handwriting.py's thresholds for 'read alike' (shown green).

Numbers of one to four digits are composed exactly as the line reader's training
composes them (scripts/train_digit_lines.py), from the held-out digits neither reader
was trained on (MNIST's and scikit-learn's held-out fifth, two held-out fonts); each is
read by the glyph reader and, over the pieces it keeps, by the line reader, as a slot
is on a page. For each pair of thresholds: the readings both read alike, each at least
that sure, counted right, wrong by a digit lost or added ('len': mostly a faint held-out
digit both dropped as specks) and wrong by a digit read as another ('sub').

    scripts/bootstrap.sh train && .venv/bin/python scripts/calibrate_hand_readings.py [COUNT] [SEED]
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import train_digit_lines as lines  # noqa: E402 - after the path is set

from ocr.digit_lines import line_reader  # noqa: E402
from ocr.digits import digit_ink, lost_ink, reader  # noqa: E402
from ocr.handwriting import MOST_INK_LOST  # noqa: E402

# (glyph reader, line reader) each at least so sure; the station's rule is the first.
THRESHOLDS = [(0.9, 0.9), (0.8, 0.95), (0.8, 0.9), (0.7, 0.95), (0.6, 0.9)]


def readings(count: int, seed: int) -> list[tuple[str, tuple[str, float] | None, tuple[str, float] | None, float]]:
    """(the number written, the glyph reader's reading, the line reader's, the share of
    ink dropped among the digits: ocr.digits.lost_ink) for `count` composed numbers."""
    glyphs, whole = reader(), line_reader()
    if glyphs is None or whole is None:
        raise SystemExit("calibrate_hand_readings: a digit reader's weights are missing (ocr/data)")
    _, held = lines.pools(np.random.default_rng(20240611))
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        n = int(rng.choice(lines._LENGTHS[0], p=lines._LENGTHS[1]))
        digits = [int(d) for d in rng.integers(0, 10, n)]
        ink = (lines.compose(digits, held, rng) * 255).astype(np.uint8)
        ys = np.nonzero(ink)[0]
        # The printed line beside a slot is a little lower than the hand's digits.
        line_h = (ys.max() - ys.min() + 1) / rng.uniform(1.0, 1.4)
        a = glyphs.read(ink, line_h)
        clean = digit_ink(ink, line_h)
        b = whole.read(clean) if clean.any() else None
        lost = lost_ink(ink, clean, line_h)
        out.append(("".join(map(str, digits)), a and (a.text, a.confidence), b and (b.text, b.confidence), lost))
    return out


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1200
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    rows = readings(count, seed)
    print(f"{count} held-out numbers (seed {seed})")
    print("| glyph reader ≥ | line reader ≥ | read alike | right | wrong (len) | wrong (sub) |")
    print("|---|---|---|---|---|---|")
    rules = [([t], f"{t[0]} | {t[1]}", 1.0) for t in THRESHOLDS] + [
        (THRESHOLDS[:1], f"0.9 | 0.9, ink lost ≤ {MOST_INK_LOST} (the station)", MOST_INK_LOST)
    ]
    for pairs, name, most_lost in rules:
        c: Counter[str] = Counter()
        for truth, a, b, lost in rows:
            if a and b and a[0] == b[0] and lost <= most_lost and any(a[1] >= g and b[1] >= ln for g, ln in pairs):
                c["right" if a[0] == truth else "len" if len(a[0]) != len(truth) else "sub"] += 1
        print(f"| {name} | {sum(c.values())} | {c['right']} | {c['len']} | {c['sub']} |")


if __name__ == "__main__":
    main()
