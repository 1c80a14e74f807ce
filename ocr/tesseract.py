"""The Tesseract engine (LSTM, `vie`) in process: its TSV and its orientation and
script detection."""

from __future__ import annotations

import csv
import glob
import io
import os
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import lru_cache

# Pages already run in parallel, one per core: Debian's Tesseract library would start
# OpenMP threads of its own that only compete with them. OpenMP reads this when the
# library loads, so it is set before tesserocr is imported.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import cv2
import numpy as np
import tesserocr

from .engine import Orientation
from .errors import InputError, OCREngineError
from .types import Word

DEFAULT_LANG = "vie"
PAGE_TIMEOUT_S = 300


class TesseractEngine:
    """The station's OCR engine (see `ocr.engine.OcrEngine`): Tesseract's library
    loaded once in each worker process (tesserocr), not a `tesseract` program started
    and its language data reloaded for every call. tesserocr is built against the
    system's libtesseract (scripts/bootstrap.sh), not the PyPI wheel's own newer copy:
    the station's confidence thresholds were measured on Debian's 5.3, and 5.5 reads
    digits less surely (a clean printed "55" at 53 rather than 67)."""

    name = "tesseract"

    def version(self) -> str:
        return tesseract_version()

    def orientation(self, grey: np.ndarray, dpi: float) -> Orientation:
        return detect_orientation(grey, dpi)

    def words(self, grey: np.ndarray, dpi: float, lang: str = DEFAULT_LANG, psm: int = 3) -> list[Word]:
        return run_tsv(grey, dpi, lang, psm)


@lru_cache(maxsize=1)
def tesseract_version() -> str:
    found = re.search(r"tesseract\s+v?([\d.]+\S*)", tesserocr.tesseract_version())
    return found.group(1) if found else "unknown"


@lru_cache(maxsize=1)
def tessdata_dir() -> str:
    """Where the language data lies: $TESSDATA_PREFIX, else Debian's and Ubuntu's
    folders (tesseract-ocr-vie and tesseract-ocr-osd install there)."""
    candidates = [os.environ["TESSDATA_PREFIX"]] if os.environ.get("TESSDATA_PREFIX") else []
    candidates += sorted(glob.glob("/usr/share/tesseract-ocr/*/tessdata"), reverse=True)
    candidates += ["/usr/share/tessdata", "/usr/local/share/tessdata"]
    for d in candidates:
        if os.path.exists(os.path.join(d, f"{DEFAULT_LANG}.traineddata")):
            return d
    raise OCREngineError(
        f"Tesseract has no '{DEFAULT_LANG}' language data (Debian package tesseract-ocr-{DEFAULT_LANG}; "
        "or set TESSDATA_PREFIX to the folder holding it)"
    )


# One loaded engine per language and process. A pool worker forked from a process
# that had loaded one must not share it: the pid says whose it is.
_apis: dict[tuple[int, str, str], tesserocr.PyTessBaseAPI] = {}


def _api(lang: str, whitelist: str = "") -> tesserocr.PyTessBaseAPI:
    """The process's engine for `lang`; one held to the characters of `whitelist`, if
    given, is an engine of its own (the variable would hold for every later page)."""
    key = (os.getpid(), lang, whitelist)
    api = _apis.get(key)
    if api is None:
        psm = tesserocr.PSM.OSD_ONLY if lang == "osd" else tesserocr.PSM.AUTO
        try:
            api = tesserocr.PyTessBaseAPI(path=tessdata_dir() + os.sep, lang=lang, psm=psm)
        except RuntimeError:
            raise OCREngineError(f"Tesseract has no '{lang}' language data (Debian package tesseract-ocr-{lang})")
        if whitelist:
            api.SetVariable("tessedit_char_whitelist", whitelist)
        _apis[key] = api
    return api


# Tesseract's English model held to the ten digits, one line: a second reader of a
# hand's digits, independent of the station's own digit reader (ocr/digits.py).
# English: on the real scans' written digits it agreed with the digit reader twice
# as often as the Vietnamese model, whose line model expects words.
_DIGITS_LANG = "eng"


_MARGIN = 20  # white around a cut-out, in pixels: Tesseract reads one best with some


def _with_margin(cut: np.ndarray) -> np.ndarray:
    return cv2.copyMakeBorder(cut, _MARGIN, _MARGIN, _MARGIN, _MARGIN, cv2.BORDER_CONSTANT, value=255)


def read_digit_line(grey: np.ndarray) -> str:
    """The digits Tesseract reads in a small cut-out of one line of digits (dark on
    light; a margin of paper is added)."""
    api = _api(_DIGITS_LANG, "0123456789")
    with _image(api, _with_margin(grey), 300):
        api.SetPageSegMode(tesserocr.PSM.SINGLE_LINE)
        text = api.GetUTF8Text()
    return "".join(c for c in text if c.isdigit())


def read_symbols(grey: np.ndarray, dpi: float, lang: str = DEFAULT_LANG) -> list[tuple[str, tuple[int, int, int, int]]]:
    """The characters Tesseract reads in a small cut-out of one line (a margin of paper
    is added), each with its box (x0, y0, x1, y1) in the cut-out: where a word's letters
    stand, which its box alone does not say."""
    api = _api(lang)
    level = tesserocr.RIL.SYMBOL
    out = []
    with _image(api, _with_margin(grey), dpi):
        api.SetPageSegMode(tesserocr.PSM.SINGLE_LINE)
        if not api.Recognize():
            return []
        for r in tesserocr.iterate_level(api.GetIterator(), level):
            text, box = r.GetUTF8Text(level), r.BoundingBox(level)
            if text and box:
                x0, y0, x1, y1 = (v - _MARGIN for v in box)
                out.append((unicodedata.normalize("NFC", text), (x0, y0, x1, y1)))
    return out


@contextmanager
def _image(api: tesserocr.PyTessBaseAPI, grey: np.ndarray, dpi: float) -> Iterator[None]:
    """The engine given one image for the calls inside; afterwards it lets go of the
    image and of what it made of it (layout, results), so a worker's memory holds one
    page at a time, not one more."""
    grey = np.ascontiguousarray(grey, dtype=np.uint8)
    h, w = grey.shape
    buf = grey.tobytes()  # the engine keeps a pointer to it, not a copy: alive until cleared
    api.SetImageBytes(buf, w, h, 1, w)
    api.SetSourceResolution(max(1, round(dpi)))
    try:
        yield
    finally:
        api.Clear()


def detect_orientation(grey: np.ndarray, dpi: float) -> Orientation:
    """Tesseract OSD on a half-resolution copy (plenty for the 4-way decision, and
    ~2x faster than full size). Pages with too little text come back as 0°, confidence 0."""
    small = cv2.resize(grey, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    api = _api("osd")
    with _image(api, small, dpi / 2):
        found = api.DetectOrientationScript()
    if not found:
        return Orientation(0, 0.0)
    # Tesseract names the page's own rotation; the station keeps the turn that undoes it.
    return Orientation((360 - int(found["orient_deg"])) % 360, float(found["orient_conf"]))


# Whole pages are read at no more than this resolution. Tesseract's LSTM reads each line
# scaled to its own fixed height, so what more pixels cost is the page layout analysis:
# a 400- or 600-dpi scan is read at 300. Lower was measured and refused for now: at
# 200 dpi a 300-dpi page read in two thirds of the time with the same CER, but a
# small "CTr" of a notation lost its "r". Cut-outs (a line, a stamp, a number stamped
# as a picture) keep every pixel.
RECOGNITION_DPI = 300.0
_WHOLE_PAGE_PSM = 3


def run_tsv(grey: np.ndarray, dpi: float, lang: str = DEFAULT_LANG, psm: int = 3) -> list[Word]:
    """Recognise a prepared greyscale page; words with boxes in its pixel frame."""
    scale = RECOGNITION_DPI / dpi if psm == _WHOLE_PAGE_PSM and dpi > 1.1 * RECOGNITION_DPI else 1.0
    if scale < 1.0:
        grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    api = _api(lang)
    with _image(api, grey, dpi * scale):
        api.SetPageSegMode(psm)
        if not api.Recognize(timeout=PAGE_TIMEOUT_S * 1000):
            raise InputError(f"recognition of the page took longer than {PAGE_TIMEOUT_S} s")
        words = parse_tsv(_TSV_HEADER + api.GetTSVText(0))
    if scale == 1.0:
        return words
    up = 1.0 / scale
    return [
        replace(w, box=(round(w.box[0] * up), round(w.box[1] * up), round(w.box[2] * up), round(w.box[3] * up)))
        for w in words
    ]


# The library's TSV has no header row (the program's has): parse_tsv reads both alike.
_TSV_HEADER = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"


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
