"""The Tesseract engine (LSTM, `vie`): the command-line program, its TSV and its
orientation and script detection."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import tempfile
import unicodedata
from functools import lru_cache

import cv2
import numpy as np

from .engine import Orientation
from .errors import InputError, OCREngineError
from .types import Word

DEFAULT_LANG = "vie"
PAGE_TIMEOUT_S = 300


class TesseractEngine:
    """The station's OCR engine (see `ocr.engine.OcrEngine`)."""

    name = "tesseract"

    def version(self) -> str:
        return tesseract_version()

    def orientation(self, grey: np.ndarray, dpi: float) -> Orientation:
        return detect_orientation(grey, dpi)

    def words(self, grey: np.ndarray, dpi: float, lang: str = DEFAULT_LANG, psm: int = 3) -> list[Word]:
        return run_tsv(grey, dpi, lang, psm)


@lru_cache(maxsize=1)
def tesseract_version() -> str:
    try:
        out = subprocess.run(["tesseract", "--version"], capture_output=True, text=True, timeout=30)
    except (FileNotFoundError, subprocess.TimeoutExpired):
        raise OCREngineError("Tesseract is not installed (Debian package tesseract-ocr)")
    found = re.search(r"tesseract\s+v?([\d.]+\S*)", out.stdout + out.stderr)
    return found.group(1) if found else "unknown"


def detect_orientation(grey: np.ndarray, dpi: float) -> Orientation:
    """Tesseract OSD on a half-resolution copy (plenty for the 4-way decision, and
    ~2x faster than full size). Pages with too little text come back as 0°, confidence 0."""
    small = cv2.resize(grey, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    with tempfile.NamedTemporaryFile(suffix=".pgm") as f:
        cv2.imwrite(f.name, small)
        try:
            proc = subprocess.run(
                ["tesseract", f.name, "stdout", "--psm", "0", "--dpi", str(round(dpi / 2))],
                capture_output=True,
                text=True,
                env=tesseract_env(),
                timeout=120,
            )
        except subprocess.TimeoutExpired:
            return Orientation(0, 0.0)
        except FileNotFoundError:
            raise OCREngineError("Tesseract is not installed (Debian package tesseract-ocr)")
    rot = re.search(r"Rotate: (\d+)", proc.stdout)
    conf = re.search(r"Orientation confidence: ([\d.]+)", proc.stdout)
    if proc.returncode != 0 or not rot or not conf:
        return Orientation(0, 0.0)
    return Orientation(int(rot.group(1)) % 360, float(conf.group(1)))


def tesseract_env() -> dict[str, str]:
    # Pages already run in parallel, one per core: Tesseract's own OpenMP threads would
    # only compete with them.
    env = dict(os.environ)
    env["OMP_THREAD_LIMIT"] = "1"
    return env


def run_tsv(grey: np.ndarray, dpi: float, lang: str = DEFAULT_LANG, psm: int = 3) -> list[Word]:
    """Recognise a prepared greyscale page; words with boxes in its pixel frame.

    The page is handed over as an uncompressed PGM: encoding PNG costs more than the
    write of a few megabytes to the temporary folder."""
    with tempfile.NamedTemporaryFile(suffix=".pgm") as f:
        cv2.imwrite(f.name, grey)
        try:
            proc = subprocess.run(
                ["tesseract", f.name, "stdout", "-l", lang, "--psm", str(psm), "--dpi", str(round(dpi)), "tsv"],
                capture_output=True,
                env=tesseract_env(),
                timeout=PAGE_TIMEOUT_S,
            )
        except FileNotFoundError:
            raise OCREngineError("Tesseract is not installed (Debian package tesseract-ocr)")
        except subprocess.TimeoutExpired:
            raise InputError(f"recognition of the page took longer than {PAGE_TIMEOUT_S} s")
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace")
        if "Failed loading language" in err or "Error opening data file" in err:
            raise OCREngineError(f"Tesseract has no '{lang}' language data (Debian package tesseract-ocr-{lang})")
        raise OCREngineError(f"Tesseract failed: {err.strip().splitlines()[-1] if err.strip() else proc.returncode}")
    return parse_tsv(proc.stdout.decode("utf-8", "replace"))


def parse_tsv(tsv: str) -> list[Word]:
    """Word rows of Tesseract's TSV. A Tesseract line that spans a wide gap (the two
    header columns of a Decree 30 page often come out as one line) is split there, so
    a line id means one run of text that a reader would read as a unit."""
    rows = csv.reader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(rows, None)
    if not header:
        return []
    raw: list[tuple[tuple[int, int, int], int, Word]] = []
    for r in rows:
        if len(r) < 12 or r[0] != "5":
            continue
        text = unicodedata.normalize("NFC", r[11]).strip()
        conf = float(r[10])
        if not text or conf < 0:
            continue
        x, y, w, h = (int(v) for v in r[6:10])
        key = (int(r[2]), int(r[3]), int(r[4]))
        raw.append((key, int(r[2]), Word(text, (x, y, x + w, y + h), conf, 0, int(r[2]))))
    words: list[Word] = []
    line_id = -1
    prev_key = None
    prev: Word | None = None
    for key, block, word in raw:
        if key != prev_key:
            line_id += 1
        elif prev is not None:
            height = max(word.height, prev.height, 1)
            if word.box[0] - prev.box[2] > 2.5 * height:
                line_id += 1
        words.append(Word(word.text, word.box, word.confidence, line_id, block))
        prev_key, prev = key, word
    return words
